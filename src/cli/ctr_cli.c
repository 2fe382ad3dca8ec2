/* ctr_cli: shared by the container commands (see ctr_cli.h). */
#include "ctr_cli.h"

#include "../container/config.h"
#include "../container/supervisor.h"
#include "../container/volume.h"
#include "../registry/pull.h"
#include "../registry/client.h"
#include "../util/xalloc.h"
#include "image_find.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

int lp_cli_ctr_fail(lp_error_t *err)
{
  int code = *err && (*err)->exit_code ? (*err)->exit_code : LP_EXIT_ERROR;
  lp_cli_print_error(*err);
  lp_error_free(err);
  return code;
}

int lp_cli_ctr_find(struct lp_store *s, const char *ref, struct lp_container_info **out, lp_error_t *err)
{
  int r = lp_container_lookup(s, ref, out, err);
  if (r == 0)
    lp_error(err, 0, "no container with name or ID \"%s\" found: no such container", ref);
  return r;
}

int lp_cli_ctr_latest(struct lp_store *s, struct lp_container_info **out, lp_error_t *err)
{
  struct lp_container_info **list = NULL;
  size_t n = 0, best = 0;
  if (lp_container_list(s, &list, &n, err) < 0)
    return -1;
  for (size_t i = 1; i < n; i++)
    if (list[i]->created > list[best]->created)
      best = i;
  *out = NULL;
  if (n)
    {
      *out = list[best];
      list[best] = NULL;
    }
  lp_container_list_free(list, n);
  if (!*out)
    lp_error(err, 0, "no container to act on with --latest: no such container");
  return *out ? 1 : 0;
}

void lp_cli_ctr_select(struct lp_store *s, struct lp_args *args, struct lp_container_info ***out, size_t *n,
                       int *rc)
{
  lp_error_t err = NULL;
  *out = NULL;
  *n = 0;
  if (lp_args_bool(args, "latest"))
    {
      struct lp_container_info *c = NULL;
      if (lp_cli_ctr_latest(s, &c, &err) <= 0)
        {
          *rc = lp_cli_ctr_fail(&err);
          return;
        }
      *out = xcalloc(1, sizeof **out);
      (*out)[(*n)++] = c;
      return;
    }
  if (lp_args_bool(args, "all"))
    {
      if (lp_container_list(s, out, n, &err) < 0)
        *rc = lp_cli_ctr_fail(&err);
      return;
    }
  *out = xcalloc((size_t)args->argc + 1, sizeof **out);
  for (int i = 0; i < args->argc; i++)
    {
      struct lp_container_info *c = NULL;
      if (lp_cli_ctr_find(s, args->argv[i], &c, &err) <= 0)
        *rc = lp_cli_ctr_fail(&err);
      else
        (*out)[(*n)++] = c;
    }
}

int lp_cli_ctr_check_all_latest(struct lp_args *args, bool need_one, lp_error_t *err)
{
  bool all = lp_args_bool(args, "all"), latest = lp_args_bool(args, "latest");
  if (all && latest)
    return lp_error(err, 0, "--all and --latest cannot be used together");
  if (args->argc > 0 && all)
    return lp_error(err, 0, "no arguments are needed with --all");
  if (args->argc > 0 && latest)
    return lp_error(err, 0, "--latest and containers cannot be used together");
  if (need_one && args->argc < 1 && !all && !latest)
    return lp_error(err, 0, "you must provide at least one name or id");
  return 0;
}

static int name_taken(const char *name, void *ctx)
{
  struct lp_container_info *c = NULL;
  lp_error_t e = NULL;
  int r = lp_container_lookup(ctx, name, &c, &e);
  lp_error_free(&e);
  lp_container_info_free(c);
  return r != 0;
}

static int find_or_pull(struct lp_store *s, struct lp_args *args, const char *ref, struct lp_image_info **img,
                        char **matched, lp_error_t *err)
{
  const char *policy = lp_args_str(args, "pull");
  if (!policy || !*policy)
    policy = "missing";
  if (strcmp(policy, "missing") && strcmp(policy, "always") && strcmp(policy, "never") && strcmp(policy, "newer"))
    return lp_error(err, 0, "invalid pull policy \"%s\": want always, missing, never or newer", policy);
  int r = strcmp(policy, "always") == 0 ? 0 : lp_cli_image_find(s, ref, img, matched, err);
  if (r != 0)
    return r;
  if (strcmp(policy, "never") == 0)
    return lp_error(err, 0, "%s: image not known", ref);
  struct lp_registry_opts o;
  memset(&o, 0, sizeof o);
  o.tls_verify = lp_args_has(args, "tls-verify") ? (lp_args_bool(args, "tls-verify") ? 1 : 0) : -1;
  o.authfile = lp_args_str(args, "authfile");
  o.quiet = lp_args_bool(args, "quiet");
  o.max_parallel = lp_pull_default_parallel();
  o.retries = 3;
  o.retry_delay_ms = 1000;
  cleanup_free char *plat = NULL;
  const char *platform = lp_args_str(args, "platform");
  if (platform && *platform)
    {
      plat = xstrdup(platform);
      char *arch = strchr(plat, '/');
      if (!arch)
        return lp_error(err, 0, "invalid platform `%s`: want OS/ARCH[/VARIANT]", platform);
      *arch++ = '\0';
      char *variant = strchr(arch, '/');
      if (variant)
        *variant++ = '\0';
      o.platform_os = plat;
      o.platform_arch = arch;
      o.platform_variant = variant;
    }
  cleanup_free char *id = NULL;
  if (lp_pull(ref, &o, o.quiet ? NULL : stderr, &id, err) < 0)
    return -1;
  r = lp_image_lookup(s, id, img, err);
  if (r == 0)
    return lp_error(err, 0, "%s: pulled image %s not found", ref, id);
  return r;
}

int lp_cli_ctr_create(struct lp_store *s, struct lp_args *args, struct lp_container_info **out, lp_error_t *err)
{
  struct lp_image_info *img = NULL;
  cleanup_free char *matched = NULL;
  struct lp_ctr_config *cfg = NULL;
  cleanup_free char *json = NULL, *id = NULL;
  int rc = -1;
  const char *ref = args->argv[0];

  int r = find_or_pull(s, args, ref, &img, &matched, err);
  if (r < 0)
    goto out;
  if (r == 0)
    {
      lp_error(err, 0, "%s: image not known", ref);
      goto out;
    }
  const char *name = lp_args_str(args, "name");
  if (name && *name && lp_args_bool(args, "replace"))
    {
      struct lp_container_info *old = NULL;
      if (lp_container_lookup(s, name, &old, err) < 0)
        goto out;
      if (old)
        {
          int ok = lp_ctr_stop(s, old, 10, err) == 0 && lp_ctr_remove(s, old, err) == 0;
          lp_container_info_free(old);
          if (!ok)
            goto out;
        }
    }
  unsigned char raw[32];
  if (getrandom(raw, sizeof raw, 0) != (ssize_t)sizeof raw)
    {
      lp_error(err, errno, "getrandom");
      goto out;
    }
  id = xmalloc(65);
  for (int i = 0; i < 32; i++)
    snprintf(id + 2 * i, 3, "%02x", raw[i]);
  struct lp_ctr_image ci = { .typed = ref, .name = matched, .id = img->id, .config_json = img->config_json };
  if (lp_ctr_config_from_args(args, &ci, id, name_taken, s, &cfg, err) < 0)
    goto out;
  if (lp_ctr_volumes_prepare(s, cfg, err) < 0)
    goto out;
  json = lp_ctr_config_to_json(cfg);
  if (lp_container_create(s, id, cfg->name, img->id, json, out, err) < 0)
    {
      if (*err && (*err)->errnum == EEXIST)
        {
          lp_error_free(err);
          struct lp_container_info *holder = NULL;
          if (lp_container_lookup(s, cfg->name, &holder, err) < 0)
            lp_error_free(err);
          lp_error(err, 0, "creating container storage: the container name \"%s\" is already in use by %s. You "
                           "have to remove that container to be able to reuse that name: that name is already in use",
                   cfg->name, holder ? holder->id : "another container");
          lp_container_info_free(holder);
        }
      /* Its anonymous volumes were made for it alone. */
      lp_error_t e = NULL;
      if (lp_ctr_volumes_remove_anonymous(s, cfg, &e) < 0)
        lp_error_free(&e);
      goto out;
    }
  rc = 0;
out:
  lp_ctr_config_free(cfg);
  if (img)
    lp_image_info_free(img);
  return rc;
}
