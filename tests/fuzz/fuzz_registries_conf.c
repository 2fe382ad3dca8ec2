/* Fuzz the registries.conf (TOML subset) parser, then query what it built. */
#include "fuzz.h"
#include "registry/registries_conf.h"
#include "util/log.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  lp_log_set_level(LP_LOG_ERROR); /* unknown keys warn, as Podman does: not news here */
  struct lp_registries_conf c = { 0 }; /* the caller zeroes it and frees it, even after an error */
  lp_error_t err = NULL;
  if (lp_registries_conf_parse("fuzz.conf", (const char *) data, size, &c, &err) != 0)
    {
      if (!err)
        abort();
      lp_error_free(&err);
      lp_registries_conf_free(&c);
      return 0;
    }
  size_t n;
  const char *const *search = lp_registries_conf_search(&c, &n);
  for (size_t i = 0; i < n; i++)
    if (!search[i])
      abort();
  static const char *const names[] = { "docker.io/library/busybox", "quay.io/a/b", "localhost:5000/x",
                                       "registry.example.com/ns/repo", "a.b.example.com/z" };
  for (size_t i = 0; i < sizeof names / sizeof *names; i++)
    (void) lp_registries_conf_find(&c, names[i]);
  lp_registries_conf_free(&c);
  return 0;
}
