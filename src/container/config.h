/*
 * config: a container's configuration, as `create`/`run` build it from their
 * flags and the image's config with Podman's rules, as it is stored (the
 * store row's config_json), and as it becomes an lp_runtime_spec.
 *
 * Rules (Podman 4.x):
 * - Entrypoint: --entrypoint replaces the image's; `--entrypoint ''` empties
 *   it; a value starting with '[' is a JSON array. Cmd: the words after IMAGE;
 *   if none: empty when --entrypoint was given, else the image's Cmd.
 *   Args = Entrypoint + Cmd; empty Args is an error at create.
 * - WorkingDir: -w, else the image's, else "/". User: -u, else the image's
 *   (empty = root).
 * - Env, one entry per key, the last wins, in this order: PATH (default
 *   /usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin),
 *   container=lilipod, the image's Env, TERM=xterm with -t, HOSTNAME,
 *   --env-file lines, then -e K=V / -e K (K's value taken from our own
 *   environment; dropped when unset). Keys keep their first position.
 * - Hostname: --hostname, else the first 12 hex of the id (none with
 *   --uts host: the host's).
 * - Labels: the image's labels, then --label K=V (later wins). A map.
 * - Mounts: -v/--volume, --mount and --tmpfs in command-line order. A lone
 *   absolute path (`-v /data`) or `--mount type=volume,dst=/data` is an
 *   anonymous volume; `-v NAME:/dst[:opts]` or `--mount
 *   type=volume,src=NAME,dst=/dst` a named one (a source starting with '/'
 *   or '.' is a bind; a relative one is made absolute). Both are type
 *   "volume" with the volume's name (none yet for an anonymous one) and no
 *   Source until lp_ctr_volumes_prepare() (volume.h) makes the volumes:
 *   then Source is the volume's _data directory. Anonymous volumes go with
 *   `rm -v` and `run --rm`; named ones stay.
 * - ReadOnly: --read-only; ReadOnlyTmpfs: --read-only-tmpfs (default true):
 *   with ReadOnly, writable tmpfs on /run, /tmp and /var/tmp.
 * - StopSignal: --stop-signal, else the image's StopSignal, else SIGTERM;
 *   names (TERM, SIGTERM, SIGRTMIN+3, RTMAX-1) or numbers. StopTimeout: 10.
 * - Name: --name, else a generated adjective_noun like Podman's.
 *
 * The stored JSON (every key always present; arrays may be empty):
 * {
 *   "Id": "<64 hex>", "Name": "box1", "Created": <unix ns>,
 *   "Image": "busybox" (as typed), "ImageName": "127.0.0.1:5000/busybox:latest"
 *   (the stored name it matched, or the id), "ImageID": "sha256:<hex>",
 *   "Entrypoint": [...], "Cmd": [...], "Args": [...],
 *   "Env": ["PATH=...", "HOSTNAME=...", ...], "WorkingDir": "/", "User": "",
 *   "Hostname": "0123456789ab", "Labels": {"k": "v"}, "Annotations": {"k": "v"},
 *   "Namespaces": {"pid": "private|host", "ipc": ..., "uts": ...,
 *                  "network": "pasta|slirp4netns|host|none", "cgroupns": ...,
 *                  "userns": "" | "keep-id" | "private" | "host" | "auto"},
 *   "Mounts": [{"Type": "bind|tmpfs|volume", "Source": "/abs/host/path" ("" for
 *               tmpfs), "Destination": "/in/ctr", "Options": ["ro", "rslave"],
 *               "RW": true, "Anonymous": false, "Name": "" (a volume's name)}],
 *   "ReadOnly": false, "ReadOnlyTmpfs": true, "Privileged": false, "CapAdd": [], "CapDrop": [],
 *   "GroupAdd": [], "SecurityOpt": [], "PidsLimit": 0, "Platform": "",
 *   "StopSignal": "SIGTERM", "StopSignalNum": 15, "StopTimeout": 10,
 *   "Init": false, "OpenStdin": false, "Tty": false, "AutoRemove": false,
 *   "Network": {...} (network.h)
 * }
 * A volume's Source is its absolute _data directory.
 *
 * The log file, containers/<id>/ctr.log, is Podman's k8s-file format: one
 * line per chunk of output,
 *     2026-12-04T10:11:12.123456789+00:00 stdout F text of the line
 * RFC 3339 with nanoseconds in UTC, the stream (stdout|stderr), then F for a
 * full line (the text ended with '\n', which is not written) or P for a
 * partial one (the text continues in the next P/F entry of the stream), one
 * space, then the raw bytes. A '\n' inside text never appears (it ends an
 * entry). The file only grows while the container runs; a new start appends.
 * With -t, all output is "stdout".
 */
#ifndef LILIPOD_CONTAINER_CONFIG_H
#define LILIPOD_CONTAINER_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "../runtime/spec.h"
#include "../util/error.h"

struct lp_args;
struct strbuf;
struct lp_net_config;
struct lp_net_layout;

struct lp_ctr_mount
{
  char *type;        /* "bind", "tmpfs", "volume" */
  char *source;      /* host path; "" for tmpfs */
  char *destination; /* absolute path in the container */
  char **options;    /* NULL-terminated: "ro", "rslave", "size=64m", ... */
  bool rw;
  bool anonymous;    /* an anonymous volume (type "volume") */
  char *name;        /* the volume's name for type "volume" ("" until
                      * lp_ctr_volumes_prepare gives an anonymous one its
                      * name), "" otherwise */
  bool copyup;       /* not stored: this start claimed the volume's copy-up
                      * (volume.h) */
};

struct lp_kv
{
  char *key, *value;
};

struct lp_ctr_config
{
  char *id, *name;
  int64_t created; /* unix ns */
  char *image, *image_name, *image_id;
  char **entrypoint, **cmd, **args, **env; /* NULL-terminated */
  char *workdir, *user, *hostname;
  struct lp_kv *labels;
  size_t nlabels;
  struct lp_kv *annotations;
  size_t nannotations;
  char *ns_pid, *ns_ipc, *ns_uts, *ns_network, *ns_cgroup, *userns;
  struct lp_ctr_mount *mounts;
  size_t nmounts;
  bool read_only, privileged, init, interactive, tty, auto_remove;
  bool read_only_tmpfs; /* with read_only: rw tmpfs on /run, /tmp, /var/tmp */
  char **cap_add, **cap_drop, **group_add, **security_opt; /* NULL-terminated */
  int64_t pids_limit;
  char *platform;
  char *stop_signal; /* as given, normalised to "SIGxxx" */
  int stop_signal_num;
  unsigned stop_timeout;
  struct lp_net_config *net; /* ports, dns, hosts: see network.h */
};

/* How create/run resolved the image. */
struct lp_ctr_image
{
  const char *typed;       /* what the user wrote */
  const char *name;        /* the stored name matched, or NULL */
  const char *id;          /* "sha256:<hex>" */
  const char *config_json; /* the image's OCI config blob */
};

/* Build the config from create/run flags (args->argv[0] is the image, the
 * rest the command) and the image. id: the new container's 64-hex id.
 * Nothing is created on disk (volumes: lp_ctr_volumes_prepare()).
 * name_taken(name, ctx) says whether a generated name is in use. */
int lp_ctr_config_from_args(const struct lp_args *args, const struct lp_ctr_image *img, const char *id,
                            int (*name_taken)(const char *name, void *ctx), void *ctx, struct lp_ctr_config **out,
                            lp_error_t *err);

/* Pieces of the above, for `update`: append the --volume, --mount and
 * --tmpfs values of args, in command-line order; apply --env-file and
 * --env; parse a namespace flag's value ("private", "host", and "none" when
 * allow_none); parse an --entrypoint value (a word, a JSON array, or ""). */
int lp_ctr_config_add_mounts(struct lp_ctr_config *c, const struct lp_args *args, lp_error_t *err);
int lp_ctr_config_add_env(struct lp_ctr_config *c, const struct lp_args *args, lp_error_t *err);
int lp_ctr_config_parse_ns(const char *flag, const char *value, bool allow_none, char **out, lp_error_t *err);
int lp_ctr_config_parse_entrypoint(const char *value, char ***out, lp_error_t *err);
/* Args = Entrypoint + Cmd again (after either changed); -1 when empty. */
int lp_ctr_config_set_args(struct lp_ctr_config *c, lp_error_t *err);

char *lp_ctr_config_to_json(const struct lp_ctr_config *c);
int lp_ctr_config_from_json(const char *json, struct lp_ctr_config **out, lp_error_t *err);
void lp_ctr_config_free(struct lp_ctr_config *c);

/* "K=V" value of key in a NULL-terminated env array, or NULL. */
const char *lp_ctr_env_get(char *const *env, const char *key);
/* Add or replace (keeping the first position) "K=V" in *env. */
void lp_ctr_env_set(char ***env, const char *kv);
/* Label value or NULL. */
const char *lp_ctr_label(const struct lp_ctr_config *c, const char *key);

/* Signal name/number -> number, Podman's spelling ("SIGRTMIN+3", "KILL",
 * "9"). -1 with err when unknown. */
int lp_signal_parse(const char *s, lp_error_t *err);
/* "SIGTERM", "SIGRTMIN+3" (static or the buffer). */
const char *lp_signal_name(int sig, char buf[16]);

/* A generated Podman-like name "adjective_noun". */
char *lp_ctr_random_name(void);

/* The spec for launching the container. The returned holder owns what the
 * spec points to; rootfs is borrowed (must outlive the holder). */
struct lp_ctr_spec
{
  struct lp_runtime_spec spec;
  struct lp_mount *mounts;
  char **mount_data; /* tmpfs data strings, one per mount (or NULL) */
  size_t nmounts;
  gid_t *groups;
  struct lp_net_layout *net_layout; /* what spec.netfiles points into */
  char **net_hosts;
};
int lp_ctr_config_spec(const struct lp_ctr_config *c, const char *rootfs, const char *genfiles_dir,
                       struct lp_ctr_spec *out, lp_error_t *err);
void lp_ctr_spec_free(struct lp_ctr_spec *s);

/* ---- the log file (k8s-file) ---- */

/* Append the entries for one chunk read from stream ("stdout"/"stderr"):
 * a line per '\n'-terminated piece (F), a P entry for a trailing partial
 * piece. Timestamps are now. Returns 0 or -1 (errno). */
int lp_ctr_log_write(int fd, const char *stream, const char *buf, size_t len);

struct lp_ctr_log_entry
{
  int64_t time_ns;    /* unix ns */
  char stream[8];     /* "stdout" / "stderr" */
  bool partial;       /* P */
  const char *text;   /* points into the line, not NUL-terminated */
  size_t len;
};
/* Parse one line (without its '\n'). 0 or -1 when malformed. */
int lp_ctr_log_parse(const char *line, size_t len, struct lp_ctr_log_entry *e);
/* Format a unix ns time as "2026-12-04T10:11:12.123456789+00:00". */
void lp_ctr_log_time(int64_t ns, char out[64]);

#endif
