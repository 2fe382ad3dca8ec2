/*
 * union_server: the process that serves a container's union filesystem.
 *
 * lp_ctr_union_serve() forks a child that mounts the union (src/fuse) at
 * cfg->mountpoint and serves it until it is unmounted; it returns the child's
 * pid once the mount is ready, or -1 with err (the child reaped). Call it in
 * the mount namespace (and, rootless, the user namespace) where the mount
 * must live: the FUSE server must never be in the namespace that pivots into
 * its mount. The child closes `close_fds` (the caller's ends it must not
 * hold open) and dies with its parent.
 *
 * Rootless (host_uid != (uid_t) -1), the child creates its files with the
 * file-system ids that map back to the invoking user (setfsuid/setfsgid),
 * keeping CAP_SYS_ADMIN for the mount: root of the user namespace maps to a
 * subordinate id, and a directory it made (the upper's data/) would be one
 * the user cannot empty, so `rm -rf $LILIPOD_HOME` would fail.
 */
#ifndef LILIPOD_CONTAINER_UNION_SERVER_H
#define LILIPOD_CONTAINER_UNION_SERVER_H

#include <stddef.h>
#include <sys/types.h>

#include "../fuse/unionfs.h"
#include "../util/error.h"

/* Whose files a FUSE server forked by this process must create: the host
 * ids to pass to lp_ctr_union_serve(). Call it before unsharing anything.
 * Rootless: the user's own. As root of a user namespace that is not the
 * initial one (inside `lilipod unshare`) with home owned by another id
 * there: the host ids of home's owner. Real root: (uid_t) -1. */
uid_t lp_ctr_files_owner(const char *home, gid_t *gid);

/* As root of a user namespace that is not the initial one, with home owned
 * by another id there (inside `lilipod unshare`, where root is a
 * subordinate id of the user's): make this process create files as home's
 * owner (setfsuid/setfsgid), so what lilipod adds to the store stays the
 * user's own and `rm -rf $LILIPOD_HOME` keeps working. Elsewhere a no-op.
 * A process that needs root's file powers back (a container launch) sets
 * its file-system ids to its effective ids again. */
void lp_ctr_files_as_store_owner(const char *home);

pid_t lp_ctr_union_serve(const struct lp_unionfs_config *cfg, uid_t host_uid, gid_t host_gid, const int *close_fds,
                         size_t nclose, lp_error_t *err);

#endif
