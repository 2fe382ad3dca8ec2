#include "pty.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

int lp_pty_open_host(int *master, int *slave, lp_error_t *err)
{
  int m = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (m < 0)
    return lp_error(err, errno, "open a pty");
  int s = -1;
  if (grantpt(m) < 0 || unlockpt(m) < 0 || (s = ioctl(m, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC)) < 0)
    {
      int e = errno;
      close(m);
      return lp_error(err, e, "open the pty's peer");
    }
  *master = m;
  *slave = s;
  return 0;
}

static int try_ptmx(const char *path, int *master, int *slave, int *num)
{
  struct stat st;
  int m = open(path, O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (m < 0)
    return -1;
  int unlock = 0;
  if (fstat(m, &st) < 0 || !S_ISCHR(st.st_mode) || ioctl(m, TIOCSPTLCK, &unlock) < 0 || ioctl(m, TIOCGPTN, num) < 0)
    {
      close(m);
      return -1;
    }
  int s = ioctl(m, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (s < 0)
    {
      close(m);
      return -1;
    }
  *master = m;
  *slave = s;
  return 0;
}

static int send_fd(int sock, int fd, lp_error_t *err)
{
  char byte = fd >= 0 ? 'm' : 'h';
  struct iovec iov = { &byte, 1 };
  union
  {
    char buf[CMSG_SPACE(sizeof(int))];
    struct cmsghdr align;
  } u;
  struct msghdr msg;
  memset(&msg, 0, sizeof msg);
  memset(&u, 0, sizeof u);
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  if (fd >= 0)
    {
      msg.msg_control = u.buf;
      msg.msg_controllen = sizeof u.buf;
      struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
      c->cmsg_level = SOL_SOCKET;
      c->cmsg_type = SCM_RIGHTS;
      c->cmsg_len = CMSG_LEN(sizeof(int));
      memcpy(CMSG_DATA(c), &fd, sizeof fd);
    }
  while (sendmsg(sock, &msg, MSG_NOSIGNAL) < 0)
    if (errno != EINTR)
      return lp_error(err, errno, "send the pty to lilipod");
  return 0;
}

int lp_pty_in_container(int sock, int *slave, int bind_console, lp_error_t *err)
{
  int m, s, num;
  if (try_ptmx("/dev/ptmx", &m, &s, &num) < 0 && try_ptmx("/dev/pts/ptmx", &m, &s, &num) < 0)
    return send_fd(sock, -1, err); /* keep the host's pair */
  if (bind_console && access("/dev/console", F_OK) == 0)
    {
      char path[64];
      snprintf(path, sizeof path, "/dev/pts/%d", num);
      if (mount(path, "/dev/console", NULL, MS_BIND, NULL) < 0)
        {
          int e = errno;
          close(m);
          close(s);
          return lp_error(err, e, "bind the pty onto /dev/console");
        }
    }
  int r = send_fd(sock, m, err);
  close(m);
  if (r < 0)
    {
      close(s);
      return -1;
    }
  if (*slave >= 0)
    close(*slave);
  *slave = s;
  return 0;
}

int lp_pty_receive(int sock, int *master, lp_error_t *err)
{
  char byte;
  struct iovec iov = { &byte, 1 };
  union
  {
    char buf[CMSG_SPACE(sizeof(int))];
    struct cmsghdr align;
  } u;
  struct msghdr msg;
  memset(&msg, 0, sizeof msg);
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = u.buf;
  msg.msg_controllen = sizeof u.buf;
  ssize_t r;
  while ((r = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC)) < 0 && errno == EINTR)
    ;
  if (r < 0)
    return lp_error(err, errno, "receive the container's pty");
  if (r == 0)
    return -1; /* the child failed before; its error says why */
  struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
  if (byte == 'm' && c && c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS)
    {
      int fd;
      memcpy(&fd, CMSG_DATA(c), sizeof fd);
      if (*master >= 0)
        close(*master);
      *master = fd;
    }
  return 0;
}

void lp_pty_set_size(int fd, unsigned short rows, unsigned short cols)
{
  struct winsize ws = { .ws_row = rows, .ws_col = cols };
  if (fd >= 0 && rows && cols)
    (void)ioctl(fd, TIOCSWINSZ, &ws);
}
