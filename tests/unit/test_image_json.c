/* Podman's human units, durations, times, Go JSON and the image JSON shapes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "cli/image_json.h"
#include "cli/output.h"

#define CHECK_STR(expr, want)                                                                                        \
  do                                                                                                                 \
    {                                                                                                                \
      char *got_ = (expr);                                                                                           \
      assert_string_equal(got_, want);                                                                               \
      free(got_);                                                                                                    \
    }                                                                                                                \
  while (0)

static void test_human_size(void **state)
{
  (void) state;
  CHECK_STR(lp_human_size(0), "0 B");
  CHECK_STR(lp_human_size(123), "123 B");
  CHECK_STR(lp_human_size(1000), "1 kB");
  CHECK_STR(lp_human_size(2141364), "2.14 MB");
  CHECK_STR(lp_human_size(4860000), "4.86 MB");
  CHECK_STR(lp_human_size(999999), "1e+03 kB"); /* go-units %.3g, as Podman prints it */
  CHECK_STR(lp_human_size(1.5e9), "1.5 GB");
  CHECK_STR(lp_human_size_compact(2232000), "2.232MB");
  CHECK_STR(lp_human_size_compact(0), "0B");
}

static void test_human_duration(void **state)
{
  (void) state;
  CHECK_STR(lp_human_duration(0), "Less than a second");
  CHECK_STR(lp_human_duration(1), "1 second");
  CHECK_STR(lp_human_duration(59), "59 seconds");
  CHECK_STR(lp_human_duration(60), "About a minute");
  CHECK_STR(lp_human_duration(45 * 60), "45 minutes");
  CHECK_STR(lp_human_duration(3600), "About an hour");
  CHECK_STR(lp_human_duration(2 * 3600), "2 hours");
  CHECK_STR(lp_human_duration(47 * 3600), "47 hours");
  CHECK_STR(lp_human_duration(3 * 86400), "3 days");
  CHECK_STR(lp_human_duration(20 * 86400), "2 weeks");
  CHECK_STR(lp_human_duration(90 * 86400), "3 months");
  CHECK_STR(lp_human_duration(3 * 365 * 86400), "3 years");
  CHECK_STR(lp_human_ago(1000, 1000 + 7200), "2 hours ago");
}

static void test_times(void **state)
{
  (void) state;
  int64_t sec;
  long ns;
  CHECK_STR(lp_time_rfc3339(1700000000, 0), "2023-11-14T22:13:20Z");
  CHECK_STR(lp_time_rfc3339(1700000000, 120000000), "2023-11-14T22:13:20.12Z");
  CHECK_STR(lp_time_go(1700000000, 0), "2023-11-14 22:13:20 +0000 UTC");
  assert_int_equal(lp_parse_rfc3339("2023-11-14T22:13:20Z", &sec, &ns), 0);
  assert_int_equal(sec, 1700000000);
  assert_int_equal(lp_parse_rfc3339("2023-11-15T00:13:20.5+02:00", &sec, &ns), 0);
  assert_int_equal(sec, 1700000000);
  assert_int_equal(ns, 500000000);
  assert_int_equal(lp_parse_rfc3339("yesterday", &sec, &ns), -1);
  assert_int_equal(lp_parse_rfc3339("2023-11-14T22:13:20", &sec, &ns), -1);
}

static void test_format_is_json(void **state)
{
  (void) state;
  assert_true(lp_format_is_json("json"));
  assert_true(lp_format_is_json("{{json .}}"));
  assert_true(lp_format_is_json(" {{ json . }} "));
  assert_false(lp_format_is_json("{{json .Config}}"));
  assert_false(lp_format_is_json("table {{.ID}}"));
}

static void test_json_go(void **state)
{
  (void) state;
  cJSON *v = cJSON_Parse("{\"a\":[],\"b\":{},\"c\":[1,\"<x&y>\"],\"d\":null,\"e\":true}");
  struct strbuf sb = STRBUF_INIT;
  lp_json_print_go(&sb, v, "  ");
  assert_string_equal(sb.buf, "{\n  \"a\": [],\n  \"b\": {},\n  \"c\": [\n    1,\n    \"\\u003cx\\u0026y\\u003e\"\n"
                              "  ],\n  \"d\": null,\n  \"e\": true\n}");
  strbuf_release(&sb);
  cJSON_Delete(v);
}

static void test_split_repo_tag(void **state)
{
  (void) state;
  char *repo, *tag;
  lp_split_repo_tag("localhost:5000/x:tag", &repo, &tag);
  assert_string_equal(repo, "localhost:5000/x");
  assert_string_equal(tag, "tag");
  free(repo);
  free(tag);
  lp_split_repo_tag("localhost:5000/x", &repo, &tag);
  assert_string_equal(repo, "localhost:5000/x");
  assert_null(tag);
  free(repo);
  lp_split_repo_tag("docker.io/library/busybox@sha256:abc", &repo, &tag);
  assert_string_equal(repo, "docker.io/library/busybox");
  assert_null(tag);
  free(repo);
}

static void test_inspect_json(void **state)
{
  (void) state;
  char *names[] = { "docker.io/library/busybox:latest", NULL };
  char *digests[] = { "docker.io/library/busybox@sha256:1111", NULL };
  char *diffs[] = { "sha256:aaaa", "sha256:bbbb", NULL };
  struct lp_image_info img = {
    .id = "sha256:de83bad84f30a791a67f578abe55d0abd344a9c1bf55244469648cd2c9db0c95",
    .manifest_digest = "sha256:1111",
    .manifest_json = "{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"annotations\":{\"k\":\"v\"}}",
    .config_json = "{\"architecture\":\"amd64\",\"os\":\"linux\",\"created\":\"2023-11-14T22:13:20Z\","
                   "\"author\":\"me\",\"config\":{\"Env\":[\"PATH=/bin\"],\"Cmd\":[\"sh\"],\"User\":\"1000\","
                   "\"Labels\":{\"b\":\"2\",\"a\":\"1\"},\"WorkingDir\":\"\"},"
                   "\"history\":[{\"created_by\":\"x\"}]}",
    .created = 5,
    .size = 2140160,
    .names = names,
    .nnames = 1,
    .repo_digests = digests,
    .nrepo_digests = 1,
    .diff_ids = diffs,
    .nlayers = 2,
  };
  struct lp_tmpl_maps maps = LP_TMPL_MAPS_INIT;
  cJSON *o = lp_image_inspect_json(&img, &maps);
  static const char *const order[] = { "Id", "Digest", "RepoTags", "RepoDigests", "Parent", "Comment", "Created",
                                       "Config", "Version", "Author", "Architecture", "Os", "Size", "VirtualSize",
                                       "GraphDriver", "RootFS", "Labels", "Annotations", "ManifestType", "User",
                                       "History", "NamesHistory" };
  const cJSON *c = o->child;
  for (size_t i = 0; i < sizeof order / sizeof order[0]; i++, c = c->next)
    {
      assert_non_null(c);
      assert_string_equal(c->string, order[i]);
    }
  assert_null(c);
  assert_string_equal(cJSON_GetObjectItem(o, "Id")->valuestring,
                      "de83bad84f30a791a67f578abe55d0abd344a9c1bf55244469648cd2c9db0c95");
  assert_string_equal(cJSON_GetObjectItem(o, "Created")->valuestring, "2023-11-14T22:13:20Z");
  assert_string_equal(cJSON_GetObjectItem(o, "User")->valuestring, "1000");
  assert_string_equal(cJSON_GetObjectItem(o, "Author")->valuestring, "me");
  const cJSON *config = cJSON_GetObjectItem(o, "Config");
  assert_null(cJSON_GetObjectItem(config, "WorkingDir")); /* empty: left out as Go's omitempty */
  assert_non_null(cJSON_GetObjectItem(config, "Env"));
  assert_string_equal(cJSON_GetObjectItem(cJSON_GetObjectItem(o, "GraphDriver"), "Name")->valuestring, "lilipod");
  const cJSON *layers = cJSON_GetObjectItem(cJSON_GetObjectItem(o, "RootFS"), "Layers");
  assert_int_equal(cJSON_GetArraySize(layers), 2);
  assert_string_equal(cJSON_GetArrayItem(layers, 1)->valuestring, "sha256:bbbb");
  assert_true(lp_tmpl_maps_has(&maps, cJSON_GetObjectItem(o, "Labels")));
  assert_true(lp_tmpl_maps_has(&maps, cJSON_GetObjectItem(config, "Labels")));

  /* A template over it prints maps as Go does. */
  char *msg = NULL;
  struct lp_template *t = lp_template_parse("{{.Labels}} {{.Config.Cmd}} {{.Architecture}}", &msg);
  assert_non_null(t);
  struct strbuf sb = STRBUF_INIT;
  assert_int_equal(lp_template_exec(t, o, &maps, &sb, &msg), 0);
  assert_string_equal(sb.buf, "map[a:1 b:2] [sh] amd64");
  strbuf_release(&sb);
  lp_template_free(t);
  lp_tmpl_maps_release(&maps);
  cJSON_Delete(o);

  cJSON *row = lp_image_row_json(&img, names[0], 0, false, 1700000000 + 7200, NULL);
  assert_string_equal(cJSON_GetObjectItem(row, "Repository")->valuestring, "docker.io/library/busybox");
  assert_string_equal(cJSON_GetObjectItem(row, "ID")->valuestring, "de83bad84f30");
  assert_string_equal(cJSON_GetObjectItem(row, "Created")->valuestring, "2 hours ago");
  assert_string_equal(cJSON_GetObjectItem(row, "Size")->valuestring, "2.14 MB");
  cJSON_Delete(row);
}

static void test_tabwriter(void **state)
{
  (void) state;
  struct strbuf sb = STRBUF_INIT;
  lp_tabwrite(&sb, "REPOSITORY\tTAG\tSIZE\nlocalhost:5000/multi\tv1\t2.23 MB\n");
  assert_string_equal(sb.buf, "REPOSITORY            TAG         SIZE\n"
                              "localhost:5000/multi  v1          2.23 MB\n");
  strbuf_release(&sb);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_human_size),   cmocka_unit_test(test_human_duration), cmocka_unit_test(test_times),
    cmocka_unit_test(test_format_is_json), cmocka_unit_test(test_json_go),     cmocka_unit_test(test_split_repo_tag),
    cmocka_unit_test(test_inspect_json), cmocka_unit_test(test_tabwriter),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
