/*
 * spec: everything the namespace launcher needs to start (or exec into) a
 * container, already resolved by the caller (image config + command line).
 *
 * Contract: the launcher only reads the spec; strings and arrays stay owned
 * by the caller and must outlive lp_runtime_launch()/lp_runtime_exec(). Zero
 * means "the default" for every field: all namespaces private, keep-id for a
 * rootless caller, no volumes, inherited stdio.
 */
#ifndef LILIPOD_RUNTIME_SPEC_H
#define LILIPOD_RUNTIME_SPEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "../util/error.h"

enum lp_ns_kind
{
  LP_NS_USER,
  LP_NS_MOUNT,
  LP_NS_UTS,
  LP_NS_IPC,
  LP_NS_PID,
  LP_NS_NET,
  LP_NS_CGROUP,
  LP_NS_COUNT,
};

enum lp_ns_mode
{
  LP_NS_PRIVATE = 0, /* a new namespace (for net: with only lo, up) */
  LP_NS_HOST,        /* the caller's namespace */
};

enum lp_userns_mode
{
  LP_USERNS_AUTO = 0, /* keep-id when rootless, the host's ids when root */
  LP_USERNS_KEEP_ID,  /* user's uid/gid unchanged inside, others subordinate */
  LP_USERNS_PRIVATE,  /* 0 -> the user, 1..N -> subordinate ids */
  LP_USERNS_HOST,     /* no new user namespace */
  LP_USERNS_CURRENT,  /* the caller already sits in the container's userns
                       * (a supervisor that unshared it to serve FUSE) */
};

enum lp_mount_type
{
  LP_MOUNT_BIND,  /* source: host path (an anonymous volume is a bind of a
                   * directory the caller created) */
  LP_MOUNT_TMPFS, /* source ignored */
};

enum lp_propagation
{
  LP_PROP_DEFAULT = 0, /* inherit (the rootfs is made rslave) */
  LP_PROP_PRIVATE,
  LP_PROP_RPRIVATE,
  LP_PROP_SLAVE,
  LP_PROP_RSLAVE,
  LP_PROP_SHARED,
  LP_PROP_RSHARED,
};

struct lp_mount
{
  enum lp_mount_type type;
  const char *source;      /* host path for binds */
  const char *destination; /* absolute path inside the container */
  bool readonly;           /* enforced even for container root */
  bool recursive;          /* rbind (Podman's default for -v) */
  bool nosuid, nodev, noexec;
  enum lp_propagation propagation;
  const char *data; /* tmpfs options ("size=64m,mode=1777") or NULL */
  bool copyup;      /* tmpfs: starts with a copy of what the rootfs has at
                     * destination, owner and mode included (tmpcopyup) */
};

/* The contents of /run/.containerenv. */
struct lp_containerenv
{
  const char *name, *id, *image, *imageid;
};

/* What the generated /etc/hosts and /etc/resolv.conf say about the network
 * (all NULL: the defaults, as for --network none). */
struct lp_netfiles
{
  const char *ip;           /* the container's address, for its hostname line
                             * (NULL: 127.0.1.1) */
  const char *name;         /* the container's name, also on that line */
  const char *host_gateway; /* host.containers.internal (NULL: no line) */
  char *const *add_hosts;   /* "name:ip" (--add-host), first in /etc/hosts */
  const char *dns_default;  /* the helper's DNS forwarder; NULL: the host's
                             * nameservers */
  char *const *dns;         /* --dns; NULL or empty: dns_default */
  char *const *dns_search;  /* --dns-search; NULL or empty: the host's; "."
                             * alone: none */
  char *const *dns_options; /* --dns-option; NULL or empty: the host's */
};

/* Called by lp_runtime_launch() in the caller, once the container's init
 * exists in its namespaces (ids mapped) and before it goes on: `pid` is its
 * host pid, nsfds[0] and nsfds[1] fds of its network and user namespaces,
 * which the init opened itself and sent (neither the caller nor the init
 * is ever made dumpable to let the caller open /proc/PID/ns; the launcher
 * closes them after the call). The place to connect its network namespace
 * to the outside, so the network is up before the command runs. -1 fails
 * the launch. */
typedef int (*lp_prestart_fn)(void *ctx, pid_t pid, const int nsfds[2], lp_error_t *err);

/* Called in the container's new mount namespace, as container root, before
 * any mount into the rootfs: the place to bring the rootfs into being (or
 * to check it) when the caller did not prepare it beforehand. */
typedef int (*lp_rootfs_setup_fn)(void *ctx, const char *rootfs, lp_error_t *err);

struct lp_runtime_spec
{
  const char *rootfs; /* directory (or mount point) to pivot_root into */
  lp_rootfs_setup_fn rootfs_setup;
  void *rootfs_setup_ctx;

  char *const *argv; /* NULL-terminated; argv[0] looked up in env's PATH */
  char *const *env;  /* NULL-terminated "K=V"; NULL = empty */
  const char *cwd;   /* NULL = "/" */
  /* "name", "uid", "name:group", "uid:gid", resolved in the container's
   * /etc/passwd and /etc/group (supplementary groups included). NULL = 0:0. */
  const char *user;
  const gid_t *groups; /* extra supplementary groups (--group-add) */
  size_t ngroups;
  const char *hostname; /* NULL = keep the namespace's */

  enum lp_ns_mode ns[LP_NS_COUNT]; /* LP_NS_USER is decided by userns */
  enum lp_userns_mode userns;

  const struct lp_mount *mounts; /* in command-line order */
  size_t nmounts;

  bool privileged;       /* all capabilities, no masks, rw /sys, no nnp */
  bool readonly_rootfs;  /* the root mount read-only once every mount point
                          * is made (EROFS even for container root) */
  bool readonly_tmpfs;   /* with readonly_rootfs: a writable tmpfs (copy-up)
                          * on /run, /tmp, /var/tmp unless a mount has that
                          * destination */
  bool no_new_privs;     /* also set unless privileged */
  bool init;             /* a tiny reaper as PID 1 */
  bool tty;              /* stdin/stdout/stderr on a fresh pty */
  unsigned short tty_rows, tty_cols; /* its window size from the start (0: leave it 0x0) */
  int stop_signal;       /* recorded for the caller; 0 = SIGTERM */
  uint64_t cap_add, cap_drop; /* bit masks of CAP_* numbers */

  /* Generated files. A directory the launcher may write hosts, hostname,
   * resolv.conf and .containerenv into before binding them; the caller
   * removes it. NULL: skip the generated files. */
  const char *genfiles_dir;
  struct lp_containerenv containerenv;
  struct lp_netfiles netfiles;

  lp_prestart_fn prestart; /* NULL: none */
  void *prestart_ctx;

  unsigned preserve_fds; /* fds 3..3+N-1 stay open in the container; every
                          * other fd above 2 is closed at exec */
  int stdio[3]; /* fds for the container's 0, 1, 2; -1 = inherit. With
                 * tty and all -1, a pty is created (result->pty_master). */
};

/* Podman's (containers.conf's) default capabilities. */
#define LP_DEFAULT_CAPS                                                                                      \
  ((1ULL << 0) | (1ULL << 1) | (1ULL << 3) | (1ULL << 4) | (1ULL << 5) | (1ULL << 6) | (1ULL << 7) |          \
   (1ULL << 8) | (1ULL << 10) | (1ULL << 18) | (1ULL << 31))
/* CHOWN(0) DAC_OVERRIDE(1) FOWNER(3) FSETID(4) KILL(5) SETGID(6) SETUID(7)
 * SETPCAP(8) NET_BIND_SERVICE(10) SYS_CHROOT(18) SETFCAP(31) */

/* Fill spec with the defaults: stdio inherited, everything private. */
void lp_runtime_spec_init(struct lp_runtime_spec *spec);

#endif
