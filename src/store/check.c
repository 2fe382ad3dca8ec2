/*
 * check: verify the store against itself (store.h states the contract).
 *
 * One pass reads everything under the exclusive store lock (so no ingest is
 * half-way through and every tmp/ file really is a leftover). It starts by
 * finishing what killed ingests left (lp_store_recover: their temp files and
 * the objects they had moved but not committed), as SQLite rolls back a hot
 * journal, so a killed pull is not a problem to report. Then objects named
 * by rows are rehashed, rows are followed to what they name, the directories
 * are walked for what no row names, and each image's tree is compared with a
 * fresh flattening of its layers inside a transaction that is rolled back.
 * Repair acts on the findings, then a second pass decides what is fixed: a
 * problem counts as repaired only if the second pass no longer reports its
 * subject, so the report cannot claim more than it did.
 */
#include "store/store_int.h"
#include "store/pathmap.h"

#include "registry/digest.h"
#include "util/fsutil.h"
#include "util/log.h"
#include "util/xalloc.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static bool is_hex(const char *p, size_t n)
{
  if (strlen(p) != n)
    return false;
  for (size_t i = 0; i < n; i++)
    if (!((p[i] >= '0' && p[i] <= '9') || (p[i] >= 'a' && p[i] <= 'f')))
      return false;
  return true;
}

static void add(struct lp_check_result *r, enum lp_check_kind kind, char *subject, char *detail)
{
  r->problems = xreallocarray(r->problems, r->nproblems + 1, sizeof *r->problems);
  struct lp_check_problem *p = &r->problems[r->nproblems++];
  memset(p, 0, sizeof *p);
  p->kind = kind;
  p->subject = subject;
  p->detail = detail;
}

void lp_check_result_free(struct lp_check_result *r)
{
  for (size_t i = 0; r && i < r->nproblems; i++)
    {
      free(r->problems[i].subject);
      free(r->problems[i].detail);
      free(r->problems[i].hint);
    }
  if (r)
    {
      free(r->problems);
      memset(r, 0, sizeof *r);
    }
}

/* The names (or ids) of the images whose layers or trees use object hex,
 * joined with ", "; NULL if none. */
static char *images_using(struct lp_store *s, const char *hex, lp_error_t *err)
{
  sqlite3_stmt *st = lp_db_stmt(
    s,
    "SELECT DISTINCT coalesce((SELECT min(name) FROM image_names n WHERE n.image = i.id), i.id) FROM images i"
    " WHERE i.id IN (SELECT il.image FROM image_layers il JOIN layer_entries e ON e.layer = il.layer"
    "                WHERE e.digest = ?1)"
    "    OR i.root_node IN (SELECT tree FROM tree_nodes WHERE digest = ?1) ORDER BY 1",
    err);
  if (!st)
    return NULL;
  sqlite3_bind_text(st, 1, hex, -1, SQLITE_TRANSIENT);
  struct strbuf sb = STRBUF_INIT;
  int rc;
  while ((rc = sqlite3_step(st)) == SQLITE_ROW)
    strbuf_addf(&sb, "%s%s", sb.len ? ", " : "", (const char *) sqlite3_column_text(st, 0));
  sqlite3_reset(st);
  if (rc != SQLITE_DONE)
    {
      strbuf_release(&sb);
      lp_db_error(s, err, "find images using an object");
      return NULL;
    }
  if (!sb.len)
    {
      strbuf_release(&sb);
      return xstrdup("no image");
    }
  return strbuf_detach(&sb, NULL);
}

/* 0 and *ok when the object hashes to hex; 1 if it does not exist. */
static int hash_object(struct lp_store *s, const char *hex, char actual[72], lp_error_t *err)
{
  char rel[68];
  snprintf(rel, sizeof rel, "%.2s/%s", hex, hex + 2);
  int fd = openat(s->objects_fd, rel, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0)
    {
      if (errno == ENOENT || errno == ELOOP)
        return 1;
      return lp_error(err, errno, "open object `%s/objects/%s`", s->home, rel);
    }
  struct lp_sha256 h;
  lp_sha256_init(&h);
  char buf[65536];
  for (;;)
    {
      ssize_t n = read(fd, buf, sizeof buf);
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        {
          int e = errno;
          lp_sha256_free(&h);
          close(fd);
          return lp_error(err, e, "read object `%s/objects/%s`", s->home, rel);
        }
      if (n == 0)
        break;
      lp_sha256_update(&h, buf, (size_t) n);
    }
  close(fd);
  lp_sha256_final(&h, actual);
  return 0;
}

static int check_referenced_objects(struct lp_store *s, struct lp_check_result *r, struct lp_pathmap *refs,
                                    lp_error_t *err)
{
  sqlite3_stmt *st = lp_db_stmt(s,
                                "SELECT digest FROM layer_entries WHERE digest IS NOT NULL"
                                " UNION SELECT digest FROM tree_nodes WHERE digest IS NOT NULL",
                                err);
  if (!st)
    return -1;
  char **list = NULL;
  size_t n = 0;
  int rc;
  while ((rc = sqlite3_step(st)) == SQLITE_ROW)
    {
      list = xreallocarray(list, n + 1, sizeof *list);
      list[n++] = xstrdup((const char *) sqlite3_column_text(st, 0));
    }
  sqlite3_reset(st);
  int ret = rc == SQLITE_DONE ? 0 : lp_db_error(s, err, "list referenced objects");
  for (size_t i = 0; ret == 0 && i < n; i++)
    {
      const char *hex = list[i];
      lp_pathmap_put(refs, hex, strlen(hex), (void *) 1);
      char actual[72];
      int h = is_hex(hex, 64) ? hash_object(s, hex, actual, err) : 1;
      if (h < 0)
        {
          ret = -1;
          break;
        }
      if (h == 0 && strcmp(actual + 7, hex) == 0)
        continue;
      cleanup_free char *users = images_using(s, hex, err);
      if (!users)
        {
          ret = -1;
          break;
        }
      if (h == 1)
        add(r, LP_CHECK_OBJECT_MISSING, xasprintf("object %s", hex), xasprintf("missing (used by %s)", users));
      else
        add(r, LP_CHECK_OBJECT_CORRUPT, xasprintf("object %s", hex),
            xasprintf("content hashes to %s (used by %s)", actual, users));
      if (strcmp(users, "no image") == 0) /* only unused layers: --repair drops them */
        r->problems[r->nproblems - 1].hint = xstrdup("only unused layers name it: lilipod image prune -f");
      else
        r->problems[r->nproblems - 1].hint = xasprintf(
          "remove and pull again what uses it: lilipod rmi IMAGE; lilipod image prune -f; lilipod pull IMAGE (%s)",
          users);
    }
  for (size_t i = 0; i < n; i++)
    free(list[i]);
  free(list);
  return ret;
}

/* objects/xx/yyyy: count them, and report what no row names. */
static int check_object_files(struct lp_store *s, struct lp_check_result *r, struct lp_pathmap *refs, lp_error_t *err)
{
  int fd = openat(s->objects_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  DIR *top = fd < 0 ? NULL : fdopendir(fd);
  if (!top)
    {
      if (fd >= 0)
        close(fd);
      return lp_error(err, errno, "open `%s/objects`", s->home);
    }
  int ret = 0;
  for (struct dirent *de; ret == 0 && (de = readdir(top));)
    {
      if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
        continue;
      int sfd = is_hex(de->d_name, 2)
                  ? openat(s->objects_fd, de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
                  : -1;
      DIR *sub = sfd < 0 ? NULL : fdopendir(sfd);
      if (!sub)
        {
          if (sfd >= 0)
            close(sfd);
          add(r, LP_CHECK_OBJECT_ORPHAN, xasprintf("objects/%s", de->d_name), xstrdup("not an object directory"));
          continue;
        }
      for (struct dirent *fe; (fe = readdir(sub));)
        {
          if (!strcmp(fe->d_name, ".") || !strcmp(fe->d_name, ".."))
            continue;
          char hex[2 + sizeof fe->d_name];
          snprintf(hex, sizeof hex, "%s%s", de->d_name, fe->d_name);
          struct stat st;
          if (fstatat(dirfd(sub), fe->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
            {
              if (errno == ENOENT)
                continue;
              ret = lp_error(err, errno, "stat `%s/objects/%s/%s`", s->home, de->d_name, fe->d_name);
              break;
            }
          bool named = is_hex(hex, 64) && S_ISREG(st.st_mode);
          if (named)
            {
              r->objects++;
              r->object_bytes += (uint64_t) st.st_size;
            }
          if (named && lp_pathmap_get(refs, hex, 64))
            continue;
          add(r, LP_CHECK_OBJECT_ORPHAN, xasprintf("objects/%s/%s", de->d_name, fe->d_name),
              xstrdup(named ? "no layer or image uses it" : "not an object"));
        }
      closedir(sub);
    }
  closedir(top);
  return ret;
}

/* The entries of $home/dir, each passed to cb. */
static int list_dir(struct lp_store *s, const char *dir, int (*cb)(struct lp_store *, struct lp_check_result *,
                                                                     const char *, lp_error_t *),
                    struct lp_check_result *r, lp_error_t *err)
{
  int fd = openat(s->dirfd, dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  DIR *d = fd < 0 ? NULL : fdopendir(fd);
  if (!d)
    {
      if (fd >= 0)
        close(fd);
      return lp_error(err, errno, "open `%s/%s`", s->home, dir);
    }
  int ret = 0;
  for (struct dirent *de; ret == 0 && (de = readdir(d));)
    if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
      ret = cb(s, r, de->d_name, err);
  closedir(d);
  return ret;
}

static int tmp_entry(struct lp_store *s, struct lp_check_result *r, const char *name, lp_error_t *err)
{
  add(r, LP_CHECK_TMP_LEFTOVER, xasprintf("tmp/%s", name), xstrdup("left over by an interrupted ingest"));
  return 0;
}

static int container_entry(struct lp_store *s, struct lp_check_result *r, const char *name, lp_error_t *err)
{
  sqlite3_stmt *st = lp_db_stmt(s, "SELECT 1 FROM containers WHERE id = ?", err);
  if (!st)
    return -1;
  sqlite3_bind_text(st, 1, name, -1, SQLITE_TRANSIENT);
  int rc = sqlite3_step(st);
  sqlite3_reset(st);
  if (rc == SQLITE_ROW)
    return 0;
  if (rc != SQLITE_DONE)
    return lp_db_error(s, err, "look up container");
  add(r, LP_CHECK_CONTAINER_ORPHAN, xasprintf("containers/%s", name), xstrdup("no container has this directory"));
  return 0;
}

/* Run a query whose rows are (subject, detail) and report each as kind. */
static int report_rows(struct lp_store *s, struct lp_check_result *r, enum lp_check_kind kind, const char *sql,
                       lp_error_t *err)
{
  sqlite3_stmt *st = lp_db_stmt(s, sql, err);
  if (!st)
    return -1;
  int rc;
  while ((rc = sqlite3_step(st)) == SQLITE_ROW)
    add(r, kind, xstrdup((const char *) sqlite3_column_text(st, 0)),
        xstrdup((const char *) sqlite3_column_text(st, 1)));
  sqlite3_reset(st);
  return rc == SQLITE_DONE ? 0 : lp_db_error(s, err, "check references");
}

static int check_containers(struct lp_store *s, struct lp_check_result *r, lp_error_t *err)
{
  if (report_rows(s, r, LP_CHECK_CONTAINER_NO_IMAGE,
                  "SELECT 'container ' || name, 'its image ' || image || ' is gone' FROM containers c"
                  " WHERE NOT EXISTS (SELECT 1 FROM images i WHERE i.id = c.image) ORDER BY name",
                  err)
      < 0)
    return -1;
  sqlite3_stmt *st = lp_db_stmt(s, "SELECT id, name FROM containers ORDER BY name", err);
  if (!st)
    return -1;
  int rc;
  while ((rc = sqlite3_step(st)) == SQLITE_ROW)
    {
      const char *id = (const char *) sqlite3_column_text(st, 0);
      cleanup_free char *dir = lp_container_dir(id);
      struct stat sb;
      if (fstatat(s->dirfd, dir, &sb, AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR(sb.st_mode))
        continue;
      add(r, LP_CHECK_CONTAINER_NO_DIR, xasprintf("container %s", (const char *) sqlite3_column_text(st, 1)),
          xasprintf("its directory %s is missing", dir));
      r->problems[r->nproblems - 1].hint = xstrdup("its changes are lost: remove the container");
    }
  sqlite3_reset(st);
  return rc == SQLITE_DONE ? 0 : lp_db_error(s, err, "list containers");
}

static int check_rows(struct lp_store *s, struct lp_check_result *r, lp_error_t *err)
{
  return report_rows(s, r, LP_CHECK_IMAGE_NO_LAYER,
                     "SELECT 'image ' || il.image, 'its layer ' || il.idx || ' (row ' || il.layer || ') is gone'"
                     " FROM image_layers il WHERE NOT EXISTS (SELECT 1 FROM layers l WHERE l.id = il.layer)"
                     " ORDER BY il.image, il.idx",
                     err) < 0
             || report_rows(s, r, LP_CHECK_IMAGE_NO_TREE,
                            "SELECT 'image ' || id, 'its root node ' || coalesce(root_node, 'NULL') || ' is gone'"
                            " FROM images i WHERE root_node IS NULL"
                            " OR NOT EXISTS (SELECT 1 FROM tree_nodes t WHERE t.id = i.root_node) ORDER BY id",
                            err) < 0
             /* Rows of a tree no image has: left by a crash, or by the image's removal. */
             || report_rows(s, r, LP_CHECK_TREE_DANGLING,
                            "SELECT 'tree ' || tree, count(*) || ' tree rows belong to no image' FROM tree_nodes"
                            " WHERE tree NOT IN (SELECT root_node FROM images WHERE root_node IS NOT NULL)"
                            " GROUP BY tree ORDER BY tree",
                            err) < 0
             || report_rows(s, r, LP_CHECK_TREE_DANGLING,
                            "SELECT 'image ' || i.id, count(*) || ' tree rows name a parent or hard link that is gone'"
                            " FROM tree_nodes t JOIN images i ON i.root_node = t.tree"
                            " WHERE (t.parent IS NOT NULL AND NOT EXISTS (SELECT 1 FROM tree_nodes p WHERE p.id = t.parent))"
                            " OR (t.hardlink_of IS NOT NULL"
                            "     AND NOT EXISTS (SELECT 1 FROM tree_nodes h WHERE h.id = t.hardlink_of))"
                            " GROUP BY i.id ORDER BY i.id",
                            err) < 0
           ? -1
           : 0;
}

/* Rows (path, attributes) of the tree under root; compared as sets. */
#define TREE_ROWS(P, R)                                                                                               \
  P "(id, path) AS (SELECT id, CAST('' AS BLOB) FROM tree_nodes WHERE id = " R                                      \
    " UNION ALL SELECT t.id, " P ".path || '/' || t.name FROM tree_nodes t JOIN " P " ON t.parent = " P ".id), "   \
    P "v AS (SELECT " P ".path, n.mode, n.uid, n.gid, n.size, n.mtime_ns, n.rdev, n.nlink, n.link_target,"        \
    " n.digest, n.inline_data, n.xattrs, n.hardlink_of IS NULL FROM " P " JOIN tree_nodes n ON n.id = " P ".id)"

static const char compare_sql[] = "WITH RECURSIVE " TREE_ROWS("a", "?1") ", " TREE_ROWS("b", "?2")
  " SELECT count(*), min(path) FROM (SELECT path FROM (SELECT * FROM av EXCEPT SELECT * FROM bv)"
  " UNION ALL SELECT path FROM (SELECT * FROM bv EXCEPT SELECT * FROM av))";

/* Flatten image's layers afresh into *root inside the caller's transaction.
 * Returns 1 if the image has a missing layer (nothing flattened). */
static int reflatten(struct lp_store *s, const char *image, int64_t *root, lp_error_t *err)
{
  sqlite3_stmt *st = lp_db_stmt(s,
                                "SELECT il.layer, l.id FROM image_layers il LEFT JOIN layers l ON l.id = il.layer"
                                " WHERE il.image = ? ORDER BY il.idx",
                                err);
  if (!st)
    return -1;
  sqlite3_bind_text(st, 1, image, -1, SQLITE_TRANSIENT);
  int64_t *ids = NULL;
  size_t n = 0;
  int rc, missing = 0;
  while ((rc = sqlite3_step(st)) == SQLITE_ROW)
    {
      if (sqlite3_column_type(st, 1) == SQLITE_NULL)
        missing = 1;
      ids = xreallocarray(ids, n + 1, sizeof *ids);
      ids[n++] = sqlite3_column_int64(st, 0);
    }
  sqlite3_reset(st);
  int ret;
  if (rc != SQLITE_DONE)
    ret = lp_db_error(s, err, "list image layers");
  else if (missing)
    ret = 1;
  else
    ret = lp_flatten(s, ids, n, root, err) < 0 ? -1 : 0;
  free(ids);
  return ret;
}

/* Images and their root nodes, read before any transaction changes them. */
struct image_root
{
  char *id;
  int64_t root; /* 0 if NULL */
};

static int list_images(struct lp_store *s, struct image_root **out, size_t *n, lp_error_t *err)
{
  sqlite3_stmt *st = lp_db_stmt(s, "SELECT id, coalesce(root_node, 0) FROM images ORDER BY id", err);
  if (!st)
    return -1;
  *out = NULL;
  *n = 0;
  int rc;
  while ((rc = sqlite3_step(st)) == SQLITE_ROW)
    {
      *out = xreallocarray(*out, *n + 1, sizeof **out);
      (*out)[*n].id = xstrdup((const char *) sqlite3_column_text(st, 0));
      (*out)[(*n)++].root = sqlite3_column_int64(st, 1);
    }
  sqlite3_reset(st);
  return rc == SQLITE_DONE ? 0 : lp_db_error(s, err, "list images");
}

static void free_images(struct image_root *imgs, size_t n)
{
  for (size_t i = 0; i < n; i++)
    free(imgs[i].id);
  free(imgs);
}

static int check_trees(struct lp_store *s, struct lp_check_result *r, lp_error_t *err)
{
  struct image_root *imgs;
  size_t n;
  if (list_images(s, &imgs, &n, err) < 0)
    return -1;
  int ret = 0;
  for (size_t i = 0; ret == 0 && i < n; i++)
    {
      if (!imgs[i].root)
        continue;
      if (lp_db_begin(s, err) < 0)
        {
          ret = -1;
          break;
        }
      int64_t fresh = 0;
      int rc = reflatten(s, imgs[i].id, &fresh, err);
      sqlite3_stmt *st = rc == 0 ? lp_db_stmt(s, compare_sql, err) : NULL;
      if (st)
        {
          sqlite3_bind_int64(st, 1, imgs[i].root);
          sqlite3_bind_int64(st, 2, fresh);
          if (sqlite3_step(st) != SQLITE_ROW)
            rc = lp_db_error(s, err, "compare trees");
          else if (sqlite3_column_int64(st, 0) > 0)
            {
              const char *path = (const char *) sqlite3_column_text(st, 1);
              add(r, LP_CHECK_TREE_MISMATCH, xasprintf("image %s", imgs[i].id),
                  xasprintf("its tree differs from its layers in %lld entries (first: %s)",
                            (long long) sqlite3_column_int64(st, 0), path && *path ? path : "/"));
            }
          sqlite3_reset(st);
        }
      else if (rc == 0)
        rc = -1;
      lp_db_rollback(s);
      if (rc < 0)
        ret = lp_error_wrap(err, "check the tree of image %s", imgs[i].id);
    }
  free_images(imgs, n);
  return ret;
}

static int check_pass(struct lp_store *s, struct lp_check_result *r, lp_error_t *err)
{
  memset(r, 0, sizeof *r);
  int lock = lp_store_lock(s, 1, err);
  if (lock < 0)
    return -1;
  struct lp_pathmap refs;
  lp_pathmap_init(&refs);
  int ret = -1;
  const char *what = "check";
  uint64_t recovered = 0;
  if (lp_store_recover(s, &recovered, err) < 0)
    goto out;
  if (recovered)
    lp_info("removed %llu files left by interrupted pulls", (unsigned long long) recovered);
  if (lp_db_scalar(s, what, "SELECT count(*) FROM images", &r->images, err) < 0
      || lp_db_scalar(s, what, "SELECT count(*) FROM layers", &r->layers, err) < 0
      || lp_db_scalar(s, what, "SELECT count(*) FROM containers", &r->containers, err) < 0
      || check_referenced_objects(s, r, &refs, err) < 0 || check_object_files(s, r, &refs, err) < 0
      || list_dir(s, "tmp", tmp_entry, r, err) < 0 || list_dir(s, "containers", container_entry, r, err) < 0
      || check_containers(s, r, err) < 0 || check_rows(s, r, err) < 0 || check_trees(s, r, err) < 0)
    goto out;
  ret = 0;
out:
  lp_pathmap_release(&refs);
  close(lock);
  return ret;
}

/* Replace image's tree with a fresh flattening of its layers. */
static int rebuild_tree(struct lp_store *s, const char *image, lp_error_t *err)
{
  if (lp_db_begin(s, err) < 0)
    return -1;
  int64_t fresh = 0, old = 0;
  sqlite3_stmt *st = lp_db_stmt(s, "SELECT coalesce(root_node, 0) FROM images WHERE id = ?", err);
  if (!st)
    goto fail;
  sqlite3_bind_text(st, 1, image, -1, SQLITE_TRANSIENT);
  if (sqlite3_step(st) == SQLITE_ROW)
    old = sqlite3_column_int64(st, 0);
  sqlite3_reset(st);
  int rc = reflatten(s, image, &fresh, err);
  if (rc < 0)
    goto fail;
  if (rc == 1) /* a layer is gone: nothing to rebuild from */
    {
      lp_db_rollback(s);
      return 0;
    }
  st = lp_db_stmt(s, "UPDATE images SET root_node = ? WHERE id = ?", err);
  if (!st)
    goto fail;
  sqlite3_bind_int64(st, 1, fresh);
  sqlite3_bind_text(st, 2, image, -1, SQLITE_TRANSIENT);
  if (lp_db_step_done(s, st, err, "point the image at its rebuilt tree") < 0)
    goto fail;
  st = lp_db_stmt(s, "DELETE FROM tree_nodes WHERE tree = ? AND tree != ?", err);
  if (!st)
    goto fail;
  sqlite3_bind_int64(st, 1, old);
  sqlite3_bind_int64(st, 2, fresh);
  if (lp_db_step_done(s, st, err, "remove the old tree") < 0)
    goto fail;
  return lp_db_commit(s, err);
fail:
  lp_db_rollback(s);
  return -1;
}

static int repair(struct lp_store *s, const struct lp_check_result *r, lp_error_t *err)
{
  int lock = lp_store_lock(s, 1, err);
  if (lock < 0)
    return -1;
  int ret = 0, gc_flags = 0;
  for (size_t i = 0; ret == 0 && i < r->nproblems; i++)
    {
      const struct lp_check_problem *p = &r->problems[i];
      switch (p->kind)
        {
        case LP_CHECK_OBJECT_MISSING:
        case LP_CHECK_OBJECT_CORRUPT:
          {
            const char *hex = p->subject + strlen("object ");
            cleanup_free char *users = images_using(s, hex, err);
            if (!users)
              {
                ret = -1;
                break;
              }
            /* Named by layers no image uses: drop those layers. */
            if (strcmp(users, "no image") == 0)
              gc_flags |= LP_GC_LAYERS;
            if (p->kind == LP_CHECK_OBJECT_MISSING)
              break;
            /* Gone, a new ingest of a layer that has it stores it again. */
            char rel[68];
            snprintf(rel, sizeof rel, "%.2s/%s", hex, hex + 2);
            if (unlinkat(s->objects_fd, rel, 0) < 0 && errno != ENOENT)
              ret = lp_error(err, errno, "remove corrupt object `%s/objects/%s`", s->home, rel);
            break;
          }
        case LP_CHECK_TREE_MISMATCH:
        case LP_CHECK_IMAGE_NO_TREE:
        case LP_CHECK_TREE_DANGLING:
          if (!strncmp(p->subject, "image ", 6))
            ret = rebuild_tree(s, p->subject + 6, err);
          else
            {
              sqlite3_stmt *st = lp_db_stmt(s, "DELETE FROM tree_nodes WHERE tree = ?", err);
              if (!st)
                ret = -1;
              else
                {
                  sqlite3_bind_int64(st, 1, strtoll(p->subject + strlen("tree "), NULL, 10));
                  ret = lp_db_step_done(s, st, err, "remove tree rows of no image");
                }
            }
          break;
        default:
          break;
        }
    }
  close(lock);
  /* Orphan objects, tmp leftovers and container directories: gc's job. */
  if (ret == 0)
    ret = lp_store_gc(s, gc_flags, NULL, err);
  return ret;
}

int lp_store_check(struct lp_store *s, int flags, struct lp_check_result *out, lp_error_t *err)
{
  if (check_pass(s, out, err) < 0)
    {
      lp_check_result_free(out);
      return lp_error_wrap(err, "check store `%s`", s->home);
    }
  if (!(flags & LP_CHECK_REPAIR) || out->nproblems == 0)
    return 0;
  struct lp_check_result after;
  if (repair(s, out, err) < 0 || check_pass(s, &after, err) < 0)
    {
      lp_check_result_free(out);
      return lp_error_wrap(err, "repair store `%s`", s->home);
    }
  for (size_t i = 0; i < out->nproblems; i++)
    {
      struct lp_check_problem *p = &out->problems[i];
      p->repaired = 1;
      for (size_t j = 0; j < after.nproblems; j++)
        if (!strcmp(after.problems[j].subject, p->subject))
          {
            p->repaired = 0;
            if (after.problems[j].hint && !p->hint)
              p->hint = xstrdup(after.problems[j].hint);
          }
    }
  /* What the repair itself revealed (a corrupt object is now missing). */
  for (size_t j = 0; j < after.nproblems; j++)
    {
      bool known = false;
      for (size_t i = 0; i < out->nproblems && !known; i++)
        known = !strcmp(out->problems[i].subject, after.problems[j].subject);
      if (!known)
        {
          add(out, after.problems[j].kind, after.problems[j].subject, after.problems[j].detail);
          out->problems[out->nproblems - 1].hint = after.problems[j].hint;
          after.problems[j].subject = after.problems[j].detail = after.problems[j].hint = NULL;
        }
    }
  out->objects = after.objects;
  out->object_bytes = after.object_bytes;
  lp_check_result_free(&after);
  return 0;
}
