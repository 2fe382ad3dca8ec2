/* Read helpers over tree_nodes for the FUSE side; contract in tree.h. */
#include "store/tree.h"
#include "store/store_int.h"

#include <errno.h>
#include <string.h>

#define NODE_COLS                                                                                                      \
  "id, parent, name, mode, uid, gid, size, mtime_ns, rdev, nlink, link_target, hardlink_of, digest, inline_data, xattrs"

static const char sql_root[] = "SELECT root_node FROM images WHERE id = ?";
static const char sql_lookup[] = "SELECT " NODE_COLS " FROM tree_nodes WHERE parent = ? AND name = ?";
static const char sql_get[] = "SELECT " NODE_COLS " FROM tree_nodes WHERE id = ?";
static const char sql_readdir[] = "SELECT " NODE_COLS " FROM tree_nodes WHERE parent = ? AND id > ? ORDER BY id";

static void copy_blob(struct strbuf *sb, sqlite3_stmt *st, int col, const void **ptr, size_t *len)
{
  strbuf_reset(sb);
  if (sqlite3_column_type(st, col) == SQLITE_NULL)
    {
      *ptr = NULL;
      *len = 0;
      return;
    }
  const void *b = sqlite3_column_blob(st, col);
  size_t n = (size_t) sqlite3_column_bytes(st, col);
  strbuf_add(sb, b ? b : "", n);
  *ptr = sb->buf;
  *len = n;
}

static void fill(struct lp_store *s, sqlite3_stmt *st, struct lp_tree_node *out)
{
  memset(out, 0, sizeof *out);
  out->id = sqlite3_column_int64(st, 0);
  out->parent = sqlite3_column_int64(st, 1);
  const void *p;
  copy_blob(&s->node_name, st, 2, &p, &out->name_len);
  out->name = p ? (const char *) p : "";
  out->mode = (uint32_t) sqlite3_column_int64(st, 3);
  out->uid = (uint32_t) sqlite3_column_int64(st, 4);
  out->gid = (uint32_t) sqlite3_column_int64(st, 5);
  out->size = (uint64_t) sqlite3_column_int64(st, 6);
  out->mtime_ns = sqlite3_column_int64(st, 7);
  out->rdev = (uint64_t) sqlite3_column_int64(st, 8);
  out->nlink = (uint32_t) sqlite3_column_int64(st, 9);
  copy_blob(&s->node_link, st, 10, &p, &out->link_target_len);
  out->link_target = p;
  out->hardlink_of = sqlite3_column_int64(st, 11);
  const unsigned char *d = sqlite3_column_text(st, 12);
  if (d && strlen((const char *) d) == 64)
    memcpy(out->digest, d, 65);
  copy_blob(&s->node_inline, st, 13, &out->inline_data, &out->inline_len);
  copy_blob(&s->node_xattrs, st, 14, &out->xattrs, &out->xattrs_len);
}

int lp_tree_root(struct lp_store *s, const char *image_id, int64_t *node_id, lp_error_t *err)
{
  sqlite3_stmt *st = lp_db_stmt(s, sql_root, err);
  if (!st)
    return -1;
  sqlite3_bind_text(st, 1, image_id, -1, SQLITE_STATIC);
  int rc = sqlite3_step(st);
  if (rc == SQLITE_ROW)
    *node_id = sqlite3_column_int64(st, 0);
  sqlite3_reset(st);
  if (rc == SQLITE_ROW)
    return 0;
  if (rc == SQLITE_DONE)
    return lp_error(err, ENOENT, "image %s not known", image_id);
  return lp_db_error(s, err, "look up image root");
}

static int one(struct lp_store *s, sqlite3_stmt *st, struct lp_tree_node *out, lp_error_t *err)
{
  int rc = sqlite3_step(st);
  if (rc == SQLITE_ROW)
    fill(s, st, out);
  sqlite3_reset(st);
  if (rc == SQLITE_ROW)
    return 1;
  if (rc == SQLITE_DONE)
    return 0;
  return lp_db_error(s, err, "read tree node");
}

int lp_tree_lookup(struct lp_store *s, int64_t parent, const char *name, size_t namelen, struct lp_tree_node *out,
                   lp_error_t *err)
{
  sqlite3_stmt *st = lp_db_stmt(s, sql_lookup, err);
  if (!st)
    return -1;
  sqlite3_bind_int64(st, 1, parent);
  sqlite3_bind_blob(st, 2, namelen ? name : "", (int) namelen, SQLITE_STATIC);
  return one(s, st, out, err);
}

int lp_tree_get(struct lp_store *s, int64_t id, struct lp_tree_node *out, lp_error_t *err)
{
  sqlite3_stmt *st = lp_db_stmt(s, sql_get, err);
  if (!st)
    return -1;
  sqlite3_bind_int64(st, 1, id);
  return one(s, st, out, err);
}

int lp_tree_readdir(struct lp_store *s, int64_t parent, int64_t after_id, lp_tree_readdir_cb cb, void *ctx,
                    lp_error_t *err)
{
  sqlite3_stmt *st = lp_db_stmt(s, sql_readdir, err);
  if (!st)
    return -1;
  sqlite3_bind_int64(st, 1, parent);
  sqlite3_bind_int64(st, 2, after_id);
  int rc, n = 0;
  while ((rc = sqlite3_step(st)) == SQLITE_ROW)
    {
      struct lp_tree_node node;
      fill(s, st, &node);
      if (cb(ctx, &node))
        {
          rc = SQLITE_DONE;
          break;
        }
      n++;
    }
  sqlite3_reset(st);
  if (rc != SQLITE_DONE)
    return lp_db_error(s, err, "read directory");
  return n;
}

static uint32_t get_u32(const unsigned char *p)
{
  return (uint32_t) p[0] | (uint32_t) p[1] << 8 | (uint32_t) p[2] << 16 | (uint32_t) p[3] << 24;
}

int lp_xattrs_find(const void *blob, size_t blob_len, const char *name, const void **value, size_t *len)
{
  const unsigned char *p = blob;
  size_t off = 0, nlen = strlen(name);
  while (blob && off + 4 <= blob_len)
    {
      uint32_t kl = get_u32(p + off);
      off += 4;
      if (kl > blob_len - off)
        return 0;
      const unsigned char *k = p + off;
      off += kl;
      if (off + 4 > blob_len)
        return 0;
      uint32_t vl = get_u32(p + off);
      off += 4;
      if (vl > blob_len - off)
        return 0;
      if (kl == nlen && memcmp(k, name, nlen) == 0)
        {
          *value = p + off;
          *len = vl;
          return 1;
        }
      off += vl;
    }
  return 0;
}
