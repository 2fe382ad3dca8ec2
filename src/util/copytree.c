/* copytree: see copytree.h. */
#include "copytree.h"

#include "xalloc.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#define MAX_DEPTH 256

static bool chown_refused(int e)
{
  return e == EPERM || e == EINVAL || e == EACCES;
}

/* Copy user.* and trusted.* xattrs from fd to fd (best effort). */
static void copy_xattrs(int from, int to)
{
  char names[4096];
  ssize_t n = flistxattr(from, names, sizeof names);
  for (ssize_t off = 0; n > 0 && off < n; off += (ssize_t)strlen(names + off) + 1)
    {
      const char *name = names + off;
      if (strncmp(name, "user.", 5) != 0 && strncmp(name, "trusted.", 8) != 0)
        continue;
      char val[4096];
      ssize_t vl = fgetxattr(from, name, val, sizeof val);
      if (vl >= 0)
        (void)fsetxattr(to, name, val, (size_t)vl, 0);
    }
}

/* Owner, then mode (a chown clears set-id bits), then times, on an fd. */
static int apply_attrs_fd(int fd, const struct stat *st, const char *name, lp_error_t *err)
{
  if (fchown(fd, st->st_uid, st->st_gid) < 0 && !chown_refused(errno))
    return lp_error(err, errno, "chown `%s`", name);
  if (fchmod(fd, st->st_mode & 07777) < 0)
    return lp_error(err, errno, "chmod `%s`", name);
  struct timespec ts[2] = { st->st_atim, st->st_mtim };
  if (futimens(fd, ts) < 0)
    return lp_error(err, errno, "set the times of `%s`", name);
  return 0;
}

static int copy_file(int sdir, int ddir, const char *name, const struct stat *st, lp_error_t *err)
{
  int in = openat(sdir, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  if (in < 0)
    return lp_error(err, errno, "open `%s`", name);
  int out = openat(ddir, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (out < 0)
    {
      int e = errno;
      close(in);
      return lp_error(err, e, "create `%s`", name);
    }
  int rc = -1;
  char *buf = xmalloc(65536);
  for (;;)
    {
      ssize_t r = read(in, buf, 65536);
      if (r < 0 && errno == EINTR)
        continue;
      if (r < 0)
        {
          lp_error(err, errno, "read `%s`", name);
          goto out;
        }
      if (r == 0)
        break;
      for (ssize_t done = 0; done < r;)
        {
          ssize_t w = write(out, buf + done, (size_t)(r - done));
          if (w < 0 && errno == EINTR)
            continue;
          if (w < 0)
            {
              lp_error(err, errno, "write `%s`", name);
              goto out;
            }
          done += w;
        }
    }
  copy_xattrs(in, out);
  rc = apply_attrs_fd(out, st, name, err);
out:
  free(buf);
  close(in);
  close(out);
  return rc;
}

static int copy_dir(int sdir, int ddir, int depth, lp_error_t *err);

static int copy_entry(int sdir, int ddir, const char *name, int depth, lp_error_t *err)
{
  struct stat st;
  if (fstatat(sdir, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
    return lp_error(err, errno, "stat `%s`", name);
  if (S_ISREG(st.st_mode))
    return copy_file(sdir, ddir, name, &st, err);
  if (S_ISDIR(st.st_mode))
    {
      if (depth >= MAX_DEPTH)
        return lp_error(err, ELOOP, "`%s`: more than %d levels of directories", name, MAX_DEPTH);
      if (mkdirat(ddir, name, 0700) < 0)
        return lp_error(err, errno, "create directory `%s`", name);
      int s = openat(sdir, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
      if (s < 0)
        return lp_error(err, errno, "open directory `%s`", name);
      int d = openat(ddir, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
      if (d < 0)
        {
          int e = errno;
          close(s);
          return lp_error(err, e, "open directory `%s`", name);
        }
      int r = copy_dir(s, d, depth + 1, err);
      if (r == 0)
        {
          copy_xattrs(s, d);
          r = apply_attrs_fd(d, &st, name, err);
        }
      close(s);
      close(d);
      if (r < 0)
        return lp_error_wrap(err, "%s", name);
      return 0;
    }
  if (S_ISLNK(st.st_mode))
    {
      char *target = xmalloc((size_t)st.st_size + 2);
      ssize_t n = readlinkat(sdir, name, target, (size_t)st.st_size + 1);
      if (n < 0 || n > st.st_size)
        {
          int e = n < 0 ? errno : ENAMETOOLONG;
          free(target);
          return lp_error(err, e, "read the link `%s`", name);
        }
      target[n] = '\0';
      int r = symlinkat(target, ddir, name);
      free(target);
      if (r < 0)
        return lp_error(err, errno, "create the link `%s`", name);
      if (fchownat(ddir, name, st.st_uid, st.st_gid, AT_SYMLINK_NOFOLLOW) < 0 && !chown_refused(errno))
        return lp_error(err, errno, "chown `%s`", name);
      struct timespec ts[2] = { st.st_atim, st.st_mtim };
      (void)utimensat(ddir, name, ts, AT_SYMLINK_NOFOLLOW);
      return 0;
    }
  if (S_ISFIFO(st.st_mode) || S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode))
    {
      if (mknodat(ddir, name, st.st_mode & (S_IFMT | 0777), st.st_rdev) < 0)
        {
          if (!S_ISFIFO(st.st_mode) && (errno == EPERM || errno == EACCES))
            return 0; /* no device nodes for an unprivileged caller */
          return lp_error(err, errno, "create the node `%s`", name);
        }
      int fd = openat(ddir, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
      if (fd < 0)
        return lp_error(err, errno, "open `%s`", name);
      char path[64];
      snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
      if (chown(path, st.st_uid, st.st_gid) < 0 && !chown_refused(errno))
        {
          int e = errno;
          close(fd);
          return lp_error(err, e, "chown `%s`", name);
        }
      (void)chmod(path, st.st_mode & 07777);
      close(fd);
      return 0;
    }
  return 0; /* sockets: nothing to copy */
}

static int copy_dir(int sdir, int ddir, int depth, lp_error_t *err)
{
  int fd = dup(sdir);
  if (fd < 0)
    return lp_error(err, errno, "dup");
  /* dup shares the offset: start from the top even if the caller read it. */
  DIR *d = fdopendir(fd);
  if (!d)
    {
      int e = errno;
      close(fd);
      return lp_error(err, e, "read directory");
    }
  rewinddir(d);
  int rc = 0;
  struct dirent *de;
  errno = 0;
  while (rc == 0 && (de = readdir(d)) != NULL)
    {
      if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
        continue;
      rc = copy_entry(sdir, ddir, de->d_name, depth, err);
      errno = 0;
    }
  if (rc == 0 && errno != 0)
    rc = lp_error(err, errno, "read directory");
  closedir(d);
  return rc;
}

int lp_copy_tree(int srcfd, int dstfd, lp_error_t *err)
{
  return copy_dir(srcfd, dstfd, 0, err);
}

int lp_copy_dir_attrs(int srcfd, int dstfd, lp_error_t *err)
{
  struct stat st;
  if (fstat(srcfd, &st) < 0)
    return lp_error(err, errno, "stat");
  if (fchown(dstfd, st.st_uid, st.st_gid) < 0 && !chown_refused(errno))
    return lp_error(err, errno, "chown");
  if (fchmod(dstfd, st.st_mode & 07777) < 0)
    return lp_error(err, errno, "chmod");
  return 0;
}
