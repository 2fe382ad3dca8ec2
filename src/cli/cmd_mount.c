/* lilipod mount [options] [CONTAINER...], and the hidden __mountd ID ROOT
 * that serves each mount (src/container/mount.h). */
#include "commands.h"
#include "ctr_cli.h"
#include "image_find.h"
#include "output.h"

#include "../container/mount.h"
#include "../container/state.h"
#include "../util/fsutil.h"
#include "../util/strbuf.h"
#include "../util/xalloc.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const struct lp_option options[] = {
  { "all", 'a', LP_OPT_BOOL, NULL, "Mount all containers", NULL, NULL },
  { "format", 0, LP_OPT_STRING, "string", "Print the mounted containers in specified format (json)", NULL, "json" },
  { "latest", 'l', LP_OPT_BOOL, NULL, "Act on the latest container lilipod is aware of", NULL, NULL },
  { "no-trunc", 0, LP_OPT_BOOL, NULL, "Do not truncate output", NULL, NULL },
  { "notruncate", 0, LP_OPT_BOOL, NULL, "Do not truncate output (the old name of --no-trunc)", NULL, NULL },
  { NULL },
};

static int mount_one(struct lp_store *s, struct lp_container_info *c)
{
  lp_error_t err = NULL;
  cleanup_free char *path = NULL;
  int lk = lp_ctr_lock(s, c->id, &err);
  if (lk < 0)
    return lp_cli_ctr_fail(&err);
  int r = lp_ctr_state_refresh(s, c, &err);
  if (r == 0)
    r = lp_ctr_mount(s, c, &path, &err);
  lp_ctr_unlock(lk);
  if (r < 0)
    return lp_cli_ctr_fail(&err);
  printf("%s\n", path);
  fflush(stdout);
  return 0;
}

/* No container named: what is mounted, as "ID  PATH" or JSON. */
static int list(struct lp_store *s, const char *format, bool notrunc)
{
  lp_error_t err = NULL;
  struct lp_container_info **all = NULL;
  size_t n = 0;
  bool json = format && lp_format_is_json(format);
  if (format && *format && !json)
    {
      lp_error(&err, 0, "unknown --format argument: \"%s\"", format);
      return lp_cli_ctr_fail(&err);
    }
  if (lp_container_list(s, &all, &n, &err) < 0)
    return lp_cli_ctr_fail(&err);
  struct strbuf text = STRBUF_INIT;
  cJSON *rows = cJSON_CreateArray();
  for (size_t i = 0; i < n; i++)
    {
      struct lp_ctr_mount_info m;
      if (!lp_ctr_mounted(s, all[i]->id, &m))
        continue;
      cleanup_free char *path = lp_ctr_mount_path(s, all[i]->id);
      strbuf_addf(&text, "%.*s\t%s\n", notrunc ? 64 : 12, all[i]->id, path);
      cJSON *r = cJSON_CreateObject(), *names = cJSON_CreateArray();
      cJSON_AddStringToObject(r, "id", all[i]->id);
      cJSON_AddItemToArray(names, cJSON_CreateString(all[i]->name));
      cJSON_AddItemToObject(r, "Names", names);
      cJSON_AddStringToObject(r, "mountpoint", path);
      cJSON_AddItemToArray(rows, r);
    }
  struct strbuf out = STRBUF_INIT;
  if (json)
    {
      lp_json_print_go(&out, rows, " ");
      strbuf_addch(&out, '\n');
    }
  else
    lp_tabwrite(&out, text.buf ? text.buf : "");
  fputs(out.buf ? out.buf : "", stdout);
  strbuf_release(&out);
  strbuf_release(&text);
  cJSON_Delete(rows);
  lp_container_list_free(all, n);
  return LP_EXIT_OK;
}

static int run(struct lp_args *args)
{
  lp_error_t err = NULL;
  struct lp_store *s = NULL;
  bool all = lp_args_bool(args, "all"), latest = lp_args_bool(args, "latest");
  int rc = LP_EXIT_OK;

  if (lp_cli_ctr_check_all_latest(args, false, &err) < 0)
    return lp_cli_ctr_fail(&err);
  /* Podman's rule: a rootless user's mount would be invisible outside a
   * user namespace of its own, so it mounts inside `unshare`. */
  if (getuid() != 0)
    {
      lp_error(&err, 0, "cannot run command \"lilipod %s\" in rootless mode, must execute `lilipod unshare` first",
               args->path);
      return lp_cli_ctr_fail(&err);
    }
  if (lp_cli_store_open(&s, &err) < 0)
    return lp_cli_ctr_fail(&err);
  if (args->argc == 0 && !all && !latest)
    {
      rc = list(s, lp_args_str(args, "format"), lp_args_bool(args, "no-trunc") || lp_args_bool(args, "notruncate"));
      lp_store_close(s);
      return rc;
    }
  struct lp_container_info **v = NULL;
  size_t n = 0;
  lp_cli_ctr_select(s, args, &v, &n, &rc);
  for (size_t i = 0; i < n; i++)
    {
      int r = mount_one(s, v[i]);
      if (r)
        rc = r;
    }
  lp_container_list_free(v, n);
  lp_store_close(s);
  return rc;
}

const struct lp_command lp_cmd_mount = {
  .name = "mount",
  .usage = "[options] [CONTAINER...]",
  .summary = "Mount a working container's root filesystem",
  .description =
    "Mounts each container's root filesystem (its image and everything the container changed, copy-on-write)\n"
    "where the host can reach it, and prints the mount point, $LILIPOD_HOME/containers/ID/merged. The mount\n"
    "stays until `lilipod unmount`; each mount counts, and the last unmount removes it. Without a container,\n"
    "lists the mounted containers.\n"
    "\n"
    "A rootless user mounts inside `lilipod unshare`: the mount then belongs to lilipod's user namespace,\n"
    "and later `lilipod unshare` sessions see it. A running container is mounted only if it was mounted\n"
    "before it started (it then runs on that mount); starting a mounted container runs it on the mount.",
  .examples = "lilipod unshare sh -c 'cat $(lilipod mount box1)/etc/os-release'\n"
              "lilipod mount --no-trunc",
  .options = options,
  .min_args = 0,
  .max_args = -1,
  .complete = LP_COMPLETE_CONTAINERS,
  .run = run,
};

/* ---- __mountd ---- */

static int run_mountd(struct lp_args *args)
{
  lp_error_t err = NULL;
  char *end = NULL;
  errno = 0;
  long long root = strtoll(args->argv[1], &end, 10);
  cleanup_free char *home = lp_home_path(&err);
  if (!home || errno || !end || *end || root < 0)
    {
      if (!err)
        lp_error(&err, 0, "invalid tree id `%s`", args->argv[1]);
      cleanup_free char *t = xasprintf("E125 %s", err->msg);
      (void)lp_write_all(3, t, strlen(t));
      return lp_cli_ctr_fail(&err);
    }
  return lp_ctr_mount_serve(home, args->argv[0], root, 3);
}

static const struct lp_option no_options[] = { { NULL } };

const struct lp_command lp_cmd_internal_mountd = {
  .name = "__mountd",
  .usage = "ID TREE_ID",
  .summary = "Serve a container's `lilipod mount` (internal)",
  .options = no_options,
  .flags = LP_CMD_HIDDEN,
  .min_args = 2,
  .max_args = 2,
  .run = run_mountd,
};
