/* registries.conf v2 parsing, lookup, and the TOML subset's errors. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "registry/registries_conf.h"

static const char conf_text[]
  = "# a comment\n"
    "unqualified-search-registries = [\"registry.example.com\", 'quay.io',\n"
    "   \"docker.io\", # trailing comment\n"
    "]\n"
    "short-name-mode = \"enforcing\"\n"
    "\n"
    "[[registry]]\n"
    "prefix = \"example.com/foo\"\n"
    "location = \"internal.example.com:5000/mirrored/foo/\"\n"
    "insecure = true\n"
    "\n"
    "[[registry.mirror]]\n"
    "location = \"mirror-1.example.com\"\n"
    "[[registry.mirror]]\n"
    "location = \"mirror-2.example.com\"\n"
    "insecure = true\n"
    "\n"
    "[[registry]]\n"
    "location = \"example.com\"\n"
    "blocked = true\n"
    "[[registry]]\n"
    "prefix = \"*.wild.io\"\n"
    "location = \"wild-mirror.io\"\n"
    "[aliases]\n"
    "\"busybox\" = \"docker.io/library/busybox\"\n";

static void test_parse(void **state)
{
  (void) state;
  struct lp_registries_conf c = { 0 };
  lp_error_t err = NULL;
  if (lp_registries_conf_parse("test.conf", conf_text, strlen(conf_text), &c, &err) < 0)
    fail_msg("%s", err->msg);
  size_t n;
  const char *const *s = lp_registries_conf_search(&c, &n);
  assert_int_equal(n, 3);
  assert_string_equal(s[0], "registry.example.com");
  assert_string_equal(s[1], "quay.io");
  assert_string_equal(s[2], "docker.io");
  assert_int_equal(c.nentries, 3);
  const struct lp_registry_entry *e = &c.entries[0];
  assert_string_equal(e->prefix, "example.com/foo");
  assert_string_equal(e->location, "internal.example.com:5000/mirrored/foo");
  assert_true(e->insecure);
  assert_false(e->blocked);
  assert_int_equal(e->nmirrors, 2);
  assert_string_equal(e->mirrors[0].location, "mirror-1.example.com");
  assert_false(e->mirrors[0].insecure);
  assert_true(e->mirrors[1].insecure);
  assert_string_equal(c.entries[1].prefix, "example.com"); /* prefix defaults to location */
  assert_true(c.entries[1].blocked);

  /* Longest prefix wins, on component boundaries only. */
  assert_ptr_equal(lp_registries_conf_find(&c, "example.com/foo/bar"), &c.entries[0]);
  assert_ptr_equal(lp_registries_conf_find(&c, "example.com/foo"), &c.entries[0]);
  assert_ptr_equal(lp_registries_conf_find(&c, "example.com/foobar"), &c.entries[1]);
  assert_ptr_equal(lp_registries_conf_find(&c, "example.com/x"), &c.entries[1]);
  assert_null(lp_registries_conf_find(&c, "example.community/x"));
  assert_ptr_equal(lp_registries_conf_find(&c, "a.wild.io/x"), &c.entries[2]);
  assert_null(lp_registries_conf_find(&c, "wild.io/x"));
  lp_registries_conf_free(&c);
}

static void test_default_search(void **state)
{
  (void) state;
  struct lp_registries_conf c = { 0 };
  lp_error_t err = NULL;
  assert_int_equal(lp_registries_conf_parse("empty.conf", "", 0, &c, &err), 0);
  size_t n;
  const char *const *s = lp_registries_conf_search(&c, &n);
  assert_int_equal(n, 1);
  assert_string_equal(s[0], "docker.io");
  lp_registries_conf_free(&c);
  /* An explicitly empty list means: no search. */
  const char *t = "unqualified-search-registries = []\n";
  assert_int_equal(lp_registries_conf_parse("e.conf", t, strlen(t), &c, &err), 0);
  lp_registries_conf_search(&c, &n);
  assert_int_equal(n, 0);
  lp_registries_conf_free(&c);
}

static void expect_error(const char *text, const char *want)
{
  struct lp_registries_conf c = { 0 };
  lp_error_t err = NULL;
  int rc = lp_registries_conf_parse("bad.conf", text, strlen(text), &c, &err);
  lp_registries_conf_free(&c);
  if (rc == 0)
    fail_msg("accepted: %s", text);
  if (!strstr(err->msg, want))
    fail_msg("error \"%s\" lacks \"%s\"", err->msg, want);
  lp_error_free(&err);
}

static void test_errors(void **state)
{
  (void) state;
  expect_error("unqualified-search-registries = [\"a\"\n", "bad.conf:2: unterminated array");
  expect_error("x = \"unterminated\n", "bad.conf:1: unterminated string");
  expect_error("\n\n[[registry]\n", "bad.conf:3: unterminated table header");
  expect_error("[[registry]]\ninsecure = \"yes\"\n", "bad.conf:2: insecure must be a boolean");
  expect_error("[[registry]]\nlocation = 5\n", "bad.conf:2: unsupported value");
  expect_error("[[registry]]\nlocation = \"a\" junk\n", "bad.conf:2: expected end of line");
  expect_error("[[registry.mirror]]\nlocation = \"a\"\n", "bad.conf:1: [[registry.mirror]] outside of a [[registry]]");
  expect_error("[registry]\n", "must be an array of tables");
  expect_error("unqualified-search-registries = \"docker.io\"\n", "must be an array of strings");
  expect_error("[[registry]]\ninsecure = true\n", "neither prefix nor location");
  expect_error("key\n", "bad.conf:1: expected '=' after key");
  expect_error("k = { a = 1 }\n", "inline tables are not supported");
  expect_error("k = \"\"\"multi\"\"\"\n", "multi-line strings are not supported");
  expect_error("[registries.search]\nregistries = []\n", "version 1");
  expect_error("k = \"bad \\q escape\"\n", "invalid escape");
}

static void test_escapes(void **state)
{
  (void) state;
  const char *t = "[[registry]]\nlocation = \"a\\u00e9\\\"b\"\nprefix = 'lit\\eral'\n";
  struct lp_registries_conf c = { 0 };
  lp_error_t err = NULL;
  assert_int_equal(lp_registries_conf_parse("e.conf", t, strlen(t), &c, &err), 0);
  assert_string_equal(c.entries[0].location, "a\xc3\xa9\"b");
  assert_string_equal(c.entries[0].prefix, "lit\\eral");
  lp_registries_conf_free(&c);
}

static void test_load_env(void **state)
{
  (void) state;
  char path[] = "/tmp/lilipod-regconf-XXXXXX";
  int fd = mkstemp(path);
  assert_true(fd >= 0);
  const char *t = "unqualified-search-registries = [\"only.example\"]\n";
  assert_int_equal(write(fd, t, strlen(t)), (ssize_t) strlen(t));
  close(fd);
  setenv("CONTAINERS_REGISTRIES_CONF", path, 1);
  struct lp_registries_conf c;
  lp_error_t err = NULL;
  assert_int_equal(lp_registries_conf_load(&c, &err), 0);
  size_t n;
  const char *const *s = lp_registries_conf_search(&c, &n);
  assert_int_equal(n, 1);
  assert_string_equal(s[0], "only.example");
  assert_string_equal(c.path, path);
  lp_registries_conf_free(&c);
  unlink(path);
  /* A named file that is missing is an error, not silently the default. */
  assert_int_equal(lp_registries_conf_load(&c, &err), -1);
  assert_non_null(strstr(err->msg, path));
  lp_error_free(&err);
  unsetenv("CONTAINERS_REGISTRIES_CONF");
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_parse),       cmocka_unit_test(test_default_search), cmocka_unit_test(test_errors),
    cmocka_unit_test(test_escapes),     cmocka_unit_test(test_load_env),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
