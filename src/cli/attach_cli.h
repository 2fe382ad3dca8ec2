/*
 * attach_cli: what run, start -a and attach share: --detach-keys and
 * --sig-proxy, the terminal in raw mode while attached to a pty (restored
 * on every way out), and Podman's exit status for each end.
 */
#ifndef LILIPOD_CLI_ATTACH_CLI_H
#define LILIPOD_CLI_ATTACH_CLI_H

#include "../container/attach.h"
#include "../store/store.h"
#include "command.h"

/* o->keys from --detach-keys (absent: ctrl-p,ctrl-q; "": none) and
 * o->sig_proxy from --sig-proxy (default true). */
int lp_cli_attach_opts(const struct lp_args *args, struct lp_attach_opts *o, lp_error_t *err);

/* Start c attached (start = true) or attach to it, with the terminal in
 * raw mode when c has a pty and our stdin is a terminal we read. Returns
 * 0 with *end and *status, or -1 with err. */
int lp_cli_attach(struct lp_store *s, struct lp_container_info *c, struct lp_attach_opts *o, bool start,
                  enum lp_attach_end *end, int *status, lp_error_t *err);

#endif
