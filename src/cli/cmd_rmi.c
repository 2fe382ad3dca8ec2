/* lilipod rmi (image rm): remove images, as Podman does, with its exit codes:
 * 0 all removed, 1 some image was not known (and nothing else failed),
 * 2 some image is in use by a container, 125 anything else. */
#include "commands.h"
#include "image_find.h"
#include "image_json.h"
#include "images_cmd.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "../container/state.h"
#include "../container/supervisor.h"
#include "../util/strbuf.h"
#include "../util/xalloc.h"

void lp_cli_fail(lp_error_t *err)
{
  if (*err)
    {
      lp_cli_print_error(*err);
      lp_error_free(err);
    }
}

enum
{
  RMI_NOT_FOUND = 1,
  RMI_IN_USE = 2,
  RMI_OTHER = 4,
};

/* Stop and remove the containers created from image (rmi --force), each
 * under its lock, as rm -f does. */
static int remove_containers(struct lp_store *s, const char *image_id, lp_error_t *err)
{
  struct lp_container_info **list = NULL;
  size_t n = 0;
  int r = lp_container_list(s, &list, &n, err);
  for (size_t i = 0; i < n && r == 0; i++)
    if (list[i]->image_id && strcmp(list[i]->image_id, image_id) == 0)
      {
        int lk = lp_ctr_lock(s, list[i]->id, err);
        if (lk < 0)
          {
            /* Removed meanwhile, directory and lock file with it. */
            if ((*err)->errnum == ENOENT)
              lp_error_free(err);
            else
              r = -1;
            continue;
          }
        struct lp_container_info *c = NULL;
        int there = lp_container_lookup(s, list[i]->id, &c, err);
        if (there < 0 || (there == 1 && (lp_ctr_stop(s, c, 10, err) < 0 || lp_ctr_remove(s, c, err) < 0)))
          r = -1;
        lp_container_info_free(c);
        lp_ctr_unlock(lk);
      }
  lp_container_list_free(list, n);
  return r;
}

/* rmi --force: the containers, then the image; should a create slip in
 * between, remove what it made too. */
static int remove_forced(struct lp_store *s, const char *image_id, lp_error_t *err)
{
  for (int tries = 0;; tries++)
    {
      if (remove_containers(s, image_id, err) < 0)
        return -1;
      if (lp_image_remove(s, image_id, 0, err) == 0)
        return 0;
      if ((*err)->errnum != EBUSY || tries == 4)
        return -1;
      lp_error_free(err);
    }
}

/* The first container using image, for the message. */
static char *first_user(struct lp_store *s, const char *image_id)
{
  struct lp_container_info **list = NULL;
  size_t n = 0;
  char *id = NULL;
  lp_error_t e = NULL;
  if (lp_container_list(s, &list, &n, &e) < 0)
    lp_error_free(&e);
  for (size_t i = 0; i < n && id == NULL; i++)
    if (list[i]->image_id && strcmp(list[i]->image_id, image_id) == 0)
      id = xstrdup(list[i]->id);
  lp_container_list_free(list, n);
  return id;
}

static int remove_one(struct lp_store *s, struct lp_image_info *img, const char *matched, bool force, bool every,
                      int *failed)
{
  lp_error_t err = NULL;
  const char *hex = lp_image_hex(img->id);

  if (matched && img->nnames > 1)
    {
      /* Referenced by one of several names: only that name goes. */
      if (lp_image_untag(s, matched, &err) < 0)
        goto fail;
      printf("Untagged: %s\n", matched);
      return 0;
    }
  if (matched == NULL && img->nnames > 1 && !force && !every)
    {
      struct strbuf names = STRBUF_INIT;
      for (size_t i = 0; i < img->nnames; i++)
        strbuf_addf(&names, "%s%s", i ? " " : "", img->names[i]);
      lp_error(&err, 0, "unable to delete image \"%s\" by ID with more than one tag ([%s]): please force removal",
               hex, names.buf);
      strbuf_release(&names);
      goto fail;
    }
  int used = lp_image_containers(s, img->id, &err);
  if (used < 0)
    goto fail;
  if (used > 0)
    {
      if (!force)
        {
          cleanup_free char *cid = first_user(s, img->id);
          lp_error(&err, EBUSY,
                   "image used by %s: image is in use by a container: consider listing external containers and "
                   "force-removing image",
                   cid ? cid : "a container");
          /* The message is Podman's; drop the strerror suffix. */
          char *colon = strstr(err->msg, ": Device or resource busy");
          if (colon)
            *colon = '\0';
          lp_cli_fail(&err);
          *failed |= RMI_IN_USE;
          return -1;
        }
    }
  if ((force ? remove_forced(s, img->id, &err) : lp_image_remove(s, img->id, 0, &err)) < 0)
    goto fail;
  for (size_t i = 0; i < img->nnames; i++)
    printf("Untagged: %s\n", img->names[i]);
  printf("Deleted: %s\n", hex);
  return 0;

fail:
  *failed |= err && err->errnum == EBUSY ? RMI_IN_USE : RMI_OTHER;
  lp_cli_fail(&err);
  return -1;
}

int lp_rmi_run(struct lp_args *args)
{
  lp_error_t err = NULL;
  struct lp_store *s = NULL;
  bool all = lp_args_bool(args, "all"), force = lp_args_bool(args, "force"), ignore = lp_args_bool(args, "ignore");
  int failed = 0;
  char **done = NULL; /* ids already removed, so two names of one image remove it once */
  size_t ndone = 0;

  if (all && args->argc > 0)
    {
      lp_error(&err, 0, "when using the --all switch, you may not pass any images names or IDs");
      lp_cli_fail(&err);
      return LP_EXIT_ERROR;
    }
  if (!all && args->argc == 0)
    {
      lp_error(&err, 0, "image name or ID must be specified");
      lp_cli_fail(&err);
      return LP_EXIT_ERROR;
    }
  if (lp_cli_store_open(&s, &err) < 0)
    {
      lp_cli_fail(&err);
      return LP_EXIT_ERROR;
    }

  if (all)
    {
      struct lp_image_info **list = NULL;
      size_t n = 0;
      if (lp_image_list(s, &list, &n, &err) < 0)
        {
          lp_cli_fail(&err);
          failed |= RMI_OTHER;
        }
      for (size_t i = 0; i < n; i++)
        remove_one(s, list[i], NULL, force, true, &failed);
      lp_image_list_free(list, n);
    }
  for (int i = 0; i < args->argc; i++)
    {
      struct lp_image_info *img = NULL;
      char *matched = NULL;
      int r = lp_cli_image_find(s, args->argv[i], &img, &matched, &err);
      if (r < 0)
        {
          lp_cli_fail(&err);
          failed |= RMI_OTHER;
          continue;
        }
      if (r == 0)
        {
          if (!ignore)
            {
              lp_error(&err, 0, "%s: image not known", args->argv[i]);
              lp_cli_fail(&err);
              failed |= RMI_NOT_FOUND;
            }
          continue;
        }
      bool seen = false;
      for (size_t j = 0; j < ndone && !seen; j++)
        seen = strcmp(done[j], img->id) == 0;
      if (!seen && remove_one(s, img, matched, force, false, &failed) == 0 && (matched == NULL || img->nnames <= 1))
        {
          done = xreallocarray(done, ndone + 1, sizeof *done);
          done[ndone++] = xstrdup(img->id);
        }
      free(matched);
      lp_image_info_free(img);
    }
  for (size_t j = 0; j < ndone; j++)
    free(done[j]);
  free(done);
  lp_store_close(s);
  if (failed & RMI_OTHER)
    return LP_EXIT_ERROR;
  if (failed & RMI_IN_USE)
    return 2;
  if (failed & RMI_NOT_FOUND)
    return 1;
  return LP_EXIT_OK;
}

const struct lp_option lp_rmi_options[] = {
  { "all", 'a', LP_OPT_BOOL, NULL, "Remove all images", NULL, NULL },
  { "force", 'f', LP_OPT_BOOL, NULL, "Force removal of the image and any containers using the image", NULL, NULL },
  { "ignore", 'i', LP_OPT_BOOL, NULL, "Ignore errors if a specified image does not exist", NULL, NULL },
  { "no-prune", 0, LP_OPT_BOOL, NULL, "Do not remove dangling images (accepted; lilipod has no parents)", NULL,
    NULL },
  { NULL },
};

const struct lp_command lp_cmd_rmi = {
  .name = "rmi",
  .usage = "[options] IMAGE [IMAGE...]",
  .summary = "Remove one or more images from local storage",
  .description = "Removes images by name or id. An image with several names referenced by one of them only loses\n"
                 "that name. An image a container uses is kept unless --force, which removes those containers.\n"
                 "Exit status: 0 all removed, 1 an image was not known, 2 an image is in use, 125 other errors.",
  .examples = "lilipod rmi busybox\nlilipod rmi -f $(lilipod images -q)",
  .options = lp_rmi_options,
  .min_args = 0,
  .max_args = -1,
  .complete = LP_COMPLETE_IMAGES,
  .run = lp_rmi_run,
};
