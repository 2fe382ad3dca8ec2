/*
 * Hidden store inspection commands for the tests:
 *
 *   lilipod __tree IMAGE   the image's flattened tree as the store holds it, one
 *                          path per line, sorted (bytewise), tab-separated:
 *                          path type mode uid gid size target sha256 xattrs nlink linkgroup
 *                          the format of tests/fixtures/multilayer.expected ('-' for
 *                          empty; size only for files; target = symlink target or
 *                          major,minor; sha256 of the content of files; xattrs
 *                          name=value joined by ',' (a value that is not plain text
 *                          as 0x<hex>); nlink for files, else 1; linkgroup the first
 *                          path of a hard-link set). Tab, newline and backslash in
 *                          names are written \t, \n, \\.
 *   lilipod __gc           lp_store_gc(LP_GC_LAYERS) and its report, one
 *                          "key value" line each (until image prune has it).
 */
#include "commands.h"
#include "../registry/digest.h"
#include "../store/pathmap.h"
#include "../store/store.h"
#include "../store/tree.h"
#include "../util/fsutil.h"
#include "../util/strbuf.h"
#include "../util/xalloc.h"

#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

struct row
{
  char *path;
  char *rest; /* type .. nlink, tab-separated, with a leading tab */
  int64_t group; /* hard-link set key (first name's id), 0 if not a hard link */
};

struct walk
{
  struct lp_store *s;
  struct row *rows;
  size_t n, alloc;
  /* children of the directory being read, gathered before recursing */
  struct lp_tree_node *kids;
  char **kid_names;
  size_t nkids, kids_alloc;
};

static void add_escaped(struct strbuf *sb, const char *p, size_t len)
{
  for (size_t i = 0; i < len; i++)
    {
      if (p[i] == '\t')
        strbuf_add(sb, "\\t", 2);
      else if (p[i] == '\n')
        strbuf_add(sb, "\\n", 2);
      else if (p[i] == '\\')
        strbuf_add(sb, "\\\\", 2);
      else
        strbuf_addch(sb, p[i]);
    }
}

static uint32_t get_u32le(const unsigned char *p)
{
  return (uint32_t) p[0] | (uint32_t) p[1] << 8 | (uint32_t) p[2] << 16 | (uint32_t) p[3] << 24;
}

static void add_xattrs(struct strbuf *sb, const unsigned char *b, size_t len)
{
  size_t off = 0;
  bool first = true;
  while (off + 4 <= len)
    {
      uint32_t nl = get_u32le(b + off);
      off += 4;
      if (nl > len - off)
        break;
      const unsigned char *name = b + off;
      off += nl;
      if (off + 4 > len)
        break;
      uint32_t vl = get_u32le(b + off);
      off += 4;
      if (vl > len - off)
        break;
      const unsigned char *val = b + off;
      off += vl;
      if (!first)
        strbuf_addch(sb, ',');
      first = false;
      add_escaped(sb, (const char *) name, nl);
      strbuf_addch(sb, '=');
      bool text = true;
      for (uint32_t i = 0; i < vl; i++)
        if (val[i] < 0x20 || val[i] >= 0x7f || val[i] == ',')
          text = false;
      if (text)
        strbuf_add(sb, val, vl);
      else
        {
          strbuf_add(sb, "0x", 2);
          for (uint32_t i = 0; i < vl; i++)
            strbuf_addf(sb, "%02x", val[i]);
        }
    }
  if (first)
    strbuf_addch(sb, '-');
}

static const char *type_name(uint32_t mode)
{
  switch (mode & S_IFMT)
    {
    case S_IFDIR:
      return "dir";
    case S_IFREG:
      return "file";
    case S_IFLNK:
      return "symlink";
    case S_IFIFO:
      return "fifo";
    case S_IFCHR:
      return "char";
    case S_IFBLK:
      return "block";
    case S_IFSOCK:
      return "socket";
    default:
      return "other";
    }
}

static int take_kid(void *ctx, const struct lp_tree_node *node)
{
  struct walk *w = ctx;
  if (w->nkids == w->kids_alloc)
    {
      w->kids_alloc = w->kids_alloc ? 2 * w->kids_alloc : 64;
      w->kids = xrealloc(w->kids, w->kids_alloc * sizeof *w->kids);
      w->kid_names = xrealloc(w->kid_names, w->kids_alloc * sizeof *w->kid_names);
    }
  w->kids[w->nkids] = *node;
  w->kid_names[w->nkids] = xstrndup(node->name, node->name_len);
  w->nkids++;
  return 0;
}

/* The columns after the path for node (read afresh by id: its strings are
 * only valid until the next tree call). */
static int format_node(struct walk *w, int64_t id, struct strbuf *sb, int64_t *group, lp_error_t *err)
{
  struct lp_tree_node n;
  int r = lp_tree_get(w->s, id, &n, err);
  if (r <= 0)
    return r < 0 ? -1 : lp_error(err, 0, "tree node %" PRId64 " vanished", id);
  bool file = S_ISREG(n.mode);
  strbuf_addf(sb, "\t%s\t%04o\t%" PRIu32 "\t%" PRIu32 "\t%" PRIu64 "\t", type_name(n.mode), n.mode & 07777, n.uid,
              n.gid, file ? n.size : 0);
  if (S_ISLNK(n.mode) && n.link_target)
    add_escaped(sb, n.link_target, n.link_target_len);
  else if (S_ISCHR(n.mode) || S_ISBLK(n.mode))
    strbuf_addf(sb, "%u,%u", major((dev_t) n.rdev), minor((dev_t) n.rdev));
  else
    strbuf_addch(sb, '-');
  strbuf_addch(sb, '\t');
  if (file)
    {
      if (n.digest[0])
        strbuf_add(sb, n.digest, 64);
      else
        {
          char d[72];
          lp_sha256_digest(n.inline_data ? n.inline_data : "", n.inline_data ? n.inline_len : 0, d);
          strbuf_add(sb, d + 7, 64);
        }
    }
  else
    strbuf_addch(sb, '-');
  strbuf_addch(sb, '\t');
  add_xattrs(sb, n.xattrs, n.xattrs ? n.xattrs_len : 0);
  strbuf_addf(sb, "\t%" PRIu32, file ? n.nlink : 1);
  *group = file && n.nlink > 1 ? (n.hardlink_of ? n.hardlink_of : n.id) : 0;
  return 0;
}

static int walk_dir(struct walk *w, int64_t dir, const char *prefix, lp_error_t *err)
{
  size_t start = w->nkids;
  if (lp_tree_readdir(w->s, dir, 0, take_kid, w, err) < 0)
    return -1;
  size_t end = w->nkids;
  int ret = 0;
  for (size_t i = start; i < end && ret == 0; i++)
    {
      struct strbuf path = STRBUF_INIT, rest = STRBUF_INIT;
      if (*prefix)
        strbuf_addf(&path, "%s/", prefix);
      add_escaped(&path, w->kid_names[i], strlen(w->kid_names[i]));
      int64_t group = 0;
      int64_t id = w->kids[i].id;
      bool is_dir = S_ISDIR(w->kids[i].mode);
      if (format_node(w, id, &rest, &group, err) < 0)
        {
          strbuf_release(&path);
          strbuf_release(&rest);
          ret = -1;
          break;
        }
      if (w->n == w->alloc)
        {
          w->alloc = w->alloc ? 2 * w->alloc : 256;
          w->rows = xrealloc(w->rows, w->alloc * sizeof *w->rows);
        }
      w->rows[w->n].path = strbuf_detach(&path, NULL);
      w->rows[w->n].rest = strbuf_detach(&rest, NULL);
      w->rows[w->n].group = group;
      w->n++;
      if (is_dir)
        ret = walk_dir(w, id, w->rows[w->n - 1].path, err);
    }
  for (size_t i = start; i < end; i++)
    free(w->kid_names[i]);
  w->nkids = start;
  return ret;
}

static int cmp_rows(const void *a, const void *b)
{
  return strcmp(((const struct row *) a)->path, ((const struct row *) b)->path);
}

static int open_store(struct lp_store **s, lp_error_t *err)
{
  cleanup_free char *home = lp_home_path(err);
  if (!home)
    return -1;
  return lp_store_open(home, s, err);
}

static int print_tree(const char *ref, lp_error_t *err)
{
  struct lp_store *s = NULL;
  struct lp_image_info *info = NULL;
  struct walk w = { 0 };
  int ret = -1;
  if (open_store(&s, err) < 0)
    return -1;
  int found = lp_image_lookup(s, ref, &info, err);
  if (found <= 0)
    {
      if (found == 0)
        lp_error(err, 0, "%s: image not known", ref);
      goto out;
    }
  int64_t root;
  if (lp_tree_root(s, info->id, &root, err) < 0)
    goto out;
  w.s = s;
  if (walk_dir(&w, root, "", err) < 0)
    goto out;
  qsort(w.rows, w.n, sizeof *w.rows, cmp_rows);
  /* Rows are sorted, so the first row of a hard-link set is its first path. */
  struct lp_pathmap first;
  lp_pathmap_init(&first);
  for (size_t i = 0; i < w.n; i++)
    {
      const char *group = "-";
      if (w.rows[i].group)
        {
          const char *f = lp_pathmap_get(&first, &w.rows[i].group, sizeof w.rows[i].group);
          if (!f)
            {
              f = w.rows[i].path;
              lp_pathmap_put(&first, &w.rows[i].group, sizeof w.rows[i].group, (void *) w.rows[i].path);
            }
          group = f;
        }
      printf("%s%s\t%s\n", w.rows[i].path, w.rows[i].rest, group);
    }
  lp_pathmap_release(&first);
  if (fflush(stdout) != 0 || ferror(stdout))
    {
      lp_error(err, 0, "write the tree to stdout");
      goto out;
    }
  ret = 0;
out:
  for (size_t i = 0; i < w.n; i++)
    {
      free(w.rows[i].path);
      free(w.rows[i].rest);
    }
  free(w.rows);
  free(w.kids);
  free(w.kid_names);
  if (info)
    lp_image_info_free(info);
  lp_store_close(s);
  return ret;
}

static int run_tree(struct lp_args *args)
{
  lp_error_t err = NULL;
  if (print_tree(args->argv[0], &err) < 0)
    {
      lp_cli_print_error(err);
      lp_error_free(&err);
      return LP_EXIT_ERROR;
    }
  return LP_EXIT_OK;
}

static int run_gc(struct lp_args *args)
{
  (void) args;
  lp_error_t err = NULL;
  struct lp_store *s = NULL;
  struct lp_gc_report rep;
  if (open_store(&s, &err) < 0 || lp_store_gc(s, LP_GC_LAYERS, &rep, &err) < 0)
    {
      lp_store_close(s);
      lp_cli_print_error(err);
      lp_error_free(&err);
      return LP_EXIT_ERROR;
    }
  lp_store_close(s);
  printf("tmp_removed %" PRIu64 "\nobjects_removed %" PRIu64 "\nobject_bytes_removed %" PRIu64
         "\nlayers_removed %" PRIu64 "\ncontainer_dirs_removed %" PRIu64 "\n",
         rep.tmp_removed, rep.objects_removed, rep.object_bytes_removed, rep.layers_removed,
         rep.container_dirs_removed);
  return LP_EXIT_OK;
}

static const struct lp_option no_options[] = { { NULL } };

const struct lp_command lp_cmd_internal_tree = {
  .name = "__tree",
  .usage = "IMAGE",
  .summary = "Print an image's flattened tree as the store holds it",
  .options = no_options,
  .flags = LP_CMD_HIDDEN,
  .min_args = 1,
  .max_args = 1,
  .run = run_tree,
};

const struct lp_command lp_cmd_internal_gc = {
  .name = "__gc",
  .usage = "",
  .summary = "Remove what no image references from the store, and report it",
  .options = no_options,
  .flags = LP_CMD_HIDDEN,
  .min_args = 0,
  .max_args = 0,
  .run = run_gc,
};
