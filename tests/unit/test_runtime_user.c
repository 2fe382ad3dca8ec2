/* Resolving --user in the container's passwd/group, generated files and
 * capability names. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "runtime/genfiles.h"
#include "runtime/process.h"

static const char *passwd = "root:x:0:0:root:/root:/bin/sh\n"
                            "# comment\n"
                            "alice:x:1000:1000:Alice:/home/alice:/bin/sh\n"
                            "nohome:x:1001:1001::\n";
static const char *group = "root:x:0:\nwheel:x:10:bob,alice\nvideo:x:44:alice\nalice:x:1000:\nstaff:x:50:bob\n";

static void test_user_by_name(void **state)
{
  (void)state;
  struct lp_user u;
  lp_error_t err = NULL;
  assert_int_equal(lp_user_resolve_text("alice", passwd, group, &u, &err), 0);
  assert_int_equal(u.uid, 1000);
  assert_int_equal(u.gid, 1000);
  assert_string_equal(u.home, "/home/alice");
  assert_int_equal(u.ngroups, 2);
  assert_int_equal(u.groups[0], 10);
  assert_int_equal(u.groups[1], 44);
  lp_user_free(&u);

  assert_int_equal(lp_user_resolve_text("alice:staff", passwd, group, &u, &err), 0);
  assert_int_equal(u.gid, 50);
  lp_user_free(&u);
}

static void test_user_numeric_and_default(void **state)
{
  (void)state;
  struct lp_user u;
  lp_error_t err = NULL;
  assert_int_equal(lp_user_resolve_text(NULL, passwd, group, &u, &err), 0);
  assert_int_equal(u.uid, 0);
  assert_string_equal(u.home, "/root");
  lp_user_free(&u);
  /* A uid without a passwd entry runs with gid 0 and HOME=/ (Podman). */
  assert_int_equal(lp_user_resolve_text("4242:7", passwd, group, &u, &err), 0);
  assert_int_equal(u.uid, 4242);
  assert_int_equal(u.gid, 7);
  assert_string_equal(u.home, "/");
  assert_int_equal(u.ngroups, 0);
  lp_user_free(&u);
  assert_int_equal(lp_user_resolve_text("1001", passwd, group, &u, &err), 0);
  assert_string_equal(u.home, "/");
  lp_user_free(&u);
}

static void test_user_errors(void **state)
{
  (void)state;
  struct lp_user u;
  lp_error_t err = NULL;
  assert_int_equal(lp_user_resolve_text("mallory", passwd, group, &u, &err), -1);
  assert_non_null(strstr(err->msg, "unable to find user mallory"));
  lp_error_free(&err);
  assert_int_equal(lp_user_resolve_text("alice:nogroup", passwd, group, &u, &err), -1);
  assert_non_null(strstr(err->msg, "unable to find group nogroup"));
  lp_error_free(&err);
  /* No passwd at all: numeric ids still work, names do not. */
  assert_int_equal(lp_user_resolve_text("0", "", "", &u, &err), 0);
  lp_user_free(&u);
  assert_int_equal(lp_user_resolve_text("alice", "", "", &u, &err), -1);
  lp_error_free(&err);
}

static void test_containerenv_and_hosts(void **state)
{
  (void)state;
  struct strbuf sb = STRBUF_INIT;
  struct lp_containerenv ce = { "box\"1", "abc", "img:$tag", NULL };
  lp_genfile_containerenv(&sb, &ce, true);
  assert_string_equal(sb.buf, "engine=\"lilipod\"\nname=\"box\\\"1\"\nid=\"abc\"\nimage=\"img:\\$tag\"\n"
                              "imageid=\"\"\nrootless=1\n");
  strbuf_reset(&sb);
  lp_genfile_hosts(&sb, "10.0.0.1 host", "box");
  assert_string_equal(sb.buf, "10.0.0.1 host\n127.0.1.1\tbox\n");
  strbuf_release(&sb);
}

static void test_caps(void **state)
{
  (void)state;
  unsigned long long m;
  lp_error_t err = NULL;
  assert_int_equal(lp_cap_parse("CAP_SYS_ADMIN", &m, &err), 0);
  assert_int_equal(m, 1ULL << 21);
  assert_int_equal(lp_cap_parse("net_raw", &m, &err), 0);
  assert_int_equal(m, 1ULL << 13);
  assert_int_equal(lp_cap_parse("ALL", &m, &err), 0);
  assert_int_equal(m, ~0ULL);
  assert_int_equal(lp_cap_parse("CAP_FLY", &m, &err), -1);
  lp_error_free(&err);
  assert_int_equal(LP_DEFAULT_CAPS, 0x800405fbULL);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_user_by_name),     cmocka_unit_test(test_user_numeric_and_default),
    cmocka_unit_test(test_user_errors),      cmocka_unit_test(test_containerenv_and_hosts),
    cmocka_unit_test(test_caps),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
