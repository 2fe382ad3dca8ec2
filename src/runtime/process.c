#include "process.h"

#include "../util/fsutil.h"
#include "../util/log.h"
#include "../util/strbuf.h"
#include "../util/xalloc.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/capability.h>
#include <linux/close_range.h>
#include <sys/ioctl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

static bool parse_id(const char *s, size_t len, unsigned *out)
{
  unsigned long v = 0;
  if (len == 0 || len > 10)
    return false;
  for (size_t i = 0; i < len; i++)
    {
      if (s[i] < '0' || s[i] > '9')
        return false;
      v = v * 10 + (unsigned long)(s[i] - '0');
    }
  if (v > 0xfffffffeUL)
    return false;
  *out = (unsigned)v;
  return true;
}

/* Field `idx` (0-based) of a colon-separated line [line, line+len). */
static bool field(const char *line, size_t len, int idx, const char **f, size_t *flen)
{
  const char *p = line, *end = line + len;
  for (int i = 0; i < idx; i++)
    {
      const char *c = memchr(p, ':', (size_t)(end - p));
      if (!c)
        return false;
      p = c + 1;
    }
  const char *c = memchr(p, ':', (size_t)(end - p));
  *f = p;
  *flen = c ? (size_t)(c - p) : (size_t)(end - p);
  return true;
}

/* Call fn for each line of text; stop when it returns true. */
static bool each_line(const char *text, bool (*fn)(const char *, size_t, void *), void *ctx)
{
  for (const char *l = text; l && *l;)
    {
      const char *nl = strchr(l, '\n');
      size_t len = nl ? (size_t)(nl - l) : strlen(l);
      if (len && l[0] != '#' && fn(l, len, ctx))
        return true;
      l = nl ? nl + 1 : NULL;
    }
  return false;
}

struct pw_find
{
  const char *name; /* by name, or */
  size_t namelen;
  bool by_uid;
  unsigned uid;
  /* found: */
  char *pw_name;
  unsigned pw_uid, pw_gid;
  char *home;
};

static bool pw_match(const char *l, size_t len, void *ctx)
{
  struct pw_find *f = ctx;
  const char *n, *u, *g, *h;
  size_t nl, ul, gl, hl;
  unsigned uid, gid;
  if (!field(l, len, 0, &n, &nl) || !field(l, len, 2, &u, &ul) || !field(l, len, 3, &g, &gl)
      || !parse_id(u, ul, &uid) || !parse_id(g, gl, &gid))
    return false;
  if (f->by_uid ? uid != f->uid : (nl != f->namelen || memcmp(n, f->name, nl) != 0))
    return false;
  f->pw_name = xstrndup(n, nl);
  f->pw_uid = uid;
  f->pw_gid = gid;
  f->home = field(l, len, 5, &h, &hl) && hl ? xstrndup(h, hl) : xstrdup("/");
  return true;
}

struct gr_find
{
  const char *name; /* group by name, or */
  size_t namelen;
  unsigned gid;
  bool found;
  const char *member; /* collect groups listing this user */
  gid_t *groups;
  size_t ngroups;
};

static bool gr_match(const char *l, size_t len, void *ctx)
{
  struct gr_find *f = ctx;
  const char *n, *g, *m;
  size_t nl, gl, ml;
  unsigned gid;
  if (!field(l, len, 0, &n, &nl) || !field(l, len, 2, &g, &gl) || !parse_id(g, gl, &gid))
    return false;
  if (f->name && !f->found && nl == f->namelen && memcmp(n, f->name, nl) == 0)
    {
      f->gid = gid;
      f->found = true;
    }
  if (f->member && field(l, len, 3, &m, &ml))
    {
      size_t ulen = strlen(f->member);
      for (const char *p = m, *end = m + ml; p < end;)
        {
          const char *c = memchr(p, ',', (size_t)(end - p));
          size_t wl = c ? (size_t)(c - p) : (size_t)(end - p);
          if (wl == ulen && memcmp(p, f->member, ulen) == 0)
            {
              f->groups = xreallocarray(f->groups, f->ngroups + 1, sizeof *f->groups);
              f->groups[f->ngroups++] = gid;
              break;
            }
          p = c ? c + 1 : end;
        }
    }
  return false; /* read every line: a user can be in many groups */
}

int lp_user_resolve_text(const char *spec, const char *passwd, const char *group, struct lp_user *out,
                         lp_error_t *err)
{
  const char *colon = spec ? strchr(spec, ':') : NULL;
  size_t ulen = spec ? (colon ? (size_t)(colon - spec) : strlen(spec)) : 0;
  struct pw_find pf = { 0 };
  unsigned id;

  memset(out, 0, sizeof *out);
  if (ulen == 0)
    {
      pf.by_uid = true;
      pf.uid = 0;
    }
  else if (parse_id(spec, ulen, &id))
    {
      pf.by_uid = true;
      pf.uid = id;
    }
  else
    {
      pf.name = spec;
      pf.namelen = ulen;
    }
  bool found = each_line(passwd, pw_match, &pf);
  if (!found && !pf.by_uid)
    return lp_error(err, 0, "unable to find user %.*s: no matching entries in passwd file", (int)ulen, spec);
  out->uid = found ? pf.pw_uid : pf.uid;
  out->gid = found ? pf.pw_gid : 0;
  out->home = found ? pf.home : xstrdup("/");

  struct gr_find gf = { 0 };
  gf.member = found ? pf.pw_name : NULL;
  if (colon && colon[1])
    {
      const char *g = colon + 1;
      if (parse_id(g, strlen(g), &id))
        out->gid = id;
      else
        {
          gf.name = g;
          gf.namelen = strlen(g);
        }
    }
  each_line(group, gr_match, &gf);
  free(pf.pw_name);
  if (gf.name && !gf.found)
    {
      free(gf.groups);
      lp_user_free(out);
      return lp_error(err, 0, "unable to find group %s: no matching entries in group file", gf.name);
    }
  if (gf.found)
    out->gid = gf.gid;
  out->groups = gf.groups;
  out->ngroups = gf.ngroups;
  return 0;
}

int lp_user_resolve(const char *spec, struct lp_user *out, lp_error_t *err)
{
  struct strbuf pw = STRBUF_INIT, gr = STRBUF_INIT;
  lp_error_t e = NULL;
  /* An image without these files still runs as numeric ids. */
  if (lp_read_file_at(AT_FDCWD, "/etc/passwd", &pw, &e) < 0)
    lp_error_free(&e);
  if (lp_read_file_at(AT_FDCWD, "/etc/group", &gr, &e) < 0)
    lp_error_free(&e);
  int r = lp_user_resolve_text(spec, pw.buf, gr.buf, out, err);
  strbuf_release(&pw);
  strbuf_release(&gr);
  return r;
}

void lp_user_free(struct lp_user *u)
{
  free(u->groups);
  free(u->home);
  u->groups = NULL;
  u->home = NULL;
}

static int last_cap(void)
{
  struct strbuf sb = STRBUF_INIT;
  lp_error_t e = NULL;
  int n = CAP_LAST_CAP;
  if (lp_read_file_at(AT_FDCWD, "/proc/sys/kernel/cap_last_cap", &sb, &e) == 0)
    n = atoi(sb.buf);
  else
    lp_error_free(&e);
  strbuf_release(&sb);
  if (n <= 0 || n > 63)
    n = CAP_LAST_CAP;
  return n;
}

unsigned long long lp_process_caps(const struct lp_runtime_spec *spec)
{
  int last = last_cap();
  unsigned long long all = last >= 63 ? ~0ULL : (1ULL << (last + 1)) - 1;
  if (spec->privileged)
    return all;
  return ((LP_DEFAULT_CAPS | spec->cap_add) & ~spec->cap_drop) & all;
}

static int set_caps(unsigned long long caps, lp_error_t *err)
{
  struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
  struct __user_cap_data_struct d[2];
  memset(d, 0, sizeof d);
  /* We can only keep what we have: the host (or an outer container) may
   * already lack some, and "all" for --privileged means all of those. */
  if (syscall(SYS_capget, &h, d) < 0)
    return lp_error(err, errno, "read capabilities");
  caps &= (unsigned long long)d[0].permitted | ((unsigned long long)d[1].permitted << 32);
  /* A new user namespace starts with every capability, even those outside
   * the bounding set it inherited: keep to the bounding set, as a process
   * exec'd there would. */
  for (int c = 0; c < 64; c++)
    if ((caps & (1ULL << c)) && prctl(PR_CAPBSET_READ, c, 0, 0, 0) != 1)
      caps &= ~(1ULL << c);
  memset(d, 0, sizeof d);
  h.version = _LINUX_CAPABILITY_VERSION_3;
  h.pid = 0;
  d[0].effective = d[0].permitted = (uint32_t)caps;
  d[1].effective = d[1].permitted = (uint32_t)(caps >> 32);
  if (syscall(SYS_capset, &h, d) < 0)
    return lp_error(err, errno, "set capabilities");
  return 0;
}

int lp_process_setup(const struct lp_runtime_spec *spec, const struct lp_user *user, lp_error_t *err)
{
  unsigned long long caps = lp_process_caps(spec);
  int last = last_cap();

  if (!spec->privileged)
    for (int c = 0; c <= last; c++)
      if (!(caps & (1ULL << c)) && prctl(PR_CAPBSET_DROP, c, 0, 0, 0) < 0 && errno != EINVAL)
        return lp_error(err, errno, "drop capability %d from the bounding set", c);
  if (spec->no_new_privs && !spec->privileged && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
    return lp_error(err, errno, "set no_new_privs");

  size_t n = user->ngroups + spec->ngroups;
  gid_t *all = xcalloc(n ? n : 1, sizeof *all);
  if (user->ngroups)
    memcpy(all, user->groups, user->ngroups * sizeof *all);
  if (spec->ngroups)
    memcpy(all + user->ngroups, spec->groups, spec->ngroups * sizeof *all);
  if (setgroups(n, all) < 0)
    {
      int e = errno;
      free(all);
      /* A single-id user namespace has setgroups denied: no extra groups
       * can exist there anyway. */
      if (e != EPERM || n != 0)
        return lp_error(err, e, "set supplementary groups");
    }
  else
    free(all);
  if (setresgid(user->gid, user->gid, user->gid) < 0)
    return lp_error(err, errno, "set gid %u", (unsigned)user->gid);
  if (setresuid(user->uid, user->uid, user->uid) < 0)
    return lp_error(err, errno, "set uid %u", (unsigned)user->uid);
  /* Leaving uid 0 cleared the permitted set; root keeps exactly `caps`. */
  if (user->uid == 0 && set_caps(caps, err) < 0)
    return -1;
  /* Changing ids made us non-dumpable, which hides /proc/PID of a process
   * that never execs (the --init reaper) even from the container's root.
   * Only now, with no more than the container's capabilities: dumpable,
   * a process is open to ptrace by anything with its ids. */
  if (prctl(PR_SET_DUMPABLE, 1, 0, 0, 0) < 0)
    return lp_error(err, errno, "set dumpable");

  const char *cwd = spec->cwd && *spec->cwd ? spec->cwd : "/";
  if (chdir(cwd) < 0)
    return lp_error(err, errno, "workdir `%s` in the container", cwd);
  return 0;
}

static bool env_has(char *const *env, const char *key)
{
  size_t kl = strlen(key);
  for (size_t i = 0; env && env[i]; i++)
    if (strncmp(env[i], key, kl) == 0 && env[i][kl] == '=')
      return true;
  return false;
}

static const char *env_get(char *const *env, const char *key)
{
  size_t kl = strlen(key);
  for (size_t i = 0; env && env[i]; i++)
    if (strncmp(env[i], key, kl) == 0 && env[i][kl] == '=')
      return env[i] + kl + 1;
  return NULL;
}

void lp_process_exec(const struct lp_runtime_spec *spec, const struct lp_user *user, int errfd)
{
  size_t n = 0;
  lp_error_t err = NULL;

  while (spec->env && spec->env[n])
    n++;
  char **env = xcalloc(n + 5, sizeof *env);
  size_t k = 0;
  /* One entry per key, the last one winning (`--env HOME=a --env HOME=b`). */
  for (size_t i = 0; i < n; i++)
    {
      const char *eq = strchr(spec->env[i], '=');
      size_t kl = eq ? (size_t)(eq - spec->env[i]) : strlen(spec->env[i]);
      bool later = false;
      for (size_t j = i + 1; j < n && !later; j++)
        later = strncmp(spec->env[j], spec->env[i], kl) == 0 && (spec->env[j][kl] == '=' || spec->env[j][kl] == 0);
      if (!later && eq)
        env[k++] = spec->env[i];
    }
  if (!env_has(env, "PATH"))
    env[k++] = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
  if (!env_has(env, "HOME"))
    env[k++] = xasprintf("HOME=%s", user->home ? user->home : "/");
  if (!env_has(env, "container"))
    env[k++] = "container=lilipod";
  if (spec->tty && !env_has(env, "TERM"))
    env[k++] = "TERM=xterm";

  if (!spec->argv || !spec->argv[0] || !*spec->argv[0])
    {
      lp_error(&err, 0, "no command given to run");
      lp_process_fail(errfd, 127, err);
    }
  /* Nothing of ours (or of whoever ran us) leaks into the container. */
  if (syscall(SYS_close_range, 3 + spec->preserve_fds, ~0U, CLOSE_RANGE_CLOEXEC) < 0)
    for (int fd = 3 + (int)spec->preserve_fds; fd < 1024; fd++)
      (void)fcntl(fd, F_SETFD, FD_CLOEXEC);
  for (unsigned i = 0; i < spec->preserve_fds; i++)
    {
      int fl = fcntl(3 + (int)i, F_GETFD);
      if (fl >= 0)
        (void)fcntl(3 + (int)i, F_SETFD, fl & ~FD_CLOEXEC);
    }
  const char *cmd = spec->argv[0];
  if (strchr(cmd, '/'))
    {
      execve(cmd, spec->argv, env);
      int e = errno;
      lp_error(&err, e, "%s", cmd);
      lp_process_fail(errfd, e == ENOENT || e == ENOTDIR ? 127 : 126, err);
    }
  const char *path = env_get(env, "PATH");
  int seen = 0; /* errno of the first candidate that exists but failed */
  for (const char *p = path; p;)
    {
      const char *c = strchr(p, ':');
      size_t len = c ? (size_t)(c - p) : strlen(p);
      cleanup_free char *full = len ? xasprintf("%.*s/%s", (int)len, p, cmd) : xasprintf("./%s", cmd);
      execve(full, spec->argv, env);
      if (errno != ENOENT && errno != ENOTDIR && !seen)
        seen = errno;
      p = c ? c + 1 : NULL;
    }
  if (seen)
    {
      lp_error(&err, seen, "%s", cmd);
      lp_process_fail(errfd, 126, err);
    }
  lp_error(&err, 0, "executable file `%s` not found in $PATH: No such file or directory", cmd);
  lp_process_fail(errfd, 127, err);
}

void lp_process_fail(int fd, int code, lp_error_t err)
{
  if (fd >= 0)
    {
      struct strbuf sb = STRBUF_INIT;
      strbuf_add(&sb, &code, sizeof code);
      strbuf_adds(&sb, err && err->msg ? err->msg : "unknown error");
      (void)lp_write_all(fd, sb.buf, sb.len);
    }
  else if (err)
    fprintf(stderr, "Error: %s\n", err->msg);
  _exit(code);
}

int lp_process_read_fail(int fd, lp_error_t *err)
{
  struct strbuf sb = STRBUF_INIT;
  char buf[4096];
  ssize_t r;
  while ((r = read(fd, buf, sizeof buf)) != 0)
    {
      if (r < 0)
        {
          if (errno == EINTR)
            continue;
          break;
        }
      strbuf_add(&sb, buf, (size_t)r);
    }
  if (sb.len < sizeof(int))
    {
      strbuf_release(&sb);
      return 0;
    }
  int code;
  memcpy(&code, sb.buf, sizeof code);
  lp_error(err, 0, "%s", sb.buf + sizeof code);
  (*err)->exit_code = code;
  strbuf_release(&sb);
  return -1;
}

static const char *const cap_names[] = {
  "CHOWN", "DAC_OVERRIDE", "DAC_READ_SEARCH", "FOWNER", "FSETID", "KILL", "SETGID", "SETUID", "SETPCAP",
  "LINUX_IMMUTABLE", "NET_BIND_SERVICE", "NET_BROADCAST", "NET_ADMIN", "NET_RAW", "IPC_LOCK", "IPC_OWNER",
  "SYS_MODULE", "SYS_RAWIO", "SYS_CHROOT", "SYS_PTRACE", "SYS_PACCT", "SYS_ADMIN", "SYS_BOOT", "SYS_NICE",
  "SYS_RESOURCE", "SYS_TIME", "SYS_TTY_CONFIG", "MKNOD", "LEASE", "AUDIT_WRITE", "AUDIT_CONTROL", "SETFCAP",
  "MAC_OVERRIDE", "MAC_ADMIN", "SYSLOG", "WAKE_ALARM", "BLOCK_SUSPEND", "AUDIT_READ", "PERFMON", "BPF",
  "CHECKPOINT_RESTORE",
};

int lp_cap_parse(const char *name, unsigned long long *mask, lp_error_t *err)
{
  const char *n = name;
  if (strncasecmp(n, "CAP_", 4) == 0)
    n += 4;
  if (strcasecmp(n, "ALL") == 0)
    {
      *mask = ~0ULL;
      return 0;
    }
  for (size_t i = 0; i < sizeof cap_names / sizeof cap_names[0]; i++)
    if (strcasecmp(n, cap_names[i]) == 0)
      {
        *mask = 1ULL << i;
        return 0;
      }
  return lp_error(err, 0, "unknown capability `%s`", name);
}

int lp_process_stdio(const struct lp_runtime_spec *spec, int ttyfd, lp_error_t *err)
{
  if (ttyfd >= 0)
    {
      if (setsid() < 0 && errno != EPERM)
        return lp_error(err, errno, "setsid");
      if (ioctl(ttyfd, TIOCSCTTY, 0) < 0)
        return lp_error(err, errno, "make the pty the controlling terminal");
      for (int i = 0; i < 3; i++)
        if (dup2(ttyfd, i) < 0)
          return lp_error(err, errno, "dup2 the pty");
      return 0;
    }
  /* Move the given fds out of 0..2 first, so dup2 cannot clobber one we
   * still need. */
  int fds[3];
  for (int i = 0; i < 3; i++)
    {
      fds[i] = -1;
      if (spec->stdio[i] >= 0 && (fds[i] = fcntl(spec->stdio[i], F_DUPFD_CLOEXEC, 3)) < 0)
        return lp_error(err, errno, "dup stdio fd %d", spec->stdio[i]);
    }
  for (int i = 0; i < 3; i++)
    if (fds[i] >= 0 && dup2(fds[i], i) < 0)
      return lp_error(err, errno, "dup2 stdio fd %d", i);
  for (int i = 0; i < 3; i++)
    if (fds[i] >= 0)
      close(fds[i]);
  return 0;
}
