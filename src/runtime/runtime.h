/*
 * runtime: start a container's init in fresh namespaces, or a command in a
 * running container's namespaces.
 *
 * Contract: lp_runtime_launch() returns once the container's command has
 * been exec'd (or has failed to: then err->exit_code is 126/127 as Podman's,
 * or 0 for lilipod's own errors, and the child is reaped). The caller owns
 * result->pid (reap it with lp_runtime_wait()), result->pidfd (-1 when the
 * kernel has none) and result->pty_master (-1 without a tty).
 *
 * The FUSE seam. pivot_root moves the root of every process in the mount
 * namespace, so whoever serves the rootfs over FUSE must stay in another
 * one. A rootless supervisor calls lp_runtime_unshare_user() (before it
 * starts any thread), unshare(CLONE_NEWNS) and mounts the FUSE rootfs at P
 * (its mount namespace A); then lp_runtime_launch() with userns =
 * LP_USERNS_CURRENT and rootfs = P: the container's init is cloned into a
 * new mount namespace B (a copy of A, so P is there), makes / rslave, binds
 * P onto itself and pivots, while the supervisor keeps serving P in A.
 * spec->rootfs_setup runs in B before the rootfs is bound, for callers that
 * prefer to mount there.
 *
 * lp_runtime_launch() clones with a raw clone3 (for the pidfd and so that
 * the new user namespace owns all the others), which skips glibc's fork
 * handlers: it must be called from a single-threaded process and says so
 * otherwise. So the FUSE session loop (multithreaded) runs in a process of
 * its own, forked by the supervisor inside namespace A; the supervisor
 * itself (pty, logs, reaping) stays single-threaded.
 */
#ifndef LILIPOD_RUNTIME_RUNTIME_H
#define LILIPOD_RUNTIME_RUNTIME_H

#include <sys/types.h>

#include "../util/error.h"
#include "spec.h"

struct lp_runtime_result
{
  pid_t pid;      /* host pid of the container's init (or exec'd process) */
  int pidfd;      /* O_CLOEXEC pidfd for pid, or -1 */
  int pty_master; /* with spec->tty and no stdio fds given, else -1 */
};

int lp_runtime_launch(const struct lp_runtime_spec *spec, struct lp_runtime_result *result, lp_error_t *err);

/* Run spec->argv in the namespaces of the running container whose init is
 * `pid`: user first, then ipc, uts, net, pid, cgroup, mnt; then the same
 * user/capability/env/workdir logic as launch. Mounts, hostname, init and
 * genfiles of the spec are ignored. Returns like lp_runtime_launch(); the
 * result's pid exits with the command's status. */
int lp_runtime_exec(pid_t pid, const struct lp_runtime_spec *spec, struct lp_runtime_result *result,
                    lp_error_t *err);

/* Wait for pid; the exit status as a shell reports it (128+N for signal N). */
int lp_runtime_wait(pid_t pid, int *exit_status, lp_error_t *err);

/* Put the calling process (single-threaded) into a new user namespace
 * mapped as `mode` says (newuidmap run from a helper child), as its root. */
int lp_runtime_unshare_user(enum lp_userns_mode mode, lp_error_t *err);

/* AUTO resolved: KEEP_ID for a rootless caller, HOST for root (root's
 * keep-id is the identity, so also HOST). */
enum lp_userns_mode lp_runtime_userns_mode(const struct lp_runtime_spec *spec);

#endif
