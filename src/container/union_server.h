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

pid_t lp_ctr_union_serve(const struct lp_unionfs_config *cfg, uid_t host_uid, gid_t host_gid, const int *close_fds,
                         size_t nclose, lp_error_t *err);

#endif
