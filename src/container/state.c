/* state: exact container state and per-container lock (see state.h). */
#include "state.h"

#include "../util/fsutil.h"
#include "../util/strbuf.h"
#include "../util/xalloc.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <time.h>
#include <unistd.h>

int64_t lp_now_ns(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

uint64_t lp_proc_start_time(pid_t pid)
{
  if (pid <= 0)
    return 0;
  char path[64];
  snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
  struct strbuf sb;
  strbuf_init(&sb, 512);
  lp_error_t err = NULL;
  if (lp_read_file_at(AT_FDCWD, path, &sb, &err) < 0)
    {
      lp_error_free(&err);
      strbuf_release(&sb);
      return 0;
    }
  /* comm may hold spaces and parens: fields start after the last ')'. */
  char *p = sb.buf ? strrchr(sb.buf, ')') : NULL;
  uint64_t start = 0;
  if (p && p[1] == ' ')
    {
      p += 2;
      char state = *p;
      /* field 3 is state; field 22 is 19 fields further */
      int field = 3;
      while (*p && field < 22)
        {
          if (*p == ' ')
            field++;
          p++;
        }
      if (field == 22 && state != 'Z' && state != 'X')
        start = strtoull(p, NULL, 10);
    }
  strbuf_release(&sb);
  return start;
}

bool lp_proc_alive(pid_t pid, uint64_t start)
{
  uint64_t now = lp_proc_start_time(pid);
  return now != 0 && now == start;
}

int lp_ctr_lock(struct lp_store *s, const char *id, lp_error_t *err)
{
  cleanup_free char *dir = lp_container_dir(id);
  cleanup_free char *path = xasprintf("%s/lock", dir);
  int fd = openat(lp_store_dirfd(s), path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0)
    return lp_error(err, errno, "open the container's lock `%s`", path);
  while (flock(fd, LOCK_EX) < 0)
    if (errno != EINTR)
      {
        int e = errno;
        close(fd);
        return lp_error(err, e, "lock container %.12s", id);
      }
  return fd;
}

void lp_ctr_unlock(int fd)
{
  if (fd >= 0)
    close(fd);
}

static char *ctr_file(const char *id, const char *name)
{
  cleanup_free char *dir = lp_container_dir(id);
  return xasprintf("%s/%s", dir, name);
}

int lp_ctr_supervisor_write(struct lp_store *s, const char *id, pid_t pid, lp_error_t *err)
{
  cleanup_free char *path = ctr_file(id, "supervisor");
  cleanup_free char *txt = xasprintf("%d %llu\n", (int)pid, (unsigned long long)lp_proc_start_time(pid));
  return lp_write_file_at(lp_store_dirfd(s), path, txt, strlen(txt), 0600, 0, err);
}

int lp_ctr_supervisor_read(struct lp_store *s, const char *id, pid_t *pid, uint64_t *start)
{
  cleanup_free char *path = ctr_file(id, "supervisor");
  struct strbuf sb;
  strbuf_init(&sb, 64);
  lp_error_t err = NULL;
  int rc = 0;
  if (lp_read_file_at(lp_store_dirfd(s), path, &sb, &err) < 0)
    lp_error_free(&err);
  else
    {
      int p = 0;
      unsigned long long st = 0;
      if (sb.buf && sscanf(sb.buf, "%d %llu", &p, &st) == 2 && p > 0)
        {
          *pid = p;
          *start = st;
          rc = 1;
        }
    }
  strbuf_release(&sb);
  return rc;
}

bool lp_ctr_supervisor_alive(struct lp_store *s, const char *id)
{
  pid_t pid;
  uint64_t start;
  return lp_ctr_supervisor_read(s, id, &pid, &start) == 1 && lp_proc_alive(pid, start);
}

void lp_ctr_reason_write(struct lp_store *s, const char *id, const char *reason)
{
  cleanup_free char *path = ctr_file(id, "reason");
  lp_error_t err = NULL;
  if (!reason || !*reason)
    {
      unlinkat(lp_store_dirfd(s), path, 0);
      return;
    }
  if (lp_write_file_at(lp_store_dirfd(s), path, reason, strlen(reason), 0600, 0, &err) < 0)
    lp_error_free(&err);
}

char *lp_ctr_reason_read(struct lp_store *s, const char *id)
{
  cleanup_free char *path = ctr_file(id, "reason");
  struct strbuf sb;
  strbuf_init(&sb, 64);
  lp_error_t err = NULL;
  if (lp_read_file_at(lp_store_dirfd(s), path, &sb, &err) < 0)
    lp_error_free(&err);
  strbuf_rtrim(&sb);
  char *r = strbuf_detach(&sb, NULL);
  return r ? r : xstrdup("");
}

int lp_ctr_set_state(struct lp_store *s, struct lp_container_info *c, const char *status, pid_t pid, int exit_code,
                     lp_error_t *err)
{
  free(c->status);
  c->status = xstrdup(status);
  if (strcmp(status, "running") == 0)
    {
      c->pid = pid;
      c->pid_start = lp_proc_start_time(pid);
      c->started_at = lp_now_ns();
      c->exit_code = 0;
    }
  else if (strcmp(status, "exited") == 0 || strcmp(status, "stopped") == 0)
    {
      c->pid = 0;
      c->pid_start = 0;
      c->exit_code = exit_code;
      c->finished_at = lp_now_ns();
    }
  return lp_container_update_state(s, c, err);
}

static int reload(struct lp_store *s, struct lp_container_info *c, lp_error_t *err)
{
  struct lp_container_info *n = NULL;
  int r = lp_container_lookup(s, c->id, &n, err);
  if (r <= 0)
    return r < 0 ? -1 : 0;
  free(c->status);
  c->status = n->status;
  n->status = NULL;
  c->pid = n->pid;
  c->pid_start = n->pid_start;
  c->exit_code = n->exit_code;
  c->started_at = n->started_at;
  c->finished_at = n->finished_at;
  free(c->config_json);
  c->config_json = n->config_json;
  n->config_json = NULL;
  lp_container_info_free(n);
  return 0;
}

int lp_ctr_state_refresh(struct lp_store *s, struct lp_container_info *c, lp_error_t *err)
{
  if (reload(s, c, err) < 0)
    return -1;
  if (!c->status || strcmp(c->status, "running") != 0)
    return 0;
  if (lp_ctr_supervisor_alive(s, c->id))
    return 0;
  /* The supervisor may have just written the final state and exited. */
  if (reload(s, c, err) < 0)
    return -1;
  if (strcmp(c->status, "running") != 0)
    return 0;
  if (lp_proc_alive((pid_t)c->pid, c->pid_start))
    kill((pid_t)c->pid, SIGKILL); /* nobody supervises it any more */
  lp_ctr_reason_write(s, c->id, "supervisor died");
  return lp_ctr_set_state(s, c, "exited", 0, 137, err);
}

bool lp_ctr_is_running(const struct lp_container_info *c)
{
  return c->status && strcmp(c->status, "running") == 0;
}
