#include "namespaces.h"

#include "../util/xalloc.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/sched.h>
#include <net/if.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

unsigned long lp_ns_clone_flags(const struct lp_runtime_spec *spec, bool new_userns)
{
  unsigned long f = 0;
  if (new_userns)
    f |= CLONE_NEWUSER;
  /* The container always gets its own mount namespace: it pivots. */
  f |= CLONE_NEWNS;
  if (spec->ns[LP_NS_UTS] == LP_NS_PRIVATE)
    f |= CLONE_NEWUTS;
  if (spec->ns[LP_NS_IPC] == LP_NS_PRIVATE)
    f |= CLONE_NEWIPC;
  if (spec->ns[LP_NS_PID] == LP_NS_PRIVATE)
    f |= CLONE_NEWPID;
  if (spec->ns[LP_NS_NET] == LP_NS_PRIVATE)
    f |= CLONE_NEWNET;
  if (spec->ns[LP_NS_CGROUP] == LP_NS_PRIVATE)
    f |= CLONE_NEWCGROUP;
  return f;
}

pid_t lp_ns_clone(unsigned long flags, int *pidfd, lp_error_t *err)
{
  struct clone_args args;
  int fd = -1;
  pid_t pid;

  memset(&args, 0, sizeof args);
  args.flags = flags | CLONE_PIDFD;
  args.pidfd = (uint64_t)(uintptr_t)&fd;
  args.exit_signal = SIGCHLD;
  pid = (pid_t)syscall(SYS_clone3, &args, sizeof args);
  if (pid < 0 && (errno == ENOSYS || errno == E2BIG))
    {
      fd = -1;
      pid = (pid_t)syscall(SYS_clone, (unsigned long)(flags | SIGCHLD), NULL, NULL, NULL, NULL);
    }
  if (pid < 0)
    {
      int e = errno;
      if ((flags & CLONE_NEWCGROUP) && (e == EINVAL || e == EPERM))
        /* A cgroup namespace is a nicety; never fail a start for it. */
        return lp_ns_clone(flags & ~(unsigned long)CLONE_NEWCGROUP, pidfd, err);
      return lp_error(err, e, "create the container's namespaces");
    }
  if (pid > 0)
    {
      if (fd >= 0)
        {
          /* clone3 pidfds are already O_CLOEXEC; be explicit anyway. */
          (void)fcntl(fd, F_SETFD, FD_CLOEXEC);
        }
      *pidfd = fd;
    }
  return pid;
}

int lp_ns_loopback_up(lp_error_t *err)
{
  struct ifreq ifr;
  int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (s < 0)
    return lp_error(err, errno, "socket for the loopback interface");
  memset(&ifr, 0, sizeof ifr);
  strcpy(ifr.ifr_name, "lo");
  if (ioctl(s, SIOCGIFFLAGS, &ifr) < 0)
    {
      int e = errno;
      close(s);
      return lp_error(err, e, "read the flags of `lo`");
    }
  ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
  if (ioctl(s, SIOCSIFFLAGS, &ifr) < 0)
    {
      int e = errno;
      close(s);
      return lp_error(err, e, "bring `lo` up");
    }
  close(s);
  return 0;
}

static bool same_ns(const char *name, pid_t pid, int *fd, lp_error_t *err)
{
  cleanup_free char *theirs = xasprintf("/proc/%d/ns/%s", (int)pid, name);
  cleanup_free char *ours = xasprintf("/proc/self/ns/%s", name);
  struct stat a, b;

  *fd = open(theirs, O_RDONLY | O_CLOEXEC);
  if (*fd < 0)
    {
      if (errno == ENOENT && strcmp(name, "cgroup") == 0)
        return true; /* no cgroup namespaces here */
      lp_error(err, errno, "open `%s`", theirs);
      return false;
    }
  if (fstat(*fd, &a) < 0 || stat(ours, &b) < 0)
    {
      lp_error(err, errno, "stat namespace `%s`", name);
      return false;
    }
  return a.st_ino == b.st_ino && a.st_dev == b.st_dev;
}

/* Enter process pid's namespace `name` unless it is already ours; *joined
 * says whether setns happened. */
static int join_one(pid_t pid, const char *name, int type, bool *joined, lp_error_t *err)
{
  int fd = -1;
  lp_error_t e = NULL;
  bool same = same_ns(name, pid, &fd, &e);
  *joined = false;
  if (e)
    {
      if (fd >= 0)
        close(fd);
      *err = e;
      return -1;
    }
  if (!same && setns(fd, type) < 0)
    {
      int en = errno;
      close(fd);
      return lp_error(err, en, "join the %s namespace of process %d", name, (int)pid);
    }
  if (fd >= 0)
    close(fd);
  *joined = !same;
  return 0;
}

struct ns_kind
{
  const char *name;
  int type;
};

int lp_ns_join(pid_t pid, bool *pidns_joined, lp_error_t *err)
{
  /* user first: it gives the capabilities over the others; mnt last, as
   * it changes root and cwd. */
  static const struct ns_kind order[] = {
    { "user", CLONE_NEWUSER }, { "ipc", CLONE_NEWIPC }, { "uts", CLONE_NEWUTS }, { "net", CLONE_NEWNET },
    { "pid", CLONE_NEWPID },   { "cgroup", CLONE_NEWCGROUP }, { "mnt", CLONE_NEWNS },
  };
  *pidns_joined = false;
  for (size_t i = 0; i < sizeof order / sizeof order[0]; i++)
    {
      bool joined;
      if (join_one(pid, order[i].name, order[i].type, &joined, err) < 0)
        return lp_error_wrap(err, "join container process %d", (int)pid);
      if (joined && order[i].type == CLONE_NEWPID)
        *pidns_joined = true;
    }
  return 0;
}

int lp_ns_join_user_mnt(pid_t pid, bool *userns_joined, lp_error_t *err)
{
  bool mnt_joined;
  if (join_one(pid, "user", CLONE_NEWUSER, userns_joined, err) < 0
      || join_one(pid, "mnt", CLONE_NEWNS, &mnt_joined, err) < 0)
    return lp_error_wrap(err, "join the namespaces of process %d", (int)pid);
  return 0;
}

int lp_ns_send_own(int sock, lp_error_t *err)
{
  static const char *const names[2] = { "/proc/self/ns/net", "/proc/self/ns/user" };
  int fds[2];
  for (int i = 0; i < 2; i++)
    if ((fds[i] = open(names[i], O_RDONLY | O_CLOEXEC)) < 0)
      {
        int e = errno;
        if (i)
          close(fds[0]);
        return lp_error(err, e, "open `%s`", names[i]);
      }
  char byte = 'n';
  struct iovec iov = { &byte, 1 };
  union
  {
    char buf[CMSG_SPACE(sizeof fds)];
    struct cmsghdr align;
  } u;
  memset(&u, 0, sizeof u);
  struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf, .msg_controllen = sizeof u.buf };
  struct cmsghdr *cm = CMSG_FIRSTHDR(&mh);
  cm->cmsg_level = SOL_SOCKET;
  cm->cmsg_type = SCM_RIGHTS;
  cm->cmsg_len = CMSG_LEN(sizeof fds);
  memcpy(CMSG_DATA(cm), fds, sizeof fds);
  ssize_t r;
  while ((r = sendmsg(sock, &mh, MSG_NOSIGNAL)) < 0 && errno == EINTR)
    ;
  int e = errno;
  close(fds[0]);
  close(fds[1]);
  return r < 0 ? lp_error(err, e, "send the container's namespaces to its launcher") : 0;
}

int lp_ns_receive_own(int sock, int fds[2], lp_error_t *err)
{
  char byte = 0;
  struct iovec iov = { &byte, 1 };
  union
  {
    char buf[CMSG_SPACE(2 * sizeof(int))];
    struct cmsghdr align;
  } u;
  struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf, .msg_controllen = sizeof u.buf };
  ssize_t r;
  fds[0] = fds[1] = -1;
  while ((r = recvmsg(sock, &mh, MSG_CMSG_CLOEXEC)) < 0 && errno == EINTR)
    ;
  if (r < 0)
    return lp_error(err, errno, "receive the container's namespaces");
  if (r == 0)
    return -1;
  struct cmsghdr *cm = CMSG_FIRSTHDR(&mh);
  if (cm && cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_RIGHTS)
    {
      size_t n = (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int);
      int got[2] = { -1, -1 };
      memcpy(got, CMSG_DATA(cm), (n < 2 ? n : 2) * sizeof(int));
      if (n == 2)
        {
          fds[0] = got[0];
          fds[1] = got[1];
          return 0;
        }
      for (size_t i = 0; i < n && i < 2; i++)
        close(got[i]);
    }
  return lp_error(err, 0, "the container's init sent no namespaces");
}
