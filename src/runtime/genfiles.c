#include "genfiles.h"

#include "../util/fsutil.h"
#include "../util/xalloc.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static size_t strv_count(char *const *v)
{
  size_t n = 0;
  while (v && v[n])
    n++;
  return n;
}

void lp_genfile_hosts_net(struct strbuf *out, const char *host_hosts, const char *hostname,
                          const struct lp_netfiles *nf)
{
  /* --add-host entries first, so they win over everything below. */
  for (size_t i = 0; nf && i < strv_count(nf->add_hosts); i++)
    {
      const char *h = nf->add_hosts[i], *colon = strchr(h, ':');
      if (colon)
        strbuf_addf(out, "%s\t%.*s\n", colon + 1, (int)(colon - h), h);
    }
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
    {
      strbuf_addf(out, "%s\t%s", nf && nf->ip ? nf->ip : "127.0.1.1", hostname);
      if (nf && nf->name && *nf->name && strcmp(nf->name, hostname) != 0)
        strbuf_addf(out, " %s", nf->name);
      strbuf_addch(out, '\n');
    }
  if (nf && nf->host_gateway)
    strbuf_addf(out, "%s\thost.containers.internal\n", nf->host_gateway);
}

void lp_genfile_hosts(struct strbuf *out, const char *host_hosts, const char *hostname)
{
  lp_genfile_hosts_net(out, host_hosts, hostname, NULL);
}

/* The words after `key` on the lines of a resolv.conf that start with it. */
static void resolv_words(const char *conf, const char *key, struct strbuf *out)
{
  size_t kl = strlen(key);
  for (const char *p = conf; p && *p;)
    {
      const char *eol = strchrnul(p, '\n');
      if ((size_t)(eol - p) > kl && strncmp(p, key, kl) == 0 && (p[kl] == ' ' || p[kl] == '\t'))
        {
          const char *w = p + kl;
          while (w < eol)
            {
              while (w < eol && (*w == ' ' || *w == '\t' || *w == '\r'))
                w++;
              const char *e = w;
              while (e < eol && *e != ' ' && *e != '\t' && *e != '\r')
                e++;
              if (e > w)
                {
                  if (out->len)
                    strbuf_addch(out, ' ');
                  strbuf_add(out, w, (size_t)(e - w));
                }
              w = e;
            }
        }
      p = *eol ? eol + 1 : eol;
    }
}

void lp_genfile_resolv(struct strbuf *out, const char *host_resolv, const struct lp_netfiles *nf)
{
  struct strbuf w = STRBUF_INIT;
  size_t nsearch = nf ? strv_count(nf->dns_search) : 0;
  if (nsearch == 1 && strcmp(nf->dns_search[0], ".") == 0)
    ; /* no search domains at all */
  else if (nsearch)
    {
      strbuf_adds(out, "search");
      for (size_t i = 0; i < nsearch; i++)
        strbuf_addf(out, " %s", nf->dns_search[i]);
      strbuf_addch(out, '\n');
    }
  else
    {
      resolv_words(host_resolv, "domain", &w);
      resolv_words(host_resolv, "search", &w);
      if (w.len)
        strbuf_addf(out, "search %s\n", w.buf);
    }
  if (nf && strv_count(nf->dns))
    for (size_t i = 0; nf->dns[i]; i++)
      strbuf_addf(out, "nameserver %s\n", nf->dns[i]);
  else if (nf && nf->dns_default)
    strbuf_addf(out, "nameserver %s\n", nf->dns_default);
  else
    {
      strbuf_reset(&w);
      resolv_words(host_resolv, "nameserver", &w);
      for (char *p = w.buf; *p;)
        {
          char *e = strchrnul(p, ' ');
          strbuf_addf(out, "nameserver %.*s\n", (int)(e - p), p);
          p = *e ? e + 1 : e;
        }
    }
  if (nf && strv_count(nf->dns_options))
    {
      strbuf_adds(out, "options");
      for (size_t i = 0; nf->dns_options[i]; i++)
        strbuf_addf(out, " %s", nf->dns_options[i]);
      strbuf_addch(out, '\n');
    }
  else
    {
      strbuf_reset(&w);
      resolv_words(host_resolv, "options", &w);
      if (w.len)
        strbuf_addf(out, "options %s\n", w.buf);
    }
  strbuf_release(&w);
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

/* The files belong to whom the directory belongs to: the supervisor's
 * launcher writes them as root of its user namespace, a subordinate id on
 * the host, and the store holds nothing the user does not own. */
static int put(int dfd, const char *name, const struct strbuf *sb, lp_error_t *err)
{
  struct stat st;
  if (lp_write_file_at(dfd, name, sb->buf, sb->len, 0644, 0, err) < 0)
    return -1;
  if (fstat(dfd, &st) == 0 && st.st_uid != geteuid()
      && fchownat(dfd, name, st.st_uid, st.st_gid, AT_SYMLINK_NOFOLLOW) < 0)
    return lp_error(err, errno, "chown `%s` to the directory's owner", name);
  return 0;
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
  lp_genfile_hosts_net(&sb, host.len ? host.buf : NULL, spec->hostname, &spec->netfiles);
  if (put(dfd, "hosts", &sb, err) < 0)
    goto out;

  strbuf_reset(&sb);
  if (spec->hostname)
    {
      strbuf_addf(&sb, "%s\n", spec->hostname);
      if (put(dfd, "hostname", &sb, err) < 0)
        goto out;
    }

  /* With the host network the host's own file is bound, unless --dns and
   * the like ask for changes. */
  const struct lp_netfiles *nf = &spec->netfiles;
  if (!net_host || strv_count(nf->dns) || strv_count(nf->dns_search) || strv_count(nf->dns_options))
    {
      strbuf_reset(&sb);
      strbuf_reset(&host);
      if (lp_read_file_at(AT_FDCWD, "/etc/resolv.conf", &host, &rerr) < 0)
        lp_error_free(&rerr); /* none on the host: nothing from it */
      lp_genfile_resolv(&sb, host.buf, nf);
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
