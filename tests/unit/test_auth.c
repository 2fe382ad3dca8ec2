/* auth.json lookup order, read/write/remove, --creds parsing, WWW-Authenticate parsing. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "registry/auth.h"
#include "util/fsutil.h"
#include "util/strbuf.h"
#include "util/xalloc.h"

static char tmpdir[] = "/tmp/lilipod-auth-XXXXXX";

static int setup(void **state)
{
  (void) state;
  if (!mkdtemp(tmpdir))
    return -1;
  unsetenv("REGISTRY_AUTH_FILE");
  unsetenv("XDG_RUNTIME_DIR");
  unsetenv("XDG_CONFIG_HOME");
  setenv("HOME", tmpdir, 1);
  return 0;
}

static int teardown(void **state)
{
  (void) state;
  lp_error_t err = NULL;
  lp_rm_rf_at(AT_FDCWD, tmpdir, &err);
  lp_error_free(&err);
  return 0;
}

static void write_file(const char *path, const char *text)
{
  lp_error_t err = NULL;
  cleanup_free char *dir = xstrdup(path);
  *strrchr(dir, '/') = '\0';
  assert_int_equal(lp_mkdir_p_at(AT_FDCWD, dir, 0700, &err), 0);
  assert_int_equal(lp_write_file_at(AT_FDCWD, path, text, strlen(text), 0600, 0, &err), 0);
}

static void test_store_lookup_remove(void **state)
{
  (void) state;
  lp_error_t err = NULL;
  cleanup_free char *file = xasprintf("%s/a/auth.json", tmpdir);
  struct lp_creds c = { xstrdup("user"), xstrdup("pa:ss") };
  assert_int_equal(lp_auth_store(file, "reg.example:5000", &c, &err), 0);
  lp_creds_free(&c);
  struct stat st;
  assert_int_equal(stat(file, &st), 0);
  assert_int_equal(st.st_mode & 0777, 0600);

  struct lp_creds got = { 0 };
  assert_int_equal(lp_auth_lookup(file, "reg.example:5000", "ns/repo", &got, &err), 1);
  assert_string_equal(got.user, "user");
  assert_string_equal(got.pass, "pa:ss");
  lp_creds_free(&got);
  assert_int_equal(lp_auth_lookup(file, "other:5000", NULL, &got, &err), 0);
  /* A prefix of the host is not the host. */
  assert_int_equal(lp_auth_lookup(file, "reg.example:50000", NULL, &got, &err), 0);

  /* A more specific key wins for repositories under it. */
  struct lp_creds c2 = { xstrdup("nsuser"), xstrdup("nspass") };
  assert_int_equal(lp_auth_store(file, "reg.example:5000/ns", &c2, &err), 0);
  lp_creds_free(&c2);
  assert_int_equal(lp_auth_lookup(file, "reg.example:5000", "ns/repo", &got, &err), 1);
  assert_string_equal(got.user, "nsuser");
  lp_creds_free(&got);
  assert_int_equal(lp_auth_lookup(file, "reg.example:5000", "nsx/repo", &got, &err), 1);
  assert_string_equal(got.user, "user");
  lp_creds_free(&got);

  assert_int_equal(lp_auth_remove(file, "reg.example:5000", &err), 1);
  assert_int_equal(lp_auth_remove(file, "reg.example:5000", &err), 0);
  assert_int_equal(lp_auth_lookup(file, "reg.example:5000", NULL, &got, &err), 0);
  assert_int_equal(lp_auth_remove_all(file, &err), 0);
  assert_int_equal(lp_auth_lookup(file, "reg.example:5000", "ns/x", &got, &err), 0);
}

static void test_keeps_other_keys(void **state)
{
  (void) state;
  lp_error_t err = NULL;
  cleanup_free char *file = xasprintf("%s/keep.json", tmpdir);
  write_file(file, "{\"auths\":{\"x.io\":{\"auth\":\"eDp5\"}},\"credHelpers\":{\"y.io\":\"pass\"}}");
  struct lp_creds c = { xstrdup("u"), xstrdup("p") };
  assert_int_equal(lp_auth_store(file, "z.io", &c, &err), 0);
  lp_creds_free(&c);
  struct strbuf sb = STRBUF_INIT;
  assert_int_equal(lp_read_file_at(AT_FDCWD, file, &sb, &err), 0);
  assert_non_null(strstr(sb.buf, "credHelpers"));
  assert_non_null(strstr(sb.buf, "\"x.io\""));
  assert_non_null(strstr(sb.buf, "\"dTpw\"")); /* base64("u:p") */
  strbuf_release(&sb);
}

static void test_lookup_order(void **state)
{
  (void) state;
  lp_error_t err = NULL;
  struct lp_creds got = { 0 };
  /* ~/.docker/config.json with a legacy https:// key, lowest priority. */
  cleanup_free char *docker = xasprintf("%s/.docker/config.json", tmpdir);
  write_file(docker, "{\"auths\":{\"https://index.docker.io/v1/\":{\"auth\":\"ZG9jazpwdw==\"},"
                     "\"reg.io\":{\"auth\":\"ZG9jazpwdw==\"}}}");
  assert_int_equal(lp_auth_lookup(NULL, "docker.io", "library/busybox", &got, &err), 1);
  assert_string_equal(got.user, "dock");
  lp_creds_free(&got);
  cleanup_free char *cfg = xasprintf("%s/.config/containers/auth.json", tmpdir);
  write_file(cfg, "{\"auths\":{\"reg.io\":{\"auth\":\"Y2ZnOnB3\"}}}");
  assert_int_equal(lp_auth_lookup(NULL, "reg.io", NULL, &got, &err), 1);
  assert_string_equal(got.user, "cfg");
  lp_creds_free(&got);
  cleanup_free char *xdg = xasprintf("%s/run", tmpdir);
  cleanup_free char *xdgfile = xasprintf("%s/run/containers/auth.json", tmpdir);
  write_file(xdgfile, "{\"auths\":{\"reg.io\":{\"auth\":\"eGRnOnB3\"}}}");
  setenv("XDG_RUNTIME_DIR", xdg, 1);
  assert_int_equal(lp_auth_lookup(NULL, "reg.io", NULL, &got, &err), 1);
  assert_string_equal(got.user, "xdg");
  lp_creds_free(&got);
  cleanup_free char *def = lp_auth_default_file(&err);
  assert_string_equal(def, xdgfile);
  /* REGISTRY_AUTH_FILE is the only file once set. */
  cleanup_free char *env = xasprintf("%s/env.json", tmpdir);
  setenv("REGISTRY_AUTH_FILE", env, 1);
  assert_int_equal(lp_auth_lookup(NULL, "reg.io", NULL, &got, &err), 0);
  cleanup_free char *def2 = lp_auth_default_file(&err);
  assert_string_equal(def2, env);
  /* --authfile beats everything. */
  assert_int_equal(lp_auth_lookup(cfg, "reg.io", NULL, &got, &err), 1);
  assert_string_equal(got.user, "cfg");
  lp_creds_free(&got);
  unsetenv("REGISTRY_AUTH_FILE");
  unsetenv("XDG_RUNTIME_DIR");
  cleanup_free char *def3 = lp_auth_default_file(&err);
  assert_string_equal(def3, cfg);
}

static void test_malformed(void **state)
{
  (void) state;
  lp_error_t err = NULL;
  struct lp_creds got = { 0 };
  cleanup_free char *file = xasprintf("%s/bad.json", tmpdir);
  write_file(file, "{not json");
  assert_int_equal(lp_auth_lookup_file(file, "reg.io", NULL, &got, &err), -1);
  assert_non_null(strstr(err->msg, "bad.json"));
  lp_error_free(&err);
  write_file(file, "{\"auths\":{\"reg.io\":{\"auth\":\"!!!\"}}}");
  assert_int_equal(lp_auth_lookup_file(file, "reg.io", NULL, &got, &err), -1);
  assert_non_null(strstr(err->msg, "base64"));
  lp_error_free(&err);
  /* Writing to a malformed file refuses rather than clobbering it. */
  write_file(file, "[1,2]");
  struct lp_creds c = { xstrdup("u"), xstrdup("p") };
  assert_int_equal(lp_auth_store(file, "reg.io", &c, &err), -1);
  lp_error_free(&err);
  lp_creds_free(&c);
}

static void test_creds_parse(void **state)
{
  (void) state;
  lp_error_t err = NULL;
  struct lp_creds c = { 0 };
  assert_int_equal(lp_creds_parse("me:se:cret", &c, &err), 0);
  assert_string_equal(c.user, "me");
  assert_string_equal(c.pass, "se:cret");
  lp_creds_free(&c);
  assert_int_equal(lp_creds_parse("me:", &c, &err), 0);
  assert_string_equal(c.pass, "");
  lp_creds_free(&c);
  assert_int_equal(lp_creds_parse("nocolon", &c, &err), -1);
  lp_error_free(&err);
  assert_int_equal(lp_creds_parse(":pw", &c, &err), -1);
  lp_error_free(&err);
}

static void test_challenge(void **state)
{
  (void) state;
  lp_error_t err = NULL;
  struct lp_challenge ch;
  assert_int_equal(lp_challenge_parse("Bearer realm=\"https://auth.example/token\",service=\"registry.example\","
                                      "scope=\"repository:a/b:pull,push\"",
                                      &ch, &err),
                   0);
  assert_string_equal(ch.scheme, "bearer");
  assert_string_equal(ch.realm, "https://auth.example/token");
  assert_string_equal(ch.service, "registry.example");
  assert_string_equal(ch.scope, "repository:a/b:pull,push");
  lp_challenge_free(&ch);
  assert_int_equal(lp_challenge_parse("Basic realm=\"Registry Realm\"", &ch, &err), 0);
  assert_string_equal(ch.scheme, "basic");
  assert_string_equal(ch.realm, "Registry Realm");
  assert_null(ch.service);
  lp_challenge_free(&ch);
  assert_int_equal(lp_challenge_parse("BEARER realm=https://a/t, service=s", &ch, &err), 0);
  assert_string_equal(ch.realm, "https://a/t");
  assert_string_equal(ch.service, "s");
  lp_challenge_free(&ch);
  assert_int_equal(lp_challenge_parse("Bearer realm=\"a\\\"b\"", &ch, &err), 0);
  assert_string_equal(ch.realm, "a\"b");
  lp_challenge_free(&ch);
  assert_int_equal(lp_challenge_parse("Bearer service=\"x\"", &ch, &err), -1);
  assert_non_null(strstr(err->msg, "realm"));
  lp_error_free(&err);
  assert_int_equal(lp_challenge_parse("Bearer realm=\"unterminated", &ch, &err), -1);
  lp_error_free(&err);
  assert_int_equal(lp_challenge_parse("", &ch, &err), -1);
  lp_error_free(&err);
  assert_int_equal(lp_challenge_parse("Bearer realm", &ch, &err), -1);
  lp_error_free(&err);
}

static void test_basic_token(void **state)
{
  (void) state;
  struct lp_creds c = { (char *) "lilipod", (char *) "s3cret-pass" };
  char *t = lp_auth_basic_token(&c);
  assert_string_equal(t, "bGlsaXBvZDpzM2NyZXQtcGFzcw==");
  free(t);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_store_lookup_remove), cmocka_unit_test(test_keeps_other_keys),
    cmocka_unit_test(test_lookup_order),        cmocka_unit_test(test_malformed),
    cmocka_unit_test(test_creds_parse),         cmocka_unit_test(test_challenge),
    cmocka_unit_test(test_basic_token),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
