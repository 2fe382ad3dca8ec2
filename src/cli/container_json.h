/*
 * container_json: a container as `inspect` shows it (Podman's shape).
 *
 * SEAM for the containers engineer: lp_container_inspect_json() builds the
 * object for one container (Id, Name, State.Status, Config.Env/Labels,
 * Mounts, ...). It returns 1 with *out, 0 when ref names no container, -1 on
 * error. Objects Go treats as maps must be added to maps (may be NULL).
 */
#ifndef LILIPOD_CLI_CONTAINER_JSON_H
#define LILIPOD_CLI_CONTAINER_JSON_H

#include <cjson/cJSON.h>

#include "../format/template.h"
#include "../store/store.h"

int lp_container_inspect_json(struct lp_store *s, const char *ref, cJSON **out, struct lp_tmpl_maps *maps,
                              lp_error_t *err);

struct lp_ctr_config;
/* The object for a row already read (state refreshed) and its parsed config;
 * reason: containers/<id>/reason or NULL. Shared with ps. */
cJSON *lp_container_json_build(const struct lp_container_info *c, const struct lp_ctr_config *cfg, const char *reason,
                               struct lp_tmpl_maps *maps);
/* Bytes written by the container (its upper), for --size. */
int64_t lp_container_upper_size(struct lp_store *s, const char *id);
/* --size as Podman: *rw = the upper (data/ and meta.db), *rootfs = the
 * image's size + *rw. */
void lp_container_sizes(struct lp_store *s, const char *id, const char *image_id, int64_t *rw, int64_t *rootfs);
/* inspect -s: add SizeRw and SizeRootFs to a container's inspect object
 * (before "Mounts", where Podman puts them). */
void lp_container_json_add_sizes(struct lp_store *s, cJSON *obj);

#endif
