/*
 * complete: the names shell completion offers for containers and images.
 * Contract: prints one name per line to out; an empty store prints nothing.
 */
#ifndef LILIPOD_CLI_COMPLETE_H
#define LILIPOD_CLI_COMPLETE_H

#include <stdio.h>
#include "../util/error.h"

int lp_complete_names(FILE *out, const char *kind, lp_error_t *err);

#endif
