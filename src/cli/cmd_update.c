/* lilipod update [options] CONTAINER: the original lilipod's update (change a
 * stopped container's settings for its next start, see container/edit.h),
 * plus Podman's resource flags, refused: lilipod manages no cgroups. */
#include "commands.h"
#include "ctr_cli.h"
#include "image_find.h"
#include "output.h"

#include "../container/edit.h"
#include "../container/state.h"
#include "../util/strbuf.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <string.h>

#define CGROUP_HELP "(not supported: lilipod does not manage cgroups)"

static const struct lp_option options[] = {
  { "cgroupns", 0, LP_OPT_STRING, "string", "cgroup namespace to use", NULL, "host private" },
  { "config-dump", 0, LP_OPT_BOOL, NULL, "Print the container's stored configuration (after the changes)", NULL,
    NULL },
  { "entrypoint", 0, LP_OPT_STRING, "string", "Overwrite the default ENTRYPOINT of the image", NULL, NULL },
  { "env", 'e', LP_OPT_LIST, "stringArray", "Set an environment variable (KEY=VALUE, or KEY from our environment)",
    NULL, NULL },
  { "env-file", 0, LP_OPT_LIST, "strings", "Read in a file of environment variables", NULL, LP_COMPLETE_FILES },
  { "env-rm", 0, LP_OPT_LIST, "stringArray", "Remove an environment variable", NULL, NULL },
  { "hostname", 'h', LP_OPT_STRING, "string", "Set the container's hostname", NULL, NULL },
  { "init", 0, LP_OPT_BOOL, NULL, "Run an init that forwards signals and reaps processes", NULL, NULL },
  { "ipc", 0, LP_OPT_STRING, "string", "IPC namespace to use", NULL, "host private" },
  { "label", 'l', LP_OPT_LIST, "stringArray", "Set a label (KEY=VALUE)", NULL, NULL },
  { "label-rm", 0, LP_OPT_LIST, "stringArray", "Remove a label", NULL, NULL },
  { "mount", 0, LP_OPT_LIST, "stringArray", "Add a mount (as create's --mount); one at the same destination is "
                                            "replaced", NULL, NULL },
  { "mount-rm", 0, LP_OPT_LIST, "stringArray", "Remove the volume or mount at this destination", NULL, NULL },
  { "network", 0, LP_OPT_STRING, "string", "Network mode: private (pasta, else slirp4netns), pasta, slirp4netns, "
                                            "host, none", NULL, "host none pasta private slirp4netns" },
  { "pid", 0, LP_OPT_STRING, "string", "PID namespace to use", NULL, "host private" },
  { "pids-limit", 0, LP_OPT_STRING, "int", "Tune the pids limit (recorded, as with create)", NULL, NULL },
  { "privileged", 0, LP_OPT_BOOL, NULL, "Give extended privileges to the container", NULL, NULL },
  { "read-only", 0, LP_OPT_BOOL, NULL, "Make the container's root filesystem read-only", NULL, NULL },
  { "read-only-tmpfs", 0, LP_OPT_BOOL, NULL, "With --read-only, writable tmpfs on /run, /tmp and /var/tmp", NULL,
    NULL },
  { "stop-signal", 0, LP_OPT_STRING, "string", "Signal to stop the container", NULL, NULL },
  { "stop-timeout", 0, LP_OPT_STRING, "uint", "Seconds to wait before killing the container on stop", NULL, NULL },
  { "tmpfs", 0, LP_OPT_LIST, "tmpfs", "Add a tmpfs mount", NULL, NULL },
  { "unsetenv", 0, LP_OPT_LIST, "stringArray", "Remove an environment variable (as --env-rm)", NULL, NULL },
  { "user", 'u', LP_OPT_STRING, "string", "Username or UID (format: <name|uid>[:<group|gid>])", NULL, NULL },
  { "userns", 0, LP_OPT_STRING, "string", "User namespace (cannot be changed after create)", NULL, NULL },
  { "uts", 0, LP_OPT_STRING, "string", "UTS namespace to use", NULL, "host private" },
  { "volume", 'v', LP_OPT_LIST, "stringArray", "Add a volume (as create's -v); one at the same destination is "
                                               "replaced", NULL, NULL },
  { "workdir", 'w', LP_OPT_STRING, "string", "Working directory inside the container", NULL, NULL },
  /* Podman's update flags: cgroup limits. */
  { "blkio-weight", 0, LP_OPT_STRING, "uint", "Block IO weight " CGROUP_HELP, NULL, NULL },
  { "blkio-weight-device", 0, LP_OPT_LIST, "strings", "Block IO weight per device " CGROUP_HELP, NULL, NULL },
  { "cpu-period", 0, LP_OPT_STRING, "uint", "CPU CFS period " CGROUP_HELP, NULL, NULL },
  { "cpu-quota", 0, LP_OPT_STRING, "int", "CPU CFS quota " CGROUP_HELP, NULL, NULL },
  { "cpu-rt-period", 0, LP_OPT_STRING, "uint", "CPU real-time period " CGROUP_HELP, NULL, NULL },
  { "cpu-rt-runtime", 0, LP_OPT_STRING, "int", "CPU real-time runtime " CGROUP_HELP, NULL, NULL },
  { "cpu-shares", 'c', LP_OPT_STRING, "uint", "CPU shares " CGROUP_HELP, NULL, NULL },
  { "cpus", 0, LP_OPT_STRING, "float", "Number of CPUs " CGROUP_HELP, NULL, NULL },
  { "cpuset-cpus", 0, LP_OPT_STRING, "string", "CPUs in which to allow execution " CGROUP_HELP, NULL, NULL },
  { "cpuset-mems", 0, LP_OPT_STRING, "string", "Memory nodes in which to allow execution " CGROUP_HELP, NULL, NULL },
  { "device-read-bps", 0, LP_OPT_LIST, "stringArray", "Read rate limit " CGROUP_HELP, NULL, NULL },
  { "device-read-iops", 0, LP_OPT_LIST, "stringArray", "Read IO/s limit " CGROUP_HELP, NULL, NULL },
  { "device-write-bps", 0, LP_OPT_LIST, "stringArray", "Write rate limit " CGROUP_HELP, NULL, NULL },
  { "device-write-iops", 0, LP_OPT_LIST, "stringArray", "Write IO/s limit " CGROUP_HELP, NULL, NULL },
  { "memory", 'm', LP_OPT_STRING, "string", "Memory limit " CGROUP_HELP, NULL, NULL },
  { "memory-reservation", 0, LP_OPT_STRING, "string", "Memory soft limit " CGROUP_HELP, NULL, NULL },
  { "memory-swap", 0, LP_OPT_STRING, "string", "Memory plus swap limit " CGROUP_HELP, NULL, NULL },
  { "memory-swappiness", 0, LP_OPT_STRING, "int", "Memory swappiness " CGROUP_HELP, NULL, NULL },
  { NULL },
};

static const char *const cgroup_flags[] = {
  "blkio-weight", "blkio-weight-device", "cpu-period", "cpu-quota", "cpu-rt-period", "cpu-rt-runtime",
  "cpu-shares", "cpus", "cpuset-cpus", "cpuset-mems", "device-read-bps", "device-read-iops", "device-write-bps",
  "device-write-iops", "memory", "memory-reservation", "memory-swap", "memory-swappiness", NULL,
};

static int run(struct lp_args *args)
{
  lp_error_t err = NULL;
  struct lp_store *s = NULL;
  struct lp_container_info *c = NULL;
  int rc = LP_EXIT_OK;
  bool dump = lp_args_bool(args, "config-dump");

  for (size_t i = 0; cgroup_flags[i]; i++)
    if (lp_args_has(args, cgroup_flags[i]))
      {
        lp_error(&err, 0, "--%s: resource limits need cgroups, which lilipod does not manage: not supported",
                 cgroup_flags[i]);
        return lp_cli_ctr_fail(&err);
      }
  size_t changes = 0;
  for (size_t i = 0; i < args->nvalues; i++)
    if (strcmp(args->values[i].opt->name, "config-dump") != 0 && strcmp(args->values[i].opt->name, "log-level") != 0)
      changes++;
  if (!changes && !dump)
    {
      lp_error(&err, 0, "nothing to update: give at least one option (see `lilipod update --help`)");
      return lp_cli_ctr_fail(&err);
    }
  if (lp_cli_store_open(&s, &err) < 0)
    return lp_cli_ctr_fail(&err);
  int r = lp_cli_ctr_find(s, args->argv[0], &c, &err);
  if (r <= 0)
    {
      lp_store_close(s);
      return lp_cli_ctr_fail(&err);
    }
  int lk = lp_ctr_lock(s, c->id, &err);
  bool changed = false;
  if (lk < 0 || (changes && lp_ctr_update(s, c, args, &changed, &err) < 0))
    rc = lp_cli_ctr_fail(&err);
  else if (dump)
    {
      cJSON *o = cJSON_Parse(c->config_json);
      struct strbuf sb = STRBUF_INIT;
      lp_json_print_go(&sb, o, "  ");
      printf("%s\n", sb.buf);
      strbuf_release(&sb);
      cJSON_Delete(o);
    }
  else
    printf("%s\n", c->id);
  if (lk >= 0)
    lp_ctr_unlock(lk);
  lp_container_info_free(c);
  lp_store_close(s);
  return rc;
}

const struct lp_command lp_cmd_update = {
  .name = "update",
  .usage = "[options] CONTAINER",
  .summary = "Change a stopped container's settings for its next start",
  .description =
    "Changes what create set: environment, labels, volumes and mounts, entrypoint, hostname,\n"
    "namespaces, privileges, user, workdir, stop signal. The container must not be running; the\n"
    "changes apply at its next start. -e, -l, -v, --mount and --tmpfs add (a mount at an existing\n"
    "destination replaces it); --env-rm/--unsetenv, --label-rm and --mount-rm remove. --config-dump\n"
    "prints the stored configuration (on a running container too). Podman's resource flags (--cpus,\n"
    "--memory, ...) are refused: lilipod does not manage cgroups. Prints the container's ID.",
  .examples = "lilipod update -e EDITOR=vim --label-rm old -v /srv:/srv:ro box1\n"
              "lilipod update --config-dump box1",
  .options = options,
  .min_args = 1,
  .max_args = 1,
  .complete = LP_COMPLETE_CONTAINERS,
  .run = run,
};
