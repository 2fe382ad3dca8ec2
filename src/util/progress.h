/*
 * progress: live progress bars for long transfers, drawn only on a terminal.
 *
 * Contract: lp_progress_new() returns NULL when `out` is not a terminal, and
 * every other call accepts NULL and does nothing, so callers print their
 * plain one-line messages instead. Bars are one line each, kept in the order
 * they were added, redrawn in place (at most ten times a second, and always
 * when a bar finishes). Safe to call from several threads.
 */
#ifndef LILIPOD_PROGRESS_H
#define LILIPOD_PROGRESS_H

#include <stdint.h>
#include <stdio.h>

struct lp_progress;

struct lp_progress *lp_progress_new(FILE *out);
/* Add a bar "LABEL [====>   ] done / total"; returns its index. */
int lp_progress_add(struct lp_progress *p, const char *label, uint64_t total);
void lp_progress_set(struct lp_progress *p, int bar, uint64_t done);
/* Replace the bar with "LABEL STATUS" ("done", "skipped: already exists"). */
void lp_progress_finish(struct lp_progress *p, int bar, const char *status);
/* Draw a last time and free. */
void lp_progress_free(struct lp_progress *p);

#endif
