/* lilipod logs [options] CONTAINER [CONTAINER...] */
#include "commands.h"
#include "ctr_cli.h"
#include "image_find.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../container/logs_read.h"
#include "../container/state.h"
#include "../util/xalloc.h"

static const struct lp_option options[] = {
  { "follow", 'f', LP_OPT_BOOL, NULL, "Follow log output", NULL, NULL },
  { "latest", 'l', LP_OPT_BOOL, NULL, "Act on the latest container lilipod is aware of (not supported)", NULL, NULL },
  { "names", 'n', LP_OPT_BOOL, NULL, "Output the container name in the log", NULL, NULL },
  { "since", 0, LP_OPT_STRING, "string", "Show logs since TIMESTAMP", NULL, NULL },
  { "tail", 0, LP_OPT_STRING, "int", "Output the specified number of LINES at the end of the logs", "-1", NULL },
  { "timestamps", 't', LP_OPT_BOOL, NULL, "Output the timestamps in the log", NULL, NULL },
  { "until", 0, LP_OPT_STRING, "string", "Show logs until TIMESTAMP", NULL, NULL },
  { NULL },
};

struct follow_ctx
{
  struct lp_store *s;
  const char *id;
};

static bool still_running(void *ctx)
{
  struct follow_ctx *f = ctx;
  return lp_ctr_supervisor_alive(f->s, f->id);
}

static int run(struct lp_args *args)
{
  lp_error_t err = NULL;
  struct lp_store *s = NULL;
  struct lp_logs_opts o = { .tail = -1 };
  int64_t now = lp_now_ns();
  const char *since = lp_args_str(args, "since"), *until = lp_args_str(args, "until");
  const char *tail = lp_args_str(args, "tail");
  int status = LP_EXIT_OK;

  if (args->argc < 1)
    {
      lp_error(&err, 0, "no containers specified");
      return lp_cli_ctr_fail(&err);
    }
  if (since && *since && lp_logs_parse_time(since, now, &o.since_ns, &err) < 0)
    return lp_cli_ctr_fail(&err);
  if (until && *until && lp_logs_parse_time(until, now, &o.until_ns, &err) < 0)
    return lp_cli_ctr_fail(&err);
  if (tail)
    {
      char *end;
      errno = 0;
      o.tail = strtol(tail, &end, 10);
      if (!*tail || *end || errno)
        {
          lp_error(&err, 0, "invalid argument \"%s\" for \"--tail\" flag", tail);
          return lp_cli_ctr_fail(&err);
        }
      if (o.tail < 0)
        o.tail = -1;
    }
  o.timestamps = lp_args_bool(args, "timestamps");
  o.follow = lp_args_bool(args, "follow");
  /* A reader that went away (| head) ends us quietly. */
  signal(SIGPIPE, SIG_DFL);
  if (lp_cli_store_open(&s, &err) < 0)
    return lp_cli_ctr_fail(&err);

  for (int i = 0; i < args->argc; i++)
    {
      struct lp_container_info *c = NULL;
      if (lp_cli_ctr_find(s, args->argv[i], &c, &err) <= 0)
        {
          status = lp_cli_ctr_fail(&err);
          continue;
        }
      cleanup_free char *dir = lp_container_dir(c->id);
      cleanup_free char *path = xasprintf("%s/ctr.log", dir);
      cleanup_free char *prefix = NULL;
      if (lp_args_bool(args, "names") || args->argc > 1)
        prefix = xasprintf("%s ", lp_args_bool(args, "names") ? c->name : c->id);
      int fd = openat(lp_store_dirfd(s), path, O_RDONLY | O_CLOEXEC);
      if (fd < 0 && errno != ENOENT)
        {
          lp_error(&err, errno, "open the log of container %s", c->name);
          status = lp_cli_ctr_fail(&err);
        }
      else if (fd >= 0)
        {
          struct follow_ctx fc = { s, c->id };
          o.prefix = prefix;
          o.still_running = still_running;
          o.ctx = &fc;
          if (lp_logs_print(fd, &o, stdout, stderr, &err) < 0)
            status = lp_cli_ctr_fail(&err);
          close(fd);
        }
      lp_container_info_free(c);
    }
  lp_store_close(s);
  return status;
}

const struct lp_command lp_cmd_logs = {
  .name = "logs",
  .usage = "[options] CONTAINER [CONTAINER...]",
  .summary = "Fetch the logs of one or more containers",
  .description = "Prints what the container wrote to stdout (to stdout) and stderr (to stderr). With -f, keeps\n"
                 "printing new lines until the container exits. --since and --until take RFC 3339 times\n"
                 "(with or without fraction and zone), Unix timestamps, or durations before now (10m).",
  .examples = "lilipod logs -f box1\n"
              "lilipod logs --since 10m --tail 20 box1",
  .options = options,
  .min_args = 0,
  .max_args = -1,
  .complete = LP_COMPLETE_CONTAINERS,
  .run = run,
};
