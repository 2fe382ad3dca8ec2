/*
 * spawn: start a lilipod process that outlives the command that starts it.
 *
 * Contract: lp_ctr_spawn_detached() runs `lilipod ARGV...` as a fresh exec
 * of this binary (so no SQLite state is inherited: SQLite's per-process lock
 * bookkeeping must not be a forked copy), double-forked into a session of
 * its own, stdio on /dev/null, LILIPOD_HOME set to home made absolute, and
 * no file descriptor of the caller's but the write end of a pipe on fd 3.
 * It returns once that pipe reaches EOF (the process closed fd 3, or exited)
 * with what the process wrote there in *reply: that is how the process says
 * it is ready ("R...") or why it failed ("E<code> <message>").
 */
#ifndef LILIPOD_CONTAINER_SPAWN_H
#define LILIPOD_CONTAINER_SPAWN_H

#include "../util/error.h"
#include "../util/strbuf.h"

/* argv[0] is ignored (the process is named "lilipod"); NULL-terminated. */
int lp_ctr_spawn_detached(const char *home, char *const argv[], struct strbuf *reply, lp_error_t *err);

/* The same, with extra_fd (>= 0) on the process's fd 4, not close-on-exec. */
int lp_ctr_spawn_detached_fd(const char *home, char *const argv[], int extra_fd, struct strbuf *reply,
                             lp_error_t *err);

/* Parse a reply: 0 for "R..." (*rest after the R), else -1 with err set
 * from "E<code> <message>" (code in err->exit_code) or, for anything else
 * (the process died first), to `died`. */
int lp_ctr_spawn_reply(const struct strbuf *reply, const char *died, const char **rest, lp_error_t *err);

#endif
