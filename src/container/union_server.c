#include "union_server.h"
#include "../runtime/idmap.h"
#include "../util/fsutil.h"

#include <signal.h>
#include <stdbool.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/fsuid.h>
#include <sys/stat.h>

/* The id inside this user namespace that `outside` maps to, from a
 * /proc/self/{uid,gid}_map file. */
static int inside_id(const char *map, unsigned long outside, unsigned long *inside, lp_error_t *err)
{
  FILE *f = fopen(map, "re");
  if (!f)
    return lp_error(err, errno, "open %s", map);
  unsigned long in, out, count;
  int found = 0;
  while (!found && fscanf(f, "%lu %lu %lu", &in, &out, &count) == 3)
    if (outside >= out && outside - out < count)
      {
        *inside = in + (outside - out);
        found = 1;
      }
  fclose(f);
  if (!found)
    return lp_error(err, 0, "id %lu is not mapped in %s", outside, map);
  return 0;
}

static int files_as_host_user(uid_t host_uid, gid_t host_gid, lp_error_t *err)
{
  unsigned long uid, gid;
  if (inside_id("/proc/self/uid_map", host_uid, &uid, err) < 0
      || inside_id("/proc/self/gid_map", host_gid, &gid, err) < 0)
    return lp_error_wrap(err, "find the user's own ids in the user namespace");
  setfsgid((gid_t) gid);
  setfsuid((uid_t) uid);
  /* Both calls return the previous value; asking again tells if they took. */
  if ((unsigned long) setfsuid((uid_t) -1) != uid || (unsigned long) setfsgid((gid_t) -1) != gid)
    return lp_error(err, EPERM, "set the file-system ids to %lu:%lu", uid, gid);
  return 0;
}

/* home's owner as this user namespace sees it, when we are its root and it
 * is not the initial one and home belongs to someone else; else false. */
static bool store_owner_inside(const char *home, struct stat *st)
{
  if (geteuid() != 0 || lp_userns_is_initial() || stat(home, st) < 0)
    return false;
  return st->st_uid != 0 && st->st_uid != (uid_t)65534;
}

uid_t lp_ctr_files_owner(const char *home, gid_t *gid)
{
  struct stat st;
  *gid = (gid_t)-1;
  if (geteuid() != 0)
    {
      *gid = getgid();
      return getuid();
    }
  if (!store_owner_inside(home, &st))
    return (uid_t)-1;
  struct lp_idmap um = { 0 }, gm = { 0 };
  lp_error_t e = NULL;
  uint32_t hu, hg;
  uid_t r = (uid_t)-1;
  if (lp_idmap_read_self("uid_map", &um, &e) == 0 && lp_idmap_read_self("gid_map", &gm, &e) == 0
      && lp_idmap_to_host(&um, (uint32_t)st.st_uid, &hu) && lp_idmap_to_host(&gm, (uint32_t)st.st_gid, &hg))
    {
      r = (uid_t)hu;
      *gid = (gid_t)hg;
    }
  lp_error_free(&e);
  lp_idmap_free(&um);
  lp_idmap_free(&gm);
  return r;
}

void lp_ctr_files_as_store_owner(const char *home)
{
  struct stat st;
  if (!store_owner_inside(home, &st))
    return;
  setfsgid(st.st_gid);
  setfsuid(st.st_uid);
}

pid_t lp_ctr_union_serve(const struct lp_unionfs_config *cfg, uid_t host_uid, gid_t host_gid, const int *close_fds,
                         size_t nclose, lp_error_t *err)
{
  int rp[2];
  if (pipe2(rp, O_CLOEXEC) < 0)
    return lp_error(err, errno, "pipe");
  pid_t parent = getpid();
  pid_t pid = fork();
  if (pid < 0)
    {
      close(rp[0]);
      close(rp[1]);
      return lp_error(err, errno, "fork the FUSE server");
    }
  if (pid == 0)
    {
      lp_error_t e = NULL;
      struct lp_unionfs *fs = NULL;
      close(rp[0]);
      for (size_t i = 0; i < nclose; i++)
        if (close_fds[i] >= 0)
          close(close_fds[i]);
      if ((host_uid != (uid_t) -1 && files_as_host_user(host_uid, host_gid, &e) < 0)
          || lp_unionfs_mount(cfg, &fs, &e) < 0)
        {
          (void) lp_write_all(rp[1], e->msg, strlen(e->msg));
          _exit(1);
        }
      /* After setfsuid, which clears the parent-death signal; a parent
       * already gone (reparented) means no one will unmount: end now. */
      prctl(PR_SET_PDEATHSIG, SIGKILL);
      if (getppid() != parent)
        _exit(1);
      if (lp_write_all(rp[1], "R", 1) < 0)
        _exit(1);
      close(rp[1]);
      if (lp_unionfs_serve(fs, &e) < 0)
        lp_error_free(&e);
      lp_unionfs_unmount_and_free(fs);
      _exit(0);
    }
  close(rp[1]);
  char buf[1024];
  ssize_t n;
  while ((n = read(rp[0], buf, sizeof buf - 1)) < 0 && errno == EINTR)
    ;
  close(rp[0]);
  if (n != 1 || buf[0] != 'R')
    {
      buf[n > 0 ? n : 0] = '\0';
      while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
        ;
      return lp_error(err, 0, "mount the container's root filesystem: %s", n > 0 ? buf : "the FUSE server died");
    }
  return pid;
}
