/* lilipod inspect / image inspect: Podman's JSON for images (and containers). */
#include "commands.h"
#include "container_json.h"
#include "image_find.h"
#include "image_json.h"
#include "images_cmd.h"
#include "output.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "../util/strbuf.h"
#include "../util/xalloc.h"

enum kind
{
  KIND_IMAGE,
  KIND_CONTAINER,
  KIND_ALL,
};

static int inspect_image(struct lp_store *s, const char *ref, cJSON **out, struct lp_tmpl_maps *maps,
                         lp_error_t *err)
{
  struct lp_image_info *img = NULL;
  cleanup_free char *matched = NULL;
  int r = lp_cli_image_find(s, ref, &img, &matched, err);
  if (r <= 0)
    return r;
  *out = lp_image_inspect_json(img, maps);
  lp_image_info_free(img);
  return 1;
}

static int run_inspect(struct lp_args *args, enum kind kind)
{
  lp_error_t err = NULL;
  struct lp_store *s = NULL;
  const char *format = lp_args_str(args, "format");
  struct lp_tmpl_maps maps = LP_TMPL_MAPS_INIT;
  cJSON *data = cJSON_CreateArray();
  char **errors = NULL; /* Podman reports every missing object, the first as the error */
  size_t nerrors = 0;
  int status = LP_EXIT_OK;

  if (lp_cli_store_open(&s, &err) < 0)
    {
      lp_cli_fail(&err);
      cJSON_Delete(data);
      return LP_EXIT_ERROR;
    }
  for (int i = 0; i < args->argc; i++)
    {
      const char *name = args->argv[i];
      cJSON *obj = NULL;
      int r = 0;
      if (kind != KIND_IMAGE)
        {
          r = lp_container_inspect_json(s, name, &obj, &maps, &err);
          if (r > 0 && lp_args_bool(args, "size"))
            lp_container_json_add_sizes(s, obj);
        }
      if (r == 0 && kind != KIND_CONTAINER)
        r = inspect_image(s, name, &obj, &maps, &err);
      if (r > 0)
        {
          cJSON_AddItemToArray(data, obj);
          continue;
        }
      errors = xreallocarray(errors, nerrors + 1, sizeof *errors);
      if (r < 0)
        {
          errors[nerrors++] = xstrdup(err->msg);
          lp_error_free(&err);
        }
      else if (kind == KIND_IMAGE)
        errors[nerrors++] = xasprintf("%s: image not known", name);
      else if (kind == KIND_CONTAINER)
        errors[nerrors++] = xasprintf("no such container %s", name);
      else
        errors[nerrors++] = xasprintf("no such object: \"%s\"", name);
    }

  if (format == NULL || *format == '\0' || lp_format_is_json(format))
    {
      struct strbuf sb = STRBUF_INIT;
      lp_json_print_go(&sb, data, "     ");
      printf("%s\n", sb.buf);
      strbuf_release(&sb);
    }
  else if (cJSON_GetArraySize(data) > 0 && lp_output_table(stdout, format, NULL, data, &maps, true, &err) < 0)
    {
      lp_cli_fail(&err);
      status = LP_EXIT_ERROR;
    }

  if (nerrors)
    {
      for (size_t i = 1; i < nerrors; i++)
        fprintf(stderr, "error inspecting object: %s\n", errors[i]);
      lp_error(&err, 0, "inspecting object: %s", errors[0]);
      lp_cli_fail(&err);
      status = LP_EXIT_ERROR;
    }
  for (size_t i = 0; i < nerrors; i++)
    free(errors[i]);
  free(errors);
  cJSON_Delete(data);
  lp_tmpl_maps_release(&maps);
  lp_store_close(s);
  return status;
}

int lp_image_inspect_run(struct lp_args *args)
{
  return run_inspect(args, KIND_IMAGE);
}

static int run_generic(struct lp_args *args)
{
  const char *type = lp_args_str(args, "type");
  if (type == NULL || strcmp(type, "all") == 0)
    return run_inspect(args, KIND_ALL);
  if (strcmp(type, "image") == 0)
    return run_inspect(args, KIND_IMAGE);
  if (strcmp(type, "container") == 0)
    return run_inspect(args, KIND_CONTAINER);
  lp_error_t err = NULL;
  lp_error(&err, 0, "invalid type \"%s\": must be 'container', 'image', 'volume', 'network', 'pod' or 'all'", type);
  lp_cli_fail(&err);
  return LP_EXIT_ERROR;
}

const struct lp_option lp_image_inspect_options[] = {
  { "format", 'f', LP_OPT_STRING, "string", "Format the output using the given Go template", "json", NULL },
  { NULL },
};

static const struct lp_option inspect_options[] = {
  { "format", 'f', LP_OPT_STRING, "string", "Format the output using the given Go template", "json", NULL },
  { "size", 's', LP_OPT_BOOL, NULL, "Display total file size", NULL, NULL },
  { "type", 't', LP_OPT_STRING, "string", "Specify inspect-object type", "all", "all container image" },
  { "latest", 'l', LP_OPT_BOOL, NULL, "Act on the latest container (not supported)", NULL, NULL },
  { NULL },
};

const struct lp_command lp_cmd_inspect = {
  .name = "inspect",
  .usage = "[options] {CONTAINER|IMAGE} [...]",
  .summary = "Display the configuration of object denoted by ID",
  .description = "Prints a JSON array describing each container or image, or applies --format (a Go template)\n"
                 "to each. A missing object is an error (exit 125) and prints nothing for it.",
  .examples = "lilipod inspect --type image busybox\n"
              "lilipod inspect --format '{{.Config.Env}}' busybox",
  .options = inspect_options,
  .min_args = 1,
  .max_args = -1,
  .complete = LP_COMPLETE_IMAGES,
  .run = run_generic,
};
