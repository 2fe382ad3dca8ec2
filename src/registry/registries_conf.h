/*
 * registries_conf: containers-registries.conf(5), version 2, the part pull
 * needs: unqualified-search-registries, and [[registry]] entries with prefix,
 * location, insecure, blocked and [[registry.mirror]] (location, insecure).
 *
 * Contract: lp_registries_conf_load() reads $CONTAINERS_REGISTRIES_CONF, else
 * ~/.config/containers/registries.conf, else /etc/containers/registries.conf
 * (the first that exists; none is fine and means "search docker.io"). Syntax
 * errors are "FILE:LINE: what". Unknown keys are warned about and ignored,
 * as Podman does. lp_registries_conf_find() picks the entry with the longest
 * prefix matching "domain/path" on a component boundary (`*.example.com`
 * wildcards match subdomains).
 */
#ifndef LILIPOD_REGISTRY_REGISTRIES_CONF_H
#define LILIPOD_REGISTRY_REGISTRIES_CONF_H

#include <stdbool.h>
#include <stddef.h>

#include "../util/error.h"

struct lp_registry_mirror
{
  char *location;
  bool insecure;
};

struct lp_registry_entry
{
  char *prefix;
  char *location;
  bool insecure;
  bool blocked;
  struct lp_registry_mirror *mirrors;
  size_t nmirrors;
};

struct lp_registries_conf
{
  char *path; /* the file read, or NULL */
  char **search;
  size_t nsearch;
  bool search_set; /* the key was present (even if empty) */
  struct lp_registry_entry *entries;
  size_t nentries;
};

int lp_registries_conf_load(struct lp_registries_conf *out, lp_error_t *err);
/* Parse text (name is used in messages). */
int lp_registries_conf_parse(const char *name, const char *text, size_t len, struct lp_registries_conf *out,
                             lp_error_t *err);
void lp_registries_conf_free(struct lp_registries_conf *c);
/* The entry for "domain/path", or NULL. */
const struct lp_registry_entry *lp_registries_conf_find(const struct lp_registries_conf *c, const char *name);
/* The search list to use for unqualified names: the configured one, else {"docker.io"}. */
const char *const *lp_registries_conf_search(const struct lp_registries_conf *c, size_t *n);

#endif
