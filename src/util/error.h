/*
 * error: the error object every fallible lilipod function fills.
 *
 * Contract (after crun's error handling): a function that can fail takes
 * `lp_error_t *err` as its last argument and returns a negative int (or NULL)
 * on failure, having set *err with lp_error(). The caller owns *err: it either
 * handles it and calls lp_error_free(), or adds context with lp_error_wrap()
 * and returns it upwards. Only the CLI layer prints errors and picks exit
 * codes; nothing below it exits. *err must be NULL on entry.
 *
 * Messages read as a chain from the outermost context inwards, the way the
 * user wants to read them: "pull busybox: fetch manifest: connection refused".
 */
#ifndef LILIPOD_ERROR_H
#define LILIPOD_ERROR_H

struct lp_error
{
  int errnum;  /* errno-style cause, 0 if none */
  int exit_code; /* suggested exit status for the CLI, 0 = default (125) */
  char *msg;   /* full message, owned */
};
typedef struct lp_error *lp_error_t;

/* Set *err to a new error. errnum > 0 appends ": strerror(errnum)".
 * Always returns -1 so callers can `return lp_error(err, ...)`. */
int lp_error(lp_error_t *err, int errnum, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Prefix context to an existing error: "context: previous". Returns -1. */
int lp_error_wrap(lp_error_t *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Free the error and set *err to NULL. Safe on NULL. */
void lp_error_free(lp_error_t *err);
/* Convenience for the cleanup attribute. */
#define cleanup_error __attribute__((cleanup(lp_error_free)))

#endif
