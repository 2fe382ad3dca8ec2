/*
 * fsutil: small file-system helpers shared by every module.
 *
 * Contract: all paths are relative to a directory fd (AT_FDCWD allowed) and
 * every fd opened here is O_CLOEXEC. Failures fill an lp_error_t naming the
 * path and the errno. Writes are atomic (temp file + rename); with `durable`
 * the data and the directory entry are fsync'd before returning.
 */
#ifndef LILIPOD_FSUTIL_H
#define LILIPOD_FSUTIL_H

#include <stddef.h>
#include <sys/types.h>

#include "error.h"
#include "strbuf.h"

/* mkdir -p, relative to dirfd. Existing directories are fine. */
int lp_mkdir_p_at(int dirfd, const char *path, mode_t mode, lp_error_t *err);
/* Read a whole file into out (appends). */
int lp_read_file_at(int dirfd, const char *path, struct strbuf *out, lp_error_t *err);
/* Replace path with data atomically. */
int lp_write_file_at(int dirfd, const char *path, const void *data, size_t len, mode_t mode, int durable,
                     lp_error_t *err);
/* rm -rf of one entry under dirfd; a missing entry is not an error. Never
 * follows symlinks and never crosses into other mounts' contents by path. */
int lp_rm_rf_at(int dirfd, const char *name, lp_error_t *err);
/* fsync a directory by path relative to dirfd. */
int lp_fsync_dir_at(int dirfd, const char *path, lp_error_t *err);
/* Write all of buf to fd, retrying on EINTR and short writes. */
int lp_write_all(int fd, const void *buf, size_t len);

/* The lilipod home: $LILIPOD_HOME, else $XDG_DATA_HOME/lilipod, else
 * ~/.local/share/lilipod. Returns a new string. */
char *lp_home_path(lp_error_t *err);

#endif
