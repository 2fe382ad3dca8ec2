/*
 * init: the tiny reaper that runs as the container's PID 1 with --init.
 *
 * Contract: lp_init_fork() forks; it returns 0 in the child, which goes on
 * to exec the container's command with the signal mask it had before. The
 * parent never returns: it forwards every catchable signal to the child,
 * reaps every zombie that reparents to it, and when the child ends exits
 * with its status (128+N when killed by signal N), as catatonit/tini do.
 */
#ifndef LILIPOD_RUNTIME_INIT_H
#define LILIPOD_RUNTIME_INIT_H

#include "../util/error.h"

/* errfd is closed in the reaper (the child keeps it until its exec). */
int lp_init_fork(int errfd, lp_error_t *err);

#endif
