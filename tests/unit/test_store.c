/* The content store: ingest, dedup, flatten, images, containers, gc. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <fcntl.h>
#include <mbedtls/sha256.h>
#include <sqlite3.h>
#include <sys/stat.h>

#include "store/store.h"
#include "store/tree.h"
#include "test_store_util.h"
#include "util/fsutil.h"

static char *base; /* per-run scratch dir: home/ and canary/ inside */

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

static struct lp_store *open_store(const char *name)
{
  struct lp_store *s = NULL;
  lp_error_t err = NULL;
  cleanup_free char *home = xasprintf("%s/%s", base, name);
  if (lp_store_open(home, &s, &err) < 0)
    fail_msg("open: %s", err->msg);
  return s;
}

/* Ingest tar fed in chunks; returns 0 or -1 with *msg. */
static int ingest(struct lp_store *s, const struct strbuf *tar, const char *diff_id, size_t chunk, char **msg)
{
  lp_error_t err = NULL;
  struct lp_layer_writer *w;
  int r = lp_layer_begin(s, diff_id, &w, &err);
  if (r == 0)
    {
      for (size_t off = 0; off < tar->len && r == 0; off += chunk)
        r = lp_layer_write(w, tar->buf + off, tar->len - off < chunk ? tar->len - off : chunk, &err);
      if (r == 0)
        r = lp_layer_commit(w, &err);
      else
        lp_layer_abort(w);
    }
  if (r < 0)
    {
      if (msg)
        *msg = xstrdup(err->msg);
      else
        fprintf(stderr, "ingest: %s\n", err->msg);
    }
  lp_error_free(&err);
  return r;
}

static char *ingest_ok(struct lp_store *s, const char *fmt, const char *body, size_t chunk)
{
  struct strbuf tar = STRBUF_INIT;
  make_tar(fmt, body, &tar);
  char *id = sha_id(tar.buf, tar.len);
  assert_int_equal(ingest(s, &tar, id, chunk, NULL), 0);
  assert_int_equal(lp_store_has_layer(s, id), 1);
  strbuf_release(&tar);
  return id;
}

static int64_t count(struct lp_store *s, const char *sql)
{
  sqlite3 *db;
  cleanup_free char *p = xasprintf("%s/store.db", lp_store_home(s));
  assert_int_equal(sqlite3_open(p, &db), SQLITE_OK);
  sqlite3_stmt *st;
  assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
  assert_int_equal(sqlite3_step(st), SQLITE_ROW);
  int64_t n = sqlite3_column_int64(st, 0);
  sqlite3_finalize(st);
  sqlite3_close(db);
  return n;
}

static int dir_entries(const char *path)
{
  DIR *d = opendir(path);
  if (!d)
    return -1;
  int n = 0;
  struct dirent *de;
  while ((de = readdir(d)))
    if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
      n++;
  closedir(d);
  return n;
}

static uint64_t objects(struct lp_store *s)
{
  struct lp_store_df df;
  lp_error_t err = NULL;
  assert_int_equal(lp_store_df(s, &df, &err), 0);
  return df.objects;
}

static int tmp_entries(struct lp_store *s)
{
  cleanup_free char *p = xasprintf("%s/tmp", lp_store_home(s));
  return dir_entries(p);
}

/* State that must not change when an ingest fails. */
static char *snapshot(struct lp_store *s)
{
  return xasprintf("layers=%lld entries=%lld nodes=%lld objects=%llu tmp=%d",
                   (long long) count(s, "SELECT count(*) FROM layers"),
                   (long long) count(s, "SELECT count(*) FROM layer_entries"),
                   (long long) count(s, "SELECT count(*) FROM tree_nodes"), (unsigned long long) objects(s),
                   tmp_entries(s));
}

/* ---- tree dump ------------------------------------------------------------ */

struct dump
{
  struct lp_store *s;
  struct strbuf *out;
  const char *prefix;
  int64_t *kids;
  size_t nkids;
  int left;
};

struct idpath
{
  int64_t id;
  char *path;
};
static struct idpath paths[256];
static size_t npaths;

static const char *path_of(int64_t id)
{
  for (size_t i = 0; i < npaths; i++)
    if (paths[i].id == id)
      return paths[i].path;
  return "?";
}

static int collect(void *ctx, const struct lp_tree_node *n)
{
  struct dump *d = ctx;
  if (d->left-- <= 0)
    return 1; /* "buffer full": not taken */
  d->kids = xreallocarray(d->kids, d->nkids + 1, sizeof *d->kids);
  d->kids[d->nkids++] = n->id;
  return 0;
}

static void dump_node(struct lp_store *s, int64_t id, const char *prefix, struct strbuf *out)
{
  struct lp_tree_node n;
  lp_error_t err = NULL;
  assert_int_equal(lp_tree_get(s, id, &n, &err), 1);
  char *path = n.parent ? xasprintf("%s%s%s", prefix, *prefix ? "/" : "", n.name) : xstrdup("");
  assert_true(npaths < 256);
  paths[npaths].id = id;
  paths[npaths++].path = path;
  char t = S_ISDIR(n.mode) ? 'd' : S_ISREG(n.mode) ? 'f' : S_ISLNK(n.mode) ? 'l' : S_ISFIFO(n.mode) ? 'p' : '?';
  strbuf_addf(out, "/%s %c %04o %u:%u s=%llu n=%u", path, t, n.mode & 07777, n.uid, n.gid,
              (unsigned long long) n.size, n.nlink);
  if (n.link_target)
    strbuf_addf(out, " -> %s", n.link_target);
  if (n.hardlink_of)
    strbuf_addf(out, " hl=/%s", path_of(n.hardlink_of));
  if (n.inline_data)
    strbuf_addf(out, " inline=%.*s", (int) n.inline_len, (const char *) n.inline_data);
  if (n.digest[0])
    {
      int fd = lp_object_open(s, n.digest, &err);
      assert_true(fd >= 0);
      char buf[16] = { 0 };
      assert_true(read(fd, buf, 8) > 0);
      close(fd);
      strbuf_addf(out, " obj=%.8s...", buf);
    }
  const void *v;
  size_t vl;
  if (n.xattrs && lp_xattrs_find(n.xattrs, n.xattrs_len, "user.k", &v, &vl))
    strbuf_addf(out, " user.k=%.*s", (int) vl, (const char *) v);
  strbuf_addch(out, '\n');
  if (!S_ISDIR(n.mode))
    return;
  /* Read the directory two entries at a time to exercise the offset. */
  struct dump d = { 0 };
  int64_t after = 0;
  for (;;)
    {
      size_t before = d.nkids;
      d.left = 2;
      int got = lp_tree_readdir(s, id, after, collect, &d, &err);
      assert_true(got >= 0 && got <= 2);
      if (d.nkids == before)
        break;
      after = d.kids[d.nkids - 1];
    }
  for (size_t i = 0; i < d.nkids; i++)
    dump_node(s, d.kids[i], path, out);
  free(d.kids);
}

static char *dump_image(struct lp_store *s, const char *image_id)
{
  for (size_t i = 0; i < npaths; i++)
    free(paths[i].path);
  npaths = 0;
  int64_t root;
  lp_error_t err = NULL;
  assert_int_equal(lp_tree_root(s, image_id, &root, &err), 0);
  struct strbuf out = STRBUF_INIT;
  dump_node(s, root, "", &out);
  return strbuf_detach(&out, NULL);
}

static int commit_image(struct lp_store *s, const char *id, char **layers, size_t n, const char *name, char **msg)
{
  struct lp_image_new img = {
    .id = id,
    .manifest_digest = "sha256:1111111111111111111111111111111111111111111111111111111111111111",
    .manifest_json = "{}",
    .config_json = "{\"config\":{}}",
    .diff_ids = (const char *const *) layers,
    .nlayers = n,
    .name = name,
  };
  lp_error_t err = NULL;
  int r = lp_image_commit(s, &img, &err);
  if (r < 0)
    {
      if (msg)
        *msg = xstrdup(err->msg);
      else
        fprintf(stderr, "commit: %s\n", err->msg);
    }
  lp_error_free(&err);
  return r;
}

/* ---- tests ----------------------------------------------------------------- */

static const char layer1[] = "d('etc', uid=0)\n"
                             "f('etc/passwd', 'root:x:0:0', pax={'SCHILY.xattr.user.k': 'v1'})\n"
                             "f('etc/group', 'root:x:0:')\n"
                             "d('usr'); d('usr/bin')\n"
                             "f('usr/bin/tool', 'T' * 300, mode=0o4755, uid=0, gid=0)\n"
                             "h('usr/bin/tool2', 'usr/bin/tool')\n"
                             "d('opt'); f('opt/a', 'a'); d('opt/sub'); f('opt/sub/b', 'b')\n"
                             "f('rf', 'x')\n"
                             "d('rd'); f('rd/inner', 'i')\n"
                             "fifo('fifo', uid=7, gid=8)\n";
static const char layer2[] = "f('etc/.wh.group')\n"
                             "d('opt', mode=0o700)\n"
                             "f('opt/.wh..wh..opq')\n"
                             "f('opt/new', 'n')\n"
                             "d('rf'); f('rf/child', 'c')\n"
                             "f('rd', 'now a file')\n"
                             "f('usr/bin/.wh.tool')\n";
static const char layer3[] = "h('etc/passwd-link', 'etc/passwd')\n"
                             "l('etc/sym', '/etc/passwd')\n"
                             "f('same', 'kept')\n"
                             "f('.wh.same')\n"
                             "f('usr/bin/big', 'B' * 1000, uid=1000, gid=1000)\n"
                             "h('usr/bin/big2', 'usr/bin/big')\n";

/* Pre-order; children in the order the layers made them. */
static const char expected_tree[] = "/ d 0755 0:0 s=0 n=6\n"
                                    "/etc d 0755 0:0 s=0 n=2\n"
                                    "/etc/passwd f 0644 0:0 s=10 n=2 inline=root:x:0:0 user.k=v1\n"
                                    "/etc/passwd-link f 0644 0:0 s=10 n=2 hl=/etc/passwd inline=root:x:0:0 user.k=v1\n"
                                    "/etc/sym l 0777 0:0 s=11 n=1 -> /etc/passwd\n"
                                    "/usr d 0755 0:0 s=0 n=3\n"
                                    "/usr/bin d 0755 0:0 s=0 n=2\n"
                                    "/usr/bin/tool2 f 4755 0:0 s=300 n=1 obj=TTTTTTTT...\n"
                                    "/usr/bin/big f 0644 1000:1000 s=1000 n=2 obj=BBBBBBBB...\n"
                                    "/usr/bin/big2 f 0644 1000:1000 s=1000 n=2 hl=/usr/bin/big obj=BBBBBBBB...\n"
                                    "/opt d 0700 0:0 s=0 n=2\n"
                                    "/opt/new f 0644 0:0 s=1 n=1 inline=n\n"
                                    "/fifo p 0600 7:8 s=0 n=1\n"
                                    "/rf d 0755 0:0 s=0 n=2\n"
                                    "/rf/child f 0644 0:0 s=1 n=1 inline=c\n"
                                    "/rd f 0644 0:0 s=10 n=1 inline=now a file\n"
                                    "/same f 0644 0:0 s=4 n=1 inline=kept\n";

static char *three_layer_image(struct lp_store *s, size_t chunk, char **ids)
{
  ids[0] = ingest_ok(s, "PAX_FORMAT", layer1, chunk);
  ids[1] = ingest_ok(s, "GNU_FORMAT", layer2, chunk);
  ids[2] = ingest_ok(s, "PAX_FORMAT", layer3, chunk);
  char *img = sha_id("config-3", 8);
  assert_int_equal(commit_image(s, img, ids, 3, "localhost/three:latest", NULL), 0);
  return img;
}

static void test_flatten_three_layers(void **state)
{
  struct lp_store *s1 = open_store("flat1"), *s2 = open_store("flat2");
  char *ids1[3], *ids2[3];
  char *img1 = three_layer_image(s1, 1, ids1);
  char *img2 = three_layer_image(s2, 1 << 20, ids2);
  char *d1 = dump_image(s1, img1);
  char *d2 = dump_image(s2, img2);
  if (strcmp(d1, expected_tree))
    fprintf(stderr, "got:\n%s", d1);
  assert_string_equal(d1, expected_tree);
  assert_string_equal(d1, d2);

  /* Lookup by name and the object contents. */
  int64_t root;
  lp_error_t err = NULL;
  struct lp_tree_node n;
  assert_int_equal(lp_tree_root(s1, img1, &root, &err), 0);
  assert_int_equal(lp_tree_lookup(s1, root, "usr", 3, &n, &err), 1);
  assert_int_equal(lp_tree_lookup(s1, n.id, "bin", 3, &n, &err), 1);
  assert_int_equal(lp_tree_lookup(s1, n.id, "tool", 4, &n, &err), 0);
  assert_int_equal(lp_tree_lookup(s1, root, "nope", 4, &n, &err), 0);

  for (int i = 0; i < 3; i++)
    free(ids1[i]), free(ids2[i]);
  free(d1), free(d2), free(img1), free(img2);
  lp_store_close(s1);
  lp_store_close(s2);
}

static void test_dedup_and_df(void **state)
{
  struct lp_store *s = open_store("dedup");
  char *a = ingest_ok(s, "PAX_FORMAT", "f('one', 'S' * 5000)\nf('two', 'S' * 5000)\n", 4096);
  char *b = ingest_ok(s, "PAX_FORMAT", "f('other/place', 'S' * 5000)\nf('small', 'tiny')\n", 4096);
  struct lp_store_df df;
  lp_error_t err = NULL;
  assert_int_equal(lp_store_df(s, &df, &err), 0);
  assert_int_equal(df.objects, 1);
  assert_int_equal(df.objects_bytes, 5000);
  assert_int_equal(df.dedup_saved_bytes, 10000);
  assert_int_equal(df.inline_bytes, 4);
  assert_int_equal(df.layers, 2);
  assert_int_equal(df.layers_unused, 2);
  /* Objects are plain files of the user, readable, mode 0644. */
  struct lp_tree_node n;
  (void) n;
  cleanup_free char *hexdir = xasprintf("%s/objects", lp_store_home(s));
  assert_int_equal(dir_entries(hexdir), 1);
  /* Re-ingesting a stored layer is a no-op success. */
  assert_int_equal(lp_store_has_layer(s, a), 1);
  free(a), free(b);
  lp_store_close(s);
}

static void test_diff_id_mismatch(void **state)
{
  struct lp_store *s = open_store("mismatch");
  free(ingest_ok(s, "PAX_FORMAT", "f('keep', 'K' * 400)\n", 512));
  cleanup_free char *before = snapshot(s);
  struct strbuf tar = STRBUF_INIT;
  make_tar("PAX_FORMAT", "f('x', 'X' * 4000)\nf('y', 'y')\n", &tar);
  char *wrong = sha_id("not this", 8);
  char *msg = NULL;
  assert_int_equal(ingest(s, &tar, wrong, 100, &msg), -1);
  assert_non_null(strstr(msg, "does not match"));
  assert_int_equal(lp_store_has_layer(s, wrong), 0);
  cleanup_free char *after = snapshot(s);
  assert_string_equal(before, after);
  /* A truncated archive with the right digest of its bytes fails too. */
  free(msg);
  msg = NULL;
  tar.len = 1024;
  char *trunc = sha_id(tar.buf, tar.len);
  assert_int_equal(ingest(s, &tar, trunc, 100, &msg), -1);
  assert_non_null(strstr(msg, "truncated"));
  cleanup_free char *after2 = snapshot(s);
  assert_string_equal(before, after2);
  free(msg), free(wrong), free(trunc);
  strbuf_release(&tar);
  lp_store_close(s);
}

static void expect_hostile(struct lp_store *s, const char *body, const char *needle)
{
  struct strbuf tar = STRBUF_INIT;
  make_tar("PAX_FORMAT", body, &tar);
  char *id = sha_id(tar.buf, tar.len);
  char *msg = NULL;
  cleanup_free char *before = snapshot(s);
  assert_int_equal(ingest(s, &tar, id, 1, &msg), -1);
  if (!strstr(msg, needle))
    fprintf(stderr, "error `%s` lacks `%s`\n", msg, needle);
  assert_non_null(strstr(msg, needle));
  cleanup_free char *after = snapshot(s);
  assert_string_equal(before, after);
  cleanup_free char *canary = xasprintf("%s/canary", base);
  assert_int_equal(dir_entries(canary), 0);
  free(msg), free(id);
  strbuf_release(&tar);
}

static void test_hostile_layers(void **state)
{
  struct lp_store *s = open_store("hostile");
  expect_hostile(s, "f('../canary/x', 'X' * 400)\n", "`..`");
  expect_hostile(s, "f('../../canary/x', 'X' * 400)\n", "`..`");
  expect_hostile(s, "f('/etc/x', 'evil')\n", "absolute");
  expect_hostile(s, "f('a/../../b', 'evil')\n", "`..`");
  expect_hostile(s, "l('lnk', '/')\nf('lnk/file', 'X' * 400)\n", "symlink `lnk`");
  expect_hostile(s, "f('x', 'y', pax={'comment': 'z' * (1024 * 1024 + 10)})\n", "pax header larger");
  expect_hostile(s, "f('f', 'a')\nf('f/x', 'b')\n", "not a directory");
  expect_hostile(s, "d('d')\nh('x', 'd')\n", "directory");

  /* A hard link to a name no layer has: the ingest cannot know (it could be
   * a lower layer's), the image commit refuses. */
  char *l = ingest_ok(s, "PAX_FORMAT", "h('x', 'missing/target')\n", 512);
  char *img = sha_id("hostile-img", 11);
  char *msg = NULL;
  int64_t nodes = count(s, "SELECT count(*) FROM tree_nodes");
  assert_int_equal(commit_image(s, img, &l, 1, "localhost/bad:1", &msg), -1);
  assert_non_null(strstr(msg, "missing/target"));
  assert_int_equal(count(s, "SELECT count(*) FROM images"), 0);
  assert_int_equal(count(s, "SELECT count(*) FROM tree_nodes"), nodes);
  free(msg), free(l), free(img);
  lp_store_close(s);
}

static void test_images(void **state)
{
  struct lp_store *s = open_store("images");
  lp_error_t err = NULL;
  char *l = ingest_ok(s, "PAX_FORMAT", "d('bin')\nf('bin/sh', 'S' * 300)\n", 512);
  char *img1 = sha_id("config-a", 8), *img2 = sha_id("config-b", 8);
  assert_int_equal(commit_image(s, img1, &l, 1, "docker.io/library/busybox:latest", NULL), 0);
  struct lp_image_info *info = NULL;
  assert_int_equal(lp_image_lookup(s, "docker.io/library/busybox:latest", &info, &err), 1);
  assert_string_equal(info->id, img1);
  assert_int_equal(info->nnames, 1);
  assert_int_equal(info->nlayers, 1);
  assert_string_equal(info->diff_ids[0], l);
  assert_true(info->size > 0);
  lp_image_info_free(info);
  /* Short id, with and without the algorithm. */
  cleanup_free char *short_id = xstrndup(img1 + 7, 12);
  assert_int_equal(lp_image_lookup(s, short_id, &info, &err), 1);
  lp_image_info_free(info);
  cleanup_free char *prefixed = xstrndup(img1, 7 + 5);
  assert_int_equal(lp_image_lookup(s, prefixed, &info, &err), 1);
  lp_image_info_free(info);
  assert_int_equal(lp_image_lookup(s, "docker.io/library/busybox:other", &info, &err), 0);

  /* The tag moves to a newer image; the old one stays, untagged. */
  assert_int_equal(commit_image(s, img2, &l, 1, "docker.io/library/busybox:latest", NULL), 0);
  assert_int_equal(lp_image_lookup(s, "docker.io/library/busybox:latest", &info, &err), 1);
  assert_string_equal(info->id, img2);
  lp_image_info_free(info);
  assert_int_equal(lp_image_lookup(s, img1, &info, &err), 1);
  assert_int_equal(info->nnames, 0);
  lp_image_info_free(info);
  struct lp_image_info **list;
  size_t n;
  assert_int_equal(lp_image_list(s, &list, &n, &err), 0);
  assert_int_equal(n, 2);
  lp_image_list_free(list, n);
  assert_int_equal(lp_image_tag(s, img1, "localhost/mine:1", &err), 0);
  assert_int_equal(lp_image_untag(s, "localhost/mine:1", &err), 0);
  assert_int_equal(lp_image_untag(s, "localhost/mine:1", &err), 1);

  /* A container keeps its image unless forced. */
  struct lp_container_info *c = NULL;
  assert_int_equal(lp_container_create(s, NULL, "web", img2, "{}", &c, &err), 0);
  assert_int_equal(lp_image_remove(s, img2, 0, &err), -1);
  assert_int_equal(err->errnum, EBUSY);
  assert_non_null(strstr(err->msg, "in use"));
  lp_error_free(&err);
  int64_t nodes = count(s, "SELECT count(*) FROM tree_nodes");
  assert_int_equal(lp_image_remove(s, img1, 0, &err), 0);
  assert_int_equal(count(s, "SELECT count(*) FROM tree_nodes"), nodes - 3);
  assert_int_equal(lp_image_remove(s, img2, 1, &err), 0);
  assert_int_equal(count(s, "SELECT count(*) FROM tree_nodes"), 0);
  assert_int_equal(count(s, "SELECT count(*) FROM images"), 0);
  /* Layers and objects stay until gc is asked to drop unused layers. */
  assert_int_equal(objects(s), 1);
  assert_int_equal(lp_container_remove(s, c->id, &err), 0);
  lp_container_info_free(c);
  struct lp_gc_report rep;
  assert_int_equal(lp_store_gc(s, 0, &rep, &err), 0);
  assert_int_equal(objects(s), 1);
  assert_int_equal(lp_store_gc(s, LP_GC_LAYERS, &rep, &err), 0);
  assert_int_equal(rep.layers_removed, 1);
  assert_int_equal(rep.objects_removed, 1);
  assert_int_equal(objects(s), 0);
  assert_int_equal(count(s, "SELECT count(*) FROM layer_entries"), 0);
  free(l), free(img1), free(img2);
  lp_store_close(s);
}

/* An image of one layer with only a directory (no content objects), for
 * containers to be created from. Returns its id (free it). */
static char *dir_only_image(struct lp_store *s)
{
  char *l = ingest_ok(s, "PAX_FORMAT", "d('etc')\n", 512);
  char *img = sha_id("config-dir-only", 15);
  assert_int_equal(commit_image(s, img, &l, 1, "localhost/dir-only:latest", NULL), 0);
  free(l);
  return img;
}

static void test_containers(void **state)
{
  struct lp_store *s = open_store("containers");
  lp_error_t err = NULL;
  struct lp_container_info *a = NULL, *b = NULL, *x = NULL;
  cleanup_free char *img = dir_only_image(s);
  /* Only from an image that exists (an rmi may have just removed it). */
  assert_int_equal(lp_container_create(s, NULL, "alpha", "sha256:00", "{}", &a, &err), -1);
  assert_int_equal(err->errnum, ENOENT);
  assert_non_null(strstr(err->msg, "image not known"));
  lp_error_free(&err);
  cleanup_free char *cdirs = xasprintf("%s/containers", lp_store_home(s));
  assert_int_equal(dir_entries(cdirs), 0);
  assert_int_equal(lp_container_create(s, NULL, "alpha", img, "{\"a\":1}", &a, &err), 0);
  assert_int_equal(strlen(a->id), 64);
  assert_string_equal(a->status, "created");
  cleanup_free char *upper = xasprintf("%s/containers/%s/upper", lp_store_home(s), a->id);
  struct stat st;
  assert_int_equal(stat(upper, &st), 0);
  assert_true(S_ISDIR(st.st_mode));
  assert_int_equal(lp_container_create(s, NULL, "alpha", img, "{}", &b, &err), -1);
  assert_int_equal(err->errnum, EEXIST);
  assert_non_null(strstr(err->msg, "already in use"));
  lp_error_free(&err);
  assert_int_equal(lp_container_create(s, NULL, "beta", img, "{}", &b, &err), 0);

  cleanup_free char *prefix = xstrndup(a->id, 8);
  assert_int_equal(lp_container_lookup(s, prefix, &x, &err), 1);
  assert_string_equal(x->name, "alpha");
  lp_container_info_free(x);
  assert_int_equal(lp_container_lookup(s, "gamma", &x, &err), 0);
  assert_int_equal(lp_container_rename(s, a->id, "beta", &err), -1);
  lp_error_free(&err);
  assert_int_equal(lp_container_rename(s, a->id, "gamma", &err), 0);
  assert_int_equal(lp_container_lookup(s, "gamma", &x, &err), 1);
  lp_container_info_free(x);

  free(a->status);
  a->status = xstrdup("running");
  a->pid = 4242;
  a->pid_start = 99;
  a->started_at = 5;
  assert_int_equal(lp_container_update_state(s, a, &err), 0);
  assert_int_equal(lp_container_update_config(s, a->id, "{\"b\":2}", &err), 0);
  assert_int_equal(lp_container_lookup(s, a->id, &x, &err), 1);
  assert_string_equal(x->status, "running");
  assert_int_equal(x->pid, 4242);
  assert_int_equal(x->pid_start, 99);
  assert_string_equal(x->config_json, "{\"b\":2}");
  lp_container_info_free(x);

  struct lp_container_info **list;
  size_t n;
  assert_int_equal(lp_container_list(s, &list, &n, &err), 0);
  assert_int_equal(n, 2);
  lp_container_list_free(list, n);
  assert_int_equal(lp_container_remove(s, a->id, &err), 0);
  assert_int_equal(stat(upper, &st), -1);
  assert_int_equal(lp_container_lookup(s, a->id, &x, &err), 0);
  lp_container_info_free(a);
  lp_container_info_free(b);
  lp_store_close(s);
}

static const char big_layer[] = "for i in range(20):\n"
                                "    f('dir%d/file' % i, ('content %d ' % (i % 7)) * 200)\n"
                                "f('small', 'tiny')\n";

static void test_concurrent_ingest(void **state)
{
  struct lp_store *s = open_store("concurrent");
  struct strbuf tar = STRBUF_INIT;
  make_tar("PAX_FORMAT", big_layer, &tar);
  char *id = sha_id(tar.buf, tar.len);
  pid_t pids[2];
  for (int i = 0; i < 2; i++)
    {
      pids[i] = fork();
      assert_true(pids[i] >= 0);
      if (pids[i] == 0)
        {
          struct lp_store *cs = open_store("concurrent");
          int r = ingest(cs, &tar, id, 1000 + (size_t) i * 37, NULL);
          lp_store_close(cs);
          _exit(r == 0 ? 0 : 1);
        }
    }
  for (int i = 0; i < 2; i++)
    {
      int status;
      assert_int_equal(waitpid(pids[i], &status, 0), pids[i]);
      assert_true(WIFEXITED(status));
      assert_int_equal(WEXITSTATUS(status), 0);
    }
  assert_int_equal(lp_store_has_layer(s, id), 1);
  assert_int_equal(count(s, "SELECT count(*) FROM layers"), 1);
  assert_int_equal(count(s, "SELECT count(*) FROM layer_entries"), 21);
  assert_int_equal(objects(s), 7);
  assert_int_equal(tmp_entries(s), 0);
  free(id);
  strbuf_release(&tar);
  lp_store_close(s);
}

static void test_crash_then_gc(void **state)
{
  struct lp_store *s = open_store("crash");
  struct strbuf tar = STRBUF_INIT;
  make_tar("PAX_FORMAT", big_layer, &tar);
  char *id = sha_id(tar.buf, tar.len);
  pid_t pid = fork();
  if (pid == 0)
    {
      /* Ingest most of the layer, then die without commit or abort. */
      struct lp_store *cs = open_store("crash");
      struct lp_layer_writer *w;
      lp_error_t err = NULL;
      if (lp_layer_begin(cs, id, &w, &err) < 0 || lp_layer_write(w, tar.buf, tar.len - 3000, &err) < 0)
        _exit(1);
      _exit(0);
    }
  int status;
  assert_int_equal(waitpid(pid, &status, 0), pid);
  assert_int_equal(WEXITSTATUS(status), 0);
  assert_true(tmp_entries(s) > 0);
  assert_int_equal(lp_store_has_layer(s, id), 0);

  /* Also garbage of other kinds: an object no row names (a crash between
   * rename and commit), and a container directory without its row. */
  cleanup_free char *objdir = xasprintf("%s/objects/ab", lp_store_home(s));
  cleanup_free char *obj = xasprintf("%s/%062d", objdir, 0);
  mkdir(objdir, 0755);
  lp_error_t err = NULL;
  assert_int_equal(lp_write_file_at(AT_FDCWD, obj, "junk", 4, 0644, 0, &err), 0);
  cleanup_free char *cdir = xasprintf("%s/containers/%064d/upper", lp_store_home(s), 7);
  assert_int_equal(lp_mkdir_p_at(AT_FDCWD, cdir, 0700, &err), 0);
  struct lp_container_info *c;
  cleanup_free char *img = dir_only_image(s);
  assert_int_equal(lp_container_create(s, NULL, "kept", img, "{}", &c, &err), 0);

  /* An aborted writer leaves nothing either. */
  struct lp_layer_writer *w;
  assert_int_equal(lp_layer_begin(s, id, &w, &err), 0);
  assert_int_equal(lp_layer_write(w, tar.buf, tar.len / 2, &err), 0);
  lp_layer_abort(w);

  struct lp_gc_report rep;
  assert_int_equal(lp_store_gc(s, 0, &rep, &err), 0);
  assert_true(rep.tmp_removed > 0);
  assert_int_equal(rep.objects_removed, 1);
  assert_int_equal(rep.container_dirs_removed, 1);
  assert_int_equal(tmp_entries(s), 0);
  assert_int_equal(objects(s), 0);
  cleanup_free char *cdirs = xasprintf("%s/containers", lp_store_home(s));
  assert_int_equal(dir_entries(cdirs), 1); /* the container with a row */

  /* And a re-ingest works. */
  assert_int_equal(ingest(s, &tar, id, 65536, NULL), 0);
  assert_int_equal(objects(s), 7);
  assert_int_equal(lp_store_gc(s, 0, &rep, &err), 0);
  assert_int_equal(rep.objects_removed, 0);
  assert_int_equal(objects(s), 7);
  lp_container_info_free(c);
  free(id);
  strbuf_release(&tar);
  lp_store_close(s);
}

static void test_layout(void **state)
{
  struct lp_store *s = open_store("layout");
  struct stat st;
  assert_int_equal(stat(lp_store_home(s), &st), 0);
  assert_int_equal(st.st_mode & 0777, 0700);
  assert_int_equal(st.st_uid, getuid());
  char *id = ingest_ok(s, "PAX_FORMAT", "f('x', 'Q' * 1000, uid=0, gid=0, mode=0o4700)\n", 512);
  /* Objects are the user's, not the image's owner or mode. */
  sqlite3 *db;
  (void) db;
  struct lp_store_df df;
  lp_error_t err = NULL;
  assert_int_equal(lp_store_df(s, &df, &err), 0);
  assert_int_equal(df.objects, 1);
  cleanup_free char *objs = xasprintf("%s/objects", lp_store_home(s));
  DIR *d = opendir(objs);
  struct dirent *de;
  while ((de = readdir(d)))
    if (de->d_name[0] != '.')
      {
        cleanup_free char *sub = xasprintf("%s/%s", objs, de->d_name);
        DIR *d2 = opendir(sub);
        struct dirent *e2;
        while ((e2 = readdir(d2)))
          if (e2->d_name[0] != '.')
            {
              cleanup_free char *p = xasprintf("%s/%s", sub, e2->d_name);
              assert_int_equal(stat(p, &st), 0);
              assert_int_equal(st.st_mode & 07777, 0644);
              assert_int_equal(st.st_uid, getuid());
            }
        closedir(d2);
      }
  closedir(d);
  assert_int_equal(lp_store_has_layer(s, "sha256:0000000000000000000000000000000000000000000000000000000000000000"), 0);
  struct lp_layer_writer *w;
  assert_int_equal(lp_layer_begin(s, "md5:abc", &w, &err), -1);
  assert_non_null(strstr(err->msg, "invalid layer diff_id"));
  lp_error_free(&err);
  free(id);
  lp_store_close(s);
}

static int setup(void **state)
{
  const char *tmp = getenv("TMPDIR");
  base = xasprintf("%s/lp-test-store-XXXXXX", tmp && *tmp ? tmp : "/tmp");
  if (!mkdtemp(base))
    return -1;
  cleanup_free char *canary = xasprintf("%s/canary", base);
  return mkdir(canary, 0755);
}

static int teardown(void **state)
{
  lp_error_t err = NULL;
  for (size_t i = 0; i < npaths; i++)
    free(paths[i].path);
  /* rm -rf by the same user removes everything the store made. */
  int r = lp_rm_rf_at(AT_FDCWD, base, &err);
  if (r < 0)
    fprintf(stderr, "cleanup: %s\n", err->msg);
  lp_error_free(&err);
  free(base);
  return r;
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_layout),
    cmocka_unit_test(test_flatten_three_layers),
    cmocka_unit_test(test_dedup_and_df),
    cmocka_unit_test(test_diff_id_mismatch),
    cmocka_unit_test(test_hostile_layers),
    cmocka_unit_test(test_images),
    cmocka_unit_test(test_containers),
    cmocka_unit_test(test_concurrent_ingest),
    cmocka_unit_test(test_crash_then_gc),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
