/* network: a container's network settings (see network.h). */
#include "network.h"

#include "../cli/command.h"
#include "../util/fsutil.h"
#include "../util/log.h"
#include "../util/xalloc.h"
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define PASTA_DNS "169.254.1.1"

static size_t nstrv(char *const *v)
{
  size_t n = 0;
  while (v && v[n])
    n++;
  return n;
}

static void push(char ***v, const char *s)
{
  size_t n = nstrv(*v);
  *v = xreallocarray(*v, n + 2, sizeof **v);
  (*v)[n] = xstrdup(s);
  (*v)[n + 1] = NULL;
}

static char **empty(void)
{
  return xcalloc(1, sizeof(char *));
}

static void strv_free(char **v)
{
  for (size_t i = 0; v && v[i]; i++)
    free(v[i]);
  free(v);
}

/* ---- helpers on PATH ---- */

char *lp_net_helper_path(const char *name)
{
  const char *path = getenv("PATH");
  if (!path || !*path)
    path = "/usr/local/bin:/usr/bin:/bin:/usr/local/sbin:/usr/sbin:/sbin";
  for (const char *p = path; *p;)
    {
      const char *e = strchrnul(p, ':');
      if (e > p)
        {
          char *f = xasprintf("%.*s/%s", (int)(e - p), p, name);
          if (access(f, X_OK) == 0)
            return f;
          free(f);
        }
      p = *e ? e + 1 : e;
    }
  return NULL;
}

const char *lp_net_default_helper(void)
{
  static const char *const pref[] = { "pasta", "slirp4netns" };
  for (size_t i = 0; i < sizeof pref / sizeof pref[0]; i++)
    {
      char *f = lp_net_helper_path(pref[i]);
      if (f)
        {
          free(f);
          return pref[i];
        }
    }
  return NULL;
}

bool lp_net_mode_is_helper(const char *mode)
{
  return mode && (strcmp(mode, "pasta") == 0 || strcmp(mode, "slirp4netns") == 0);
}

/* ---- parsing ---- */

static int parse_port(const char *s, size_t len, uint16_t *first, uint16_t *count)
{
  char buf[32];
  if (len == 0 || len >= sizeof buf)
    return -1;
  memcpy(buf, s, len);
  buf[len] = '\0';
  char *end;
  errno = 0;
  unsigned long a = strtoul(buf, &end, 10), b = a;
  if (errno || end == buf || buf[0] == '-' || buf[0] == '+')
    return -1;
  if (*end == '-')
    {
      char *e2;
      const char *bs = end + 1;
      if (!*bs || *bs == '-' || *bs == '+')
        return -1;
      b = strtoul(bs, &e2, 10);
      if (errno || *e2)
        return -1;
    }
  else if (*end)
    return -1;
  if (a == 0 || a > 65535 || b < a || b > 65535)
    return -1;
  *first = (uint16_t)a;
  *count = (uint16_t)(b - a + 1);
  return 0;
}

/* Whether [first, first+count) meets a host port range of proto in v. */
static bool host_ports_taken(const struct lp_port_map *v, size_t n, const char *proto, unsigned first,
                             unsigned count)
{
  for (size_t i = 0; i < n; i++)
    if (strcmp(v[i].proto, proto) == 0 && first < (unsigned)v[i].host_port + v[i].range
        && v[i].host_port < first + count)
      return true;
  return false;
}

/* A free port range on the host for proto: `count` consecutive ports, none
 * of them already in taken (the kernel may hand out a port again once the
 * probe socket is closed). */
static int random_host_ports(const char *proto, uint16_t count, const struct lp_port_map *taken, size_t ntaken,
                             uint16_t *first)
{
  int type = strcmp(proto, "udp") == 0 ? SOCK_DGRAM : SOCK_STREAM;
  for (int tries = 0; tries < 50; tries++)
    {
      int fd = socket(AF_INET, type | SOCK_CLOEXEC, 0);
      if (fd < 0)
        return -1;
      struct sockaddr_in sa = { .sin_family = AF_INET };
      socklen_t sl = sizeof sa;
      if (bind(fd, (struct sockaddr *)&sa, sizeof sa) < 0 || getsockname(fd, (struct sockaddr *)&sa, &sl) < 0)
        {
          close(fd);
          return -1;
        }
      close(fd);
      unsigned p = ntohs(sa.sin_port);
      if (p + count - 1 > 65535 || host_ports_taken(taken, ntaken, proto, p, count))
        continue;
      bool ok = true;
      for (unsigned i = 1; i < count && ok; i++)
        {
          fd = socket(AF_INET, type | SOCK_CLOEXEC, 0);
          struct sockaddr_in s2 = { .sin_family = AF_INET, .sin_port = htons((uint16_t)(p + i)) };
          ok = fd >= 0 && bind(fd, (struct sockaddr *)&s2, sizeof s2) == 0;
          if (fd >= 0)
            close(fd);
        }
      if (ok)
        {
          *first = (uint16_t)p;
          return 0;
        }
    }
  return -1;
}

int lp_net_parse_publish(const char *spec, struct lp_port_map **v, size_t *n, lp_error_t *err)
{
  struct lp_port_map m = { .range = 1 };
  const char *proto = strchr(spec, '/');
  const char *end = proto ? proto : spec + strlen(spec);
  const char *p = spec;
  cleanup_free char *ip = NULL;
  bool have_host = false;
  uint16_t hfirst = 0, hcount = 0, cfirst, ccount;

  snprintf(m.proto, sizeof m.proto, "tcp");
  if (proto)
    {
      if (strcmp(proto + 1, "tcp") == 0 || strcmp(proto + 1, "udp") == 0)
        snprintf(m.proto, sizeof m.proto, "%s", proto + 1);
      else
        return lp_error(err, 0, "invalid --publish `%s`: unsupported protocol `%s` (want tcp or udp)", spec,
                        proto + 1);
    }
  /* [ipv6]:hostport:ctrport */
  if (*p == '[')
    {
      const char *rb = memchr(p, ']', (size_t)(end - p));
      if (!rb || rb[1] != ':')
        return lp_error(err, 0, "invalid --publish `%s`: bad IPv6 address", spec);
      ip = xstrndup(p + 1, (size_t)(rb - p - 1));
      p = rb + 2;
    }
  const char *c1 = memchr(p, ':', (size_t)(end - p));
  const char *c2 = c1 ? memchr(c1 + 1, ':', (size_t)(end - c1 - 1)) : NULL;
  if (c2 && ip)
    return lp_error(err, 0, "invalid --publish `%s`", spec);
  if (c2)
    {
      /* ip:hostport:ctrport or ip::ctrport */
      ip = xstrndup(p, (size_t)(c1 - p));
      if (c2 > c1 + 1)
        {
          if (parse_port(c1 + 1, (size_t)(c2 - c1 - 1), &hfirst, &hcount) < 0)
            return lp_error(err, 0, "invalid --publish `%s`: bad host port", spec);
          have_host = true;
        }
      p = c2 + 1;
    }
  else if (c1)
    {
      if (c1 > p)
        {
          if (parse_port(p, (size_t)(c1 - p), &hfirst, &hcount) < 0)
            return lp_error(err, 0, "invalid --publish `%s`: bad host port", spec);
          have_host = true;
        }
      p = c1 + 1;
    }
  else if (ip)
    return lp_error(err, 0, "invalid --publish `%s`", spec);
  if (parse_port(p, (size_t)(end - p), &cfirst, &ccount) < 0)
    return lp_error(err, 0, "invalid --publish `%s`: bad container port", spec);
  if (ip && *ip)
    {
      unsigned char buf[sizeof(struct in6_addr)];
      if (inet_pton(AF_INET, ip, buf) != 1 && inet_pton(AF_INET6, ip, buf) != 1)
        return lp_error(err, 0, "invalid --publish `%s`: `%s` is not an IP address", spec, ip);
    }
  if (have_host && hcount != ccount)
    {
      if (hcount != 1 && ccount != 1)
        return lp_error(err, 0, "invalid --publish `%s`: the host and container port ranges differ in length", spec);
      /* hostport-range:ctrport is not something the helpers can do. */
      if (hcount != 1)
        return lp_error(err, 0, "invalid --publish `%s`: a host port range needs a container range as long", spec);
      /* hostport:ctrrange: Podman refuses it as well. */
      return lp_error(err, 0, "invalid --publish `%s`: a container port range needs a host range as long", spec);
    }
  if (!have_host && random_host_ports(m.proto, ccount, *v, *n, &hfirst) < 0)
    return lp_error(err, errno, "--publish `%s`: find a free host port", spec);
  m.host_port = hfirst;
  m.ctr_port = cfirst;
  m.range = ccount;
  m.host_ip = xstrdup(ip ? ip : "");
  *v = xreallocarray(*v, *n + 1, sizeof **v);
  (*v)[(*n)++] = m;
  return 0;
}

int lp_net_parse_mode(const char *v, char **mode, char ***opts, const char **notice, lp_error_t *err)
{
  const char *colon = v ? strchr(v, ':') : NULL;
  cleanup_free char *name = colon ? xstrndup(v, (size_t)(colon - v)) : xstrdup(v ? v : "");
  *notice = NULL;
  *opts = empty();
  if (!*name || strcmp(name, "private") == 0 || strcmp(name, "bridge") == 0)
    {
      const char *h = lp_net_default_helper();
      if (!h)
        *notice = "no network helper (pasta or slirp4netns) is installed: the container gets --network none";
      *mode = xstrdup(h ? h : "none");
    }
  else if (strcmp(name, "pasta") == 0 || strcmp(name, "slirp4netns") == 0 || strcmp(name, "host") == 0
           || strcmp(name, "none") == 0)
    *mode = xstrdup(name);
  else
    {
      *mode = NULL;
      return lp_error(err, 0, "invalid --network `%s`: want private, pasta, slirp4netns, host or none", v);
    }
  if (colon)
    {
      if (!lp_net_mode_is_helper(*mode))
        {
          free(*mode);
          *mode = NULL;
          return lp_error(err, 0, "invalid --network `%s`: only pasta and slirp4netns take options", v);
        }
      for (const char *p = colon + 1; *p;)
        {
          const char *e = strchrnul(p, ',');
          cleanup_free char *o = xstrndup(p, (size_t)(e - p));
          if (*o && strcmp(*mode, "slirp4netns") == 0)
            {
              static const char *const known[] = { "allow_host_loopback=", "enable_ipv6=", "mtu=" };
              bool ok = false;
              for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
                ok = ok || strncmp(o, known[i], strlen(known[i])) == 0;
              if (!ok)
                {
                  free(*mode);
                  *mode = NULL;
                  return lp_error(err, 0,
                                  "invalid slirp4netns option `%s`: want allow_host_loopback=, enable_ipv6= or mtu=",
                                  o);
                }
            }
          if (*o)
            push(opts, o);
          p = *e ? e + 1 : e;
        }
    }
  return 0;
}

static char **list(const struct lp_args *args, const char *flag)
{
  size_t n;
  cleanup_free const char **l = lp_args_list(args, flag, &n);
  char **v = empty();
  for (size_t i = 0; i < n; i++)
    push(&v, l[i]);
  return v;
}

/* Add "port/proto" to *v unless it is there. */
static void add_exposed(char ***v, unsigned port, const char *proto)
{
  cleanup_free char *e = xasprintf("%u/%s", port, proto);
  for (size_t i = 0; *v && (*v)[i]; i++)
    if (strcmp((*v)[i], e) == 0)
      return;
  push(v, e);
}

/* "80", "80/tcp", "53/udp", "7000-7001/tcp" (--expose and the image's
 * ExposedPorts keys): each port into *v. */
static int parse_exposed(const char *spec, char ***v)
{
  const char *slash = strchr(spec, '/');
  cleanup_free char *num = slash ? xstrndup(spec, (size_t)(slash - spec)) : xstrdup(spec);
  const char *pr = slash ? slash + 1 : "tcp";
  uint16_t first, count;
  if (parse_port(num, strlen(num), &first, &count) < 0 || (strcmp(pr, "tcp") != 0 && strcmp(pr, "udp") != 0))
    return -1;
  for (unsigned p = first; p < (unsigned)first + count; p++)
    add_exposed(v, p, pr);
  return 0;
}

/* -P: a random host port (every address) for each exposed port that no
 * -p maps, as Podman does. */
static int publish_all(struct lp_net_config *n, lp_error_t *err)
{
  for (size_t i = 0; n->expose && n->expose[i]; i++)
    {
      unsigned port;
      char proto[8];
      if (sscanf(n->expose[i], "%u/%7s", &port, proto) != 2)
        continue;
      bool mapped = false;
      for (size_t k = 0; k < n->nports && !mapped; k++)
        mapped = strcmp(n->ports[k].proto, proto) == 0 && port >= n->ports[k].ctr_port
                 && port < (unsigned)n->ports[k].ctr_port + n->ports[k].range;
      if (mapped)
        continue;
      struct lp_port_map m = { .range = 1, .ctr_port = (uint16_t)port, .host_ip = NULL };
      snprintf(m.proto, sizeof m.proto, "%s", strcmp(proto, "udp") == 0 ? "udp" : "tcp");
      if (random_host_ports(m.proto, 1, n->ports, n->nports, &m.host_port) < 0)
        return lp_error(err, errno, "--publish-all: find a free host port for %s", n->expose[i]);
      m.host_ip = xstrdup("");
      n->ports = xreallocarray(n->ports, n->nports + 1, sizeof *n->ports);
      n->ports[n->nports++] = m;
    }
  return 0;
}

int lp_net_config_from_args(const struct lp_args *args, const cJSON *image_config, struct lp_ctr_config *c,
                            lp_error_t *err)
{
  struct lp_net_config *n = xzalloc(sizeof *n);
  const char *notice = NULL;
  size_t cnt;

  free(c->ns_network);
  c->ns_network = NULL;
  lp_net_config_free(c->net);
  c->net = n;
  if (lp_net_parse_mode(lp_args_str(args, "network"), &c->ns_network, &n->options, &notice, err) < 0)
    return -1;
  cleanup_free const char **pub = lp_args_list(args, "publish", &cnt);
  for (size_t i = 0; i < cnt; i++)
    if (lp_net_parse_publish(pub[i], &n->ports, &n->nports, err) < 0)
      return -1;
  if (cnt && !lp_net_mode_is_helper(c->ns_network))
    {
      if (strcmp(c->ns_network, "host") == 0 || !notice)
        return lp_error(err, 0, "port publishing is not possible with --network %s", c->ns_network);
      return lp_error(err, 0, "cannot publish ports: %s", notice);
    }
  if (notice)
    lp_warn("%s", notice);
  n->expose = empty();
  cleanup_free const char **ex = lp_args_list(args, "expose", &cnt);
  for (size_t i = 0; i < cnt; i++)
    if (parse_exposed(ex[i], &n->expose) < 0)
      return lp_error(err, 0, "invalid --expose `%s`", ex[i]);
  /* The image's ExposedPorts are exposed too; one the image got wrong is
   * not the user's fault: left out. */
  const cJSON *ie, *iexp = cJSON_GetObjectItemCaseSensitive(image_config, "ExposedPorts");
  if (!cJSON_IsObject(iexp))
    iexp = NULL;
  cJSON_ArrayForEach(ie, iexp)
  {
    if (ie->string && parse_exposed(ie->string, &n->expose) < 0)
      lp_debug("the image exposes `%s`, which is not a port: left out", ie->string);
  }
  /* Podman ignores -P without a network to publish on. */
  if (lp_args_bool(args, "publish-all") && lp_net_mode_is_helper(c->ns_network) && publish_all(n, err) < 0)
    return -1;
  n->dns = list(args, "dns");
  for (char **d = n->dns; *d; d++)
    {
      unsigned char buf[sizeof(struct in6_addr)];
      if (inet_pton(AF_INET, *d, buf) != 1 && inet_pton(AF_INET6, *d, buf) != 1)
        return lp_error(err, 0, "invalid --dns `%s`: not an IP address", *d);
    }
  n->dns_search = list(args, "dns-search");
  n->dns_options = list(args, "dns-option");
  n->add_hosts = list(args, "add-host");
  for (char **h = n->add_hosts; *h; h++)
    {
      const char *colon = strchr(*h, ':');
      unsigned char buf[sizeof(struct in6_addr)];
      if (!colon || colon == *h)
        return lp_error(err, 0, "invalid --add-host `%s`: want name:ip", *h);
      const char *ip = colon + 1;
      if (strcmp(ip, "host-gateway") != 0 && inet_pton(AF_INET, ip, buf) != 1 && inet_pton(AF_INET6, ip, buf) != 1)
        return lp_error(err, 0, "invalid --add-host `%s`: invalid IP address `%s`", *h, ip);
    }
  return 0;
}

/* ---- JSON ---- */

static cJSON *strv_json(char *const *v)
{
  cJSON *a = cJSON_CreateArray();
  for (size_t i = 0; v && v[i]; i++)
    cJSON_AddItemToArray(a, cJSON_CreateString(v[i]));
  return a;
}

static char **json_strv(const cJSON *a)
{
  char **v = empty();
  const cJSON *e;
  cJSON_ArrayForEach(e, a)
  {
    if (cJSON_IsString(e))
      push(&v, e->valuestring);
  }
  return v;
}

void lp_net_config_to_json(const struct lp_net_config *n, cJSON *ctr)
{
  cJSON *o = cJSON_AddObjectToObject(ctr, "Network");
  cJSON_AddItemToObject(o, "Options", strv_json(n ? n->options : NULL));
  cJSON *ps = cJSON_AddArrayToObject(o, "Ports");
  for (size_t i = 0; n && i < n->nports; i++)
    {
      const struct lp_port_map *m = &n->ports[i];
      cJSON *p = cJSON_CreateObject();
      cJSON_AddStringToObject(p, "HostIP", m->host_ip ? m->host_ip : "");
      cJSON_AddNumberToObject(p, "HostPort", m->host_port);
      cJSON_AddNumberToObject(p, "ContainerPort", m->ctr_port);
      cJSON_AddNumberToObject(p, "Range", m->range);
      cJSON_AddStringToObject(p, "Protocol", m->proto);
      cJSON_AddItemToArray(ps, p);
    }
  cJSON_AddItemToObject(o, "Expose", strv_json(n ? n->expose : NULL));
  cJSON_AddItemToObject(o, "DNS", strv_json(n ? n->dns : NULL));
  cJSON_AddItemToObject(o, "DNSSearch", strv_json(n ? n->dns_search : NULL));
  cJSON_AddItemToObject(o, "DNSOptions", strv_json(n ? n->dns_options : NULL));
  cJSON_AddItemToObject(o, "AddHosts", strv_json(n ? n->add_hosts : NULL));
}

static uint16_t jport(const cJSON *o, const char *k, unsigned def)
{
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
  double d = cJSON_IsNumber(v) ? v->valuedouble : def;
  return d >= 0 && d <= 65535 ? (uint16_t)d : (uint16_t)def;
}

struct lp_net_config *lp_net_config_from_json(const cJSON *ctr)
{
  struct lp_net_config *n = xzalloc(sizeof *n);
  const cJSON *o = cJSON_GetObjectItemCaseSensitive(ctr, "Network"), *p;
  n->options = json_strv(cJSON_GetObjectItemCaseSensitive(o, "Options"));
  cJSON_ArrayForEach(p, cJSON_GetObjectItemCaseSensitive(o, "Ports"))
  {
    struct lp_port_map m = { 0 };
    const cJSON *ip = cJSON_GetObjectItemCaseSensitive(p, "HostIP");
    const cJSON *pr = cJSON_GetObjectItemCaseSensitive(p, "Protocol");
    m.host_ip = xstrdup(cJSON_IsString(ip) ? ip->valuestring : "");
    m.host_port = jport(p, "HostPort", 0);
    m.ctr_port = jport(p, "ContainerPort", 0);
    m.range = jport(p, "Range", 1);
    if (m.range == 0)
      m.range = 1;
    snprintf(m.proto, sizeof m.proto, "%s",
             cJSON_IsString(pr) && strcmp(pr->valuestring, "udp") == 0 ? "udp" : "tcp");
    n->ports = xreallocarray(n->ports, n->nports + 1, sizeof *n->ports);
    n->ports[n->nports++] = m;
  }
  n->expose = json_strv(cJSON_GetObjectItemCaseSensitive(o, "Expose"));
  n->dns = json_strv(cJSON_GetObjectItemCaseSensitive(o, "DNS"));
  n->dns_search = json_strv(cJSON_GetObjectItemCaseSensitive(o, "DNSSearch"));
  n->dns_options = json_strv(cJSON_GetObjectItemCaseSensitive(o, "DNSOptions"));
  n->add_hosts = json_strv(cJSON_GetObjectItemCaseSensitive(o, "AddHosts"));
  return n;
}

void lp_net_config_free(struct lp_net_config *n)
{
  if (!n)
    return;
  strv_free(n->options);
  for (size_t i = 0; i < n->nports; i++)
    free(n->ports[i].host_ip);
  free(n->ports);
  strv_free(n->expose);
  strv_free(n->dns);
  strv_free(n->dns_search);
  strv_free(n->dns_options);
  strv_free(n->add_hosts);
  free(n);
}

/* ---- showing ports ---- */

static void add_hostip(struct strbuf *out, const char *ip)
{
  if (!ip || !*ip)
    strbuf_adds(out, "0.0.0.0");
  else if (strchr(ip, ':'))
    strbuf_addf(out, "[%s]", ip);
  else
    strbuf_adds(out, ip);
}

char *lp_net_ports_string(const struct lp_net_config *n)
{
  struct strbuf sb = STRBUF_INIT;
  for (size_t i = 0; n && i < n->nports; i++)
    {
      const struct lp_port_map *m = &n->ports[i];
      if (sb.len)
        strbuf_adds(&sb, ", ");
      add_hostip(&sb, m->host_ip);
      if (m->range > 1)
        strbuf_addf(&sb, ":%u-%u->%u-%u/%s", m->host_port, m->host_port + m->range - 1, m->ctr_port,
                    m->ctr_port + m->range - 1, m->proto);
      else
        strbuf_addf(&sb, ":%u->%u/%s", m->host_port, m->ctr_port, m->proto);
    }
  return strbuf_detach(&sb, NULL);
}

cJSON *lp_net_ports_json(const struct lp_net_config *n, bool add_exposed)
{
  cJSON *o = cJSON_CreateObject();
  for (size_t i = 0; n && i < n->nports; i++)
    {
      const struct lp_port_map *m = &n->ports[i];
      for (unsigned k = 0; k < m->range; k++)
        {
          char key[32], hp[8];
          snprintf(key, sizeof key, "%u/%s", m->ctr_port + k, m->proto);
          snprintf(hp, sizeof hp, "%u", m->host_port + k);
          cJSON *a = cJSON_GetObjectItemCaseSensitive(o, key);
          if (!cJSON_IsArray(a))
            a = cJSON_AddArrayToObject(o, key);
          cJSON *b = cJSON_CreateObject();
          cJSON_AddStringToObject(b, "HostIp", m->host_ip ? m->host_ip : "");
          cJSON_AddStringToObject(b, "HostPort", hp);
          cJSON_AddItemToArray(a, b);
        }
    }
  for (size_t i = 0; add_exposed && n && n->expose && n->expose[i]; i++)
    if (!cJSON_GetObjectItemCaseSensitive(o, n->expose[i]))
      cJSON_AddNullToObject(o, n->expose[i]);
  return o;
}

size_t lp_net_port_lines(const struct lp_net_config *n, const char *want, struct strbuf *out)
{
  unsigned wport = 0;
  char wproto[8] = "tcp";
  size_t lines = 0;
  if (want)
    {
      if (sscanf(want, "%u/%7s", &wport, wproto) < 1)
        return 0;
    }
  for (size_t i = 0; n && i < n->nports; i++)
    {
      const struct lp_port_map *m = &n->ports[i];
      for (unsigned k = 0; k < m->range; k++)
        {
          if (want && (m->ctr_port + k != wport || strcmp(m->proto, wproto) != 0))
            continue;
          if (!want)
            strbuf_addf(out, "%u/%s -> ", m->ctr_port + k, m->proto);
          add_hostip(out, m->host_ip);
          strbuf_addf(out, ":%u\n", m->host_port + k);
          lines++;
        }
    }
  return lines;
}

/* ---- addresses ---- */

/* The host's IPv4 default route: its interface and gateway. */
static int host_default_route(char ifname[IF_NAMESIZE], struct in_addr *gw)
{
  struct strbuf sb = STRBUF_INIT;
  lp_error_t e = NULL;
  int ret = -1;
  if (lp_read_file_at(AT_FDCWD, "/proc/net/route", &sb, &e) < 0)
    {
      lp_error_free(&e);
      return -1;
    }
  for (char *line = strchr(sb.buf, '\n'); line && *line; line = strchr(line, '\n'))
    {
      char name[IF_NAMESIZE];
      unsigned dest, g, flags;
      line++;
      if (sscanf(line, "%15s %x %x %x", name, &dest, &g, &flags) == 4 && dest == 0 && (flags & 2))
        {
          memcpy(ifname, name, IF_NAMESIZE);
          gw->s_addr = g; /* the file has network byte order, in hex */
          ret = 0;
          break;
        }
    }
  strbuf_release(&sb);
  return ret;
}

void lp_net_layout_for(const char *mode, char *const *options, struct lp_net_layout *out)
{
  memset(out, 0, sizeof *out);
  if (mode && strcmp(mode, "slirp4netns") == 0)
    {
      bool loopback = true;
      for (size_t i = 0; options && options[i]; i++)
        if (strcmp(options[i], "allow_host_loopback=false") == 0)
          loopback = false;
      snprintf(out->ip, sizeof out->ip, "10.0.2.100");
      if (loopback)
        snprintf(out->gateway, sizeof out->gateway, "10.0.2.2");
      snprintf(out->dns, sizeof out->dns, "10.0.2.3");
    }
  else if (mode && strcmp(mode, "pasta") == 0)
    {
      char ifname[IF_NAMESIZE] = "";
      struct in_addr gw;
      snprintf(out->dns, sizeof out->dns, PASTA_DNS);
      if (host_default_route(ifname, &gw) < 0)
        return;
      inet_ntop(AF_INET, &gw, out->gateway, sizeof out->gateway);
      struct ifaddrs *ifa = NULL;
      if (getifaddrs(&ifa) < 0)
        return;
      for (struct ifaddrs *i = ifa; i; i = i->ifa_next)
        if (i->ifa_addr && i->ifa_addr->sa_family == AF_INET && strcmp(i->ifa_name, ifname) == 0)
          {
            inet_ntop(AF_INET, &((struct sockaddr_in *)i->ifa_addr)->sin_addr, out->ip, sizeof out->ip);
            break;
          }
      freeifaddrs(ifa);
    }
}

void lp_net_fill_netfiles(const struct lp_ctr_config *c, const struct lp_net_layout *layout, char ***holder,
                          struct lp_netfiles *out)
{
  const struct lp_net_config *n = c->net;
  memset(out, 0, sizeof *out);
  *holder = empty();
  out->name = c->name;
  if (layout->ip[0])
    out->ip = layout->ip;
  if (layout->gateway[0])
    out->host_gateway = layout->gateway;
  if (layout->dns[0])
    out->dns_default = layout->dns;
  if (!n)
    return;
  for (size_t i = 0; n->add_hosts && n->add_hosts[i]; i++)
    {
      const char *h = n->add_hosts[i], *colon = strchr(h, ':');
      if (colon && strcmp(colon + 1, "host-gateway") == 0)
        {
          if (!layout->gateway[0])
            continue; /* no way to the host from here */
          cleanup_free char *r = xasprintf("%.*s:%s", (int)(colon - h), h, layout->gateway);
          push(holder, r);
        }
      else
        push(holder, h);
    }
  out->add_hosts = *holder;
  out->dns = n->dns;
  out->dns_search = n->dns_search;
  out->dns_options = n->dns_options;
}
