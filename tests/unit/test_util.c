/* The shared helpers: strbuf, the error object, file helpers. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/error.h"
#include "util/fsutil.h"
#include "util/strbuf.h"
#include "util/xalloc.h"

static void test_strbuf_grows_and_terminates(void **state)
{
  struct strbuf sb = STRBUF_INIT;
  assert_string_equal(sb.buf, "");
  for (int i = 0; i < 1000; i++)
    strbuf_addf(&sb, "%d,", i);
  assert_int_equal(sb.buf[sb.len], '\0');
  assert_int_equal(strlen(sb.buf), sb.len);
  assert_memory_equal(sb.buf, "0,1,2,", 6);
  strbuf_add(&sb, "\0x", 2); /* embedded NUL is kept */
  assert_int_equal(sb.buf[sb.len - 2], '\0');
  size_t len;
  char *s = strbuf_detach(&sb, &len);
  assert_int_equal(sb.len, 0);
  assert_string_equal(sb.buf, "");
  assert_int_equal(s[len], '\0');
  free(s);
  strbuf_release(&sb);
}

static void test_strbuf_shell_quote(void **state)
{
  struct strbuf sb = STRBUF_INIT;
  strbuf_add_shell_quoted(&sb, "it's");
  assert_string_equal(sb.buf, "'it'\\''s'");
  strbuf_reset(&sb);
  strbuf_adds(&sb, "x \n\t ");
  strbuf_rtrim(&sb);
  assert_string_equal(sb.buf, "x");
  strbuf_release(&sb);
}

static int inner(lp_error_t *err)
{
  return lp_error(err, ENOENT, "open `%s`", "/nope");
}

static int outer(lp_error_t *err)
{
  if (inner(err) < 0)
    return lp_error_wrap(err, "pull %s", "busybox");
  return 0;
}

static void test_error_chain(void **state)
{
  lp_error_t err = NULL;
  assert_int_equal(outer(&err), -1);
  assert_int_equal(err->errnum, ENOENT);
  assert_string_equal(err->msg, "pull busybox: open `/nope`: No such file or directory");
  lp_error_free(&err);
  assert_null(err);
  lp_error_free(&err); /* safe twice */
}

static void test_files(void **state)
{
  char tmpl[] = "/tmp/lilipod-util-XXXXXX";
  char *dir = mkdtemp(tmpl);
  assert_non_null(dir);
  int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  lp_error_t err = NULL;
  assert_int_equal(lp_mkdir_p_at(dfd, "a/b/c", 0755, &err), 0);
  assert_int_equal(lp_write_file_at(dfd, "a/b/c/f", "hello", 5, 0600, 1, &err), 0);
  struct strbuf sb = STRBUF_INIT;
  assert_int_equal(lp_read_file_at(dfd, "a/b/c/f", &sb, &err), 0);
  assert_string_equal(sb.buf, "hello");
  strbuf_release(&sb);
  /* A directory an image made unreadable is still removed. */
  assert_int_equal(chmod(dir, 0755), 0);
  assert_int_equal(fchmodat(dfd, "a/b", 0, 0), 0);
  assert_int_equal(lp_rm_rf_at(dfd, "a", &err), 0);
  assert_int_equal(faccessat(dfd, "a", F_OK, 0), -1);
  assert_int_equal(lp_rm_rf_at(dfd, "missing", &err), 0);
  assert_int_equal(lp_read_file_at(dfd, "missing", &sb, &err), -1);
  assert_non_null(strstr(err->msg, "missing"));
  lp_error_free(&err);
  close(dfd);
  rmdir(dir);
}

static void test_home_path(void **state)
{
  lp_error_t err = NULL;
  setenv("LILIPOD_HOME", "/x/home", 1);
  char *p = lp_home_path(&err);
  assert_string_equal(p, "/x/home");
  free(p);
  unsetenv("LILIPOD_HOME");
  setenv("XDG_DATA_HOME", "/x/data", 1);
  p = lp_home_path(&err);
  assert_string_equal(p, "/x/data/lilipod");
  free(p);
  unsetenv("XDG_DATA_HOME");
  setenv("HOME", "/x/user", 1);
  p = lp_home_path(&err);
  assert_string_equal(p, "/x/user/.local/share/lilipod");
  free(p);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_strbuf_grows_and_terminates),
    cmocka_unit_test(test_strbuf_shell_quote),
    cmocka_unit_test(test_error_chain),
    cmocka_unit_test(test_files),
    cmocka_unit_test(test_home_path),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
