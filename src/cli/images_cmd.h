/* Run functions and option tables shared by a command and its `image X` twin. */
#ifndef LILIPOD_CLI_IMAGES_CMD_H
#define LILIPOD_CLI_IMAGES_CMD_H

#include "command.h"

extern const struct lp_option lp_images_options[];
int lp_images_run(struct lp_args *args);
extern const struct lp_option lp_rmi_options[];
int lp_rmi_run(struct lp_args *args);
int lp_tag_run(struct lp_args *args);
int lp_untag_run(struct lp_args *args);
extern const struct lp_option lp_image_inspect_options[];
int lp_image_inspect_run(struct lp_args *args);

/* Print err as "Error: ..." and free it. */
void lp_cli_fail(lp_error_t *err);

#endif
