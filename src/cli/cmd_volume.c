/* lilipod volume COMMAND: create, ls, inspect, rm, prune, exists, as Podman
 * 4.3's local driver shows them (see src/container/volume.h for the layout).
 * Exit codes as Podman's: `volume rm` 1 when a volume is missing (and
 * nothing else failed), 2 when one is in use, 125 otherwise; `volume exists`
 * 0 or 1. */
#include "commands.h"
#include "image_find.h"
#include "images_cmd.h"
#include "output.h"

#include "../container/state.h"
#include "../container/supervisor.h"
#include "../container/volume.h"
#include "../util/strbuf.h"
#include "../util/xalloc.h"

#include <errno.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static cJSON *volume_json(const struct lp_volume *v, struct lp_tmpl_maps *maps)
{
  cJSON *o = cJSON_CreateObject();
  cJSON_AddStringToObject(o, "Name", v->name);
  cJSON_AddStringToObject(o, "Driver", "local");
  cJSON_AddStringToObject(o, "Mountpoint", v->mountpoint);
  cleanup_free char *created = lp_time_rfc3339(v->created / 1000000000, (long)(v->created % 1000000000));
  cJSON_AddStringToObject(o, "CreatedAt", created);
  cJSON *labels = cJSON_AddObjectToObject(o, "Labels");
  for (size_t i = 0; i < v->nlabels; i++)
    cJSON_AddStringToObject(labels, v->labels[i].key, v->labels[i].value);
  cJSON_AddStringToObject(o, "Scope", "local");
  cJSON *opts = cJSON_AddObjectToObject(o, "Options");
  for (size_t i = 0; i < v->noptions; i++)
    cJSON_AddStringToObject(opts, v->options[i].key, v->options[i].value);
  if (v->anonymous)
    cJSON_AddBoolToObject(o, "Anonymous", true);
  cJSON_AddNumberToObject(o, "MountCount", 0);
  if (v->needs_copyup)
    {
      cJSON_AddBoolToObject(o, "NeedsCopyUp", true);
      cJSON_AddBoolToObject(o, "NeedsChown", true);
    }
  if (maps)
    {
      lp_tmpl_maps_add(maps, labels);
      lp_tmpl_maps_add(maps, opts);
    }
  return o;
}

static void print_json(const cJSON *a)
{
  struct strbuf sb = STRBUF_INIT;
  lp_json_print_go(&sb, a, "     ");
  printf("%s\n", sb.buf);
  strbuf_release(&sb);
}

static int fail(lp_error_t *err, int code)
{
  lp_cli_fail(err);
  return code;
}

/* ---- create ---- */

static int run_create(struct lp_args *args)
{
  lp_error_t err = NULL;
  struct lp_store *s = NULL;
  const char *name = args->argc > 0 ? args->argv[0] : NULL;
  const char *driver = lp_args_str(args, "driver");
  size_t nl = 0, no = 0;
  cleanup_free const char **labels = lp_args_list(args, "label", &nl);
  cleanup_free const char **opts = lp_args_list(args, "opt", &no);
  struct lp_kv *kv = xcalloc(nl + 1, sizeof *kv);
  int rc = LP_EXIT_ERROR;

  if (driver && *driver && strcmp(driver, "local") != 0)
    {
      lp_error(&err, 0, "volume driver \"%s\" is not supported: lilipod has the \"local\" driver only", driver);
      goto out;
    }
  if (no > 0)
    {
      lp_error(&err, 0, "volume option \"%s\" is not supported: lilipod volumes are plain directories", opts[0]);
      goto out;
    }
  for (size_t i = 0; i < nl; i++)
    {
      const char *eq = strchr(labels[i], '=');
      kv[i].key = eq ? xstrndup(labels[i], (size_t)(eq - labels[i])) : xstrdup(labels[i]);
      kv[i].value = xstrdup(eq ? eq + 1 : "");
    }
  if (name && !lp_volume_name_valid(name))
    {
      lp_error(&err, 0, "names must match [a-zA-Z0-9][a-zA-Z0-9_.-]*: invalid argument");
      goto out;
    }
  if (lp_cli_store_open(&s, &err) < 0)
    goto out;
  struct lp_volume *v = NULL;
  if (lp_volume_create(s, name, kv, nl, false, &v, &err) < 0)
    {
      if (err->errnum == EEXIST && lp_args_bool(args, "ignore"))
        {
          lp_error_free(&err);
          printf("%s\n", name);
          rc = LP_EXIT_OK;
        }
      goto out;
    }
  printf("%s\n", v->name);
  lp_volume_free(v);
  rc = LP_EXIT_OK;
out:
  for (size_t i = 0; i < nl; i++)
    free(kv[i].key), free(kv[i].value);
  free(kv);
  if (s)
    lp_store_close(s);
  return err ? fail(&err, rc) : rc;
}

/* ---- filters (ls, prune) ---- */

static bool users_of(struct lp_store *s, const char *name, size_t *n)
{
  char **ids = NULL;
  lp_error_t e = NULL;
  *n = 0;
  if (lp_volume_users(s, name, &ids, n, &e) < 0)
    {
      lp_error_free(&e);
      return false;
    }
  lp_volume_users_free(ids, *n);
  return true;
}

static bool match_one(struct lp_store *s, const struct lp_volume *v, const char *key, const char *val)
{
  if (strcmp(key, "name") == 0)
    {
      regex_t re;
      if (regcomp(&re, val, REG_EXTENDED | REG_NOSUB) != 0)
        return strstr(v->name, val) != NULL;
      bool m = regexec(&re, v->name, 0, NULL, 0) == 0;
      regfree(&re);
      return m;
    }
  if (strcmp(key, "driver") == 0)
    return strcmp(val, "local") == 0;
  if (strcmp(key, "label") == 0)
    {
      const char *eq = strchr(val, '=');
      size_t kl = eq ? (size_t)(eq - val) : strlen(val);
      for (size_t i = 0; i < v->nlabels; i++)
        if (strlen(v->labels[i].key) == kl && strncmp(v->labels[i].key, val, kl) == 0)
          return !eq || strcmp(v->labels[i].value, eq + 1) == 0;
      return false;
    }
  if (strcmp(key, "dangling") == 0)
    {
      size_t n;
      users_of(s, v->name, &n);
      bool want = strcmp(val, "true") == 0 || strcmp(val, "1") == 0;
      return want == (n == 0);
    }
  if (strcmp(key, "anonymous") == 0)
    return v->anonymous == (strcmp(val, "true") == 0 || strcmp(val, "1") == 0);
  return false;
}

static const char *const filter_keys[] = { "name", "driver", "label", "dangling", "anonymous", NULL };

static int check_filters(const char **f, size_t n, lp_error_t *err)
{
  for (size_t i = 0; i < n; i++)
    {
      const char *eq = strchr(f[i], '=');
      if (!eq)
        return lp_error(err, 0, "invalid filter \"%s\": filters must be key=value", f[i]);
      bool known = false;
      for (size_t k = 0; filter_keys[k]; k++)
        known |= strlen(filter_keys[k]) == (size_t)(eq - f[i]) && strncmp(f[i], filter_keys[k], (size_t)(eq - f[i])) == 0;
      if (!known)
        return lp_error(err, 0, "%.*s is an invalid volume filter", (int)(eq - f[i]), f[i]);
      if (strncmp(f[i], "dangling=", 9) == 0 || strncmp(f[i], "anonymous=", 10) == 0)
        {
          bool b;
          if (lp_parse_bool(eq + 1, &b) < 0)
            return lp_error(err, 0, "%s is not a valid value for the \"%.*s\" filter: want true or false", eq + 1,
                            (int)(eq - f[i]), f[i]);
        }
    }
  return 0;
}

/* Same key: any of them; different keys: all of them. */
static bool filters_match(struct lp_store *s, const struct lp_volume *v, const char **f, size_t n)
{
  for (size_t k = 0; filter_keys[k]; k++)
    {
      bool seen = false, ok = false;
      size_t kl = strlen(filter_keys[k]);
      for (size_t i = 0; i < n; i++)
        {
          if (strncmp(f[i], filter_keys[k], kl) != 0 || f[i][kl] != '=')
            continue;
          seen = true;
          ok |= match_one(s, v, filter_keys[k], f[i] + kl + 1);
        }
      if (seen && !ok)
        return false;
    }
  return true;
}

/* ---- ls ---- */

static int run_ls(struct lp_args *args)
{
  lp_error_t err = NULL;
  struct lp_store *s = NULL;
  struct lp_volume **list = NULL;
  size_t n = 0, nf = 0;
  cleanup_free const char **filters = lp_args_list(args, "filter", &nf);
  const char *format = lp_args_str(args, "format");
  int rc = LP_EXIT_ERROR;
  if (check_filters(filters, nf, &err) < 0 || lp_cli_store_open(&s, &err) < 0 || lp_volume_list(s, &list, &n, &err) < 0)
    goto out;
  struct lp_tmpl_maps maps = LP_TMPL_MAPS_INIT;
  cJSON *rows = cJSON_CreateArray();
  for (size_t i = 0; i < n; i++)
    if (filters_match(s, list[i], filters, nf))
      cJSON_AddItemToArray(rows, volume_json(list[i], &maps));
  rc = LP_EXIT_OK;
  if (lp_args_bool(args, "quiet") && !(format && *format))
    {
      cJSON *r;
      cJSON_ArrayForEach(r, rows)
        printf("%s\n", cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(r, "Name")));
    }
  else if (format && lp_format_is_json(format))
    print_json(rows);
  else
    {
      static const char *const h[][2] = {
        { "Name", "VOLUME NAME" }, { "Driver", "DRIVER" }, { "Mountpoint", "MOUNTPOINT" },
        { "CreatedAt", "CREATED AT" }, { "Labels", "LABELS" }, { "Scope", "SCOPE" }, { "Options", "OPTIONS" },
        { "MountCount", "MOUNT COUNT" }, { "Anonymous", "ANONYMOUS" }, { "NeedsCopyUp", "NEEDS COPY UP" },
        { "NeedsChown", "NEEDS CHOWN" },
      };
      cJSON *headers = cJSON_CreateObject();
      for (size_t i = 0; i < sizeof h / sizeof h[0]; i++)
        cJSON_AddStringToObject(headers, h[i][0], h[i][1]);
      const char *fmt = format && *format ? format : "table {{.Driver}}\t{{.Name}}";
      if (lp_output_table(stdout, fmt, headers, rows, &maps, lp_args_bool(args, "noheading"), &err) < 0)
        rc = LP_EXIT_ERROR;
      cJSON_Delete(headers);
    }
  cJSON_Delete(rows);
  lp_tmpl_maps_release(&maps);
out:
  lp_volume_list_free(list, n);
  if (s)
    lp_store_close(s);
  return err ? fail(&err, LP_EXIT_ERROR) : rc;
}

/* ---- inspect ---- */

static int run_inspect(struct lp_args *args)
{
  lp_error_t err = NULL;
  struct lp_store *s = NULL;
  struct lp_volume **list = NULL;
  size_t n = 0;
  const char *format = lp_args_str(args, "format");
  bool all = lp_args_bool(args, "all");
  int rc = LP_EXIT_OK;
  if (!all && args->argc == 0)
    {
      lp_error(&err, 0, "provide one or more volume names or use --all");
      return fail(&err, LP_EXIT_ERROR);
    }
  if (lp_cli_store_open(&s, &err) < 0)
    return fail(&err, LP_EXIT_ERROR);
  if (all && lp_volume_list(s, &list, &n, &err) < 0)
    {
      lp_store_close(s);
      return fail(&err, LP_EXIT_ERROR);
    }
  struct lp_tmpl_maps maps = LP_TMPL_MAPS_INIT;
  cJSON *data = cJSON_CreateArray();
  for (size_t i = 0; i < n; i++)
    cJSON_AddItemToArray(data, volume_json(list[i], &maps));
  for (int i = 0; !all && i < args->argc; i++)
    {
      struct lp_volume *v = NULL;
      int r = lp_volume_lookup(s, args->argv[i], &v, &err);
      if (r > 0)
        {
          cJSON_AddItemToArray(data, volume_json(v, &maps));
          lp_volume_free(v);
          continue;
        }
      if (r == 0)
        lp_error(&err, 0, "no such volume %s", args->argv[i]);
      lp_cli_fail(&err);
      rc = LP_EXIT_ERROR;
    }
  if (!format || !*format || lp_format_is_json(format))
    {
      if (cJSON_GetArraySize(data) > 0 || rc == LP_EXIT_OK)
        print_json(data);
    }
  else if (cJSON_GetArraySize(data) > 0 && lp_output_table(stdout, format, NULL, data, &maps, true, &err) < 0)
    rc = fail(&err, LP_EXIT_ERROR);
  cJSON_Delete(data);
  lp_tmpl_maps_release(&maps);
  lp_volume_list_free(list, n);
  lp_store_close(s);
  return rc;
}

/* ---- rm and prune ---- */

/* Stop and remove the containers using the volume (rm -f). */
static int remove_users(struct lp_store *s, char **ids, size_t n, int timeout, lp_error_t *err)
{
  for (size_t i = 0; i < n; i++)
    {
      struct lp_container_info *c = NULL;
      int r = lp_container_lookup(s, ids[i], &c, err);
      if (r < 0)
        return -1;
      if (r == 0)
        continue;
      int lk = lp_ctr_lock(s, c->id, err);
      if (lk < 0)
        {
          lp_container_info_free(c);
          return -1;
        }
      r = lp_ctr_stop(s, c, timeout, err) == 0 && lp_ctr_remove(s, c, err) == 0 ? 0 : -1;
      lp_ctr_unlock(lk);
      lp_container_info_free(c);
      if (r < 0)
        return -1;
    }
  return 0;
}

enum
{
  RM_MISSING = 1,
  RM_IN_USE = 2,
  RM_OTHER = 4,
};

/* Remove one volume; returns 0 or an RM_* bit (the error printed). */
static int rm_one(struct lp_store *s, const char *name, bool force, int timeout, bool print)
{
  lp_error_t err = NULL;
  struct lp_volume *v = NULL;
  int r = lp_volume_lookup(s, name, &v, &err);
  if (r <= 0)
    {
      if (r == 0)
        lp_error(&err, 0, "no volume with name \"%s\" found: no such volume", name);
      lp_cli_fail(&err);
      return r == 0 ? RM_MISSING : RM_OTHER;
    }
  lp_volume_free(v);
  char **ids = NULL;
  size_t n = 0;
  if (lp_volume_users(s, name, &ids, &n, &err) < 0)
    {
      lp_cli_fail(&err);
      return RM_OTHER;
    }
  int bit = 0;
  if (n > 0 && !force)
    {
      struct strbuf b = STRBUF_INIT;
      for (size_t i = 0; i < n; i++)
        strbuf_addf(&b, "%s%s", i ? ", " : "", ids[i]);
      lp_error(&err, 0, "volume %s is being used by the following container(s): %s: volume is being used", name,
               b.buf);
      strbuf_release(&b);
      bit = RM_IN_USE;
    }
  else if (n > 0 && remove_users(s, ids, n, timeout, &err) < 0)
    bit = RM_OTHER;
  lp_volume_users_free(ids, n);
  if (!bit && lp_volume_remove(s, name, &err) < 0)
    bit = RM_OTHER;
  if (bit)
    {
      lp_cli_fail(&err);
      return bit;
    }
  if (print)
    printf("%s\n", name);
  fflush(stdout);
  return 0;
}

static int rm_status(int bits)
{
  if (bits & RM_OTHER)
    return LP_EXIT_ERROR;
  if (bits & RM_IN_USE)
    return 2;
  if (bits & RM_MISSING)
    return 1;
  return LP_EXIT_OK;
}

static int run_rm(struct lp_args *args)
{
  lp_error_t err = NULL;
  struct lp_store *s = NULL;
  bool all = lp_args_bool(args, "all"), force = lp_args_bool(args, "force");
  int timeout = 10, bits = 0;
  const char *t = lp_args_str(args, "time");
  if (t)
    {
      char *end;
      long v = strtol(t, &end, 10);
      if (!*t || *end || v < -1)
        {
          lp_error(&err, 0, "invalid argument \"%s\" for \"-t, --time\" flag", t);
          return fail(&err, LP_EXIT_ERROR);
        }
      timeout = (int)v;
    }
  if (all == (args->argc > 0))
    {
      lp_error(&err, 0, all ? "when using the --all switch, you may not pass any volume names or IDs"
                            : "choose either one or more volumes or all");
      return fail(&err, LP_EXIT_ERROR);
    }
  if (lp_cli_store_open(&s, &err) < 0)
    return fail(&err, LP_EXIT_ERROR);
  if (all)
    {
      struct lp_volume **list = NULL;
      size_t n = 0;
      if (lp_volume_list(s, &list, &n, &err) < 0)
        bits |= RM_OTHER, lp_cli_fail(&err);
      for (size_t i = 0; i < n; i++)
        bits |= rm_one(s, list[i]->name, force, timeout, true);
      lp_volume_list_free(list, n);
    }
  for (int i = 0; i < args->argc; i++)
    bits |= rm_one(s, args->argv[i], force, timeout, true);
  lp_store_close(s);
  return rm_status(bits);
}

static int run_prune(struct lp_args *args)
{
  lp_error_t err = NULL;
  struct lp_store *s = NULL;
  struct lp_volume **list = NULL;
  size_t n = 0, nf = 0;
  cleanup_free const char **filters = lp_args_list(args, "filter", &nf);
  if (check_filters(filters, nf, &err) < 0 || lp_cli_store_open(&s, &err) < 0 || lp_volume_list(s, &list, &n, &err) < 0)
    {
      if (s)
        lp_store_close(s);
      return fail(&err, LP_EXIT_ERROR);
    }
  /* The unused ones that pass the filters. */
  size_t k = 0;
  for (size_t i = 0; i < n; i++)
    {
      size_t users = 1;
      if (!users_of(s, list[i]->name, &users) || users > 0 || !filters_match(s, list[i], filters, nf))
        {
          lp_volume_free(list[i]);
          continue;
        }
      list[k++] = list[i];
    }
  n = k;
  int bits = 0;
  if (!lp_args_bool(args, "force"))
    {
      printf("WARNING! This will remove all volumes not used by at least one container. The following volumes will "
             "be removed:\n");
      for (size_t i = 0; i < n; i++)
        printf("%s\n", list[i]->name);
      printf("Are you sure you want to continue? [y/N] ");
      fflush(stdout);
      char line[16] = "";
      if (fgets(line, sizeof line, stdin) == NULL || (line[0] != 'y' && line[0] != 'Y'))
        n = 0;
    }
  for (size_t i = 0; i < n; i++)
    bits |= rm_one(s, list[i]->name, false, 10, true);
  lp_volume_list_free(list, k);
  lp_store_close(s);
  return bits ? LP_EXIT_ERROR : LP_EXIT_OK;
}

/* ---- exists ---- */

static int run_exists(struct lp_args *args)
{
  lp_error_t err = NULL;
  struct lp_store *s = NULL;
  struct lp_volume *v = NULL;
  if (lp_cli_store_open(&s, &err) < 0)
    return fail(&err, LP_EXIT_ERROR);
  int r = lp_volume_lookup(s, args->argv[0], &v, &err);
  lp_volume_free(v);
  lp_store_close(s);
  if (r < 0)
    return fail(&err, LP_EXIT_ERROR);
  return r ? LP_EXIT_OK : 1;
}

/* ---- the tables ---- */

static const struct lp_option no_options[] = { { NULL } };

static const struct lp_option create_options[] = {
  { "driver", 'd', LP_OPT_STRING, "string", "Specify volume driver name", "local", "local" },
  { "ignore", 0, LP_OPT_BOOL, NULL, "Don't fail if volume already exists", NULL, NULL },
  { "label", 'l', LP_OPT_LIST, "stringArray", "Set metadata for a volume (e.g. --label mykey=value)", NULL, NULL },
  { "opt", 'o', LP_OPT_LIST, "stringArray", "Set driver specific options (none are supported)", NULL, NULL },
  { NULL },
};

static const struct lp_command volume_create = {
  .name = "create",
  .usage = "[options] [NAME]",
  .summary = "Create a new volume",
  .description = "Creates an empty volume (a directory under $LILIPOD_HOME/volumes) and prints its name; without\n"
                 "NAME the name is 64 random hex digits. The first container that mounts it copies the image's\n"
                 "content at the mount point into it (unless the mount says nocopy).",
  .examples = "lilipod volume create mydata\nlilipod run -v mydata:/data busybox ls /data",
  .options = create_options,
  .min_args = 0,
  .max_args = 1,
  .run = run_create,
};

static const struct lp_option ls_options[] = {
  { "filter", 'f', LP_OPT_LIST, "stringArray",
    "Filter volume output (name=, label=, driver=, dangling=true|false, anonymous=true|false)", NULL, NULL },
  { "format", 0, LP_OPT_STRING, "string", "Format volume output using a Go template (\"json\" for JSON)", NULL,
    NULL },
  { "noheading", 'n', LP_OPT_BOOL, NULL, "Do not print headers", NULL, NULL },
  { "quiet", 'q', LP_OPT_BOOL, NULL, "Print volume output in quiet mode", NULL, NULL },
  { NULL },
};

static const char *const ls_aliases[] = { "list", NULL };

static const struct lp_command volume_ls = {
  .name = "ls",
  .aliases = ls_aliases,
  .usage = "[options]",
  .summary = "List volumes",
  .options = ls_options,
  .min_args = 0,
  .max_args = 0,
  .run = run_ls,
};

static const struct lp_option inspect_options[] = {
  { "all", 'a', LP_OPT_BOOL, NULL, "Inspect all volumes", NULL, NULL },
  { "format", 'f', LP_OPT_STRING, "string", "Format volume output using Go template", "json", NULL },
  { NULL },
};

static const struct lp_command volume_inspect = {
  .name = "inspect",
  .usage = "[options] VOLUME [VOLUME...]",
  .summary = "Display detailed information on one or more volumes",
  .options = inspect_options,
  .min_args = 0,
  .max_args = -1,
  .run = run_inspect,
};

static const struct lp_option rm_options[] = {
  { "all", 'a', LP_OPT_BOOL, NULL, "Remove all volumes", NULL, NULL },
  { "force", 'f', LP_OPT_BOOL, NULL, "Remove a volume by force, even if it is being used by a container (the "
                                      "containers go first)", NULL, NULL },
  { "time", 't', LP_OPT_STRING, "int", "Seconds to wait for running containers to stop before killing them", "10",
    NULL },
  { NULL },
};

static const char *const rm_aliases[] = { "remove", NULL };

static const struct lp_command volume_rm = {
  .name = "rm",
  .aliases = rm_aliases,
  .usage = "[options] VOLUME [VOLUME...]",
  .summary = "Remove one or more volumes",
  .description = "A volume a container uses is refused (exit 2) unless --force, which removes those containers\n"
                 "first. A missing volume exits 1.",
  .options = rm_options,
  .min_args = 0,
  .max_args = -1,
  .run = run_rm,
};

static const struct lp_option prune_options[] = {
  { "filter", 0, LP_OPT_LIST, "stringArray", "Provide filter values (e.g. 'label=<key>=<value>')", NULL, NULL },
  { "force", 'f', LP_OPT_BOOL, NULL, "Do not prompt for confirmation", NULL, NULL },
  { NULL },
};

static const struct lp_command volume_prune = {
  .name = "prune",
  .usage = "[options]",
  .summary = "Remove all unused volumes",
  .options = prune_options,
  .min_args = 0,
  .max_args = 0,
  .run = run_prune,
};

static const struct lp_command volume_exists = {
  .name = "exists",
  .usage = "VOLUME",
  .summary = "Check if the given volume exists",
  .description = "Exit status 0 if the volume exists, 1 if it does not; prints nothing.",
  .options = no_options,
  .min_args = 1,
  .max_args = 1,
  .run = run_exists,
};

static const struct lp_command *const subcommands[] = {
  &volume_create, &volume_exists, &volume_inspect, &volume_ls, &volume_prune, &volume_rm, NULL,
};

const struct lp_command lp_cmd_volume = {
  .name = "volume",
  .usage = "COMMAND",
  .summary = "Manage volumes",
  .options = no_options,
  .min_args = 0,
  .max_args = -1,
  .complete = LP_COMPLETE_COMMANDS,
  .subcommands = subcommands,
};
