/*
 * ctr_options: the option-table entries `create` and `run` share, named as
 * Podman names them. Use inside a table:
 *   static const struct lp_option opts[] = { LP_CTR_CREATE_OPTIONS { "detach", 'd', ... }, { NULL } };
 * lp_ctr_config_from_args() (src/container/config.h) reads them.
 */
#ifndef LILIPOD_CLI_CTR_OPTIONS_H
#define LILIPOD_CLI_CTR_OPTIONS_H

#include "command.h"

#define LP_CTR_CREATE_OPTIONS                                                                                \
  { "add-host", 0, LP_OPT_LIST, "strings", "Add a custom host-to-IP mapping (host:ip)", NULL, NULL },               \
    { "annotation", 0, LP_OPT_LIST, "stringArray", "Add annotations to the container (key=value)", NULL, NULL },      \
    { "attach", 'a', LP_OPT_LIST, "strings", "Attach to STDIN, STDOUT or STDERR", NULL, "stdin stdout stderr" },   \
    { "authfile", 0, LP_OPT_STRING, "string", "Path of the authentication file", NULL, LP_COMPLETE_FILES },        \
    { "cap-add", 0, LP_OPT_LIST, "strings", "Add capabilities to the container", NULL, NULL },                     \
    { "cap-drop", 0, LP_OPT_LIST, "strings", "Drop capabilities from the container", NULL, NULL },                 \
    { "cgroupns", 0, LP_OPT_STRING, "string", "cgroup namespace to use", NULL, "host private" },                   \
    { "dns", 0, LP_OPT_LIST, "strings", "Set custom DNS servers", NULL, NULL },                                    \
    { "dns-option", 0, LP_OPT_LIST, "strings", "Set custom DNS options", NULL, NULL },                             \
    { "dns-search", 0, LP_OPT_LIST, "strings", "Set custom DNS search domains", NULL, NULL },                      \
    { "entrypoint", 0, LP_OPT_STRING, "string", "Overwrite the default ENTRYPOINT of the image", NULL, NULL },     \
    { "env", 'e', LP_OPT_LIST, "stringArray", "Set environment variables in container", NULL, NULL },             \
    { "env-file", 0, LP_OPT_LIST, "strings", "Read in a file of environment variables", NULL, LP_COMPLETE_FILES }, \
    { "expose", 0, LP_OPT_LIST, "strings", "Expose a port or a range of ports", NULL, NULL },                       \
    { "group-add", 0, LP_OPT_LIST, "strings", "Add additional groups to the primary container process", NULL,     \
      NULL },                                                                                                  \
    { "hostname", 'h', LP_OPT_STRING, "string", "Set container hostname", NULL, NULL },                            \
    { "init", 0, LP_OPT_BOOL, NULL, "Run an init binary inside the container that forwards signals and reaps "     \
                                    "processes",                                                              \
      NULL, NULL },                                                                                            \
    { "interactive", 'i', LP_OPT_BOOL, NULL, "Keep STDIN open even if not attached", NULL, NULL },                 \
    { "ipc", 0, LP_OPT_STRING, "string", "IPC namespace to use", NULL, "host private" },                           \
    { "label", 'l', LP_OPT_LIST, "stringArray", "Set metadata on container", NULL, NULL },                         \
    { "mount", 0, LP_OPT_LIST, "stringArray", "Attach a filesystem mount to the container", NULL, NULL },          \
    { "name", 0, LP_OPT_STRING, "string", "Assign a name to the container", NULL, NULL },                          \
    { "network", 0, LP_OPT_STRING, "string", "Connect a container to a network", NULL,               \
      "private pasta slirp4netns host none" },      \
    { "pid", 0, LP_OPT_STRING, "string", "PID namespace to use", NULL, "host private" },                           \
    { "pids-limit", 0, LP_OPT_STRING, "int", "Tune container pids limit (set -1 for unlimited)", NULL, NULL },     \
    { "platform", 0, LP_OPT_STRING, "string", "Specify the platform for selecting the image", NULL, NULL },        \
    { "privileged", 0, LP_OPT_BOOL, NULL, "Give extended privileges to container", NULL, NULL },                  \
    { "publish", 'p', LP_OPT_LIST, "strings", "Publish a container's port, or a range of ports, to the host",     \
      NULL, NULL },                                                                                            \
    { "publish-all", 'P', LP_OPT_BOOL, NULL, "Publish all exposed ports to random ports on the host interfaces",  \
      NULL, NULL },                                                                                            \
    { "pull", 0, LP_OPT_STRING, "string", "Pull image policy", "missing", "always missing never newer" },          \
    { "quiet", 'q', LP_OPT_BOOL, NULL, "Suppress output information when pulling images", NULL, NULL },           \
    { "read-only", 0, LP_OPT_BOOL, NULL, "Make containers root filesystem read-only", NULL, NULL },               \
    { "read-only-tmpfs", 0, LP_OPT_BOOL, NULL, "When running --read-only containers, mount read-write tmpfs on "     \
                                               "/run, /tmp and /var/tmp",                                     \
      "true", NULL },                                                                                          \
    { "replace", 0, LP_OPT_BOOL, NULL, "If a container with the same name exists, replace it", NULL, NULL },      \
    { "rm", 0, LP_OPT_BOOL, NULL, "Remove container (and pod if created) after exit", NULL, NULL },               \
    { "security-opt", 0, LP_OPT_LIST, "stringArray", "Security Options", NULL, NULL },                            \
    { "stop-signal", 0, LP_OPT_STRING, "string", "Signal to stop a container. Default is SIGTERM", NULL, NULL },  \
    { "stop-timeout", 0, LP_OPT_STRING, "uint", "Timeout (in seconds) that containers stopped by user command "   \
                                                 "have to exit. If exceeded, the container will be forcibly "  \
                                                 "stopped via SIGKILL.",                                       \
      "10", NULL },                                                                                            \
    { "tls-verify", 0, LP_OPT_BOOL, NULL, "Require HTTPS and verify certificates when contacting registries",     \
      "true", NULL },                                                                                          \
    { "tmpfs", 0, LP_OPT_LIST, "tmpfs", "Mount a temporary filesystem (tmpfs) into a container", NULL, NULL },    \
    { "tty", 't', LP_OPT_BOOL, NULL, "Allocate a pseudo-TTY for container", NULL, NULL },                         \
    { "user", 'u', LP_OPT_STRING, "string", "Username or UID (format: <name|uid>[:<group|gid>])", NULL, NULL },    \
    { "userns", 0, LP_OPT_STRING, "string", "User namespace to use", NULL, "auto host keep-id private" },          \
    { "uts", 0, LP_OPT_STRING, "string", "UTS namespace to use", NULL, "host private" },                           \
    { "volume", 'v', LP_OPT_LIST, "stringArray", "Bind mount a volume into the container", NULL, NULL },           \
    { "workdir", 'w', LP_OPT_STRING, "string", "Working directory inside the container", NULL, NULL },

#endif
