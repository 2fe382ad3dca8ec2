/*
 * fsid: files this process creates belong to the invoking user on the host.
 *
 * A rootless supervisor is root in its user namespace, and root there maps
 * to a subordinate id on the host: a directory it made (the upper's data/)
 * would be one the user cannot empty, and `rm -rf $LILIPOD_HOME` would fail.
 * The FUSE server therefore creates its files with the file-system ids that
 * map back to the user (setfsuid/setfsgid), while keeping CAP_SYS_ADMIN for
 * the mount. Call it after the user namespace is mapped.
 */
#ifndef LILIPOD_CONTAINER_FSID_H
#define LILIPOD_CONTAINER_FSID_H

#include <sys/types.h>

#include "../util/error.h"

int lp_ctr_files_as_host_user(uid_t host_uid, gid_t host_gid, lp_error_t *err);

#endif
