/* lilipod exec [options] CONTAINER COMMAND [ARG...] */
#include "commands.h"
#include "ctr_cli.h"
#include "image_find.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include "../container/attach.h"
#include "../container/config.h"
#include "../container/state.h"
#include "../runtime/runtime.h"
#include "../util/fsutil.h"
#include "../util/log.h"
#include "../util/strbuf.h"
#include "../util/xalloc.h"

static const struct lp_option options[] = {
  { "detach", 'd', LP_OPT_BOOL, NULL, "Run the exec session in detached mode (backgrounded)", NULL, NULL },
  { "detach-keys", 0, LP_OPT_STRING, "string",
    "Select the key sequence for detaching from the command (-it): comma-separated keys, each one character or "
    "ctrl-X (X one of a-z @ [ \\ ] ^ _); empty disables detaching",
    "ctrl-p,ctrl-q", NULL },
  { "env", 'e', LP_OPT_LIST, "stringArray", "Set environment variables", NULL, NULL },
  { "env-file", 0, LP_OPT_LIST, "stringArray", "Read in a file of environment variables", NULL, LP_COMPLETE_FILES },
  { "interactive", 'i', LP_OPT_BOOL, NULL, "Keep STDIN open even if not attached", NULL, NULL },
  { "latest", 'l', LP_OPT_BOOL, NULL, "Act on the latest container (not supported)", NULL, NULL },
  { "preserve-fds", 0, LP_OPT_STRING, "uint", "Pass N additional file descriptors to the process", "0", NULL },
  { "privileged", 0, LP_OPT_BOOL, NULL, "Give the process extended Linux capabilities", NULL, NULL },
  { "tty", 't', LP_OPT_BOOL, NULL, "Allocate a pseudo-TTY", NULL, NULL },
  { "user", 'u', LP_OPT_STRING, "string", "Sets the username or UID used and optionally the groupname or GID", NULL,
    NULL },
  { "workdir", 'w', LP_OPT_STRING, "string", "Working directory inside the container", NULL, NULL },
  { NULL },
};

static void env_add(char ***env, const char *v)
{
  if (strchr(v, '='))
    lp_ctr_env_set(env, v);
  else
    {
      const char *hv = getenv(v);
      if (hv)
        {
          cleanup_free char *kv = xasprintf("%s=%s", v, hv);
          lp_ctr_env_set(env, kv);
        }
    }
}

static int env_file(char ***env, const char *path, lp_error_t *err)
{
  struct strbuf sb = STRBUF_INIT;
  if (lp_read_file_at(AT_FDCWD, path, &sb, err) < 0)
    {
      strbuf_release(&sb);
      return lp_error_wrap(err, "read --env-file");
    }
  char *save = NULL;
  for (char *line = strtok_r(sb.buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
    {
      size_t l = strlen(line);
      if (l && line[l - 1] == '\r')
        line[--l] = '\0';
      while (*line == ' ' || *line == '\t')
        line++;
      if (*line && *line != '#')
        env_add(env, line);
    }
  strbuf_release(&sb);
  return 0;
}

static void copy_winsize(int master)
{
  struct winsize ws;
  if (ioctl(STDIN_FILENO, TIOCGWINSZ, &ws) == 0 || ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0)
    (void)ioctl(master, TIOCSWINSZ, &ws);
}

/* After the detach keys: the command runs on, with its terminal held open
 * (and its output drained) by a child of ours until it ends; nobody waits
 * for it here. */
static void hold_detached(int master)
{
  fflush(NULL);
  /* Until it has its own session the child is in our process group, which
   * our session's leader may hang up as soon as we are gone. */
  signal(SIGHUP, SIG_IGN);
  pid_t pid = fork();
  if (pid != 0)
    return;
  setsid();
  int null = open("/dev/null", O_RDWR | O_CLOEXEC);
  if (null >= 0)
    {
      dup2(null, 0);
      dup2(null, 1);
      dup2(null, 2);
    }
  /* Nothing else of ours: a `$(lilipod exec ...)` must see EOF. */
  int m = fcntl(master, F_DUPFD_CLOEXEC, 3);
  for (int fd = 3; fd < 1024; fd++)
    if (fd != m)
      close(fd);
  char buf[8192];
  ssize_t n;
  while ((n = read(m, buf, sizeof buf)) > 0 || (n < 0 && errno == EINTR))
    ;
  _exit(0); /* EIO: every slave fd is closed */
}

/* Our terminal <-> the pty, until the command exits (then what is left of its
 * output is drained) or the detach keys are typed (returns true). */
static bool pump(int master, pid_t pid, bool in, struct lp_detach_keys *keys)
{
  sigset_t mask;
  bool detached = false;
  sigemptyset(&mask);
  sigaddset(&mask, SIGWINCH);
  sigprocmask(SIG_BLOCK, &mask, NULL);
  int sfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
  copy_winsize(master);
  char buf[8192];
  unsigned char fbuf[sizeof buf + sizeof keys->seq];
  struct pollfd p[3] = { { in ? STDIN_FILENO : -1, POLLIN, 0 }, { master, POLLIN, 0 }, { sfd, POLLIN, 0 } };
  for (;;)
    {
      int r = poll(p, 3, 100);
      if (r < 0 && errno != EINTR)
        break;
      if (p[2].revents & POLLIN)
        {
          struct signalfd_siginfo si;
          while (read(sfd, &si, sizeof si) == (ssize_t)sizeof si)
            ;
          copy_winsize(master);
        }
      if (p[0].fd >= 0 && (p[0].revents & (POLLIN | POLLHUP | POLLERR)))
        {
          ssize_t n = read(STDIN_FILENO, buf, sizeof buf);
          if (n > 0)
            {
              size_t fn;
              detached = lp_detach_keys_filter(keys, (unsigned char *)buf, (size_t)n, fbuf, &fn) == 1;
              (void)lp_write_all(master, fbuf, fn);
              if (detached)
                break;
            }
          else if (n == 0 || errno != EINTR)
            p[0].fd = -1;
        }
      if (p[1].revents & (POLLIN | POLLHUP | POLLERR))
        {
          ssize_t n = read(master, buf, sizeof buf);
          if (n > 0)
            (void)lp_write_all(STDOUT_FILENO, buf, (size_t)n);
          else if (n == 0 || errno != EINTR)
            break; /* EIO: every slave fd is closed */
        }
      int st;
      if (!(p[1].revents & POLLIN) && waitpid(pid, &st, WNOHANG | WNOWAIT) == pid)
        {
          /* Drain what it wrote before exiting. */
          ssize_t n;
          while ((n = read(master, buf, sizeof buf)) > 0)
            (void)lp_write_all(STDOUT_FILENO, buf, (size_t)n);
          break;
        }
    }
  if (sfd >= 0)
    close(sfd);
  sigprocmask(SIG_UNBLOCK, &mask, NULL);
  return detached;
}

static int run(struct lp_args *args)
{
  lp_error_t err = NULL;
  struct lp_store *s = NULL;
  struct lp_container_info *c = NULL;
  struct lp_ctr_config *cfg = NULL;
  struct lp_ctr_spec cs = { 0 };
  struct lp_runtime_result res = { .pid = -1, .pidfd = -1, .pty_master = -1 };
  char **env = NULL;
  int status = LP_EXIT_ERROR, nullfd = -1;
  bool tty = lp_args_bool(args, "tty"), in = lp_args_bool(args, "interactive"), detach = lp_args_bool(args, "detach");
  struct termios saved;
  bool raw = false;

  struct lp_detach_keys keys;
  if (lp_detach_keys_parse(lp_args_str(args, "detach-keys"), &keys, &err) < 0)
    return lp_cli_ctr_fail(&err);
  if (args->argc < 2)
    {
      lp_error(&err, 0, "exec requires the name or ID of a container and a command to run");
      return lp_cli_ctr_fail(&err);
    }
  char **cmd = args->argv + 1;
  if (lp_cli_store_open(&s, &err) < 0)
    return lp_cli_ctr_fail(&err);
  if (lp_cli_ctr_find(s, args->argv[0], &c, &err) <= 0 || lp_ctr_state_refresh(s, c, &err) < 0)
    goto fail;
  if (!lp_ctr_is_running(c) || !lp_proc_alive((pid_t)c->pid, c->pid_start))
    {
      lp_error(&err, 0, "can only create exec sessions on running containers: container state improper");
      goto fail;
    }
  if (lp_ctr_config_from_json(c->config_json, &cfg, &err) < 0)
    goto fail;
  if (lp_ctr_config_spec(cfg, "/", NULL, &cs, &err) < 0)
    goto fail;

  /* The container's environment, then --env-file and -e in order. */
  for (size_t i = 0; cfg->env && cfg->env[i]; i++)
    lp_ctr_env_set(&env, cfg->env[i]);
  if (tty)
    lp_ctr_env_set(&env, "TERM=xterm");
  for (size_t i = 0; i < args->nvalues; i++)
    {
      const struct lp_opt_value *v = &args->values[i];
      const char *val = v->value ? v->value : "";
      if (strcmp(v->opt->name, "env-file") == 0 && env_file(&env, val, &err) < 0)
        goto fail;
      if (strcmp(v->opt->name, "env") == 0)
        {
          if (!*val || *val == '=')
            {
              lp_error(&err, 0, "invalid --env `%s`", val);
              goto fail;
            }
          env_add(&env, val);
        }
    }
  struct lp_runtime_spec *spec = &cs.spec;
  spec->argv = cmd;
  spec->env = env;
  const char *user = lp_args_str(args, "user"), *wd = lp_args_str(args, "workdir");
  if (user)
    spec->user = *user ? user : NULL;
  if (wd && *wd)
    spec->cwd = wd;
  if (lp_args_bool(args, "privileged"))
    {
      spec->privileged = true;
      spec->no_new_privs = false;
    }
  spec->tty = tty && !detach;
  struct winsize ws;
  if (spec->tty && (ioctl(STDIN_FILENO, TIOCGWINSZ, &ws) == 0 || ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0))
    {
      /* Sized before the command starts: it may ask at once. */
      spec->tty_rows = ws.ws_row;
      spec->tty_cols = ws.ws_col;
    }
  spec->init = false;
  const char *pf = lp_args_str(args, "preserve-fds");
  if (pf)
    {
      char *end;
      long n = strtol(pf, &end, 10);
      if (!*pf || *end || n < 0 || n > 1024)
        {
          lp_error(&err, 0, "invalid argument \"%s\" for \"--preserve-fds\" flag", pf);
          goto fail;
        }
      spec->preserve_fds = (unsigned)n;
    }
  for (int i = 0; i < 3; i++)
    spec->stdio[i] = -1;
  if (detach || !in)
    {
      if ((nullfd = open("/dev/null", O_RDWR | O_CLOEXEC)) < 0)
        {
          lp_error(&err, errno, "open /dev/null");
          goto fail;
        }
      if (detach)
        spec->stdio[0] = spec->stdio[1] = spec->stdio[2] = nullfd;
      else if (!tty)
        spec->stdio[0] = nullfd;
    }
  fflush(NULL);
  if (lp_runtime_exec((pid_t)c->pid, spec, &res, &err) < 0)
    goto fail;
  if (detach)
    {
      /* Nobody waits for it here: it lives on in the container. */
      printf("%d\n", (int)res.pid);
      status = 0;
      goto out;
    }
  if (res.pty_master >= 0)
    {
      if (in && isatty(STDIN_FILENO) && tcgetattr(STDIN_FILENO, &saved) == 0)
        {
          struct termios t = saved;
          cfmakeraw(&t);
          raw = tcsetattr(STDIN_FILENO, TCSANOW, &t) == 0;
        }
      bool detached = pump(res.pty_master, res.pid, in, &keys);
      if (raw)
        tcsetattr(STDIN_FILENO, TCSANOW, &saved);
      if (detached)
        {
          /* As Podman: nothing printed, 0; the command runs on. Out of
           * our process group, so the hangup our session's leader sends
           * when it leaves is not forwarded to it. */
          if (setpgid(res.pid, res.pid) < 0)
            lp_debug("setpgid: %s", strerror(errno));
          hold_detached(res.pty_master);
          status = 0;
          goto out;
        }
    }
  else
    {
      /* Our signals go to the command, as Podman's exec does for -i. */
      signal(SIGINT, SIG_IGN);
      signal(SIGQUIT, SIG_IGN);
    }
  if (lp_runtime_wait(res.pid, &status, &err) < 0)
    goto fail;
  goto out;

fail:
  status = lp_cli_ctr_fail(&err);
out:
  if (res.pidfd >= 0)
    close(res.pidfd);
  if (res.pty_master >= 0)
    close(res.pty_master);
  if (nullfd >= 0)
    close(nullfd);
  for (size_t i = 0; env && env[i]; i++)
    free(env[i]);
  free(env);
  lp_ctr_spec_free(&cs);
  lp_ctr_config_free(cfg);
  lp_container_info_free(c);
  lp_store_close(s);
  return status;
}

const struct lp_command lp_cmd_exec = {
  .name = "exec",
  .usage = "[options] CONTAINER COMMAND [ARG...]",
  .summary = "Run a process in a running container",
  .description = "Runs COMMAND in the namespaces of a running container, with the container's environment,\n"
                 "user and working directory unless overridden. The exit status is the command's (126: cannot\n"
                 "be invoked, 127: not found, 125: lilipod's own error).",
  .examples = "lilipod exec -it box1 sh\n"
              "lilipod exec --user alice --workdir /home/alice -e FOO=bar box1 env",
  .options = options,
  .flags = LP_CMD_STOP_AT_POSITIONAL,
  .min_args = 0,
  .max_args = -1,
  .complete = LP_COMPLETE_CONTAINERS,
  .run = run,
};
