/*
 * nethelper: the user-mode network helper of one running container: pasta
 * (Debian's passt package) or slirp4netns, connecting the container's
 * network namespace to the host's network with sockets, as the user.
 *
 * Contract: the supervisor (S, in the host's namespaces) calls
 * lp_nethelper_start() while the container's init waits before its command
 * (see lp_prestart_fn in runtime/spec.h) with fds of the container's network
 * namespace and, when it is not S's own, of the user namespace that owns
 * it. It returns once the helper has configured the namespace (an address,
 * the default route, lo) and bound the published ports, or fails with the
 * helper's own message (its output goes to containers/<id>/network.log).
 * lp_nethelper_stop() kills and reaps it; S calls it before it records the
 * container as exited, so nothing is left once `stop` returns.
 *
 * Lifetime when S itself dies (SIGKILL): the helper is S's child with
 * PR_SET_PDEATHSIG=SIGKILL (both helpers keep it: pasta's privilege drop
 * does not change its ids, since it runs as the user or, for root, with
 * --runas 0:0), and slirp4netns also exits when S's end of its --exit-fd
 * pipe closes. The helper runs in its own process group, so a ^C on an
 * attached terminal reaches the container (through S), not the helper.
 *
 * pasta (0.0~git20230309): --config-net copies the host's address and
 * routes; -f keeps it our child; -t/-u publish ports ("none" otherwise) and
 * -T/-U none keep the host's own ports out of the container; the gateway is
 * mapped to the host's loopback; --dns-forward 169.254.1.1 is the DNS
 * forwarder; the pid file (-P) is written once everything is set up, so it
 * is the readiness signal (a pipe). slirp4netns (1.2): --configure gives
 * 10.0.2.100/24, gateway 10.0.2.2 (the host's loopback, unless
 * allow_host_loopback=false), DNS 10.0.2.3; --ready-fd says when; published
 * ports are added through its API socket (containers/<id>/slirp4netns.sock).
 */
#ifndef LILIPOD_CONTAINER_NETHELPER_H
#define LILIPOD_CONTAINER_NETHELPER_H

#include <sys/types.h>

#include "../util/error.h"
#include "network.h"

struct lp_nethelper
{
  pid_t pid;   /* -1: none */
  int exit_fd; /* S's end of slirp4netns's --exit-fd pipe, or -1 */
};
#define LP_NETHELPER_INIT { -1, -1 }

struct lp_nethelper_args
{
  const char *mode; /* "pasta" or "slirp4netns" */
  const struct lp_net_config *net;
  const char *dir; /* containers/<id>, absolute */
  int netns_fd;
  int userns_fd; /* -1: the network namespace's owner is our own userns */
};

int lp_nethelper_start(const struct lp_nethelper_args *a, struct lp_nethelper *h, lp_error_t *err);
void lp_nethelper_stop(struct lp_nethelper *h);

/* The argv for the helper (NULL-terminated, free with the elements), fds
 * as the child has them: ready 3, netns 4, userns 5, exit 6. Pure. */
char **lp_nethelper_argv(const char *path, const struct lp_nethelper_args *a, bool root);

#endif
