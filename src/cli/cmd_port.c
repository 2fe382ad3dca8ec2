/* lilipod port [options] CONTAINER [PRIVATE_PORT[/PROTO]]: published ports, as Podman lists them. */
#include "commands.h"
#include "ctr_cli.h"
#include "image_find.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../container/config.h"
#include "../container/network.h"
#include "../container/state.h"
#include "../util/strbuf.h"
#include "../util/xalloc.h"

static const struct lp_option options[] = {
  { "all", 'a', LP_OPT_BOOL, NULL, "Display port information for all containers", NULL, NULL },
  { "latest", 'l', LP_OPT_BOOL, NULL, "Act on the latest container lilipod is aware of", NULL, NULL },
  { NULL },
};

/* "80", "80/tcp", "80/udp" -> "80/tcp" form, or NULL when malformed. */
static char *normalize_port(const char *p)
{
  char *end;
  unsigned long n = strtoul(p, &end, 10);
  if (end == p || n == 0 || n > 65535 || p[0] == '-' || p[0] == '+')
    return NULL;
  if (*end == '\0')
    return xasprintf("%lu/tcp", n);
  if (strcmp(end, "/tcp") == 0 || strcmp(end, "/udp") == 0)
    return xasprintf("%lu%s", n, end);
  return NULL;
}

/* Ports of one container (only a running one has any, as in Podman). */
static int show(struct lp_store *s, struct lp_container_info *c, const char *want, bool prefix, bool *found,
                lp_error_t *err)
{
  struct lp_ctr_config *cfg = NULL;
  if (lp_ctr_state_refresh(s, c, err) < 0)
    return -1;
  if (!lp_ctr_is_running(c))
    return 0;
  if (lp_ctr_config_from_json(c->config_json, &cfg, err) < 0)
    return -1;
  struct strbuf sb = STRBUF_INIT;
  if (lp_net_port_lines(cfg->net, want, &sb) > 0)
    *found = true;
  for (char *line = sb.buf; *line;)
    {
      char *nl = strchrnul(line, '\n');
      printf("%.12s%s%.*s\n", prefix ? c->id : "", prefix ? "\t" : "", (int)(nl - line), line);
      line = *nl ? nl + 1 : nl;
    }
  strbuf_release(&sb);
  lp_ctr_config_free(cfg);
  return 0;
}

static int run(struct lp_args *args)
{
  lp_error_t err = NULL;
  struct lp_store *s = NULL;
  bool all = lp_args_bool(args, "all"), latest = lp_args_bool(args, "latest");
  int nctr = all || latest ? 0 : 1;
  cleanup_free char *want = NULL;
  int rc = LP_EXIT_OK;
  bool found = false;

  if (all && latest)
    {
      lp_error(&err, 0, "--all and --latest cannot be used together");
      return lp_cli_ctr_fail(&err);
    }
  if (!all && !latest && args->argc < 1)
    {
      lp_error(&err, 0, "you must supply a running container name or id");
      return lp_cli_ctr_fail(&err);
    }
  if (args->argc > nctr + 1)
    {
      lp_error(&err, 0, "too many arguments: want a container and at most one port");
      return lp_cli_ctr_fail(&err);
    }
  if (args->argc > nctr)
    {
      want = normalize_port(args->argv[nctr]);
      if (!want)
        {
          lp_error(&err, 0, "invalid port `%s`: want PORT or PORT/tcp or PORT/udp", args->argv[nctr]);
          return lp_cli_ctr_fail(&err);
        }
    }
  if (lp_cli_store_open(&s, &err) < 0)
    return lp_cli_ctr_fail(&err);
  if (all || latest)
    {
      struct lp_container_info **list = NULL;
      size_t n = 0;
      if (lp_container_list(s, &list, &n, &err) < 0)
        rc = lp_cli_ctr_fail(&err);
      size_t newest = 0;
      for (size_t i = 1; i < n; i++)
        if (list[i]->created > list[newest]->created)
          newest = i;
      for (size_t i = 0; i < n && rc == LP_EXIT_OK; i++)
        if ((all || i == newest) && show(s, list[i], want, all, &found, &err) < 0)
          rc = lp_cli_ctr_fail(&err);
      lp_container_list_free(list, n);
    }
  else
    {
      struct lp_container_info *c = NULL;
      if (lp_cli_ctr_find(s, args->argv[0], &c, &err) <= 0 || show(s, c, want, false, &found, &err) < 0)
        rc = lp_cli_ctr_fail(&err);
      lp_container_info_free(c);
    }
  if (rc == LP_EXIT_OK && want && !found)
    {
      lp_error(&err, 0, "failed to find published port \"%s\"", want);
      rc = lp_cli_ctr_fail(&err);
    }
  lp_store_close(s);
  return rc;
}

const struct lp_command lp_cmd_port = {
  .name = "port",
  .usage = "[options] CONTAINER [PRIVATE_PORT[/PROTO]]",
  .summary = "List port mappings or a specific mapping for the container",
  .description = "Lists the ports a running container publishes on the host (-p), one \"80/tcp -> "
                 "0.0.0.0:8080\" line each; with PRIVATE_PORT, only the host address of that port.",
  .examples = "lilipod port web\nlilipod port web 80\nlilipod port --all",
  .options = options,
  .min_args = 0,
  .max_args = 2,
  .complete = LP_COMPLETE_CONTAINERS,
  .run = run,
};
