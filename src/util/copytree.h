/*
 * copytree: copy a directory's contents into another directory, keeping
 * what a container cares about.
 *
 * Contract: lp_copy_tree(srcfd, dstfd) copies every entry under the directory
 * srcfd into the directory dstfd (both stay open and owned by the caller):
 * directories, regular files, symlinks, fifos and, when permitted, device
 * nodes. Kept: owner (best effort: a chown refused with EPERM/EINVAL is
 * ignored, so an unprivileged caller still gets the content), mode with the
 * set-id bits (applied after the chown, which clears them), access and
 * modification times, and `user.*`/`trusted.*` extended attributes (best
 * effort). Never follows a symlink, never leaves the source tree (openat
 * with O_NOFOLLOW below srcfd); hard links become separate copies; sockets
 * are skipped. An entry that already exists in the destination is an error
 * (EEXIST): copy into an empty directory. Depth is limited to 256 levels.
 * Used for Podman's "copy up" (an empty volume or a tmpfs gets the image's
 * files at its mount point).
 */
#ifndef LILIPOD_COPYTREE_H
#define LILIPOD_COPYTREE_H

#include "error.h"

int lp_copy_tree(int srcfd, int dstfd, lp_error_t *err);
/* Give the directory dstfd the owner and mode of the directory srcfd (best
 * effort for the owner, as above). */
int lp_copy_dir_attrs(int srcfd, int dstfd, lp_error_t *err);

#endif
