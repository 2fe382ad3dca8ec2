/* lilipod completion bash|zsh|fish */
#include "commands.h"

#include <stdio.h>

static int run_completion(struct lp_args *args)
{
  lp_error_t err = NULL;
  if (lp_completion_print(stdout, args->argv[0], &err) < 0)
    {
      lp_cli_print_error(err);
      lp_error_free(&err);
      return LP_EXIT_ERROR;
    }
  return LP_EXIT_OK;
}

static const struct lp_option completion_options[] = { { NULL } };

const struct lp_command lp_cmd_completion = {
  .name = "completion",
  .usage = "bash|zsh|fish",
  .summary = "Generate shell autocompletions",
  .description = "Print a completion script for the given shell. Load it for the current session with\n"
                 "`source <(lilipod completion bash)`; `cmake --install` puts it where each shell\n"
                 "looks for it.",
  .examples = "lilipod completion bash > /etc/bash_completion.d/lilipod\n"
              "lilipod completion fish > ~/.config/fish/completions/lilipod.fish",
  .options = completion_options,
  .min_args = 1,
  .max_args = 1,
  .complete = "bash zsh fish",
  .run = run_completion,
};
