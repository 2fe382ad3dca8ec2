/* spawn: a detached lilipod process with a notify pipe (see spawn.h). */
#include "spawn.h"

#include "../util/fsutil.h"
#include "../util/xalloc.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

int lp_ctr_spawn_detached(const char *home, char *const argv[], struct strbuf *reply, lp_error_t *err)
{
  return lp_ctr_spawn_detached_fd(home, argv, -1, reply, err);
}

int lp_ctr_spawn_detached_fd(const char *home, char *const argv[], int extra_fd, struct strbuf *reply,
                             lp_error_t *err)
{
  int p[2];
  size_t argc = 0;
  while (argv[argc])
    argc++;
  char *abs = realpath(home, NULL);
  cleanup_free char *home_abs = abs ? abs : xstrdup(home);
  char **args = xcalloc(argc + 1, sizeof *args);
  args[0] = (char *)"lilipod";
  for (size_t i = 1; i < argc; i++)
    args[i] = argv[i];
  if (pipe2(p, O_CLOEXEC) < 0)
    {
      free(args);
      return lp_error(err, errno, "pipe");
    }
  fflush(NULL);
  pid_t c1 = fork();
  if (c1 < 0)
    {
      close(p[0]);
      close(p[1]);
      free(args);
      return lp_error(err, errno, "fork");
    }
  if (c1 == 0)
    {
      close(p[0]);
      setsid();
      pid_t c2 = fork();
      if (c2 != 0)
        _exit(c2 < 0);
      /* Keep nothing of the caller's (a `$(lilipod start)` must see EOF):
       * the notify pipe becomes fd 3 (extra_fd fd 4), every other fd above
       * 2 goes. Both out of the way first, so neither lands on the other. */
      int nfd = fcntl(p[1], F_DUPFD_CLOEXEC, 10);
      int xfd = extra_fd >= 0 ? fcntl(extra_fd, F_DUPFD_CLOEXEC, 10) : -1;
      if (nfd < 0 || (extra_fd >= 0 && xfd < 0) || dup3(nfd, 3, O_CLOEXEC) < 0
          || (xfd >= 0 && dup2(xfd, 4) < 0))
        _exit(1);
      syscall(SYS_close_range, xfd >= 0 ? 5U : 4U, ~0U, 0U);
      int null = open("/dev/null", O_RDWR | O_CLOEXEC);
      if (null >= 0)
        {
          dup2(null, 0);
          dup2(null, 1);
          dup2(null, 2);
        }
      if (fcntl(3, F_SETFD, 0) < 0)
        _exit(1);
      setenv("LILIPOD_HOME", home_abs, 1);
      execv("/proc/self/exe", args);
      cleanup_free char *t = xasprintf("E125 exec `lilipod %s`: %s", args[1] ? args[1] : "", strerror(errno));
      (void)lp_write_all(3, t, strlen(t));
      _exit(1);
    }
  close(p[1]);
  free(args);
  while (waitpid(c1, NULL, 0) < 0 && errno == EINTR)
    ;
  char buf[512];
  ssize_t n;
  while ((n = read(p[0], buf, sizeof buf)) != 0)
    {
      if (n < 0)
        {
          if (errno == EINTR)
            continue;
          break;
        }
      strbuf_add(reply, buf, (size_t)n);
    }
  close(p[0]);
  return 0;
}

int lp_ctr_spawn_reply(const struct strbuf *reply, const char *died, const char **rest, lp_error_t *err)
{
  if (reply->len >= 1 && reply->buf[0] == 'R')
    {
      if (rest)
        *rest = reply->buf + 1;
      return 0;
    }
  if (reply->len > 1 && reply->buf[0] == 'E')
    {
      char *sp = strchr(reply->buf, ' ');
      lp_error(err, 0, "%s", sp ? sp + 1 : reply->buf + 1);
      (*err)->exit_code = atoi(reply->buf + 1);
      return -1;
    }
  return lp_error(err, 0, "%s", died);
}
