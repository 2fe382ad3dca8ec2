/* Fuzz the Go-template engine: parse the input as a --format template and
 * execute it over a fixed document shaped like `lilipod inspect` output
 * (Labels declared a map, as the CLI does), and render it as a table. */
#include <cjson/cJSON.h>

#include "format/template.h"
#include "fuzz.h"

static const char doc[]
  = "{\"ID\":\"3f2a1b4c5d6e\",\"Names\":\"box1\",\"Image\":\"docker.io/library/alpine:latest\","
    "\"Labels\":{\"manager\":\"distrobox\",\"a b\":\"sp ace\"},\"Mounts\":[\"/tmp\",\"/run/host\"],"
    "\"State\":{\"Status\":\"running\",\"Running\":true,\"ExitCode\":0,\"Pid\":4242},"
    "\"Config\":{\"Env\":[\"HOME=/root\",\"PATH=/bin\"],\"Labels\":{\"x\":\"y\"},\"Cmd\":null},"
    "\"Nums\":[1,2,3],\"Float\":1.5,\"Big\":1e300,\"Neg\":-7,\"Empty\":\"\",\"Nil\":null,\"True\":true,"
    "\"EmptyMap\":{},\"EmptyList\":[]}";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  static cJSON *root, *rows, *headers;
  static struct lp_tmpl_maps maps = LP_TMPL_MAPS_INIT;
  if (!root)
    {
      root = cJSON_Parse(doc);
      if (!root)
        abort();
      lp_tmpl_maps_add(&maps, cJSON_GetObjectItemCaseSensitive(root, "Labels"));
      lp_tmpl_maps_add(&maps, cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(root, "Config"), "Labels"));
      rows = cJSON_CreateArray();
      cJSON_AddItemReferenceToArray(rows, root);
      cJSON_AddItemReferenceToArray(rows, root);
      headers = cJSON_Parse("{\"ID\":\"CONTAINER ID\",\"Names\":\"NAMES\",\"Image\":\"IMAGE\"}");
    }
  if (size > 4096) /* a --format value; keeps range-of-range blowups bounded */
    return 0;
  char *text = fuzz_cstr(data, size);
  char *err = NULL;
  struct lp_template *t = lp_template_parse(text, &err);
  if (t)
    {
      struct strbuf out = STRBUF_INIT;
      if (lp_template_exec(t, root, &maps, &out, &err) < 0)
        {
          if (!err)
            abort(); /* an error return always says why */
          free(err);
          err = NULL;
        }
      strbuf_release(&out);
      lp_template_free(t);
      (void) lp_template_is_table(text);
      struct strbuf tab = STRBUF_INIT;
      if (lp_template_render_table(text, headers, rows, &maps, &tab, &err) < 0)
        {
          free(err);
          err = NULL;
        }
      strbuf_release(&tab);
    }
  else
    {
      if (!err)
        abort();
      free(err);
    }
  char *norm = lp_template_normalize(text);
  free(norm);
  free(text);
  return 0;
}
