/*
 * mount: `lilipod mount` — a container's root filesystem mounted where the
 * user can reach it, outliving the command, with Podman's mount count.
 *
 * Contract:
 * - The union (image tree + the container's upper) is mounted at
 *   containers/<id>/merged by a detached server process, `lilipod
 *   __mountd ID` (spawn.h), in the mount namespace of the command that asked:
 *   the host's for root; rootless, the one `lilipod unshare` made (a
 *   rootless user cannot mount in the host's). The server serves until it
 *   gets SIGTERM, then unmounts and exits.
 * - containers/<id>/mount holds "COUNT PID START\n": how many times the
 *   container is mounted and the server's pid + start time, so a dead or
 *   recycled pid is never taken for the server (a record whose server is
 *   gone is stale: not mounted). Callers hold the container lock (state.h)
 *   to change it.
 * - One server per upper (its meta.db is opened exclusively), so: `mount`
 *   of a mounted container counts one more mount of the same server; `mount`
 *   of a running container that is not mounted is an error (its supervisor
 *   serves its upper, inside the container's own mount namespace); `start`
 *   of a mounted container runs it on this mount (supervisor.h), and cp
 *   copies through it (cp.h).
 * - Unmount decrements the count; at zero (or with force) the server is
 *   stopped and the record removed. Stopping works from any namespace (it is
 *   a signal), so rm and unmount need no `lilipod unshare`.
 */
#ifndef LILIPOD_CONTAINER_MOUNT_H
#define LILIPOD_CONTAINER_MOUNT_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "../store/store.h"
#include "../util/error.h"

struct lp_ctr_mount_info
{
  int count;
  pid_t pid;      /* the server */
  uint64_t start; /* its start time (state.h) */
};

/* The mount point, absolute (new string). */
char *lp_ctr_mount_path(struct lp_store *s, const char *id);
/* 1 with *m when id is mounted (record present, server alive), 0 when not. */
int lp_ctr_mounted(struct lp_store *s, const char *id, struct lp_ctr_mount_info *m);
/* Mount c (or count one more mount) and return the mount point in *path.
 * The caller holds c's lock and has refreshed its state. */
int lp_ctr_mount(struct lp_store *s, struct lp_container_info *c, char **path, lp_error_t *err);
/* Count one mount less; at zero, or with force, stop the server. Returns 1
 * when c was mounted, 0 when it was not (nothing done). Caller holds c's lock. */
int lp_ctr_unmount(struct lp_store *s, struct lp_container_info *c, bool force, lp_error_t *err);

/* The body of `lilipod __mountd ID`: mount the union of tree `lower_root`
 * and containers/<id>/upper at containers/<id>/merged under home (absolute),
 * write "R<pid>" (or "E125 <why>") on notify_fd and close it, serve until
 * SIGTERM/SIGINT/SIGHUP or an unmount. Returns the exit status. */
int lp_ctr_mount_serve(const char *home, const char *id, int64_t lower_root, int notify_fd);

#endif
