/* The /etc/subuid parser and the keep-id / private map builder. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "runtime/idmap.h"

static void test_parse_by_name_and_uid(void **state)
{
  (void)state;
  const char *text = "# comment\n"
                     "bob:300000:65536\n"
                     "alice:100000:65536\n"
                     "\n"
                     "1000:200000:10\n"
                     "alice:500000:5   \n";
  struct lp_subid_range *r;
  size_t n;
  lp_error_t err = NULL;
  assert_int_equal(lp_subid_parse(text, "/etc/subuid", "alice", 1000, &r, &n, &err), 0);
  assert_int_equal(n, 3);
  assert_int_equal(r[0].start, 100000);
  assert_int_equal(r[0].count, 65536);
  assert_int_equal(r[1].start, 200000);
  assert_int_equal(r[1].count, 10);
  assert_int_equal(r[2].start, 500000);
  assert_int_equal(r[2].count, 5);
  free(r);

  assert_int_equal(lp_subid_parse(text, "/etc/subuid", "carol", 1234, &r, &n, &err), 0);
  assert_int_equal(n, 0);
  assert_null(r);
  /* No name (a uid without a passwd entry): by number only. */
  assert_int_equal(lp_subid_parse(text, "/etc/subuid", NULL, 1000, &r, &n, &err), 0);
  assert_int_equal(n, 1);
  free(r);
  /* A prefix of another name does not match. */
  assert_int_equal(lp_subid_parse("alicex:1:2\n", "f", "alice", 1, &r, &n, &err), 0);
  assert_int_equal(n, 0);
}

static void test_parse_malformed(void **state)
{
  (void)state;
  struct lp_subid_range *r;
  size_t n;
  lp_error_t err = NULL;
  /* Someone else's broken line is not our problem. */
  assert_int_equal(lp_subid_parse("bob:x:y\nalice:10:20", "/etc/subuid", "alice", 1000, &r, &n, &err), 0);
  assert_int_equal(n, 1);
  free(r);
  const char *bad[] = { "alice:10\n", "alice:10:0\n", "alice:-1:5\n", "alice:10:abc\n", "alice:4294967295:2\n",
                        "alice:99999999999:1\n" };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
    {
      assert_int_equal(lp_subid_parse(bad[i], "/etc/subuid", "alice", 1000, &r, &n, &err), -1);
      assert_non_null(err);
      assert_non_null(strstr(err->msg, "/etc/subuid line 1"));
      lp_error_free(&err);
    }
}

static void check_map(const struct lp_idmap *m, const char *want)
{
  struct strbuf sb = STRBUF_INIT;
  lp_idmap_format(m, &sb);
  assert_string_equal(sb.buf, want);
  strbuf_release(&sb);
}

static void test_keep_id(void **state)
{
  (void)state;
  struct lp_subid_range r[] = { { 100000, 65536 } };
  struct lp_idmap m;
  lp_error_t err = NULL;
  uint32_t out;

  assert_int_equal(lp_idmap_build(LP_USERNS_KEEP_ID, 1000, r, 1, &m, &err), 0);
  check_map(&m, "0 100000 1000\n1000 1000 1\n1001 101000 64536\n");
  assert_true(lp_idmap_to_host(&m, 0, &out));
  assert_int_equal(out, 100000);
  assert_true(lp_idmap_to_host(&m, 1000, &out));
  assert_int_equal(out, 1000);
  assert_true(lp_idmap_to_host(&m, 65536, &out));
  assert_int_equal(out, 165535);
  assert_false(lp_idmap_to_host(&m, 65537, &out));
  lp_idmap_free(&m);

  /* Ranges split across the user's own id. */
  struct lp_subid_range two[] = { { 100000, 600 }, { 300000, 1000 } };
  assert_int_equal(lp_idmap_build(LP_USERNS_KEEP_ID, 1000, two, 2, &m, &err), 0);
  check_map(&m, "0 100000 600\n600 300000 400\n1000 1000 1\n1001 300400 600\n");
  lp_idmap_free(&m);

  /* Fewer subordinate ids than the user's uid: what there is, and the user. */
  struct lp_subid_range small[] = { { 100000, 10 } };
  assert_int_equal(lp_idmap_build(LP_USERNS_KEEP_ID, 1000, small, 1, &m, &err), 0);
  check_map(&m, "0 100000 10\n1000 1000 1\n");
  lp_idmap_free(&m);
}

static void test_private_and_single(void **state)
{
  (void)state;
  struct lp_subid_range r[] = { { 100000, 65536 } };
  struct lp_idmap m;
  lp_error_t err = NULL;
  assert_int_equal(lp_idmap_build(LP_USERNS_PRIVATE, 1000, r, 1, &m, &err), 0);
  check_map(&m, "0 1000 1\n1 100000 65536\n");
  lp_idmap_free(&m);
  /* No subordinate ids: container root is the user, nothing else. */
  assert_int_equal(lp_idmap_build(LP_USERNS_KEEP_ID, 1000, NULL, 0, &m, &err), 0);
  check_map(&m, "0 1000 1\n");
  lp_idmap_free(&m);
  assert_int_equal(lp_idmap_build(LP_USERNS_HOST, 1000, r, 1, &m, &err), -1);
  lp_error_free(&err);
}

static void test_proc_maps(void **state)
{
  (void)state;
  struct lp_idmap m;
  lp_error_t err = NULL;
  uint32_t out;
  assert_int_equal(lp_idmap_parse_proc("         0          0 4294967295\n", &m, &err), 0);
  assert_true(lp_idmap_is_identity(&m));
  lp_idmap_free(&m);
  assert_int_equal(lp_idmap_parse_proc("         0     100000       1000\n"
                                       "      1000       1000          1\n"
                                       "      1001     101000      64536\n",
                                       &m, &err),
                   0);
  assert_false(lp_idmap_is_identity(&m));
  check_map(&m, "0 100000 1000\n1000 1000 1\n1001 101000 64536\n");
  assert_true(lp_idmap_to_host(&m, 1000, &out));
  assert_int_equal(out, 1000);
  lp_idmap_free(&m);
  assert_int_equal(lp_idmap_parse_proc("", &m, &err), 0);
  assert_int_equal(m.n, 0);
  assert_false(lp_idmap_is_identity(&m));
  assert_int_equal(lp_idmap_parse_proc("0 0\n", &m, &err), -1);
  lp_error_free(&err);
  assert_int_equal(lp_idmap_parse_proc("0 0 0\n", &m, &err), -1);
  lp_error_free(&err);
  /* The test's own process: whatever it is, it reads. */
  assert_int_equal(lp_idmap_read_self("uid_map", &m, &err), 0);
  assert_true(m.n >= 1);
  assert_int_equal(lp_idmap_is_identity(&m), lp_userns_is_initial());
  lp_idmap_free(&m);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_parse_by_name_and_uid),
    cmocka_unit_test(test_parse_malformed),
    cmocka_unit_test(test_keep_id),
    cmocka_unit_test(test_private_and_single),
    cmocka_unit_test(test_proc_maps),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
