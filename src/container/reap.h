/*
 * reap: how the supervisor's helper H waits for the container's init, and
 * ends the container when what it depends on dies.
 *
 * lp_ctr_reap() returns the init's exit status (its code, or 128 + the
 * signal) once H has reaped it. Before that it kills the container
 * (SIGKILL to the init, whose death ends its pid namespace; with host_pid,
 * SIGKILL to every process in the init's mount namespace as well) when
 *   - the supervisor S dies: `sock`, H's end of the socket to S, hangs up;
 *   - the FUSE server *fuse dies: the container's root file system is gone
 *     (every access would fail with ENOTCONN);
 * and then puts the reason in why ("" when the init ended by itself).
 * *fuse becomes -1 once the FUSE server has been reaped. It reaps any child
 * of the calling process: call it when the init and the FUSE server are the
 * only ones.
 *
 * lp_ctr_kill_mntns() SIGKILLs every process (but the caller) whose mount
 * namespace is (ino, dev), as lp_ns_ino() gives them; returns how many.
 *
 * lp_ctr_wait_child() waits up to timeout_ms for the caller's child pid to
 * end and reaps it; true once reaped (or when it is no child of ours). It
 * sleeps on a pidfd, so it returns as the child ends, not at the next tick
 * of a polling loop (without pidfds: polls every 2 ms).
 */
#ifndef LILIPOD_CONTAINER_REAP_H
#define LILIPOD_CONTAINER_REAP_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

int lp_ctr_reap(pid_t init, pid_t *fuse, int sock, bool host_pid, char *why, size_t whylen);

int lp_ns_ino(pid_t pid, const char *ns, ino_t *ino, dev_t *dev);
int lp_ctr_kill_mntns(ino_t ino, dev_t dev);
bool lp_ctr_wait_child(pid_t pid, int timeout_ms);

#endif
