/*
 * edit: change a container's stored configuration after create: `rename`
 * and `update` (the original lilipod's meaning: settings that take effect
 * at the next start).
 *
 * Contract:
 * - lp_ctr_rename(): any state. Podman's name rules; the new name must be
 *   free (errnum EEXIST otherwise). Rewrites the row's name and the config's
 *   "Name". Nothing else keys on the name (the directory, the log, the
 *   supervisor and /etc/hostname go by id), so a running container keeps
 *   running undisturbed; its /run/.containerenv keeps the old name until
 *   the next start, as with Podman.
 * - lp_ctr_update(): the container must not be running (EBUSY). Reads the
 *   update flags from args (see cmd_update.c for the table) and rewrites
 *   the config in one store write:
 *     -e/--env K=V|K, --env-file   add or replace (create's rules)
 *     --unsetenv K, --env-rm K     remove
 *     -l/--label K=V, --label-rm K add or replace / remove
 *     -v/--volume, --mount, --tmpfs  add, in order; one with the
 *                                  destination of an existing mount
 *                                  replaces it in place
 *     --mount-rm DST               remove the mount at DST
 *     --entrypoint                 as create (Args = Entrypoint + Cmd)
 *     -h/--hostname                also HOSTNAME in Env when it was the old one
 *     --ipc --pid --uts --cgroupns  namespaces (private|host)
 *     --network                    as create (pasta, slirp4netns, none, host;
 *                                  private resolved as network.h says)
 *     --privileged --read-only --read-only-tmpfs --init   booleans
 *     -u/--user -w/--workdir --stop-signal --stop-timeout --pids-limit
 *   --userns is refused: the upper's files were written through the old
 *   mapping. New volume mounts get their volumes (volume.h); a removed
 *   anonymous volume stays until `volume prune`. *changed says whether any
 *   flag changed something.
 */
#ifndef LILIPOD_CONTAINER_EDIT_H
#define LILIPOD_CONTAINER_EDIT_H

#include <stdbool.h>

#include "../store/store.h"
#include "../util/error.h"

struct lp_args;

int lp_ctr_rename(struct lp_store *s, struct lp_container_info *c, const char *new_name, lp_error_t *err);
int lp_ctr_update(struct lp_store *s, struct lp_container_info *c, const struct lp_args *args, bool *changed,
                  lp_error_t *err);

#endif
