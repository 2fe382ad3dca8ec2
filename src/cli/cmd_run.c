/* lilipod run [options] IMAGE [COMMAND [ARG...]] */
#include "commands.h"
#include "ctr_cli.h"
#include "ctr_options.h"
#include "image_find.h"

#include "../container/config.h"
#include "../container/supervisor.h"
#include "../container/volume.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

static const struct lp_option options[] = {
  LP_CTR_CREATE_OPTIONS{ "detach", 'd', LP_OPT_BOOL, NULL, "Run container in background and print container ID",
                         NULL, NULL },
  { "detach-keys", 0, LP_OPT_STRING, "string",
    "Override the key sequence for detaching a container (accepted; detaching is not supported yet)", NULL, NULL },
  { "sig-proxy", 0, LP_OPT_BOOL, NULL, "Proxy received signals to the process", "true", NULL },
  { NULL },
};

static int run(struct lp_args *args)
{
  lp_error_t err = NULL;
  struct lp_store *s = NULL;
  struct lp_container_info *c = NULL;
  int rc;
  bool tty = lp_args_bool(args, "tty");
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
  struct lp_ctr_attach a = { .stdin_ = lp_args_bool(args, "interactive"), .stdout_ = na == 0, .stderr_ = na == 0 };
  for (size_t i = 0; i < na; i++)
    {
      if (strcasecmp(att[i], "stdin") == 0)
        a.stdin_ = true;
      else if (strcasecmp(att[i], "stdout") == 0)
        a.stdout_ = true;
      else if (strcasecmp(att[i], "stderr") == 0)
        a.stderr_ = true;
    }
  free(att);
  struct termios saved;
  bool raw = tty && isatty(STDIN_FILENO) && tcgetattr(STDIN_FILENO, &saved) == 0;
  if (raw)
    {
      struct termios t = saved;
      cfmakeraw(&t);
      tcsetattr(STDIN_FILENO, TCSANOW, &t);
    }
  rc = lp_ctr_run_attached(s, c, &a, &err);
  if (raw)
    tcsetattr(STDIN_FILENO, TCSANOW, &saved);
  if (rc < 0)
    rc = lp_cli_ctr_fail(&err);
  if (lp_args_bool(args, "rm"))
    {
      /* Podman's --rm takes the anonymous volumes along. */
      lp_error_t e = NULL;
      struct lp_ctr_config *cfg = NULL;
      if (lp_ctr_config_from_json(c->config_json, &cfg, &e) < 0 || lp_ctr_remove(s, c, &e) < 0
          || lp_ctr_volumes_remove_anonymous(s, cfg, &e) < 0)
        lp_cli_print_error(e), lp_error_free(&e);
      lp_ctr_config_free(cfg);
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
