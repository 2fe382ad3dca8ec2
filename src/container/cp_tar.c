/* cp_tar: tar streams into and out of a container's root (cp_tar.h). */
#include "cp_tar.h"

#include "../store/tar.h"
#include "../store/tar_write.h"
#include "../util/fsutil.h"
#include "../util/log.h"
#include "../util/strbuf.h"
#include "../util/xalloc.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

int lp_cp_open_in(int rootfd, const char *path, int flags)
{
  if (rootfd < 0)
    return openat(AT_FDCWD, path, flags | O_CLOEXEC);
  while (*path == '/')
    path++;
  struct open_how how;
  memset(&how, 0, sizeof how);
  how.flags = (uint64_t)(flags | O_CLOEXEC);
  how.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS;
  return (int)syscall(SYS_openat2, rootfd, *path ? path : ".", &how, sizeof how);
}

char *lp_cp_base_name(const char *path)
{
  size_t n = strlen(path);
  while (n > 1 && path[n - 1] == '/')
    n--;
  const char *b = path + n;
  while (b > path && b[-1] != '/')
    b--;
  char *r = xstrndup(b, (size_t)(path + n - b));
  if (!*r || strcmp(r, "/") == 0 || strcmp(r, ".") == 0 || strcmp(r, "..") == 0)
    {
      free(r);
      r = xstrdup("root");
    }
  return r;
}

int lp_cp_is_contents(const char *path)
{
  size_t n = strlen(path);
  while (n > 1 && path[n - 1] == '/')
    n--;
  return (n == 1 && path[0] == '.') || (n >= 2 && path[n - 1] == '.' && path[n - 2] == '/');
}

/* ---- create ---- */

struct hardlink
{
  dev_t dev;
  ino_t ino;
  char *path;
};

struct tctx
{
  struct lp_tar_writer *w;
  struct hardlink *hl;
  size_t nhl;
};

static void entry_from_stat(struct lp_tar_entry *e, const struct stat *st)
{
  e->mode = st->st_mode & 07777;
  e->uid = st->st_uid;
  e->gid = st->st_gid;
  e->mtime_ns = (int64_t)st->st_mtim.tv_sec * 1000000000;
}

static int put_file(struct tctx *t, int fd, const struct stat *st, const char *path, lp_error_t *err)
{
  struct lp_tar_entry e = { .type = LP_TAR_REG, .path = path, .path_len = strlen(path), .size = (uint64_t)st->st_size };
  entry_from_stat(&e, st);
  if (st->st_nlink > 1)
    {
      for (size_t i = 0; i < t->nhl; i++)
        if (t->hl[i].dev == st->st_dev && t->hl[i].ino == st->st_ino)
          {
            e.type = LP_TAR_HARDLINK;
            e.link = t->hl[i].path;
            e.link_len = strlen(e.link);
            e.size = 0;
            return lp_tar_write_header(t->w, &e, err) < 0 ? -1 : lp_tar_write_end_entry(t->w, err);
          }
      t->hl = xreallocarray(t->hl, t->nhl + 1, sizeof *t->hl);
      t->hl[t->nhl++] = (struct hardlink){ st->st_dev, st->st_ino, xstrdup(path) };
    }
  if (lp_tar_write_header(t->w, &e, err) < 0)
    return -1;
  char buf[65536];
  uint64_t left = e.size;
  while (left)
    {
      size_t want = left < sizeof buf ? (size_t)left : sizeof buf;
      ssize_t r = read(fd, buf, want);
      if (r < 0 && errno == EINTR)
        continue;
      if (r < 0)
        return lp_error(err, errno, "read `%s`", path);
      if (r == 0)
        {
          memset(buf, 0, want); /* it shrank under us: the header said more */
          r = (ssize_t)want;
        }
      if (lp_tar_write_data(t->w, buf, (size_t)r, err) < 0)
        return -1;
      left -= (uint64_t)r;
    }
  return lp_tar_write_end_entry(t->w, err);
}

/* The open directory dfd as path ("" for contents only: no entry of its own). */
static int put_dir(struct tctx *t, int dfd, const struct stat *st, const char *path, int depth, lp_error_t *err)
{
  if (depth > 256)
    return lp_error(err, ELOOP, "`%s` is nested too deep", path);
  if (*path)
    {
      struct lp_tar_entry e = { .type = LP_TAR_DIR, .path = path, .path_len = strlen(path) };
      entry_from_stat(&e, st);
      if (lp_tar_write_header(t->w, &e, err) < 0 || lp_tar_write_end_entry(t->w, err) < 0)
        return -1;
    }
  int fd = fcntl(dfd, F_DUPFD_CLOEXEC, 3);
  DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
  if (!d)
    {
      if (fd >= 0)
        close(fd);
      return lp_error(err, errno, "read directory `%s`", *path ? path : ".");
    }
  struct dirent *de;
  int rc = 0;
  while (rc == 0 && (de = readdir(d)) != NULL)
    {
      if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
        continue;
      struct stat cst;
      cleanup_free char *cpath = *path ? xasprintf("%s/%s", path, de->d_name) : xstrdup(de->d_name);
      if (fstatat(dfd, de->d_name, &cst, AT_SYMLINK_NOFOLLOW) < 0)
        {
          rc = lp_error(err, errno, "stat `%s`", cpath);
          break;
        }
      struct lp_tar_entry e = { .path = cpath, .path_len = strlen(cpath) };
      entry_from_stat(&e, &cst);
      if (S_ISLNK(cst.st_mode))
        {
          struct strbuf target = STRBUF_INIT;
          strbuf_grow(&target, (size_t)cst.st_size + 64);
          ssize_t n = readlinkat(dfd, de->d_name, target.buf, target.alloc - 1);
          if (n < 0)
            rc = lp_error(err, errno, "read link `%s`", cpath);
          else
            {
              strbuf_setlen(&target, (size_t)n);
              e.type = LP_TAR_SYMLINK;
              e.link = target.buf;
              e.link_len = target.len;
              rc = lp_tar_write_header(t->w, &e, err) < 0 ? -1 : lp_tar_write_end_entry(t->w, err);
            }
          strbuf_release(&target);
        }
      else if (S_ISFIFO(cst.st_mode) || S_ISCHR(cst.st_mode) || S_ISBLK(cst.st_mode))
        {
          e.type = S_ISFIFO(cst.st_mode) ? LP_TAR_FIFO : S_ISCHR(cst.st_mode) ? LP_TAR_CHR : LP_TAR_BLK;
          e.devmajor = major(cst.st_rdev);
          e.devminor = minor(cst.st_rdev);
          rc = lp_tar_write_header(t->w, &e, err) < 0 ? -1 : lp_tar_write_end_entry(t->w, err);
        }
      else if (S_ISREG(cst.st_mode) || S_ISDIR(cst.st_mode))
        {
          int cfd = openat(dfd, de->d_name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | (S_ISDIR(cst.st_mode) ? O_DIRECTORY : 0));
          if (cfd < 0)
            rc = lp_error(err, errno, "open `%s`", cpath);
          else
            {
              rc = S_ISDIR(cst.st_mode) ? put_dir(t, cfd, &cst, cpath, depth + 1, err) : put_file(t, cfd, &cst, cpath, err);
              close(cfd);
            }
        }
      /* sockets: nothing a copy could carry */
    }
  closedir(d);
  return rc;
}

int lp_cp_tar_create(int out, int rootfd, const char *path, lp_error_t *err)
{
  int fd = lp_cp_open_in(rootfd, path, O_RDONLY);
  if (fd < 0)
    return lp_error(err, errno, "\"%s\" could not be found on container", path);
  struct stat st;
  struct tctx t = { .w = lp_tar_writer_new(out) };
  cleanup_free char *name = lp_cp_is_contents(path) ? xstrdup("") : lp_cp_base_name(path);
  int rc;
  if (fstat(fd, &st) < 0)
    rc = lp_error(err, errno, "stat `%s`", path);
  else if (S_ISDIR(st.st_mode))
    rc = put_dir(&t, fd, &st, name, 0, err);
  else if (S_ISREG(st.st_mode))
    rc = put_file(&t, fd, &st, name, err);
  else
    rc = lp_error(err, EINVAL, "\"%s\" is neither a file nor a directory", path);
  close(fd);
  if (rc == 0)
    rc = lp_tar_writer_finish(t.w, err);
  lp_tar_writer_free(t.w);
  for (size_t i = 0; i < t.nhl; i++)
    free(t.hl[i].path);
  free(t.hl);
  return rc;
}

/* ---- extract ---- */

struct dirtime
{
  char *rel;
  int64_t mtime_ns;
};

struct xctx
{
  int rootfd, destfd;
  const char *dest;
  /* The regular file being written, and what to set once it is complete. */
  int fd;
  uint64_t uid, gid;
  uint32_t mode;
  int64_t mtime_ns;
  char *cur;
  struct dirtime *dirs;
  size_t ndirs;
};

static struct timespec ts_of(int64_t ns)
{
  struct timespec t = { .tv_sec = ns / 1000000000, .tv_nsec = ns % 1000000000 };
  if (t.tv_nsec < 0)
    {
      t.tv_sec--;
      t.tv_nsec += 1000000000;
    }
  return t;
}

/* The directory that holds rel (below dest, resolved in the root), made
 * (0755, each missing level) when absent. *leaf points into rel. */
static int parent_of(struct xctx *x, const char *rel, const char **leaf, lp_error_t *err)
{
  const char *slash = strrchr(rel, '/');
  *leaf = slash ? slash + 1 : rel;
  if (!slash)
    {
      int fd = fcntl(x->destfd, F_DUPFD_CLOEXEC, 3);
      return fd >= 0 ? fd : lp_error(err, errno, "dup");
    }
  cleanup_free char *dir = xstrndup(rel, (size_t)(slash - rel));
  cleanup_free char *full = xasprintf("%s/%s", x->dest, dir);
  int fd = lp_cp_open_in(x->rootfd, full, O_PATH | O_DIRECTORY);
  if (fd >= 0 || errno != ENOENT)
    return fd >= 0 ? fd : lp_error(err, errno, "open the directory of `%s`", rel);
  /* Make each missing level, from the top. */
  for (char *p = dir;; p++)
    {
      if (*p != '/' && *p != '\0')
        continue;
      char saved = *p;
      *p = '\0';
      cleanup_free char *sub = xasprintf("%s/%s", x->dest, dir);
      int d = lp_cp_open_in(x->rootfd, sub, O_PATH | O_DIRECTORY);
      if (d < 0 && errno == ENOENT)
        {
          const char *up = strrchr(dir, '/');
          cleanup_free char *parent = up ? xasprintf("%s/%.*s", x->dest, (int)(up - dir), dir) : xstrdup(x->dest);
          int pfd = lp_cp_open_in(x->rootfd, parent, O_PATH | O_DIRECTORY);
          if (pfd < 0 || (mkdirat(pfd, up ? up + 1 : dir, 0755) < 0 && errno != EEXIST))
            {
              int e = errno;
              if (pfd >= 0)
                close(pfd);
              *p = saved;
              return lp_error(err, e, "create the directory `%s`", dir);
            }
          close(pfd);
          d = lp_cp_open_in(x->rootfd, sub, O_PATH | O_DIRECTORY);
        }
      *p = saved;
      if (d < 0)
        return lp_error(err, errno, "open the directory of `%s`", rel);
      if (saved == '\0')
        return d;
      close(d);
    }
}

/* Make room for a new entry of type at pfd/leaf: an existing directory
 * stays for a directory; anything else that is there goes. */
static int clear_leaf(int pfd, const char *leaf, char type, lp_error_t *err)
{
  struct stat st;
  if (fstatat(pfd, leaf, &st, AT_SYMLINK_NOFOLLOW) < 0)
    return errno == ENOENT ? 0 : lp_error(err, errno, "stat `%s`", leaf);
  if (S_ISDIR(st.st_mode))
    return type == LP_TAR_DIR ? 0 : lp_rm_rf_at(pfd, leaf, err);
  if (unlinkat(pfd, leaf, 0) < 0)
    return lp_error(err, errno, "replace `%s`", leaf);
  return 0;
}

/* Owner (when this namespace maps it), then mode, then times. */
static void set_meta(int pfd, const char *leaf, int fd, char type, uint64_t uid, uint64_t gid, uint32_t mode,
                     int64_t mtime_ns)
{
  int r = fd >= 0 ? fchown(fd, (uid_t)uid, (gid_t)gid) : fchownat(pfd, leaf, (uid_t)uid, (gid_t)gid, AT_SYMLINK_NOFOLLOW);
  if (r < 0)
    lp_debug("chown `%s` to %llu:%llu: %s", leaf, (unsigned long long)uid, (unsigned long long)gid, strerror(errno));
  if (type != LP_TAR_SYMLINK && (fd >= 0 ? fchmod(fd, mode) : fchmodat(pfd, leaf, mode, 0)) < 0)
    lp_debug("chmod `%s`: %s", leaf, strerror(errno));
  if (type == LP_TAR_DIR)
    return; /* at the end, once its entries are in */
  struct timespec t[2] = { ts_of(mtime_ns), ts_of(mtime_ns) };
  if ((fd >= 0 ? futimens(fd, t) : utimensat(pfd, leaf, t, AT_SYMLINK_NOFOLLOW)) < 0)
    lp_debug("set the times of `%s`: %s", leaf, strerror(errno));
}

static int x_entry(void *ctx, const struct lp_tar_entry *e, lp_error_t *err)
{
  struct xctx *x = ctx;
  if (e->path_len == 0)
    return 0; /* the archive's root: DIR itself */
  const char *leaf;
  int pfd = parent_of(x, e->path, &leaf, err);
  if (pfd < 0)
    return -1;
  int rc = -1, e2 = 0;
  if (clear_leaf(pfd, leaf, e->type, err) < 0)
    goto out;
  switch (e->type)
    {
    case LP_TAR_REG:
      x->fd = openat(pfd, leaf, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
      if (x->fd < 0)
        {
          e2 = errno;
          break;
        }
      x->uid = e->uid;
      x->gid = e->gid;
      x->mode = e->mode;
      x->mtime_ns = e->mtime_ns;
      free(x->cur);
      x->cur = xstrdup(e->path);
      rc = 0;
      goto out;
    case LP_TAR_DIR:
      if (mkdirat(pfd, leaf, 0700) < 0 && errno != EEXIST)
        e2 = errno;
      else
        {
          x->dirs = xreallocarray(x->dirs, x->ndirs + 1, sizeof *x->dirs);
          x->dirs[x->ndirs++] = (struct dirtime){ xstrdup(e->path), e->mtime_ns };
        }
      break;
    case LP_TAR_SYMLINK:
      if (symlinkat(e->link, pfd, leaf) < 0)
        e2 = errno;
      break;
    case LP_TAR_HARDLINK:
      {
        /* Its target is an entry of this archive, below DIR, no symlinks. */
        const char *tleaf;
        const char *slash = strrchr(e->link, '/');
        cleanup_free char *tdir = slash ? xstrndup(e->link, (size_t)(slash - e->link)) : xstrdup(".");
        tleaf = slash ? slash + 1 : e->link;
        struct open_how how;
        memset(&how, 0, sizeof how);
        how.flags = O_PATH | O_DIRECTORY | O_CLOEXEC;
        how.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS;
        int tfd = (int)syscall(SYS_openat2, x->destfd, tdir, &how, sizeof how);
        if (tfd < 0 || linkat(tfd, tleaf, pfd, leaf, 0) < 0)
          {
            lp_error(err, errno, "hard link `%s` to `%s`", e->path, e->link);
            if (tfd >= 0)
              close(tfd);
            goto out;
          }
        close(tfd);
        rc = 0;
        goto out; /* its metadata is its target's */
      }
    case LP_TAR_FIFO:
      if (mkfifoat(pfd, leaf, 0600) < 0)
        e2 = errno;
      break;
    case LP_TAR_CHR:
    case LP_TAR_BLK:
      if (mknodat(pfd, leaf, (e->type == LP_TAR_CHR ? S_IFCHR : S_IFBLK) | 0600,
                  makedev(e->devmajor, e->devminor)) < 0)
        {
          if (errno != EPERM)
            e2 = errno;
          else
            {
              lp_debug("skip the device `%s`: %s", e->path, strerror(errno));
              rc = 0;
              goto out;
            }
        }
      break;
    default:
      e2 = EINVAL;
      break;
    }
  if (e2)
    {
      lp_error(err, e2, "create `%s`", e->path);
      goto out;
    }
  set_meta(pfd, leaf, -1, e->type, e->uid, e->gid, e->mode, e->mtime_ns);
  rc = 0;
out:
  close(pfd);
  return rc;
}

static int x_data(void *ctx, const void *buf, size_t len, lp_error_t *err)
{
  struct xctx *x = ctx;
  if (x->fd >= 0 && lp_write_all(x->fd, buf, len) < 0)
    return lp_error(err, errno, "write `%s`", x->cur);
  return 0;
}

static int x_end(void *ctx, lp_error_t *err)
{
  struct xctx *x = ctx;
  (void)err;
  if (x->fd < 0)
    return 0;
  set_meta(-1, x->cur, x->fd, LP_TAR_REG, x->uid, x->gid, x->mode, x->mtime_ns);
  int r = close(x->fd);
  x->fd = -1;
  return r < 0 ? lp_error(err, errno, "write `%s`", x->cur) : 0;
}

/* A decompressor in front of the reader, picked by the stream's magic. */
struct unpack
{
  enum { PLAIN, GZIP, ZSTD } kind;
  z_stream z;
  ZSTD_DCtx *zd;
  unsigned char out[65536];
};

static int unpack_feed(struct unpack *u, struct lp_tar_reader *r, const unsigned char *buf, size_t len, lp_error_t *err)
{
  if (u->kind == PLAIN)
    return lp_tar_feed(r, buf, len, err);
  if (u->kind == ZSTD)
    {
      ZSTD_inBuffer in = { buf, len, 0 };
      while (in.pos < in.size)
        {
          ZSTD_outBuffer out = { u->out, sizeof u->out, 0 };
          size_t rc = ZSTD_decompressStream(u->zd, &out, &in);
          if (ZSTD_isError(rc))
            return lp_error(err, 0, "decompress the stream: %s", ZSTD_getErrorName(rc));
          if (out.pos && lp_tar_feed(r, u->out, out.pos, err) < 0)
            return -1;
        }
      return 0;
    }
  u->z.next_in = (unsigned char *)buf;
  u->z.avail_in = (uInt)len;
  while (u->z.avail_in)
    {
      u->z.next_out = u->out;
      u->z.avail_out = sizeof u->out;
      int rc = inflate(&u->z, Z_NO_FLUSH);
      if (rc != Z_OK && rc != Z_STREAM_END)
        return lp_error(err, 0, "decompress the stream: %s", u->z.msg ? u->z.msg : "invalid gzip data");
      size_t n = sizeof u->out - u->z.avail_out;
      if (n && lp_tar_feed(r, u->out, n, err) < 0)
        return -1;
      if (rc == Z_STREAM_END)
        {
          if (!u->z.avail_in)
            break;
          inflateReset(&u->z); /* another gzip member */
        }
      else if (n == 0)
        return lp_error(err, 0, "decompress the stream: stuck");
    }
  return 0;
}

int lp_cp_tar_extract(int in, int rootfd, const char *dest, lp_error_t *err)
{
  struct xctx x = { .rootfd = rootfd, .destfd = -1, .dest = dest, .fd = -1 };
  struct lp_tar_callbacks cb = { x_entry, x_data, x_end };
  struct lp_tar_reader *r = NULL;
  struct unpack *u = xzalloc(sizeof *u);
  unsigned char *buf = xmalloc(65536);
  int rc = -1;
  mode_t old = umask(0);
  bool first = true;

  x.destfd = lp_cp_open_in(rootfd, dest, O_PATH);
  struct stat st;
  if (x.destfd < 0 || fstat(x.destfd, &st) < 0 || !S_ISDIR(st.st_mode))
    {
      lp_error(err, 0, "destination must be a directory when copying from stdin: \"%s\" is not", dest);
      goto out;
    }
  r = lp_tar_reader_new(&cb, &x);
  for (;;)
    {
      ssize_t n = read(in, buf, 65536);
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        {
          lp_error(err, errno, "read the tar stream");
          goto out;
        }
      if (n == 0)
        break;
      if (first)
        {
          first = false;
          if (n >= 2 && buf[0] == 0x1f && buf[1] == 0x8b)
            {
              u->kind = GZIP;
              if (inflateInit2(&u->z, 15 + 32) != Z_OK)
                {
                  lp_error(err, ENOMEM, "inflateInit2");
                  u->kind = PLAIN;
                  goto out;
                }
            }
          else if (n >= 4 && memcmp(buf, "\x28\xb5\x2f\xfd", 4) == 0)
            {
              u->kind = ZSTD;
              u->zd = ZSTD_createDCtx();
              if (!u->zd)
                {
                  lp_error(err, ENOMEM, "zstd decoder");
                  goto out;
                }
            }
        }
      if (unpack_feed(u, r, buf, (size_t)n, err) < 0)
        goto out;
    }
  if (first)
    {
      lp_error(err, 0, "the tar stream on stdin is empty");
      goto out;
    }
  if (lp_tar_finish(r, err) < 0)
    goto out;
  /* Directories' times, deepest first (their entries changed them). */
  for (size_t i = x.ndirs; i-- > 0;)
    {
      const char *leaf;
      lp_error_t e = NULL;
      int pfd = parent_of(&x, x.dirs[i].rel, &leaf, &e);
      struct timespec t[2] = { ts_of(x.dirs[i].mtime_ns), ts_of(x.dirs[i].mtime_ns) };
      if (pfd < 0 || utimensat(pfd, leaf, t, AT_SYMLINK_NOFOLLOW) < 0)
        lp_debug("set the times of `%s`", x.dirs[i].rel);
      lp_error_free(&e);
      if (pfd >= 0)
        close(pfd);
    }
  rc = 0;
out:
  umask(old);
  if (x.fd >= 0)
    close(x.fd);
  if (x.destfd >= 0)
    close(x.destfd);
  lp_tar_reader_free(r);
  if (u->kind == GZIP)
    inflateEnd(&u->z);
  ZSTD_freeDCtx(u->zd);
  free(u);
  free(buf);
  free(x.cur);
  for (size_t i = 0; i < x.ndirs; i++)
    free(x.dirs[i].rel);
  free(x.dirs);
  return rc;
}
