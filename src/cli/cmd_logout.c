/* lilipod logout: remove saved registry credentials. */
#include "commands.h"
#include "../registry/auth.h"
#include "../util/xalloc.h"

#include <stdlib.h>
#include <string.h>

char *lp_cli_registry_key(const char *arg);
char *lp_cli_default_registry(lp_error_t *err);

static int run_logout(struct lp_args *args)
{
  lp_error_t err = NULL;
  const char *authfile = lp_args_str(args, "authfile");
  cleanup_free char *file = authfile ? xstrdup(authfile) : lp_auth_default_file(&err);
  cleanup_free char *key = NULL;
  int rc = LP_EXIT_ERROR;
  if (!file)
    goto out;
  if (lp_args_bool(args, "all"))
    {
      if (args->argc > 0)
        {
          lp_error(&err, 0, "--all takes no arguments");
          goto out;
        }
      if (lp_auth_remove_all(file, &err) < 0)
        goto out;
      printf("Removed login credentials for all registries\n");
      rc = LP_EXIT_OK;
      goto out;
    }
  if (args->argc > 0)
    key = lp_cli_registry_key(args->argv[0]);
  else if (!(key = lp_cli_default_registry(&err)))
    goto out;
  int r = lp_auth_remove(file, key, &err);
  if (r < 0)
    goto out;
  if (r == 0)
    {
      lp_error(&err, 0, "not logged into %s", key);
      goto out;
    }
  printf("Removed login credentials for %s\n", key);
  rc = LP_EXIT_OK;
out:
  if (err)
    {
      lp_cli_print_error(err);
      lp_error_free(&err);
    }
  return rc;
}

static const struct lp_option logout_options[] = {
  { "all", 'a', LP_OPT_BOOL, NULL, "Remove the cached credentials for all registries in the auth file", NULL, NULL },
  { "authfile", 0, LP_OPT_STRING, "string", "Path of the authentication file", NULL, LP_COMPLETE_FILES },
  { NULL },
};

const struct lp_command lp_cmd_logout = {
  .name = "logout",
  .usage = "[options] [REGISTRY]",
  .summary = "Log out of a container registry",
  .options = logout_options,
  .min_args = 0,
  .max_args = 1,
  .run = run_logout,
};
