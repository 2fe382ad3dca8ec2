#include "log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

static enum lp_log_level current_level = LP_LOG_WARN;
static struct timespec start_time;

__attribute__((constructor)) static void log_init(void)
{
  clock_gettime(CLOCK_MONOTONIC, &start_time);
}

void lp_log_set_level(enum lp_log_level level)
{
  current_level = level;
}

enum lp_log_level lp_log_get_level(void)
{
  return current_level;
}

int lp_log_parse_level(const char *name)
{
  static const struct
  {
    const char *name;
    enum lp_log_level level;
  } names[] = {
    { "debug", LP_LOG_DEBUG }, { "info", LP_LOG_INFO },   { "warn", LP_LOG_WARN },
    { "warning", LP_LOG_WARN }, { "error", LP_LOG_ERROR }, { "trace", LP_LOG_DEBUG },
  };
  for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
    if (strcmp(names[i].name, name) == 0)
      return names[i].level;
  return -1;
}

void lp_log(enum lp_log_level level, const char *fmt, ...)
{
  static const char *const tags[] = { "DEBU", "INFO", "WARN", "ERRO" };
  struct timespec now;
  va_list ap;
  char line[4096];

  if (level < current_level)
    return;
  clock_gettime(CLOCK_MONOTONIC, &now);
  long secs = (long) (now.tv_sec - start_time.tv_sec);
  int n = snprintf(line, sizeof line, "%s[%04ld] ", tags[level], secs);
  va_start(ap, fmt);
  if (n > 0 && (size_t) n < sizeof line)
    vsnprintf(line + n, sizeof line - (size_t) n, fmt, ap);
  va_end(ap);
  /* One write per line, so concurrent processes do not interleave mid-line. */
  fprintf(stderr, "%s\n", line);
}
