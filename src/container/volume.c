/* volume: named and anonymous volumes (see volume.h). */
#include "volume.h"

#include "../runtime/runtime.h"
#include "../util/copytree.h"
#include "../util/fsutil.h"
#include "../util/log.h"
#include "../util/strbuf.h"
#include "../util/xalloc.h"

#include <cjson/cJSON.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define VOLDIR "volumes"

bool lp_volume_name_valid(const char *name)
{
  if (!name || !((name[0] >= 'a' && name[0] <= 'z') || (name[0] >= 'A' && name[0] <= 'Z')
                 || (name[0] >= '0' && name[0] <= '9')))
    return false;
  for (const char *p = name + 1; *p; p++)
    if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || *p == '_'
          || *p == '.' || *p == '-'))
      return false;
  return strlen(name) < 256;
}

static void kv_free(struct lp_kv *kv, size_t n)
{
  for (size_t i = 0; i < n; i++)
    free(kv[i].key), free(kv[i].value);
  free(kv);
}

void lp_volume_free(struct lp_volume *v)
{
  if (!v)
    return;
  free(v->name);
  free(v->mountpoint);
  kv_free(v->labels, v->nlabels);
  kv_free(v->options, v->noptions);
  free(v);
}

void lp_volume_list_free(struct lp_volume **v, size_t n)
{
  for (size_t i = 0; i < n; i++)
    lp_volume_free(v[i]);
  free(v);
}

static void json_kv(const cJSON *o, struct lp_kv **kv, size_t *n)
{
  const cJSON *e;
  cJSON_ArrayForEach(e, o)
  {
    if (!cJSON_IsString(e))
      continue;
    *kv = xreallocarray(*kv, *n + 1, sizeof **kv);
    (*kv)[*n].key = xstrdup(e->string);
    (*kv)[*n].value = xstrdup(e->valuestring);
    (*n)++;
  }
}

/* Read volumes/NAME; 0 when the directory is not there. */
static int read_volume(struct lp_store *s, const char *name, struct lp_volume **out, lp_error_t *err)
{
  cleanup_free char *dir = xasprintf(VOLDIR "/%s", name);
  struct stat st;
  if (fstatat(lp_store_dirfd(s), dir, &st, AT_SYMLINK_NOFOLLOW) < 0)
    {
      if (errno == ENOENT)
        return 0;
      return lp_error(err, errno, "volume `%s`", name);
    }
  if (!S_ISDIR(st.st_mode))
    return 0;
  struct lp_volume *v = xzalloc(sizeof *v);
  v->name = xstrdup(name);
  v->mountpoint = xasprintf("%s/" VOLDIR "/%s/_data", lp_store_home(s), name);
  v->created = (int64_t)st.st_mtim.tv_sec * 1000000000 + st.st_mtim.tv_nsec;
  cleanup_free char *meta = xasprintf("%s/volume.json", dir);
  struct strbuf sb = STRBUF_INIT;
  lp_error_t e = NULL;
  if (lp_read_file_at(lp_store_dirfd(s), meta, &sb, &e) == 0)
    {
      cJSON *o = cJSON_Parse(sb.buf ? sb.buf : "");
      const cJSON *c = cJSON_GetObjectItemCaseSensitive(o, "CreatedAt");
      if (cJSON_IsNumber(c))
        v->created = (int64_t)c->valuedouble;
      json_kv(cJSON_GetObjectItemCaseSensitive(o, "Labels"), &v->labels, &v->nlabels);
      json_kv(cJSON_GetObjectItemCaseSensitive(o, "Options"), &v->options, &v->noptions);
      v->anonymous = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(o, "Anonymous"));
      cJSON_Delete(o);
    }
  lp_error_free(&e);
  strbuf_release(&sb);
  cleanup_free char *marker = xasprintf("%s/copyup", dir);
  v->needs_copyup = faccessat(lp_store_dirfd(s), marker, F_OK, AT_SYMLINK_NOFOLLOW) == 0;
  *out = v;
  return 1;
}

int lp_volume_lookup(struct lp_store *s, const char *name, struct lp_volume **out, lp_error_t *err)
{
  if (!lp_volume_name_valid(name))
    return 0;
  return read_volume(s, name, out, err);
}

static char *random_name(void)
{
  unsigned char raw[32];
  if (getrandom(raw, sizeof raw, 0) != (ssize_t)sizeof raw)
    {
      uint64_t t = (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 32);
      for (size_t i = 0; i < sizeof raw; i++, t = t * 6364136223846793005ULL + 1442695040888963407ULL)
        raw[i] = (unsigned char)(t >> 56);
    }
  char *hex = xmalloc(65);
  for (size_t i = 0; i < 32; i++)
    snprintf(hex + 2 * i, 3, "%02x", raw[i]);
  return hex;
}

int lp_volume_create(struct lp_store *s, const char *name, const struct lp_kv *labels, size_t nlabels,
                     bool anonymous, struct lp_volume **out, lp_error_t *err)
{
  int dfd = lp_store_dirfd(s);
  cleanup_free char *gen = name ? NULL : random_name();
  if (!name)
    name = gen;
  if (!lp_volume_name_valid(name))
    return lp_error(err, EINVAL, "invalid volume name \"%s\": names must match [a-zA-Z0-9][a-zA-Z0-9_.-]*", name);
  if (mkdirat(dfd, VOLDIR, 0700) < 0 && errno != EEXIST)
    return lp_error(err, errno, "create `%s/" VOLDIR "`", lp_store_home(s));
  cleanup_free char *dir = xasprintf(VOLDIR "/%s", name);
  if (mkdirat(dfd, dir, 0700) < 0)
    {
      if (errno == EEXIST)
        {
          lp_error(err, 0, "volume with name %s already exists: volume already exists", name);
          (*err)->errnum = EEXIST;
          return -1;
        }
      return lp_error(err, errno, "create volume `%s`", name);
    }
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  cJSON *o = cJSON_CreateObject();
  cJSON_AddStringToObject(o, "Name", name);
  cJSON_AddStringToObject(o, "Driver", "local");
  cJSON_AddNumberToObject(o, "CreatedAt", (double)((int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec));
  cJSON *l = cJSON_AddObjectToObject(o, "Labels");
  for (size_t i = 0; i < nlabels; i++)
    {
      cJSON_DeleteItemFromObjectCaseSensitive(l, labels[i].key);
      cJSON_AddStringToObject(l, labels[i].key, labels[i].value ? labels[i].value : "");
    }
  cJSON_AddObjectToObject(o, "Options");
  cJSON_AddBoolToObject(o, "Anonymous", anonymous);
  char *json = cJSON_PrintUnformatted(o);
  cJSON_Delete(o);
  cleanup_free char *data = xasprintf("%s/_data", dir);
  cleanup_free char *meta = xasprintf("%s/volume.json", dir);
  cleanup_free char *marker = xasprintf("%s/copyup", dir);
  int rc = -1;
  if (mkdirat(dfd, data, 0755) < 0)
    lp_error(err, errno, "create `%s/%s`", lp_store_home(s), data);
  else if (lp_write_file_at(dfd, marker, "", 0, 0600, 0, err) == 0
           && lp_write_file_at(dfd, meta, json, strlen(json), 0600, 0, err) == 0)
    rc = 0;
  cJSON_free(json);
  if (rc < 0)
    {
      lp_error_t e = NULL;
      if (lp_rm_rf_at(dfd, dir, &e) < 0)
        lp_error_free(&e);
      return lp_error_wrap(err, "create volume %s", name);
    }
  if (out && read_volume(s, name, out, err) != 1)
    return lp_error(err, ENOENT, "volume %s vanished", name);
  return 0;
}

static int by_name(const void *a, const void *b)
{
  const struct lp_volume *x = *(struct lp_volume *const *)a, *y = *(struct lp_volume *const *)b;
  return strcmp(x->name, y->name);
}

int lp_volume_list(struct lp_store *s, struct lp_volume ***out, size_t *n, lp_error_t *err)
{
  *out = NULL;
  *n = 0;
  int fd = openat(lp_store_dirfd(s), VOLDIR, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0)
    {
      if (errno == ENOENT)
        return 0;
      return lp_error(err, errno, "open `%s/" VOLDIR "`", lp_store_home(s));
    }
  DIR *d = fdopendir(fd);
  if (!d)
    {
      int e = errno;
      close(fd);
      return lp_error(err, e, "read `%s/" VOLDIR "`", lp_store_home(s));
    }
  struct lp_volume **v = NULL;
  size_t k = 0;
  struct dirent *de;
  int rc = 0;
  while ((de = readdir(d)) != NULL)
    {
      if (!lp_volume_name_valid(de->d_name))
        continue;
      struct lp_volume *one = NULL;
      int r = read_volume(s, de->d_name, &one, err);
      if (r < 0)
        {
          rc = -1;
          break;
        }
      if (r == 0)
        continue;
      v = xreallocarray(v, k + 1, sizeof *v);
      v[k++] = one;
    }
  closedir(d);
  if (rc < 0)
    {
      lp_volume_list_free(v, k);
      return -1;
    }
  if (k > 1)
    qsort(v, k, sizeof *v, by_name);
  *out = v;
  *n = k;
  return 0;
}

/* rm -rf of rel under dirfd. Rootless, first from a user namespace where the
 * subordinate ids the container wrote with are mapped. */
static int rm_tree(int dirfd, const char *rel, lp_error_t *err)
{
  if (geteuid() != 0)
    {
      fflush(NULL);
      pid_t pid = fork();
      if (pid == 0)
        {
          lp_error_t e = NULL;
          if (lp_runtime_unshare_user(LP_USERNS_KEEP_ID, &e) < 0)
            _exit(1);
          _exit(lp_rm_rf_at(dirfd, rel, &e) < 0 ? 1 : 0);
        }
      if (pid > 0)
        while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
          ;
    }
  return lp_rm_rf_at(dirfd, rel, err);
}

int lp_volume_remove(struct lp_store *s, const char *name, lp_error_t *err)
{
  if (!lp_volume_name_valid(name))
    return lp_error(err, EINVAL, "invalid volume name \"%s\"", name);
  cleanup_free char *dir = xasprintf(VOLDIR "/%s", name);
  if (rm_tree(lp_store_dirfd(s), dir, err) < 0)
    return lp_error_wrap(err, "remove volume %s", name);
  return 0;
}

static bool config_uses(const struct lp_ctr_config *c, const char *name)
{
  for (size_t i = 0; i < c->nmounts; i++)
    if (strcmp(c->mounts[i].type, "volume") == 0 && c->mounts[i].name && strcmp(c->mounts[i].name, name) == 0)
      return true;
  return false;
}

int lp_volume_users(struct lp_store *s, const char *name, char ***ids, size_t *n, lp_error_t *err)
{
  struct lp_container_info **list = NULL;
  size_t k = 0;
  *ids = NULL;
  *n = 0;
  if (lp_container_list(s, &list, &k, err) < 0)
    return -1;
  for (size_t i = 0; i < k; i++)
    {
      struct lp_ctr_config *c = NULL;
      lp_error_t e = NULL;
      if (lp_ctr_config_from_json(list[i]->config_json, &c, &e) < 0)
        {
          lp_error_free(&e);
          continue;
        }
      if (config_uses(c, name))
        {
          *ids = xreallocarray(*ids, *n + 1, sizeof **ids);
          (*ids)[(*n)++] = xstrdup(list[i]->id);
        }
      lp_ctr_config_free(c);
    }
  lp_container_list_free(list, k);
  return 0;
}

void lp_volume_users_free(char **ids, size_t n)
{
  for (size_t i = 0; i < n; i++)
    free(ids[i]);
  free(ids);
}

/* ---- containers and their volumes ---- */

int lp_ctr_volumes_prepare(struct lp_store *s, struct lp_ctr_config *c, lp_error_t *err)
{
  char **made = NULL;
  size_t nmade = 0;
  int rc = 0;
  for (size_t i = 0; i < c->nmounts && rc == 0; i++)
    {
      struct lp_ctr_mount *m = &c->mounts[i];
      if (strcmp(m->type, "volume") != 0 || (m->source && m->source[0] == '/'))
        continue;
      struct lp_volume *v = NULL;
      if (!m->name || !*m->name)
        {
          rc = lp_volume_create(s, NULL, NULL, 0, true, &v, err);
          if (rc == 0)
            {
              made = xreallocarray(made, nmade + 1, sizeof *made);
              made[nmade++] = xstrdup(v->name);
            }
        }
      else
        {
          int r = lp_volume_lookup(s, m->name, &v, err);
          if (r == 0)
            {
              r = lp_volume_create(s, m->name, NULL, 0, false, &v, err);
              if (r < 0 && *err && (*err)->errnum == EEXIST)
                {
                  /* Another command made it meanwhile: use it. */
                  lp_error_free(err);
                  r = lp_volume_lookup(s, m->name, &v, err);
                }
            }
          rc = r < 0 ? -1 : r == 0 && !v ? lp_error(err, ENOENT, "volume %s vanished", m->name) : 0;
        }
      if (rc == 0 && v)
        {
          free(m->name);
          m->name = xstrdup(v->name);
          free(m->source);
          m->source = xstrdup(v->mountpoint);
        }
      lp_volume_free(v);
    }
  if (rc < 0)
    for (size_t i = 0; i < nmade; i++)
      {
        lp_error_t e = NULL;
        if (lp_volume_remove(s, made[i], &e) < 0)
          lp_error_free(&e);
      }
  for (size_t i = 0; i < nmade; i++)
    free(made[i]);
  free(made);
  return rc;
}

static bool has_option(const struct lp_ctr_mount *m, const char *o)
{
  for (char **p = m->options; p && *p; p++)
    if (strcmp(*p, o) == 0)
      return true;
  return false;
}

void lp_ctr_volumes_claim_copyup(struct lp_store *s, struct lp_ctr_config *c)
{
  for (size_t i = 0; i < c->nmounts; i++)
    {
      struct lp_ctr_mount *m = &c->mounts[i];
      m->copyup = false;
      if (strcmp(m->type, "volume") != 0 || !m->name || !lp_volume_name_valid(m->name) || has_option(m, "nocopy"))
        continue;
      cleanup_free char *marker = xasprintf(VOLDIR "/%s/copyup", m->name);
      m->copyup = unlinkat(lp_store_dirfd(s), marker, 0) == 0;
    }
}

static int open_in_rootfs(int rootfd, const char *path)
{
  struct open_how how;
  memset(&how, 0, sizeof how);
  how.flags = O_PATH | O_CLOEXEC;
  how.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS;
  while (*path == '/')
    path++;
  return (int)syscall(SYS_openat2, rootfd, *path ? path : ".", &how, sizeof how);
}

static bool dir_empty(int fd)
{
  int d2 = dup(fd);
  if (d2 < 0)
    return false;
  DIR *d = fdopendir(d2);
  if (!d)
    {
      close(d2);
      return false;
    }
  bool empty = true;
  struct dirent *de;
  while (empty && (de = readdir(d)) != NULL)
    if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
      empty = false;
  closedir(d);
  return empty;
}

static int copyup_one(int rootfd, const struct lp_ctr_mount *m, lp_error_t *err)
{
  int pfd = open_in_rootfs(rootfd, m->destination);
  if (pfd < 0)
    return errno == ENOENT ? 0 : lp_error(err, errno, "open `%s` in the image", m->destination);
  char path[64];
  snprintf(path, sizeof path, "/proc/self/fd/%d", pfd);
  int src = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  int e = errno;
  close(pfd);
  if (src < 0)
    return e == ENOTDIR ? 0 : lp_error(err, e, "open `%s` in the image", m->destination);
  int dst = open(m->source, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (dst < 0)
    {
      e = errno;
      close(src);
      return lp_error(err, e, "open the volume `%s`", m->source);
    }
  int rc = 0;
  if (dir_empty(dst))
    {
      rc = lp_copy_tree(src, dst, err);
      if (rc == 0)
        rc = lp_copy_dir_attrs(src, dst, err);
    }
  close(src);
  close(dst);
  return rc;
}

int lp_ctr_volumes_copyup(const struct lp_ctr_config *c, const char *rootfs, lp_error_t *err)
{
  int rootfd = -1;
  for (size_t i = 0; i < c->nmounts; i++)
    {
      const struct lp_ctr_mount *m = &c->mounts[i];
      if (!m->copyup)
        continue;
      if (rootfd < 0 && (rootfd = open(rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC)) < 0)
        return lp_error(err, errno, "open the root file system `%s`", rootfs);
      if (copyup_one(rootfd, m, err) < 0)
        {
          close(rootfd);
          return lp_error_wrap(err, "copy the image's `%s` into volume %s", m->destination, m->name);
        }
    }
  if (rootfd >= 0)
    close(rootfd);
  return 0;
}

int lp_ctr_volumes_remove_anonymous(struct lp_store *s, const struct lp_ctr_config *c, lp_error_t *err)
{
  int rc = 0;
  for (size_t i = 0; i < c->nmounts; i++)
    {
      const struct lp_ctr_mount *m = &c->mounts[i];
      if (!m->anonymous || strcmp(m->type, "volume") != 0 || !m->name || !lp_volume_name_valid(m->name))
        continue;
      char **users = NULL;
      size_t n = 0;
      if (lp_volume_users(s, m->name, &users, &n, err) < 0)
        return -1;
      bool used = false;
      for (size_t k = 0; k < n; k++)
        used |= strcmp(users[k], c->id) != 0;
      lp_volume_users_free(users, n);
      if (used)
        continue;
      if (lp_volume_remove(s, m->name, err) < 0)
        rc = -1;
      if (rc < 0)
        break;
    }
  return rc;
}
