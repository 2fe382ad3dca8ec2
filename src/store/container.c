/* Container records and their directories (containers/<id>/upper). */
#include "store/store_int.h"

#include "util/fsutil.h"
#include "util/xalloc.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define COLS "id, name, image, created, config_json, status, pid, pid_start, exit_code, started_at, finished_at"

char *lp_container_dir(const char *id)
{
  return xasprintf("containers/%s", id);
}

void lp_container_info_free(struct lp_container_info *c)
{
  if (!c)
    return;
  free(c->id);
  free(c->name);
  free(c->image_id);
  free(c->config_json);
  free(c->status);
  free(c);
}

void lp_container_list_free(struct lp_container_info **list, size_t n)
{
  for (size_t i = 0; i < n; i++)
    lp_container_info_free(list[i]);
  free(list);
}

static struct lp_container_info *row(sqlite3_stmt *st)
{
  struct lp_container_info *c = xzalloc(sizeof *c);
  c->id = lp_db_col_strdup(st, 0);
  c->name = lp_db_col_strdup(st, 1);
  c->image_id = lp_db_col_strdup(st, 2);
  c->created = sqlite3_column_int64(st, 3);
  c->config_json = lp_db_col_strdup(st, 4);
  c->status = lp_db_col_strdup(st, 5);
  c->pid = sqlite3_column_int64(st, 6);
  c->pid_start = (uint64_t) sqlite3_column_int64(st, 7);
  c->exit_code = sqlite3_column_int(st, 8);
  c->started_at = sqlite3_column_int64(st, 9);
  c->finished_at = sqlite3_column_int64(st, 10);
  return c;
}

static bool valid_id(const char *id)
{
  if (strlen(id) != 64)
    return false;
  for (const char *p = id; *p; p++)
    if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f')))
      return false;
  return true;
}

int lp_container_create(struct lp_store *s, const char *id, const char *name, const char *image_id,
                        const char *config_json, struct lp_container_info **out, lp_error_t *err)
{
  char gen[65];
  if (!id)
    {
      unsigned char rnd[32];
      if (getrandom(rnd, sizeof rnd, 0) != (ssize_t) sizeof rnd)
        return lp_error(err, errno, "getrandom");
      lp_sha256_hex(rnd, gen); /* just hex formatting of 32 random bytes */
      id = gen;
    }
  if (!valid_id(id))
    return lp_error(err, EINVAL, "invalid container id `%s`", id);
  if (!name || !*name)
    return lp_error(err, EINVAL, "a container needs a name");

  /* Directory first: a row never names a missing directory; a directory
   * without a row is garbage that gc removes. */
  cleanup_free char *dir = lp_container_dir(id);
  cleanup_free char *upper = xasprintf("%s/upper", dir);
  int lock = lp_store_lock(s, 0, err); /* keeps gc from taking the new directory */
  if (lock < 0)
    return -1;
  if ((mkdirat(s->dirfd, dir, 0700) < 0 && errno != EEXIST) || (mkdirat(s->dirfd, upper, 0700) < 0 && errno != EEXIST))
    {
      int saved = errno;
      close(lock);
      return lp_error(err, saved, "create `%s/%s`", s->home, upper);
    }

  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  /* Only while the image exists, in one statement: an rmi committed before
   * it makes this insert nothing, one after it sees this container. */
  sqlite3_stmt *st = lp_db_stmt(s,
                                "INSERT INTO containers(id, name, image, created, config_json)"
                                " SELECT ?1, ?2, ?3, ?4, ?5 WHERE EXISTS (SELECT 1 FROM images WHERE id = ?3)",
                                err);
  if (!st)
    {
      close(lock);
      return -1;
    }
  sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 2, name, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 3, image_id, -1, SQLITE_STATIC);
  sqlite3_bind_int64(st, 4, (int64_t) ts.tv_sec * 1000000000 + ts.tv_nsec);
  sqlite3_bind_text(st, 5, config_json, -1, SQLITE_STATIC);
  int rc = sqlite3_step(st);
  sqlite3_reset(st);
  close(lock);
  bool inserted = rc == SQLITE_DONE && sqlite3_changes(s->db) == 1;
  if (!inserted)
    {
      lp_error_t ignore = NULL;
      lp_rm_rf_at(s->dirfd, dir, &ignore);
      lp_error_free(&ignore);
      if (rc == SQLITE_CONSTRAINT_UNIQUE || rc == SQLITE_CONSTRAINT_PRIMARYKEY)
        {
          lp_error(err, 0, "the container name \"%s\" is already in use: choose another name or remove that container",
                   name);
          if (err && *err)
            (*err)->errnum = EEXIST;
          return -1;
        }
      if (rc == SQLITE_DONE)
        {
          lp_error(err, 0, "image %s was removed meanwhile: image not known", image_id);
          if (err && *err)
            (*err)->errnum = ENOENT;
          return -1;
        }
      return lp_db_error(s, err, "insert container");
    }
  if (out)
    {
      int r = lp_container_lookup(s, id, out, err);
      if (r <= 0)
        return r < 0 ? -1 : lp_error(err, ENOENT, "container %s vanished", id);
    }
  return 0;
}

int lp_container_lookup(struct lp_store *s, const char *ref, struct lp_container_info **out, lp_error_t *err)
{
  sqlite3_stmt *st = lp_db_stmt(s, "SELECT " COLS " FROM containers WHERE name = ?1 OR id = ?1", err);
  if (!st)
    return -1;
  sqlite3_bind_text(st, 1, ref, -1, SQLITE_STATIC);
  int rc = sqlite3_step(st);
  if (rc == SQLITE_ROW)
    {
      *out = row(st);
      sqlite3_reset(st);
      return 1;
    }
  sqlite3_reset(st);
  if (rc != SQLITE_DONE)
    return lp_db_error(s, err, "look up container");
  size_t n = strlen(ref);
  if (n == 0 || n > 64)
    return 0;
  for (const char *p = ref; *p; p++)
    if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f')))
      return 0;
  st = lp_db_stmt(s, "SELECT " COLS " FROM containers WHERE substr(id, 1, length(?1)) = ?1 LIMIT 2", err);
  if (!st)
    return -1;
  sqlite3_bind_text(st, 1, ref, -1, SQLITE_STATIC);
  rc = sqlite3_step(st);
  if (rc == SQLITE_ROW)
    {
      struct lp_container_info *c = row(st);
      rc = sqlite3_step(st);
      sqlite3_reset(st);
      if (rc == SQLITE_ROW)
        {
          lp_container_info_free(c);
          return lp_error(err, 0, "container id prefix `%s` is ambiguous: give more characters", ref);
        }
      *out = c;
      return 1;
    }
  sqlite3_reset(st);
  return rc == SQLITE_DONE ? 0 : lp_db_error(s, err, "look up container");
}

int lp_container_list(struct lp_store *s, struct lp_container_info ***out, size_t *n, lp_error_t *err)
{
  sqlite3_stmt *st = lp_db_stmt(s, "SELECT " COLS " FROM containers ORDER BY created DESC, id", err);
  if (!st)
    return -1;
  struct lp_container_info **v = NULL;
  size_t k = 0;
  int rc;
  while ((rc = sqlite3_step(st)) == SQLITE_ROW)
    {
      v = xreallocarray(v, k + 1, sizeof *v);
      v[k++] = row(st);
    }
  sqlite3_reset(st);
  if (rc != SQLITE_DONE)
    {
      lp_container_list_free(v, k);
      return lp_db_error(s, err, "list containers");
    }
  *out = v;
  *n = k;
  return 0;
}

/* Disk space of what the container wrote (its upper's data files). */
static uint64_t data_bytes(int dirfd, const char *dir)
{
  cleanup_free char *path = xasprintf("%s/upper/data", dir);
  int fd = openat(dirfd, path, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
  DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
  uint64_t n = 0;
  if (!d)
    {
      if (fd >= 0)
        close(fd);
      return 0;
    }
  struct dirent *de;
  struct stat st;
  while ((de = readdir(d)))
    if (fstatat(fd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(st.st_mode))
      n += (uint64_t) st.st_blocks * 512;
  closedir(d);
  return n;
}

int lp_container_remove(struct lp_store *s, const char *id, lp_error_t *err)
{
  if (!valid_id(id))
    return lp_error(err, EINVAL, "invalid container id `%s`", id);
  sqlite3_stmt *st = lp_db_stmt(s, "DELETE FROM containers WHERE id = ?", err);
  if (!st)
    return -1;
  sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
  cleanup_free char *dir = lp_container_dir(id);
  if (lp_db_step_done(s, st, err, "delete container") < 0)
    {
      if ((sqlite3_extended_errcode(s->db) & 0xff) != SQLITE_FULL || data_bytes(s->dirfd, dir) < (1 << 20))
        return -1;
      /* A full disk the container's writes filled: free their space first
       * (what is asked for goes anyway), then try again. Should that fail
       * too, the row stays, without its directory, for a later rm. */
      lp_error_t e = NULL;
      if (lp_rm_rf_at(s->dirfd, dir, &e) < 0)
        {
          lp_error_free(&e);
          return -1;
        }
      lp_error_free(err);
      if (lp_db_step_done(s, st, err, "delete container") < 0)
        return -1;
    }
  return lp_rm_rf_at(s->dirfd, dir, err);
}

int lp_container_rename(struct lp_store *s, const char *id, const char *new_name, lp_error_t *err)
{
  if (!new_name || !*new_name)
    return lp_error(err, EINVAL, "a container needs a name");
  sqlite3_stmt *st = lp_db_stmt(s, "UPDATE containers SET name = ? WHERE id = ?", err);
  if (!st)
    return -1;
  sqlite3_bind_text(st, 1, new_name, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 2, id, -1, SQLITE_STATIC);
  int rc = sqlite3_step(st);
  sqlite3_reset(st);
  if (rc == SQLITE_CONSTRAINT_UNIQUE)
    {
      lp_error(err, 0, "the container name \"%s\" is already in use", new_name);
      if (err && *err)
        (*err)->errnum = EEXIST;
      return -1;
    }
  if (rc != SQLITE_DONE)
    return lp_db_error(s, err, "rename container");
  if (sqlite3_changes(s->db) == 0)
    return lp_error(err, ENOENT, "no container with id %s", id);
  return 0;
}

int lp_container_update_state(struct lp_store *s, const struct lp_container_info *c, lp_error_t *err)
{
  sqlite3_stmt *st = lp_db_stmt(s,
                                "UPDATE containers SET status = ?, pid = ?, pid_start = ?, exit_code = ?,"
                                " started_at = ?, finished_at = ? WHERE id = ?",
                                err);
  if (!st)
    return -1;
  sqlite3_bind_text(st, 1, c->status ? c->status : "created", -1, SQLITE_STATIC);
  sqlite3_bind_int64(st, 2, c->pid);
  sqlite3_bind_int64(st, 3, (int64_t) c->pid_start);
  sqlite3_bind_int(st, 4, c->exit_code);
  sqlite3_bind_int64(st, 5, c->started_at);
  sqlite3_bind_int64(st, 6, c->finished_at);
  sqlite3_bind_text(st, 7, c->id, -1, SQLITE_STATIC);
  if (lp_db_step_done(s, st, err, "update container state") < 0)
    return -1;
  if (sqlite3_changes(s->db) == 0)
    return lp_error(err, ENOENT, "no container with id %s", c->id);
  return 0;
}

int lp_container_update_config(struct lp_store *s, const char *id, const char *config_json, lp_error_t *err)
{
  sqlite3_stmt *st = lp_db_stmt(s, "UPDATE containers SET config_json = ? WHERE id = ?", err);
  if (!st)
    return -1;
  sqlite3_bind_text(st, 1, config_json, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 2, id, -1, SQLITE_STATIC);
  if (lp_db_step_done(s, st, err, "update container config") < 0)
    return -1;
  if (sqlite3_changes(s->db) == 0)
    return lp_error(err, ENOENT, "no container with id %s", id);
  return 0;
}
