/* lilipod help [COMMAND...] */
#include "commands.h"

#include <stdio.h>
#include <string.h>

#include "../util/strbuf.h"

static int run_help(struct lp_args *args)
{
  const struct lp_command *cmd = &lp_root_command;
  struct strbuf path = STRBUF_INIT;

  for (int i = 0; i < args->argc; i++)
    {
      const struct lp_command *sub = lp_command_find(cmd, args->argv[i]);
      if (!sub)
        {
          fprintf(stderr, "Error: unknown help topic \"%s\"\n", args->argv[i]);
          strbuf_release(&path);
          return LP_EXIT_ERROR;
        }
      if (path.len)
        strbuf_addch(&path, ' ');
      strbuf_adds(&path, sub->name);
      cmd = sub;
    }
  lp_help_print(stdout, cmd, path.buf);
  strbuf_release(&path);
  return LP_EXIT_OK;
}

static const struct lp_option help_options[] = { { NULL } };

const struct lp_command lp_cmd_help = {
  .name = "help",
  .usage = "[COMMAND...]",
  .summary = "Help about any command",
  .options = help_options,
  .min_args = 0,
  .max_args = -1,
  .complete = LP_COMPLETE_COMMANDS,
  .run = run_help,
};
