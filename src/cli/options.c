/* The option parser: see command.h for the rules it follows. */
#include "command.h"
#include "../util/xalloc.h"

#include <stdlib.h>
#include <string.h>

const struct lp_option lp_global_options[] = {
  { "log-level", 0, LP_OPT_STRING, "string", "Log messages above specified level (debug, info, warn, error)", "warn",
    "debug info warn error" },
  { "help", 'h', LP_OPT_BOOL, NULL, "Help for this command", NULL, NULL },
  { NULL },
};

int lp_parse_bool(const char *s, bool *out)
{
  static const char *const yes[] = { "1", "t", "T", "true", "TRUE", "True" };
  static const char *const no[] = { "0", "f", "F", "false", "FALSE", "False" };
  for (size_t i = 0; i < sizeof yes / sizeof yes[0]; i++)
    {
      if (strcmp(s, yes[i]) == 0)
        return *out = true, 0;
      if (strcmp(s, no[i]) == 0)
        return *out = false, 0;
    }
  return -1;
}

static const struct lp_option *find_long(const struct lp_command *cmd, const char *name, size_t len)
{
  const struct lp_option *lists[] = { cmd->options, lp_global_options };
  for (size_t l = 0; l < 2; l++)
    for (const struct lp_option *o = lists[l]; o && o->name; o++)
      if (strlen(o->name) == len && strncmp(o->name, name, len) == 0)
        return o;
  return NULL;
}

static const struct lp_option *find_short(const struct lp_command *cmd, char c)
{
  /* The command's own shorthands win: `create -h` is --hostname. */
  for (const struct lp_option *o = cmd->options; o && o->name; o++)
    if (o->shorthand == c)
      return o;
  for (const struct lp_option *o = lp_global_options; o->name; o++)
    if (o->shorthand == c)
      return o;
  return NULL;
}

static void push_value(struct lp_args *out, const struct lp_option *opt, const char *value)
{
  out->values = xreallocarray(out->values, out->nvalues + 1, sizeof *out->values);
  out->values[out->nvalues].opt = opt;
  out->values[out->nvalues].value = value;
  out->nvalues++;
}

static void push_positional(struct lp_args *out, char *arg)
{
  out->argv = xreallocarray(out->argv, (size_t) out->argc + 2, sizeof *out->argv);
  out->argv[out->argc++] = arg;
  out->argv[out->argc] = NULL;
}

static int check_bool_value(const struct lp_option *opt, const char *value, const char *shown, lp_error_t *err)
{
  bool b;
  if (value && lp_parse_bool(value, &b) < 0)
    return lp_error(err, 0, "invalid argument \"%s\" for \"%s\" flag: strconv.ParseBool: parsing \"%s\": invalid syntax",
                    value, shown, value);
  (void) opt;
  return 0;
}

static int parse_long(const struct lp_command *cmd, char *arg, int argc, char **argv, int *i, struct lp_args *out,
                      lp_error_t *err)
{
  const char *name = arg + 2;
  const char *eq = strchr(name, '=');
  size_t len = eq ? (size_t) (eq - name) : strlen(name);
  const struct lp_option *opt = find_long(cmd, name, len);

  if (!opt)
    return lp_error(err, 0, "unknown flag: --%.*s", (int) len, name);
  if (opt->kind == LP_OPT_BOOL)
    {
      if (check_bool_value(opt, eq ? eq + 1 : NULL, arg, err) < 0)
        return -1;
      push_value(out, opt, eq ? eq + 1 : NULL);
      return 0;
    }
  if (eq)
    push_value(out, opt, eq + 1);
  else if (*i + 1 < argc)
    push_value(out, opt, argv[++*i]);
  else
    return lp_error(err, 0, "flag needs an argument: --%s", opt->name);
  return 0;
}

static int parse_short_cluster(const struct lp_command *cmd, char *arg, int argc, char **argv, int *i,
                               struct lp_args *out, lp_error_t *err)
{
  for (const char *p = arg + 1; *p; p++)
    {
      const struct lp_option *opt = find_short(cmd, *p);
      if (!opt)
        return lp_error(err, 0, "unknown shorthand flag: '%c' in %s", *p, arg);
      if (opt->kind == LP_OPT_BOOL)
        {
          if (p[1] == '=')
            {
              char shown[3] = { '-', *p, 0 };
              if (check_bool_value(opt, p + 2, shown, err) < 0)
                return -1;
              push_value(out, opt, p + 2);
              return 0;
            }
          push_value(out, opt, NULL);
          continue;
        }
      /* A value-taking shorthand ends the cluster: -uroot, -u=root, -u root. */
      if (p[1] == '=')
        push_value(out, opt, p + 2);
      else if (p[1])
        push_value(out, opt, p + 1);
      else if (*i + 1 < argc)
        push_value(out, opt, argv[++*i]);
      else
        return lp_error(err, 0, "flag needs an argument: '%c' in %s", *p, arg);
      return 0;
    }
  return 0;
}

int lp_args_parse(const struct lp_command *cmd, int argc, char **argv, struct lp_args *out, lp_error_t *err)
{
  bool only_positionals = false;

  memset(out, 0, sizeof *out);
  out->cmd = cmd;
  out->argv = xcalloc(1, sizeof *out->argv);

  for (int i = 0; i < argc; i++)
    {
      char *arg = argv[i];
      int r = 0;

      if (only_positionals || arg[0] != '-' || arg[1] == '\0')
        {
          push_positional(out, arg);
          if (cmd->flags & LP_CMD_STOP_AT_POSITIONAL)
            only_positionals = true;
          continue;
        }
      if (strcmp(arg, "--") == 0)
        {
          only_positionals = true;
          continue;
        }
      if (arg[1] == '-')
        r = parse_long(cmd, arg, argc, argv, &i, out, err);
      else
        r = parse_short_cluster(cmd, arg, argc, argv, &i, out, err);
      if (r < 0)
        {
          lp_args_free(out);
          return -1;
        }
    }
  return 0;
}

void lp_args_free(struct lp_args *args)
{
  free(args->argv);
  free(args->values);
  args->argv = NULL;
  args->values = NULL;
  args->argc = 0;
  args->nvalues = 0;
}

static const struct lp_opt_value *last_value(const struct lp_args *args, const char *name)
{
  for (size_t i = args->nvalues; i > 0; i--)
    if (strcmp(args->values[i - 1].opt->name, name) == 0)
      return &args->values[i - 1];
  return NULL;
}

bool lp_args_has(const struct lp_args *args, const char *name)
{
  return last_value(args, name) != NULL;
}

bool lp_args_bool(const struct lp_args *args, const char *name)
{
  const struct lp_opt_value *v = last_value(args, name);
  bool b = true;
  if (!v)
    return false;
  if (v->value)
    lp_parse_bool(v->value, &b); /* validated at parse time */
  return b;
}

const char *lp_args_str(const struct lp_args *args, const char *name)
{
  const struct lp_opt_value *v = last_value(args, name);
  return v ? v->value : NULL;
}

const char **lp_args_list(const struct lp_args *args, const char *name, size_t *n)
{
  const char **list = xcalloc(args->nvalues + 1, sizeof *list);
  size_t count = 0;
  for (size_t i = 0; i < args->nvalues; i++)
    if (strcmp(args->values[i].opt->name, name) == 0)
      list[count++] = args->values[i].value;
  if (n)
    *n = count;
  return list;
}

const struct lp_command *lp_command_find(const struct lp_command *parent, const char *name)
{
  if (!parent->subcommands)
    return NULL;
  for (const struct lp_command *const *c = parent->subcommands; *c; c++)
    {
      if (strcmp((*c)->name, name) == 0)
        return *c;
      for (const char *const *a = (*c)->aliases; a && *a; a++)
        if (strcmp(*a, name) == 0)
          return *c;
    }
  return NULL;
}
