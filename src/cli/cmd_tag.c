/* lilipod tag / untag: add and remove names of an image. */
#include "commands.h"
#include "image_find.h"
#include "images_cmd.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "../util/xalloc.h"

static int find_or_fail(struct lp_store *s, const char *ref, struct lp_image_info **img)
{
  lp_error_t err = NULL;
  cleanup_free char *matched = NULL;
  int r = lp_cli_image_find(s, ref, img, &matched, &err);
  if (r == 0)
    lp_error(&err, 0, "%s: image not known", ref);
  if (r <= 0)
    {
      lp_cli_fail(&err);
      return -1;
    }
  return 0;
}

int lp_tag_run(struct lp_args *args)
{
  lp_error_t err = NULL;
  struct lp_store *s = NULL;
  struct lp_image_info *img = NULL;
  int status = LP_EXIT_ERROR;

  /* Check every new name before changing anything. */
  char **names = xcalloc((size_t) args->argc, sizeof *names);
  for (int i = 1; i < args->argc; i++)
    if ((names[i] = lp_cli_normalize_name(args->argv[i], &err)) == NULL)
      {
        lp_error_wrap(&err, "normalizing name \"%s\"", args->argv[i]);
        lp_cli_fail(&err);
        goto out;
      }
  if (lp_cli_store_open(&s, &err) < 0)
    {
      lp_cli_fail(&err);
      goto out;
    }
  if (find_or_fail(s, args->argv[0], &img) < 0)
    goto out;
  for (int i = 1; i < args->argc; i++)
    if (lp_image_tag(s, img->id, names[i], &err) < 0)
      {
        lp_cli_fail(&err);
        goto out;
      }
  status = LP_EXIT_OK;
out:
  for (int i = 0; i < args->argc; i++)
    free(names[i]);
  free(names);
  if (img)
    lp_image_info_free(img);
  if (s)
    lp_store_close(s);
  return status;
}

int lp_untag_run(struct lp_args *args)
{
  lp_error_t err = NULL;
  struct lp_store *s = NULL;
  struct lp_image_info *img = NULL;
  int status = LP_EXIT_ERROR;

  if (lp_cli_store_open(&s, &err) < 0)
    {
      lp_cli_fail(&err);
      return LP_EXIT_ERROR;
    }
  if (find_or_fail(s, args->argv[0], &img) < 0)
    goto out;
  if (args->argc == 1)
    {
      /* No names: remove them all. */
      for (size_t i = 0; i < img->nnames; i++)
        if (lp_image_untag(s, img->names[i], &err) < 0)
          {
            lp_cli_fail(&err);
            goto out;
          }
      status = LP_EXIT_OK;
      goto out;
    }
  for (int i = 1; i < args->argc; i++)
    {
      const char *hit = NULL;
      for (size_t j = 0; j < img->nnames && !hit; j++)
        if (strcmp(img->names[j], args->argv[i]) == 0)
          hit = img->names[j];
      for (size_t j = 0; j < img->nnames && !hit; j++)
        if (lp_cli_name_matches(img->names[j], args->argv[i]))
          hit = img->names[j];
      if (hit == NULL)
        {
          cleanup_free char *norm = lp_cli_normalize_name(args->argv[i], &err);
          lp_error_free(&err);
          lp_error(&err, 0, "%s: tag not known", norm ? norm : args->argv[i]);
          lp_cli_fail(&err);
          goto out;
        }
      if (lp_image_untag(s, hit, &err) < 0)
        {
          lp_cli_fail(&err);
          goto out;
        }
    }
  status = LP_EXIT_OK;
out:
  if (img)
    lp_image_info_free(img);
  lp_store_close(s);
  return status;
}

static const struct lp_option no_options[] = { { NULL } };

const struct lp_command lp_cmd_tag = {
  .name = "tag",
  .usage = "IMAGE TARGET_NAME [TARGET_NAME...]",
  .summary = "Add an additional name to a local image",
  .description = "Names without a registry are stored under localhost/, as Podman does; a missing tag is \"latest\".",
  .examples = "lilipod tag busybox mybox:1.0",
  .options = no_options,
  .min_args = 2,
  .max_args = -1,
  .complete = LP_COMPLETE_IMAGES,
  .run = lp_tag_run,
};

const struct lp_command lp_cmd_untag = {
  .name = "untag",
  .usage = "IMAGE [IMAGE...]",
  .summary = "Remove a name from a local image",
  .description = "Removes the given names from the image, or all of its names when none is given.",
  .examples = "lilipod untag busybox localhost/mybox:1.0",
  .options = no_options,
  .min_args = 1,
  .max_args = -1,
  .complete = LP_COMPLETE_IMAGES,
  .run = lp_untag_run,
};
