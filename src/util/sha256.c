/* sha256: portable and SHA-NI block functions behind one streaming API (sha256.h). */
#include "sha256.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define LP_HAVE_SHANI 1
#include <cpuid.h>
#include <immintrin.h>
#endif

static const uint32_t K[64] = {
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
  0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
  0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
  0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
  0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
  0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
  0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
  0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

static inline uint32_t ror(uint32_t x, int n)
{
  return (x >> n) | (x << (32 - n));
}

static void blocks_portable(uint32_t h[8], const unsigned char *p, size_t nblocks)
{
  for (; nblocks > 0; nblocks--, p += 64)
    {
      uint32_t w[64];
      for (int i = 0; i < 16; i++)
        w[i] = (uint32_t) p[4 * i] << 24 | (uint32_t) p[4 * i + 1] << 16 | (uint32_t) p[4 * i + 2] << 8
               | (uint32_t) p[4 * i + 3];
      for (int i = 16; i < 64; i++)
        {
          uint32_t s0 = ror(w[i - 15], 7) ^ ror(w[i - 15], 18) ^ (w[i - 15] >> 3);
          uint32_t s1 = ror(w[i - 2], 17) ^ ror(w[i - 2], 19) ^ (w[i - 2] >> 10);
          w[i] = w[i - 16] + s0 + w[i - 7] + s1;
        }
      uint32_t a = h[0], b = h[1], c = h[2], d = h[3], e = h[4], f = h[5], g = h[6], hh = h[7];
      for (int i = 0; i < 64; i++)
        {
          uint32_t t1 = hh + (ror(e, 6) ^ ror(e, 11) ^ ror(e, 25)) + ((e & f) ^ (~e & g)) + K[i] + w[i];
          uint32_t t2 = (ror(a, 2) ^ ror(a, 13) ^ ror(a, 22)) + ((a & b) ^ (a & c) ^ (b & c));
          hh = g;
          g = f;
          f = e;
          e = d + t1;
          d = c;
          c = b;
          b = a;
          a = t1 + t2;
        }
      h[0] += a, h[1] += b, h[2] += c, h[3] += d, h[4] += e, h[5] += f, h[6] += g, h[7] += hh;
    }
}

#ifdef LP_HAVE_SHANI
/* Four rounds per step: sha256rnds2 does two, on the low then (after the
 * 0x0E shuffle) the high half of W+K. Message words for step g >= 4 come
 * from sha256msg1/msg2 over the previous four groups, computed one step
 * ahead as the instructions' latency allows. The state lives as ABEF/CDGH. */
__attribute__((target("sha,sse4.1,ssse3"))) static void blocks_shani(uint32_t h[8], const unsigned char *p,
                                                                       size_t nblocks)
{
  const __m128i bswap = _mm_set_epi64x(0x0c0d0e0f08090a0bLL, 0x0405060700010203LL);
  __m128i tmp = _mm_loadu_si128((const __m128i *) &h[0]);    /* A B C D (lane 0 first) */
  __m128i state1 = _mm_loadu_si128((const __m128i *) &h[4]); /* E F G H */
  tmp = _mm_shuffle_epi32(tmp, 0xB1);                        /* B A D C */
  state1 = _mm_shuffle_epi32(state1, 0x1B);                  /* H G F E */
  __m128i state0 = _mm_alignr_epi8(tmp, state1, 8);          /* F E B A = "ABEF" */
  state1 = _mm_blend_epi16(state1, tmp, 0xF0);               /* H G D C = "CDGH" */

  for (; nblocks > 0; nblocks--, p += 64)
    {
      __m128i save0 = state0, save1 = state1;
      __m128i w[4];
      for (int i = 0; i < 16; i++)
        {
          if (i < 4)
            w[i] = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *) (p + 16 * i)), bswap);
          __m128i msg = _mm_add_epi32(w[i & 3], _mm_loadu_si128((const __m128i *) &K[4 * i]));
          state1 = _mm_sha256rnds2_epu32(state1, state0, msg);
          if (i >= 3 && i <= 14)
            {
              __m128i t = _mm_alignr_epi8(w[i & 3], w[(i + 3) & 3], 4);
              w[(i + 1) & 3] = _mm_sha256msg2_epu32(_mm_add_epi32(w[(i + 1) & 3], t), w[i & 3]);
            }
          msg = _mm_shuffle_epi32(msg, 0x0E);
          state0 = _mm_sha256rnds2_epu32(state0, state1, msg);
          if (i >= 1 && i <= 12)
            w[(i + 3) & 3] = _mm_sha256msg1_epu32(w[(i + 3) & 3], w[i & 3]);
        }
      state0 = _mm_add_epi32(state0, save0);
      state1 = _mm_add_epi32(state1, save1);
    }

  tmp = _mm_shuffle_epi32(state0, 0x1B);       /* A B E F (lane 0 first) */
  state1 = _mm_shuffle_epi32(state1, 0xB1);    /* G H C D */
  state0 = _mm_blend_epi16(tmp, state1, 0xF0); /* A B C D */
  state1 = _mm_alignr_epi8(state1, tmp, 8);    /* E F G H */
  _mm_storeu_si128((__m128i *) &h[0], state0);
  _mm_storeu_si128((__m128i *) &h[4], state1);
}
#endif

static bool use_shani;
static pthread_once_t detect_once = PTHREAD_ONCE_INIT;

static void detect(void)
{
#ifdef LP_HAVE_SHANI
  const char *e = getenv("LILIPOD_SHA256_PORTABLE");
  if (e && *e && strcmp(e, "0") != 0)
    return;
  unsigned a, b, c, d;
  if (!__get_cpuid(1, &a, &b, &c, &d))
    return;
  bool ssse3 = c & (1u << 9), sse41 = c & (1u << 19);
  if (!__get_cpuid_count(7, 0, &a, &b, &c, &d))
    return;
  bool sha = b & (1u << 29);
  use_shani = ssse3 && sse41 && sha;
#endif
}

bool lp_sha256_accelerated(void)
{
  pthread_once(&detect_once, detect);
  return use_shani;
}

bool lp_sha256_set_accelerated(bool on)
{
  pthread_once(&detect_once, detect);
  static bool detected, can;
  if (!detected)
    {
      can = use_shani;
      detected = true;
    }
  use_shani = on && can;
  return use_shani;
}

static void blocks(uint32_t h[8], const unsigned char *p, size_t nblocks)
{
#ifdef LP_HAVE_SHANI
  if (use_shani)
    {
      blocks_shani(h, p, nblocks);
      return;
    }
#endif
  blocks_portable(h, p, nblocks);
}

void lp_sha256_ctx_init(struct lp_sha256_ctx *c)
{
  static const uint32_t iv[8] = { 0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
                                  0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19 };
  pthread_once(&detect_once, detect);
  memcpy(c->h, iv, sizeof iv);
  c->total = 0;
  c->nbuf = 0;
}

void lp_sha256_ctx_update(struct lp_sha256_ctx *c, const void *data, size_t len)
{
  const unsigned char *p = data;
  c->total += len;
  if (c->nbuf > 0)
    {
      size_t take = 64 - c->nbuf < len ? 64 - c->nbuf : len;
      memcpy(c->buf + c->nbuf, p, take);
      c->nbuf += take;
      p += take;
      len -= take;
      if (c->nbuf < 64)
        return;
      blocks(c->h, c->buf, 1);
      c->nbuf = 0;
    }
  if (len >= 64)
    {
      blocks(c->h, p, len / 64);
      p += len / 64 * 64;
      len %= 64;
    }
  if (len > 0)
    {
      memcpy(c->buf, p, len);
      c->nbuf = len;
    }
}

void lp_sha256_ctx_final(struct lp_sha256_ctx *c, unsigned char out[32])
{
  uint64_t bits = c->total * 8;
  c->buf[c->nbuf++] = 0x80;
  if (c->nbuf > 56)
    {
      memset(c->buf + c->nbuf, 0, 64 - c->nbuf);
      blocks(c->h, c->buf, 1);
      c->nbuf = 0;
    }
  memset(c->buf + c->nbuf, 0, 56 - c->nbuf);
  for (int i = 0; i < 8; i++)
    c->buf[56 + i] = (unsigned char) (bits >> (56 - 8 * i));
  blocks(c->h, c->buf, 1);
  for (int i = 0; i < 8; i++)
    {
      out[4 * i] = (unsigned char) (c->h[i] >> 24);
      out[4 * i + 1] = (unsigned char) (c->h[i] >> 16);
      out[4 * i + 2] = (unsigned char) (c->h[i] >> 8);
      out[4 * i + 3] = (unsigned char) c->h[i];
    }
}
