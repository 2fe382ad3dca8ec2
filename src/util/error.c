#include "error.h"
#include "strbuf.h"
#include "xalloc.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int lp_error(lp_error_t *err, int errnum, const char *fmt, ...)
{
  struct strbuf sb = STRBUF_INIT;
  va_list ap;

  if (!err)
    return -1;
  va_start(ap, fmt);
  strbuf_vaddf(&sb, fmt, ap);
  va_end(ap);
  if (errnum > 0)
    strbuf_addf(&sb, ": %s", strerror(errnum));

  if (*err)
    lp_error_free(err); /* a bug upstream; keep the newest, never leak */
  *err = xzalloc(sizeof **err);
  (*err)->errnum = errnum;
  (*err)->msg = strbuf_detach(&sb, NULL);
  return -1;
}

int lp_error_wrap(lp_error_t *err, const char *fmt, ...)
{
  struct strbuf sb = STRBUF_INIT;
  va_list ap;

  if (!err)
    return -1;
  va_start(ap, fmt);
  strbuf_vaddf(&sb, fmt, ap);
  va_end(ap);
  if (!*err)
    {
      *err = xzalloc(sizeof **err);
      (*err)->msg = strbuf_detach(&sb, NULL);
      return -1;
    }
  strbuf_adds(&sb, ": ");
  strbuf_adds(&sb, (*err)->msg);
  free((*err)->msg);
  (*err)->msg = strbuf_detach(&sb, NULL);
  return -1;
}

void lp_error_free(lp_error_t *err)
{
  if (!err || !*err)
    return;
  free((*err)->msg);
  free(*err);
  *err = NULL;
}
