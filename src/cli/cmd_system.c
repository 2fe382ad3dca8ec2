/* lilipod system: df (disk usage, as Podman's, plus the store's dedup with -v) and prune. */
#include "commands.h"
#include "image_find.h"
#include "images_cmd.h"
#include "output.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "../util/xalloc.h"

static void add_row(cJSON *rows, const char *type, uint64_t total, uint64_t active, uint64_t size,
                    uint64_t reclaimable)
{
  cJSON *o = cJSON_CreateObject();
  cleanup_free char *hs = lp_human_size_compact((double) size);
  cleanup_free char *hr = lp_human_size_compact((double) reclaimable);
  cleanup_free char *rec = xasprintf("%s (%d%%)", hr, size ? (int) ((double) reclaimable * 100.0 / (double) size) : 0);
  cJSON_AddStringToObject(o, "Type", type);
  cJSON_AddNumberToObject(o, "Total", (double) total);
  cJSON_AddNumberToObject(o, "Active", (double) active);
  cJSON_AddStringToObject(o, "Size", hs);
  cJSON_AddStringToObject(o, "Reclaimable", rec);
  cJSON_AddItemToArray(rows, o);
}

static int run_df(struct lp_args *args)
{
  lp_error_t err = NULL;
  struct lp_store *s = NULL;
  struct lp_image_info **images = NULL;
  struct lp_container_info **containers = NULL;
  size_t nimages = 0, ncontainers = 0;
  struct lp_store_df df = { 0 };
  int status = LP_EXIT_ERROR;

  if (lp_cli_store_open(&s, &err) < 0 || lp_store_df(s, &df, &err) < 0
      || lp_image_list(s, &images, &nimages, &err) < 0 || lp_container_list(s, &containers, &ncontainers, &err) < 0)
    goto out;

  uint64_t active = 0, unused_bytes = 0, running = 0;
  for (size_t i = 0; i < nimages; i++)
    {
      int used = lp_image_containers(s, images[i]->id, &err);
      if (used < 0)
        goto out;
      if (used)
        active++;
      else
        unused_bytes += (uint64_t) images[i]->size;
    }
  if (unused_bytes > df.images_bytes)
    unused_bytes = df.images_bytes;
  for (size_t i = 0; i < ncontainers; i++)
    if (containers[i]->status && strcmp(containers[i]->status, "running") == 0)
      running++;

  cJSON *rows = cJSON_CreateArray();
  add_row(rows, "Images", nimages, active, df.images_bytes, unused_bytes);
  add_row(rows, "Containers", ncontainers, running, 0, 0);
  add_row(rows, "Local Volumes", 0, 0, 0, 0);
  cJSON *headers = cJSON_CreateObject();
  cJSON_AddStringToObject(headers, "Type", "TYPE");
  cJSON_AddStringToObject(headers, "Total", "TOTAL");
  cJSON_AddStringToObject(headers, "Active", "ACTIVE");
  cJSON_AddStringToObject(headers, "Size", "SIZE");
  cJSON_AddStringToObject(headers, "Reclaimable", "RECLAIMABLE");
  const char *format = lp_args_str(args, "format");
  if (format && lp_format_is_json(format))
    {
      struct strbuf sb = STRBUF_INIT;
      lp_json_print_go(&sb, rows, "    ");
      printf("%s\n", sb.buf);
      strbuf_release(&sb);
    }
  else if (lp_output_table(stdout, format && *format ? format
                                    : "table {{.Type}}\t{{.Total}}\t{{.Active}}\t{{.Size}}\t{{.Reclaimable}}",
                           headers, rows, NULL, false, &err) < 0)
    {
      cJSON_Delete(rows);
      cJSON_Delete(headers);
      goto out;
    }
  cJSON_Delete(rows);
  cJSON_Delete(headers);

  if (lp_args_bool(args, "verbose"))
    {
      /* What the content store holds: each file's content once. */
      cleanup_free char *layers = lp_human_size_compact((double) df.images_bytes);
      cleanup_free char *objects = lp_human_size_compact((double) df.objects_bytes);
      cleanup_free char *inl = lp_human_size_compact((double) df.inline_bytes);
      cleanup_free char *saved = lp_human_size_compact((double) df.dedup_saved_bytes);
      printf("\nContent store space usage:\n\n");
      printf("Layers:          %llu (%llu unused), %s as tar\n", (unsigned long long) df.layers,
             (unsigned long long) df.layers_unused, layers);
      printf("Content objects: %llu, %s on disk\n", (unsigned long long) df.objects, objects);
      printf("Inline content:  %s in the index\n", inl);
      printf("Dedup saved:     %s\n", saved);
    }
  status = LP_EXIT_OK;
out:
  lp_cli_fail(&err);
  lp_image_list_free(images, nimages);
  lp_container_list_free(containers, ncontainers);
  if (s)
    lp_store_close(s);
  return status;
}

static const struct lp_option df_options[] = {
  { "format", 0, LP_OPT_STRING, "string", "Pretty-print images using a Go template", NULL, NULL },
  { "verbose", 'v', LP_OPT_BOOL, NULL, "Show the content store's objects and what deduplication saved", NULL, NULL },
  { NULL },
};

static const struct lp_command system_df = {
  .name = "df",
  .usage = "[options]",
  .summary = "Show lilipod disk usage",
  .options = df_options,
  .min_args = 0,
  .max_args = 0,
  .run = run_df,
};

/* system check: lilipod's own (Podman has none). One line per problem,
 * "SUBJECT: what is wrong", then a summary; exit 1 while problems remain. */
static int run_check(struct lp_args *args)
{
  lp_error_t err = NULL;
  struct lp_store *s = NULL;
  struct lp_check_result r = { 0 };
  bool fix = lp_args_bool(args, "repair");
  int status = LP_EXIT_ERROR;
  size_t left = 0;
  cleanup_free char *size = NULL;
  if (lp_cli_store_open(&s, &err) < 0 || lp_store_check(s, fix ? LP_CHECK_REPAIR : 0, &r, &err) < 0)
    goto out;
  for (size_t i = 0; i < r.nproblems; i++)
    {
      const struct lp_check_problem *p = &r.problems[i];
      left += !p->repaired;
      if (!fix)
        printf("%s: %s\n", p->subject, p->detail);
      else if (p->repaired)
        printf("%s: %s: repaired\n", p->subject, p->detail);
      else
        printf("%s: %s: not repaired%s%s\n", p->subject, p->detail, p->hint ? ": " : "", p->hint ? p->hint : "");
    }
  size = lp_human_size_compact((double) r.object_bytes);
  if (r.nproblems == 0)
    printf("OK: %llu images, %llu layers, %llu objects (%s), %llu containers\n", (unsigned long long) r.images,
           (unsigned long long) r.layers, (unsigned long long) r.objects, size, (unsigned long long) r.containers);
  else if (!fix)
    printf("%zu problems found (lilipod system check --repair fixes what it can)\n", r.nproblems);
  else
    printf("%zu problems found, %zu repaired, %zu left\n", r.nproblems, r.nproblems - left, left);
  status = left ? 1 : LP_EXIT_OK;
out:
  lp_cli_fail(&err);
  lp_check_result_free(&r);
  if (s)
    lp_store_close(s);
  return status;
}

static const struct lp_option check_options[] = {
  { "repair", 0, LP_OPT_BOOL, NULL, "Remove garbage, rebuild damaged trees and drop corrupt content", NULL, NULL },
  { NULL },
};

static const struct lp_command system_check = {
  .name = "check",
  .usage = "[options]",
  .summary = "Verify the image store and its content",
  .description = "Rehashes every content object the store refers to and checks that no row points at nothing, "
                 "that nothing is left over in the store's directories, and that each image's flattened tree "
                 "matches its layers. Prints one line per problem and exits 1 when any remain.",
  .options = check_options,
  .min_args = 0,
  .max_args = 0,
  .run = run_check,
};

static const struct lp_option no_options[] = { { NULL } };

static const struct lp_command *const system_subcommands[] = { &system_check, &system_df, NULL };

const struct lp_command lp_cmd_system = {
  .name = "system",
  .usage = "COMMAND",
  .summary = "Manage lilipod",
  .options = no_options,
  .min_args = 0,
  .max_args = -1,
  .complete = LP_COMPLETE_COMMANDS,
  .subcommands = system_subcommands,
};
