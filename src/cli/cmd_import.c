/*
 * lilipod __import-layout DIR REFNAME [NAME]: store one image of an OCI image
 * layout (what `podman load` reads). REFNAME picks the index entry by its
 * org.opencontainers.image.ref.name annotation; NAME is the name to store
 * (default REFNAME; short names go under localhost/). Every blob's sha256 is
 * checked; layers (gzip, zstd or plain tar) are streamed into the store,
 * which checks their diff_ids. Hidden: a loader for tests and fixtures.
 */
#include "commands.h"
#include "image_find.h"
#include "images_cmd.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <mbedtls/sha256.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

#include "../util/fsutil.h"
#include "../util/platform.h"
#include "../util/strbuf.h"
#include "../util/xalloc.h"

#define MAX_JSON_BLOB (4 * 1024 * 1024)

/* "sha256:<64 hex>" -> the hex, or NULL when it is not one. */
static const char *digest_hex(const char *d)
{
  if (d == NULL || strncmp(d, "sha256:", 7) != 0 || strlen(d) != 71)
    return NULL;
  for (const char *p = d + 7; *p; p++)
    if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f')))
      return NULL;
  return d + 7;
}

static int open_blob(int dirfd, const char *digest, lp_error_t *err)
{
  const char *hex = digest_hex(digest);
  if (hex == NULL)
    return lp_error(err, 0, "invalid digest \"%s\"", digest ? digest : "");
  cleanup_free char *path = xasprintf("blobs/sha256/%s", hex);
  int fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return lp_error(err, errno, "open blob %s", digest);
  return fd;
}

static void sha256_hex(const void *data, size_t len, char out[65])
{
  unsigned char sum[32];
  mbedtls_sha256_ret(data, len, sum, 0);
  for (int i = 0; i < 32; i++)
    sprintf(out + 2 * i, "%02x", sum[i]);
}

/* Read a small JSON blob, verify its digest, parse it. */
static cJSON *read_json_blob(int dirfd, const char *digest, struct strbuf *raw, lp_error_t *err)
{
  int fd = open_blob(dirfd, digest, err);
  if (fd < 0)
    return NULL;
  strbuf_reset(raw);
  char buf[65536];
  for (;;)
    {
      ssize_t n = read(fd, buf, sizeof buf);
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        {
          lp_error(err, errno, "read blob %s", digest);
          close(fd);
          return NULL;
        }
      if (n == 0)
        break;
      strbuf_add(raw, buf, (size_t) n);
      if (raw->len > MAX_JSON_BLOB)
        {
          close(fd);
          lp_error(err, 0, "blob %s is too large for JSON", digest);
          return NULL;
        }
    }
  close(fd);
  char hex[65];
  sha256_hex(raw->buf, raw->len, hex);
  if (strcmp(hex, digest_hex(digest)) != 0)
    {
      lp_error(err, 0, "blob %s: content has digest sha256:%s", digest, hex);
      return NULL;
    }
  cJSON *j = cJSON_ParseWithLength(raw->buf, raw->len);
  if (j == NULL)
    lp_error(err, 0, "blob %s is not valid JSON", digest);
  return j;
}

enum compression
{
  COMP_NONE,
  COMP_GZIP,
  COMP_ZSTD,
};

/* Stream one layer blob through decompression into the store, checking the
 * blob's own digest as it goes. */
static int ingest_layer(struct lp_store *s, int dirfd, const char *digest, const char *media_type,
                        const char *diff_id, lp_error_t *err)
{
  enum compression comp = COMP_NONE;
  if (strstr(media_type, "gzip"))
    comp = COMP_GZIP;
  else if (strstr(media_type, "zstd"))
    comp = COMP_ZSTD;
  else if (!strstr(media_type, "tar"))
    return lp_error(err, 0, "layer %s: unsupported media type %s", digest, media_type);

  int fd = open_blob(dirfd, digest, err);
  if (fd < 0)
    return -1;
  struct lp_layer_writer *w = NULL;
  if (lp_layer_begin(s, diff_id, &w, err) < 0)
    {
      close(fd);
      return -1;
    }
  mbedtls_sha256_context sha;
  mbedtls_sha256_init(&sha);
  mbedtls_sha256_starts_ret(&sha, 0);
  z_stream z = { 0 };
  ZSTD_DStream *zs = NULL;
  if (comp == COMP_GZIP && inflateInit2(&z, 16 + MAX_WBITS) != Z_OK)
    {
      lp_error(err, 0, "zlib init failed");
      goto fail;
    }
  if (comp == COMP_ZSTD)
    zs = ZSTD_createDStream();
  static unsigned char in[1 << 16], out[1 << 17];
  bool eof = false;
  while (!eof)
    {
      ssize_t n = read(fd, in, sizeof in);
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        {
          lp_error(err, errno, "read blob %s", digest);
          goto fail;
        }
      eof = n == 0;
      mbedtls_sha256_update_ret(&sha, in, (size_t) n);
      if (comp == COMP_NONE)
        {
          if (n > 0 && lp_layer_write(w, in, (size_t) n, err) < 0)
            goto fail;
        }
      else if (comp == COMP_GZIP && n > 0)
        {
          z.next_in = in;
          z.avail_in = (uInt) n;
          while (z.avail_in > 0)
            {
              z.next_out = out;
              z.avail_out = sizeof out;
              int zr = inflate(&z, Z_NO_FLUSH);
              if (zr != Z_OK && zr != Z_STREAM_END)
                {
                  lp_error(err, 0, "layer %s: bad gzip data", digest);
                  goto fail;
                }
              if (lp_layer_write(w, out, sizeof out - z.avail_out, err) < 0)
                goto fail;
              if (zr == Z_STREAM_END)
                break;
            }
        }
      else if (comp == COMP_ZSTD && n > 0)
        {
          ZSTD_inBuffer ib = { in, (size_t) n, 0 };
          while (ib.pos < ib.size)
            {
              ZSTD_outBuffer ob = { out, sizeof out, 0 };
              size_t zr = ZSTD_decompressStream(zs, &ob, &ib);
              if (ZSTD_isError(zr))
                {
                  lp_error(err, 0, "layer %s: bad zstd data: %s", digest, ZSTD_getErrorName(zr));
                  goto fail;
                }
              if (lp_layer_write(w, out, ob.pos, err) < 0)
                goto fail;
            }
        }
    }
  unsigned char sum[32];
  char hex[65];
  mbedtls_sha256_finish_ret(&sha, sum);
  for (int i = 0; i < 32; i++)
    sprintf(hex + 2 * i, "%02x", sum[i]);
  if (strcmp(hex, digest_hex(digest)) != 0)
    {
      lp_error(err, 0, "blob %s: content has digest sha256:%s", digest, hex);
      goto fail;
    }
  if (comp == COMP_GZIP)
    inflateEnd(&z);
  ZSTD_freeDStream(zs);
  mbedtls_sha256_free(&sha);
  close(fd);
  return lp_layer_commit(w, err);

fail:
  if (comp == COMP_GZIP)
    inflateEnd(&z);
  ZSTD_freeDStream(zs);
  mbedtls_sha256_free(&sha);
  close(fd);
  lp_layer_abort(w);
  return -1;
}

static const char *str(const cJSON *o, const char *k)
{
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
  return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* The index entry named refname; for a nested index, the host's platform. */
static const cJSON *pick(const cJSON *index, const char *refname, bool by_name)
{
  const cJSON *m;
  cJSON_ArrayForEach(m, cJSON_GetObjectItemCaseSensitive(index, "manifests"))
  {
    if (by_name)
      {
        const char *n = str(cJSON_GetObjectItemCaseSensitive(m, "annotations"), "org.opencontainers.image.ref.name");
        if (n && strcmp(n, refname) == 0)
          return m;
      }
    else
      {
        const cJSON *p = cJSON_GetObjectItemCaseSensitive(m, "platform");
        const char *os = str(p, "os"), *arch = str(p, "architecture");
        if (os && arch && strcmp(os, "linux") == 0 && strcmp(arch, lp_host_arch()) == 0)
          return m;
      }
  }
  return NULL;
}

static int import_layout(const char *dir, const char *refname, const char *name, lp_error_t *err)
{
  int status = -1;
  struct lp_store *s = NULL;
  struct strbuf raw = STRBUF_INIT, manifest_raw = STRBUF_INIT, config_raw = STRBUF_INIT;
  cJSON *index = NULL, *nested = NULL, *manifest = NULL, *config = NULL;
  const char **diff_ids = NULL;
  cleanup_free char *full = lp_cli_normalize_name(name, err);
  if (full == NULL)
    return -1;
  int dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dirfd < 0)
    return lp_error(err, errno, "open %s", dir);
  if (lp_read_file_at(dirfd, "index.json", &raw, err) < 0)
    goto out;
  index = cJSON_ParseWithLength(raw.buf, raw.len);
  const cJSON *desc = index ? pick(index, refname, true) : NULL;
  if (desc == NULL)
    {
      lp_error(err, 0, "%s: no image named \"%s\" in index.json", dir, refname);
      goto out;
    }
  const char *mdigest = str(desc, "digest");
  const char *mt = str(desc, "mediaType");
  if (mt && (strstr(mt, "index") || strstr(mt, "manifest.list")))
    {
      nested = read_json_blob(dirfd, mdigest, &manifest_raw, err);
      if (nested == NULL)
        goto out;
      desc = pick(nested, NULL, false);
      if (desc == NULL)
        {
          lp_error(err, 0, "%s: no image for linux/%s", refname, lp_host_arch());
          goto out;
        }
      mdigest = str(desc, "digest");
    }
  if ((manifest = read_json_blob(dirfd, mdigest, &manifest_raw, err)) == NULL)
    goto out;
  const char *cdigest = str(cJSON_GetObjectItemCaseSensitive(manifest, "config"), "digest");
  if ((config = read_json_blob(dirfd, cdigest, &config_raw, err)) == NULL)
    goto out;
  const cJSON *layers = cJSON_GetObjectItemCaseSensitive(manifest, "layers");
  const cJSON *diffs = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(config, "rootfs"), "diff_ids");
  int nl = cJSON_GetArraySize(layers);
  if (!cJSON_IsArray(layers) || !cJSON_IsArray(diffs) || nl != cJSON_GetArraySize(diffs))
    {
      lp_error(err, 0, "%s: manifest layers and config diff_ids disagree", refname);
      goto out;
    }
  if (lp_cli_store_open(&s, err) < 0)
    goto out;
  diff_ids = xcalloc((size_t) nl + 1, sizeof *diff_ids);
  for (int i = 0; i < nl; i++)
    {
      const cJSON *l = cJSON_GetArrayItem(layers, i);
      const cJSON *d = cJSON_GetArrayItem(diffs, i);
      if (!cJSON_IsString(d) || digest_hex(d->valuestring) == NULL)
        {
          lp_error(err, 0, "%s: invalid diff_id", refname);
          goto out;
        }
      diff_ids[i] = d->valuestring;
      int has = lp_store_has_layer_err(s, diff_ids[i], err);
      if (has < 0)
        goto out;
      if (!has && ingest_layer(s, dirfd, str(l, "digest"), str(l, "mediaType") ? str(l, "mediaType") : "",
                               diff_ids[i], err) < 0)
        goto out;
    }
  {
    /* A block of its own: the gotos above must not jump into these cleanups' scope. */
    cleanup_free char *id = xasprintf("%s", cdigest);
    char *colon = strrchr(full, ':');
    char *slash = strrchr(full, '/');
    cleanup_free char *repo = (colon && (!slash || colon > slash)) ? xstrndup(full, (size_t) (colon - full))
                                                                   : xstrdup(full);
    cleanup_free char *repo_digest = xasprintf("%s@%s", repo, mdigest);
    struct lp_image_new img = {
      .id = id,
      .manifest_digest = mdigest,
      .manifest_json = manifest_raw.buf,
      .config_json = config_raw.buf,
      .diff_ids = diff_ids,
      .nlayers = (size_t) nl,
      .name = full,
      .repo_digest = repo_digest,
    };
    if (lp_image_commit(s, &img, err) < 0)
      goto out;
  }
  printf("%s\n", cdigest + 7);
  status = 0;
out:
  free(diff_ids);
  cJSON_Delete(index);
  cJSON_Delete(nested);
  cJSON_Delete(manifest);
  cJSON_Delete(config);
  strbuf_release(&raw);
  strbuf_release(&manifest_raw);
  strbuf_release(&config_raw);
  if (s)
    lp_store_close(s);
  close(dirfd);
  if (status < 0)
    lp_error_wrap(err, "import %s from %s", refname, dir);
  return status;
}

static int run_import(struct lp_args *args)
{
  lp_error_t err = NULL;
  if (import_layout(args->argv[0], args->argv[1], args->argc > 2 ? args->argv[2] : args->argv[1], &err) < 0)
    {
      lp_cli_fail(&err);
      return LP_EXIT_ERROR;
    }
  return LP_EXIT_OK;
}

static const struct lp_option no_options[] = { { NULL } };

const struct lp_command lp_cmd_internal_import_layout = {
  .name = "__import-layout",
  .usage = "OCI_LAYOUT_DIR REFNAME [NAME]",
  .summary = "Store an image of an OCI image layout",
  .options = no_options,
  .flags = LP_CMD_HIDDEN,
  .min_args = 2,
  .max_args = 3,
  .run = run_import,
};
