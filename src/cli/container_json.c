/* The container half of inspect: Podman 4.3's container JSON, built from the
 * stored config (config.h) and the row's exact state (state.h). */
#include "container_json.h"

#include "output.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>
#include <string.h>

#include "../container/config.h"
#include "../container/network.h"
#include "../container/state.h"
#include "../util/xalloc.h"

static cJSON *str_array(char *const *v)
{
  cJSON *a = cJSON_CreateArray();
  for (size_t i = 0; v && v[i]; i++)
    cJSON_AddItemToArray(a, cJSON_CreateString(v[i]));
  return a;
}

static cJSON *kv_map(const struct lp_kv *kv, size_t n, struct lp_tmpl_maps *maps)
{
  cJSON *o = cJSON_CreateObject();
  for (size_t i = 0; i < n; i++)
    cJSON_AddStringToObject(o, kv[i].key, kv[i].value ? kv[i].value : "");
  if (maps)
    lp_tmpl_maps_add(maps, o);
  return o;
}

static char *time_str(int64_t ns)
{
  if (ns <= 0)
    return xstrdup("0001-01-01T00:00:00Z");
  return lp_time_rfc3339(ns / 1000000000, (long)(ns % 1000000000));
}

/* Podman's State.Status words. */
static const char *status_word(const char *s)
{
  if (!s || !*s)
    return "created";
  return s;
}

static const char *propagation(const struct lp_ctr_mount *m)
{
  static const char *const props[] = { "rprivate", "private", "rshared", "shared", "rslave", "slave", NULL };
  for (size_t i = 0; m->options && m->options[i]; i++)
    for (size_t j = 0; props[j]; j++)
      if (strcmp(m->options[i], props[j]) == 0)
        return props[j];
  return strcmp(m->type, "tmpfs") == 0 ? "" : "rprivate";
}

static cJSON *mounts_json(const struct lp_ctr_config *cfg)
{
  cJSON *a = cJSON_CreateArray();
  for (size_t i = 0; i < cfg->nmounts; i++)
    {
      const struct lp_ctr_mount *m = &cfg->mounts[i];
      cJSON *o = cJSON_CreateObject();
      cJSON_AddStringToObject(o, "Type", m->type);
      bool vol = strcmp(m->type, "volume") == 0;
      if (vol)
        cJSON_AddStringToObject(o, "Name", m->name ? m->name : "");
      cJSON_AddStringToObject(o, "Source", m->source ? m->source : "");
      cleanup_free char *dst = xstrdup(m->destination);
      for (size_t l = strlen(dst); l > 1 && dst[l - 1] == '/'; l--)
        dst[l - 1] = '\0';
      cJSON_AddStringToObject(o, "Destination", dst);
      cJSON_AddStringToObject(o, "Driver", vol ? "local" : "");
      cJSON_AddStringToObject(o, "Mode", "");
      cJSON *opts = cJSON_AddArrayToObject(o, "Options");
      for (size_t j = 0; m->options && m->options[j]; j++)
        if (strcmp(m->options[j], "ro") && strcmp(m->options[j], "rw"))
          cJSON_AddItemToArray(opts, cJSON_CreateString(m->options[j]));
      if (strcmp(m->type, "bind") == 0 && cJSON_GetArraySize(opts) == 0)
        cJSON_AddItemToArray(opts, cJSON_CreateString("rbind"));
      cJSON_AddBoolToObject(o, "RW", m->rw);
      cJSON_AddStringToObject(o, "Propagation", propagation(m));
      cJSON_AddItemToArray(a, o);
    }
  return a;
}

static const char *ns_mode(const char *v)
{
  if (!v || !*v || strcmp(v, "private") == 0)
    return "private";
  return v;
}

cJSON *lp_container_json_build(const struct lp_container_info *c, const struct lp_ctr_config *cfg, const char *reason,
                               struct lp_tmpl_maps *maps)
{
  cJSON *o = cJSON_CreateObject();
  cleanup_free char *created = time_str(c->created);
  cleanup_free char *started = time_str(c->started_at);
  cleanup_free char *finished = time_str(c->finished_at);
  const char *status = status_word(c->status);
  bool running = strcmp(status, "running") == 0;
  const char *image_id = c->image_id ? c->image_id : "";
  if (strncmp(image_id, "sha256:", 7) == 0)
    image_id += 7;

  cJSON_AddStringToObject(o, "Id", c->id);
  cJSON_AddStringToObject(o, "Created", created);
  cJSON_AddStringToObject(o, "Path", cfg->args && cfg->args[0] ? cfg->args[0] : "");
  cJSON_AddItemToObject(o, "Args", str_array(cfg->args && cfg->args[0] ? cfg->args + 1 : NULL));

  cJSON *state = cJSON_AddObjectToObject(o, "State");
  cJSON_AddStringToObject(state, "OciVersion", "1.0.2");
  cJSON_AddStringToObject(state, "Status", status);
  cJSON_AddBoolToObject(state, "Running", running);
  cJSON_AddBoolToObject(state, "Paused", false);
  cJSON_AddBoolToObject(state, "Restarting", false);
  cJSON_AddBoolToObject(state, "OOMKilled", false);
  cJSON_AddBoolToObject(state, "Dead", false);
  cJSON_AddNumberToObject(state, "Pid", running ? (double)c->pid : 0);
  cJSON_AddNumberToObject(state, "ExitCode", c->exit_code);
  cJSON_AddStringToObject(state, "Error", reason ? reason : "");
  cJSON_AddStringToObject(state, "StartedAt", started);
  cJSON_AddStringToObject(state, "FinishedAt", finished);

  cJSON_AddStringToObject(o, "Image", image_id);
  cJSON_AddStringToObject(o, "ImageName", cfg->image_name ? cfg->image_name : "");
  cJSON_AddStringToObject(o, "Rootfs", "");
  cJSON_AddStringToObject(o, "Name", c->name ? c->name : "");
  cJSON_AddNumberToObject(o, "RestartCount", 0);
  cJSON_AddStringToObject(o, "Driver", "lilipod");
  cJSON_AddStringToObject(o, "MountLabel", "");
  cJSON_AddStringToObject(o, "ProcessLabel", "");
  cJSON_AddItemToObject(o, "Mounts", mounts_json(cfg));
  /* Podman 4.3's fields, in its order. With slirp4netns (and pasta, from
   * 4.4) Podman knows no address of the container: IPAddress, Gateway,
   * MacAddress stay empty and the prefix lengths 0, rootless and rootful
   * alike; SandboxKey names the network namespace while it runs. With host
   * or none, Ports is empty even for exposed ports. */
  bool helper_net = lp_net_mode_is_helper(cfg->ns_network);
  cJSON *netset = cJSON_AddObjectToObject(o, "NetworkSettings");
  static const char *const netset_fields[] = { "EndpointID",          "Gateway",     "IPAddress",
                                               "IPPrefixLen",         "IPv6Gateway", "GlobalIPv6Address",
                                               "GlobalIPv6PrefixLen", "MacAddress",  "Bridge",
                                               "SandboxID",           "HairpinMode", "LinkLocalIPv6Address",
                                               "LinkLocalIPv6PrefixLen" };
  for (size_t i = 0; i < sizeof netset_fields / sizeof netset_fields[0]; i++)
    {
      const char *f = netset_fields[i];
      if (strcmp(f, "HairpinMode") == 0)
        cJSON_AddBoolToObject(netset, f, false);
      else if (strstr(f, "PrefixLen"))
        cJSON_AddNumberToObject(netset, f, 0);
      else
        cJSON_AddStringToObject(netset, f, "");
    }
  cJSON *netports = helper_net ? lp_net_ports_json(cfg->net, true) : cJSON_CreateObject();
  cJSON_AddItemToObject(netset, "Ports", netports);
  if (maps)
    lp_tmpl_maps_add(maps, netports);
  cleanup_free char *sandbox = running && helper_net && c->pid > 0 ? xasprintf("/proc/%lld/ns/net", (long long)c->pid)
                                                                   : xstrdup("");
  cJSON_AddStringToObject(netset, "SandboxKey", sandbox);

  cJSON *config = cJSON_AddObjectToObject(o, "Config");
  cJSON_AddStringToObject(config, "Hostname", cfg->hostname ? cfg->hostname : "");
  cJSON_AddStringToObject(config, "Domainname", "");
  cJSON_AddStringToObject(config, "User", cfg->user ? cfg->user : "");
  cJSON_AddBoolToObject(config, "AttachStdin", false);
  cJSON_AddBoolToObject(config, "AttachStdout", false);
  cJSON_AddBoolToObject(config, "AttachStderr", false);
  cJSON_AddBoolToObject(config, "Tty", cfg->tty);
  cJSON_AddBoolToObject(config, "OpenStdin", cfg->interactive);
  cJSON_AddBoolToObject(config, "StdinOnce", false);
  cJSON_AddItemToObject(config, "Env", str_array(cfg->env));
  cJSON_AddItemToObject(config, "Cmd", str_array(cfg->cmd));
  cJSON_AddStringToObject(config, "Image", cfg->image_name && *cfg->image_name ? cfg->image_name : (cfg->image ? cfg->image : ""));
  cJSON *vols = cJSON_AddObjectToObject(config, "Volumes");
  for (size_t i = 0; i < cfg->nmounts; i++)
    if (cfg->mounts[i].anonymous)
      cJSON_AddObjectToObject(vols, cfg->mounts[i].destination);
  if (maps)
    lp_tmpl_maps_add(maps, vols);
  cJSON_AddStringToObject(config, "WorkingDir", cfg->workdir ? cfg->workdir : "/");
  /* Podman prints the entrypoint as one string, the words joined by spaces. */
  struct strbuf ep = STRBUF_INIT;
  for (size_t i = 0; cfg->entrypoint && cfg->entrypoint[i]; i++)
    {
      if (i)
        strbuf_addch(&ep, ' ');
      strbuf_adds(&ep, cfg->entrypoint[i]);
    }
  cJSON_AddStringToObject(config, "Entrypoint", ep.buf);
  strbuf_release(&ep);
  cJSON_AddItemToObject(config, "Labels", kv_map(cfg->labels, cfg->nlabels, maps));
  cJSON_AddItemToObject(config, "Annotations", kv_map(cfg->annotations, cfg->nannotations, maps));
  cJSON_AddStringToObject(config, "StopSignal", cfg->stop_signal ? cfg->stop_signal : "SIGTERM");
  cJSON_AddNumberToObject(config, "StopTimeout", cfg->stop_timeout);
  cJSON_AddItemToObject(config, "CreateCommand", cJSON_CreateArray());

  cJSON *hc = cJSON_AddObjectToObject(o, "HostConfig");
  cJSON *binds = cJSON_AddArrayToObject(hc, "Binds");
  for (size_t i = 0; i < cfg->nmounts; i++)
    {
      const struct lp_ctr_mount *m = &cfg->mounts[i];
      if (strcmp(m->type, "tmpfs") == 0)
        continue;
      struct strbuf b = STRBUF_INIT;
      strbuf_addf(&b, "%s:%s:", strcmp(m->type, "volume") == 0 && m->name && *m->name ? m->name : m->source,
                  m->destination);
      bool first = true;
      for (size_t j = 0; m->options && m->options[j]; j++)
        {
          strbuf_addf(&b, "%s%s", first ? "" : ",", m->options[j]);
          first = false;
        }
      if (first)
        strbuf_adds(&b, m->rw ? "rw" : "ro");
      cJSON_AddItemToArray(binds, cJSON_CreateString(b.buf));
      strbuf_release(&b);
    }
  const char *net = ns_mode(cfg->ns_network);
  /* "private" is how configs stored before the helpers said none. */
  cJSON_AddStringToObject(hc, "NetworkMode", strcmp(net, "private") == 0 ? "none" : net);
  cJSON *bindings = helper_net ? lp_net_ports_json(cfg->net, true) : cJSON_CreateObject();
  cJSON_AddItemToObject(hc, "PortBindings", bindings);
  if (maps)
    lp_tmpl_maps_add(maps, bindings);
  cJSON_AddItemToObject(hc, "Dns", str_array(cfg->net ? cfg->net->dns : NULL));
  cJSON_AddItemToObject(hc, "DnsOptions", str_array(cfg->net ? cfg->net->dns_options : NULL));
  cJSON_AddItemToObject(hc, "DnsSearch", str_array(cfg->net ? cfg->net->dns_search : NULL));
  cJSON_AddItemToObject(hc, "ExtraHosts", str_array(cfg->net ? cfg->net->add_hosts : NULL));
  cJSON_AddStringToObject(hc, "PidMode", ns_mode(cfg->ns_pid));
  cJSON_AddStringToObject(hc, "IpcMode", ns_mode(cfg->ns_ipc));
  cJSON_AddStringToObject(hc, "UTSMode", ns_mode(cfg->ns_uts));
  cJSON_AddStringToObject(hc, "CgroupnsMode", ns_mode(cfg->ns_cgroup));
  cJSON_AddStringToObject(hc, "UsernsMode", cfg->userns ? cfg->userns : "");
  cJSON_AddBoolToObject(hc, "Privileged", cfg->privileged);
  cJSON_AddBoolToObject(hc, "ReadonlyRootfs", cfg->read_only);
  cJSON_AddItemToObject(hc, "CapAdd", str_array(cfg->cap_add));
  cJSON_AddItemToObject(hc, "CapDrop", str_array(cfg->cap_drop));
  cJSON_AddItemToObject(hc, "GroupAdd", str_array(cfg->group_add));
  cJSON_AddItemToObject(hc, "SecurityOpt", str_array(cfg->security_opt));
  cJSON *tmpfs = cJSON_AddObjectToObject(hc, "Tmpfs");
  for (size_t i = 0; i < cfg->nmounts; i++)
    if (strcmp(cfg->mounts[i].type, "tmpfs") == 0)
      {
        struct strbuf b = STRBUF_INIT;
        for (size_t j = 0; cfg->mounts[i].options && cfg->mounts[i].options[j]; j++)
          strbuf_addf(&b, "%s%s", j ? "," : "", cfg->mounts[i].options[j]);
        cJSON_AddStringToObject(tmpfs, cfg->mounts[i].destination, b.buf);
        strbuf_release(&b);
      }
  if (maps)
    lp_tmpl_maps_add(maps, tmpfs);
  cJSON_AddBoolToObject(hc, "AutoRemove", cfg->auto_remove);
  cJSON_AddBoolToObject(hc, "Init", cfg->init);
  cJSON_AddNumberToObject(hc, "PidsLimit", (double)cfg->pids_limit);
  return o;
}

/* Bytes of the regular files under dirfd (closed here), for --size. */
static int64_t dir_size(int fd, int depth)
{
  DIR *d = fdopendir(fd);
  if (!d)
    {
      close(fd);
      return 0;
    }
  int64_t total = 0;
  struct dirent *e;
  while ((e = readdir(d)) != NULL)
    {
      struct stat st;
      if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
        continue;
      if (fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
        continue;
      if (S_ISREG(st.st_mode))
        total += st.st_size;
      else if (S_ISDIR(st.st_mode) && depth < 64)
        {
          int sub = openat(dirfd(d), e->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
          if (sub >= 0)
            total += dir_size(sub, depth + 1);
        }
    }
  closedir(d);
  return total;
}

int64_t lp_container_upper_size(struct lp_store *s, const char *id)
{
  cleanup_free char *dir = lp_container_dir(id);
  cleanup_free char *upper = xasprintf("%s/upper", dir);
  int fd = openat(lp_store_dirfd(s), upper, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0)
    return 0;
  return dir_size(fd, 0);
}

void lp_container_sizes(struct lp_store *s, const char *id, const char *image_id, int64_t *rw, int64_t *rootfs)
{
  *rw = lp_container_upper_size(s, id);
  *rootfs = *rw;
  struct lp_image_info *img = NULL;
  lp_error_t err = NULL;
  if (image_id && *image_id && lp_image_lookup(s, image_id, &img, &err) > 0)
    *rootfs += img->size;
  lp_error_free(&err);
  if (img)
    lp_image_info_free(img);
}

void lp_container_json_add_sizes(struct lp_store *s, cJSON *obj)
{
  const char *id = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(obj, "Id"));
  const char *image = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(obj, "Image"));
  if (!id)
    return;
  cleanup_free char *image_id = image && *image ? xasprintf("sha256:%s", image) : NULL;
  int64_t rw, rootfs;
  lp_container_sizes(s, id, image_id, &rw, &rootfs);
  /* Detached items keep their key, so they can go in at a position. */
  cJSON *tmp = cJSON_CreateObject();
  cJSON_AddNumberToObject(tmp, "SizeRw", (double)rw);
  cJSON_AddNumberToObject(tmp, "SizeRootFs", (double)rootfs);
  cJSON *a = cJSON_DetachItemFromObjectCaseSensitive(tmp, "SizeRw");
  cJSON *b = cJSON_DetachItemFromObjectCaseSensitive(tmp, "SizeRootFs");
  cJSON_Delete(tmp);
  /* Rebuild the member list with the two in front of "Mounts" (cJSON has
   * no insert-before for objects that works on every version). */
  cJSON *rest = cJSON_CreateObject();
  while (obj->child)
    cJSON_AddItemToArray(rest, cJSON_DetachItemViaPointer(obj, obj->child));
  while (rest->child)
    {
      cJSON *it = cJSON_DetachItemViaPointer(rest, rest->child);
      if (a && it->string && strcmp(it->string, "Mounts") == 0)
        {
          cJSON_AddItemToArray(obj, a);
          cJSON_AddItemToArray(obj, b);
          a = b = NULL;
        }
      cJSON_AddItemToArray(obj, it);
    }
  cJSON_Delete(rest);
  if (a)
    {
      cJSON_AddItemToArray(obj, a);
      cJSON_AddItemToArray(obj, b);
    }
}

int lp_container_inspect_json(struct lp_store *s, const char *ref, cJSON **out, struct lp_tmpl_maps *maps,
                              lp_error_t *err)
{
  struct lp_container_info *c = NULL;
  struct lp_ctr_config *cfg = NULL;
  int r = lp_container_lookup(s, ref, &c, err);
  if (r <= 0)
    return r;
  if (lp_ctr_state_refresh(s, c, err) < 0 || lp_ctr_config_from_json(c->config_json, &cfg, err) < 0)
    {
      lp_container_info_free(c);
      return -1;
    }
  cleanup_free char *reason = lp_ctr_reason_read(s, c->id);
  *out = lp_container_json_build(c, cfg, reason, maps);
  lp_ctr_config_free(cfg);
  lp_container_info_free(c);
  return 1;
}
