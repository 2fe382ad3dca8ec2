/*
 * lazycurl: libcurl, loaded on its first use.
 *
 * Contract: this file defines the libcurl functions lilipod calls
 * (src/registry/client.c, cmd_version.c) and forwards each to libcurl,
 * which it dlopen()s the first time one is called (once, thread-safe). The
 * binary does not link libcurl: libcurl brings ~30 libraries (GnuTLS,
 * OpenSSL, Kerberos, LDAP, ...) whose loading and relocation cost ~3.5 ms
 * of CPU and ~500 page faults at every start of every command, while only
 * pull, login and search talk HTTP; run pays it twice (run, __supervise).
 * When libcurl cannot be loaded, curl_easy_init and curl_slist_append
 * return NULL, curl_global_init CURLE_FAILED_INIT, and curl_version_info
 * an entry whose version says so: callers see the usual failures.
 * A function lilipod starts calling must be added here (the link fails
 * until it is).
 */
#define CURL_DISABLE_TYPECHECK 1 /* the macros would rename our definitions */
#include <curl/curl.h>

#include <dlfcn.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

#include "log.h"

#ifndef LP_LIBCURL_SONAME
#define LP_LIBCURL_SONAME "libcurl.so.4"
#endif

static struct
{
  CURLcode (*global_init)(long);
  CURL *(*easy_init)(void);
  CURLcode (*easy_setopt)(CURL *, CURLoption, ...);
  CURLcode (*easy_perform)(CURL *);
  CURLcode (*easy_getinfo)(CURL *, CURLINFO, ...);
  void (*easy_cleanup)(CURL *);
  char *(*easy_escape)(CURL *, const char *, int);
  void (*free)(void *);
  const char *(*easy_strerror)(CURLcode);
  struct curl_slist *(*slist_append)(struct curl_slist *, const char *);
  void (*slist_free_all)(struct curl_slist *);
  curl_version_info_data *(*version_info)(CURLversion);
} fn;
static bool loaded;
static pthread_once_t once = PTHREAD_ONCE_INIT;

static void load(void)
{
  void *h = dlopen(LP_LIBCURL_SONAME, RTLD_NOW | RTLD_LOCAL);
  if (!h)
    {
      lp_debug("load libcurl: %s", dlerror());
      return;
    }
  struct
  {
    void **slot;
    const char *name;
  } syms[] = {
    { (void **)&fn.global_init, "curl_global_init" },
    { (void **)&fn.easy_init, "curl_easy_init" },
    { (void **)&fn.easy_setopt, "curl_easy_setopt" },
    { (void **)&fn.easy_perform, "curl_easy_perform" },
    { (void **)&fn.easy_getinfo, "curl_easy_getinfo" },
    { (void **)&fn.easy_cleanup, "curl_easy_cleanup" },
    { (void **)&fn.easy_escape, "curl_easy_escape" },
    { (void **)&fn.free, "curl_free" },
    { (void **)&fn.easy_strerror, "curl_easy_strerror" },
    { (void **)&fn.slist_append, "curl_slist_append" },
    { (void **)&fn.slist_free_all, "curl_slist_free_all" },
    { (void **)&fn.version_info, "curl_version_info" },
  };
  for (size_t i = 0; i < sizeof syms / sizeof syms[0]; i++)
    if (!(*syms[i].slot = dlsym(h, syms[i].name)))
      {
        lp_debug("load libcurl: no symbol %s", syms[i].name);
        return; /* h stays open: harmless, and nothing is half-used */
      }
  loaded = true;
}

static bool have(void)
{
  pthread_once(&once, load);
  return loaded;
}

CURLcode curl_global_init(long flags)
{
  return have() ? fn.global_init(flags) : CURLE_FAILED_INIT;
}

CURL *curl_easy_init(void)
{
  return have() ? fn.easy_init() : NULL;
}

/* The argument's type follows from the option's number (curl.h's
 * CURLOPTTYPE_* bases): long, object pointer, function pointer, curl_off_t,
 * blob pointer. */
CURLcode curl_easy_setopt(CURL *h, CURLoption opt, ...)
{
  if (!have())
    return CURLE_FAILED_INIT;
  va_list ap;
  va_start(ap, opt);
  CURLcode rc;
  if (opt < CURLOPTTYPE_OBJECTPOINT)
    rc = fn.easy_setopt(h, opt, va_arg(ap, long));
  else if (opt < CURLOPTTYPE_FUNCTIONPOINT)
    rc = fn.easy_setopt(h, opt, va_arg(ap, void *));
  else if (opt < CURLOPTTYPE_OFF_T)
    rc = fn.easy_setopt(h, opt, va_arg(ap, void (*)(void)));
  else if (opt < CURLOPTTYPE_BLOB)
    rc = fn.easy_setopt(h, opt, va_arg(ap, curl_off_t));
  else
    rc = fn.easy_setopt(h, opt, va_arg(ap, void *));
  va_end(ap);
  return rc;
}

CURLcode curl_easy_perform(CURL *h)
{
  return have() ? fn.easy_perform(h) : CURLE_FAILED_INIT;
}

/* Every CURLINFO takes a pointer to where the answer goes. */
CURLcode curl_easy_getinfo(CURL *h, CURLINFO info, ...)
{
  if (!have())
    return CURLE_FAILED_INIT;
  va_list ap;
  va_start(ap, info);
  CURLcode rc = fn.easy_getinfo(h, info, va_arg(ap, void *));
  va_end(ap);
  return rc;
}

void curl_easy_cleanup(CURL *h)
{
  if (have())
    fn.easy_cleanup(h);
}

char *curl_easy_escape(CURL *h, const char *s, int len)
{
  return have() ? fn.easy_escape(h, s, len) : NULL;
}

void curl_free(void *p)
{
  if (have())
    fn.free(p);
}

const char *curl_easy_strerror(CURLcode rc)
{
  return have() ? fn.easy_strerror(rc) : "libcurl (" LP_LIBCURL_SONAME ") could not be loaded";
}

struct curl_slist *curl_slist_append(struct curl_slist *l, const char *s)
{
  return have() ? fn.slist_append(l, s) : NULL;
}

void curl_slist_free_all(struct curl_slist *l)
{
  if (have())
    fn.slist_free_all(l);
}

curl_version_info_data *curl_version_info(CURLversion v)
{
  static curl_version_info_data none = { .version = "not found (" LP_LIBCURL_SONAME ")" };
  return have() ? fn.version_info(v) : &none;
}
