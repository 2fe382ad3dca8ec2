/*
 * cp: copy files and directories between a container and the host.
 *
 * Contract: lp_ctr_cp() copies SRC to DEST where exactly one of them is in
 * the container c. The container side runs in a child process whose view is
 * the container's root filesystem: the running container's own mount
 * namespace (joined with setns, user namespace first), the mount of
 * `lilipod mount` (joining its server's namespaces: an upper has one server
 * only, mount.h), or, for a created or stopped container, a private mount
 * of its union (the store tree + its upper, served by a FUSE server forked
 * for the copy). Paths inside the
 * container are resolved in its root (openat2 RESOLVE_IN_ROOT): symlinks,
 * absolute ones and `..` included, never lead out of it. The source itself,
 * when a symlink, is followed (`/etc/os-release -> ../usr/lib/os-release`
 * copies the file); symlinks below a copied directory are copied as links.
 * Docker's rules for DEST: an existing directory receives SRC under SRC's
 * name, or SRC's contents when SRC ends in "/." ; otherwise DEST names the
 * copy (its parent must exist; a directory is not copied onto a file).
 * SRC with a trailing "/" must be a directory. Regular files are truncated
 * and rewritten. The two sides talk through a pipe (a simple
 * record stream: type, mode, size, path, link target, content).
 */
#ifndef LILIPOD_CONTAINER_CP_H
#define LILIPOD_CONTAINER_CP_H

#include <stdbool.h>

#include "../store/store.h"
#include "../util/error.h"

/* to_container: SRC is on the host and DEST in the container, else the
 * reverse. */
int lp_ctr_cp(struct lp_store *s, struct lp_container_info *c, const char *src, const char *dest, bool to_container,
              lp_error_t *err);

/* `cp - CTR:DIR` (to_container: the tar stream read from fd is extracted
 * into DIR) and `cp CTR:PATH -` (a tar of PATH is written to fd); the
 * container side is cp_tar.h's. */
int lp_ctr_cp_tar(struct lp_store *s, struct lp_container_info *c, const char *path, bool to_container, int fd,
                  lp_error_t *err);

#endif
