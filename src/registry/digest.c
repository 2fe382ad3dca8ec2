/* sha256 over mbedTLS 2.x (the *_ret API) or 3.x. */
#include "digest.h"

#include <mbedtls/version.h>
#include <string.h>

#if MBEDTLS_VERSION_NUMBER < 0x03000000
#define sha_starts mbedtls_sha256_starts_ret
#define sha_update mbedtls_sha256_update_ret
#define sha_finish mbedtls_sha256_finish_ret
#else
#define sha_starts mbedtls_sha256_starts
#define sha_update mbedtls_sha256_update
#define sha_finish mbedtls_sha256_finish
#endif

void lp_sha256_init(struct lp_sha256 *h)
{
  mbedtls_sha256_init(&h->ctx);
  sha_starts(&h->ctx, 0);
}

void lp_sha256_update(struct lp_sha256 *h, const void *buf, size_t len)
{
  sha_update(&h->ctx, buf, len);
}

void lp_sha256_final(struct lp_sha256 *h, char out[72])
{
  unsigned char md[32];
  static const char hex[] = "0123456789abcdef";
  sha_finish(&h->ctx, md);
  mbedtls_sha256_free(&h->ctx);
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
  mbedtls_sha256_free(&h->ctx);
}

void lp_sha256_digest(const void *buf, size_t len, char out[72])
{
  struct lp_sha256 h;
  lp_sha256_init(&h);
  lp_sha256_update(&h, buf, len);
  lp_sha256_final(&h, out);
}
