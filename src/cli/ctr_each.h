/* ctr_each: run fn on every named container (or all with --all), Podman's
 * way: errors print as they come, the exit status is the last failure's. */
#ifndef LILIPOD_CLI_CTR_EACH_H
#define LILIPOD_CLI_CTR_EACH_H

#include "../store/store.h"
#include "command.h"

/* fn returns 0 or -1 with err. print: echo the name as given on success. */
int lp_cli_ctr_each(struct lp_args *args, bool all, bool ignore_missing, bool print, int missing_code,
                    int (*fn)(struct lp_store *s, struct lp_container_info *c, struct lp_args *args, lp_error_t *err));

#endif
