/*
 * sha256: streaming SHA-256 for the pull path.
 *
 * Contract: lp_sha256_ctx_init / _update (any chunking) / _final give the
 * FIPS 180-4 digest as 32 bytes. On x86-64 CPUs with the SHA extensions
 * (checked once with cpuid) blocks go through the SHA-NI instructions, about
 * 5-8x faster than portable C; elsewhere a portable implementation runs.
 * A pull hashes every byte three times (blob, layer tar, each file), so this
 * is most of its CPU time. The context holds no resources: nothing to free.
 */
#ifndef LILIPOD_UTIL_SHA256_H
#define LILIPOD_UTIL_SHA256_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct lp_sha256_ctx
{
  uint32_t h[8];
  uint64_t total; /* bytes hashed */
  unsigned char buf[64];
  size_t nbuf;
};

void lp_sha256_ctx_init(struct lp_sha256_ctx *c);
void lp_sha256_ctx_update(struct lp_sha256_ctx *c, const void *data, size_t len);
void lp_sha256_ctx_final(struct lp_sha256_ctx *c, unsigned char out[32]);

/* Whether the SHA-NI path is in use (for tests and benchmarks). Setting
 * LILIPOD_SHA256_PORTABLE=1 in the environment forces the portable code. */
bool lp_sha256_accelerated(void);
/* Tests: switch the SHA-NI path off or (where the CPU has it) back on.
 * Returns whether it is now in use. Not thread-safe against hashing. */
bool lp_sha256_set_accelerated(bool on);

#endif
