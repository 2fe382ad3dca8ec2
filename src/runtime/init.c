#include "init.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

__attribute__((noreturn)) static void reap(pid_t child)
{
  sigset_t all;
  sigfillset(&all);
  for (;;)
    {
      siginfo_t si;
      int sig = sigwaitinfo(&all, &si);
      if (sig < 0)
        continue;
      if (sig != SIGCHLD)
        {
          /* Forward; the child may have its own handler. */
          (void)kill(child, sig);
          continue;
        }
      for (;;)
        {
          int status;
          pid_t p = waitpid(-1, &status, WNOHANG);
          if (p <= 0)
            break;
          if (p == child)
            {
              /* Orphans may still be running; they die with the pid
               * namespace when we exit. */
              if (WIFEXITED(status))
                _exit(WEXITSTATUS(status));
              _exit(128 + WTERMSIG(status));
            }
        }
    }
}

int lp_init_fork(int errfd, lp_error_t *err)
{
  sigset_t all, old;
  sigfillset(&all);
  if (sigprocmask(SIG_BLOCK, &all, &old) < 0)
    return lp_error(err, errno, "block signals in init");
  pid_t pid = fork();
  if (pid < 0)
    {
      int e = errno;
      sigprocmask(SIG_SETMASK, &old, NULL);
      return lp_error(err, e, "fork the container's command from init");
    }
  if (pid == 0)
    {
      /* Die with the reaper, should it be SIGKILLed. */
      (void)prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
      sigprocmask(SIG_SETMASK, &old, NULL);
      return 0;
    }
  if (errfd >= 0)
    close(errfd);
  /* The reaper holds nothing open: a pipe it kept would keep the reader
   * of the container's output waiting after the container is gone. */
  if (syscall(SYS_close_range, 3, ~0U, 0) < 0)
    for (int fd = 3; fd < 1024; fd++)
      (void)close(fd);
  reap(pid);
}
