/* lilipod __supervise ID [CLIENT_FD]: a container's detached supervisor (see
 * src/container/supervisor.h); started by start/run, never by hand. */
#include "commands.h"
#include "ctr_cli.h"
#include "image_find.h"

#include "../container/supervisor.h"

#include <fcntl.h>
#include <stdlib.h>

static const struct lp_option options[] = { { NULL } };

static int run(struct lp_args *args)
{
  lp_error_t err = NULL;
  struct lp_store *s = NULL;
  int client = args->argc > 1 ? atoi(args->argv[1]) : -1;
  if (client >= 0)
    fcntl(client, F_SETFD, FD_CLOEXEC);
  fcntl(3, F_SETFD, FD_CLOEXEC);
  if (lp_cli_store_open(&s, &err) < 0)
    return lp_cli_ctr_fail(&err);
  int rc = lp_ctr_supervise_detached(s, args->argv[0], 3, client);
  lp_store_close(s);
  return rc;
}

const struct lp_command lp_cmd_internal_supervise = {
  .name = "__supervise",
  .usage = "ID [CLIENT_FD]",
  .summary = "A container's supervisor (internal)",
  .options = options,
  .flags = LP_CMD_HIDDEN,
  .min_args = 1,
  .max_args = 2,
  .run = run,
};
