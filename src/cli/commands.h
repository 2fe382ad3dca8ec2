/* Every command's table entry; each is defined in its own cmd_*.c file. */
#ifndef LILIPOD_CLI_COMMANDS_H
#define LILIPOD_CLI_COMMANDS_H

#include "command.h"

extern const struct lp_command lp_cmd_completion;
extern const struct lp_command lp_cmd_help;
extern const struct lp_command lp_cmd_version;
extern const struct lp_command lp_cmd_internal_complete;
extern const struct lp_command lp_cmd_internal_man;
extern const struct lp_command lp_cmd_internal_unionfs;

#endif
