/*
 * cp_tar: the container side of `cp - CTR:DIR` and `cp CTR:PATH -`, run by
 * cp.c in its child whose view is the container's root (rootfd).
 *
 * lp_cp_tar_create(): a tar of PATH (resolved in the root; a symlink at
 * PATH is followed, as cp does) on out, through tar_write.h. Names start
 * with PATH's last component; PATH ending in "/." gives its contents with
 * no leading component. Below PATH nothing is followed: symlinks are
 * entries, files with several names are hard links to the first one
 * written, fifos and devices are entries, sockets are left out. Owners and
 * modes are as the container sees them (the child is in its user
 * namespace); times are whole seconds.
 *
 * lp_cp_tar_extract(): a tar stream (plain, gzip or zstd) from in, read by
 * the store's reader (tar.h: `..` and absolute names are refused, sizes
 * bounded), extracted into DIR, which must be an existing directory. Every
 * entry's parent is resolved inside the container's root (RESOLVE_IN_ROOT:
 * symlinks, `..` and absolute targets on the way never lead out of it);
 * missing parents are made 0755; an existing entry of another kind is
 * replaced, never written through (the leaf is never followed); a hard
 * link's target must be an entry below DIR reached without symlinks.
 * Owners are the archive's (when the namespace maps them; else the
 * copier's), then modes (set-id bits survive the chown), then times
 * (directories' at the end). Device nodes the kernel refuses (rootless) are
 * skipped.
 */
#ifndef LILIPOD_CONTAINER_CP_TAR_H
#define LILIPOD_CONTAINER_CP_TAR_H

#include "../util/error.h"

int lp_cp_tar_create(int out, int rootfd, const char *path, lp_error_t *err);
int lp_cp_tar_extract(int in, int rootfd, const char *dir, lp_error_t *err);

/* Open path in root (rootfd >= 0, resolved in it: RESOLVE_IN_ROOT) or on
 * the host (rootfd < 0). */
int lp_cp_open_in(int rootfd, const char *path, int flags);
/* The last component of path ("root" for "/", "." or ".."), new string. */
char *lp_cp_base_name(const char *path);
/* Does path name a directory's contents ("dir/.", ".")? */
int lp_cp_is_contents(const char *path);

#endif
