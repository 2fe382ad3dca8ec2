/* attach_cli: see attach_cli.h. */
#include "attach_cli.h"

#include "../container/config.h"
#include "../container/supervisor.h"

#include <signal.h>
#include <termios.h>
#include <unistd.h>

int lp_cli_attach_opts(const struct lp_args *args, struct lp_attach_opts *o, lp_error_t *err)
{
  o->sig_proxy = !lp_args_has(args, "sig-proxy") || lp_args_bool(args, "sig-proxy");
  return lp_detach_keys_parse(lp_args_str(args, "detach-keys"), &o->keys, err);
}

int lp_cli_attach(struct lp_store *s, struct lp_container_info *c, struct lp_attach_opts *o, bool start,
                  enum lp_attach_end *end, int *status, lp_error_t *err)
{
  struct lp_ctr_config *cfg = NULL;
  if (lp_ctr_config_from_json(c->config_json, &cfg, err) < 0)
    return -1;
  o->tty = cfg->tty;
  lp_ctr_config_free(cfg);
  struct termios saved;
  bool raw = o->tty && isatty(STDIN_FILENO) && tcgetattr(STDIN_FILENO, &saved) == 0;
  if (raw)
    {
      struct termios t = saved;
      cfmakeraw(&t);
      raw = tcsetattr(STDIN_FILENO, TCSANOW, &t) == 0;
    }
  /* A reader that went away (| head) ends us, as it ends Podman. */
  signal(SIGPIPE, SIG_DFL);
  int rc = start ? lp_ctr_run_attached(s, c, o, end, status, err) : lp_ctr_attach(s, c, o, end, status, err);
  if (raw)
    tcsetattr(STDIN_FILENO, TCSANOW, &saved);
  return rc;
}
