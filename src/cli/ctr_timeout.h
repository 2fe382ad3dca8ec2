/* ctr_timeout: read -t/--time as Podman does (seconds, default from the
 * container's StopTimeout when not given). -1 when not given. */
#ifndef LILIPOD_CLI_CTR_TIMEOUT_H
#define LILIPOD_CLI_CTR_TIMEOUT_H

#include "../container/config.h"
#include "command.h"

#include <stdlib.h>

static inline int lp_cli_ctr_timeout(struct lp_args *args, const struct lp_container_info *c, lp_error_t *err)
{
  const char *t = lp_args_str(args, "time");
  if (t)
    {
      char *end;
      long v = strtol(t, &end, 10);
      if (!*t || *end || v < -1 || v > 1000000)
        return lp_error(err, 0, "invalid argument \"%s\" for \"-t, --time\" flag", t), -2;
      return v < 0 ? 1000000 : (int)v;
    }
  struct lp_ctr_config *cfg = NULL;
  if (lp_ctr_config_from_json(c->config_json, &cfg, err) < 0)
    return -2;
  int v = (int)cfg->stop_timeout;
  lp_ctr_config_free(cfg);
  return v;
}

#endif
