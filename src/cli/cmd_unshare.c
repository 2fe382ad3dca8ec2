/* lilipod unshare [COMMAND [ARG...]] */
#include "commands.h"
#include "ctr_cli.h"
#include "image_find.h"

#include "../container/mount.h"
#include "../runtime/idmap.h"
#include "../runtime/namespaces.h"
#include "../runtime/runtime.h"
#include "../util/xalloc.h"

#include <errno.h>
#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

static const struct lp_option options[] = { { NULL } };

/* A live `lilipod mount` server: its namespaces are lilipod's, and joining
 * them is what lets one unshare session see another's mounts. 0 if none. */
static pid_t mount_server(struct lp_store *s)
{
  struct lp_container_info **all = NULL;
  size_t n = 0;
  lp_error_t err = NULL;
  pid_t pid = 0;
  if (lp_container_list(s, &all, &n, &err) < 0)
    {
      lp_error_free(&err);
      return 0;
    }
  for (size_t i = 0; i < n && !pid; i++)
    {
      struct lp_ctr_mount_info m;
      if (lp_ctr_mounted(s, all[i]->id, &m))
        pid = m.pid;
    }
  lp_container_list_free(all, n);
  return pid;
}

/* name in $PATH as Go's exec.LookPath finds it (a regular file with an
 * execute bit; a directory we cannot search is passed over), or NULL. */
static char *look_path(const char *name)
{
  const char *p = getenv("PATH");
  if (!p)
    p = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
  for (;;)
    {
      const char *colon = strchr(p, ':');
      size_t n = colon ? (size_t)(colon - p) : strlen(p);
      char *cand = n ? xasprintf("%.*s/%s", (int)n, p, name) : xasprintf("./%s", name);
      struct stat st;
      if (stat(cand, &st) == 0 && S_ISREG(st.st_mode) && (st.st_mode & 0111))
        return cand;
      free(cand);
      if (!colon)
        return NULL;
      p = colon + 1;
    }
}

/* Rootless: into lilipod's user namespace (the containers' id mapping, as
 * its root) and a mount namespace: the one of a live mount server, or new. */
static int enter(pid_t server, lp_error_t *err)
{
  if (server > 0)
    {
      bool joined = false;
      char *cwd = getcwd(NULL, 0);
      int rc = lp_ns_join_user_mnt(server, &joined, err);
      if (rc == 0 && joined && (setresgid(0, 0, 0) < 0 || setresuid(0, 0, 0) < 0))
        rc = lp_error(err, errno, "become root in lilipod's user namespace");
      /* Joining a mount namespace moved us to its root. */
      if (rc == 0 && cwd && chdir(cwd) < 0)
        rc = lp_error(err, errno, "change back to `%s`", cwd);
      free(cwd);
      return rc;
    }
  if (lp_runtime_unshare_user(LP_USERNS_KEEP_ID, err) < 0)
    return -1;
  if (unshare(CLONE_NEWNS) < 0)
    return lp_error(err, errno, "unshare the mount namespace");
  /* The host's mounts still show here; ours stay here. */
  if (mount(NULL, "/", NULL, MS_REC | MS_SLAVE, NULL) < 0)
    return lp_error(err, errno, "make / a slave mount");
  return 0;
}

static int run(struct lp_args *args)
{
  lp_error_t err = NULL;
  struct lp_store *s = NULL;
  bool initial = lp_userns_is_initial();

  if (geteuid() == 0 && initial)
    {
      lp_error(&err, 0, "please use unshare with rootless");
      return lp_cli_ctr_fail(&err);
    }
  char *shell[] = { getenv("SHELL"), NULL };
  char **argv = args->argc > 0 ? args->argv : shell;
  if (!argv[0] || !*argv[0])
    {
      lp_error(&err, 0, "no command specified and no $SHELL specified");
      return lp_cli_ctr_fail(&err);
    }
  if (lp_cli_store_open(&s, &err) < 0)
    return lp_cli_ctr_fail(&err);
  char *abs = realpath(lp_store_home(s), NULL);
  cleanup_free char *home = abs ? abs : xstrdup(lp_store_home(s));
  pid_t server = geteuid() != 0 ? mount_server(s) : 0;
  lp_store_close(s);
  /* Root of a user namespace already (inside `lilipod unshare`): run here. */
  if (geteuid() != 0 && enter(server, &err) < 0)
    return lp_cli_ctr_fail(&err);
  /* As Podman's CONTAINERS_GRAPHROOT: lilipod run in here finds the same store. */
  setenv("LILIPOD_HOME", home, 1);
  cleanup_free char *path = strchr(argv[0], '/') ? xstrdup(argv[0]) : look_path(argv[0]);
  if (!path)
    {
      lp_error(&err, 0, "exec: \"%s\": executable file not found in $PATH", argv[0]);
      err->exit_code = LP_EXIT_NOT_FOUND;
      return lp_cli_ctr_fail(&err);
    }
  fflush(NULL);
  execv(path, argv);
  int e = errno;
  lp_error(&err, 0, "fork/exec %s: %s", path, strerror(e));
  err->exit_code = e == ENOENT ? LP_EXIT_NOT_FOUND : LP_EXIT_CANNOT_INVOKE;
  return lp_cli_ctr_fail(&err);
}

const struct lp_command lp_cmd_unshare = {
  .name = "unshare",
  .usage = "[options] [COMMAND [ARG...]]",
  .summary = "Run a command in a modified user namespace",
  .description =
    "Runs COMMAND (by default $SHELL) as root of lilipod's user namespace, where ids are mapped as in\n"
    "rootless containers (your own uid and gid unchanged, root and every other id from /etc/subuid and\n"
    "/etc/subgid), with a mount namespace of its own, and LILIPOD_HOME set to the store. Inside it,\n"
    "`lilipod mount` works for a rootless user. While a container is mounted, every `lilipod unshare`\n"
    "joins the namespaces of its mount, so later sessions see earlier mounts. Root inside is a\n"
    "subordinate id on the host: files it creates outside the store belong to that id (lilipod's own\n"
    "files in the store stay yours). The exit status is COMMAND's. Root has no use for it (an error,\n"
    "as in Podman). Podman's --rootless-netns is not supported (lilipod has no rootless network\n"
    "namespace).",
  .examples = "lilipod unshare id -u\n"
              "lilipod unshare cat /proc/self/uid_map\n"
              "lilipod unshare sh -c 'ls $(lilipod mount box1)'",
  .options = options,
  .flags = LP_CMD_STOP_AT_POSITIONAL,
  .min_args = 0,
  .max_args = -1,
  .complete = LP_COMPLETE_FILES,
  .run = run,
};
