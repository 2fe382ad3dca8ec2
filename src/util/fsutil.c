#include "fsutil.h"
#include "xalloc.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int lp_mkdir_p_at(int dirfd, const char *path, mode_t mode, lp_error_t *err)
{
  cleanup_free char *copy = xstrdup(path);
  size_t len = strlen(copy);

  for (size_t i = 1; i <= len; i++)
    {
      if (copy[i] != '/' && copy[i] != '\0')
        continue;
      char saved = copy[i];
      copy[i] = '\0';
      if (mkdirat(dirfd, copy, mode) < 0 && errno != EEXIST)
        return lp_error(err, errno, "create directory `%s`", copy);
      copy[i] = saved;
    }
  return 0;
}

int lp_read_file_at(int dirfd, const char *path, struct strbuf *out, lp_error_t *err)
{
  int fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return lp_error(err, errno, "open `%s`", path);
  for (;;)
    {
      strbuf_grow(out, 8192);
      ssize_t n = read(fd, out->buf + out->len, out->alloc - out->len - 1);
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        {
          int saved = errno;
          close(fd);
          return lp_error(err, saved, "read `%s`", path);
        }
      if (n == 0)
        break;
      strbuf_setlen(out, out->len + (size_t) n);
    }
  close(fd);
  return 0;
}

int lp_write_all(int fd, const void *buf, size_t len)
{
  const char *p = buf;
  while (len > 0)
    {
      ssize_t n = write(fd, p, len);
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        return -1;
      p += n;
      len -= (size_t) n;
    }
  return 0;
}

static char *parent_of(const char *path)
{
  const char *slash = strrchr(path, '/');
  if (!slash)
    return xstrdup(".");
  if (slash == path)
    return xstrdup("/");
  return xstrndup(path, (size_t) (slash - path));
}

int lp_fsync_dir_at(int dirfd, const char *path, lp_error_t *err)
{
  int fd = openat(dirfd, path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0)
    return lp_error(err, errno, "open directory `%s`", path);
  if (fsync(fd) < 0 && errno != EINVAL)
    {
      int saved = errno;
      close(fd);
      return lp_error(err, saved, "fsync directory `%s`", path);
    }
  close(fd);
  return 0;
}

int lp_write_file_at(int dirfd, const char *path, const void *data, size_t len, mode_t mode, int durable,
                     lp_error_t *err)
{
  cleanup_free char *tmp = xasprintf("%s.tmp.%d", path, (int) getpid());
  int fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, mode);
  if (fd < 0)
    return lp_error(err, errno, "create `%s`", tmp);
  if (lp_write_all(fd, data, len) < 0 || (durable && fsync(fd) < 0))
    {
      int saved = errno;
      close(fd);
      unlinkat(dirfd, tmp, 0);
      return lp_error(err, saved, "write `%s`", path);
    }
  if (close(fd) < 0)
    {
      int saved = errno;
      unlinkat(dirfd, tmp, 0);
      return lp_error(err, saved, "write `%s`", path);
    }
  if (renameat(dirfd, tmp, dirfd, path) < 0)
    {
      int saved = errno;
      unlinkat(dirfd, tmp, 0);
      return lp_error(err, saved, "rename `%s` into place", path);
    }
  if (durable)
    {
      cleanup_free char *parent = parent_of(path);
      return lp_fsync_dir_at(dirfd, parent, err);
    }
  return 0;
}

static int rm_contents(int fd, lp_error_t *err)
{
  DIR *dir = fdopendir(fd);
  if (!dir)
    {
      int saved = errno;
      close(fd);
      return lp_error(err, saved, "open directory");
    }
  struct dirent *de;
  int ret = 0;
  while ((de = readdir(dir)))
    {
      if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
        continue;
      if (lp_rm_rf_at(dirfd(dir), de->d_name, err) < 0)
        {
          ret = -1;
          break;
        }
    }
  closedir(dir);
  return ret;
}

int lp_rm_rf_at(int dirfd, const char *name, lp_error_t *err)
{
  if (unlinkat(dirfd, name, 0) == 0 || errno == ENOENT)
    return 0;
  if (errno != EISDIR && errno != EPERM)
    return lp_error(err, errno, "remove `%s`", name);

  int fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0)
    {
      if (errno == ENOENT)
        return 0;
      /* A directory we may not read (mode 000 from an image): make it ours. */
      if (errno == EACCES && fchmodat(dirfd, name, 0700, 0) == 0)
        fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
      if (fd < 0)
        return lp_error(err, errno, "open `%s`", name);
    }
  struct stat st;
  if (fstat(fd, &st) == 0 && (st.st_mode & 0700) != 0700)
    fchmod(fd, st.st_mode | 0700);
  if (rm_contents(fd, err) < 0)
    return lp_error_wrap(err, "remove `%s`", name);
  if (unlinkat(dirfd, name, AT_REMOVEDIR) < 0 && errno != ENOENT)
    return lp_error(err, errno, "remove directory `%s`", name);
  return 0;
}

char *lp_home_path(lp_error_t *err)
{
  const char *env = getenv("LILIPOD_HOME");
  if (env && *env)
    return xstrdup(env);
  env = getenv("XDG_DATA_HOME");
  if (env && *env)
    return xasprintf("%s/lilipod", env);
  env = getenv("HOME");
  if (!env || !*env)
    {
      struct passwd *pw = getpwuid(getuid());
      if (!pw || !pw->pw_dir)
        {
          lp_error(err, 0, "cannot find the home directory of uid %d: set LILIPOD_HOME", (int) getuid());
          return NULL;
        }
      env = pw->pw_dir;
    }
  return xasprintf("%s/.local/share/lilipod", env);
}
