/* auth.json reading and writing, and WWW-Authenticate challenge parsing. */
#include "auth.h"
#include "../util/fsutil.h"
#include "../util/strbuf.h"
#include "../util/xalloc.h"

#include <cjson/cJSON.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <mbedtls/base64.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

void lp_creds_free(struct lp_creds *c)
{
  if (!c)
    return;
  if (c->pass)
    memset(c->pass, 0, strlen(c->pass));
  free(c->user);
  free(c->pass);
  c->user = c->pass = NULL;
}

int lp_creds_parse(const char *s, struct lp_creds *out, lp_error_t *err)
{
  const char *colon = strchr(s, ':');
  if (!colon || colon == s)
    return lp_error(err, 0, "invalid credentials \"%s\": expected USERNAME:PASSWORD", colon == s ? s : "...");
  out->user = xstrndup(s, (size_t) (colon - s));
  out->pass = xstrdup(colon + 1);
  return 0;
}

char *lp_auth_basic_token(const struct lp_creds *c)
{
  cleanup_free char *plain = xasprintf("%s:%s", c->user, c->pass);
  size_t n = strlen(plain), olen = 0;
  char *out = xmalloc(4 * (n / 3 + 1) + 1);
  mbedtls_base64_encode((unsigned char *) out, 4 * (n / 3 + 1) + 1, &olen, (unsigned char *) plain, n);
  out[olen] = '\0';
  memset(plain, 0, n);
  return out;
}

static int decode_auth(const char *b64, struct lp_creds *out, const char *file, const char *key, lp_error_t *err)
{
  size_t n = strlen(b64), olen = 0;
  cleanup_free unsigned char *buf = xmalloc(n + 1);
  if (mbedtls_base64_decode(buf, n + 1, &olen, (const unsigned char *) b64, n) != 0)
    return lp_error(err, 0, "%s: the \"auth\" of \"%s\" is not valid base64", file, key);
  buf[olen] = '\0';
  if (memchr(buf, '\0', olen))
    return lp_error(err, 0, "%s: the \"auth\" of \"%s\" holds a NUL byte", file, key);
  int rc = lp_creds_parse((char *) buf, out, err);
  memset(buf, 0, olen);
  if (rc < 0)
    return lp_error_wrap(err, "%s: entry \"%s\"", file, key);
  return 0;
}

/* Read and parse a JSON auth file; *root NULL when the file does not exist. */
static int read_auth_json(const char *file, cJSON **root, lp_error_t *err)
{
  *root = NULL;
  struct strbuf sb = STRBUF_INIT;
  int fd = open(file, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    {
      if (errno == ENOENT || errno == ENOTDIR)
        return 0;
      return lp_error(err, errno, "open %s", file);
    }
  close(fd);
  if (lp_read_file_at(AT_FDCWD, file, &sb, err) < 0)
    return -1;
  if (sb.len == 0)
    {
      strbuf_release(&sb);
      *root = cJSON_CreateObject();
      return 0;
    }
  *root = cJSON_ParseWithLength(sb.buf, sb.len);
  strbuf_release(&sb);
  if (!*root || !cJSON_IsObject(*root))
    {
      cJSON_Delete(*root);
      *root = NULL;
      return lp_error(err, 0, "%s: not a valid auth file (expected a JSON object)", file);
    }
  return 0;
}

/* "https://index.docker.io/v1/" -> "index.docker.io/v1" -> host-ish key. */
static char *normalize_key(const char *key)
{
  const char *k = key;
  if (strncmp(k, "https://", 8) == 0)
    k += 8;
  else if (strncmp(k, "http://", 7) == 0)
    k += 7;
  char *s = xstrdup(k);
  size_t n = strlen(s);
  while (n > 0 && s[n - 1] == '/')
    s[--n] = '\0';
  /* Legacy Docker keys carry an API path: host/v1, host/v2. */
  char *slash = strchr(s, '/');
  if (slash && (strcmp(slash, "/v1") == 0 || strcmp(slash, "/v2") == 0))
    *slash = '\0';
  if (strcmp(s, "index.docker.io") == 0 || strcmp(s, "registry-1.docker.io") == 0)
    {
      free(s);
      s = xstrdup("docker.io");
    }
  return s;
}

int lp_auth_lookup_file(const char *file, const char *host, const char *path, struct lp_creds *out, lp_error_t *err)
{
  cJSON *root = NULL;
  if (read_auth_json(file, &root, err) < 0)
    return -1;
  if (!root)
    return 0;
  cJSON *auths = cJSON_GetObjectItemCaseSensitive(root, "auths");
  int rc = 0;
  cleanup_free char *full = path ? xasprintf("%s/%s", host, path) : xstrdup(host);
  const cJSON *best = NULL;
  size_t best_len = 0;
  const char *best_key = NULL;
  cJSON *e;
  if (auths && cJSON_IsObject(auths))
    cJSON_ArrayForEach(e, auths)
    {
      cleanup_free char *k = normalize_key(e->string);
      size_t n = strlen(k);
      /* k must be full, or a prefix of it ending at a '/'. */
      if (strncmp(full, k, n) == 0 && (full[n] == '\0' || full[n] == '/') && n >= strlen(host) && n > best_len)
        {
          best = e;
          best_len = n;
          best_key = e->string;
        }
    }
  if (best)
    {
      const cJSON *a = cJSON_GetObjectItemCaseSensitive(best, "auth");
      if (cJSON_IsString(a) && a->valuestring[0])
        rc = decode_auth(a->valuestring, out, file, best_key, err) < 0 ? -1 : 1;
    }
  cJSON_Delete(root);
  return rc;
}

/* $XDG_CONFIG_HOME/containers/auth.json, XDG_CONFIG_HOME defaulting to ~/.config. */
static char *user_auth_file(void)
{
  const char *cfg = getenv("XDG_CONFIG_HOME");
  const char *home = getenv("HOME");
  if (cfg && *cfg)
    return xasprintf("%s/containers/auth.json", cfg);
  if (home && *home)
    return xasprintf("%s/.config/containers/auth.json", home);
  return NULL;
}

int lp_auth_lookup(const char *authfile, const char *host, const char *path, struct lp_creds *out, lp_error_t *err)
{
  if (authfile && *authfile)
    return lp_auth_lookup_file(authfile, host, path, out, err);
  const char *env = getenv("REGISTRY_AUTH_FILE");
  if (env && *env)
    return lp_auth_lookup_file(env, host, path, out, err);
  const char *xdg = getenv("XDG_RUNTIME_DIR");
  const char *home = getenv("HOME");
  char *files[3] = { NULL, NULL, NULL };
  if (xdg && *xdg)
    files[0] = xasprintf("%s/containers/auth.json", xdg);
  files[1] = user_auth_file();
  if (home && *home)
    files[2] = xasprintf("%s/.docker/config.json", home);
  int rc = 0;
  for (int i = 0; i < 3 && rc == 0; i++)
    if (files[i])
      rc = lp_auth_lookup_file(files[i], host, path, out, err);
  for (int i = 0; i < 3; i++)
    free(files[i]);
  return rc;
}

char *lp_auth_default_file(lp_error_t *err)
{
  const char *env = getenv("REGISTRY_AUTH_FILE");
  if (env && *env)
    return xstrdup(env);
  const char *xdg = getenv("XDG_RUNTIME_DIR");
  if (xdg && *xdg)
    return xasprintf("%s/containers/auth.json", xdg);
  char *f = user_auth_file();
  if (!f)
    lp_error(err, 0, "neither XDG_RUNTIME_DIR nor HOME is set: cannot find the auth file");
  return f;
}

static int write_auth_json(const char *file, cJSON *root, lp_error_t *err)
{
  cleanup_free char *dir = xstrdup(file);
  char *slash = strrchr(dir, '/');
  if (slash && slash != dir)
    {
      *slash = '\0';
      if (lp_mkdir_p_at(AT_FDCWD, dir, 0700, err) < 0)
        return -1;
    }
  char *text = cJSON_Print(root);
  if (!text)
    return lp_error(err, ENOMEM, "serialize %s", file);
  struct strbuf sb = STRBUF_INIT;
  strbuf_adds(&sb, text);
  strbuf_addch(&sb, '\n');
  cJSON_free(text);
  int rc = lp_write_file_at(AT_FDCWD, file, sb.buf, sb.len, 0600, 1, err);
  strbuf_release(&sb);
  return rc;
}

int lp_auth_store(const char *file, const char *key, const struct lp_creds *c, lp_error_t *err)
{
  cJSON *root = NULL;
  if (read_auth_json(file, &root, err) < 0)
    return -1;
  if (!root)
    root = cJSON_CreateObject();
  cJSON *auths = cJSON_GetObjectItemCaseSensitive(root, "auths");
  if (auths && !cJSON_IsObject(auths))
    {
      cJSON_Delete(root);
      return lp_error(err, 0, "%s: \"auths\" is not an object", file);
    }
  if (!auths)
    auths = cJSON_AddObjectToObject(root, "auths");
  cJSON_DeleteItemFromObjectCaseSensitive(auths, key);
  cJSON *entry = cJSON_AddObjectToObject(auths, key);
  cleanup_free char *tok = lp_auth_basic_token(c);
  cJSON_AddStringToObject(entry, "auth", tok);
  int rc = write_auth_json(file, root, err);
  cJSON_Delete(root);
  return rc;
}

int lp_auth_remove(const char *file, const char *key, lp_error_t *err)
{
  cJSON *root = NULL;
  if (read_auth_json(file, &root, err) < 0)
    return -1;
  if (!root)
    return 0;
  cJSON *auths = cJSON_GetObjectItemCaseSensitive(root, "auths");
  int rc = 0;
  if (auths && cJSON_GetObjectItemCaseSensitive(auths, key))
    {
      cJSON_DeleteItemFromObjectCaseSensitive(auths, key);
      rc = write_auth_json(file, root, err) < 0 ? -1 : 1;
    }
  cJSON_Delete(root);
  return rc;
}

int lp_auth_remove_all(const char *file, lp_error_t *err)
{
  cJSON *root = NULL;
  if (read_auth_json(file, &root, err) < 0)
    return -1;
  if (!root)
    return 0;
  cJSON_DeleteItemFromObjectCaseSensitive(root, "auths");
  cJSON_AddObjectToObject(root, "auths");
  int rc = write_auth_json(file, root, err);
  cJSON_Delete(root);
  return rc;
}

void lp_challenge_free(struct lp_challenge *c)
{
  free(c->scheme);
  free(c->realm);
  free(c->service);
  free(c->scope);
  memset(c, 0, sizeof(*c));
}

/* RFC 7235: scheme SP param=value ("," param=value)*, values token or quoted. */
int lp_challenge_parse(const char *header, struct lp_challenge *out, lp_error_t *err)
{
  memset(out, 0, sizeof(*out));
  const char *p = header;
  while (*p == ' ' || *p == '\t')
    p++;
  const char *s = p;
  while (*p && *p != ' ' && *p != '\t')
    p++;
  if (p == s)
    return lp_error(err, 0, "empty WWW-Authenticate header");
  out->scheme = xstrndup(s, (size_t) (p - s));
  for (char *c = out->scheme; *c; c++)
    *c = (char) tolower((unsigned char) *c);
  for (;;)
    {
      while (*p == ' ' || *p == '\t' || *p == ',')
        p++;
      if (!*p)
        break;
      s = p;
      while (*p && *p != '=' && *p != ' ' && *p != ',')
        p++;
      if (*p != '=')
        {
          lp_challenge_free(out);
          return lp_error(err, 0, "malformed WWW-Authenticate header \"%s\"", header);
        }
      cleanup_free char *name = xstrndup(s, (size_t) (p - s));
      p++;
      struct strbuf val = STRBUF_INIT;
      if (*p == '"')
        {
          p++;
          while (*p && *p != '"')
            {
              if (*p == '\\' && p[1])
                p++;
              strbuf_addch(&val, *p++);
            }
          if (*p != '"')
            {
              strbuf_release(&val);
              lp_challenge_free(out);
              return lp_error(err, 0, "unterminated quoted string in WWW-Authenticate header \"%s\"", header);
            }
          p++;
        }
      else
        {
          s = p;
          while (*p && *p != ',' && *p != ' ')
            p++;
          strbuf_add(&val, s, (size_t) (p - s));
        }
      char **dst = NULL;
      if (strcasecmp(name, "realm") == 0)
        dst = &out->realm;
      else if (strcasecmp(name, "service") == 0)
        dst = &out->service;
      else if (strcasecmp(name, "scope") == 0)
        dst = &out->scope;
      if (dst)
        {
          free(*dst);
          *dst = strbuf_detach(&val, NULL);
        }
      else
        strbuf_release(&val);
    }
  if (strcmp(out->scheme, "bearer") == 0 && !out->realm)
    {
      lp_challenge_free(out);
      return lp_error(err, 0, "bearer challenge without a realm: \"%s\"", header);
    }
  return 0;
}
