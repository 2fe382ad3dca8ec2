/* lilipod attach [options] CONTAINER */
#include "commands.h"
#include "attach_cli.h"
#include "ctr_cli.h"
#include "image_find.h"

#include "../container/state.h"
#include "../container/supervisor.h"

#include <stdio.h>

static const struct lp_option options[] = {
  { "detach-keys", 0, LP_OPT_STRING, "string",
    "Override the key sequence for detaching a container: comma-separated keys, each one character or "
    "ctrl-X (X one of a-z @ [ \\ ] ^ _); empty disables detaching",
    "ctrl-p,ctrl-q", NULL },
  { "latest", 'l', LP_OPT_BOOL, NULL, "Act on the latest container lilipod is aware of", NULL, NULL },
  { "no-stdin", 0, LP_OPT_BOOL, NULL, "Do not attach STDIN. The default is false", NULL, NULL },
  { "sig-proxy", 0, LP_OPT_BOOL, NULL, "Proxy received signals to the container's process", "true", NULL },
  { NULL },
};

/* The most recently created container (-l). */
static int latest(struct lp_store *s, struct lp_container_info **out, lp_error_t *err)
{
  struct lp_container_info **list = NULL;
  size_t n = 0, best = 0;
  if (lp_container_list(s, &list, &n, err) < 0)
    return -1;
  if (n == 0)
    {
      lp_container_list_free(list, n);
      return lp_error(err, 0, "no containers to attach to: no such container");
    }
  for (size_t i = 1; i < n; i++)
    if (list[i]->created > list[best]->created)
      best = i;
  *out = list[best];
  list[best] = list[n - 1];
  lp_container_list_free(list, n - 1);
  return 0;
}

static int run(struct lp_args *args)
{
  lp_error_t err = NULL;
  struct lp_store *s = NULL;
  struct lp_container_info *c = NULL;
  struct lp_attach_opts o = { .flags = LP_ATTACH_OUT | LP_ATTACH_ERR };
  bool last = lp_args_bool(args, "latest");
  int rc = 0, status = 0;
  enum lp_attach_end end = LP_ATTACH_LOST;

  if ((args->argc == 0) == !last)
    {
      lp_error(&err, 0, last ? "--latest and containers cannot be used together"
                             : "attach requires the name or id of one running container or the latest flag");
      return lp_cli_ctr_fail(&err);
    }
  if (!lp_args_bool(args, "no-stdin"))
    o.flags |= LP_ATTACH_IN;
  if (lp_cli_attach_opts(args, &o, &err) < 0 || lp_cli_store_open(&s, &err) < 0)
    return lp_cli_ctr_fail(&err);
  if ((last ? latest(s, &c, &err) : lp_cli_ctr_find(s, args->argv[0], &c, &err) <= 0 ? -1 : 0) < 0
      || lp_ctr_state_refresh(s, c, &err) < 0)
    goto fail;
  if (!lp_ctr_is_running(c))
    {
      lp_error(&err, 0, "you can only attach to running containers");
      goto fail;
    }
  if (lp_cli_attach(s, c, &o, false, &end, &status, &err) < 0)
    goto fail;
  /* Podman ends an attach with a newline and 0, however it ended. */
  fputs("\n", stdout);
  goto out;
fail:
  rc = lp_cli_ctr_fail(&err);
out:
  lp_container_info_free(c);
  lp_store_close(s);
  return rc;
}

const struct lp_command lp_cmd_attach = {
  .name = "attach",
  .usage = "[options] CONTAINER",
  .summary = "Attach to a running container",
  .description = "Connects our stdin, stdout and stderr to a running container's, as its supervisor holds\n"
                 "them: its terminal with -t, else its pipes (stdin only when it was created with -i).\n"
                 "Several clients may attach at once. The detach keys (ctrl-p,ctrl-q unless --detach-keys\n"
                 "says otherwise) leave the container running.",
  .examples = "lilipod attach box1\n"
              "lilipod attach --detach-keys ctrl-x,x --no-stdin box1",
  .options = options,
  .min_args = 0,
  .max_args = 1,
  .complete = LP_COMPLETE_CONTAINERS,
  .run = run,
};
