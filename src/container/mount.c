/* mount: a container's rootfs served by a detached process, with a mount
 * count (see mount.h). */
#include "mount.h"

#include "spawn.h"
#include "state.h"
#include "union_server.h"

#include "../fuse/unionfs.h"
#include "../store/tree.h"
#include "../util/fsutil.h"
#include "../util/log.h"
#include "../util/strbuf.h"
#include "../util/xalloc.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

static char *record_path(const char *id)
{
  cleanup_free char *dir = lp_container_dir(id);
  return xasprintf("%s/mount", dir);
}

char *lp_ctr_mount_path(struct lp_store *s, const char *id)
{
  cleanup_free char *dir = lp_container_dir(id);
  char *abs = realpath(lp_store_home(s), NULL);
  char *r = xasprintf("%s/%s/merged", abs ? abs : lp_store_home(s), dir);
  free(abs);
  return r;
}

/* 1 with *m when the record is there and reads, else 0. */
static int record_read(struct lp_store *s, const char *id, struct lp_ctr_mount_info *m)
{
  cleanup_free char *path = record_path(id);
  struct strbuf sb = STRBUF_INIT;
  lp_error_t err = NULL;
  int rc = 0;
  if (lp_read_file_at(lp_store_dirfd(s), path, &sb, &err) < 0)
    lp_error_free(&err);
  else
    {
      int count = 0, pid = 0;
      unsigned long long start = 0;
      if (sb.buf && sscanf(sb.buf, "%d %d %llu", &count, &pid, &start) == 3 && count > 0 && pid > 0)
        {
          m->count = count;
          m->pid = pid;
          m->start = start;
          rc = 1;
        }
    }
  strbuf_release(&sb);
  return rc;
}

static int record_write(struct lp_store *s, const char *id, const struct lp_ctr_mount_info *m, lp_error_t *err)
{
  cleanup_free char *path = record_path(id);
  cleanup_free char *txt = xasprintf("%d %d %llu\n", m->count, (int)m->pid, (unsigned long long)m->start);
  if (lp_write_file_at(lp_store_dirfd(s), path, txt, strlen(txt), 0600, 0, err) < 0)
    return lp_error_wrap(err, "record the mount of container %.12s", id);
  return 0;
}

static void record_remove(struct lp_store *s, const char *id)
{
  cleanup_free char *path = record_path(id);
  if (unlinkat(lp_store_dirfd(s), path, 0) < 0 && errno != ENOENT)
    lp_debug("remove %s: %s", path, strerror(errno));
}

int lp_ctr_mounted(struct lp_store *s, const char *id, struct lp_ctr_mount_info *m)
{
  return record_read(s, id, m) == 1 && lp_proc_alive(m->pid, m->start);
}

static bool same_mntns(pid_t pid)
{
  char p[64];
  struct stat a, b;
  snprintf(p, sizeof p, "/proc/%d/ns/mnt", (int)pid);
  return stat(p, &a) == 0 && stat("/proc/self/ns/mnt", &b) == 0 && a.st_ino == b.st_ino && a.st_dev == b.st_dev;
}

/* SIGTERM, then SIGKILL; the server unmounts on its way out. */
static void stop_server(const struct lp_ctr_mount_info *m, const char *path)
{
  /* Again now and then: a signal that lands between the serving loop's
   * check and its read only takes effect at the next one. */
  for (int i = 0; i < 500 && lp_proc_alive(m->pid, m->start); i++)
    {
      if (i % 25 == 0)
        kill(m->pid, SIGTERM);
      usleep(20000);
    }
  if (lp_proc_alive(m->pid, m->start))
    {
      lp_warn("the mount server of %s (process %d) did not stop: killing it", path, (int)m->pid);
      kill(m->pid, SIGKILL);
      for (int i = 0; i < 100 && lp_proc_alive(m->pid, m->start); i++)
        usleep(20000);
    }
  /* A server that died without unmounting leaves a dead mount here (when
   * this is its namespace). */
  umount2(path, MNT_DETACH);
}

int lp_ctr_mount(struct lp_store *s, struct lp_container_info *c, char **out, lp_error_t *err)
{
  struct lp_ctr_mount_info m;
  cleanup_free char *path = lp_ctr_mount_path(s, c->id);
  if (lp_ctr_mounted(s, c->id, &m))
    {
      if (!same_mntns(m.pid))
        return lp_error(err, 0,
                        "container %s is mounted in another mount namespace (its server is process %d): "
                        "mount it from there, or unmount it first",
                        c->id, (int)m.pid);
      m.count++;
      if (record_write(s, c->id, &m, err) < 0)
        return -1;
      *out = xstrdup(path);
      return 0;
    }
  if (lp_ctr_is_running(c))
    return lp_error(err, 0,
                    "container %s is running and not mounted: its root filesystem is served by its supervisor, in "
                    "the container's own mount namespace (one server per upper); mount it before starting it, or "
                    "use `lilipod exec` or `lilipod cp`",
                    c->id);
  int64_t root = 0;
  if (lp_tree_root(s, c->image_id, &root, err) < 0)
    return lp_error_wrap(err, "image %s of container %s", c->image_id, c->name);
  /* A server that was killed leaves a dead mount behind. */
  record_remove(s, c->id);
  umount2(path, MNT_DETACH);
  if (mkdir(path, 0755) < 0 && errno != EEXIST)
    return lp_error(err, errno, "create the mount point `%s`", path);

  cleanup_free char *rootstr = xasprintf("%" PRId64, root);
  char *argv[] = { (char *)"lilipod", (char *)"__mountd", c->id, rootstr, NULL };
  struct strbuf reply = STRBUF_INIT;
  const char *rest = NULL;
  int rc = lp_ctr_spawn_detached(lp_store_home(s), argv, &reply, err);
  if (rc == 0)
    rc = lp_ctr_spawn_reply(&reply, "the mount server exited before it mounted the container", &rest, err);
  if (rc == 0)
    {
      m.count = 1;
      m.pid = (pid_t)atoi(rest);
      m.start = lp_proc_start_time(m.pid);
      if (m.pid <= 0 || m.start == 0)
        rc = lp_error(err, 0, "the mount server of container %s exited", c->id);
      else if (record_write(s, c->id, &m, err) < 0)
        {
          stop_server(&m, path);
          rc = -1;
        }
    }
  strbuf_release(&reply);
  if (rc < 0)
    return lp_error_wrap(err, "mount container %s", c->id);
  *out = xstrdup(path);
  return 0;
}

int lp_ctr_unmount(struct lp_store *s, struct lp_container_info *c, bool force, lp_error_t *err)
{
  struct lp_ctr_mount_info m;
  if (!lp_ctr_mounted(s, c->id, &m))
    {
      record_remove(s, c->id);
      return 0;
    }
  if (m.count > 1 && !force)
    {
      m.count--;
      return record_write(s, c->id, &m, err) < 0 ? -1 : 1;
    }
  if (lp_ctr_is_running(c))
    return lp_error(err, 0,
                    "cannot unmount storage for container %s as it is running or paused: container state improper",
                    c->id);
  cleanup_free char *path = lp_ctr_mount_path(s, c->id);
  stop_server(&m, path);
  record_remove(s, c->id);
  return 1;
}

/* ---- the server ---- */

static struct lp_unionfs *serving;

static void on_signal(int sig)
{
  (void)sig;
  if (serving)
    lp_unionfs_exit(serving);
}

static void notify(int fd, const char *what)
{
  if (fd < 0)
    return;
  if (lp_write_all(fd, what, strlen(what)) < 0)
    lp_debug("notify: %s", strerror(errno));
  close(fd);
}

int lp_ctr_mount_serve(const char *home, const char *id, int64_t lower_root, int notify_fd)
{
  lp_error_t err = NULL;
  cleanup_free char *dir = lp_container_dir(id);
  cleanup_free char *upper = xasprintf("%s/%s/upper", home, dir);
  cleanup_free char *merged = xasprintf("%s/%s/merged", home, dir);
  struct lp_unionfs *fs = NULL;

  lp_ctr_files_as_store_owner(home);
  /* Hold no directory of anyone's: this process lives long. */
  if (chdir("/") < 0)
    lp_debug("chdir /: %s", strerror(errno));
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_signal; /* no SA_RESTART: the loop's read must return */
  sigaction(SIGINT, &sa, NULL);
  sigaction(SIGTERM, &sa, NULL);
  sigaction(SIGHUP, &sa, NULL);
  sa.sa_handler = SIG_IGN;
  sigaction(SIGPIPE, &sa, NULL);

  struct lp_unionfs_config uc = { .store_home = home, .lower_root = lower_root, .upper_dir = upper,
                                  .mountpoint = merged };
  if (lp_unionfs_mount(&uc, &fs, &err) < 0)
    {
      cleanup_free char *t = xasprintf("E125 %s", err->msg);
      notify(notify_fd, t);
      lp_error_free(&err);
      return 1;
    }
  serving = fs;
  cleanup_free char *ready = xasprintf("R%d", (int)getpid());
  notify(notify_fd, ready);
  int rc = lp_unionfs_serve(fs, &err);
  serving = NULL;
  if (rc < 0)
    lp_error_free(&err);
  lp_unionfs_unmount_and_free(fs);
  return rc < 0 ? 1 : 0;
}
