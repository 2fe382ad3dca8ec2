/* Pull: resolve, fetch manifest and config, stream layers into the store. */
#include "pull.h"
#include "../util/progress.h"
#include "digest.h"
#include "manifest.h"
#include "reference.h"
#include "registries_conf.h"
#include "store/store.h"
#include "../util/fault.h"
#include "../util/fsutil.h"
#include "../util/log.h"
#include "../util/strbuf.h"
#include "../util/xalloc.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

#define OUT_CHUNK (128 * 1024)
/* Bytes of a blob one attempt must bring to earn its retries back. */
#define RETRY_PROGRESS (1024 * 1024)

int lp_pull_default_parallel(void)
{
  const char *e = getenv("LILIPOD_MAX_PARALLEL_DOWNLOADS");
  if (e && *e)
    {
      char *end;
      long n = strtol(e, &end, 10);
      if (*end == '\0' && n >= 1 && n <= 64)
        return (int) n;
      lp_warn("ignoring LILIPOD_MAX_PARALLEL_DOWNLOADS=%s: expected 1..64", e);
    }
  return 3;
}

void lp_pull_endpoint(const char *domain, const char *path, const char *prefix, const char *location, char **host,
                      char **repo)
{
  cleanup_free char *name = xasprintf("%s/%s", domain, path);
  cleanup_free char *full = NULL;
  if (prefix && location && prefix[0] != '*' && strncmp(name, prefix, strlen(prefix)) == 0)
    full = xasprintf("%s%s", location, name + strlen(prefix));
  else if (prefix && location && prefix[0] == '*')
    full = xasprintf("%s/%s", location, path); /* wildcard entries map the host only */
  else
    full = xstrdup(name);
  char *slash = strchr(full, '/');
  if (!slash)
    {
      *host = xstrdup(full);
      *repo = xstrdup("");
    }
  else
    {
      *host = xstrndup(full, (size_t) (slash - full));
      *repo = xstrdup(slash + 1);
    }
  if (strcmp(*host, "docker.io") == 0)
    {
      free(*host);
      *host = xstrdup("registry-1.docker.io");
    }
}

static void say(const struct lp_registry_opts *o, FILE *progress, const char *fmt, ...)
  __attribute__((format(printf, 3, 4)));
static void say(const struct lp_registry_opts *o, FILE *progress, const char *fmt, ...)
{
  if (!progress || o->quiet)
    return;
  va_list ap;
  va_start(ap, fmt);
  flockfile(progress);
  vfprintf(progress, fmt, ap);
  fputc('\n', progress);
  funlockfile(progress);
  fflush(progress);
  va_end(ap);
}

static const char *short_digest(const char *d)
{
  static __thread char buf[13];
  const char *hex = strchr(d, ':');
  hex = hex ? hex + 1 : d;
  snprintf(buf, sizeof(buf), "%.12s", hex);
  return buf;
}

static void sleep_ms(unsigned ms)
{
  struct timespec ts = { ms / 1000, (long) (ms % 1000) * 1000000L };
  while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
    ;
}

/* ms as Go prints a time.Duration: "100ms", "1s", "1.5s", "1m30s", "1h0m0s". */
static void go_duration(unsigned ms, char *buf, size_t size)
{
  if (ms < 1000)
    {
      snprintf(buf, size, ms ? "%ums" : "0s", ms);
      return;
    }
  unsigned h = ms / 3600000, m = ms / 60000 % 60, sec = ms / 1000 % 60, frac = ms % 1000;
  char secs[16];
  if (frac)
    {
      snprintf(secs, sizeof secs, "%u.%03u", sec, frac);
      for (char *e = secs + strlen(secs) - 1; *e == '0'; e--)
        *e = '\0';
    }
  else
    snprintf(secs, sizeof secs, "%u", sec);
  if (h)
    snprintf(buf, size, "%uh%um%ss", h, m, secs);
  else if (m)
    snprintf(buf, size, "%um%ss", m, secs);
  else
    snprintf(buf, size, "%ss", secs);
}

/* Podman's line for a failure that will be tried again. */
static void warn_retry(const struct lp_registry_opts *o, int attempt, const lp_error_t e)
{
  char delay[48];
  go_duration(o->retry_delay_ms, delay, sizeof delay);
  lp_warn("Failed, retrying in %s ... (%d/%d). Error: %s", delay, attempt + 1, o->retries, e->msg);
}

/* A failure another attempt may cure (client.h: errnum EAGAIN). */
static bool retryable(const lp_error_t e)
{
  return e && e->errnum == EAGAIN;
}

/* lp_client_get, tried again (--retry times, --retry-delay apart) while it
 * fails in a way a retry may cure; the error says `what` was being read. */
static int get_retrying(struct lp_client *c, const struct lp_registry_opts *o, const char *path, const char *accept,
                        size_t max_body, struct lp_response *resp, const char *what, lp_error_t *err)
{
  for (int attempt = 0;; attempt++)
    {
      lp_error_t terr = NULL;
      if (lp_client_get(c, path, accept, max_body, resp, &terr) == 0)
        return 0;
      lp_error_wrap(&terr, "%s", what);
      if (!retryable(terr) || attempt >= o->retries)
        {
          *err = terr;
          return -1;
        }
      warn_retry(o, attempt, terr);
      lp_error_free(&terr);
      lp_response_free(resp);
      sleep_ms(o->retry_delay_ms);
    }
}

/* ---- one layer ------------------------------------------------------------ */

struct layer_job
{
  const struct lp_descriptor *desc;
  const char *diff_id;
  enum lp_compression comp;
  bool skipped;
  lp_error_t err;
  struct lp_progress *bars; /* NULL unless stderr is a terminal */
  int bar;
};

struct layer_sink
{
  struct layer_job *job;
  struct lp_layer_writer *w;
  struct lp_sha256 sha;
  uint64_t size;
  z_stream z;
  bool z_init, z_end;
  ZSTD_DCtx *zd;
  bool zstd_end;
  unsigned char *out;
  lp_error_t write_err; /* decompress/store failure: keep hashing, report later */
  bool fatal;           /* over-size: stop the transfer */
};

static int feed_writer(struct layer_sink *ls, const void *buf, size_t len)
{
  if (ls->write_err || len == 0)
    return 0;
  if (lp_layer_write(ls->w, buf, len, &ls->write_err) < 0)
    return -1;
  return 0;
}

static int decompress(struct layer_sink *ls, const void *buf, size_t len)
{
  if (ls->write_err)
    return 0;
  switch (ls->job->comp)
    {
    case LP_COMP_NONE:
      return feed_writer(ls, buf, len);
    case LP_COMP_GZIP:
      ls->z.next_in = (Bytef *) buf;
      ls->z.avail_in = (uInt) len;
      while (ls->z.avail_in > 0)
        {
          if (ls->z_end)
            {
              /* Another gzip member follows (concatenated gzip is valid). */
              inflateReset(&ls->z);
              ls->z_end = false;
            }
          ls->z.next_out = ls->out;
          ls->z.avail_out = OUT_CHUNK;
          int rc = inflate(&ls->z, Z_NO_FLUSH);
          if (rc != Z_OK && rc != Z_STREAM_END && rc != Z_BUF_ERROR)
            {
              lp_error(&ls->write_err, 0, "decompress layer %s: %s", ls->job->desc->digest,
                       ls->z.msg ? ls->z.msg : "invalid gzip data");
              return -1;
            }
          if (feed_writer(ls, ls->out, OUT_CHUNK - ls->z.avail_out) < 0)
            return -1;
          if (rc == Z_STREAM_END)
            ls->z_end = true;
          else if (rc == Z_BUF_ERROR && ls->z.avail_in > 0 && ls->z.avail_out > 0)
            {
              lp_error(&ls->write_err, 0, "decompress layer %s: gzip stream stuck", ls->job->desc->digest);
              return -1;
            }
        }
      return 0;
    case LP_COMP_ZSTD:
      {
        ZSTD_inBuffer in = { buf, len, 0 };
        while (in.pos < in.size)
          {
            ZSTD_outBuffer out = { ls->out, OUT_CHUNK, 0 };
            size_t rc = ZSTD_decompressStream(ls->zd, &out, &in);
            if (ZSTD_isError(rc))
              {
                lp_error(&ls->write_err, 0, "decompress layer %s: %s", ls->job->desc->digest, ZSTD_getErrorName(rc));
                return -1;
              }
            if (feed_writer(ls, ls->out, out.pos) < 0)
              return -1;
            ls->zstd_end = rc == 0;
          }
        return 0;
      }
    }
  return 0;
}

static int layer_sink_fn(void *ctx, const void *buf, size_t len, lp_error_t *err)
{
  struct layer_sink *ls = ctx;
  if (ls->size + len > (uint64_t) ls->job->desc->size)
    {
      ls->fatal = true;
      return lp_error(err, 0, "blob %s is larger than the %lld bytes its manifest says", ls->job->desc->digest,
                      (long long) ls->job->desc->size);
    }
  uint64_t half = (uint64_t) ls->job->desc->size / 2;
  if (ls->size < half && ls->size + len >= half)
    lp_fault("pull.mid-blob");
  ls->size += len;
  lp_progress_set(ls->job->bars, ls->job->bar, ls->size);
  lp_sha256_update(&ls->sha, buf, len);
  decompress(ls, buf, len);
  return 0;
}

/* After the last byte: flush the decompressor and check it saw a complete stream. */
static void finish_decompress(struct layer_sink *ls)
{
  if (ls->write_err)
    return;
  if (ls->job->comp == LP_COMP_GZIP && !ls->z_end)
    lp_error(&ls->write_err, 0, "decompress layer %s: unexpected end of gzip data", ls->job->desc->digest);
  else if (ls->job->comp == LP_COMP_ZSTD && !ls->zstd_end)
    lp_error(&ls->write_err, 0, "decompress layer %s: unexpected end of zstd data", ls->job->desc->digest);
}

static int fetch_layer(struct lp_client *c, struct lp_store *store, const struct lp_registry_opts *o,
                       struct layer_job *job, lp_error_t *err)
{
  struct layer_sink ls = { .job = job };
  int rc = -1;
  if (lp_layer_begin(store, job->diff_id, &ls.w, err) < 0)
    return -1;
  lp_sha256_init(&ls.sha);
  ls.out = xmalloc(OUT_CHUNK);
  if (job->comp == LP_COMP_GZIP)
    {
      if (inflateInit2(&ls.z, 15 + 32) != Z_OK)
        {
          lp_error(err, ENOMEM, "inflateInit2");
          goto out;
        }
      ls.z_init = true;
    }
  else if (job->comp == LP_COMP_ZSTD)
    ls.zd = ZSTD_createDCtx();

  for (int attempt = 0;; attempt++)
    {
      lp_error_t terr = NULL;
      uint64_t before = ls.size;
      if (lp_client_get_blob(c, job->desc->digest, ls.size, layer_sink_fn, &ls, NULL, &terr) == 0)
        break;
      /* Broken after the last byte: a Range retry would get 416. The digest
       * check below decides. */
      if (!ls.fatal && job->desc->size > 0 && ls.size == (uint64_t)job->desc->size)
        {
          lp_error_free(&terr);
          break;
        }
      if (ls.fatal || !retryable(terr) || attempt >= o->retries)
        {
          *err = terr;
          goto out;
        }
      lp_error_wrap(&terr, "copying blob %s", job->desc->digest);
      warn_retry(o, attempt, terr);
      lp_error_free(&terr);
      /* Progress resets the budget: a slow but moving transfer is not
       * failing. It must be real progress, or a registry that sends a little
       * and stalls every time would be retried for as long as the blob lasts. */
      if (ls.size - before >= RETRY_PROGRESS)
        attempt = -1;
      sleep_ms(o->retry_delay_ms);
    }
  char got[72];
  lp_sha256_final(&ls.sha, got);
  if (ls.size != (uint64_t) job->desc->size)
    {
      lp_error(err, 0, "blob %s: got %llu bytes, expected %lld", job->desc->digest, (unsigned long long) ls.size,
               (long long) job->desc->size);
      goto out;
    }
  if (strcmp(got, job->desc->digest) != 0)
    {
      lp_error(err, 0, "Digest did not match, expected %s, got %s", job->desc->digest, got);
      goto out;
    }
  finish_decompress(&ls);
  if (ls.write_err)
    {
      *err = ls.write_err;
      ls.write_err = NULL;
      goto out;
    }
  rc = lp_layer_commit(ls.w, err);
  ls.w = NULL;
  if (rc == 0)
    lp_fault("pull.after-layer-commit");
out:
  if (rc < 0)
    {
      lp_sha256_free(&ls.sha); /* harmless after final */
      if (ls.w)
        lp_layer_abort(ls.w);
    }
  lp_error_free(&ls.write_err);
  if (ls.z_init)
    inflateEnd(&ls.z);
  if (ls.zd)
    ZSTD_freeDCtx(ls.zd);
  free(ls.out);
  if (rc < 0)
    lp_error_wrap(err, "copying blob %s", job->desc->digest);
  return rc;
}

struct pool
{
  pthread_mutex_t lock;
  size_t next, n;
  struct layer_job *jobs;
  struct lp_client *client;
  const struct lp_registry_opts *opts;
  const char *home;
  FILE *progress;
  bool failed;
};

static void *worker(void *arg)
{
  struct pool *p = arg;
  struct lp_store *store = NULL;
  lp_error_t err = NULL;
  if (lp_store_open(p->home, &store, &err) < 0)
    {
      pthread_mutex_lock(&p->lock);
      if (p->next < p->n)
        p->jobs[p->next++].err = err;
      else
        lp_error_free(&err);
      p->failed = true;
      pthread_mutex_unlock(&p->lock);
      return NULL;
    }
  for (;;)
    {
      pthread_mutex_lock(&p->lock);
      if (p->failed || p->next >= p->n)
        {
          pthread_mutex_unlock(&p->lock);
          break;
        }
      struct layer_job *job = &p->jobs[p->next++];
      pthread_mutex_unlock(&p->lock);
      if (job->skipped)
        continue;
      if (fetch_layer(p->client, store, p->opts, job, &job->err) < 0)
        {
          pthread_mutex_lock(&p->lock);
          p->failed = true;
          pthread_mutex_unlock(&p->lock);
          break;
        }
      if (job->bars)
        lp_progress_finish(job->bars, job->bar, "done");
      else
        say(p->opts, p->progress, "Copying blob %s done", short_digest(job->desc->digest));
    }
  lp_store_close(store);
  return NULL;
}

static int fetch_layers(struct lp_client *c, const struct lp_registry_opts *o, const char *home, FILE *progress,
                        struct layer_job *jobs, size_t n, lp_error_t *err)
{
  struct pool p = { .n = n, .jobs = jobs, .client = c, .opts = o, .home = home, .progress = progress };
  size_t todo = 0;
  for (size_t i = 0; i < n; i++)
    todo += !jobs[i].skipped;
  size_t nthreads = (size_t) (o->max_parallel > 0 ? o->max_parallel : 3);
  if (nthreads > todo)
    nthreads = todo;
  pthread_mutex_init(&p.lock, NULL);
  pthread_t *tids = xcalloc(nthreads ? nthreads : 1, sizeof(pthread_t));
  size_t started = 0;
  for (; started < nthreads; started++)
    if ((errno = pthread_create(&tids[started], NULL, worker, &p)) != 0)
      {
        if (started == 0)
          {
            free(tids);
            pthread_mutex_destroy(&p.lock);
            return lp_error(err, errno, "start a download thread");
          }
        break;
      }
  for (size_t i = 0; i < started; i++)
    pthread_join(tids[i], NULL);
  free(tids);
  pthread_mutex_destroy(&p.lock);
  int rc = 0;
  for (size_t i = 0; i < n; i++)
    if (jobs[i].err)
      {
        if (rc == 0)
          {
            *err = jobs[i].err;
            jobs[i].err = NULL;
            rc = -1;
          }
        else
          lp_error_free(&jobs[i].err);
      }
  return rc;
}

/* ---- one image from one endpoint --------------------------------------- */

static int get_manifest(struct lp_client *c, const struct lp_registry_opts *o, const char *ref_part,
                        const char *want_digest, struct lp_response *resp, char digest[72], lp_error_t *err)
{
  cleanup_free char *path = xasprintf("manifests/%s", ref_part);
  cleanup_free char *what
    = xasprintf("reading manifest %s in %s/%s", ref_part, lp_client_host(c), lp_client_repo(c));
  if (get_retrying(c, o, path, LP_MANIFEST_ACCEPT, LP_MANIFEST_MAX_SIZE, resp, what, err) < 0)
    return -1;
  lp_sha256_digest(resp->body.buf, resp->body.len, digest);
  if (want_digest && strcmp(digest, want_digest) != 0)
    return lp_error(err, 0, "manifest digest mismatch: expected %s, got %s", want_digest, digest);
  return 0;
}

struct target
{
  char *display;    /* "docker.io/library/busybox:latest" as the user sees it */
  char *name;       /* store name "domain/path:tag", or NULL for digest pulls */
  char *name_repo;  /* "domain/path" */
  const char *tag;
  const char *digest;
};

static int pull_from(const struct target *t, const char *host, const char *repo, bool insecure,
                     const struct lp_registry_opts *o, const char *home, FILE *progress, char **image_id,
                     lp_error_t *err)
{
  struct lp_client *c = NULL;
  struct lp_creds creds = { 0 };
  struct lp_response mresp = { 0 }, iresp = { 0 }, cresp = { 0 };
  struct lp_manifest top = { 0 }, img = { 0 };
  struct layer_job *jobs = NULL;
  char **diff_ids = NULL;
  size_t ndiff = 0;
  cJSON *config = NULL;
  struct lp_store *store = NULL;
  struct lp_progress *bars = o->quiet ? NULL : lp_progress_new(progress);
  int rc = -1;
  char top_digest[72], img_digest[72], cfg_digest[72];

  if (o->creds)
    {
      if (lp_creds_parse(o->creds, &creds, err) < 0)
        goto out;
    }
  else
    {
      /* auth.json is keyed by the host the user named, a mirror by its own. */
      cleanup_free char *hostkey = strcmp(host, "registry-1.docker.io") == 0 ? xstrdup("docker.io") : xstrdup(host);
      if (lp_auth_lookup(o->authfile, hostkey, repo, &creds, err) < 0)
        goto out;
    }
  if (lp_client_new(host, repo, insecure, o, creds.user ? &creds : NULL, &c, err) < 0)
    goto out;

  const char *ref_part = t->digest ? t->digest : t->tag;
  if (get_manifest(c, o, ref_part, t->digest, &mresp, top_digest, err) < 0
      || lp_manifest_parse(mresp.body.buf, mresp.body.len, mresp.content_type, &top, err) < 0)
    {
      lp_error_wrap(err, "initializing source docker://%s", t->display);
      goto out;
    }
  const struct lp_response *manifest_resp = &mresp;
  const struct lp_manifest *m = &top;
  memcpy(img_digest, top_digest, sizeof(img_digest));
  if (top.is_index)
    {
      const struct lp_descriptor *d
        = lp_manifest_select(&top, o->platform_os, o->platform_arch, o->platform_variant, err);
      if (!d)
        {
          lp_error_wrap(err, "choosing an image from manifest list docker://%s", t->display);
          goto out;
        }
      if (get_manifest(c, o, d->digest, d->digest, &iresp, img_digest, err) < 0
          || lp_manifest_parse(iresp.body.buf, iresp.body.len, iresp.content_type, &img, err) < 0)
        {
          lp_error_wrap(err, "initializing source docker://%s", t->display);
          goto out;
        }
      if (img.is_index)
        {
          lp_error(err, 0, "initializing source docker://%s: nested manifest lists are not supported", t->display);
          goto out;
        }
      manifest_resp = &iresp;
      m = &img;
    }
  lp_fault("pull.after-manifest");
  say(o, progress, "Getting image source signatures");

  /* Config: small, verified, and the source of the diff_ids. */
  if (m->config.size > (int64_t) LP_CONFIG_MAX_SIZE)
    {
      lp_error(err, 0, "image config %s is %lld bytes, more than the %u allowed", m->config.digest,
               (long long) m->config.size, LP_CONFIG_MAX_SIZE);
      goto out;
    }
  {
    cleanup_free char *path = xasprintf("blobs/%s", m->config.digest);
    cleanup_free char *what = xasprintf("reading config %s", m->config.digest);
    if (get_retrying(c, o, path, NULL, LP_CONFIG_MAX_SIZE, &cresp, what, err) < 0)
      goto out;
  }
  lp_sha256_digest(cresp.body.buf, cresp.body.len, cfg_digest);
  if (strcmp(cfg_digest, m->config.digest) != 0)
    {
      lp_error(err, 0, "reading config %s: Digest did not match, got %s", m->config.digest, cfg_digest);
      goto out;
    }
  if (cresp.body.len != (size_t) m->config.size)
    {
      lp_error(err, 0, "reading config %s: got %zu bytes, the manifest says %lld", m->config.digest, cresp.body.len,
               (long long) m->config.size);
      goto out;
    }
  lp_fault("pull.after-config");
  config = cJSON_ParseWithLength(cresp.body.buf, cresp.body.len);
  cJSON *rootfs = config ? cJSON_GetObjectItemCaseSensitive(config, "rootfs") : NULL;
  cJSON *ids = rootfs ? cJSON_GetObjectItemCaseSensitive(rootfs, "diff_ids") : NULL;
  if (!cJSON_IsArray(ids))
    {
      lp_error(err, 0, "image config %s has no rootfs.diff_ids", m->config.digest);
      goto out;
    }
  ndiff = (size_t) cJSON_GetArraySize(ids);
  if (ndiff != m->nlayers)
    {
      lp_error(err, 0, "image config %s lists %zu diff_ids but the manifest has %zu layers", m->config.digest, ndiff,
               m->nlayers);
      goto out;
    }
  diff_ids = xcalloc(ndiff + 1, sizeof(char *));
  jobs = xcalloc(ndiff ? ndiff : 1, sizeof(*jobs));
  if (lp_store_open(home, &store, err) < 0)
    goto out;
  for (size_t i = 0; i < ndiff; i++)
    {
      cJSON *e = cJSON_GetArrayItem(ids, (int) i);
      if (!cJSON_IsString(e) || !lp_digest_valid(e->valuestring) || strncmp(e->valuestring, "sha256:", 7) != 0)
        {
          lp_error(err, 0, "image config %s: diff_ids[%zu] is not a sha256 digest", m->config.digest, i);
          goto out;
        }
      diff_ids[i] = xstrdup(e->valuestring);
      jobs[i].desc = &m->layers[i];
      jobs[i].diff_id = diff_ids[i];
      if (lp_layer_compression(m->layers[i].media_type, &jobs[i].comp, err) < 0)
        goto out;
      int has = lp_store_has_layer_err(store, diff_ids[i], err);
      if (has < 0)
        goto out;
      jobs[i].skipped = has == 1;
      if (bars)
        {
          char label[64];
          snprintf(label, sizeof label, "Copying blob %s", short_digest(m->layers[i].digest));
          jobs[i].bars = bars;
          jobs[i].bar = lp_progress_add(bars, label, (uint64_t) m->layers[i].size);
          if (jobs[i].skipped)
            lp_progress_finish(bars, jobs[i].bar, "skipped: already exists");
        }
      else if (jobs[i].skipped)
        say(o, progress, "Copying blob %s skipped: already exists", short_digest(m->layers[i].digest));
    }
  if (fetch_layers(c, o, home, progress, jobs, ndiff, err) < 0)
    goto out;
  lp_progress_free(bars);
  bars = NULL;
  say(o, progress, "Copying config %s done", short_digest(m->config.digest));
  say(o, progress, "Writing manifest to image destination");

  {
    cleanup_free char *id = xasprintf("sha256:%s", cfg_digest + 7);
    cleanup_free char *manifest_json = xstrndup(manifest_resp->body.buf, manifest_resp->body.len);
    cleanup_free char *config_json = xstrndup(cresp.body.buf, cresp.body.len);
    cleanup_free char *repo_digest = xasprintf("%s@%s", t->name_repo, top_digest);
    struct lp_image_new ni = {
      .id = id,
      .manifest_digest = img_digest,
      .manifest_json = manifest_json,
      .config_json = config_json,
      .diff_ids = (const char *const *) diff_ids,
      .nlayers = ndiff,
      .name = t->name,
      .repo_digest = repo_digest,
    };
    if (lp_image_commit(store, &ni, err) < 0)
      goto out;
    lp_fault("pull.after-image-commit");
    say(o, progress, "Storing signatures");
    *image_id = xstrdup(id);
  }
  rc = 0;
out:
  if (store)
    lp_store_close(store);
  cJSON_Delete(config);
  for (size_t i = 0; diff_ids && i < ndiff; i++)
    free(diff_ids[i]);
  free(diff_ids);
  free(jobs);
  lp_progress_free(bars);
  lp_manifest_free(&top);
  lp_manifest_free(&img);
  lp_response_free(&mresp);
  lp_response_free(&iresp);
  lp_response_free(&cresp);
  lp_client_free(c);
  lp_creds_free(&creds);
  return rc;
}

/* One fully qualified reference: through its mirrors, then its own location. */
static int pull_qualified(const struct lp_reference *r, const struct lp_registries_conf *conf,
                          const struct lp_registry_opts *o, const char *home, FILE *progress, char **image_id,
                          lp_error_t *err)
{
  struct target t = { 0 };
  t.display = lp_reference_string(r);
  t.name_repo = lp_reference_name(r);
  t.tag = lp_reference_tag(r);
  t.digest = r->digest;
  t.name = t.tag && !r->digest ? xasprintf("%s:%s", t.name_repo, t.tag) : NULL;
  if (t.tag && r->digest)
    t.name = xasprintf("%s:%s", t.name_repo, t.tag);

  int rc = -1;
  const struct lp_registry_entry *e = lp_registries_conf_find(conf, t.name_repo);
  if (e && e->blocked)
    {
      lp_error(err, 0, "initializing source docker://%s: registry %s is blocked in %s", t.display, e->prefix,
               conf->path ? conf->path : "registries.conf");
      goto out;
    }
  say(o, progress, "Trying to pull %s...", t.display);
  size_t nmirrors = e ? e->nmirrors : 0;
  for (size_t i = 0; i <= nmirrors; i++)
    {
      const char *loc = i < nmirrors ? e->mirrors[i].location : (e ? e->location : NULL);
      bool insecure = i < nmirrors ? e->mirrors[i].insecure : (e ? e->insecure : false);
      cleanup_free char *host = NULL, *repo = NULL;
      lp_pull_endpoint(r->domain, r->path, e ? e->prefix : NULL, loc, &host, &repo);
      lp_error_free(err);
      rc = pull_from(&t, host, repo, insecure, o, home, progress, image_id, err);
      if (rc == 0)
        break;
      if (i < nmirrors)
        lp_debug("mirror %s failed: %s", host, (*err)->msg);
    }
out:
  free(t.display);
  free(t.name);
  free(t.name_repo);
  return rc;
}

int lp_pull(const char *ref, const struct lp_registry_opts *opts, FILE *progress, char **image_id, lp_error_t *err)
{
  struct lp_reference r;
  struct lp_registries_conf conf;
  if (lp_reference_parse(ref, &r, err) < 0)
    return -1;
  if (lp_registries_conf_load(&conf, err) < 0)
    {
      lp_reference_free(&r);
      return -1;
    }
  cleanup_free char *home = lp_home_path(err);
  int rc = -1;
  if (!home)
    goto out;
  if (r.domain)
    rc = pull_qualified(&r, &conf, opts, home, progress, image_id, err);
  else
    {
      size_t n;
      const char *const *search = lp_registries_conf_search(&conf, &n);
      if (n == 0)
        {
          lp_error(err, 0, "short-name \"%s\" did not resolve to an alias and no unqualified-search registries are "
                           "defined in \"%s\"",
                   ref, conf.path ? conf.path : "registries.conf");
          goto out;
        }
      struct strbuf all = STRBUF_INIT;
      for (size_t i = 0; i < n; i++)
        {
          struct lp_reference q;
          lp_reference_qualify(&r, search[i], &q);
          rc = pull_qualified(&q, &conf, opts, home, progress, image_id, err);
          lp_reference_free(&q);
          if (rc == 0)
            break;
          if (n > 1)
            strbuf_addf(&all, "\n * %s", (*err)->msg);
          if (i + 1 < n)
            lp_error_free(err);
        }
      if (rc < 0 && n > 1)
        {
          lp_error_free(err);
          lp_error(err, 0, "%zu errors occurred while pulling:%s", n, all.buf);
        }
      strbuf_release(&all);
    }
out:
  lp_registries_conf_free(&conf);
  lp_reference_free(&r);
  return rc;
}
