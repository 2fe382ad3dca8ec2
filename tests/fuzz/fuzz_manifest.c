/* Fuzz manifest/index parsing with each Content-Type pull may see, then use
 * what was parsed as pull does (compression, platform selection). */
#include "fuzz.h"
#include "registry/manifest.h"

static const char *const content_types[] = {
  NULL, LP_MT_OCI_MANIFEST, LP_MT_OCI_INDEX, LP_MT_DOCKER_MANIFEST, LP_MT_DOCKER_LIST,
  "application/vnd.docker.distribution.manifest.v1+prettyjws", "application/json; charset=utf-8", "",
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  if (size < 1 || size > LP_MANIFEST_MAX_SIZE)
    return 0;
  const char *ct = content_types[data[0] % (sizeof content_types / sizeof *content_types)];
  struct lp_manifest m;
  lp_error_t err = NULL;
  if (lp_manifest_parse((const char *) data + 1, size - 1, ct, &m, &err) != 0)
    {
      lp_error_free(&err);
      return 0;
    }
  if (m.is_index)
    {
      const struct lp_descriptor *d = lp_manifest_select(&m, "linux", "amd64", NULL, &err);
      if (!d)
        lp_error_free(&err);
      d = lp_manifest_select(&m, "linux", "arm", "v7", &err);
      if (!d)
        lp_error_free(&err);
    }
  else
    {
      if (!m.config.digest)
        abort(); /* the contract: a manifest has a config */
      for (size_t i = 0; i < m.nlayers; i++)
        {
          enum lp_compression c;
          if (m.layers[i].size < 0)
            abort();
          if (lp_layer_compression(m.layers[i].media_type, &c, &err) < 0)
            lp_error_free(&err);
        }
    }
  lp_manifest_free(&m);
  return 0;
}
