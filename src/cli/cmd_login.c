/* lilipod login: check credentials against a registry and save them in auth.json. */
#include "commands.h"
#include "../registry/auth.h"
#include "../registry/client.h"
#include "../registry/registries_conf.h"
#include "../util/strbuf.h"
#include "../util/xalloc.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

/* "https://host/ns/" -> "host/ns". New string. */
char *lp_cli_registry_key(const char *arg);
char *lp_cli_registry_key(const char *arg)
{
  const char *s = arg;
  if (strncmp(s, "https://", 8) == 0)
    s += 8;
  else if (strncmp(s, "http://", 7) == 0)
    s += 7;
  char *k = xstrdup(s);
  size_t n = strlen(k);
  while (n > 0 && k[n - 1] == '/')
    k[--n] = '\0';
  return k;
}

/* The registry to use when none is named: the first search registry. */
char *lp_cli_default_registry(lp_error_t *err);
char *lp_cli_default_registry(lp_error_t *err)
{
  struct lp_registries_conf conf;
  if (lp_registries_conf_load(&conf, err) < 0)
    return NULL;
  size_t n;
  const char *const *search = lp_registries_conf_search(&conf, &n);
  char *r = n ? xstrdup(search[0]) : NULL;
  if (!r)
    lp_error(err, 0, "please provide a registry to log in to");
  lp_registries_conf_free(&conf);
  return r;
}

static int read_line(FILE *in, bool echo, struct strbuf *out, lp_error_t *err)
{
  struct termios old, quiet;
  bool tty = !echo && isatty(fileno(in)) && tcgetattr(fileno(in), &old) == 0;
  if (tty)
    {
      quiet = old;
      quiet.c_lflag &= (tcflag_t) ~ECHO;
      tcsetattr(fileno(in), TCSAFLUSH, &quiet);
    }
  int c;
  while ((c = fgetc(in)) != EOF && c != '\n')
    strbuf_addch(out, c);
  if (tty)
    {
      tcsetattr(fileno(in), TCSAFLUSH, &old);
      fputc('\n', stderr);
    }
  if (c == EOF && ferror(in))
    return lp_error(err, errno, "read from stdin");
  strbuf_rtrim(out);
  return 0;
}

static int run_login(struct lp_args *args)
{
  lp_error_t err = NULL;
  struct strbuf user = STRBUF_INIT, pass = STRBUF_INIT;
  struct lp_registries_conf conf = { 0 };
  struct lp_client *client = NULL;
  cleanup_free char *key = NULL, *host = NULL, *file = NULL;
  int rc = LP_EXIT_ERROR;

  const char *username = lp_args_str(args, "username");
  const char *password = lp_args_str(args, "password");
  bool password_stdin = lp_args_bool(args, "password-stdin");
  if (password && password_stdin)
    {
      lp_error(&err, 0, "--password and --password-stdin are mutually exclusive");
      goto out;
    }
  if (args->argc > 0)
    key = lp_cli_registry_key(args->argv[0]);
  else if (!(key = lp_cli_default_registry(&err)))
    goto out;
  host = xstrndup(key, strcspn(key, "/"));
  const char *authfile = lp_args_str(args, "authfile");
  file = authfile ? xstrdup(authfile) : lp_auth_default_file(&err);
  if (!file)
    goto out;

  if (username)
    strbuf_adds(&user, username);
  else
    {
      fprintf(stderr, "Username: ");
      fflush(stderr);
      if (read_line(stdin, true, &user, &err) < 0)
        goto out;
    }
  if (password)
    strbuf_adds(&pass, password);
  else
    {
      if (!password_stdin)
        {
          fprintf(stderr, "Password: ");
          fflush(stderr);
        }
      if (read_line(stdin, false, &pass, &err) < 0)
        goto out;
    }
  if (user.len == 0)
    {
      lp_error(&err, 0, "username is required");
      goto out;
    }
  if (pass.len == 0)
    {
      lp_error(&err, 0, "password is required");
      goto out;
    }

  struct lp_creds creds = { user.buf, pass.buf };
  struct lp_registry_opts o = { 0 };
  o.tls_verify = lp_args_has(args, "tls-verify") ? (lp_args_bool(args, "tls-verify") ? 1 : 0) : -1;
  o.cert_dir = lp_args_str(args, "cert-dir");
  if (lp_registries_conf_load(&conf, &err) < 0)
    goto out;
  const struct lp_registry_entry *e = lp_registries_conf_find(&conf, key);
  lp_client_global_init();
  const char *endpoint = strcmp(host, "docker.io") == 0 ? "registry-1.docker.io" : host;
  if (lp_client_new(endpoint, NULL, e && e->insecure, &o, &creds, &client, &err) < 0)
    goto out;
  if (lp_client_ping(client, &err) < 0)
    {
      lp_error_wrap(&err, "logging into \"%s\"", key);
      goto out;
    }
  if (lp_auth_store(file, key, &creds, &err) < 0)
    {
      lp_error_wrap(&err, "saving credentials for \"%s\"", key);
      goto out;
    }
  printf("Login Succeeded!\n");
  rc = LP_EXIT_OK;
out:
  if (err)
    {
      lp_cli_print_error(err);
      lp_error_free(&err);
    }
  lp_client_free(client);
  lp_registries_conf_free(&conf);
  if (pass.len)
    memset(pass.buf, 0, pass.len);
  strbuf_release(&user);
  strbuf_release(&pass);
  return rc;
}

static const struct lp_option login_options[] = {
  { "authfile", 0, LP_OPT_STRING, "string", "Path of the authentication file", NULL, LP_COMPLETE_FILES },
  { "cert-dir", 0, LP_OPT_STRING, "string", "Use certificates at the specified path to access the registry", NULL,
    LP_COMPLETE_FILES },
  { "password", 'p', LP_OPT_STRING, "string", "Password for registry", NULL, NULL },
  { "password-stdin", 0, LP_OPT_BOOL, NULL, "Take the password from stdin", NULL, NULL },
  { "tls-verify", 0, LP_OPT_BOOL, NULL, "Require HTTPS and verify certificates when contacting registries", "true",
    NULL },
  { "username", 'u', LP_OPT_STRING, "string", "Username for registry", NULL, NULL },
  { NULL },
};

const struct lp_command lp_cmd_login = {
  .name = "login",
  .usage = "[options] [REGISTRY]",
  .summary = "Log in to a container registry",
  .description = "Checks the credentials against the registry, then saves them in the auth file:\n"
                 "--authfile, else $REGISTRY_AUTH_FILE, else $XDG_RUNTIME_DIR/containers/auth.json, else\n"
                 "~/.config/containers/auth.json.",
  .examples = "lilipod login quay.io\n"
              "echo \"$PASS\" | lilipod login -u me --password-stdin registry.example.com:5000",
  .options = login_options,
  .min_args = 0,
  .max_args = 1,
  .run = run_login,
};
