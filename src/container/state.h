/*
 * state: a container's exact state and the per-container lock.
 *
 * Contract:
 * - The store row holds status ("created", "running", "stopped", "exited"),
 *   the container init's host pid + its start time (/proc/PID/stat field 22),
 *   exit_code, started_at, finished_at. The supervisor writes it; commands
 *   read it through lp_ctr_state_refresh(), which checks liveness.
 * - containers/<id>/supervisor holds "PID STARTTIME\n" of the supervisor
 *   while it runs. A row reading "running" whose supervisor (pid + start
 *   time) is gone is corrected to "exited" with exit code 137 (or the init's
 *   if known) and a reason in containers/<id>/reason, e.g. "supervisor died".
 * - containers/<id>/lock: flock(2) held by a command that changes the
 *   container's state (start, stop, kill, rm, restart), so two commands on
 *   one container are serialised. The supervisor never takes it (a command
 *   may hold it while waiting for the supervisor).
 */
#ifndef LILIPOD_CONTAINER_STATE_H
#define LILIPOD_CONTAINER_STATE_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "../store/store.h"
#include "../util/error.h"

/* Start time (clock ticks since boot, /proc/PID/stat field 22) of pid, or 0
 * when the process does not exist (or is a zombie). */
uint64_t lp_proc_start_time(pid_t pid);
/* Is pid alive and started at start? */
bool lp_proc_alive(pid_t pid, uint64_t start);

/* Take containers/<id>/lock exclusively (waits). Returns the fd (>= 0). */
int lp_ctr_lock(struct lp_store *s, const char *id, lp_error_t *err);
void lp_ctr_unlock(int fd);

/* The supervisor's pid file. */
int lp_ctr_supervisor_write(struct lp_store *s, const char *id, pid_t pid, lp_error_t *err);
/* 1 with pid/start when the file exists, 0 when not. */
int lp_ctr_supervisor_read(struct lp_store *s, const char *id, pid_t *pid, uint64_t *start);
/* Is the container's supervisor alive? */
bool lp_ctr_supervisor_alive(struct lp_store *s, const char *id);

/* Write/read containers/<id>/reason (why the container ended abnormally;
 * "" clears it). Read returns a new string, "" when none. */
void lp_ctr_reason_write(struct lp_store *s, const char *id, const char *reason);
char *lp_ctr_reason_read(struct lp_store *s, const char *id);

/* Re-read c's row and correct a "running" whose supervisor is gone. */
int lp_ctr_state_refresh(struct lp_store *s, struct lp_container_info *c, lp_error_t *err);
/* Is the container running (after refresh)? */
bool lp_ctr_is_running(const struct lp_container_info *c);

/* Record a state change in the row (status, pid, times, exit code). */
int lp_ctr_set_state(struct lp_store *s, struct lp_container_info *c, const char *status, pid_t pid, int exit_code,
                     lp_error_t *err);

/* Current time in unix ns. */
int64_t lp_now_ns(void);

#endif
