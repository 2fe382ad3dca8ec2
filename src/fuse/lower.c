/* lower: the only place that reads tree_nodes (see lower.h). */
#include "lower.h"

#include <errno.h>
#include <fcntl.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../util/xalloc.h"

#define NODE_COLS "id, hardlink_of, mode, uid, gid, size, mtime_ns, rdev, nlink"

enum
{
  ST_GET,
  ST_LOOKUP,
  ST_LINK,
  ST_XATTRS,
  ST_DATA,
  ST_CHILDREN,
  ST_NCHILDREN,
  ST_BEGIN,
  ST_COMMIT,
  ST_COUNT
};

static const char *const sql[ST_COUNT] = {
  [ST_GET] = "SELECT " NODE_COLS " FROM tree_nodes WHERE id = ?1",
  [ST_LOOKUP] = "SELECT " NODE_COLS " FROM tree_nodes WHERE parent = ?1 AND name = ?2",
  [ST_LINK] = "SELECT link_target FROM tree_nodes WHERE id = ?1",
  [ST_XATTRS] = "SELECT xattrs FROM tree_nodes WHERE id = ?1",
  [ST_DATA] = "SELECT digest, inline_data FROM tree_nodes WHERE id = ?1",
  [ST_CHILDREN] = "SELECT " NODE_COLS ", name FROM tree_nodes WHERE parent = ?1",
  [ST_NCHILDREN] = "SELECT count(*) FROM tree_nodes WHERE parent = ?1",
  [ST_BEGIN] = "BEGIN",
  [ST_COMMIT] = "COMMIT",
};

struct lp_lower
{
  sqlite3 *db;
  int objects_fd;
  sqlite3_stmt *st[ST_COUNT];
  int children_busy; /* st[ST_CHILDREN] is stepping (a walk inside a walk prepares its own) */
  /* Held snapshots (lp_lower_hold_snapshots): a read transaction is open
   * since `since`; on_begin is called when one opens. */
  int hold, in_snap;
  struct timespec since;
  void (*on_begin)(void *ctx);
  void *ctx;
};

/* Open a read transaction if snapshots are held and none is open: every
 * read in it skips the lock, unlock and fstat SQLite does around a
 * statement run on its own (3 system calls). */
static void snap(struct lp_lower *l)
{
  if (!l->hold || l->in_snap)
    return;
  sqlite3_stmt *s = l->st[ST_BEGIN];
  int rc = sqlite3_step(s);
  sqlite3_reset(s);
  if (rc != SQLITE_DONE)
    return; /* statements run in their own transactions then */
  l->in_snap = 1;
  clock_gettime(CLOCK_MONOTONIC, &l->since);
  if (l->on_begin)
    l->on_begin(l->ctx);
}

void lp_lower_hold_snapshots(struct lp_lower *l, void (*on_begin)(void *ctx), void *ctx)
{
  l->hold = 1;
  l->on_begin = on_begin;
  l->ctx = ctx;
}

int lp_lower_snapshot_since(struct lp_lower *l, struct timespec *since)
{
  if (l->in_snap)
    *since = l->since;
  return l->in_snap;
}

void lp_lower_release(struct lp_lower *l)
{
  if (!l->in_snap)
    return;
  sqlite3_stmt *s = l->st[ST_COMMIT];
  sqlite3_step(s);
  sqlite3_reset(s);
  l->in_snap = !sqlite3_get_autocommit(l->db);
}

int lp_lower_open(const char *store_home, struct lp_lower **out, lp_error_t *err)
{
  struct lp_lower *l = xzalloc(sizeof *l);
  l->objects_fd = -1;
  cleanup_free char *dbpath = xasprintf("%s/store.db", store_home);
  cleanup_free char *objs = xasprintf("%s/objects", store_home);
  int rc = sqlite3_open_v2(dbpath, &l->db, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, NULL);
  if (rc != SQLITE_OK)
    {
      lp_error(err, 0, "open store index `%s`: %s", dbpath, sqlite3_errstr(rc));
      goto fail;
    }
  sqlite3_busy_timeout(l->db, 10000);
  for (int i = 0; i < ST_COUNT; i++)
    if (sqlite3_prepare_v3(l->db, sql[i], -1, SQLITE_PREPARE_PERSISTENT, &l->st[i], NULL) != SQLITE_OK)
      {
        lp_error(err, 0, "store index `%s`: %s", dbpath, sqlite3_errmsg(l->db));
        goto fail;
      }
  l->objects_fd = open(objs, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (l->objects_fd < 0 && errno != ENOENT)
    {
      lp_error(err, errno, "open `%s`", objs);
      goto fail;
    }
  *out = l;
  return 0;
fail:
  lp_lower_close(l);
  return -1;
}

void lp_lower_close(struct lp_lower *l)
{
  if (!l)
    return;
  for (int i = 0; i < ST_COUNT; i++)
    {
      sqlite3_reset(l->st[i]);
      sqlite3_finalize(l->st[i]);
    }
  if (l->db && !sqlite3_get_autocommit(l->db))
    sqlite3_exec(l->db, "COMMIT", NULL, NULL, NULL);
  sqlite3_close(l->db);
  if (l->objects_fd >= 0)
    close(l->objects_fd);
  free(l);
}

static void row_node(sqlite3_stmt *s, struct lp_lower_node *n)
{
  n->id = sqlite3_column_int64(s, 0);
  n->canon = sqlite3_column_type(s, 1) == SQLITE_NULL ? n->id : sqlite3_column_int64(s, 1);
  n->mode = (mode_t)sqlite3_column_int64(s, 2);
  n->uid = (uid_t)sqlite3_column_int64(s, 3);
  n->gid = (gid_t)sqlite3_column_int64(s, 4);
  n->size = sqlite3_column_int64(s, 5);
  n->mtime_ns = sqlite3_column_int64(s, 6);
  n->rdev = (dev_t)sqlite3_column_int64(s, 7);
  n->nlink = sqlite3_column_int64(s, 8);
}

/* One-row query on statement st; fills n. */
static int get_one(struct lp_lower *l, sqlite3_stmt *s, struct lp_lower_node *n)
{
  int rc = sqlite3_step(s);
  int ret = 0;
  if (rc == SQLITE_ROW)
    row_node(s, n);
  else
    ret = rc == SQLITE_DONE ? -ENOENT : -EIO;
  sqlite3_reset(s);
  sqlite3_clear_bindings(s);
  return ret;
}

int lp_lower_get(struct lp_lower *l, int64_t id, struct lp_lower_node *out)
{
  snap(l);
  sqlite3_stmt *s = l->st[ST_GET];
  sqlite3_bind_int64(s, 1, id);
  int ret = get_one(l, s, out);
  if (ret == 0 && out->canon != out->id)
    {
      /* A hard link's attributes are those of its first name. */
      int64_t self = out->id;
      sqlite3_bind_int64(s, 1, out->canon);
      ret = get_one(l, s, out);
      out->id = self;
    }
  return ret;
}

int lp_lower_lookup(struct lp_lower *l, int64_t dir, const char *name, size_t len, struct lp_lower_node *out)
{
  snap(l);
  sqlite3_stmt *s = l->st[ST_LOOKUP];
  sqlite3_bind_int64(s, 1, dir);
  sqlite3_bind_blob(s, 2, name, (int)len, SQLITE_STATIC);
  int ret = get_one(l, s, out);
  if (ret == 0 && out->canon != out->id)
    return lp_lower_get(l, out->id, out);
  return ret;
}

static int get_blob(struct lp_lower *l, int which, int64_t id, void **out, size_t *len, int nul)
{
  snap(l);
  sqlite3_stmt *s = l->st[which];
  sqlite3_bind_int64(s, 1, id);
  int rc = sqlite3_step(s);
  int ret = 0;
  if (rc == SQLITE_ROW)
    {
      const void *b = sqlite3_column_blob(s, 0);
      size_t n = (size_t)sqlite3_column_bytes(s, 0);
      if (!b && !nul)
        *out = NULL;
      else
        {
          char *c = xmalloc(n + 1);
          if (n)
            memcpy(c, b, n);
          c[n] = 0;
          *out = c;
        }
      *len = n;
    }
  else
    ret = rc == SQLITE_DONE ? -ENOENT : -EIO;
  sqlite3_reset(s);
  return ret;
}

int lp_lower_readlink(struct lp_lower *l, int64_t id, char **out, size_t *len)
{
  void *p = NULL;
  int ret = get_blob(l, ST_LINK, id, &p, len, 1);
  *out = p;
  return ret;
}

int lp_lower_xattrs(struct lp_lower *l, int64_t id, void **blob, size_t *len)
{
  return get_blob(l, ST_XATTRS, id, blob, len, 0);
}

static int valid_digest(const char *d)
{
  if (strlen(d) != 64)
    return 0;
  for (const char *p = d; *p; p++)
    if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f')))
      return 0;
  return 1;
}

int lp_lower_open_data(struct lp_lower *l, int64_t id, int *fd, void **data, size_t *len)
{
  snap(l);
  struct lp_lower_node n;
  int ret = lp_lower_get(l, id, &n);
  if (ret < 0)
    return ret;
  sqlite3_stmt *s = l->st[ST_DATA];
  sqlite3_bind_int64(s, 1, n.canon);
  int rc = sqlite3_step(s);
  *fd = -1;
  *data = NULL;
  *len = 0;
  if (rc != SQLITE_ROW)
    {
      sqlite3_reset(s);
      return rc == SQLITE_DONE ? -ENOENT : -EIO;
    }
  const char *digest = (const char *)sqlite3_column_text(s, 0);
  if (digest)
    {
      if (!valid_digest(digest) || l->objects_fd < 0)
        ret = -EIO;
      else
        {
          char rel[2 + 1 + 62 + 1];
          memcpy(rel, digest, 2);
          rel[2] = '/';
          memcpy(rel + 3, digest + 2, 63);
          *fd = openat(l->objects_fd, rel, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
          if (*fd < 0)
            ret = -errno;
        }
    }
  else
    {
      const void *b = sqlite3_column_blob(s, 1);
      size_t nb = (size_t)sqlite3_column_bytes(s, 1);
      char *c = xmalloc(nb + 1);
      if (nb)
        memcpy(c, b, nb);
      *data = c;
      *len = nb;
    }
  sqlite3_reset(s);
  return ret;
}

int lp_lower_readdir(struct lp_lower *l, int64_t dir, lp_lower_child_fn fn, void *ctx)
{
  snap(l);
  /* The prepared statement: preparing one per listing cost about 135,000
   * instructions, more than the listing of a small directory itself. A
   * callback that walks another directory gets a fresh one. */
  sqlite3_stmt *s = l->st[ST_CHILDREN];
  int own = l->children_busy;
  if (own && sqlite3_prepare_v2(l->db, sql[ST_CHILDREN], -1, &s, NULL) != SQLITE_OK)
    return -EIO;
  if (!own)
    l->children_busy = 1;
  sqlite3_bind_int64(s, 1, dir);
  int ret = 0, rc;
  while ((rc = sqlite3_step(s)) == SQLITE_ROW)
    {
      struct lp_lower_node n;
      row_node(s, &n);
      if (n.canon != n.id && lp_lower_get(l, n.id, &n) < 0)
        continue;
      const char *name = sqlite3_column_blob(s, 9);
      size_t len = (size_t)sqlite3_column_bytes(s, 9);
      if ((ret = fn(ctx, name ? name : "", len, &n)) != 0)
        break;
    }
  if (ret == 0 && rc != SQLITE_DONE)
    ret = -EIO;
  if (own)
    sqlite3_finalize(s);
  else
    {
      sqlite3_reset(s);
      l->children_busy = 0;
    }
  return ret;
}

int lp_lower_count_children(struct lp_lower *l, int64_t dir, int64_t *n)
{
  snap(l);
  sqlite3_stmt *s = l->st[ST_NCHILDREN];
  sqlite3_bind_int64(s, 1, dir);
  int rc = sqlite3_step(s);
  if (rc == SQLITE_ROW)
    *n = sqlite3_column_int64(s, 0);
  sqlite3_reset(s);
  return rc == SQLITE_ROW ? 0 : -EIO;
}
