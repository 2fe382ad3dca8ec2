/*
 * unionfs: a container's rootfs, a copy-on-write FUSE union of an image's
 * flattened tree in the store (the lower) and a per-container upper.
 *
 * Contract:
 * - Lower: tree_nodes rows of the store at store_home (lower.c), read-only.
 *   lower_root 0 means an empty lower.
 * - Upper: the directory upper_dir, owned by the invoking user, holding
 *     meta.db   SQLite (WAL): the upper namespace and every presented
 *               attribute: inodes(ino, mode, uid, gid, nlink, times, rdev,
 *               symlink target, xattrs, has_data) and dirents(parent, name,
 *               ino) where ino 0 is a whiteout. No `.wh.` files: names keep
 *               all 255 bytes.
 *     data/     one file per inode whose content was written, named by the
 *               inode number in hex. Hard links share it; renames never
 *               touch it.
 *   Ownership and mode are data, so they are exact whatever the host ids.
 * - Inode numbers: a lower node's is its tree id (the image root is 1); a
 *   node created in the upper gets the next number from 2^40 up, kept in
 *   meta.db, so all numbers are stable across unmount and remount.
 * - Copy-up copies content only on the first write (open for writing or
 *   truncate); chmod, chown, utimens and xattr changes only write rows.
 *   A directory created in the upper never shows lower entries (it is
 *   opaque by construction: it has no lower identity).
 * - Durability: rows are committed before a request is answered; file data
 *   is fsync'd on fsync. A killed server loses nothing it acknowledged as
 *   synced.
 * Mounted with default_permissions, suid, dev, allow_other when root.
 */
#ifndef LILIPOD_FUSE_UNIONFS_H
#define LILIPOD_FUSE_UNIONFS_H

#include <stdint.h>

#include "../util/error.h"

struct lp_unionfs_config
{
  const char *store_home; /* directory holding store.db and objects/; NULL if lower_root is 0 */
  int64_t lower_root;     /* tree id of the image's root, or 0 for an empty lower */
  const char *upper_dir;  /* created if missing */
  const char *mountpoint;
  int debug;              /* libfuse request tracing on stderr */
};

struct lp_unionfs;

/* Open the layers and mount; on return the mountpoint is ready to be served. */
int lp_unionfs_mount(const struct lp_unionfs_config *cfg, struct lp_unionfs **out, lp_error_t *err);
/* Serve requests on one thread until unmounted (or
 * lp_unionfs_exit()). Returns 0 on a clean unmount. */
int lp_unionfs_serve(struct lp_unionfs *fs, lp_error_t *err);
/* Ask the loop to stop (async-signal-safe). */
void lp_unionfs_exit(struct lp_unionfs *fs);
/* Unmount (if still mounted) and free everything. */
void lp_unionfs_unmount_and_free(struct lp_unionfs *fs);

#endif
