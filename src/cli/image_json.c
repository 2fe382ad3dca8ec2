/* Podman's image JSON shapes, built from what the store keeps. */
#include "image_json.h"

#include <string.h>

#include "output.h"
#include "../util/xalloc.h"

const char *lp_image_hex(const char *id)
{
  return strncmp(id, "sha256:", 7) == 0 ? id + 7 : id;
}

void lp_split_repo_tag(const char *name, char **repo, char **tag)
{
  const char *at = strchr(name, '@');
  if (at)
    {
      *repo = xstrndup(name, (size_t) (at - name));
      *tag = NULL;
      return;
    }
  const char *slash = strrchr(name, '/');
  const char *colon = strrchr(slash ? slash : name, ':');
  if (colon)
    {
      *repo = xstrndup(name, (size_t) (colon - name));
      *tag = xstrdup(colon + 1);
    }
  else
    {
      *repo = xstrdup(name);
      *tag = NULL;
    }
}

int64_t lp_image_created(const struct lp_image_info *img, long *nsec)
{
  int64_t sec = img->created;
  long ns = 0;
  cJSON *config = img->config_json ? cJSON_Parse(img->config_json) : NULL;
  const cJSON *c = cJSON_GetObjectItemCaseSensitive(config, "created");
  if (!cJSON_IsString(c) || lp_parse_rfc3339(c->valuestring, &sec, &ns) < 0)
    {
      sec = img->created;
      ns = 0;
    }
  cJSON_Delete(config);
  if (nsec)
    *nsec = ns;
  return sec;
}

static cJSON *string_array(char **v, size_t n)
{
  cJSON *a = cJSON_CreateArray();
  for (size_t i = 0; i < n; i++)
    cJSON_AddItemToArray(a, cJSON_CreateString(v[i]));
  return a;
}

static const char *str_member(const cJSON *obj, const char *key)
{
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
  return cJSON_IsString(v) ? v->valuestring : "";
}

static void add_map(struct lp_tmpl_maps *maps, const cJSON *obj)
{
  if (maps && obj && cJSON_IsObject(obj))
    lp_tmpl_maps_add(maps, obj);
}

/* A copy of a map member, or a fresh empty map when absent. */
static cJSON *map_or_empty(const cJSON *obj, const char *key)
{
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
  return cJSON_IsObject(v) ? cJSON_Duplicate(v, 1) : cJSON_CreateObject();
}

/* The OCI ImageConfig as Podman prints it: only the members that are set. */
static cJSON *image_config(const cJSON *cfg, struct lp_tmpl_maps *maps)
{
  static const char *const keys[] = { "User", "ExposedPorts", "Env", "Entrypoint", "Cmd", "Volumes",
                                      "WorkingDir", "Labels", "StopSignal" };
  cJSON *out = cJSON_CreateObject();
  for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
    {
      const cJSON *v = cJSON_GetObjectItemCaseSensitive(cfg, keys[i]);
      if (v == NULL || cJSON_IsNull(v) || (cJSON_IsString(v) && !*v->valuestring)
          || ((cJSON_IsArray(v) || cJSON_IsObject(v)) && v->child == NULL))
        continue;
      cJSON *copy = cJSON_Duplicate(v, 1);
      cJSON_AddItemToObject(out, keys[i], copy);
      if (cJSON_IsObject(copy))
        add_map(maps, copy);
    }
  return out;
}

cJSON *lp_image_inspect_json(const struct lp_image_info *img, struct lp_tmpl_maps *maps)
{
  cJSON *config = img->config_json ? cJSON_Parse(img->config_json) : NULL;
  cJSON *manifest = img->manifest_json ? cJSON_Parse(img->manifest_json) : NULL;
  const cJSON *cc = cJSON_GetObjectItemCaseSensitive(config, "config");
  cJSON *o = cJSON_CreateObject();
  long ns;
  int64_t sec = lp_image_created(img, &ns);
  cleanup_free char *created = lp_time_rfc3339(sec, ns);

  cJSON_AddStringToObject(o, "Id", lp_image_hex(img->id));
  cJSON_AddStringToObject(o, "Digest", img->manifest_digest ? img->manifest_digest : "");
  cJSON_AddItemToObject(o, "RepoTags", string_array(img->names, img->nnames));
  cJSON_AddItemToObject(o, "RepoDigests", string_array(img->repo_digests, img->nrepo_digests));
  cJSON_AddStringToObject(o, "Parent", "");
  cJSON_AddStringToObject(o, "Comment", str_member(config, "comment"));
  cJSON_AddStringToObject(o, "Created", created);
  cJSON_AddItemToObject(o, "Config", image_config(cc, maps));
  cJSON_AddStringToObject(o, "Version", str_member(config, "docker_version"));
  cJSON_AddStringToObject(o, "Author", str_member(config, "author"));
  cJSON_AddStringToObject(o, "Architecture", str_member(config, "architecture"));
  cJSON_AddStringToObject(o, "Os", str_member(config, "os"));
  cJSON_AddNumberToObject(o, "Size", (double) img->size);
  cJSON_AddNumberToObject(o, "VirtualSize", (double) img->size);

  cJSON *gd = cJSON_AddObjectToObject(o, "GraphDriver");
  cJSON_AddStringToObject(gd, "Name", "lilipod");
  add_map(maps, cJSON_AddObjectToObject(gd, "Data"));

  cJSON *rootfs = cJSON_AddObjectToObject(o, "RootFS");
  cJSON_AddStringToObject(rootfs, "Type", "layers");
  cJSON_AddItemToObject(rootfs, "Layers", string_array(img->diff_ids, img->nlayers));

  const cJSON *labels = cJSON_GetObjectItemCaseSensitive(cc, "Labels");
  if (cJSON_IsObject(labels))
    {
      cJSON *l = cJSON_Duplicate(labels, 1);
      cJSON_AddItemToObject(o, "Labels", l);
      add_map(maps, l);
    }
  else
    cJSON_AddNullToObject(o, "Labels");
  cJSON *ann = map_or_empty(manifest, "annotations");
  cJSON_AddItemToObject(o, "Annotations", ann);
  add_map(maps, ann);

  const char *mt = str_member(manifest, "mediaType");
  cJSON_AddStringToObject(o, "ManifestType", *mt ? mt : "application/vnd.oci.image.manifest.v1+json");
  cJSON_AddStringToObject(o, "User", str_member(cc, "User"));
  const cJSON *hist = cJSON_GetObjectItemCaseSensitive(config, "history");
  cJSON_AddItemToObject(o, "History", cJSON_IsArray(hist) ? cJSON_Duplicate(hist, 1) : cJSON_CreateArray());
  cJSON_AddItemToObject(o, "NamesHistory", string_array(img->names, img->nnames));

  cJSON_Delete(config);
  cJSON_Delete(manifest);
  return o;
}

static cJSON *config_labels(const struct lp_image_info *img)
{
  cJSON *config = img->config_json ? cJSON_Parse(img->config_json) : NULL;
  const cJSON *cc = cJSON_GetObjectItemCaseSensitive(config, "config");
  const cJSON *labels = cJSON_GetObjectItemCaseSensitive(cc, "Labels");
  cJSON *out = cJSON_IsObject(labels) ? cJSON_Duplicate(labels, 1) : NULL;
  cJSON_Delete(config);
  return out;
}

cJSON *lp_image_summary_json(const struct lp_image_info *img, int containers)
{
  cJSON *o = cJSON_CreateObject();
  long ns;
  int64_t sec = lp_image_created(img, &ns);
  cleanup_free char *created_at = lp_time_rfc3339(sec, ns);
  cJSON *labels = config_labels(img);

  cJSON_AddStringToObject(o, "Id", lp_image_hex(img->id));
  cJSON_AddStringToObject(o, "ParentId", "");
  /* Podman 4.3 leaves RepoTags null here; Names carries them. */
  cJSON_AddNullToObject(o, "RepoTags");
  cJSON_AddItemToObject(o, "RepoDigests", string_array(img->repo_digests, img->nrepo_digests));
  cJSON_AddNumberToObject(o, "Size", (double) img->size);
  cJSON_AddNumberToObject(o, "SharedSize", 0);
  cJSON_AddNumberToObject(o, "VirtualSize", (double) img->size);
  if (labels)
    cJSON_AddItemToObject(o, "Labels", labels);
  else
    cJSON_AddNullToObject(o, "Labels");
  cJSON_AddNumberToObject(o, "Containers", containers);
  if (img->nnames == 0)
    cJSON_AddTrueToObject(o, "Dangling");
  if (img->nnames)
    {
      cJSON_AddItemToObject(o, "Names", string_array(img->names, img->nnames));
      cJSON_AddStringToObject(o, "Digest", img->manifest_digest ? img->manifest_digest : "");
      cJSON_AddItemToObject(o, "History", string_array(img->names, img->nnames));
    }
  else
    cJSON_AddStringToObject(o, "Digest", img->manifest_digest ? img->manifest_digest : "");
  cJSON_AddNumberToObject(o, "Created", (double) sec);
  cJSON_AddStringToObject(o, "CreatedAt", created_at);
  return o;
}

cJSON *lp_image_row_json(const struct lp_image_info *img, const char *name, int containers, bool no_trunc,
                         int64_t now, struct lp_tmpl_maps *maps)
{
  cJSON *o = cJSON_CreateObject();
  cleanup_free char *repo = NULL, *tag = NULL;
  if (name)
    lp_split_repo_tag(name, &repo, &tag);
  const char *hex = lp_image_hex(img->id);
  long ns;
  int64_t sec = lp_image_created(img, &ns);
  cleanup_free char *ago = lp_human_ago(sec, now);
  cleanup_free char *at = lp_time_go(sec, ns);
  cleanup_free char *size = lp_human_size((double) img->size);
  cleanup_free char *full_id = xasprintf("sha256:%s", hex);
  cleanup_free char *short_id = xstrndup(hex, 12);

  cJSON_AddStringToObject(o, "Repository", repo ? repo : "<none>");
  cJSON_AddStringToObject(o, "Tag", tag ? tag : "<none>");
  cJSON_AddStringToObject(o, "Digest", img->manifest_digest ? img->manifest_digest : "");
  cJSON_AddStringToObject(o, "ID", no_trunc ? full_id : short_id);
  cJSON_AddStringToObject(o, "Created", ago);
  cJSON_AddStringToObject(o, "CreatedSince", ago);
  cJSON_AddStringToObject(o, "CreatedAt", at);
  cJSON_AddStringToObject(o, "Size", size);
  cJSON_AddNumberToObject(o, "VirtualSize", (double) img->size);
  cJSON_AddNumberToObject(o, "SharedSize", 0);
  cJSON_AddNumberToObject(o, "Containers", containers);
  cJSON_AddItemToObject(o, "Names", string_array(img->names, img->nnames));
  cJSON_AddItemToObject(o, "RepoTags", string_array(img->names, img->nnames));
  cJSON_AddItemToObject(o, "RepoDigests", string_array(img->repo_digests, img->nrepo_digests));
  cJSON_AddBoolToObject(o, "Dangling", img->nnames == 0);
  cJSON_AddFalseToObject(o, "ReadOnly");
  struct strbuf hist = STRBUF_INIT;
  for (size_t i = 0; i < img->nnames; i++)
    strbuf_addf(&hist, "%s%s", i ? ", " : "", img->names[i]);
  cJSON_AddStringToObject(o, "History", hist.buf);
  strbuf_release(&hist);
  cJSON *labels = config_labels(img);
  if (labels == NULL)
    labels = cJSON_CreateObject();
  cJSON_AddItemToObject(o, "Labels", labels);
  add_map(maps, labels);
  cJSON_AddStringToObject(o, "ParentId", "");
  return o;
}

cJSON *lp_image_row_headers(void)
{
  static const char *const h[][2] = {
    { "Repository", "REPOSITORY" }, { "Tag", "TAG" },
    { "Digest", "DIGEST" },         { "ID", "IMAGE ID" },
    { "Created", "CREATED" },       { "CreatedSince", "CREATED" },
    { "CreatedAt", "CREATED AT" },  { "Size", "SIZE" },
    { "VirtualSize", "VIRTUAL SIZE" }, { "SharedSize", "SHARED SIZE" },
    { "Containers", "CONTAINERS" }, { "Names", "NAMES" },
    { "RepoTags", "REPO TAGS" },    { "RepoDigests", "REPO DIGESTS" },
    { "Dangling", "DANGLING" },     { "ReadOnly", "R/O" },
    { "History", "HISTORY" },       { "Labels", "LABELS" },
    { "ParentId", "PARENT ID" },
  };
  cJSON *o = cJSON_CreateObject();
  for (size_t i = 0; i < sizeof h / sizeof h[0]; i++)
    cJSON_AddStringToObject(o, h[i][0], h[i][1]);
  return o;
}
