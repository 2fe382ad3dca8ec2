/* Content objects: objects/ab/cdef... named by the sha256 of the content. */
#include "store/store_int.h"

#include "util/xalloc.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

void lp_sha256_hex(const unsigned char digest[32], char out[65])
{
  static const char hex[] = "0123456789abcdef";
  for (int i = 0; i < 32; i++)
    {
      out[2 * i] = hex[digest[i] >> 4];
      out[2 * i + 1] = hex[digest[i] & 15];
    }
  out[64] = '\0';
}

static int valid_hex(const char *h)
{
  size_t n = strlen(h);
  if (n != 64)
    return 0;
  for (size_t i = 0; i < n; i++)
    if (!((h[i] >= '0' && h[i] <= '9') || (h[i] >= 'a' && h[i] <= 'f')))
      return 0;
  return 1;
}

int lp_object_tmp(struct lp_store *s, char **name, lp_error_t *err)
{
  return lp_store_tmp_file(s, "obj", name, err);
}

int lp_store_tmp_file(struct lp_store *s, const char *prefix, char **name, lp_error_t *err)
{
  for (int attempt = 0; attempt < 16; attempt++)
    {
      unsigned char rnd[8];
      if (getrandom(rnd, sizeof rnd, 0) != (ssize_t) sizeof rnd)
        return lp_error(err, errno, "getrandom");
      char *n = xasprintf("%s-%d-%02x%02x%02x%02x%02x%02x%02x%02x", prefix, (int) getpid(), rnd[0], rnd[1],
                          rnd[2], rnd[3], rnd[4], rnd[5], rnd[6], rnd[7]);
      int fd = openat(s->tmp_fd, n, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0644);
      if (fd >= 0)
        {
          *name = n;
          return fd;
        }
      int saved = errno;
      free(n);
      if (saved != EEXIST)
        return lp_error(err, saved, "create a temp file in `%s/tmp`", s->home);
    }
  return lp_error(err, EEXIST, "create a temp file in `%s/tmp`", s->home);
}

int lp_object_commit_tmp(struct lp_store *s, const char *tmpname, const char *hex, lp_error_t *err)
{
  char dir[3] = { hex[0], hex[1], '\0' };
  struct stat st;

  int dfd = openat(s->objects_fd, dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (dfd < 0 && errno == ENOENT)
    {
      if (mkdirat(s->objects_fd, dir, 0700) < 0 && errno != EEXIST)
        return lp_error(err, errno, "create `%s/objects/%s`", s->home, dir);
      dfd = openat(s->objects_fd, dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    }
  if (dfd < 0)
    return lp_error(err, errno, "open `%s/objects/%s`", s->home, dir);

  if (fstatat(dfd, hex + 2, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(st.st_mode))
    {
      /* Already stored (dedup): drop the temp copy. */
      close(dfd);
      if (unlinkat(s->tmp_fd, tmpname, 0) < 0 && errno != ENOENT)
        return lp_error(err, errno, "remove temp file `%s`", tmpname);
      return 0;
    }
  /* A racing ingest may rename the same content here too: same bytes, so
   * whichever rename wins is right. */
  if (renameat(s->tmp_fd, tmpname, dfd, hex + 2) < 0)
    {
      int saved = errno;
      close(dfd);
      return lp_error(err, saved, "move object %s into place", hex);
    }
  close(dfd);
  return 0;
}

int lp_object_sync(struct lp_store *s, lp_error_t *err)
{
  struct stat a, b;
  if (fstat(s->tmp_fd, &a) < 0 || fstat(s->objects_fd, &b) < 0)
    return lp_error(err, errno, "stat `%s/tmp` or `%s/objects`", s->home, s->home);
  if (syncfs(s->objects_fd) < 0)
    return lp_error(err, errno, "sync `%s/objects`", s->home);
  if (a.st_dev != b.st_dev && syncfs(s->tmp_fd) < 0)
    return lp_error(err, errno, "sync `%s/tmp`", s->home);
  return 0;
}

int lp_object_open(struct lp_store *s, const char *digest_hex, lp_error_t *err)
{
  if (!valid_hex(digest_hex))
    return lp_error(err, EINVAL, "invalid object digest `%s`", digest_hex);
  char path[68];
  snprintf(path, sizeof path, "%.2s/%s", digest_hex, digest_hex + 2);
  int fd = openat(s->objects_fd, path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0)
    return lp_error(err, errno, "open object `%s/objects/%s`", s->home, path);
  return fd;
}
