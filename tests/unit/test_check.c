/* lp_store_check: each way a store can be damaged is found, and --repair
 * fixes what it can and says what it cannot. Every test builds a real store
 * with a two-layer image, damages it behind the store's back (the files, or
 * the database through a second SQLite connection) and checks. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <mbedtls/sha256.h>
#include <sqlite3.h>
#include <sys/stat.h>

#include "store/store.h"
#include "test_store_util.h"
#include "util/fsutil.h"

static char *base;
static int serial;

static const char layer1[] = "d('etc')\n"
                             "f('etc/big', 'A' * 5000)\n"
                             "f('etc/small', 'tiny')\n"
                             "d('usr')\n"
                             "d('usr/bin')\n"
                             "f('usr/bin/tool', 'T' * 3000, mode=0o755)\n"
                             "h('usr/bin/tool2', 'usr/bin/tool')\n";
static const char layer2[] = "f('etc/big', 'B' * 6000)\n"
                             "f('etc/.wh.small')\n"
                             "l('usr/bin/link', 'tool')\n";

struct fixture
{
  struct lp_store *s;
  char *diff_ids[2];
  struct strbuf tars[2];
  char *home;
};

static char *sha_id(const void *data, size_t len)
{
  unsigned char d[32];
  mbedtls_sha256_ret(data, len, d, 0);
  struct strbuf sb = STRBUF_INIT;
  strbuf_adds(&sb, "sha256:");
  for (int i = 0; i < 32; i++)
    strbuf_addf(&sb, "%02x", d[i]);
  return strbuf_detach(&sb, NULL);
}

#define IMAGE_ID "sha256:2222222222222222222222222222222222222222222222222222222222222222"
#define IMAGE_NAME "localhost/check:1"

static void ingest(struct fixture *f, int i)
{
  lp_error_t err = NULL;
  struct lp_layer_writer *w;
  assert_int_equal(lp_layer_begin(f->s, f->diff_ids[i], &w, &err), 0);
  assert_int_equal(lp_layer_write(w, f->tars[i].buf, f->tars[i].len, &err), 0);
  if (lp_layer_commit(w, &err) < 0)
    fail_msg("commit: %s", err->msg);
}

static void commit(struct fixture *f)
{
  struct lp_image_new img = {
    .id = IMAGE_ID,
    .manifest_digest = "sha256:1111111111111111111111111111111111111111111111111111111111111111",
    .manifest_json = "{}",
    .config_json = "{\"config\":{}}",
    .diff_ids = (const char *const *) f->diff_ids,
    .nlayers = 2,
    .name = IMAGE_NAME,
  };
  lp_error_t err = NULL;
  if (lp_image_commit(f->s, &img, &err) < 0)
    fail_msg("image commit: %s", err->msg);
}

static int setup(void **state)
{
  struct fixture *f = xcalloc(1, sizeof *f);
  f->home = xasprintf("%s/home%d", base, serial++);
  lp_error_t err = NULL;
  if (lp_store_open(f->home, &f->s, &err) < 0)
    return -1;
  const char *bodies[2] = { layer1, layer2 };
  for (int i = 0; i < 2; i++)
    {
      strbuf_init(&f->tars[i], 0);
      make_tar("PAX_FORMAT", bodies[i], &f->tars[i]);
      f->diff_ids[i] = sha_id(f->tars[i].buf, f->tars[i].len);
      ingest(f, i);
    }
  commit(f);
  *state = f;
  return 0;
}

static int teardown(void **state)
{
  struct fixture *f = *state;
  lp_store_close(f->s);
  for (int i = 0; i < 2; i++)
    {
      free(f->diff_ids[i]);
      strbuf_release(&f->tars[i]);
    }
  lp_error_t err = NULL;
  lp_rm_rf_at(AT_FDCWD, f->home, &err);
  lp_error_free(&err);
  free(f->home);
  free(f);
  return 0;
}

/* Run SQL on the store's database over a second connection (foreign keys
 * off, as a damaged or hand-edited database would be). */
static void sql(struct fixture *f, const char *q)
{
  sqlite3 *db;
  cleanup_free char *p = xasprintf("%s/store.db", f->home);
  assert_int_equal(sqlite3_open(p, &db), SQLITE_OK);
  sqlite3_busy_timeout(db, 10000);
  char *msg = NULL;
  if (sqlite3_exec(db, q, NULL, NULL, &msg) != SQLITE_OK)
    fail_msg("%s: %s", q, msg);
  sqlite3_close(db);
}

/* The object path of the stored content of the file whose data is `fill`
 * repeated n times. */
static char *object_path(struct fixture *f, char fill, size_t n)
{
  char *data = xmalloc(n);
  memset(data, fill, n);
  cleanup_free char *id = sha_id(data, n);
  free(data);
  return xasprintf("%s/objects/%.2s/%s", f->home, id + 7, id + 9);
}

static struct lp_check_result check(struct fixture *f, int flags)
{
  struct lp_check_result r;
  lp_error_t err = NULL;
  if (lp_store_check(f->s, flags, &r, &err) < 0)
    fail_msg("check: %s", err->msg);
  return r;
}

/* The problem of this kind whose subject contains `about`, or NULL. */
static const struct lp_check_problem *find(const struct lp_check_result *r, enum lp_check_kind kind, const char *about)
{
  for (size_t i = 0; i < r->nproblems; i++)
    if (r->problems[i].kind == kind && strstr(r->problems[i].subject, about))
      return &r->problems[i];
  return NULL;
}

static void assert_clean(struct fixture *f)
{
  struct lp_check_result r = check(f, 0);
  for (size_t i = 0; i < r.nproblems; i++)
    fprintf(stderr, "unexpected: %s: %s\n", r.problems[i].subject, r.problems[i].detail);
  assert_int_equal(r.nproblems, 0);
  lp_check_result_free(&r);
}

static void test_clean_store(void **state)
{
  struct fixture *f = *state;
  struct lp_check_result r = check(f, 0);
  assert_int_equal(r.nproblems, 0);
  assert_int_equal(r.images, 1);
  assert_int_equal(r.layers, 2);
  assert_int_equal(r.objects, 3); /* A*5000, T*3000, B*6000; "tiny" is inline */
  assert_int_equal(r.object_bytes, 14000);
  lp_check_result_free(&r);
  /* Repair of a clean store changes nothing. */
  r = check(f, LP_CHECK_REPAIR);
  assert_int_equal(r.nproblems, 0);
  lp_check_result_free(&r);
}

static void test_missing_object(void **state)
{
  struct fixture *f = *state;
  cleanup_free char *obj = object_path(f, 'T', 3000);
  assert_int_equal(unlink(obj), 0);
  struct lp_check_result r = check(f, 0);
  const struct lp_check_problem *p = find(&r, LP_CHECK_OBJECT_MISSING, "object ");
  assert_non_null(p);
  assert_non_null(strstr(p->detail, IMAGE_NAME));
  lp_check_result_free(&r);
  r = check(f, LP_CHECK_REPAIR);
  p = find(&r, LP_CHECK_OBJECT_MISSING, "object ");
  assert_non_null(p);
  assert_false(p->repaired);
  assert_non_null(p->hint);
  assert_non_null(strstr(p->hint, IMAGE_NAME));
  lp_check_result_free(&r);
}

static void test_missing_object_of_unused_layer(void **state)
{
  struct fixture *f = *state;
  /* A layer no image uses (a pull that never committed its image). */
  struct strbuf tar = STRBUF_INIT;
  make_tar("PAX_FORMAT", "f('lonely', 'L' * 4000)\n", &tar);
  cleanup_free char *id = sha_id(tar.buf, tar.len);
  lp_error_t err = NULL;
  struct lp_layer_writer *w;
  assert_int_equal(lp_layer_begin(f->s, id, &w, &err), 0);
  assert_int_equal(lp_layer_write(w, tar.buf, tar.len, &err), 0);
  assert_int_equal(lp_layer_commit(w, &err), 0);
  strbuf_release(&tar);
  assert_clean(f);
  cleanup_free char *obj = object_path(f, 'L', 4000);
  assert_int_equal(unlink(obj), 0);
  struct lp_check_result r = check(f, 0);
  const struct lp_check_problem *p = find(&r, LP_CHECK_OBJECT_MISSING, "object ");
  assert_non_null(p);
  assert_string_equal(p->detail, "missing (used by no image)");
  assert_int_equal(r.layers, 3);
  lp_check_result_free(&r);
  /* Repair drops the unused layer that names it; the image is untouched. */
  r = check(f, LP_CHECK_REPAIR);
  assert_true(find(&r, LP_CHECK_OBJECT_MISSING, "object ")->repaired);
  lp_check_result_free(&r);
  r = check(f, 0);
  assert_int_equal(r.nproblems, 0);
  assert_int_equal(r.layers, 2);
  assert_int_equal(r.images, 1);
  lp_check_result_free(&r);
}

static void test_corrupt_object_then_repull(void **state)
{
  struct fixture *f = *state;
  cleanup_free char *obj = object_path(f, 'A', 5000);
  int fd = open(obj, O_WRONLY | O_CLOEXEC);
  assert_true(fd >= 0);
  assert_int_equal(pwrite(fd, "Z", 1, 100), 1);
  close(fd);
  struct lp_check_result r = check(f, 0);
  const struct lp_check_problem *p = find(&r, LP_CHECK_OBJECT_CORRUPT, "object ");
  assert_non_null(p);
  assert_non_null(strstr(p->detail, "content hashes to sha256:"));
  lp_check_result_free(&r);

  /* Repair drops the corrupt bytes but cannot make them up: it says so. */
  r = check(f, LP_CHECK_REPAIR);
  p = find(&r, LP_CHECK_OBJECT_CORRUPT, "object ");
  assert_non_null(p);
  assert_false(p->repaired);
  assert_non_null(strstr(p->hint, "lilipod pull"));
  lp_check_result_free(&r);
  struct stat st;
  assert_int_equal(stat(obj, &st), -1);

  /* Doing what the hint says (rmi, prune, pull) brings the store back. */
  lp_error_t err = NULL;
  assert_int_equal(lp_image_remove(f->s, IMAGE_ID, 0, &err), 0);
  assert_int_equal(lp_store_gc(f->s, LP_GC_LAYERS, NULL, &err), 0);
  ingest(f, 0);
  ingest(f, 1);
  commit(f);
  assert_clean(f);
  assert_int_equal(stat(obj, &st), 0);
}

static void test_deleted_tree_row(void **state)
{
  struct fixture *f = *state;
  sql(f, "DELETE FROM tree_nodes WHERE name = CAST('link' AS BLOB)");
  struct lp_check_result r = check(f, 0);
  const struct lp_check_problem *p = find(&r, LP_CHECK_TREE_MISMATCH, IMAGE_ID);
  assert_non_null(p);
  assert_non_null(strstr(p->detail, "/usr/bin/link"));
  lp_check_result_free(&r);
  r = check(f, LP_CHECK_REPAIR);
  assert_true(find(&r, LP_CHECK_TREE_MISMATCH, IMAGE_ID)->repaired);
  lp_check_result_free(&r);
  assert_clean(f);
}

static void test_deleted_directory_row(void **state)
{
  struct fixture *f = *state;
  /* Its children now name a parent that is gone. */
  sql(f, "DELETE FROM tree_nodes WHERE name = CAST('bin' AS BLOB)");
  struct lp_check_result r = check(f, 0);
  assert_non_null(find(&r, LP_CHECK_TREE_DANGLING, IMAGE_ID));
  assert_non_null(find(&r, LP_CHECK_TREE_MISMATCH, IMAGE_ID));
  lp_check_result_free(&r);
  r = check(f, LP_CHECK_REPAIR);
  for (size_t i = 0; i < r.nproblems; i++)
    assert_true(r.problems[i].repaired);
  lp_check_result_free(&r);
  assert_clean(f);
}

static void test_tampered_tree_row(void **state)
{
  struct fixture *f = *state;
  sql(f, "UPDATE tree_nodes SET mode = mode | 2048 WHERE name = CAST('big' AS BLOB)"); /* setgid */
  struct lp_check_result r = check(f, 0);
  assert_non_null(find(&r, LP_CHECK_TREE_MISMATCH, IMAGE_ID));
  lp_check_result_free(&r);
  r = check(f, LP_CHECK_REPAIR);
  assert_true(find(&r, LP_CHECK_TREE_MISMATCH, IMAGE_ID)->repaired);
  lp_check_result_free(&r);
  assert_clean(f);
}

static void test_orphan_tree_rows(void **state)
{
  struct fixture *f = *state;
  sql(f, "INSERT INTO tree_nodes(parent, name, mode, uid, gid, size, mtime_ns, nlink, tree)"
         " VALUES (NULL, X'', 16877, 0, 0, 0, 0, 2, 999999)");
  struct lp_check_result r = check(f, 0);
  assert_non_null(find(&r, LP_CHECK_TREE_DANGLING, "tree 999999"));
  lp_check_result_free(&r);
  r = check(f, LP_CHECK_REPAIR);
  assert_true(find(&r, LP_CHECK_TREE_DANGLING, "tree 999999")->repaired);
  lp_check_result_free(&r);
  assert_clean(f);
}

static void write_file(const char *path, const char *data)
{
  int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  assert_true(fd >= 0);
  assert_int_equal(write(fd, data, strlen(data)), (ssize_t) strlen(data));
  close(fd);
}

static void test_garbage(void **state)
{
  struct fixture *f = *state;
  cleanup_free char *dir = xasprintf("%s/objects/ee", f->home);
  mkdir(dir, 0755);
  cleanup_free char *orphan = xasprintf("%s/objects/ee/%s", f->home, "e0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcd");
  write_file(orphan, "nobody's");
  cleanup_free char *tmp = xasprintf("%s/tmp/ingest-123", f->home);
  write_file(tmp, "half");
  cleanup_free char *cdir = xasprintf("%s/containers/0123abcd", f->home);
  assert_int_equal(mkdir(cdir, 0700), 0);
  cleanup_free char *cfile = xasprintf("%s/upper", cdir);
  assert_int_equal(mkdir(cfile, 0700), 0);

  struct lp_check_result r = check(f, 0);
  assert_int_equal(r.nproblems, 3);
  assert_non_null(find(&r, LP_CHECK_OBJECT_ORPHAN, "objects/ee/e0123"));
  assert_non_null(find(&r, LP_CHECK_TMP_LEFTOVER, "tmp/ingest-123"));
  assert_non_null(find(&r, LP_CHECK_CONTAINER_ORPHAN, "containers/0123abcd"));
  lp_check_result_free(&r);

  r = check(f, LP_CHECK_REPAIR);
  assert_int_equal(r.nproblems, 3);
  for (size_t i = 0; i < r.nproblems; i++)
    assert_true(r.problems[i].repaired);
  lp_check_result_free(&r);
  struct stat st;
  assert_int_equal(stat(orphan, &st), -1);
  assert_int_equal(stat(tmp, &st), -1);
  assert_int_equal(stat(cdir, &st), -1);
  assert_clean(f);
}

static void test_containers(void **state)
{
  struct fixture *f = *state;
  lp_error_t err = NULL;
  struct lp_container_info *c = NULL;
  assert_int_equal(lp_container_create(f->s, NULL, "box", IMAGE_ID, "{}", &c, &err), 0);
  assert_clean(f);
  cleanup_free char *dir = xasprintf("%s/containers/%s", f->home, c->id);
  assert_int_equal(lp_rm_rf_at(AT_FDCWD, dir, &err), 0);
  assert_int_equal(lp_image_remove(f->s, IMAGE_ID, 1, &err), 0);
  struct lp_check_result r = check(f, LP_CHECK_REPAIR);
  const struct lp_check_problem *p = find(&r, LP_CHECK_CONTAINER_NO_DIR, "container box");
  assert_non_null(p);
  assert_false(p->repaired);
  p = find(&r, LP_CHECK_CONTAINER_NO_IMAGE, "container box");
  assert_non_null(p);
  assert_non_null(strstr(p->detail, IMAGE_ID));
  assert_false(p->repaired);
  lp_check_result_free(&r);
  assert_int_equal(lp_container_remove(f->s, c->id, &err), 0);
  lp_container_info_free(c);
  assert_clean(f);
}

static void test_image_without_layer(void **state)
{
  struct fixture *f = *state;
  sql(f, "PRAGMA foreign_keys = OFF; DELETE FROM layers WHERE id = (SELECT layer FROM image_layers WHERE idx = 1)");
  struct lp_check_result r = check(f, LP_CHECK_REPAIR);
  const struct lp_check_problem *p = find(&r, LP_CHECK_IMAGE_NO_LAYER, IMAGE_ID);
  assert_non_null(p);
  assert_false(p->repaired);
  lp_check_result_free(&r);
}

int main(void)
{
  const char *tmp = getenv("TMPDIR");
  base = xasprintf("%s/lp-test-check-XXXXXX", tmp && *tmp ? tmp : "/tmp");
  if (!mkdtemp(base))
    return 1;
  const struct CMUnitTest tests[] = {
    cmocka_unit_test_setup_teardown(test_clean_store, setup, teardown),
    cmocka_unit_test_setup_teardown(test_missing_object, setup, teardown),
    cmocka_unit_test_setup_teardown(test_missing_object_of_unused_layer, setup, teardown),
    cmocka_unit_test_setup_teardown(test_corrupt_object_then_repull, setup, teardown),
    cmocka_unit_test_setup_teardown(test_deleted_tree_row, setup, teardown),
    cmocka_unit_test_setup_teardown(test_deleted_directory_row, setup, teardown),
    cmocka_unit_test_setup_teardown(test_tampered_tree_row, setup, teardown),
    cmocka_unit_test_setup_teardown(test_orphan_tree_rows, setup, teardown),
    cmocka_unit_test_setup_teardown(test_garbage, setup, teardown),
    cmocka_unit_test_setup_teardown(test_containers, setup, teardown),
    cmocka_unit_test_setup_teardown(test_image_without_layer, setup, teardown),
  };
  int rc = cmocka_run_group_tests(tests, NULL, NULL);
  lp_error_t err = NULL;
  lp_rm_rf_at(AT_FDCWD, base, &err);
  lp_error_free(&err);
  free(base);
  return rc;
}
