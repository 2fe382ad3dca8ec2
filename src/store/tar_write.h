/*
 * tar_write: a small streaming tar writer, the counterpart of tar.h's
 * reader (same struct lp_tar_entry), for `cp CONTAINER:PATH -`.
 *
 * Format: POSIX ustar headers; a pax extended header ('x') goes before an
 * entry only when a field does not fit: a name longer than ustar's
 * prefix(155)/name(100) split allows, a link target over 100 bytes, ids
 * over 07777777, a size over 077777777777 (8 GiB), device numbers over
 * 07777777, or xattrs (SCHILY.xattr.NAME). Directories are named with a
 * trailing '/'. Times are whole seconds; uname/gname are left empty (the
 * numbers are what a container's ids are). GNU tar, Python's tarfile and
 * our reader read it back.
 *
 * Use: lp_tar_write_header() per entry; a regular file's e->size bytes
 * follow through lp_tar_write_data(), then lp_tar_write_end_entry() (which
 * checks the count and pads); lp_tar_writer_finish() writes the two zero
 * blocks and flushes. Output is buffered; every call may fail with errno
 * from write(2).
 */
#ifndef LILIPOD_STORE_TAR_WRITE_H
#define LILIPOD_STORE_TAR_WRITE_H

#include "store/tar.h"

struct lp_tar_writer;

struct lp_tar_writer *lp_tar_writer_new(int fd);
int lp_tar_write_header(struct lp_tar_writer *w, const struct lp_tar_entry *e, lp_error_t *err);
int lp_tar_write_data(struct lp_tar_writer *w, const void *buf, size_t len, lp_error_t *err);
int lp_tar_write_end_entry(struct lp_tar_writer *w, lp_error_t *err);
int lp_tar_writer_finish(struct lp_tar_writer *w, lp_error_t *err);
void lp_tar_writer_free(struct lp_tar_writer *w);

#endif
