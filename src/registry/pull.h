/*
 * pull: fetch an image from a registry into the store.
 *
 * Contract: lp_pull() resolves ref (unqualified names against the search
 * registries of registries.conf, each name through its mirrors then its own
 * location), fetches the manifest (choosing the platform from an index),
 * the config (sha256 and size verified, diff_ids must match the layers) and
 * every layer not already stored, streaming each blob through sha256 and the
 * decompressor into lp_layer_write(); a layer is committed only after its blob
 * digest and size matched (the store then checks the diff_id). Broken
 * transfers are resumed with a Range request (opts->retries times). Layers are
 * downloaded opts->max_parallel at a time, each thread with its own store
 * connection. Progress lines in Podman's words go to `progress` (NULL: none).
 * On success *image_id is "sha256:<hex>" (new string). Errors read
 * "initializing source docker://REF: ..." for resolution/manifest failures.
 */
#ifndef LILIPOD_REGISTRY_PULL_H
#define LILIPOD_REGISTRY_PULL_H

#include <stdio.h>

#include "client.h"
#include "../util/error.h"

/* Default for opts->max_parallel: $LILIPOD_MAX_PARALLEL_DOWNLOADS, else 3. */
int lp_pull_default_parallel(void);

int lp_pull(const char *ref, const struct lp_registry_opts *opts, FILE *progress, char **image_id, lp_error_t *err);

/* Where name "domain/path" is fetched from: registry endpoint host and the
 * repository path on it, for entry (may be NULL) and its location or mirror
 * (location NULL: the entry's own). Exposed for tests. */
void lp_pull_endpoint(const char *domain, const char *path, const char *prefix, const char *location, char **host,
                      char **repo);

#endif
