/*
 * toml: a strict parser for the TOML subset configuration files here use:
 * comments, `key = value` with bare or quoted keys, basic and literal strings,
 * booleans, arrays of strings (may span lines, trailing comma allowed),
 * `[table]` and `[[array.of.tables]]` headers with dotted names.
 *
 * Contract: the file is read in order and each table header and key/value is
 * handed to the callbacks; anything outside the subset (numbers, dates,
 * inline tables, multi-line strings) is an error "FILE:LINE: what". A callback
 * returning -1 stops the parse with its error, to which "FILE:LINE: " is added.
 */
#ifndef LILIPOD_REGISTRY_TOML_H
#define LILIPOD_REGISTRY_TOML_H

#include <stdbool.h>
#include <stddef.h>

#include "../util/error.h"

enum lp_toml_type
{
  LP_TOML_STRING,
  LP_TOML_BOOL,
  LP_TOML_ARRAY, /* of strings */
};

struct lp_toml_value
{
  enum lp_toml_type type;
  const char *str;
  bool b;
  char **items;
  size_t nitems;
};

struct lp_toml_handler
{
  /* name is "registry.mirror" for [[registry.mirror]]; is_array for [[...]]. */
  int (*table)(void *ctx, const char *name, bool is_array, lp_error_t *err);
  int (*keyval)(void *ctx, const char *key, const struct lp_toml_value *v, lp_error_t *err);
};

int lp_toml_parse(const char *filename, const char *text, size_t len, const struct lp_toml_handler *h, void *ctx,
                  lp_error_t *err);

#endif
