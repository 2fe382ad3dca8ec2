#include "complete.h"

#include <stdbool.h>
#include <string.h>

#include "image_find.h"
#include "../store/store.h"

/* Images: every name and each short id; containers: their names. */
int lp_complete_names(FILE *out, const char *kind, lp_error_t *err)
{
  bool images = strcmp(kind, "images") == 0;
  if (strcmp(kind, "containers") != 0 && !images)
    return lp_error(err, 0, "unknown completion kind \"%s\"", kind);
  struct lp_store *s = NULL;
  if (lp_cli_store_open(&s, err) < 0)
    return -1;
  int r = 0;
  if (images)
    {
      struct lp_image_info **list = NULL;
      size_t n = 0;
      r = lp_image_list(s, &list, &n, err);
      for (size_t i = 0; i < n; i++)
        {
          for (size_t j = 0; j < list[i]->nnames; j++)
            fprintf(out, "%s\n", list[i]->names[j]);
          const char *id = list[i]->id;
          fprintf(out, "%.12s\n", strncmp(id, "sha256:", 7) == 0 ? id + 7 : id);
        }
      lp_image_list_free(list, n);
    }
  else
    {
      struct lp_container_info **list = NULL;
      size_t n = 0;
      r = lp_container_list(s, &list, &n, err);
      for (size_t i = 0; i < n; i++)
        if (list[i]->name)
          fprintf(out, "%s\n", list[i]->name);
      lp_container_list_free(list, n);
    }
  lp_store_close(s);
  return r;
}
