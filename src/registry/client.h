/*
 * client: talking HTTP to one repository of one registry (libcurl).
 *
 * Contract: a client is bound to an endpoint host ("host[:port]") and a
 * repository path. It speaks HTTPS, verifying certificates against the system
 * bundle plus *.crt files from the certs.d directory of the host (--cert-dir,
 * else ~/.config/containers/certs.d/HOST and /etc/containers/certs.d/HOST);
 * .cert/.key pairs there are used as a client certificate. When `insecure`
 * (registries.conf) or tls_verify is 0, verification is off and a registry
 * that does not speak TLS is retried over plain HTTP. On 401 it follows the
 * WWW-Authenticate challenge: Basic with the credentials, or Bearer with a
 * token fetched from the realm (anonymously, or with basic credentials when
 * there are some), cached per scope, and retries once. Blob GETs follow
 * redirects (custom Authorization headers are not sent to other hosts).
 * A client may be used by several threads at once; each request uses its own
 * curl handle.
 *
 * Failures: a request that receives nothing for LILIPOD_PULL_STALL_TIMEOUT
 * seconds (default 60; also caps the 30 s connect timeout) fails as stalled.
 * The client retries nothing itself but says what a retry may cure: errors
 * from a broken, reset, stalled or timed-out connection, a 5xx status or a
 * 429 carry errnum EAGAIN (without ": strerror" in the message); the caller
 * decides whether and when to try again (pull.c, with --retry/--retry-delay).
 */
#ifndef LILIPOD_REGISTRY_CLIENT_H
#define LILIPOD_REGISTRY_CLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "auth.h"
#include "../util/error.h"
#include "../util/strbuf.h"

struct lp_registry_opts
{
  int tls_verify;        /* -1: as registries.conf says, 0: off (and HTTP allowed), 1: on */
  const char *cert_dir;  /* --cert-dir, or NULL */
  const char *authfile;  /* --authfile, or NULL */
  const char *creds;     /* --creds "user:pass", or NULL */
  const char *platform_os, *platform_arch, *platform_variant; /* NULL: host */
  int retries;           /* --retry: transfer attempts after the first (default 3) */
  unsigned retry_delay_ms;
  int max_parallel;      /* layer downloads at once */
  bool quiet;
};

struct lp_client;

struct lp_response
{
  long status;
  char *content_type;
  char *docker_digest; /* Docker-Content-Digest */
  char *www_authenticate;
  char *status_text; /* "500 Internal Server Error", from the status line */
  struct strbuf body;
};
void lp_response_free(struct lp_response *r);

/* Sink for streamed bodies: return 0 to go on, -1 (with err set) to stop. */
typedef int (*lp_sink_fn)(void *ctx, const void *buf, size_t len, lp_error_t *err);

/* creds (may be NULL) are copied; insecure is registries.conf's flag. */
int lp_client_new(const char *host, const char *repo, bool insecure, const struct lp_registry_opts *opts,
                  const struct lp_creds *creds, struct lp_client **out, lp_error_t *err);
void lp_client_free(struct lp_client *c);
const char *lp_client_host(const struct lp_client *c);
const char *lp_client_repo(const struct lp_client *c);

/* GET /v2/ with authentication: used by login to check credentials. */
int lp_client_ping(struct lp_client *c, lp_error_t *err);
/* GET a small document under /v2/REPO/ (e.g. "manifests/latest"), body
 * buffered up to max_body bytes. Non-2xx statuses are errors carrying the
 * registry's error message. */
int lp_client_get(struct lp_client *c, const char *what, const char *accept, size_t max_body, struct lp_response *out,
                  lp_error_t *err);
/* GET blobs/DIGEST from byte offset, streaming the body into sink. *received
 * (may be NULL) is increased by the bytes delivered, so a caller can resume.
 * A registry that ignores the Range header (200 instead of 206) is fine: the
 * first offset bytes of its answer are dropped. */
int lp_client_get_blob(struct lp_client *c, const char *digest, uint64_t offset, lp_sink_fn sink, void *ctx,
                       uint64_t *received, lp_error_t *err);

/* One-time libcurl setup; call before threads start. */
void lp_client_global_init(void);

#endif
