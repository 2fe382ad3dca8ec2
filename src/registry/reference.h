/*
 * reference: image references as Podman (containers/image, docker/distribution)
 * parses them.
 *
 * Contract: lp_reference_parse() accepts `[DOMAIN/]PATH[:TAG][@DIGEST]`. The
 * first component is a domain when it contains `.` or `:`, is `localhost`, or
 * has an uppercase letter; otherwise the reference is unqualified (domain NULL)
 * and the caller resolves it against the search registries. Paths must be
 * lowercase; tags are `[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}`; digests are
 * `algo:hex` (sha256 needs 64 lowercase hex digits). `index.docker.io` reads as
 * `docker.io`, and a one-component docker.io path gets `library/`. Errors say
 * "invalid reference format" as Podman does. Pure: no I/O.
 */
#ifndef LILIPOD_REGISTRY_REFERENCE_H
#define LILIPOD_REGISTRY_REFERENCE_H

#include "../util/error.h"

struct lp_reference
{
  char *domain; /* "docker.io", "127.0.0.1:5000", or NULL if unqualified */
  char *path;   /* "library/busybox" */
  char *tag;    /* NULL when none was given (see lp_reference_tag) */
  char *digest; /* "sha256:...", or NULL */
};

int lp_reference_parse(const char *s, struct lp_reference *out, lp_error_t *err);
void lp_reference_free(struct lp_reference *r);
/* The tag to pull: the given one, "latest" when neither tag nor digest was
 * given, NULL for a digest-only reference. */
const char *lp_reference_tag(const struct lp_reference *r);
/* A copy of r qualified with domain (only if r is unqualified), applying the
 * docker.io `library/` rule. */
void lp_reference_qualify(const struct lp_reference *r, const char *domain, struct lp_reference *out);
/* "domain/path:tag@digest" (parts absent are left out; "latest" is added when
 * neither tag nor digest was given). New string. */
char *lp_reference_string(const struct lp_reference *r);
/* "domain/path" */
char *lp_reference_name(const struct lp_reference *r);
/* Validate a digest string "algo:hex". */
int lp_digest_valid(const char *d);

#endif
