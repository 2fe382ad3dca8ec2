/* Registry HTTP client: TLS setup, auth challenges, buffered and streamed GETs. */
#include "client.h"
#include "../util/fsutil.h"
#include "../util/log.h"
#include "../util/xalloc.h"

#include <cjson/cJSON.h>
#include <ctype.h>
#include <curl/curl.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#define ERROR_BODY_MAX (64 * 1024)
#define TOKEN_BODY_MAX (1024 * 1024)
#define STALL_DEFAULT_S 60L
#define CONNECT_TIMEOUT_S 30L

struct lp_client
{
  char *host, *repo;
  bool verify;       /* verify TLS certificates */
  bool allow_http;   /* fall back to plain HTTP */
  pthread_mutex_t lock; /* guards scheme and auth */
  const char *scheme;
  struct lp_creds creds;
  bool have_creds;
  char *auth_header; /* "Authorization: ..." to send, or NULL */
  char *token_scope; /* the scope auth_header's bearer token was issued for */
  struct strbuf ca; /* PEM bundle (system + certs.d), empty: curl's default */
  char *client_cert, *client_key;
  long stall_s;      /* a transfer that receives nothing this long has failed */
};

/* LILIPOD_PULL_STALL_TIMEOUT: whole seconds, 1..3600 (default 60). */
static long stall_timeout(void)
{
  const char *e = getenv("LILIPOD_PULL_STALL_TIMEOUT");
  if (!e || !*e)
    return STALL_DEFAULT_S;
  char *end;
  long n = strtol(e, &end, 10);
  if (*end == '\0' && n >= 1 && n <= 3600)
    return n;
  lp_warn("ignoring LILIPOD_PULL_STALL_TIMEOUT=%s: expected whole seconds 1..3600", e);
  return STALL_DEFAULT_S;
}

void lp_client_global_init(void)
{
  curl_global_init(CURL_GLOBAL_DEFAULT);
}

void lp_response_free(struct lp_response *r)
{
  free(r->content_type);
  free(r->docker_digest);
  free(r->www_authenticate);
  free(r->status_text);
  strbuf_release(&r->body);
  memset(r, 0, sizeof(*r));
}

const char *lp_client_host(const struct lp_client *c)
{
  return c->host;
}
const char *lp_client_repo(const struct lp_client *c)
{
  return c->repo;
}

static bool has_suffix(const char *s, const char *suf)
{
  size_t n = strlen(s), m = strlen(suf);
  return n >= m && strcmp(s + n - m, suf) == 0;
}

/* Add dir's *.crt to the CA bundle, and note a client cert/key pair. */
static int load_certs_dir(struct lp_client *c, const char *dir, bool *found, lp_error_t *err)
{
  DIR *d = opendir(dir);
  if (!d)
    {
      if (errno == ENOENT || errno == ENOTDIR)
        return 0;
      return lp_error(err, errno, "open certificate directory %s", dir);
    }
  struct dirent *de;
  int rc = 0;
  while ((de = readdir(d)) != NULL)
    {
      if (de->d_name[0] == '.')
        continue;
      cleanup_free char *path = xasprintf("%s/%s", dir, de->d_name);
      if (has_suffix(de->d_name, ".crt"))
        {
          if (lp_read_file_at(AT_FDCWD, path, &c->ca, err) < 0)
            {
              rc = -1;
              break;
            }
          strbuf_addch(&c->ca, '\n');
          *found = true;
        }
      else if (has_suffix(de->d_name, ".cert"))
        {
          free(c->client_cert);
          c->client_cert = xstrdup(path);
          free(c->client_key);
          c->client_key = xasprintf("%.*s.key", (int) (strlen(path) - 5), path);
          if (access(c->client_key, R_OK) != 0)
            {
              rc = lp_error(err, 0, "missing key %s for client certificate %s", c->client_key, path);
              break;
            }
        }
    }
  closedir(d);
  return rc;
}

static int setup_tls(struct lp_client *c, const char *cert_dir, lp_error_t *err)
{
  bool found = false;
  if (cert_dir)
    {
      if (load_certs_dir(c, cert_dir, &found, err) < 0)
        return -1;
    }
  else
    {
      const char *home = getenv("HOME");
      if (home && *home)
        {
          cleanup_free char *d = xasprintf("%s/.config/containers/certs.d/%s", home, c->host);
          if (load_certs_dir(c, d, &found, err) < 0)
            return -1;
        }
      cleanup_free char *d = xasprintf("/etc/containers/certs.d/%s", c->host);
      if (load_certs_dir(c, d, &found, err) < 0)
        return -1;
    }
  if (!found)
    {
      strbuf_reset(&c->ca);
      return 0;
    }
  /* Extra CAs add to the system's, they do not replace them. */
  static const char *const bundles[] = { "/etc/ssl/certs/ca-certificates.crt", "/etc/pki/tls/certs/ca-bundle.crt",
                                         NULL };
  for (int i = 0; bundles[i]; i++)
    if (access(bundles[i], R_OK) == 0)
      {
        lp_error_t ignored = NULL;
        if (lp_read_file_at(AT_FDCWD, bundles[i], &c->ca, &ignored) < 0)
          lp_error_free(&ignored);
        break;
      }
  return 0;
}

int lp_client_new(const char *host, const char *repo, bool insecure, const struct lp_registry_opts *opts,
                  const struct lp_creds *creds, struct lp_client **out, lp_error_t *err)
{
  struct lp_client *c = xzalloc(sizeof(*c));
  c->host = xstrdup(host);
  c->repo = xstrdup(repo ? repo : "");
  bool off = opts && opts->tls_verify == 0;
  c->verify = !(off || (insecure && !(opts && opts->tls_verify == 1)));
  c->allow_http = !c->verify;
  c->scheme = "https";
  c->stall_s = stall_timeout();
  pthread_mutex_init(&c->lock, NULL);
  strbuf_init(&c->ca, 0);
  if (creds && creds->user)
    {
      c->creds.user = xstrdup(creds->user);
      c->creds.pass = xstrdup(creds->pass ? creds->pass : "");
      c->have_creds = true;
    }
  if (setup_tls(c, opts ? opts->cert_dir : NULL, err) < 0)
    {
      lp_client_free(c);
      return -1;
    }
  *out = c;
  return 0;
}

void lp_client_free(struct lp_client *c)
{
  if (!c)
    return;
  free(c->host);
  free(c->repo);
  lp_creds_free(&c->creds);
  free(c->auth_header);
  free(c->token_scope);
  strbuf_release(&c->ca);
  free(c->client_cert);
  free(c->client_key);
  pthread_mutex_destroy(&c->lock);
  free(c);
}

/* Transport-level failure that plain HTTP might cure (server speaks no TLS). */
static bool tls_failure(CURLcode rc)
{
  return rc == CURLE_SSL_CONNECT_ERROR || rc == CURLE_RECV_ERROR || rc == CURLE_GOT_NOTHING
         || rc == CURLE_SEND_ERROR || rc == CURLE_HTTP2;
}

/* A failure another attempt may not meet: the connection broke, stalled or
 * timed out once it was made. Refused or unresolvable hosts are not retried,
 * so that mirrors and search registries that are down fall through quickly. */
static bool transient_failure(CURLcode rc, bool stalled)
{
  return stalled || rc == CURLE_RECV_ERROR || rc == CURLE_SEND_ERROR || rc == CURLE_GOT_NOTHING
         || rc == CURLE_PARTIAL_FILE || rc == CURLE_HTTP2 || rc == CURLE_HTTP2_STREAM;
}

/* ---- one request ------------------------------------------------------- */

struct req
{
  CURL *h;
  struct lp_response *resp;
  size_t max_body;
  bool too_big;
  lp_sink_fn sink;
  void *sink_ctx;
  lp_error_t sink_err;
  uint64_t *received;
  uint64_t offset;
  uint64_t skip; /* bytes of a 200 answer to a Range request still to drop */
  long stall_s;
  struct timespec last_data; /* CLOCK_MONOTONIC: request start, or the last byte received */
  bool stalled;
  CURLcode curl_rc;
};

static void mark_data(struct req *r)
{
  clock_gettime(CLOCK_MONOTONIC, &r->last_data);
}

/* Called by libcurl at least once a second, moving or not: end a transfer
 * that has received nothing for stall_s. (CURLOPT_LOW_SPEED_TIME would
 * average over a window, so a burst then silence took several seconds more
 * than the limit to notice.) */
static int on_progress(void *ud, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal, curl_off_t ulnow)
{
  (void) dltotal, (void) dlnow, (void) ultotal, (void) ulnow;
  struct req *r = ud;
  /* Connecting has its own timeout (CURLOPT_CONNECTTIMEOUT). */
  curl_off_t connected = 0;
  if (curl_easy_getinfo(r->h, CURLINFO_CONNECT_TIME_T, &connected) != CURLE_OK || connected == 0)
    return 0;
  struct timespec now;
  clock_gettime(CLOCK_MONOTONIC, &now);
  double idle = (double) (now.tv_sec - r->last_data.tv_sec) + (double) (now.tv_nsec - r->last_data.tv_nsec) / 1e9;
  if (idle < (double) r->stall_s)
    return 0;
  r->stalled = true;
  return 1;
}

static char *header_value(const char *line, size_t n, const char *name)
{
  size_t k = strlen(name);
  if (n <= k || strncasecmp(line, name, k) != 0 || line[k] != ':')
    return NULL;
  const char *v = line + k + 1, *end = line + n;
  while (v < end && (*v == ' ' || *v == '\t'))
    v++;
  while (end > v && isspace((unsigned char) end[-1]))
    end--;
  return xstrndup(v, (size_t) (end - v));
}

static size_t on_header(char *line, size_t size, size_t n, void *ud)
{
  struct req *r = ud;
  size_t len = size * n;
  mark_data(r);
  char *v;
  if (len >= 5 && strncmp(line, "HTTP/", 5) == 0)
    {
      /* A new response (after a redirect or 100): forget the old headers. */
      free(r->resp->content_type);
      free(r->resp->docker_digest);
      free(r->resp->www_authenticate);
      free(r->resp->status_text);
      r->resp->content_type = r->resp->docker_digest = r->resp->www_authenticate = NULL;
      /* "HTTP/1.1 500 Internal Server Error": keep "500 Internal Server Error". */
      const char *sp = memchr(line, ' ', len);
      const char *end = line + len;
      while (end > line && isspace((unsigned char) end[-1]))
        end--;
      r->resp->status_text = sp && sp + 1 < end ? xstrndup(sp + 1, (size_t) (end - sp - 1)) : NULL;
    }
  else if ((v = header_value(line, len, "Content-Type")))
    {
      free(r->resp->content_type);
      r->resp->content_type = v;
    }
  else if ((v = header_value(line, len, "Docker-Content-Digest")))
    {
      free(r->resp->docker_digest);
      r->resp->docker_digest = v;
    }
  else if ((v = header_value(line, len, "WWW-Authenticate")))
    {
      if (!r->resp->www_authenticate) /* the first challenge is the preferred one */
        r->resp->www_authenticate = v;
      else
        free(v);
    }
  return len;
}

static size_t on_body(char *data, size_t size, size_t n, void *ud)
{
  struct req *r = ud;
  size_t len = size * n;
  mark_data(r);
  long status = 0;
  curl_easy_getinfo(r->h, CURLINFO_RESPONSE_CODE, &status);
  if (status < 200 || status >= 300 || !r->sink)
    {
      size_t max = (status >= 200 && status < 300) ? r->max_body : ERROR_BODY_MAX;
      if (r->resp->body.len + len > max)
        {
          r->too_big = true;
          return 0;
        }
      strbuf_add(&r->resp->body, data, len);
      return len;
    }
  if (r->offset && status == 200)
    {
      /* The registry ignored the Range header: the body starts at 0, so
       * drop what the sink already has. */
      r->skip = r->offset;
      r->offset = 0;
    }
  if (r->skip)
    {
      size_t drop = r->skip < len ? (size_t) r->skip : len;
      r->skip -= drop;
      if (drop == len)
        return len;
      data += drop;
      len -= drop;
      if (r->sink(r->sink_ctx, data, len, &r->sink_err) < 0)
        return 0;
      if (r->received)
        *r->received += len;
      return len + drop;
    }
  if (r->sink(r->sink_ctx, data, len, &r->sink_err) < 0)
    return 0;
  if (r->received)
    *r->received += len;
  return len;
}

static void apply_common(struct lp_client *c, CURL *h)
{
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(h, CURLOPT_USERAGENT, "lilipod/" LILIPOD_VERSION);
  curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, c->stall_s < CONNECT_TIMEOUT_S ? c->stall_s : CONNECT_TIMEOUT_S);
  curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(h, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, c->verify ? 1L : 0L);
  curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, c->verify ? 2L : 0L);
  if (c->ca.len)
    {
      struct curl_blob blob = { c->ca.buf, c->ca.len, CURL_BLOB_COPY };
      curl_easy_setopt(h, CURLOPT_CAINFO_BLOB, &blob);
    }
  if (c->client_cert)
    {
      curl_easy_setopt(h, CURLOPT_SSLCERT, c->client_cert);
      curl_easy_setopt(h, CURLOPT_SSLKEY, c->client_key);
    }
}


/* Perform GET url once. Returns 0 with resp filled (any status), -1 on a
 * transport error. */
static int perform(struct lp_client *c, const char *url, const char *accept, const char *auth, uint64_t offset,
                   bool follow, struct req *r, lp_error_t *err)
{
  CURL *h = curl_easy_init();
  if (!h)
    return lp_error(err, ENOMEM, "curl_easy_init");
  char errbuf[CURL_ERROR_SIZE] = "";
  struct curl_slist *hdrs = NULL;
  r->h = h;
  r->offset = offset;
  r->skip = 0;
  r->curl_rc = CURLE_OK;
  r->stall_s = c->stall_s;
  r->stalled = false;
  mark_data(r);
  apply_common(c, h);
  /* A stalled transfer (nothing received for stall_s, before the headers,
   * between them or in the body) is a failed one, so a registry that stops
   * answering cannot hang a pull (Podman would wait for TCP to give up). */
  curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
  curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, on_progress);
  curl_easy_setopt(h, CURLOPT_XFERINFODATA, r);
  curl_easy_setopt(h, CURLOPT_URL, url);
  curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
  curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt(h, CURLOPT_HEADERDATA, r);
  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
  curl_easy_setopt(h, CURLOPT_WRITEDATA, r);
  curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, follow ? 1L : 0L);
  curl_easy_setopt(h, CURLOPT_MAXREDIRS, 10L);
  if (accept)
    {
      cleanup_free char *a = xasprintf("Accept: %s", accept);
      hdrs = curl_slist_append(hdrs, a);
    }
  if (auth)
    hdrs = curl_slist_append(hdrs, auth);
  if (offset)
    {
      cleanup_free char *range = xasprintf("Range: bytes=%llu-", (unsigned long long) offset);
      hdrs = curl_slist_append(hdrs, range);
    }
  curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdrs);
  CURLcode rc = curl_easy_perform(h);
  curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &r->resp->status);
  curl_slist_free_all(hdrs);
  curl_easy_cleanup(h);
  r->h = NULL;
  r->curl_rc = rc;
  if (r->sink_err)
    {
      *err = r->sink_err;
      r->sink_err = NULL;
      return -1;
    }
  if (r->too_big)
    return lp_error(err, 0, "Get \"%s\": response larger than %zu bytes", url, r->max_body);
  if (rc != CURLE_OK)
    {
      bool stalled = rc == CURLE_ABORTED_BY_CALLBACK && r->stalled;
      if (stalled)
        lp_error(err, 0, "Get \"%s\": the registry stalled: nothing received for %ld second%s "
                         "(LILIPOD_PULL_STALL_TIMEOUT)", url, c->stall_s, c->stall_s == 1 ? "" : "s");
      else
        {
          const char *hint = "";
          if (c->verify && strncmp(url, "https:", 6) == 0 && tls_failure(rc))
            hint = " (if the registry speaks plain HTTP, use --tls-verify=false or mark it insecure in registries.conf)";
          lp_error(err, 0, "Get \"%s\": %s%s", url, errbuf[0] ? errbuf : curl_easy_strerror(rc), hint);
        }
      if (transient_failure(rc, stalled))
        (*err)->errnum = EAGAIN;
      return -1;
    }
  return 0;
}

/* The registry's own error message from a JSON error body, if any. */
static char *registry_message(const struct lp_response *resp)
{
  cJSON *root = cJSON_ParseWithLength(resp->body.buf, resp->body.len);
  char *msg = NULL;
  cJSON *errs = root ? cJSON_GetObjectItemCaseSensitive(root, "errors") : NULL;
  cJSON *first = cJSON_IsArray(errs) ? cJSON_GetArrayItem(errs, 0) : NULL;
  if (first)
    {
      cJSON *m = cJSON_GetObjectItemCaseSensitive(first, "message");
      cJSON *code = cJSON_GetObjectItemCaseSensitive(first, "code");
      if (cJSON_IsString(m) && m->valuestring[0])
        msg = xstrdup(m->valuestring);
      else if (cJSON_IsString(code))
        msg = xstrdup(code->valuestring);
    }
  cJSON_Delete(root);
  return msg;
}

static int fetch_token(struct lp_client *c, const struct lp_challenge *ch, lp_error_t *err)
{
  cleanup_free char *scope = ch->scope ? xstrdup(ch->scope) : (*c->repo ? xasprintf("repository:%s:pull", c->repo) : NULL);
  CURL *h = curl_easy_init();
  if (!h)
    return lp_error(err, ENOMEM, "curl_easy_init");
  struct strbuf url = STRBUF_INIT;
  strbuf_adds(&url, ch->realm);
  char sep = strchr(ch->realm, '?') ? '&' : '?';
  if (ch->service)
    {
      char *e = curl_easy_escape(h, ch->service, 0);
      strbuf_addf(&url, "%cservice=%s", sep, e);
      curl_free(e);
      sep = '&';
    }
  if (scope)
    {
      char *e = curl_easy_escape(h, scope, 0);
      strbuf_addf(&url, "%cscope=%s", sep, e);
      curl_free(e);
    }
  curl_easy_cleanup(h);

  struct lp_response resp = { 0 };
  strbuf_init(&resp.body, 0);
  struct req r = { .resp = &resp, .max_body = TOKEN_BODY_MAX };
  cleanup_free char *basic = NULL;
  if (c->have_creds)
    {
      cleanup_free char *b64 = lp_auth_basic_token(&c->creds);
      basic = xasprintf("Authorization: Basic %s", b64);
    }
  int rc = -1;
  if (perform(c, url.buf, "application/json", basic, 0, true, &r, err) < 0)
    {
      lp_error_wrap(err, "get a token from %s", ch->realm);
      goto out;
    }
  if (resp.status == 401 || resp.status == 403)
    {
      lp_error(err, 0, "unable to retrieve auth token: invalid username/password: unauthorized");
      goto out;
    }
  if (resp.status != 200)
    {
      lp_error(err, 0, "get a token from %s: HTTP status %ld", ch->realm, resp.status);
      goto out;
    }
  cJSON *root = cJSON_ParseWithLength(resp.body.buf, resp.body.len);
  cJSON *tok = root ? cJSON_GetObjectItemCaseSensitive(root, "token") : NULL;
  if (!cJSON_IsString(tok) || !tok->valuestring[0])
    tok = root ? cJSON_GetObjectItemCaseSensitive(root, "access_token") : NULL;
  if (!cJSON_IsString(tok) || !tok->valuestring[0])
    {
      cJSON_Delete(root);
      lp_error(err, 0, "the token server %s answered without a token", ch->realm);
      goto out;
    }
  free(c->auth_header);
  c->auth_header = xasprintf("Authorization: Bearer %s", tok->valuestring);
  free(c->token_scope);
  c->token_scope = scope ? xstrdup(scope) : NULL;
  cJSON_Delete(root);
  rc = 0;
out:
  lp_response_free(&resp);
  strbuf_release(&url);
  return rc;
}

/* Answer a challenge: set c->auth_header. Called with c->lock held. */
static int authorize(struct lp_client *c, const char *header, const char *old_auth, lp_error_t *err)
{
  /* Another thread may have refreshed the credentials meanwhile. */
  if (c->auth_header && (!old_auth || strcmp(c->auth_header, old_auth) != 0))
    return 0;
  struct lp_challenge ch;
  if (!header)
    return lp_error(err, 0, "authentication required (no WWW-Authenticate challenge)");
  if (lp_challenge_parse(header, &ch, err) < 0)
    return -1;
  int rc;
  if (strcmp(ch.scheme, "basic") == 0)
    {
      if (!c->have_creds || (old_auth && strncmp(old_auth, "Authorization: Basic", 20) == 0))
        rc = lp_error(err, 0, c->have_creds ? "invalid username/password" : "authentication required");
      else
        {
          cleanup_free char *b64 = lp_auth_basic_token(&c->creds);
          free(c->auth_header);
          c->auth_header = xasprintf("Authorization: Basic %s", b64);
          rc = 0;
        }
    }
  else if (strcmp(ch.scheme, "bearer") == 0)
    {
      if (old_auth && strncmp(old_auth, "Authorization: Bearer", 21) == 0 && c->token_scope && ch.scope
          && strcmp(c->token_scope, ch.scope) == 0)
        rc = lp_error(err, 0, "requested access to the resource is denied");
      else
        rc = fetch_token(c, &ch, err);
    }
  else
    rc = lp_error(err, 0, "unsupported authentication scheme \"%s\"", ch.scheme);
  lp_challenge_free(&ch);
  return rc;
}

/* GET path (relative to the registry root) with auth and scheme fallback. */
static int request(struct lp_client *c, const char *path, const char *accept, uint64_t offset, bool follow,
                   struct req *r, lp_error_t *err)
{
  for (int attempt = 0;; attempt++)
    {
      pthread_mutex_lock(&c->lock);
      const char *scheme = c->scheme;
      char *auth = c->auth_header ? xstrdup(c->auth_header) : NULL;
      pthread_mutex_unlock(&c->lock);
      cleanup_free char *url = xasprintf("%s://%s%s", scheme, c->host, path);
      lp_debug("GET %s", url);
      strbuf_reset(&r->resp->body);
      r->too_big = false;
      int rc = perform(c, url, accept, auth, offset, follow, r, err);
      if (rc < 0 && c->allow_http && strcmp(scheme, "https") == 0 && tls_failure(r->curl_rc))
        {
          lp_debug("%s does not speak TLS, trying plain HTTP", c->host);
          lp_error_free(err);
          pthread_mutex_lock(&c->lock);
          c->scheme = "http";
          pthread_mutex_unlock(&c->lock);
          free(auth);
          continue;
        }
      if (rc < 0)
        {
          free(auth);
          return -1;
        }
      if (r->resp->status == 401 && attempt < 2)
        {
          pthread_mutex_lock(&c->lock);
          rc = authorize(c, r->resp->www_authenticate, auth, err);
          pthread_mutex_unlock(&c->lock);
          free(auth);
          if (rc < 0)
            return -1;
          continue;
        }
      free(auth);
      return 0;
    }
}

/* HTTP/2 status lines carry no reason phrase: the usual ones for 5xx. */
static const char *reason_phrase(long status)
{
  switch (status)
    {
    case 500: return "Internal Server Error";
    case 501: return "Not Implemented";
    case 502: return "Bad Gateway";
    case 503: return "Service Unavailable";
    case 504: return "Gateway Timeout";
    default: return NULL;
    }
}

static int status_error(struct lp_client *c, const struct lp_response *resp, lp_error_t *err)
{
  /* Server errors are reported as Podman does, by status only (registries
   * put nothing useful in those bodies), and may pass: retryable, as 429. */
  if (resp->status >= 500)
    {
      const char *reason = reason_phrase(resp->status);
      if (resp->status_text && strchr(resp->status_text, ' '))
        lp_error(err, 0, "received unexpected HTTP status: %s", resp->status_text);
      else
        lp_error(err, 0, "received unexpected HTTP status: %ld%s%s", resp->status, reason ? " " : "",
                 reason ? reason : "");
      (*err)->errnum = EAGAIN;
      return -1;
    }
  cleanup_free char *msg = registry_message(resp);
  if (resp->status == 429)
    {
      lp_error(err, 0, "%s", msg ? msg : "too many requests to registry");
      (*err)->errnum = EAGAIN;
      return -1;
    }
  if (resp->status == 401)
    return lp_error(err, 0, "%s", msg ? msg : "authentication required");
  if (msg)
    return lp_error(err, 0, "%s", msg);
  return lp_error(err, 0, "invalid status code from registry %ld", resp->status);
}

int lp_client_ping(struct lp_client *c, lp_error_t *err)
{
  struct lp_response resp = { 0 };
  strbuf_init(&resp.body, 0);
  struct req r = { .resp = &resp, .max_body = ERROR_BODY_MAX };
  int rc = request(c, "/v2/", "application/json", 0, false, &r, err);
  if (rc == 0 && (resp.status < 200 || resp.status >= 300))
    rc = status_error(c, &resp, err);
  lp_response_free(&resp);
  if (rc < 0)
    lp_error_wrap(err, "pinging container registry %s", c->host);
  return rc;
}

int lp_client_get(struct lp_client *c, const char *what, const char *accept, size_t max_body, struct lp_response *out,
                  lp_error_t *err)
{
  memset(out, 0, sizeof(*out));
  strbuf_init(&out->body, 0);
  struct req r = { .resp = out, .max_body = max_body };
  cleanup_free char *path = xasprintf("/v2/%s/%s", c->repo, what);
  if (request(c, path, accept, 0, true, &r, err) < 0)
    return -1;
  if (out->status < 200 || out->status >= 300)
    return status_error(c, out, err);
  return 0;
}

int lp_client_get_blob(struct lp_client *c, const char *digest, uint64_t offset, lp_sink_fn sink, void *ctx,
                       uint64_t *received, lp_error_t *err)
{
  struct lp_response resp = { 0 };
  strbuf_init(&resp.body, 0);
  struct req r = { .resp = &resp, .sink = sink, .sink_ctx = ctx, .received = received };
  cleanup_free char *path = xasprintf("/v2/%s/blobs/%s", c->repo, digest);
  int rc = request(c, path, NULL, offset, true, &r, err);
  if (rc == 0 && (resp.status < 200 || resp.status >= 300))
    rc = status_error(c, &resp, err);
  lp_response_free(&resp);
  return rc;
}
