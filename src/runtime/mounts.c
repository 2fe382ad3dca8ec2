#include "mounts.h"

#include "../util/copytree.h"
#include "../util/log.h"
#include "../util/strbuf.h"
#include "../util/xalloc.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/mount.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <unistd.h>

/* containers-common's defaults (pkg/config/default.go). */
const char *const lp_masked_paths[] = {
  "/proc/acpi",          "/proc/kcore",         "/proc/keys",    "/proc/latency_stats",
  "/proc/sched_debug",   "/proc/scsi",          "/proc/timer_list", "/proc/timer_stats",
  "/sys/dev/block",      "/sys/devices/virtual/powercap", "/sys/firmware", "/sys/fs/selinux",
  NULL,
};
const char *const lp_readonly_paths[] = {
  "/proc/asound", "/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger", NULL,
};

static const char *const host_devices[] = { "null", "zero", "full", "random", "urandom", "tty", NULL };

/* "/proc/self/fd/N": how mount(2) reaches an fd we resolved safely. */
struct fdpath
{
  char s[40];
};
static const char *fdpath(struct fdpath *p, int fd)
{
  snprintf(p->s, sizeof p->s, "/proc/self/fd/%d", fd);
  return p->s;
}

static int openat2_in_root(int rootfd, const char *rel)
{
  struct open_how how;
  memset(&how, 0, sizeof how);
  how.flags = O_PATH | O_CLOEXEC;
  how.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS;
  return (int)syscall(SYS_openat2, rootfd, rel[0] ? rel : ".", &how, sizeof how);
}

enum create_kind
{
  CREATE_NONE,
  CREATE_DIR,
  CREATE_FILE,
};

/* An O_PATH fd for path inside the rootfs, creating it (and its parents,
 * as directories) when asked. */
static int open_in_root(int rootfd, const char *path_in, enum create_kind create, lp_error_t *err)
{
  /* "/run/host/" and "//run//host" name "run/host". */
  cleanup_free char *norm = xstrdup(path_in);
  size_t k = 0;
  for (const char *p = path_in; *p; p++)
    if (*p != '/' || (k > 0 && norm[k - 1] != '/'))
      norm[k++] = *p;
  while (k > 0 && norm[k - 1] == '/')
    k--;
  norm[k] = '\0';
  const char *path = norm;
  int fd = openat2_in_root(rootfd, path);
  if (fd >= 0 || errno != ENOENT || create == CREATE_NONE)
    {
      if (fd < 0)
        lp_error(err, errno, "open `/%s` in the container", path);
      return fd;
    }
  cleanup_free char *parent = xstrdup(path);
  char *slash = strrchr(parent, '/');
  const char *base = path;
  int pfd;
  if (slash)
    {
      *slash = '\0';
      base = slash + 1;
      pfd = open_in_root(rootfd, parent, CREATE_DIR, err);
    }
  else
    pfd = openat2_in_root(rootfd, "");
  if (pfd < 0)
    return slash ? -1 : lp_error(err, errno, "open the container's root");
  /* O_PATH fds cannot be written through; a real directory fd can. */
  struct fdpath fp;
  int dfd = open(fdpath(&fp, pfd), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  close(pfd);
  if (dfd < 0)
    return lp_error(err, errno, "open the parent of `/%s` in the container", path);
  int r;
  if (create == CREATE_DIR)
    r = mkdirat(dfd, base, 0755);
  else
    {
      r = openat(dfd, base, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
      if (r >= 0)
        r = close(r);
    }
  if (r < 0 && errno != EEXIST)
    {
      int e = errno;
      close(dfd);
      return lp_error(err, e, "create mount point `/%s` in the container", path);
    }
  if (r == 0)
    {
      /* A mount point we add belongs to whoever owns its directory, not
       * to container root: in a rootless plain-directory rootfs the user
       * must still be able to delete it. */
      struct stat pst;
      if (fstat(dfd, &pst) == 0 && (pst.st_uid != geteuid() || pst.st_gid != getegid())
          && fchownat(dfd, base, pst.st_uid, pst.st_gid, AT_SYMLINK_NOFOLLOW) < 0)
        lp_debug("chown mount point `/%s`: %s", path, strerror(errno));
    }
  close(dfd);
  fd = openat2_in_root(rootfd, path);
  if (fd < 0)
    return lp_error(err, errno, "open `/%s` in the container", path);
  return fd;
}

static int mount_at(const char *src, int fd, const char *fstype, unsigned long flags, const char *data,
                    const char *what, lp_error_t *err)
{
  struct fdpath fp;
  if (mount(src, fdpath(&fp, fd), fstype, flags, data) < 0)
    return lp_error(err, errno, "mount %s", what);
  return 0;
}

/* Set mount attributes (read-only, nosuid, ...) on the mount at fd, keeping
 * whatever the kernel locked. */
static int set_attr(int fd, uint64_t attrs, bool recursive, const char *what, lp_error_t *err)
{
  struct mount_attr a;
  memset(&a, 0, sizeof a);
  a.attr_set = attrs;
  if (syscall(SYS_mount_setattr, fd, "", AT_EMPTY_PATH | (recursive ? AT_RECURSIVE : 0), &a, sizeof a) == 0)
    return 0;
  if (errno != ENOSYS)
    return lp_error(err, errno, "set mount flags of %s", what);
  /* Old kernels: a bind remount that repeats the locked flags. */
  struct statvfs sv;
  struct fdpath fp;
  unsigned long fl = MS_BIND | MS_REMOUNT;
  if (fstatvfs(fd, &sv) < 0)
    return lp_error(err, errno, "statvfs %s", what);
  if (sv.f_flag & ST_NOSUID)
    fl |= MS_NOSUID;
  if (sv.f_flag & ST_NODEV)
    fl |= MS_NODEV;
  if (sv.f_flag & ST_NOEXEC)
    fl |= MS_NOEXEC;
  if (sv.f_flag & ST_RDONLY)
    fl |= MS_RDONLY;
  if (attrs & MOUNT_ATTR_RDONLY)
    fl |= MS_RDONLY;
  if (attrs & MOUNT_ATTR_NOSUID)
    fl |= MS_NOSUID;
  if (attrs & MOUNT_ATTR_NODEV)
    fl |= MS_NODEV;
  if (attrs & MOUNT_ATTR_NOEXEC)
    fl |= MS_NOEXEC;
  if (mount(NULL, fdpath(&fp, fd), NULL, fl, NULL) < 0)
    return lp_error(err, errno, "remount %s", what);
  return 0;
}

/* Bind host path src onto path in the rootfs; the target is created as a
 * directory or a file to match the source. Returns an fd for the new mount
 * (reopened, so it names the mount, not what it covers). */
static int bind_into(int rootfd, const char *src, const char *path, bool recursive, lp_error_t *err)
{
  struct stat st;
  if (stat(src, &st) < 0)
    return lp_error(err, errno, "bind source `%s`", src);
  int fd = open_in_root(rootfd, path, S_ISDIR(st.st_mode) ? CREATE_DIR : CREATE_FILE, err);
  if (fd < 0)
    return -1;
  cleanup_free char *what = xasprintf("`%s` on `%s`", src, path);
  int r = mount_at(src, fd, NULL, MS_BIND | (recursive ? MS_REC : 0), NULL, what, err);
  close(fd);
  if (r < 0)
    return -1;
  return open_in_root(rootfd, path, CREATE_NONE, err);
}

static int mount_proc(int rootfd, const struct lp_mount_env *env, lp_error_t *err)
{
  int fd = open_in_root(rootfd, "/proc", CREATE_DIR, err);
  if (fd < 0)
    return -1;
  if (env->pid_private)
    {
      if (mount_at("proc", fd, "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL, "proc", err) == 0)
        {
          close(fd);
          return 0;
        }
      /* A fresh proc is refused when the host's /proc is partly covered
       * (we may run in a container ourselves): bind the host's instead. */
      lp_warn("cannot mount a fresh /proc (%s); binding the host's", (*err)->msg);
      lp_error_free(err);
    }
  int r = mount_at("/proc", fd, NULL, MS_BIND | MS_REC, NULL, "the host's /proc", err);
  close(fd);
  return r;
}

static int mount_dev(int rootfd, const struct lp_mount_env *env, lp_error_t *err)
{
  int fd = open_in_root(rootfd, "/dev", CREATE_DIR, err);
  if (fd < 0)
    return -1;
  if (mount_at("tmpfs", fd, "tmpfs", MS_NOSUID | MS_STRICTATIME, "mode=755,size=65536k", "tmpfs on /dev", err) < 0)
    {
      close(fd);
      return -1;
    }
  close(fd);
  fd = open_in_root(rootfd, "/dev", CREATE_NONE, err);
  if (fd < 0)
    return -1;
  struct fdpath fp;
  int dfd = open(fdpath(&fp, fd), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  close(fd);
  if (dfd < 0)
    return lp_error(err, errno, "open /dev in the container");

  int ret = -1;
  for (size_t i = 0; host_devices[i]; i++)
    {
      cleanup_free char *src = xasprintf("/dev/%s", host_devices[i]);
      cleanup_free char *dst = xasprintf("/dev/%s", host_devices[i]);
      if (access(src, F_OK) < 0)
        continue;
      int nfd = bind_into(rootfd, src, dst, false, err);
      if (nfd < 0)
        goto out;
      close(nfd);
    }
  static const char *const links[][2] = {
    { "fd", "/proc/self/fd" },         { "stdin", "/proc/self/fd/0" }, { "stdout", "/proc/self/fd/1" },
    { "stderr", "/proc/self/fd/2" },   { "ptmx", "pts/ptmx" },         { "core", "/proc/kcore" },
  };
  for (size_t i = 0; i < sizeof links / sizeof links[0]; i++)
    if (symlinkat(links[i][1], dfd, links[i][0]) < 0 && errno != EEXIST)
      {
        lp_error(err, errno, "symlink /dev/%s", links[i][0]);
        goto out;
      }
  for (const char *const *d = (const char *const[]){ "pts", "shm", "mqueue", NULL }; *d; d++)
    if (mkdirat(dfd, *d, 0755) < 0 && errno != EEXIST)
      {
        lp_error(err, errno, "mkdir /dev/%s", *d);
        goto out;
      }

  fd = open_in_root(rootfd, "/dev/pts", CREATE_DIR, err);
  if (fd < 0)
    goto out;
  if (mount_at("devpts", fd, "devpts", MS_NOSUID | MS_NOEXEC, "newinstance,ptmxmode=0666,mode=0620,gid=5",
               "devpts", err) < 0)
    {
      /* gid 5 (tty) may not be mapped in a single-id user namespace. */
      lp_error_free(err);
      if (mount_at("devpts", fd, "devpts", MS_NOSUID | MS_NOEXEC, "newinstance,ptmxmode=0666,mode=0620", "devpts",
                   err) < 0)
        {
          close(fd);
          goto out;
        }
    }
  close(fd);

  fd = open_in_root(rootfd, "/dev/shm", CREATE_DIR, err);
  if (fd < 0)
    goto out;
  if (mount_at("shm", fd, "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, "mode=1777,size=65536k", "/dev/shm", err) < 0)
    {
      close(fd);
      goto out;
    }
  close(fd);

  fd = open_in_root(rootfd, "/dev/mqueue", CREATE_DIR, err);
  if (fd < 0)
    goto out;
  if (mount_at("mqueue", fd, "mqueue", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL, "/dev/mqueue", err) < 0)
    {
      /* With the host's ipc namespace a rootless user may not mount its
       * mqueue: bind it instead, or do without. */
      lp_error_free(err);
      if (mount_at("/dev/mqueue", fd, NULL, MS_BIND, NULL, "/dev/mqueue", err) < 0)
        {
          lp_debug("no /dev/mqueue in the container: %s", (*err)->msg);
          lp_error_free(err);
        }
    }
  close(fd);

  if (env->console)
    {
      /* The mount point for the pty that pty.c makes in the container's own
       * devpts after pivot_root. */
      int cfd = openat(dfd, "console", O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
      if (cfd < 0)
        {
          lp_error(err, errno, "create /dev/console");
          goto out;
        }
      close(cfd);
    }
  ret = 0;
out:
  close(dfd);
  return ret;
}

/* A fresh sysfs has an empty /sys/fs/cgroup: show the host's, read-only
 * unless privileged. Only a convenience (nothing may depend on cgroups
 * here), so a failure is logged, not returned. */
static void bind_cgroup(int rootfd, const struct lp_runtime_spec *spec)
{
  lp_error_t e = NULL;
  struct stat st;
  if (stat("/sys/fs/cgroup", &st) < 0 || !S_ISDIR(st.st_mode))
    return;
  int fd = open_in_root(rootfd, "/sys/fs/cgroup", CREATE_NONE, &e);
  if (fd < 0)
    goto out;
  int r = mount_at("/sys/fs/cgroup", fd, NULL, MS_BIND | MS_REC, NULL, "/sys/fs/cgroup", &e);
  close(fd);
  if (r < 0 || spec->privileged)
    goto out;
  fd = open_in_root(rootfd, "/sys/fs/cgroup", CREATE_NONE, &e);
  if (fd < 0)
    goto out;
  (void)set_attr(fd, MOUNT_ATTR_RDONLY, true, "/sys/fs/cgroup", &e);
  close(fd);
out:
  if (e)
    lp_debug("no /sys/fs/cgroup in the container: %s", e->msg);
  lp_error_free(&e);
}

static int mount_sys(int rootfd, const struct lp_runtime_spec *spec, const struct lp_mount_env *env,
                     lp_error_t *err)
{
  int fd = open_in_root(rootfd, "/sys", CREATE_DIR, err);
  if (fd < 0)
    return -1;
  if (env->net_private)
    {
      unsigned long fl = MS_NOSUID | MS_NODEV | MS_NOEXEC | (spec->privileged ? 0 : MS_RDONLY);
      if (mount_at("sysfs", fd, "sysfs", fl, NULL, "sysfs", err) == 0)
        {
          close(fd);
          bind_cgroup(rootfd, spec);
          return 0;
        }
      lp_debug("fresh sysfs refused (%s); binding the host's", (*err)->msg);
      lp_error_free(err);
    }
  int r = mount_at("/sys", fd, NULL, MS_BIND | MS_REC, NULL, "the host's /sys", err);
  close(fd);
  if (r < 0 || spec->privileged)
    return r;
  fd = open_in_root(rootfd, "/sys", CREATE_NONE, err);
  if (fd < 0)
    return -1;
  r = set_attr(fd, MOUNT_ATTR_RDONLY, true, "/sys", err);
  close(fd);
  return r;
}

static int mask_paths(int rootfd, lp_error_t *err)
{
  for (size_t i = 0; lp_masked_paths[i]; i++)
    {
      lp_error_t e = NULL;
      int fd = open_in_root(rootfd, lp_masked_paths[i], CREATE_NONE, &e);
      struct stat st;
      if (fd < 0)
        {
          lp_error_free(&e);
          continue; /* not there: nothing to hide */
        }
      if (fstat(fd, &st) < 0)
        {
          close(fd);
          return lp_error(err, errno, "stat `%s`", lp_masked_paths[i]);
        }
      int r;
      if (S_ISDIR(st.st_mode))
        r = mount_at("tmpfs", fd, "tmpfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, "size=0k", lp_masked_paths[i],
                     err);
      else
        r = mount_at("/dev/null", fd, NULL, MS_BIND, NULL, lp_masked_paths[i], err);
      close(fd);
      if (r < 0)
        return lp_error_wrap(err, "mask");
    }
  for (size_t i = 0; lp_readonly_paths[i]; i++)
    {
      lp_error_t e = NULL;
      int fd = open_in_root(rootfd, lp_readonly_paths[i], CREATE_NONE, &e);
      if (fd < 0)
        {
          lp_error_free(&e);
          continue;
        }
      int r = mount_at(fdpath(&(struct fdpath){ 0 }, fd), fd, NULL, MS_BIND | MS_REC, NULL, lp_readonly_paths[i], err);
      close(fd);
      if (r < 0)
        return -1;
      fd = open_in_root(rootfd, lp_readonly_paths[i], CREATE_NONE, err);
      if (fd < 0)
        return -1;
      r = set_attr(fd, MOUNT_ATTR_RDONLY, true, lp_readonly_paths[i], err);
      close(fd);
      if (r < 0)
        return -1;
    }
  return 0;
}

static int bind_generated(int rootfd, const struct lp_runtime_spec *spec, lp_error_t *err)
{
  static const char *const files[][2] = {
    { "hosts", "/etc/hosts" },
    { "hostname", "/etc/hostname" },
    { "resolv.conf", "/etc/resolv.conf" },
    { "containerenv", "/run/.containerenv" },
  };
  if (!spec->genfiles_dir)
    return 0;
  for (size_t i = 0; i < sizeof files / sizeof files[0]; i++)
    {
      cleanup_free char *src = xasprintf("%s/%s", spec->genfiles_dir, files[i][0]);
      if (access(src, F_OK) < 0)
        {
          /* With the host network, the host's own resolv.conf is bound. */
          if (strcmp(files[i][0], "resolv.conf") != 0 || spec->ns[LP_NS_NET] != LP_NS_HOST
              || access("/etc/resolv.conf", F_OK) < 0)
            continue;
          free(src);
          src = xstrdup("/etc/resolv.conf");
        }
      lp_error_t e = NULL;
      int fd = bind_into(rootfd, src, files[i][1], false, &e);
      if (fd < 0)
        {
          /* An image with, say, a dangling /etc/resolv.conf symlink still
           * starts; it just keeps its own file. */
          lp_warn("%s", e->msg);
          lp_error_free(&e);
          continue;
        }
      close(fd);
    }
  (void)err;
  return 0;
}

static unsigned long prop_flags(enum lp_propagation p)
{
  switch (p)
    {
    case LP_PROP_PRIVATE:
      return MS_PRIVATE;
    case LP_PROP_RPRIVATE:
      return MS_PRIVATE | MS_REC;
    case LP_PROP_SLAVE:
      return MS_SLAVE;
    case LP_PROP_RSLAVE:
      return MS_SLAVE | MS_REC;
    case LP_PROP_SHARED:
      return MS_SHARED;
    case LP_PROP_RSHARED:
      return MS_SHARED | MS_REC;
    default:
      return 0;
    }
}

static int mount_volume(int rootfd, const struct lp_mount *m, lp_error_t *err)
{
  int fd;
  if (!m->destination || m->destination[0] != '/')
    return lp_error(err, 0, "volume destination `%s` must be an absolute path",
                    m->destination ? m->destination : "");
  if (m->type == LP_MOUNT_TMPFS)
    {
      int tfd = open_in_root(rootfd, m->destination, CREATE_DIR, err);
      if (tfd < 0)
        return -1;
      /* What the tmpfs will cover, still reachable through this fd. */
      struct fdpath up;
      int under = m->copyup ? open(fdpath(&up, tfd), O_RDONLY | O_DIRECTORY | O_CLOEXEC) : -1;
      int r = mount_at("tmpfs", tfd, "tmpfs", MS_NOSUID | MS_NODEV, m->data ? m->data : "mode=1777", m->destination,
                       err);
      close(tfd);
      if (r < 0)
        {
          if (under >= 0)
            close(under);
          return -1;
        }
      fd = open_in_root(rootfd, m->destination, CREATE_NONE, err);
      if (fd >= 0 && under >= 0)
        {
          int top = open(fdpath(&up, fd), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
          if (top < 0)
            r = lp_error(err, errno, "open the tmpfs on `%s`", m->destination);
          else
            {
              r = lp_copy_tree(under, top, err);
              close(top);
            }
          if (r < 0)
            {
              close(fd);
              fd = -1;
              lp_error_wrap(err, "copy the image's `%s` into its tmpfs", m->destination);
            }
        }
      if (under >= 0)
        close(under);
    }
  else
    {
      if (!m->source)
        return lp_error(err, 0, "volume `%s` has no source", m->destination);
      fd = bind_into(rootfd, m->source, m->destination, m->recursive, err);
    }
  if (fd < 0)
    return -1;
  unsigned long pf = prop_flags(m->propagation);
  struct fdpath fp;
  if (pf && mount(NULL, fdpath(&fp, fd), NULL, pf, NULL) < 0)
    {
      int e = errno;
      close(fd);
      return lp_error(err, e, "set propagation of `%s`", m->destination);
    }
  uint64_t attrs = (m->readonly ? MOUNT_ATTR_RDONLY : 0) | (m->nosuid ? MOUNT_ATTR_NOSUID : 0)
                   | (m->nodev ? MOUNT_ATTR_NODEV : 0) | (m->noexec ? MOUNT_ATTR_NOEXEC : 0);
  int r = attrs ? set_attr(fd, attrs, m->recursive, m->destination, err) : 0;
  close(fd);
  return r;
}

/* --read-only's writable places (Podman's --read-only-tmpfs): a tmpfs with
 * the image's content on each, unless a volume or mount already goes there. */
static int mount_readonly_tmpfs(int rootfd, const struct lp_runtime_spec *spec, lp_error_t *err)
{
  static const char *const dests[] = { "/run", "/tmp", "/var/tmp" };
  for (size_t i = 0; i < sizeof dests / sizeof dests[0]; i++)
    {
      bool taken = false;
      size_t dl = strlen(dests[i]);
      for (size_t k = 0; k < spec->nmounts && !taken; k++)
        {
          const char *d = spec->mounts[k].destination;
          size_t l = d ? strlen(d) : 0;
          while (l > 1 && d[l - 1] == '/')
            l--;
          taken = l == dl && strncmp(d, dests[i], dl) == 0;
        }
      if (taken)
        continue;
      struct lp_mount m = { .type = LP_MOUNT_TMPFS, .destination = dests[i], .data = "mode=1777", .copyup = true };
      if (mount_volume(rootfd, &m, err) < 0)
        return lp_error_wrap(err, "read-only root: tmpfs on %s", dests[i]);
    }
  return 0;
}

int lp_mounts_setup(const struct lp_runtime_spec *spec, const struct lp_mount_env *env, lp_error_t *err)
{
  int rootfd = -1, ret = -1;

  /* Nothing we mount may leak back to the host, while host mounts (under
   * an rslave /tmp volume, say) still reach us. */
  if (mount(NULL, "/", NULL, MS_REC | MS_SLAVE, NULL) < 0)
    return lp_error(err, errno, "make / rslave");
  if (spec->rootfs_setup && spec->rootfs_setup(spec->rootfs_setup_ctx, spec->rootfs, err) < 0)
    return lp_error_wrap(err, "prepare the root file system");
  if (mount(spec->rootfs, spec->rootfs, NULL, MS_BIND | MS_REC, NULL) < 0)
    return lp_error(err, errno, "bind the root file system `%s` onto itself", spec->rootfs);
  rootfd = open(spec->rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (rootfd < 0)
    return lp_error(err, errno, "open the root file system `%s`", spec->rootfs);

  if (mount_proc(rootfd, env, err) < 0 || mount_dev(rootfd, env, err) < 0 || mount_sys(rootfd, spec, env, err) < 0)
    goto out;
  if (!spec->privileged && mask_paths(rootfd, err) < 0)
    goto out;
  if (spec->readonly_rootfs && spec->readonly_tmpfs && mount_readonly_tmpfs(rootfd, spec, err) < 0)
    goto out;
  if (bind_generated(rootfd, spec, err) < 0)
    goto out;
  for (size_t i = 0; i < spec->nmounts; i++)
    if (mount_volume(rootfd, &spec->mounts[i], err) < 0)
      {
        lp_error_wrap(err, "volume %zu (`%s`)", i + 1, spec->mounts[i].destination ? spec->mounts[i].destination : "");
        goto out;
      }
  /* Last: every mount point above had to be made in the rootfs first. The
   * flag is on this mount only, not on the mounts below it. */
  if (spec->readonly_rootfs && set_attr(rootfd, MOUNT_ATTR_RDONLY, false, "the root file system", err) < 0)
    goto out;
  ret = 0;
out:
  close(rootfd);
  return ret;
}

int lp_mounts_pivot(const char *rootfs, lp_error_t *err)
{
  int fd = open(rootfs, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0)
    return lp_error(err, errno, "open `%s`", rootfs);
  if (fchdir(fd) < 0)
    {
      int e = errno;
      close(fd);
      return lp_error(err, e, "chdir into `%s`", rootfs);
    }
  close(fd);
  /* The old root ends up stacked under the new one at "."; detach it. */
  if (syscall(SYS_pivot_root, ".", ".") < 0)
    return lp_error(err, errno, "pivot_root into `%s`", rootfs);
  if (umount2(".", MNT_DETACH) < 0)
    return lp_error(err, errno, "detach the old root");
  if (chdir("/") < 0)
    return lp_error(err, errno, "chdir /");
  return 0;
}
