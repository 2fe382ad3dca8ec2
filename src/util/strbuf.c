#include "strbuf.h"
#include "xalloc.h"

#include <stdio.h>
#include <string.h>
#include <stdlib.h>
#include <ctype.h>

char strbuf_empty[1];

void strbuf_init(struct strbuf *sb, size_t hint)
{
  sb->buf = strbuf_empty;
  sb->len = sb->alloc = 0;
  if (hint)
    strbuf_grow(sb, hint);
}

void strbuf_release(struct strbuf *sb)
{
  if (sb->alloc)
    free(sb->buf);
  strbuf_init(sb, 0);
}

char *strbuf_detach(struct strbuf *sb, size_t *len)
{
  char *res;
  if (len)
    *len = sb->len;
  if (!sb->alloc)
    res = xstrdup("");
  else
    res = sb->buf;
  strbuf_init(sb, 0);
  return res;
}

void strbuf_reset(struct strbuf *sb)
{
  strbuf_setlen(sb, 0);
}

void strbuf_grow(struct strbuf *sb, size_t extra)
{
  size_t need;
  if (__builtin_add_overflow(sb->len, extra, &need) || __builtin_add_overflow(need, 1, &need))
    xmalloc((size_t) -1); /* aborts */
  if (need <= sb->alloc)
    return;
  size_t alloc = sb->alloc ? sb->alloc : 64;
  while (alloc < need)
    alloc = alloc < ((size_t) -1) / 2 ? alloc * 2 : need;
  char *old = sb->alloc ? sb->buf : NULL;
  sb->buf = xrealloc(old, alloc);
  if (!old)
    sb->buf[0] = '\0';
  sb->alloc = alloc;
}

void strbuf_setlen(struct strbuf *sb, size_t len)
{
  if (!sb->alloc)
    return; /* only len 0 is possible on the shared empty buffer */
  sb->len = len < sb->alloc ? len : sb->alloc - 1;
  sb->buf[sb->len] = '\0';
}

void strbuf_add(struct strbuf *sb, const void *data, size_t len)
{
  if (!len)
    return;
  strbuf_grow(sb, len);
  memcpy(sb->buf + sb->len, data, len);
  sb->len += len;
  sb->buf[sb->len] = '\0';
}

void strbuf_adds(struct strbuf *sb, const char *s)
{
  strbuf_add(sb, s, strlen(s));
}

void strbuf_addch(struct strbuf *sb, int c)
{
  strbuf_grow(sb, 1);
  sb->buf[sb->len++] = (char) c;
  sb->buf[sb->len] = '\0';
}

void strbuf_vaddf(struct strbuf *sb, const char *fmt, va_list ap)
{
  va_list cp;
  va_copy(cp, ap);
  int n = vsnprintf(NULL, 0, fmt, cp);
  va_end(cp);
  if (n < 0)
    return;
  strbuf_grow(sb, (size_t) n);
  vsnprintf(sb->buf + sb->len, (size_t) n + 1, fmt, ap);
  sb->len += (size_t) n;
}

void strbuf_addf(struct strbuf *sb, const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  strbuf_vaddf(sb, fmt, ap);
  va_end(ap);
}

void strbuf_add_shell_quoted(struct strbuf *sb, const char *s)
{
  strbuf_addch(sb, '\'');
  for (; *s; s++)
    {
      if (*s == '\'')
        strbuf_adds(sb, "'\\''");
      else
        strbuf_addch(sb, *s);
    }
  strbuf_addch(sb, '\'');
}

void strbuf_rtrim(struct strbuf *sb)
{
  while (sb->len && isspace((unsigned char) sb->buf[sb->len - 1]))
    sb->len--;
  if (sb->alloc)
    sb->buf[sb->len] = '\0';
}
