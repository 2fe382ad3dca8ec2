/* lilipod rm [options] CONTAINER [CONTAINER...] */
#include "commands.h"
#include "ctr_each.h"
#include "ctr_timeout.h"

#include "../container/state.h"
#include "../container/supervisor.h"
#include "../container/volume.h"

#include <stdio.h>

static const struct lp_option options[] = {
  { "all", 'a', LP_OPT_BOOL, NULL, "Remove all containers", NULL, NULL },
  { "force", 'f', LP_OPT_BOOL, NULL, "Force removal of a running container", NULL, NULL },
  { "ignore", 'i', LP_OPT_BOOL, NULL, "Ignore errors when a specified container is missing", NULL, NULL },
  { "time", 't', LP_OPT_STRING, "int", "Seconds to wait for stop before killing the container", "10", NULL },
  { "volumes", 'v', LP_OPT_BOOL, NULL, "Remove anonymous volumes associated with the container", NULL, NULL },
  { NULL },
};

static int rm_one(struct lp_store *s, struct lp_container_info *c, struct lp_args *args, lp_error_t *err)
{
  if (lp_ctr_state_refresh(s, c, err) < 0)
    return -1;
  if (lp_ctr_is_running(c))
    {
      if (!lp_args_bool(args, "force"))
        {
          lp_error(err, 0,
                   "cannot remove container %s as it is running - running or paused containers cannot be removed "
                   "without force: container state improper",
                   c->id);
          (*err)->exit_code = 2;
          return -1;
        }
      int t = lp_cli_ctr_timeout(args, c, err);
      if (t < -1 || lp_ctr_stop(s, c, t, err) < 0)
        return -1;
    }
  if (!lp_args_bool(args, "volumes"))
    return lp_ctr_remove(s, c, err);
  struct lp_ctr_config *cfg = NULL;
  if (lp_ctr_config_from_json(c->config_json, &cfg, err) < 0)
    return -1;
  int r = lp_ctr_remove(s, c, err);
  if (r == 0)
    r = lp_ctr_volumes_remove_anonymous(s, cfg, err);
  lp_ctr_config_free(cfg);
  return r;
}

static int run(struct lp_args *args)
{
  bool force = lp_args_bool(args, "force");
  return lp_cli_ctr_each(args, lp_args_bool(args, "all"), force || lp_args_bool(args, "ignore"), true, 1, rm_one);
}

const struct lp_command lp_cmd_rm = {
  .name = "rm",
  .usage = "[options] CONTAINER [CONTAINER...]",
  .summary = "Remove one or more containers",
  .options = options,
  .min_args = 0,
  .max_args = -1,
  .complete = LP_COMPLETE_CONTAINERS,
  .run = run,
};
