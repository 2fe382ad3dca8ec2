/*
 * process: the last steps before the container's command runs, shared by
 * launch and exec: user and groups (resolved in the container's own
 * /etc/passwd and /etc/group), capabilities (Podman's default set in the
 * bounding, permitted and effective sets of root; none for other users;
 * all when privileged), no_new_privs, the working directory, the
 * environment (HOME from passwd, a default PATH, container=lilipod when
 * missing) and execve with Podman's exit codes: 127 when the command is
 * not found, 126 when it cannot be run.
 *
 * Contract: these run in the container's (forked) process, after the root
 * is final. A failure before execve is sent to the launching process over
 * an O_CLOEXEC pipe as [int exit code][message] and the process exits with
 * that code; a successful execve closes the pipe, so EOF means "started".
 */
#ifndef LILIPOD_RUNTIME_PROCESS_H
#define LILIPOD_RUNTIME_PROCESS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "../util/error.h"
#include "spec.h"

struct lp_user
{
  uid_t uid;
  gid_t gid;
  gid_t *groups; /* supplementary, malloc'd */
  size_t ngroups;
  char *home; /* malloc'd, "/" when unknown */
};

/* Resolve "user[:group]" against passwd/group texts (pure, for tests). */
int lp_user_resolve_text(const char *spec, const char *passwd, const char *group, struct lp_user *out,
                         lp_error_t *err);
/* The same against the current root's /etc/passwd and /etc/group. */
int lp_user_resolve(const char *spec, struct lp_user *out, lp_error_t *err);
void lp_user_free(struct lp_user *u);

/* Capability set for the spec: LP_DEFAULT_CAPS + cap_add - cap_drop, or
 * every capability when privileged. */
unsigned long long lp_process_caps(const struct lp_runtime_spec *spec);

/* "CAP_SYS_ADMIN", "sys_admin" or "ALL" as a bit mask. */
int lp_cap_parse(const char *name, unsigned long long *mask, lp_error_t *err);

/* Set identity, capabilities, no_new_privs and cwd. */
int lp_process_setup(const struct lp_runtime_spec *spec, const struct lp_user *user, lp_error_t *err);
/* Build the environment and execve; on failure, report over errfd and
 * exit 126/127. Never returns. */
__attribute__((noreturn)) void lp_process_exec(const struct lp_runtime_spec *spec, const struct lp_user *user,
                                               int errfd);

/* Child side: report err (with exit code) over fd, then _exit(code). */
__attribute__((noreturn)) void lp_process_fail(int fd, int code, lp_error_t err);
/* Parent side: read fd to EOF. 0 if nothing came (the command started), -1
 * with *err (exit_code set) if the child reported a failure. */
int lp_process_read_fail(int fd, lp_error_t *err);

/* In a container's process before exec: stdio from spec->stdio, or, when
 * ttyfd >= 0, a new session with the pty as controlling terminal on 0..2
 * (ttyfd itself stays open: the caller closes it when done with it). */
int lp_process_stdio(const struct lp_runtime_spec *spec, int ttyfd, lp_error_t *err);

#endif
