/* Image reference parsing, case by case against what Podman accepts and refuses. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "registry/reference.h"

#define D64 "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

struct ok_case
{
  const char *in;
  const char *domain, *path, *tag, *digest;
  const char *canonical; /* after qualifying with docker.io */
};

static const struct ok_case ok_cases[] = {
  { "busybox", NULL, "busybox", NULL, NULL, "docker.io/library/busybox:latest" },
  { "busybox:1.36", NULL, "busybox", "1.36", NULL, "docker.io/library/busybox:1.36" },
  { "library/busybox", NULL, "library/busybox", NULL, NULL, "docker.io/library/busybox:latest" },
  { "docker.io/busybox", "docker.io", "library/busybox", NULL, NULL, "docker.io/library/busybox:latest" },
  { "index.docker.io/busybox", "docker.io", "library/busybox", NULL, NULL, "docker.io/library/busybox:latest" },
  { "docker.io/library/busybox:latest", "docker.io", "library/busybox", "latest", NULL,
    "docker.io/library/busybox:latest" },
  { "quay.io/podman/stable", "quay.io", "podman/stable", NULL, NULL, "quay.io/podman/stable:latest" },
  { "localhost/x", "localhost", "x", NULL, NULL, "localhost/x:latest" },
  { "localhost:5000/x:v1", "localhost:5000", "x", "v1", NULL, "localhost:5000/x:v1" },
  { "127.0.0.1:5000/busybox", "127.0.0.1:5000", "busybox", NULL, NULL, "127.0.0.1:5000/busybox:latest" },
  { "127.0.0.1:5000/a/b/c:tag", "127.0.0.1:5000", "a/b/c", "tag", NULL, "127.0.0.1:5000/a/b/c:tag" },
  { "host:5000/repo@" D64, "host:5000", "repo", NULL, D64, "host:5000/repo@" D64 },
  { "busybox@" D64, NULL, "busybox", NULL, D64, "docker.io/library/busybox@" D64 },
  { "busybox:1.0@" D64, NULL, "busybox", "1.0", D64, "docker.io/library/busybox:1.0@" D64 },
  { "a-b/c_d.e__f---g", NULL, "a-b/c_d.e__f---g", NULL, NULL, "docker.io/a-b/c_d.e__f---g:latest" },
  { "example.com/a.b-c", "example.com", "a.b-c", NULL, NULL, "example.com/a.b-c:latest" },
  { "Example.com/repo", "Example.com", "repo", NULL, NULL, "Example.com/repo:latest" },
  { "sub.example.com:443/team/app:v1.2.3-rc_1", "sub.example.com:443", "team/app", "v1.2.3-rc_1", NULL,
    "sub.example.com:443/team/app:v1.2.3-rc_1" },
  { "[::1]:5000/repo", "[::1]:5000", "repo", NULL, NULL, "[::1]:5000/repo:latest" },
  { "repo:_tag", NULL, "repo", "_tag", NULL, "docker.io/library/repo:_tag" },
  { "x/y:TAG", NULL, "x/y", "TAG", NULL, "docker.io/x/y:TAG" },
};

static void test_ok(void **state)
{
  (void) state;
  for (size_t i = 0; i < sizeof(ok_cases) / sizeof(ok_cases[0]); i++)
    {
      const struct ok_case *c = &ok_cases[i];
      struct lp_reference r, q;
      lp_error_t err = NULL;
      if (lp_reference_parse(c->in, &r, &err) < 0)
        fail_msg("%s: %s", c->in, err->msg);
      if (c->domain)
        assert_string_equal(r.domain, c->domain);
      else
        assert_null(r.domain);
      assert_string_equal(r.path, c->path);
      if (c->tag)
        assert_string_equal(r.tag, c->tag);
      else
        assert_null(r.tag);
      if (c->digest)
        assert_string_equal(r.digest, c->digest);
      else
        assert_null(r.digest);
      lp_reference_qualify(&r, "docker.io", &q);
      char *s = lp_reference_string(&q);
      assert_string_equal(s, c->canonical);
      free(s);
      lp_reference_free(&q);
      lp_reference_free(&r);
    }
}

static void expect_error(const char *in, const char *want)
{
  struct lp_reference r;
  lp_error_t err = NULL;
  if (lp_reference_parse(in, &r, &err) == 0)
    fail_msg("\"%s\" was accepted", in);
  assert_non_null(err);
  if (!strstr(err->msg, want))
    fail_msg("\"%s\": error \"%s\" lacks \"%s\"", in, err->msg, want);
  lp_error_free(&err);
}

static void test_errors(void **state)
{
  (void) state;
  expect_error("", "invalid reference format");
  expect_error("Busybox", "repository name must be lowercase");
  expect_error("quay.io/Podman/stable", "repository name must be lowercase");
  expect_error("busybox:", "invalid reference format");
  expect_error("busybox:-bad", "invalid reference format");
  expect_error("busybox:a/b", "invalid reference format");
  expect_error("busybox@sha256:abc", "invalid digest");
  expect_error("busybox@sha256:0123456789ABCDEF0123456789abcdef0123456789abcdef0123456789abcdef", "invalid digest");
  expect_error("busybox@", "invalid digest");
  expect_error("/busybox", "invalid reference format");
  expect_error("busybox/", "invalid reference format");
  expect_error("a//b", "invalid reference format");
  expect_error("-busybox", "invalid reference format");
  expect_error("busy..box", "invalid reference format");
  expect_error("busy___box", "invalid reference format");
  expect_error("busybox-", "invalid reference format");
  expect_error("host:port/repo", "invalid reference format");
  expect_error("-host.com/repo", "invalid reference format");
  expect_error("host.com:/repo", "invalid reference format");
  expect_error("a b", "invalid reference format");
  expect_error("0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
               "cannot specify 64-byte hexadecimal strings");
  char longname[300];
  memset(longname, 'a', sizeof(longname) - 1);
  longname[sizeof(longname) - 1] = '\0';
  expect_error(longname, "must not be more than 255 characters");
  char longtag[200];
  strcpy(longtag, "repo:");
  memset(longtag + 5, 't', 129);
  longtag[134] = '\0';
  expect_error(longtag, "invalid reference format");
}

static void test_tag_default(void **state)
{
  (void) state;
  struct lp_reference r;
  lp_error_t err = NULL;
  assert_int_equal(lp_reference_parse("busybox", &r, &err), 0);
  assert_string_equal(lp_reference_tag(&r), "latest");
  lp_reference_free(&r);
  assert_int_equal(lp_reference_parse("busybox@" D64, &r, &err), 0);
  assert_null(lp_reference_tag(&r));
  char *name = lp_reference_name(&r);
  assert_string_equal(name, "busybox");
  free(name);
  lp_reference_free(&r);
  /* Qualifying with another registry adds no library/. */
  assert_int_equal(lp_reference_parse("busybox", &r, &err), 0);
  struct lp_reference q;
  lp_reference_qualify(&r, "quay.io", &q);
  char *s = lp_reference_string(&q);
  assert_string_equal(s, "quay.io/busybox:latest");
  free(s);
  lp_reference_free(&q);
  lp_reference_free(&r);
}

static void test_digest_valid(void **state)
{
  (void) state;
  assert_true(lp_digest_valid(D64));
  assert_false(lp_digest_valid("sha256:"));
  assert_false(lp_digest_valid(":abc"));
  assert_false(lp_digest_valid("sha256" "0123"));
  assert_true(lp_digest_valid("sha512:0123456789abcdef0123456789abcdef"));
  assert_false(lp_digest_valid("1sha:0123456789abcdef0123456789abcdef"));
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_ok),
    cmocka_unit_test(test_errors),
    cmocka_unit_test(test_tag_default),
    cmocka_unit_test(test_digest_valid),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
