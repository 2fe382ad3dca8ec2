/* Chained hash map; see pathmap.h. */
#include "store/pathmap.h"

#include "util/xalloc.h"

#include <stdlib.h>
#include <string.h>

static uint64_t hash_bytes(const void *key, size_t len)
{
  const unsigned char *p = key;
  uint64_t h = 1469598103934665603ULL;
  for (size_t i = 0; i < len; i++)
    {
      h ^= p[i];
      h *= 1099511628211ULL;
    }
  return h;
}

void lp_pathmap_init(struct lp_pathmap *m)
{
  m->nbuckets = 64;
  m->n = 0;
  m->buckets = xcalloc(m->nbuckets, sizeof *m->buckets);
}

void lp_pathmap_release(struct lp_pathmap *m)
{
  for (size_t i = 0; i < m->nbuckets; i++)
    for (struct lp_pathmap_ent *e = m->buckets[i], *next; e; e = next)
      {
        next = e->next;
        free(e);
      }
  free(m->buckets);
  m->buckets = NULL;
  m->nbuckets = m->n = 0;
}

static struct lp_pathmap_ent **find(const struct lp_pathmap *m, const void *key, size_t len, uint64_t h)
{
  struct lp_pathmap_ent **pp = &m->buckets[h & (m->nbuckets - 1)];
  for (; *pp; pp = &(*pp)->next)
    if ((*pp)->hash == h && (*pp)->len == len && memcmp((*pp)->key, key, len) == 0)
      return pp;
  return pp;
}

void *lp_pathmap_get(const struct lp_pathmap *m, const void *key, size_t len)
{
  struct lp_pathmap_ent **pp = find(m, key, len, hash_bytes(key, len));
  return *pp ? (*pp)->val : NULL;
}

static void grow(struct lp_pathmap *m)
{
  size_t nb = m->nbuckets * 2;
  struct lp_pathmap_ent **b = xcalloc(nb, sizeof *b);
  for (size_t i = 0; i < m->nbuckets; i++)
    for (struct lp_pathmap_ent *e = m->buckets[i], *next; e; e = next)
      {
        next = e->next;
        e->next = b[e->hash & (nb - 1)];
        b[e->hash & (nb - 1)] = e;
      }
  free(m->buckets);
  m->buckets = b;
  m->nbuckets = nb;
}

void lp_pathmap_put(struct lp_pathmap *m, const void *key, size_t len, void *val)
{
  uint64_t h = hash_bytes(key, len);
  struct lp_pathmap_ent **pp = find(m, key, len, h);
  if (*pp)
    {
      (*pp)->val = val;
      return;
    }
  struct lp_pathmap_ent *e = xmalloc(sizeof *e + len + 1);
  e->hash = h;
  e->len = len;
  e->val = val;
  memcpy(e->key, key, len);
  e->key[len] = '\0';
  e->next = NULL;
  *pp = e;
  if (++m->n > m->nbuckets)
    grow(m);
}

void *lp_pathmap_del(struct lp_pathmap *m, const void *key, size_t len)
{
  struct lp_pathmap_ent **pp = find(m, key, len, hash_bytes(key, len));
  if (!*pp)
    return NULL;
  struct lp_pathmap_ent *e = *pp;
  void *val = e->val;
  *pp = e->next;
  free(e);
  m->n--;
  return val;
}
