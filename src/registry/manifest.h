/*
 * manifest: OCI image manifests and indexes, Docker schema2 manifests and
 * manifest lists, and choosing a platform from an index.
 *
 * Contract: lp_manifest_parse() takes the bytes and the Content-Type the
 * registry sent (the document's own mediaType wins when present) and fills a
 * manifest (config + layers) or an index (manifests). Docker schema 1 is
 * refused with "unsupported manifest schema 1". Digests are validated, sizes
 * must be non-negative, and a manifest must have a config. Documents above
 * LP_MANIFEST_MAX_SIZE are refused by the caller before parsing.
 */
#ifndef LILIPOD_REGISTRY_MANIFEST_H
#define LILIPOD_REGISTRY_MANIFEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../util/error.h"

#define LP_MANIFEST_MAX_SIZE (4u * 1024 * 1024)
#define LP_CONFIG_MAX_SIZE (4u * 1024 * 1024)

#define LP_MT_OCI_MANIFEST "application/vnd.oci.image.manifest.v1+json"
#define LP_MT_OCI_INDEX "application/vnd.oci.image.index.v1+json"
#define LP_MT_DOCKER_MANIFEST "application/vnd.docker.distribution.manifest.v2+json"
#define LP_MT_DOCKER_LIST "application/vnd.docker.distribution.manifest.list.v2+json"
/* What pull sends in Accept. */
#define LP_MANIFEST_ACCEPT LP_MT_OCI_INDEX ", " LP_MT_OCI_MANIFEST ", " LP_MT_DOCKER_LIST ", " LP_MT_DOCKER_MANIFEST

enum lp_compression
{
  LP_COMP_NONE,
  LP_COMP_GZIP,
  LP_COMP_ZSTD,
};

struct lp_descriptor
{
  char *media_type;
  char *digest;
  int64_t size;
  /* platform, for index entries */
  char *os, *arch, *variant;
};

struct lp_manifest
{
  bool is_index;
  char *media_type;
  struct lp_descriptor config; /* manifests only */
  struct lp_descriptor *layers;
  size_t nlayers;
  struct lp_descriptor *manifests; /* indexes only */
  size_t nmanifests;
};

int lp_manifest_parse(const char *data, size_t len, const char *content_type, struct lp_manifest *out,
                      lp_error_t *err);
void lp_manifest_free(struct lp_manifest *m);

/* The compression of a layer media type; -1 with an error if unknown. */
int lp_layer_compression(const char *media_type, enum lp_compression *out, lp_error_t *err);

/* Pick the index entry for os/arch/variant (NULL variant: any, preferring
 * the host's). Error: "no image found in manifest list for architecture X,
 * variant "V", OS Y". */
const struct lp_descriptor *lp_manifest_select(const struct lp_manifest *index, const char *os, const char *arch,
                                               const char *variant, lp_error_t *err);

#endif
