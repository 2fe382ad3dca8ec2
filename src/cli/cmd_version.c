/* lilipod version: this build and the libraries it runs with. */
#include "commands.h"
#include "version.h"

#include <cjson/cJSON.h>
#include <curl/curl.h>
#include <fuse3/fuse.h>
#include <mbedtls/version.h>
#include <sqlite3.h>
#include <stdio.h>
#include "../util/platform.h"
#include <zlib.h>
#include <zstd.h>

static int run_version(struct lp_args *args)
{
  (void) args;
  char mbedtls[32] = "";

  mbedtls_version_get_string(mbedtls);
  printf("Version:      %s\n", LILIPOD_VERSION);
  if (*LILIPOD_GIT_COMMIT)
    printf("Git Commit:   %s\n", LILIPOD_GIT_COMMIT);
  printf("Built:        %s %s\n", __DATE__, __TIME__);
#if defined(__clang__)
  printf("Compiler:     clang %s\n", __clang_version__);
#elif defined(__GNUC__)
  printf("Compiler:     gcc %s\n", __VERSION__);
#endif
  printf("OS/Arch:      linux/%s\n", lp_host_arch());
  printf("libfuse:      %s\n", fuse_pkgversion());
  printf("libcurl:      %s\n", curl_version_info(CURLVERSION_NOW)->version);
  printf("mbedTLS:      %s\n", mbedtls);
  printf("zstd:         %s\n", ZSTD_versionString());
  printf("zlib:         %s\n", zlibVersion());
  printf("cJSON:        %s\n", cJSON_Version());
  printf("SQLite:       %s\n", sqlite3_libversion());
  return LP_EXIT_OK;
}

static const struct lp_option version_options[] = { { NULL } };

const struct lp_command lp_cmd_version = {
  .name = "version",
  .usage = "[options]",
  .summary = "Display the lilipod version information",
  .options = version_options,
  .min_args = 0,
  .max_args = 0,
  .run = run_version,
};
