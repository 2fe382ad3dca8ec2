/* lilipod start [options] CONTAINER [CONTAINER...] */
#include "commands.h"
#include "attach_cli.h"
#include "ctr_cli.h"
#include "ctr_each.h"
#include "image_find.h"

#include "../container/state.h"
#include "../container/supervisor.h"

#include <stdio.h>

static const struct lp_option options[] = {
  { "attach", 'a', LP_OPT_BOOL, NULL, "Attach container's STDOUT and STDERR", NULL, NULL },
  { "detach-keys", 0, LP_OPT_STRING, "string",
    "Override the key sequence for detaching a container: comma-separated keys, each one character or "
    "ctrl-X (X one of a-z @ [ \\ ] ^ _); empty disables detaching",
    "ctrl-p,ctrl-q", NULL },
  { "interactive", 'i', LP_OPT_BOOL, NULL, "Make STDIN available to the contained process", NULL, NULL },
  { "all", 0, LP_OPT_BOOL, NULL, "Start all containers regardless of their state or configuration", NULL, NULL },
  { "sig-proxy", 0, LP_OPT_BOOL, NULL, "Proxy received signals to the process (default true when attaching)", NULL,
    NULL },
  { NULL },
};

static int start_one(struct lp_store *s, struct lp_container_info *c, struct lp_args *args, lp_error_t *err)
{
  (void)args;
  if (lp_ctr_state_refresh(s, c, err) < 0)
    return -1;
  if (lp_ctr_is_running(c))
    return 0;
  return lp_ctr_start(s, c, err);
}

static int run(struct lp_args *args)
{
  bool attach = lp_args_bool(args, "attach"), inter = lp_args_bool(args, "interactive");
  if (!attach && !inter)
    return lp_cli_ctr_each(args, lp_args_bool(args, "all"), false, true, 0, start_one);
  lp_error_t err = NULL;
  struct lp_store *s = NULL;
  struct lp_container_info *c = NULL;
  struct lp_attach_opts o = { .flags = LP_ATTACH_OUT | LP_ATTACH_ERR | (inter ? LP_ATTACH_IN | LP_ATTACH_ONCE : 0) };
  if (args->argc != 1)
    {
      lp_error(&err, 0, "you cannot start and attach multiple containers at once");
      return lp_cli_ctr_fail(&err);
    }
  if (lp_cli_attach_opts(args, &o, &err) < 0)
    return lp_cli_ctr_fail(&err);
  if (lp_cli_store_open(&s, &err) < 0 || lp_cli_ctr_find(s, args->argv[0], &c, &err) <= 0)
    {
      if (s)
        lp_store_close(s);
      return lp_cli_ctr_fail(&err);
    }
  int rc, status = 0;
  enum lp_attach_end end = LP_ATTACH_LOST;
  if (lp_ctr_state_refresh(s, c, &err) < 0)
    {
      rc = lp_cli_ctr_fail(&err);
      goto out;
    }
  bool running = lp_ctr_is_running(c);
  if (running)
    o.flags &= ~(uint32_t)LP_ATTACH_ONCE;
  if (lp_cli_attach(s, c, &o, !running, &end, &status, &err) < 0)
    rc = lp_cli_ctr_fail(&err);
  else if (running || end != LP_ATTACH_EXITED)
    rc = 0; /* Podman: 0 after attaching to a running container, 0 on detach (nothing printed) */
  else
    rc = status;
out:
  lp_container_info_free(c);
  lp_store_close(s);
  return rc;
}

const struct lp_command lp_cmd_start = {
  .name = "start",
  .usage = "[options] CONTAINER [CONTAINER...]",
  .summary = "Start one or more containers",
  .options = options,
  .min_args = 0,
  .max_args = -1,
  .complete = LP_COMPLETE_CONTAINERS,
  .run = run,
};
