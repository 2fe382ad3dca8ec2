/* The command table: every command lilipod has, in the order help lists them. */
#include "command.h"
#include "commands.h"

static const struct lp_option root_options[] = {
  { "version", 'v', LP_OPT_BOOL, NULL, "Version of lilipod", NULL, NULL },
  { NULL },
};

static const struct lp_command *const root_subcommands[] = {
  &lp_cmd_completion,
  &lp_cmd_help,
  &lp_cmd_image,
  &lp_cmd_images,
  &lp_cmd_inspect,
  &lp_cmd_login,
  &lp_cmd_logout,
  &lp_cmd_pull,
  &lp_cmd_rmi,
  &lp_cmd_system,
  &lp_cmd_tag,
  &lp_cmd_untag,
  &lp_cmd_version,
  &lp_cmd_create,
  &lp_cmd_run,
  &lp_cmd_start,
  &lp_cmd_stop,
  &lp_cmd_restart,
  &lp_cmd_kill,
  &lp_cmd_wait,
  &lp_cmd_rm,
  &lp_cmd_ps,
  &lp_cmd_container,
  &lp_cmd_logs,
  &lp_cmd_exec,
  &lp_cmd_cp,
  &lp_cmd_mount,
  &lp_cmd_unmount,
  &lp_cmd_unshare,
  &lp_cmd_port,
  &lp_cmd_rename,
  &lp_cmd_update,
  &lp_cmd_volume,
  &lp_cmd_attach,
  &lp_cmd_internal_complete,
  &lp_cmd_internal_man,
  &lp_cmd_internal_import_layout,
  &lp_cmd_internal_launch,
  &lp_cmd_internal_exec,
  &lp_cmd_internal_tree,
  &lp_cmd_internal_gc,
  &lp_cmd_internal_unionfs,
  &lp_cmd_internal_supervise,
  &lp_cmd_internal_mountd,
  NULL,
};

const struct lp_command lp_root_command = {
  .name = "lilipod",
  .usage = "[options] COMMAND",
  .summary = "Manage containers and images, rootless and daemonless",
  .description = "lilipod pulls OCI images into a content store where each file is kept once, and runs\n"
                 "containers on a copy-on-write FUSE filesystem over that store. Its command line\n"
                 "follows Podman's.",
  .options = root_options,
  .min_args = 0,
  .max_args = -1,
  .complete = LP_COMPLETE_COMMANDS,
  .subcommands = root_subcommands,
};
