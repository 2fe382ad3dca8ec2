/* A strict TOML-subset parser (see toml.h for what the subset is). */
#include "toml.h"
#include "../util/strbuf.h"
#include "../util/xalloc.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

struct parser
{
  const char *file;
  const char *p, *end;
  int line;
};

static int perr(struct parser *ps, lp_error_t *err, const char *what)
{
  return lp_error(err, 0, "%s:%d: %s", ps->file, ps->line, what);
}

static void skip_ws(struct parser *ps)
{
  while (ps->p < ps->end && (*ps->p == ' ' || *ps->p == '\t'))
    ps->p++;
}

/* Skip whitespace, comments and newlines (inside arrays). */
static void skip_ws_nl(struct parser *ps)
{
  for (;;)
    {
      skip_ws(ps);
      if (ps->p < ps->end && *ps->p == '#')
        while (ps->p < ps->end && *ps->p != '\n')
          ps->p++;
      if (ps->p < ps->end && (*ps->p == '\n' || *ps->p == '\r'))
        {
          if (*ps->p == '\n')
            ps->line++;
          ps->p++;
          continue;
        }
      return;
    }
}

/* After a value or header: only a comment may follow on the line. */
static int end_of_line(struct parser *ps, lp_error_t *err)
{
  skip_ws(ps);
  if (ps->p < ps->end && *ps->p == '#')
    while (ps->p < ps->end && *ps->p != '\n')
      ps->p++;
  if (ps->p < ps->end && *ps->p == '\r')
    ps->p++;
  if (ps->p < ps->end && *ps->p != '\n')
    return perr(ps, err, "expected end of line");
  if (ps->p < ps->end)
    {
      ps->p++;
      ps->line++;
    }
  return 0;
}

static void add_utf8(struct strbuf *sb, unsigned long cp)
{
  if (cp < 0x80)
    strbuf_addch(sb, (int) cp);
  else if (cp < 0x800)
    {
      strbuf_addch(sb, (int) (0xC0 | (cp >> 6)));
      strbuf_addch(sb, (int) (0x80 | (cp & 0x3F)));
    }
  else if (cp < 0x10000)
    {
      strbuf_addch(sb, (int) (0xE0 | (cp >> 12)));
      strbuf_addch(sb, (int) (0x80 | ((cp >> 6) & 0x3F)));
      strbuf_addch(sb, (int) (0x80 | (cp & 0x3F)));
    }
  else
    {
      strbuf_addch(sb, (int) (0xF0 | (cp >> 18)));
      strbuf_addch(sb, (int) (0x80 | ((cp >> 12) & 0x3F)));
      strbuf_addch(sb, (int) (0x80 | ((cp >> 6) & 0x3F)));
      strbuf_addch(sb, (int) (0x80 | (cp & 0x3F)));
    }
}

static int parse_string(struct parser *ps, struct strbuf *out, lp_error_t *err)
{
  char q = *ps->p++;
  if (ps->p + 1 < ps->end && ps->p[0] == q && ps->p[1] == q)
    return perr(ps, err, "multi-line strings are not supported");
  while (ps->p < ps->end && *ps->p != q)
    {
      char c = *ps->p++;
      if (c == '\n')
        return perr(ps, err, "unterminated string");
      if (c == '\\' && q == '"')
        {
          if (ps->p >= ps->end)
            break;
          char e = *ps->p++;
          switch (e)
            {
            case 'n': strbuf_addch(out, '\n'); break;
            case 't': strbuf_addch(out, '\t'); break;
            case 'r': strbuf_addch(out, '\r'); break;
            case 'b': strbuf_addch(out, '\b'); break;
            case 'f': strbuf_addch(out, '\f'); break;
            case '"': strbuf_addch(out, '"'); break;
            case '\\': strbuf_addch(out, '\\'); break;
            case 'u':
            case 'U':
              {
                int n = e == 'u' ? 4 : 8;
                unsigned long cp = 0;
                for (int i = 0; i < n; i++)
                  {
                    if (ps->p >= ps->end || !isxdigit((unsigned char) *ps->p))
                      return perr(ps, err, "invalid unicode escape in string");
                    char h = *ps->p++;
                    cp = cp * 16 + (unsigned long) (isdigit((unsigned char) h) ? h - '0' : (tolower(h) - 'a' + 10));
                  }
                if (cp == 0 || cp > 0x10FFFF)
                  return perr(ps, err, "invalid unicode escape in string");
                add_utf8(out, cp);
                break;
              }
            default:
              return perr(ps, err, "invalid escape in string");
            }
        }
      else
        strbuf_addch(out, c);
    }
  if (ps->p >= ps->end)
    return perr(ps, err, "unterminated string");
  ps->p++;
  return 0;
}

static bool bare_key_char(char c)
{
  return isalnum((unsigned char) c) || c == '-' || c == '_';
}

/* A key: bare or quoted, dotted parts joined with '.'. */
static int parse_key(struct parser *ps, struct strbuf *out, lp_error_t *err)
{
  for (;;)
    {
      skip_ws(ps);
      if (ps->p < ps->end && (*ps->p == '"' || *ps->p == '\''))
        {
          if (parse_string(ps, out, err) < 0)
            return -1;
        }
      else
        {
          const char *s = ps->p;
          while (ps->p < ps->end && bare_key_char(*ps->p))
            ps->p++;
          if (ps->p == s)
            return perr(ps, err, "expected a key");
          strbuf_add(out, s, (size_t) (ps->p - s));
        }
      skip_ws(ps);
      if (ps->p < ps->end && *ps->p == '.')
        {
          ps->p++;
          strbuf_addch(out, '.');
          continue;
        }
      return 0;
    }
}

static void free_items(struct lp_toml_value *v)
{
  for (size_t i = 0; i < v->nitems; i++)
    free(v->items[i]);
  free(v->items);
  v->items = NULL;
  v->nitems = 0;
}

static int parse_value(struct parser *ps, struct lp_toml_value *v, struct strbuf *sval, lp_error_t *err)
{
  skip_ws(ps);
  if (ps->p >= ps->end || *ps->p == '\n')
    return perr(ps, err, "missing value");
  char c = *ps->p;
  if (c == '"' || c == '\'')
    {
      v->type = LP_TOML_STRING;
      if (parse_string(ps, sval, err) < 0)
        return -1;
      v->str = sval->buf;
      return 0;
    }
  if ((size_t) (ps->end - ps->p) >= 4 && strncmp(ps->p, "true", 4) == 0
      && (ps->p + 4 == ps->end || !bare_key_char(ps->p[4])))
    {
      v->type = LP_TOML_BOOL;
      v->b = true;
      ps->p += 4;
      return 0;
    }
  if ((size_t) (ps->end - ps->p) >= 5 && strncmp(ps->p, "false", 5) == 0
      && (ps->p + 5 == ps->end || !bare_key_char(ps->p[5])))
    {
      v->type = LP_TOML_BOOL;
      v->b = false;
      ps->p += 5;
      return 0;
    }
  if (c == '[')
    {
      v->type = LP_TOML_ARRAY;
      ps->p++;
      for (;;)
        {
          skip_ws_nl(ps);
          if (ps->p < ps->end && *ps->p == ']')
            {
              ps->p++;
              return 0;
            }
          if (ps->p >= ps->end || (*ps->p != '"' && *ps->p != '\''))
            {
              free_items(v);
              return perr(ps, err, ps->p >= ps->end ? "unterminated array" : "only arrays of strings are supported");
            }
          struct strbuf item = STRBUF_INIT;
          if (parse_string(ps, &item, err) < 0)
            {
              strbuf_release(&item);
              free_items(v);
              return -1;
            }
          v->items = xreallocarray(v->items, v->nitems + 1, sizeof(char *));
          v->items[v->nitems++] = strbuf_detach(&item, NULL);
          skip_ws_nl(ps);
          if (ps->p < ps->end && *ps->p == ',')
            {
              ps->p++;
              continue;
            }
          if (ps->p < ps->end && *ps->p == ']')
            continue;
          free_items(v);
          return perr(ps, err, "expected ',' or ']' in array");
        }
    }
  if (c == '{')
    return perr(ps, err, "inline tables are not supported");
  return perr(ps, err, "unsupported value (expected a string, a boolean or an array of strings)");
}

int lp_toml_parse(const char *filename, const char *text, size_t len, const struct lp_toml_handler *h, void *ctx,
                  lp_error_t *err)
{
  struct parser ps = { filename, text, text + len, 1 };
  if (memchr(text, '\0', len))
    return lp_error(err, 0, "%s: contains a NUL byte", filename);
  while (ps.p < ps.end)
    {
      skip_ws(&ps);
      if (ps.p >= ps.end)
        break;
      char c = *ps.p;
      if (c == '#' || c == '\n' || c == '\r')
        {
          if (end_of_line(&ps, err) < 0)
            return -1;
          continue;
        }
      int line = ps.line;
      struct strbuf key = STRBUF_INIT;
      if (c == '[')
        {
          bool is_array = ps.p + 1 < ps.end && ps.p[1] == '[';
          ps.p += is_array ? 2 : 1;
          if (parse_key(&ps, &key, err) < 0)
            goto fail;
          if (ps.p >= ps.end || *ps.p != ']' || (is_array && (ps.p + 1 >= ps.end || ps.p[1] != ']')))
            {
              perr(&ps, err, "unterminated table header");
              goto fail;
            }
          ps.p += is_array ? 2 : 1;
          if (end_of_line(&ps, err) < 0)
            goto fail;
          if (h->table && h->table(ctx, key.buf, is_array, err) < 0)
            {
              lp_error_wrap(err, "%s:%d", filename, line);
              goto fail;
            }
          strbuf_release(&key);
          continue;
        }
      if (parse_key(&ps, &key, err) < 0)
        goto fail;
      if (ps.p >= ps.end || *ps.p != '=')
        {
          perr(&ps, err, "expected '=' after key");
          goto fail;
        }
      ps.p++;
      struct lp_toml_value v = { 0 };
      struct strbuf sval = STRBUF_INIT;
      if (parse_value(&ps, &v, &sval, err) < 0 || end_of_line(&ps, err) < 0)
        {
          free_items(&v);
          strbuf_release(&sval);
          goto fail;
        }
      int rc = h->keyval ? h->keyval(ctx, key.buf, &v, err) : 0;
      free_items(&v);
      strbuf_release(&sval);
      if (rc < 0)
        {
          lp_error_wrap(err, "%s:%d", filename, line);
          goto fail;
        }
      strbuf_release(&key);
      continue;
    fail:
      strbuf_release(&key);
      return -1;
    }
  return 0;
}
