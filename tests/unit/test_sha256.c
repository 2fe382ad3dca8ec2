/* sha256: known vectors, and agreement with mbedTLS over many lengths and
 * chunkings, on the SHA-NI path (where the CPU has it) and the portable one. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <mbedtls/sha256.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/sha256.h"

static void hex(const unsigned char d[32], char out[65])
{
  for (int i = 0; i < 32; i++)
    snprintf(out + 2 * i, 3, "%02x", d[i]);
}

static void digest_chunked(const unsigned char *p, size_t len, size_t chunk, unsigned char out[32])
{
  struct lp_sha256_ctx c;
  lp_sha256_ctx_init(&c);
  for (size_t off = 0; off < len;)
    {
      size_t n = len - off < chunk ? len - off : chunk;
      lp_sha256_ctx_update(&c, p + off, n);
      off += n;
    }
  lp_sha256_ctx_final(&c, out);
}

static void check_vectors(void)
{
  static const struct
  {
    const char *in, *out;
  } v[] = {
    { "", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855" },
    { "abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad" },
    { "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
      "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1" },
  };
  for (size_t i = 0; i < sizeof v / sizeof v[0]; i++)
    {
      unsigned char d[32];
      char h[65];
      digest_chunked((const unsigned char *) v[i].in, strlen(v[i].in), 1000, d);
      hex(d, h);
      assert_string_equal(h, v[i].out);
    }
  /* A million 'a's, fed in odd chunks. */
  unsigned char *m = malloc(1000000);
  memset(m, 'a', 1000000);
  unsigned char d[32];
  char h[65];
  digest_chunked(m, 1000000, 4099, d);
  hex(d, h);
  assert_string_equal(h, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
  free(m);
}

static void check_against_mbedtls(void)
{
  size_t max = 3000;
  unsigned char *buf = malloc(max);
  srand(42);
  for (size_t i = 0; i < max; i++)
    buf[i] = (unsigned char) rand();
  static const size_t chunks[] = { 1, 3, 63, 64, 65, 127, 1000, 3000 };
  for (size_t len = 0; len < max; len += len < 200 ? 1 : 37)
    {
      unsigned char want[32];
      mbedtls_sha256_ret(buf, len, want, 0);
      for (size_t c = 0; c < sizeof chunks / sizeof chunks[0]; c++)
        {
          unsigned char got[32];
          digest_chunked(buf, len, chunks[c], got);
          if (memcmp(got, want, 32) != 0)
            fail_msg("length %zu, chunk %zu: digests differ", len, chunks[c]);
        }
    }
  free(buf);
}

static void test_portable(void **state)
{
  (void) state;
  assert_false(lp_sha256_set_accelerated(false));
  check_vectors();
  check_against_mbedtls();
}

static void test_accelerated(void **state)
{
  (void) state;
  if (!lp_sha256_set_accelerated(true))
    {
      /* No SHA-NI on this CPU: the default path is the portable one. */
      assert_false(lp_sha256_accelerated());
      print_message("no SHA extensions on this CPU: the portable path is the only one\n");
    }
  check_vectors();
  check_against_mbedtls();
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_portable),
    cmocka_unit_test(test_accelerated),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
