#include "runtime.h"

#include "../util/xalloc.h"
#include "init.h"
#include "namespaces.h"
#include "process.h"
#include "pty.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

__attribute__((noreturn)) static void exec_child(pid_t target, const struct lp_runtime_spec *spec, int ttyfd,
                                                 int ptysock, int errfd)
{
  lp_error_t err = NULL;
  bool pidns = false;
  struct lp_user user;

  if (lp_ns_join(target, &pidns, &err) < 0)
    lp_process_fail(errfd, 125, err);
  /* setns(CLONE_NEWPID) applies to children only: fork, and stay behind
   * as a forwarder of signals that exits with the command's status (the
   * same loop as the --init reaper). */
  if (pidns && lp_init_fork(errfd, &err) < 0)
    lp_process_fail(errfd, 125, err);
  if (ttyfd >= 0 && ptysock >= 0)
    {
      if (lp_pty_in_container(ptysock, &ttyfd, 0, &err) < 0)
        lp_process_fail(errfd, 125, err);
      close(ptysock);
      lp_pty_set_size(ttyfd, spec->tty_rows, spec->tty_cols);
    }
  if (lp_process_stdio(spec, ttyfd, &err) < 0)
    lp_process_fail(errfd, 125, err);
  if (ttyfd > 2)
    close(ttyfd);
  if (lp_user_resolve(spec->user, &user, &err) < 0)
    lp_process_fail(errfd, 125, err);
  if (spec->tty && isatty(0) && fchown(0, user.uid, (gid_t)-1) < 0)
    errno = 0; /* best effort: the fd is open already */
  if (lp_process_setup(spec, &user, &err) < 0)
    lp_process_fail(errfd, 125, err);
  lp_process_exec(spec, &user, errfd);
}

int lp_runtime_exec(pid_t target, const struct lp_runtime_spec *spec, struct lp_runtime_result *result,
                    lp_error_t *err)
{
  int errp[2];
  int ttyfd = -1;

  result->pid = -1;
  result->pidfd = -1;
  result->pty_master = -1;
  if (!spec->argv || !spec->argv[0])
    return lp_error(err, 0, "exec: a command is required");
  int ptys[2] = { -1, -1 };
  if (spec->tty && spec->stdio[0] < 0 && spec->stdio[1] < 0 && spec->stdio[2] < 0)
    {
      if (lp_pty_open_host(&result->pty_master, &ttyfd, err) < 0)
        return -1;
      if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, ptys) < 0)
        {
          int e = errno;
          close(ttyfd);
          close(result->pty_master);
          result->pty_master = -1;
          return lp_error(err, e, "socketpair");
        }
    }
  if (pipe2(errp, O_CLOEXEC) < 0)
    {
      int e = errno;
      if (ttyfd >= 0)
        close(ttyfd);
      return lp_error(err, e, "pipe");
    }
  pid_t pid = fork();
  if (pid != 0 && ptys[1] >= 0)
    close(ptys[1]);
  if (pid < 0)
    {
      int e = errno;
      close(errp[0]);
      close(errp[1]);
      if (ttyfd >= 0)
        close(ttyfd);
      if (ptys[0] >= 0)
        close(ptys[0]);
      if (result->pty_master >= 0)
        close(result->pty_master);
      result->pty_master = -1;
      return lp_error(err, e, "fork");
    }
  if (pid == 0)
    {
      close(errp[0]);
      if (result->pty_master >= 0)
        close(result->pty_master);
      if (ptys[0] >= 0)
        close(ptys[0]);
      exec_child(target, spec, ttyfd, ptys[1], errp[1]);
    }
  close(errp[1]);
  if (ttyfd >= 0)
    close(ttyfd);
  if (ptys[0] >= 0)
    {
      lp_error_t perr = NULL;
      if (lp_pty_receive(ptys[0], &result->pty_master, &perr) < 0)
        lp_error_free(&perr); /* the child's own error follows */
      close(ptys[0]);
    }
  int r = lp_process_read_fail(errp[0], err);
  close(errp[0]);
  if (r < 0)
    {
      int st;
      lp_error_t werr = NULL;
      if (lp_runtime_wait(pid, &st, &werr) < 0)
        lp_error_free(&werr);
      if (result->pty_master >= 0)
        close(result->pty_master);
      result->pty_master = -1;
      return -1;
    }
  result->pid = pid;
  return 0;
}
