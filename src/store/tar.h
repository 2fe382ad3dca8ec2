/*
 * tar: a push-mode streaming reader for untrusted layer tars.
 *
 * Why our own and not libarchive: the registry client pushes decompressed
 * bytes as they arrive from the network, in any chunking, so the reader is a
 * state machine fed with lp_tar_feed() and never seeks or pulls; we need exact
 * control of pax records (xattrs with binary values, fractional mtimes, large
 * sizes), of GNU long names and base-256 numbers, and strict limits on every
 * length an untrusted header claims, with names rejected (not rewritten) when
 * they contain `..` or are absolute. That is a few hundred lines we can read
 * in full; the whiteout meaning of `.wh.` names is the layer code's business.
 *
 * Formats: ustar (prefix field), pax ('x' per entry; 'g' parsed and ignored),
 * GNU ('L' long name, 'K' long link, base-256 numeric fields). Entry types:
 * regular ('0', '\0', '7'), hard link '1', symlink '2', char '3', block '4',
 * directory '5', fifo '6'. Anything else is an error.
 *
 * Names: a leading "./" (repeated) and "." components and trailing "/" are
 * removed; the archive root ("." or "./") becomes "". Absolute names and any
 * ".." component are rejected, for paths and hard-link targets alike.
 * Limits: a pax header <= 1 MiB, a name or link <= 64 KiB, octal fields must
 * be octal digits (spaces/NUL padding only), header checksums must match.
 */
#ifndef LILIPOD_STORE_TAR_H
#define LILIPOD_STORE_TAR_H

#include <stddef.h>
#include <stdint.h>

#include "util/error.h"
#include "util/strbuf.h"

#define LP_TAR_PAX_MAX (1024 * 1024)
#define LP_TAR_NAME_MAX (64 * 1024)

enum lp_tar_type
{
  LP_TAR_REG = '0',
  LP_TAR_HARDLINK = '1',
  LP_TAR_SYMLINK = '2',
  LP_TAR_CHR = '3',
  LP_TAR_BLK = '4',
  LP_TAR_DIR = '5',
  LP_TAR_FIFO = '6',
};

struct lp_tar_entry
{
  char type;        /* enum lp_tar_type */
  const char *path; /* normalized, NUL-terminated; "" for the archive root */
  size_t path_len;
  const char *link; /* symlink target (verbatim) or hard-link target (normalized); NULL otherwise */
  size_t link_len;
  uint32_t mode; /* permission bits incl. set-id/sticky (07777) */
  uint64_t uid, gid;
  int64_t mtime_ns;
  uint64_t size; /* content bytes that follow (regular files only; 0 otherwise) */
  uint32_t devmajor, devminor;
  const void *xattrs; /* serialized as in tree.h: (u32 len, name, u32 len, value)*, sorted; NULL if none */
  size_t xattrs_len;
};

struct lp_tar_callbacks
{
  /* A new entry. Return -1 with err set to stop the archive. */
  int (*entry)(void *ctx, const struct lp_tar_entry *e, lp_error_t *err);
  /* Content of the current regular file, in pieces, size bytes in total. */
  int (*data)(void *ctx, const void *buf, size_t len, lp_error_t *err);
  /* The current entry's content is complete. May be NULL. */
  int (*entry_end)(void *ctx, lp_error_t *err);
};

struct lp_tar_reader;
struct lp_tar_reader *lp_tar_reader_new(const struct lp_tar_callbacks *cb, void *ctx);
/* Feed bytes. After an error the reader is dead: further calls fail. */
int lp_tar_feed(struct lp_tar_reader *r, const void *buf, size_t len, lp_error_t *err);
/* The stream has ended: fails unless it ended at an entry boundary (an
 * end-of-archive marker, or plain EOF after a complete entry). */
int lp_tar_finish(struct lp_tar_reader *r, lp_error_t *err);
void lp_tar_reader_free(struct lp_tar_reader *r);

/* Normalize an archive name as described above into out (reset first).
 * Returns 0, or -1 with err naming the problem. Exposed for tests. */
int lp_tar_normalize_path(const char *name, size_t len, struct strbuf *out, lp_error_t *err);

#endif
