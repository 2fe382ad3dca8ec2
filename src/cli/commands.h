/* Every command's table entry; each is defined in its own cmd_*.c file. */
#ifndef LILIPOD_CLI_COMMANDS_H
#define LILIPOD_CLI_COMMANDS_H

#include "command.h"

extern const struct lp_command lp_cmd_completion;
extern const struct lp_command lp_cmd_help;
extern const struct lp_command lp_cmd_login;
extern const struct lp_command lp_cmd_logout;
extern const struct lp_command lp_cmd_pull;
extern const struct lp_command lp_cmd_version;
extern const struct lp_command lp_cmd_create;
extern const struct lp_command lp_cmd_run;
extern const struct lp_command lp_cmd_start;
extern const struct lp_command lp_cmd_stop;
extern const struct lp_command lp_cmd_restart;
extern const struct lp_command lp_cmd_kill;
extern const struct lp_command lp_cmd_wait;
extern const struct lp_command lp_cmd_rm;
extern const struct lp_command lp_cmd_internal_supervise;
extern const struct lp_command lp_cmd_ps;
extern const struct lp_command lp_cmd_container;
extern const struct lp_command lp_cmd_logs;
extern const struct lp_command lp_cmd_exec;
extern const struct lp_command lp_cmd_cp;
extern const struct lp_command lp_cmd_mount;
extern const struct lp_command lp_cmd_unmount;
extern const struct lp_command lp_cmd_unshare;
extern const struct lp_command lp_cmd_internal_mountd;
extern const struct lp_command lp_cmd_port;
extern const struct lp_command lp_cmd_volume;
extern const struct lp_command lp_cmd_rename;
extern const struct lp_command lp_cmd_update;
extern const struct lp_command lp_cmd_attach;

extern const struct lp_command lp_cmd_internal_complete;
extern const struct lp_command lp_cmd_internal_man;
extern const struct lp_command lp_cmd_image;
extern const struct lp_command lp_cmd_images;
extern const struct lp_command lp_cmd_inspect;
extern const struct lp_command lp_cmd_rmi;
extern const struct lp_command lp_cmd_system;
extern const struct lp_command lp_cmd_tag;
extern const struct lp_command lp_cmd_untag;
extern const struct lp_command lp_cmd_internal_import_layout;
extern const struct lp_command lp_cmd_internal_launch;
extern const struct lp_command lp_cmd_internal_exec;
extern const struct lp_command lp_cmd_internal_tree;
extern const struct lp_command lp_cmd_internal_gc;
extern const struct lp_command lp_cmd_internal_unionfs;

#endif
