/* lilipod rename CONTAINER NEWNAME: as Podman, in any state, printing nothing. */
#include "commands.h"
#include "ctr_cli.h"
#include "image_find.h"

#include "../container/edit.h"
#include "../container/state.h"

static int run(struct lp_args *args)
{
  lp_error_t err = NULL;
  struct lp_store *s = NULL;
  struct lp_container_info *c = NULL;
  int rc = LP_EXIT_OK;
  if (lp_cli_store_open(&s, &err) < 0)
    return lp_cli_ctr_fail(&err);
  int r = lp_cli_ctr_find(s, args->argv[0], &c, &err);
  if (r <= 0)
    {
      lp_store_close(s);
      return lp_cli_ctr_fail(&err);
    }
  int lk = lp_ctr_lock(s, c->id, &err);
  if (lk < 0 || lp_ctr_rename(s, c, args->argv[1], &err) < 0)
    rc = lp_cli_ctr_fail(&err);
  if (lk >= 0)
    lp_ctr_unlock(lk);
  lp_container_info_free(c);
  lp_store_close(s);
  return rc;
}

static const struct lp_option options[] = { { NULL } };

const struct lp_command lp_cmd_rename = {
  .name = "rename",
  .usage = "CONTAINER NEWNAME",
  .summary = "Rename an existing container",
  .description = "Gives the container a new name, whatever its state. A running container keeps running; its\n"
                 "/run/.containerenv shows the new name from the next start. A name in use is an error.",
  .examples = "lilipod rename box1 box2",
  .options = options,
  .min_args = 2,
  .max_args = 2,
  .complete = LP_COMPLETE_CONTAINERS,
  .run = run,
};
