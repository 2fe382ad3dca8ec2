/* lilipod pull: copy images from registries into the store. */
#include "commands.h"
#include "../registry/pull.h"
#include "../util/xalloc.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

/* A Go duration as Podman's --retry-delay takes it: "1s", "500ms", "1m30s". */
static int parse_duration_ms(const char *s, unsigned *out, lp_error_t *err)
{
  double total = 0;
  const char *p = s;
  if (!*p)
    return lp_error(err, 0, "invalid duration \"%s\"", s);
  while (*p)
    {
      char *end;
      double v = strtod(p, &end);
      if (end == p || v < 0)
        return lp_error(err, 0, "invalid duration \"%s\"", s);
      p = end;
      if (strncmp(p, "ms", 2) == 0)
        total += v, p += 2;
      else if (*p == 's')
        total += v * 1000, p++;
      else if (*p == 'm')
        total += v * 60000, p++;
      else if (*p == 'h')
        total += v * 3600000, p++;
      else
        return lp_error(err, 0, "invalid duration \"%s\": missing unit", s);
    }
  if (total > 3600000.0 * 24)
    return lp_error(err, 0, "duration \"%s\" is too long", s);
  *out = (unsigned) total;
  return 0;
}

static int parse_opts(struct lp_args *args, struct lp_registry_opts *o, char **platform_copy, lp_error_t *err)
{
  memset(o, 0, sizeof(*o));
  o->tls_verify = lp_args_has(args, "tls-verify") ? (lp_args_bool(args, "tls-verify") ? 1 : 0) : -1;
  o->cert_dir = lp_args_str(args, "cert-dir");
  o->authfile = lp_args_str(args, "authfile");
  o->creds = lp_args_str(args, "creds");
  o->quiet = lp_args_bool(args, "quiet");
  o->max_parallel = lp_pull_default_parallel();
  o->retries = 3;
  o->retry_delay_ms = 1000;
  const char *retry = lp_args_str(args, "retry");
  if (retry)
    {
      char *end;
      long n = strtol(retry, &end, 10);
      if (!*retry || *end || n < 0 || n > 1000)
        return lp_error(err, 0, "invalid argument \"%s\" for \"--retry\" flag: expected a number 0..1000", retry);
      o->retries = (int) n;
    }
  const char *delay = lp_args_str(args, "retry-delay");
  if (delay && parse_duration_ms(delay, &o->retry_delay_ms, err) < 0)
    return lp_error_wrap(err, "--retry-delay");
  const char *platform = lp_args_str(args, "platform");
  o->platform_os = lp_args_str(args, "os");
  o->platform_arch = lp_args_str(args, "arch");
  o->platform_variant = lp_args_str(args, "variant");
  if (platform && *platform)
    {
      if (o->platform_os || o->platform_arch)
        return lp_error(err, 0, "--platform option can not be specified with --arch or --os");
      *platform_copy = xstrdup(platform);
      char *os = *platform_copy, *arch = strchr(os, '/');
      char *variant = arch ? strchr(arch + 1, '/') : NULL;
      if (!arch || !arch[1] || arch == os || (variant && (!variant[1] || strchr(variant + 1, '/'))))
        return lp_error(err, 0, "invalid platform syntax for --platform=\"%s\": expected OS/ARCH[/VARIANT]", platform);
      *arch++ = '\0';
      if (variant)
        *variant++ = '\0';
      o->platform_os = os;
      o->platform_arch = arch;
      if (variant)
        o->platform_variant = variant;
    }
  return 0;
}

static int run_pull(struct lp_args *args)
{
  lp_error_t err = NULL;
  struct lp_registry_opts o;
  cleanup_free char *platform = NULL;
  if (parse_opts(args, &o, &platform, &err) < 0)
    {
      lp_cli_print_error(err);
      lp_error_free(&err);
      return LP_EXIT_ERROR;
    }
  lp_client_global_init();
  for (int i = 0; i < args->argc; i++)
    {
      char *id = NULL;
      if (lp_pull(args->argv[i], &o, stderr, &id, &err) < 0)
        {
          lp_cli_print_error(err);
          int code = err->exit_code ? err->exit_code : LP_EXIT_ERROR;
          lp_error_free(&err);
          return code;
        }
      printf("%s\n", strncmp(id, "sha256:", 7) == 0 ? id + 7 : id);
      fflush(stdout);
      free(id);
    }
  return LP_EXIT_OK;
}

static const struct lp_option pull_options[] = {
  { "arch", 0, LP_OPT_STRING, "ARCH", "Use ARCH instead of the architecture of the machine for choosing images", NULL,
    "amd64 arm64 arm 386 ppc64le s390x riscv64" },
  { "authfile", 0, LP_OPT_STRING, "string", "Path of the authentication file", NULL, LP_COMPLETE_FILES },
  { "cert-dir", 0, LP_OPT_STRING, "Pathname", "Use certificates at the specified path to access the registry", NULL,
    LP_COMPLETE_FILES },
  { "creds", 0, LP_OPT_STRING, "[username[:password]]", "Use `Credentials` (USERNAME:PASSWORD) to access the registry",
    NULL, NULL },
  { "os", 0, LP_OPT_STRING, "OS", "Use OS instead of the running OS for choosing images", NULL, "linux" },
  { "platform", 0, LP_OPT_STRING, "string", "Specify the platform for selecting the image (OS/ARCH[/VARIANT])", NULL,
    NULL },
  { "quiet", 'q', LP_OPT_BOOL, NULL, "Suppress output information when pulling images", NULL, NULL },
  { "retry", 0, LP_OPT_STRING, "uint", "number of times to retry in case of failure when performing pull", "3", NULL },
  { "retry-delay", 0, LP_OPT_STRING, "string", "delay between retries in case of pull failures", "1s", NULL },
  { "tls-verify", 0, LP_OPT_BOOL, NULL, "Require HTTPS and verify certificates when contacting registries", "true",
    NULL },
  { "variant", 0, LP_OPT_STRING, "VARIANT", "Use VARIANT instead of the running architecture variant for choosing images",
    NULL, NULL },
  { NULL },
};

const struct lp_command lp_cmd_pull = {
  .name = "pull",
  .usage = "[options] IMAGE [IMAGE...]",
  .summary = "Pull an image from a registry",
  .description = "Pulls an image from a registry and stores it locally. An image can be pulled by tag or digest.\n"
                 "Unqualified names are tried against the unqualified-search-registries of registries.conf(5)\n"
                 "(docker.io when none is configured). Layers download 3 at a time; set\n"
                 "LILIPOD_MAX_PARALLEL_DOWNLOADS to change that.\n"
                 "A request that receives nothing for LILIPOD_PULL_STALL_TIMEOUT seconds (default 60) fails\n"
                 "as stalled. A broken, reset or stalled connection and a 5xx or 429 answer are tried again\n"
                 "(--retry, --retry-delay); a layer resumes where it stopped.",
  .examples = "lilipod pull busybox\n"
              "lilipod pull --platform linux/arm64 docker.io/library/alpine:3.19\n"
              "lilipod pull --creds user:secret registry.example.com/team/app@sha256:<digest>",
  .options = pull_options,
  .min_args = 1,
  .max_args = -1,
  .complete = LP_COMPLETE_IMAGES,
  .run = run_pull,
};
