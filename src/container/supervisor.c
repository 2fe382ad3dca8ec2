/* supervisor: start, supervise, stop and remove containers (see supervisor.h). */
#include "supervisor.h"
#include "mount.h"
#include "reap.h"
#include "spawn.h"
#include "attach.h"
#include "union_server.h"

#include "../fuse/unionfs.h"
#include "../runtime/namespaces.h"
#include "../runtime/runtime.h"
#include "../store/tree.h"
#include "../util/fsutil.h"
#include "../util/log.h"
#include "../util/xalloc.h"
#include "config.h"
#include "nethelper.h"
#include "network.h"
#include "state.h"
#include "volume.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/fsuid.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

enum
{
  MSG_STARTED = 1,
  MSG_FAILED,
  MSG_EXITED,
  MSG_NETNS,     /* H -> S: the init's netns (and userns) fds: start the helper */
  MSG_NET_READY, /* S -> H */
  MSG_NET_FAILED,
};

struct msg
{
  int type;
  int value;
  char text[1024];
};

static void send_msg_fds(int sock, int type, int value, const char *text, const int *fds, int nfds)
{
  struct msg m = { .type = type, .value = value };
  if (text)
    snprintf(m.text, sizeof m.text, "%s", text);
  struct iovec iov = { &m, sizeof m };
  union
  {
    char buf[CMSG_SPACE(2 * sizeof(int))];
    struct cmsghdr align;
  } u;
  struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
  if (nfds > 0)
    {
      memset(&u, 0, sizeof u);
      mh.msg_control = u.buf;
      mh.msg_controllen = CMSG_SPACE((size_t)nfds * sizeof(int));
      struct cmsghdr *cm = CMSG_FIRSTHDR(&mh);
      cm->cmsg_level = SOL_SOCKET;
      cm->cmsg_type = SCM_RIGHTS;
      cm->cmsg_len = CMSG_LEN((size_t)nfds * sizeof(int));
      memcpy(CMSG_DATA(cm), fds, (size_t)nfds * sizeof(int));
    }
  while (sendmsg(sock, &mh, MSG_NOSIGNAL) < 0 && errno == EINTR)
    ;
}

static void send_msg(int sock, int type, int value, const char *text, int fd)
{
  send_msg_fds(sock, type, value, text, &fd, fd >= 0 ? 1 : 0);
}

/* 1 with a message, 0 on EOF, -1 on error. Up to maxfds fds (2 at most)
 * go to fds; the slots without one read -1. */
static int recv_msg_fds(int sock, struct msg *m, int *fds, int maxfds)
{
  struct iovec iov = { m, sizeof *m };
  union
  {
    char buf[CMSG_SPACE(2 * sizeof(int))];
    struct cmsghdr align;
  } u;
  struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf, .msg_controllen = sizeof u.buf };
  ssize_t r;
  while ((r = recvmsg(sock, &mh, MSG_CMSG_CLOEXEC)) < 0 && errno == EINTR)
    ;
  if (r < 0)
    return -1;
  if (r == 0)
    return 0;
  for (int i = 0; fds && i < maxfds; i++)
    fds[i] = -1;
  for (struct cmsghdr *cm = CMSG_FIRSTHDR(&mh); cm; cm = CMSG_NXTHDR(&mh, cm))
    if (cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_RIGHTS)
      {
        int got[2], k = (int)((cm->cmsg_len - CMSG_LEN(0)) / sizeof(int));
        memcpy(got, CMSG_DATA(cm), (size_t)(k < 2 ? k : 2) * sizeof(int));
        for (int i = 0; i < k && i < 2; i++)
          {
            if (fds && i < maxfds)
              fds[i] = got[i];
            else
              close(got[i]);
          }
      }
  m->text[sizeof m->text - 1] = '\0';
  return (size_t)r >= offsetof(struct msg, text) ? 1 : -1;
}

static int recv_msg(int sock, struct msg *m, int *fd)
{
  return recv_msg_fds(sock, m, fd, fd ? 1 : 0);
}

static enum lp_userns_mode userns_mode(const struct lp_ctr_config *cfg)
{
  if (!cfg->userns || !*cfg->userns || strcmp(cfg->userns, "auto") == 0 || strcmp(cfg->userns, "keep-id") == 0)
    return LP_USERNS_KEEP_ID;
  if (strcmp(cfg->userns, "private") == 0)
    return LP_USERNS_PRIVATE;
  return LP_USERNS_HOST;
}

struct sup_paths
{
  char *home, *dir, *rootfs, *upper, *genfiles, *merged;
};

static void paths_free(struct sup_paths *p)
{
  free(p->merged);
  free(p->home);
  free(p->dir);
  free(p->rootfs);
  free(p->upper);
  free(p->genfiles);
}

/* H's prestart hook: hand S the init's network (and user) namespace (the
 * init sent them to the launcher: H cannot open /proc/PID/ns of a process
 * that is not dumpable, and neither H nor the init is ever made dumpable,
 * so that nothing of the same ids can ptrace them or open their /proc
 * files while they hold the powers of root in the user namespace), wait
 * until S's network helper has connected it. */
static int net_prestart(void *ctx, pid_t pid, const int nsfds[2], lp_error_t *err)
{
  int sock = *(int *)ctx;
  send_msg_fds(sock, MSG_NETNS, (int)pid, NULL, nsfds, 2);
  struct msg m;
  int r = recv_msg(sock, &m, NULL);
  if (r <= 0)
    return lp_error(err, 0, "the supervisor went away while it set up the network");
  if (m.type != MSG_NET_READY)
    return lp_error(err, 0, "%s", m.text);
  return 0;
}

/* S: start the network helper for the namespaces H sent. */
static void net_start(const struct sup_paths *p, const struct lp_ctr_config *cfg, int sock, int fds[2],
                      struct lp_nethelper *nh)
{
  lp_error_t e = NULL;
  struct stat mine, theirs;
  /* Our own user namespace is not to be joined (setns would fail). */
  if (fds[1] >= 0 && stat("/proc/self/ns/user", &mine) == 0 && fstat(fds[1], &theirs) == 0
      && mine.st_ino == theirs.st_ino && mine.st_dev == theirs.st_dev)
    {
      close(fds[1]);
      fds[1] = -1;
    }
  struct lp_nethelper_args na = {
    .mode = cfg->ns_network, .net = cfg->net, .dir = p->dir, .netns_fd = fds[0], .userns_fd = fds[1],
  };
  if (fds[0] < 0)
    lp_error(&e, 0, "no network namespace from the launcher");
  else if (nh->pid <= 0 && lp_nethelper_start(&na, nh, &e) == 0)
    send_msg(sock, MSG_NET_READY, 0, NULL, -1);
  if (e)
    {
      send_msg(sock, MSG_NET_FAILED, 0, e->msg, -1);
      lp_error_free(&e);
    }
  for (int i = 0; i < 2; i++)
    if (fds[i] >= 0)
      close(fds[i]);
}

/* H: namespaces, FUSE server, launch, reap. Never returns. mountd: the
 * pid of the server of `lilipod mount` when the container is mounted (the
 * container then runs on that mount, in that server's user namespace: an
 * upper has one server only), else 0. */
__attribute__((noreturn)) static void helper(const struct sup_paths *p, const struct lp_ctr_config *cfg,
                                             int64_t root, int sock, int stdio[3], pid_t mountd,
                                             const struct lp_attach_winsize *ws)
{
  lp_error_t err = NULL;
  bool rootless = geteuid() != 0;
  gid_t host_gid;
  uid_t host_uid = lp_ctr_files_owner(p->home, &host_gid);
  enum lp_userns_mode mode = userns_mode(cfg);
  const char *rootfs = mountd > 0 ? p->merged : p->rootfs;
  pid_t f = -1;
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, NULL);
  setpgid(0, 0);
  prctl(PR_SET_PDEATHSIG, 0);

  if (mountd > 0)
    {
      bool joined = false;
      if (rootless && mode != LP_USERNS_KEEP_ID)
        {
          lp_error(&err, 0,
                   "the container is mounted (lilipod mount) in the user namespace of lilipod unshare, and its "
                   "--userns=%s cannot run there: unmount it first",
                   cfg->userns ? cfg->userns : "");
          goto fail;
        }
      if (lp_ns_join_user_mnt(mountd, &joined, &err) < 0)
        goto fail;
      if (joined && (setresgid(0, 0, 0) < 0 || setresuid(0, 0, 0) < 0))
        {
          lp_error(&err, errno, "become root in the user namespace of the mount");
          goto fail;
        }
    }
  else if (rootless && mode != LP_USERNS_HOST && lp_runtime_unshare_user(mode, &err) < 0)
    goto fail;
  if (unshare(CLONE_NEWNS) < 0)
    {
      lp_error(&err, errno, "unshare the mount namespace");
      goto fail;
    }
  if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
    {
      lp_error(&err, errno, "make / private");
      goto fail;
    }
  if (mountd <= 0)
    {
      struct lp_unionfs_config uc = { .store_home = p->home, .lower_root = root, .upper_dir = p->upper,
                                      .mountpoint = p->rootfs };
      int theirs[] = { sock, stdio[0], stdio[1], stdio[2] };
      f = lp_ctr_union_serve(&uc, host_uid, host_gid, theirs, sizeof theirs / sizeof theirs[0], &err);
      if (f < 0)
        goto fail;
    }
  /* Inside `lilipod unshare` this process creates files as the store's
   * owner (lp_ctr_files_as_store_owner); the container's setup needs root's
   * file powers back. */
  setfsgid(getegid());
  setfsuid(geteuid());
  if (lp_ctr_volumes_copyup(cfg, rootfs, &err) < 0)
    goto fail_mounted;

  struct lp_ctr_spec cs;
  if (lp_ctr_config_spec(cfg, rootfs, p->genfiles, &cs, &err) < 0)
    goto fail_mounted;
  if (rootless && mode != LP_USERNS_HOST)
    cs.spec.userns = LP_USERNS_CURRENT;
  for (int i = 0; i < 3; i++)
    cs.spec.stdio[i] = stdio[i];
  bool net = lp_net_mode_is_helper(cfg->ns_network);
  if (net)
    {
      cs.spec.prestart = net_prestart;
      cs.spec.prestart_ctx = &sock;
    }
  cs.spec.tty_rows = ws->rows;
  cs.spec.tty_cols = ws->cols;
  struct lp_runtime_result res;
  int launched = lp_runtime_launch(&cs.spec, &res, &err);
  if (launched < 0)
    {
      lp_ctr_spec_free(&cs);
      goto fail_mounted;
    }
  lp_ctr_spec_free(&cs);
  for (int i = 0; i < 3; i++)
    if (stdio[i] >= 0)
      close(stdio[i]);
  send_msg(sock, MSG_STARTED, res.pid, NULL, res.pty_master);
  if (res.pty_master >= 0)
    close(res.pty_master);
  /* Ends the container if S or F dies (see reap.h). */
  char why[256];
  int status = lp_ctr_reap(res.pid, &f, sock, strcmp(cfg->ns_pid, "host") == 0, why, sizeof why);
  send_msg(sock, MSG_EXITED, status, why, -1);
  /* This namespace's copy only: a `lilipod mount` stays mounted. */
  umount2(rootfs, MNT_DETACH);
  /* F ends by itself once the kernel lets go of the mount (the container's
   * namespace went with its init): S waits for us, and with --rm removes
   * the upper after, so this wait is on every exit's path. A second to end
   * by itself, one more after SIGTERM, then SIGKILL. Once reaped its pid
   * may be anyone's: not signalled after. */
  if (f > 0 && !lp_ctr_wait_child(f, 1000))
    {
      kill(f, SIGTERM);
      if (!lp_ctr_wait_child(f, 1000))
        {
          kill(f, SIGKILL);
          waitpid(f, NULL, 0);
        }
    }
  _exit(0);

fail_mounted:
  umount2(rootfs, MNT_DETACH);
  if (f > 0)
    {
      kill(f, SIGKILL);
      waitpid(f, NULL, 0);
    }
fail:
  send_msg(sock, MSG_FAILED, err && err->exit_code ? err->exit_code : 125, err ? err->msg : "failed", -1);
  _exit(1);
}

static int paths_init(struct lp_store *s, const char *id, struct sup_paths *p, lp_error_t *err)
{
  cleanup_free char *rel = lp_container_dir(id);
  memset(p, 0, sizeof *p);
  p->home = xstrdup(lp_store_home(s));
  p->dir = xasprintf("%s/%s", p->home, rel);
  p->rootfs = xasprintf("%s/rootfs", p->dir);
  p->upper = xasprintf("%s/upper", p->dir);
  p->genfiles = xasprintf("%s/genfiles", p->dir);
  p->merged = lp_ctr_mount_path(s, id);
  if (lp_mkdir_p_at(AT_FDCWD, p->rootfs, 0700, err) < 0 || lp_mkdir_p_at(AT_FDCWD, p->upper, 0700, err) < 0)
    return -1;
  if (lp_rm_rf_at(AT_FDCWD, p->genfiles, err) < 0)
    lp_error_free(err);
  return lp_mkdir_p_at(AT_FDCWD, p->genfiles, 0700, err);
}

static void notify(int fd, const char *what)
{
  if (fd >= 0)
    {
      if (lp_write_all(fd, what, strlen(what)) < 0)
        lp_debug("notify: %s", strerror(errno));
      close(fd);
    }
}

/* ---- the supervisor's attached clients (attach.h) ---- */

struct client
{
  int fd;
  uint32_t flags; /* from its hello; 0 before */
  struct lp_frameq q;
};

struct sup
{
  struct client *cl;
  size_t ncl;
  bool tty;
  int master;        /* the pty's master (-t), else -1 */
  int to_ctr;        /* where stdin goes: the pty master or the stdin pipe; -1 when none */
  int *inpipe;       /* the stdin pipe's write end (closed on a LP_ATTACH_ONCE client's 'C') */
  struct lp_frameq in; /* bytes for to_ctr, kept as one frame each */
  bool close_in;     /* close the stdin pipe once `in` is written */
  pid_t init;
};

static void client_add(struct sup *sv, int fd)
{
  sv->cl = xrealloc(sv->cl, (sv->ncl + 1) * sizeof *sv->cl);
  sv->cl[sv->ncl++] = (struct client){ .fd = fd, .flags = 0, .q = LP_FRAMEQ_INIT };
}

static void client_drop(struct sup *sv, size_t i)
{
  close(sv->cl[i].fd);
  lp_frameq_release(&sv->cl[i].q);
  sv->cl[i] = sv->cl[--sv->ncl];
}

static void set_size(struct sup *sv, const struct lp_attach_winsize *ws)
{
  struct winsize w = { .ws_row = ws->rows, .ws_col = ws->cols };
  if (sv->master >= 0 && ws->rows && ws->cols)
    (void)ioctl(sv->master, TIOCSWINSZ, &w);
}

/* Queue one stream's bytes to every client that wants them. */
static void broadcast(struct sup *sv, uint32_t want, char type, const char *buf, size_t len)
{
  for (size_t i = 0; i < sv->ncl; i++)
    if (sv->cl[i].flags & want)
      lp_frameq_add(&sv->cl[i].q, type, buf, len);
}

static size_t max_pending(const struct sup *sv)
{
  size_t m = 0;
  for (size_t i = 0; i < sv->ncl; i++)
    if (lp_frameq_pending(&sv->cl[i].q) > m)
      m = lp_frameq_pending(&sv->cl[i].q);
  return m;
}

/* One message from client i; false when it is gone. */
static bool client_read(struct sup *sv, size_t i)
{
  char buf[LP_ATTACH_FRAME_MAX + 64];
  struct client *c = &sv->cl[i];
  ssize_t n = recv(c->fd, buf, sizeof buf, MSG_DONTWAIT);
  if (n < 0)
    return errno == EINTR || errno == EAGAIN;
  if (n == 0)
    return false;
  switch (buf[0])
    {
    case 'H':
      if ((size_t)n >= 1 + sizeof(struct lp_attach_hello))
        {
          struct lp_attach_hello h;
          memcpy(&h, buf + 1, sizeof h);
          c->flags = h.flags;
          set_size(sv, &h.ws);
        }
      break;
    case 'W':
      if ((size_t)n >= 1 + sizeof(struct lp_attach_winsize))
        {
          struct lp_attach_winsize ws;
          memcpy(&ws, buf + 1, sizeof ws);
          set_size(sv, &ws);
        }
      break;
    case 'I':
      if ((c->flags & LP_ATTACH_IN) && sv->to_ctr >= 0 && n > 1)
        lp_frameq_add(&sv->in, 'I', buf + 1, (size_t)n - 1);
      break;
    case 'C':
      if ((c->flags & LP_ATTACH_ONCE) && !sv->tty)
        sv->close_in = true;
      break;
    case 'S':
      if ((size_t)n >= 1 + sizeof(int32_t))
        {
          int32_t sig;
          memcpy(&sig, buf + 1, sizeof sig);
          if (sig > 0 && sig < NSIG && sv->init > 0)
            kill(sv->init, sig);
        }
      break;
    default:
      break;
    }
  return true;
}

/* Write queued stdin to the container (non-blocking). */
static void stdin_flush(struct sup *sv)
{
  struct lp_frameq *q = &sv->in;
  while (sv->to_ctr >= 0 && q->off < q->buf.len)
    {
      uint32_t n;
      memcpy(&n, q->buf.buf + q->off, sizeof n);
      /* Frames are (type, bytes); a partial write leaves the rest in place. */
      char *data = q->buf.buf + q->off + sizeof n + 1;
      size_t len = n - 1;
      ssize_t w = write(sv->to_ctr, data, len);
      if (w < 0)
        {
          if (errno == EINTR)
            continue;
          if (errno == EAGAIN)
            return;
          /* The container closed its stdin: drop what it will never read. */
          lp_debug("write to the container's stdin: %s", strerror(errno));
          strbuf_reset(&q->buf);
          q->off = 0;
          sv->close_in = !sv->tty;
          break;
        }
      if ((size_t)w < len)
        {
          /* Re-frame the rest at the same place. */
          uint32_t rest = (uint32_t)(len - (size_t)w) + 1;
          q->off += (size_t)w;
          memcpy(q->buf.buf + q->off, &rest, sizeof rest);
          q->buf.buf[q->off + sizeof rest] = 'I';
          continue;
        }
      q->off += sizeof n + n;
    }
  if (q->off == q->buf.len)
    {
      strbuf_reset(&q->buf);
      q->off = 0;
      if (sv->close_in && sv->inpipe && *sv->inpipe >= 0)
        {
          close(*sv->inpipe);
          *sv->inpipe = -1;
          sv->to_ctr = -1;
        }
    }
}

/* The end: send the exit status and whatever is queued, waiting as long as
 * the clients keep taking it (a client that takes nothing for 5 s is left). */
static void clients_finish(struct sup *sv, int status)
{
  int32_t st = status;
  for (size_t i = 0; i < sv->ncl; i++)
    lp_frameq_add(&sv->cl[i].q, 'X', &st, sizeof st);
  while (sv->ncl)
    {
      struct pollfd *pf = xcalloc(sv->ncl, sizeof *pf);
      for (size_t i = 0; i < sv->ncl; i++)
        pf[i] = (struct pollfd){ sv->cl[i].fd, POLLOUT, 0 };
      int r = poll(pf, sv->ncl, 5000);
      if (r <= 0 && !(r < 0 && errno == EINTR))
        {
          free(pf);
          break;
        }
      for (size_t i = sv->ncl; i-- > 0;)
        if (pf[i].revents && (lp_frameq_flush(&sv->cl[i].q, sv->cl[i].fd) < 0
                              || lp_frameq_pending(&sv->cl[i].q) == 0))
          client_drop(sv, i);
      free(pf);
    }
  while (sv->ncl)
    client_drop(sv, sv->ncl - 1);
}

/* The first client's hello (run, start -a): it is already in the socket. */
static void first_client(struct sup *sv, int fd, struct lp_attach_hello *hello)
{
  char buf[64];
  ssize_t n;
  memset(hello, 0, sizeof *hello);
  while ((n = recv(fd, buf, sizeof buf, 0)) < 0 && errno == EINTR)
    ;
  if (n < (ssize_t)(1 + sizeof *hello) || buf[0] != 'H')
    {
      close(fd);
      return;
    }
  memcpy(hello, buf + 1, sizeof *hello);
  client_add(sv, fd);
  sv->cl[0].flags = hello->flags;
}

static void remove_self(struct lp_store *s, struct lp_container_info *c, const struct lp_ctr_config *cfg)
{
  lp_error_t e = NULL;
  int lk = lp_ctr_lock(s, c->id, &e);
  if (lk < 0)
    {
      lp_debug("--rm: %s", e->msg);
      lp_error_free(&e);
      return;
    }
  struct lp_container_info *now = NULL;
  /* A command (rm -f) may have removed it while we waited for the lock. */
  if (lp_container_lookup(s, c->id, &now, &e) == 1
      && (lp_ctr_remove(s, now, &e) < 0 || lp_ctr_volumes_remove_anonymous(s, cfg, &e) < 0))
    lp_debug("--rm: %s", e->msg); /* Podman's --rm takes the anonymous volumes along */
  lp_error_free(&e);
  lp_container_info_free(now);
  lp_ctr_unlock(lk);
}

/* The supervisor proper. client0: the first attached client (run, start -a)
 * or -1; notify_fd: gets "R" once running or "E<code> <message>". */
static int supervise(struct lp_store *s, struct lp_container_info *c, int client0, int notify_fd, lp_error_t *err)
{
  struct lp_ctr_config *cfg = NULL;
  struct sup_paths p = { 0 };
  struct sup sv = { .master = -1, .to_ctr = -1, .in = LP_FRAMEQ_INIT };
  struct lp_attach_hello hello = { 0 };
  int logfd = -1, sp[2] = { -1, -1 }, outp[2] = { -1, -1 }, errp[2] = { -1, -1 }, inp[2] = { -1, -1 };
  int stdio[3] = { -1, -1, -1 }, sfd = -1, rc = -1, dirfd = -1, lfd = -1, status = -1;
  int64_t root = 0;
  pid_t h = -1;
  struct lp_nethelper nh = LP_NETHELPER_INIT;
  bool want_in = false, started = false;
  cleanup_free char *logpath = NULL;
  sigset_t mask, oldmask;

  if (client0 >= 0)
    first_client(&sv, client0, &hello);
  if (lp_ctr_config_from_json(c->config_json, &cfg, err) < 0)
    goto out;
  sv.tty = cfg->tty;
  want_in = cfg->interactive || (hello.flags & LP_ATTACH_IN);
  if (lp_tree_root(s, cfg->image_id, &root, err) < 0)
    {
      lp_error_wrap(err, "image %s of container %s", cfg->image_id, c->name);
      goto out;
    }
  if (paths_init(s, c->id, &p, err) < 0)
    goto out;
  logpath = xasprintf("%s/ctr.log", p.dir);
  logfd = open(logpath, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
  if (logfd < 0)
    {
      lp_error(err, errno, "open the log `%s`", logpath);
      goto out;
    }
  if ((dirfd = open(p.dir, O_PATH | O_DIRECTORY | O_CLOEXEC)) < 0)
    {
      lp_error(err, errno, "open `%s`", p.dir);
      goto out;
    }
  if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sp) < 0)
    {
      lp_error(err, errno, "socketpair");
      goto out;
    }
  if (!cfg->tty)
    {
      if (pipe2(outp, O_CLOEXEC) < 0 || pipe2(errp, O_CLOEXEC) < 0)
        {
          lp_error(err, errno, "pipe");
          goto out;
        }
      stdio[1] = outp[1];
      stdio[2] = errp[1];
      if (want_in)
        {
          if (pipe2(inp, O_CLOEXEC) < 0)
            {
              lp_error(err, errno, "pipe");
              goto out;
            }
          stdio[0] = inp[0];
        }
      else if ((stdio[0] = open("/dev/null", O_RDONLY | O_CLOEXEC)) < 0)
        {
          lp_error(err, errno, "open /dev/null");
          goto out;
        }
    }
  /* Mounted by `lilipod mount`: run on that mount (mount.h). */
  struct lp_ctr_mount_info mi;
  pid_t mountd = lp_ctr_mounted(s, c->id, &mi) ? mi.pid : 0;
  if (lp_ctr_supervisor_write(s, c->id, getpid(), err) < 0)
    goto out;
  lp_ctr_reason_write(s, c->id, "");
  lp_ctr_volumes_claim_copyup(s, cfg);
  fflush(NULL);
  h = fork();
  if (h < 0)
    {
      lp_error(err, errno, "fork");
      goto out;
    }
  if (h == 0)
    {
      close(sp[0]);
      if (notify_fd >= 0)
        close(notify_fd); /* the caller waits for its EOF */
      /* S's ends: the container must see EOF when S closes its stdin. */
      int mine[] = { logfd, outp[0], errp[0], inp[1], dirfd };
      for (size_t i = 0; i < sizeof mine / sizeof mine[0]; i++)
        if (mine[i] >= 0)
          close(mine[i]);
      for (size_t i = 0; i < sv.ncl; i++)
        close(sv.cl[i].fd);
      helper(&p, cfg, root, sp[1], stdio, mountd, &hello.ws);
    }
  close(sp[1]);
  sp[1] = -1;
  for (int i = 0; i < 3; i++)
    if (stdio[i] >= 0)
      close(stdio[i]);
  outp[1] = errp[1] = inp[0] = -1;

  sigemptyset(&mask);
  int fwd[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2 };
  for (size_t i = 0; i < sizeof fwd / sizeof fwd[0]; i++)
    sigaddset(&mask, fwd[i]);
  sigprocmask(SIG_BLOCK, &mask, &oldmask);
  sfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
  /* Clients may come once the container runs (start returns then). */
  lp_error_t le = NULL;
  if ((lfd = lp_attach_listen(dirfd, &le)) < 0)
    {
      lp_debug("%s", le->msg);
      lp_error_free(&le);
    }

  struct msg m;
  int r, nsfds[2];
  while ((r = recv_msg_fds(sp[0], &m, nsfds, 2)) > 0 && m.type == MSG_NETNS)
    net_start(&p, cfg, sp[0], nsfds, &nh);
  if (r > 0 && m.type == MSG_STARTED)
    sv.master = nsfds[0];
  else if (r > 0 && nsfds[0] >= 0)
    close(nsfds[0]);
  if (r <= 0 || m.type != MSG_STARTED)
    {
      int code = r > 0 && m.type == MSG_FAILED ? m.value : 125;
      if (r > 0)
        lp_error(err, 0, "%s", m.text);
      else if (r < 0)
        lp_error(err, errno, "the container's launcher did not answer");
      else
        {
          /* EOF: it died. Say how: a signal names who to suspect. */
          int hst = 0;
          pid_t w;
          while ((w = waitpid(h, &hst, 0)) < 0 && errno == EINTR)
            ;
          if (w == h)
            h = -1;
          if (w > 0 && WIFSIGNALED(hst))
            lp_error(err, 0, "the container's launcher died (%s)", strsignal(WTERMSIG(hst)));
          else if (w > 0 && WIFEXITED(hst))
            lp_error(err, 0, "the container's launcher died (exit status %d)", WEXITSTATUS(hst));
          else
            lp_error(err, 0, "the container's launcher died");
        }
      (*err)->exit_code = code;
      lp_error_t e2 = NULL;
      if (lp_ctr_set_state(s, c, "exited", 0, code, &e2) < 0)
        lp_error_free(&e2);
      lp_ctr_reason_write(s, c->id, (*err)->msg);
      goto out;
    }
  sv.init = m.value;
  if (lp_ctr_set_state(s, c, "running", sv.init, 0, err) < 0)
    {
      kill(sv.init, SIGKILL);
      goto out;
    }
  started = true;
  notify(notify_fd, "R");
  notify_fd = -1;
  set_size(&sv, &hello.ws);

  /* Pump output to the log and the clients until the init exits. */
  int64_t drain_deadline = 0;
  int outfd = cfg->tty ? sv.master : outp[0], errfd = cfg->tty ? -1 : errp[0];
  if (want_in)
    {
      sv.to_ctr = cfg->tty ? sv.master : inp[1];
      sv.inpipe = cfg->tty ? NULL : &inp[1];
      int fl = fcntl(sv.to_ctr, F_GETFL);
      if (fl >= 0)
        fcntl(sv.to_ctr, F_SETFL, fl | O_NONBLOCK);
    }
  enum { P_OUT, P_ERR, P_SP, P_SIG, P_LISTEN, P_STDIN, P_CLIENTS };
  struct pollfd *pf = NULL;
  size_t npf = 0;
  for (;;)
    {
      if (status >= 0 && ((outfd < 0 && errfd < 0) || lp_now_ns() > drain_deadline))
        break;
      if (npf < P_CLIENTS + sv.ncl)
        {
          npf = P_CLIENTS + sv.ncl + 8;
          pf = xrealloc(pf, npf * sizeof *pf);
        }
      bool room = max_pending(&sv) < LP_ATTACH_QUEUE_MAX;
      bool in_room = lp_frameq_pending(&sv.in) < LP_ATTACH_QUEUE_MAX;
      pf[P_OUT] = (struct pollfd){ room ? outfd : -1, POLLIN, 0 };
      pf[P_ERR] = (struct pollfd){ room ? errfd : -1, POLLIN, 0 };
      pf[P_SP] = (struct pollfd){ status < 0 ? sp[0] : -1, POLLIN, 0 };
      pf[P_SIG] = (struct pollfd){ sfd, POLLIN, 0 };
      pf[P_LISTEN] = (struct pollfd){ status < 0 ? lfd : -1, POLLIN, 0 };
      pf[P_STDIN] = (struct pollfd){ lp_frameq_pending(&sv.in) ? sv.to_ctr : -1, POLLOUT, 0 };
      for (size_t i = 0; i < sv.ncl; i++)
        pf[P_CLIENTS + i] = (struct pollfd){ sv.cl[i].fd,
                                             (short)((in_room ? POLLIN : 0)
                                                     | (lp_frameq_pending(&sv.cl[i].q) ? POLLOUT : 0)),
                                             0 };
      size_t nclients = sv.ncl;
      int pr = poll(pf, P_CLIENTS + nclients, status >= 0 ? 50 : -1);
      if (pr < 0 && errno != EINTR)
        break;
      if (pr <= 0)
        continue;
      for (int i = 0; i < 2; i++)
        {
          int *fd = i == 0 ? &outfd : &errfd;
          if (*fd < 0 || !(pf[P_OUT + i].revents & (POLLIN | POLLHUP | POLLERR)))
            continue;
          char buf[8192];
          ssize_t n = read(*fd, buf, sizeof buf);
          if (n < 0 && (errno == EINTR || errno == EAGAIN))
            continue;
          if (n <= 0)
            {
              *fd = -1; /* closed below */
              continue;
            }
          if (lp_ctr_log_write(logfd, i == 0 ? "stdout" : "stderr", buf, (size_t)n) < 0)
            lp_debug("write log: %s", strerror(errno));
          broadcast(&sv, i == 0 ? LP_ATTACH_OUT : LP_ATTACH_ERR, i == 0 ? 'O' : 'E', buf, (size_t)n);
        }
      /* Clients: what they sent, then what they are owed. Newest first, so a
       * drop (the last moves into its place) skips nobody. */
      for (size_t i = nclients; i-- > 0;)
        {
          short rev = pf[P_CLIENTS + i].revents;
          if ((rev & (POLLIN | POLLHUP | POLLERR)) && !client_read(&sv, i))
            {
              client_drop(&sv, i);
              continue;
            }
          if (lp_frameq_pending(&sv.cl[i].q) && lp_frameq_flush(&sv.cl[i].q, sv.cl[i].fd) < 0)
            client_drop(&sv, i);
        }
      if (lp_frameq_pending(&sv.in) || sv.close_in)
        stdin_flush(&sv);
      if (pf[P_LISTEN].fd >= 0 && (pf[P_LISTEN].revents & POLLIN))
        {
          int cfd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
          if (cfd >= 0)
            client_add(&sv, cfd);
        }
      if (pf[P_SIG].revents & POLLIN)
        {
          struct signalfd_siginfo si;
          while (read(sfd, &si, sizeof si) == (ssize_t)sizeof si)
            kill(sv.init, (int)si.ssi_signo);
        }
      if (pf[P_SP].fd >= 0 && (pf[P_SP].revents & (POLLIN | POLLHUP | POLLERR)))
        {
          int rr = recv_msg(sp[0], &m, NULL);
          if (rr > 0 && m.type == MSG_EXITED)
            {
              status = m.value;
              lp_ctr_reason_write(s, c->id, m.text);
            }
          else if (rr <= 0)
            {
              /* H died: nobody reaps the init; end the container. */
              if (lp_proc_alive(sv.init, c->pid_start))
                kill(sv.init, SIGKILL);
              status = 137;
              lp_ctr_reason_write(s, c->id, "the container's launcher died");
            }
          else
            status = 255;
          drain_deadline = lp_now_ns() + 300000000;
        }
    }
  free(pf);
  rc = status;
  lp_nethelper_stop(&nh); /* before the row says exited: `stop` leaves nothing */
  if (lp_ctr_set_state(s, c, "exited", 0, status, err) < 0)
    rc = -1;

out:
  if (lfd >= 0)
    {
      close(lfd);
      lp_attach_unlink(dirfd);
    }
  lp_nethelper_stop(&nh);
  if (h > 0)
    while (waitpid(h, NULL, 0) < 0 && errno == EINTR)
      ;
  if (cfg && cfg->auto_remove && h > 0)
    remove_self(s, c, cfg);
  if (notify_fd >= 0)
    {
      cleanup_free char *t = xasprintf("E%d %s", err && *err && (*err)->exit_code ? (*err)->exit_code : 125,
                                       err && *err ? (*err)->msg : "failed");
      notify(notify_fd, t);
    }
  if (started)
    clients_finish(&sv, rc < 0 ? 125 : rc);
  while (sv.ncl)
    client_drop(&sv, sv.ncl - 1);
  free(sv.cl);
  lp_frameq_release(&sv.in);
  if (sfd >= 0)
    {
      close(sfd);
      sigprocmask(SIG_SETMASK, &oldmask, NULL);
    }
  int fds[] = { logfd, sp[0], sp[1], outp[0], outp[1], errp[0], errp[1], inp[0], inp[1], sv.master, dirfd };
  for (size_t i = 0; i < sizeof fds / sizeof fds[0]; i++)
    if (fds[i] >= 0)
      close(fds[i]);
  paths_free(&p);
  lp_ctr_config_free(cfg);
  return rc;
}

int lp_ctr_supervise_detached(struct lp_store *s, const char *id, int notify_fd, int client_fd)
{
  struct lp_container_info *c = NULL;
  lp_error_t e = NULL;
  if (lp_container_lookup(s, id, &c, &e) != 1)
    {
      cleanup_free char *t = xasprintf("E125 %s", e ? e->msg : "the container vanished");
      notify(notify_fd, t);
      lp_error_free(&e);
      if (client_fd >= 0)
        close(client_fd);
      return 1;
    }
  int rc = supervise(s, c, client_fd, notify_fd, &e);
  lp_error_free(&e);
  lp_container_info_free(c);
  return rc < 0 ? 1 : 0;
}

/* Start c detached; client_fd (or -1) becomes the supervisor's first client. */
static int start_detached(struct lp_store *s, struct lp_container_info *c, int client_fd, lp_error_t *err)
{
  char *argv[] = { (char *)"lilipod", (char *)"__supervise", c->id, client_fd >= 0 ? (char *)"4" : NULL, NULL };
  struct strbuf sb;
  strbuf_init(&sb, 128);
  int rc = lp_ctr_spawn_detached_fd(lp_store_home(s), argv, client_fd, &sb, err);
  if (rc == 0)
    {
      cleanup_free char *died = xasprintf("the supervisor of %s exited before the container ran", c->name);
      rc = lp_ctr_spawn_reply(&sb, died, NULL, err);
    }
  strbuf_release(&sb);
  if (rc == 0)
    {
      lp_error_t e = NULL;
      if (lp_ctr_state_refresh(s, c, &e) < 0)
        lp_error_free(&e);
    }
  return rc;
}

int lp_ctr_start(struct lp_store *s, struct lp_container_info *c, lp_error_t *err)
{
  return start_detached(s, c, -1, err);
}

/* After the loop: a supervisor that vanished leaves the state to tell. */
static void settle(struct lp_store *s, struct lp_container_info *c, enum lp_attach_end *end, int *status)
{
  lp_error_t e = NULL;
  if (*end != LP_ATTACH_LOST)
    return;
  if (lp_ctr_state_refresh(s, c, &e) < 0)
    {
      lp_error_free(&e);
      return;
    }
  if (!lp_ctr_is_running(c))
    {
      *end = LP_ATTACH_EXITED;
      *status = (int)c->exit_code;
    }
}

int lp_ctr_run_attached(struct lp_store *s, struct lp_container_info *c, struct lp_attach_opts *o,
                        enum lp_attach_end *end, int *status, lp_error_t *err)
{
  int sv[2];
  if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
    return lp_error(err, errno, "socketpair");
  if (lp_attach_send_hello(sv[0], o, err) < 0 || start_detached(s, c, sv[1], err) < 0)
    {
      close(sv[0]);
      close(sv[1]);
      return -1;
    }
  close(sv[1]);
  int rc = lp_attach_run(sv[0], o, end, status, err);
  close(sv[0]);
  if (rc == 0)
    settle(s, c, end, status);
  return rc;
}

int lp_ctr_attach(struct lp_store *s, struct lp_container_info *c, struct lp_attach_opts *o, enum lp_attach_end *end,
                  int *status, lp_error_t *err)
{
  cleanup_free char *rel = lp_container_dir(c->id);
  int dfd = openat(lp_store_dirfd(s), rel, O_PATH | O_DIRECTORY | O_CLOEXEC);
  int sock = dfd >= 0 ? lp_attach_connect(dfd, err) : -1;
  if (dfd >= 0)
    close(dfd);
  if (sock < 0)
    {
      if (errno == ENOENT || errno == ECONNREFUSED)
        {
          /* It ended between the caller's look and ours. */
          lp_error_free(err);
          *end = LP_ATTACH_LOST;
          *status = 0;
          settle(s, c, end, status);
          return 0;
        }
      return lp_error_wrap(err, "attach to %s", c->name);
    }
  int rc = lp_attach_send_hello(sock, o, err) < 0 ? -1 : lp_attach_run(sock, o, end, status, err);
  close(sock);
  if (rc == 0)
    settle(s, c, end, status);
  return rc;
}

/* ---- stop, kill, wait, remove ---- */

/* Polling sleeps: 1 ms, doubling up to 50 ms. The supervisor records an
 * exit within a few ms of it: a fixed 50 ms tick made `stop -t 0` take
 * 50 ms at least. */
static void backoff(useconds_t *us)
{
  usleep(*us);
  *us = *us >= 25000 ? 50000 : *us * 2;
}

static int wait_not_running(struct lp_store *s, struct lp_container_info *c, int64_t timeout_ms, lp_error_t *err)
{
  int64_t deadline = lp_now_ns() + timeout_ms * 1000000;
  for (useconds_t us = 1000;; backoff(&us))
    {
      if (lp_ctr_state_refresh(s, c, err) < 0)
        return -1;
      if (!lp_ctr_is_running(c))
        return 1;
      if (timeout_ms >= 0 && lp_now_ns() >= deadline)
        return 0;
    }
}

/* Wait up to timeout_ms for the process (pid, start) to end: on a pidfd
 * where there is one (it is no child of ours), else in 20 ms steps. */
static void wait_gone(pid_t pid, uint64_t start, int64_t timeout_ms)
{
  int pfd = (int)syscall(SYS_pidfd_open, pid, 0);
  /* Taken after the check would be a pid reused in between: check again. */
  if (pfd >= 0 && !lp_proc_alive(pid, start))
    {
      close(pfd);
      return;
    }
  int64_t deadline = lp_now_ns() + timeout_ms * 1000000;
  while (lp_proc_alive(pid, start))
    {
      int64_t left_ms = (deadline - lp_now_ns()) / 1000000;
      if (left_ms <= 0)
        break;
      if (pfd >= 0)
        {
          if (poll(&(struct pollfd){ pfd, POLLIN, 0 }, 1, (int)left_ms) < 0 && errno != EINTR)
            {
              close(pfd);
              pfd = -1;
            }
        }
      else
        usleep(20000);
    }
  if (pfd >= 0)
    close(pfd);
}

int lp_ctr_stop(struct lp_store *s, struct lp_container_info *c, int timeout, lp_error_t *err)
{
  if (lp_ctr_state_refresh(s, c, err) < 0)
    return -1;
  if (!lp_ctr_is_running(c))
    return 0;
  struct lp_ctr_config *cfg = NULL;
  if (lp_ctr_config_from_json(c->config_json, &cfg, err) < 0)
    return -1;
  bool host_pid = strcmp(cfg->ns_pid, "host") == 0;
  int sig = cfg->stop_signal_num > 0 ? cfg->stop_signal_num : SIGTERM;
  lp_ctr_config_free(cfg);
  pid_t pid = (pid_t)c->pid;
  uint64_t start = c->pid_start;
  ino_t mnt = 0;
  dev_t dev = 0;
  bool have_ns = lp_proc_alive(pid, start) && lp_ns_ino(pid, "mnt", &mnt, &dev) == 0;
  if (lp_proc_alive(pid, start))
    kill(pid, sig);
  if (timeout > 0)
    wait_gone(pid, start, (int64_t)timeout * 1000);
  if (lp_proc_alive(pid, start))
    kill(pid, SIGKILL);
  /* With the host's pid namespace the init's death kills nothing else. */
  if (have_ns && host_pid)
    for (int i = 0; i < 50 && lp_ctr_kill_mntns(mnt, dev) > 0; i++)
      usleep(20000);
  int r = wait_not_running(s, c, 10000, err);
  if (r < 0)
    return -1;
  if (r == 0)
    return lp_error(err, 0, "container %s did not stop", c->name);
  return 0;
}

int lp_ctr_kill(struct lp_store *s, struct lp_container_info *c, int sig, lp_error_t *err)
{
  if (lp_ctr_state_refresh(s, c, err) < 0)
    return -1;
  if (!lp_ctr_is_running(c) || !lp_proc_alive((pid_t)c->pid, c->pid_start))
    return lp_error(err, 0, "can only kill running containers. %s is in state %s: container state improper",
                    c->id, c->status);
  if (kill((pid_t)c->pid, sig) < 0)
    return lp_error(err, errno, "send signal %d to container %s", sig, c->name);
  return 0;
}

int lp_ctr_wait(struct lp_store *s, struct lp_container_info *c, lp_error_t *err)
{
  for (useconds_t us = 1000;;)
    {
      if (lp_ctr_state_refresh(s, c, err) < 0)
        return -1;
      if (c->status && (strcmp(c->status, "exited") == 0 || strcmp(c->status, "stopped") == 0))
        return c->exit_code;
      backoff(&us);
    }
}

int lp_ctr_remove(struct lp_store *s, struct lp_container_info *c, lp_error_t *err)
{
  if (lp_ctr_state_refresh(s, c, err) < 0)
    return -1;
  if (lp_ctr_is_running(c))
    return lp_error(err, EBUSY, "container %s is running", c->name);
  /* As Podman's rm: a mounted container is unmounted, whatever the count. */
  if (lp_ctr_unmount(s, c, true, err) < 0)
    return -1;
  if (geteuid() != 0)
    {
      /* Files the container's other ids own (subordinate ids) can only be
       * removed from a user namespace where those ids are mapped. */
      cleanup_free char *rel = lp_container_dir(c->id);
      int dfd = lp_store_dirfd(s);
      fflush(NULL);
      pid_t pid = fork();
      if (pid == 0)
        {
          lp_error_t e = NULL;
          if (lp_runtime_unshare_user(LP_USERNS_KEEP_ID, &e) < 0)
            _exit(1);
          _exit(lp_rm_rf_at(dfd, rel, &e) < 0 ? 1 : 0);
        }
      if (pid > 0)
        while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
          ;
    }
  return lp_container_remove(s, c->id, err);
}
