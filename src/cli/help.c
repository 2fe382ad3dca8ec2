/* Help text and man pages, both generated from the command table. */
#include "command.h"
#include "../util/strbuf.h"
#include "../util/xalloc.h"
#include "../util/fsutil.h"
#include "version.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

static void option_left_column(struct strbuf *sb, const struct lp_option *o)
{
  if (o->shorthand)
    strbuf_addf(sb, "  -%c, --%s", o->shorthand, o->name);
  else
    strbuf_addf(sb, "      --%s", o->name);
  if (o->arg)
    strbuf_addf(sb, " %s", o->arg);
}

static bool is_visible(const struct lp_command *c)
{
  return !(c->flags & LP_CMD_HIDDEN);
}

static void print_options(FILE *out, const struct lp_option *const lists[], size_t nlists)
{
  size_t width = 0;
  for (size_t l = 0; l < nlists; l++)
    for (const struct lp_option *o = lists[l]; o && o->name; o++)
      {
        struct strbuf sb = STRBUF_INIT;
        option_left_column(&sb, o);
        if (sb.len > width)
          width = sb.len;
        strbuf_release(&sb);
      }
  for (size_t l = 0; l < nlists; l++)
    for (const struct lp_option *o = lists[l]; o && o->name; o++)
      {
        struct strbuf sb = STRBUF_INIT;
        option_left_column(&sb, o);
        fprintf(out, "%-*s   %s", (int) width, sb.buf, o->help);
        if (o->defval)
          fprintf(out, " (default \"%s\")", o->defval);
        fputc('\n', out);
        strbuf_release(&sb);
      }
}

static void print_indented(FILE *out, const char *text)
{
  const char *p = text;
  while (*p)
    {
      const char *nl = strchr(p, '\n');
      size_t len = nl ? (size_t) (nl - p) : strlen(p);
      if (len)
        fprintf(out, "  %.*s\n", (int) len, p);
      else
        fputc('\n', out);
      p += len + (nl ? 1 : 0);
    }
}

void lp_help_print(FILE *out, const struct lp_command *cmd, const char *path)
{

  fprintf(out, "%s\n\n", cmd->summary);
  if (cmd->description)
    {
      fprintf(out, "Description:\n");
      print_indented(out, cmd->description);
      fputc('\n', out);
    }
  fprintf(out, "Usage:\n  lilipod%s%s %s\n\n", *path ? " " : "", path, cmd->usage);
  if (cmd->aliases && cmd->aliases[0])
    {
      fprintf(out, "Aliases:\n  %s", cmd->name);
      for (const char *const *a = cmd->aliases; *a; a++)
        fprintf(out, ", %s", *a);
      fprintf(out, "\n\n");
    }
  if (cmd->examples)
    {
      fprintf(out, "Examples:\n");
      print_indented(out, cmd->examples);
      fputc('\n', out);
    }
  if (cmd->subcommands)
    {
      size_t width = 0;
      fprintf(out, "Available Commands:\n");
      for (const struct lp_command *const *c = cmd->subcommands; *c; c++)
        if (is_visible(*c) && strlen((*c)->name) > width)
          width = strlen((*c)->name);
      for (const struct lp_command *const *c = cmd->subcommands; *c; c++)
        if (is_visible(*c))
          fprintf(out, "  %-*s  %s\n", (int) width, (*c)->name, (*c)->summary);
      fputc('\n', out);
    }
  const struct lp_option *const lists[] = { cmd->options, lp_global_options };
  fprintf(out, "Options:\n");
  print_options(out, lists, 2);
}

/* --- man pages ---------------------------------------------------------- */

static void man_escape(struct strbuf *sb, const char *text)
{
  bool line_start = true;
  for (const char *p = text; *p; p++)
    {
      if (line_start && (*p == '.' || *p == '\''))
        strbuf_adds(sb, "\\&");
      if (*p == '\\')
        strbuf_adds(sb, "\\e");
      else if (*p == '-')
        strbuf_adds(sb, "\\-");
      else
        strbuf_addch(sb, *p);
      line_start = *p == '\n';
    }
}

static void man_paragraphs(struct strbuf *sb, const char *text)
{
  const char *p = text;
  while (*p)
    {
      const char *nl = strchr(p, '\n');
      size_t len = nl ? (size_t) (nl - p) : strlen(p);
      cleanup_free char *line = xstrndup(p, len);
      if (len == 0)
        strbuf_adds(sb, ".PP\n");
      else
        {
          man_escape(sb, line);
          strbuf_addch(sb, '\n');
        }
      p += len + (nl ? 1 : 0);
    }
}

static void man_page(struct strbuf *sb, const struct lp_command *cmd, const char *path, const char *page)
{
  cleanup_free char *upper = xstrdup(page);
  for (char *p = upper; *p; p++)
    if (*p >= 'a' && *p <= 'z')
      *p = (char) (*p - 'a' + 'A');
  strbuf_addf(sb, ".TH %s 1 \"\" \"lilipod %s\" \"User Commands\"\n", upper, LILIPOD_VERSION);
  strbuf_adds(sb, ".SH NAME\n");
  man_escape(sb, page);
  strbuf_adds(sb, " \\- ");
  man_escape(sb, cmd->summary);
  strbuf_adds(sb, "\n.SH SYNOPSIS\n\\fBlilipod");
  if (*path)
    {
      strbuf_addch(sb, ' ');
      man_escape(sb, path);
    }
  strbuf_adds(sb, "\\fR ");
  man_escape(sb, cmd->usage);
  strbuf_adds(sb, "\n.SH DESCRIPTION\n");
  man_paragraphs(sb, cmd->description ? cmd->description : cmd->summary);
  if (cmd->subcommands)
    {
      strbuf_adds(sb, ".SH COMMANDS\n");
      for (const struct lp_command *const *c = cmd->subcommands; *c; c++)
        {
          if (!is_visible(*c))
            continue;
          strbuf_addf(sb, ".TP\n\\fB%s%s", *path ? path : "", *path ? "\\-" : "lilipod\\-");
          man_escape(sb, (*c)->name);
          strbuf_adds(sb, "\\fR(1)\n");
          man_escape(sb, (*c)->summary);
          strbuf_addch(sb, '\n');
        }
    }
  strbuf_adds(sb, ".SH OPTIONS\n");
  const struct lp_option *const lists[] = { cmd->options, lp_global_options };
  for (size_t l = 0; l < 2; l++)
    for (const struct lp_option *o = lists[l]; o && o->name; o++)
      {
        strbuf_adds(sb, ".TP\n");
        if (o->shorthand)
          strbuf_addf(sb, "\\fB\\-%c\\fR, ", o->shorthand);
        strbuf_adds(sb, "\\fB\\-\\-");
        man_escape(sb, o->name);
        strbuf_adds(sb, "\\fR");
        if (o->arg)
          strbuf_addf(sb, "=\\fI%s\\fR", o->arg);
        strbuf_addch(sb, '\n');
        man_escape(sb, o->help);
        if (o->defval)
          {
            strbuf_adds(sb, " (default: ");
            man_escape(sb, o->defval);
            strbuf_adds(sb, ")");
          }
        strbuf_addch(sb, '\n');
      }
  if (cmd->examples)
    {
      strbuf_adds(sb, ".SH EXAMPLES\n.nf\n");
      man_escape(sb, cmd->examples);
      strbuf_adds(sb, "\n.fi\n");
    }
  strbuf_adds(sb, ".SH SEE ALSO\n\\fBlilipod\\fR(1)\n");
}

static int write_pages(const char *dir, const struct lp_command *cmd, const char *path, lp_error_t *err)
{
  cleanup_free char *page = *path ? xasprintf("lilipod-%s", path) : xstrdup("lilipod");
  for (char *p = page; *p; p++)
    if (*p == ' ')
      *p = '-';
  struct strbuf sb = STRBUF_INIT;
  man_page(&sb, cmd, path, page);
  cleanup_free char *file = xasprintf("%s/%s.1", dir, page);
  int r = lp_write_file_at(AT_FDCWD, file, sb.buf, sb.len, 0644, 0, err);
  strbuf_release(&sb);
  if (r < 0)
    return r;
  for (const struct lp_command *const *c = cmd->subcommands; c && *c; c++)
    {
      if (!is_visible(*c))
        continue;
      cleanup_free char *sub = *path ? xasprintf("%s %s", path, (*c)->name) : xstrdup((*c)->name);
      if (write_pages(dir, *c, sub, err) < 0)
        return -1;
    }
  return 0;
}

int lp_man_write_all(const char *dir, lp_error_t *err)
{
  if (lp_mkdir_p_at(AT_FDCWD, dir, 0755, err) < 0)
    return -1;
  return write_pages(dir, &lp_root_command, "", err);
}
