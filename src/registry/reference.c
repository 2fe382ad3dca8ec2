/* Image reference parsing; the grammar is docker/distribution's reference/regexp.go. */
#include "reference.h"
#include "../util/strbuf.h"
#include "../util/xalloc.h"

#include <ctype.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#define NAME_MAX_TOTAL 255

static bool is_lower_alnum(int c)
{
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

/* path-component: [a-z0-9]+(?:(?:[._]|__|[-]*)[a-z0-9]+)* over s[0..n) */
static bool path_component_valid(const char *s, size_t n)
{
  size_t i = 0;
  if (n == 0 || !is_lower_alnum((unsigned char) s[0]))
    return false;
  while (i < n)
    {
      while (i < n && is_lower_alnum((unsigned char) s[i]))
        i++;
      if (i == n)
        return true;
      size_t sep = i;
      if (s[i] == '.')
        i++;
      else if (s[i] == '_')
        i += (i + 1 < n && s[i + 1] == '_') ? 2 : 1;
      else if (s[i] == '-')
        while (i < n && s[i] == '-')
          i++;
      else
        return false;
      if (i == sep || i == n || !is_lower_alnum((unsigned char) s[i]))
        return false;
    }
  return true;
}

/* domain-component: [a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9] */
static bool domain_component_valid(const char *s, size_t n)
{
  if (n == 0 || !isalnum((unsigned char) s[0]) || !isalnum((unsigned char) s[n - 1]))
    return false;
  for (size_t i = 0; i < n; i++)
    if (!isalnum((unsigned char) s[i]) && s[i] != '-')
      return false;
  return true;
}

/* domain: host(.host)*(:port)? or [ipv6](:port)? */
static bool domain_valid(const char *s, size_t n)
{
  size_t hostlen = n;
  if (n > 0 && s[0] == '[')
    {
      const char *close = memchr(s, ']', n);
      if (!close || close == s + 1)
        return false;
      for (const char *p = s + 1; p < close; p++)
        if (!isxdigit((unsigned char) *p) && *p != ':')
          return false;
      hostlen = (size_t) (close - s) + 1;
      if (hostlen == n)
        return true;
      if (s[hostlen] != ':')
        return false;
    }
  else
    {
      const char *colon = memchr(s, ':', n);
      if (colon)
        hostlen = (size_t) (colon - s);
      size_t start = 0;
      for (size_t i = 0; i <= hostlen; i++)
        if (i == hostlen || s[i] == '.')
          {
            if (!domain_component_valid(s + start, i - start))
              return false;
            start = i + 1;
          }
      if (hostlen == n)
        return true;
    }
  /* :port */
  if (hostlen + 1 >= n)
    return false;
  for (size_t i = hostlen + 1; i < n; i++)
    if (!isdigit((unsigned char) s[i]))
      return false;
  return true;
}

static bool tag_valid(const char *t)
{
  size_t n = strlen(t);
  if (n == 0 || n > 128)
    return false;
  if (!isalnum((unsigned char) t[0]) && t[0] != '_')
    return false;
  for (size_t i = 1; i < n; i++)
    if (!isalnum((unsigned char) t[i]) && t[i] != '_' && t[i] != '.' && t[i] != '-')
      return false;
  return true;
}

int lp_digest_valid(const char *d)
{
  const char *colon = strchr(d, ':');
  if (!colon || colon == d)
    return 0;
  /* algorithm: [A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)* */
  bool need_alpha = true;
  for (const char *p = d; p < colon; p++)
    {
      if (need_alpha)
        {
          if (!isalpha((unsigned char) *p))
            return 0;
          need_alpha = false;
        }
      else if (strchr("-_+.", *p))
        need_alpha = true;
      else if (!isalnum((unsigned char) *p))
        return 0;
    }
  if (need_alpha)
    return 0;
  const char *hex = colon + 1;
  size_t n = strlen(hex);
  bool sha256 = (size_t) (colon - d) == 6 && strncmp(d, "sha256", 6) == 0;
  if (sha256 ? n != 64 : n < 32)
    return 0;
  for (size_t i = 0; i < n; i++)
    if (!isxdigit((unsigned char) hex[i]) || (sha256 && isupper((unsigned char) hex[i])))
      return 0;
  return 1;
}

/* Does the first component name a domain (docker's splitDockerDomain rule)? */
static bool looks_like_domain(const char *s, size_t n)
{
  if (n == 9 && strncmp(s, "localhost", 9) == 0)
    return true;
  for (size_t i = 0; i < n; i++)
    if (s[i] == '.' || s[i] == ':' || isupper((unsigned char) s[i]))
      return true;
  return false;
}

static int invalid(lp_error_t *err, const char *why, const char *s)
{
  if (why)
    return lp_error(err, 0, "invalid reference format: %s: \"%s\"", why, s);
  return lp_error(err, 0, "invalid reference format: \"%s\"", s);
}

int lp_reference_parse(const char *s, struct lp_reference *out, lp_error_t *err)
{
  memset(out, 0, sizeof(*out));
  if (!s || !*s)
    return lp_error(err, 0, "invalid reference format: repository name must have at least one component");

  cleanup_free char *work = xstrdup(s);
  char *at = strchr(work, '@');
  char *digest = NULL;
  if (at)
    {
      *at = '\0';
      digest = at + 1;
      if (!lp_digest_valid(digest))
        return invalid(err, "invalid digest", s);
    }
  /* The tag is after the last ':' that follows the last '/'. */
  char *tag = NULL;
  char *slash = strrchr(work, '/');
  char *colon = strrchr(slash ? slash : work, ':');
  if (colon)
    {
      *colon = '\0';
      tag = colon + 1;
      if (!tag_valid(tag))
        return invalid(err, NULL, s);
    }
  char *name = work;
  if (!*name)
    return invalid(err, NULL, s);
  if (strlen(name) > NAME_MAX_TOTAL)
    return lp_error(err, 0, "invalid reference format: repository name must not be more than %d characters",
                    NAME_MAX_TOTAL);

  char *domain = NULL;
  char *path = name;
  char *first = strchr(name, '/');
  if (first && looks_like_domain(name, (size_t) (first - name)))
    {
      if (!domain_valid(name, (size_t) (first - name)))
        return invalid(err, NULL, s);
      domain = name;
      *first = '\0';
      path = first + 1;
    }

  /* Path components; uppercase gets Podman's specific message. */
  bool upper = false;
  for (char *p = path; *p; p++)
    if (isupper((unsigned char) *p))
      upper = true;
  char *start = path;
  for (char *p = path;; p++)
    if (*p == '/' || *p == '\0')
      {
        cleanup_free char *comp = xstrndup(start, (size_t) (p - start));
        for (char *c = comp; *c; c++)
          *c = (char) tolower((unsigned char) *c);
        if (!path_component_valid(comp, strlen(comp)))
          return invalid(err, NULL, s);
        if (*p == '\0')
          break;
        start = p + 1;
      }
  if (upper)
    return lp_error(err, 0, "invalid reference format: repository name must be lowercase");
  /* A bare 64-hex name is an image ID, never a repository. */
  if (!domain && !tag && !digest && strlen(path) == 64 && strspn(path, "0123456789abcdef") == 64)
    return lp_error(err, 0, "invalid repository name (%s), cannot specify 64-byte hexadecimal strings", path);

  if (domain && (strcmp(domain, "index.docker.io") == 0))
    domain = "docker.io";
  out->domain = domain ? xstrdup(domain) : NULL;
  if (domain && strcmp(domain, "docker.io") == 0 && !strchr(path, '/'))
    out->path = xasprintf("library/%s", path);
  else
    out->path = xstrdup(path);
  out->tag = tag ? xstrdup(tag) : NULL;
  out->digest = digest ? xstrdup(digest) : NULL;
  return 0;
}

void lp_reference_free(struct lp_reference *r)
{
  if (!r)
    return;
  free(r->domain);
  free(r->path);
  free(r->tag);
  free(r->digest);
  memset(r, 0, sizeof(*r));
}

const char *lp_reference_tag(const struct lp_reference *r)
{
  if (r->tag)
    return r->tag;
  return r->digest ? NULL : "latest";
}

void lp_reference_qualify(const struct lp_reference *r, const char *domain, struct lp_reference *out)
{
  memset(out, 0, sizeof(*out));
  const char *d = r->domain ? r->domain : domain;
  out->domain = d ? xstrdup(d) : NULL;
  if (!r->domain && d && strcmp(d, "docker.io") == 0 && !strchr(r->path, '/'))
    out->path = xasprintf("library/%s", r->path);
  else
    out->path = xstrdup(r->path);
  out->tag = r->tag ? xstrdup(r->tag) : NULL;
  out->digest = r->digest ? xstrdup(r->digest) : NULL;
}

char *lp_reference_name(const struct lp_reference *r)
{
  if (r->domain)
    return xasprintf("%s/%s", r->domain, r->path);
  return xstrdup(r->path);
}

char *lp_reference_string(const struct lp_reference *r)
{
  struct strbuf sb = STRBUF_INIT;
  if (r->domain)
    strbuf_addf(&sb, "%s/", r->domain);
  strbuf_adds(&sb, r->path);
  const char *tag = lp_reference_tag(r);
  if (tag)
    strbuf_addf(&sb, ":%s", tag);
  if (r->digest)
    strbuf_addf(&sb, "@%s", r->digest);
  return strbuf_detach(&sb, NULL);
}
