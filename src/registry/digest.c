/* sha256 digests as "sha256:<hex>" strings, over util/sha256. */
#include "digest.h"

#include <string.h>

void lp_sha256_init(struct lp_sha256 *h)
{
  lp_sha256_ctx_init(&h->ctx);
}

void lp_sha256_update(struct lp_sha256 *h, const void *buf, size_t len)
{
  lp_sha256_ctx_update(&h->ctx, buf, len);
}

void lp_sha256_final(struct lp_sha256 *h, char out[72])
{
  unsigned char md[32];
  static const char hex[] = "0123456789abcdef";
  lp_sha256_ctx_final(&h->ctx, md);
  memcpy(out, "sha256:", 7);
  for (int i = 0; i < 32; i++)
    {
      out[7 + 2 * i] = hex[md[i] >> 4];
      out[8 + 2 * i] = hex[md[i] & 15];
    }
  out[71] = '\0';
}

void lp_sha256_free(struct lp_sha256 *h)
{
  (void) h; /* nothing to free */
}

void lp_sha256_digest(const void *buf, size_t len, char out[72])
{
  struct lp_sha256 h;
  lp_sha256_init(&h);
  lp_sha256_update(&h, buf, len);
  lp_sha256_final(&h, out);
}
