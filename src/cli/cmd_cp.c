/* lilipod cp [options] [CONTAINER:]SRC [CONTAINER:]DEST */
#include "commands.h"
#include "ctr_cli.h"
#include "image_find.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../container/cp.h"
#include "../container/state.h"
#include "../util/fsutil.h"
#include "../util/xalloc.h"

static const struct lp_option options[] = {
  { "archive", 'a', LP_OPT_BOOL, NULL, "Chown copied files to the primary uid/gid of the destination (accepted)",
    "true", NULL },
  { "overwrite", 0, LP_OPT_BOOL, NULL, "Allow to overwrite directories with non-directories and vice versa", NULL,
    NULL },
  { NULL },
};

/* "ctr:path" -> ctr and path; a host path has no ':' before its first '/'
 * (or starts with '/' or '.'). */
static char *split(const char *arg, const char **path)
{
  const char *colon = strchr(arg, ':');
  if (!colon || arg[0] == '/' || arg[0] == '.' || (strchr(arg, '/') && strchr(arg, '/') < colon))
    {
      *path = arg;
      return NULL;
    }
  *path = colon + 1;
  return xstrndup(arg, (size_t)(colon - arg));
}

/* A tar stream on stdin that is not a file is read in full (into an
 * unnamed file in the store's tmp/) before the container's lock is taken:
 * it may come from `lilipod cp CTR:PATH -` of the same container, which
 * needs that lock to produce it. Returns the fd to read, or -1. */
static int spool_stdin(struct lp_store *s, lp_error_t *err)
{
  struct stat st;
  if (fstat(STDIN_FILENO, &st) == 0 && S_ISREG(st.st_mode))
    return STDIN_FILENO;
  int fd = openat(lp_store_dirfd(s), "tmp", O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
  if (fd < 0)
    return lp_error(err, errno, "create a file for the tar stream in the store's tmp/");
  char buf[65536];
  for (;;)
    {
      ssize_t n = read(STDIN_FILENO, buf, sizeof buf);
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0 || (n > 0 && lp_write_all(fd, buf, (size_t)n) < 0))
        {
          int e = errno;
          close(fd);
          return lp_error(err, e, n < 0 ? "read the tar stream" : "keep the tar stream in the store's tmp/");
        }
      if (n == 0)
        break;
    }
  if (lseek(fd, 0, SEEK_SET) < 0)
    {
      int e = errno;
      close(fd);
      return lp_error(err, e, "rewind the tar stream");
    }
  return fd;
}

static int run(struct lp_args *args)
{
  lp_error_t err = NULL;
  struct lp_store *s = NULL;
  struct lp_container_info *c = NULL;
  const char *src, *dest;
  cleanup_free char *sc = split(args->argv[0], &src);
  cleanup_free char *dc = split(args->argv[1], &dest);
  int lock = -1, status = LP_EXIT_OK, in_fd = STDIN_FILENO;

  if ((sc && dc) || (!sc && !dc))
    {
      lp_error(&err, 0, sc ? "copying between containers is not supported"
                           : "invalid arguments %s, %s you must use just one container", args->argv[0],
               args->argv[1]);
      return lp_cli_ctr_fail(&err);
    }
  bool tar_in = !sc && strcmp(src, "-") == 0, tar_out = !dc && strcmp(dest, "-") == 0;
  if (tar_out && isatty(STDOUT_FILENO))
    {
      lp_error(&err, 0, "refusing to write a tar stream to a terminal: redirect the output");
      return lp_cli_ctr_fail(&err);
    }
  if (!*src || !*dest)
    {
      lp_error(&err, 0, "empty path: want [CONTAINER:]SRC [CONTAINER:]DEST");
      return lp_cli_ctr_fail(&err);
    }
  if (lp_cli_store_open(&s, &err) < 0)
    return lp_cli_ctr_fail(&err);
  if (lp_cli_ctr_find(s, sc ? sc : dc, &c, &err) <= 0)
    goto fail;
  if (tar_in && (in_fd = spool_stdin(s, &err)) < 0)
    goto fail;
  /* Keep it from starting (or being removed) while its files are mounted here. */
  if ((lock = lp_ctr_lock(s, c->id, &err)) < 0 || lp_ctr_state_refresh(s, c, &err) < 0)
    goto fail;
  fflush(stdout);
  int r = tar_in || tar_out
              ? lp_ctr_cp_tar(s, c, tar_in ? dest : src, tar_in, tar_in ? in_fd : STDOUT_FILENO, &err)
              : lp_ctr_cp(s, c, src, dest, dc != NULL, &err);
  if (r < 0)
    goto fail;
  goto out;
fail:
  status = lp_cli_ctr_fail(&err);
out:
  if (in_fd != STDIN_FILENO)
    close(in_fd);
  if (lock >= 0)
    lp_ctr_unlock(lock);
  lp_container_info_free(c);
  lp_store_close(s);
  return status;
}

const struct lp_command lp_cmd_cp = {
  .name = "cp",
  .usage = "[options] [CONTAINER:]SRC_PATH [CONTAINER:]DEST_PATH",
  .summary = "Copy files/folders between a container and the local filesystem",
  .description = "Copies a file or a directory (recursively) out of or into a container, running, stopped or\n"
                 "never started. Paths in the container resolve inside its root; a source that is a symlink\n"
                 "is followed. An existing directory DEST receives SRC under its own name, or SRC's contents\n"
                 "when SRC ends in /. (as docker cp). SRC `-` reads a tar stream (plain, gzip or zstd) from\n"
                 "stdin and extracts it into the directory DEST; DEST `-` writes a tar of SRC to stdout.",
  .examples = "lilipod cp box1:/etc/os-release /tmp/box1.os-release\n"
              "lilipod cp ./conf/. box1:/etc/app\n"
              "tar -C dir -c . | lilipod cp - box1:/srv\n"
              "lilipod cp box1:/var/log - | tar -t",
  .options = options,
  .min_args = 2,
  .max_args = 2,
  .complete = LP_COMPLETE_CONTAINERS,
  .run = run,
};
