/* reap: H waits for the container's init (see reap.h). */
#include "reap.h"

#include <dirent.h>
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

int lp_ns_ino(pid_t pid, const char *ns, ino_t *ino, dev_t *dev)
{
  char path[64];
  struct stat st;
  snprintf(path, sizeof path, "/proc/%d/ns/%s", (int)pid, ns);
  if (stat(path, &st) < 0)
    return -1;
  *ino = st.st_ino;
  *dev = st.st_dev;
  return 0;
}

int lp_ctr_kill_mntns(ino_t ino, dev_t dev)
{
  /* A stale (ino, dev), e.g. read from a reused pid, may name our own mount
   * namespace: never sweep that. */
  struct stat self;
  if (stat("/proc/self/ns/mnt", &self) < 0 || (self.st_ino == ino && self.st_dev == dev))
    return 0;
  DIR *d = opendir("/proc");
  int n = 0;
  if (!d)
    return 0;
  struct dirent *de;
  while ((de = readdir(d)))
    {
      char *end;
      long pid = strtol(de->d_name, &end, 10);
      if (*end || pid <= 1 || pid == getpid())
        continue;
      ino_t i;
      dev_t dv;
      if (lp_ns_ino((pid_t)pid, "mnt", &i, &dv) == 0 && i == ino && dv == dev)
        {
          kill((pid_t)pid, SIGKILL);
          n++;
        }
    }
  closedir(d);
  return n;
}

static int exit_status(int st)
{
  return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

int lp_ctr_reap(pid_t init, pid_t *fuse, int sock, bool host_pid, char *why, size_t whylen)
{
  sigset_t chld, old;
  sigemptyset(&chld);
  sigaddset(&chld, SIGCHLD);
  sigprocmask(SIG_BLOCK, &chld, &old);
  /* Without a signalfd, poll with a timeout instead. */
  int sfd = signalfd(-1, &chld, SFD_CLOEXEC | SFD_NONBLOCK);
  ino_t mnt = 0;
  dev_t dev = 0;
  bool have_mnt = host_pid && lp_ns_ino(init, "mnt", &mnt, &dev) == 0;
  bool killed = false;
  int status = 255;
  why[0] = '\0';

  for (;;)
    {
      int st;
      pid_t p;
      bool init_done = false;
      while ((p = waitpid(-1, &st, WNOHANG)) > 0)
        {
          if (p == init)
            {
              status = exit_status(st);
              init_done = true;
            }
          else if (p == *fuse)
            {
              *fuse = -1;
              if (!killed)
                snprintf(why, whylen, "the FUSE server of the container's root file system died (%s %d)",
                         WIFSIGNALED(st) ? "signal" : "exit status",
                         WIFSIGNALED(st) ? WTERMSIG(st) : WEXITSTATUS(st));
              killed = true;
              kill(init, SIGKILL);
            }
        }
      if (init_done || (p < 0 && errno == ECHILD))
        break;
      struct pollfd pf[2] = { { sfd, POLLIN, 0 }, { killed ? -1 : sock, 0, 0 } };
      if (poll(pf, 2, sfd >= 0 ? -1 : 100) < 0 && errno != EINTR)
        break;
      if (pf[1].revents & (POLLHUP | POLLERR))
        {
          snprintf(why, whylen, "supervisor died");
          killed = true;
          kill(init, SIGKILL);
        }
      struct signalfd_siginfo si;
      while (sfd >= 0 && read(sfd, &si, sizeof si) == (ssize_t)sizeof si)
        ;
    }
  /* With the host's pid namespace the init's death ends nothing else. */
  if (killed && have_mnt)
    for (int i = 0; i < 50 && lp_ctr_kill_mntns(mnt, dev) > 0; i++)
      usleep(20000);
  if (sfd >= 0)
    close(sfd);
  sigprocmask(SIG_SETMASK, &old, NULL);
  return status;
}

static int64_t mono_ms(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

bool lp_ctr_wait_child(pid_t pid, int timeout_ms)
{
  int pfd = (int)syscall(SYS_pidfd_open, pid, 0);
  int64_t deadline = mono_ms() + timeout_ms;
  bool done = false;
  for (;;)
    {
      pid_t r = waitpid(pid, NULL, WNOHANG);
      if (r == pid || (r < 0 && errno == ECHILD))
        {
          done = true;
          break;
        }
      int64_t left = deadline - mono_ms();
      if (left <= 0)
        break;
      if (pfd >= 0)
        {
          /* Readable once the process has ended. */
          if (poll(&(struct pollfd){ pfd, POLLIN, 0 }, 1, (int)left) < 0 && errno != EINTR)
            {
              close(pfd);
              pfd = -1;
            }
        }
      else
        usleep(2000);
    }
  if (pfd >= 0)
    close(pfd);
  return done;
}
