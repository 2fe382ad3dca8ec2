/*
 * ctr_cli: what the container commands share: look a container up the way
 * Podman reports a missing one, and create one from create/run flags.
 */
#ifndef LILIPOD_CLI_CTR_CLI_H
#define LILIPOD_CLI_CTR_CLI_H

#include "../store/store.h"
#include "command.h"

/* 1 found, 0 not ("no container with name or ID ..." in err, exit 125). */
int lp_cli_ctr_find(struct lp_store *s, const char *ref, struct lp_container_info **out, lp_error_t *err);
/* --latest: the container created last; 0 (and err) when there is none. */
int lp_cli_ctr_latest(struct lp_store *s, struct lp_container_info **out, lp_error_t *err);
/* The containers a command acts on: all of them with --all, the newest with
 * --latest, else each one named (a name not found is reported at once and
 * its exit code left in *rc). Free *out with lp_container_list_free(). */
void lp_cli_ctr_select(struct lp_store *s, struct lp_args *args, struct lp_container_info ***out, size_t *n,
                       int *rc);
/* Podman's checks of --all, --latest and container arguments (validate.
 * CheckAllLatestAndIDFile): need_one asks for at least one of them. */
int lp_cli_ctr_check_all_latest(struct lp_args *args, bool need_one, lp_error_t *err);
/* create/run: resolve (and pull as --pull says) the image, build the
 * config, insert the row. */
int lp_cli_ctr_create(struct lp_store *s, struct lp_args *args, struct lp_container_info **out, lp_error_t *err);
/* Print err and return its exit code (125 by default). */
int lp_cli_ctr_fail(lp_error_t *err);

#endif
