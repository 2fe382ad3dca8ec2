/*
 * xalloc: allocation that never returns NULL.
 *
 * Contract: every function here either succeeds or aborts the process with a
 * one-line message on stderr. Out of memory is the one failure lilipod does not
 * report through an error object: nothing useful can be done about it, and
 * checking every small string allocation would bury the real error paths.
 */
#ifndef LILIPOD_XALLOC_H
#define LILIPOD_XALLOC_H

#include <stddef.h>

void *xmalloc(size_t size);
void *xzalloc(size_t size);
void *xcalloc(size_t nmemb, size_t size);
void *xrealloc(void *ptr, size_t size);
/* realloc for arrays: checks nmemb * size for overflow. */
void *xreallocarray(void *ptr, size_t nmemb, size_t size);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
/* printf into a fresh string. */
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Free *p and set it to NULL; for use with __attribute__((cleanup)). */
void freep(void *p);
#define cleanup_free __attribute__((cleanup(freep)))

#endif
