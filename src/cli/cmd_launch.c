/*
 * Hidden test commands that drive the namespace launcher directly, with no
 * image, store or supervisor:
 *   lilipod __launch [flags] ROOTFS [--] CMD...   run CMD in ROOTFS, wait, exit with its status
 *   lilipod __exec [flags] PID [--] CMD...        run CMD in the container whose init is PID
 */
#include "commands.h"

#include "../runtime/process.h"
#include "../runtime/runtime.h"
#include "../util/fsutil.h"
#include "../util/log.h"
#include "../util/xalloc.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <spawn.h>
#include <sys/mount.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static const struct lp_option launch_options[] = {
  { "user", 'u', LP_OPT_STRING, "string", "Username or UID (format: <name|uid>[:<group|gid>])", NULL, NULL },
  { "workdir", 'w', LP_OPT_STRING, "string", "Working directory inside the container", NULL, NULL },
  { "env", 'e', LP_OPT_LIST, "stringArray", "Set environment variables", NULL, NULL },
  { "hostname", 'h', LP_OPT_STRING, "string", "Set container hostname", NULL, NULL },
  { "pid", 0, LP_OPT_STRING, "string", "PID namespace: private or host", NULL, "private host" },
  { "network", 0, LP_OPT_STRING, "string", "Network: none, private or host", NULL, "none private host" },
  { "uts", 0, LP_OPT_STRING, "string", "UTS namespace: private or host", NULL, "private host" },
  { "ipc", 0, LP_OPT_STRING, "string", "IPC namespace: private or host", NULL, "private host" },
  { "cgroupns", 0, LP_OPT_STRING, "string", "cgroup namespace: private or host", NULL, "private host" },
  { "userns", 0, LP_OPT_STRING, "string", "User namespace: auto, keep-id, private or host", NULL,
    "auto keep-id private host" },
  { "volume", 'v', LP_OPT_LIST, "stringArray", "Bind mount a volume (SRC:DST[:OPTS] or DST)", NULL, NULL },
  { "tmpfs", 0, LP_OPT_LIST, "stringArray", "Mount a tmpfs (DST[:OPTS])", NULL, NULL },
  { "privileged", 0, LP_OPT_BOOL, NULL, "Give extended privileges to the container", NULL, NULL },
  { "no-new-privs", 0, LP_OPT_BOOL, NULL, "Set no_new_privs (default true unless privileged)", NULL, NULL },
  { "init", 0, LP_OPT_BOOL, NULL, "Run an init inside the container that forwards signals and reaps", NULL,
    NULL },
  { "tty", 't', LP_OPT_BOOL, NULL, "Allocate a pseudo-TTY", NULL, NULL },
  { "cap-add", 0, LP_OPT_LIST, "stringArray", "Add capabilities", NULL, NULL },
  { "cap-drop", 0, LP_OPT_LIST, "stringArray", "Drop capabilities", NULL, NULL },
  { "group-add", 0, LP_OPT_LIST, "stringArray", "Add supplementary groups (numeric)", NULL, NULL },
  { "name", 0, LP_OPT_STRING, "string", "Name for /run/.containerenv", NULL, NULL },
  { "id", 0, LP_OPT_STRING, "string", "Id for /run/.containerenv", NULL, NULL },
  { "image", 0, LP_OPT_STRING, "string", "Image for /run/.containerenv", NULL, NULL },
  { "pidfile", 0, LP_OPT_STRING, "string", "Write the container's host pid here", NULL, NULL },
  { "fuse-overlay", 0, LP_OPT_BOOL, NULL,
    "Serve ROOTFS through fuse-overlayfs from this process's own user and mount namespace, as a supervisor "
    "will, and launch into that FUSE mount",
    NULL, NULL },
  { NULL },
};

struct launch_state
{
  struct lp_runtime_spec spec;
  struct lp_mount *mounts;
  size_t nmounts;
  gid_t *groups;
  char *tmpdir; /* generated files and anonymous volumes */
  const char **env;
};

static int parse_ns(const struct lp_args *args, const char *name, enum lp_ns_mode *out, lp_error_t *err)
{
  const char *v = lp_args_str(args, name);
  if (!v || strcmp(v, "private") == 0 || strcmp(v, "none") == 0 || strcmp(v, "") == 0)
    *out = LP_NS_PRIVATE;
  else if (strcmp(v, "host") == 0)
    *out = LP_NS_HOST;
  else
    return lp_error(err, 0, "invalid --%s `%s`: want private or host", name, v);
  return 0;
}

static int parse_volume_opts(struct lp_mount *m, const char *opts, lp_error_t *err)
{
  cleanup_free char *copy = xstrdup(opts);
  char *save = NULL;
  for (char *o = strtok_r(copy, ",", &save); o; o = strtok_r(NULL, ",", &save))
    {
      static const struct
      {
        const char *name;
        enum lp_propagation p;
      } props[] = { { "private", LP_PROP_PRIVATE }, { "rprivate", LP_PROP_RPRIVATE }, { "slave", LP_PROP_SLAVE },
                    { "rslave", LP_PROP_RSLAVE },   { "shared", LP_PROP_SHARED },     { "rshared", LP_PROP_RSHARED } };
      bool done = false;
      for (size_t i = 0; i < sizeof props / sizeof props[0]; i++)
        if (strcmp(o, props[i].name) == 0)
          {
            m->propagation = props[i].p;
            done = true;
          }
      if (done)
        continue;
      if (strcmp(o, "ro") == 0)
        m->readonly = true;
      else if (strcmp(o, "rw") == 0)
        m->readonly = false;
      else if (strcmp(o, "bind") == 0)
        m->recursive = false;
      else if (strcmp(o, "rbind") == 0)
        m->recursive = true;
      else if (strcmp(o, "nosuid") == 0)
        m->nosuid = true;
      else if (strcmp(o, "nodev") == 0)
        m->nodev = true;
      else if (strcmp(o, "noexec") == 0)
        m->noexec = true;
      else if (strcmp(o, "z") == 0 || strcmp(o, "Z") == 0 || strcmp(o, "suid") == 0 || strcmp(o, "dev") == 0
               || strcmp(o, "exec") == 0)
        ;
      else
        return lp_error(err, 0, "invalid volume option `%s`", o);
    }
  return 0;
}

static int add_volume(struct launch_state *st, const char *v, size_t idx, lp_error_t *err)
{
  struct lp_mount m = { 0 };
  cleanup_free char *copy = xstrdup(v);
  char *parts[3] = { NULL, NULL, NULL };
  size_t n = 0;
  for (char *p = copy, *c; p && n < 3; p = c ? c + 1 : NULL)
    {
      c = strchr(p, ':');
      if (c && n < 2)
        *c = '\0';
      else
        c = NULL;
      parts[n++] = p;
    }
  m.type = LP_MOUNT_BIND;
  m.recursive = true;
  if (n == 1)
    {
      /* An anonymous volume: a fresh directory of our own. */
      if (parts[0][0] != '/')
        return lp_error(err, 0, "invalid volume `%s`: the destination must be absolute", v);
      char *dir = xasprintf("%s/anon-%zu", st->tmpdir, idx);
      if (mkdir(dir, 0755) < 0)
        {
          int e = errno;
          free(dir);
          return lp_error(err, e, "create anonymous volume for `%s`", v);
        }
      m.source = dir;
      m.destination = xstrdup(parts[0]);
    }
  else
    {
      if (parts[0][0] != '/' || parts[1][0] != '/')
        return lp_error(err, 0, "invalid volume `%s`: want /SRC:/DST[:OPTS] (named volumes need `run`)", v);
      m.source = xstrdup(parts[0]);
      m.destination = xstrdup(parts[1]);
      if (n == 3 && parse_volume_opts(&m, parts[2], err) < 0)
        {
          free((char *)m.source);
          free((char *)m.destination);
          return lp_error_wrap(err, "volume `%s`", v);
        }
    }
  st->mounts = xreallocarray(st->mounts, st->nmounts + 1, sizeof *st->mounts);
  st->mounts[st->nmounts++] = m;
  return 0;
}

static int add_tmpfs(struct launch_state *st, const char *v, lp_error_t *err)
{
  struct lp_mount m = { 0 };
  const char *c = strchr(v, ':');
  if (v[0] != '/')
    return lp_error(err, 0, "invalid tmpfs `%s`: the destination must be absolute", v);
  m.type = LP_MOUNT_TMPFS;
  m.destination = c ? xstrndup(v, (size_t)(c - v)) : xstrdup(v);
  m.data = c ? xstrdup(c + 1) : NULL;
  st->mounts = xreallocarray(st->mounts, st->nmounts + 1, sizeof *st->mounts);
  st->mounts[st->nmounts++] = m;
  return 0;
}

static void state_free(struct launch_state *st)
{
  for (size_t i = 0; i < st->nmounts; i++)
    {
      free((char *)st->mounts[i].source);
      free((char *)st->mounts[i].destination);
      free((char *)st->mounts[i].data);
    }
  free(st->mounts);
  free(st->groups);
  free(st->env);
  if (st->tmpdir)
    {
      lp_error_t e = NULL;
      if (lp_rm_rf_at(AT_FDCWD, st->tmpdir, &e) < 0)
        lp_error_free(&e);
      free(st->tmpdir);
    }
}

static int build_spec(const struct lp_args *args, bool for_exec, struct launch_state *st, lp_error_t *err)
{
  struct lp_runtime_spec *spec = &st->spec;
  size_t n;
  const char **list;

  lp_runtime_spec_init(spec);
  spec->user = lp_args_str(args, "user");
  spec->cwd = lp_args_str(args, "workdir");
  spec->hostname = lp_args_str(args, "hostname");
  spec->privileged = lp_args_bool(args, "privileged");
  if (lp_args_has(args, "no-new-privs"))
    spec->no_new_privs = lp_args_bool(args, "no-new-privs");
  spec->init = lp_args_bool(args, "init");
  spec->tty = lp_args_bool(args, "tty");
  st->env = lp_args_list(args, "env", &n);
  spec->env = (char *const *)st->env;

  list = lp_args_list(args, "cap-add", &n);
  for (size_t i = 0; i < n; i++)
    {
      unsigned long long m;
      if (lp_cap_parse(list[i], &m, err) < 0)
        {
          free(list);
          return -1;
        }
      spec->cap_add |= m;
    }
  free(list);
  list = lp_args_list(args, "cap-drop", &n);
  for (size_t i = 0; i < n; i++)
    {
      unsigned long long m;
      if (lp_cap_parse(list[i], &m, err) < 0)
        {
          free(list);
          return -1;
        }
      spec->cap_drop |= m;
    }
  free(list);
  list = lp_args_list(args, "group-add", &n);
  st->groups = xcalloc(n ? n : 1, sizeof *st->groups);
  for (size_t i = 0; i < n; i++)
    {
      char *end;
      errno = 0;
      unsigned long g = strtoul(list[i], &end, 10);
      if (errno || *end || end == list[i] || g > 0xfffffffeUL)
        {
          lp_error(err, 0, "invalid --group-add `%s`: want a numeric gid", list[i]);
          free(list);
          return -1;
        }
      st->groups[i] = (gid_t)g;
    }
  spec->groups = st->groups;
  spec->ngroups = n;
  free(list);
  if (for_exec)
    return 0;

  if (parse_ns(args, "pid", &spec->ns[LP_NS_PID], err) < 0 || parse_ns(args, "network", &spec->ns[LP_NS_NET], err) < 0
      || parse_ns(args, "uts", &spec->ns[LP_NS_UTS], err) < 0 || parse_ns(args, "ipc", &spec->ns[LP_NS_IPC], err) < 0
      || parse_ns(args, "cgroupns", &spec->ns[LP_NS_CGROUP], err) < 0)
    return -1;
  const char *u = lp_args_str(args, "userns");
  if (!u || !*u || strcmp(u, "auto") == 0)
    spec->userns = LP_USERNS_AUTO;
  else if (strcmp(u, "keep-id") == 0)
    spec->userns = LP_USERNS_KEEP_ID;
  else if (strcmp(u, "private") == 0)
    spec->userns = LP_USERNS_PRIVATE;
  else if (strcmp(u, "host") == 0)
    spec->userns = LP_USERNS_HOST;
  else
    return lp_error(err, 0, "invalid --userns `%s`: want auto, keep-id, private or host", u);

  const char *tmp = getenv("TMPDIR");
  char *tmpl = xasprintf("%s/lilipod-launch-XXXXXX", tmp && *tmp ? tmp : "/tmp");
  if (!mkdtemp(tmpl))
    {
      int e = errno;
      free(tmpl);
      return lp_error(err, e, "create a temporary directory");
    }
  st->tmpdir = tmpl;
  spec->genfiles_dir = st->tmpdir;
  spec->containerenv.name = lp_args_str(args, "name");
  spec->containerenv.id = lp_args_str(args, "id");
  spec->containerenv.image = lp_args_str(args, "image");
  spec->containerenv.imageid = "";

  /* Volumes and tmpfs mounts, in command-line order. */
  size_t idx = 0;
  for (size_t i = 0; i < args->nvalues; i++)
    {
      const struct lp_opt_value *v = &args->values[i];
      if (strcmp(v->opt->name, "volume") == 0 && add_volume(st, v->value ? v->value : "", idx++, err) < 0)
        return -1;
      if (strcmp(v->opt->name, "tmpfs") == 0 && add_tmpfs(st, v->value ? v->value : "", err) < 0)
        return -1;
    }
  spec->mounts = st->mounts;
  spec->nmounts = st->nmounts;
  return 0;
}

/* Copy between our terminal and the pty until the container exits. */
static void pump_pty(int master, pid_t pid)
{
  char buf[4096];
  struct pollfd p[2] = { { STDIN_FILENO, POLLIN, 0 }, { master, POLLIN, 0 } };
  for (;;)
    {
      if (poll(p, 2, 200) < 0 && errno != EINTR)
        break;
      if (p[0].revents & (POLLIN | POLLHUP))
        {
          ssize_t r = read(STDIN_FILENO, buf, sizeof buf);
          if (r <= 0)
            p[0].fd = -1;
          else
            (void)lp_write_all(master, buf, (size_t)r);
        }
      if (p[1].revents & (POLLIN | POLLHUP | POLLERR))
        {
          ssize_t r = read(master, buf, sizeof buf);
          if (r <= 0)
            break;
          (void)lp_write_all(STDOUT_FILENO, buf, (size_t)r);
        }
      int st;
      if (!(p[1].revents & POLLIN) && waitpid(pid, &st, WNOHANG | WNOWAIT) == pid)
        break;
    }
}

static int finish(struct launch_state *st, struct lp_runtime_result *res, const char *pidfile)
{
  lp_error_t err = NULL;
  int status = LP_EXIT_ERROR;
  if (pidfile)
    {
      char *s = xasprintf("%d\n", (int)res->pid);
      if (lp_write_file_at(AT_FDCWD, pidfile, s, strlen(s), 0644, 0, &err) < 0)
        {
          lp_cli_print_error(err);
          lp_error_free(&err);
        }
      free(s);
    }
  if (res->pty_master >= 0)
    pump_pty(res->pty_master, res->pid);
  if (lp_runtime_wait(res->pid, &status, &err) < 0)
    {
      lp_cli_print_error(err);
      lp_error_free(&err);
      status = LP_EXIT_ERROR;
    }
  if (res->pidfd >= 0)
    close(res->pidfd);
  if (res->pty_master >= 0)
    close(res->pty_master);
  (void)st;
  return status;
}

static int fail(lp_error_t *err)
{
  int code = (*err)->exit_code ? (*err)->exit_code : LP_EXIT_ERROR;
  lp_cli_print_error(*err);
  lp_error_free(err);
  return code;
}

extern char **environ;

/* The supervisor's half of the FUSE seam, with fuse-overlayfs standing in
 * for lilipod's own FUSE server: enter a user namespace (rootless) and a
 * private mount namespace, mount the union at tmpdir/merged from there, and
 * return that path. The container's init then pivots in a mount namespace
 * of its own, while the FUSE daemon keeps serving from this one. */
static char *fuse_overlay_rootfs(struct launch_state *st, const char *lower, lp_error_t *err)
{
  if (geteuid() != 0 && lp_runtime_unshare_user(LP_USERNS_KEEP_ID, err) < 0)
    return NULL;
  if (unshare(CLONE_NEWNS) < 0)
    {
      lp_error(err, errno, "unshare the supervisor's mount namespace");
      return NULL;
    }
  if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
    {
      lp_error(err, errno, "make / private");
      return NULL;
    }
  char *upper = xasprintf("%s/upper", st->tmpdir), *work = xasprintf("%s/work", st->tmpdir);
  char *merged = xasprintf("%s/merged", st->tmpdir);
  char *opts = xasprintf("lowerdir=%s,upperdir=%s,workdir=%s", lower, upper, work);
  char *argv[] = { "fuse-overlayfs", "-o", opts, merged, NULL };
  int status = -1;
  pid_t pid;
  if (mkdir(upper, 0755) < 0 || mkdir(work, 0755) < 0 || mkdir(merged, 0755) < 0)
    lp_error(err, errno, "create the overlay directories");
  else if ((errno = posix_spawnp(&pid, "fuse-overlayfs", NULL, NULL, argv, environ)) != 0)
    lp_error(err, errno, "run fuse-overlayfs");
  else if (lp_runtime_wait(pid, &status, err) == 0 && status != 0)
    lp_error(err, 0, "fuse-overlayfs failed with status %d", status);
  free(upper);
  free(work);
  free(opts);
  if (status != 0)
    {
      free(merged);
      return NULL;
    }
  return merged;
}

static int run_launch(struct lp_args *args)
{
  struct launch_state st = { 0 };
  struct lp_runtime_result res;
  lp_error_t err = NULL;
  int status;

  if (build_spec(args, false, &st, &err) < 0)
    {
      state_free(&st);
      return fail(&err);
    }
  char **cmd = args->argv + 1;
  if (cmd[0] && strcmp(cmd[0], "--") == 0)
    cmd++;
  st.spec.rootfs = args->argv[0];
  st.spec.argv = cmd;
  char *merged = NULL;
  if (lp_args_bool(args, "fuse-overlay"))
    {
      if (!(merged = fuse_overlay_rootfs(&st, args->argv[0], &err)))
        {
          state_free(&st);
          return fail(&err);
        }
      st.spec.rootfs = merged;
      st.spec.userns = LP_USERNS_CURRENT;
    }
  if (lp_runtime_launch(&st.spec, &res, &err) < 0)
    status = fail(&err);
  else
    status = finish(&st, &res, lp_args_str(args, "pidfile"));
  if (merged)
    {
      /* Unmounting ends the daemon; the upper stays for the caller to see. */
      if (umount2(merged, MNT_DETACH) < 0)
        lp_warn("unmount `%s`: %s", merged, strerror(errno));
      free(merged);
    }
  state_free(&st);
  return status;
}

static int run_exec(struct lp_args *args)
{
  struct launch_state st = { 0 };
  struct lp_runtime_result res;
  lp_error_t err = NULL;
  char *end;
  int status;

  errno = 0;
  long pid = strtol(args->argv[0], &end, 10);
  if (errno || *end || pid <= 0)
    {
      lp_error(&err, 0, "invalid pid `%s`", args->argv[0]);
      return fail(&err);
    }
  if (build_spec(args, true, &st, &err) < 0)
    {
      state_free(&st);
      return fail(&err);
    }
  char **cmd = args->argv + 1;
  if (cmd[0] && strcmp(cmd[0], "--") == 0)
    cmd++;
  st.spec.argv = cmd;
  if (lp_runtime_exec((pid_t)pid, &st.spec, &res, &err) < 0)
    {
      state_free(&st);
      return fail(&err);
    }
  status = finish(&st, &res, NULL);
  state_free(&st);
  return status;
}

const struct lp_command lp_cmd_internal_launch = {
  .name = "__launch",
  .usage = "[options] ROOTFS [--] COMMAND [ARG...]",
  .summary = "Run a command in ROOTFS with the namespace launcher (tests)",
  .options = launch_options,
  .flags = LP_CMD_HIDDEN | LP_CMD_STOP_AT_POSITIONAL,
  .min_args = 2,
  .max_args = -1,
  .run = run_launch,
};

const struct lp_command lp_cmd_internal_exec = {
  .name = "__exec",
  .usage = "[options] PID [--] COMMAND [ARG...]",
  .summary = "Run a command in the namespaces of a launched container (tests)",
  .options = launch_options,
  .flags = LP_CMD_HIDDEN | LP_CMD_STOP_AT_POSITIONAL,
  .min_args = 2,
  .max_args = -1,
  .run = run_exec,
};
