/*
 * volume: named and anonymous volumes, kept as Podman's "local" driver
 * keeps them, and what containers do with them.
 *
 * Layout, under the store's home:
 *   volumes/NAME/_data        the directory containers mount (the Mountpoint)
 *   volumes/NAME/volume.json  {"Name", "Driver": "local", "CreatedAt": <unix ns>,
 *                              "Labels": {...}, "Options": {...}, "Anonymous": bool}
 *   volumes/NAME/copyup       present until a start claims it (Podman's
 *                             NeedsCopyUp): that start copies the image's
 *                             content at the mount point into _data when
 *                             _data is empty, and gives _data the owner and
 *                             mode of that directory. Claiming is unlinking
 *                             the file, so two starts never both copy.
 * Names are Podman's ([a-zA-Z0-9][a-zA-Z0-9_.-]*); anonymous volumes get 64
 * random hex digits. Creating is one mkdir of volumes/NAME (two creators of
 * one name: one wins, the other gets errnum EEXIST); a directory whose
 * volume.json is not written yet reads as a plain volume. No database rows:
 * which containers use a volume is read from their stored configs (a mount
 * of type "volume" naming it). Removing one is rm -rf of its directory, from
 * a user namespace when rootless (containers write files of subordinate ids
 * into volumes). Nothing here checks that a volume is unused: callers do.
 */
#ifndef LILIPOD_CONTAINER_VOLUME_H
#define LILIPOD_CONTAINER_VOLUME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../store/store.h"
#include "../util/error.h"
#include "config.h"

struct lp_volume
{
  char *name;
  char *mountpoint; /* absolute path of _data */
  int64_t created;  /* unix ns */
  struct lp_kv *labels;
  size_t nlabels;
  struct lp_kv *options;
  size_t noptions;
  bool anonymous;
  bool needs_copyup;
};
void lp_volume_free(struct lp_volume *v);
void lp_volume_list_free(struct lp_volume **v, size_t n);

bool lp_volume_name_valid(const char *name);

/* Create volume name (NULL: a new anonymous one with a random name). */
int lp_volume_create(struct lp_store *s, const char *name, const struct lp_kv *labels, size_t nlabels,
                     bool anonymous, struct lp_volume **out, lp_error_t *err);
/* 1 found, 0 not, -1 error. */
int lp_volume_lookup(struct lp_store *s, const char *name, struct lp_volume **out, lp_error_t *err);
/* Every volume, sorted by name. */
int lp_volume_list(struct lp_store *s, struct lp_volume ***out, size_t *n, lp_error_t *err);
int lp_volume_remove(struct lp_store *s, const char *name, lp_error_t *err);
/* Ids of the containers whose config mounts the volume (new array). */
int lp_volume_users(struct lp_store *s, const char *name, char ***ids, size_t *n, lp_error_t *err);
void lp_volume_users_free(char **ids, size_t n);

/* ---- containers and their volumes ---- */

/* create/update: every mount of type "volume" gets its volume: a mount
 * without a name a new anonymous volume, a named one its volume (created
 * when missing); Source becomes the volume's _data. On failure, anonymous
 * volumes made by this call are removed again. */
int lp_ctr_volumes_prepare(struct lp_store *s, struct lp_ctr_config *c, lp_error_t *err);
/* Before a start: claim the copy-up of each volume mount (without the
 * "nocopy" option) whose volume still needs one; sets mount->copyup. */
void lp_ctr_volumes_claim_copyup(struct lp_store *s, struct lp_ctr_config *c);
/* In the supervisor's mount namespace, with the union mounted at rootfs:
 * for each claimed mount whose _data is empty, copy the directory at its
 * destination in rootfs (symlinks resolved inside rootfs) into _data. */
int lp_ctr_volumes_copyup(const struct lp_ctr_config *c, const char *rootfs, lp_error_t *err);
/* rm -v, run --rm: remove c's anonymous volumes (those no other container
 * mounts). c's row should be gone already. */
int lp_ctr_volumes_remove_anonymous(struct lp_store *s, const struct lp_ctr_config *c, lp_error_t *err);

#endif
