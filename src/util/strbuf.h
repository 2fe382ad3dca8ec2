/*
 * strbuf: a growable byte buffer (git style).
 *
 * Contract: buf is always NUL-terminated (so it can be used as a C string
 * when the content has no embedded NULs), len counts the content bytes,
 * alloc the allocated size (0 means buf points at a static empty string
 * and nothing is owned).  Allocation failure aborts the process: a
 * container manager that cannot grow a string buffer cannot do anything
 * useful, and checking every append would bury the real logic.
 * Initialise with STRBUF_INIT; release with strbuf_release().
 */
#ifndef LILIPOD_UTIL_STRBUF_H
#define LILIPOD_UTIL_STRBUF_H

#include <stddef.h>

struct strbuf {
	char *buf;
	size_t len, alloc;
};

extern char strbuf_slopbuf[];
#define STRBUF_INIT { strbuf_slopbuf, 0, 0 }

void strbuf_init(struct strbuf *sb);
void strbuf_grow(struct strbuf *sb, size_t extra);
void strbuf_add(struct strbuf *sb, const void *data, size_t len);
void strbuf_adds(struct strbuf *sb, const char *s);
void strbuf_addch(struct strbuf *sb, int c);
void strbuf_addf(struct strbuf *sb, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void strbuf_setlen(struct strbuf *sb, size_t len);
void strbuf_reset(struct strbuf *sb);
void strbuf_release(struct strbuf *sb);
/* Hand the buffer to the caller (always malloc'ed, even when empty). */
char *strbuf_detach(struct strbuf *sb, size_t *len);

#endif
