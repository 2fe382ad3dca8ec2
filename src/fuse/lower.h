/*
 * lower: read access to an image's flattened tree in the store (tree_nodes).
 *
 * Contract: every SQL statement that reads the lower layer lives in lower.c,
 * so it can be switched to the store's tree.h helpers without touching the
 * FUSE code. The lower is immutable while mounted, so nothing here writes.
 * Not thread-safe: the caller serialises calls (unionfs holds its lock).
 * Functions return 0, or a negative errno (-ENOENT when a node is missing).
 */
#ifndef LILIPOD_FUSE_LOWER_H
#define LILIPOD_FUSE_LOWER_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include "../util/error.h"

struct lp_lower;

struct lp_lower_node
{
  int64_t id;    /* the row's own id */
  int64_t canon; /* id of the first name of a hard-linked file, else id */
  mode_t mode;
  uid_t uid;
  gid_t gid;
  int64_t size;
  int64_t mtime_ns;
  dev_t rdev;
  int64_t nlink;
};

/* Open <store_home>/store.db read-only. */
int lp_lower_open(const char *store_home, struct lp_lower **out, lp_error_t *err);
void lp_lower_close(struct lp_lower *l);

/* Held snapshots: from now on reads run in one read transaction, opened by
 * the first read (on_begin(ctx) is then called) and kept until
 * lp_lower_release. The rows read never change, but while it is open other
 * processes' checkpoints cannot reset store.db's WAL: the caller releases
 * it within a fraction of a second. */
void lp_lower_hold_snapshots(struct lp_lower *l, void (*on_begin)(void *ctx), void *ctx);
/* 1 and *since (CLOCK_MONOTONIC) if a read transaction is open, else 0. */
int lp_lower_snapshot_since(struct lp_lower *l, struct timespec *since);
void lp_lower_release(struct lp_lower *l);

/* Attributes of a node (of its canonical row for hard links). */
int lp_lower_get(struct lp_lower *l, int64_t id, struct lp_lower_node *out);
/* The child `name` of directory dir. */
int lp_lower_lookup(struct lp_lower *l, int64_t dir, const char *name, size_t len, struct lp_lower_node *out);
/* Symlink target, malloc'd (NUL-terminated; *len without the NUL). */
int lp_lower_readlink(struct lp_lower *l, int64_t id, char **out, size_t *len);
/* The xattr blob (NULL/0 if none), malloc'd. */
int lp_lower_xattrs(struct lp_lower *l, int64_t id, void **blob, size_t *len);
/* Open a regular file's content: either *fd >= 0 (an O_RDONLY fd on the
 * content object) or *fd = -1 and *data and *len the inline bytes (malloc'd,
 * possibly empty). */
int lp_lower_open_data(struct lp_lower *l, int64_t id, int *fd, void **data, size_t *len);
/* Call fn for each child of dir; a nonzero return stops the walk and is
 * returned. */
/* The number of rows under dir (names the kernel cannot ask for included). */
int lp_lower_count_children(struct lp_lower *l, int64_t dir, int64_t *n);
typedef int (*lp_lower_child_fn)(void *ctx, const char *name, size_t len, const struct lp_lower_node *n);
int lp_lower_readdir(struct lp_lower *l, int64_t dir, lp_lower_child_fn fn, void *ctx);

#endif
