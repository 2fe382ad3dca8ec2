#include "runtime.h"

#include "../util/log.h"
#include "../util/xalloc.h"
#include "genfiles.h"
#include "idmap.h"
#include "init.h"
#include "mounts.h"
#include "namespaces.h"
#include "process.h"
#include "pty.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

void lp_runtime_spec_init(struct lp_runtime_spec *spec)
{
  memset(spec, 0, sizeof *spec);
  spec->no_new_privs = true;
  spec->stdio[0] = spec->stdio[1] = spec->stdio[2] = -1;
}

enum lp_userns_mode lp_runtime_userns_mode(const struct lp_runtime_spec *spec)
{
  enum lp_userns_mode m = spec->userns;
  if (m == LP_USERNS_AUTO)
    m = geteuid() == 0 ? LP_USERNS_HOST : LP_USERNS_KEEP_ID;
  if (m == LP_USERNS_KEEP_ID && geteuid() == 0)
    m = LP_USERNS_HOST;
  return m;
}

int lp_runtime_wait(pid_t pid, int *exit_status, lp_error_t *err)
{
  int status;
  while (waitpid(pid, &status, 0) < 0)
    if (errno != EINTR)
      return lp_error(err, errno, "wait for process %d", (int)pid);
  *exit_status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return 0;
}

struct child_args
{
  const struct lp_runtime_spec *spec;
  bool new_userns;
  bool pid_private, net_private;
  bool console;
  int ttyfd, ptysock;
  int syncfd, errfd;
  int nssock; /* -1, or where the init sends its own namespaces (prestart) */
};

__attribute__((noreturn)) static void container_child(const struct child_args *a)
{
  const struct lp_runtime_spec *spec = a->spec;
  lp_error_t err = NULL;
  struct lp_user user;
  int ttyfd = a->ttyfd;
  char c;

  /* The prestart hook gets the namespaces from us: our parent cannot open
   * /proc/<us>/ns, as we are not dumpable, and must not make us so. */
  if (a->nssock >= 0)
    {
      if (lp_ns_send_own(a->nssock, &err) < 0)
        lp_process_fail(a->errfd, 125, err);
      close(a->nssock);
    }
  /* Wait for the id maps (and anything else the parent sets up). */
  ssize_t r;
  while ((r = read(a->syncfd, &c, 1)) < 0 && errno == EINTR)
    ;
  if (r != 1)
    _exit(125); /* the parent failed and reports it */
  close(a->syncfd);

  if (a->new_userns && (setresgid(0, 0, 0) < 0 || setresuid(0, 0, 0) < 0))
    {
      lp_error(&err, errno, "become root in the user namespace");
      lp_process_fail(a->errfd, 125, err);
    }
  if (spec->hostname && spec->ns[LP_NS_UTS] == LP_NS_PRIVATE
      && sethostname(spec->hostname, strlen(spec->hostname)) < 0)
    {
      lp_error(&err, errno, "set hostname `%s`", spec->hostname);
      lp_process_fail(a->errfd, 125, err);
    }
  if (a->net_private && lp_ns_loopback_up(&err) < 0)
    lp_process_fail(a->errfd, 125, err);
  struct lp_mount_env env = { .pid_private = a->pid_private, .net_private = a->net_private, .console = a->console };
  if (lp_mounts_setup(spec, &env, &err) < 0 || lp_mounts_pivot(spec->rootfs, &err) < 0)
    {
      lp_error_wrap(&err, "set up the container's root file system");
      lp_process_fail(a->errfd, 125, err);
    }
  if (ttyfd >= 0)
    {
      if (lp_pty_in_container(a->ptysock, &ttyfd, 1, &err) < 0)
        lp_process_fail(a->errfd, 125, err);
      close(a->ptysock);
      lp_pty_set_size(ttyfd, spec->tty_rows, spec->tty_cols);
    }
  if (lp_process_stdio(spec, ttyfd, &err) < 0)
    lp_process_fail(a->errfd, 125, err);
  if (ttyfd < 0 && setsid() < 0 && errno != EPERM)
    {
      lp_error(&err, errno, "setsid");
      lp_process_fail(a->errfd, 125, err);
    }
  if (ttyfd > 2)
    close(ttyfd);
  if (lp_user_resolve(spec->user, &user, &err) < 0)
    lp_process_fail(a->errfd, 125, err);
  /* The terminal belongs to the user who runs on it. */
  if (ttyfd >= 0 && fchown(0, user.uid, (gid_t)-1) < 0)
    lp_debug("chown the pty: %s", strerror(errno));
  if (lp_process_setup(spec, &user, &err) < 0)
    lp_process_fail(a->errfd, 125, err);
  if (spec->init && lp_init_fork(a->errfd, &err) < 0)
    lp_process_fail(a->errfd, 125, err);
  lp_process_exec(spec, &user, a->errfd);
}

/* Threads of this process, from /proc/self/task; 0 if unknown. */
static int count_threads(void)
{
  DIR *d = opendir("/proc/self/task");
  int n = 0;
  if (!d)
    return 0;
  for (struct dirent *e; (e = readdir(d));)
    if (e->d_name[0] != '.')
      n++;
  closedir(d);
  return n;
}

int lp_runtime_launch(const struct lp_runtime_spec *spec, struct lp_runtime_result *result, lp_error_t *err)
{
  enum lp_userns_mode mode = lp_runtime_userns_mode(spec);
  bool new_userns = mode == LP_USERNS_KEEP_ID || mode == LP_USERNS_PRIVATE;
  struct lp_idmaps maps = { 0 };
  int syncp[2] = { -1, -1 }, errp[2] = { -1, -1 }, ptys[2] = { -1, -1 }, nsp[2] = { -1, -1 };
  int ttyfd = -1;
  int ret = -1;

  result->pid = -1;
  result->pidfd = -1;
  result->pty_master = -1;
  if (!spec->rootfs || !spec->argv || !spec->argv[0])
    return lp_error(err, 0, "launch: a rootfs and a command are required");
  /* clone3 is a raw syscall: glibc's fork handlers do not run, so a lock
   * (malloc's) held by another thread would stay locked in the child. */
  if (count_threads() > 1)
    return lp_error(err, 0, "launch: must be called from a single-threaded process (serve FUSE from another one)");
  if (new_userns)
    {
      if (lp_idmaps_for_user(mode, &maps, err) < 0)
        return lp_error_wrap(err, "user namespace");
      if (maps.single)
        lp_warn("no subordinate ids for uid %u in /etc/subuid and /etc/subgid: only root is mapped inside "
                "the container (to you); add a range with usermod --add-subuids/--add-subgids",
                (unsigned)geteuid());
    }
  if (lp_genfiles_write(spec, err) < 0)
    goto out;
  if (spec->tty && spec->stdio[0] < 0 && spec->stdio[1] < 0 && spec->stdio[2] < 0)
    {
      if (lp_pty_open_host(&result->pty_master, &ttyfd, err) < 0)
        goto out;
      if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, ptys) < 0)
        {
          lp_error(err, errno, "socketpair");
          goto out;
        }
    }
  if (pipe2(syncp, O_CLOEXEC) < 0 || pipe2(errp, O_CLOEXEC) < 0)
    {
      lp_error(err, errno, "pipe");
      goto out;
    }
  if (spec->prestart && socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, nsp) < 0)
    {
      lp_error(err, errno, "socketpair");
      goto out;
    }

  struct child_args a = {
    .spec = spec,
    .new_userns = new_userns,
    .pid_private = spec->ns[LP_NS_PID] == LP_NS_PRIVATE,
    .net_private = spec->ns[LP_NS_NET] == LP_NS_PRIVATE,
    .console = ttyfd >= 0,
    .ttyfd = ttyfd,
    .ptysock = ptys[1],
    .syncfd = syncp[0],
    .errfd = errp[1],
    .nssock = nsp[1],
  };
  pid_t pid = lp_ns_clone(lp_ns_clone_flags(spec, new_userns), &result->pidfd, err);
  if (pid < 0)
    goto out;
  if (pid == 0)
    {
      close(syncp[1]);
      close(errp[0]);
      if (result->pty_master >= 0)
        close(result->pty_master);
      if (ptys[0] >= 0)
        close(ptys[0]);
      if (nsp[0] >= 0)
        close(nsp[0]);
      container_child(&a);
    }
  close(syncp[0]);
  syncp[0] = -1;
  close(errp[1]);
  errp[1] = -1;
  if (nsp[1] >= 0)
    {
      close(nsp[1]);
      nsp[1] = -1;
    }
  if (new_userns && lp_idmap_write(pid, &maps, err) < 0)
    {
      lp_error_wrap(err, "map ids for the container");
      goto fail_child;
    }
  if (spec->prestart)
    {
      int nsfds[2];
      if (lp_ns_receive_own(nsp[0], nsfds, err) < 0)
        {
          /* It died before: its own message says why. */
          if (!*err && lp_process_read_fail(errp[0], err) == 0)
            lp_error(err, 0, "the container's init exited before it started");
          goto fail_child;
        }
      int pr = spec->prestart(spec->prestart_ctx, pid, nsfds, err);
      close(nsfds[0]);
      close(nsfds[1]);
      if (pr < 0)
        goto fail_child;
    }
  if (write(syncp[1], "x", 1) != 1)
    {
      lp_error(err, errno, "start the container");
      goto fail_child;
    }
  close(syncp[1]);
  syncp[1] = -1;
  if (ttyfd >= 0)
    {
      close(ttyfd);
      ttyfd = -1;
      close(ptys[1]);
      ptys[1] = -1;
      lp_error_t perr = NULL;
      if (lp_pty_receive(ptys[0], &result->pty_master, &perr) < 0 && perr)
        {
          *err = perr;
          goto fail_child;
        }
    }
  if (lp_process_read_fail(errp[0], err) < 0)
    goto fail_child;
  result->pid = pid;
  ret = 0;
  goto out;

fail_child:
  {
    int st;
    (void)kill(pid, SIGKILL);
    lp_error_t werr = NULL;
    if (lp_runtime_wait(pid, &st, &werr) < 0)
      lp_error_free(&werr);
    if (result->pidfd >= 0)
      close(result->pidfd);
    result->pidfd = -1;
  }
out:
  if (ret < 0 && result->pty_master >= 0)
    {
      close(result->pty_master);
      result->pty_master = -1;
    }
  if (ttyfd >= 0)
    close(ttyfd);
  for (int i = 0; i < 2; i++)
    {
      if (ptys[i] >= 0)
        close(ptys[i]);
      if (syncp[i] >= 0)
        close(syncp[i]);
      if (errp[i] >= 0)
        close(errp[i]);
      if (nsp[i] >= 0)
        close(nsp[i]);
    }
  lp_idmaps_free(&maps);
  return ret;
}

int lp_runtime_unshare_user(enum lp_userns_mode mode, lp_error_t *err)
{
  struct lp_idmaps maps = { 0 };
  int p[2];
  pid_t self = getpid(), helper;
  int ret = -1;

  if (lp_idmaps_for_user(mode, &maps, err) < 0)
    return -1;
  if (pipe2(p, O_CLOEXEC) < 0)
    {
      lp_idmaps_free(&maps);
      return lp_error(err, errno, "pipe");
    }
  helper = fork();
  if (helper < 0)
    {
      lp_error(err, errno, "fork the id-map helper");
      close(p[0]);
      close(p[1]);
      goto out;
    }
  if (helper == 0)
    {
      char c;
      lp_error_t e = NULL;
      close(p[1]);
      if (read(p[0], &c, 1) != 1)
        _exit(1);
      if (lp_idmap_write(self, &maps, &e) < 0)
        {
          lp_log_error("%s", e->msg);
          _exit(1);
        }
      _exit(0);
    }
  close(p[0]);
  int unshare_errno = unshare(CLONE_NEWUSER) < 0 ? errno : 0;
  if (!unshare_errno && write(p[1], "x", 1) != 1)
    unshare_errno = errno;
  close(p[1]);
  int st;
  lp_error_t werr = NULL;
  if (lp_runtime_wait(helper, &st, &werr) < 0)
    {
      *err = werr;
      goto out;
    }
  if (unshare_errno)
    {
      lp_error(err, unshare_errno, "create a user namespace");
      goto out;
    }
  if (st != 0)
    {
      lp_error(err, 0, "map ids for the user namespace failed");
      goto out;
    }
  if (setresgid(0, 0, 0) < 0 || setresuid(0, 0, 0) < 0)
    {
      lp_error(err, errno, "become root in the user namespace");
      goto out;
    }
  ret = 0;
out:
  lp_idmaps_free(&maps);
  return ret;
}
