/*
 * supervisor: one per running container.
 *
 * Processes:
 *   S  the supervisor (host user namespace, single-threaded): owns the log
 *      (containers/<id>/ctr.log, k8s-file, see config.h), the container's
 *      stdio (pipes, or the pty master with -t), records the state in the
 *      store, serves the attached clients (attach.h) and exits when the
 *      container has ended. Its pid + start time are in containers/<id>/supervisor.
 *   H  forked by S, its own process group: rootless, it unshares the user
 *      namespace (lp_runtime_unshare_user) and, always, the mount namespace
 *      (made private); forks F; waits for the FUSE mount at
 *      containers/<id>/rootfs; lp_runtime_launch()es the container there;
 *      sends S the init's pid (and the pty master over SCM_RIGHTS); reaps
 *      the init, sends S its status; unmounts the rootfs (umount2 in its
 *      namespace, never from F) and waits for F. Should S or F die first,
 *      H kills the container and tells why (reap.h); should H die, S does.
 *   F  the FUSE server (multithreaded): lp_unionfs_mount over the image's
 *      tree with upper containers/<id>/upper, then lp_unionfs_serve, as the
 *      user namespace's root (rootless: the upper's files belong to a
 *      subordinate id, so rm removes them from a user namespace). Killed
 *      when H dies (PDEATHSIG).
 *
 * A container mounted by `lilipod mount` (mount.h) has its upper served by
 * that mount's server already: H then joins that server's user and mount
 * namespaces, forks no F, and launches the container on containers/<id>/merged.
 *
 * lp_ctr_start() is `start` (detached: double fork + setsid, stdio to
 * /dev/null, exec of `lilipod __supervise ID`; returns once the row reads
 * "running", or with the launch's error: exit codes 126/127 in
 * err->exit_code). S then listens on containers/<id>/attach for clients
 * (attach.h) until the container ends; with AutoRemove (--rm) it removes the
 * container itself once it has ended. lp_ctr_run_attached() is `run`
 * without -d and `start -a`: the same detached start, with the caller as the
 * supervisor's first client (already there when the container starts, so
 * no output is missed), then lp_attach_run(). lp_ctr_attach() is `attach`.
 * Either returns when the container has exited (its status), when the user
 * typed the detach keys (the container runs on), or when the supervisor died
 * (the state's exit code).
 */
#ifndef LILIPOD_CONTAINER_SUPERVISOR_H
#define LILIPOD_CONTAINER_SUPERVISOR_H

#include <stdbool.h>

#include "../store/store.h"
#include "../util/error.h"
#include "attach.h"

/* Start c detached. Returns 0 once running. */
int lp_ctr_start(struct lp_store *s, struct lp_container_info *c, lp_error_t *err);
/* The hidden `__supervise ID [4]` command (what lp_ctr_start execs,
 * detached, with the notify pipe on notify_fd and the first client's socket
 * on client_fd, -1 without). Returns the process exit status. */
int lp_ctr_supervise_detached(struct lp_store *s, const char *id, int notify_fd, int client_fd);
/* Start c and attach to it (see above): 0 with *end and *status, or -1. */
int lp_ctr_run_attached(struct lp_store *s, struct lp_container_info *c, struct lp_attach_opts *o,
                        enum lp_attach_end *end, int *status, lp_error_t *err);
/* Attach to the running c. When it ends before we are connected, *end is
 * LP_ATTACH_EXITED with its exit code. */
int lp_ctr_attach(struct lp_store *s, struct lp_container_info *c, struct lp_attach_opts *o, enum lp_attach_end *end,
                  int *status, lp_error_t *err);

/* Stop: the stop signal, wait timeout seconds, then SIGKILL to every
 * process of the container. Waits until the row reads exited. */
int lp_ctr_stop(struct lp_store *s, struct lp_container_info *c, int timeout, lp_error_t *err);
/* Send sig to the container's init. */
int lp_ctr_kill(struct lp_store *s, struct lp_container_info *c, int sig, lp_error_t *err);
/* Wait until not running; returns the exit code. */
int lp_ctr_wait(struct lp_store *s, struct lp_container_info *c, lp_error_t *err);
/* Remove the row and the directory (rootless: from a user namespace, so
 * files the container's other ids own go too), unmounting it first when
 * `lilipod mount` mounted it (mount.h). Must not be running. */
int lp_ctr_remove(struct lp_store *s, struct lp_container_info *c, lp_error_t *err);

#endif
