/* Local image lookup by what the user typed, as Podman (libimage) does it. */
#include "image_find.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "../container/union_server.h"
#include "../registry/reference.h"
#include "../registry/registries_conf.h"
#include "../util/fsutil.h"
#include "../util/xalloc.h"

int lp_cli_store_open(struct lp_store **out, lp_error_t *err)
{
  cleanup_free char *home = lp_home_path(err);
  if (home == NULL)
    return -1;
  /* Inside `lilipod unshare`, what lilipod writes stays the user's. */
  lp_ctr_files_as_store_owner(home);
  return lp_store_open(home, out, err);
}

static bool is_hexish(const char *s)
{
  if (strncmp(s, "sha256:", 7) == 0)
    s += 7;
  if (strlen(s) < 3)
    return false;
  for (; *s; s++)
    if (!((*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'f')))
      return false;
  return true;
}

/* The candidate full names for a parsed reference, in lookup order. */
static char **candidates(const struct lp_reference *ref, size_t *n)
{
  char **v = NULL;
  *n = 0;
  if (ref->domain)
    {
      v = xreallocarray(v, 1, sizeof *v);
      v[(*n)++] = lp_reference_string(ref);
      return v;
    }
  struct lp_registries_conf conf = { 0 };
  lp_error_t ignored = NULL;
  size_t nsearch = 0;
  const char *const *search = NULL;
  static const char *const fallback[] = { "docker.io" };
  if (lp_registries_conf_load(&conf, &ignored) < 0)
    {
      lp_error_free(&ignored);
      search = fallback;
      nsearch = 1;
    }
  else
    search = lp_registries_conf_search(&conf, &nsearch);
  v = xreallocarray(v, nsearch + 1, sizeof *v);
  for (size_t i = 0; i < nsearch + 1; i++)
    {
      struct lp_reference q;
      lp_reference_qualify(ref, i < nsearch ? search[i] : "localhost", &q);
      v[(*n)++] = lp_reference_string(&q);
      lp_reference_free(&q);
    }
  if (search != fallback)
    lp_registries_conf_free(&conf);
  return v;
}

static void free_strv(char **v, size_t n)
{
  for (size_t i = 0; i < n; i++)
    free(v[i]);
  free(v);
}

/* stored "reg/a/b:tag" vs typed path "b" or "a/b", tag or digest. */
static bool suffix_match(const char *stored, const struct lp_reference *ref)
{
  cleanup_free char *want_tail = NULL;
  const char *tag = lp_reference_tag(ref);
  if (ref->digest)
    want_tail = xasprintf("/%s@%s", ref->path, ref->digest);
  else
    want_tail = xasprintf("/%s:%s", ref->path, tag ? tag : "latest");
  size_t ls = strlen(stored), lt = strlen(want_tail);
  return ls > lt && strcmp(stored + ls - lt, want_tail) == 0;
}

int lp_cli_name_matches(const char *stored, const char *typed)
{
  struct lp_reference ref;
  lp_error_t e = NULL;
  if (lp_reference_parse(typed, &ref, &e) < 0)
    {
      lp_error_free(&e);
      return strcmp(stored, typed) == 0;
    }
  size_t n;
  char **c = candidates(&ref, &n);
  int found = 0;
  for (size_t i = 0; i < n && !found; i++)
    found = strcmp(c[i], stored) == 0;
  free_strv(c, n);
  if (!found && ref.domain == NULL)
    found = suffix_match(stored, &ref);
  lp_reference_free(&ref);
  return found;
}

int lp_cli_image_find(struct lp_store *s, const char *typed, struct lp_image_info **out, char **matched,
                      lp_error_t *err)
{
  *matched = NULL;
  int r = lp_image_lookup(s, typed, out, err);
  if (r != 0)
    {
      if (r > 0 && !is_hexish(typed) && strchr(typed, '@') == NULL)
        *matched = xstrdup(typed);
      return r;
    }

  struct lp_reference ref;
  lp_error_t perr = NULL;
  if (lp_reference_parse(typed, &ref, &perr) < 0)
    {
      /* Not a reference and not an id: simply not found. */
      lp_error_free(&perr);
      return 0;
    }
  size_t n;
  char **c = candidates(&ref, &n);
  for (size_t i = 0; i < n && r == 0; i++)
    {
      r = lp_image_lookup(s, c[i], out, err);
      if (r > 0 && !ref.digest)
        *matched = xstrdup(c[i]);
    }
  free_strv(c, n);
  if (r == 0 && ref.domain == NULL)
    {
      struct lp_image_info **list = NULL;
      size_t nl = 0;
      if (lp_image_list(s, &list, &nl, err) < 0)
        r = -1;
      for (size_t i = 0; i < nl && r == 0; i++)
        {
          char **names = ref.digest ? list[i]->repo_digests : list[i]->names;
          size_t nn = ref.digest ? list[i]->nrepo_digests : list[i]->nnames;
          for (size_t j = 0; j < nn && r == 0; j++)
            if (suffix_match(names[j], &ref))
              {
                r = lp_image_lookup(s, list[i]->id, out, err);
                if (r > 0 && !ref.digest)
                  *matched = xstrdup(names[j]);
              }
        }
      lp_image_list_free(list, nl);
    }
  lp_reference_free(&ref);
  return r;
}

char *lp_cli_normalize_name(const char *name, lp_error_t *err)
{
  struct lp_reference ref;
  if (lp_reference_parse(name, &ref, err) < 0)
    return NULL;
  if (ref.digest)
    {
      lp_reference_free(&ref);
      lp_error(err, 0, "%s: tagging by digest is not supported", name);
      return NULL;
    }
  char *out;
  if (ref.domain == NULL)
    {
      struct lp_reference q;
      lp_reference_qualify(&ref, "localhost", &q);
      out = lp_reference_string(&q);
      lp_reference_free(&q);
    }
  else
    out = lp_reference_string(&ref);
  lp_reference_free(&ref);
  return out;
}
