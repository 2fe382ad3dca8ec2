/* Fuzz the image reference parser, and check what it accepts round-trips. */
#include <stdio.h>

#include "fuzz.h"
#include "registry/reference.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  char *s = fuzz_cstr(data, size);
  struct lp_reference r;
  lp_error_t err = NULL;
  if (lp_reference_parse(s, &r, &err) == 0)
    {
      char *str = lp_reference_string(&r);
      char *name = lp_reference_name(&r);
      (void) lp_reference_tag(&r);
      struct lp_reference q;
      lp_reference_qualify(&r, "docker.io", &q);
      char *qs = lp_reference_string(&q);
      /* What we print must parse again to the same reference. (Qualifying
       * may push a name past the 255-character limit, which then applies,
       * as in docker/distribution: only the unqualified form is checked.) */
      struct lp_reference again;
      lp_error_t err2 = NULL;
      if (lp_reference_parse(str, &again, &err2) != 0)
        {
          fprintf(stderr, "printed form %s of %s does not parse: %s\n", str, s, err2->msg);
          abort();
        }
      char *str2 = lp_reference_string(&again);
      if (strcmp(str, str2) != 0)
        {
          fprintf(stderr, "%s -> %s -> %s\n", s, str, str2);
          abort();
        }
      free(str2);
      lp_reference_free(&again);
      free(qs);
      lp_reference_free(&q);
      free(name);
      free(str);
      lp_reference_free(&r);
      (void) lp_digest_valid(s);
    }
  else
    lp_error_free(&err);
  free(s);
  return 0;
}
