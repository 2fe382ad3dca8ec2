#include "idmap.h"

#include "../util/fsutil.h"
#include "../util/log.h"
#include "../util/xalloc.h"

#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

static int parse_u32(const char *s, size_t len, uint32_t *out)
{
  uint64_t v = 0;
  if (len == 0 || len > 10)
    return -1;
  for (size_t i = 0; i < len; i++)
    {
      if (s[i] < '0' || s[i] > '9')
        return -1;
      v = v * 10 + (uint64_t)(s[i] - '0');
    }
  if (v > UINT32_MAX)
    return -1;
  *out = (uint32_t)v;
  return 0;
}

int lp_subid_parse(const char *text, const char *what, const char *user, uid_t uid, struct lp_subid_range **out,
                   size_t *n, lp_error_t *err)
{
  struct lp_subid_range *r = NULL;
  size_t nr = 0;
  unsigned lineno = 0;
  cleanup_free char *uidstr = xasprintf("%u", (unsigned)uid);

  *out = NULL;
  *n = 0;
  for (const char *line = text; line && *line;)
    {
      const char *end = strchr(line, '\n');
      size_t len = end ? (size_t)(end - line) : strlen(line);
      const char *next = end ? end + 1 : NULL;
      const char *c1, *c2;
      size_t namelen;

      lineno++;
      while (len > 0 && (line[len - 1] == ' ' || line[len - 1] == '\t' || line[len - 1] == '\r'))
        len--;
      if (len == 0 || line[0] == '#')
        {
          line = next;
          continue;
        }
      c1 = memchr(line, ':', len);
      namelen = c1 ? (size_t)(c1 - line) : len;
      if (!((user && strlen(user) == namelen && memcmp(line, user, namelen) == 0)
            || (strlen(uidstr) == namelen && memcmp(line, uidstr, namelen) == 0)))
        {
          line = next;
          continue;
        }
      c2 = c1 ? memchr(c1 + 1, ':', len - (size_t)(c1 + 1 - line)) : NULL;
      struct lp_subid_range range;
      if (!c1 || !c2 || parse_u32(c1 + 1, (size_t)(c2 - c1 - 1), &range.start) < 0
          || parse_u32(c2 + 1, len - (size_t)(c2 + 1 - line), &range.count) < 0 || range.count == 0
          || (uint64_t)range.start + range.count > (uint64_t)UINT32_MAX + 1)
        {
          free(r);
          return lp_error(err, 0, "%s line %u: malformed entry `%.*s` (want NAME:START:COUNT)", what, lineno,
                          (int)len, line);
        }
      r = xreallocarray(r, nr + 1, sizeof *r);
      r[nr++] = range;
      line = next;
    }
  *out = r;
  *n = nr;
  return 0;
}

static void add_entry(struct lp_idmap *m, uint32_t inside, uint32_t outside, uint32_t count)
{
  m->e = xreallocarray(m->e, m->n + 1, sizeof *m->e);
  m->e[m->n++] = (struct lp_idmap_entry){ inside, outside, count };
}

/* Map container ids [inside, inside+want) onto the subordinate ranges,
 * starting at *pos (an index into their concatenation). Returns how many
 * were mapped (fewer when the ranges run out). */
static uint64_t map_from_ranges(struct lp_idmap *m, uint64_t inside, uint64_t want, const struct lp_subid_range *r,
                                size_t nr, uint64_t *pos)
{
  uint64_t done = 0, base = 0;
  for (size_t i = 0; i < nr && done < want; i++)
    {
      uint64_t rend = base + r[i].count;
      if (*pos < rend)
        {
          uint64_t off = *pos - base;
          uint64_t take = r[i].count - off;
          if (take > want - done)
            take = want - done;
          add_entry(m, (uint32_t)(inside + done), (uint32_t)(r[i].start + off), (uint32_t)take);
          done += take;
          *pos += take;
        }
      base = rend;
    }
  return done;
}

int lp_idmap_build(enum lp_userns_mode mode, uint32_t hostid, const struct lp_subid_range *ranges, size_t nranges,
                   struct lp_idmap *out, lp_error_t *err)
{
  uint64_t total = 0, pos = 0;

  out->e = NULL;
  out->n = 0;
  for (size_t i = 0; i < nranges; i++)
    total += ranges[i].count;
  if (nranges == 0)
    {
      add_entry(out, 0, hostid, 1);
      return 0;
    }
  if (mode == LP_USERNS_PRIVATE)
    {
      if (total > UINT32_MAX - 1)
        total = UINT32_MAX - 1;
      add_entry(out, 0, hostid, 1);
      map_from_ranges(out, 1, total, ranges, nranges, &pos);
      return 0;
    }
  if (mode != LP_USERNS_KEEP_ID)
    return lp_error(err, 0, "id map: unsupported user namespace mode %d", (int)mode);
  if (hostid == UINT32_MAX)
    return lp_error(err, 0, "id map: host id %u cannot be mapped", hostid);
  /* 0..hostid-1 first, then hostid itself, then the rest above it. */
  uint64_t below = map_from_ranges(out, 0, hostid, ranges, nranges, &pos);
  add_entry(out, hostid, hostid, 1);
  if (below == hostid && pos < total)
    {
      uint64_t above = total - pos;
      if (above > (uint64_t)UINT32_MAX - hostid)
        above = (uint64_t)UINT32_MAX - hostid;
      map_from_ranges(out, (uint64_t)hostid + 1, above, ranges, nranges, &pos);
    }
  /* Keep the entries sorted by container id, as readers of uid_map expect. */
  for (size_t i = 1; i < out->n; i++)
    for (size_t j = i; j > 0 && out->e[j - 1].inside > out->e[j].inside; j--)
      {
        struct lp_idmap_entry t = out->e[j];
        out->e[j] = out->e[j - 1];
        out->e[j - 1] = t;
      }
  return 0;
}

void lp_idmap_free(struct lp_idmap *m)
{
  free(m->e);
  m->e = NULL;
  m->n = 0;
}

void lp_idmap_format(const struct lp_idmap *m, struct strbuf *out)
{
  for (size_t i = 0; i < m->n; i++)
    strbuf_addf(out, "%u %u %u\n", m->e[i].inside, m->e[i].outside, m->e[i].count);
}

bool lp_idmap_to_host(const struct lp_idmap *m, uint32_t inside, uint32_t *outside)
{
  for (size_t i = 0; i < m->n; i++)
    if (inside >= m->e[i].inside && (uint64_t)inside < (uint64_t)m->e[i].inside + m->e[i].count)
      {
        *outside = m->e[i].outside + (inside - m->e[i].inside);
        return true;
      }
  return false;
}

int lp_idmap_parse_proc(const char *text, struct lp_idmap *out, lp_error_t *err)
{
  out->e = NULL;
  out->n = 0;
  for (const char *p = text; p && *p;)
    {
      unsigned long long v[3];
      int used = 0;
      while (*p == ' ' || *p == '\t' || *p == '\n')
        p++;
      if (!*p)
        break;
      if (sscanf(p, "%llu %llu %llu%n", &v[0], &v[1], &v[2], &used) != 3 || v[0] > UINT32_MAX || v[1] > UINT32_MAX
          || v[2] > UINT32_MAX || v[2] == 0)
        {
          lp_idmap_free(out);
          return lp_error(err, 0, "malformed id map line `%.*s`", (int)strcspn(p, "\n"), p);
        }
      add_entry(out, (uint32_t)v[0], (uint32_t)v[1], (uint32_t)v[2]);
      p += used;
    }
  return 0;
}

bool lp_idmap_is_identity(const struct lp_idmap *m)
{
  return m->n == 1 && m->e[0].inside == 0 && m->e[0].outside == 0 && m->e[0].count == UINT32_MAX;
}

int lp_idmap_read_self(const char *file, struct lp_idmap *out, lp_error_t *err)
{
  struct strbuf sb = STRBUF_INIT;
  cleanup_free char *path = xasprintf("/proc/self/%s", file);
  if (lp_read_file_at(AT_FDCWD, path, &sb, err) < 0)
    return -1;
  int rc = lp_idmap_parse_proc(sb.buf ? sb.buf : "", out, err);
  strbuf_release(&sb);
  return rc;
}

bool lp_userns_is_initial(void)
{
  struct lp_idmap m;
  lp_error_t err = NULL;
  if (lp_idmap_read_self("uid_map", &m, &err) < 0)
    {
      lp_error_free(&err);
      return true;
    }
  bool r = lp_idmap_is_identity(&m);
  lp_idmap_free(&m);
  return r;
}

static int read_ranges(const char *path, const char *user, uid_t uid, struct lp_subid_range **r, size_t *n,
                       lp_error_t *err)
{
  struct strbuf sb = STRBUF_INIT;
  lp_error_t rerr = NULL;
  int ret;

  if (lp_read_file_at(AT_FDCWD, path, &sb, &rerr) < 0)
    {
      if (rerr->errnum == ENOENT)
        {
          lp_error_free(&rerr);
          *r = NULL;
          *n = 0;
          return 0;
        }
      *err = rerr;
      return -1;
    }
  ret = lp_subid_parse(sb.buf, path, user, uid, r, n, err);
  strbuf_release(&sb);
  return ret;
}

int lp_idmaps_for_user(enum lp_userns_mode mode, struct lp_idmaps *out, lp_error_t *err)
{
  uid_t uid = geteuid();
  gid_t gid = getegid();
  struct passwd *pw = getpwuid(uid);
  const char *name = pw ? pw->pw_name : NULL;
  struct lp_subid_range *ur = NULL, *gr = NULL;
  size_t nur = 0, ngr = 0;
  int ret = -1;

  memset(out, 0, sizeof *out);
  if (read_ranges("/etc/subuid", name, uid, &ur, &nur, err) < 0
      || read_ranges("/etc/subgid", name, uid, &gr, &ngr, err) < 0)
    goto out;
  if (nur == 0 || ngr == 0)
    {
      /* Both or neither: a half map would leave files owned by nobody. */
      nur = ngr = 0;
      out->single = true;
    }
  if (lp_idmap_build(mode, uid, ur, nur, &out->uid, err) < 0 || lp_idmap_build(mode, gid, gr, ngr, &out->gid, err) < 0)
    {
      lp_idmaps_free(out);
      goto out;
    }
  out->helpers = uid != 0 && !out->single;
  ret = 0;
out:
  free(ur);
  free(gr);
  return ret;
}

void lp_idmaps_free(struct lp_idmaps *m)
{
  lp_idmap_free(&m->uid);
  lp_idmap_free(&m->gid);
}

static int run_helper(const char *helper, pid_t pid, const struct lp_idmap *m, lp_error_t *err)
{
  size_t argc = 2 + 3 * m->n;
  char **argv = xcalloc(argc + 1, sizeof *argv);
  pid_t child;
  int status, rc;

  argv[0] = xstrdup(helper);
  argv[1] = xasprintf("%d", (int)pid);
  for (size_t i = 0; i < m->n; i++)
    {
      argv[2 + 3 * i] = xasprintf("%u", m->e[i].inside);
      argv[3 + 3 * i] = xasprintf("%u", m->e[i].outside);
      argv[4 + 3 * i] = xasprintf("%u", m->e[i].count);
    }
  rc = posix_spawnp(&child, helper, NULL, NULL, argv, environ);
  for (size_t i = 0; i < argc; i++)
    free(argv[i]);
  free(argv);
  if (rc != 0)
    return lp_error(err, rc, "run `%s` (install the uidmap package)", helper);
  while (waitpid(child, &status, 0) < 0)
    if (errno != EINTR)
      return lp_error(err, errno, "wait for `%s`", helper);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
    return lp_error(err, 0, "`%s` failed (status %d): check /etc/subuid and /etc/subgid", helper, status);
  return 0;
}

static int write_proc(pid_t pid, const char *file, const char *data, lp_error_t *err)
{
  cleanup_free char *path = xasprintf("/proc/%d/%s", (int)pid, file);
  int fd = open(path, O_WRONLY | O_CLOEXEC);
  if (fd < 0)
    return lp_error(err, errno, "open `%s`", path);
  ssize_t w = write(fd, data, strlen(data));
  int e = errno;
  close(fd);
  if (w < 0 || (size_t)w != strlen(data))
    return lp_error(err, w < 0 ? e : EIO, "write `%s`", path);
  return 0;
}

int lp_idmap_write(pid_t pid, const struct lp_idmaps *maps, lp_error_t *err)
{
  struct strbuf sb = STRBUF_INIT;
  int ret = -1;

  if (maps->helpers)
    {
      if (run_helper("newuidmap", pid, &maps->uid, err) < 0 || run_helper("newgidmap", pid, &maps->gid, err) < 0)
        return -1;
      return 0;
    }
  /* An unprivileged writer of gid_map must give up setgroups first. */
  if (geteuid() != 0 && write_proc(pid, "setgroups", "deny", err) < 0)
    return -1;
  lp_idmap_format(&maps->uid, &sb);
  if (write_proc(pid, "uid_map", sb.buf, err) < 0)
    goto out;
  strbuf_reset(&sb);
  lp_idmap_format(&maps->gid, &sb);
  if (write_proc(pid, "gid_map", sb.buf, err) < 0)
    goto out;
  ret = 0;
out:
  strbuf_release(&sb);
  return ret;
}
