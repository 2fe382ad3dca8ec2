/* Fuzz layer ingest end to end: the input is an uncompressed layer tar,
 * ingested (in two chunks) into a store in a fresh temp directory with
 * lp_layer_begin/write/commit under its own sha256 as diff_id. Whatever the
 * archive says, nothing may appear outside the store's own files: the
 * process's cwd is the temp directory, whose only entry must stay "home". */
#include <dirent.h>
#include <ftw.h>
#include <stdio.h>
#include <unistd.h>

#include "fuzz.h"
#include "registry/digest.h"
#include "store/store.h"

static char *top;
static struct lp_store *store;

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
  return remove(path);
}

static void cleanup(void)
{
  if (store)
    lp_store_close(store);
  if (top)
    nftw(top, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static void check_dir(const char *dir, const char *const *allowed)
{
  DIR *d = opendir(dir);
  if (!d)
    abort();
  for (struct dirent *de; (de = readdir(d));)
    {
      if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
        continue;
      int ok = 0;
      for (const char *const *a = allowed; *a; a++)
        ok |= !strcmp(*a, de->d_name);
      if (!ok)
        {
          fprintf(stderr, "layer ingest created %s/%s\n", dir, de->d_name);
          abort();
        }
    }
  closedir(d);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  lp_error_t err = NULL;
  if (!store)
    {
      const char *t = getenv("TMPDIR");
      char *tmpl = NULL;
      if (asprintf(&tmpl, "%s/lilipod-fuzz-layer.XXXXXX", t && *t ? t : "/tmp") < 0 || !mkdtemp(tmpl))
        abort();
      top = tmpl;
      atexit(cleanup);
      if (chdir(top) < 0)
        abort();
      char *home = NULL;
      if (asprintf(&home, "%s/home", top) < 0)
        abort();
      if (lp_store_open(home, &store, &err) < 0)
        {
          fprintf(stderr, "%s\n", err->msg);
          abort();
        }
      free(home);
    }
  if (size > (1 << 20))
    return 0;
  char diff_id[72];
  lp_sha256_digest(data, size, diff_id);
  struct lp_layer_writer *w;
  if (lp_layer_begin(store, diff_id, &w, &err) < 0)
    {
      fprintf(stderr, "begin: %s\n", err->msg);
      abort();
    }
  size_t half = size / 2;
  if (lp_layer_write(w, data, half, &err) < 0 || lp_layer_write(w, data + half, size - half, &err) < 0)
    {
      lp_error_free(&err);
      lp_layer_abort(w);
    }
  else if (lp_layer_commit(w, &err) < 0)
    lp_error_free(&err);
  else if (lp_store_has_layer(store, diff_id) != 1)
    abort();
  static const char *const top_allowed[] = { "home", NULL };
  static const char *const home_allowed[]
    = { "objects", "tmp", "containers", "store.db", "store.db-wal", "store.db-shm", "store.db-journal", "lock", NULL };
  check_dir(".", top_allowed);
  char *home = NULL;
  if (asprintf(&home, "%s/home", top) < 0)
    abort();
  check_dir(home, home_allowed);
  free(home);
  return 0;
}
