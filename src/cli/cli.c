/*
 * The CLI entry: global options, command lookup, argument counts, exit codes.
 * Everything below this layer returns errors; only here are they printed.
 */
#include "command.h"
#include "version.h"
#include "../util/log.h"
#include "../util/strbuf.h"
#include "../util/xalloc.h"

#include <stdio.h>
#include <string.h>

void lp_cli_print_error(lp_error_t err)
{
  fprintf(stderr, "Error: %s\n", err && err->msg ? err->msg : "unknown error");
}

static int usage_error(const char *path, lp_error_t *err)
{
  lp_cli_print_error(*err);
  fprintf(stderr, "See 'lilipod%s%s --help'\n", *path ? " " : "", path);
  lp_error_free(err);
  return LP_EXIT_ERROR;
}

static int check_arg_count(const struct lp_command *cmd, int n, lp_error_t *err)
{
  if (cmd->min_args == cmd->max_args && n != cmd->min_args)
    return lp_error(err, 0, "accepts %d arg(s), received %d", cmd->min_args, n);
  if (n < cmd->min_args)
    return lp_error(err, 0, "requires at least %d arg(s), only received %d", cmd->min_args, n);
  if (cmd->max_args >= 0 && n > cmd->max_args)
    return lp_error(err, 0, "accepts at most %d arg(s), received %d", cmd->max_args, n);
  return 0;
}

static int apply_log_level(const char *value, lp_error_t *err)
{
  int level = lp_log_parse_level(value);
  if (level < 0)
    return lp_error(err, 0, "log level \"%s\" is not supported, choose from: debug, info, warn, error", value);
  lp_log_set_level((enum lp_log_level) level);
  return 0;
}

int lp_cli_main(int argc, char **argv)
{
  lp_error_t err = NULL;
  struct lp_args root_args;
  const struct lp_command *cmd = &lp_root_command;
  struct strbuf path = STRBUF_INIT;
  int i = 1;

  /* Global options come before the command word. */
  for (; i < argc && argv[i][0] == '-' && argv[i][1]; i++)
    {
      if (strcmp(argv[i], "--") == 0)
        {
          i++;
          break;
        }
      /* Reuse the parser on one option (and its value) at a time. */
      const struct lp_option *takes_value = NULL;
      for (const struct lp_option *o = lp_global_options; o->name; o++)
        if (o->kind != LP_OPT_BOOL && strncmp(argv[i] + 2, o->name, strlen(o->name)) == 0
            && argv[i][2 + strlen(o->name)] == '\0')
          takes_value = o;
      int n = takes_value && i + 1 < argc ? 2 : 1;
      if (lp_args_parse(cmd, n, argv + i, &root_args, &err) < 0)
        return usage_error("", &err);
      i += n - 1;
      bool help = lp_args_bool(&root_args, "help");
      bool version = lp_args_bool(&root_args, "version");
      const char *level = lp_args_str(&root_args, "log-level");
      lp_args_free(&root_args);
      if (level && apply_log_level(level, &err) < 0)
        return usage_error("", &err);
      if (help)
        {
          lp_help_print(stdout, cmd, "");
          return LP_EXIT_OK;
        }
      if (version)
        {
          printf("lilipod version %s\n", LILIPOD_VERSION);
          return LP_EXIT_OK;
        }
    }

  /* Walk down command groups: `image prune`, `system df`. */
  while (cmd->subcommands)
    {
      if (i >= argc)
        {
          if (cmd->run)
            break;
          lp_help_print(stderr, cmd, path.buf);
          fprintf(stderr, "Error: missing command 'lilipod%s%s COMMAND'\n", path.len ? " " : "", path.buf);
          strbuf_release(&path);
          return LP_EXIT_ERROR;
        }
      const struct lp_command *sub = lp_command_find(cmd, argv[i]);
      if (!sub)
        {
          if (cmd->run)
            break;
          if (argv[i][0] == '-' && path.len)
            break; /* `lilipod image --help` */
          fprintf(stderr, "Error: unrecognized command `lilipod%s%s %s`\nTry 'lilipod%s%s --help' for more information\n",
                  path.len ? " " : "", path.buf, argv[i], path.len ? " " : "", path.buf);
          strbuf_release(&path);
          return LP_EXIT_ERROR;
        }
      if (path.len)
        strbuf_addch(&path, ' ');
      strbuf_adds(&path, sub->name);
      cmd = sub;
      i++;
    }

  struct lp_args args;
  if (lp_args_parse(cmd, argc - i, argv + i, &args, &err) < 0)
    {
      int r = usage_error(path.buf, &err);
      strbuf_release(&path);
      return r;
    }
  args.path = path.buf;

  int status;
  const char *level = lp_args_str(&args, "log-level");
  if (lp_args_bool(&args, "help"))
    {
      lp_help_print(stdout, cmd, path.buf);
      status = LP_EXIT_OK;
    }
  else if ((level && apply_log_level(level, &err) < 0) || check_arg_count(cmd, args.argc, &err) < 0)
    status = usage_error(path.buf, &err);
  else if (!cmd->run)
    {
      lp_help_print(stderr, cmd, path.buf);
      fprintf(stderr, "Error: missing command 'lilipod%s%s COMMAND'\n", path.len ? " " : "", path.buf);
      status = LP_EXIT_ERROR;
    }
  else
    status = cmd->run(&args);

  lp_args_free(&args);
  strbuf_release(&path);
  fflush(stdout);
  return status;
}
