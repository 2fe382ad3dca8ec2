/*
 * command: the one command table and the option parser built on it.
 *
 * Contract: every command lilipod knows is a `struct lp_command` reachable
 * from lp_root_command. Help text, man pages and shell completion are all
 * generated from these tables, so they never disagree with the parser.
 *
 * Parsing follows Podman (pflag): `--flag value`, `--flag=value`, `-abc`
 * clusters, `-uVALUE`/`-u VALUE`/`-u=VALUE`, repeated flags, empty values,
 * `--` ends the options, and `--bool=false`. Commands flagged
 * LP_CMD_STOP_AT_POSITIONAL stop at their first positional argument: what
 * follows belongs to the container, verbatim. The global `--log-level` and
 * `--help` are accepted by every command. Values point into argv (no copies);
 * their command-line order is kept, for options whose order matters (volumes).
 */
#ifndef LILIPOD_CLI_COMMAND_H
#define LILIPOD_CLI_COMMAND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "../util/error.h"

enum lp_opt_kind
{
  LP_OPT_BOOL,   /* --flag, --flag=true|false */
  LP_OPT_STRING, /* --flag VALUE; the last one wins */
  LP_OPT_LIST,   /* --flag VALUE, repeatable; all kept in order */
};

struct lp_option
{
  const char *name; /* long name, without the dashes */
  char shorthand;   /* 0 if none */
  enum lp_opt_kind kind;
  const char *arg;  /* placeholder in help: "string", "stringArray", "uint" */
  const char *help;
  const char *defval; /* default shown in help, or NULL */
  const char *complete; /* what values complete to: "containers", "images", a
                         * space-separated word list, or NULL */
};

/* What a command's positional arguments complete to. */
#define LP_COMPLETE_CONTAINERS "@containers"
#define LP_COMPLETE_IMAGES "@images"
#define LP_COMPLETE_COMMANDS "@commands"
#define LP_COMPLETE_FILES "@files"

enum
{
  LP_CMD_STOP_AT_POSITIONAL = 1 << 0, /* the rest belongs to the container */
  LP_CMD_HIDDEN = 1 << 1,             /* not in help or completion */
};

struct lp_args;

struct lp_command
{
  const char *name;
  const char *const *aliases; /* NULL-terminated, or NULL */
  const char *usage;          /* after "lilipod NAME ", e.g. "[options] IMAGE" */
  const char *summary;        /* one line */
  const char *description;    /* paragraphs, or NULL */
  const char *examples;       /* lines, or NULL */
  const struct lp_option *options; /* terminated by { NULL } */
  unsigned flags;
  int min_args, max_args; /* max -1: unlimited */
  const char *complete;   /* LP_COMPLETE_* for positionals, or NULL */
  int (*run)(struct lp_args *args);
  const struct lp_command *const *subcommands; /* NULL-terminated, for groups */
};

struct lp_opt_value
{
  const struct lp_option *opt;
  const char *value; /* NULL for a plain bool flag */
};

struct lp_args
{
  const struct lp_command *cmd;
  const char *path; /* "image prune": the words that named the command */
  int argc;         /* positionals */
  char **argv;
  size_t nvalues;
  struct lp_opt_value *values; /* every option given, in command-line order */
};

extern const struct lp_command lp_root_command;
/* Options every command accepts (--log-level, --help). */
extern const struct lp_option lp_global_options[];

/* Parse argv (after the command's own name) for cmd. On error, fills err with
 * a Podman-like message ("unknown flag: --foo") and returns -1. */
int lp_args_parse(const struct lp_command *cmd, int argc, char **argv, struct lp_args *out, lp_error_t *err);
void lp_args_free(struct lp_args *args);

/* Option accessors by long name. An option never given reads as its
 * zero value: false, NULL, an empty list. */
bool lp_args_has(const struct lp_args *args, const char *name);
bool lp_args_bool(const struct lp_args *args, const char *name);
const char *lp_args_str(const struct lp_args *args, const char *name);
/* A fresh NULL-terminated array of the values, in order (free the array
 * only); *n gets the count. */
const char **lp_args_list(const struct lp_args *args, const char *name, size_t *n);
/* Parse a bool value as pflag does: 1, t, T, TRUE, true, True, 0, f, ... */
int lp_parse_bool(const char *s, bool *out);

/* Find a subcommand of parent by name or alias. */
const struct lp_command *lp_command_find(const struct lp_command *parent, const char *name);

/* Generated documents. */
void lp_help_print(FILE *out, const struct lp_command *cmd, const char *path);
int lp_man_write_all(const char *dir, lp_error_t *err);
int lp_completion_print(FILE *out, const char *shell, lp_error_t *err);

/* Print an error the way every command does: "Error: msg" on stderr. */
void lp_cli_print_error(lp_error_t err);

/* The entry point: parses the global options, finds the command, runs it,
 * and returns the process exit status. */
int lp_cli_main(int argc, char **argv);

/* Exit codes, as Podman's. */
enum
{
  LP_EXIT_OK = 0,
  LP_EXIT_ERROR = 125,
  LP_EXIT_CANNOT_INVOKE = 126,
  LP_EXIT_NOT_FOUND = 127,
};

#endif
