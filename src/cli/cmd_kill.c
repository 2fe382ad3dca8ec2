/* lilipod kill [options] CONTAINER [CONTAINER...] */
#include "commands.h"
#include "ctr_each.h"

#include "../container/config.h"
#include "../container/supervisor.h"

#include <signal.h>

static const struct lp_option options[] = {
  { "all", 'a', LP_OPT_BOOL, NULL, "Signal all running containers", NULL, NULL },
  { "signal", 's', LP_OPT_STRING, "string", "Signal to send to the container", "KILL", NULL },
  { NULL },
};

static int kill_one(struct lp_store *s, struct lp_container_info *c, struct lp_args *args, lp_error_t *err)
{
  const char *v = lp_args_str(args, "signal");
  int sig = v ? lp_signal_parse(v, err) : SIGKILL;
  if (sig < 0)
    return -1;
  return lp_ctr_kill(s, c, sig, err);
}

static int run(struct lp_args *args)
{
  const char *v = lp_args_str(args, "signal");
  lp_error_t err = NULL;
  if (v && lp_signal_parse(v, &err) < 0)
    {
      lp_cli_print_error(err);
      lp_error_free(&err);
      return LP_EXIT_ERROR;
    }
  return lp_cli_ctr_each(args, lp_args_bool(args, "all"), false, true, 0, kill_one);
}

const struct lp_command lp_cmd_kill = {
  .name = "kill",
  .usage = "[options] CONTAINER [CONTAINER...]",
  .summary = "Kill one or more running containers with a specific signal",
  .options = options,
  .min_args = 0,
  .max_args = -1,
  .complete = LP_COMPLETE_CONTAINERS,
  .run = run,
};
