/*
 * strbuf: a growable, always NUL-terminated byte buffer (after git's).
 *
 * Contract: `buf` is never NULL once initialised (STRBUF_INIT points it at a
 * shared empty string until the first append), `buf[len] == '\0'` always, and
 * the buffer may hold NUL bytes in the middle. Appends abort on out of memory
 * (see xalloc.h); nothing here fails otherwise.
 */
#ifndef LILIPOD_STRBUF_H
#define LILIPOD_STRBUF_H

#include <stdarg.h>
#include <stddef.h>

struct strbuf
{
  char *buf;
  size_t len;
  size_t alloc;
};

extern char strbuf_empty[];
#define STRBUF_INIT { strbuf_empty, 0, 0 }

void strbuf_init(struct strbuf *sb, size_t hint);
void strbuf_release(struct strbuf *sb);
/* Hand the buffer to the caller (who frees it) and reset sb. */
char *strbuf_detach(struct strbuf *sb, size_t *len);
void strbuf_reset(struct strbuf *sb);
void strbuf_grow(struct strbuf *sb, size_t extra);
void strbuf_setlen(struct strbuf *sb, size_t len);

void strbuf_add(struct strbuf *sb, const void *data, size_t len);
void strbuf_adds(struct strbuf *sb, const char *s);
void strbuf_addch(struct strbuf *sb, int c);
void strbuf_addf(struct strbuf *sb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void strbuf_vaddf(struct strbuf *sb, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));
/* Append s quoted for a POSIX shell (single quotes). */
void strbuf_add_shell_quoted(struct strbuf *sb, const char *s);

void strbuf_rtrim(struct strbuf *sb);

#endif
