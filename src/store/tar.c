/* Push-mode tar reader; the contract is in tar.h. */
#include "store/tar.h"

#include "util/xalloc.h"

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum state
{
  ST_HEADER,
  ST_DATA,
  ST_PAD,
  ST_END,
  ST_DEAD,
};

enum sink
{
  SINK_FILE,  /* regular file content: to the data callback */
  SINK_PAX,   /* 'x' record block */
  SINK_GPAX,  /* 'g' record block (parsed for validity, then ignored) */
  SINK_LNAME, /* GNU 'L' */
  SINK_LLINK, /* GNU 'K' */
  SINK_SKIP,  /* content of a non-regular entry: dropped */
};

struct xattr
{
  char *name;
  size_t name_len;
  char *value;
  size_t value_len;
};

struct lp_tar_reader
{
  struct lp_tar_callbacks cb;
  void *ctx;
  enum state state;
  unsigned char hdr[512];
  size_t hdr_fill;
  enum sink sink;
  uint64_t data_left;
  uint64_t pad_left;
  struct strbuf buf; /* pax / long name being collected */
  bool in_entry;     /* a regular file's entry_end is owed */

  /* Pending overrides for the next entry. */
  bool has_pax_path, has_pax_link, has_pax_size, has_pax_uid, has_pax_gid, has_pax_mtime;
  bool has_pax_major, has_pax_minor;
  struct strbuf pax_path, pax_link;
  uint64_t pax_size, pax_uid, pax_gid, pax_major, pax_minor;
  int64_t pax_mtime_ns;
  bool has_lname, has_llink;
  struct strbuf lname, llink;
  struct xattr *xattrs;
  size_t nxattrs;
  uint64_t entries;
};

struct lp_tar_reader *lp_tar_reader_new(const struct lp_tar_callbacks *cb, void *ctx)
{
  struct lp_tar_reader *r = xzalloc(sizeof *r);
  r->cb = *cb;
  r->ctx = ctx;
  r->state = ST_HEADER;
  strbuf_init(&r->buf, 0);
  strbuf_init(&r->pax_path, 0);
  strbuf_init(&r->pax_link, 0);
  strbuf_init(&r->lname, 0);
  strbuf_init(&r->llink, 0);
  return r;
}

static void clear_xattrs(struct lp_tar_reader *r)
{
  for (size_t i = 0; i < r->nxattrs; i++)
    {
      free(r->xattrs[i].name);
      free(r->xattrs[i].value);
    }
  free(r->xattrs);
  r->xattrs = NULL;
  r->nxattrs = 0;
}

static void clear_pending(struct lp_tar_reader *r)
{
  r->has_pax_path = r->has_pax_link = r->has_pax_size = r->has_pax_uid = r->has_pax_gid = false;
  r->has_pax_mtime = r->has_pax_major = r->has_pax_minor = false;
  r->has_lname = r->has_llink = false;
  strbuf_reset(&r->pax_path);
  strbuf_reset(&r->pax_link);
  strbuf_reset(&r->lname);
  strbuf_reset(&r->llink);
  clear_xattrs(r);
}

void lp_tar_reader_free(struct lp_tar_reader *r)
{
  if (!r)
    return;
  clear_pending(r);
  strbuf_release(&r->buf);
  strbuf_release(&r->pax_path);
  strbuf_release(&r->pax_link);
  strbuf_release(&r->lname);
  strbuf_release(&r->llink);
  free(r);
}

static int fail(struct lp_tar_reader *r, lp_error_t *err, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int fail(struct lp_tar_reader *r, lp_error_t *err, const char *fmt, ...)
{
  struct strbuf sb = STRBUF_INIT;
  va_list ap;
  r->state = ST_DEAD;
  strbuf_addf(&sb, "tar entry %llu: ", (unsigned long long) r->entries + 1);
  va_start(ap, fmt);
  strbuf_vaddf(&sb, fmt, ap);
  va_end(ap);
  lp_error(err, 0, "%s", sb.buf);
  strbuf_release(&sb);
  return -1;
}

int lp_tar_normalize_path(const char *name, size_t len, struct strbuf *out, lp_error_t *err)
{
  strbuf_reset(out);
  if (len == 0)
    return lp_error(err, 0, "empty name");
  if (memchr(name, '\0', len))
    return lp_error(err, 0, "name contains a NUL byte");
  if (name[0] == '/')
    return lp_error(err, 0, "absolute name `%.*s`", (int) (len > 256 ? 256 : len), name);
  size_t i = 0;
  while (i < len)
    {
      size_t j = i;
      while (j < len && name[j] != '/')
        j++;
      size_t clen = j - i;
      if (clen == 2 && name[i] == '.' && name[i + 1] == '.')
        return lp_error(err, 0, "name `%.*s` contains `..`", (int) (len > 256 ? 256 : len), name);
      if (clen > 0 && !(clen == 1 && name[i] == '.'))
        {
          if (out->len)
            strbuf_addch(out, '/');
          strbuf_add(out, name + i, clen);
        }
      i = j + 1;
    }
  return 0;
}

/* Strict octal or base-256 numeric field. */
static int parse_num(const unsigned char *f, size_t n, uint64_t *out)
{
  if (f[0] & 0x80)
    {
      if (f[0] != 0x80)
        return -1; /* negative, or more than 63 bits */
      uint64_t v = 0;
      for (size_t i = 1; i < n; i++)
        {
          if (v >> 55)
            return -1;
          v = (v << 8) | f[i];
        }
      if (v >> 63)
        return -1;
      *out = v;
      return 0;
    }
  size_t i = 0;
  while (i < n && f[i] == ' ')
    i++;
  uint64_t v = 0;
  size_t digits = 0;
  while (i < n && f[i] >= '0' && f[i] <= '7')
    {
      if (v >> 60)
        return -1;
      v = v * 8 + (uint64_t) (f[i] - '0');
      i++;
      digits++;
    }
  for (; i < n; i++)
    if (f[i] != ' ' && f[i] != '\0')
      return -1;
  (void) digits;
  *out = v;
  return 0;
}

static int parse_dec(const char *s, size_t n, uint64_t *out)
{
  if (n == 0 || n > 19)
    return -1;
  uint64_t v = 0;
  for (size_t i = 0; i < n; i++)
    {
      if (s[i] < '0' || s[i] > '9')
        return -1;
      v = v * 10 + (uint64_t) (s[i] - '0');
    }
  *out = v;
  return 0;
}

static int parse_mtime(const char *s, size_t n, int64_t *out)
{
  bool neg = false;
  if (n && s[0] == '-')
    {
      neg = true;
      s++;
      n--;
    }
  const char *dot = memchr(s, '.', n);
  size_t ilen = dot ? (size_t) (dot - s) : n;
  uint64_t secs;
  if (parse_dec(s, ilen, &secs) < 0 || secs > (uint64_t) INT64_MAX / 1000000000ULL)
    return -1;
  uint64_t frac = 0;
  if (dot)
    {
      size_t flen = n - ilen - 1;
      if (flen == 0)
        return -1;
      uint64_t scale = 100000000ULL;
      for (size_t i = 0; i < flen; i++)
        {
          char c = dot[1 + i];
          if (c < '0' || c > '9')
            return -1;
          frac += (uint64_t) (c - '0') * scale;
          scale /= 10;
        }
    }
  int64_t v = (int64_t) (secs * 1000000000ULL + frac);
  *out = neg ? -v : v;
  return 0;
}

static void add_xattr(struct lp_tar_reader *r, const char *name, size_t nlen, const char *value, size_t vlen)
{
  for (size_t i = 0; i < r->nxattrs; i++)
    if (r->xattrs[i].name_len == nlen && memcmp(r->xattrs[i].name, name, nlen) == 0)
      {
        free(r->xattrs[i].value);
        r->xattrs[i].value = xmalloc(vlen ? vlen : 1);
        memcpy(r->xattrs[i].value, value, vlen);
        r->xattrs[i].value_len = vlen;
        return;
      }
  r->xattrs = xreallocarray(r->xattrs, r->nxattrs + 1, sizeof *r->xattrs);
  struct xattr *x = &r->xattrs[r->nxattrs++];
  x->name = xstrndup(name, nlen);
  x->name_len = nlen;
  x->value = xmalloc(vlen ? vlen : 1);
  memcpy(x->value, value, vlen);
  x->value_len = vlen;
}

static int parse_pax(struct lp_tar_reader *r, const char *p, size_t n, bool global, lp_error_t *err)
{
  size_t off = 0;
  while (off < n)
    {
      /* A block may end in NUL padding. */
      if (p[off] == '\0')
        break;
      size_t i = off;
      uint64_t reclen = 0;
      while (i < n && p[i] >= '0' && p[i] <= '9' && i - off < 8)
        reclen = reclen * 10 + (uint64_t) (p[i++] - '0');
      if (i == off || i >= n || p[i] != ' ' || reclen <= i - off + 1 || reclen > n - off)
        return fail(r, err, "malformed pax header");
      const char *rec = p + off;
      const char *end = rec + reclen; /* one past the '\n' */
      if (end[-1] != '\n')
        return fail(r, err, "malformed pax record");
      const char *kv = p + i + 1;
      const char *eq = memchr(kv, '=', (size_t) (end - 1 - kv));
      if (!eq)
        return fail(r, err, "pax record without `=`");
      const char *key = kv;
      size_t klen = (size_t) (eq - kv);
      const char *val = eq + 1;
      size_t vlen = (size_t) (end - 1 - val);
      off += reclen;
      if (global)
        continue;

#define KEY(s) (klen == sizeof(s) - 1 && memcmp(key, s, klen) == 0)
      if (KEY("path"))
        {
          if (vlen > LP_TAR_NAME_MAX)
            return fail(r, err, "pax path longer than the limit");
          strbuf_reset(&r->pax_path);
          strbuf_add(&r->pax_path, val, vlen);
          r->has_pax_path = vlen > 0;
        }
      else if (KEY("linkpath"))
        {
          if (vlen > LP_TAR_NAME_MAX)
            return fail(r, err, "pax linkpath longer than the limit");
          strbuf_reset(&r->pax_link);
          strbuf_add(&r->pax_link, val, vlen);
          r->has_pax_link = vlen > 0;
        }
      else if (KEY("size") || KEY("uid") || KEY("gid") || KEY("SCHILY.devmajor") || KEY("SCHILY.devminor"))
        {
          uint64_t v;
          if (vlen == 0)
            continue;
          if (parse_dec(val, vlen, &v) < 0 || v > (uint64_t) INT64_MAX)
            return fail(r, err, "malformed pax number");
          if (KEY("size"))
            r->pax_size = v, r->has_pax_size = true;
          else if (KEY("uid"))
            r->pax_uid = v, r->has_pax_uid = true;
          else if (KEY("gid"))
            r->pax_gid = v, r->has_pax_gid = true;
          else if (KEY("SCHILY.devmajor"))
            r->pax_major = v, r->has_pax_major = true;
          else
            r->pax_minor = v, r->has_pax_minor = true;
        }
      else if (KEY("mtime"))
        {
          if (vlen == 0)
            continue;
          if (parse_mtime(val, vlen, &r->pax_mtime_ns) < 0)
            return fail(r, err, "malformed pax mtime");
          r->has_pax_mtime = true;
        }
      else if (klen > 13 && memcmp(key, "SCHILY.xattr.", 13) == 0)
        {
          if (memchr(key + 13, '\0', klen - 13))
            return fail(r, err, "xattr name with a NUL byte");
          add_xattr(r, key + 13, klen - 13, val, vlen);
        }
#undef KEY
      /* uname, gname, atime, ctime, comment, charset, ...: ignored. */
    }
  return 0;
}

static int cmp_xattr(const void *a, const void *b)
{
  const struct xattr *x = a, *y = b;
  size_t n = x->name_len < y->name_len ? x->name_len : y->name_len;
  int c = memcmp(x->name, y->name, n);
  if (c)
    return c;
  return (x->name_len > y->name_len) - (x->name_len < y->name_len);
}

static void put_u32(struct strbuf *sb, uint32_t v)
{
  unsigned char b[4] = { (unsigned char) v, (unsigned char) (v >> 8), (unsigned char) (v >> 16),
                         (unsigned char) (v >> 24) };
  strbuf_add(sb, b, 4);
}

static size_t field_len(const unsigned char *f, size_t n)
{
  const unsigned char *z = memchr(f, '\0', n);
  return z ? (size_t) (z - f) : n;
}

static void strip_trailing_nuls(struct strbuf *sb)
{
  while (sb->len && sb->buf[sb->len - 1] == '\0')
    strbuf_setlen(sb, sb->len - 1);
}

static int begin_data(struct lp_tar_reader *r, enum sink sink, uint64_t size)
{
  r->sink = sink;
  r->data_left = size;
  r->pad_left = (512 - size % 512) % 512;
  r->state = size ? ST_DATA : ST_HEADER;
  return 0;
}

static int emit_entry(struct lp_tar_reader *r, lp_error_t *err)
{
  const unsigned char *h = r->hdr;
  char type = (char) h[156];
  uint64_t mode, uid, gid, size, mtime, major = 0, minor = 0;
  bool ustar = memcmp(h + 257, "ustar\0", 6) == 0;
  bool gnu = memcmp(h + 257, "ustar  \0", 8) == 0;

  if (parse_num(h + 100, 8, &mode) < 0 || parse_num(h + 108, 8, &uid) < 0 || parse_num(h + 116, 8, &gid) < 0
      || parse_num(h + 124, 12, &size) < 0 || parse_num(h + 136, 12, &mtime) < 0)
    return fail(r, err, "malformed numeric field in tar header");
  if ((ustar || gnu) && (parse_num(h + 329, 8, &major) < 0 || parse_num(h + 337, 8, &minor) < 0))
    return fail(r, err, "malformed device number in tar header");
  if (r->has_pax_size)
    size = r->pax_size;

  /* The raw name. */
  struct strbuf raw = STRBUF_INIT;
  if (r->has_pax_path)
    strbuf_add(&raw, r->pax_path.buf, r->pax_path.len);
  else if (r->has_lname)
    strbuf_add(&raw, r->lname.buf, r->lname.len);
  else
    {
      if (ustar && h[345])
        {
          strbuf_add(&raw, h + 345, field_len(h + 345, 155));
          strbuf_addch(&raw, '/');
        }
      strbuf_add(&raw, h, field_len(h, 100));
    }
  bool trailing_slash = raw.len && raw.buf[raw.len - 1] == '/';

  switch (type)
    {
    case '0':
    case '\0':
    case '7':
      type = trailing_slash ? LP_TAR_DIR : LP_TAR_REG;
      break;
    case '1':
    case '2':
    case '3':
    case '4':
    case '5':
    case '6':
      break;
    default:
      {
        char t[8];
        snprintf(t, sizeof t, "%c", type >= 32 && type < 127 ? type : '?');
        strbuf_release(&raw);
        return fail(r, err, "unsupported tar entry type `%s`", t);
      }
    }

  struct strbuf path = STRBUF_INIT;
  int ret = 0;
  lp_error_t nerr = NULL;
  bool is_root = raw.len > 0 && raw.buf[0] != '/';
  if (is_root)
    {
      /* "." or "./" (and "././") name the archive root. */
      for (size_t i = 0; i < raw.len; i++)
        if (raw.buf[i] != '.' && raw.buf[i] != '/')
          is_root = false;
      for (size_t i = 0; i + 1 < raw.len; i++)
        if (raw.buf[i] == '.' && raw.buf[i + 1] == '.')
          is_root = false;
    }
  if (!is_root && lp_tar_normalize_path(raw.buf, raw.len, &path, &nerr) < 0)
    {
      r->state = ST_DEAD;
      lp_error_wrap(&nerr, "tar entry %llu", (unsigned long long) r->entries + 1);
      *err = nerr;
      strbuf_release(&raw);
      strbuf_release(&path);
      return -1;
    }
  strbuf_release(&raw);
  if (is_root && type != LP_TAR_DIR)
    {
      strbuf_release(&path);
      return fail(r, err, "the archive root is not a directory");
    }

  struct strbuf link = STRBUF_INIT;
  bool has_link = false;
  if (type == LP_TAR_HARDLINK || type == LP_TAR_SYMLINK)
    {
      struct strbuf rawlink = STRBUF_INIT;
      if (r->has_pax_link)
        strbuf_add(&rawlink, r->pax_link.buf, r->pax_link.len);
      else if (r->has_llink)
        strbuf_add(&rawlink, r->llink.buf, r->llink.len);
      else
        strbuf_add(&rawlink, h + 157, field_len(h + 157, 100));
      if (type == LP_TAR_HARDLINK)
        {
          if (lp_tar_normalize_path(rawlink.buf, rawlink.len, &link, &nerr) < 0)
            {
              r->state = ST_DEAD;
              lp_error_wrap(&nerr, "tar entry %llu (`%s`): hard link target", (unsigned long long) r->entries + 1,
                            path.buf);
              *err = nerr;
              strbuf_release(&rawlink);
              strbuf_release(&path);
              strbuf_release(&link);
              return -1;
            }
        }
      else
        {
          if (rawlink.len == 0 || memchr(rawlink.buf, '\0', rawlink.len))
            {
              strbuf_release(&rawlink);
              strbuf_release(&path);
              strbuf_release(&link);
              return fail(r, err, "empty or invalid symlink target");
            }
          strbuf_add(&link, rawlink.buf, rawlink.len);
        }
      strbuf_release(&rawlink);
      has_link = true;
    }

  struct strbuf xs = STRBUF_INIT;
  if (r->nxattrs)
    {
      qsort(r->xattrs, r->nxattrs, sizeof *r->xattrs, cmp_xattr);
      for (size_t i = 0; i < r->nxattrs; i++)
        {
          put_u32(&xs, (uint32_t) r->xattrs[i].name_len);
          strbuf_add(&xs, r->xattrs[i].name, r->xattrs[i].name_len);
          put_u32(&xs, (uint32_t) r->xattrs[i].value_len);
          strbuf_add(&xs, r->xattrs[i].value, r->xattrs[i].value_len);
        }
    }

  struct lp_tar_entry e = {
    .type = type,
    .path = path.buf,
    .path_len = path.len,
    .link = has_link ? link.buf : NULL,
    .link_len = has_link ? link.len : 0,
    .mode = (uint32_t) (mode & 07777),
    .uid = r->has_pax_uid ? r->pax_uid : uid,
    .gid = r->has_pax_gid ? r->pax_gid : gid,
    .mtime_ns = r->has_pax_mtime ? r->pax_mtime_ns : (int64_t) (mtime > (uint64_t) INT64_MAX / 1000000000ULL ? 0 : mtime * 1000000000ULL),
    .size = type == LP_TAR_REG ? size : 0,
    .devmajor = (uint32_t) (r->has_pax_major ? r->pax_major : major),
    .devminor = (uint32_t) (r->has_pax_minor ? r->pax_minor : minor),
    .xattrs = xs.len ? xs.buf : NULL,
    .xattrs_len = xs.len,
  };
  ret = r->cb.entry(r->ctx, &e, err);
  strbuf_release(&xs);
  strbuf_release(&path);
  strbuf_release(&link);
  clear_pending(r);
  r->entries++;
  if (ret < 0)
    {
      r->state = ST_DEAD;
      return -1;
    }
  if (type == LP_TAR_REG)
    {
      r->in_entry = true;
      begin_data(r, SINK_FILE, size);
      if (size == 0 && r->cb.entry_end)
        {
          r->in_entry = false;
          if (r->cb.entry_end(r->ctx, err) < 0)
            {
              r->state = ST_DEAD;
              return -1;
            }
        }
    }
  else
    begin_data(r, SINK_SKIP, size);
  return 0;
}

static int process_header(struct lp_tar_reader *r, lp_error_t *err)
{
  const unsigned char *h = r->hdr;
  bool zero = true;
  for (size_t i = 0; i < 512; i++)
    if (h[i])
      {
        zero = false;
        break;
      }
  if (zero)
    {
      if (r->has_pax_path || r->has_lname || r->nxattrs || r->has_llink || r->has_pax_link)
        return fail(r, err, "archive ends after an extended header");
      r->state = ST_END;
      return 0;
    }
  uint64_t sum_field;
  if (parse_num(h + 148, 8, &sum_field) < 0)
    return fail(r, err, "malformed tar header checksum");
  uint64_t usum = 0;
  int64_t ssum = 0;
  for (size_t i = 0; i < 512; i++)
    {
      unsigned char c = (i >= 148 && i < 156) ? ' ' : h[i];
      usum += c;
      ssum += (signed char) c;
    }
  if (usum != sum_field && (uint64_t) ssum != sum_field)
    return fail(r, err, "tar header checksum mismatch: not a tar archive, or corrupted");

  char type = (char) h[156];
  uint64_t size;
  if (parse_num(h + 124, 12, &size) < 0)
    return fail(r, err, "malformed size in tar header");
  switch (type)
    {
    case 'x':
    case 'g':
      if (size > LP_TAR_PAX_MAX)
        return fail(r, err, "pax header larger than 1 MiB");
      strbuf_reset(&r->buf);
      begin_data(r, type == 'x' ? SINK_PAX : SINK_GPAX, size);
      if (size == 0)
        return 0;
      return 0;
    case 'L':
    case 'K':
      if (size > LP_TAR_NAME_MAX)
        return fail(r, err, "GNU long name longer than 64 KiB");
      strbuf_reset(&r->buf);
      begin_data(r, type == 'L' ? SINK_LNAME : SINK_LLINK, size);
      if (size == 0)
        return fail(r, err, "empty GNU long name");
      return 0;
    default:
      return emit_entry(r, err);
    }
}

static int data_done(struct lp_tar_reader *r, lp_error_t *err)
{
  switch (r->sink)
    {
    case SINK_FILE:
      r->in_entry = false;
      if (r->cb.entry_end && r->cb.entry_end(r->ctx, err) < 0)
        {
          r->state = ST_DEAD;
          return -1;
        }
      break;
    case SINK_PAX:
    case SINK_GPAX:
      if (parse_pax(r, r->buf.buf, r->buf.len, r->sink == SINK_GPAX, err) < 0)
        return -1;
      break;
    case SINK_LNAME:
      strip_trailing_nuls(&r->buf);
      strbuf_reset(&r->lname);
      strbuf_add(&r->lname, r->buf.buf, r->buf.len);
      r->has_lname = true;
      break;
    case SINK_LLINK:
      strip_trailing_nuls(&r->buf);
      strbuf_reset(&r->llink);
      strbuf_add(&r->llink, r->buf.buf, r->buf.len);
      r->has_llink = true;
      break;
    case SINK_SKIP:
      break;
    }
  r->state = r->pad_left ? ST_PAD : ST_HEADER;
  return 0;
}

int lp_tar_feed(struct lp_tar_reader *r, const void *buf, size_t len, lp_error_t *err)
{
  const unsigned char *p = buf;
  while (len > 0)
    {
      switch (r->state)
        {
        case ST_DEAD:
          return lp_error(err, 0, "tar stream already failed");
        case ST_END:
          return 0; /* trailing zero blocks / record padding */
        case ST_HEADER:
          {
            size_t n = 512 - r->hdr_fill;
            if (n > len)
              n = len;
            memcpy(r->hdr + r->hdr_fill, p, n);
            r->hdr_fill += n;
            p += n;
            len -= n;
            if (r->hdr_fill == 512)
              {
                r->hdr_fill = 0;
                if (process_header(r, err) < 0)
                  return -1;
              }
            break;
          }
        case ST_DATA:
          {
            size_t n = r->data_left < len ? (size_t) r->data_left : len;
            if (r->sink == SINK_FILE)
              {
                if (r->cb.data && r->cb.data(r->ctx, p, n, err) < 0)
                  {
                    r->state = ST_DEAD;
                    return -1;
                  }
              }
            else if (r->sink != SINK_SKIP)
              strbuf_add(&r->buf, p, n);
            p += n;
            len -= n;
            r->data_left -= n;
            if (r->data_left == 0 && data_done(r, err) < 0)
              return -1;
            break;
          }
        case ST_PAD:
          {
            size_t n = r->pad_left < len ? (size_t) r->pad_left : len;
            p += n;
            len -= n;
            r->pad_left -= n;
            if (r->pad_left == 0)
              r->state = ST_HEADER;
            break;
          }
        }
    }
  return 0;
}

int lp_tar_finish(struct lp_tar_reader *r, lp_error_t *err)
{
  switch (r->state)
    {
    case ST_END:
      return 0;
    case ST_HEADER:
      if (r->hdr_fill == 0 && !r->has_pax_path && !r->has_lname && !r->has_llink && !r->has_pax_link
          && !r->nxattrs)
        return 0;
      /* fallthrough */
    case ST_DATA:
    case ST_PAD:
      r->state = ST_DEAD;
      return lp_error(err, 0, "tar archive is truncated (after %llu entries)", (unsigned long long) r->entries);
    case ST_DEAD:
      break;
    }
  return lp_error(err, 0, "tar stream already failed");
}
