/* The tar writer, read back by our reader: ustar where it fits, pax where
 * not (long names and links, big ids and sizes, xattrs), every entry type. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "store/tar.h"
#include "store/tar_write.h"
#include "util/strbuf.h"

static int on_entry(void *ctx, const struct lp_tar_entry *e, lp_error_t *err)
{
  (void)err;
  struct strbuf *sb = ctx;
  strbuf_addf(sb, "%c [%s] %04o %llu:%llu t=%lld s=%llu", e->type, e->path, e->mode, (unsigned long long)e->uid,
              (unsigned long long)e->gid, (long long)e->mtime_ns, (unsigned long long)e->size);
  if (e->link)
    strbuf_addf(sb, " -> [%s]", e->link);
  if (e->type == LP_TAR_CHR)
    strbuf_addf(sb, " dev=%u,%u", e->devmajor, e->devminor);
  if (e->xattrs)
    strbuf_addf(sb, " xattrs=%zu", e->xattrs_len);
  strbuf_addch(sb, '\n');
  return 0;
}

static int on_data(void *ctx, const void *buf, size_t len, lp_error_t *err)
{
  (void)err;
  strbuf_add(ctx, buf, len);
  return 0;
}

static const struct lp_tar_callbacks cbs = { on_entry, on_data, NULL };

/* Write the entries (regular files get `size` bytes of 'x'), read back. */
static void roundtrip(const struct lp_tar_entry *es, size_t n, struct strbuf *out)
{
  int fd = memfd_create("tar", MFD_CLOEXEC);
  assert_true(fd >= 0);
  lp_error_t err = NULL;
  struct lp_tar_writer *w = lp_tar_writer_new(fd);
  char chunk[4096];
  memset(chunk, 'x', sizeof chunk);
  for (size_t i = 0; i < n; i++)
    {
      assert_int_equal(lp_tar_write_header(w, &es[i], &err), 0);
      for (uint64_t left = es[i].type == LP_TAR_REG ? es[i].size : 0; left;)
        {
          size_t k = left < sizeof chunk ? (size_t)left : sizeof chunk;
          assert_int_equal(lp_tar_write_data(w, chunk, k, &err), 0);
          left -= k;
        }
      assert_int_equal(lp_tar_write_end_entry(w, &err), 0);
    }
  assert_int_equal(lp_tar_writer_finish(w, &err), 0);
  lp_tar_writer_free(w);
  off_t len = lseek(fd, 0, SEEK_END);
  assert_int_equal(len % 512, 0);
  char *buf = malloc((size_t)len);
  assert_int_equal(pread(fd, buf, (size_t)len, 0), len);
  close(fd);
  struct lp_tar_reader *r = lp_tar_reader_new(&cbs, out);
  /* Odd pieces: the reader must not care. */
  for (off_t off = 0; off < len; off += 333)
    assert_int_equal(lp_tar_feed(r, buf + off, (size_t)(len - off < 333 ? len - off : 333), &err), 0);
  assert_int_equal(lp_tar_finish(r, &err), 0);
  lp_tar_reader_free(r);
  free(buf);
}

#define E(t, p, m) .type = (t), .path = (p), .path_len = sizeof(p) - 1, .mode = (m)

static void test_types(void **state)
{
  (void)state;
  struct lp_tar_entry es[] = {
    { E(LP_TAR_DIR, "d", 0755), .uid = 0, .gid = 0, .mtime_ns = 1700000000000000000 },
    { E(LP_TAR_REG, "d/f", 04755), .uid = 1000, .gid = 100, .size = 5, .mtime_ns = 1700000001999999999 },
    { E(LP_TAR_SYMLINK, "d/l", 0777), .link = "../etc/passwd", .link_len = 13 },
    { E(LP_TAR_HARDLINK, "d/h", 04755), .link = "d/f", .link_len = 3 },
    { E(LP_TAR_FIFO, "d/p", 0600) },
    { E(LP_TAR_CHR, "d/c", 0666), .devmajor = 1, .devminor = 3 },
    { E(LP_TAR_REG, "empty", 0) },
  };
  struct strbuf out = STRBUF_INIT;
  roundtrip(es, sizeof es / sizeof es[0], &out);
  assert_string_equal(out.buf, "5 [d] 0755 0:0 t=1700000000000000000 s=0\n"
                               "0 [d/f] 4755 1000:100 t=1700000001000000000 s=5\n"
                               "xxxxx"
                               "2 [d/l] 0777 0:0 t=0 s=0 -> [../etc/passwd]\n"
                               "1 [d/h] 4755 0:0 t=0 s=0 -> [d/f]\n"
                               "6 [d/p] 0600 0:0 t=0 s=0\n"
                               "3 [d/c] 0666 0:0 t=0 s=0 dev=1,3\n"
                               "0 [empty] 0000 0:0 t=0 s=0\n");
  strbuf_release(&out);
}

static void test_pax(void **state)
{
  (void)state;
  /* 100 bytes fits the name field; 250 splits at a slash into prefix and
   * name; 300 with no usable slash needs pax; a 200-byte link needs pax. */
  char n100[101], n250[251], n300[301], l200[201];
  memset(n100, 'a', 100);
  n100[100] = 0;
  memset(n250, 'b', 250);
  n250[150] = '/';
  n250[250] = 0;
  memset(n300, 'c', 300);
  n300[300] = 0;
  memset(l200, 'l', 200);
  l200[200] = 0;
  struct lp_tar_entry es[] = {
    { .type = LP_TAR_REG, .path = n100, .path_len = 100, .mode = 0644, .size = 1 },
    { .type = LP_TAR_REG, .path = n250, .path_len = 250, .mode = 0644, .size = 513 },
    { .type = LP_TAR_DIR, .path = n300, .path_len = 300, .mode = 0700, .uid = 100000, .gid = 3000000000ULL },
    { .type = LP_TAR_SYMLINK, .path = "s", .path_len = 1, .mode = 0777, .link = l200, .link_len = 200 },
    { .type = LP_TAR_REG, .path = "x", .path_len = 1, .mode = 0644, .uid = 1ULL << 40,
      .xattrs = "\x04\0\0\0user\x01\0\0\0v", .xattrs_len = 13 },
  };
  struct strbuf out = STRBUF_INIT, want = STRBUF_INIT;
  roundtrip(es, sizeof es / sizeof es[0], &out);
  strbuf_addf(&want, "0 [%s] 0644 0:0 t=0 s=1\nx", n100);
  strbuf_addf(&want, "0 [%s] 0644 0:0 t=0 s=513\n", n250);
  for (int i = 0; i < 513; i++)
    strbuf_addch(&want, 'x');
  strbuf_addf(&want, "5 [%s] 0700 100000:3000000000 t=0 s=0\n", n300);
  strbuf_addf(&want, "2 [s] 0777 0:0 t=0 s=0 -> [%s]\n", l200);
  strbuf_addf(&want, "0 [x] 0644 1099511627776:0 t=0 s=0 xattrs=13\n");
  assert_string_equal(out.buf, want.buf);
  strbuf_release(&out);
  strbuf_release(&want);
}

static void test_misuse(void **state)
{
  (void)state;
  int fd = memfd_create("tar", MFD_CLOEXEC);
  lp_error_t err = NULL;
  struct lp_tar_writer *w = lp_tar_writer_new(fd);
  struct lp_tar_entry e = { E(LP_TAR_REG, "f", 0644), .size = 3 };
  assert_int_equal(lp_tar_write_header(w, &e, &err), 0);
  assert_int_equal(lp_tar_write_data(w, "abcd", 4, &err), -1); /* more than its size */
  lp_error_free(&err);
  assert_int_equal(lp_tar_write_data(w, "ab", 2, &err), 0);
  assert_int_equal(lp_tar_write_end_entry(w, &err), -1); /* a byte missing */
  lp_error_free(&err);
  assert_int_equal(lp_tar_writer_finish(w, &err), -1);
  lp_error_free(&err);
  lp_tar_writer_free(w);
  close(fd);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_types),
    cmocka_unit_test(test_pax),
    cmocka_unit_test(test_misuse),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
