/* lilipod images (image ls, image list): list the images in the store. */
#include "commands.h"
#include "image_find.h"
#include "image_json.h"
#include "images_cmd.h"
#include "output.h"

#include <fnmatch.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../util/xalloc.h"

struct row
{
  struct lp_image_info *img;
  const char *name; /* NULL: <none> */
  int containers;
  int64_t created;
};

struct filters
{
  const char **refs;
  size_t nrefs;
  int dangling; /* -1 unset, 0 false, 1 true */
};

static int parse_filters(const struct lp_args *args, struct filters *f, lp_error_t *err)
{
  size_t n;
  const char **v = lp_args_list(args, "filter", &n);
  f->refs = xcalloc(n + 1, sizeof *f->refs);
  f->nrefs = 0;
  f->dangling = -1;
  for (size_t i = 0; i < n; i++)
    {
      const char *eq = strchr(v[i], '=');
      if (eq == NULL)
        {
          lp_error(err, 0, "invalid filter \"%s\": must be in the format \"filter=value\"", v[i]);
          free(v);
          return -1;
        }
      size_t klen = (size_t) (eq - v[i]);
      if (klen == 9 && strncmp(v[i], "reference", 9) == 0)
        f->refs[f->nrefs++] = eq + 1;
      else if (klen == 8 && strncmp(v[i], "dangling", 8) == 0)
        {
          bool b;
          if (lp_parse_bool(eq + 1, &b) < 0)
            {
              lp_error(err, 0, "invalid dangling filter value \"%s\"", eq + 1);
              free(v);
              return -1;
            }
          f->dangling = b;
        }
      else
        {
          lp_error(err, 0, "%.*s: unsupported image filter", (int) klen, v[i]);
          free(v);
          return -1;
        }
    }
  free(v);
  return 0;
}

/* Podman's reference filter: a glob over the full name, the name without
 * its tag, and the familiar forms; or the image the value names locally. */
static bool ref_matches(const char *name, const char *pattern)
{
  cleanup_free char *repo = NULL, *tag = NULL;
  lp_split_repo_tag(name, &repo, &tag);
  const char *forms[6];
  size_t nf = 0;
  forms[nf++] = name;
  forms[nf++] = repo;
  cleanup_free char *fam = NULL, *famrepo = NULL;
  if (strncmp(name, "docker.io/library/", 18) == 0)
    {
      fam = xstrdup(name + 18);
      famrepo = xstrdup(repo + 18);
    }
  else if (strncmp(name, "docker.io/", 10) == 0)
    {
      fam = xstrdup(name + 10);
      famrepo = xstrdup(repo + 10);
    }
  if (fam)
    {
      forms[nf++] = fam;
      forms[nf++] = famrepo;
    }
  for (size_t i = 0; i < nf; i++)
    if (fnmatch(pattern, forms[i], FNM_PATHNAME) == 0)
      return true;
  /* A short name matches the way a local lookup would find it. */
  if (strpbrk(pattern, "*?[") == NULL)
    {
      if (lp_cli_name_matches(name, pattern))
        return true;
      if (strchr(pattern, ':') == NULL && strchr(pattern, '@') == NULL)
        {
          /* No tag given: any tag of that repository. */
          cleanup_free char *withtag = xasprintf("%s:%s", pattern, tag ? tag : "latest");
          if (lp_cli_name_matches(name, withtag))
            return true;
        }
    }
  return false;
}

static bool row_wanted(const struct row *r, const struct filters *f)
{
  if (f->dangling == 1 && r->img->nnames)
    return false;
  if (f->dangling == 0 && r->img->nnames == 0)
    return false;
  for (size_t i = 0; i < f->nrefs; i++)
    if (r->name == NULL || !ref_matches(r->name, f->refs[i]))
      return false;
  return true;
}

static const char *sort_key;

static int cmp_rows(const void *pa, const void *pb)
{
  const struct row *a = pa, *b = pb;
  int c = 0;
  if (strcmp(sort_key, "created") == 0)
    c = (a->created < b->created) - (a->created > b->created);
  else if (strcmp(sort_key, "id") == 0)
    c = strcmp(a->img->id, b->img->id);
  else if (strcmp(sort_key, "size") == 0)
    c = (a->img->size > b->img->size) - (a->img->size < b->img->size);
  else
    {
      cleanup_free char *ra = NULL, *ta = NULL, *rb = NULL, *tb = NULL;
      lp_split_repo_tag(a->name ? a->name : "", &ra, &ta);
      lp_split_repo_tag(b->name ? b->name : "", &rb, &tb);
      if (strcmp(sort_key, "tag") == 0)
        c = strcmp(ta ? ta : "", tb ? tb : "");
      if (c == 0)
        c = strcmp(ra, rb);
    }
  /* Stable: keep the store's order for ties. */
  return c != 0 ? c : (a < b ? -1 : a > b);
}

int lp_images_run(struct lp_args *args)
{
  lp_error_t err = NULL;
  struct lp_store *s = NULL;
  struct lp_image_info **list = NULL;
  size_t n = 0, nrows = 0;
  struct row *rows = NULL;
  struct filters f = { 0 };
  int status = LP_EXIT_ERROR;
  cleanup_free char *deffmt = NULL;
  bool quiet = lp_args_bool(args, "quiet"), no_trunc = lp_args_bool(args, "no-trunc");
  const char *format = lp_args_str(args, "format");
  sort_key = lp_args_str(args, "sort") ? lp_args_str(args, "sort") : "created";

  if (strcmp(sort_key, "created") && strcmp(sort_key, "id") && strcmp(sort_key, "repository")
      && strcmp(sort_key, "size") && strcmp(sort_key, "tag"))
    {
      lp_error(&err, 0, "\"%s\" is not a valid option for --sort: choose created, id, repository, size or tag",
               sort_key);
      goto out;
    }
  if (parse_filters(args, &f, &err) < 0)
    goto out;
  if (args->argc > 0)
    {
      /* `images NAME` is --filter reference=NAME */
      f.refs = xreallocarray(f.refs, f.nrefs + 2, sizeof *f.refs);
      f.refs[f.nrefs++] = args->argv[0];
    }
  if (lp_cli_store_open(&s, &err) < 0 || lp_image_list(s, &list, &n, &err) < 0)
    goto out;

  for (size_t i = 0; i < n; i++)
    {
      int used = lp_image_containers(s, list[i]->id, &err);
      if (used < 0)
        goto out;
      int64_t created = lp_image_created(list[i], NULL);
      size_t k = list[i]->nnames ? list[i]->nnames : 1;
      rows = xreallocarray(rows, nrows + k, sizeof *rows);
      for (size_t j = 0; j < k; j++)
        {
          struct row r = { list[i], list[i]->nnames ? list[i]->names[j] : NULL, used, created };
          if (row_wanted(&r, &f))
            rows[nrows++] = r;
        }
    }
  if (nrows > 1)
    qsort(rows, nrows, sizeof *rows, cmp_rows);

  if (quiet)
    {
      for (size_t i = 0; i < nrows; i++)
        {
          bool seen = false;
          for (size_t j = 0; j < i && !seen; j++)
            seen = rows[j].img == rows[i].img;
          if (seen)
            continue;
          const char *hex = lp_image_hex(rows[i].img->id);
          if (no_trunc)
            printf("sha256:%s\n", hex);
          else
            printf("%.12s\n", hex);
        }
      status = LP_EXIT_OK;
      goto out;
    }

  if (format && lp_format_is_json(format))
    {
      cJSON *arr = cJSON_CreateArray();
      for (size_t i = 0; i < nrows; i++)
        {
          bool seen = false;
          for (size_t j = 0; j < i && !seen; j++)
            seen = rows[j].img == rows[i].img;
          if (!seen)
            cJSON_AddItemToArray(arr, lp_image_summary_json(rows[i].img, rows[i].containers));
        }
      struct strbuf sb = STRBUF_INIT;
      lp_json_print_go(&sb, arr, "    ");
      printf("%s\n", sb.buf);
      strbuf_release(&sb);
      cJSON_Delete(arr);
      status = LP_EXIT_OK;
      goto out;
    }

  if (format == NULL || *format == '\0')
    {
      deffmt = xasprintf("table {{.Repository}}\t{{.Tag}}\t%s{{.ID}}\t{{.Created}}\t{{.Size}}",
                         lp_args_bool(args, "digests") ? "{{.Digest}}\t" : "");
      format = deffmt;
    }
  struct lp_tmpl_maps maps = LP_TMPL_MAPS_INIT;
  cJSON *arr = cJSON_CreateArray();
  int64_t now = (int64_t) time(NULL);
  for (size_t i = 0; i < nrows; i++)
    cJSON_AddItemToArray(arr, lp_image_row_json(rows[i].img, rows[i].name, rows[i].containers, no_trunc, now,
                                                &maps));
  cJSON *headers = lp_image_row_headers();
  int r = lp_output_table(stdout, format, headers, arr, &maps, lp_args_bool(args, "noheading"), &err);
  cJSON_Delete(headers);
  cJSON_Delete(arr);
  lp_tmpl_maps_release(&maps);
  if (r == 0)
    status = LP_EXIT_OK;

out:
  if (err)
    {
      lp_cli_print_error(err);
      lp_error_free(&err);
    }
  free(f.refs);
  free(rows);
  lp_image_list_free(list, n);
  if (s)
    lp_store_close(s);
  return status;
}

const struct lp_option lp_images_options[] = {
  { "all", 'a', LP_OPT_BOOL, NULL, "Show all images (default hides intermediate images)", NULL, NULL },
  { "digests", 0, LP_OPT_BOOL, NULL, "Show digests", NULL, NULL },
  { "filter", 'f', LP_OPT_LIST, "stringArray", "Filter output based on conditions provided (reference=, dangling=)",
    NULL, NULL },
  { "format", 0, LP_OPT_STRING, "string", "Change the output format to JSON or a Go template", NULL, NULL },
  { "no-trunc", 0, LP_OPT_BOOL, NULL, "Do not truncate output", NULL, NULL },
  { "noheading", 'n', LP_OPT_BOOL, NULL, "Do not print column headings", NULL, NULL },
  { "quiet", 'q', LP_OPT_BOOL, NULL, "Display only image IDs", NULL, NULL },
  { "sort", 0, LP_OPT_STRING, "string", "Sort by created, id, repository, size or tag", "created",
    "created id repository size tag" },
  { NULL },
};

const struct lp_command lp_cmd_images = {
  .name = "images",
  .usage = "[options] [IMAGE]",
  .summary = "List images in local storage",
  .description = "Lists the images in the store: one row per name, <none> for an untagged image.",
  .examples = "lilipod images\n"
              "lilipod images --format '{{.Repository}}:{{.Tag}}'\n"
              "lilipod images --filter reference=busybox -q",
  .options = lp_images_options,
  .min_args = 0,
  .max_args = 1,
  .complete = LP_COMPLETE_IMAGES,
  .run = lp_images_run,
};
