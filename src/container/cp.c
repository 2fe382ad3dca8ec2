/* cp: the container side in a child process, a record stream between the
 * two sides (see cp.h). */
#include "cp.h"
#include "cp_tar.h"
#include "union_server.h"

#include "config.h"
#include "mount.h"
#include "state.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/fsuid.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../fuse/unionfs.h"
#include "../runtime/namespaces.h"
#include "../runtime/runtime.h"
#include "../store/tree.h"
#include "../util/fsutil.h"
#include "../util/strbuf.h"
#include "../util/xalloc.h"

struct rec
{
  char type; /* 'f' file, 'd' directory, 'l' symlink, 'E' end */
  uint32_t mode;
  uint64_t size;
  uint32_t pathlen, linklen;
};

static int read_full(int fd, void *buf, size_t len)
{
  char *p = buf;
  while (len)
    {
      ssize_t r = read(fd, p, len);
      if (r < 0 && errno == EINTR)
        continue;
      if (r <= 0)
        return r == 0 ? (errno = EPIPE, -1) : -1;
      p += r;
      len -= (size_t)r;
    }
  return 0;
}

static int put_rec(int out, char type, uint32_t mode, uint64_t size, const char *path, const char *link,
                   lp_error_t *err)
{
  struct rec r = { type, mode, size, (uint32_t)strlen(path), link ? (uint32_t)strlen(link) : 0 };
  if (lp_write_all(out, &r, sizeof r) < 0 || lp_write_all(out, path, r.pathlen) < 0
      || (link && lp_write_all(out, link, r.linklen) < 0))
    return lp_error(err, errno, "copy stream");
  return 0;
}

/* Emit the open fd (a file or directory) as path, recursively. */
static int emit_fd(int out, int fd, const struct stat *st, const char *path, int depth, lp_error_t *err)
{
  if (S_ISREG(st->st_mode))
    {
      if (put_rec(out, 'f', st->st_mode & 07777, (uint64_t)st->st_size, path, NULL, err) < 0)
        return -1;
      char buf[65536];
      uint64_t left = (uint64_t)st->st_size;
      while (left)
        {
          ssize_t r = read(fd, buf, left < sizeof buf ? left : sizeof buf);
          if (r < 0 && errno == EINTR)
            continue;
          if (r < 0)
            return lp_error(err, errno, "read `%s`", path);
          if (r == 0)
            memset(buf, 0, sizeof buf), r = (ssize_t)(left < sizeof buf ? left : sizeof buf); /* it shrank */
          if (lp_write_all(out, buf, (size_t)r) < 0)
            return lp_error(err, errno, "copy stream");
          left -= (uint64_t)r;
        }
      return 0;
    }
  if (!S_ISDIR(st->st_mode))
    return 0; /* devices, fifos, sockets: not copied */
  if (depth > 256)
    return lp_error(err, ELOOP, "`%s` is nested too deep", path);
  if (put_rec(out, 'd', st->st_mode & 07777, 0, path, NULL, err) < 0)
    return -1;
  int dfd = dup(fd);
  DIR *d = dfd >= 0 ? fdopendir(dfd) : NULL;
  if (!d)
    {
      if (dfd >= 0)
        close(dfd);
      return lp_error(err, errno, "read directory `%s`", path);
    }
  struct dirent *e;
  int rc = 0;
  while (rc == 0 && (e = readdir(d)) != NULL)
    {
      if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
        continue;
      struct stat cst;
      cleanup_free char *cpath = xasprintf("%s/%s", path, e->d_name);
      if (fstatat(fd, e->d_name, &cst, AT_SYMLINK_NOFOLLOW) < 0)
        {
          rc = lp_error(err, errno, "stat `%s`", cpath);
          break;
        }
      if (S_ISLNK(cst.st_mode))
        {
          struct strbuf t = STRBUF_INIT;
          strbuf_grow(&t, (size_t)cst.st_size + 64);
          ssize_t n = readlinkat(fd, e->d_name, t.buf, t.alloc - 1);
          if (n < 0)
            rc = lp_error(err, errno, "read link `%s`", cpath);
          else
            {
              strbuf_setlen(&t, (size_t)n);
              rc = put_rec(out, 'l', 0777, 0, cpath, t.buf, err);
            }
          strbuf_release(&t);
          continue;
        }
      if (!S_ISREG(cst.st_mode) && !S_ISDIR(cst.st_mode))
        continue;
      int cfd = openat(fd, e->d_name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | (S_ISDIR(cst.st_mode) ? O_DIRECTORY : 0));
      if (cfd < 0)
        {
          rc = lp_error(err, errno, "open `%s`", cpath);
          break;
        }
      rc = emit_fd(out, cfd, &cst, cpath, depth + 1, err);
      close(cfd);
    }
  closedir(d);
  return rc;
}

static int emit(int out, int rootfd, const char *src, lp_error_t *err)
{
  /* The source itself is followed, in the container's root. */
  int fd = lp_cp_open_in(rootfd, src, O_RDONLY);
  if (fd < 0)
    return lp_error(err, errno, "\"%s\" could not be found%s", src, rootfd >= 0 ? " on container" : " on the host");
  struct stat st;
  /* "dir/.": the directory's contents, as the stream's "." */
  cleanup_free char *name = lp_cp_is_contents(src) ? xstrdup(".") : lp_cp_base_name(src);
  int rc = fstat(fd, &st) < 0 ? lp_error(err, errno, "stat `%s`", src) : emit_fd(out, fd, &st, name, 0, err);
  close(fd);
  if (rc == 0)
    rc = put_rec(out, 'E', 0, 0, "", NULL, err);
  return rc;
}

/* The directory that holds rel (under base, no symlinks, never above it). */
/* A stream name with a `.` or `..` component could climb out of dest or
 * name dest itself; a copy stream has no business with either. */
static bool has_dot_component(const char *p)
{
  while (*p)
    {
      size_t n = strcspn(p, "/");
      if ((n == 1 && p[0] == '.') || (n == 2 && p[0] == '.' && p[1] == '.'))
        return true;
      p += n;
      while (*p == '/')
        p++;
    }
  return false;
}

static int open_parent(int base, const char *rel, const char **leaf)
{
  const char *slash = strrchr(rel, '/');
  *leaf = slash ? slash + 1 : rel;
  if (!slash)
    return fcntl(base, F_DUPFD_CLOEXEC, 3);
  cleanup_free char *dir = xstrndup(rel, (size_t)(slash - rel));
  struct open_how how;
  memset(&how, 0, sizeof how);
  how.flags = O_PATH | O_DIRECTORY | O_CLOEXEC;
  how.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS;
  return (int)syscall(SYS_openat2, base, dir, &how, sizeof how);
}

static int apply(int in, int rootfd, const char *dest, lp_error_t *err)
{
  int base = -1, rc = -1;
  cleanup_free char *top = NULL;
  struct strbuf path = STRBUF_INIT, link = STRBUF_INIT, rel = STRBUF_INIT;
  bool first = true;
  mode_t old = umask(0);
  for (;;)
    {
      struct rec r;
      if (read_full(in, &r, sizeof r) < 0)
        {
          lp_error(err, errno, "copy stream ended early");
          goto out;
        }
      if (r.type == 'E')
        break;
      if (r.pathlen == 0 || r.pathlen > 1 << 20 || r.linklen > 1 << 20)
        {
          lp_error(err, EINVAL, "bad copy stream");
          goto out;
        }
      strbuf_reset(&path);
      strbuf_grow(&path, r.pathlen);
      strbuf_reset(&link);
      strbuf_grow(&link, r.linklen);
      if (read_full(in, path.buf, r.pathlen) < 0 || read_full(in, link.buf, r.linklen) < 0)
        {
          lp_error(err, errno, "copy stream ended early");
          goto out;
        }
      strbuf_setlen(&path, r.pathlen);
      strbuf_setlen(&link, r.linklen);
      if (first)
        {
          /* An existing directory receives the source under its name;
           * otherwise dest names the copy. */
          first = false;
          int d = lp_cp_open_in(rootfd, dest, O_RDONLY | O_DIRECTORY);
          if (d >= 0)
            {
              /* A directory's contents ("src/.") go straight into it. */
              base = d;
              top = xstrdup(strcmp(path.buf, ".") == 0 ? "" : path.buf);
            }
          else if (errno == ENOTDIR && r.type == 'd')
            {
              lp_error(err, ENOTDIR, "destination must be a directory when copying a directory: \"%s\" is not",
                       dest);
              goto out;
            }
          else
            {
              cleanup_free char *name = lp_cp_base_name(dest);
              size_t n = strlen(dest);
              while (n > 1 && dest[n - 1] == '/')
                n--;
              if (n < strlen(dest) && r.type != 'd')
                {
                  lp_error(err, ENOTDIR, "\"%s\" is not a directory", dest);
                  goto out;
                }
              const char *slash = memrchr(dest, '/', n);
              cleanup_free char *parent = slash ? xstrndup(dest, slash == dest ? 1 : (size_t)(slash - dest)) : xstrdup(".");
              base = lp_cp_open_in(rootfd, parent, O_RDONLY | O_DIRECTORY);
              if (base < 0)
                {
                  lp_error(err, errno, "\"%s\" could not be found", parent);
                  goto out;
                }
              top = xstrdup(name);
            }
        }
      /* Replace the stream's first component with top. */
      const char *rest = strchr(path.buf, '/');
      strbuf_reset(&rel);
      if (*top)
        strbuf_addf(&rel, "%s%s", top, rest ? rest : "");
      else if (rest)
        strbuf_adds(&rel, rest + 1);
      else
        continue; /* the contents' directory itself: dest is there */
      if (has_dot_component(rel.buf))
        {
          lp_error(err, EINVAL, "bad name in copy stream");
          goto out;
        }
      const char *leaf;
      int pfd = open_parent(base, rel.buf, &leaf);
      if (pfd < 0)
        {
          lp_error(err, errno, "open the directory of `%s`", rel.buf);
          goto out;
        }
      int e = 0;
      if (r.type == 'd')
        {
          if (mkdirat(pfd, leaf, r.mode) < 0 && errno != EEXIST)
            e = errno;
          else
            {
              int dfd = openat(pfd, leaf, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
              if (dfd < 0)
                e = errno;
              else
                {
                  (void)fchmod(dfd, r.mode);
                  close(dfd);
                }
            }
        }
      else if (r.type == 'l')
        {
          if (symlinkat(link.buf, pfd, leaf) < 0
              && !(errno == EEXIST && unlinkat(pfd, leaf, 0) == 0 && symlinkat(link.buf, pfd, leaf) == 0))
            e = errno;
        }
      else if (r.type == 'f')
        {
          int fd = openat(pfd, leaf, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, r.mode);
          if (fd < 0)
            e = errno;
          else
            {
              (void)fchmod(fd, r.mode);
              char buf[65536];
              uint64_t left = r.size;
              while (left && !e)
                {
                  size_t n = left < sizeof buf ? (size_t)left : sizeof buf;
                  if (read_full(in, buf, n) < 0)
                    e = errno ? errno : EPIPE;
                  else if (lp_write_all(fd, buf, n) < 0)
                    e = errno;
                  left -= n;
                }
              if (close(fd) < 0 && !e)
                e = errno;
            }
        }
      close(pfd);
      if (e)
        {
          lp_error(err, e, "copy to `%s`", rel.buf);
          goto out;
        }
    }
  rc = 0;
out:
  umask(old);
  if (base >= 0)
    close(base);
  strbuf_release(&path);
  strbuf_release(&link);
  strbuf_release(&rel);
  return rc;
}

/* ---- the container side ---- */

static int join_running(pid_t pid, lp_error_t *err)
{
  bool joined;
  if (lp_ns_join_user_mnt(pid, &joined, err) < 0)
    return lp_error_wrap(err, "enter the container");
  return open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
}

/* Mounted by `lilipod mount`: its server's namespaces, its mount point. */
static int join_mounted(pid_t server, const char *path, lp_error_t *err)
{
  bool joined;
  if (lp_ns_join_user_mnt(server, &joined, err) < 0)
    return lp_error_wrap(err, "enter the namespace of the container's mount");
  /* Root there, as for a stopped container's private mount. */
  if (joined && (setresgid(0, 0, 0) < 0 || setresuid(0, 0, 0) < 0))
    return lp_error(err, errno, "become root in the user namespace of the mount");
  int fd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0)
    return lp_error(err, errno, "open the container's mount `%s`", path);
  return fd;
}

struct side
{
  const char *home, *upper, *mountpoint;
  int64_t lower_root;
  pid_t fuse;
  uid_t files_uid; /* lp_ctr_files_owner() */
  gid_t files_gid;
};

/* A stopped container: its union mounted privately, served by a child. */
static int mount_stopped(struct side *sd, lp_error_t *err)
{
  bool rootless = geteuid() != 0;
  if (rootless && lp_runtime_unshare_user(LP_USERNS_KEEP_ID, err) < 0)
    return -1;
  if (unshare(CLONE_NEWNS) < 0)
    return lp_error(err, errno, "unshare the mount namespace");
  if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
    return lp_error(err, errno, "make / private");
  if (mkdir(sd->mountpoint, 0755) < 0 && errno != EEXIST)
    return lp_error(err, errno, "create `%s`", sd->mountpoint);
  struct lp_unionfs_config uc = { .store_home = sd->home, .lower_root = sd->lower_root, .upper_dir = sd->upper,
                                  .mountpoint = sd->mountpoint };
  sd->fuse = lp_ctr_union_serve(&uc, sd->files_uid, sd->files_gid, NULL, 0, err);
  if (sd->fuse < 0)
    return -1;
  /* Inside `lilipod unshare` this process creates files as the store's
   * owner: the copy is root's, as a rootless one outside is. */
  setfsgid(getegid());
  setfsuid(geteuid());
  return open(sd->mountpoint, O_PATH | O_DIRECTORY | O_CLOEXEC);
}

/* The two sides: ctr_fn in a child whose root is the container's, host_fn
 * here; they talk through a pipe (data[0] is read by the receiving side). */
struct cp_job
{
  bool to_container; /* the host side writes, the container side reads */
  int (*ctr_fn)(int datafd, int rootfd, const struct cp_job *j, lp_error_t *err);
  int (*host_fn)(int datafd, const struct cp_job *j, lp_error_t *err);
  const char *src, *dest; /* record-stream copy */
  const char *path;       /* tar: the container's path */
  int fd;                 /* tar: our stdin or stdout */
};

static int run_job(struct lp_store *s, struct lp_container_info *c, const struct cp_job *j, lp_error_t *err)
{
  int data[2], errp[2];
  bool running = lp_ctr_is_running(c) && lp_proc_alive((pid_t)c->pid, c->pid_start);
  struct lp_ctr_mount_info mi;
  bool mounted = !running && lp_ctr_mounted(s, c->id, &mi);
  cleanup_free char *merged = mounted ? lp_ctr_mount_path(s, c->id) : NULL;
  struct side sd = { .fuse = -1 };
  cleanup_free char *dir = lp_container_dir(c->id);
  cleanup_free char *upper = xasprintf("%s/%s/upper", lp_store_home(s), dir);
  cleanup_free char *mnt = xasprintf("%s/%s/rootfs", lp_store_home(s), dir);
  sd.home = lp_store_home(s);
  sd.upper = upper;
  sd.mountpoint = mnt;
  sd.files_uid = lp_ctr_files_owner(sd.home, &sd.files_gid);
  if (!running && !mounted && lp_tree_root(s, c->image_id, &sd.lower_root, err) < 0)
    return -1;
  if (pipe2(data, O_CLOEXEC) < 0)
    return lp_error(err, errno, "pipe");
  if (pipe2(errp, O_CLOEXEC) < 0)
    {
      close(data[0]);
      close(data[1]);
      return lp_error(err, errno, "pipe");
    }
  void (*oldpipe)(int) = signal(SIGPIPE, SIG_IGN);
  fflush(NULL);
  pid_t child = fork();
  if (child < 0)
    {
      close(data[0]);
      close(data[1]);
      close(errp[0]);
      close(errp[1]);
      signal(SIGPIPE, oldpipe);
      return lp_error(err, errno, "fork");
    }
  if (child == 0)
    {
      lp_error_t e = NULL;
      /* Once in the container's user namespace, its root must not be able to
       * ptrace us: we still hold the host store's fds. */
      if (running || mounted)
        prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
      close(errp[0]);
      close(j->to_container ? data[1] : data[0]);
      int rootfd = running ? join_running((pid_t)c->pid, &e)
                   : mounted ? join_mounted(mi.pid, merged, &e)
                             : mount_stopped(&sd, &e);
      int rc = -1;
      if (rootfd >= 0)
        {
          rc = j->ctr_fn(j->to_container ? data[0] : data[1], rootfd, j, &e);
          close(rootfd);
        }
      else if (!e)
        lp_error(&e, errno, "open the container's root");
      close(data[0]);
      close(data[1]);
      if (sd.fuse > 0)
        {
          if (umount2(sd.mountpoint, MNT_DETACH) < 0)
            kill(sd.fuse, SIGTERM);
          waitpid(sd.fuse, NULL, 0);
        }
      if (rc < 0)
        {
          (void)lp_write_all(errp[1], e->msg, strlen(e->msg));
          _exit(1);
        }
      _exit(0);
    }
  close(errp[1]);
  close(j->to_container ? data[0] : data[1]);
  int rc = j->host_fn(j->to_container ? data[1] : data[0], j, err);
  close(j->to_container ? data[1] : data[0]);
  struct strbuf msg = STRBUF_INIT;
  char buf[512];
  ssize_t n;
  while ((n = read(errp[0], buf, sizeof buf)) != 0)
    {
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        break;
      strbuf_add(&msg, buf, (size_t)n);
    }
  close(errp[0]);
  int st = 0;
  while (waitpid(child, &st, 0) < 0 && errno == EINTR)
    ;
  signal(SIGPIPE, oldpipe);
  if (msg.len)
    {
      /* The container side's error explains the other side's broken pipe. */
      lp_error_free(err);
      rc = lp_error(err, 0, "%s", msg.buf);
    }
  else if (rc == 0 && !(WIFEXITED(st) && WEXITSTATUS(st) == 0))
    rc = lp_error(err, 0, "the copy in the container failed");
  strbuf_release(&msg);
  return rc;
}

static int ctr_emit(int fd, int rootfd, const struct cp_job *j, lp_error_t *err)
{
  return emit(fd, rootfd, j->src, err);
}

static int ctr_apply(int fd, int rootfd, const struct cp_job *j, lp_error_t *err)
{
  return apply(fd, rootfd, j->dest, err);
}

static int host_emit(int fd, const struct cp_job *j, lp_error_t *err)
{
  return emit(fd, -1, j->src, err);
}

static int host_apply(int fd, const struct cp_job *j, lp_error_t *err)
{
  return apply(fd, -1, j->dest, err);
}

int lp_ctr_cp(struct lp_store *s, struct lp_container_info *c, const char *src, const char *dest, bool to_container,
              lp_error_t *err)
{
  struct cp_job j = { .to_container = to_container, .src = src, .dest = dest };
  j.ctr_fn = to_container ? ctr_apply : ctr_emit;
  j.host_fn = to_container ? host_emit : host_apply;
  return run_job(s, c, &j, err);
}

static int ctr_tar_extract(int fd, int rootfd, const struct cp_job *j, lp_error_t *err)
{
  return lp_cp_tar_extract(fd, rootfd, j->path, err);
}

static int ctr_tar_create(int fd, int rootfd, const struct cp_job *j, lp_error_t *err)
{
  return lp_cp_tar_create(fd, rootfd, j->path, err);
}

/* Bytes from one fd to the other until EOF. */
static int pass(int from, int to, const char *what, lp_error_t *err)
{
  char buf[65536];
  for (;;)
    {
      ssize_t n = read(from, buf, sizeof buf);
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        return lp_error(err, errno, "read %s", what);
      if (n == 0)
        return 0;
      if (lp_write_all(to, buf, (size_t)n) < 0)
        return lp_error(err, errno, "write %s", what);
    }
}

static int host_tar_in(int fd, const struct cp_job *j, lp_error_t *err)
{
  return pass(j->fd, fd, "the tar stream", err);
}

static int host_tar_out(int fd, const struct cp_job *j, lp_error_t *err)
{
  return pass(fd, j->fd, "the tar stream", err);
}

int lp_ctr_cp_tar(struct lp_store *s, struct lp_container_info *c, const char *path, bool to_container, int fd,
                  lp_error_t *err)
{
  struct cp_job j = { .to_container = to_container, .path = path, .fd = fd };
  j.ctr_fn = to_container ? ctr_tar_extract : ctr_tar_create;
  j.host_fn = to_container ? host_tar_in : host_tar_out;
  return run_job(s, c, &j, err);
}
