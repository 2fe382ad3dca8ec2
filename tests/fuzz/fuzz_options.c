/* Fuzz the option parser: the input is split into argv at NUL bytes; the
 * first word picks a command of lilipod's real table (descending into
 * groups), or a fixed run-like table when it names none; the rest is parsed,
 * then every option is read back through the accessors. */
#include "cli/command.h"
#include "fuzz.h"

static const struct lp_option run_opts[] = {
  { "name", 0, LP_OPT_STRING, "string", "name", NULL, NULL },
  { "env", 'e', LP_OPT_LIST, "stringArray", "env", NULL, NULL },
  { "volume", 'v', LP_OPT_LIST, "stringArray", "volume", NULL, NULL },
  { "interactive", 'i', LP_OPT_BOOL, NULL, "stdin", NULL, NULL },
  { "tty", 't', LP_OPT_BOOL, NULL, "tty", NULL, NULL },
  { "user", 'u', LP_OPT_STRING, "string", "user", NULL, NULL },
  { NULL },
};

static const struct lp_command run_cmd = {
  .name = "run", .usage = "IMAGE", .summary = "run", .options = run_opts,
  .flags = LP_CMD_STOP_AT_POSITIONAL, .min_args = 1, .max_args = -1,
};

static void read_back(const struct lp_args *a, const struct lp_option *opts)
{
  for (const struct lp_option *o = opts; o && o->name; o++)
    {
      (void) lp_args_has(a, o->name);
      if (o->kind == LP_OPT_BOOL)
        (void) lp_args_bool(a, o->name);
      else if (o->kind == LP_OPT_STRING)
        (void) lp_args_str(a, o->name);
      else
        {
          size_t n;
          const char **l = lp_args_list(a, o->name, &n);
          for (size_t i = 0; i < n; i++)
            if (!l[i])
              abort();
          if (l[n])
            abort();
          free(l);
        }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  char *buf = fuzz_cstr(data, size);
  int argc = 0;
  char **argv = malloc((size + 2) * sizeof *argv);
  if (!argv)
    abort();
  for (size_t i = 0; i <= size;)
    {
      argv[argc++] = buf + i;
      i += strlen(buf + i) + 1;
    }
  argv[argc] = NULL;

  const struct lp_command *cmd = &lp_root_command;
  int first = 0;
  while (first < argc && cmd->subcommands)
    {
      const struct lp_command *sub = lp_command_find(cmd, argv[first]);
      if (!sub)
        break;
      cmd = sub;
      first++;
    }
  if (cmd == &lp_root_command)
    cmd = &run_cmd;

  struct lp_args a;
  lp_error_t err = NULL;
  if (lp_args_parse(cmd, argc - first, argv + first, &a, &err) == 0)
    {
      if (a.argc < 0 || a.argc > argc)
        abort();
      for (int i = 0; i < a.argc; i++)
        if (!a.argv[i])
          abort();
      read_back(&a, cmd->options);
      read_back(&a, lp_global_options);
      lp_args_free(&a);
    }
  else
    {
      if (!err || !err->msg)
        abort();
      lp_error_free(&err);
    }
  free(argv);
  free(buf);
  return 0;
}
