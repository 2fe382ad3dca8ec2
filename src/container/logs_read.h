/*
 * logs_read: reading a container's log (containers/<id>/ctr.log, k8s-file,
 * see config.h) back as `logs` prints it, and the time values of
 * `logs --since/--until`.
 *
 * Contract:
 * - The log is only ever read (opened O_RDONLY): reading never changes it.
 * - lp_logs_parse_time() accepts what Podman's util.ParseInputTime does:
 *   RFC 3339 with or without a fraction and a zone ("2026-12-04T10:11:12Z",
 *   "...12.000000000+00:00", "2026-12-04T10:11:12" in local time,
 *   "2026-12-04"), a Unix timestamp ("1764843072", "1764843072.5"), or a Go
 *   duration before now ("10m", "1h30m", "1.5s").
 * - lp_logs_print() writes the entries of the file between since and until
 *   (inclusive; 0 = unbounded; since counts from the start of its second, so
 *   lines from the same second are included), joining P entries with the F
 *   that ends them, stdout entries to out and stderr entries to errout;
 *   `timestamps` prefixes each line with its time (RFC 3339 nano, local zone),
 *   `prefix` (or NULL) goes before each line, `tail` >= 0 keeps only the last
 *   N lines. With `follow`, it keeps reading what is appended (polling every
 *   100 ms) until still_running(ctx) returns false and the file has been
 *   read to its end once more.
 */
#ifndef LILIPOD_CONTAINER_LOGS_READ_H
#define LILIPOD_CONTAINER_LOGS_READ_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "../util/error.h"

/* Unix ns. now_ns: the reference for durations. */
int lp_logs_parse_time(const char *s, int64_t now_ns, int64_t *out_ns, lp_error_t *err);

struct lp_logs_opts
{
  int64_t since_ns, until_ns; /* 0 = unbounded */
  bool timestamps;
  const char *prefix;
  long tail; /* -1 = all */
  bool follow;
  bool (*still_running)(void *ctx);
  void *ctx;
};

/* fd: the log opened for reading (kept open; not closed here). */
int lp_logs_print(int fd, const struct lp_logs_opts *o, FILE *out, FILE *errout, lp_error_t *err);

#endif
