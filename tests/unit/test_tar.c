/* The push-mode tar reader against archives made by python3's tarfile. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "store/tar.h"
#include "test_store_util.h"

struct log
{
  struct strbuf sb;
};

static int on_entry(void *ctx, const struct lp_tar_entry *e, lp_error_t *err)
{
  struct log *l = ctx;
  strbuf_addf(&l->sb, "%c [%s] %04o %llu:%llu t=%lld s=%llu", e->type, e->path, e->mode, (unsigned long long) e->uid,
              (unsigned long long) e->gid, (long long) e->mtime_ns, (unsigned long long) e->size);
  if (e->link)
    strbuf_addf(&l->sb, " -> [%s]", e->link);
  if (e->type == LP_TAR_CHR || e->type == LP_TAR_BLK)
    strbuf_addf(&l->sb, " dev=%u,%u", e->devmajor, e->devminor);
  const unsigned char *x = e->xattrs;
  size_t off = 0;
  while (x && off < e->xattrs_len)
    {
      uint32_t kl = x[off] | x[off + 1] << 8 | x[off + 2] << 16 | (uint32_t) x[off + 3] << 24;
      off += 4;
      strbuf_addf(&l->sb, " x:%.*s=", (int) kl, x + off);
      off += kl;
      uint32_t vl = x[off] | x[off + 1] << 8 | x[off + 2] << 16 | (uint32_t) x[off + 3] << 24;
      off += 4;
      for (uint32_t i = 0; i < vl; i++)
        strbuf_addf(&l->sb, "%02x", x[off + i]);
      off += vl;
    }
  strbuf_addch(&l->sb, '\n');
  return 0;
}

static int on_data(void *ctx, const void *buf, size_t len, lp_error_t *err)
{
  struct log *l = ctx;
  strbuf_add(&l->sb, buf, len);
  return 0;
}

static int on_end(void *ctx, lp_error_t *err)
{
  struct log *l = ctx;
  strbuf_adds(&l->sb, "|end\n");
  return 0;
}

static const struct lp_tar_callbacks cbs = { on_entry, on_data, on_end };

/* Parse tar in chunks of `chunk` bytes; returns 0 or -1 with *msg. */
static int parse(const struct strbuf *tar, size_t chunk, struct strbuf *out, char **msg)
{
  struct log l = { STRBUF_INIT };
  lp_error_t err = NULL;
  struct lp_tar_reader *r = lp_tar_reader_new(&cbs, &l);
  int ret = 0;
  for (size_t off = 0; off < tar->len && ret == 0; off += chunk)
    {
      size_t n = tar->len - off < chunk ? tar->len - off : chunk;
      ret = lp_tar_feed(r, tar->buf + off, n, &err);
    }
  if (ret == 0)
    ret = lp_tar_finish(r, &err);
  lp_tar_reader_free(r);
  if (ret < 0 && msg)
    *msg = xstrdup(err->msg);
  lp_error_free(&err);
  strbuf_reset(out);
  strbuf_add(out, l.sb.buf, l.sb.len);
  strbuf_release(&l.sb);
  return ret;
}

static void expect_same_all_chunkings(const struct strbuf *tar, const char *expected)
{
  size_t chunks[] = { 1, 7, 511, 512, 513, 4096, 1 << 20 };
  struct strbuf got = STRBUF_INIT;
  for (size_t i = 0; i < sizeof chunks / sizeof *chunks; i++)
    {
      char *msg = NULL;
      int r = parse(tar, chunks[i], &got, &msg);
      if (r < 0)
        fprintf(stderr, "chunk %zu: %s\n", chunks[i], msg);
      assert_int_equal(r, 0);
      assert_string_equal(got.buf, expected);
      free(msg);
    }
  strbuf_release(&got);
}

static void expect_error(const char *fmt, const char *body, const char *needle)
{
  struct strbuf tar = STRBUF_INIT, got = STRBUF_INIT;
  make_tar(fmt, body, &tar);
  size_t chunks[] = { 1, 1 << 20 };
  for (size_t i = 0; i < 2; i++)
    {
      char *msg = NULL;
      assert_int_equal(parse(&tar, chunks[i], &got, &msg), -1);
      if (!strstr(msg, needle))
        fprintf(stderr, "error `%s` lacks `%s`\n", msg, needle);
      assert_non_null(strstr(msg, needle));
      free(msg);
    }
  strbuf_release(&tar);
  strbuf_release(&got);
}

static void test_ustar_types(void **state)
{
  struct strbuf tar = STRBUF_INIT;
  make_tar("USTAR_FORMAT",
           "d('./')\n"
           "d('./etc/', mode=0o750, uid=5, gid=6, mtime=1234)\n"
           "f('./etc/hosts', 'hello', mode=0o4755)\n"
           "f('empty')\n"
           "l('etc/lnk', '../etc/hosts')\n"
           "h('etc/hard', './etc/hosts')\n"
           "fifo('p')\n"
           "chr_('dev/null', 1, 3)\n",
           &tar);
  expect_same_all_chunkings(&tar, "5 [] 0755 0:0 t=1000000000000 s=0\n"
                                  "5 [etc] 0750 5:6 t=1234000000000 s=0\n"
                                  "0 [etc/hosts] 4755 0:0 t=1000000000000 s=5\nhello|end\n"
                                  "0 [empty] 0644 0:0 t=1000000000000 s=0\n|end\n"
                                  "2 [etc/lnk] 0777 0:0 t=1000000000000 s=0 -> [../etc/hosts]\n"
                                  "1 [etc/hard] 0644 0:0 t=1000000000000 s=0 -> [etc/hosts]\n"
                                  "6 [p] 0600 0:0 t=1000000000000 s=0\n"
                                  "3 [dev/null] 0666 0:0 t=1000000000000 s=0 dev=1,3\n");
  strbuf_release(&tar);
}

static void test_pax(void **state)
{
  struct strbuf tar = STRBUF_INIT;
  make_tar("PAX_FORMAT",
           "long = 'd' * 150 + '/' + 'n' * 200\n"
           "f(long, 'x' * 1000, uid=3000000, gid=70000, mtime=1700000000.25,"
           "  pax={'SCHILY.xattr.security.capability': '\\x01\\x00\\xff', 'SCHILY.xattr.user.a': 'b',"
           "       'comment': 'ignored'})\n"
           "l('s', 'ü' * 80 + '/target')\n",
           &tar);
  struct strbuf exp = STRBUF_INIT;
  strbuf_adds(&exp, "0 [");
  for (int i = 0; i < 150; i++)
    strbuf_addch(&exp, 'd');
  strbuf_addch(&exp, '/');
  for (int i = 0; i < 200; i++)
    strbuf_addch(&exp, 'n');
  /* python writes the xattr value as UTF-8: \xff becomes c3 bf. */
  strbuf_adds(&exp, "] 0644 3000000:70000 t=1700000000250000000 s=1000 x:security.capability=0100c3bf x:user.a=62\n");
  for (int i = 0; i < 1000; i++)
    strbuf_addch(&exp, 'x');
  strbuf_adds(&exp, "|end\n2 [s] 0777 0:0 t=1000000000000 s=0 -> [");
  for (int i = 0; i < 80; i++)
    strbuf_adds(&exp, "ü");
  strbuf_adds(&exp, "/target]\n");
  expect_same_all_chunkings(&tar, exp.buf);
  strbuf_release(&exp);
  strbuf_release(&tar);
}

static void test_gnu_long_and_base256(void **state)
{
  struct strbuf tar = STRBUF_INIT;
  make_tar("GNU_FORMAT",
           "long = 'a/' * 100 + 'file'\n"
           "f(long, 'data', uid=0o77777777 + 5, gid=3)\n"
           "h('b', long)\n"
           "l('c', 'x' * 300)\n",
           &tar);
  struct strbuf exp = STRBUF_INIT, longname = STRBUF_INIT;
  for (int i = 0; i < 100; i++)
    strbuf_adds(&longname, "a/");
  strbuf_adds(&longname, "file");
  strbuf_addf(&exp, "0 [%s] 0644 %llu:3 t=1000000000000 s=4\ndata|end\n", longname.buf, 077777777ULL + 5);
  strbuf_addf(&exp, "1 [b] 0644 0:0 t=1000000000000 s=0 -> [%s]\n2 [c] 0777 0:0 t=1000000000000 s=0 -> [",
              longname.buf);
  for (int i = 0; i < 300; i++)
    strbuf_addch(&exp, 'x');
  strbuf_adds(&exp, "]\n");
  expect_same_all_chunkings(&tar, exp.buf);
  strbuf_release(&exp);
  strbuf_release(&longname);
  strbuf_release(&tar);
}

static void test_hostile(void **state)
{
  expect_error("PAX_FORMAT", "f('../x', 'evil')\n", "`..`");
  expect_error("PAX_FORMAT", "f('/etc/x', 'evil')\n", "absolute");
  expect_error("PAX_FORMAT", "f('a/../../b', 'evil')\n", "`..`");
  expect_error("PAX_FORMAT", "h('x', '../../etc/shadow')\n", "`..`");
  expect_error("PAX_FORMAT", "f('x', 'y', pax={'comment': 'z' * (1024 * 1024 + 10)})\n", "pax header larger");
  expect_error("GNU_FORMAT", "f('q/' * 40000, 'y')\n", "longer than 64 KiB");
  /* A mode field with a non-octal digit, checksum fixed up. */
  expect_error("USTAR_FORMAT",
               "f('x', 'y')\nt.close()\nb = bytearray(buf.getvalue())\nb[100:108] = b'00006x4\\0'\n"
               "b[148:156] = b' ' * 8\ns = sum(b[:512])\nb[148:156] = b'%06o\\0 ' % s\nout(bytes(b))\n",
               "malformed numeric");
  expect_error("USTAR_FORMAT", "f('x', 'y')\nt.close()\nb = bytearray(buf.getvalue())\nb[0] = 0x41\nout(bytes(b))\n",
               "checksum mismatch");
  expect_error("USTAR_FORMAT", "f('x', 'y' * 2000)\nt.close()\nout(buf.getvalue()[:1536])\n", "truncated");
}

static void test_normalize(void **state)
{
  struct strbuf out = STRBUF_INIT;
  lp_error_t err = NULL;
  assert_int_equal(lp_tar_normalize_path("./a//b/./c/", 11, &out, &err), 0);
  assert_string_equal(out.buf, "a/b/c");
  assert_int_equal(lp_tar_normalize_path("a/..b/c..", 9, &out, &err), 0);
  assert_string_equal(out.buf, "a/..b/c..");
  assert_int_equal(lp_tar_normalize_path("a/b/..", 6, &out, &err), -1);
  lp_error_free(&err);
  assert_int_equal(lp_tar_normalize_path("a\0b", 3, &out, &err), -1);
  lp_error_free(&err);
  strbuf_release(&out);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_ustar_types),
    cmocka_unit_test(test_pax),
    cmocka_unit_test(test_gnu_long_and_base256),
    cmocka_unit_test(test_hostile),
    cmocka_unit_test(test_normalize),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
