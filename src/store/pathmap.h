/*
 * pathmap: a hash map from byte strings (paths, or parent+name keys) to
 * pointers, with deletion. Keys are copied. Used by layer ingest (the names
 * seen in a layer) and flatten (the tree being built).
 */
#ifndef LILIPOD_STORE_PATHMAP_H
#define LILIPOD_STORE_PATHMAP_H

#include <stddef.h>
#include <stdint.h>

struct lp_pathmap_ent
{
  struct lp_pathmap_ent *next;
  uint64_t hash;
  size_t len;
  void *val;
  char key[];
};

struct lp_pathmap
{
  struct lp_pathmap_ent **buckets;
  size_t nbuckets, n;
};

void lp_pathmap_init(struct lp_pathmap *m);
void lp_pathmap_release(struct lp_pathmap *m);
void *lp_pathmap_get(const struct lp_pathmap *m, const void *key, size_t len);
/* Insert or replace. */
void lp_pathmap_put(struct lp_pathmap *m, const void *key, size_t len, void *val);
/* Remove; returns the old value or NULL. */
void *lp_pathmap_del(struct lp_pathmap *m, const void *key, size_t len);

#endif
