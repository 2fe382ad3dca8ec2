/*
 * pty: the terminal for `-t`, made inside the container's own devpts so the
 * command sees /dev/pts/N of its own (as under Podman), with the master
 * handed back to the launching process over a unix socket.
 *
 * Contract: lp_pty_open_host() opens a host pty pair ahead of time as the
 * fallback (for a container whose /dev/ptmx is not a ptmx, e.g. one that
 * bound /dev/null there); lp_pty_in_container() runs in the container
 * after its root is final and, if it can make a pty there, replaces *slave
 * and sends the master; otherwise it sends a message without an fd and the
 * host pair stays. lp_pty_receive() is the launcher's side.
 */
#ifndef LILIPOD_RUNTIME_PTY_H
#define LILIPOD_RUNTIME_PTY_H

#include "../util/error.h"

int lp_pty_open_host(int *master, int *slave, lp_error_t *err);
/* Child side. sock: its end of the socketpair. bind_console: bind the
 * slave onto /dev/console when that file exists. */
int lp_pty_in_container(int sock, int *slave, int bind_console, lp_error_t *err);
/* Parent side: on success *master is the container's master (the host
 * one is closed) or unchanged. Returns -1 if the child died first. */
int lp_pty_receive(int sock, int *master, lp_error_t *err);
/* Give the terminal fd its window size before the command runs (a command
 * that asks at once must not see 0x0). Nothing when rows or cols is 0. */
void lp_pty_set_size(int fd, unsigned short rows, unsigned short cols);

#endif
