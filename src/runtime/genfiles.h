/*
 * genfiles: the files a container gets generated for it: /etc/hosts,
 * /etc/hostname, /etc/resolv.conf and /run/.containerenv.
 *
 * Contract: the text builders are pure; lp_genfiles_write() writes them
 * (atomically) into spec->genfiles_dir, owned by the directory's owner (the
 * user, also when the caller is root of a user namespace), and mounts.c binds
 * them into the rootfs.
 * resolv.conf is generated for a private network (the helper's forwarder,
 * or the host's nameservers); with the host network no copy is written and
 * the host's file is bound instead, unless --dns and the like change it.
 */
#ifndef LILIPOD_RUNTIME_GENFILES_H
#define LILIPOD_RUNTIME_GENFILES_H

#include <stdbool.h>

#include "../util/error.h"
#include "../util/strbuf.h"
#include "spec.h"

void lp_genfile_hosts(struct strbuf *out, const char *host_hosts, const char *hostname);
/* /etc/hosts: --add-host entries, the host's file (or localhost lines),
 * "IP hostname name", host.containers.internal. */
void lp_genfile_hosts_net(struct strbuf *out, const char *host_hosts, const char *hostname,
                          const struct lp_netfiles *nf);
/* /etc/resolv.conf: search, nameserver and options lines, each from nf
 * where it says, else from the host's file (host_resolv, may be NULL). */
void lp_genfile_resolv(struct strbuf *out, const char *host_resolv, const struct lp_netfiles *nf);
void lp_genfile_containerenv(struct strbuf *out, const struct lp_containerenv *ce, bool rootless);
/* True unless we are the host's root (uid 0 with the identity map). */
bool lp_runtime_is_rootless(void);
int lp_genfiles_write(const struct lp_runtime_spec *spec, lp_error_t *err);

#endif
