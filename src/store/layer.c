/*
 * Layer ingest: a tar stream in, content objects and layer_entries rows out.
 *
 * While streaming, file contents go to temp files in tmp/ and the
 * rows are kept in memory; nothing is visible to anyone. lp_layer_commit()
 * verifies the tar's sha256 against the diff_id, renames the temp files into
 * objects/ (dedup: an object already present wins and the copy is dropped),
 * then inserts every row in one transaction. A killed ingest leaves temp
 * files (tmp/obj-*) and perhaps unreferenced objects, both found by
 * reference by gc; the objects it was moving are listed in tmp/pending-*
 * first, so that lp_store_recover() (check) can tell them from damage.
 * The writer holds the store lock shared from begin to commit/abort so gc
 * never removes what it is about to reference.
 */
#include "store/store_int.h"
#include "store/pathmap.h"
#include "store/tar.h"
#include "store/tree.h"

#include "util/fault.h"
#include "util/fsutil.h"
#include "util/log.h"
#include "util/sha256.h"
#include "util/xalloc.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

struct pending
{
  char kind;
  char *path;
  size_t path_len;
  uint32_t mode;
  uint64_t uid, gid;
  int64_t mtime_ns;
  uint64_t size, rdev;
  char *link;
  size_t link_len;
  char digest[65];
  char *inl;
  size_t inl_len;
  bool has_inline;
  char *xattrs;
  size_t xattrs_len;
};

struct tmpobj
{
  char *tmpname;
  char hex[65];
};

struct lp_layer_writer
{
  struct lp_store *s;
  char *diff_id;
  int lock_fd;
  struct lp_tar_reader *tar;
  struct lp_sha256_ctx tar_sha;
  uint64_t tar_size;
  struct pending *ents;
  size_t nents, aents;
  struct lp_pathmap seen; /* path -> kind (as a small integer) of this layer's entries */
  struct lp_pathmap objs; /* hex -> struct tmpobj* waiting in tmp/ */
  /* The regular file being received. */
  struct pending *cur;
  bool cur_discard; /* a whiteout's content */
  int cur_fd;
  char *cur_tmp;
  struct lp_sha256_ctx cur_sha;
  struct strbuf cur_inline;
  lp_error_t tar_err;
};

static void *kind_val(char k)
{
  return (void *) (uintptr_t) (unsigned char) k;
}

static char val_kind(void *v)
{
  return (char) (uintptr_t) v;
}

static bool valid_diff_id(const char *d)
{
  if (strncmp(d, "sha256:", 7) != 0 || strlen(d) != 71)
    return false;
  for (const char *p = d + 7; *p; p++)
    if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f')))
      return false;
  return true;
}

int lp_store_has_layer_err(struct lp_store *s, const char *diff_id, lp_error_t *err)
{
  return lp_db_exists(s, "SELECT 1 FROM layers WHERE diff_id = ?", diff_id, "look up layer", err);
}

int lp_store_has_layer(struct lp_store *s, const char *diff_id)
{
  lp_error_t err = NULL;
  int r = lp_store_has_layer_err(s, diff_id, &err);
  lp_error_free(&err);
  return r;
}

static struct pending *new_pending(struct lp_layer_writer *w)
{
  if (w->nents == w->aents)
    {
      w->aents = w->aents ? w->aents * 2 : 64;
      w->ents = xreallocarray(w->ents, w->aents, sizeof *w->ents);
    }
  struct pending *p = &w->ents[w->nents++];
  memset(p, 0, sizeof *p);
  return p;
}

/* Reject a path that goes through something this layer made a non-directory. */
static int check_prefixes(struct lp_layer_writer *w, const char *path, size_t len, lp_error_t *err)
{
  for (size_t i = 0; i < len; i++)
    {
      if (path[i] != '/')
        continue;
      void *v = lp_pathmap_get(&w->seen, path, i);
      if (v && val_kind(v) == 'l')
        return lp_error(err, 0, "entry `%s` goes through symlink `%.*s` of the same layer", path, (int) i, path);
      if (v && val_kind(v) != 'd')
        return lp_error(err, 0, "entry `%s`: `%.*s` is not a directory", path, (int) i, path);
    }
  return 0;
}

static int on_entry(void *ctx, const struct lp_tar_entry *e, lp_error_t *err)
{
  struct lp_layer_writer *w = ctx;
  w->cur = NULL;
  w->cur_discard = false;

  if (check_prefixes(w, e->path, e->path_len, err) < 0)
    return -1;

  const char *slash = memrchr(e->path, '/', e->path_len);
  const char *base = slash ? slash + 1 : e->path;
  size_t dirlen = slash ? (size_t) (slash - e->path) : 0;
  size_t baselen = e->path_len - (size_t) (base - e->path);

  if (baselen >= 4 && memcmp(base, ".wh.", 4) == 0)
    {
      struct pending *p;
      if (baselen == 12 && memcmp(base, ".wh..wh..opq", 12) == 0)
        {
          p = new_pending(w);
          p->kind = 'o';
          p->path = xstrndup(e->path, dirlen);
          p->path_len = dirlen;
        }
      else if (baselen >= 8 && memcmp(base, ".wh..wh.", 8) == 0)
        {
          /* aufs bookkeeping (.wh..wh.plnk, ...): not content. */
          w->cur_discard = true;
          return 0;
        }
      else
        {
          const char *name = base + 4;
          size_t nlen = baselen - 4;
          if (nlen == 0 || (nlen == 1 && name[0] == '.') || (nlen == 2 && name[0] == '.' && name[1] == '.'))
            return lp_error(err, 0, "invalid whiteout `%s`", e->path);
          p = new_pending(w);
          p->kind = 'w';
          struct strbuf sb = STRBUF_INIT;
          strbuf_add(&sb, e->path, dirlen);
          if (dirlen)
            strbuf_addch(&sb, '/');
          strbuf_add(&sb, name, nlen);
          p->path = strbuf_detach(&sb, &p->path_len);
        }
      w->cur_discard = true;
      return 0;
    }

  struct pending *p = new_pending(w);
  p->path = xstrndup(e->path, e->path_len);
  p->path_len = e->path_len;
  p->uid = e->uid;
  p->gid = e->gid;
  p->mtime_ns = e->mtime_ns;
  if (e->xattrs_len)
    {
      p->xattrs = xmalloc(e->xattrs_len);
      memcpy(p->xattrs, e->xattrs, e->xattrs_len);
      p->xattrs_len = e->xattrs_len;
    }
  switch (e->type)
    {
    case LP_TAR_REG:
      p->kind = 'f';
      p->mode = S_IFREG | e->mode;
      p->size = e->size;
      break;
    case LP_TAR_DIR:
      p->kind = 'd';
      p->mode = S_IFDIR | e->mode;
      break;
    case LP_TAR_SYMLINK:
      p->kind = 'l';
      p->mode = S_IFLNK | 0777;
      p->size = e->link_len;
      break;
    case LP_TAR_HARDLINK:
      {
        p->kind = 'h';
        p->mode = S_IFREG | e->mode;
        if (e->link_len == e->path_len && memcmp(e->link, e->path, e->path_len) == 0)
          return lp_error(err, 0, "hard link `%s` points to itself", e->path);
        void *v = lp_pathmap_get(&w->seen, e->link, e->link_len);
        if (v && val_kind(v) == 'd')
          return lp_error(err, 0, "hard link `%s` points to directory `%s`", e->path, e->link);
        if (check_prefixes(w, e->link, e->link_len, err) < 0)
          return lp_error_wrap(err, "hard link `%s`", e->path);
        /* A target not seen in this layer must be a lower layer's path:
         * lp_image_commit checks that when it flattens. */
        break;
      }
    case LP_TAR_CHR:
    case LP_TAR_BLK:
      p->kind = e->type == LP_TAR_CHR ? 'c' : 'b';
      p->mode = (e->type == LP_TAR_CHR ? S_IFCHR : S_IFBLK) | e->mode;
      p->rdev = makedev(e->devmajor, e->devminor);
      break;
    case LP_TAR_FIFO:
      p->kind = 'p';
      p->mode = S_IFIFO | e->mode;
      break;
    default:
      return lp_error(err, 0, "entry `%s`: unsupported type", e->path);
    }
  if (e->link)
    {
      p->link = xstrndup(e->link, e->link_len);
      p->link_len = e->link_len;
    }
  lp_pathmap_put(&w->seen, p->path, p->path_len, kind_val(p->kind == 'h' ? 'f' : p->kind));

  if (p->kind == 'f')
    {
      w->cur = p;
      strbuf_reset(&w->cur_inline);
      if (p->size > LP_INLINE_MAX)
        {
          w->cur_fd = lp_object_tmp(w->s, &w->cur_tmp, err);
          if (w->cur_fd < 0)
            return -1;
          lp_sha256_ctx_init(&w->cur_sha);
        }
    }
  return 0;
}

static int on_data(void *ctx, const void *buf, size_t len, lp_error_t *err)
{
  struct lp_layer_writer *w = ctx;
  if (w->cur_discard || !w->cur)
    return 0;
  if (w->cur_fd < 0)
    {
      strbuf_add(&w->cur_inline, buf, len);
      return 0;
    }
  lp_sha256_ctx_update(&w->cur_sha, buf, len);
  if (lp_write_all(w->cur_fd, buf, len) < 0)
    return lp_error(err, errno, "write temp file for `%s`", w->cur->path);
  return 0;
}

static void drop_cur_tmp(struct lp_layer_writer *w)
{
  if (w->cur_fd >= 0)
    {
      close(w->cur_fd);
      w->cur_fd = -1;
    }
  if (w->cur_tmp)
    {
      unlinkat(w->s->tmp_fd, w->cur_tmp, 0);
      free(w->cur_tmp);
      w->cur_tmp = NULL;
    }
}

static int on_entry_end(void *ctx, lp_error_t *err)
{
  struct lp_layer_writer *w = ctx;
  struct pending *p = w->cur;
  if (w->cur_discard || !p)
    return 0;
  w->cur = NULL;
  if (w->cur_fd < 0)
    {
      if (p->size > 0)
        {
          p->inl = strbuf_detach(&w->cur_inline, &p->inl_len);
          p->has_inline = true;
        }
      return 0;
    }
  unsigned char d[32];
  lp_sha256_ctx_final(&w->cur_sha, d);
  lp_sha256_hex(d, p->digest);
  if (lp_pathmap_get(&w->objs, p->digest, 64))
    {
      drop_cur_tmp(w); /* same content earlier in this layer */
      return 0;
    }
  /* Durable at commit (lp_object_sync); start the writeback now so that
   * the one sync there has little left to wait for. Advisory: if it fails,
   * only that head start is lost, so its result is deliberately unused. */
  (void) sync_file_range(w->cur_fd, 0, 0, SYNC_FILE_RANGE_WRITE);
  close(w->cur_fd);
  w->cur_fd = -1;
  struct tmpobj *o = xzalloc(sizeof *o);
  o->tmpname = w->cur_tmp;
  w->cur_tmp = NULL;
  memcpy(o->hex, p->digest, 65);
  lp_pathmap_put(&w->objs, o->hex, 64, o);
  return 0;
}

int lp_layer_begin(struct lp_store *s, const char *diff_id, struct lp_layer_writer **out, lp_error_t *err)
{
  if (!valid_diff_id(diff_id))
    return lp_error(err, EINVAL, "invalid layer diff_id `%s` (want sha256:<64 hex>)", diff_id);
  int lock = lp_store_lock(s, 0, err);
  if (lock < 0)
    return -1;
  struct lp_layer_writer *w = xzalloc(sizeof *w);
  w->s = s;
  w->diff_id = xstrdup(diff_id);
  w->lock_fd = lock;
  w->cur_fd = -1;
  strbuf_init(&w->cur_inline, 0);
  lp_pathmap_init(&w->seen);
  lp_pathmap_init(&w->objs);
  lp_sha256_ctx_init(&w->tar_sha);
  static const struct lp_tar_callbacks cb = { on_entry, on_data, on_entry_end };
  w->tar = lp_tar_reader_new(&cb, w);
  *out = w;
  return 0;
}

int lp_layer_write(struct lp_layer_writer *w, const void *buf, size_t len, lp_error_t *err)
{
  lp_sha256_ctx_update(&w->tar_sha, buf, len);
  w->tar_size += len;
  if (lp_tar_feed(w->tar, buf, len, err) < 0)
    return lp_error_wrap(err, "layer %s", w->diff_id);
  return 0;
}

static void free_writer(struct lp_layer_writer *w)
{
  drop_cur_tmp(w);
  for (size_t i = 0; i < w->objs.nbuckets; i++)
    for (struct lp_pathmap_ent *e = w->objs.buckets[i]; e; e = e->next)
      {
        struct tmpobj *o = e->val;
        if (o->tmpname)
          unlinkat(w->s->tmp_fd, o->tmpname, 0);
        free(o->tmpname);
        free(o);
      }
  lp_pathmap_release(&w->objs);
  lp_pathmap_release(&w->seen);
  for (size_t i = 0; i < w->nents; i++)
    {
      free(w->ents[i].path);
      free(w->ents[i].link);
      free(w->ents[i].inl);
      free(w->ents[i].xattrs);
    }
  free(w->ents);
  strbuf_release(&w->cur_inline);
  lp_tar_reader_free(w->tar);
  if (w->lock_fd >= 0)
    close(w->lock_fd);
  free(w->diff_id);
  free(w);
}

void lp_layer_abort(struct lp_layer_writer *w)
{
  if (w)
    free_writer(w);
}

static int insert_rows(struct lp_layer_writer *w, lp_error_t *err)
{
  struct lp_store *s = w->s;
  sqlite3_stmt *st = lp_db_stmt(s, "INSERT INTO layers(diff_id, size, entries, created) VALUES (?, ?, ?, ?)", err);
  if (!st)
    return -1;
  sqlite3_bind_text(st, 1, w->diff_id, -1, SQLITE_STATIC);
  sqlite3_bind_int64(st, 2, (int64_t) w->tar_size);
  sqlite3_bind_int64(st, 3, (int64_t) w->nents);
  sqlite3_bind_int64(st, 4, (int64_t) time(NULL));
  if (lp_db_step_done(s, st, err, "insert layer") < 0)
    return -1;
  int64_t layer = sqlite3_last_insert_rowid(s->db);

  st = lp_db_stmt(s,
                  "INSERT INTO layer_entries(layer, seq, path, kind, mode, uid, gid, mtime_ns, size, rdev,"
                  " link_target, digest, inline_data, xattrs) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                  err);
  if (!st)
    return -1;
  for (size_t i = 0; i < w->nents; i++)
    {
      struct pending *p = &w->ents[i];
      sqlite3_reset(st);
      sqlite3_clear_bindings(st);
      sqlite3_bind_int64(st, 1, layer);
      sqlite3_bind_int64(st, 2, (int64_t) i);
      sqlite3_bind_blob(st, 3, p->path, (int) p->path_len, SQLITE_STATIC);
      sqlite3_bind_int(st, 4, p->kind);
      sqlite3_bind_int64(st, 5, p->mode);
      sqlite3_bind_int64(st, 6, (int64_t) p->uid);
      sqlite3_bind_int64(st, 7, (int64_t) p->gid);
      sqlite3_bind_int64(st, 8, p->mtime_ns);
      sqlite3_bind_int64(st, 9, (int64_t) p->size);
      sqlite3_bind_int64(st, 10, (int64_t) p->rdev);
      if (p->link)
        sqlite3_bind_blob(st, 11, p->link, (int) p->link_len, SQLITE_STATIC);
      if (p->digest[0])
        sqlite3_bind_text(st, 12, p->digest, 64, SQLITE_STATIC);
      if (p->has_inline)
        sqlite3_bind_blob(st, 13, p->inl, (int) p->inl_len, SQLITE_STATIC);
      if (p->xattrs)
        sqlite3_bind_blob(st, 14, p->xattrs, (int) p->xattrs_len, SQLITE_STATIC);
      if (lp_db_step_done(s, st, err, "insert layer entry") < 0)
        return -1;
    }
  return 0;
}

/* tmp/pending-*: the hex of each object this commit moves into objects/,
 * one per line (see lp_store_recover). */
static int write_pending(struct lp_layer_writer *w, char **name, lp_error_t *err)
{
  struct strbuf sb = STRBUF_INIT;
  for (size_t i = 0; i < w->objs.nbuckets; i++)
    for (struct lp_pathmap_ent *e = w->objs.buckets[i]; e; e = e->next)
      {
        const struct tmpobj *o = e->val;
        strbuf_add(&sb, o->hex, 64);
        strbuf_addch(&sb, '\n');
      }
  int fd = lp_store_tmp_file(w->s, "pending", name, err);
  int ret = 0;
  if (fd < 0)
    ret = -1;
  else
    {
      if (lp_write_all(fd, sb.buf, sb.len) < 0)
        ret = lp_error(err, errno, "write `%s/tmp/%s`", w->s->home, *name);
      close(fd);
    }
  strbuf_release(&sb);
  return ret;
}

int lp_layer_commit(struct lp_layer_writer *w, lp_error_t *err)
{
  struct lp_store *s = w->s;
  int ret = -1;
  char *pending = NULL;

  if (lp_tar_finish(w->tar, err) < 0)
    goto out;
  unsigned char d[32];
  char hex[65];
  lp_sha256_ctx_final(&w->tar_sha, d);
  lp_sha256_hex(d, hex);
  if (strcmp(hex, w->diff_id + 7) != 0)
    {
      lp_error(err, 0, "content sha256:%s does not match the expected diff_id", hex);
      goto out;
    }
  for (size_t i = 0; i < w->nents; i++)
    if (w->ents[i].path_len > INT32_MAX || w->ents[i].link_len > INT32_MAX)
      {
        lp_error(err, 0, "entry too long");
        goto out;
      }

  int have = lp_store_has_layer_err(s, w->diff_id, err);
  if (have < 0)
    goto out;
  if (have)
    {
      ret = 0; /* stored meanwhile by someone else */
      goto out;
    }
  lp_debug("layer %s: verified, moving %zu objects into the store", w->diff_id, w->objs.n);
  lp_fault("store.layer.before-objects");
  /* Objects first (content durable, renamed, renames durable), rows after:
   * a row never names an object that a crash could lose. One syncfs on each
   * side of the renames costs far less than an fsync per file and dir.
   * The list of objects about to move is written first (made durable by the
   * same syncfs): a kill between the renames and the commit leaves objects
   * no row names, and the list lets recovery tell them from damage. */
  if (w->objs.n > 0 && write_pending(w, &pending, err) < 0)
    goto out;
  if (w->objs.n > 0 && lp_object_sync(s, err) < 0)
    goto out;
  for (size_t i = 0; i < w->objs.nbuckets; i++)
    for (struct lp_pathmap_ent *e = w->objs.buckets[i]; e; e = e->next)
      {
        struct tmpobj *o = e->val;
        if (lp_object_commit_tmp(s, o->tmpname, o->hex, err) < 0)
          goto out;
        free(o->tmpname);
        o->tmpname = NULL;
      }
  if (w->objs.n > 0 && lp_object_sync(s, err) < 0)
    goto out;

  lp_fault("store.layer.after-objects");
  if (lp_db_begin(s, err) < 0)
    goto out;
  have = lp_store_has_layer_err(s, w->diff_id, err);
  if (have != 0)
    {
      lp_db_rollback(s);
      ret = have > 0 ? 0 : -1;
      goto out;
    }
  if (insert_rows(w, err) < 0)
    {
      lp_db_rollback(s);
      goto out;
    }
  lp_fault("store.layer.in-txn");
  if (lp_db_commit(s, err) < 0)
    goto out;
  ret = 0;
out:
  /* Kept on failure: objects may have moved that no row names, and only
   * recovery (under the exclusive lock) may remove them. */
  if (pending && ret == 0)
    unlinkat(s->tmp_fd, pending, 0);
  free(pending);
  if (ret < 0)
    lp_error_wrap(err, "store layer %s", w->diff_id);
  free_writer(w);
  return ret;
}

int lp_layer_ingest_fd(struct lp_store *s, const char *diff_id, int fd, lp_error_t *err)
{
  struct lp_layer_writer *w;
  if (lp_layer_begin(s, diff_id, &w, err) < 0)
    return -1;
  char *buf = xmalloc(1 << 16);
  for (;;)
    {
      ssize_t n = read(fd, buf, 1 << 16);
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        {
          int saved = errno;
          free(buf);
          lp_layer_abort(w);
          return lp_error(err, saved, "read layer %s", diff_id);
        }
      if (n == 0)
        break;
      if (lp_layer_write(w, buf, (size_t) n, err) < 0)
        {
          free(buf);
          lp_layer_abort(w);
          return -1;
        }
    }
  free(buf);
  return lp_layer_commit(w, err);
}
