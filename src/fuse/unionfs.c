/* unionfs: the FUSE low-level server of a container rootfs (see unionfs.h).
 *
 * Requests are served by one thread (see lp_unionfs_serve for why); a
 * second one, the housekeeper, ends held store.db snapshots and checkpoints
 * meta.db when idle. One mutex guards both databases, the lookup-count
 * table, the listing, row and membership caches; data I/O on file handles
 * (read, write, fsync, fallocate, copy_file_range) runs outside it, on the
 * fd the handle holds, so the code stays correct under a multithreaded
 * loop. */
#include "unionfs.h"

#include <errno.h>
#include <fcntl.h>
#include <fuse_lowlevel.h>
#include <inttypes.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/xattr.h>
#include <linux/fs.h>
#include <time.h>
#include <unistd.h>

#include "../util/fsutil.h"
#include "../util/log.h"
#include "../util/xalloc.h"
#include "lower.h"

#define UPPER_BASE ((uint64_t)1 << 40) /* first inode number made in the upper */
#define LOWER_ONE_ALIAS (UPPER_BASE - 1) /* where a non-root lower id 1 goes */
#define TIMEOUT 86400.0 /* every change goes through us: the kernel may cache */
#define NL_BUCKETS 65536
/* Inode numbers are reserved in meta.db this many at a time: a create
 * writes the meta row once per block, not once per inode. Numbers of a
 * block left unused when the server stops are skipped. */
#define INO_BLOCK 1024
#define DCACHE_BITS 6
#define ECACHE_BITS 12 /* 4,096 inodes rows kept in memory, about 400 KiB */
#define SNAPSHOT_MS 100 /* longest a read transaction on store.db is held (see housekeeper) */
/* meta.db's WAL is checkpointed by the housekeeper once it holds CKPT_MIN
 * frames and no commit came for CKPT_IDLE_MS, or at once past CKPT_MAX. */
#define CKPT_MIN 1000    /* SQLite's own autocheckpoint point, 4 MiB */
#define CKPT_MAX 4096    /* 16 MiB of WAL; its index is 128 KiB of heap */
#define CKPT_IDLE_MS 20

enum
{
  Q_GET,
  Q_PUT,
  Q_SET_LINK,
  Q_GET_LINK,
  Q_SET_XATTRS,
  Q_GET_XATTRS,
  Q_DEL_INODE,
  Q_DIRENT_GET,
  Q_DIRENT_PUT,
  Q_DIRENT_DEL,
  Q_DIRENT_LIST,
  Q_DIRENT_DEL_ALL,
  Q_DIRENT_ANY,
  Q_DIRENT_COUNTS,
  Q_SET_NEXT,
  Q_BEGIN,
  Q_COMMIT,
  Q_ROLLBACK,
  Q_COUNT
};

static const char *const qsql[Q_COUNT] = {
  [Q_GET] = "SELECT mode, uid, gid, rdev, nlink, atime, mtime, ctime, size, has_data, xattrs_own FROM inodes"
            " WHERE ino = ?1",
  [Q_PUT] = "INSERT INTO inodes(ino, mode, uid, gid, rdev, nlink, atime, mtime, ctime, size, has_data)"
            " VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11) ON CONFLICT(ino) DO UPDATE SET"
            " mode = excluded.mode, uid = excluded.uid, gid = excluded.gid, rdev = excluded.rdev,"
            " nlink = excluded.nlink, atime = excluded.atime, mtime = excluded.mtime, ctime = excluded.ctime,"
            " size = excluded.size, has_data = excluded.has_data",
  [Q_SET_LINK] = "UPDATE inodes SET link_target = ?2 WHERE ino = ?1",
  [Q_GET_LINK] = "SELECT link_target FROM inodes WHERE ino = ?1 AND link_target IS NOT NULL",
  [Q_SET_XATTRS] = "UPDATE inodes SET xattrs = ?2, xattrs_own = 1 WHERE ino = ?1",
  [Q_GET_XATTRS] = "SELECT xattrs FROM inodes WHERE ino = ?1 AND xattrs_own = 1",
  [Q_DEL_INODE] = "DELETE FROM inodes WHERE ino = ?1",
  [Q_DIRENT_GET] = "SELECT ino FROM dirents WHERE parent = ?1 AND name = ?2",
  [Q_DIRENT_PUT] = "INSERT OR REPLACE INTO dirents(parent, name, ino, type) VALUES(?1, ?2, ?3, ?4)",
  [Q_DIRENT_DEL] = "DELETE FROM dirents WHERE parent = ?1 AND name = ?2",
  [Q_DIRENT_LIST] = "SELECT name, ino, type FROM dirents WHERE parent = ?1",
  [Q_DIRENT_DEL_ALL] = "DELETE FROM dirents WHERE parent = ?1",
  [Q_DIRENT_ANY] = "SELECT 1 FROM dirents WHERE parent = ?1 LIMIT 1",
  [Q_DIRENT_COUNTS] = "SELECT count(*), count(*) FILTER (WHERE ino = 0) FROM dirents WHERE parent = ?1",
  [Q_SET_NEXT] = "INSERT OR REPLACE INTO meta(key, value) VALUES('next_ino', ?1)",
  /* Prepared once like the rest: sqlite3_exec would parse them per request. */
  [Q_BEGIN] = "BEGIN IMMEDIATE",
  [Q_COMMIT] = "COMMIT",
  [Q_ROLLBACK] = "ROLLBACK",
};

/* Only this server opens meta.db while it runs: exclusive locking takes the
 * file locks once instead of several fcntl() calls per statement (about 8 per
 * request), and keeps the WAL index in our memory instead of a shared -shm
 * mapping. A second server on the same upper fails at once (SQLITE_BUSY). */
static const char schema[] =
  "PRAGMA locking_mode = EXCLUSIVE;"
  "PRAGMA journal_mode = WAL;"
  "PRAGMA synchronous = NORMAL;"
  "PRAGMA journal_size_limit = 33554432;" /* WAL_LIMIT: a WAL grown past CKPT_MAX (a big transaction) shrinks back */
  "CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value);"
  "CREATE TABLE IF NOT EXISTS inodes(ino INTEGER PRIMARY KEY, mode INTEGER NOT NULL, uid INTEGER NOT NULL,"
  " gid INTEGER NOT NULL, rdev INTEGER NOT NULL DEFAULT 0, nlink INTEGER NOT NULL, atime INTEGER NOT NULL,"
  " mtime INTEGER NOT NULL, ctime INTEGER NOT NULL, size INTEGER NOT NULL DEFAULT 0,"
  " has_data INTEGER NOT NULL DEFAULT 0, link_target BLOB, xattrs BLOB, xattrs_own INTEGER NOT NULL DEFAULT 0);"
  "CREATE TABLE IF NOT EXISTS dirents(parent INTEGER NOT NULL, name BLOB NOT NULL, ino INTEGER NOT NULL,"
  " type INTEGER NOT NULL, PRIMARY KEY(parent, name)) WITHOUT ROWID;";

struct nl_entry
{
  uint64_t ino, n;
  struct nl_entry *next;
};

/* A set of inode numbers (open addressing; 0 is never an inode number). */
struct ino_set
{
  uint64_t *v;
  size_t n, cap; /* cap: 0 or a power of two */
};

struct lp_unionfs
{
  struct fuse_session *se;
  pthread_mutex_t lock;
  struct lp_lower *lower;
  int64_t lower_root;
  sqlite3 *db;
  sqlite3_stmt *q[Q_COUNT];
  int upper_fd, data_fd;
  uint64_t next_ino;
  uint64_t ino_limit; /* meta.db's next_ino: numbers below it may be in use */
  int writeback;
  char *mountpoint;
  int mounted;
  struct nl_entry **nl; /* kernel lookup counts, for removing unlinked inodes at forget */
  /* What the upper may hold, so that the common case asks meta.db nothing:
   * lower inodes that may have an inodes row (a lower inode without one is
   * presented as the store has it), and directories that may have dirents
   * rows. Numbers are added before the rows are written and never removed
   * (a stale member only costs the query it would have cost anyway). */
  struct ino_set rows, dirs;
  struct dcache_slot *dcache; /* listings being read (see op_opendir) */
  struct ent *ecache;         /* inodes rows as written or read (see get_ent_row) */
  pthread_cond_t hk_cv;       /* wakes the housekeeper: a lower snapshot opened, a checkpoint is due, stop */
  pthread_t hk;
  int hk_running, hk_quit;
  int wal_frames;             /* in meta.db's WAL (see wal_hook) */
  struct timespec last_commit;
  int wal_fd;                 /* meta.db-wal, for wal_reserve; -1 until needed */
  int wal_reserved;           /* frames the WAL has blocks for (see wal_reserve) */
  char *wal_path;
};

/* What we present for one inode. */
struct ent
{
  uint64_t ino;
  mode_t mode;
  uid_t uid;
  gid_t gid;
  dev_t rdev;
  int64_t nlink;
  int64_t atime, mtime, ctime; /* ns */
  int64_t size;
  int has_data;
  int xattrs_own; /* the row holds the xattrs (else the lower's, if any) */
  int row;        /* read from an inodes row */
  int data_fresh; /* has_data, and the data file is known to match size and times */
};

struct handle
{
  int fd;     /* backing file, or -1 for inline lower content */
  char *data; /* inline content */
  size_t len;
  /* Opened for writing on a lower file: the copy-up waits for the first
   * write (`touch` opens files for writing and writes nothing). */
  int lazy;
  int flags;
  int old_fd; /* the lower fd replaced at copy-up; closed at release */
};

/* A lower node's attributes as a listing keeps them for readdirplus. */
struct lattr
{
  int64_t size, mtime_ns;
  dev_t rdev;
  mode_t mode;
  uid_t uid;
  gid_t gid;
  uint32_t nlink;
};

struct dlist_entry
{
  char *name;
  uint64_t ino;
  mode_t type;
  int has_lower; /* l holds the lower node's attributes */
  struct lattr l;
};

struct dlist
{
  struct dlist_entry *v;
  size_t n, cap;
};

struct dcache_slot
{
  uint64_t ino;
  struct dlist *d;
  off_t end; /* d is NULL: the listing of ino was all sent, up to offset end */
};

/* ---- small helpers ---------------------------------------------------- */

static int64_t now_ns(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int64_t ts_ns(struct timespec ts)
{
  return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static struct timespec ns_ts(int64_t ns)
{
  struct timespec ts = { .tv_sec = ns / 1000000000, .tv_nsec = ns % 1000000000 };
  if (ts.tv_nsec < 0)
    {
      ts.tv_nsec += 1000000000;
      ts.tv_sec--;
    }
  return ts;
}

static void data_name(uint64_t ino, char buf[32])
{
  snprintf(buf, 32, "%016" PRIx64, ino);
}

static uint64_t ino_of_lower(struct lp_unionfs *fs, int64_t id)
{
  if (id == fs->lower_root)
    return FUSE_ROOT_ID;
  if (id == 1)
    return LOWER_ONE_ALIAS;
  return (uint64_t)id;
}

static int64_t lower_of(struct lp_unionfs *fs, uint64_t ino)
{
  if (ino == FUSE_ROOT_ID)
    return fs->lower_root;
  if (ino == LOWER_ONE_ALIAS)
    return 1;
  if (ino >= UPPER_BASE || !fs->lower)
    return 0;
  return (int64_t)ino;
}

static struct lp_unionfs *FS(fuse_req_t req)
{
  return fuse_req_userdata(req);
}

static sqlite3_stmt *Q(struct lp_unionfs *fs, int which)
{
  sqlite3_stmt *s = fs->q[which];
  sqlite3_reset(s);
  sqlite3_clear_bindings(s);
  return s;
}

static int step_done(sqlite3_stmt *s)
{
  int rc = sqlite3_step(s);
  sqlite3_reset(s);
  if (rc != SQLITE_DONE && rc != SQLITE_ROW)
    {
      lp_warn("unionfs: upper metadata: %s", sqlite3_errstr(rc));
      return -EIO;
    }
  return 0;
}

/* The row cache: a direct-mapped table of inodes rows (slot ino 0: empty),
 * written through by put_ent, so that the getattr, lookup and getxattr a
 * create brings ask meta.db nothing. Cleared when a transaction rolls back. */
static struct ent *ecache_slot(struct lp_unionfs *fs, uint64_t ino)
{
  return &fs->ecache[(ino * 0x9E3779B97F4A7C15ULL) >> (64 - ECACHE_BITS)];
}

static void ecache_put(struct lp_unionfs *fs, const struct ent *e)
{
  struct ent *c = ecache_slot(fs, e->ino);
  *c = *e;
  c->row = 1;
  c->data_fresh = 0;
}

static void ecache_drop(struct lp_unionfs *fs, uint64_t ino)
{
  struct ent *c = ecache_slot(fs, ino);
  if (c->ino == ino)
    c->ino = 0;
}

static void ecache_clear(struct lp_unionfs *fs)
{
  memset(fs->ecache, 0, sizeof *fs->ecache << ECACHE_BITS);
}

static int tx_step(struct lp_unionfs *fs, int which)
{
  sqlite3_stmt *s = fs->q[which];
  int rc = sqlite3_step(s);
  sqlite3_reset(s);
  if (rc != SQLITE_DONE)
    {
      lp_warn("unionfs: %s: %s", qsql[which], sqlite3_errmsg(fs->db));
      return -EIO;
    }
  return 0;
}

static int tx_begin(struct lp_unionfs *fs)
{
  return tx_step(fs, Q_BEGIN);
}

static int tx_end(struct lp_unionfs *fs, int ret)
{
  if (ret == 0 && (ret = tx_step(fs, Q_COMMIT)) == 0)
    return 0;
  /* A failed COMMIT may leave the transaction open. */
  if (!sqlite3_get_autocommit(fs->db))
    tx_step(fs, Q_ROLLBACK);
  ecache_clear(fs); /* it may hold rows of the transaction */
  return ret;
}

/* ---- inode sets --------------------------------------------------------- */

static size_t set_pos(const struct ino_set *set, uint64_t ino)
{
  return (size_t)((ino * 0x9E3779B97F4A7C15ULL) >> 32) & (set->cap - 1);
}

static int set_has(const struct ino_set *set, uint64_t ino)
{
  if (!set->cap)
    return 0;
  for (size_t i = set_pos(set, ino);; i = (i + 1) & (set->cap - 1))
    {
      if (set->v[i] == ino)
        return 1;
      if (!set->v[i])
        return 0;
    }
}

static void set_add(struct ino_set *set, uint64_t ino)
{
  if (set_has(set, ino))
    return;
  if ((set->n + 1) * 2 > set->cap)
    {
      struct ino_set bigger = { .cap = set->cap ? set->cap * 2 : 64 };
      bigger.v = xcalloc(bigger.cap, sizeof *bigger.v);
      for (size_t i = 0; i < set->cap; i++)
        if (set->v[i])
          set_add(&bigger, set->v[i]);
      free(set->v);
      *set = bigger;
    }
  size_t i = set_pos(set, ino);
  while (set->v[i])
    i = (i + 1) & (set->cap - 1);
  set->v[i] = ino;
  set->n++;
}

/* Whether ino may have an inodes row: inodes made in the upper always do. */
static int may_have_row(struct lp_unionfs *fs, uint64_t ino)
{
  return ino >= UPPER_BASE || set_has(&fs->rows, ino);
}

/* ---- lookup counts ----------------------------------------------------- */

static struct nl_entry **nl_slot(struct lp_unionfs *fs, uint64_t ino)
{
  struct nl_entry **p = &fs->nl[(ino * 0x9E3779B97F4A7C15ULL) >> 48];
  while (*p && (*p)->ino != ino)
    p = &(*p)->next;
  return p;
}

static void nl_inc(struct lp_unionfs *fs, uint64_t ino)
{
  struct nl_entry **p = nl_slot(fs, ino);
  if (!*p)
    {
      *p = xzalloc(sizeof **p);
      (*p)->ino = ino;
    }
  (*p)->n++;
}

static uint64_t nl_get(struct lp_unionfs *fs, uint64_t ino)
{
  struct nl_entry **p = nl_slot(fs, ino);
  return *p ? (*p)->n : 0;
}

/* Returns the count left. */
static uint64_t nl_dec(struct lp_unionfs *fs, uint64_t ino, uint64_t n)
{
  struct nl_entry **p = nl_slot(fs, ino);
  if (!*p)
    return 0;
  if ((*p)->n > n)
    return (*p)->n -= n;
  struct nl_entry *e = *p;
  *p = e->next;
  free(e);
  return 0;
}

/* ---- inodes ------------------------------------------------------------ */

static void ent_from_lower(struct ent *e, const struct lp_lower_node *n)
{
  e->mode = n->mode;
  e->uid = n->uid;
  e->gid = n->gid;
  e->rdev = n->rdev;
  e->nlink = n->nlink > 0 ? n->nlink : 1;
  e->atime = e->mtime = e->ctime = n->mtime_ns;
  e->size = n->size;
}

/* The inode's upper row: 1 found, 0 none (e zeroed but for ino), or -EIO. */
static int get_ent_row(struct lp_unionfs *fs, uint64_t ino, struct ent *e)
{
  const struct ent *c = ecache_slot(fs, ino);
  if (c->ino == ino)
    {
      *e = *c;
      return 1;
    }
  sqlite3_stmt *s = Q(fs, Q_GET);
  sqlite3_bind_int64(s, 1, (int64_t)ino);
  int rc = sqlite3_step(s);
  memset(e, 0, sizeof *e);
  e->ino = ino;
  if (rc == SQLITE_ROW)
    {
      e->mode = (mode_t)sqlite3_column_int64(s, 0);
      e->uid = (uid_t)sqlite3_column_int64(s, 1);
      e->gid = (gid_t)sqlite3_column_int64(s, 2);
      e->rdev = (dev_t)sqlite3_column_int64(s, 3);
      e->nlink = sqlite3_column_int64(s, 4);
      e->atime = sqlite3_column_int64(s, 5);
      e->mtime = sqlite3_column_int64(s, 6);
      e->ctime = sqlite3_column_int64(s, 7);
      e->size = sqlite3_column_int64(s, 8);
      e->has_data = (int)sqlite3_column_int64(s, 9);
      e->xattrs_own = (int)sqlite3_column_int64(s, 10);
      e->row = 1;
      sqlite3_reset(s);
      ecache_put(fs, e);
      return 1;
    }
  sqlite3_reset(s);
  return rc == SQLITE_DONE ? 0 : -EIO;
}

static int get_ent(struct lp_unionfs *fs, uint64_t ino, struct ent *e)
{
  int rc = 0;
  if (may_have_row(fs, ino))
    rc = get_ent_row(fs, ino, e);
  else
    {
      memset(e, 0, sizeof *e);
      e->ino = ino;
    }
  if (rc != 0)
    return rc < 0 ? rc : 0;
  int64_t lid = lower_of(fs, ino);
  if (!lid)
    {
      if (ino == FUSE_ROOT_ID)
        {
          /* An empty lower: the root exists before anything is written. */
          e->mode = S_IFDIR | 0755;
          e->nlink = 2;
          e->uid = 0;
          e->gid = 0;
          return 0;
        }
      return -ENOENT;
    }
  struct lp_lower_node n;
  int ret = lp_lower_get(fs->lower, lid, &n);
  if (ret < 0)
    return ret;
  ent_from_lower(e, &n);
  return 0;
}

static int put_ent(struct lp_unionfs *fs, const struct ent *e)
{
  if (e->ino < UPPER_BASE)
    set_add(&fs->rows, e->ino);
  sqlite3_stmt *s = Q(fs, Q_PUT);
  sqlite3_bind_int64(s, 1, (int64_t)e->ino);
  sqlite3_bind_int64(s, 2, e->mode);
  sqlite3_bind_int64(s, 3, e->uid);
  sqlite3_bind_int64(s, 4, e->gid);
  sqlite3_bind_int64(s, 5, (int64_t)e->rdev);
  sqlite3_bind_int64(s, 6, e->nlink);
  sqlite3_bind_int64(s, 7, e->atime);
  sqlite3_bind_int64(s, 8, e->mtime);
  sqlite3_bind_int64(s, 9, e->ctime);
  sqlite3_bind_int64(s, 10, e->size);
  sqlite3_bind_int64(s, 11, e->has_data);
  int ret = step_done(s);
  if (ret == 0)
    ecache_put(fs, e); /* the upsert keeps xattrs_own: e came from get_ent or is new (0) */
  else
    ecache_drop(fs, e->ino);
  return ret;
}

static int ent_stat(struct lp_unionfs *fs, const struct ent *e, struct stat *st)
{
  memset(st, 0, sizeof *st);
  st->st_ino = e->ino;
  st->st_mode = e->mode;
  st->st_uid = e->uid;
  st->st_gid = e->gid;
  st->st_rdev = e->rdev;
  st->st_nlink = (nlink_t)e->nlink;
  st->st_size = e->size;
  st->st_atim = ns_ts(e->atime);
  st->st_mtim = ns_ts(e->mtime);
  st->st_ctim = ns_ts(e->ctime);
  st->st_blksize = 4096;
  st->st_blocks = (e->size + 511) / 512;
  if (e->has_data && !e->data_fresh)
    {
      char name[32];
      struct stat d;
      data_name(e->ino, name);
      if (fstatat(fs->data_fd, name, &d, AT_SYMLINK_NOFOLLOW) < 0)
        return -errno;
      st->st_size = d.st_size;
      st->st_blocks = d.st_blocks;
      st->st_atim = d.st_atim;
      st->st_mtim = d.st_mtim;
      if (ts_ns(d.st_ctim) > e->ctime)
        st->st_ctim = d.st_ctim;
    }
  return 0;
}

static int stat_ino(struct lp_unionfs *fs, uint64_t ino, struct stat *st)
{
  struct ent e;
  int ret = get_ent(fs, ino, &e);
  return ret < 0 ? ret : ent_stat(fs, &e, st);
}

/* The rows of an inode no name and no kernel reference points to any more
 * (the caller commits, then removes the data file: a crash in between
 * leaves only an unreferenced data file). Only a directory has dirents. */
static int purge_rows(struct lp_unionfs *fs, const struct ent *e)
{
  ecache_drop(fs, e->ino);
  sqlite3_stmt *s = Q(fs, Q_DEL_INODE);
  sqlite3_bind_int64(s, 1, (int64_t)e->ino);
  int ret = step_done(s);
  if (ret == 0 && S_ISDIR(e->mode))
    {
      s = Q(fs, Q_DIRENT_DEL_ALL);
      sqlite3_bind_int64(s, 1, (int64_t)e->ino);
      ret = step_done(s);
    }
  return ret;
}

static void purge_data(struct lp_unionfs *fs, uint64_t ino)
{
  char name[32];
  data_name(ino, name);
  if (unlinkat(fs->data_fd, name, 0) < 0 && errno != ENOENT)
    lp_warn("unionfs: remove data of inode %" PRIu64 ": %s", ino, strerror(errno));
}

/* Purge every inode of inos[] that is dead (no name, no kernel reference),
 * in one transaction. Lock held, no transaction open. */
static void purge_dead(struct lp_unionfs *fs, const uint64_t *inos, size_t n)
{
  uint64_t *gone = NULL;
  size_t ngone = 0;
  int in_tx = 0, ret = 0;
  for (size_t i = 0; i < n && ret == 0; i++)
    {
      struct ent e;
      if (nl_get(fs, inos[i]) != 0 || get_ent(fs, inos[i], &e) < 0 || e.nlink > 0)
        continue;
      if (!in_tx && (ret = tx_begin(fs)) < 0)
        break;
      in_tx = 1;
      ret = purge_rows(fs, &e);
      if (ret == 0 && e.has_data)
        {
          gone = xreallocarray(gone, ngone + 1, sizeof *gone);
          gone[ngone++] = e.ino;
        }
    }
  if (in_tx && tx_end(fs, ret) == 0)
    for (size_t i = 0; i < ngone; i++)
      purge_data(fs, gone[i]);
  free(gone);
}

static void maybe_purge(struct lp_unionfs *fs, uint64_t ino)
{
  purge_dead(fs, &ino, 1);
}

/* ---- names --------------------------------------------------------------- */

/* Upper entry: 1 found (*ino 0 = whiteout), 0 none. */
static int upper_dirent(struct lp_unionfs *fs, uint64_t dir, const char *name, uint64_t *ino)
{
  if (!set_has(&fs->dirs, dir))
    return 0;
  sqlite3_stmt *s = Q(fs, Q_DIRENT_GET);
  sqlite3_bind_int64(s, 1, (int64_t)dir);
  sqlite3_bind_blob(s, 2, name, (int)strlen(name), SQLITE_STATIC);
  int found = 0;
  if (sqlite3_step(s) == SQLITE_ROW)
    {
      *ino = (uint64_t)sqlite3_column_int64(s, 0);
      found = 1;
    }
  sqlite3_reset(s);
  return found;
}

static int lower_has(struct lp_unionfs *fs, uint64_t dir, const char *name, struct lp_lower_node *n)
{
  int64_t lid = lower_of(fs, dir);
  struct lp_lower_node tmp;
  return lid && lp_lower_lookup(fs->lower, lid, name, strlen(name), n ? n : &tmp) == 0;
}

/* The merged view: 0 and *ino, or -ENOENT. */
static int resolve(struct lp_unionfs *fs, uint64_t dir, const char *name, uint64_t *ino)
{
  uint64_t u;
  if (upper_dirent(fs, dir, name, &u))
    {
      if (!u)
        return -ENOENT;
      *ino = u;
      return 0;
    }
  struct lp_lower_node n;
  if (lower_has(fs, dir, name, &n))
    {
      *ino = ino_of_lower(fs, n.canon);
      return 0;
    }
  return -ENOENT;
}

/* resolve() and the inode's attributes in one go: a name found in the lower
 * already gave its node, so that is not read twice. *in_lower: whether the
 * lower has the name (1, 0, or -1 if not looked at). */
static int resolve_ent(struct lp_unionfs *fs, uint64_t dir, const char *name, struct ent *e, int *in_lower)
{
  uint64_t u;
  *in_lower = -1;
  if (upper_dirent(fs, dir, name, &u))
    {
      if (!u)
        {
          *in_lower = 1; /* a whiteout is only made over a lower name */
          return -ENOENT;
        }
      return get_ent(fs, u, e);
    }
  struct lp_lower_node n;
  *in_lower = lower_has(fs, dir, name, &n);
  if (!*in_lower)
    return -ENOENT;
  uint64_t ino = ino_of_lower(fs, n.canon);
  int rc = 0;
  if (may_have_row(fs, ino))
    rc = get_ent_row(fs, ino, e);
  else
    {
      memset(e, 0, sizeof *e);
      e->ino = ino;
    }
  if (rc == 0)
    ent_from_lower(e, &n);
  return rc < 0 ? rc : 0;
}

/* A directory's entries change: an earlier listing's end no longer holds. */
static void dcache_changed(struct lp_unionfs *fs, uint64_t dir)
{
  struct dcache_slot *slot = &fs->dcache[(dir * 0x9E3779B97F4A7C15ULL) >> (64 - DCACHE_BITS)];
  if (slot->ino == dir)
    slot->end = 0;
}

static int add_name(struct lp_unionfs *fs, uint64_t dir, const char *name, uint64_t ino, mode_t mode)
{
  set_add(&fs->dirs, dir);
  dcache_changed(fs, dir);
  sqlite3_stmt *s = Q(fs, Q_DIRENT_PUT);
  sqlite3_bind_int64(s, 1, (int64_t)dir);
  sqlite3_bind_blob(s, 2, name, (int)strlen(name), SQLITE_STATIC);
  sqlite3_bind_int64(s, 3, (int64_t)ino);
  sqlite3_bind_int64(s, 4, mode & S_IFMT);
  return step_done(s);
}

/* Hide a name: a whiteout row if the lower has it, else no row. in_lower:
 * whether it does, if known, else -1. */
static int remove_name(struct lp_unionfs *fs, uint64_t dir, const char *name, int in_lower)
{
  dcache_changed(fs, dir);
  if (in_lower < 0)
    in_lower = lower_has(fs, dir, name, NULL);
  if (in_lower)
    return add_name(fs, dir, name, 0, 0);
  sqlite3_stmt *s = Q(fs, Q_DIRENT_DEL);
  sqlite3_bind_int64(s, 1, (int64_t)dir);
  sqlite3_bind_blob(s, 2, name, (int)strlen(name), SQLITE_STATIC);
  return step_done(s);
}

/* Change a directory's link count and times after an entry change (e is
 * its current attributes, updated here). */
static int touch_dir_ent(struct lp_unionfs *fs, struct ent *e, int nlink_delta)
{
  e->nlink += nlink_delta;
  e->mtime = e->ctime = now_ns();
  return put_ent(fs, e);
}

static int touch_dir(struct lp_unionfs *fs, uint64_t dir, int nlink_delta)
{
  struct ent e;
  int ret = get_ent(fs, dir, &e);
  return ret < 0 ? ret : touch_dir_ent(fs, &e, nlink_delta);
}

static void dlist_add(struct dlist *d, const char *name, size_t len, uint64_t ino, mode_t type)
{
  if (d->n == d->cap)
    {
      d->cap = d->cap ? d->cap * 2 : 16;
      d->v = xreallocarray(d->v, d->cap, sizeof *d->v);
    }
  d->v[d->n].name = xstrndup(name, len);
  d->v[d->n].ino = ino;
  d->v[d->n].type = type & S_IFMT;
  d->v[d->n].has_lower = 0;
  d->n++;
}

static void dlist_free(struct dlist *d)
{
  for (size_t i = 0; i < d->n; i++)
    free(d->v[i].name);
  free(d->v);
  free(d);
}

struct lower_walk
{
  struct lp_unionfs *fs;
  uint64_t dir;
  int has_upper;
  struct dlist *out; /* NULL: just test for a visible entry */
};

static int lower_child(void *ctx, const char *name, size_t len, const struct lp_lower_node *n)
{
  struct lower_walk *w = ctx;
  if (len == 0 || memchr(name, 0, len) || memchr(name, '/', len) || (len == 1 && name[0] == '.')
      || (len == 2 && name[0] == '.' && name[1] == '.'))
    return 0; /* not a name the kernel can ask for */
  if (w->has_upper)
    {
      char *z = xstrndup(name, len);
      uint64_t u;
      int shadowed = upper_dirent(w->fs, w->dir, z, &u);
      free(z);
      if (shadowed)
        return 0; /* whited out, or listed from the upper */
    }
  if (!w->out)
    return 1;
  dlist_add(w->out, name, len, ino_of_lower(w->fs, n->canon), n->mode);
  struct dlist_entry *de = &w->out->v[w->out->n - 1];
  de->has_lower = 1;
  de->l = (struct lattr){ .size = n->size, .mtime_ns = n->mtime_ns, .rdev = n->rdev, .mode = n->mode,
                          .uid = n->uid, .gid = n->gid, .nlink = n->nlink > 0 ? (uint32_t)n->nlink : 1 };
  return 0;
}

static int dir_has_upper(struct lp_unionfs *fs, uint64_t dir)
{
  if (!set_has(&fs->dirs, dir))
    return 0;
  sqlite3_stmt *s = Q(fs, Q_DIRENT_ANY);
  sqlite3_bind_int64(s, 1, (int64_t)dir);
  int any = sqlite3_step(s) == SQLITE_ROW;
  sqlite3_reset(s);
  return any;
}

/* The merged listing (out != NULL), or whether the directory is empty
 * (returns 1 if any entry). */
static int list_dir(struct lp_unionfs *fs, uint64_t dir, struct dlist *out)
{
  int has_upper = dir_has_upper(fs, dir);
  if (has_upper)
    {
      sqlite3_stmt *s = Q(fs, Q_DIRENT_LIST);
      sqlite3_bind_int64(s, 1, (int64_t)dir);
      while (sqlite3_step(s) == SQLITE_ROW)
        {
          uint64_t ino = (uint64_t)sqlite3_column_int64(s, 1);
          if (!ino)
            continue;
          if (!out)
            {
              sqlite3_reset(s);
              return 1;
            }
          dlist_add(out, sqlite3_column_blob(s, 0), (size_t)sqlite3_column_bytes(s, 0), ino,
                    (mode_t)sqlite3_column_int64(s, 2));
        }
      sqlite3_reset(s);
    }
  int64_t lid = lower_of(fs, dir);
  if (!lid)
    return 0;
  struct lower_walk w = { fs, dir, has_upper, out };
  int r = lp_lower_readdir(fs->lower, lid, lower_child, &w);
  return r > 0 ? 1 : 0;
}

/* Whether a directory has no entry (rmdir, rename over it). A whiteout is
 * only ever written over a name the lower has, one row per name, so a
 * directory with no upper entry but whiteouts, as many as its lower rows,
 * is empty without walking the lower listing (an rm -rf of a lower tree
 * did one upper query per lower name of each directory). */
static int dir_is_empty(struct lp_unionfs *fs, uint64_t dir)
{
  int64_t lid = lower_of(fs, dir), nlower = 0;
  if (lid && set_has(&fs->dirs, dir) && lp_lower_count_children(fs->lower, lid, &nlower) == 0)
    {
      sqlite3_stmt *s = Q(fs, Q_DIRENT_COUNTS);
      sqlite3_bind_int64(s, 1, (int64_t)dir);
      int64_t rows = -1, whiteouts = -1;
      if (sqlite3_step(s) == SQLITE_ROW)
        {
          rows = sqlite3_column_int64(s, 0);
          whiteouts = sqlite3_column_int64(s, 1);
        }
      sqlite3_reset(s);
      if (rows >= 0 && rows > whiteouts)
        return 0; /* a name in the upper */
      if (rows >= 0 && whiteouts == nlower)
        return 1;
    }
  return !list_dir(fs, dir, NULL);
}

/* ---- copy-up ------------------------------------------------------------- */

static int copy_fd(int in, int out)
{
  if (ioctl(out, FICLONE, in) == 0)
    return 0;
  for (;;)
    {
      ssize_t n = copy_file_range(in, NULL, out, NULL, 1 << 30, 0);
      if (n == 0)
        return 0;
      if (n > 0)
        continue;
      if (errno == EINTR)
        continue;
      if (errno != EXDEV && errno != EINVAL && errno != EOPNOTSUPP && errno != ENOSYS)
        return -errno;
      break;
    }
  char buf[65536];
  for (;;)
    {
      ssize_t n = read(in, buf, sizeof buf);
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        return -errno;
      if (n == 0)
        return 0;
      if (lp_write_all(out, buf, (size_t)n) < 0)
        return -errno;
    }
}

/* Give a regular file its own data file, filled from the lower unless
 * empty_only. The lower object is only read. Lock held. */
static int copy_up(struct lp_unionfs *fs, struct ent *e, int empty_only)
{
  if (e->has_data)
    return 0;
  char name[32], tmp[40];
  data_name(e->ino, name);
  snprintf(tmp, sizeof tmp, "%s.tmp", name);
  int out = openat(fs->data_fd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (out < 0)
    return -errno;
  int ret = 0;
  int64_t lid = lower_of(fs, e->ino);
  if (lid && !empty_only)
    {
      int in = -1;
      void *data = NULL;
      size_t len = 0;
      ret = lp_lower_open_data(fs->lower, lid, &in, &data, &len);
      if (ret == 0 && in >= 0)
        ret = copy_fd(in, out);
      else if (ret == 0 && len && lp_write_all(out, data, len) < 0)
        ret = -errno;
      if (in >= 0)
        close(in);
      free(data);
    }
  struct timespec ts[2] = { ns_ts(e->atime), ns_ts(e->mtime) };
  if (ret == 0 && futimens(out, ts) < 0)
    ret = -errno;
  if (close(out) < 0 && ret == 0)
    ret = -errno;
  if (ret == 0 && renameat(fs->data_fd, tmp, fs->data_fd, name) < 0)
    ret = -errno;
  if (ret < 0)
    {
      unlinkat(fs->data_fd, tmp, 0);
      return ret;
    }
  e->has_data = 1;
  return put_ent(fs, e);
}

static int open_data(struct lp_unionfs *fs, uint64_t ino, int flags)
{
  char name[32];
  data_name(ino, name);
  flags &= O_ACCMODE | O_APPEND | O_SYNC | O_DSYNC | O_NOATIME | O_DIRECT;
  if (fs->writeback)
    {
      /* The kernel reads partial pages through write-only handles and
       * does O_APPEND itself. */
      if ((flags & O_ACCMODE) == O_WRONLY)
        flags = (flags & ~O_ACCMODE) | O_RDWR;
      flags &= ~O_APPEND;
    }
  int fd = openat(fs->data_fd, name, flags | O_CLOEXEC | O_NOFOLLOW);
  return fd < 0 ? -errno : fd;
}

/* ---- operations ------------------------------------------------------------ */

/* Reply to an entry request for e (or with ret < 0), and unlock. */
static void entry_reply_ent(fuse_req_t req, struct lp_unionfs *fs, const struct ent *e, int ret,
                            struct fuse_file_info *fi)
{
  struct fuse_entry_param ep;
  memset(&ep, 0, sizeof ep);
  uint64_t ino = e ? e->ino : 0;
  if (ret == 0)
    ret = ent_stat(fs, e, &ep.attr);
  if (ret < 0)
    {
      pthread_mutex_unlock(&fs->lock);
      fuse_reply_err(req, -ret);
      return;
    }
  ep.ino = ino;
  ep.attr_timeout = ep.entry_timeout = TIMEOUT;
  nl_inc(fs, ino);
  pthread_mutex_unlock(&fs->lock);
  if (fi)
    {
      if (fuse_reply_create(req, &ep, fi) == -ENOENT)
        {
          /* The open was interrupted: the kernel will not release it. */
          struct handle *h = (struct handle *)(uintptr_t)fi->fh;
          close(h->fd);
          free(h);
        }
    }
  else
    fuse_reply_entry(req, &ep);
}

static void entry_reply(fuse_req_t req, struct lp_unionfs *fs, uint64_t ino, int ret, struct fuse_file_info *fi)
{
  struct ent e;
  if (ret == 0)
    ret = get_ent(fs, ino, &e);
  entry_reply_ent(req, fs, ret == 0 ? &e : NULL, ret, fi);
}

static void op_lookup(fuse_req_t req, fuse_ino_t parent, const char *name)
{
  struct lp_unionfs *fs = FS(req);
  struct ent e;
  int in_lower;
  pthread_mutex_lock(&fs->lock);
  int ret = resolve_ent(fs, parent, name, &e, &in_lower);
  if (ret == -ENOENT)
    {
      pthread_mutex_unlock(&fs->lock);
      struct fuse_entry_param ep;
      memset(&ep, 0, sizeof ep);
      ep.entry_timeout = TIMEOUT; /* negative entry: creations come through the kernel */
      fuse_reply_entry(req, &ep);
      return;
    }
  entry_reply_ent(req, fs, ret == 0 ? &e : NULL, ret, NULL);
}

/* The inodes the kernel forgot that may now be purged go in one
 * transaction (an rm -rf sends its forgets in batches). */
static void op_forget_multi(fuse_req_t req, size_t count, struct fuse_forget_data *forgets)
{
  struct lp_unionfs *fs = FS(req);
  uint64_t one = 0, *unref = count > 1 ? xreallocarray(NULL, count, sizeof *unref) : &one;
  size_t n = 0;
  pthread_mutex_lock(&fs->lock);
  for (size_t i = 0; i < count; i++)
    if (nl_dec(fs, forgets[i].ino, forgets[i].nlookup) == 0)
      unref[n++] = forgets[i].ino;
  purge_dead(fs, unref, n);
  pthread_mutex_unlock(&fs->lock);
  if (unref != &one)
    free(unref);
  fuse_reply_none(req);
}

static void op_forget(fuse_req_t req, fuse_ino_t ino, uint64_t nlookup)
{
  struct fuse_forget_data f = { .ino = ino, .nlookup = nlookup };
  op_forget_multi(req, 1, &f);
}

static void op_getattr(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
  struct lp_unionfs *fs = FS(req);
  struct stat st;
  pthread_mutex_lock(&fs->lock);
  int ret = stat_ino(fs, ino, &st);
  pthread_mutex_unlock(&fs->lock);
  if (ret < 0)
    fuse_reply_err(req, -ret);
  else
    fuse_reply_attr(req, &st, TIMEOUT);
}

static void op_setattr(fuse_req_t req, fuse_ino_t ino, struct stat *attr, int to_set, struct fuse_file_info *fi)
{
  struct lp_unionfs *fs = FS(req);
  struct ent e;
  char name[32];
  data_name(ino, name);
  pthread_mutex_lock(&fs->lock);
  int ret = get_ent(fs, ino, &e);
  if (ret < 0)
    goto out;
  if (to_set & FUSE_SET_ATTR_SIZE)
    {
      if (!S_ISREG(e.mode))
        {
          ret = S_ISDIR(e.mode) ? -EISDIR : -EINVAL;
          goto out;
        }
      if (!e.has_data && (ret = copy_up(fs, &e, attr->st_size == 0)) < 0)
        goto out;
      struct handle *h = fi ? (struct handle *)(uintptr_t)fi->fh : NULL;
      if (h && h->fd >= 0 && !__atomic_load_n(&h->lazy, __ATOMIC_ACQUIRE))
        ret = ftruncate(h->fd, attr->st_size);
      else
        {
          int fd = openat(fs->data_fd, name, O_WRONLY | O_CLOEXEC | O_NOFOLLOW);
          ret = fd < 0 ? -1 : ftruncate(fd, attr->st_size);
          if (fd >= 0)
            close(fd);
        }
      if (ret < 0)
        {
          ret = -errno;
          goto out;
        }
    }
  if (to_set & FUSE_SET_ATTR_MODE)
    e.mode = (e.mode & S_IFMT) | (attr->st_mode & 07777);
  if (to_set & FUSE_SET_ATTR_UID)
    e.uid = attr->st_uid;
  if (to_set & FUSE_SET_ATTR_GID)
    e.gid = attr->st_gid;
  int64_t now = now_ns();
  if (to_set & (FUSE_SET_ATTR_ATIME | FUSE_SET_ATTR_MTIME | FUSE_SET_ATTR_ATIME_NOW | FUSE_SET_ATTR_MTIME_NOW))
    {
      struct timespec ts[2] = { { .tv_nsec = UTIME_OMIT }, { .tv_nsec = UTIME_OMIT } };
      if (to_set & FUSE_SET_ATTR_ATIME_NOW)
        ts[0] = ns_ts(now);
      else if (to_set & FUSE_SET_ATTR_ATIME)
        ts[0] = attr->st_atim;
      if (to_set & FUSE_SET_ATTR_MTIME_NOW)
        ts[1] = ns_ts(now);
      else if (to_set & FUSE_SET_ATTR_MTIME)
        ts[1] = attr->st_mtim;
      if (ts[0].tv_nsec != UTIME_OMIT)
        e.atime = ts_ns(ts[0]);
      if (ts[1].tv_nsec != UTIME_OMIT)
        e.mtime = ts_ns(ts[1]);
      if (e.has_data && utimensat(fs->data_fd, name, ts, AT_SYMLINK_NOFOLLOW) < 0)
        {
          ret = -errno;
          goto out;
        }
    }
  /* A file with a data file presents that file's size, atime, mtime and
   * (when later) ctime, which ftruncate and utimensat have just set: the row
   * changes only with the mode or the owner. This spares a commit per file
   * written through the writeback cache (the kernel sends its mtime at
   * write-back). */
  if (!e.has_data || (to_set & (FUSE_SET_ATTR_MODE | FUSE_SET_ATTR_UID | FUSE_SET_ATTR_GID)))
    {
      e.ctime = now;
      ret = put_ent(fs, &e);
    }
out:;
  struct stat st;
  if (ret == 0)
    ret = ent_stat(fs, &e, &st);
  pthread_mutex_unlock(&fs->lock);
  if (ret < 0)
    fuse_reply_err(req, -ret);
  else
    fuse_reply_attr(req, &st, TIMEOUT);
}

static void op_readlink(fuse_req_t req, fuse_ino_t ino)
{
  struct lp_unionfs *fs = FS(req);
  char *target = NULL;
  size_t len = 0;
  int ret = -EINVAL;
  pthread_mutex_lock(&fs->lock);
  if (may_have_row(fs, ino))
    {
      sqlite3_stmt *s = Q(fs, Q_GET_LINK);
      sqlite3_bind_int64(s, 1, (int64_t)ino);
      if (sqlite3_step(s) == SQLITE_ROW)
        {
          target = xstrndup(sqlite3_column_blob(s, 0), (size_t)sqlite3_column_bytes(s, 0));
          ret = 0;
        }
      sqlite3_reset(s);
    }
  if (!target && lower_of(fs, ino))
    ret = lp_lower_readlink(fs->lower, lower_of(fs, ino), &target, &len);
  pthread_mutex_unlock(&fs->lock);
  if (ret < 0)
    fuse_reply_err(req, -ret);
  else
    fuse_reply_readlink(req, target);
  free(target);
}

/* Make a new inode named `name` in parent; *out gets its attributes. For
 * regular files, *fd gets an O_RDWR fd on its (new, empty) data file. */
static int new_node(fuse_req_t req, uint64_t parent, const char *name, mode_t mode, dev_t rdev, const char *link,
                    struct ent *out, int *fd)
{
  struct lp_unionfs *fs = FS(req);
  const struct fuse_ctx *ctx = fuse_req_ctx(req);
  uint64_t ino;
  if (resolve(fs, parent, name, &ino) == 0)
    return -EEXIST;
  struct ent p;
  int ret = get_ent(fs, parent, &p);
  if (ret < 0)
    return ret;
  struct ent e;
  memset(&e, 0, sizeof e);
  e.ino = ino = fs->next_ino;
  e.mode = mode;
  e.uid = ctx->uid;
  e.gid = ctx->gid;
  if (p.mode & S_ISGID)
    {
      e.gid = p.gid;
      if (S_ISDIR(mode))
        e.mode |= S_ISGID;
    }
  e.rdev = rdev;
  e.nlink = S_ISDIR(mode) ? 2 : 1;
  e.atime = e.mtime = e.ctime = now_ns();
  e.size = link ? (int64_t)strlen(link) : 0;
  if (S_ISDIR(mode))
    e.size = 4096;
  if (S_ISREG(mode))
    {
      char dn[32];
      data_name(ino, dn);
      *fd = openat(fs->data_fd, dn, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
      if (*fd < 0)
        return -errno;
      e.has_data = 1;
      struct timespec ts[2] = { ns_ts(e.atime), ns_ts(e.mtime) };
      futimens(*fd, ts);
    }
  if ((ret = tx_begin(fs)) < 0)
    goto fail;
  sqlite3_stmt *s;
  uint64_t limit = fs->ino_limit;
  if (ino >= limit)
    {
      limit = ino + INO_BLOCK;
      s = Q(fs, Q_SET_NEXT);
      sqlite3_bind_int64(s, 1, (int64_t)limit);
      ret = step_done(s);
    }
  if (ret == 0)
    ret = put_ent(fs, &e);
  if (ret == 0 && link)
    {
      s = Q(fs, Q_SET_LINK);
      sqlite3_bind_int64(s, 1, (int64_t)ino);
      sqlite3_bind_blob(s, 2, link, (int)strlen(link), SQLITE_STATIC);
      ret = step_done(s);
    }
  if (ret == 0)
    ret = add_name(fs, parent, name, ino, mode);
  if (ret == 0)
    ret = touch_dir_ent(fs, &p, S_ISDIR(mode) ? 1 : 0);
  if ((ret = tx_end(fs, ret)) < 0)
    goto fail;
  fs->next_ino = ino + 1;
  fs->ino_limit = limit;
  e.data_fresh = e.has_data; /* the reply needs no fstat of the data file */
  *out = e;
  return 0;
fail:
  if (S_ISREG(mode))
    {
      char dn[32];
      data_name(ino, dn);
      close(*fd);
      *fd = -1;
      unlinkat(fs->data_fd, dn, 0);
    }
  return ret;
}

static void make_node(fuse_req_t req, fuse_ino_t parent, const char *name, mode_t mode, dev_t rdev, const char *link)
{
  struct lp_unionfs *fs = FS(req);
  struct ent e;
  int fd = -1;
  pthread_mutex_lock(&fs->lock);
  int ret = new_node(req, parent, name, mode, rdev, link, &e, &fd);
  if (fd >= 0)
    close(fd);
  entry_reply_ent(req, fs, ret == 0 ? &e : NULL, ret, NULL);
}

static void op_mknod(fuse_req_t req, fuse_ino_t parent, const char *name, mode_t mode, dev_t rdev)
{
  if ((S_ISCHR(mode) || S_ISBLK(mode)) && fuse_req_ctx(req)->uid != 0)
    {
      fuse_reply_err(req, EPERM);
      return;
    }
  if (!S_ISCHR(mode) && !S_ISBLK(mode) && !S_ISFIFO(mode) && !S_ISSOCK(mode) && !S_ISREG(mode))
    {
      fuse_reply_err(req, EINVAL);
      return;
    }
  make_node(req, parent, name, mode, S_ISCHR(mode) || S_ISBLK(mode) ? rdev : 0, NULL);
}

static void op_mkdir(fuse_req_t req, fuse_ino_t parent, const char *name, mode_t mode)
{
  make_node(req, parent, name, S_IFDIR | (mode & 07777), 0, NULL);
}

static void op_symlink(fuse_req_t req, const char *link, fuse_ino_t parent, const char *name)
{
  make_node(req, parent, name, S_IFLNK | 0777, 0, link);
}

/* Drop one name's reference to ino (lock held, in a transaction). */
static int drop_link(struct lp_unionfs *fs, struct ent *e)
{
  if (S_ISDIR(e->mode))
    {
      sqlite3_stmt *s = Q(fs, Q_DIRENT_DEL_ALL); /* its whiteouts */
      sqlite3_bind_int64(s, 1, (int64_t)e->ino);
      int ret = step_done(s);
      if (ret < 0)
        return ret;
      e->nlink = 0;
    }
  else
    e->nlink--;
  e->ctime = now_ns();
  return put_ent(fs, e);
}

static void remove_entry(fuse_req_t req, fuse_ino_t parent, const char *name, int dir)
{
  struct lp_unionfs *fs = FS(req);
  uint64_t ino;
  struct ent e;
  int dead = 0, in_lower;
  pthread_mutex_lock(&fs->lock);
  int ret = resolve_ent(fs, parent, name, &e, &in_lower);
  ino = ret == 0 ? e.ino : 0;
  if (ret == 0 && dir && !S_ISDIR(e.mode))
    ret = -ENOTDIR;
  if (ret == 0 && !dir && S_ISDIR(e.mode))
    ret = -EISDIR;
  if (ret == 0 && dir && !dir_is_empty(fs, ino))
    ret = -ENOTEMPTY;
  if (ret == 0 && (ret = tx_begin(fs)) == 0)
    {
      ret = remove_name(fs, parent, name, in_lower);
      if (ret == 0)
        ret = drop_link(fs, &e);
      if (ret == 0)
        ret = touch_dir(fs, parent, dir ? -1 : 0);
      dead = ret == 0 && e.nlink <= 0 && nl_get(fs, ino) == 0;
      if (dead)
        ret = purge_rows(fs, &e);
      ret = tx_end(fs, ret);
    }
  if (ret == 0 && dead && e.has_data)
    purge_data(fs, ino);
  pthread_mutex_unlock(&fs->lock);
  fuse_reply_err(req, -ret);
}

static void op_unlink(fuse_req_t req, fuse_ino_t parent, const char *name)
{
  remove_entry(req, parent, name, 0);
}

static void op_rmdir(fuse_req_t req, fuse_ino_t parent, const char *name)
{
  remove_entry(req, parent, name, 1);
}

static void op_rename(fuse_req_t req, fuse_ino_t parent, const char *name, fuse_ino_t newparent, const char *newname,
                      unsigned int flags)
{
  struct lp_unionfs *fs = FS(req);
  uint64_t src, dst = 0;
  struct ent se, de;
  int have_dst;
  if (flags & ~(RENAME_NOREPLACE | RENAME_EXCHANGE))
    {
      fuse_reply_err(req, EINVAL);
      return;
    }
  pthread_mutex_lock(&fs->lock);
  int ret = resolve(fs, parent, name, &src);
  if (ret == 0)
    ret = get_ent(fs, src, &se);
  have_dst = ret == 0 && resolve(fs, newparent, newname, &dst) == 0;
  if (ret < 0)
    goto out;
  if (have_dst && (ret = get_ent(fs, dst, &de)) < 0)
    goto out;
  if ((flags & RENAME_NOREPLACE) && have_dst)
    {
      ret = -EEXIST;
      goto out;
    }
  if ((flags & RENAME_EXCHANGE) && !have_dst)
    {
      ret = -ENOENT;
      goto out;
    }
  if (have_dst && src == dst)
    goto out; /* two names of one file: nothing to do */
  if (have_dst && !(flags & RENAME_EXCHANGE))
    {
      if (S_ISDIR(se.mode) && !S_ISDIR(de.mode))
        ret = -ENOTDIR;
      else if (!S_ISDIR(se.mode) && S_ISDIR(de.mode))
        ret = -EISDIR;
      else if (S_ISDIR(de.mode) && !dir_is_empty(fs, dst))
        ret = -ENOTEMPTY;
      if (ret < 0)
        goto out;
    }
  if ((ret = tx_begin(fs)) < 0)
    goto out;
  int dirmove = parent != newparent;
  if (flags & RENAME_EXCHANGE)
    {
      ret = add_name(fs, parent, name, dst, de.mode);
      if (ret == 0)
        ret = add_name(fs, newparent, newname, src, se.mode);
      int d = (S_ISDIR(se.mode) ? 1 : 0) - (S_ISDIR(de.mode) ? 1 : 0);
      if (ret == 0)
        ret = touch_dir(fs, parent, dirmove ? -d : 0);
      if (ret == 0 && dirmove)
        ret = touch_dir(fs, newparent, d);
    }
  else
    {
      int sd = S_ISDIR(se.mode) ? 1 : 0;
      int newdelta = dirmove ? sd : 0;
      if (have_dst)
        {
          ret = drop_link(fs, &de);
          if (S_ISDIR(de.mode))
            newdelta--;
        }
      if (ret == 0)
        ret = add_name(fs, newparent, newname, src, se.mode);
      if (ret == 0)
        ret = remove_name(fs, parent, name, -1);
      if (ret == 0)
        ret = touch_dir(fs, parent, dirmove ? -sd : 0);
      if (ret == 0 && dirmove)
        ret = touch_dir(fs, newparent, newdelta);
      else if (ret == 0 && newdelta)
        ret = touch_dir(fs, newparent, newdelta);
    }
  if (ret == 0)
    {
      se.ctime = now_ns();
      ret = put_ent(fs, &se);
    }
  ret = tx_end(fs, ret);
  if (ret == 0 && have_dst && !(flags & RENAME_EXCHANGE))
    maybe_purge(fs, dst);
out:
  pthread_mutex_unlock(&fs->lock);
  fuse_reply_err(req, -ret);
}

static void op_link(fuse_req_t req, fuse_ino_t ino, fuse_ino_t newparent, const char *newname)
{
  struct lp_unionfs *fs = FS(req);
  struct ent e;
  uint64_t x;
  pthread_mutex_lock(&fs->lock);
  int ret = get_ent(fs, ino, &e);
  if (ret == 0 && resolve(fs, newparent, newname, &x) == 0)
    ret = -EEXIST;
  if (ret == 0 && (ret = tx_begin(fs)) == 0)
    {
      e.nlink++;
      e.ctime = now_ns();
      ret = put_ent(fs, &e);
      if (ret == 0)
        ret = add_name(fs, newparent, newname, ino, e.mode);
      if (ret == 0)
        ret = touch_dir(fs, newparent, 0);
      ret = tx_end(fs, ret);
    }
  entry_reply(req, fs, ino, ret, NULL);
}

static void op_open(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
  struct lp_unionfs *fs = FS(req);
  struct ent e;
  struct handle *h = xzalloc(sizeof *h);
  h->fd = -1;
  pthread_mutex_lock(&fs->lock);
  int ret = get_ent(fs, ino, &e);
  int wr = (fi->flags & O_ACCMODE) != O_RDONLY || (fi->flags & O_TRUNC);
  if (ret == 0 && !S_ISREG(e.mode))
    ret = S_ISDIR(e.mode) ? -EISDIR : -EINVAL;
  h->old_fd = -1;
  if (ret == 0 && !e.has_data && (fi->flags & O_TRUNC))
    ret = copy_up(fs, &e, 1);
  else if (ret == 0 && !e.has_data && wr)
    {
      h->lazy = 1;
      h->flags = fi->flags;
    }
  if (ret == 0 && e.has_data)
    {
      int fd = open_data(fs, ino, fi->flags);
      if (fd < 0)
        ret = fd;
      h->fd = fd;
    }
  else if (ret == 0)
    {
      void *data = NULL;
      ret = lp_lower_open_data(fs->lower, lower_of(fs, ino), &h->fd, &data, &h->len);
      h->data = data;
    }
  pthread_mutex_unlock(&fs->lock);
  if (ret < 0)
    {
      free(h->data);
      free(h);
      fuse_reply_err(req, -ret);
      return;
    }
  fi->fh = (uintptr_t)h;
  fi->keep_cache = 1;
  if (fuse_reply_open(req, fi) == -ENOENT)
    {
      if (h->fd >= 0)
        close(h->fd);
      free(h->data);
      free(h);
    }
}

static void op_create(fuse_req_t req, fuse_ino_t parent, const char *name, mode_t mode, struct fuse_file_info *fi)
{
  struct lp_unionfs *fs = FS(req);
  struct ent e;
  int fd = -1;
  pthread_mutex_lock(&fs->lock);
  int ret = new_node(req, parent, name, S_IFREG | (mode & 07777), 0, NULL, &e, &fd);
  /* new_node's fd is O_RDWR: the kernel only sends what the caller's
   * access mode allows, so it serves any handle; the flags that must be on
   * the open file are set with F_SETFL, but for O_SYNC and O_DSYNC, which
   * need a new open (F_SETFL ignores them). */
  int fl = fi->flags & (O_APPEND | O_NOATIME | O_DIRECT);
  if (fs->writeback)
    fl &= ~O_APPEND; /* the kernel does O_APPEND itself */
  if (ret == 0 && (fi->flags & (O_SYNC | O_DSYNC)))
    {
      close(fd);
      fd = open_data(fs, e.ino, fi->flags);
      if (fd < 0)
        ret = fd;
    }
  else if (ret == 0 && fl && fcntl(fd, F_SETFL, fl) < 0)
    {
      ret = -errno;
      close(fd);
    }
  if (ret == 0)
    {
      struct handle *h = xzalloc(sizeof *h);
      h->fd = fd;
      h->old_fd = -1;
      fi->fh = (uintptr_t)h;
      fi->keep_cache = 1;
    }
  entry_reply_ent(req, fs, ret == 0 ? &e : NULL, ret, ret == 0 ? fi : NULL);
}

static struct handle *H(struct fuse_file_info *fi)
{
  return (struct handle *)(uintptr_t)fi->fh;
}

/* Before the first write through a handle on a lower file: copy up and
 * switch the handle to the data file. */
static int make_writable(struct lp_unionfs *fs, fuse_ino_t ino, struct handle *h)
{
  if (!__atomic_load_n(&h->lazy, __ATOMIC_ACQUIRE))
    return 0;
  int ret = 0;
  pthread_mutex_lock(&fs->lock);
  if (h->lazy)
    {
      struct ent e;
      ret = get_ent(fs, ino, &e);
      if (ret == 0)
        ret = copy_up(fs, &e, 0);
      int fd = ret == 0 ? open_data(fs, ino, h->flags) : -1;
      if (ret == 0 && fd < 0)
        ret = fd;
      if (ret == 0)
        {
          h->old_fd = h->fd; /* a concurrent read may still use it */
          h->fd = fd;
          __atomic_store_n(&h->lazy, 0, __ATOMIC_RELEASE);
        }
    }
  pthread_mutex_unlock(&fs->lock);
  return ret;
}

static void op_read(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off, struct fuse_file_info *fi)
{
  struct handle *h = H(fi);
  if (h->fd < 0)
    {
      /* Reply from a copy: once the kernel has the reply it may release the
       * handle at once, on another thread, before writev() has returned
       * here (sanitizers check the iovec after the call). Inline files are
       * small. */
      size_t n = (size_t)off >= h->len ? 0 : size < h->len - (size_t)off ? size : h->len - (size_t)off;
      char *copy = n ? xmalloc(n) : NULL;
      if (n)
        memcpy(copy, h->data + off, n);
      fuse_reply_buf(req, copy, n);
      free(copy);
      return;
    }
  struct fuse_bufvec buf = FUSE_BUFVEC_INIT(size);
  buf.buf[0].flags = FUSE_BUF_IS_FD | FUSE_BUF_FD_SEEK;
  buf.buf[0].fd = h->fd;
  buf.buf[0].pos = off;
  fuse_reply_data(req, &buf, FUSE_BUF_SPLICE_MOVE);
}

static void op_write_buf(fuse_req_t req, fuse_ino_t ino, struct fuse_bufvec *in, off_t off,
                         struct fuse_file_info *fi)
{
  struct handle *h = H(fi);
  int ret = make_writable(FS(req), ino, h);
  if (ret < 0 || h->fd < 0)
    {
      fuse_reply_err(req, ret < 0 ? -ret : EBADF);
      return;
    }
  struct fuse_bufvec out = FUSE_BUFVEC_INIT(fuse_buf_size(in));
  out.buf[0].flags = FUSE_BUF_IS_FD | FUSE_BUF_FD_SEEK;
  out.buf[0].fd = h->fd;
  out.buf[0].pos = off;
  ssize_t n = fuse_buf_copy(&out, in, 0);
  if (n < 0)
    fuse_reply_err(req, (int)-n);
  else
    fuse_reply_write(req, (size_t)n);
}

static void op_release(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
  struct handle *h = H(fi);
  if (h->fd >= 0)
    close(h->fd);
  if (h->old_fd >= 0)
    close(h->old_fd);
  free(h->data);
  free(h);
  fuse_reply_err(req, 0);
}

/* A full disk must not keep the container from deleting files to free it:
 * an unlink's commit appends a few pages to the WAL. So the WAL always has
 * blocks allocated (beyond its end, so SQLite does not see them) for
 * WAL_RESERVE_PAGES frames past the last one written: wal_hook extends the
 * reservation as the WAL grows between checkpoints, and when the disk has
 * no room left for it, checkpoints so that the WAL starts over in the
 * blocks it has. Best effort. */
#define WAL_RESERVE_PAGES 256
#define WAL_LIMIT (32 << 20) /* journal_size_limit below: a WAL is shrunk to this after a checkpoint */
#define WAL_FRAME (4096 + 24) /* pages of up to 4 KiB and the frame header */

/* Allocate the WAL's blocks for `frames` frames (and its header). 0, or -1 if
 * the disk is full. Lock held. */
static int wal_reserve(struct lp_unionfs *fs, int frames)
{
  if (fs->wal_fd < 0 && fs->wal_path)
    fs->wal_fd = open(fs->wal_path, O_RDWR | O_CLOEXEC | O_NOFOLLOW);
  if (fs->wal_fd < 0)
    return 0; /* no WAL file yet: SQLite makes it at the first commit */
  if (fallocate(fs->wal_fd, FALLOC_FL_KEEP_SIZE, 0, (off_t)(frames + 8) * WAL_FRAME) < 0)
    {
      lp_debug("unionfs: reserve space for the WAL: %s", strerror(errno));
      return errno == ENOSPC ? -1 : 0;
    }
  fs->wal_reserved = frames;
  return 0;
}

/* Checkpoint meta.db's WAL (synchronous = NORMAL: the WAL is synced first,
 * the database after). Lock held. */
static int checkpoint(struct lp_unionfs *fs)
{
  int nlog = 0, ndone = 0;
  int rc = sqlite3_wal_checkpoint_v2(fs->db, NULL, SQLITE_CHECKPOINT_PASSIVE, &nlog, &ndone);
  if (rc == SQLITE_OK && ndone >= nlog)
    fs->wal_frames = 0;
  /* A WAL shrunk to WAL_LIMIT lost the blocks reserved past it. */
  if (fs->wal_reserved > WAL_LIMIT / WAL_FRAME - 8)
    fs->wal_reserved = WAL_LIMIT / WAL_FRAME - 8;
  return rc;
}

/* Make the committed rows durable too: the WAL is only synced at checkpoints
 * (synchronous = NORMAL), and a new data file's name lives in data/. */
static int sync_meta(struct lp_unionfs *fs)
{
  pthread_mutex_lock(&fs->lock);
  int rc = checkpoint(fs);
  pthread_mutex_unlock(&fs->lock);
  if (rc != SQLITE_OK && rc != SQLITE_BUSY)
    return EIO;
  return fsync(fs->data_fd) < 0 ? errno : 0;
}

static struct timespec ts_add_ms(struct timespec t, long ms)
{
  t.tv_nsec += ms * 1000000;
  t.tv_sec += t.tv_nsec / 1000000000;
  t.tv_nsec %= 1000000000;
  return t;
}

static int ts_before(struct timespec a, struct timespec b)
{
  return a.tv_sec < b.tv_sec || (a.tv_sec == b.tv_sec && a.tv_nsec < b.tv_nsec);
}

/* The housekeeper: a second thread that only ever runs with fs->lock held,
 * for two jobs that must not wait for a request, nor make one wait.
 * - It ends the lower's held read transaction SNAPSHOT_MS after it opened
 *   (lp_lower_hold_snapshots: 3 system calls fewer per store.db query,
 *   about a fifth of the server's CPU time in a cold tar of /usr), so
 *   store.db's WAL is never pinned longer, busy or idle.
 * - It checkpoints meta.db's WAL when the server is idle. SQLite's own
 *   autocheckpoint ran inside a commit every 1,000 frames (about 300
 *   creates), and its two fsyncs made the average create's commit cost
 *   43-90 us instead of 11 us (5,000 shell creates: 3.4-4.6 s against
 *   0.30-0.49 s on a busy host). Past CKPT_MAX frames it checkpoints even
 *   if busy: a WAL allowed to grow to 64 MiB was no faster (the page cache
 *   it needs costs too). Durability is unchanged: a commit never
 *   synced the WAL (synchronous = NORMAL), fsync and fsyncdir checkpoint. */
static void *housekeeper(void *arg)
{
  struct lp_unionfs *fs = arg;
  pthread_mutex_lock(&fs->lock);
  while (!fs->hk_quit)
    {
      struct timespec now, since, wake = { 0, 0 };
      int timed = 0;
      clock_gettime(CLOCK_MONOTONIC, &now);
      if (fs->lower && lp_lower_snapshot_since(fs->lower, &since))
        {
          struct timespec end = ts_add_ms(since, SNAPSHOT_MS);
          if (!ts_before(now, end))
            lp_lower_release(fs->lower);
          else
            wake = end, timed = 1;
        }
      if (fs->wal_frames >= CKPT_MIN)
        {
          struct timespec idle = ts_add_ms(fs->last_commit, CKPT_IDLE_MS);
          if (!ts_before(now, idle) || fs->wal_frames >= CKPT_MAX)
            {
              checkpoint(fs);
              fs->wal_frames = 0; /* the next commit tells how many are left */
              continue;
            }
          if (!timed || ts_before(idle, wake))
            wake = idle, timed = 1;
        }
      if (timed)
        pthread_cond_timedwait(&fs->hk_cv, &fs->lock, &wake);
      else
        pthread_cond_wait(&fs->hk_cv, &fs->lock);
    }
  if (fs->lower)
    lp_lower_release(fs->lower);
  pthread_mutex_unlock(&fs->lock);
  return NULL;
}

static void snapshot_opened(void *ctx)
{
  struct lp_unionfs *fs = ctx;
  pthread_cond_signal(&fs->hk_cv);
}

/* After each commit, with the lock held (see housekeeper). */
static int wal_hook(void *ctx, sqlite3 *db, const char *name, int nframes)
{
  struct lp_unionfs *fs = ctx;
  int before = fs->wal_frames;
  fs->wal_frames = nframes;
  clock_gettime(CLOCK_MONOTONIC, &fs->last_commit);
  if (nframes + WAL_RESERVE_PAGES > fs->wal_reserved && wal_reserve(fs, nframes + 2 * WAL_RESERVE_PAGES) < 0)
    {
      checkpoint(fs); /* the disk is full: the next commit starts the WAL over in its reserved blocks */
      return SQLITE_OK;
    }
  if (nframes < CKPT_MIN)
    return SQLITE_OK;
  if (!fs->hk_running)
    checkpoint(fs); /* no housekeeper (yet): as SQLite's autocheckpoint does */
  else if ((before < CKPT_MIN) || (before < CKPT_MAX && nframes >= CKPT_MAX))
    /* Only when crossing a mark: once waiting for the server to be idle,
     * the housekeeper wakes at the deadline and reads last_commit again.
     * A signal per commit cost two thread switches per create. */
    pthread_cond_signal(&fs->hk_cv);
  return SQLITE_OK;
}

static void housekeeper_start(struct lp_unionfs *fs)
{
  pthread_condattr_t ca;
  pthread_condattr_init(&ca);
  pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
  pthread_cond_init(&fs->hk_cv, &ca);
  pthread_condattr_destroy(&ca);
  if (pthread_create(&fs->hk, NULL, housekeeper, fs) != 0)
    {
      pthread_cond_destroy(&fs->hk_cv);
      return; /* reads then run on their own and commits checkpoint, as without the thread */
    }
  pthread_mutex_lock(&fs->lock);
  fs->hk_running = 1;
  if (fs->lower)
    lp_lower_hold_snapshots(fs->lower, snapshot_opened, fs);
  pthread_mutex_unlock(&fs->lock);
}

static void housekeeper_stop(struct lp_unionfs *fs)
{
  if (!fs->hk_running)
    return;
  pthread_mutex_lock(&fs->lock);
  fs->hk_quit = 1;
  pthread_cond_signal(&fs->hk_cv);
  pthread_mutex_unlock(&fs->lock);
  pthread_join(fs->hk, NULL);
  pthread_mutex_lock(&fs->lock);
  fs->hk_running = 0;
  pthread_mutex_unlock(&fs->lock);
  pthread_cond_destroy(&fs->hk_cv);
}

static void op_fsync(fuse_req_t req, fuse_ino_t ino, int datasync, struct fuse_file_info *fi)
{
  struct handle *h = H(fi);
  int ret = 0;
  if (h->fd >= 0 && (datasync ? fdatasync(h->fd) : fsync(h->fd)) < 0)
    ret = errno;
  if (ret == 0)
    ret = sync_meta(FS(req));
  fuse_reply_err(req, ret);
}

/* Directories are never opened on our side: opendir answers ENOSYS, so the
 * kernel stops sending opendir and releasedir (two round trips per directory
 * per open) and caches every directory's listing itself (FOPEN_CACHE_DIR is
 * its default then). readdir comes with no handle: offsets are positions in
 * the merged listing, which is built at offset 0 and kept in a small cache
 * slot until the end of the listing is sent (or the slot is needed for
 * another directory, which then only costs a rebuild). */
static void op_opendir(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
  fuse_reply_err(req, ENOSYS);
}

/* The listing of dir for a readdir at off (lock held); NULL if dir vanished. */
static struct dlist *dcache_get(struct lp_unionfs *fs, uint64_t dir, off_t off, int *ret)
{
  struct dcache_slot *slot = &fs->dcache[(dir * 0x9E3779B97F4A7C15ULL) >> (64 - DCACHE_BITS)];
  *ret = 0;
  if (slot->d && slot->ino == dir && off != 0)
    return slot->d;
  struct ent e;
  if ((*ret = get_ent(fs, dir, &e)) < 0)
    return NULL;
  if (!S_ISDIR(e.mode))
    {
      *ret = -ENOTDIR;
      return NULL;
    }
  struct dlist *d = xzalloc(sizeof *d);
  list_dir(fs, dir, d);
  if (slot->d)
    dlist_free(slot->d);
  slot->ino = dir;
  slot->d = d;
  slot->end = 0;
  return d;
}

/* Whether a readdir at off only asks for the end of a listing all sent
 * (the kernel reads until an empty reply): answered without listing the
 * directory again. */
static int dcache_at_end(struct lp_unionfs *fs, uint64_t dir, off_t off)
{
  struct dcache_slot *slot = &fs->dcache[(dir * 0x9E3779B97F4A7C15ULL) >> (64 - DCACHE_BITS)];
  return !slot->d && slot->end && slot->ino == dir && off >= slot->end;
}

/* The attributes of a listed entry: a lower node with no upper row is
 * presented from what the listing read, without asking either database. */
static int stat_entry(struct lp_unionfs *fs, const struct dlist_entry *de, struct stat *st)
{
  if (!de->has_lower || may_have_row(fs, de->ino))
    return stat_ino(fs, de->ino, st);
  struct ent e;
  memset(&e, 0, sizeof e);
  e.ino = de->ino;
  struct lp_lower_node n = { .mode = de->l.mode, .uid = de->l.uid, .gid = de->l.gid, .size = de->l.size,
                             .mtime_ns = de->l.mtime_ns, .rdev = de->l.rdev, .nlink = de->l.nlink };
  ent_from_lower(&e, &n);
  return ent_stat(fs, &e, st);
}

static void dcache_drop(struct lp_unionfs *fs, uint64_t dir)
{
  struct dcache_slot *slot = &fs->dcache[(dir * 0x9E3779B97F4A7C15ULL) >> (64 - DCACHE_BITS)];
  if (slot->d && slot->ino == dir)
    {
      slot->end = (off_t)slot->d->n + 2;
      dlist_free(slot->d);
      slot->d = NULL;
    }
}

static void do_readdir(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off, struct fuse_file_info *fi, int plus)
{
  struct lp_unionfs *fs = FS(req);
  char *buf = xmalloc(size);
  size_t used = 0;
  int ret;
  pthread_mutex_lock(&fs->lock);
  if (dcache_at_end(fs, ino, off))
    {
      pthread_mutex_unlock(&fs->lock);
      free(buf);
      fuse_reply_buf(req, NULL, 0);
      return;
    }
  struct dlist *d = dcache_get(fs, ino, off, &ret);
  if (!d)
    {
      pthread_mutex_unlock(&fs->lock);
      free(buf);
      fuse_reply_err(req, -ret);
      return;
    }
  /* Offsets: 1 = ".", 2 = "..", 3 + i = entry i. */
  size_t i;
  for (i = (size_t)off; i < d->n + 2; i++)
    {
      const char *name = i == 0 ? "." : i == 1 ? ".." : d->v[i - 2].name;
      uint64_t eino = i == 0 ? ino : i == 1 ? FUSE_ROOT_ID : d->v[i - 2].ino; /* ".." needs some nonzero number */
      size_t n;
      if (!plus)
        {
          struct stat st = { .st_ino = eino, .st_mode = i < 2 ? S_IFDIR : d->v[i - 2].type };
          n = fuse_add_direntry(req, buf + used, size - used, name, &st, (off_t)i + 1);
        }
      else
        {
          struct fuse_entry_param ep;
          memset(&ep, 0, sizeof ep);
          if (i < 2)
            {
              ep.attr.st_ino = eino;
              ep.attr.st_mode = S_IFDIR;
            }
          else if (stat_entry(fs, &d->v[i - 2], &ep.attr) == 0)
            {
              ep.ino = eino;
              ep.attr_timeout = ep.entry_timeout = TIMEOUT;
            }
          else
            continue; /* vanished since the listing was made */
          n = fuse_add_direntry_plus(req, buf + used, size - used, name, &ep, (off_t)i + 1);
          if (n <= size - used && ep.ino)
            nl_inc(fs, eino);
        }
      if (n > size - used)
        break;
      used += n;
    }
  if (i >= d->n + 2)
    dcache_drop(fs, ino); /* the kernel has it all now */
  pthread_mutex_unlock(&fs->lock);
  fuse_reply_buf(req, buf, used);
  free(buf);
}

static void op_readdir(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off, struct fuse_file_info *fi)
{
  do_readdir(req, ino, size, off, fi, 0);
}

static void op_readdirplus(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off, struct fuse_file_info *fi)
{
  do_readdir(req, ino, size, off, fi, 1);
}

static void op_fsyncdir(fuse_req_t req, fuse_ino_t ino, int datasync, struct fuse_file_info *fi)
{
  fuse_reply_err(req, sync_meta(FS(req)));
}

static void op_statfs(fuse_req_t req, fuse_ino_t ino)
{
  struct lp_unionfs *fs = FS(req);
  struct statvfs sv;
  if (fstatvfs(fs->upper_fd, &sv) < 0)
    {
      fuse_reply_err(req, errno);
      return;
    }
  sv.f_namemax = 255;
  fuse_reply_statfs(req, &sv);
}

/* ---- xattrs: blobs of (u32 name_len, name, u32 value_len, value) ---------- */

struct xattr
{
  char *name;
  void *value;
  uint32_t vlen;
};

static uint32_t get_u32(const unsigned char *p)
{
  return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void put_u32(struct strbuf *sb, uint32_t v)
{
  unsigned char b[4] = { v & 0xff, (v >> 8) & 0xff, (v >> 16) & 0xff, (v >> 24) & 0xff };
  strbuf_add(sb, b, 4);
}

static size_t xattrs_parse(const unsigned char *p, size_t len, struct xattr **out)
{
  size_t n = 0, off = 0;
  struct xattr *v = NULL;
  while (off + 4 <= len)
    {
      uint32_t nl = get_u32(p + off);
      if (nl > len - off - 4 || len - off - 4 - nl < 4)
        break;
      const unsigned char *name = p + off + 4;
      uint32_t vl = get_u32(name + nl);
      if (vl > len - off - 8 - nl)
        break;
      v = xreallocarray(v, n + 1, sizeof *v);
      v[n].name = xstrndup((const char *)name, nl);
      v[n].vlen = vl;
      v[n].value = xmalloc(vl ? vl : 1);
      memcpy(v[n].value, name + nl + 4, vl);
      n++;
      off += 8 + nl + vl;
    }
  *out = v;
  return n;
}

static void xattrs_free(struct xattr *v, size_t n)
{
  for (size_t i = 0; i < n; i++)
    {
      free(v[i].name);
      free(v[i].value);
    }
  free(v);
}

static int xattrs_load(struct lp_unionfs *fs, uint64_t ino, struct xattr **out, size_t *n)
{
  struct ent e;
  int ret = get_ent(fs, ino, &e);
  if (ret < 0)
    return ret;
  sqlite3_stmt *s = Q(fs, Q_GET_XATTRS);
  sqlite3_bind_int64(s, 1, (int64_t)ino);
  if (e.xattrs_own && sqlite3_step(s) == SQLITE_ROW)
    {
      *n = xattrs_parse(sqlite3_column_blob(s, 0), (size_t)sqlite3_column_bytes(s, 0), out);
      sqlite3_reset(s);
      return 0;
    }
  sqlite3_reset(s);
  *out = NULL;
  *n = 0;
  int64_t lid = lower_of(fs, ino);
  if (!lid)
    return 0;
  void *blob = NULL;
  size_t len = 0;
  ret = lp_lower_xattrs(fs->lower, lid, &blob, &len);
  if (ret == 0 && blob)
    *n = xattrs_parse(blob, len, out);
  free(blob);
  return ret;
}

static int xattrs_store(struct lp_unionfs *fs, uint64_t ino, struct xattr *v, size_t n)
{
  struct ent e;
  int ret = get_ent(fs, ino, &e);
  if (ret < 0)
    return ret;
  struct strbuf sb = STRBUF_INIT;
  for (size_t i = 0; i < n; i++)
    {
      if (!v[i].name)
        continue;
      put_u32(&sb, (uint32_t)strlen(v[i].name));
      strbuf_adds(&sb, v[i].name);
      put_u32(&sb, v[i].vlen);
      strbuf_add(&sb, v[i].value, v[i].vlen);
    }
  e.ctime = now_ns();
  e.xattrs_own = 1; /* what the row says once Q_SET_XATTRS is done (the cache is cleared if not) */
  if ((ret = tx_begin(fs)) == 0)
    {
      ret = put_ent(fs, &e);
      if (ret == 0)
        {
          sqlite3_stmt *s = Q(fs, Q_SET_XATTRS);
          sqlite3_bind_int64(s, 1, (int64_t)ino);
          sqlite3_bind_blob(s, 2, sb.buf, (int)sb.len, SQLITE_STATIC);
          ret = step_done(s);
        }
      ret = tx_end(fs, ret);
    }
  strbuf_release(&sb);
  return ret;
}

static void op_setxattr(fuse_req_t req, fuse_ino_t ino, const char *name, const char *value, size_t size,
                        int flags)
{
  struct lp_unionfs *fs = FS(req);
  struct xattr *v;
  size_t n;
  pthread_mutex_lock(&fs->lock);
  int ret = xattrs_load(fs, ino, &v, &n);
  if (ret == 0)
    {
      size_t i;
      for (i = 0; i < n && strcmp(v[i].name, name) != 0; i++)
        ;
      if (i < n && (flags & XATTR_CREATE))
        ret = -EEXIST;
      else if (i == n && (flags & XATTR_REPLACE))
        ret = -ENODATA;
      else
        {
          if (i == n)
            {
              v = xreallocarray(v, n + 1, sizeof *v);
              v[n].name = xstrdup(name);
              v[n].value = NULL;
              n++;
            }
          free(v[i].value);
          v[i].value = xmalloc(size ? size : 1);
          memcpy(v[i].value, value, size);
          v[i].vlen = (uint32_t)size;
          ret = xattrs_store(fs, ino, v, n);
        }
      xattrs_free(v, n);
    }
  pthread_mutex_unlock(&fs->lock);
  fuse_reply_err(req, -ret);
}

static void op_getxattr(fuse_req_t req, fuse_ino_t ino, const char *name, size_t size)
{
  struct lp_unionfs *fs = FS(req);
  struct xattr *v;
  size_t n;
  pthread_mutex_lock(&fs->lock);
  int ret = xattrs_load(fs, ino, &v, &n);
  pthread_mutex_unlock(&fs->lock);
  if (ret < 0)
    {
      fuse_reply_err(req, -ret);
      return;
    }
  size_t i;
  for (i = 0; i < n && strcmp(v[i].name, name) != 0; i++)
    ;
  if (i == n)
    fuse_reply_err(req, ENODATA);
  else if (size == 0)
    fuse_reply_xattr(req, v[i].vlen);
  else if (size < v[i].vlen)
    fuse_reply_err(req, ERANGE);
  else
    fuse_reply_buf(req, v[i].value, v[i].vlen);
  xattrs_free(v, n);
}

static void op_listxattr(fuse_req_t req, fuse_ino_t ino, size_t size)
{
  struct lp_unionfs *fs = FS(req);
  struct xattr *v;
  size_t n;
  pthread_mutex_lock(&fs->lock);
  int ret = xattrs_load(fs, ino, &v, &n);
  pthread_mutex_unlock(&fs->lock);
  if (ret < 0)
    {
      fuse_reply_err(req, -ret);
      return;
    }
  struct strbuf sb = STRBUF_INIT;
  for (size_t i = 0; i < n; i++)
    strbuf_add(&sb, v[i].name, strlen(v[i].name) + 1);
  if (size == 0)
    fuse_reply_xattr(req, sb.len);
  else if (size < sb.len)
    fuse_reply_err(req, ERANGE);
  else
    fuse_reply_buf(req, sb.buf, sb.len);
  strbuf_release(&sb);
  xattrs_free(v, n);
}

static void op_removexattr(fuse_req_t req, fuse_ino_t ino, const char *name)
{
  struct lp_unionfs *fs = FS(req);
  struct xattr *v;
  size_t n;
  pthread_mutex_lock(&fs->lock);
  int ret = xattrs_load(fs, ino, &v, &n);
  if (ret == 0)
    {
      size_t i;
      for (i = 0; i < n && strcmp(v[i].name, name) != 0; i++)
        ;
      if (i == n)
        ret = -ENODATA;
      else
        {
          free(v[i].name);
          v[i].name = NULL;
          ret = xattrs_store(fs, ino, v, n);
        }
      xattrs_free(v, n);
    }
  pthread_mutex_unlock(&fs->lock);
  fuse_reply_err(req, -ret);
}

static void op_fallocate(fuse_req_t req, fuse_ino_t ino, int mode, off_t off, off_t len, struct fuse_file_info *fi)
{
  struct handle *h = H(fi);
  int ret = make_writable(FS(req), ino, h);
  if (ret < 0 || h->fd < 0)
    fuse_reply_err(req, ret < 0 ? -ret : EBADF);
  else
    fuse_reply_err(req, fallocate(h->fd, mode, off, len) < 0 ? errno : 0);
}

static void op_lseek(fuse_req_t req, fuse_ino_t ino, off_t off, int whence, struct fuse_file_info *fi)
{
  struct handle *h = H(fi);
  if (h->fd < 0)
    {
      if (off >= (off_t)h->len)
        fuse_reply_err(req, ENXIO);
      else
        fuse_reply_lseek(req, whence == SEEK_DATA ? off : (off_t)h->len);
      return;
    }
  off_t r = lseek(h->fd, off, whence);
  if (r < 0)
    fuse_reply_err(req, errno);
  else
    fuse_reply_lseek(req, r);
}

static void op_copy_file_range(fuse_req_t req, fuse_ino_t ino_in, off_t off_in, struct fuse_file_info *fi_in,
                               fuse_ino_t ino_out, off_t off_out, struct fuse_file_info *fi_out, size_t len,
                               int flags)
{
  struct handle *in = H(fi_in), *out = H(fi_out);
  int ret = make_writable(FS(req), ino_out, out);
  if (ret < 0)
    {
      fuse_reply_err(req, -ret);
      return;
    }
  if (in->fd < 0 || out->fd < 0)
    {
      fuse_reply_err(req, in->fd < 0 ? EXDEV : EBADF); /* the kernel falls back to read/write */
      return;
    }
  ssize_t n = copy_file_range(in->fd, &off_in, out->fd, &off_out, len, (unsigned)flags);
  if (n < 0)
    fuse_reply_err(req, errno);
  else
    fuse_reply_write(req, (size_t)n);
}

static void op_init(void *userdata, struct fuse_conn_info *conn)
{
  struct lp_unionfs *fs = userdata;
  /* No writeback cache. With it every write(2) is followed at write-back
   * by a SETATTR carrying the kernel's mtime, and every unlink, link and
   * rename of a file by one carrying its ctime; a file's data went through
   * two page caches, and close waits for the write-back anyway. Measured
   * in one run on one thread (3 reps, medians, seconds): write256 0.240 ->
   * 0.172, rm-tree2k 0.159 -> 0.117; 32 MiB in 4 KiB writes about the same
   * (0.06-0.13 -> 0.09-0.14: a round trip on one thread is ~12 us). The
   * code below still handles fs->writeback should it come back. */
  conn->want &= ~(unsigned)FUSE_CAP_WRITEBACK_CACHE;
  fs->writeback = 0;
  conn->want |= conn->capable & (FUSE_CAP_SPLICE_WRITE | FUSE_CAP_SPLICE_MOVE | FUSE_CAP_SPLICE_READ);
  conn->want &= ~(unsigned)FUSE_CAP_HANDLE_KILLPRIV; /* the kernel clears set-id bits itself */
  /* A symlink's target never changes: a new one is a new inode. */
  conn->want |= conn->capable & FUSE_CAP_CACHE_SYMLINKS;
  conn->max_write = 1 << 20;
  conn->time_gran = 1;
}

static const struct fuse_lowlevel_ops ops = {
  .init = op_init,
  .lookup = op_lookup,
  .forget = op_forget,
  .forget_multi = op_forget_multi,
  .getattr = op_getattr,
  .setattr = op_setattr,
  .readlink = op_readlink,
  .mknod = op_mknod,
  .mkdir = op_mkdir,
  .unlink = op_unlink,
  .rmdir = op_rmdir,
  .symlink = op_symlink,
  .rename = op_rename,
  .link = op_link,
  .open = op_open,
  .create = op_create,
  .read = op_read,
  .write_buf = op_write_buf,
  /* No flush: libfuse answers ENOSYS and the kernel stops sending it (two
   * round trips per file created by a shell redirection). With the
   * writeback cache the kernel still writes the dirty pages back at close
   * and reports their errors. */
  .release = op_release,
  .fsync = op_fsync,
  .opendir = op_opendir,
  .readdir = op_readdir,
  .readdirplus = op_readdirplus,
  .fsyncdir = op_fsyncdir,
  .statfs = op_statfs,
  .setxattr = op_setxattr,
  .getxattr = op_getxattr,
  .listxattr = op_listxattr,
  .removexattr = op_removexattr,
  .fallocate = op_fallocate,
  .lseek = op_lseek,
  .copy_file_range = op_copy_file_range,
};

/* ---- setup ------------------------------------------------------------------ */

static int open_upper(struct lp_unionfs *fs, const char *dir, lp_error_t *err)
{
  if (lp_mkdir_p_at(AT_FDCWD, dir, 0700, err) < 0)
    return lp_error_wrap(err, "upper");
  fs->upper_fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fs->upper_fd < 0)
    return lp_error(err, errno, "open upper `%s`", dir);
  if (mkdirat(fs->upper_fd, "data", 0700) < 0 && errno != EEXIST)
    return lp_error(err, errno, "create `%s/data`", dir);
  fs->data_fd = openat(fs->upper_fd, "data", O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
  if (fs->data_fd < 0)
    return lp_error(err, errno, "open `%s/data`", dir);
  cleanup_free char *dbpath = xasprintf("%s/meta.db", dir);
  int rc = sqlite3_open_v2(dbpath, &fs->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL);
  char *msg = NULL;
  if (rc == SQLITE_OK)
    {
      sqlite3_busy_timeout(fs->db, 10000);
      rc = sqlite3_exec(fs->db, schema, NULL, NULL, &msg);
    }
  if (rc != SQLITE_OK)
    {
      lp_error(err, 0, "upper metadata `%s`: %s", dbpath, msg ? msg : sqlite3_errstr(rc));
      sqlite3_free(msg);
      return -1;
    }
  fs->wal_path = xasprintf("%s-wal", dbpath);
  wal_reserve(fs, WAL_RESERVE_PAGES);
  for (int i = 0; i < Q_COUNT; i++)
    if (sqlite3_prepare_v3(fs->db, qsql[i], -1, SQLITE_PREPARE_PERSISTENT, &fs->q[i], NULL) != SQLITE_OK)
      return lp_error(err, 0, "upper metadata `%s`: %s", dbpath, sqlite3_errmsg(fs->db));
  sqlite3_wal_hook(fs->db, wal_hook, fs); /* replaces SQLite's autocheckpoint (see housekeeper) */
  sqlite3_stmt *s = NULL;
  fs->next_ino = UPPER_BASE;
  if (sqlite3_prepare_v2(fs->db, "SELECT value FROM meta WHERE key = 'next_ino'", -1, &s, NULL) == SQLITE_OK
      && sqlite3_step(s) == SQLITE_ROW)
    fs->next_ino = (uint64_t)sqlite3_column_int64(s, 0);
  fs->ino_limit = fs->next_ino;
  sqlite3_finalize(s);
  /* What the upper already holds (see struct lp_unionfs). */
  static const char *const members[] = { "SELECT ino FROM inodes WHERE ino < ?1", "SELECT DISTINCT parent FROM dirents" };
  for (int i = 0; i < 2; i++)
    {
      if (sqlite3_prepare_v2(fs->db, members[i], -1, &s, NULL) != SQLITE_OK)
        return lp_error(err, 0, "upper metadata `%s`: %s", dbpath, sqlite3_errmsg(fs->db));
      sqlite3_bind_int64(s, 1, (int64_t)UPPER_BASE);
      int rc2;
      while ((rc2 = sqlite3_step(s)) == SQLITE_ROW)
        set_add(i == 0 ? &fs->rows : &fs->dirs, (uint64_t)sqlite3_column_int64(s, 0));
      sqlite3_finalize(s);
      if (rc2 != SQLITE_DONE)
        return lp_error(err, 0, "upper metadata `%s`: %s", dbpath, sqlite3_errstr(rc2));
    }
  /* Inodes unlinked while open when the last server stopped. */
  if (sqlite3_prepare_v2(fs->db, "SELECT ino FROM inodes WHERE nlink <= 0", -1, &s, NULL) == SQLITE_OK)
    {
      uint64_t *dead = NULL;
      size_t n = 0;
      while (sqlite3_step(s) == SQLITE_ROW)
        {
          dead = xreallocarray(dead, n + 1, sizeof *dead);
          dead[n++] = (uint64_t)sqlite3_column_int64(s, 0);
        }
      sqlite3_finalize(s);
      purge_dead(fs, dead, n);
      free(dead);
    }
  return 0;
}

static void fs_free(struct lp_unionfs *fs)
{
  if (fs->se)
    {
      if (fs->mounted)
        fuse_session_unmount(fs->se);
      fuse_session_destroy(fs->se);
    }
  for (int i = 0; i < Q_COUNT; i++)
    sqlite3_finalize(fs->q[i]);
  if (fs->db)
    sqlite3_close(fs->db);
  lp_lower_close(fs->lower);
  if (fs->upper_fd >= 0)
    close(fs->upper_fd);
  if (fs->data_fd >= 0)
    close(fs->data_fd);
  if (fs->wal_fd >= 0)
    close(fs->wal_fd);
  free(fs->wal_path);
  if (fs->nl)
    {
      for (size_t i = 0; i < NL_BUCKETS; i++)
        while (fs->nl[i])
          {
            struct nl_entry *e = fs->nl[i];
            fs->nl[i] = e->next;
            free(e);
          }
      free(fs->nl);
    }
  if (fs->dcache)
    {
      for (size_t i = 0; i < 1u << DCACHE_BITS; i++)
        if (fs->dcache[i].d)
          dlist_free(fs->dcache[i].d);
      free(fs->dcache);
    }
  free(fs->rows.v);
  free(fs->dirs.v);
  free(fs->ecache);
  pthread_mutex_destroy(&fs->lock);
  free(fs->mountpoint);
  free(fs);
}

int lp_unionfs_mount(const struct lp_unionfs_config *cfg, struct lp_unionfs **out, lp_error_t *err)
{
  /* libfuse mounts nosuid,nodev unless told otherwise. */
  cleanup_free char *opts = xasprintf("fsname=lilipod,subtype=lilipod,default_permissions,suid,dev%s",
                                      geteuid() == 0 ? ",allow_other" : "");
  struct lp_unionfs *fs = xzalloc(sizeof *fs);
  fs->upper_fd = fs->data_fd = fs->wal_fd = -1;
  pthread_mutex_init(&fs->lock, NULL);
  fs->nl = xcalloc(NL_BUCKETS, sizeof *fs->nl);
  fs->dcache = xcalloc(1u << DCACHE_BITS, sizeof *fs->dcache);
  fs->ecache = xcalloc(1u << ECACHE_BITS, sizeof *fs->ecache);
  fs->lower_root = cfg->lower_root;
  fs->mountpoint = xstrdup(cfg->mountpoint);
  if (cfg->lower_root)
    {
      struct lp_lower_node root;
      if (!cfg->store_home)
        {
          lp_error(err, EINVAL, "lower tree %" PRId64 " given without a store", cfg->lower_root);
          goto fail;
        }
      if (lp_lower_open(cfg->store_home, &fs->lower, err) < 0)
        goto fail;
      int r = lp_lower_get(fs->lower, cfg->lower_root, &root);
      if (r < 0 || !S_ISDIR(root.mode))
        {
          lp_error(err, r < 0 ? -r : ENOTDIR, "lower root %" PRId64 " in `%s`", cfg->lower_root, cfg->store_home);
          goto fail;
        }
    }
  if (open_upper(fs, cfg->upper_dir, err) < 0)
    goto fail;

  char *argv[] = { "lilipod", "-o", opts, cfg->debug ? "-d" : NULL, NULL };
  struct fuse_args args = FUSE_ARGS_INIT(cfg->debug ? 4 : 3, argv);
  fs->se = fuse_session_new(&args, &ops, sizeof ops, fs);
  fuse_opt_free_args(&args);
  if (!fs->se)
    {
      lp_error(err, 0, "create FUSE session");
      goto fail;
    }
  if (fuse_session_mount(fs->se, cfg->mountpoint) != 0)
    {
      lp_error(err, 0, "mount the union filesystem on `%s` (see the message above)", cfg->mountpoint);
      goto fail;
    }
  fs->mounted = 1;
  *out = fs;
  return 0;
fail:
  fs_free(fs);
  return -1;
}

/* The lower's reads share one read transaction (3 system calls fewer per
 * query: about a fifth of the server's CPU time in a cold tar of /usr),
 * which this thread ends SNAPSHOT_MS after it opened: store.db's WAL is
 * never pinned for longer, busy or idle. It only ever runs with fs->lock. */
int lp_unionfs_serve(struct lp_unionfs *fs, lp_error_t *err)
{
  /* One thread. Measured on a 2-core VM (bench/fuse.sh, same run): libfuse's
   * multithreaded loop hands consecutive requests of one client to different
   * idle workers in turn (the kernel wakes the longest-waiting reader), so
   * every round trip is a cross-CPU wakeup: 5,000 shell creates took 2.6 s
   * and 1.7-2.0 s of server CPU, against 1.7 s and 1.35 s on one thread;
   * rm -rf of 2,000 files 0.35 s against 0.13 s; a 256 MiB write was not
   * slower (0.28 s against 0.23 s: the kernel already queues write-back in
   * 1 MiB requests) and peak memory fell from 23 MiB to 14 MiB (each worker
   * keeps a max_write-sized buffer). fuse-overlayfs serves on one thread too. */
  housekeeper_start(fs);
  int ret = fuse_session_loop(fs->se);
  housekeeper_stop(fs);
  if (ret != 0 && ret != -EINTR && !fuse_session_exited(fs->se))
    return lp_error(err, ret < 0 ? -ret : 0, "serve `%s`", fs->mountpoint);
  return 0;
}

void lp_unionfs_exit(struct lp_unionfs *fs)
{
  fuse_session_exit(fs->se);
}

void lp_unionfs_unmount_and_free(struct lp_unionfs *fs)
{
  if (fs)
    fs_free(fs);
}
