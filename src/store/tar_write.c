/* Streaming ustar/pax writer; the contract is in tar_write.h. */
#include "store/tar_write.h"

#include "util/fsutil.h"
#include "util/strbuf.h"
#include "util/xalloc.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BLOCK 512
#define BUFSZ (64 * 1024)

struct lp_tar_writer
{
  int fd;
  char *buf;
  size_t fill;
  uint64_t left;  /* data bytes the current entry still owes */
  uint64_t total; /* its size, for the padding */
  bool in_data;
};

struct lp_tar_writer *lp_tar_writer_new(int fd)
{
  struct lp_tar_writer *w = xzalloc(sizeof *w);
  w->fd = fd;
  w->buf = xmalloc(BUFSZ);
  return w;
}

void lp_tar_writer_free(struct lp_tar_writer *w)
{
  if (!w)
    return;
  free(w->buf);
  free(w);
}

static int flush(struct lp_tar_writer *w, lp_error_t *err)
{
  if (w->fill && lp_write_all(w->fd, w->buf, w->fill) < 0)
    return lp_error(err, errno, "write the tar stream");
  w->fill = 0;
  return 0;
}

static int put(struct lp_tar_writer *w, const void *p, size_t n, lp_error_t *err)
{
  const char *c = p;
  while (n)
    {
      if (w->fill == BUFSZ && flush(w, err) < 0)
        return -1;
      size_t k = BUFSZ - w->fill < n ? BUFSZ - w->fill : n;
      memcpy(w->buf + w->fill, c, k);
      w->fill += k;
      c += k;
      n -= k;
    }
  return 0;
}

static int put_zeros(struct lp_tar_writer *w, size_t n, lp_error_t *err)
{
  static const char zero[BLOCK];
  while (n)
    {
      size_t k = n < BLOCK ? n : BLOCK;
      if (put(w, zero, k, err) < 0)
        return -1;
      n -= k;
    }
  return 0;
}

/* Octal, NUL-terminated, in a field of n bytes; false when it does not fit. */
static bool octal(char *f, size_t n, uint64_t v)
{
  char tmp[32];
  int len = snprintf(tmp, sizeof tmp, "%0*llo", (int)(n - 1), (unsigned long long)v);
  if (len < 0 || (size_t)len > n - 1)
    return false;
  memcpy(f, tmp, n);
  return true;
}

/* One "LEN key=value\n" record; LEN counts itself. */
static void pax_add(struct strbuf *pax, const char *key, const char *val, size_t vlen)
{
  size_t base = strlen(key) + vlen + 3; /* ' ', '=', '\n' */
  size_t len = base + 1;
  for (;;)
    {
      char digits[24];
      size_t d = (size_t)snprintf(digits, sizeof digits, "%zu", len);
      if (base + d == len)
        break;
      len = base + d;
    }
  strbuf_addf(pax, "%zu %s=", len, key);
  strbuf_add(pax, val, vlen);
  strbuf_addch(pax, '\n');
}

static void pax_num(struct strbuf *pax, const char *key, uint64_t v)
{
  char s[24];
  int n = snprintf(s, sizeof s, "%llu", (unsigned long long)v);
  pax_add(pax, key, s, (size_t)n);
}

/* ustar's name split: prefix (<= 155) '/' name (<= 100), at a slash. */
static bool split_name(const char *p, size_t len, size_t *cut)
{
  if (len <= 100)
    {
      *cut = 0;
      return true;
    }
  for (size_t i = len - 1; i > 0; i--)
    if (p[i] == '/' && i <= 155 && len - i - 1 <= 100 && len - i - 1 > 0)
      {
        *cut = i;
        return true;
      }
  return false;
}

static int header_block(struct lp_tar_writer *w, char type, const char *name, size_t nlen, const char *link,
                        size_t llen, const struct lp_tar_entry *e, uint64_t size, lp_error_t *err)
{
  char h[BLOCK];
  memset(h, 0, sizeof h);
  size_t cut;
  if (split_name(name, nlen, &cut) && cut)
    {
      memcpy(h + 345, name, cut);
      memcpy(h, name + cut + 1, nlen - cut - 1);
    }
  else
    memcpy(h, name, nlen < 100 ? nlen : 100);
  if (!octal(h + 100, 8, e->mode & 07777))
    return lp_error(err, EINVAL, "tar: mode");
  octal(h + 108, 8, e->uid <= 07777777 ? e->uid : 0);
  octal(h + 116, 8, e->gid <= 07777777 ? e->gid : 0);
  octal(h + 124, 12, size <= 077777777777ULL ? size : 0);
  int64_t secs = e->mtime_ns / 1000000000;
  octal(h + 136, 12, secs > 0 && (uint64_t)secs <= 077777777777ULL ? (uint64_t)secs : 0);
  h[156] = type;
  if (link)
    memcpy(h + 157, link, llen < 100 ? llen : 100);
  memcpy(h + 257, "ustar", 6);
  memcpy(h + 263, "00", 2);
  if (type == LP_TAR_CHR || type == LP_TAR_BLK)
    {
      octal(h + 329, 8, e->devmajor <= 07777777 ? e->devmajor : 0);
      octal(h + 337, 8, e->devminor <= 07777777 ? e->devminor : 0);
    }
  memset(h + 148, ' ', 8);
  unsigned sum = 0;
  for (size_t i = 0; i < BLOCK; i++)
    sum += (unsigned char)h[i];
  snprintf(h + 148, 8, "%06o", sum);
  h[155] = ' ';
  return put(w, h, BLOCK, err);
}

/* The xattr blob's lengths (tree.h) are little-endian. */
static uint32_t le32(const unsigned char *p)
{
  return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

int lp_tar_write_header(struct lp_tar_writer *w, const struct lp_tar_entry *e, lp_error_t *err)
{
  if (w->in_data)
    return lp_error(err, EINVAL, "tar: the previous entry is not complete");
  struct strbuf name = STRBUF_INIT, pax = STRBUF_INIT;
  int rc = -1;
  strbuf_add(&name, e->path, e->path_len);
  if (e->type == LP_TAR_DIR && (name.len == 0 || name.buf[name.len - 1] != '/'))
    strbuf_addch(&name, '/');
  size_t llen = e->link ? e->link_len : 0;
  uint64_t size = e->type == LP_TAR_REG ? e->size : 0;
  size_t cut;

  if (!split_name(name.buf, name.len, &cut))
    pax_add(&pax, "path", name.buf, name.len);
  if (llen > 100)
    pax_add(&pax, "linkpath", e->link, llen);
  if (e->uid > 07777777)
    pax_num(&pax, "uid", e->uid);
  if (e->gid > 07777777)
    pax_num(&pax, "gid", e->gid);
  if (size > 077777777777ULL)
    pax_num(&pax, "size", size);
  if ((e->type == LP_TAR_CHR || e->type == LP_TAR_BLK) && (e->devmajor > 07777777 || e->devminor > 07777777))
    {
      pax_num(&pax, "SCHILY.devmajor", e->devmajor);
      pax_num(&pax, "SCHILY.devminor", e->devminor);
    }
  for (size_t off = 0; e->xattrs && off + 4 <= e->xattrs_len;)
    {
      uint32_t nl = le32((const unsigned char *)e->xattrs + off), vl;
      if (off + 4 + nl + 4 > e->xattrs_len)
        break;
      vl = le32((const unsigned char *)e->xattrs + off + 4 + nl);
      if (off + 8 + nl + vl > e->xattrs_len)
        break;
      struct strbuf key = STRBUF_INIT;
      strbuf_adds(&key, "SCHILY.xattr.");
      strbuf_add(&key, (const char *)e->xattrs + off + 4, nl);
      pax_add(&pax, key.buf, (const char *)e->xattrs + off + 8 + nl, vl);
      strbuf_release(&key);
      off += 8 + nl + vl;
    }
  if (pax.len)
    {
      /* The pax header's own name only has to be unique-ish and short. */
      struct lp_tar_entry px = { .mode = 0644, .mtime_ns = e->mtime_ns };
      if (header_block(w, 'x', "PaxHeaders/entry", 16, NULL, 0, &px, pax.len, err) < 0
          || put(w, pax.buf, pax.len, err) < 0 || put_zeros(w, (BLOCK - pax.len % BLOCK) % BLOCK, err) < 0)
        goto out;
    }
  if (header_block(w, e->type, name.buf, name.len, e->link, llen, e, size, err) < 0)
    goto out;
  w->left = w->total = size;
  w->in_data = true;
  rc = 0;
out:
  strbuf_release(&name);
  strbuf_release(&pax);
  return rc;
}

int lp_tar_write_data(struct lp_tar_writer *w, const void *buf, size_t len, lp_error_t *err)
{
  if (!w->in_data || len > w->left)
    return lp_error(err, EINVAL, "tar: more data than the entry's size");
  w->left -= len;
  return put(w, buf, len, err);
}

int lp_tar_write_end_entry(struct lp_tar_writer *w, lp_error_t *err)
{
  if (!w->in_data || w->left)
    return lp_error(err, EINVAL, "tar: %llu bytes of the entry are missing", (unsigned long long)w->left);
  w->in_data = false;
  return put_zeros(w, (size_t)((BLOCK - w->total % BLOCK) % BLOCK), err);
}

int lp_tar_writer_finish(struct lp_tar_writer *w, lp_error_t *err)
{
  if (w->in_data)
    return lp_error(err, EINVAL, "tar: the last entry is not complete");
  if (put_zeros(w, 2 * BLOCK, err) < 0)
    return -1;
  return flush(w, err);
}
