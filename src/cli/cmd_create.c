/* lilipod create [options] IMAGE [COMMAND [ARG...]] */
#include "commands.h"
#include "ctr_cli.h"
#include "ctr_options.h"
#include "image_find.h"

#include <stdio.h>

static const struct lp_option options[] = { LP_CTR_CREATE_OPTIONS { NULL } };

static int run(struct lp_args *args)
{
  lp_error_t err = NULL;
  struct lp_store *s = NULL;
  struct lp_container_info *c = NULL;
  if (lp_cli_store_open(&s, &err) < 0 || lp_cli_ctr_create(s, args, &c, &err) < 0)
    {
      if (s)
        lp_store_close(s);
      return lp_cli_ctr_fail(&err);
    }
  printf("%s\n", c->id);
  lp_container_info_free(c);
  lp_store_close(s);
  return 0;
}

const struct lp_command lp_cmd_create = {
  .name = "create",
  .usage = "[options] IMAGE [COMMAND [ARG...]]",
  .summary = "Create but do not start a container",
  .options = options,
  .flags = LP_CMD_STOP_AT_POSITIONAL,
  .min_args = 1,
  .max_args = -1,
  .complete = LP_COMPLETE_IMAGES,
  .run = run,
};
