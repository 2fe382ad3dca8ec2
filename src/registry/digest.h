/*
 * digest: streaming sha256 (util/sha256.h) producing "sha256:<64 hex>" strings.
 */
#ifndef LILIPOD_REGISTRY_DIGEST_H
#define LILIPOD_REGISTRY_DIGEST_H

#include <stddef.h>

#include "../util/sha256.h"

struct lp_sha256
{
  struct lp_sha256_ctx ctx;
};

void lp_sha256_init(struct lp_sha256 *h);
void lp_sha256_update(struct lp_sha256 *h, const void *buf, size_t len);
/* Writes "sha256:" + 64 hex + NUL (72 bytes) into out and frees the context. */
void lp_sha256_final(struct lp_sha256 *h, char out[72]);
void lp_sha256_free(struct lp_sha256 *h);
/* One-shot. */
void lp_sha256_digest(const void *buf, size_t len, char out[72]);

#endif
