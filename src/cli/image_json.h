/*
 * image_json: images as Podman shows them.
 *
 * Contract: pure functions of a stored image (store.h's lp_image_info).
 *   - lp_image_inspect_json(): Podman's `image inspect` object (ImageData):
 *     Id (hex), Digest, RepoTags, RepoDigests, Parent, Comment, Created,
 *     Config, Version, Author, Architecture, Os, Size, VirtualSize,
 *     GraphDriver, RootFS, Labels, Annotations, ManifestType, User, History,
 *     NamesHistory, in that order. The objects Go treats as maps (Labels,
 *     Annotations, Config.Labels/ExposedPorts/Volumes, GraphDriver.Data) are
 *     added to maps when maps is not NULL, so templates print them as Go does.
 *   - lp_image_summary_json(): one element of `images --format json`.
 *   - lp_image_row_json(): the fields `images --format` templates read, for
 *     one name of the image (name NULL: the <none> row).
 *   - lp_image_created(): the config's "created" (store time if absent).
 *   - lp_split_repo_tag(): "host:5000/a/b:tag" -> "host:5000/a/b", "tag";
 *     the tag is after the last ':' that follows the last '/'; a digest
 *     name ("repo@sha256:...") has tag NULL.
 * Malformed manifest or config JSON never fails: the fields read as empty.
 */
#ifndef LILIPOD_CLI_IMAGE_JSON_H
#define LILIPOD_CLI_IMAGE_JSON_H

#include <stdbool.h>
#include <stdint.h>
#include <cjson/cJSON.h>

#include "../format/template.h"
#include "../store/store.h"

cJSON *lp_image_inspect_json(const struct lp_image_info *img, struct lp_tmpl_maps *maps);
cJSON *lp_image_summary_json(const struct lp_image_info *img, int containers);
cJSON *lp_image_row_json(const struct lp_image_info *img, const char *name, int containers, bool no_trunc,
                         int64_t now, struct lp_tmpl_maps *maps);
/* The column titles of `images` for table formats. */
cJSON *lp_image_row_headers(void);

int64_t lp_image_created(const struct lp_image_info *img, long *nsec);
void lp_split_repo_tag(const char *name, char **repo, char **tag);
/* The hex of an id ("sha256:abc" -> "abc"); points into id. */
const char *lp_image_hex(const char *id);

#endif
