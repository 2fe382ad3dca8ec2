/* nethelper: start and stop a container's pasta or slirp4netns (see nethelper.h). */
#include "nethelper.h"

#include "../util/fsutil.h"
#include "../util/log.h"
#include "../util/xalloc.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

enum
{
  FD_READY = 3,
  FD_NETNS = 4,
  FD_USERNS = 5,
  FD_EXIT = 6,
};

#define READY_TIMEOUT_MS 15000
#define SLIRP_API "slirp4netns.sock"
#define LOG_NAME "network.log"

static void push(char ***v, size_t *n, char *s)
{
  *v = xreallocarray(*v, *n + 2, sizeof **v);
  (*v)[(*n)++] = s;
  (*v)[*n] = NULL;
}

static const char *opt_value(char *const *opts, const char *key)
{
  size_t kl = strlen(key);
  for (size_t i = 0; opts && opts[i]; i++)
    if (strncmp(opts[i], key, kl) == 0 && opts[i][kl] == '=')
      return opts[i] + kl + 1;
  return NULL;
}

/* pasta's -t/-u value for the ports of proto: "none" or
 * "[addr/]host[-end]:ctr[-end],..." */
static char *pasta_ports(const struct lp_net_config *n, const char *proto)
{
  struct strbuf sb = STRBUF_INIT;
  for (size_t i = 0; n && i < n->nports; i++)
    {
      const struct lp_port_map *m = &n->ports[i];
      if (strcmp(m->proto, proto) != 0)
        continue;
      if (sb.len)
        strbuf_addch(&sb, ',');
      if (m->host_ip && *m->host_ip)
        strbuf_addf(&sb, "%s/", m->host_ip);
      if (m->range > 1)
        strbuf_addf(&sb, "%u-%u:%u-%u", m->host_port, m->host_port + m->range - 1, m->ctr_port,
                    m->ctr_port + m->range - 1);
      else
        strbuf_addf(&sb, "%u:%u", m->host_port, m->ctr_port);
    }
  if (!sb.len)
    strbuf_adds(&sb, "none");
  return strbuf_detach(&sb, NULL);
}

char **lp_nethelper_argv(const char *path, const struct lp_nethelper_args *a, bool root)
{
  char **v = NULL;
  size_t n = 0;
  push(&v, &n, xstrdup(path));
  if (strcmp(a->mode, "pasta") == 0)
    {
      push(&v, &n, xstrdup("--config-net"));
      push(&v, &n, xstrdup("--foreground"));
      push(&v, &n, xstrdup("--quiet"));
      /* As root, pasta would switch to nobody, who may not enter a
       * namespace root owns. */
      if (root)
        push(&v, &n, xstrdup("--runas=0:0"));
      push(&v, &n, xstrdup("--tcp-ports"));
      push(&v, &n, pasta_ports(a->net, "tcp"));
      push(&v, &n, xstrdup("--udp-ports"));
      push(&v, &n, pasta_ports(a->net, "udp"));
      push(&v, &n, xstrdup("--tcp-ns=none"));
      push(&v, &n, xstrdup("--udp-ns=none"));
      push(&v, &n, xstrdup("--dns-forward=169.254.1.1"));
      push(&v, &n, xstrdup("--no-netns-quit"));
      push(&v, &n, xasprintf("--pid=/proc/self/fd/%d", FD_READY));
      for (size_t i = 0; a->net && a->net->options && a->net->options[i]; i++)
        push(&v, &n, xstrdup(a->net->options[i]));
      if (a->userns_fd >= 0)
        push(&v, &n, xasprintf("--userns=/proc/self/fd/%d", FD_USERNS));
      push(&v, &n, xasprintf("--netns=/proc/self/fd/%d", FD_NETNS));
      return v;
    }
  char *const *opts = a->net ? a->net->options : NULL;
  const char *mtu = opt_value(opts, "mtu"), *lo = opt_value(opts, "allow_host_loopback");
  const char *v6 = opt_value(opts, "enable_ipv6");
  push(&v, &n, xstrdup("--configure"));
  push(&v, &n, xasprintf("--mtu=%s", mtu ? mtu : "65520"));
  if (lo && strcmp(lo, "false") == 0)
    push(&v, &n, xstrdup("--disable-host-loopback"));
  if (v6 && strcmp(v6, "true") == 0)
    push(&v, &n, xstrdup("--enable-ipv6"));
  push(&v, &n, xasprintf("--ready-fd=%d", FD_READY));
  push(&v, &n, xasprintf("--exit-fd=%d", FD_EXIT));
  push(&v, &n, xstrdup("--api-socket=" SLIRP_API));
  /* The sandbox (a mount namespace of its own, fewer capabilities) needs
   * root: rootless Podman runs slirp4netns inside its user namespace, we
   * run it as the user outside. */
  if (root)
    push(&v, &n, xstrdup("--enable-sandbox"));
  push(&v, &n, xstrdup("--enable-seccomp"));
  push(&v, &n, xstrdup("--netns-type=path"));
  if (a->userns_fd >= 0)
    push(&v, &n, xasprintf("--userns-path=/proc/self/fd/%d", FD_USERNS));
  push(&v, &n, xasprintf("/proc/self/fd/%d", FD_NETNS));
  push(&v, &n, xstrdup("tap0"));
  return v;
}

static void argv_free(char **v)
{
  for (size_t i = 0; v && v[i]; i++)
    free(v[i]);
  free(v);
}

/* The helper's own complaints, from its log, for an error message: the
 * lines that are not progress, banners or its standing warnings. */
static char *log_tail(const char *dir)
{
  static const char *const noise[] = { "Failed to send", "WARNING:", "* ", "Starting slirp", "sent tapfd",
                                       "received tapfd" };
  struct strbuf sb = STRBUF_INIT, out = STRBUF_INIT;
  lp_error_t e = NULL;
  cleanup_free char *path = xasprintf("%s/" LOG_NAME, dir);
  if (lp_read_file_at(AT_FDCWD, path, &sb, &e) < 0)
    lp_error_free(&e);
  for (char *p = sb.buf; *p;)
    {
      char *eol = strchrnul(p, '\n');
      bool skip = eol == p;
      for (size_t i = 0; i < sizeof noise / sizeof noise[0] && !skip; i++)
        skip = strncmp(p, noise[i], strlen(noise[i])) == 0;
      if (!skip && out.len < 512)
        {
          if (out.len)
            strbuf_adds(&out, "; ");
          strbuf_add(&out, p, (size_t)(eol - p));
        }
      p = *eol ? eol + 1 : eol;
    }
  if (strstr(out.buf, "tun"))
    strbuf_adds(&out, " (/dev/net/tun must be usable by you: mode 0666)");
  strbuf_release(&sb);
  return strbuf_detach(&out, NULL);
}

/* Connect to slirp4netns's API socket by a short path (sun_path is 108
 * bytes; the container's directory may be longer). */
static int slirp_api_call(int dirfd, const char *request, struct strbuf *reply, lp_error_t *err)
{
  struct sockaddr_un sa = { .sun_family = AF_UNIX };
  snprintf(sa.sun_path, sizeof sa.sun_path, "/proc/self/fd/%d/" SLIRP_API, dirfd);
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0)
    return lp_error(err, errno, "socket");
  if (connect(fd, (struct sockaddr *)&sa, sizeof sa) < 0)
    {
      close(fd);
      return lp_error(err, errno, "connect to slirp4netns's API socket");
    }
  if (lp_write_all(fd, request, strlen(request)) < 0)
    {
      close(fd);
      return lp_error(err, errno, "write to slirp4netns's API socket");
    }
  shutdown(fd, SHUT_WR);
  char buf[1024];
  ssize_t r;
  while ((r = read(fd, buf, sizeof buf)) != 0)
    {
      if (r < 0 && errno == EINTR)
        continue;
      if (r < 0)
        {
          close(fd);
          return lp_error(err, errno, "read from slirp4netns's API socket");
        }
      strbuf_add(reply, buf, (size_t)r);
    }
  close(fd);
  return 0;
}

static int slirp_publish(const char *dir, const struct lp_net_config *n, lp_error_t *err)
{
  if (!n || !n->nports)
    return 0;
  int dfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (dfd < 0)
    return lp_error(err, errno, "open `%s`", dir);
  int ret = 0;
  for (size_t i = 0; i < n->nports && ret == 0; i++)
    {
      const struct lp_port_map *m = &n->ports[i];
      for (unsigned k = 0; k < m->range && ret == 0; k++)
        {
          struct strbuf reply = STRBUF_INIT;
          cJSON *req = cJSON_CreateObject();
          cJSON_AddStringToObject(req, "execute", "add_hostfwd");
          cJSON *args = cJSON_AddObjectToObject(req, "arguments");
          cJSON_AddStringToObject(args, "proto", m->proto);
          cJSON_AddStringToObject(args, "host_addr", m->host_ip && *m->host_ip ? m->host_ip : "0.0.0.0");
          cJSON_AddNumberToObject(args, "host_port", m->host_port + k);
          cJSON_AddNumberToObject(args, "guest_port", m->ctr_port + k);
          char *text = cJSON_PrintUnformatted(req);
          cJSON_Delete(req);
          if (!text)
            abort();
          ret = slirp_api_call(dfd, text, &reply, err);
          cJSON_free(text);
          if (ret == 0)
            {
              cJSON *r = cJSON_Parse(reply.buf);
              const cJSON *e = cJSON_GetObjectItemCaseSensitive(r, "error");
              if (!r || e)
                {
                  const cJSON *d = cJSON_GetObjectItemCaseSensitive(e, "desc");
                  ret = lp_error(err, 0, "slirp4netns could not publish %s%s%u: %s",
                                 m->host_ip && *m->host_ip ? m->host_ip : "", m->host_ip && *m->host_ip ? ":" : "",
                                 m->host_port + k, cJSON_IsString(d) ? d->valuestring : reply.buf);
                }
              cJSON_Delete(r);
            }
          strbuf_release(&reply);
        }
    }
  close(dfd);
  return ret;
}

/* Move fd to `to` in a child about to exec (not close-on-exec). */
static int place_fd(int fd, int to)
{
  if (fd == to)
    return fcntl(fd, F_SETFD, 0);
  return dup2(fd, to) < 0 ? -1 : 0;
}

__attribute__((noreturn)) static void child(const char *path, char **argv, const char *dir, int logfd, const int fds[4],
                                            pid_t parent)
{
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, NULL);
  signal(SIGPIPE, SIG_DFL);
  setpgid(0, 0);
  if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() != parent)
    _exit(127);
  if (chdir(dir) < 0)
    _exit(127);
  int null = open("/dev/null", O_RDONLY | O_CLOEXEC);
  if (null < 0 || dup2(null, 0) < 0 || dup2(logfd, 1) < 0 || dup2(logfd, 2) < 0)
    _exit(127);
  /* Above every target first, so that no dup2 below clobbers a source. */
  int high[4];
  for (int i = 0; i < 4; i++)
    high[i] = fds[i] >= 0 ? fcntl(fds[i], F_DUPFD_CLOEXEC, 64) : -1;
  for (int i = 0; i < 4; i++)
    if (high[i] >= 0 && place_fd(high[i], FD_READY + i) < 0)
      _exit(127);
  syscall(SYS_close_range, (unsigned)FD_EXIT + 1, ~0U, 0U);
  execv(path, argv);
  fprintf(stderr, "exec %s: %s\n", path, strerror(errno));
  _exit(127);
}

int lp_nethelper_start(const struct lp_nethelper_args *a, struct lp_nethelper *h, lp_error_t *err)
{
  bool pasta = strcmp(a->mode, "pasta") == 0;
  int rp[2] = { -1, -1 }, ep[2] = { -1, -1 }, logfd = -1, ret = -1;
  char **argv = NULL;
  cleanup_free char *path = lp_net_helper_path(a->mode);
  cleanup_free char *logpath = xasprintf("%s/" LOG_NAME, a->dir);

  h->pid = -1;
  h->exit_fd = -1;
  if (!path)
    return lp_error(err, ENOENT, "the network helper %s is not installed (Debian package %s)", a->mode,
                    pasta ? "passt" : "slirp4netns");
  logfd = open(logpath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (logfd < 0)
    return lp_error(err, errno, "open `%s`", logpath);
  if (pipe2(rp, O_CLOEXEC) < 0 || (!pasta && pipe2(ep, O_CLOEXEC) < 0))
    {
      lp_error(err, errno, "pipe");
      goto out;
    }
  argv = lp_nethelper_argv(path, a, geteuid() == 0);
  int fds[4] = { rp[1], a->netns_fd, a->userns_fd, ep[0] };
  pid_t parent = getpid();
  fflush(NULL);
  pid_t pid = fork();
  if (pid < 0)
    {
      lp_error(err, errno, "fork");
      goto out;
    }
  if (pid == 0)
    child(path, argv, a->dir, logfd, fds, parent);
  h->pid = pid;
  close(rp[1]);
  rp[1] = -1;
  if (ep[0] >= 0)
    {
      close(ep[0]);
      ep[0] = -1;
      h->exit_fd = ep[1];
      ep[1] = -1;
    }

  /* Ready: slirp4netns writes "1" to its ready fd, pasta its pid to the
   * pid file; either closes it by exiting when it fails. */
  struct pollfd pf = { rp[0], POLLIN, 0 };
  int pr;
  while ((pr = poll(&pf, 1, READY_TIMEOUT_MS)) < 0 && errno == EINTR)
    ;
  char buf[32];
  ssize_t n = pr > 0 ? read(rp[0], buf, sizeof buf) : -1;
  if (n <= 0)
    {
      lp_nethelper_stop(h);
      cleanup_free char *why = log_tail(a->dir);
      if (pr == 0)
        lp_error(err, ETIMEDOUT, "%s did not set up the network in %d s%s%s", a->mode, READY_TIMEOUT_MS / 1000,
                 *why ? ": " : "", why);
      else
        lp_error(err, 0, "%s failed to set up the network%s%s", a->mode, *why ? ": " : "", why);
      goto out;
    }
  if (!pasta && slirp_publish(a->dir, a->net, err) < 0)
    {
      lp_nethelper_stop(h);
      goto out;
    }
  lp_debug("%s (pid %d) connects the container's network", a->mode, (int)h->pid);
  ret = 0;
out:
  argv_free(argv);
  int all[] = { rp[0], rp[1], ep[0], ep[1], logfd };
  for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
    if (all[i] >= 0)
      close(all[i]);
  return ret;
}

void lp_nethelper_stop(struct lp_nethelper *h)
{
  if (h->pid > 0)
    {
      kill(h->pid, SIGKILL);
      while (waitpid(h->pid, NULL, 0) < 0 && errno == EINTR)
        ;
    }
  h->pid = -1;
  if (h->exit_fd >= 0)
    close(h->exit_fd);
  h->exit_fd = -1;
}
