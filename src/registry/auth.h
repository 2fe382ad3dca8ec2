/*
 * auth: registry credentials (Podman's auth.json) and WWW-Authenticate parsing.
 *
 * Contract: credentials are looked up, first match wins, in --authfile (only
 * it, when given), else $REGISTRY_AUTH_FILE (only it), else
 * $XDG_RUNTIME_DIR/containers/auth.json, $XDG_CONFIG_HOME (default ~/.config)/containers/auth.json,
 * ~/.docker/config.json. Within a file the most specific key wins:
 * "host/ns/repo", then "host/ns", then "host" (also "https://host/v1/" style
 * legacy keys). The format is {"auths":{"KEY":{"auth":"base64(user:pass)"}}};
 * writing keeps every other key and entry of the file, atomically, mode 0600.
 */
#ifndef LILIPOD_REGISTRY_AUTH_H
#define LILIPOD_REGISTRY_AUTH_H

#include <stddef.h>

#include "../util/error.h"

struct lp_creds
{
  char *user;
  char *pass;
};
void lp_creds_free(struct lp_creds *c);
/* "user:pass" (the password may contain ':'; an empty one is allowed). */
int lp_creds_parse(const char *s, struct lp_creds *out, lp_error_t *err);

/* The file `login` writes to and `logout` removes from. New string. */
char *lp_auth_default_file(lp_error_t *err);

/* Look up credentials for "host/path" (path may be NULL). Returns 1 and fills
 * out when found, 0 when not, -1 on a malformed file. authfile may be NULL. */
int lp_auth_lookup(const char *authfile, const char *host, const char *path, struct lp_creds *out, lp_error_t *err);
/* Same, in one given file; a missing file is "not found". */
int lp_auth_lookup_file(const char *file, const char *host, const char *path, struct lp_creds *out, lp_error_t *err);

int lp_auth_store(const char *file, const char *key, const struct lp_creds *c, lp_error_t *err);
/* Returns 1 if removed, 0 if there was nothing for key. */
int lp_auth_remove(const char *file, const char *key, lp_error_t *err);
int lp_auth_remove_all(const char *file, lp_error_t *err);

/* A parsed WWW-Authenticate challenge. */
struct lp_challenge
{
  char *scheme; /* lowercased: "basic", "bearer" */
  char *realm, *service, *scope;
};
int lp_challenge_parse(const char *header, struct lp_challenge *out, lp_error_t *err);
void lp_challenge_free(struct lp_challenge *c);

/* base64 of "user:pass". New string. */
char *lp_auth_basic_token(const struct lp_creds *c);

#endif
