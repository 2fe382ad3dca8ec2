/*
 * store: lilipod's content store (DESIGN.md §3).
 *
 * Layout of $home (created mode 0700, everything owned by the invoking user):
 *   objects/ab/cdef...  content of regular files, named by sha256 hex, mode 0644
 *   tmp/                temp files of ingests in progress (gc removes leftovers)
 *   containers/<id>/    per-container directory, with upper/
 *   store.db            SQLite index (WAL, foreign keys on, busy_timeout 10 s)
 *   lock                flock(2) file: ingests and image commits hold it shared,
 *                       gc holds it exclusive (so gc never sees a half-done ingest)
 * Ownership, modes and xattrs of image files are rows, never applied on disk.
 *
 * Threads: a `struct lp_store` is one SQLite connection with its cached
 * prepared statements; use it from one thread at a time (open one store per
 * thread; the FUSE server opens one per worker thread, or serialises). Many
 * processes may open the same home at once: SQLite transactions and the
 * lock file keep them consistent.
 *
 * Errors: functions returning int return 0 (or a documented positive value)
 * on success and -1 with *err set on failure (see util/error.h).
 */
#ifndef LILIPOD_STORE_H
#define LILIPOD_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "util/error.h"

struct lp_store;

/* Open (creating if needed) the store at home. */
int lp_store_open(const char *home, struct lp_store **out, lp_error_t *err);
void lp_store_close(struct lp_store *s);
/* The home path / directory fd the store was opened on (owned by the store). */
const char *lp_store_home(struct lp_store *s);
int lp_store_dirfd(struct lp_store *s);

/* ---- layers ------------------------------------------------------------ */

/* 1 if the layer with this diff_id ("sha256:<hex>") is fully stored, 0 if
 * not, -1 on a database error (err set; err may be NULL to ignore it). */
int lp_store_has_layer(struct lp_store *s, const char *diff_id);
int lp_store_has_layer_err(struct lp_store *s, const char *diff_id, lp_error_t *err);

struct lp_layer_writer;
/* Start ingesting the uncompressed tar whose sha256 must equal diff_id. */
int lp_layer_begin(struct lp_store *s, const char *diff_id, struct lp_layer_writer **out, lp_error_t *err);
/* Feed uncompressed tar bytes, any chunking. On error the writer is still
 * allocated: call lp_layer_abort(). */
int lp_layer_write(struct lp_layer_writer *w, const void *buf, size_t len, lp_error_t *err);
/* Verify sha256(tar) == diff_id and a complete archive, then commit all rows
 * in one transaction. Frees w either way. If the layer is already stored
 * (another process won the race) this succeeds and stores nothing twice. */
int lp_layer_commit(struct lp_layer_writer *w, lp_error_t *err);
/* Free w; nothing it wrote is referenced (gc removes its temp files/objects). */
void lp_layer_abort(struct lp_layer_writer *w);

/* Convenience: ingest a whole tar read from fd. */
int lp_layer_ingest_fd(struct lp_store *s, const char *diff_id, int fd, lp_error_t *err);

/* ---- images ------------------------------------------------------------ */

struct lp_image_new
{
  const char *id; /* "sha256:<config digest hex>" */
  const char *manifest_digest;
  const char *manifest_json;
  const char *config_json;
  const char *const *diff_ids; /* bottom to top */
  size_t nlayers;
  const char *name;        /* "registry/repo:tag" or NULL */
  const char *repo_digest; /* "registry/repo@sha256:..." or NULL */
};

/* All layers must be present. Builds the flattened tree (tree.h) once.
 * Committing an image that exists only adds the name/repo digest. The name
 * moves from any older image that had it (that image stays, untagged). */
int lp_image_commit(struct lp_store *s, const struct lp_image_new *img, lp_error_t *err);

struct lp_image_info
{
  char *id; /* "sha256:<hex>" */
  char *manifest_digest;
  char *manifest_json;
  char *config_json;
  int64_t created;   /* unix seconds when it was stored */
  int64_t size;      /* sum of the layers' uncompressed tar sizes */
  int64_t root_node; /* tree_nodes id of its root */
  char **names;      /* "registry/repo:tag", NULL-terminated */
  size_t nnames;
  char **repo_digests; /* NULL-terminated */
  size_t nrepo_digests;
  char **diff_ids; /* bottom to top, NULL-terminated */
  size_t nlayers;
};
void lp_image_info_free(struct lp_image_info *info); /* frees contents and info */

/* Find an image by: full id "sha256:<hex>", bare hex, a unique hex prefix
 * (>= 3 chars, with or without "sha256:"), an exact stored name
 * "registry/repo:tag", or an exact repo digest "registry/repo@sha256:...".
 * Returns 1 and *out when found, 0 when not (out untouched), -1 on error
 * (including an ambiguous prefix). */
int lp_image_lookup(struct lp_store *s, const char *ref, struct lp_image_info **out, lp_error_t *err);
/* All images, newest first. *out is a malloc'd array of pointers. */
int lp_image_list(struct lp_store *s, struct lp_image_info ***out, size_t *n, lp_error_t *err);
void lp_image_list_free(struct lp_image_info **list, size_t n);
/* Point name at image (moving it from any other image). */
int lp_image_tag(struct lp_store *s, const char *image_id, const char *name, lp_error_t *err);
/* Remove a name. Returns 0, or 1 if the name was not there. */
int lp_image_untag(struct lp_store *s, const char *name, lp_error_t *err);
/* Remove image (full id) with its names and tree. Refused (err, errnum
 * EBUSY) while a container uses it unless force. Layers stay until gc. */
int lp_image_remove(struct lp_store *s, const char *image_id, int force, lp_error_t *err);
/* Number of containers using the image, -1 on error. */
int lp_image_containers(struct lp_store *s, const char *image_id, lp_error_t *err);

/* ---- containers (containers.c) ------------------------------------------ */

struct lp_container_info
{
  char *id; /* 64 hex */
  char *name;
  char *image_id;
  int64_t created; /* unix ns */
  char *config_json;
  char *status; /* "created", "running", "stopped", "exited", ... (runtime's words) */
  int64_t pid;
  uint64_t pid_start; /* /proc/<pid>/stat field 22, so a recycled pid is not mistaken */
  int exit_code;
  int64_t started_at;  /* unix ns, 0 if never */
  int64_t finished_at; /* unix ns, 0 if never */
};
void lp_container_info_free(struct lp_container_info *c);

/* Insert a row and create containers/<id>/upper/. id NULL = generate a
 * random 64-hex id. name must be unique (errnum EEXIST otherwise); the
 * image must exist when the row is inserted (errnum ENOENT otherwise, as
 * when an rmi removed it meanwhile). Returns the new row through *out if
 * out != NULL. */
int lp_container_create(struct lp_store *s, const char *id, const char *name, const char *image_id,
                        const char *config_json, struct lp_container_info **out, lp_error_t *err);
/* By exact name, full id, or unique id prefix. 1 found, 0 not, -1 error
 * (an ambiguous prefix is an error). */
int lp_container_lookup(struct lp_store *s, const char *ref, struct lp_container_info **out, lp_error_t *err);
int lp_container_list(struct lp_store *s, struct lp_container_info ***out, size_t *n, lp_error_t *err);
void lp_container_list_free(struct lp_container_info **list, size_t n);
/* Remove the row, then containers/<id>/ (on a full disk, the directory first
 * to free its space, then the row). */
int lp_container_remove(struct lp_store *s, const char *id, lp_error_t *err);
int lp_container_rename(struct lp_store *s, const char *id, const char *new_name, lp_error_t *err);
/* Write the state fields (status, pid, pid_start, exit_code, started_at,
 * finished_at) of c->id in one statement. */
int lp_container_update_state(struct lp_store *s, const struct lp_container_info *c, lp_error_t *err);
int lp_container_update_config(struct lp_store *s, const char *id, const char *config_json, lp_error_t *err);
/* "containers/<id>" relative to lp_store_dirfd() (new string). */
char *lp_container_dir(const char *id);

/* ---- gc and df (gc.c) ---------------------------------------------------- */

struct lp_gc_report
{
  uint64_t tmp_removed;
  uint64_t objects_removed;
  uint64_t object_bytes_removed;
  uint64_t layers_removed;
  uint64_t container_dirs_removed;
};
#define LP_GC_LAYERS 1 /* also drop layers no image references */
/* Remove what no row references. Takes the store lock exclusively (waits
 * for ingests in progress to finish). */
int lp_store_gc(struct lp_store *s, int flags, struct lp_gc_report *report, lp_error_t *err);

struct lp_store_df
{
  uint64_t images, images_bytes; /* images_bytes: sum of layer tar sizes, each layer once */
  uint64_t layers, layers_unused;
  uint64_t containers;
  uint64_t objects, objects_bytes; /* on-disk content objects */
  uint64_t inline_bytes;           /* small file content kept in the db */
  uint64_t dedup_saved_bytes;      /* bytes the layers hold minus bytes stored */
};
int lp_store_df(struct lp_store *s, struct lp_store_df *out, lp_error_t *err);

/* ---- objects (objects.c) ------------------------------------------------- */

/* Open objects/ab/cdef... O_RDONLY|O_CLOEXEC. Returns fd or -1. */
int lp_object_open(struct lp_store *s, const char *digest_hex, lp_error_t *err);

/* ---- check (check.c) ------------------------------------------------------ */

/* What lp_store_check() can find. */
enum lp_check_kind
{
  LP_CHECK_OBJECT_MISSING,    /* a row names content that is not in objects/ */
  LP_CHECK_OBJECT_CORRUPT,    /* an object's bytes do not hash to its name */
  LP_CHECK_OBJECT_ORPHAN,     /* an object (or stray file) in objects/ no row names */
  LP_CHECK_TMP_LEFTOVER,      /* a file left in tmp/ */
  LP_CHECK_CONTAINER_ORPHAN,  /* containers/<x> without a row */
  LP_CHECK_CONTAINER_NO_DIR,  /* a container row without its directory */
  LP_CHECK_CONTAINER_NO_IMAGE, /* a container row whose image is gone */
  LP_CHECK_IMAGE_NO_LAYER,    /* an image row naming a layer that is gone */
  LP_CHECK_IMAGE_NO_TREE,     /* an image without its root node */
  LP_CHECK_TREE_DANGLING,     /* tree rows whose parent/hardlink/image is gone */
  LP_CHECK_TREE_MISMATCH,     /* the flattened tree differs from its layers */
};

struct lp_check_problem
{
  enum lp_check_kind kind;
  char *subject;  /* what it is about: "object <hex>", "image sha256:...", "tmp/x" */
  char *detail;   /* one line, without the subject */
  int repaired;   /* with LP_CHECK_REPAIR: gone after the repair */
  char *hint;     /* NULL, or what the user can do about one not repaired */
};

struct lp_check_result
{
  uint64_t images, layers, objects, object_bytes, containers;
  struct lp_check_problem *problems;
  size_t nproblems;
};

#define LP_CHECK_REPAIR 1
/* Verify the store. First finish what killed ingests left (lp_store_recover:
 * their temp files and the objects they moved but never committed rows
 * for), which is not damage and is not reported. Then: every object a row
 * names exists and hashes to its name,
 * no row points at nothing, nothing in objects/, tmp/ or containers/ is
 * unreferenced, and each image's tree equals a fresh flattening of its
 * layers. Holds the store lock exclusively while it looks (waits for ingests
 * in progress). With LP_CHECK_REPAIR it then removes garbage (lp_store_gc),
 * rebuilds wrong or damaged trees, deletes corrupt objects (so a new pull
 * can store them again), checks again and marks what is gone as repaired.
 * Problems found are results, not errors: -1 only when checking failed. */
int lp_store_check(struct lp_store *s, int flags, struct lp_check_result *out, lp_error_t *err);
void lp_check_result_free(struct lp_check_result *r);

#endif
