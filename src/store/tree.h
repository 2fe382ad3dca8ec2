/*
 * tree: read side of an image's flattened tree (the contract with src/fuse).
 *
 * lp_image_commit() flattens an image's layers once into rows of
 *
 *   CREATE TABLE tree_nodes (
 *     id INTEGER PRIMARY KEY AUTOINCREMENT, -- inode number source; never reused
 *     parent INTEGER,               -- directory's id; NULL for an image's root
 *     name BLOB NOT NULL,           -- '' for the root
 *     mode INTEGER NOT NULL,        -- full st_mode, type bits included
 *     uid INTEGER NOT NULL, gid INTEGER NOT NULL,
 *     size INTEGER NOT NULL,        -- bytes for files, target length for symlinks
 *     mtime_ns INTEGER NOT NULL, rdev INTEGER NOT NULL DEFAULT 0,
 *     nlink INTEGER NOT NULL,       -- dirs: 2 + subdirs; files: names in the tree
 *     link_target BLOB,             -- symlink target
 *     hardlink_of INTEGER,          -- 2nd..nth name of a hard-linked file: id of the first
 *     digest TEXT,                  -- object sha256 hex (NULL if empty or inline)
 *     inline_data BLOB,             -- content of small files (<= LP_INLINE_MAX bytes)
 *     xattrs BLOB,                  -- NULL or repeated (u32 name_len, name, u32 value_len, value),
 *                                   -- u32 little-endian, names without NUL, sorted by name
 *     tree INTEGER NOT NULL,        -- (added) id of the image root this node belongs to
 *     UNIQUE(parent, name));
 *   images.root_node gives each image's root.
 *
 * A tree is immutable once committed; ids are stable for the life of the
 * image. For a hard link, every name has its own row (own id) with the same
 * attributes; hardlink_of names the first one, which the FUSE side should use
 * as the inode number of all names. Regular file content: inline_data if not
 * NULL, else the object `digest` (lp_object_open), else empty.
 *
 * Each helper is one cached prepared statement on the store's connection (so
 * the same thread rules as store.h apply).
 */
#ifndef LILIPOD_STORE_TREE_H
#define LILIPOD_STORE_TREE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "store/store.h"

#define LP_INLINE_MAX 256

struct lp_tree_node
{
  int64_t id;
  int64_t parent; /* 0 for the root */
  uint32_t mode;
  uint32_t uid, gid;
  uint64_t size;
  int64_t mtime_ns;
  uint64_t rdev;
  uint32_t nlink;
  int64_t hardlink_of; /* 0 if none */
  char digest[65];     /* "" if none */
  /* The following point into memory owned by the store and are valid until
   * the next tree call on the same store. Not NUL-terminated where noted. */
  const char *name; /* NUL-terminated copy */
  size_t name_len;
  const char *link_target; /* NUL-terminated, NULL if not a symlink */
  size_t link_target_len;
  const void *inline_data; /* NULL if none */
  size_t inline_len;
  const void *xattrs; /* serialized as above, NULL if none */
  size_t xattrs_len;
};

/* Root node id of an image (full id "sha256:<hex>"). 0 found, -1 error
 * (errnum ENOENT when there is no such image). */
int lp_tree_root(struct lp_store *s, const char *image_id, int64_t *node_id, lp_error_t *err);
/* Child `name` of directory parent. 1 found, 0 not found, -1 error. */
int lp_tree_lookup(struct lp_store *s, int64_t parent, const char *name, size_t namelen, struct lp_tree_node *out,
                   lp_error_t *err);
/* Node by id. 1 found, 0 not found, -1 error. */
int lp_tree_get(struct lp_store *s, int64_t id, struct lp_tree_node *out, lp_error_t *err);
/* Children of parent with id > after_id, in id order ("." and ".." are not
 * rows), until the callback returns non-zero or they run out. Non-zero means
 * "not taken, stop" (e.g. the FUSE buffer is full): that node counts as not
 * delivered. Use the last taken node's id as the next call's after_id (the
 * readdir offset). Returns the number taken, or -1 on error. The callback
 * may call lp_tree_lookup/lp_tree_get but not lp_tree_readdir. */
typedef int (*lp_tree_readdir_cb)(void *ctx, const struct lp_tree_node *node);
int lp_tree_readdir(struct lp_store *s, int64_t parent, int64_t after_id, lp_tree_readdir_cb cb, void *ctx,
                    lp_error_t *err);
/* Find one xattr in a serialized blob. 1 found (value and len set), 0 not. */
int lp_xattrs_find(const void *blob, size_t blob_len, const char *name, const void **value, size_t *len);

#endif
