/* registries.conf v2 loading and prefix lookup. */
#include "registries_conf.h"
#include "toml.h"
#include "../util/fsutil.h"
#include "../util/log.h"
#include "../util/strbuf.h"
#include "../util/xalloc.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum section
{
  SEC_ROOT,
  SEC_REGISTRY,
  SEC_MIRROR,
  SEC_OTHER,
};

struct state
{
  struct lp_registries_conf *c;
  enum section sec;
};

static int on_table(void *ctx, const char *name, bool is_array, lp_error_t *err)
{
  struct state *st = ctx;
  struct lp_registries_conf *c = st->c;
  if (strcmp(name, "registry") == 0)
    {
      if (!is_array)
        return lp_error(err, 0, "\"registry\" must be an array of tables: [[registry]]");
      c->entries = xreallocarray(c->entries, c->nentries + 1, sizeof(*c->entries));
      memset(&c->entries[c->nentries++], 0, sizeof(*c->entries));
      st->sec = SEC_REGISTRY;
      return 0;
    }
  if (strcmp(name, "registry.mirror") == 0)
    {
      if (!is_array)
        return lp_error(err, 0, "\"registry.mirror\" must be an array of tables: [[registry.mirror]]");
      if (c->nentries == 0)
        return lp_error(err, 0, "[[registry.mirror]] outside of a [[registry]]");
      struct lp_registry_entry *e = &c->entries[c->nentries - 1];
      e->mirrors = xreallocarray(e->mirrors, e->nmirrors + 1, sizeof(*e->mirrors));
      memset(&e->mirrors[e->nmirrors++], 0, sizeof(*e->mirrors));
      st->sec = SEC_MIRROR;
      return 0;
    }
  if (strcmp(name, "registries.search") == 0 || strcmp(name, "registries.insecure") == 0
      || strcmp(name, "registries.block") == 0)
    return lp_error(err, 0, "registries.conf version 1 ([%s]) is not supported; use version 2", name);
  /* [aliases], [engine] and the like: not ours. */
  st->sec = SEC_OTHER;
  return 0;
}

static int want(const struct lp_toml_value *v, enum lp_toml_type t, const char *key, lp_error_t *err)
{
  static const char *const names[] = { "a string", "a boolean", "an array of strings" };
  if (v->type != t)
    return lp_error(err, 0, "%s must be %s", key, names[t]);
  return 0;
}

static int on_keyval(void *ctx, const char *key, const struct lp_toml_value *v, lp_error_t *err)
{
  struct state *st = ctx;
  struct lp_registries_conf *c = st->c;
  switch (st->sec)
    {
    case SEC_ROOT:
      if (strcmp(key, "unqualified-search-registries") == 0)
        {
          if (want(v, LP_TOML_ARRAY, key, err) < 0)
            return -1;
          for (size_t i = 0; i < c->nsearch; i++)
            free(c->search[i]);
          free(c->search);
          c->search = xcalloc(v->nitems + 1, sizeof(char *));
          for (size_t i = 0; i < v->nitems; i++)
            c->search[i] = xstrdup(v->items[i]);
          c->nsearch = v->nitems;
          c->search_set = true;
          return 0;
        }
      if (strcmp(key, "short-name-mode") == 0 || strcmp(key, "credential-helpers") == 0)
        return 0;
      break;
    case SEC_REGISTRY:
      {
        struct lp_registry_entry *e = &c->entries[c->nentries - 1];
        if (strcmp(key, "prefix") == 0 || strcmp(key, "location") == 0)
          {
            if (want(v, LP_TOML_STRING, key, err) < 0)
              return -1;
            char **dst = key[0] == 'p' ? &e->prefix : &e->location;
            free(*dst);
            *dst = xstrdup(v->str);
            return 0;
          }
        if (strcmp(key, "insecure") == 0 || strcmp(key, "blocked") == 0)
          {
            if (want(v, LP_TOML_BOOL, key, err) < 0)
              return -1;
            *(key[0] == 'i' ? &e->insecure : &e->blocked) = v->b;
            return 0;
          }
        if (strcmp(key, "mirror-by-digest-only") == 0 || strcmp(key, "pull-from-mirror") == 0)
          return 0;
        break;
      }
    case SEC_MIRROR:
      {
        struct lp_registry_entry *e = &c->entries[c->nentries - 1];
        struct lp_registry_mirror *m = &e->mirrors[e->nmirrors - 1];
        if (strcmp(key, "location") == 0)
          {
            if (want(v, LP_TOML_STRING, key, err) < 0)
              return -1;
            free(m->location);
            m->location = xstrdup(v->str);
            return 0;
          }
        if (strcmp(key, "insecure") == 0)
          {
            if (want(v, LP_TOML_BOOL, key, err) < 0)
              return -1;
            m->insecure = v->b;
            return 0;
          }
        if (strcmp(key, "pull-from-mirror") == 0)
          return 0;
        break;
      }
    case SEC_OTHER:
      return 0;
    }
  lp_warn("Failed to decode the keys [\"%s\"] from \"%s\"", key, c->path ? c->path : "registries.conf");
  return 0;
}

static void strip_slash(char *s)
{
  size_t n = s ? strlen(s) : 0;
  while (n > 0 && s[n - 1] == '/')
    s[--n] = '\0';
}

int lp_registries_conf_parse(const char *name, const char *text, size_t len, struct lp_registries_conf *out,
                             lp_error_t *err)
{
  struct state st = { out, SEC_ROOT };
  static const struct lp_toml_handler h = { on_table, on_keyval };
  if (!out->path)
    out->path = xstrdup(name);
  if (lp_toml_parse(name, text, len, &h, &st, err) < 0)
    return -1;
  for (size_t i = 0; i < out->nentries; i++)
    {
      struct lp_registry_entry *e = &out->entries[i];
      if (!e->prefix && !e->location)
        return lp_error(err, 0, "%s: [[registry]] %zu has neither prefix nor location", name, i + 1);
      if (!e->prefix)
        e->prefix = xstrdup(e->location);
      if (e->location)
        strip_slash(e->location);
      strip_slash(e->prefix);
      for (size_t j = 0; j < e->nmirrors; j++)
        {
          if (!e->mirrors[j].location)
            return lp_error(err, 0, "%s: a mirror of \"%s\" has no location", name, e->prefix);
          strip_slash(e->mirrors[j].location);
        }
    }
  return 0;
}

int lp_registries_conf_load(struct lp_registries_conf *out, lp_error_t *err)
{
  memset(out, 0, sizeof(*out));
  cleanup_free char *path = NULL;
  const char *env = getenv("CONTAINERS_REGISTRIES_CONF");
  if (env && *env)
    path = xstrdup(env);
  else
    {
      const char *home = getenv("HOME");
      cleanup_free char *user = NULL;
      if (home && *home)
        user = xasprintf("%s/.config/containers/registries.conf", home);
      if (user && access(user, F_OK) == 0)
        path = xstrdup(user);
      else if (access("/etc/containers/registries.conf", F_OK) == 0)
        path = xstrdup("/etc/containers/registries.conf");
      else
        return 0;
    }
  struct strbuf sb = STRBUF_INIT;
  if (lp_read_file_at(AT_FDCWD, path, &sb, err) < 0)
    {
      strbuf_release(&sb);
      return lp_error_wrap(err, "read registries configuration");
    }
  out->path = xstrdup(path);
  int rc = lp_registries_conf_parse(path, sb.buf, sb.len, out, err);
  strbuf_release(&sb);
  if (rc < 0)
    lp_registries_conf_free(out);
  return rc;
}

void lp_registries_conf_free(struct lp_registries_conf *c)
{
  free(c->path);
  for (size_t i = 0; i < c->nsearch; i++)
    free(c->search[i]);
  free(c->search);
  for (size_t i = 0; i < c->nentries; i++)
    {
      struct lp_registry_entry *e = &c->entries[i];
      free(e->prefix);
      free(e->location);
      for (size_t j = 0; j < e->nmirrors; j++)
        free(e->mirrors[j].location);
      free(e->mirrors);
    }
  free(c->entries);
  memset(c, 0, sizeof(*c));
}

/* How many characters of name the prefix matches, or 0. */
static size_t prefix_match(const char *prefix, const char *name)
{
  if (prefix[0] == '*' && prefix[1] == '.')
    {
      /* *.example.com matches any subdomain's host part. */
      const char *slash = strchr(name, '/');
      size_t hostlen = slash ? (size_t) (slash - name) : strlen(name);
      size_t suf = strlen(prefix + 1);
      if (hostlen > suf && memcmp(name + hostlen - suf, prefix + 1, suf) == 0)
        return suf;
      return 0;
    }
  size_t n = strlen(prefix);
  if (strncmp(prefix, name, n) != 0)
    return 0;
  if (name[n] == '\0' || name[n] == '/' || name[n] == ':' || name[n] == '@')
    return n;
  return 0;
}

const struct lp_registry_entry *lp_registries_conf_find(const struct lp_registries_conf *c, const char *name)
{
  const struct lp_registry_entry *best = NULL;
  size_t best_len = 0;
  for (size_t i = 0; i < c->nentries; i++)
    {
      size_t m = prefix_match(c->entries[i].prefix, name);
      if (m > best_len)
        {
          best = &c->entries[i];
          best_len = m;
        }
    }
  return best;
}

const char *const *lp_registries_conf_search(const struct lp_registries_conf *c, size_t *n)
{
  static const char *const dflt[] = { "docker.io", NULL };
  if (c->search_set)
    {
      *n = c->nsearch;
      return (const char *const *) c->search;
    }
  *n = 1;
  return dflt;
}
