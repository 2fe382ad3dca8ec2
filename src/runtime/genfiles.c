#include "genfiles.h"

#include "../util/fsutil.h"
#include "../util/xalloc.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

void lp_genfile_hosts(struct strbuf *out, const char *host_hosts, const char *hostname)
{
  if (host_hosts)
    {
      strbuf_adds(out, host_hosts);
      if (out->len && out->buf[out->len - 1] != '\n')
        strbuf_addch(out, '\n');
    }
  else
    {
      strbuf_adds(out, "127.0.0.1\tlocalhost localhost.localdomain localhost4 localhost4.localdomain4\n"
                       "::1\tlocalhost localhost.localdomain localhost6 localhost6.localdomain6\n");
    }
  if (hostname && *hostname)
    strbuf_addf(out, "127.0.1.1\t%s\n", hostname);
}

static void add_quoted(struct strbuf *out, const char *key, const char *v)
{
  strbuf_addf(out, "%s=\"", key);
  for (const char *p = v ? v : ""; *p; p++)
    {
      if (*p == '"' || *p == '\\' || *p == '$' || *p == '`')
        strbuf_addch(out, '\\');
      strbuf_addch(out, *p);
    }
  strbuf_adds(out, "\"\n");
}

void lp_genfile_containerenv(struct strbuf *out, const struct lp_containerenv *ce, bool rootless)
{
  add_quoted(out, "engine", "lilipod");
  add_quoted(out, "name", ce->name);
  add_quoted(out, "id", ce->id);
  add_quoted(out, "image", ce->image);
  add_quoted(out, "imageid", ce->imageid);
  strbuf_addf(out, "rootless=%d\n", rootless ? 1 : 0);
}

static int put(int dfd, const char *name, const struct strbuf *sb, lp_error_t *err)
{
  return lp_write_file_at(dfd, name, sb->buf, sb->len, 0644, 0, err);
}

int lp_genfiles_write(const struct lp_runtime_spec *spec, lp_error_t *err)
{
  struct strbuf sb = STRBUF_INIT, host = STRBUF_INIT;
  bool net_host = spec->ns[LP_NS_NET] == LP_NS_HOST;
  lp_error_t rerr = NULL;
  int dfd, ret = -1;

  if (!spec->genfiles_dir)
    return 0;
  dfd = open(spec->genfiles_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd < 0)
    return lp_error(err, errno, "open `%s`", spec->genfiles_dir);

  if (net_host && lp_read_file_at(AT_FDCWD, "/etc/hosts", &host, &rerr) < 0)
    lp_error_free(&rerr); /* no host file: the defaults below */
  lp_genfile_hosts(&sb, host.len ? host.buf : NULL, spec->hostname);
  if (put(dfd, "hosts", &sb, err) < 0)
    goto out;

  strbuf_reset(&sb);
  if (spec->hostname)
    {
      strbuf_addf(&sb, "%s\n", spec->hostname);
      if (put(dfd, "hostname", &sb, err) < 0)
        goto out;
    }

  if (!net_host)
    {
      strbuf_reset(&sb);
      if (lp_read_file_at(AT_FDCWD, "/etc/resolv.conf", &sb, &rerr) < 0)
        lp_error_free(&rerr); /* none on the host: an empty one */
      if (put(dfd, "resolv.conf", &sb, err) < 0)
        goto out;
    }

  strbuf_reset(&sb);
  lp_genfile_containerenv(&sb, &spec->containerenv, lp_runtime_is_rootless());
  if (put(dfd, "containerenv", &sb, err) < 0)
    goto out;
  ret = 0;
out:
  close(dfd);
  strbuf_release(&sb);
  strbuf_release(&host);
  return ret;
}

bool lp_runtime_is_rootless(void)
{
  struct strbuf sb = STRBUF_INIT;
  lp_error_t e = NULL;
  bool rootless = geteuid() != 0;
  /* Inside a user namespace we may be "root" yet not root on the host:
   * only the full identity map is the host's root. */
  if (!rootless && lp_read_file_at(AT_FDCWD, "/proc/self/uid_map", &sb, &e) == 0)
    {
      unsigned a, b, c;
      rootless = !(sscanf(sb.buf, "%u %u %u", &a, &b, &c) == 3 && a == 0 && b == 0 && c == 4294967295U);
    }
  lp_error_free(&e);
  strbuf_release(&sb);
  return rootless;
}
