/* lilipod stop [options] CONTAINER [CONTAINER...] */
#include "commands.h"
#include "ctr_each.h"
#include "ctr_timeout.h"

#include "../container/supervisor.h"

static const struct lp_option options[] = {
  { "all", 'a', LP_OPT_BOOL, NULL, "Stop all running containers", NULL, NULL },
  { "ignore", 'i', LP_OPT_BOOL, NULL, "Ignore errors when a specified container is missing", NULL, NULL },
  { "time", 't', LP_OPT_STRING, "int", "Seconds to wait for stop before killing the container", "10", NULL },
  { NULL },
};

static int stop_one(struct lp_store *s, struct lp_container_info *c, struct lp_args *args, lp_error_t *err)
{
  int t = lp_cli_ctr_timeout(args, c, err);
  if (t < -1)
    return -1;
  return lp_ctr_stop(s, c, t, err);
}

static int run(struct lp_args *args)
{
  return lp_cli_ctr_each(args, lp_args_bool(args, "all"), lp_args_bool(args, "ignore"), true, 0, stop_one);
}

const struct lp_command lp_cmd_stop = {
  .name = "stop",
  .usage = "[options] CONTAINER [CONTAINER...]",
  .summary = "Stop one or more containers",
  .options = options,
  .min_args = 0,
  .max_args = -1,
  .complete = LP_COMPLETE_CONTAINERS,
  .run = run,
};
