/* Fuzz the push-mode tar reader: the input is the archive, fed in chunks
 * whose sizes come from a hash of the input (so seeds stay plain tars), and
 * the callbacks check the reader's promises: normalized names without ".."
 * or a leading "/", and exactly `size` content bytes per regular file. */
#include <stdio.h>

#include "fuzz.h"
#include "store/tar.h"

struct state
{
  uint64_t want, got;
  int in_entry;
};

static void check_name(const char *p, size_t len)
{
  if (strlen(p) != len || (len && p[0] == '/'))
    abort();
  for (const char *c = p; *c;)
    {
      const char *e = strchr(c, '/');
      size_t n = e ? (size_t) (e - c) : strlen(c);
      if ((n == 2 && c[0] == '.' && c[1] == '.') || (n == 1 && c[0] == '.') || (n == 0))
        {
          fprintf(stderr, "bad name component in \"%s\"\n", p);
          abort();
        }
      c += n + (e ? 1 : 0);
    }
}

static int on_entry(void *ctx, const struct lp_tar_entry *e, lp_error_t *err)
{
  struct state *st = ctx;
  if (st->in_entry && st->got != st->want)
    abort();
  check_name(e->path, e->path_len);
  if (e->type == LP_TAR_HARDLINK)
    check_name(e->link, e->link_len);
  if (e->type == LP_TAR_SYMLINK && (!e->link || strlen(e->link) != e->link_len))
    abort();
  if (e->type != LP_TAR_REG && e->size != 0)
    abort();
  if (e->mode & ~07777u)
    abort();
  st->want = e->size;
  st->got = 0;
  st->in_entry = 1;
  return 0;
}

static int on_data(void *ctx, const void *buf, size_t len, lp_error_t *err)
{
  struct state *st = ctx;
  if (!st->in_entry || len == 0)
    abort();
  volatile const uint8_t *b = buf;
  (void) b[0];
  (void) b[len - 1];
  st->got += len;
  if (st->got > st->want)
    abort();
  return 0;
}

static int on_end(void *ctx, lp_error_t *err)
{
  struct state *st = ctx;
  if (!st->in_entry || st->got != st->want)
    abort();
  st->in_entry = 0;
  return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  static const struct lp_tar_callbacks cb = { on_entry, on_data, on_end };
  struct state st = { 0 };
  struct lp_tar_reader *r = lp_tar_reader_new(&cb, &st);
  lp_error_t err = NULL;
  uint64_t h = 1469598103934665603ull;
  for (size_t i = 0; i < size; i++)
    h = (h ^ data[i]) * 1099511628211ull;
  static const size_t sizes[] = { 1, 3, 100, 511, 512, 513, 1024, 4096, 65536 };
  size_t off = 0;
  int rc = 0;
  while (off < size && rc == 0)
    {
      h ^= h << 13;
      h ^= h >> 7;
      h ^= h << 17;
      size_t n = sizes[h % (sizeof sizes / sizeof *sizes)];
      if (n > size - off)
        n = size - off;
      rc = lp_tar_feed(r, data + off, n, &err);
      off += n;
    }
  if (rc == 0)
    rc = lp_tar_finish(r, &err);
  else if (lp_tar_feed(r, "", 1, &err) == 0) /* dead after an error */
    abort();
  lp_error_free(&err);
  lp_tar_reader_free(r);
  return 0;
}
