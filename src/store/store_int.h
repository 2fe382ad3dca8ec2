/*
 * store_int: what the store's files share and nobody else needs.
 *
 * struct lp_store is one SQLite connection plus directory fds of the home.
 * lp_db_stmt() returns a cached prepared statement, reset and unbound, keyed
 * by its SQL text (statements are static strings, so the cache is small and
 * lives as long as the connection).
 */
#ifndef LILIPOD_STORE_INT_H
#define LILIPOD_STORE_INT_H

#include <sqlite3.h>
#include <stdint.h>

#include "store/store.h"
#include "util/strbuf.h"

struct lp_stmt_cache
{
  const char *sql;
  sqlite3_stmt *st;
};

struct lp_store
{
  char *home;
  int dirfd;     /* $home */
  int objects_fd; /* $home/objects */
  int tmp_fd;     /* $home/tmp */
  sqlite3 *db;
  struct lp_stmt_cache *stmts;
  size_t nstmts;
  /* Buffers behind the pointers of struct lp_tree_node. */
  struct strbuf node_name, node_link, node_inline, node_xattrs;
};

sqlite3_stmt *lp_db_stmt(struct lp_store *s, const char *sql, lp_error_t *err);
int lp_db_exec(struct lp_store *s, const char *sql, lp_error_t *err);
int lp_db_error(struct lp_store *s, lp_error_t *err, const char *what);
/* Run a SELECT yielding one integer into *out; err names `what` on failure. */
int lp_db_scalar(struct lp_store *s, const char *what, const char *sql, uint64_t *out, lp_error_t *err);
/* Run a one-parameter SELECT: 1 if it yields a row, 0 if not, -1 on error. */
int lp_db_exists(struct lp_store *s, const char *sql, const char *key, const char *what, lp_error_t *err);
/* BEGIN IMMEDIATE (waits busy_timeout for other writers). */
int lp_db_begin(struct lp_store *s, lp_error_t *err);
int lp_db_commit(struct lp_store *s, lp_error_t *err);
void lp_db_rollback(struct lp_store *s);
/* Step a statement that returns no rows (SQLITE_DONE expected). */
int lp_db_step_done(struct lp_store *s, sqlite3_stmt *st, lp_error_t *err, const char *what);

/* The store lock file: LOCK_SH for ingest/commit, LOCK_EX for gc. Returns
 * a new fd holding the lock, or -1. */
int lp_store_lock(struct lp_store *s, int exclusive, lp_error_t *err);

/* objects.c */
/* A new file tmp/PREFIX-PID-RANDOM, O_WRONLY; returns fd and its name (new
 * string). Ingests use two prefixes, which lp_store_recover() knows:
 * "obj" for content being received and "pending" for the list of objects a
 * layer commit is moving into objects/. */
int lp_store_tmp_file(struct lp_store *s, const char *prefix, char **name, lp_error_t *err);
/* lp_store_tmp_file(s, "obj", ...): a temp file for new content. */
int lp_object_tmp(struct lp_store *s, char **name, lp_error_t *err);
/* Move tmp/<tmpname> to objects/<hex[0:2]>/<hex[2:]> unless present (then
 * remove it). Durability is the caller's: lp_object_sync() before (the
 * content) and after (the renames) a batch. */
int lp_object_commit_tmp(struct lp_store *s, const char *tmpname, const char *hex, lp_error_t *err);
/* Make everything written to tmp/ and objects/ durable: one syncfs(2) per
 * filesystem, instead of an fsync per file and directory. */
int lp_object_sync(struct lp_store *s, lp_error_t *err);
void lp_sha256_hex(const unsigned char digest[32], char out[65]);

/* gc.c: finish what interrupted (killed) ingests left, as SQLite rolls back
 * a hot journal: remove their temp files (tmp/obj-*) and, for each list of
 * objects a layer commit was moving into place (tmp/pending-*), the listed
 * objects that no row references, then the list. Anything else in tmp/ is
 * left alone (check reports it). The caller holds the store lock
 * exclusively, so no ingest is in flight. *removed counts files removed. */
int lp_store_recover(struct lp_store *s, uint64_t *removed, lp_error_t *err);

/* flatten.c: build the flattened tree of layers (layer row ids, bottom to
 * top) inside the caller's transaction; returns the root node id. */
int lp_flatten(struct lp_store *s, const int64_t *layer_ids, size_t n, int64_t *root, lp_error_t *err);

/* Column helpers. */
char *lp_db_col_strdup(sqlite3_stmt *st, int col); /* NULL stays NULL */

#endif
