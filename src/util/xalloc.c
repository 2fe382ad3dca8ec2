#include "xalloc.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void __attribute__((noreturn)) oom(void)
{
  static const char msg[] = "lilipod: out of memory\n";
  /* fputs may itself allocate; write(2) does not. */
  if (fwrite(msg, 1, sizeof msg - 1, stderr) == 0)
    abort();
  abort();
}

void *xmalloc(size_t size)
{
  void *p = malloc(size ? size : 1);
  if (!p)
    oom();
  return p;
}

void *xzalloc(size_t size)
{
  return xcalloc(1, size);
}

void *xcalloc(size_t nmemb, size_t size)
{
  void *p = calloc(nmemb ? nmemb : 1, size ? size : 1);
  if (!p)
    oom();
  return p;
}

void *xrealloc(void *ptr, size_t size)
{
  void *p = realloc(ptr, size ? size : 1);
  if (!p)
    oom();
  return p;
}

void *xreallocarray(void *ptr, size_t nmemb, size_t size)
{
  size_t total;
  if (__builtin_mul_overflow(nmemb, size, &total))
    oom();
  return xrealloc(ptr, total);
}

char *xstrdup(const char *s)
{
  char *p = strdup(s);
  if (!p)
    oom();
  return p;
}

char *xstrndup(const char *s, size_t n)
{
  char *p = strndup(s, n);
  if (!p)
    oom();
  return p;
}

char *xasprintf(const char *fmt, ...)
{
  va_list ap;
  char *out;
  va_start(ap, fmt);
  int r = vasprintf(&out, fmt, ap);
  va_end(ap);
  if (r < 0)
    oom();
  return out;
}

void freep(void *p)
{
  void **pp = p;
  free(*pp);
  *pp = NULL;
}
