/*
 * lilipod __unionfs STORE_HOME ROOT_ID UPPER MOUNTPOINT
 *
 * Hidden debug and test command: mount the union filesystem of tree ROOT_ID
 * (0 for an empty lower) of the store at STORE_HOME with upper directory
 * UPPER on MOUNTPOINT, and serve it in the foreground until it is unmounted
 * or the process gets SIGINT/SIGTERM. Rootless, run it inside `unshare -Urm`.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../fuse/unionfs.h"
#include "commands.h"

static struct lp_unionfs *serving;

static void on_signal(int sig)
{
  if (serving)
    lp_unionfs_exit(serving);
}

static int run_unionfs(struct lp_args *args)
{
  lp_error_t err = NULL;
  char *end = NULL;
  errno = 0;
  long long root = strtoll(args->argv[1], &end, 10);
  if (errno || !end || *end || root < 0)
    {
      lp_error(&err, 0, "invalid tree id `%s`", args->argv[1]);
      goto fail;
    }
  struct lp_unionfs_config cfg = {
    .store_home = args->argv[0],
    .lower_root = root,
    .upper_dir = args->argv[2],
    .mountpoint = args->argv[3],
    .debug = lp_args_bool(args, "debug"),
  };
  struct lp_unionfs *fs = NULL;
  if (lp_unionfs_mount(&cfg, &fs, &err) < 0)
    goto fail;
  serving = fs;
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_signal; /* no SA_RESTART: the loop's read must return */
  sigaction(SIGINT, &sa, NULL);
  sigaction(SIGTERM, &sa, NULL);
  sa.sa_handler = SIG_IGN;
  sigaction(SIGPIPE, &sa, NULL);
  if (lp_args_bool(args, "ready"))
    {
      printf("ready\n");
      fflush(stdout);
    }
  int ret = lp_unionfs_serve(fs, &err);
  serving = NULL;
  lp_unionfs_unmount_and_free(fs);
  if (ret < 0)
    goto fail;
  return LP_EXIT_OK;
fail:
  lp_cli_print_error(err);
  lp_error_free(&err);
  return LP_EXIT_ERROR;
}

static const struct lp_option unionfs_options[] = {
  { "debug", 0, LP_OPT_BOOL, NULL, "Trace every FUSE request on stderr", NULL, NULL },
  { "ready", 0, LP_OPT_BOOL, NULL, "Print `ready` on stdout once mounted", NULL, NULL },
  { NULL },
};

const struct lp_command lp_cmd_internal_unionfs = {
  .name = "__unionfs",
  .usage = "[options] STORE_HOME ROOT_ID UPPER MOUNTPOINT",
  .summary = "Serve a union filesystem in the foreground (debugging and tests)",
  .options = unionfs_options,
  .flags = LP_CMD_HIDDEN,
  .min_args = 4,
  .max_args = 4,
  .run = run_unionfs,
};
