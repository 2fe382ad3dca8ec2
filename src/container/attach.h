/*
 * attach: a running container's stdio, held by its supervisor and shared
 * with any number of clients (run, start -a, attach) over a unix socket,
 * containers/<id>/attach, that the supervisor listens on while the container
 * runs. Several clients may be attached at once; each may leave (detach
 * keys, or just exit) and the container runs on.
 *
 * Protocol: SOCK_SEQPACKET, one message per frame: a type byte, then the
 * payload (at most LP_ATTACH_FRAME_MAX bytes).
 *   client -> supervisor
 *     'H' hello (first): struct lp_attach_hello
 *     'I' bytes for the container's stdin (dropped when it has none)
 *     'C' the client's stdin ended: the container's stdin is closed when the
 *         client said LP_ATTACH_ONCE (run -i, start -ai: Docker's StdinOnce)
 *     'W' window size: struct lp_attach_winsize (applied to the pty)
 *     'S' a signal for the container's init: int32 (--sig-proxy)
 *   supervisor -> client
 *     'O' stdout bytes (all output with -t), 'E' stderr bytes
 *     'X' the container exited: int32 status; sent after the state reads
 *         exited, the FUSE server is gone and (--rm) the container removed.
 * Neither side ever blocks on the other: the supervisor queues what a client
 * has not taken yet and stops reading the container's output while a queue
 * holds more than LP_ATTACH_QUEUE_MAX (so a slow client slows the container
 * down, as a pipe would, but loses nothing); the client queues its stdin the
 * same way and always reads the socket.
 *
 * Detach keys (Podman's syntax): comma-separated keys, each a single
 * character or `ctrl-X` for X in a-z @ [ \ ] ^ _, or `DEL`; the default is
 * "ctrl-p,ctrl-q"; "" disables detaching. The client filters them out of its
 * stdin: a partial match is held back until the next byte decides.
 */
#ifndef LILIPOD_CONTAINER_ATTACH_H
#define LILIPOD_CONTAINER_ATTACH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../util/error.h"
#include "../util/strbuf.h"

#define LP_ATTACH_FRAME_MAX 16384
#define LP_ATTACH_QUEUE_MAX (1024 * 1024)
#define LP_DETACH_KEYS_DEFAULT "ctrl-p,ctrl-q"

enum
{
  LP_ATTACH_IN = 1 << 0,   /* the client sends stdin */
  LP_ATTACH_OUT = 1 << 1,  /* wants stdout */
  LP_ATTACH_ERR = 1 << 2,  /* wants stderr */
  LP_ATTACH_ONCE = 1 << 3, /* its stdin's end is the container's */
};

struct lp_attach_winsize
{
  uint16_t rows, cols;
};

struct lp_attach_hello
{
  uint32_t flags;
  struct lp_attach_winsize ws; /* 0x0: unknown */
};

struct lp_detach_keys
{
  unsigned char seq[32];
  size_t len; /* 0: detaching disabled */
  size_t matched;
};

/* spec NULL: the default. Error "invalid detach keys: ..." (Podman's). */
int lp_detach_keys_parse(const char *spec, struct lp_detach_keys *k, lp_error_t *err);
/* Pass n input bytes through the filter into out (room for n + k->len
 * bytes): *outn bytes may be forwarded. Returns 1 when the sequence is
 * complete (out then holds what came before it; the rest is dropped). */
int lp_detach_keys_filter(struct lp_detach_keys *k, const unsigned char *in, size_t n, unsigned char *out,
                          size_t *outn);

/* Frames waiting to be sent on a non-blocking socket, in order. */
struct lp_frameq
{
  struct strbuf buf; /* (u32 length, frame)*, sent up to off */
  size_t off;
};
#define LP_FRAMEQ_INIT { STRBUF_INIT, 0 }
void lp_frameq_add(struct lp_frameq *q, char type, const void *data, size_t len);
size_t lp_frameq_pending(const struct lp_frameq *q);
/* Send what the socket takes now: 0, or -1 when the peer is gone. */
int lp_frameq_flush(struct lp_frameq *q, int sock);
void lp_frameq_release(struct lp_frameq *q);

/* ---- the supervisor's side ---- */

/* Listen on <dir>/attach (a stale socket is replaced). dirfd: the
 * container's directory. Returns the listening fd (non-blocking). */
int lp_attach_listen(int dirfd, lp_error_t *err);
void lp_attach_unlink(int dirfd);

/* ---- the client's side ---- */

/* Connect to <dirfd>/attach. Returns the socket, or -1 with errno
 * ENOENT/ECONNREFUSED when nobody listens (the container is not running). */
int lp_attach_connect(int dirfd, lp_error_t *err);

struct lp_attach_opts
{
  uint32_t flags; /* LP_ATTACH_* */
  bool sig_proxy; /* forward INT, TERM, HUP, QUIT, USR1, USR2 */
  bool tty;       /* the container has a pty: send our window size and its changes */
  struct lp_detach_keys keys;
};

enum lp_attach_end
{
  LP_ATTACH_EXITED,   /* status holds the container's exit status */
  LP_ATTACH_DETACHED, /* the detach keys were typed */
  LP_ATTACH_LOST,     /* the supervisor went away without a word */
};

/* Send the hello (before anything else). */
int lp_attach_send_hello(int sock, const struct lp_attach_opts *o, lp_error_t *err);
/* Our stdin -> the container, its output -> our stdout/stderr, until it
 * exits, we detach or the supervisor is gone. The caller sets the terminal
 * mode. Returns 0 with *end (and *status) or -1. */
int lp_attach_run(int sock, struct lp_attach_opts *o, enum lp_attach_end *end, int *status, lp_error_t *err);

/* Our terminal's window size (stdin, else stdout), 0x0 when none. */
struct lp_attach_winsize lp_attach_our_winsize(void);

#endif
