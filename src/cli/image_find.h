/*
 * image_find: what the user typed -> a stored image, as Podman's local lookup.
 *
 * Contract: lp_cli_image_find() tries, in order: the store's own lookup (id,
 * unique id prefix, exact name, exact repo digest); the reference normalised
 * (qualified: "docker.io/library/busybox:latest"; short: qualified with each
 * search registry of registries.conf and with "localhost"); then any stored
 * name whose repository path ends in "/PATH" with the same tag (so `busybox`
 * finds "127.0.0.1:5000/busybox:latest"). Returns 1 with *out (and, when the
 * match was by a name, *matched a new copy of that stored name; else NULL),
 * 0 when nothing matches, -1 on a store error or an ambiguous id prefix.
 * lp_cli_normalize_name() is what `tag` stores: short names get
 * "localhost/", a missing tag becomes "latest".
 */
#ifndef LILIPOD_CLI_IMAGE_FIND_H
#define LILIPOD_CLI_IMAGE_FIND_H

#include "../store/store.h"
#include "../util/error.h"

/* Open the store at lp_home_path(). */
int lp_cli_store_open(struct lp_store **out, lp_error_t *err);

int lp_cli_image_find(struct lp_store *s, const char *ref, struct lp_image_info **out, char **matched,
                      lp_error_t *err);
/* Does the stored name match what the user typed (short-name rules)? */
int lp_cli_name_matches(const char *stored, const char *typed);

char *lp_cli_normalize_name(const char *name, lp_error_t *err);

#endif
