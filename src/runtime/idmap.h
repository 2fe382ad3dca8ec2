/*
 * idmap: user-namespace id maps from /etc/subuid and /etc/subgid.
 *
 * Contract: parsing is pure (a file's text in, the user's ranges out) so it
 * is unit-tested; lp_idmaps_for_user() reads the real files. Maps are built
 * as Podman builds them:
 *   keep-id: container U -> host U (the user's own id), container 0..U-1 and
 *            U+1.. -> the subordinate ids in file order;
 *   private: container 0 -> the user, 1..N -> the subordinate ids.
 * A user without subordinate ids gets a single-id map (container 0 -> the
 * user) and `single` is set so the caller can warn. lp_idmap_write() sets the
 * maps of a child that sits in a fresh user namespace: through the set-uid
 * newuidmap/newgidmap when subordinate ids are involved, directly through
 * /proc/PID/{uid,gid}_map otherwise (root, or a single-id map).
 */
#ifndef LILIPOD_RUNTIME_IDMAP_H
#define LILIPOD_RUNTIME_IDMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "../util/error.h"
#include "../util/strbuf.h"
#include "spec.h"

struct lp_subid_range
{
  uint32_t start, count;
};

struct lp_idmap_entry
{
  uint32_t inside, outside, count;
};

struct lp_idmap
{
  struct lp_idmap_entry *e;
  size_t n;
};

struct lp_idmaps
{
  struct lp_idmap uid, gid;
  bool single;  /* no subordinate ids: only one id mapped */
  bool helpers; /* needs newuidmap/newgidmap (rootless with subordinate ids) */
};

/* The ranges of `user` (or of the numeric `uid`) in the text of an
 * /etc/subuid-style file, in file order. *out is malloc'd (free it); *n may
 * be 0. A malformed line for this user is an error naming `what` and the
 * line; other users' lines are not looked at beyond their first field. */
int lp_subid_parse(const char *text, const char *what, const char *user, uid_t uid, struct lp_subid_range **out,
                   size_t *n, lp_error_t *err);

/* Build the map for host id `hostid` (the user's own uid or gid). mode is
 * LP_USERNS_KEEP_ID or LP_USERNS_PRIVATE. With nranges == 0, a single-id map
 * 0 -> hostid. Ranges that overflow 32 bits are an error. */
int lp_idmap_build(enum lp_userns_mode mode, uint32_t hostid, const struct lp_subid_range *ranges, size_t nranges,
                   struct lp_idmap *out, lp_error_t *err);
void lp_idmap_free(struct lp_idmap *m);
/* "inside outside count\n" per entry, as /proc/PID/uid_map takes it. */
void lp_idmap_format(const struct lp_idmap *m, struct strbuf *out);
/* Host id of container id `inside`; false if it is not mapped. */
bool lp_idmap_to_host(const struct lp_idmap *m, uint32_t inside, uint32_t *outside);

/* The map in the text of a /proc/PID/uid_map (or gid_map) file: lines of
 * "inside outside count", any spacing. */
int lp_idmap_parse_proc(const char *text, struct lp_idmap *out, lp_error_t *err);
/* Is m the initial user namespace's map (0 0 4294967295)? */
bool lp_idmap_is_identity(const struct lp_idmap *m);
/* The calling process's map: file is "uid_map" or "gid_map". */
int lp_idmap_read_self(const char *file, struct lp_idmap *out, lp_error_t *err);
/* Is the caller in the initial user namespace? (true when it cannot tell) */
bool lp_userns_is_initial(void);

/* The maps for the calling user: reads /etc/subuid and /etc/subgid (a
 * missing file is "no ranges"). mode must be KEEP_ID or PRIVATE. */
int lp_idmaps_for_user(enum lp_userns_mode mode, struct lp_idmaps *out, lp_error_t *err);
void lp_idmaps_free(struct lp_idmaps *m);

/* Write both maps for process `pid` (which must be in a fresh user
 * namespace and not yet have maps). */
int lp_idmap_write(pid_t pid, const struct lp_idmaps *maps, lp_error_t *err);

#endif
