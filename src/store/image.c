/* Image records: commit (with the flattened tree), lookup, list, tag, remove. */
#include "store/store_int.h"

#include "util/fault.h"
#include "util/log.h"
#include "util/xalloc.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static bool is_hex(const char *p, size_t n)
{
  for (size_t i = 0; i < n; i++)
    if (!((p[i] >= '0' && p[i] <= '9') || (p[i] >= 'a' && p[i] <= 'f')))
      return false;
  return true;
}

static bool valid_id(const char *id)
{
  return id && strncmp(id, "sha256:", 7) == 0 && strlen(id) == 71 && is_hex(id + 7, 64);
}

static int image_exists(struct lp_store *s, const char *id, lp_error_t *err)
{
  return lp_db_exists(s, "SELECT 1 FROM images WHERE id = ?", id, "look up image", err);
}

static int set_name(struct lp_store *s, const char *id, const char *name, lp_error_t *err)
{
  sqlite3_stmt *st
    = lp_db_stmt(s, "INSERT OR REPLACE INTO image_names(name, image, created) VALUES (?, ?, ?)", err);
  if (!st)
    return -1;
  sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 2, id, -1, SQLITE_STATIC);
  sqlite3_bind_int64(st, 3, (int64_t) time(NULL));
  return lp_db_step_done(s, st, err, "tag image");
}

static int commit_locked(struct lp_store *s, const struct lp_image_new *img, lp_error_t *err)
{
  int have = image_exists(s, img->id, err);
  if (have < 0)
    return -1;
  if (!have)
    {
      int64_t *ids = xcalloc(img->nlayers ? img->nlayers : 1, sizeof *ids);
      int64_t size = 0;
      sqlite3_stmt *st = lp_db_stmt(s, "SELECT id, size FROM layers WHERE diff_id = ?", err);
      if (!st)
        {
          free(ids);
          return -1;
        }
      for (size_t i = 0; i < img->nlayers; i++)
        {
          sqlite3_reset(st);
          sqlite3_bind_text(st, 1, img->diff_ids[i], -1, SQLITE_STATIC);
          int rc = sqlite3_step(st);
          if (rc != SQLITE_ROW)
            {
              sqlite3_reset(st);
              free(ids);
              if (rc == SQLITE_DONE)
                return lp_error(err, ENOENT, "layer %s is not in the store", img->diff_ids[i]);
              return lp_db_error(s, err, "look up layer");
            }
          ids[i] = sqlite3_column_int64(st, 0);
          size += sqlite3_column_int64(st, 1);
        }
      sqlite3_reset(st);
      int64_t root;
      if (lp_flatten(s, ids, img->nlayers, &root, err) < 0)
        {
          free(ids);
          return -1;
        }
      st = lp_db_stmt(s,
                      "INSERT INTO images(id, manifest_digest, manifest_json, config_json, created, size, root_node)"
                      " VALUES (?, ?, ?, ?, ?, ?, ?)",
                      err);
      if (!st)
        {
          free(ids);
          return -1;
        }
      sqlite3_bind_text(st, 1, img->id, -1, SQLITE_STATIC);
      sqlite3_bind_text(st, 2, img->manifest_digest, -1, SQLITE_STATIC);
      sqlite3_bind_text(st, 3, img->manifest_json, -1, SQLITE_STATIC);
      sqlite3_bind_text(st, 4, img->config_json, -1, SQLITE_STATIC);
      sqlite3_bind_int64(st, 5, (int64_t) time(NULL));
      sqlite3_bind_int64(st, 6, size);
      sqlite3_bind_int64(st, 7, root);
      if (lp_db_step_done(s, st, err, "insert image") < 0)
        {
          free(ids);
          return -1;
        }
      st = lp_db_stmt(s, "INSERT INTO image_layers(image, idx, layer) VALUES (?, ?, ?)", err);
      for (size_t i = 0; st && i < img->nlayers; i++)
        {
          sqlite3_reset(st);
          sqlite3_bind_text(st, 1, img->id, -1, SQLITE_STATIC);
          sqlite3_bind_int64(st, 2, (int64_t) i);
          sqlite3_bind_int64(st, 3, ids[i]);
          if (lp_db_step_done(s, st, err, "insert image layer") < 0)
            st = NULL;
        }
      free(ids);
      if (!st)
        return -1;
    }
  if (img->name && set_name(s, img->id, img->name, err) < 0)
    return -1;
  if (img->repo_digest)
    {
      sqlite3_stmt *st = lp_db_stmt(s, "INSERT OR REPLACE INTO image_digests(repo_digest, image) VALUES (?, ?)", err);
      if (!st)
        return -1;
      sqlite3_bind_text(st, 1, img->repo_digest, -1, SQLITE_STATIC);
      sqlite3_bind_text(st, 2, img->id, -1, SQLITE_STATIC);
      if (lp_db_step_done(s, st, err, "record repo digest") < 0)
        return -1;
    }
  return 0;
}

int lp_image_commit(struct lp_store *s, const struct lp_image_new *img, lp_error_t *err)
{
  if (!valid_id(img->id))
    return lp_error(err, EINVAL, "invalid image id `%s` (want sha256:<64 hex>)", img->id ? img->id : "");
  lp_debug("image %s: building its tree from %zu layers", img->id, img->nlayers);
  if (lp_db_begin(s, err) < 0)
    return lp_error_wrap(err, "store image %s", img->id);
  if (commit_locked(s, img, err) < 0)
    {
      lp_db_rollback(s);
      return lp_error_wrap(err, "store image %s", img->id);
    }
  lp_fault("store.image.in-txn");
  if (lp_db_commit(s, err) < 0)
    return lp_error_wrap(err, "store image %s", img->id);
  return 0;
}

static char **col_list(struct lp_store *s, const char *sql, const char *id, size_t *n, lp_error_t *err)
{
  sqlite3_stmt *st = lp_db_stmt(s, sql, err);
  if (!st)
    return NULL;
  sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
  char **v = xcalloc(1, sizeof *v);
  size_t k = 0;
  int rc;
  while ((rc = sqlite3_step(st)) == SQLITE_ROW)
    {
      v = xreallocarray(v, k + 2, sizeof *v);
      v[k++] = lp_db_col_strdup(st, 0);
      v[k] = NULL;
    }
  sqlite3_reset(st);
  if (rc != SQLITE_DONE)
    {
      for (size_t i = 0; i < k; i++)
        free(v[i]);
      free(v);
      lp_db_error(s, err, "read image");
      return NULL;
    }
  *n = k;
  return v;
}

static void free_list(char **v)
{
  if (!v)
    return;
  for (char **p = v; *p; p++)
    free(*p);
  free(v);
}

void lp_image_info_free(struct lp_image_info *info)
{
  if (!info)
    return;
  free(info->id);
  free(info->manifest_digest);
  free(info->manifest_json);
  free(info->config_json);
  free_list(info->names);
  free_list(info->repo_digests);
  free_list(info->diff_ids);
  free(info);
}

/* Load a full record; 1 found, 0 not, -1 error. */
static int load(struct lp_store *s, const char *id, struct lp_image_info **out, lp_error_t *err)
{
  sqlite3_stmt *st = lp_db_stmt(
    s, "SELECT id, manifest_digest, manifest_json, config_json, created, size, root_node FROM images WHERE id = ?",
    err);
  if (!st)
    return -1;
  sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
  int rc = sqlite3_step(st);
  if (rc != SQLITE_ROW)
    {
      sqlite3_reset(st);
      return rc == SQLITE_DONE ? 0 : lp_db_error(s, err, "read image");
    }
  struct lp_image_info *i = xzalloc(sizeof *i);
  i->id = lp_db_col_strdup(st, 0);
  i->manifest_digest = lp_db_col_strdup(st, 1);
  i->manifest_json = lp_db_col_strdup(st, 2);
  i->config_json = lp_db_col_strdup(st, 3);
  i->created = sqlite3_column_int64(st, 4);
  i->size = sqlite3_column_int64(st, 5);
  i->root_node = sqlite3_column_int64(st, 6);
  sqlite3_reset(st);
  i->names = col_list(s, "SELECT name FROM image_names WHERE image = ? ORDER BY created DESC, name", i->id,
                      &i->nnames, err);
  if (i->names)
    i->repo_digests = col_list(s, "SELECT repo_digest FROM image_digests WHERE image = ? ORDER BY repo_digest",
                               i->id, &i->nrepo_digests, err);
  if (i->repo_digests)
    i->diff_ids = col_list(s,
                           "SELECT l.diff_id FROM image_layers il JOIN layers l ON l.id = il.layer"
                           " WHERE il.image = ? ORDER BY il.idx",
                           i->id, &i->nlayers, err);
  if (!i->diff_ids)
    {
      lp_image_info_free(i);
      return -1;
    }
  *out = i;
  return 1;
}

/* One text column of a single-row lookup. 1/0/-1. */
static int lookup_one(struct lp_store *s, const char *sql, const char *arg, char **out, lp_error_t *err)
{
  sqlite3_stmt *st = lp_db_stmt(s, sql, err);
  if (!st)
    return -1;
  sqlite3_bind_text(st, 1, arg, -1, SQLITE_STATIC);
  int rc = sqlite3_step(st);
  if (rc == SQLITE_ROW)
    *out = lp_db_col_strdup(st, 0);
  sqlite3_reset(st);
  if (rc == SQLITE_ROW)
    return 1;
  return rc == SQLITE_DONE ? 0 : lp_db_error(s, err, "look up image");
}

int lp_image_lookup(struct lp_store *s, const char *ref, struct lp_image_info **out, lp_error_t *err)
{
  cleanup_free char *id = NULL;
  int r = lookup_one(s, "SELECT image FROM image_names WHERE name = ?", ref, &id, err);
  if (r == 0)
    r = lookup_one(s, "SELECT image FROM image_digests WHERE repo_digest = ?", ref, &id, err);
  if (r < 0)
    return -1;
  if (r == 0)
    {
      const char *hex = strncmp(ref, "sha256:", 7) == 0 ? ref + 7 : ref;
      size_t n = strlen(hex);
      if (n < 3 || n > 64 || !is_hex(hex, n))
        return 0;
      sqlite3_stmt *st
        = lp_db_stmt(s, "SELECT id FROM images WHERE substr(id, 8, length(?1)) = ?1 ORDER BY id LIMIT 2", err);
      if (!st)
        return -1;
      sqlite3_bind_text(st, 1, hex, -1, SQLITE_STATIC);
      int rc = sqlite3_step(st);
      if (rc == SQLITE_ROW)
        {
          id = lp_db_col_strdup(st, 0);
          rc = sqlite3_step(st);
          if (rc == SQLITE_ROW)
            {
              sqlite3_reset(st);
              return lp_error(err, 0, "image id prefix `%s` is ambiguous: give more characters", ref);
            }
        }
      sqlite3_reset(st);
      if (rc != SQLITE_DONE)
        return lp_db_error(s, err, "look up image");
      if (!id)
        return 0;
    }
  return load(s, id, out, err);
}

void lp_image_list_free(struct lp_image_info **list, size_t n)
{
  for (size_t i = 0; i < n; i++)
    lp_image_info_free(list[i]);
  free(list);
}

int lp_image_list(struct lp_store *s, struct lp_image_info ***out, size_t *n, lp_error_t *err)
{
  size_t k = 0;
  char **ids = col_list(s, "SELECT id FROM images WHERE ?1 IS NULL OR 1 ORDER BY created DESC, id", NULL, &k, err);
  if (!ids)
    return -1;
  struct lp_image_info **v = xcalloc(k ? k : 1, sizeof *v);
  size_t m = 0;
  for (size_t i = 0; i < k; i++)
    {
      int r = load(s, ids[i], &v[m], err);
      if (r < 0)
        {
          free_list(ids);
          lp_image_list_free(v, m);
          return -1;
        }
      if (r > 0)
        m++;
    }
  free_list(ids);
  *out = v;
  *n = m;
  return 0;
}

int lp_image_tag(struct lp_store *s, const char *image_id, const char *name, lp_error_t *err)
{
  int r = image_exists(s, image_id, err);
  if (r < 0)
    return -1;
  if (r == 0)
    return lp_error(err, ENOENT, "image %s not known", image_id);
  return set_name(s, image_id, name, err);
}

int lp_image_untag(struct lp_store *s, const char *name, lp_error_t *err)
{
  sqlite3_stmt *st = lp_db_stmt(s, "DELETE FROM image_names WHERE name = ?", err);
  if (!st)
    return -1;
  sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
  if (lp_db_step_done(s, st, err, "untag image") < 0)
    return -1;
  return sqlite3_changes(s->db) ? 0 : 1;
}

int lp_image_containers(struct lp_store *s, const char *image_id, lp_error_t *err)
{
  sqlite3_stmt *st = lp_db_stmt(s, "SELECT count(*) FROM containers WHERE image = ?", err);
  if (!st)
    return -1;
  sqlite3_bind_text(st, 1, image_id, -1, SQLITE_STATIC);
  int rc = sqlite3_step(st);
  int n = rc == SQLITE_ROW ? sqlite3_column_int(st, 0) : -1;
  sqlite3_reset(st);
  if (n < 0)
    return lp_db_error(s, err, "count containers");
  return n;
}

static int remove_locked(struct lp_store *s, const char *image_id, int force, lp_error_t *err)
{
  int users = lp_image_containers(s, image_id, err);
  if (users < 0)
    return -1;
  if (users > 0 && !force)
    {
      lp_error(err, 0, "image %.12s is in use by %d container%s: remove them first, or force", image_id + 7, users,
               users == 1 ? "" : "s");
      if (err && *err)
        (*err)->errnum = EBUSY;
      return -1;
    }
  sqlite3_stmt *st = lp_db_stmt(s, "SELECT root_node FROM images WHERE id = ?", err);
  if (!st)
    return -1;
  sqlite3_bind_text(st, 1, image_id, -1, SQLITE_STATIC);
  int rc = sqlite3_step(st);
  int64_t root = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
  sqlite3_reset(st);
  if (rc == SQLITE_DONE)
    return lp_error(err, ENOENT, "image %s not known", image_id);
  if (rc != SQLITE_ROW)
    return lp_db_error(s, err, "look up image");
  st = lp_db_stmt(s, "DELETE FROM images WHERE id = ?", err);
  if (!st)
    return -1;
  sqlite3_bind_text(st, 1, image_id, -1, SQLITE_STATIC);
  if (lp_db_step_done(s, st, err, "delete image") < 0)
    return -1;
  st = lp_db_stmt(s, "DELETE FROM tree_nodes WHERE tree = ?", err);
  if (!st)
    return -1;
  sqlite3_bind_int64(st, 1, root);
  return lp_db_step_done(s, st, err, "delete image tree");
}

int lp_image_remove(struct lp_store *s, const char *image_id, int force, lp_error_t *err)
{
  if (lp_db_begin(s, err) < 0)
    return -1;
  if (remove_locked(s, image_id, force, err) < 0)
    {
      lp_db_rollback(s);
      return lp_error_wrap(err, "remove image");
    }
  return lp_db_commit(s, err);
}
