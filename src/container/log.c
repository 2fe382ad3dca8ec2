/* log: the k8s-file container log (see config.h for the format). */
#include "config.h"

#include "../util/strbuf.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

void lp_ctr_log_time(int64_t ns, char out[64])
{
  time_t s = (time_t)(ns / 1000000000);
  long frac = (long)(ns % 1000000000);
  struct tm tm;
  gmtime_r(&s, &tm);
  snprintf(out, 64, "%04d-%02d-%02dT%02d:%02d:%02d.%09ld+00:00", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
           tm.tm_hour, tm.tm_min, tm.tm_sec, frac);
}

static int write_full(int fd, const char *p, size_t n)
{
  while (n)
    {
      ssize_t w = write(fd, p, n);
      if (w < 0)
        {
          if (errno == EINTR)
            continue;
          return -1;
        }
      p += w;
      n -= (size_t)w;
    }
  return 0;
}

int lp_ctr_log_write(int fd, const char *stream, const char *buf, size_t len)
{
  struct timespec ts;
  char tbuf[64];
  clock_gettime(CLOCK_REALTIME, &ts);
  lp_ctr_log_time((int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec, tbuf);
  struct strbuf sb;
  strbuf_init(&sb, len + 64);
  for (size_t i = 0; i < len;)
    {
      const char *nl = memchr(buf + i, '\n', len - i);
      size_t end = nl ? (size_t)(nl - buf) : len;
      strbuf_addf(&sb, "%s %s %c ", tbuf, stream, nl ? 'F' : 'P');
      strbuf_add(&sb, buf + i, end - i);
      strbuf_addch(&sb, '\n');
      i = nl ? end + 1 : len;
    }
  /* One write per chunk: with O_APPEND, readers never see half an entry. */
  int rc = write_full(fd, sb.buf, sb.len);
  strbuf_release(&sb);
  return rc;
}

/* days since 1970-01-01 of a civil date (Howard Hinnant's algorithm) */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
  y -= m <= 2;
  int64_t era = (y >= 0 ? y : y - 399) / 400;
  unsigned yoe = (unsigned)(y - era * 400);
  unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + (int64_t)doe - 719468;
}

int lp_ctr_log_parse(const char *line, size_t len, struct lp_ctr_log_entry *e)
{
  /* 2026-12-04T10:11:12.123456789+00:00 stdout F text */
  const char *sp = memchr(line, ' ', len);
  if (!sp)
    return -1;
  size_t tl = (size_t)(sp - line);
  int Y, M, D, h, mi, s, n = 0;
  if (tl < 20 || sscanf(line, "%4d-%2d-%2dT%2d:%2d:%2d%n", &Y, &M, &D, &h, &mi, &s, &n) != 6 || n != 19)
    return -1;
  int64_t frac = 0;
  size_t i = 19;
  if (i < tl && line[i] == '.')
    {
      int digits = 0;
      for (i++; i < tl && line[i] >= '0' && line[i] <= '9'; i++, digits++)
        if (digits < 9)
          frac = frac * 10 + (line[i] - '0');
      for (; digits < 9; digits++)
        frac *= 10;
    }
  int64_t off = 0;
  if (i < tl && (line[i] == '+' || line[i] == '-') && tl - i == 6)
    {
      int oh = (line[i + 1] - '0') * 10 + (line[i + 2] - '0'), om = (line[i + 4] - '0') * 10 + (line[i + 5] - '0');
      off = (int64_t)(oh * 3600 + om * 60) * (line[i] == '-' ? -1 : 1);
    }
  else if (!(i < tl && line[i] == 'Z' && tl - i == 1))
    return -1;
  int64_t secs = days_from_civil(Y, (unsigned)M, (unsigned)D) * 86400 + h * 3600 + mi * 60 + s - off;
  e->time_ns = secs * 1000000000 + frac;
  const char *p = sp + 1, *end = line + len;
  const char *sp2 = memchr(p, ' ', (size_t)(end - p));
  if (!sp2 || (size_t)(sp2 - p) >= sizeof e->stream)
    return -1;
  memcpy(e->stream, p, (size_t)(sp2 - p));
  e->stream[sp2 - p] = '\0';
  p = sp2 + 1;
  if (end - p < 1 || (*p != 'F' && *p != 'P'))
    return -1;
  e->partial = *p == 'P';
  p++;
  if (p < end && *p == ' ')
    p++;
  e->text = p;
  e->len = (size_t)(end - p);
  return 0;
}
