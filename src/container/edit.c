/* edit: rename and update a stored container (see edit.h). */
#include "edit.h"

#include "../cli/command.h"
#include "../util/xalloc.h"
#include "../util/log.h"
#include "config.h"
#include "network.h"
#include "state.h"
#include "volume.h"

#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

static bool name_valid(const char *n)
{
  if (!((*n >= 'a' && *n <= 'z') || (*n >= 'A' && *n <= 'Z') || (*n >= '0' && *n <= '9')))
    return false;
  for (; *n; n++)
    if (!((*n >= 'a' && *n <= 'z') || (*n >= 'A' && *n <= 'Z') || (*n >= '0' && *n <= '9') || *n == '_'
          || *n == '.' || *n == '-'))
      return false;
  return true;
}

int lp_ctr_rename(struct lp_store *s, struct lp_container_info *c, const char *new_name, lp_error_t *err)
{
  while (*new_name == '/')
    new_name++;
  if (!*new_name || !name_valid(new_name))
    return lp_error(err, 0, "names must match [a-zA-Z0-9][a-zA-Z0-9_.-]*: invalid argument");
  if (strcmp(new_name, c->name) == 0)
    return 0;
  struct lp_ctr_config *cfg = NULL;
  if (lp_ctr_config_from_json(c->config_json, &cfg, err) < 0)
    return -1;
  free(cfg->name);
  cfg->name = xstrdup(new_name);
  cleanup_free char *json = lp_ctr_config_to_json(cfg);
  lp_ctr_config_free(cfg);
  /* The row's name is what lookups use: rename it first (the UNIQUE index
   * decides a race), then the copy in the config. */
  if (lp_container_rename(s, c->id, new_name, err) < 0)
    {
      if (*err && (*err)->errnum == EEXIST)
        {
          lp_error_free(err);
          lp_error(err, 0, "renaming container %s: name %s already in use, cannot rename container %s: container "
                           "already exists", c->id, new_name, c->id);
          (*err)->errnum = EEXIST;
        }
      return -1;
    }
  if (lp_container_update_config(s, c->id, json, err) < 0)
    {
      lp_error_t e = NULL;
      if (lp_container_rename(s, c->id, c->name, &e) < 0)
        lp_error_free(&e);
      return lp_error_wrap(err, "renaming container %s", c->id);
    }
  free(c->name);
  c->name = xstrdup(new_name);
  free(c->config_json);
  c->config_json = xstrdup(json);
  return 0;
}

/* ---- update ---- */

static void env_remove(char **env, const char *key)
{
  size_t kl = strlen(key), k = 0;
  for (size_t i = 0; env && env[i]; i++)
    {
      if (strncmp(env[i], key, kl) == 0 && (env[i][kl] == '=' || env[i][kl] == '\0'))
        {
          free(env[i]);
          continue;
        }
      env[k++] = env[i];
    }
  if (env)
    env[k] = NULL;
}

static void label_set(struct lp_ctr_config *c, const char *key, const char *value)
{
  for (size_t i = 0; i < c->nlabels; i++)
    if (strcmp(c->labels[i].key, key) == 0)
      {
        free(c->labels[i].value);
        c->labels[i].value = xstrdup(value);
        return;
      }
  c->labels = xreallocarray(c->labels, c->nlabels + 1, sizeof *c->labels);
  c->labels[c->nlabels].key = xstrdup(key);
  c->labels[c->nlabels++].value = xstrdup(value);
}

static void label_remove(struct lp_ctr_config *c, const char *key)
{
  size_t k = 0;
  for (size_t i = 0; i < c->nlabels; i++)
    {
      if (strcmp(c->labels[i].key, key) == 0)
        {
          free(c->labels[i].key);
          free(c->labels[i].value);
          continue;
        }
      c->labels[k++] = c->labels[i];
    }
  c->nlabels = k;
}

static bool same_dest(const char *a, const char *b)
{
  size_t la = strlen(a), lb = strlen(b);
  while (la > 1 && a[la - 1] == '/')
    la--;
  while (lb > 1 && b[lb - 1] == '/')
    lb--;
  return la == lb && strncmp(a, b, la) == 0;
}

static void mount_free(struct lp_ctr_mount *m)
{
  free(m->type);
  free(m->source);
  free(m->destination);
  for (char **o = m->options; o && *o; o++)
    free(*o);
  free(m->options);
  free(m->name);
}

/* Remove the mount at dst; false when there is none. */
static bool mount_remove(struct lp_ctr_config *c, const char *dst)
{
  for (size_t i = 0; i < c->nmounts; i++)
    if (same_dest(c->mounts[i].destination, dst))
      {
        mount_free(&c->mounts[i]);
        memmove(&c->mounts[i], &c->mounts[i + 1], (c->nmounts - i - 1) * sizeof *c->mounts);
        c->nmounts--;
        return true;
      }
  return false;
}

/* The mounts parsed from args (appended after the first `old` ones) replace
 * an existing mount with their destination in place, else stay appended. */
static void mounts_merge(struct lp_ctr_config *c, size_t old)
{
  size_t n = c->nmounts;
  struct lp_ctr_mount *added = xcalloc(n - old, sizeof *added);
  memcpy(added, c->mounts + old, (n - old) * sizeof *added);
  c->nmounts = old;
  for (size_t a = 0; a < n - old; a++)
    {
      bool placed = false;
      for (size_t i = 0; i < c->nmounts && !placed; i++)
        if (same_dest(c->mounts[i].destination, added[a].destination))
          {
            mount_free(&c->mounts[i]);
            c->mounts[i] = added[a];
            placed = true;
          }
      if (!placed)
        c->mounts[c->nmounts++] = added[a];
    }
  free(added);
}

static int parse_bool_flag(const struct lp_args *args, const char *name, bool *out, lp_error_t *err)
{
  const char *v = NULL;
  for (size_t i = 0; i < args->nvalues; i++)
    if (strcmp(args->values[i].opt->name, name) == 0)
      v = args->values[i].value;
  if (!v)
    {
      *out = true;
      return 0;
    }
  if (lp_parse_bool(v, out) < 0)
    return lp_error(err, 0, "invalid argument \"%s\" for \"--%s\" flag: strconv.ParseBool: parsing \"%s\": invalid "
                            "syntax", v, name, v);
  return 0;
}

static int apply(struct lp_ctr_config *c, const struct lp_args *args, bool *changed, lp_error_t *err)
{
  size_t n;
  const char *v;

  if (lp_args_has(args, "userns"))
    return lp_error(err, 0, "--userns cannot be changed after create: the container's files were written through "
                            "its user namespace; create a new container instead");

  /* Environment: additions in command-line order, then removals. */
  if (lp_ctr_config_add_env(c, args, err) < 0)
    return -1;
  *changed |= lp_args_has(args, "env") || lp_args_has(args, "env-file");
  for (int pass = 0; pass < 2; pass++)
    {
      cleanup_free const char **l = lp_args_list(args, pass ? "env-rm" : "unsetenv", &n);
      for (size_t i = 0; i < n; i++)
        env_remove(c->env, l[i]);
      *changed |= n > 0;
    }

  /* Labels. */
  {
    cleanup_free const char **l = lp_args_list(args, "label", &n);
    for (size_t i = 0; i < n; i++)
      {
        const char *eq = strchr(l[i], '=');
        if (eq == l[i] || !*l[i])
          return lp_error(err, 0, "invalid --label `%s`", l[i]);
        cleanup_free char *k = eq ? xstrndup(l[i], (size_t)(eq - l[i])) : xstrdup(l[i]);
        label_set(c, k, eq ? eq + 1 : "");
      }
    *changed |= n > 0;
  }
  {
    cleanup_free const char **l = lp_args_list(args, "label-rm", &n);
    for (size_t i = 0; i < n; i++)
      label_remove(c, l[i]);
    *changed |= n > 0;
  }

  /* Mounts: removals, then additions (which replace same destinations). */
  {
    cleanup_free const char **l = lp_args_list(args, "mount-rm", &n);
    for (size_t i = 0; i < n; i++)
      if (!mount_remove(c, l[i]))
        return lp_error(err, 0, "--mount-rm %s: the container has no mount at %s", l[i], l[i]);
    *changed |= n > 0;
  }
  size_t old = c->nmounts;
  if (lp_ctr_config_add_mounts(c, args, err) < 0)
    return -1;
  if (c->nmounts > old)
    {
      mounts_merge(c, old);
      *changed = true;
    }

  /* Entrypoint. */
  if (lp_args_has(args, "entrypoint"))
    {
      char **ep = NULL;
      if (lp_ctr_config_parse_entrypoint(lp_args_str(args, "entrypoint"), &ep, err) < 0)
        return -1;
      for (char **p = c->entrypoint; p && *p; p++)
        free(*p);
      free(c->entrypoint);
      c->entrypoint = ep;
      if (lp_ctr_config_set_args(c, err) < 0)
        return -1;
      *changed = true;
    }

  /* Namespaces. */
  static const struct
  {
    const char *flag;
    size_t off;
    bool none;
  } ns[] = {
    { "pid", offsetof(struct lp_ctr_config, ns_pid), false },
    { "ipc", offsetof(struct lp_ctr_config, ns_ipc), false },
    { "uts", offsetof(struct lp_ctr_config, ns_uts), false },
    { "cgroupns", offsetof(struct lp_ctr_config, ns_cgroup), false },
  };
  for (size_t i = 0; i < sizeof ns / sizeof ns[0]; i++)
    {
      if (!lp_args_has(args, ns[i].flag))
        continue;
      char *val = NULL;
      if (lp_ctr_config_parse_ns(ns[i].flag, lp_args_str(args, ns[i].flag), ns[i].none, &val, err) < 0)
        return -1;
      char **slot = (char **)((char *)c + ns[i].off);
      free(*slot);
      *slot = val;
      *changed = true;
    }

  /* The network: modes as create resolves them (network.h). */
  if (lp_args_has(args, "network"))
    {
      char *mode = NULL, **opts = NULL;
      const char *notice = NULL;
      int r = lp_net_parse_mode(lp_args_str(args, "network"), &mode, &opts, &notice, err);
      /* What it made is ours, failed or not: the config takes it or we free it. */
      char ***drop = r < 0 ? &opts : &c->net->options;
      for (char **o = *drop; o && *o; o++)
        free(*o);
      free(*drop);
      if (r < 0)
        {
          free(mode);
          return -1;
        }
      free(c->ns_network);
      c->ns_network = mode;
      c->net->options = opts;
      if (c->net->nports && !lp_net_mode_is_helper(mode))
        return lp_error(err, 0, "port publishing is not possible with --network %s: the container publishes ports",
                        mode);
      if (notice)
        lp_warn("%s", notice);
      *changed = true;
    }

  /* Hostname (and HOSTNAME when it followed the old one). */
  if (lp_args_has(args, "hostname"))
    {
      v = lp_args_str(args, "hostname");
      if (!v || !*v)
        return lp_error(err, 0, "invalid --hostname: empty");
      const char *cur = lp_ctr_env_get(c->env, "HOSTNAME");
      if (cur && c->hostname && strcmp(cur, c->hostname) == 0)
        {
          cleanup_free char *kv = xasprintf("HOSTNAME=%s", v);
          lp_ctr_env_set(&c->env, kv);
        }
      free(c->hostname);
      c->hostname = xstrdup(v);
      *changed = true;
    }

  /* Booleans. */
  static const struct
  {
    const char *flag;
    size_t off;
  } bools[] = {
    { "privileged", offsetof(struct lp_ctr_config, privileged) },
    { "read-only", offsetof(struct lp_ctr_config, read_only) },
    { "read-only-tmpfs", offsetof(struct lp_ctr_config, read_only_tmpfs) },
    { "init", offsetof(struct lp_ctr_config, init) },
  };
  for (size_t i = 0; i < sizeof bools / sizeof bools[0]; i++)
    {
      if (!lp_args_has(args, bools[i].flag))
        continue;
      if (parse_bool_flag(args, bools[i].flag, (bool *)((char *)c + bools[i].off), err) < 0)
        return -1;
      *changed = true;
    }

  /* The process. */
  if (lp_args_has(args, "user"))
    {
      v = lp_args_str(args, "user");
      free(c->user);
      c->user = xstrdup(v ? v : "");
      *changed = true;
    }
  if (lp_args_has(args, "workdir"))
    {
      v = lp_args_str(args, "workdir");
      if (!v || v[0] != '/')
        return lp_error(err, 0, "invalid --workdir `%s`: must be an absolute path", v ? v : "");
      free(c->workdir);
      c->workdir = xstrdup(v);
      *changed = true;
    }
  if (lp_args_has(args, "stop-signal"))
    {
      int sig = lp_signal_parse(lp_args_str(args, "stop-signal"), err);
      char buf[16];
      if (sig < 0)
        return -1;
      c->stop_signal_num = sig;
      free(c->stop_signal);
      c->stop_signal = xstrdup(lp_signal_name(sig, buf));
      *changed = true;
    }
  if (lp_args_has(args, "stop-timeout"))
    {
      v = lp_args_str(args, "stop-timeout");
      char *end;
      errno = 0;
      unsigned long t = v ? strtoul(v, &end, 10) : 0;
      if (!v || !*v || errno || *end || v[0] == '-' || t > 0xffffffffUL)
        return lp_error(err, 0, "invalid --stop-timeout `%s`", v ? v : "");
      c->stop_timeout = (unsigned)t;
      *changed = true;
    }
  if (lp_args_has(args, "pids-limit"))
    {
      v = lp_args_str(args, "pids-limit");
      char *end;
      errno = 0;
      long long p = v ? strtoll(v, &end, 10) : 0;
      if (!v || !*v || errno || *end)
        return lp_error(err, 0, "invalid --pids-limit `%s`", v ? v : "");
      c->pids_limit = p;
      *changed = true;
    }
  return 0;
}

int lp_ctr_update(struct lp_store *s, struct lp_container_info *c, const struct lp_args *args, bool *changed,
                  lp_error_t *err)
{
  *changed = false;
  if (lp_ctr_state_refresh(s, c, err) < 0)
    return -1;
  struct lp_ctr_config *cfg = NULL;
  if (lp_ctr_config_from_json(c->config_json, &cfg, err) < 0)
    return -1;
  int rc = -1;
  bool dirty = false;
  char *json = NULL;
  if (apply(cfg, args, &dirty, err) < 0)
    goto out;
  if (!dirty)
    {
      rc = 0;
      goto out;
    }
  if (lp_ctr_is_running(c))
    {
      lp_error(err, 0, "container %s is running: stop it first, then update it (changes apply at the next start)",
               c->name);
      (*err)->errnum = EBUSY;
      goto out;
    }
  if (lp_ctr_volumes_prepare(s, cfg, err) < 0)
    goto out;
  json = lp_ctr_config_to_json(cfg);
  if (lp_container_update_config(s, c->id, json, err) < 0)
    goto out;
  free(c->config_json);
  c->config_json = xstrdup(json);
  *changed = true;
  rc = 0;
out:
  free(json);
  lp_ctr_config_free(cfg);
  return rc;
}
