/*
 * flatten: apply an image's layers bottom to top into one tree and write it
 * as tree_nodes rows (tree.h).
 *
 * Per layer, whiteouts and opaque markers are applied first (they hide only
 * what lower layers made, as the OCI image spec says), then the layer's
 * entries in tar order. A directory over a directory merges (the upper's
 * attributes win); anything else at an existing name replaces it, subtree
 * and all. Missing parent directories are made implicitly (0755 root:root);
 * a non-directory in the way of a lower-layer path is replaced by such a
 * directory. Hard links share an inode object, so they keep pointing at the
 * right content whatever later layers do to the other names. The tree is
 * built in memory (a few hundred bytes per entry) and written in pre-order,
 * so a parent's id is known before its children are inserted.
 */
#include "store/store_int.h"
#include "store/pathmap.h"

#include "util/xalloc.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

struct inode
{
  uint32_t mode;
  int64_t uid, gid, mtime_ns, size, rdev;
  char *link;
  size_t link_len;
  char *digest;
  char *inl;
  size_t inl_len;
  bool has_inline;
  char *xattrs;
  size_t xattrs_len;
  uint32_t names;  /* names in the final tree */
  int64_t first_id; /* id of the first name written */
};

struct node
{
  struct node *parent, *first, *last, *next, *prev;
  char *name;
  size_t name_len;
  struct inode *ino;
  int64_t id;
};

struct flat
{
  struct lp_pathmap map; /* (parent pointer, name) -> node */
  struct node *root;
  void **allocs; /* everything to free at the end */
  size_t nallocs, aallocs;
  struct strbuf key;
};

static void *track(struct flat *f, void *p)
{
  if (f->nallocs == f->aallocs)
    {
      f->aallocs = f->aallocs ? f->aallocs * 2 : 256;
      f->allocs = xreallocarray(f->allocs, f->aallocs, sizeof *f->allocs);
    }
  f->allocs[f->nallocs++] = p;
  return p;
}

static char *track_dup(struct flat *f, const void *p, size_t n)
{
  char *c = xmalloc(n + 1);
  memcpy(c, p, n);
  c[n] = '\0';
  return track(f, c);
}

static void make_key(struct flat *f, const struct node *parent, const char *name, size_t len)
{
  strbuf_reset(&f->key);
  strbuf_add(&f->key, &parent, sizeof parent);
  strbuf_add(&f->key, name, len);
}

static struct node *lookup(struct flat *f, struct node *parent, const char *name, size_t len)
{
  make_key(f, parent, name, len);
  return lp_pathmap_get(&f->map, f->key.buf, f->key.len);
}

static void detach(struct flat *f, struct node *n)
{
  struct node *p = n->parent;
  make_key(f, p, n->name, n->name_len);
  lp_pathmap_del(&f->map, f->key.buf, f->key.len);
  if (n->prev)
    n->prev->next = n->next;
  else
    p->first = n->next;
  if (n->next)
    n->next->prev = n->prev;
  else
    p->last = n->prev;
  n->parent = n->next = n->prev = NULL;
}

static struct inode *new_inode(struct flat *f)
{
  return track(f, xzalloc(sizeof(struct inode)));
}

static struct node *attach(struct flat *f, struct node *parent, const char *name, size_t len, struct inode *ino)
{
  struct node *n = track(f, xzalloc(sizeof *n));
  n->name = track_dup(f, name, len);
  n->name_len = len;
  n->ino = ino;
  n->parent = parent;
  n->prev = parent->last;
  if (parent->last)
    parent->last->next = n;
  else
    parent->first = n;
  parent->last = n;
  make_key(f, parent, name, len);
  lp_pathmap_put(&f->map, f->key.buf, f->key.len, n);
  return n;
}

static bool is_dir(const struct node *n)
{
  return S_ISDIR(n->ino->mode);
}

static struct inode *implicit_dir(struct flat *f)
{
  struct inode *i = new_inode(f);
  i->mode = S_IFDIR | 0755;
  return i;
}

/* Walk to the directory holding the last component of path. With create,
 * missing or non-directory components become implicit directories.
 * base and baselen get the last component. NULL if not found (no create). */
static struct node *walk_parent(struct flat *f, const char *path, size_t len, bool create, const char **base,
                                size_t *baselen)
{
  struct node *cur = f->root;
  size_t i = 0;
  for (;;)
    {
      size_t j = i;
      while (j < len && path[j] != '/')
        j++;
      if (j == len)
        {
          *base = path + i;
          *baselen = len - i;
          return cur;
        }
      struct node *c = lookup(f, cur, path + i, j - i);
      if (!c || !is_dir(c))
        {
          if (!create)
            return NULL;
          if (c)
            detach(f, c);
          c = attach(f, cur, path + i, j - i, implicit_dir(f));
        }
      cur = c;
      i = j + 1;
    }
}

static struct node *walk(struct flat *f, const char *path, size_t len)
{
  if (len == 0)
    return f->root;
  const char *base;
  size_t blen;
  struct node *p = walk_parent(f, path, len, false, &base, &blen);
  return p ? lookup(f, p, base, blen) : NULL;
}

static void set_attrs(struct flat *f, struct inode *i, sqlite3_stmt *st)
{
  /* Columns: 0 kind, 1 path, 2 mode, 3 uid, 4 gid, 5 mtime, 6 size, 7 rdev, 8 link, 9 digest, 10 inline, 11 xattrs. */
  i->mode = (uint32_t) sqlite3_column_int64(st, 2);
  i->uid = sqlite3_column_int64(st, 3);
  i->gid = sqlite3_column_int64(st, 4);
  i->mtime_ns = sqlite3_column_int64(st, 5);
  i->size = sqlite3_column_int64(st, 6);
  i->rdev = sqlite3_column_int64(st, 7);
  i->xattrs = NULL;
  i->xattrs_len = 0;
  if (sqlite3_column_type(st, 11) != SQLITE_NULL)
    {
      i->xattrs_len = (size_t) sqlite3_column_bytes(st, 11);
      i->xattrs = track_dup(f, sqlite3_column_blob(st, 11), i->xattrs_len);
    }
  if (S_ISDIR(i->mode))
    return;
  if (sqlite3_column_type(st, 8) != SQLITE_NULL)
    {
      i->link_len = (size_t) sqlite3_column_bytes(st, 8);
      i->link = track_dup(f, sqlite3_column_blob(st, 8), i->link_len);
    }
  if (sqlite3_column_type(st, 9) != SQLITE_NULL)
    i->digest = track_dup(f, sqlite3_column_text(st, 9), (size_t) sqlite3_column_bytes(st, 9));
  if (sqlite3_column_type(st, 10) != SQLITE_NULL)
    {
      i->inl_len = (size_t) sqlite3_column_bytes(st, 10);
      i->inl = track_dup(f, sqlite3_column_blob(st, 10), i->inl_len);
      i->has_inline = true;
    }
}

/* kind is stored as the character code: 119 = 'w', 111 = 'o'. */
static const char sql_entries[] = "SELECT kind, path, mode, uid, gid, mtime_ns, size, rdev, link_target, digest,"
                                  " inline_data, xattrs FROM layer_entries WHERE layer = ? AND (kind IN (119, 111)) = ?"
                                  " ORDER BY seq";

static int apply_layer(struct lp_store *s, struct flat *f, int64_t layer, lp_error_t *err)
{
  for (int pass = 1; pass >= 0; pass--)
    {
      sqlite3_stmt *st = lp_db_stmt(s, sql_entries, err);
      if (!st)
        return -1;
      sqlite3_bind_int64(st, 1, layer);
      sqlite3_bind_int(st, 2, pass);
      int rc;
      while ((rc = sqlite3_step(st)) == SQLITE_ROW)
        {
          int kind = sqlite3_column_int(st, 0);
          size_t plen = (size_t) sqlite3_column_bytes(st, 1);
          const char *path = sqlite3_column_blob(st, 1);
          if (!path)
            path = "";
          /* Copy: the walk below may not keep pointers into the row. */
          cleanup_free char *p = xstrndup(path, plen);
          const char *base;
          size_t blen;

          if (kind == 'w')
            {
              struct node *n = walk(f, p, plen);
              if (n && n != f->root)
                detach(f, n);
              continue;
            }
          if (kind == 'o')
            {
              struct node *n = walk(f, p, plen);
              if (n && is_dir(n))
                while (n->first)
                  detach(f, n->first);
              continue;
            }
          if (plen == 0)
            {
              if (kind == 'd')
                set_attrs(f, f->root->ino, st);
              continue;
            }
          struct node *parent = walk_parent(f, p, plen, true, &base, &blen);
          struct node *old = lookup(f, parent, base, blen);
          if (kind == 'd')
            {
              if (old && is_dir(old))
                {
                  set_attrs(f, old->ino, st);
                  continue;
                }
              if (old)
                detach(f, old);
              struct inode *i = new_inode(f);
              set_attrs(f, i, st);
              attach(f, parent, base, blen, i);
              continue;
            }
          if (kind == 'h')
            {
              size_t tlen = (size_t) sqlite3_column_bytes(st, 8);
              cleanup_free char *target = xstrndup(sqlite3_column_blob(st, 8), tlen);
              struct node *t = walk(f, target, tlen);
              if (!t || is_dir(t))
                {
                  sqlite3_reset(st);
                  return lp_error(err, 0, "hard link `%s` points to `%s`, which is not a file of this or a lower layer",
                                  p, target);
                }
              /* The target may have been replaced by the walk above. */
              parent = walk_parent(f, p, plen, true, &base, &blen);
              old = lookup(f, parent, base, blen);
              if (old == t)
                continue;
              if (old)
                detach(f, old);
              attach(f, parent, base, blen, t->ino);
              continue;
            }
          if (old)
            detach(f, old);
          struct inode *i = new_inode(f);
          set_attrs(f, i, st);
          attach(f, parent, base, blen, i);
        }
      sqlite3_reset(st);
      if (rc != SQLITE_DONE)
        return lp_db_error(s, err, "read layer entries");
    }
  return 0;
}

static int write_tree(struct lp_store *s, struct flat *f, int64_t *root_id, lp_error_t *err)
{
  size_t cap = 256, n = 0;
  struct node **stack = xreallocarray(NULL, cap, sizeof *stack);

  /* Count names per inode. */
  stack[n++] = f->root;
  while (n)
    {
      struct node *x = stack[--n];
      x->ino->names++;
      for (struct node *c = x->first; c; c = c->next)
        {
          if (n == cap)
            stack = xreallocarray(stack, cap *= 2, sizeof *stack);
          stack[n++] = c;
        }
    }

  sqlite3_stmt *st = lp_db_stmt(s,
                                "INSERT INTO tree_nodes(parent, name, mode, uid, gid, size, mtime_ns, rdev, nlink,"
                                " link_target, hardlink_of, digest, inline_data, xattrs, tree)"
                                " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                                err);
  int ret = -1;
  if (!st)
    goto out;
  int64_t tree = 0;
  stack[n++] = f->root;
  while (n)
    {
      struct node *x = stack[--n];
      struct inode *i = x->ino;
      uint32_t nlink = i->names;
      if (S_ISDIR(i->mode))
        {
          nlink = 2;
          for (struct node *c = x->first; c; c = c->next)
            if (is_dir(c))
              nlink++;
        }
      sqlite3_reset(st);
      sqlite3_clear_bindings(st);
      if (x->parent)
        sqlite3_bind_int64(st, 1, x->parent->id);
      sqlite3_bind_blob(st, 2, x->name ? x->name : "", (int) x->name_len, SQLITE_STATIC);
      sqlite3_bind_int64(st, 3, i->mode);
      sqlite3_bind_int64(st, 4, i->uid);
      sqlite3_bind_int64(st, 5, i->gid);
      sqlite3_bind_int64(st, 6, S_ISDIR(i->mode) ? 0 : S_ISLNK(i->mode) ? (int64_t) i->link_len : i->size);
      sqlite3_bind_int64(st, 7, i->mtime_ns);
      sqlite3_bind_int64(st, 8, i->rdev);
      sqlite3_bind_int64(st, 9, nlink);
      if (S_ISLNK(i->mode) && i->link)
        sqlite3_bind_blob(st, 10, i->link, (int) i->link_len, SQLITE_STATIC);
      if (!S_ISDIR(i->mode) && i->first_id)
        sqlite3_bind_int64(st, 11, i->first_id);
      if (S_ISREG(i->mode) && i->digest)
        sqlite3_bind_text(st, 12, i->digest, -1, SQLITE_STATIC);
      if (S_ISREG(i->mode) && i->has_inline)
        sqlite3_bind_blob(st, 13, i->inl, (int) i->inl_len, SQLITE_STATIC);
      if (i->xattrs)
        sqlite3_bind_blob(st, 14, i->xattrs, (int) i->xattrs_len, SQLITE_STATIC);
      sqlite3_bind_int64(st, 15, tree);
      if (lp_db_step_done(s, st, err, "insert tree node") < 0)
        goto out;
      x->id = sqlite3_last_insert_rowid(s->db);
      if (!i->first_id)
        i->first_id = x->id;
      if (x == f->root)
        tree = x->id;
      /* Push children reversed so they are written in list order. */
      for (struct node *c = x->last; c; c = c->prev)
        {
          if (n == cap)
            stack = xreallocarray(stack, cap *= 2, sizeof *stack);
          stack[n++] = c;
        }
    }
  sqlite3_stmt *up = lp_db_stmt(s, "UPDATE tree_nodes SET tree = ? WHERE id = ?", err);
  if (!up)
    goto out;
  sqlite3_bind_int64(up, 1, tree);
  sqlite3_bind_int64(up, 2, tree);
  if (lp_db_step_done(s, up, err, "set tree root") < 0)
    goto out;
  *root_id = tree;
  ret = 0;
out:
  free(stack);
  return ret;
}

int lp_flatten(struct lp_store *s, const int64_t *layer_ids, size_t nlayers, int64_t *root, lp_error_t *err)
{
  struct flat f = { 0 };
  lp_pathmap_init(&f.map);
  strbuf_init(&f.key, 0);
  f.root = track(&f, xzalloc(sizeof *f.root));
  f.root->ino = implicit_dir(&f);
  int ret = 0;
  for (size_t i = 0; i < nlayers && ret == 0; i++)
    ret = apply_layer(s, &f, layer_ids[i], err);
  if (ret == 0)
    ret = write_tree(s, &f, root, err);
  for (size_t i = 0; i < f.nallocs; i++)
    free(f.allocs[i]);
  free(f.allocs);
  lp_pathmap_release(&f.map);
  strbuf_release(&f.key);
  return ret;
}
