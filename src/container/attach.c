/* attach: detach keys, the attach socket and the client's loop (attach.h). */
#include "attach.h"

#include "../util/fsutil.h"
#include "../util/strbuf.h"
#include "../util/xalloc.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

/* ---- detach keys ---- */

int lp_detach_keys_parse(const char *spec, struct lp_detach_keys *k, lp_error_t *err)
{
  memset(k, 0, sizeof *k);
  if (!spec)
    spec = LP_DETACH_KEYS_DEFAULT;
  if (!*spec)
    return 0;
  static const char ctrl_tail[] = "@abcdefghijklmnopqrstuvwxyz[\\]^_";
  const char *p = spec;
  for (;;)
    {
      const char *end = strchr(p, ',');
      size_t n = end ? (size_t)(end - p) : strlen(p);
      int code = -1;
      if (n == 1)
        code = (unsigned char)p[0];
      else if (n == 3 && memcmp(p, "DEL", 3) == 0)
        code = 127;
      else if (n == 6 && memcmp(p, "ctrl-", 5) == 0 && p[5] && strchr(ctrl_tail, p[5]))
        code = (int)(strchr(ctrl_tail, p[5]) - ctrl_tail);
      if (code < 0)
        return lp_error(err, 0, "invalid detach keys: Unknown character: '%.*s'", (int)n, p);
      if (k->len == sizeof k->seq)
        return lp_error(err, 0, "invalid detach keys: more than %zu keys", sizeof k->seq);
      k->seq[k->len++] = (unsigned char)code;
      if (!end)
        break;
      p = end + 1;
    }
  return 0;
}

int lp_detach_keys_filter(struct lp_detach_keys *k, const unsigned char *in, size_t n, unsigned char *out,
                          size_t *outn)
{
  size_t o = 0;
  if (k->len == 0)
    {
      memcpy(out, in, n);
      *outn = n;
      return 0;
    }
  for (size_t i = 0; i < n; i++)
    {
      unsigned char b = in[i];
      if (b == k->seq[k->matched])
        {
          if (++k->matched == k->len)
            {
              k->matched = 0;
              *outn = o;
              return 1;
            }
          continue;
        }
      /* Held bytes + b: forward the shortest head after which the rest is
       * still a prefix of the sequence (ctrl-p ctrl-p ctrl-q detaches). */
      unsigned char held[sizeof k->seq + 1];
      size_t h = k->matched;
      memcpy(held, k->seq, h);
      held[h++] = b;
      size_t shift = 1;
      while (shift < h && memcmp(held + shift, k->seq, h - shift) != 0)
        shift++;
      memcpy(out + o, held, shift);
      o += shift;
      k->matched = h - shift;
    }
  *outn = o;
  return 0;
}

/* ---- the socket ---- */

static void sock_addr(int dirfd, struct sockaddr_un *sa)
{
  /* The container's directory may be deeper than sun_path allows: name it
   * through our fd. */
  memset(sa, 0, sizeof *sa);
  sa->sun_family = AF_UNIX;
  snprintf(sa->sun_path, sizeof sa->sun_path, "/proc/self/fd/%d/attach", dirfd);
}

void lp_attach_unlink(int dirfd)
{
  if (unlinkat(dirfd, "attach", 0) < 0 && errno != ENOENT)
    errno = 0;
}

int lp_attach_listen(int dirfd, lp_error_t *err)
{
  struct sockaddr_un sa;
  sock_addr(dirfd, &sa);
  int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0)
    return lp_error(err, errno, "create the attach socket");
  lp_attach_unlink(dirfd);
  if (bind(fd, (struct sockaddr *)&sa, sizeof sa) < 0 || listen(fd, 16) < 0)
    {
      int e = errno;
      close(fd);
      return lp_error(err, e, "listen on the attach socket");
    }
  return fd;
}

int lp_attach_connect(int dirfd, lp_error_t *err)
{
  struct sockaddr_un sa;
  sock_addr(dirfd, &sa);
  int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
  if (fd < 0)
    return lp_error(err, errno, "create a socket");
  while (connect(fd, (struct sockaddr *)&sa, sizeof sa) < 0)
    {
      if (errno == EINTR)
        continue;
      int e = errno;
      close(fd);
      lp_error(err, e, "connect to the container's attach socket");
      errno = e;
      return -1;
    }
  return fd;
}

/* ---- the client ---- */

struct lp_attach_winsize lp_attach_our_winsize(void)
{
  struct winsize w;
  struct lp_attach_winsize ws = { 0, 0 };
  if (ioctl(STDIN_FILENO, TIOCGWINSZ, &w) == 0 || ioctl(STDOUT_FILENO, TIOCGWINSZ, &w) == 0)
    {
      ws.rows = w.ws_row;
      ws.cols = w.ws_col;
    }
  return ws;
}

void lp_frameq_add(struct lp_frameq *q, char type, const void *data, size_t len)
{
  uint32_t n = (uint32_t)len + 1;
  strbuf_add(&q->buf, &n, sizeof n);
  strbuf_addch(&q->buf, type);
  if (len)
    strbuf_add(&q->buf, data, len);
}

size_t lp_frameq_pending(const struct lp_frameq *q)
{
  return q->buf.len - q->off;
}

int lp_frameq_flush(struct lp_frameq *q, int sock)
{
  while (q->off < q->buf.len)
    {
      uint32_t n;
      memcpy(&n, q->buf.buf + q->off, sizeof n);
      ssize_t r = send(sock, q->buf.buf + q->off + sizeof n, n, MSG_DONTWAIT | MSG_NOSIGNAL);
      if (r < 0)
        {
          if (errno == EINTR)
            continue;
          return errno == EAGAIN || errno == EWOULDBLOCK ? 0 : -1;
        }
      q->off += sizeof n + n;
    }
  strbuf_reset(&q->buf);
  q->off = 0;
  return 0;
}

void lp_frameq_release(struct lp_frameq *q)
{
  strbuf_release(&q->buf);
  q->off = 0;
}

int lp_attach_send_hello(int sock, const struct lp_attach_opts *o, lp_error_t *err)
{
  char frame[1 + sizeof(struct lp_attach_hello)];
  struct lp_attach_hello h = { .flags = o->flags, .ws = { 0, 0 } };
  if (o->tty)
    h.ws = lp_attach_our_winsize();
  frame[0] = 'H';
  memcpy(frame + 1, &h, sizeof h);
  while (send(sock, frame, sizeof frame, MSG_NOSIGNAL) < 0)
    if (errno != EINTR)
      return lp_error(err, errno, "attach to the container");
  return 0;
}

static const int proxied[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2 };

int lp_attach_run(int sock, struct lp_attach_opts *o, enum lp_attach_end *end, int *status, lp_error_t *err)
{
  struct lp_frameq q = LP_FRAMEQ_INIT;
  sigset_t mask, old;
  int rc = -1, fl;
  bool in = (o->flags & LP_ATTACH_IN) != 0;
  char *buf = xmalloc(LP_ATTACH_FRAME_MAX + 64);
  unsigned char *fbuf = xmalloc(LP_ATTACH_FRAME_MAX + sizeof o->keys.seq);

  *end = LP_ATTACH_LOST;
  *status = 0;
  sigemptyset(&mask);
  sigaddset(&mask, SIGWINCH);
  if (o->sig_proxy)
    for (size_t i = 0; i < sizeof proxied / sizeof proxied[0]; i++)
      sigaddset(&mask, proxied[i]);
  sigprocmask(SIG_BLOCK, &mask, &old);
  int sfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
  if ((fl = fcntl(sock, F_GETFL)) >= 0)
    fcntl(sock, F_SETFL, fl | O_NONBLOCK);

  for (;;)
    {
      struct pollfd pf[3] = {
        { sock, (short)(POLLIN | (lp_frameq_pending(&q) ? POLLOUT : 0)), 0 },
        { in && lp_frameq_pending(&q) < LP_ATTACH_QUEUE_MAX ? STDIN_FILENO : -1, POLLIN, 0 },
        { sfd, POLLIN, 0 },
      };
      if (poll(pf, 3, -1) < 0)
        {
          if (errno == EINTR)
            continue;
          lp_error(err, errno, "poll");
          goto out;
        }
      if (pf[2].revents & POLLIN)
        {
          struct signalfd_siginfo si;
          while (read(sfd, &si, sizeof si) == (ssize_t)sizeof si)
            {
              if ((int)si.ssi_signo == SIGWINCH)
                {
                  if (o->tty)
                    {
                      struct lp_attach_winsize ws = lp_attach_our_winsize();
                      lp_frameq_add(&q, 'W', &ws, sizeof ws);
                    }
                }
              else
                {
                  int32_t sig = (int32_t)si.ssi_signo;
                  lp_frameq_add(&q, 'S', &sig, sizeof sig);
                }
            }
        }
      if (pf[1].fd >= 0 && (pf[1].revents & (POLLIN | POLLHUP | POLLERR)))
        {
          ssize_t n = read(STDIN_FILENO, buf, LP_ATTACH_FRAME_MAX);
          if (n > 0)
            {
              size_t fn;
              int det = lp_detach_keys_filter(&o->keys, (unsigned char *)buf, (size_t)n, fbuf, &fn);
              for (size_t off = 0; off < fn; off += LP_ATTACH_FRAME_MAX)
                lp_frameq_add(&q, 'I', fbuf + off, fn - off < LP_ATTACH_FRAME_MAX ? fn - off : LP_ATTACH_FRAME_MAX);
              if (det)
                {
                  /* What came before the keys still goes. */
                  for (int i = 0; i < 100 && lp_frameq_pending(&q) && lp_frameq_flush(&q, sock) == 0; i++)
                    if (lp_frameq_pending(&q))
                      poll(&(struct pollfd){ sock, POLLOUT, 0 }, 1, 10);
                  *end = LP_ATTACH_DETACHED;
                  rc = 0;
                  goto out;
                }
            }
          else if (n == 0 || (errno != EINTR && errno != EAGAIN))
            {
              in = false;
              lp_frameq_add(&q, 'C', NULL, 0);
            }
        }
      if (lp_frameq_pending(&q) && lp_frameq_flush(&q, sock) < 0)
        {
          rc = 0; /* the supervisor is gone */
          goto out;
        }
      if (pf[0].revents & (POLLIN | POLLHUP | POLLERR))
        {
          ssize_t n = recv(sock, buf, LP_ATTACH_FRAME_MAX + 64, MSG_DONTWAIT);
          if (n < 0 && (errno == EINTR || errno == EAGAIN))
            continue;
          if (n <= 0)
            {
              rc = 0;
              goto out;
            }
          if (buf[0] == 'O' || buf[0] == 'E')
            {
              int fd = buf[0] == 'O' ? STDOUT_FILENO : STDERR_FILENO;
              if ((o->flags & (buf[0] == 'O' ? LP_ATTACH_OUT : LP_ATTACH_ERR))
                  && lp_write_all(fd, buf + 1, (size_t)n - 1) < 0 && errno == EPIPE)
                {
                  /* Our reader went away (| head): as if SIGPIPE killed us. */
                  *end = LP_ATTACH_EXITED;
                  *status = 128 + SIGPIPE;
                  rc = 0;
                  goto out;
                }
            }
          else if (buf[0] == 'X' && n >= 1 + (ssize_t)sizeof(int32_t))
            {
              int32_t st;
              memcpy(&st, buf + 1, sizeof st);
              *end = LP_ATTACH_EXITED;
              *status = st;
              rc = 0;
              goto out;
            }
        }
    }
out:
  if (sfd >= 0)
    close(sfd);
  /* Whatever came after our last read was meant for the container too:
   * drop it rather than have it act on us once unblocked. */
  for (;;)
    {
      struct timespec zero = { 0, 0 };
      int sig = sigtimedwait(&mask, NULL, &zero);
      if (sig <= 0)
        break;
    }
  sigprocmask(SIG_SETMASK, &old, NULL);
  lp_frameq_release(&q);
  free(buf);
  free(fbuf);
  return rc;
}
