/* ctr_each: see ctr_each.h. */
#include "ctr_each.h"

#include "../container/state.h"
#include "ctr_cli.h"
#include "image_find.h"

#include <errno.h>
#include <stdio.h>

/* Is c still there? Another command may have removed it (its directory,
 * lock file included) while we waited for the lock. 1 yes, 0 no, -1 error. */
static int still_there(struct lp_store *s, const struct lp_container_info *c, lp_error_t *err)
{
  struct lp_container_info *now = NULL;
  int r = lp_container_lookup(s, c->id, &now, err);
  lp_container_info_free(now);
  return r;
}

static int one(struct lp_store *s, struct lp_container_info *c, const char *shown, struct lp_args *args, bool print,
               bool ignore_missing, int missing_code,
               int (*fn)(struct lp_store *, struct lp_container_info *, struct lp_args *, lp_error_t *))
{
  lp_error_t err = NULL;
  int lk = lp_ctr_lock(s, c->id, &err);
  int there = lk >= 0 ? still_there(s, c, &err) : err->errnum == ENOENT ? 0 : -1;
  if (there <= 0)
    {
      lp_ctr_unlock(lk);
      if (there < 0)
        return lp_cli_ctr_fail(&err);
      lp_error_free(&err);
      if (ignore_missing)
        return 0;
      lp_error(&err, 0, "no container with name or ID \"%s\" found: no such container", shown);
      if (missing_code)
        err->exit_code = missing_code;
      return lp_cli_ctr_fail(&err);
    }
  int r = fn(s, c, args, &err);
  lp_ctr_unlock(lk);
  if (r < 0)
    return lp_cli_ctr_fail(&err);
  if (print)
    printf("%s\n", shown);
  fflush(stdout);
  return 0;
}

int lp_cli_ctr_each(struct lp_args *args, bool all, bool ignore_missing, bool print, int missing_code,
                    int (*fn)(struct lp_store *s, struct lp_container_info *c, struct lp_args *args, lp_error_t *err))
{
  lp_error_t err = NULL;
  struct lp_store *s = NULL;
  int rc = 0;
  if (lp_cli_store_open(&s, &err) < 0)
    return lp_cli_ctr_fail(&err);
  if (all)
    {
      struct lp_container_info **list = NULL;
      size_t n = 0;
      if (lp_container_list(s, &list, &n, &err) < 0)
        rc = lp_cli_ctr_fail(&err);
      for (size_t i = 0; i < n; i++)
        {
          int r = one(s, list[i], list[i]->id, args, print, true, 0, fn);
          if (r)
            rc = r;
        }
      lp_container_list_free(list, n);
    }
  else if (args->argc == 0)
    {
      lp_error(&err, 0, "you must provide at least one name or id");
      rc = lp_cli_ctr_fail(&err);
    }
  for (int i = 0; !all && i < args->argc; i++)
    {
      struct lp_container_info *c = NULL;
      int r = lp_cli_ctr_find(s, args->argv[i], &c, &err);
      if (r <= 0)
        {
          if (r == 0 && ignore_missing)
            {
              lp_error_free(&err);
              continue;
            }
          if (r == 0 && missing_code)
            err->exit_code = missing_code;
          rc = lp_cli_ctr_fail(&err);
          continue;
        }
      r = one(s, c, args->argv[i], args, print, ignore_missing, missing_code, fn);
      if (r)
        rc = r;
      lp_container_info_free(c);
    }
  lp_store_close(s);
  return rc;
}
