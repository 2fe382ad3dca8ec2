/*
 * log: the one logger every module uses.
 *
 * Contract: messages at or above the current level go to stderr, one line
 * each, in Podman's text shape: `WARN[0000] message`, where the number is
 * seconds since the process started. The level is set once by the CLI from
 * --log-level (default: warn). Logging never fails and never allocates on
 * the hot path when the level is filtered out.
 */
#ifndef LILIPOD_LOG_H
#define LILIPOD_LOG_H

enum lp_log_level
{
  LP_LOG_DEBUG = 0,
  LP_LOG_INFO,
  LP_LOG_WARN,
  LP_LOG_ERROR,
};

void lp_log_set_level(enum lp_log_level level);
enum lp_log_level lp_log_get_level(void);
/* Parse "debug", "info", "warn"/"warning", "error"; -1 if unknown. */
int lp_log_parse_level(const char *name);
void lp_log(enum lp_log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define lp_debug(...) lp_log(LP_LOG_DEBUG, __VA_ARGS__)
#define lp_info(...) lp_log(LP_LOG_INFO, __VA_ARGS__)
#define lp_warn(...) lp_log(LP_LOG_WARN, __VA_ARGS__)
#define lp_log_error(...) lp_log(LP_LOG_ERROR, __VA_ARGS__)

#endif
