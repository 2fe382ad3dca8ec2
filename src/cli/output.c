/* Podman's output helpers: human sizes and durations, Go times and JSON. */
#include "output.h"

#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../util/xalloc.h"

static const char *const decimal_units[] = { "B", "kB", "MB", "GB", "TB", "PB", "EB", "ZB", "YB" };

/* go-units getSizeAndUnit with base 1000. */
static const char *scale(double *size)
{
  size_t i = 0;
  while (*size >= 1000.0 && i < sizeof decimal_units / sizeof decimal_units[0] - 1)
    {
      *size /= 1000.0;
      i++;
    }
  return decimal_units[i];
}

char *lp_human_size(double bytes)
{
  /* Podman: units.HumanSizeWithPrecision(size, 3), then a space before the unit. */
  const char *unit = scale(&bytes);
  return xasprintf("%.*g %s", 3, bytes, unit);
}

char *lp_human_size_compact(double bytes)
{
  const char *unit = scale(&bytes);
  return xasprintf("%.*g%s", 4, bytes, unit);
}

char *lp_human_duration(int64_t seconds)
{
  if (seconds < 1)
    return xstrdup("Less than a second");
  if (seconds == 1)
    return xstrdup("1 second");
  if (seconds < 60)
    return xasprintf("%lld seconds", (long long) seconds);
  int64_t minutes = seconds / 60;
  if (minutes == 1)
    return xstrdup("About a minute");
  if (minutes < 60)
    return xasprintf("%lld minutes", (long long) minutes);
  /* Go: int(d.Hours() + 0.5) */
  int64_t hours = (int64_t) ((double) seconds / 3600.0 + 0.5);
  if (hours == 1)
    return xstrdup("About an hour");
  if (hours < 48)
    return xasprintf("%lld hours", (long long) hours);
  if (hours < 24 * 7 * 2)
    return xasprintf("%lld days", (long long) (hours / 24));
  if (hours < 24 * 30 * 2)
    return xasprintf("%lld weeks", (long long) (hours / 24 / 7));
  if (hours < 24 * 365 * 2)
    return xasprintf("%lld months", (long long) (hours / 24 / 30));
  return xasprintf("%lld years", (long long) (seconds / 3600 / 24 / 365));
}

char *lp_human_ago(int64_t then, int64_t now)
{
  cleanup_free char *d = lp_human_duration(now - then);
  return xasprintf("%s ago", d);
}

static void utc(int64_t sec, struct tm *tm)
{
  time_t t = (time_t) sec;
  if (gmtime_r(&t, tm) == NULL)
    memset(tm, 0, sizeof *tm);
}

/* Go's RFC3339Nano fraction: nanoseconds with trailing zeros dropped. */
static void add_fraction(struct strbuf *sb, long nsec)
{
  if (nsec <= 0)
    return;
  char digits[16];
  snprintf(digits, sizeof digits, "%09ld", nsec);
  size_t n = strlen(digits);
  while (n > 0 && digits[n - 1] == '0')
    n--;
  strbuf_addch(sb, '.');
  strbuf_add(sb, digits, n);
}

char *lp_time_rfc3339(int64_t sec, long nsec)
{
  struct tm tm;
  struct strbuf sb = STRBUF_INIT;
  utc(sec, &tm);
  strbuf_addf(&sb, "%04d-%02d-%02dT%02d:%02d:%02d", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
              tm.tm_min, tm.tm_sec);
  add_fraction(&sb, nsec);
  strbuf_addch(&sb, 'Z');
  return strbuf_detach(&sb, NULL);
}

char *lp_time_go(int64_t sec, long nsec)
{
  struct tm tm;
  struct strbuf sb = STRBUF_INIT;
  utc(sec, &tm);
  strbuf_addf(&sb, "%04d-%02d-%02d %02d:%02d:%02d", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
              tm.tm_min, tm.tm_sec);
  add_fraction(&sb, nsec);
  strbuf_adds(&sb, " +0000 UTC");
  return strbuf_detach(&sb, NULL);
}

static int digits(const char **p, int n, int *out)
{
  int v = 0;
  for (int i = 0; i < n; i++)
    {
      if (!isdigit((unsigned char) (*p)[i]))
        return -1;
      v = v * 10 + ((*p)[i] - '0');
    }
  *p += n;
  *out = v;
  return 0;
}

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm). */
static int64_t days_from_civil(int64_t y, int m, int d)
{
  y -= m <= 2;
  int64_t era = (y >= 0 ? y : y - 399) / 400;
  int64_t yoe = y - era * 400;
  int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

int lp_parse_rfc3339(const char *s, int64_t *sec, long *nsec)
{
  int y, mo, d, h, mi, se;
  const char *p = s;
  if (s == NULL || digits(&p, 4, &y) < 0 || *p++ != '-' || digits(&p, 2, &mo) < 0 || *p++ != '-'
      || digits(&p, 2, &d) < 0 || (*p != 'T' && *p != 't' && *p != ' '))
    return -1;
  p++;
  if (digits(&p, 2, &h) < 0 || *p++ != ':' || digits(&p, 2, &mi) < 0 || *p++ != ':' || digits(&p, 2, &se) < 0)
    return -1;
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || se > 60)
    return -1;
  long ns = 0;
  if (*p == '.')
    {
      p++;
      int n = 0;
      while (isdigit((unsigned char) *p))
        {
          if (n < 9)
            ns = ns * 10 + (*p - '0');
          n++;
          p++;
        }
      if (n == 0)
        return -1;
      for (; n < 9; n++)
        ns *= 10;
    }
  int64_t offset = 0;
  if (*p == 'Z' || *p == 'z')
    p++;
  else if (*p == '+' || *p == '-')
    {
      int sign = *p == '-' ? -1 : 1, oh, om;
      p++;
      if (digits(&p, 2, &oh) < 0 || *p++ != ':' || digits(&p, 2, &om) < 0)
        return -1;
      offset = sign * (oh * 3600 + om * 60);
    }
  else
    return -1;
  /* Go's time.String() form ends in " +0000 UTC"; accept nothing else after. */
  if (*p != '\0')
    return -1;
  *sec = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + se - offset;
  *nsec = ns;
  return 0;
}

/* Go's encoding/json string escaping (with its default HTML safety). */
static void json_string(struct strbuf *out, const char *s)
{
  static const char hex[] = "0123456789abcdef";
  strbuf_addch(out, '"');
  for (const unsigned char *p = (const unsigned char *) s; *p; p++)
    {
      unsigned char c = *p;
      switch (c)
        {
        case '"': strbuf_adds(out, "\\\""); continue;
        case '\\': strbuf_adds(out, "\\\\"); continue;
        case '\n': strbuf_adds(out, "\\n"); continue;
        case '\r': strbuf_adds(out, "\\r"); continue;
        case '\t': strbuf_adds(out, "\\t"); continue;
        default: break;
        }
      if (c < 0x20 || c == '<' || c == '>' || c == '&')
        {
          strbuf_adds(out, "\\u00");
          strbuf_addch(out, hex[c >> 4]);
          strbuf_addch(out, hex[c & 0xf]);
          continue;
        }
      /* U+2028 and U+2029 (E2 80 A8/A9) */
      if (c == 0xe2 && p[1] == 0x80 && (p[2] == 0xa8 || p[2] == 0xa9))
        {
          strbuf_adds(out, p[2] == 0xa8 ? "\\u2028" : "\\u2029");
          p += 2;
          continue;
        }
      strbuf_addch(out, (char) c);
    }
  strbuf_addch(out, '"');
}

static void newline(struct strbuf *out, const char *indent, int depth)
{
  strbuf_addch(out, '\n');
  for (int i = 0; i < depth; i++)
    strbuf_adds(out, indent);
}

static void json_value(struct strbuf *out, const cJSON *v, const char *indent, int depth)
{
  if (v == NULL || cJSON_IsNull(v))
    strbuf_adds(out, "null");
  else if (cJSON_IsTrue(v))
    strbuf_adds(out, "true");
  else if (cJSON_IsFalse(v))
    strbuf_adds(out, "false");
  else if (cJSON_IsNumber(v))
    {
      double d = v->valuedouble;
      if (d == floor(d) && fabs(d) < 9.2e18)
        strbuf_addf(out, "%lld", (long long) d);
      else
        strbuf_addf(out, "%.17g", d);
    }
  else if (cJSON_IsString(v))
    json_string(out, v->valuestring ? v->valuestring : "");
  else if (cJSON_IsRaw(v))
    strbuf_adds(out, v->valuestring ? v->valuestring : "null");
  else if (cJSON_IsArray(v) || cJSON_IsObject(v))
    {
      bool obj = cJSON_IsObject(v);
      if (v->child == NULL)
        {
          strbuf_adds(out, obj ? "{}" : "[]");
          return;
        }
      strbuf_addch(out, obj ? '{' : '[');
      for (const cJSON *c = v->child; c; c = c->next)
        {
          newline(out, indent, depth + 1);
          if (obj)
            {
              json_string(out, c->string ? c->string : "");
              strbuf_adds(out, ": ");
            }
          json_value(out, c, indent, depth + 1);
          if (c->next)
            strbuf_addch(out, ',');
        }
      newline(out, indent, depth);
      strbuf_addch(out, obj ? '}' : ']');
    }
}

void lp_json_print_go(struct strbuf *out, const cJSON *v, const char *indent)
{
  json_value(out, v, indent, 0);
}

bool lp_format_is_json(const char *fmt)
{
  /* report.IsJSON: ^\s*(json|\{\{\s*json\s*(\.)?\s*\}\})\s*$ */
  const char *p = fmt;
  while (isspace((unsigned char) *p))
    p++;
  if (strncmp(p, "json", 4) == 0)
    p += 4;
  else
    {
      if (strncmp(p, "{{", 2) != 0)
        return false;
      p += 2;
      while (isspace((unsigned char) *p))
        p++;
      if (strncmp(p, "json", 4) != 0)
        return false;
      p += 4;
      while (isspace((unsigned char) *p))
        p++;
      if (*p == '.')
        p++;
      while (isspace((unsigned char) *p))
        p++;
      if (strncmp(p, "}}", 2) != 0)
        return false;
      p += 2;
    }
  while (isspace((unsigned char) *p))
    p++;
  return *p == '\0';
}

/* Podman's report.NormalizeFormat. */
static char *normalize(const char *fmt, bool *table)
{
  struct strbuf sb = STRBUF_INIT;
  const char *p = fmt;
  *table = strncmp(fmt, "table ", 6) == 0 || strcmp(fmt, "table") == 0;
  while (*p)
    {
      if (*table && strncmp(p, "table ", 6) == 0)
        p += 6;
      else if (p[0] == '\\' && p[1] == 't')
        {
          strbuf_addch(&sb, '\t');
          p += 2;
        }
      else if (p[0] == '\\' && p[1] == 'n')
        {
          strbuf_addch(&sb, '\n');
          p += 2;
        }
      else if (*table && *p == ' ')
        {
          strbuf_addch(&sb, '\t');
          p++;
        }
      else
        strbuf_addch(&sb, *p++);
    }
  if (*table && strcmp(fmt, "table") == 0)
    strbuf_reset(&sb);
  if (sb.len == 0 || sb.buf[sb.len - 1] != '\n')
    strbuf_addch(&sb, '\n');
  return strbuf_detach(&sb, NULL);
}

/* UTF-8 characters in s[0..n). */
static size_t text_width(const char *s, size_t n)
{
  size_t w = 0;
  for (size_t i = 0; i < n; i++)
    if (((unsigned char) s[i] & 0xc0) != 0x80)
      w++;
  return w;
}

/* Go's text/tabwriter as Podman configures it (minwidth 12, padding 2,
 * spaces): every tab-terminated cell of a column is padded to the column's
 * width; the last cell of a line is not part of a column. */
void lp_tabwrite(struct strbuf *out, const char *text)
{
  size_t *widths = NULL, ncols = 0;
  for (int pass = 0; pass < 2; pass++)
    {
      const char *line = text;
      while (*line)
        {
          const char *eol = strchr(line, '\n');
          if (eol == NULL)
            eol = line + strlen(line);
          const char *cell = line;
          size_t col = 0;
          for (;;)
            {
              const char *tab = memchr(cell, '\t', (size_t) (eol - cell));
              if (tab == NULL)
                {
                  if (pass)
                    strbuf_add(out, cell, (size_t) (eol - cell));
                  break;
                }
              size_t w = text_width(cell, (size_t) (tab - cell));
              if (pass == 0)
                {
                  if (col >= ncols)
                    {
                      widths = xreallocarray(widths, col + 1, sizeof *widths);
                      for (; ncols <= col; ncols++)
                        widths[ncols] = 12;
                    }
                  if (w + 2 > widths[col])
                    widths[col] = w + 2;
                }
              else
                {
                  strbuf_add(out, cell, (size_t) (tab - cell));
                  for (size_t k = w; k < widths[col]; k++)
                    strbuf_addch(out, ' ');
                }
              col++;
              cell = tab + 1;
            }
          if (pass)
            strbuf_add(out, eol, *eol ? 1 : 0);
          line = *eol ? eol + 1 : eol;
        }
    }
  free(widths);
}

int lp_output_table(FILE *out, const char *fmt, const cJSON *headers, const cJSON *rows,
                    const struct lp_tmpl_maps *maps, bool noheading, lp_error_t *err)
{
  bool table;
  cleanup_free char *norm = normalize(fmt, &table);
  char *msg = NULL;
  struct lp_template *t = lp_template_parse(norm, &msg);
  if (t == NULL)
    {
      lp_error(err, 0, "%s", msg ? msg : "bad template");
      free(msg);
      return -1;
    }
  struct strbuf text = STRBUF_INIT;
  int r = 0;
  if (table && headers && !noheading)
    r = lp_template_exec(t, headers, NULL, &text, &msg);
  const cJSON *row;
  cJSON_ArrayForEach(row, rows)
  {
    if (r < 0)
      break;
    r = lp_template_exec(t, row, maps, &text, &msg);
  }
  lp_template_free(t);
  if (table)
    {
      struct strbuf tw = STRBUF_INIT;
      lp_tabwrite(&tw, text.buf);
      fwrite(tw.buf, 1, tw.len, out);
      strbuf_release(&tw);
    }
  else
    fwrite(text.buf, 1, text.len, out);
  strbuf_release(&text);
  if (r < 0)
    {
      lp_error(err, 0, "%s", msg ? msg : "template error");
      free(msg);
      return -1;
    }
  return 0;
}
