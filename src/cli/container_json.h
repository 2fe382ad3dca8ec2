/*
 * container_json: a container as `inspect` shows it (Podman's shape).
 *
 * SEAM for the containers engineer: lp_container_inspect_json() builds the
 * object for one container (Id, Name, State.Status, Config.Env/Labels,
 * Mounts, ...). It returns 1 with *out, 0 when ref names no container, -1 on
 * error. Objects Go treats as maps must be added to maps (may be NULL).
 * This first version fills only the fields the store row holds.
 */
#ifndef LILIPOD_CLI_CONTAINER_JSON_H
#define LILIPOD_CLI_CONTAINER_JSON_H

#include <cjson/cJSON.h>

#include "../format/template.h"
#include "../store/store.h"

int lp_container_inspect_json(struct lp_store *s, const char *ref, cJSON **out, struct lp_tmpl_maps *maps,
                              lp_error_t *err);

#endif
