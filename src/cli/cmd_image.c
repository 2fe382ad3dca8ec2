/* lilipod image: the image command group (ls, exists, inspect, prune, rm, tag, untag). */
#include "commands.h"
#include "image_find.h"
#include "image_json.h"
#include "images_cmd.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../util/xalloc.h"

static const struct lp_option no_options[] = { { NULL } };

static int run_exists(struct lp_args *args)
{
  lp_error_t err = NULL;
  struct lp_store *s = NULL;
  struct lp_image_info *img = NULL;
  cleanup_free char *matched = NULL;
  if (lp_cli_store_open(&s, &err) < 0)
    {
      lp_cli_fail(&err);
      return LP_EXIT_ERROR;
    }
  int r = lp_cli_image_find(s, args->argv[0], &img, &matched, &err);
  lp_store_close(s);
  if (r < 0)
    {
      lp_cli_fail(&err);
      return LP_EXIT_ERROR;
    }
  if (img)
    lp_image_info_free(img);
  return r > 0 ? LP_EXIT_OK : 1;
}

/* Remove dangling images (all unused ones with --all), then the content no
 * image references any more. Prints each removed image id. */
static int run_prune(struct lp_args *args)
{
  lp_error_t err = NULL;
  struct lp_store *s = NULL;
  struct lp_image_info **list = NULL;
  size_t n = 0;
  bool all = lp_args_bool(args, "all");
  int status = LP_EXIT_ERROR;

  if (!lp_args_bool(args, "force"))
    {
      fprintf(stdout, all ? "WARNING! This command removes all images without at least one container associated with "
                            "them.\nAre you sure you want to continue? [y/N] "
                          : "WARNING! This command removes all dangling images.\n"
                            "Are you sure you want to continue? [y/N] ");
      fflush(stdout);
      char line[16] = "";
      if (fgets(line, sizeof line, stdin) == NULL || (line[0] != 'y' && line[0] != 'Y'))
        return LP_EXIT_OK;
    }
  if (lp_cli_store_open(&s, &err) < 0 || lp_image_list(s, &list, &n, &err) < 0)
    goto out;
  for (size_t i = 0; i < n; i++)
    {
      if (!all && list[i]->nnames > 0)
        continue;
      int used = lp_image_containers(s, list[i]->id, &err);
      if (used < 0)
        goto out;
      if (used > 0)
        continue;
      if (lp_image_remove(s, list[i]->id, 0, &err) < 0)
        goto out;
      printf("%s\n", lp_image_hex(list[i]->id));
    }
  struct lp_gc_report report = { 0 };
  if (lp_store_gc(s, LP_GC_LAYERS, &report, &err) < 0)
    goto out;
  status = LP_EXIT_OK;
out:
  lp_cli_fail(&err);
  lp_image_list_free(list, n);
  if (s)
    lp_store_close(s);
  return status;
}

static const char *const list_aliases[] = { "list", NULL };

static const struct lp_command image_ls = {
  .name = "ls",
  .aliases = list_aliases,
  .usage = "[options] [IMAGE]",
  .summary = "List images in local storage",
  .options = lp_images_options,
  .min_args = 0,
  .max_args = 1,
  .complete = LP_COMPLETE_IMAGES,
  .run = lp_images_run,
};

static const struct lp_command image_exists = {
  .name = "exists",
  .usage = "IMAGE",
  .summary = "Check if an image exists in local storage",
  .description = "Exit status 0 if the image exists, 1 if it does not; prints nothing.",
  .options = no_options,
  .min_args = 1,
  .max_args = 1,
  .complete = LP_COMPLETE_IMAGES,
  .run = run_exists,
};

static const struct lp_command image_inspect = {
  .name = "inspect",
  .usage = "[options] IMAGE [IMAGE...]",
  .summary = "Display the configuration of an image",
  .options = lp_image_inspect_options,
  .min_args = 1,
  .max_args = -1,
  .complete = LP_COMPLETE_IMAGES,
  .run = lp_image_inspect_run,
};

static const struct lp_option prune_options[] = {
  { "all", 'a', LP_OPT_BOOL, NULL, "Remove all images not in use by containers, not just dangling ones", NULL,
    NULL },
  { "force", 'f', LP_OPT_BOOL, NULL, "Do not prompt for confirmation", NULL, NULL },
  { NULL },
};

static const struct lp_command image_prune = {
  .name = "prune",
  .usage = "[options]",
  .summary = "Remove unused images",
  .description = "Removes dangling images (with --all, every image no container uses), then the layers and\n"
                 "content objects nothing references any more.",
  .options = prune_options,
  .min_args = 0,
  .max_args = 0,
  .run = run_prune,
};

static const struct lp_command image_rm = {
  .name = "rm",
  .usage = "[options] IMAGE [IMAGE...]",
  .summary = "Remove one or more images from local storage",
  .options = lp_rmi_options,
  .min_args = 0,
  .max_args = -1,
  .complete = LP_COMPLETE_IMAGES,
  .run = lp_rmi_run,
};

static const struct lp_command image_tag = {
  .name = "tag",
  .usage = "IMAGE TARGET_NAME [TARGET_NAME...]",
  .summary = "Add an additional name to a local image",
  .options = no_options,
  .min_args = 2,
  .max_args = -1,
  .complete = LP_COMPLETE_IMAGES,
  .run = lp_tag_run,
};

static const struct lp_command image_untag = {
  .name = "untag",
  .usage = "IMAGE [NAME...]",
  .summary = "Remove a name from a local image",
  .options = no_options,
  .min_args = 1,
  .max_args = -1,
  .complete = LP_COMPLETE_IMAGES,
  .run = lp_untag_run,
};

static const struct lp_command *const image_subcommands[] = {
  &image_exists, &image_inspect, &image_ls, &image_prune, &lp_cmd_pull, &image_rm, &image_tag, &image_untag, NULL,
};

const struct lp_command lp_cmd_image = {
  .name = "image",
  .usage = "COMMAND",
  .summary = "Manage images",
  .options = no_options,
  .min_args = 0,
  .max_args = -1,
  .complete = LP_COMPLETE_COMMANDS,
  .subcommands = image_subcommands,
};
