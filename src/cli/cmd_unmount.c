/* lilipod unmount (umount) [options] CONTAINER [CONTAINER...] */
#include "commands.h"
#include "ctr_cli.h"
#include "image_find.h"

#include "../container/mount.h"
#include "../container/state.h"
#include "../util/log.h"
#include "../util/xalloc.h"

#include <stdio.h>

static const struct lp_option options[] = {
  { "all", 'a', LP_OPT_BOOL, NULL, "Unmount all of the currently mounted containers", NULL, NULL },
  { "force", 'f', LP_OPT_BOOL, NULL, "Force the complete unmount of the specified mounted containers", NULL, NULL },
  { "latest", 'l', LP_OPT_BOOL, NULL, "Act on the latest container lilipod is aware of", NULL, NULL },
  { NULL },
};

/* Podman's rules: a running container is passed over in silence (it may be
 * running on the mount); one not mounted is an error, except with --all
 * (skipped) or --force (nothing to do, success). Prints the full ID. */
static int unmount_one(struct lp_store *s, struct lp_container_info *c, bool all, bool force)
{
  lp_error_t err = NULL;
  int lk = lp_ctr_lock(s, c->id, &err);
  if (lk < 0)
    return lp_cli_ctr_fail(&err);
  int r = lp_ctr_state_refresh(s, c, &err);
  if (r == 0 && lp_ctr_is_running(c))
    {
      lp_debug("not unmounting container %s: it is running", c->id);
      lp_ctr_unlock(lk);
      return 0;
    }
  if (r == 0)
    r = lp_ctr_unmount(s, c, force, &err);
  lp_ctr_unlock(lk);
  if (r == 0 && all)
    return 0;
  if (r == 0 && !force)
    lp_error(&err, 0, "unmounting container %s: unmounting container %s root filesystem: layer is not mounted",
             c->id, c->id);
  if (r < 0 || (r == 0 && !force))
    return lp_cli_ctr_fail(&err);
  printf("%s\n", c->id);
  fflush(stdout);
  return 0;
}

static int run(struct lp_args *args)
{
  lp_error_t err = NULL;
  struct lp_store *s = NULL;
  bool all = lp_args_bool(args, "all");
  bool force = lp_args_bool(args, "force");
  int rc = LP_EXIT_OK;

  if (lp_cli_ctr_check_all_latest(args, true, &err) < 0)
    return lp_cli_ctr_fail(&err);
  if (lp_cli_store_open(&s, &err) < 0)
    return lp_cli_ctr_fail(&err);
  struct lp_container_info **v = NULL;
  size_t n = 0;
  lp_cli_ctr_select(s, args, &v, &n, &rc);
  for (size_t i = 0; i < n; i++)
    {
      int r = unmount_one(s, v[i], all, force);
      if (r)
        rc = r;
    }
  lp_container_list_free(v, n);
  lp_store_close(s);
  return rc;
}

static const char *const aliases[] = { "umount", NULL };

const struct lp_command lp_cmd_unmount = {
  .name = "unmount",
  .aliases = aliases,
  .usage = "[options] CONTAINER [CONTAINER...]",
  .summary = "Unmount working container's root filesystem",
  .description = "Each `lilipod mount` of a container counts one mount and each unmount takes one away; the root\n"
                 "filesystem is unmounted when the count reaches zero, or at once with --force. A running container\n"
                 "is left mounted. Works outside `lilipod unshare` too.",
  .examples = "lilipod unmount box1\n"
              "lilipod umount --all",
  .options = options,
  .min_args = 0,
  .max_args = -1,
  .complete = LP_COMPLETE_CONTAINERS,
  .run = run,
};
