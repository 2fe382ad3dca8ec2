/* The store's directory layout, SQLite connection, schema and statement cache. */
#include "store/store_int.h"

#include "util/fsutil.h"
#include "util/log.h"
#include "util/xalloc.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/*
 * Schema, version 1.
 *
 * layers: one row per fully ingested layer (diff_id unique, so two racing
 *   ingests store it once).
 * layer_entries: the entries of a layer in tar order (seq). kind is one of
 *   'f' file, 'd' dir, 'l' symlink, 'h' hard link (link_target = target path
 *   in this or a lower layer), 'c' 'b' 'p' devices and fifo, 'w' whiteout of
 *   `path`, 'o' opaque marker on directory `path`. A layer entry is keyed by
 *   its normalized full path: layer rows are only ever read whole and in
 *   order to flatten, so the (parent, name) tree lives in tree_nodes.
 * tree_nodes: the flattened tree (tree.h states the contract).
 * images, image_layers, image_names, image_digests: image records.
 * containers: container records (containers.c).
 */
static const char schema[] =
  "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT);"
  "CREATE TABLE IF NOT EXISTS layers ("
  "  id INTEGER PRIMARY KEY, diff_id TEXT NOT NULL UNIQUE, size INTEGER NOT NULL,"
  "  entries INTEGER NOT NULL, created INTEGER NOT NULL);"
  "CREATE TABLE IF NOT EXISTS layer_entries ("
  "  id INTEGER PRIMARY KEY, layer INTEGER NOT NULL REFERENCES layers(id) ON DELETE CASCADE,"
  "  seq INTEGER NOT NULL, path BLOB NOT NULL, kind INTEGER NOT NULL, mode INTEGER NOT NULL,"
  "  uid INTEGER NOT NULL, gid INTEGER NOT NULL, mtime_ns INTEGER NOT NULL, size INTEGER NOT NULL,"
  "  rdev INTEGER NOT NULL DEFAULT 0, link_target BLOB, digest TEXT, inline_data BLOB, xattrs BLOB,"
  "  UNIQUE(layer, seq));"
  "CREATE INDEX IF NOT EXISTS layer_entries_digest ON layer_entries(digest) WHERE digest IS NOT NULL;"
  "CREATE TABLE IF NOT EXISTS tree_nodes ("
  "  id INTEGER PRIMARY KEY AUTOINCREMENT, parent INTEGER, name BLOB NOT NULL,"
  "  mode INTEGER NOT NULL, uid INTEGER NOT NULL, gid INTEGER NOT NULL, size INTEGER NOT NULL,"
  "  mtime_ns INTEGER NOT NULL, rdev INTEGER NOT NULL DEFAULT 0, nlink INTEGER NOT NULL,"
  "  link_target BLOB, hardlink_of INTEGER, digest TEXT, inline_data BLOB, xattrs BLOB,"
  "  tree INTEGER NOT NULL DEFAULT 0, UNIQUE(parent, name));"
  "CREATE INDEX IF NOT EXISTS tree_nodes_tree ON tree_nodes(tree);"
  "CREATE INDEX IF NOT EXISTS tree_nodes_parent_id ON tree_nodes(parent, id);"
  "CREATE TABLE IF NOT EXISTS images ("
  "  id TEXT PRIMARY KEY, manifest_digest TEXT, manifest_json TEXT, config_json TEXT,"
  "  created INTEGER NOT NULL, size INTEGER NOT NULL, root_node INTEGER REFERENCES tree_nodes(id));"
  "CREATE TABLE IF NOT EXISTS image_layers ("
  "  image TEXT NOT NULL REFERENCES images(id) ON DELETE CASCADE, idx INTEGER NOT NULL,"
  "  layer INTEGER NOT NULL REFERENCES layers(id), PRIMARY KEY(image, idx));"
  "CREATE INDEX IF NOT EXISTS image_layers_layer ON image_layers(layer);"
  "CREATE TABLE IF NOT EXISTS image_names ("
  "  name TEXT PRIMARY KEY, image TEXT NOT NULL REFERENCES images(id) ON DELETE CASCADE, created INTEGER);"
  "CREATE INDEX IF NOT EXISTS image_names_image ON image_names(image);"
  "CREATE TABLE IF NOT EXISTS image_digests ("
  "  repo_digest TEXT PRIMARY KEY, image TEXT NOT NULL REFERENCES images(id) ON DELETE CASCADE);"
  "CREATE INDEX IF NOT EXISTS image_digests_image ON image_digests(image);"
  "CREATE TABLE IF NOT EXISTS containers ("
  "  id TEXT PRIMARY KEY, name TEXT NOT NULL UNIQUE, image TEXT NOT NULL, created INTEGER NOT NULL,"
  "  config_json TEXT, status TEXT NOT NULL DEFAULT 'created', pid INTEGER NOT NULL DEFAULT 0,"
  "  pid_start INTEGER NOT NULL DEFAULT 0, exit_code INTEGER NOT NULL DEFAULT 0,"
  "  started_at INTEGER NOT NULL DEFAULT 0, finished_at INTEGER NOT NULL DEFAULT 0);"
  "CREATE INDEX IF NOT EXISTS containers_image ON containers(image);"
  "INSERT OR IGNORE INTO meta(key, value) VALUES ('schema_version', '1');";

int lp_db_error(struct lp_store *s, lp_error_t *err, const char *what)
{
  /* For I/O errors the cause is the system's (a full disk, say): name it. */
  int code = sqlite3_extended_errcode(s->db) & 0xff;
  int sys = code == SQLITE_IOERR || code == SQLITE_FULL || code == SQLITE_CANTOPEN ? sqlite3_system_errno(s->db) : 0;
  return lp_error(err, sys > 0 ? sys : 0, "store database: %s: %s", what, sqlite3_errmsg(s->db));
}

int lp_db_scalar(struct lp_store *s, const char *what, const char *sql, uint64_t *out, lp_error_t *err)
{
  sqlite3_stmt *st = lp_db_stmt(s, sql, err);
  if (!st)
    return -1;
  int rc = sqlite3_step(st);
  if (rc == SQLITE_ROW)
    *out = (uint64_t) sqlite3_column_int64(st, 0);
  sqlite3_reset(st);
  return rc == SQLITE_ROW ? 0 : lp_db_error(s, err, what);
}

int lp_db_exists(struct lp_store *s, const char *sql, const char *key, const char *what, lp_error_t *err)
{
  sqlite3_stmt *st = lp_db_stmt(s, sql, err);
  if (!st)
    return -1;
  sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
  int rc = sqlite3_step(st);
  sqlite3_reset(st);
  if (rc == SQLITE_ROW)
    return 1;
  if (rc == SQLITE_DONE)
    return 0;
  return lp_db_error(s, err, what);
}

sqlite3_stmt *lp_db_stmt(struct lp_store *s, const char *sql, lp_error_t *err)
{
  for (size_t i = 0; i < s->nstmts; i++)
    if (s->stmts[i].sql == sql)
      {
        sqlite3_reset(s->stmts[i].st);
        sqlite3_clear_bindings(s->stmts[i].st);
        return s->stmts[i].st;
      }
  sqlite3_stmt *st;
  if (sqlite3_prepare_v3(s->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &st, NULL) != SQLITE_OK)
    {
      lp_db_error(s, err, "prepare");
      return NULL;
    }
  s->stmts = xreallocarray(s->stmts, s->nstmts + 1, sizeof *s->stmts);
  s->stmts[s->nstmts].sql = sql;
  s->stmts[s->nstmts].st = st;
  s->nstmts++;
  return st;
}

int lp_db_exec(struct lp_store *s, const char *sql, lp_error_t *err)
{
  char *msg = NULL;
  if (sqlite3_exec(s->db, sql, NULL, NULL, &msg) != SQLITE_OK)
    {
      lp_error(err, 0, "store database: %s", msg ? msg : sqlite3_errmsg(s->db));
      sqlite3_free(msg);
      return -1;
    }
  return 0;
}

int lp_db_begin(struct lp_store *s, lp_error_t *err)
{
  return lp_db_exec(s, "BEGIN IMMEDIATE", err);
}

int lp_db_commit(struct lp_store *s, lp_error_t *err)
{
  if (lp_db_exec(s, "COMMIT", err) < 0)
    {
      lp_db_rollback(s);
      return -1;
    }
  return 0;
}

void lp_db_rollback(struct lp_store *s)
{
  if (!sqlite3_get_autocommit(s->db))
    sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
}

int lp_db_step_done(struct lp_store *s, sqlite3_stmt *st, lp_error_t *err, const char *what)
{
  int rc = sqlite3_step(st);
  if (rc != SQLITE_DONE && rc != SQLITE_ROW)
    {
      lp_db_error(s, err, what);
      sqlite3_reset(st);
      return -1;
    }
  sqlite3_reset(st);
  return 0;
}

char *lp_db_col_strdup(sqlite3_stmt *st, int col)
{
  const unsigned char *t = sqlite3_column_text(st, col);
  return t ? xstrdup((const char *) t) : NULL;
}

int lp_store_lock(struct lp_store *s, int exclusive, lp_error_t *err)
{
  int fd = openat(s->dirfd, "lock", O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
  if (fd < 0)
    return lp_error(err, errno, "open store lock `%s/lock`", s->home);
  while (flock(fd, exclusive ? LOCK_EX : LOCK_SH) < 0)
    {
      if (errno == EINTR)
        continue;
      int saved = errno;
      close(fd);
      return lp_error(err, saved, "lock store `%s`", s->home);
    }
  return fd;
}

static int open_subdir(int dirfd, const char *home, const char *name, lp_error_t *err)
{
  if (mkdirat(dirfd, name, 0700) < 0 && errno != EEXIST)
    return lp_error(err, errno, "create `%s/%s`", home, name);
  int fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0)
    return lp_error(err, errno, "open `%s/%s`", home, name);
  return fd;
}

/* Switch a new database to WAL. Two processes opening a new store at once
 * both read it, then both want the exclusive lock to change the journal
 * mode; SQLite answers one of them SQLITE_BUSY at once, without the busy
 * handler (waiting could deadlock). So retry, for as long as busy_timeout. */
/* A full disk must leave lilipod able to record what happened (a container's
 * exit) and to remove containers to free space: each commit appends pages to
 * the WAL, which SQLite rewrites from its start after each checkpoint (every
 * WAL_PAGES pages). So the WAL keeps its blocks (persistent, no size limit),
 * and each open allocates the first WAL_BYTES beyond its end if they are not
 * yet (best effort). lp_store_close() truncates a WAL that a big transaction
 * (a pull) left larger than twice that, when no one else uses it. */
#define WAL_PAGES "64"
#define WAL_BYTES ((off_t) (64 + 8) * (4096 + 24))

static void reserve_wal(const char *wal)
{
  int fd = open(wal, O_RDWR | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0)
    return;
  struct stat st;
  if (fstat(fd, &st) == 0 && st.st_blocks * 512 < WAL_BYTES)
    (void) fallocate(fd, FALLOC_FL_KEEP_SIZE, 0, WAL_BYTES);
  close(fd);
}

static void reserve_wal_of(const char *dbpath)
{
  cleanup_free char *wal = xasprintf("%s-wal", dbpath);
  reserve_wal(wal);
}

static void shrink_wal(struct lp_store *s)
{
  cleanup_free char *wal = xasprintf("%s/store.db-wal", s->home);
  struct stat st;
  if (stat(wal, &st) < 0 || st.st_size <= 2 * WAL_BYTES)
    return;
  /* Never wait for others: busy means they are using it. */
  sqlite3_busy_timeout(s->db, 0);
  if (sqlite3_wal_checkpoint_v2(s->db, NULL, SQLITE_CHECKPOINT_TRUNCATE, NULL, NULL) == SQLITE_OK)
    reserve_wal(wal);
}

/* With synchronous=NORMAL a commit does not sync the WAL; this does, for
 * every commit of the connection at once (see lp_store_open). */
static void sync_wal(struct lp_store *s)
{
  cleanup_free char *wal = xasprintf("%s/store.db-wal", s->home);
  int fd = open(wal, O_RDWR | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0)
    return;
  if (fdatasync(fd) < 0)
    lp_debug("sync the store's WAL: %s", strerror(errno));
  close(fd);
}

static int set_wal(struct lp_store *s, lp_error_t *err)
{
  for (int waited_ms = 0;; waited_ms += 10)
    {
      int rc = sqlite3_exec(s->db, "PRAGMA journal_mode=WAL", NULL, NULL, NULL);
      if (rc == SQLITE_OK)
        return 0;
      if ((rc & 0xff) != SQLITE_BUSY && (rc & 0xff) != SQLITE_LOCKED)
        return lp_db_error(s, err, "set WAL mode");
      if (waited_ms >= 10000)
        return lp_db_error(s, err, "set WAL mode (waited 10 s)");
      struct timespec ts = { 0, 10 * 1000 * 1000 };
      nanosleep(&ts, NULL);
    }
}

/* The schema's statements run only on a store whose user_version is not
 * the hash of schema[] (a new store, or one made by a binary with another
 * schema): at every open they took the write lock, so every command
 * queued behind any writer, and parsed ~20 statements. Schema creation
 * takes the write lock, so racing first opens are safe. */
static int32_t schema_hash(void)
{
  uint32_t h = 2166136261u; /* FNV-1a */
  for (const char *p = schema; *p; p++)
    h = (h ^ (unsigned char) *p) * 16777619u;
  return (int32_t) ((h & 0x7fffffff) | 1);
}

static int ensure_schema(struct lp_store *s, lp_error_t *err)
{
  int32_t want = schema_hash();
  sqlite3_stmt *st = NULL;
  int64_t have = 0;
  if (sqlite3_prepare_v2(s->db, "PRAGMA user_version", -1, &st, NULL) != SQLITE_OK)
    return lp_db_error(s, err, "read the schema version");
  if (sqlite3_step(st) == SQLITE_ROW)
    have = sqlite3_column_int64(st, 0);
  sqlite3_finalize(st);
  if (have == want)
    return 0;
  cleanup_free char *set = xasprintf("PRAGMA user_version = %d", (int) want);
  if (lp_db_begin(s, err) < 0)
    return -1;
  if (lp_db_exec(s, schema, err) < 0 || lp_db_exec(s, set, err) < 0)
    {
      lp_db_rollback(s);
      return -1;
    }
  return lp_db_commit(s, err);
}

int lp_store_open(const char *home, struct lp_store **out, lp_error_t *err)
{
  cleanup_free char *dbpath = xasprintf("%s/store.db", home);
  struct lp_store *s = xzalloc(sizeof *s);
  s->home = xstrdup(home);
  s->dirfd = s->objects_fd = s->tmp_fd = -1;
  strbuf_init(&s->node_name, 0);
  strbuf_init(&s->node_link, 0);
  strbuf_init(&s->node_inline, 0);
  strbuf_init(&s->node_xattrs, 0);

  if (lp_mkdir_p_at(AT_FDCWD, home, 0700, err) < 0)
    goto fail;
  s->dirfd = open(home, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (s->dirfd < 0)
    {
      lp_error(err, errno, "open store `%s`", home);
      goto fail;
    }
  if ((s->objects_fd = open_subdir(s->dirfd, home, "objects", err)) < 0
      || (s->tmp_fd = open_subdir(s->dirfd, home, "tmp", err)) < 0)
    goto fail;
  if (mkdirat(s->dirfd, "containers", 0700) < 0 && errno != EEXIST)
    {
      lp_error(err, errno, "create `%s/containers`", home);
      goto fail;
    }

  if (sqlite3_open_v2(dbpath, &s->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL)
      != SQLITE_OK)
    {
      lp_error(err, 0, "open store database `%s`: %s", dbpath, s->db ? sqlite3_errmsg(s->db) : "out of memory");
      goto fail;
    }
  sqlite3_busy_timeout(s->db, 10000);
  sqlite3_extended_result_codes(s->db, 1);
  /* A full disk (see reserve_wal): keep the -wal and -shm files when the
   * last connection closes, so that opening the store needs no new space. */
  int persist = 1;
  sqlite3_file_control(s->db, "main", SQLITE_FCNTL_PERSIST_WAL, &persist);
  /* SQLite's last connection to close checkpoints the WAL into store.db:
   * copies, an ftruncate and three fdatasyncs at the end of every command,
   * even `ps` (on this VM's shared disk a sync waits for others' writes).
   * Commits reach store.db at the autocheckpoint instead, and
   * lp_store_close() makes a writer's commits durable with one fdatasync
   * of the WAL, so a command's changes still survive a power loss once it
   * has ended. */
  sqlite3_db_config(s->db, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, NULL);
  if (set_wal(s, err) < 0
      || lp_db_exec(s, "PRAGMA foreign_keys=ON; PRAGMA synchronous=NORMAL; PRAGMA wal_autocheckpoint=" WAL_PAGES ";",
                    err) < 0)
    goto fail;
  if (ensure_schema(s, err) < 0)
    goto fail;
  reserve_wal_of(dbpath);
  *out = s;
  return 0;

fail:
  lp_error_wrap(err, "open store `%s`", home);
  lp_store_close(s);
  return -1;
}

void lp_store_close(struct lp_store *s)
{
  if (!s)
    return;
  for (size_t i = 0; i < s->nstmts; i++)
    sqlite3_finalize(s->stmts[i].st);
  free(s->stmts);
  if (s->db)
    {
      shrink_wal(s);
      if (sqlite3_total_changes64(s->db) > 0)
        sync_wal(s);
      sqlite3_close(s->db);
    }
  if (s->dirfd >= 0)
    close(s->dirfd);
  if (s->objects_fd >= 0)
    close(s->objects_fd);
  if (s->tmp_fd >= 0)
    close(s->tmp_fd);
  strbuf_release(&s->node_name);
  strbuf_release(&s->node_link);
  strbuf_release(&s->node_inline);
  strbuf_release(&s->node_xattrs);
  free(s->home);
  free(s);
}

const char *lp_store_home(struct lp_store *s)
{
  return s->home;
}

int lp_store_dirfd(struct lp_store *s)
{
  return s->dirfd;
}
