/* lilipod run [options] IMAGE [COMMAND [ARG...]] */
#include "commands.h"
#include "attach_cli.h"
#include "ctr_cli.h"
#include "ctr_options.h"
#include "image_find.h"

#include "../container/config.h"
#include "../container/supervisor.h"
#include "../container/volume.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const struct lp_option options[] = {
  LP_CTR_CREATE_OPTIONS{ "detach", 'd', LP_OPT_BOOL, NULL, "Run container in background and print container ID",
                         NULL, NULL },
  { "detach-keys", 0, LP_OPT_STRING, "string",
    "Override the key sequence for detaching a container: comma-separated keys, each one character or "
    "ctrl-X (X one of a-z @ [ \\ ] ^ _); empty disables detaching",
    "ctrl-p,ctrl-q", NULL },
  { "sig-proxy", 0, LP_OPT_BOOL, NULL, "Proxy received signals to the process", "true", NULL },
  { NULL },
};

static int run(struct lp_args *args)
{
  lp_error_t err = NULL;
  struct lp_store *s = NULL;
  struct lp_container_info *c = NULL;
  int rc;
  struct lp_attach_opts o = { 0 };
  if (lp_cli_attach_opts(args, &o, &err) < 0)
    return lp_cli_ctr_fail(&err);
  if (lp_cli_store_open(&s, &err) < 0 || lp_cli_ctr_create(s, args, &c, &err) < 0)
    {
      if (s)
        lp_store_close(s);
      return lp_cli_ctr_fail(&err);
    }
  if (lp_args_bool(args, "detach"))
    {
      if (lp_ctr_start(s, c, &err) < 0)
        rc = lp_cli_ctr_fail(&err);
      else
        {
          printf("%s\n", c->id);
          rc = 0;
        }
      lp_container_info_free(c);
      lp_store_close(s);
      return rc;
    }
  size_t na;
  const char **att = lp_args_list(args, "attach", &na);
  o.flags = (lp_args_bool(args, "interactive") ? LP_ATTACH_IN | LP_ATTACH_ONCE : 0)
            | (na == 0 ? LP_ATTACH_OUT | LP_ATTACH_ERR : 0);
  for (size_t i = 0; i < na; i++)
    {
      if (strcasecmp(att[i], "stdin") == 0)
        o.flags |= LP_ATTACH_IN | LP_ATTACH_ONCE;
      else if (strcasecmp(att[i], "stdout") == 0)
        o.flags |= LP_ATTACH_OUT;
      else if (strcasecmp(att[i], "stderr") == 0)
        o.flags |= LP_ATTACH_ERR;
    }
  free(att);
  enum lp_attach_end end = LP_ATTACH_LOST;
  int status = 0;
  if (lp_cli_attach(s, c, &o, true, &end, &status, &err) < 0)
    rc = lp_cli_ctr_fail(&err);
  else if (end == LP_ATTACH_LOST)
    {
      lp_error(&err, 0, "lost the supervisor of container %s", c->name);
      rc = lp_cli_ctr_fail(&err);
    }
  else
    rc = end == LP_ATTACH_EXITED ? status : 0; /* detached: Podman says nothing and exits 0 */
  /* The supervisor removes a --rm container once it has ended; this is
   * for a launch that failed before it had one. */
  if (lp_args_bool(args, "rm") && end != LP_ATTACH_DETACHED)
    {
      /* Podman's --rm takes the anonymous volumes along. */
      lp_error_t e = NULL;
      struct lp_container_info *again = NULL;
      struct lp_ctr_config *cfg = NULL;
      if (lp_container_lookup(s, c->id, &again, &e) == 1
          && (lp_ctr_config_from_json(again->config_json, &cfg, &e) < 0 || lp_ctr_remove(s, again, &e) < 0
              || lp_ctr_volumes_remove_anonymous(s, cfg, &e) < 0))
        lp_cli_print_error(e);
      lp_error_free(&e);
      lp_ctr_config_free(cfg);
      lp_container_info_free(again);
    }
  lp_container_info_free(c);
  lp_store_close(s);
  return rc;
}
const struct lp_command lp_cmd_run = {
  .name = "run",
  .usage = "[options] IMAGE [COMMAND [ARG...]]",
  .summary = "Run a command in a new container",
  .options = options,
  .flags = LP_CMD_STOP_AT_POSITIONAL,
  .min_args = 1,
  .max_args = -1,
  .complete = LP_COMPLETE_IMAGES,
  .run = run,
};
