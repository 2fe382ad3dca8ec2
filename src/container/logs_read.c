/* logs_read: the log read back (see logs_read.h). */
#include "logs_read.h"

#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../util/strbuf.h"
#include "../util/xalloc.h"

static int digits(const char **p, int n, int *out)
{
  int v = 0;
  for (int i = 0; i < n; i++)
    {
      if (!isdigit((unsigned char)(*p)[i]))
        return -1;
      v = v * 10 + ((*p)[i] - '0');
    }
  *p += n;
  *out = v;
  return 0;
}

/* RFC 3339-ish; 1 parsed, 0 not this form. */
static int parse_rfc3339ish(const char *s, int64_t *out)
{
  const char *p = s;
  int Y, M, D, h = 0, mi = 0, sec = 0;
  long frac = 0;
  if (digits(&p, 4, &Y) < 0 || *p++ != '-' || digits(&p, 2, &M) < 0 || *p++ != '-' || digits(&p, 2, &D) < 0)
    return 0;
  if (*p == 'T' || *p == 't' || *p == ' ')
    {
      p++;
      if (digits(&p, 2, &h) < 0 || *p++ != ':' || digits(&p, 2, &mi) < 0 || *p++ != ':' || digits(&p, 2, &sec) < 0)
        return 0;
      if (*p == '.' || *p == ',')
        {
          int nd = 0;
          for (p++; isdigit((unsigned char)*p); p++, nd++)
            if (nd < 9)
              frac = frac * 10 + (*p - '0');
          if (nd == 0)
            return 0;
          for (; nd < 9; nd++)
            frac *= 10;
        }
    }
  if (M < 1 || M > 12 || D < 1 || D > 31 || h > 23 || mi > 59 || sec > 60)
    return 0;
  struct tm tm = { .tm_year = Y - 1900, .tm_mon = M - 1, .tm_mday = D, .tm_hour = h, .tm_min = mi, .tm_sec = sec };
  time_t t;
  if (*p == '\0')
    {
      tm.tm_isdst = -1;
      t = mktime(&tm); /* no zone: local time, as Podman */
    }
  else
    {
      long off = 0;
      if (*p == 'Z' || *p == 'z')
        p++;
      else if (*p == '+' || *p == '-')
        {
          int oh, om;
          int sign = *p++ == '-' ? -1 : 1;
          if (digits(&p, 2, &oh) < 0)
            return 0;
          if (*p == ':')
            p++;
          if (digits(&p, 2, &om) < 0)
            return 0;
          off = sign * (oh * 3600L + om * 60L);
        }
      if (*p != '\0')
        return 0;
      t = timegm(&tm) - off;
    }
  *out = (int64_t)t * 1000000000 + frac;
  return 1;
}

static int parse_unix(const char *s, int64_t *out)
{
  const char *p = s;
  int64_t sec = 0;
  long frac = 0;
  if (!isdigit((unsigned char)*p))
    return 0;
  for (; isdigit((unsigned char)*p); p++)
    {
      if (sec > INT64_MAX / 10 / 1000000000)
        return 0;
      sec = sec * 10 + (*p - '0');
    }
  if (*p == '.')
    {
      int nd = 0;
      for (p++; isdigit((unsigned char)*p); p++, nd++)
        if (nd < 9)
          frac = frac * 10 + (*p - '0');
      for (; nd < 9; nd++)
        frac *= 10;
    }
  if (*p)
    return 0;
  *out = sec * 1000000000 + frac;
  return 1;
}

/* Go's time.ParseDuration. */
static int parse_duration(const char *s, int64_t *out)
{
  const char *p = s;
  double total = 0;
  int sign = 1;
  if (*p == '-' || *p == '+')
    sign = *p++ == '-' ? -1 : 1;
  if (strcmp(p, "0") == 0)
    {
      *out = 0;
      return 1;
    }
  if (!*p)
    return 0;
  while (*p)
    {
      char *end;
      if (!isdigit((unsigned char)*p) && *p != '.')
        return 0;
      double v = strtod(p, &end);
      if (end == p)
        return 0;
      p = end;
      static const struct
      {
        const char *u;
        double ns;
      } units[] = { { "ns", 1 }, { "us", 1e3 }, { "\xc2\xb5s", 1e3 }, { "\xce\xbcs", 1e3 }, { "ms", 1e6 },
                    { "s", 1e9 }, { "m", 60e9 }, { "h", 3600e9 } };
      size_t best = 0, bl = 0;
      for (size_t i = 0; i < sizeof units / sizeof units[0]; i++)
        {
          size_t l = strlen(units[i].u);
          if (strncmp(p, units[i].u, l) == 0 && l > bl)
            best = i, bl = l;
        }
      if (!bl)
        return 0;
      total += v * units[best].ns;
      p += bl;
    }
  *out = sign * (int64_t)total;
  return 1;
}

int lp_logs_parse_time(const char *s, int64_t now_ns, int64_t *out_ns, lp_error_t *err)
{
  int64_t d;
  if (parse_rfc3339ish(s, out_ns) || parse_unix(s, out_ns))
    return 0;
  if (parse_duration(s, &d))
    {
      *out_ns = now_ns - d;
      return 0;
    }
  return lp_error(err, 0, "invalid time \"%s\": want RFC 3339 (2006-01-02T15:04:05Z07:00), a Unix timestamp or a "
                          "duration (10m)", s);
}

/* Go's RFC3339Nano in the local zone. */
static void format_time(int64_t ns, struct strbuf *sb)
{
  time_t t = (time_t)(ns / 1000000000);
  long frac = (long)(ns % 1000000000);
  struct tm tm;
  if (!localtime_r(&t, &tm))
    memset(&tm, 0, sizeof tm);
  strbuf_addf(sb, "%04d-%02d-%02dT%02d:%02d:%02d", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
              tm.tm_min, tm.tm_sec);
  if (frac)
    {
      char f[16];
      snprintf(f, sizeof f, "%09ld", frac);
      size_t n = 9;
      while (n > 0 && f[n - 1] == '0')
        n--;
      f[n] = '\0';
      strbuf_addf(sb, ".%s", f);
    }
  long off = tm.tm_gmtoff;
  if (off == 0)
    strbuf_adds(sb, "Z");
  else
    strbuf_addf(sb, "%c%02ld:%02ld", off < 0 ? '-' : '+', labs(off) / 3600, labs(off) % 3600 / 60);
}

struct printer
{
  const struct lp_logs_opts *o;
  FILE *out, *errout;
  bool midline[2]; /* a P entry left the stream's line open */
  int64_t since;   /* since, from the start of its second */
  int last;        /* the stream written last */
  bool skipmid[2], skipping[2]; /* --tail */
};

static bool in_range(const struct printer *p, const struct lp_ctr_log_entry *e)
{
  if (p->o->since_ns && e->time_ns < p->since)
    return false;
  if (p->o->until_ns && e->time_ns > p->o->until_ns)
    return false;
  return true;
}

static void print_entry(struct printer *p, const struct lp_ctr_log_entry *e)
{
  int k = strcmp(e->stream, "stderr") == 0;
  FILE *f = k ? p->errout : p->out;
  /* Keep the order of the two streams when they share a destination. */
  if (k != p->last)
    fflush(k ? p->out : p->errout);
  p->last = k;
  if (!p->midline[k])
    {
      if (p->o->prefix)
        fputs(p->o->prefix, f);
      if (p->o->timestamps)
        {
          struct strbuf sb = STRBUF_INIT;
          format_time(e->time_ns, &sb);
          fprintf(f, "%s ", sb.buf);
          strbuf_release(&sb);
        }
    }
  fwrite(e->text, 1, e->len, f);
  if (!e->partial)
    fputc('\n', f);
  p->midline[k] = e->partial;
}

/* Read what follows *off into buf (appending). */
static int read_more(int fd, off_t *off, struct strbuf *buf, lp_error_t *err)
{
  char chunk[65536];
  for (;;)
    {
      ssize_t r = pread(fd, chunk, sizeof chunk, *off);
      if (r < 0)
        {
          if (errno == EINTR)
            continue;
          return lp_error(err, errno, "read the container's log");
        }
      if (r == 0)
        return 0;
      strbuf_add(buf, chunk, (size_t)r);
      *off += r;
    }
}

/* Print the complete lines of buf (skipping the first *skip full lines in
 * range), keeping an incomplete last line in buf. */
static void print_lines(struct printer *p, struct strbuf *buf, long *skip)
{
  size_t start = 0;
  for (;;)
    {
      char *nl = memchr(buf->buf + start, '\n', buf->len - start);
      if (!nl)
        break;
      size_t len = (size_t)(nl - (buf->buf + start));
      struct lp_ctr_log_entry e;
      if (lp_ctr_log_parse(buf->buf + start, len, &e) == 0 && in_range(p, &e))
        {
          /* --tail counts lines: a line starts where its stream is not
           * in the middle of one, and is skipped whole. */
          int k = strcmp(e.stream, "stderr") == 0;
          if (!p->skipmid[k])
            {
              p->skipping[k] = *skip > 0;
              if (*skip > 0)
                (*skip)--;
            }
          p->skipmid[k] = e.partial;
          if (!p->skipping[k])
            print_entry(p, &e);
        }
      start += len + 1;
    }
  memmove(buf->buf, buf->buf + start, buf->len - start);
  strbuf_setlen(buf, buf->len - start);
}

static long count_lines(struct printer *p, const struct strbuf *buf)
{
  long n = 0;
  bool mid[2] = { false, false };
  size_t start = 0;
  for (;;)
    {
      const char *nl = memchr(buf->buf + start, '\n', buf->len - start);
      if (!nl)
        break;
      size_t len = (size_t)(nl - (buf->buf + start));
      struct lp_ctr_log_entry e;
      if (lp_ctr_log_parse(buf->buf + start, len, &e) == 0 && in_range(p, &e))
        {
          int k = strcmp(e.stream, "stderr") == 0;
          if (!mid[k])
            n++;
          mid[k] = e.partial;
        }
      start += len + 1;
    }
  return n;
}

int lp_logs_print(int fd, const struct lp_logs_opts *o, FILE *out, FILE *errout, lp_error_t *err)
{
  struct printer p = { .o = o, .out = out, .errout = errout };
  p.since = o->since_ns - o->since_ns % 1000000000;
  struct strbuf buf = STRBUF_INIT;
  off_t off = 0;
  long skip = 0;
  int r = -1;

  if (read_more(fd, &off, &buf, err) < 0)
    goto out;
  if (o->tail >= 0)
    {
      long n = count_lines(&p, &buf);
      skip = n > o->tail ? n - o->tail : 0;
    }
  print_lines(&p, &buf, &skip);
  fflush(out);
  fflush(errout);
  if (o->follow)
    {
      bool running = o->still_running ? o->still_running(o->ctx) : false;
      for (;;)
        {
          if (read_more(fd, &off, &buf, err) < 0)
            goto out;
          print_lines(&p, &buf, &skip);
          if (fflush(out) == EOF && errno == EPIPE)
            break;
          fflush(errout);
          if (!running)
            break;
          struct timespec ts = { 0, 100 * 1000 * 1000 };
          nanosleep(&ts, NULL);
          /* Read once more after the container ended: its last lines. */
          running = o->still_running(o->ctx);
        }
    }
  r = 0;
out:
  strbuf_release(&buf);
  return r;
}
