/* Manifest and index parsing (cJSON) and platform selection. */
#include "manifest.h"
#include "reference.h"
#include "../util/platform.h"
#include "../util/xalloc.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *get_str(const cJSON *o, const char *key)
{
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
  return cJSON_IsString(v) ? v->valuestring : NULL;
}

static void desc_free(struct lp_descriptor *d)
{
  free(d->media_type);
  free(d->digest);
  free(d->os);
  free(d->arch);
  free(d->variant);
  memset(d, 0, sizeof(*d));
}

static int parse_desc(const cJSON *o, const char *what, struct lp_descriptor *d, lp_error_t *err)
{
  if (!cJSON_IsObject(o))
    return lp_error(err, 0, "%s is not an object", what);
  const char *mt = get_str(o, "mediaType");
  const char *digest = get_str(o, "digest");
  const cJSON *size = cJSON_GetObjectItemCaseSensitive(o, "size");
  if (!digest || !lp_digest_valid(digest))
    return lp_error(err, 0, "%s has an invalid digest \"%s\"", what, digest ? digest : "");
  if (strncmp(digest, "sha256:", 7) != 0)
    return lp_error(err, 0, "%s: unsupported digest algorithm in \"%s\"", what, digest);
  if (!cJSON_IsNumber(size) || size->valuedouble < 0 || size->valuedouble > 9.0e15
      || size->valuedouble != (double) (int64_t) size->valuedouble)
    return lp_error(err, 0, "%s has an invalid size", what);
  d->media_type = xstrdup(mt ? mt : "");
  d->digest = xstrdup(digest);
  d->size = (int64_t) size->valuedouble;
  const cJSON *pf = cJSON_GetObjectItemCaseSensitive(o, "platform");
  if (cJSON_IsObject(pf))
    {
      const char *os = get_str(pf, "os"), *arch = get_str(pf, "architecture"), *var = get_str(pf, "variant");
      d->os = os ? xstrdup(os) : NULL;
      d->arch = arch ? xstrdup(arch) : NULL;
      d->variant = var ? xstrdup(var) : NULL;
    }
  return 0;
}

static int parse_desc_array(const cJSON *arr, const char *what, struct lp_descriptor **out, size_t *n,
                            lp_error_t *err)
{
  if (!cJSON_IsArray(arr))
    return lp_error(err, 0, "\"%s\" is missing or not an array", what);
  size_t count = (size_t) cJSON_GetArraySize(arr);
  *out = xcalloc(count ? count : 1, sizeof(**out));
  *n = 0;
  const cJSON *e;
  cJSON_ArrayForEach(e, arr)
  {
    char label[64];
    snprintf(label, sizeof(label), "%s[%zu]", what, *n);
    if (parse_desc(e, label, &(*out)[*n], err) < 0)
      return -1;
    (*n)++;
  }
  return 0;
}

int lp_manifest_parse(const char *data, size_t len, const char *content_type, struct lp_manifest *out,
                      lp_error_t *err)
{
  memset(out, 0, sizeof(*out));
  cJSON *root = cJSON_ParseWithLength(data, len);
  if (!root || !cJSON_IsObject(root))
    {
      cJSON_Delete(root);
      return lp_error(err, 0, "manifest is not a JSON object");
    }
  int rc = -1;
  const cJSON *sv = cJSON_GetObjectItemCaseSensitive(root, "schemaVersion");
  const char *mt = get_str(root, "mediaType");
  if (cJSON_IsNumber(sv) && sv->valueint == 1)
    {
      lp_error(err, 0, "unsupported manifest schema 1 (%s): re-push the image with a current tool",
               "application/vnd.docker.distribution.manifest.v1+json");
      goto out;
    }
  if (!cJSON_IsNumber(sv) || sv->valueint != 2)
    {
      lp_error(err, 0, "unsupported manifest schemaVersion");
      goto out;
    }
  if (!mt || !*mt)
    {
      /* OCI allows leaving mediaType out: the Content-Type, else the shape, says it. */
      cleanup_free char *ct = NULL;
      if (content_type)
        {
          ct = xstrdup(content_type);
          char *semi = strchr(ct, ';');
          if (semi)
            *semi = '\0';
          size_t n = strlen(ct);
          while (n && ct[n - 1] == ' ')
            ct[--n] = '\0';
        }
      if (ct && (strcmp(ct, LP_MT_OCI_MANIFEST) == 0 || strcmp(ct, LP_MT_OCI_INDEX) == 0
                 || strcmp(ct, LP_MT_DOCKER_MANIFEST) == 0 || strcmp(ct, LP_MT_DOCKER_LIST) == 0))
        out->media_type = xstrdup(ct);
      else if (cJSON_GetObjectItemCaseSensitive(root, "manifests"))
        out->media_type = xstrdup(LP_MT_OCI_INDEX);
      else
        out->media_type = xstrdup(LP_MT_OCI_MANIFEST);
    }
  else
    out->media_type = xstrdup(mt);

  if (strcmp(out->media_type, LP_MT_OCI_INDEX) == 0 || strcmp(out->media_type, LP_MT_DOCKER_LIST) == 0)
    {
      out->is_index = true;
      if (parse_desc_array(cJSON_GetObjectItemCaseSensitive(root, "manifests"), "manifests", &out->manifests,
                           &out->nmanifests, err) < 0)
        goto out;
    }
  else if (strcmp(out->media_type, LP_MT_OCI_MANIFEST) == 0 || strcmp(out->media_type, LP_MT_DOCKER_MANIFEST) == 0)
    {
      if (parse_desc(cJSON_GetObjectItemCaseSensitive(root, "config"), "config", &out->config, err) < 0)
        goto out;
      if (parse_desc_array(cJSON_GetObjectItemCaseSensitive(root, "layers"), "layers", &out->layers, &out->nlayers,
                           err) < 0)
        goto out;
    }
  else
    {
      lp_error(err, 0, "unsupported manifest media type \"%s\"", out->media_type);
      goto out;
    }
  rc = 0;
out:
  cJSON_Delete(root);
  if (rc < 0)
    {
      lp_error_wrap(err, "parse manifest");
      lp_manifest_free(out);
    }
  return rc;
}

void lp_manifest_free(struct lp_manifest *m)
{
  free(m->media_type);
  desc_free(&m->config);
  for (size_t i = 0; i < m->nlayers; i++)
    desc_free(&m->layers[i]);
  free(m->layers);
  for (size_t i = 0; i < m->nmanifests; i++)
    desc_free(&m->manifests[i]);
  free(m->manifests);
  memset(m, 0, sizeof(*m));
}

int lp_layer_compression(const char *mt, enum lp_compression *out, lp_error_t *err)
{
  static const struct
  {
    const char *mt;
    enum lp_compression c;
  } table[] = {
    { "application/vnd.oci.image.layer.v1.tar+gzip", LP_COMP_GZIP },
    { "application/vnd.docker.image.rootfs.diff.tar.gzip", LP_COMP_GZIP },
    { "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip", LP_COMP_GZIP },
    { "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip", LP_COMP_GZIP },
    { "application/vnd.oci.image.layer.v1.tar+zstd", LP_COMP_ZSTD },
    { "application/vnd.oci.image.layer.v1.tar", LP_COMP_NONE },
    { "application/vnd.oci.image.layer.nondistributable.v1.tar", LP_COMP_NONE },
  };
  for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++)
    if (strcmp(mt, table[i].mt) == 0)
      {
        *out = table[i].c;
        return 0;
      }
  return lp_error(err, 0, "unsupported layer media type \"%s\"", mt);
}

/* arm64's "v8" is its only variant: an absent one means the same. */
static bool variant_eq(const char *arch, const char *a, const char *b)
{
  a = a ? a : "";
  b = b ? b : "";
  if (strcmp(arch, "arm64") == 0)
    {
      if (strcmp(a, "v8") == 0)
        a = "";
      if (strcmp(b, "v8") == 0)
        b = "";
    }
  return strcmp(a, b) == 0;
}

const struct lp_descriptor *lp_manifest_select(const struct lp_manifest *index, const char *os, const char *arch,
                                               const char *variant, lp_error_t *err)
{
  const char *want_os = os && *os ? os : "linux";
  const char *want_arch = arch && *arch ? arch : lp_host_arch();
  const char *want_var = variant && *variant ? variant : NULL;
  /* When choosing by default, prefer the host's own variant. */
  const char *prefer = want_var ? want_var : (arch && *arch ? "" : lp_host_variant());
  const struct lp_descriptor *any = NULL;
  for (size_t i = 0; i < index->nmanifests; i++)
    {
      const struct lp_descriptor *d = &index->manifests[i];
      if (!d->os || !d->arch || strcmp(d->os, want_os) != 0 || strcmp(d->arch, want_arch) != 0)
        continue;
      if (want_var && !variant_eq(want_arch, d->variant, want_var))
        continue;
      if (variant_eq(want_arch, d->variant, prefer))
        return d;
      if (!any)
        any = d;
    }
  if (any)
    return any;
  lp_error(err, 0, "no image found in manifest list for architecture %s, variant \"%s\", OS %s", want_arch,
           want_var ? want_var : "", want_os);
  return NULL;
}
