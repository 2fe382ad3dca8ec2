/*
 * network: a container's network settings, as create/run take them from
 * the command line, as they are stored, and as ps, inspect and port show
 * them (Podman 4.3's shapes).
 *
 * Modes (the stored Namespaces.network): "pasta" and "slirp4netns" (a
 * private network namespace connected to the outside by that user-mode
 * helper, see nethelper.h), "none" (a namespace with only lo), "host".
 * `--network private` (and the default, and Podman's "bridge") is resolved
 * at create time: pasta if it is installed, else slirp4netns, else none with
 * a one-line notice. A config stored before the helpers existed says
 * "private": that meant, and still means, none.
 *
 * The stored JSON, a "Network" object beside Namespaces:
 *   {"Options": ["allow_host_loopback=true"] (from --network NAME:OPTS),
 *    "Ports": [{"HostIP": "", "HostPort": 8080, "ContainerPort": 80,
 *               "Range": 1, "Protocol": "tcp"}],
 *    "Expose": ["80/tcp"], "DNS": [], "DNSSearch": [], "DNSOptions": [],
 *    "AddHosts": ["name:ip"]}
 *
 * -p/--publish is `[[hostip:][hostport]:]containerport[/tcp|udp]`, where
 * ports may be ranges (`8080-8082:80-82`; equal lengths) and an IPv6
 * hostip is in brackets. A missing hostport means a random free one,
 * picked at create time (as Podman does). `--add-host
 * name:host-gateway` means the host as the helper maps it.
 */
#ifndef LILIPOD_CONTAINER_NETWORK_H
#define LILIPOD_CONTAINER_NETWORK_H

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../runtime/spec.h"
#include "../util/error.h"
#include "../util/strbuf.h"

struct lp_args;
struct lp_ctr_config;

struct lp_port_map
{
  char *host_ip;      /* "" = every address */
  uint16_t host_port; /* first of the range */
  uint16_t ctr_port;
  uint16_t range;     /* number of ports, >= 1 */
  char proto[4];      /* "tcp" or "udp" */
};

struct lp_net_config
{
  char **options; /* NULL-terminated, from --network NAME:OPTS */
  struct lp_port_map *ports;
  size_t nports;
  char **expose, **dns, **dns_search, **dns_options, **add_hosts; /* NULL-terminated */
};

/* The helpers, by preference. "pasta" if found in PATH, else "slirp4netns",
 * else NULL. */
const char *lp_net_default_helper(void);
/* Absolute path of a helper found in PATH (free it), or NULL. */
char *lp_net_helper_path(const char *name);
bool lp_net_mode_is_helper(const char *mode);

/* Parse one -p value, appending to *v. */
int lp_net_parse_publish(const char *spec, struct lp_port_map **v, size_t *n, lp_error_t *err);
/* Parse a --network value: *mode gets pasta/slirp4netns/none/host (private
 * resolved as above; *notice gets a message to show when nothing was
 * found, or NULL), *opts the options after ':'. */
int lp_net_parse_mode(const char *v, char **mode, char ***opts, const char **notice, lp_error_t *err);

/* create/run: --network, -p, -P, --expose, --dns*, --add-host into
 * c->ns_network and c->net. image_config (the image config's "config"
 * object, or NULL) adds its ExposedPorts to the exposed ones. -P publishes
 * every exposed port that no -p maps on a random host port (all
 * addresses). Ports with --network host or none are refused, as Podman
 * refuses them; -P is ignored there, as Podman ignores it. */
int lp_net_config_from_args(const struct lp_args *args, const cJSON *image_config, struct lp_ctr_config *c,
                            lp_error_t *err);
/* Add "Network" to the stored object; read it back (never NULL). */
void lp_net_config_to_json(const struct lp_net_config *n, cJSON *ctr);
struct lp_net_config *lp_net_config_from_json(const cJSON *ctr);
void lp_net_config_free(struct lp_net_config *n);

/* ps's PORTS: "0.0.0.0:8080->80/tcp, 0.0.0.0:9000-9001->90-91/udp". */
char *lp_net_ports_string(const struct lp_net_config *n);
/* inspect's {"80/tcp": [{"HostIp": "", "HostPort": "8080"}], ...}, one key
 * per container port (ranges expanded); add_exposed adds the exposed ports
 * that are not published, with null, as Podman 4.3's NetworkSettings.Ports
 * and HostConfig.PortBindings do. */
cJSON *lp_net_ports_json(const struct lp_net_config *n, bool add_exposed);
/* `port`: "80/tcp -> 0.0.0.0:8080" lines; with want ("80", "80/udp") only
 * the "0.0.0.0:8080" of that port. Returns how many lines were added. */
size_t lp_net_port_lines(const struct lp_net_config *n, const char *want, struct strbuf *out);

/* The addresses a helper gives the container, for /etc/hosts and
 * resolv.conf: strings owned by the caller's lp_net_layout. */
struct lp_net_layout
{
  char ip[64];      /* the container's address ("" = none) */
  char gateway[64]; /* where the host answers ("" = nowhere) */
  char dns[64];     /* the helper's DNS forwarder ("" = none) */
};
/* slirp4netns: 10.0.2.100, 10.0.2.2 (unless allow_host_loopback=false),
 * 10.0.2.3. pasta: the host's address and gateway on its default route
 * (pasta copies them; the gateway is mapped to the host's loopback) and
 * 169.254.1.1 (--dns-forward). Others: empty. */
void lp_net_layout_for(const char *mode, char *const *options, struct lp_net_layout *out);
/* Fill spec->netfiles from c (pointers into c, layout and the
 * returned holder: keep both alive while the spec is used). */
void lp_net_fill_netfiles(const struct lp_ctr_config *c, const struct lp_net_layout *layout, char ***holder,
                          struct lp_netfiles *out);

#endif
