/* Fuzz what reads credentials: the first byte picks the part. Even: the
 * input is an auth.json (served from a memfd) looked up for a few keys.
 * Odd: the input is a WWW-Authenticate header, or "user:pass" creds. */
#include <sys/mman.h>
#include <stdio.h>
#include <unistd.h>

#include "fuzz.h"
#include "registry/auth.h"

static void lookup(const char *file, const char *host, const char *path)
{
  struct lp_creds c = { 0 };
  lp_error_t err = NULL;
  int rc = lp_auth_lookup_file(file, host, path, &c, &err);
  if (rc == 1)
    {
      if (!c.user || !c.pass)
        abort();
      lp_creds_free(&c);
    }
  else if (rc < 0)
    lp_error_free(&err);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  if (size < 1)
    return 0;
  if (data[0] % 2 == 0)
    {
      int fd = memfd_create("auth.json", MFD_CLOEXEC);
      if (fd < 0)
        abort();
      if (size > 1 && write(fd, data + 1, size - 1) != (ssize_t) (size - 1))
        abort();
      char file[64];
      snprintf(file, sizeof file, "/proc/self/fd/%d", fd);
      lookup(file, "registry.example.com", "ns/repo");
      lookup(file, "docker.io", "library/busybox");
      lookup(file, "localhost:5000", NULL);
      close(fd);
      return 0;
    }
  char *s = fuzz_cstr(data + 1, size - 1);
  struct lp_challenge ch = { 0 };
  lp_error_t err = NULL;
  if (lp_challenge_parse(s, &ch, &err) == 0)
    {
      if (!ch.scheme)
        abort();
      lp_challenge_free(&ch);
    }
  else
    lp_error_free(&err);
  struct lp_creds c = { 0 };
  if (lp_creds_parse(s, &c, &err) == 0)
    {
      char *tok = lp_auth_basic_token(&c);
      free(tok);
      lp_creds_free(&c);
    }
  else
    lp_error_free(&err);
  free(s);
  return 0;
}
