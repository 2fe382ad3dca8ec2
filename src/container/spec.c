/* spec: a stored container config -> lp_runtime_spec (see config.h). */
#include "config.h"
#include "network.h"

#include "../runtime/process.h"
#include "../util/xalloc.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static enum lp_ns_mode ns_mode(const char *v)
{
  return v && strcmp(v, "host") == 0 ? LP_NS_HOST : LP_NS_PRIVATE;
}

static int mount_from(const struct lp_ctr_mount *cm, struct lp_mount *m, char **data, lp_error_t *err)
{
  static const struct
  {
    const char *name;
    enum lp_propagation p;
  } props[] = { { "private", LP_PROP_PRIVATE }, { "rprivate", LP_PROP_RPRIVATE }, { "slave", LP_PROP_SLAVE },
                { "rslave", LP_PROP_RSLAVE },   { "shared", LP_PROP_SHARED },     { "rshared", LP_PROP_RSHARED } };
  memset(m, 0, sizeof *m);
  *data = NULL;
  m->destination = cm->destination;
  m->readonly = !cm->rw;
  if (strcmp(cm->type, "tmpfs") == 0)
    {
      m->type = LP_MOUNT_TMPFS;
      m->copyup = true; /* Podman's default for tmpfs: tmpcopyup */
      size_t len = 0;
      for (char **o = cm->options; o && *o; o++)
        {
          if (strcmp(*o, "ro") == 0 || strcmp(*o, "rw") == 0 || strcmp(*o, "tmpcopyup") == 0)
            continue;
          if (strcmp(*o, "notmpcopyup") == 0)
            m->copyup = false;
          else if (strcmp(*o, "nosuid") == 0)
            m->nosuid = true;
          else if (strcmp(*o, "nodev") == 0)
            m->nodev = true;
          else if (strcmp(*o, "noexec") == 0)
            m->noexec = true;
          else
            {
              *data = xrealloc(*data, len + strlen(*o) + 2);
              if (len)
                (*data)[len++] = ',';
              strcpy(*data + len, *o);
              len += strlen(*o);
            }
        }
      m->data = *data;
      return 0;
    }
  m->type = LP_MOUNT_BIND;
  m->source = cm->source;
  m->recursive = true;
  for (char **o = cm->options; o && *o; o++)
    {
      for (size_t i = 0; i < sizeof props / sizeof props[0]; i++)
        if (strcmp(*o, props[i].name) == 0)
          m->propagation = props[i].p;
      if (strcmp(*o, "bind") == 0)
        m->recursive = false;
      else if (strcmp(*o, "rbind") == 0)
        m->recursive = true;
      else if (strcmp(*o, "nosuid") == 0)
        m->nosuid = true;
      else if (strcmp(*o, "nodev") == 0)
        m->nodev = true;
      else if (strcmp(*o, "noexec") == 0)
        m->noexec = true;
    }
  (void)err;
  return 0;
}

int lp_ctr_config_spec(const struct lp_ctr_config *c, const char *rootfs, const char *genfiles_dir,
                       struct lp_ctr_spec *out, lp_error_t *err)
{
  struct lp_runtime_spec *spec = &out->spec;
  memset(out, 0, sizeof *out);
  lp_runtime_spec_init(spec);
  spec->rootfs = rootfs;
  spec->argv = c->args;
  spec->env = c->env;
  spec->cwd = c->workdir && *c->workdir ? c->workdir : "/";
  spec->user = c->user && *c->user ? c->user : NULL;
  spec->hostname = c->hostname && *c->hostname && strcmp(c->ns_uts, "host") != 0 ? c->hostname : NULL;
  spec->ns[LP_NS_PID] = ns_mode(c->ns_pid);
  spec->ns[LP_NS_IPC] = ns_mode(c->ns_ipc);
  spec->ns[LP_NS_UTS] = ns_mode(c->ns_uts);
  spec->ns[LP_NS_NET] = ns_mode(c->ns_network);
  spec->ns[LP_NS_CGROUP] = ns_mode(c->ns_cgroup);
  if (!c->userns || !*c->userns || strcmp(c->userns, "auto") == 0)
    spec->userns = LP_USERNS_AUTO;
  else if (strcmp(c->userns, "keep-id") == 0)
    spec->userns = LP_USERNS_KEEP_ID;
  else if (strcmp(c->userns, "private") == 0)
    spec->userns = LP_USERNS_PRIVATE;
  else
    spec->userns = LP_USERNS_HOST;
  spec->privileged = c->privileged;
  spec->readonly_rootfs = c->read_only;
  spec->readonly_tmpfs = c->read_only_tmpfs;
  spec->no_new_privs = !c->privileged;
  spec->init = c->init;
  spec->tty = c->tty;
  spec->stop_signal = c->stop_signal_num;
  for (int pass = 0; pass < 2; pass++)
    for (char **p = pass ? c->cap_drop : c->cap_add; p && *p; p++)
      {
        unsigned long long m;
        if (lp_cap_parse(*p, &m, err) < 0)
          return -1;
        if (pass)
          spec->cap_drop |= m;
        else
          spec->cap_add |= m;
      }
  size_t ng = 0;
  out->groups = xcalloc(1, sizeof *out->groups);
  for (char **g = c->group_add; g && *g; g++)
    {
      char *end;
      errno = 0;
      unsigned long v = strtoul(*g, &end, 10);
      if (errno || *end || end == *g)
        continue; /* keep-groups and the like */
      out->groups = xreallocarray(out->groups, ng + 1, sizeof *out->groups);
      out->groups[ng++] = (gid_t)v;
    }
  spec->groups = out->groups;
  spec->ngroups = ng;
  out->mounts = xcalloc(c->nmounts ? c->nmounts : 1, sizeof *out->mounts);
  out->mount_data = xcalloc(c->nmounts ? c->nmounts : 1, sizeof *out->mount_data);
  for (size_t i = 0; i < c->nmounts; i++)
    if (mount_from(&c->mounts[i], &out->mounts[i], &out->mount_data[i], err) < 0)
      return -1;
  out->nmounts = c->nmounts;
  spec->mounts = out->mounts;
  spec->nmounts = c->nmounts;
  spec->genfiles_dir = genfiles_dir;
  out->net_layout = xzalloc(sizeof *out->net_layout);
  lp_net_layout_for(c->ns_network, c->net ? c->net->options : NULL, out->net_layout);
  lp_net_fill_netfiles(c, out->net_layout, &out->net_hosts, &spec->netfiles);
  spec->containerenv.name = c->name;
  spec->containerenv.id = c->id;
  spec->containerenv.image = c->image_name;
  spec->containerenv.imageid = c->image_id && strncmp(c->image_id, "sha256:", 7) == 0 ? c->image_id + 7 : c->image_id;
  return 0;
}

void lp_ctr_spec_free(struct lp_ctr_spec *s)
{
  for (size_t i = 0; s->mount_data && i < s->nmounts; i++)
    free(s->mount_data[i]);
  free(s->mount_data);
  free(s->mounts);
  free(s->groups);
  free(s->net_layout);
  for (size_t i = 0; s->net_hosts && s->net_hosts[i]; i++)
    free(s->net_hosts[i]);
  free(s->net_hosts);
  memset(s, 0, sizeof *s);
}
