/*
 * supervisor: one per running container.
 *
 * Processes:
 *   S  the supervisor (host user namespace, single-threaded): owns the log
 *      (containers/<id>/ctr.log, k8s-file, see config.h), the container's
 *      stdio (pipes, or the pty master with -t), records the state in the
 *      store, forwards output to an attached client and exits when the
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
 * /dev/null, returns once the row reads "running", or with the launch's
 * error: exit codes 126/127 in err->exit_code). lp_ctr_run_attached() is
 * `run` without -d and `start -a`: the calling process is the supervisor;
 * the container's output goes to our stdout/stderr as well as the log, our
 * stdin to the container with -i, signals are forwarded; returns the
 * container's exit status.
 */
#ifndef LILIPOD_CONTAINER_SUPERVISOR_H
#define LILIPOD_CONTAINER_SUPERVISOR_H

#include <stdbool.h>

#include "../store/store.h"
#include "../util/error.h"

struct lp_ctr_attach
{
  bool stdin_;  /* forward our stdin (-i) */
  bool stdout_; /* forward output to our stdout/stderr */
  bool stderr_;
};

/* Start c detached. Returns 0 once running. */
int lp_ctr_start(struct lp_store *s, struct lp_container_info *c, lp_error_t *err);
/* The hidden `__supervise ID` command (what lp_ctr_start execs, detached,
 * with the notify pipe on notify_fd). Returns the process exit status. */
int lp_ctr_supervise_detached(struct lp_store *s, const char *id, int notify_fd);
/* Run c attached (see above). Returns the exit status (>= 0) or -1. */
int lp_ctr_run_attached(struct lp_store *s, struct lp_container_info *c, const struct lp_ctr_attach *a,
                        lp_error_t *err);

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
