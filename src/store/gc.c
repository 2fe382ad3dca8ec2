/*
 * gc and df: garbage is what no row references, found by walking the
 * directories and asking the database, never by guessing from names or ages.
 * Recovery (lp_store_recover) goes by the names ingests give their own temp
 * files only to pick what to look at; it too removes only what no row uses.
 * gc holds the store lock exclusively, so no ingest or container creation is
 * half-way through while it looks.
 */
#include "store/store_int.h"
#include "store/pathmap.h"

#include "util/fsutil.h"
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

static bool hexstr(const char *p, size_t n)
{
  if (strlen(p) != n)
    return false;
  for (size_t i = 0; i < n; i++)
    if (!((p[i] >= '0' && p[i] <= '9') || (p[i] >= 'a' && p[i] <= 'f')))
      return false;
  return true;
}

/* Load a one-column query into a set. */
static int load_set(struct lp_store *s, const char *sql, struct lp_pathmap *set, lp_error_t *err)
{
  sqlite3_stmt *st = lp_db_stmt(s, sql, err);
  if (!st)
    return -1;
  int rc;
  while ((rc = sqlite3_step(st)) == SQLITE_ROW)
    {
      const unsigned char *t = sqlite3_column_text(st, 0);
      if (t)
        lp_pathmap_put(set, t, strlen((const char *) t), (void *) 1);
    }
  sqlite3_reset(st);
  return rc == SQLITE_DONE ? 0 : lp_db_error(s, err, "read references");
}

/* Visit objects/xx/yyyy...: cb gets the fan-out dir fd, the name and the full hex. */
typedef int (*object_cb)(void *ctx, int dfd, const char *name, const char *hex, const struct stat *st,
                         lp_error_t *err);
static int walk_objects(struct lp_store *s, object_cb cb, void *ctx, bool prune, lp_error_t *err)
{
  int fd = openat(s->objects_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0)
    return lp_error(err, errno, "open `%s/objects`", s->home);
  DIR *top = fdopendir(fd);
  if (!top)
    {
      close(fd);
      return lp_error(err, errno, "open `%s/objects`", s->home);
    }
  int ret = 0;
  struct dirent *de;
  while (ret == 0 && (de = readdir(top)))
    {
      if (!hexstr(de->d_name, 2))
        continue;
      int sfd = openat(s->objects_fd, de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
      if (sfd < 0)
        continue;
      DIR *sub = fdopendir(sfd);
      if (!sub)
        {
          close(sfd);
          continue;
        }
      struct dirent *fe;
      while (ret == 0 && (fe = readdir(sub)))
        {
          if (fe->d_name[0] == '.')
            continue;
          char hex[2 + sizeof fe->d_name];
          struct stat st;
          snprintf(hex, sizeof hex, "%s%s", de->d_name, fe->d_name);
          if (fstatat(dirfd(sub), fe->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
            continue;
          ret = cb(ctx, dirfd(sub), fe->d_name, hex, &st, err);
        }
      closedir(sub);
      /* Drop an empty fan-out directory; ENOTEMPTY is the common case. */
      if (prune)
        unlinkat(s->objects_fd, de->d_name, AT_REMOVEDIR);
    }
  closedir(top);
  return ret;
}

struct gc_ctx
{
  struct lp_pathmap refs;
  struct lp_gc_report *rep;
};

static int gc_object(void *ctx, int dfd, const char *name, const char *hex, const struct stat *st, lp_error_t *err)
{
  struct gc_ctx *g = ctx;
  if (hexstr(hex, 64) && S_ISREG(st->st_mode) && lp_pathmap_get(&g->refs, hex, 64))
    return 0;
  if (lp_rm_rf_at(dfd, name, err) < 0)
    return -1;
  g->rep->objects_removed++;
  g->rep->object_bytes_removed += (uint64_t) st->st_size;
  return 0;
}

static int gc_dir_entries(struct lp_store *s, const char *dir, struct lp_pathmap *keep, uint64_t *count,
                          lp_error_t *err)
{
  int fd = openat(s->dirfd, dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0)
    return errno == ENOENT ? 0 : lp_error(err, errno, "open `%s/%s`", s->home, dir);
  DIR *d = fdopendir(fd);
  if (!d)
    {
      close(fd);
      return lp_error(err, errno, "open `%s/%s`", s->home, dir);
    }
  int ret = 0;
  struct dirent *de;
  while (ret == 0 && (de = readdir(d)))
    {
      if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
        continue;
      if (keep && lp_pathmap_get(keep, de->d_name, strlen(de->d_name)))
        continue;
      ret = lp_rm_rf_at(dirfd(d), de->d_name, err);
      if (ret == 0)
        (*count)++;
    }
  closedir(d);
  return ret;
}

/* One tmp/pending-* list: remove the objects it names that no row references. */
static int recover_pending(struct lp_store *s, const char *name, uint64_t *removed, lp_error_t *err)
{
  struct strbuf sb = STRBUF_INIT;
  if (lp_read_file_at(s->tmp_fd, name, &sb, err) < 0)
    return -1;
  int ret = 0;
  /* A list cut short by the kill moved nothing yet (the renames come after
   * it): what is not a whole line of 64 hex digits is skipped. */
  for (char *line = sb.buf, *nl; ret == 0 && (nl = strchr(line, '\n')); line = nl + 1)
    {
      *nl = '\0';
      if (!hexstr(line, 64))
        continue;
      int used = lp_db_exists(s, "SELECT 1 FROM layer_entries WHERE digest = ?", line, "look up object", err);
      if (used < 0)
        ret = -1;
      else if (!used)
        {
          char rel[68];
          snprintf(rel, sizeof rel, "%.2s/%s", line, line + 2);
          if (unlinkat(s->objects_fd, rel, 0) == 0)
            (*removed)++;
          else if (errno != ENOENT)
            ret = lp_error(err, errno, "remove `%s/objects/%s`", s->home, rel);
        }
    }
  strbuf_release(&sb);
  return ret;
}

int lp_store_recover(struct lp_store *s, uint64_t *removed, lp_error_t *err)
{
  *removed = 0;
  int fd = openat(s->tmp_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0)
    return lp_error(err, errno, "open `%s/tmp`", s->home);
  DIR *d = fdopendir(fd);
  if (!d)
    {
      close(fd);
      return lp_error(err, errno, "open `%s/tmp`", s->home);
    }
  char **names = NULL;
  size_t n = 0;
  struct dirent *de;
  while ((de = readdir(d)))
    if (de->d_type == DT_REG || de->d_type == DT_UNKNOWN)
      if (!strncmp(de->d_name, "obj-", 4) || !strncmp(de->d_name, "pending-", 8))
        {
          names = xreallocarray(names, n + 1, sizeof *names);
          names[n++] = xstrdup(de->d_name);
        }
  closedir(d);
  int ret = 0;
  for (size_t i = 0; i < n; i++)
    {
      if (ret == 0 && names[i][0] == 'p')
        ret = recover_pending(s, names[i], removed, err);
      if (ret == 0)
        {
          if (unlinkat(s->tmp_fd, names[i], 0) == 0)
            (*removed)++;
          else if (errno != ENOENT && errno != EISDIR) /* not ours: check reports it */
            ret = lp_error(err, errno, "remove `%s/tmp/%s`", s->home, names[i]);
        }
      free(names[i]);
    }
  free(names);
  if (ret < 0)
    lp_error_wrap(err, "recover from interrupted pulls in `%s`", s->home);
  return ret;
}

int lp_store_gc(struct lp_store *s, int flags, struct lp_gc_report *report, lp_error_t *err)
{
  struct lp_gc_report dummy;
  struct lp_gc_report *rep = report ? report : &dummy;
  memset(rep, 0, sizeof *rep);
  int lock = lp_store_lock(s, 1, err);
  if (lock < 0)
    return -1;
  int ret = -1;
  struct gc_ctx g = { .rep = rep };
  struct lp_pathmap ctrs;
  lp_pathmap_init(&g.refs);
  lp_pathmap_init(&ctrs);

  if (gc_dir_entries(s, "tmp", NULL, &rep->tmp_removed, err) < 0)
    goto out;
  if (flags & LP_GC_LAYERS)
    {
      sqlite3_stmt *st
        = lp_db_stmt(s, "DELETE FROM layers WHERE id NOT IN (SELECT layer FROM image_layers)", err);
      if (!st || lp_db_step_done(s, st, err, "remove unused layers") < 0)
        goto out;
      rep->layers_removed = (uint64_t) sqlite3_changes(s->db);
    }
  if (load_set(s, "SELECT DISTINCT digest FROM layer_entries WHERE digest IS NOT NULL", &g.refs, err) < 0)
    goto out;
  if (walk_objects(s, gc_object, &g, true, err) < 0)
    goto out;
  if (load_set(s, "SELECT id FROM containers", &ctrs, err) < 0)
    goto out;
  if (gc_dir_entries(s, "containers", &ctrs, &rep->container_dirs_removed, err) < 0)
    goto out;
  ret = 0;
out:
  lp_pathmap_release(&g.refs);
  lp_pathmap_release(&ctrs);
  close(lock);
  if (ret < 0)
    lp_error_wrap(err, "clean up store `%s`", s->home);
  return ret;
}

static int df_object(void *ctx, int dfd, const char *name, const char *hex, const struct stat *st, lp_error_t *err)
{
  struct lp_store_df *df = ctx;
  if (S_ISREG(st->st_mode))
    {
      df->objects++;
      df->objects_bytes += (uint64_t) st->st_size;
    }
  return 0;
}

int lp_store_df(struct lp_store *s, struct lp_store_df *df, lp_error_t *err)
{
  const char *what = "compute disk usage";
  memset(df, 0, sizeof *df);
  uint64_t logical = 0, stored = 0;
  if (lp_db_scalar(s, what, "SELECT count(*) FROM images", &df->images, err) < 0
      || lp_db_scalar(s, what,
                "SELECT coalesce(sum(size), 0) FROM layers WHERE id IN (SELECT layer FROM image_layers)",
                &df->images_bytes, err)
           < 0
      || lp_db_scalar(s, what, "SELECT count(*) FROM layers", &df->layers, err) < 0
      || lp_db_scalar(s, what, "SELECT count(*) FROM layers WHERE id NOT IN (SELECT layer FROM image_layers)",
                &df->layers_unused, err)
           < 0
      || lp_db_scalar(s, what, "SELECT count(*) FROM containers", &df->containers, err) < 0
      || lp_db_scalar(s, what, "SELECT coalesce(sum(length(inline_data)), 0) FROM layer_entries", &df->inline_bytes, err) < 0
      || lp_db_scalar(s, what, "SELECT coalesce(sum(size), 0) FROM layer_entries WHERE digest IS NOT NULL", &logical, err) < 0
      || lp_db_scalar(s, what,
                "SELECT coalesce(sum(size), 0) FROM (SELECT max(size) AS size FROM layer_entries"
                " WHERE digest IS NOT NULL GROUP BY digest)",
                &stored, err)
           < 0)
    return -1;
  df->dedup_saved_bytes = logical > stored ? logical - stored : 0;
  return walk_objects(s, df_object, df, false, err);
}
