/* lilipod container COMMAND: Podman's container group, the same commands
 * as at the top level (plus `exists`). */
#include "commands.h"
#include "ctr_cli.h"
#include "image_find.h"

#include "../util/error.h"

extern const struct lp_command lp_cmd_container_ls;

static int run_exists(struct lp_args *args)
{
  lp_error_t err = NULL;
  struct lp_store *s = NULL;
  struct lp_container_info *c = NULL;
  if (lp_cli_store_open(&s, &err) < 0)
    return lp_cli_ctr_fail(&err);
  int r = lp_container_lookup(s, args->argv[0], &c, &err);
  lp_container_info_free(c);
  lp_store_close(s);
  if (r < 0)
    return lp_cli_ctr_fail(&err);
  return r ? 0 : 1;
}

static const struct lp_option no_options[] = { { NULL } };

static const struct lp_command container_exists = {
  .name = "exists",
  .usage = "CONTAINER",
  .summary = "Check if a container exists (exit 0) or not (exit 1)",
  .options = no_options,
  .min_args = 1,
  .max_args = 1,
  .complete = LP_COMPLETE_CONTAINERS,
  .run = run_exists,
};

static const struct lp_command *const subcommands[] = {
  &lp_cmd_create, &lp_cmd_run,     &lp_cmd_start, &lp_cmd_stop, &lp_cmd_restart, &lp_cmd_kill,
  &lp_cmd_wait,   &lp_cmd_rm,      &lp_cmd_container_ls, &lp_cmd_inspect, &lp_cmd_logs, &lp_cmd_exec, &lp_cmd_cp, &lp_cmd_port, &container_exists,
  &lp_cmd_mount, &lp_cmd_unmount,
  &lp_cmd_rename, &lp_cmd_update,
  &lp_cmd_attach,
  NULL,
};

const struct lp_command lp_cmd_container = {
  .name = "container",
  .usage = "COMMAND",
  .summary = "Manage containers",
  .options = no_options,
  .min_args = 0,
  .max_args = -1,
  .complete = LP_COMPLETE_COMMANDS,
  .subcommands = subcommands,
};
