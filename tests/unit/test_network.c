/* Network settings: -p parsing, the stored JSON, how ps/inspect/port show
 * ports, the generated hosts and resolv.conf, and the helpers' argv. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "container/nethelper.h"
#include "container/network.h"
#include "runtime/genfiles.h"
#include "util/xalloc.h"

static struct lp_net_config *parse(const char *const *specs)
{
  struct lp_net_config *n = xzalloc(sizeof *n);
  for (size_t i = 0; specs[i]; i++)
    {
      lp_error_t err = NULL;
      assert_int_equal(lp_net_parse_publish(specs[i], &n->ports, &n->nports, &err), 0);
    }
  return n;
}

static void test_publish_forms(void **state)
{
  (void)state;
  const char *specs[] = { "8080:80", "127.0.0.1:9000:90/udp", "[::1]:7000:70", "5000-5002:50-52", NULL };
  struct lp_net_config *n = parse(specs);
  assert_int_equal(n->nports, 4);
  assert_string_equal(n->ports[0].host_ip, "");
  assert_int_equal(n->ports[0].host_port, 8080);
  assert_int_equal(n->ports[0].ctr_port, 80);
  assert_string_equal(n->ports[0].proto, "tcp");
  assert_string_equal(n->ports[1].host_ip, "127.0.0.1");
  assert_string_equal(n->ports[1].proto, "udp");
  assert_string_equal(n->ports[2].host_ip, "::1");
  assert_int_equal(n->ports[3].range, 3);

  char *s = lp_net_ports_string(n);
  assert_string_equal(s, "0.0.0.0:8080->80/tcp, 127.0.0.1:9000->90/udp, [::1]:7000->70/tcp, "
                         "0.0.0.0:5000-5002->50-52/tcp");
  free(s);

  struct strbuf sb = STRBUF_INIT;
  assert_int_equal(lp_net_port_lines(n, "51", &sb), 1);
  assert_string_equal(sb.buf, "0.0.0.0:5001\n");
  strbuf_reset(&sb);
  assert_int_equal(lp_net_port_lines(n, "90", &sb), 0); /* it is udp */
  assert_int_equal(lp_net_port_lines(n, "90/udp", &sb), 1);
  assert_string_equal(sb.buf, "127.0.0.1:9000\n");
  strbuf_reset(&sb);
  assert_int_equal(lp_net_port_lines(n, NULL, &sb), 6);
  assert_true(strncmp(sb.buf, "80/tcp -> 0.0.0.0:8080\n90/udp -> 127.0.0.1:9000\n", 48) == 0);
  strbuf_release(&sb);

  /* Stored and read back. */
  cJSON *o = cJSON_CreateObject();
  lp_net_config_to_json(n, o);
  struct lp_net_config *back = lp_net_config_from_json(o);
  s = lp_net_ports_string(back);
  char *s2 = lp_net_ports_string(n);
  assert_string_equal(s, s2);
  free(s);
  free(s2);
  cJSON *pj = lp_net_ports_json(back, false);
  char *txt = cJSON_PrintUnformatted(pj);
  assert_non_null(strstr(txt, "\"90/udp\":[{\"HostIp\":\"127.0.0.1\",\"HostPort\":\"9000\"}]"));
  assert_non_null(strstr(txt, "\"52/tcp\":[{\"HostIp\":\"\",\"HostPort\":\"5002\"}]"));
  cJSON_free(txt);
  cJSON_Delete(pj);
  cJSON_Delete(o);
  lp_net_config_free(back);
  lp_net_config_free(n);
}

static void test_publish_random_host_port(void **state)
{
  (void)state;
  const char *specs[] = { "80", "127.0.0.1::81", NULL };
  struct lp_net_config *n = parse(specs);
  assert_true(n->ports[0].host_port > 0);
  assert_int_equal(n->ports[0].ctr_port, 80);
  assert_string_equal(n->ports[1].host_ip, "127.0.0.1");
  assert_true(n->ports[1].host_port > 0);
  lp_net_config_free(n);
}

static void test_publish_errors(void **state)
{
  (void)state;
  const char *bad[] = { "",          "abc",       "0:80",        "70000:80",   "80:80/sctp", "1.2.3:80:80",
                        "80-81:90",  "80:90-91",  "81-80:90-91", "[::1]:80",   "a:b:c:d",    "8080:",
                        "-1:80",     "80:+5",     NULL };
  for (size_t i = 0; bad[i]; i++)
    {
      struct lp_port_map *v = NULL;
      size_t n = 0;
      lp_error_t err = NULL;
      if (lp_net_parse_publish(bad[i], &v, &n, &err) != -1)
        fail_msg("accepted -p `%s`", bad[i]);
      assert_non_null(err);
      lp_error_free(&err);
      assert_int_equal(n, 0);
      free(v);
    }
}

static void test_network_modes(void **state)
{
  (void)state;
  char *mode = NULL, **opts = NULL;
  const char *notice;
  lp_error_t err = NULL;
  assert_int_equal(lp_net_parse_mode("slirp4netns:allow_host_loopback=false,mtu=1500", &mode, &opts, &notice, &err), 0);
  assert_string_equal(mode, "slirp4netns");
  assert_string_equal(opts[0], "allow_host_loopback=false");
  assert_string_equal(opts[1], "mtu=1500");
  assert_null(opts[2]);
  free(mode);
  for (size_t i = 0; opts[i]; i++)
    free(opts[i]);
  free(opts);
  assert_int_equal(lp_net_parse_mode("slirp4netns:port_handler=x", &mode, &opts, &notice, &err), -1);
  lp_error_free(&err);
  for (size_t i = 0; opts && opts[i]; i++)
    free(opts[i]);
  free(opts);
  assert_int_equal(lp_net_parse_mode("host:x", &mode, &opts, &notice, &err), -1);
  lp_error_free(&err);
  free(opts);
  assert_int_equal(lp_net_parse_mode("mynet", &mode, &opts, &notice, &err), -1);
  lp_error_free(&err);
  free(opts);
  assert_int_equal(lp_net_parse_mode("none", &mode, &opts, &notice, &err), 0);
  assert_string_equal(mode, "none");
  assert_null(notice);
  free(mode);
  free(opts);
}

static void test_hosts_and_resolv(void **state)
{
  (void)state;
  char *add[] = { (char *)"db:10.1.1.1", (char *)"v6:fd00::5", NULL };
  char *search[] = { (char *)".", NULL };
  char *dns[] = { (char *)"192.0.2.53", NULL };
  struct lp_netfiles nf = { .ip = "10.0.2.100", .name = "web", .host_gateway = "10.0.2.2", .add_hosts = add,
                            .dns_default = "10.0.2.3" };
  struct strbuf sb = STRBUF_INIT;
  lp_genfile_hosts_net(&sb, NULL, "abc123", &nf);
  assert_string_equal(sb.buf, "10.1.1.1\tdb\nfd00::5\tv6\n"
                              "127.0.0.1\tlocalhost localhost.localdomain localhost4 localhost4.localdomain4\n"
                              "::1\tlocalhost localhost.localdomain localhost6 localhost6.localdomain6\n"
                              "10.0.2.100\tabc123 web\n10.0.2.2\thost.containers.internal\n");

  const char *host = "# generated\ndomain corp.example\nsearch a.example b.example\nnameserver 127.0.0.53\n"
                     "nameserver 10.9.9.9\noptions edns0 trust-ad\n";
  strbuf_reset(&sb);
  lp_genfile_resolv(&sb, host, &nf);
  assert_string_equal(sb.buf, "search corp.example a.example b.example\nnameserver 10.0.2.3\noptions edns0 trust-ad\n");
  strbuf_reset(&sb);
  nf.dns_default = NULL;
  lp_genfile_resolv(&sb, host, &nf);
  assert_string_equal(sb.buf, "search corp.example a.example b.example\nnameserver 127.0.0.53\nnameserver 10.9.9.9\n"
                              "options edns0 trust-ad\n");
  strbuf_reset(&sb);
  nf.dns = dns;
  nf.dns_search = search;
  lp_genfile_resolv(&sb, host, &nf);
  assert_string_equal(sb.buf, "nameserver 192.0.2.53\noptions edns0 trust-ad\n");
  strbuf_reset(&sb);
  lp_genfile_resolv(&sb, NULL, NULL);
  assert_string_equal(sb.buf, "");
  strbuf_release(&sb);
}

static char *joined(char **v)
{
  struct strbuf sb = STRBUF_INIT;
  for (size_t i = 0; v[i]; i++)
    {
      strbuf_addf(&sb, "%s%s", i ? " " : "", v[i]);
      free(v[i]);
    }
  free(v);
  return strbuf_detach(&sb, NULL);
}

static void test_helper_argv(void **state)
{
  (void)state;
  const char *specs[] = { "127.0.0.1:8080:80", "9000-9001:90-91/udp", "7000:70", NULL };
  struct lp_net_config *n = parse(specs);
  struct lp_nethelper_args a = { .mode = "pasta", .net = n, .dir = "/x", .netns_fd = 9, .userns_fd = 10 };
  char *s = joined(lp_nethelper_argv("/usr/bin/pasta", &a, false));
  assert_string_equal(s, "/usr/bin/pasta --config-net --foreground --quiet --tcp-ports 127.0.0.1/8080:80,7000:70 "
                         "--udp-ports 9000-9001:90-91 --tcp-ns=none --udp-ns=none --dns-forward=169.254.1.1 "
                         "--no-netns-quit --pid=/proc/self/fd/3 --userns=/proc/self/fd/5 --netns=/proc/self/fd/4");
  free(s);
  a.userns_fd = -1;
  a.mode = "slirp4netns";
  s = joined(lp_nethelper_argv("/usr/bin/slirp4netns", &a, true));
  assert_string_equal(s, "/usr/bin/slirp4netns --configure --mtu=65520 --ready-fd=3 --exit-fd=6 "
                         "--api-socket=slirp4netns.sock --enable-sandbox --enable-seccomp --netns-type=path "
                         "/proc/self/fd/4 tap0");
  free(s);
  lp_net_config_free(n);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_publish_forms),    cmocka_unit_test(test_publish_random_host_port),
    cmocka_unit_test(test_publish_errors),   cmocka_unit_test(test_network_modes),
    cmocka_unit_test(test_hosts_and_resolv), cmocka_unit_test(test_helper_argv),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
