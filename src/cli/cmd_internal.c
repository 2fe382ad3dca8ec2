/*
 * Hidden commands for the build and the completion scripts:
 *   lilipod __complete containers|images   names to offer, one per line
 *   lilipod __man DIR                       write every man page into DIR
 */
#include "commands.h"
#include "complete.h"

#include <stdio.h>
#include <string.h>

static int run_complete(struct lp_args *args)
{
  /* Completion must never print errors into the user's command line. */
  lp_error_t err = NULL;
  if (lp_complete_names(stdout, args->argv[0], &err) < 0)
    lp_error_free(&err);
  return LP_EXIT_OK;
}

static int run_man(struct lp_args *args)
{
  lp_error_t err = NULL;
  if (lp_man_write_all(args->argv[0], &err) < 0)
    {
      lp_cli_print_error(err);
      lp_error_free(&err);
      return LP_EXIT_ERROR;
    }
  return LP_EXIT_OK;
}

static const struct lp_option no_options[] = { { NULL } };

const struct lp_command lp_cmd_internal_complete = {
  .name = "__complete",
  .usage = "containers|images",
  .summary = "Print names for shell completion",
  .options = no_options,
  .flags = LP_CMD_HIDDEN,
  .min_args = 1,
  .max_args = 1,
  .run = run_complete,
};

const struct lp_command lp_cmd_internal_man = {
  .name = "__man",
  .usage = "DIR",
  .summary = "Write the man pages into DIR",
  .options = no_options,
  .flags = LP_CMD_HIDDEN,
  .min_args = 1,
  .max_args = 1,
  .run = run_man,
};
