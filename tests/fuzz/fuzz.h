/*
 * fuzz: the entry point every fuzz target in tests/fuzz defines.
 *
 * Each fuzz_<target>.c defines LLVMFuzzerTestOneInput() and nothing else the
 * drivers need. libFuzzer links it into a fuzzer (-DLILIPOD_FUZZ=ON, clang);
 * replay.c links it into a plain program that runs it over a corpus
 * directory, so the committed seeds and every crash found are replayed by
 * ctest with any compiler. A target signals a broken invariant with abort().
 */
#ifndef LILIPOD_TESTS_FUZZ_H
#define LILIPOD_TESTS_FUZZ_H
#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#include <stdlib.h>
#include <string.h>

/* A NUL-terminated copy of the input (free it). Embedded NULs stay: the
 * parsers see the text up to the first one, as they would from C callers. */
static inline char *fuzz_cstr(const uint8_t *data, size_t size)
{
  char *s = malloc(size + 1);
  if (!s)
    abort();
  memcpy(s, data, size);
  s[size] = '\0';
  return s;
}

#endif
