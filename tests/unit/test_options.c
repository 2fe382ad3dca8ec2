/* The option parser's rules, as Podman's (pflag) command line has them. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "cli/command.h"

static const struct lp_option create_opts[] = {
  { "name", 0, LP_OPT_STRING, "string", "name", NULL, NULL },
  { "env", 'e', LP_OPT_LIST, "stringArray", "env", NULL, NULL },
  { "volume", 'v', LP_OPT_LIST, "stringArray", "volume", NULL, NULL },
  { "interactive", 'i', LP_OPT_BOOL, NULL, "stdin", NULL, NULL },
  { "tty", 't', LP_OPT_BOOL, NULL, "tty", NULL, NULL },
  { "user", 'u', LP_OPT_STRING, "string", "user", NULL, NULL },
  { "hostname", 'h', LP_OPT_STRING, "string", "hostname", NULL, NULL },
  { "detach-keys", 0, LP_OPT_STRING, "string", "keys", NULL, NULL },
  { "rm", 0, LP_OPT_BOOL, NULL, "rm", NULL, NULL },
  { "pids-limit", 0, LP_OPT_STRING, "int", "pids", NULL, NULL },
  { NULL },
};

static const struct lp_command create_cmd = {
  .name = "create", .usage = "IMAGE", .summary = "create", .options = create_opts,
  .flags = LP_CMD_STOP_AT_POSITIONAL, .min_args = 1, .max_args = -1,
};

static const struct lp_option rm_opts[] = {
  { "force", 'f', LP_OPT_BOOL, NULL, "force", NULL, NULL },
  { NULL },
};

static const struct lp_command rm_cmd = {
  .name = "rm", .usage = "NAME", .summary = "rm", .options = rm_opts, .min_args = 0, .max_args = -1,
};

/* Parse a NULL-terminated list of words; argv storage must outlive args. */
static char *words[64];

static int parse(const struct lp_command *cmd, struct lp_args *args, lp_error_t *err, ...)
{
  va_list ap;
  int n = 0;
  va_start(ap, err);
  for (const char *w; (w = va_arg(ap, const char *));)
    words[n++] = (char *) w;
  va_end(ap);
  words[n] = NULL;
  return lp_args_parse(cmd, n, words, args, err);
}

static void test_long_forms(void **state)
{
  struct lp_args a;
  lp_error_t err = NULL;
  assert_int_equal(parse(&create_cmd, &a, &err, "--name", "box1", "--user=root:root", "img", NULL), 0);
  assert_string_equal(lp_args_str(&a, "name"), "box1");
  assert_string_equal(lp_args_str(&a, "user"), "root:root");
  assert_int_equal(a.argc, 1);
  assert_string_equal(a.argv[0], "img");
  lp_args_free(&a);
}

static void test_short_clusters_and_values(void **state)
{
  struct lp_args a;
  lp_error_t err = NULL;
  size_t n;
  assert_int_equal(parse(&create_cmd, &a, &err, "-it", "-e", "A=1", "--env", "B=2", "-e=C=3", "-eD=4", "-uroot",
                         "img", NULL),
                   0);
  assert_true(lp_args_bool(&a, "interactive"));
  assert_true(lp_args_bool(&a, "tty"));
  assert_false(lp_args_bool(&a, "rm"));
  const char **env = lp_args_list(&a, "env", &n);
  assert_int_equal(n, 4);
  assert_string_equal(env[0], "A=1");
  assert_string_equal(env[1], "B=2");
  assert_string_equal(env[2], "C=3");
  assert_string_equal(env[3], "D=4");
  assert_null(env[4]);
  free(env);
  assert_string_equal(lp_args_str(&a, "user"), "root");
  lp_args_free(&a);
}

static void test_empty_value(void **state)
{
  struct lp_args a;
  lp_error_t err = NULL;
  assert_int_equal(parse(&create_cmd, &a, &err, "--detach-keys=", "img", NULL), 0);
  assert_true(lp_args_has(&a, "detach-keys"));
  assert_string_equal(lp_args_str(&a, "detach-keys"), "");
  lp_args_free(&a);
  assert_int_equal(parse(&create_cmd, &a, &err, "--name", "", "img", NULL), 0);
  assert_string_equal(lp_args_str(&a, "name"), "");
  lp_args_free(&a);
}

static void test_stop_at_first_positional(void **state)
{
  struct lp_args a;
  lp_error_t err = NULL;
  assert_int_equal(parse(&create_cmd, &a, &err, "--name", "box1", "img", "--verbose", "--name", "alice", "--user",
                         "1000", "--", "", NULL),
                   0);
  assert_string_equal(lp_args_str(&a, "name"), "box1");
  assert_null(lp_args_str(&a, "user"));
  const char *expect[] = { "img", "--verbose", "--name", "alice", "--user", "1000", "--", "" };
  assert_int_equal(a.argc, 8);
  for (int i = 0; i < 8; i++)
    assert_string_equal(a.argv[i], expect[i]);
  lp_args_free(&a);
}

static void test_double_dash_ends_options(void **state)
{
  struct lp_args a;
  lp_error_t err = NULL;
  assert_int_equal(parse(&rm_cmd, &a, &err, "-f", "--", "-notaflag", NULL), 0);
  assert_true(lp_args_bool(&a, "force"));
  assert_int_equal(a.argc, 1);
  assert_string_equal(a.argv[0], "-notaflag");
  lp_args_free(&a);
}

static void test_interspersed_for_other_commands(void **state)
{
  struct lp_args a;
  lp_error_t err = NULL;
  assert_int_equal(parse(&rm_cmd, &a, &err, "a", "-f", "b", NULL), 0);
  assert_true(lp_args_bool(&a, "force"));
  assert_int_equal(a.argc, 2);
  assert_string_equal(a.argv[1], "b");
  lp_args_free(&a);
}

static void expect_error(const struct lp_command *cmd, const char *msg, const char *w1, const char *w2)
{
  struct lp_args a;
  lp_error_t err = NULL;
  assert_int_equal(parse(cmd, &a, &err, w1, w2, NULL), -1);
  assert_non_null(err);
  assert_string_equal(err->msg, msg);
  lp_error_free(&err);
}

static void test_errors(void **state)
{
  expect_error(&create_cmd, "unknown flag: --nope", "--nope", NULL);
  expect_error(&create_cmd, "unknown flag: --nope", "--nope=1", NULL);
  expect_error(&create_cmd, "unknown shorthand flag: 'x' in -ix", "-ix", NULL);
  expect_error(&create_cmd, "flag needs an argument: --name", "--name", NULL);
  expect_error(&create_cmd, "flag needs an argument: 'u' in -u", "-u", NULL);
  expect_error(&rm_cmd, "invalid argument \"maybe\" for \"--force=maybe\" flag: strconv.ParseBool: parsing "
                        "\"maybe\": invalid syntax",
               "--force=maybe", NULL);
}

static void test_bool_values(void **state)
{
  struct lp_args a;
  lp_error_t err = NULL;
  assert_int_equal(parse(&create_cmd, &a, &err, "--rm", "--rm=false", "-i=false", "img", NULL), 0);
  assert_false(lp_args_bool(&a, "rm"));
  assert_true(lp_args_has(&a, "rm"));
  assert_false(lp_args_bool(&a, "interactive"));
  lp_args_free(&a);
}

static void test_globals_and_shorthand_precedence(void **state)
{
  struct lp_args a;
  lp_error_t err = NULL;
  /* create defines -h (hostname), so -h is not help there; --help still is. */
  assert_int_equal(parse(&create_cmd, &a, &err, "-h", "host1", "--log-level", "debug", "img", NULL), 0);
  assert_string_equal(lp_args_str(&a, "hostname"), "host1");
  assert_false(lp_args_bool(&a, "help"));
  assert_string_equal(lp_args_str(&a, "log-level"), "debug");
  lp_args_free(&a);
  assert_int_equal(parse(&rm_cmd, &a, &err, "-h", NULL), 0);
  assert_true(lp_args_bool(&a, "help"));
  lp_args_free(&a);
}

static void test_order_and_negative_values(void **state)
{
  struct lp_args a;
  lp_error_t err = NULL;
  assert_int_equal(parse(&create_cmd, &a, &err, "-v", "/dev:/dev", "--pids-limit", "-1", "--volume", "/dev/pts",
                         "-v=/dev/null:/dev/ptmx", "img", NULL),
                   0);
  assert_string_equal(lp_args_str(&a, "pids-limit"), "-1");
  size_t n;
  const char **vols = lp_args_list(&a, "volume", &n);
  assert_int_equal(n, 3);
  assert_string_equal(vols[0], "/dev:/dev");
  assert_string_equal(vols[1], "/dev/pts");
  assert_string_equal(vols[2], "/dev/null:/dev/ptmx");
  free(vols);
  /* The raw sequence keeps every option in command-line order. */
  assert_int_equal(a.nvalues, 4);
  assert_string_equal(a.values[1].opt->name, "pids-limit");
  lp_args_free(&a);
}

static void test_lone_dash_is_positional(void **state)
{
  struct lp_args a;
  lp_error_t err = NULL;
  assert_int_equal(parse(&rm_cmd, &a, &err, "-", "x", NULL), 0);
  assert_int_equal(a.argc, 2);
  assert_string_equal(a.argv[0], "-");
  lp_args_free(&a);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_long_forms),
    cmocka_unit_test(test_short_clusters_and_values),
    cmocka_unit_test(test_empty_value),
    cmocka_unit_test(test_stop_at_first_positional),
    cmocka_unit_test(test_double_dash_ends_options),
    cmocka_unit_test(test_interspersed_for_other_commands),
    cmocka_unit_test(test_errors),
    cmocka_unit_test(test_bool_values),
    cmocka_unit_test(test_globals_and_shorthand_precedence),
    cmocka_unit_test(test_order_and_negative_values),
    cmocka_unit_test(test_lone_dash_is_positional),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
