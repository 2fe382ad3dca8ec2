/* lilipod wait CONTAINER [CONTAINER...] */
#include "commands.h"
#include "ctr_cli.h"
#include "image_find.h"

#include "../container/supervisor.h"

#include <stdio.h>

static const struct lp_option options[] = {
  { "condition", 0, LP_OPT_LIST, "strings", "Condition to wait on (stopped, exited)", NULL, "stopped exited" },
  { "ignore", 0, LP_OPT_BOOL, NULL, "Ignore if a container does not exist", NULL, NULL },
  { NULL },
};

static int run(struct lp_args *args)
{
  lp_error_t err = NULL;
  struct lp_store *s = NULL;
  int rc = 0;
  if (lp_cli_store_open(&s, &err) < 0)
    return lp_cli_ctr_fail(&err);
  for (int i = 0; i < args->argc; i++)
    {
      struct lp_container_info *c = NULL;
      int r = lp_cli_ctr_find(s, args->argv[i], &c, &err);
      if (r <= 0)
        {
          if (r == 0 && lp_args_bool(args, "ignore"))
            {
              printf("-1\n");
              lp_error_free(&err);
              continue;
            }
          rc = lp_cli_ctr_fail(&err);
          continue;
        }
      int code = lp_ctr_wait(s, c, &err);
      if (code < 0)
        rc = lp_cli_ctr_fail(&err);
      else
        printf("%d\n", code);
      fflush(stdout);
      lp_container_info_free(c);
    }
  lp_store_close(s);
  return rc;
}

const struct lp_command lp_cmd_wait = {
  .name = "wait",
  .usage = "[options] CONTAINER [CONTAINER...]",
  .summary = "Block on one or more containers",
  .options = options,
  .min_args = 1,
  .max_args = -1,
  .complete = LP_COMPLETE_CONTAINERS,
  .run = run,
};
