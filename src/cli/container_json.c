/* The container half of inspect: a minimal object until the runtime fills it. */
#include "container_json.h"

#include "output.h"

#include "../container/state.h"

#include <string.h>
#include "../util/xalloc.h"

int lp_container_inspect_json(struct lp_store *s, const char *ref, cJSON **out, struct lp_tmpl_maps *maps,
                              lp_error_t *err)
{
  struct lp_container_info *c = NULL;
  int r = lp_container_lookup(s, ref, &c, err);
  if (r <= 0)
    return r;
  /* The exact state: a dead supervisor reads as exited, not running. */
  if (lp_ctr_state_refresh(s, c, err) < 0)
    {
      lp_container_info_free(c);
      return -1;
    }
  cJSON *o = cJSON_CreateObject();
  cleanup_free char *created = lp_time_rfc3339(c->created / 1000000000, (long) (c->created % 1000000000));
  cJSON_AddStringToObject(o, "Id", c->id);
  cJSON_AddStringToObject(o, "Created", created);
  cJSON_AddStringToObject(o, "Image", c->image_id ? (strncmp(c->image_id, "sha256:", 7) == 0 ? c->image_id + 7 : c->image_id) : "");
  cJSON_AddStringToObject(o, "Name", c->name ? c->name : "");
  cJSON *state = cJSON_AddObjectToObject(o, "State");
  cJSON_AddStringToObject(state, "Status", c->status ? c->status : "created");
  cJSON_AddNumberToObject(state, "Pid", (double) c->pid);
  cJSON_AddNumberToObject(state, "ExitCode", c->exit_code);
  cJSON *cfg = c->config_json ? cJSON_Parse(c->config_json) : NULL;
  cJSON *config = cJSON_AddObjectToObject(o, "Config");
  const cJSON *labels = cJSON_GetObjectItemCaseSensitive(cfg, "Labels");
  cJSON *l = cJSON_IsObject(labels) ? cJSON_Duplicate(labels, 1) : cJSON_CreateObject();
  cJSON_AddItemToObject(config, "Labels", l);
  if (maps)
    lp_tmpl_maps_add(maps, l);
  const cJSON *env = cJSON_GetObjectItemCaseSensitive(cfg, "Env");
  cJSON_AddItemToObject(config, "Env", cJSON_IsArray(env) ? cJSON_Duplicate(env, 1) : cJSON_CreateArray());
  cJSON_Delete(cfg);
  lp_container_info_free(c);
  *out = o;
  return 1;
}
