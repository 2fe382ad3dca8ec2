/*
 * namespaces: creating and joining Linux namespaces.
 *
 * Contract: lp_ns_clone() is fork() with namespace flags (clone3, so the
 * caller gets a pidfd where the kernel has one; -1 otherwise): all the
 * namespaces are created together, so the new user namespace owns the
 * others (a fresh proc, sysfs and `lo` then work inside). lp_ns_join()
 * enters every namespace of a running process that differs from the
 * caller's, the user namespace first (it grants the rights for the rest);
 * a new pid namespace only applies to children, so the caller forks after.
 */
#ifndef LILIPOD_RUNTIME_NAMESPACES_H
#define LILIPOD_RUNTIME_NAMESPACES_H

#include <stdbool.h>
#include <sys/types.h>

#include "../util/error.h"
#include "spec.h"

/* CLONE_NEW* flags for the spec (user namespace per new_userns). */
unsigned long lp_ns_clone_flags(const struct lp_runtime_spec *spec, bool new_userns);
/* Returns the child's pid in the parent, 0 in the child, -1 on error. */
pid_t lp_ns_clone(unsigned long flags, int *pidfd, lp_error_t *err);
/* Bring the loopback interface up (in a fresh network namespace). */
int lp_ns_loopback_up(lp_error_t *err);
/* setns() into pid's namespaces; *pidns_joined tells whether a fork is
 * needed for the pid namespace to apply. */
int lp_ns_join(pid_t pid, bool *pidns_joined, lp_error_t *err);
/* setns() into pid's user namespace (when it differs: *userns_joined tells)
 * and then its mount namespace (when it differs). Joining a mount namespace
 * moves the caller's root and cwd to that namespace's root. Single-threaded
 * callers only (the kernel refuses setns(CLONE_NEWUSER) otherwise). */
int lp_ns_join_user_mnt(pid_t pid, bool *userns_joined, lp_error_t *err);
/* The container's init hands its launcher fds of its own network and user
 * namespaces over a unix socket (SCM_RIGHTS): a process may always open its
 * own /proc/self/ns files, whereas its parent may not when the init is not
 * dumpable (which it must not be: see launch.c). lp_ns_send_own() runs in
 * the init; lp_ns_receive_own() fills fds[0] (net) and fds[1] (user), both
 * close-on-exec, and returns 0, or -1 when the init sent nothing (it died:
 * its error pipe says why; err then may stay empty) or on error. */
int lp_ns_send_own(int sock, lp_error_t *err);
int lp_ns_receive_own(int sock, int fds[2], lp_error_t *err);

#endif
