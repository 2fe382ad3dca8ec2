/* lilipod ps [options]: the containers, as Podman 4.3 lists them. */
#include "commands.h"
#include "container_json.h"
#include "image_find.h"
#include "images_cmd.h"
#include "output.h"

#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../container/config.h"
#include "../container/network.h"
#include "../container/state.h"
#include "../util/log.h"
#include "../util/strbuf.h"
#include "../util/xalloc.h"

static const struct lp_option options[] = {
  { "all", 'a', LP_OPT_BOOL, NULL, "Show all the containers, default is only running containers", NULL, NULL },
  { "filter", 'f', LP_OPT_LIST, "stringArray",
    "Filter output based on conditions given (name=, id=, label=, status=, ancestor=)", NULL, NULL },
  { "format", 0, LP_OPT_STRING, "string", "Pretty-print containers to JSON or using a Go template", NULL, NULL },
  { "last", 'n', LP_OPT_STRING, "int", "Print the n last created containers (all states)", "-1", NULL },
  { "latest", 'l', LP_OPT_BOOL, NULL, "Act on the latest container lilipod is aware of", NULL, NULL },
  { "no-trunc", 0, LP_OPT_BOOL, NULL, "Display the extended information", NULL, NULL },
  { "noheading", 0, LP_OPT_BOOL, NULL, "Do not print headers", NULL, NULL },
  { "quiet", 'q', LP_OPT_BOOL, NULL, "Print the numeric IDs of the containers only", NULL, NULL },
  { "size", 's', LP_OPT_BOOL, NULL, "Display the total file sizes", NULL, NULL },
  { "sort", 0, LP_OPT_STRING, "choice", "Sort output by: command, created, id, image, names, status", "created",
    "command created id image names status" },
  { "external", 0, LP_OPT_BOOL, NULL, "Show containers in storage not controlled by lilipod (none)", NULL, NULL },
  { "ns", 0, LP_OPT_BOOL, NULL, "Display namespace information (not supported)", NULL, NULL },
  { "pod", 'p', LP_OPT_BOOL, NULL, "Print the ID and name of the pod the containers are associated with", NULL, NULL },
  { "sync", 0, LP_OPT_BOOL, NULL, "Sync container state with OCI runtime (no-op)", NULL, NULL },
  { "watch", 'w', LP_OPT_STRING, "uint", "Watch the ps output on an interval in seconds (not supported)", NULL, NULL },
  { NULL },
};

struct entry
{
  struct lp_container_info *c;
  struct lp_ctr_config *cfg;
};

/* Podman's psReporter.State(). */
static char *status_text(const struct lp_container_info *c, int64_t now)
{
  const char *st = c->status ? c->status : "created";
  if (strcmp(st, "running") == 0)
    {
      cleanup_free char *d = lp_human_duration(now - c->started_at / 1000000000);
      return xasprintf("Up %s", d);
    }
  if (strcmp(st, "exited") == 0 || strcmp(st, "stopped") == 0)
    {
      cleanup_free char *ago = lp_human_ago(c->finished_at / 1000000000, now);
      return xasprintf("Exited (%d) %s", c->exit_code, ago);
    }
  if (strcmp(st, "created") == 0 || strcmp(st, "configured") == 0)
    return xstrdup("Created");
  return xstrdup(st);
}

static char *command_text(const struct lp_ctr_config *cfg, bool notrunc)
{
  struct strbuf b = STRBUF_INIT;
  for (size_t i = 0; cfg->args && cfg->args[i]; i++)
    {
      if (i)
        strbuf_addch(&b, ' ');
      strbuf_adds(&b, cfg->args[i]);
    }
  if (!notrunc && b.len > 17)
    {
      strbuf_setlen(&b, 17);
      strbuf_adds(&b, "...");
    }
  return strbuf_detach(&b, NULL);
}

static bool name_matches(const char *pattern, const char *name)
{
  regex_t re;
  if (regcomp(&re, pattern, REG_EXTENDED | REG_NOSUB) != 0)
    return strstr(name, pattern) != NULL;
  bool m = regexec(&re, name, 0, NULL, 0) == 0;
  regfree(&re);
  return m;
}

static bool filter_one(const struct entry *e, const char *key, const char *val)
{
  const struct lp_container_info *c = e->c;
  if (strcmp(key, "name") == 0)
    return name_matches(val, c->name);
  if (strcmp(key, "id") == 0)
    return strncmp(c->id, val, strlen(val)) == 0;
  if (strcmp(key, "label") == 0)
    {
      const char *eq = strchr(val, '=');
      cleanup_free char *k = eq ? xstrndup(val, (size_t)(eq - val)) : xstrdup(val);
      const char *v = lp_ctr_label(e->cfg, k);
      if (!v)
        return false;
      return !eq || strcmp(v, eq + 1) == 0;
    }
  if (strcmp(key, "status") == 0)
    {
      const char *st = c->status ? c->status : "created";
      if (strcmp(val, "exited") == 0)
        return strcmp(st, "exited") == 0 || strcmp(st, "stopped") == 0;
      return strcmp(st, val) == 0;
    }
  if (strcmp(key, "ancestor") == 0)
    {
      const char *img = c->image_id ? c->image_id : "";
      const char *hex = strncmp(img, "sha256:", 7) == 0 ? img + 7 : img;
      if (strncmp(hex, val, strlen(val)) == 0 || strcmp(img, val) == 0)
        return true;
      const char *names[] = { e->cfg->image, e->cfg->image_name, NULL };
      for (size_t i = 0; names[i]; i++)
        {
          if (strcmp(names[i], val) == 0)
            return true;
          /* "busybox" matches "reg/busybox:latest" */
          size_t n = strlen(names[i]), vl = strlen(val);
          const char *base = strrchr(names[i], '/');
          base = base ? base + 1 : names[i];
          if (strncmp(base, val, vl) == 0 && (base[vl] == ':' || base[vl] == '\0'))
            return true;
          (void)n;
        }
      return false;
    }
  return false;
}

static const char *const filter_keys[] = { "name", "id", "label", "status", "ancestor", NULL };

/* Same key: any of them; different keys: all of them. */
static bool filters_match(const struct entry *e, const char **filters, size_t n)
{
  for (size_t k = 0; filter_keys[k]; k++)
    {
      bool seen = false, ok = false;
      for (size_t i = 0; i < n; i++)
        {
          const char *eq = strchr(filters[i], '=');
          size_t kl = eq ? (size_t)(eq - filters[i]) : strlen(filters[i]);
          if (kl != strlen(filter_keys[k]) || strncmp(filters[i], filter_keys[k], kl) != 0)
            continue;
          seen = true;
          if (filter_one(e, filter_keys[k], eq ? eq + 1 : ""))
            ok = true;
        }
      if (seen && !ok)
        return false;
    }
  return true;
}

static int check_filters(const char **filters, size_t n, lp_error_t *err)
{
  for (size_t i = 0; i < n; i++)
    {
      const char *eq = strchr(filters[i], '=');
      bool known = false;
      for (size_t k = 0; eq && filter_keys[k]; k++)
        if ((size_t)(eq - filters[i]) == strlen(filter_keys[k]) && strncmp(filters[i], filter_keys[k], (size_t)(eq - filters[i])) == 0)
          known = true;
      if (!eq)
        return lp_error(err, 0, "invalid filter \"%s\": filters must be key=value", filters[i]);
      if (!known)
        return lp_error(err, 0, "%.*s is an invalid filter", (int)(eq - filters[i]), filters[i]);
    }
  return 0;
}

static int by_created_desc(const void *a, const void *b)
{
  const struct entry *x = a, *y = b;
  return x->c->created < y->c->created ? 1 : x->c->created > y->c->created ? -1 : strcmp(x->c->id, y->c->id);
}

/* go-units HumanSizeWithPrecision(n, 3): "0B", "12.3kB" (no space). */
static char *size_text(int64_t n)
{
  char *t = lp_human_size((double)n);
  char *sp = strchr(t, ' ');
  if (sp)
    memmove(sp, sp + 1, strlen(sp));
  return t;
}

/* size: with -s; size_json: as Podman's JSON, {"rootFsSize", "rwSize"},
 * else the "RW (virtual ROOTFS)" text its templates see. */
static cJSON *row(struct lp_store *s, const struct entry *e, bool notrunc, bool size, bool size_json, int64_t now,
                  struct lp_tmpl_maps *maps)
{
  const struct lp_container_info *c = e->c;
  const struct lp_ctr_config *cfg = e->cfg;
  cJSON *o = cJSON_CreateObject();
  const char *st = c->status ? c->status : "created";
  cleanup_free char *status = status_text(c, now);
  cleanup_free char *cmd = command_text(cfg, notrunc);
  cleanup_free char *created_ago = lp_human_ago(c->created / 1000000000, now);
  cleanup_free char *created_at = lp_time_go(c->created / 1000000000, (long)(c->created % 1000000000));
  const char *image_id = c->image_id ? c->image_id : "";
  if (strncmp(image_id, "sha256:", 7) == 0)
    image_id += 7;

  cJSON_AddBoolToObject(o, "AutoRemove", cfg->auto_remove);
  cJSON_AddStringToObject(o, "Command", cmd);
  cJSON_AddStringToObject(o, "Created", created_ago);
  cJSON_AddStringToObject(o, "CreatedAt", created_at);
  cJSON_AddStringToObject(o, "CreatedHuman", created_ago);
  cJSON_AddBoolToObject(o, "Exited", strcmp(st, "exited") == 0 || strcmp(st, "stopped") == 0);
  cJSON_AddNumberToObject(o, "ExitedAt", (double)(c->finished_at / 1000000000));
  cJSON_AddNumberToObject(o, "ExitCode", c->exit_code);
  char id12[13];
  snprintf(id12, sizeof id12, "%.12s", c->id);
  cJSON_AddStringToObject(o, "ID", notrunc ? c->id : id12);
  cJSON_AddStringToObject(o, "Image", cfg->image_name && *cfg->image_name ? cfg->image_name : cfg->image);
  cJSON_AddStringToObject(o, "ImageID", image_id);
  cJSON_AddBoolToObject(o, "IsInfra", false);
  cJSON *labels = cJSON_AddObjectToObject(o, "Labels");
  for (size_t i = 0; i < cfg->nlabels; i++)
    cJSON_AddStringToObject(labels, cfg->labels[i].key, cfg->labels[i].value ? cfg->labels[i].value : "");
  lp_tmpl_maps_add(maps, labels);
  cJSON *mounts = cJSON_AddArrayToObject(o, "Mounts");
  for (size_t i = 0; i < cfg->nmounts; i++)
    {
      /* Clean as Podman does (filepath.Clean): "/run/host/" is /run/host. */
      cleanup_free char *d = xstrdup(cfg->mounts[i].destination);
      for (size_t l = strlen(d); l > 1 && d[l - 1] == '/'; l--)
        d[l - 1] = '\0';
      cJSON_AddItemToArray(mounts, cJSON_CreateString(d));
    }
  cJSON_AddStringToObject(o, "Names", c->name);
  cJSON_AddItemToObject(o, "Networks", cJSON_CreateArray());
  cJSON_AddNumberToObject(o, "Pid", strcmp(st, "running") == 0 ? (double)c->pid : 0);
  cJSON_AddStringToObject(o, "Pod", "");
  cJSON_AddStringToObject(o, "PodName", "");
  cleanup_free char *ports = lp_net_ports_string(cfg->net);
  cJSON_AddStringToObject(o, "Ports", ports);
  cJSON_AddNumberToObject(o, "StartedAt", (double)(c->started_at / 1000000000));
  cJSON_AddStringToObject(o, "State", st);
  cJSON_AddStringToObject(o, "Status", status);
  if (size)
    {
      int64_t rw, rootfs;
      lp_container_sizes(s, c->id, c->image_id, &rw, &rootfs);
      if (size_json)
        {
          cJSON *so = cJSON_AddObjectToObject(o, "Size");
          cJSON_AddNumberToObject(so, "rootFsSize", (double)rootfs);
          cJSON_AddNumberToObject(so, "rwSize", (double)rw);
        }
      else
        {
          cleanup_free char *rws = size_text(rw);
          cleanup_free char *roots = size_text(rootfs);
          cleanup_free char *sz = xasprintf("%s (virtual %s)", rws, roots);
          cJSON_AddStringToObject(o, "Size", sz);
        }
    }
  return o;
}

static int run(struct lp_args *args)
{
  lp_error_t err = NULL;
  struct lp_store *s = NULL;
  struct lp_container_info **list = NULL;
  size_t n = 0, nf = 0;
  bool all = lp_args_bool(args, "all"), notrunc = lp_args_bool(args, "no-trunc");
  bool quiet = lp_args_bool(args, "quiet"), size = lp_args_bool(args, "size");
  const char *format = lp_args_str(args, "format");
  const char *last_s = lp_args_str(args, "last");
  long last = -1;
  int status = LP_EXIT_OK;
  cleanup_free const char **filters = lp_args_list(args, "filter", &nf);

  if (last_s)
    {
      char *end;
      last = strtol(last_s, &end, 10);
      if (!*last_s || *end)
        {
          lp_error(&err, 0, "invalid argument \"%s\" for \"-n, --last\" flag", last_s);
          return lp_cli_fail(&err), LP_EXIT_ERROR;
        }
    }
  if (lp_args_bool(args, "latest"))
    last = 1;
  if (last >= 0 || nf > 0)
    all = all || last >= 0;
  if (lp_args_str(args, "watch"))
    {
      lp_error(&err, 0, "--watch is not supported");
      return lp_cli_fail(&err), LP_EXIT_ERROR;
    }
  if (check_filters(filters, nf, &err) < 0)
    return lp_cli_fail(&err), LP_EXIT_ERROR;
  if (lp_cli_store_open(&s, &err) < 0 || lp_container_list(s, &list, &n, &err) < 0)
    {
      lp_cli_fail(&err);
      lp_store_close(s);
      return LP_EXIT_ERROR;
    }

  struct entry *v = xcalloc(n ? n : 1, sizeof *v);
  size_t nv = 0;
  for (size_t i = 0; i < n; i++)
    {
      struct lp_ctr_config *cfg = NULL;
      if (lp_ctr_state_refresh(s, list[i], &err) < 0)
        {
          /* The state as found (a full disk may keep its correction from
           * being written): still listed. */
          lp_warn("container %s: %s", list[i]->id, err->msg);
          lp_error_free(&err);
        }
      if (lp_ctr_config_from_json(list[i]->config_json, &cfg, &err) < 0)
        {
          /* One broken row must not hide the others. */
          lp_warn("container %s: %s", list[i]->id, err->msg);
          lp_error_free(&err);
          continue;
        }
      v[nv].c = list[i];
      v[nv++].cfg = cfg;
    }
  qsort(v, nv, sizeof *v, by_created_desc);

  time_t now = time(NULL);
  struct lp_tmpl_maps maps = LP_TMPL_MAPS_INIT;
  cJSON *rows = cJSON_CreateArray();
  long shown = 0;
  for (size_t i = 0; i < nv; i++)
    {
      const char *st = v[i].c->status ? v[i].c->status : "created";
      if (!all && strcmp(st, "running") != 0)
        continue;
      if (!filters_match(&v[i], filters, nf))
        continue;
      if (last >= 0 && shown >= last)
        break;
      shown++;
      cJSON_AddItemToArray(rows, row(s, &v[i], notrunc, size, format && lp_format_is_json(format), (int64_t)now,
                                     &maps));
    }

  if (quiet && !format)
    {
      cJSON *r;
      cJSON_ArrayForEach(r, rows)
        printf("%s\n", cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(r, "ID")));
    }
  else if (format && lp_format_is_json(format))
    {
      struct strbuf sb = STRBUF_INIT;
      lp_json_print_go(&sb, rows, "    ");
      printf("%s\n", sb.buf);
      strbuf_release(&sb);
    }
  else
    {
      const char *fmt = format;
      cleanup_free char *deffmt = NULL;
      if (!fmt || !*fmt)
        fmt = deffmt = xasprintf("table {{.ID}}\t{{.Image}}\t{{.Command}}\t{{.CreatedHuman}}\t{{.Status}}\t{{.Ports}}\t{{.Names}}%s",
                                 size ? "\t{{.Size}}" : "");
      cJSON *headers = cJSON_CreateObject();
      static const char *const h[][2] = { { "ID", "CONTAINER ID" }, { "Image", "IMAGE" }, { "Command", "COMMAND" },
                                          { "CreatedHuman", "CREATED" }, { "Created", "CREATED" },
                                          { "CreatedAt", "CREATED AT" }, { "Status", "STATUS" }, { "State", "STATE" },
                                          { "Ports", "PORTS" }, { "Names", "NAMES" }, { "Size", "SIZE" },
                                          { "Labels", "LABELS" }, { "Mounts", "MOUNTS" }, { "ImageID", "IMAGE ID" },
                                          { "Pid", "PID" }, { "Networks", "NETWORKS" }, { "Pod", "POD ID" },
                                          { "PodName", "PODNAME" }, { "AutoRemove", "AUTOREMOVE" },
                                          { "ExitCode", "EXIT CODE" }, { "Exited", "EXITED" },
                                          { "ExitedAt", "EXITED AT" }, { "StartedAt", "STARTED AT" },
                                          { "IsInfra", "IS INFRA" } };
      for (size_t i = 0; i < sizeof h / sizeof h[0]; i++)
        cJSON_AddStringToObject(headers, h[i][0], h[i][1]);
      if (lp_output_table(stdout, fmt, headers, rows, &maps, lp_args_bool(args, "noheading"), &err) < 0)
        {
          lp_cli_fail(&err);
          status = LP_EXIT_ERROR;
        }
      cJSON_Delete(headers);
    }

  cJSON_Delete(rows);
  lp_tmpl_maps_release(&maps);
  for (size_t i = 0; i < nv; i++)
    lp_ctr_config_free(v[i].cfg);
  free(v);
  lp_container_list_free(list, n);
  lp_store_close(s);
  return status;
}

const struct lp_command lp_cmd_ps = {
  .name = "ps",
  .usage = "[options]",
  .summary = "List containers",
  .description = "Lists the running containers (all of them with -a): ID, image, command, creation time, status,\n"
                 "ports and name. --format takes a Go template (\"table\" prefix for a table, {{json .}}).",
  .examples = "lilipod ps -a\n"
              "lilipod ps -a --no-trunc --format \"{{.ID}}|{{.Image}}|{{.Names}}|{{.Status}}|{{.Labels}}{{.Mounts}}\"\n"
              "lilipod ps --filter label=manager=distrobox -q",
  .options = options,
  .min_args = 0,
  .max_args = 0,
  .run = run,
};

static const char *const ls_aliases[] = { "list", "ps", NULL };

const struct lp_command lp_cmd_container_ls = {
  .name = "ls",
  .aliases = ls_aliases,
  .usage = "[options]",
  .summary = "List containers",
  .options = options,
  .min_args = 0,
  .max_args = 0,
  .run = run,
};
