/* Manifest/index parsing and platform selection. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "registry/manifest.h"
#include "util/platform.h"

#define H1 "sha256:1111111111111111111111111111111111111111111111111111111111111111"
#define H2 "sha256:2222222222222222222222222222222222222222222222222222222222222222"
#define H3 "sha256:3333333333333333333333333333333333333333333333333333333333333333"
#define H4 "sha256:4444444444444444444444444444444444444444444444444444444444444444"

static const char oci_manifest[]
  = "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\","
    "\"config\":{\"mediaType\":\"application/vnd.oci.image.config.v1+json\",\"digest\":\"" H1 "\",\"size\":123},"
    "\"layers\":[{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar+gzip\",\"digest\":\"" H2 "\",\"size\":10},"
    "{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar+zstd\",\"digest\":\"" H3 "\",\"size\":20}]}";

static void test_oci_manifest(void **state)
{
  (void) state;
  struct lp_manifest m;
  lp_error_t err = NULL;
  assert_int_equal(lp_manifest_parse(oci_manifest, strlen(oci_manifest), NULL, &m, &err), 0);
  assert_false(m.is_index);
  assert_string_equal(m.media_type, LP_MT_OCI_MANIFEST);
  assert_string_equal(m.config.digest, H1);
  assert_int_equal(m.config.size, 123);
  assert_int_equal(m.nlayers, 2);
  assert_string_equal(m.layers[1].digest, H3);
  assert_int_equal(m.layers[1].size, 20);
  enum lp_compression c;
  assert_int_equal(lp_layer_compression(m.layers[0].media_type, &c, &err), 0);
  assert_int_equal(c, LP_COMP_GZIP);
  assert_int_equal(lp_layer_compression(m.layers[1].media_type, &c, &err), 0);
  assert_int_equal(c, LP_COMP_ZSTD);
  assert_int_equal(lp_layer_compression("application/vnd.docker.image.rootfs.diff.tar.gzip", &c, &err), 0);
  assert_int_equal(c, LP_COMP_GZIP);
  assert_int_equal(lp_layer_compression("application/vnd.oci.image.layer.v1.tar", &c, &err), 0);
  assert_int_equal(c, LP_COMP_NONE);
  assert_int_equal(lp_layer_compression("application/x-foo", &c, &err), -1);
  assert_non_null(strstr(err->msg, "application/x-foo"));
  lp_error_free(&err);
  lp_manifest_free(&m);
}

static void test_docker_manifest_by_content_type(void **state)
{
  (void) state;
  /* No mediaType in the document: the Content-Type header says what it is. */
  const char *doc = "{\"schemaVersion\":2,\"config\":{\"digest\":\"" H1 "\",\"size\":1},\"layers\":[]}";
  struct lp_manifest m;
  lp_error_t err = NULL;
  assert_int_equal(lp_manifest_parse(doc, strlen(doc), LP_MT_DOCKER_MANIFEST "; charset=utf-8", &m, &err), 0);
  assert_string_equal(m.media_type, LP_MT_DOCKER_MANIFEST);
  assert_int_equal(m.nlayers, 0);
  lp_manifest_free(&m);
}

static const char index_doc[]
  = "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.index.v1+json\",\"manifests\":["
    "{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\"" H1
    "\",\"size\":1,\"platform\":{\"os\":\"linux\",\"architecture\":\"amd64\"}},"
    "{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\"" H2
    "\",\"size\":2,\"platform\":{\"os\":\"linux\",\"architecture\":\"arm64\",\"variant\":\"v8\"}},"
    "{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\"" H3
    "\",\"size\":3,\"platform\":{\"os\":\"linux\",\"architecture\":\"arm\",\"variant\":\"v6\"}},"
    "{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\"" H4
    "\",\"size\":4,\"platform\":{\"os\":\"linux\",\"architecture\":\"arm\",\"variant\":\"v7\"}}]}";

static void test_index_select(void **state)
{
  (void) state;
  struct lp_manifest m;
  lp_error_t err = NULL;
  assert_int_equal(lp_manifest_parse(index_doc, strlen(index_doc), NULL, &m, &err), 0);
  assert_true(m.is_index);
  assert_int_equal(m.nmanifests, 4);
  const struct lp_descriptor *d;
  d = lp_manifest_select(&m, "linux", "amd64", NULL, &err);
  assert_non_null(d);
  assert_string_equal(d->digest, H1);
  d = lp_manifest_select(&m, "linux", "arm64", NULL, &err);
  assert_string_equal(d->digest, H2);
  d = lp_manifest_select(&m, "linux", "arm64", "v8", &err);
  assert_string_equal(d->digest, H2);
  d = lp_manifest_select(&m, "linux", "arm", "v7", &err);
  assert_string_equal(d->digest, H4);
  d = lp_manifest_select(&m, "linux", "arm", NULL, &err);
  assert_non_null(d); /* some arm one */
  /* The default is this machine. */
  d = lp_manifest_select(&m, NULL, NULL, NULL, &err);
  if (strcmp(lp_host_arch(), "amd64") == 0)
    assert_string_equal(d->digest, H1);
  else
    lp_error_free(&err);
  assert_null(lp_manifest_select(&m, "linux", "s390x", NULL, &err));
  assert_string_equal(err->msg, "no image found in manifest list for architecture s390x, variant \"\", OS linux");
  lp_error_free(&err);
  assert_null(lp_manifest_select(&m, "linux", "arm", "v5", &err));
  assert_non_null(strstr(err->msg, "variant \"v5\""));
  lp_error_free(&err);
  assert_null(lp_manifest_select(&m, "windows", "amd64", NULL, &err));
  assert_non_null(strstr(err->msg, "OS windows"));
  lp_error_free(&err);
  lp_manifest_free(&m);
}

static void expect_error(const char *doc, const char *ct, const char *want)
{
  struct lp_manifest m;
  lp_error_t err = NULL;
  if (lp_manifest_parse(doc, strlen(doc), ct, &m, &err) == 0)
    fail_msg("accepted: %s", doc);
  if (!strstr(err->msg, want))
    fail_msg("error \"%s\" lacks \"%s\"", err->msg, want);
  lp_error_free(&err);
}

static void test_errors(void **state)
{
  (void) state;
  expect_error("{\"schemaVersion\":1,\"name\":\"x\",\"fsLayers\":[]}", NULL, "unsupported manifest schema 1");
  expect_error("not json", NULL, "not a JSON object");
  expect_error("[]", NULL, "not a JSON object");
  expect_error("{\"schemaVersion\":3}", NULL, "schemaVersion");
  expect_error("{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"layers\":[]}",
               NULL, "config is not an object");
  expect_error("{\"schemaVersion\":2,\"config\":{\"digest\":\"sha256:12\",\"size\":1},\"layers\":[]}", NULL,
               "invalid digest");
  expect_error("{\"schemaVersion\":2,\"config\":{\"digest\":\"" H1 "\",\"size\":-1},\"layers\":[]}", NULL,
               "invalid size");
  expect_error("{\"schemaVersion\":2,\"config\":{\"digest\":\"" H1 "\",\"size\":1.5},\"layers\":[]}", NULL,
               "invalid size");
  expect_error("{\"schemaVersion\":2,\"config\":{\"digest\":\"" H1 "\",\"size\":1}}", NULL,
               "\"layers\" is missing");
  expect_error("{\"schemaVersion\":2,\"config\":{\"digest\":\"" H1 "\",\"size\":1},\"layers\":[{\"digest\":\"" H2
               "\"}]}",
               NULL, "layers[0] has an invalid size");
  expect_error("{\"schemaVersion\":2,\"mediaType\":\"application/x-other\"}", NULL, "unsupported manifest media type");
  expect_error("{\"schemaVersion\":2,\"mediaType\":\"" LP_MT_DOCKER_LIST "\",\"manifests\":{}}", NULL,
               "\"manifests\" is missing or not an array");
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_oci_manifest),
    cmocka_unit_test(test_docker_manifest_by_content_type),
    cmocka_unit_test(test_index_select),
    cmocka_unit_test(test_errors),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
