/* config: create/run flags + image config -> stored container config (see config.h). */
#include "config.h"
#include "network.h"

#include "../cli/command.h"
#include "../runtime/process.h"
#include "../util/fsutil.h"
#include "../util/strbuf.h"
#include "../util/xalloc.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#define DEFAULT_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

/* ---- string arrays ---- */

static size_t strv_len(char *const *v)
{
  size_t n = 0;
  while (v && v[n])
    n++;
  return n;
}

static void strv_push(char ***v, const char *s)
{
  size_t n = strv_len(*v);
  *v = xreallocarray(*v, n + 2, sizeof **v);
  (*v)[n] = xstrdup(s);
  (*v)[n + 1] = NULL;
}

static char **strv_new(void)
{
  return xcalloc(1, sizeof(char *));
}

static void strv_free(char **v)
{
  for (size_t i = 0; v && v[i]; i++)
    free(v[i]);
  free(v);
}

static char **strv_dup(char *const *v)
{
  char **r = strv_new();
  for (size_t i = 0; v && v[i]; i++)
    strv_push(&r, v[i]);
  return r;
}

const char *lp_ctr_env_get(char *const *env, const char *key)
{
  size_t kl = strlen(key);
  for (size_t i = 0; env && env[i]; i++)
    if (strncmp(env[i], key, kl) == 0 && env[i][kl] == '=')
      return env[i] + kl + 1;
  return NULL;
}

void lp_ctr_env_set(char ***env, const char *kv)
{
  const char *eq = strchr(kv, '=');
  size_t kl = eq ? (size_t)(eq - kv) : strlen(kv);
  for (size_t i = 0; *env && (*env)[i]; i++)
    if (strncmp((*env)[i], kv, kl) == 0 && ((*env)[i][kl] == '=' || (*env)[i][kl] == '\0'))
      {
        free((*env)[i]);
        (*env)[i] = xstrdup(kv);
        return;
      }
  strv_push(env, kv);
}

static void kv_set(struct lp_kv **kv, size_t *n, const char *key, const char *value)
{
  for (size_t i = 0; i < *n; i++)
    if (strcmp((*kv)[i].key, key) == 0)
      {
        free((*kv)[i].value);
        (*kv)[i].value = xstrdup(value);
        return;
      }
  *kv = xreallocarray(*kv, *n + 1, sizeof **kv);
  (*kv)[*n].key = xstrdup(key);
  (*kv)[*n].value = xstrdup(value);
  (*n)++;
}

const char *lp_ctr_label(const struct lp_ctr_config *c, const char *key)
{
  for (size_t i = 0; i < c->nlabels; i++)
    if (strcmp(c->labels[i].key, key) == 0)
      return c->labels[i].value;
  return NULL;
}

/* ---- signals ---- */

static const struct
{
  const char *name;
  int num;
} signals[] = {
  { "HUP", SIGHUP },   { "INT", SIGINT },       { "QUIT", SIGQUIT },   { "ILL", SIGILL },     { "TRAP", SIGTRAP },
  { "ABRT", SIGABRT }, { "IOT", SIGIOT },       { "BUS", SIGBUS },     { "FPE", SIGFPE },     { "KILL", SIGKILL },
  { "USR1", SIGUSR1 }, { "SEGV", SIGSEGV },     { "USR2", SIGUSR2 },   { "PIPE", SIGPIPE },   { "ALRM", SIGALRM },
  { "TERM", SIGTERM }, { "STKFLT", SIGSTKFLT }, { "CHLD", SIGCHLD },   { "CONT", SIGCONT },   { "STOP", SIGSTOP },
  { "TSTP", SIGTSTP }, { "TTIN", SIGTTIN },     { "TTOU", SIGTTOU },   { "URG", SIGURG },     { "XCPU", SIGXCPU },
  { "XFSZ", SIGXFSZ }, { "VTALRM", SIGVTALRM }, { "PROF", SIGPROF },   { "WINCH", SIGWINCH }, { "IO", SIGIO },
  { "POLL", SIGPOLL }, { "PWR", SIGPWR },       { "SYS", SIGSYS },
};

int lp_signal_parse(const char *s, lp_error_t *err)
{
  const char *p = s;
  if (!s || !*s)
    return lp_error(err, 0, "invalid signal: empty");
  char *end;
  errno = 0;
  long n = strtol(s, &end, 10);
  if (!errno && *end == '\0' && end != s)
    {
      if (n < 1 || n > SIGRTMAX)
        return lp_error(err, 0, "invalid signal: %s", s);
      return (int)n;
    }
  if (strncasecmp(p, "SIG", 3) == 0)
    p += 3;
  for (size_t i = 0; i < sizeof signals / sizeof signals[0]; i++)
    if (strcasecmp(p, signals[i].name) == 0)
      return signals[i].num;
  int base = -1;
  if (strncasecmp(p, "RTMIN", 5) == 0)
    base = SIGRTMIN, p += 5;
  else if (strncasecmp(p, "RTMAX", 5) == 0)
    base = SIGRTMAX, p += 5;
  if (base > 0)
    {
      if (*p == '\0')
        return base;
      errno = 0;
      n = strtol(p, &end, 10);
      if (!errno && *end == '\0' && (*p == '+' || *p == '-'))
        {
          long r = base + n;
          if (r >= SIGRTMIN && r <= SIGRTMAX)
            return (int)r;
        }
    }
  return lp_error(err, 0, "invalid signal: %s", s);
}

const char *lp_signal_name(int sig, char buf[16])
{
  for (size_t i = 0; i < sizeof signals / sizeof signals[0]; i++)
    if (signals[i].num == sig && strcmp(signals[i].name, "IOT") != 0 && strcmp(signals[i].name, "POLL") != 0)
      {
        snprintf(buf, 16, "SIG%s", signals[i].name);
        return buf;
      }
  if (sig == SIGRTMIN)
    snprintf(buf, 16, "SIGRTMIN");
  else if (sig > SIGRTMIN && sig <= SIGRTMAX)
    snprintf(buf, 16, "SIGRTMIN+%d", sig - SIGRTMIN);
  else
    snprintf(buf, 16, "%d", sig);
  return buf;
}

/* ---- names ---- */

static const char *const adjectives[] = {
  "admiring", "adoring",  "affectionate", "amazing",  "angry",    "awesome",  "blissful", "bold",
  "brave",    "busy",     "charming",     "clever",   "cool",     "compassionate", "competent", "confident",
  "cranky",   "dazzling", "determined",   "distracted", "dreamy", "eager",    "ecstatic", "elastic",
  "elated",   "elegant",  "eloquent",     "epic",     "fervent",  "festive",  "flamboyant", "focused",
  "friendly", "frosty",   "gallant",      "gifted",   "goofy",    "gracious", "happy",    "hardcore",
  "heuristic", "hopeful", "hungry",       "infallible", "inspiring", "jolly", "jovial",   "keen",
  "kind",     "laughing", "loving",       "lucid",    "magical",  "modest",   "musing",   "naughty",
  "nervous",  "nice",     "nifty",        "nostalgic", "objective", "optimistic", "peaceful", "pedantic",
  "pensive",  "practical", "priceless",   "quirky",   "quizzical", "relaxed", "reverent", "romantic",
  "sad",      "serene",   "sharp",        "silly",    "sleepy",   "stoic",    "strange",  "stupefied",
  "suspicious", "sweet",  "tender",       "thirsty",  "trusting", "unruffled", "upbeat",  "vibrant",
  "vigilant", "vigorous", "wizardly",     "wonderful", "xenodochial", "youthful", "zealous", "zen",
};
static const char *const nouns[] = {
  "albattani", "allen",    "almeida",  "agnesi",   "archimedes", "ardinghelli", "aryabhata", "austin",
  "babbage",   "banach",   "bardeen",  "bartik",   "bassi",      "bell",        "bhabha",    "bhaskara",
  "blackwell", "bohr",     "booth",    "borg",     "bose",       "boyd",        "brahmagupta", "brattain",
  "brown",     "carson",   "chandrasekhar", "clarke", "colden",   "cori",        "cray",      "curie",
  "darwin",    "davinci",  "dijkstra", "dubinsky", "easley",     "einstein",    "elion",     "engelbart",
  "euclid",    "euler",    "fermat",   "fermi",    "feynman",    "franklin",    "galileo",   "gates",
  "goldberg",  "goldstine", "golick",  "goodall",  "hamilton",   "hawking",     "heisenberg", "hermann",
  "hodgkin",   "hoover",   "hopper",   "hugle",    "hypatia",    "jang",        "jennings",  "jepsen",
  "joliot",    "jones",    "kalam",    "kare",     "keller",     "kepler",      "khorana",   "kilby",
  "kirch",     "knuth",    "kowalevski", "lalande", "lamarr",    "lamport",     "leakey",    "leavitt",
  "lewin",     "lichterman", "liskov", "lovelace", "lumiere",    "mahavira",    "mayer",     "mccarthy",
  "mcclintock", "mclean",  "meitner",  "mendel",   "mirzakhani", "morse",       "murdock",   "napier",
  "newton",    "nobel",    "noether",  "northcutt", "noyce",     "panini",      "pare",      "pasteur",
  "payne",     "perlman",  "pike",     "poincare", "poitras",    "ptolemy",     "raman",     "ramanujan",
  "ride",      "ritchie",  "roentgen", "rosalind", "saha",       "sammet",      "shannon",   "shaw",
  "shirley",   "shockley", "sinoussi", "snyder",   "spence",     "stonebraker", "swanson",   "swartz",
  "tesla",     "thompson", "torvalds", "turing",   "varahamihira", "visvesvaraya", "volhard", "wescoff",
  "williams",  "wilson",   "wing",     "wozniak",  "wright",     "yalow",       "yonath",
};

char *lp_ctr_random_name(void)
{
  uint32_t r[2] = { 0, 0 };
  if (getrandom(r, sizeof r, 0) != (ssize_t)sizeof r)
    {
      r[0] = (uint32_t)time(NULL) ^ (uint32_t)getpid();
      r[1] = r[0] * 2654435761u;
    }
  return xasprintf("%s_%s", adjectives[r[0] % (sizeof adjectives / sizeof adjectives[0])],
                   nouns[r[1] % (sizeof nouns / sizeof nouns[0])]);
}

/* ---- from the command line ---- */

static char **json_strv(const cJSON *a)
{
  char **v = strv_new();
  const cJSON *e;
  cJSON_ArrayForEach(e, a)
  {
    if (cJSON_IsString(e))
      strv_push(&v, e->valuestring);
  }
  return v;
}

static int parse_ns_value(const char *flag, const char *v, bool allow_none, char **out, lp_error_t *err)
{
  if (!v || !*v || strcmp(v, "private") == 0 || strcmp(v, "") == 0)
    *out = xstrdup("private");
  else if (strcmp(v, "host") == 0)
    *out = xstrdup("host");
  else if (allow_none && strcmp(v, "none") == 0)
    *out = xstrdup("none");
  else if (strcmp(flag, "network") == 0 && (strcmp(v, "bridge") == 0 || strcmp(v, "slirp4netns") == 0
                                             || strcmp(v, "pasta") == 0 || strncmp(v, "slirp4netns:", 12) == 0))
    *out = xstrdup("private");
  else
    return lp_error(err, 0, "invalid --%s `%s`: want private or host%s", flag, v, allow_none ? " or none" : "");
  return 0;
}

static bool is_propagation(const char *o)
{
  static const char *const p[] = { "private", "rprivate", "slave", "rslave", "shared", "rshared" };
  for (size_t i = 0; i < sizeof p / sizeof p[0]; i++)
    if (strcmp(o, p[i]) == 0)
      return true;
  return false;
}

static int check_bind_option(const char *o, lp_error_t *err)
{
  static const char *const ok[] = { "ro", "rw", "bind", "rbind", "nosuid", "suid", "nodev", "dev", "noexec",
                                     "exec", "z", "Z", "U", "O", "copy", "nocopy" };
  if (is_propagation(o))
    return 0;
  for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++)
    if (strcmp(o, ok[i]) == 0)
      return 0;
  return lp_error(err, 0, "invalid mount option `%s`", o);
}

/* Podman's names: [a-zA-Z0-9][a-zA-Z0-9_.-]* */
static bool volume_name_ok(const char *n)
{
  if (!((*n >= 'a' && *n <= 'z') || (*n >= 'A' && *n <= 'Z') || (*n >= '0' && *n <= '9')))
    return false;
  for (; *n; n++)
    if (!((*n >= 'a' && *n <= 'z') || (*n >= 'A' && *n <= 'Z') || (*n >= '0' && *n <= '9') || *n == '_'
          || *n == '.' || *n == '-'))
      return false;
  return true;
}

/* A bind source as Podman takes it: "./x" relative to the working directory. */
static char *abs_path(const char *p)
{
  if (p[0] == '/')
    return xstrdup(p);
  char cwd[4096];
  if (!getcwd(cwd, sizeof cwd))
    return xstrdup(p);
  while (p[0] == '.' && p[1] == '/')
    p += 2;
  if (strcmp(p, ".") == 0)
    return xstrdup(cwd);
  return xasprintf("%s/%s", strcmp(cwd, "/") == 0 ? "" : cwd, p);
}

static struct lp_ctr_mount *mount_add(struct lp_ctr_config *c)
{
  c->mounts = xreallocarray(c->mounts, c->nmounts + 1, sizeof *c->mounts);
  struct lp_ctr_mount *m = &c->mounts[c->nmounts++];
  memset(m, 0, sizeof *m);
  m->options = strv_new();
  m->rw = true;
  m->name = xstrdup("");
  return m;
}

static void split_options(struct lp_ctr_mount *m, const char *opts)
{
  cleanup_free char *copy = xstrdup(opts);
  char *save = NULL;
  for (char *o = strtok_r(copy, ",", &save); o; o = strtok_r(NULL, ",", &save))
    {
      strv_push(&m->options, o);
      if (strcmp(o, "ro") == 0)
        m->rw = false;
      else if (strcmp(o, "rw") == 0)
        m->rw = true;
    }
}

static int add_volume(struct lp_ctr_config *c, const char *v, lp_error_t *err)
{
  cleanup_free char *copy = xstrdup(v);
  char *parts[3] = { NULL, NULL, NULL };
  size_t n = 0;
  for (char *p = copy, *col; p && n < 3; p = col ? col + 1 : NULL)
    {
      col = n < 2 ? strchr(p, ':') : NULL;
      if (col)
        *col = '\0';
      parts[n++] = p;
    }
  if (n == 1)
    {
      if (parts[0][0] != '/')
        return lp_error(err, 0, "invalid volume `%s`: the destination must be an absolute path", v);
      struct lp_ctr_mount *m = mount_add(c);
      m->type = xstrdup("volume");
      m->source = xstrdup("");
      m->destination = xstrdup(parts[0]);
      m->anonymous = true;
      return 0;
    }
  if (parts[1][0] != '/')
    return lp_error(err, 0, "invalid volume `%s`: the destination must be an absolute path", v);
  bool named = parts[0][0] != '/' && parts[0][0] != '.';
  if (named && !volume_name_ok(parts[0]))
    return lp_error(err, 0, "invalid volume `%s`: a volume name must match [a-zA-Z0-9][a-zA-Z0-9_.-]*", v);
  if (n == 3)
    {
      cleanup_free char *o2 = xstrdup(parts[2]);
      char *save = NULL;
      for (char *o = strtok_r(o2, ",", &save); o; o = strtok_r(NULL, ",", &save))
        if (check_bind_option(o, err) < 0)
          return lp_error_wrap(err, "volume `%s`", v);
    }
  struct lp_ctr_mount *m = mount_add(c);
  m->type = xstrdup(named ? "volume" : "bind");
  m->source = named ? xstrdup("") : abs_path(parts[0]);
  m->destination = xstrdup(parts[1]);
  if (named)
    {
      free(m->name);
      m->name = xstrdup(parts[0]);
    }
  if (n == 3)
    split_options(m, parts[2]);
  return 0;
}

static int add_tmpfs(struct lp_ctr_config *c, const char *v, lp_error_t *err)
{
  if (v[0] != '/')
    return lp_error(err, 0, "invalid --tmpfs `%s`: the destination must be an absolute path", v);
  const char *col = strchr(v, ':');
  struct lp_ctr_mount *m = mount_add(c);
  m->type = xstrdup("tmpfs");
  m->source = xstrdup("");
  m->destination = col ? xstrndup(v, (size_t)(col - v)) : xstrdup(v);
  if (col)
    split_options(m, col + 1);
  return 0;
}

/* --mount type=bind,source=/a,destination=/b,ro=true,bind-propagation=rslave */
static int add_mount(struct lp_ctr_config *c, const char *v, lp_error_t *err)
{
  cleanup_free char *copy = xstrdup(v);
  cleanup_free char *type = NULL, *src = NULL, *dst = NULL;
  struct strbuf opts;
  strbuf_init(&opts, 0);
  char *save = NULL;
  int rc = -1;
  for (char *kv = strtok_r(copy, ",", &save); kv; kv = strtok_r(NULL, ",", &save))
    {
      char *eq = strchr(kv, '=');
      const char *val = eq ? eq + 1 : NULL;
      if (eq)
        *eq = '\0';
#define OPT_ADD(s)                                                                                           \
  do                                                                                                         \
    {                                                                                                        \
      if (opts.len)                                                                                          \
        strbuf_addch(&opts, ',');                                                                            \
      strbuf_adds(&opts, s);                                                                                 \
    }                                                                                                        \
  while (0)
      if (strcmp(kv, "type") == 0 && val)
        {
          free(type);
          type = xstrdup(val);
        }
      else if ((strcmp(kv, "source") == 0 || strcmp(kv, "src") == 0) && val)
        {
          free(src);
          src = xstrdup(val);
        }
      else if ((strcmp(kv, "destination") == 0 || strcmp(kv, "dst") == 0 || strcmp(kv, "target") == 0) && val)
        {
          free(dst);
          dst = xstrdup(val);
        }
      else if (strcmp(kv, "ro") == 0 || strcmp(kv, "readonly") == 0)
        {
          bool b = true;
          if (val && lp_parse_bool(val, &b) < 0)
            {
              lp_error(err, 0, "invalid --mount `%s`: bad value for %s", v, kv);
              goto out;
            }
          OPT_ADD(b ? "ro" : "rw");
        }
      else if (strcmp(kv, "rw") == 0)
        OPT_ADD("rw");
      else if ((strcmp(kv, "bind-propagation") == 0) && val)
        {
          if (!is_propagation(val))
            {
              lp_error(err, 0, "invalid --mount `%s`: bad bind-propagation `%s`", v, val);
              goto out;
            }
          OPT_ADD(val);
        }
      else if (strcmp(kv, "tmpfs-size") == 0 && val)
        {
          OPT_ADD("size=");
          strbuf_adds(&opts, val);
        }
      else if (strcmp(kv, "tmpfs-mode") == 0 && val)
        {
          OPT_ADD("mode=");
          strbuf_adds(&opts, val);
        }
      else if ((strcmp(kv, "volume-nocopy") == 0 || strcmp(kv, "nocopy") == 0) && !val)
        OPT_ADD("nocopy");
      else if ((strcmp(kv, "tmpcopyup") == 0 || strcmp(kv, "notmpcopyup") == 0) && !val)
        OPT_ADD(kv);
      else if (strcmp(kv, "relabel") == 0 || strcmp(kv, "bind-nonrecursive") == 0 || strcmp(kv, "consistency") == 0
               || strcmp(kv, "z") == 0 || strcmp(kv, "Z") == 0)
        {
          if (strcmp(kv, "bind-nonrecursive") == 0)
            OPT_ADD("bind");
        }
      else if (!val && (strcmp(kv, "nosuid") == 0 || strcmp(kv, "nodev") == 0 || strcmp(kv, "noexec") == 0
                        || strcmp(kv, "suid") == 0 || strcmp(kv, "dev") == 0 || strcmp(kv, "exec") == 0))
        OPT_ADD(kv);
      else
        {
          lp_error(err, 0, "invalid --mount `%s`: unknown option `%s`", v, kv);
          goto out;
        }
#undef OPT_ADD
    }
  if (!type)
    type = xstrdup("volume");
  if (!dst || dst[0] != '/')
    {
      lp_error(err, 0, "invalid --mount `%s`: an absolute destination is required", v);
      goto out;
    }
  if (strcmp(type, "bind") == 0)
    {
      if (!src || (src[0] != '/' && src[0] != '.'))
        {
          lp_error(err, 0, "invalid --mount `%s`: a bind needs an absolute source", v);
          goto out;
        }
      struct lp_ctr_mount *m = mount_add(c);
      m->type = xstrdup("bind");
      m->source = abs_path(src);
      m->destination = xstrdup(dst);
      split_options(m, opts.buf ? opts.buf : "");
    }
  else if (strcmp(type, "tmpfs") == 0)
    {
      struct lp_ctr_mount *m = mount_add(c);
      m->type = xstrdup("tmpfs");
      m->source = xstrdup("");
      m->destination = xstrdup(dst);
      split_options(m, opts.buf ? opts.buf : "");
    }
  else if (strcmp(type, "volume") == 0)
    {
      if (src && *src && !volume_name_ok(src))
        {
          lp_error(err, 0, "invalid --mount `%s`: a volume name must match [a-zA-Z0-9][a-zA-Z0-9_.-]*", v);
          goto out;
        }
      struct lp_ctr_mount *m = mount_add(c);
      m->type = xstrdup("volume");
      m->source = xstrdup("");
      m->destination = xstrdup(dst);
      m->anonymous = !src || !*src;
      if (src && *src)
        {
          free(m->name);
          m->name = xstrdup(src);
        }
      split_options(m, opts.buf ? opts.buf : "");
    }
  else
    {
      lp_error(err, 0, "invalid --mount `%s`: unsupported type `%s` (bind, tmpfs or volume)", v, type);
      goto out;
    }
  rc = 0;
out:
  strbuf_release(&opts);
  return rc;
}

static int read_env_file(char ***env, const char *path, lp_error_t *err)
{
  struct strbuf sb;
  strbuf_init(&sb, 0);
  if (lp_read_file_at(AT_FDCWD, path, &sb, err) < 0)
    {
      strbuf_release(&sb);
      return lp_error_wrap(err, "read --env-file");
    }
  char *save = NULL;
  for (char *line = strtok_r(sb.buf ? sb.buf : (char[]){ 0 }, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
    {
      size_t l = strlen(line);
      if (l && line[l - 1] == '\r')
        line[--l] = '\0';
      while (*line == ' ' || *line == '\t')
        line++;
      if (!*line || *line == '#')
        continue;
      if (strchr(line, '='))
        lp_ctr_env_set(env, line);
      else
        {
          const char *hv = getenv(line);
          if (hv)
            {
              cleanup_free char *kv = xasprintf("%s=%s", line, hv);
              lp_ctr_env_set(env, kv);
            }
        }
    }
  strbuf_release(&sb);
  return 0;
}

static int parse_kv_list(const struct lp_args *args, const char *flag, struct lp_kv **kv, size_t *n, lp_error_t *err)
{
  size_t cnt;
  cleanup_free const char **l = lp_args_list(args, flag, &cnt);
  for (size_t i = 0; i < cnt; i++)
    {
      const char *eq = strchr(l[i], '=');
      if (eq == l[i])
        return lp_error(err, 0, "invalid --%s `%s`", flag, l[i]);
      cleanup_free char *k = eq ? xstrndup(l[i], (size_t)(eq - l[i])) : xstrdup(l[i]);
      kv_set(kv, n, k, eq ? eq + 1 : "");
    }
  return 0;
}

static char **list_strv(const struct lp_args *args, const char *flag)
{
  size_t n;
  cleanup_free const char **l = lp_args_list(args, flag, &n);
  char **v = strv_new();
  for (size_t i = 0; i < n; i++)
    strv_push(&v, l[i]);
  return v;
}

/* --env-file and --env, in command-line order. */
static int apply_env(char ***env, const struct lp_args *args, lp_error_t *err)
{
  for (size_t i = 0; i < args->nvalues; i++)
    {
      const struct lp_opt_value *ov = &args->values[i];
      const char *val = ov->value ? ov->value : "";
      if (strcmp(ov->opt->name, "env-file") == 0)
        {
          if (read_env_file(env, val, err) < 0)
            return -1;
        }
      else if (strcmp(ov->opt->name, "env") == 0)
        {
          if (!*val || val[0] == '=')
            return lp_error(err, 0, "invalid --env `%s`", val);
          if (strchr(val, '='))
            lp_ctr_env_set(env, val);
          else
            {
              const char *hv = getenv(val);
              if (hv)
                {
                  cleanup_free char *kv = xasprintf("%s=%s", val, hv);
                  lp_ctr_env_set(env, kv);
                }
            }
        }
    }
  return 0;
}

/* --volume, --tmpfs and --mount, in command-line order. */
static int apply_mounts(struct lp_ctr_config *c, const struct lp_args *args, lp_error_t *err)
{
  for (size_t i = 0; i < args->nvalues; i++)
    {
      const struct lp_opt_value *ov = &args->values[i];
      const char *val = ov->value ? ov->value : "";
      int r = 0;
      if (strcmp(ov->opt->name, "volume") == 0)
        r = add_volume(c, val, err);
      else if (strcmp(ov->opt->name, "tmpfs") == 0)
        r = add_tmpfs(c, val, err);
      else if (strcmp(ov->opt->name, "mount") == 0)
        r = add_mount(c, val, err);
      if (r < 0)
        return -1;
    }
  return 0;
}

static int parse_entrypoint(const char *v, char ***out, lp_error_t *err)
{
  if (!v || !*v)
    *out = strv_new();
  else if (v[0] == '[')
    {
      cJSON *a = cJSON_Parse(v);
      if (!cJSON_IsArray(a))
        {
          cJSON_Delete(a);
          return lp_error(err, 0, "invalid --entrypoint `%s`: not a JSON array", v);
        }
      *out = json_strv(a);
      cJSON_Delete(a);
    }
  else
    {
      *out = strv_new();
      strv_push(out, v);
    }
  return 0;
}

int lp_ctr_config_from_args(const struct lp_args *args, const struct lp_ctr_image *img, const char *id,
                            int (*name_taken)(const char *name, void *ctx), void *ctx, struct lp_ctr_config **out,
                            lp_error_t *err)
{
  struct lp_ctr_config *c = xzalloc(sizeof *c);
  cJSON *ijson = img->config_json ? cJSON_Parse(img->config_json) : NULL;
  const cJSON *icfg = ijson ? cJSON_GetObjectItemCaseSensitive(ijson, "config") : NULL;
  const char *v;
  struct timespec ts;

  clock_gettime(CLOCK_REALTIME, &ts);
  c->created = (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
  c->id = xstrdup(id);
  c->image = xstrdup(img->typed);
  c->image_name = xstrdup(img->name ? img->name : img->id);
  c->image_id = xstrdup(img->id);

  /* Name. */
  v = lp_args_str(args, "name");
  if (v && *v)
    c->name = xstrdup(v);
  else
    for (int tries = 0; tries < 100; tries++)
      {
        c->name = lp_ctr_random_name();
        if (!name_taken || !name_taken(c->name, ctx))
          break;
        free(c->name);
        c->name = NULL;
      }
  if (!c->name)
    c->name = xasprintf("lilipod_%.12s", id);

  /* Entrypoint and Cmd. */
  if (lp_args_has(args, "entrypoint"))
    {
      if (parse_entrypoint(lp_args_str(args, "entrypoint"), &c->entrypoint, err) < 0)
        goto fail;
    }
  else
    c->entrypoint = json_strv(icfg ? cJSON_GetObjectItemCaseSensitive(icfg, "Entrypoint") : NULL);
  c->cmd = strv_new();
  if (args->argc > 1)
    for (int i = 1; i < args->argc; i++)
      strv_push(&c->cmd, args->argv[i]);
  else if (!lp_args_has(args, "entrypoint"))
    {
      strv_free(c->cmd);
      c->cmd = json_strv(icfg ? cJSON_GetObjectItemCaseSensitive(icfg, "Cmd") : NULL);
    }
  c->args = strv_dup(c->entrypoint);
  for (size_t i = 0; c->cmd[i]; i++)
    strv_push(&c->args, c->cmd[i]);
  if (!c->args[0])
    {
      lp_error(err, 0, "no command or entrypoint provided, and no CMD or ENTRYPOINT from image");
      goto fail;
    }

  /* Flags. */
  c->interactive = lp_args_bool(args, "interactive");
  c->tty = lp_args_bool(args, "tty");
  c->privileged = lp_args_bool(args, "privileged");
  c->read_only = lp_args_bool(args, "read-only");
  c->read_only_tmpfs = !lp_args_has(args, "read-only-tmpfs") || lp_args_bool(args, "read-only-tmpfs");
  c->init = lp_args_bool(args, "init");
  c->auto_remove = lp_args_bool(args, "rm");
  v = lp_args_str(args, "workdir");
  if (v && *v)
    {
      if (v[0] != '/')
        {
          lp_error(err, 0, "invalid --workdir `%s`: must be an absolute path", v);
          goto fail;
        }
      c->workdir = xstrdup(v);
    }
  else
    {
      const cJSON *w = icfg ? cJSON_GetObjectItemCaseSensitive(icfg, "WorkingDir") : NULL;
      c->workdir = xstrdup(cJSON_IsString(w) && w->valuestring[0] ? w->valuestring : "/");
    }
  v = lp_args_str(args, "user");
  if (lp_args_has(args, "user"))
    c->user = xstrdup(v ? v : "");
  else
    {
      const cJSON *u = icfg ? cJSON_GetObjectItemCaseSensitive(icfg, "User") : NULL;
      c->user = xstrdup(cJSON_IsString(u) ? u->valuestring : "");
    }

  /* Namespaces. */
  if (parse_ns_value("pid", lp_args_str(args, "pid"), false, &c->ns_pid, err) < 0
      || parse_ns_value("ipc", lp_args_str(args, "ipc"), false, &c->ns_ipc, err) < 0
      || parse_ns_value("uts", lp_args_str(args, "uts"), false, &c->ns_uts, err) < 0
      || lp_net_config_from_args(args, icfg, c, err) < 0
      || parse_ns_value("cgroupns", lp_args_str(args, "cgroupns"), false, &c->ns_cgroup, err) < 0)
    goto fail;
  v = lp_args_str(args, "userns");
  if (!v || !*v)
    c->userns = xstrdup("");
  else if (strcmp(v, "auto") == 0 || strcmp(v, "keep-id") == 0 || strcmp(v, "private") == 0
           || strcmp(v, "host") == 0 || strncmp(v, "keep-id:", 8) == 0 || strncmp(v, "auto:", 5) == 0)
    c->userns = strncmp(v, "keep-id", 7) == 0 ? xstrdup("keep-id") : strncmp(v, "auto", 4) == 0 ? xstrdup("auto") : xstrdup(v);
  else
    {
      lp_error(err, 0, "invalid --userns `%s`: want auto, keep-id, private or host", v);
      goto fail;
    }

  /* Hostname. */
  v = lp_args_str(args, "hostname");
  if (v && *v)
    c->hostname = xstrdup(v);
  else if (strcmp(c->ns_uts, "host") == 0)
    {
      char hn[256] = "";
      if (gethostname(hn, sizeof hn - 1) < 0)
        hn[0] = '\0';
      c->hostname = xstrdup(hn);
    }
  else
    c->hostname = xstrndup(id, 12);

  /* Environment. */
  c->env = strv_new();
  lp_ctr_env_set(&c->env, "PATH=" DEFAULT_PATH);
  lp_ctr_env_set(&c->env, "container=lilipod");
  {
    const cJSON *e, *ie = icfg ? cJSON_GetObjectItemCaseSensitive(icfg, "Env") : NULL;
    cJSON_ArrayForEach(e, ie)
    {
      if (cJSON_IsString(e) && strchr(e->valuestring, '='))
        lp_ctr_env_set(&c->env, e->valuestring);
    }
  }
  if (c->tty)
    lp_ctr_env_set(&c->env, "TERM=xterm");
  {
    cleanup_free char *h = xasprintf("HOSTNAME=%s", c->hostname);
    lp_ctr_env_set(&c->env, h);
  }
  if (apply_env(&c->env, args, err) < 0)
    goto fail;

  /* Labels and annotations. */
  {
    const cJSON *l, *il = icfg ? cJSON_GetObjectItemCaseSensitive(icfg, "Labels") : NULL;
    cJSON_ArrayForEach(l, il)
    {
      if (cJSON_IsString(l))
        kv_set(&c->labels, &c->nlabels, l->string, l->valuestring);
    }
  }
  if (parse_kv_list(args, "label", &c->labels, &c->nlabels, err) < 0
      || parse_kv_list(args, "annotation", &c->annotations, &c->nannotations, err) < 0)
    goto fail;

  /* Mounts, in command-line order. */
  if (apply_mounts(c, args, err) < 0)
    goto fail;

  /* Security and limits. */
  c->cap_add = list_strv(args, "cap-add");
  c->cap_drop = list_strv(args, "cap-drop");
  for (int pass = 0; pass < 2; pass++)
    for (char **p = pass ? c->cap_drop : c->cap_add; *p; p++)
      {
        unsigned long long m;
        if (lp_cap_parse(*p, &m, err) < 0)
          goto fail;
      }
  c->group_add = list_strv(args, "group-add");
  for (char **g = c->group_add; *g; g++)
    {
      char *end;
      errno = 0;
      unsigned long gid = strtoul(*g, &end, 10);
      if (strcmp(*g, "keep-groups") == 0)
        continue;
      if (errno || *end || end == *g || gid > 0xfffffffeUL)
        {
          lp_error(err, 0, "invalid --group-add `%s`: want a numeric gid", *g);
          goto fail;
        }
    }
  c->security_opt = list_strv(args, "security-opt");
  v = lp_args_str(args, "pids-limit");
  if (v && *v)
    {
      char *end;
      errno = 0;
      c->pids_limit = strtoll(v, &end, 10);
      if (errno || *end)
        {
          lp_error(err, 0, "invalid --pids-limit `%s`", v);
          goto fail;
        }
    }
  v = lp_args_str(args, "platform");
  c->platform = xstrdup(v ? v : "");

  /* Stop signal and timeout. */
  v = lp_args_str(args, "stop-signal");
  if (!v || !*v)
    {
      const cJSON *s = icfg ? cJSON_GetObjectItemCaseSensitive(icfg, "StopSignal") : NULL;
      v = cJSON_IsString(s) && s->valuestring[0] ? s->valuestring : "SIGTERM";
    }
  {
    int sig = lp_signal_parse(v, err);
    char buf[16];
    if (sig < 0)
      goto fail;
    c->stop_signal_num = sig;
    c->stop_signal = xstrdup(lp_signal_name(sig, buf));
  }
  c->stop_timeout = 10;
  v = lp_args_str(args, "stop-timeout");
  if (v && *v)
    {
      char *end;
      errno = 0;
      unsigned long t = strtoul(v, &end, 10);
      if (errno || *end || v[0] == '-' || t > 0xffffffffUL)
        {
          lp_error(err, 0, "invalid --stop-timeout `%s`", v);
          goto fail;
        }
      c->stop_timeout = (unsigned)t;
    }

  cJSON_Delete(ijson);
  *out = c;
  return 0;
fail:
  cJSON_Delete(ijson);
  lp_ctr_config_free(c);
  return -1;
}

/* ---- JSON ---- */

static cJSON *strv_json(char *const *v)
{
  cJSON *a = cJSON_CreateArray();
  for (size_t i = 0; v && v[i]; i++)
    cJSON_AddItemToArray(a, cJSON_CreateString(v[i]));
  return a;
}

static cJSON *kv_json(const struct lp_kv *kv, size_t n)
{
  cJSON *o = cJSON_CreateObject();
  for (size_t i = 0; i < n; i++)
    cJSON_AddStringToObject(o, kv[i].key, kv[i].value);
  return o;
}

static const char *nz(const char *s)
{
  return s ? s : "";
}

char *lp_ctr_config_to_json(const struct lp_ctr_config *c)
{
  cJSON *o = cJSON_CreateObject();
  cJSON_AddStringToObject(o, "Id", nz(c->id));
  cJSON_AddStringToObject(o, "Name", nz(c->name));
  cJSON_AddNumberToObject(o, "Created", (double)c->created);
  cJSON_AddStringToObject(o, "Image", nz(c->image));
  cJSON_AddStringToObject(o, "ImageName", nz(c->image_name));
  cJSON_AddStringToObject(o, "ImageID", nz(c->image_id));
  cJSON_AddItemToObject(o, "Entrypoint", strv_json(c->entrypoint));
  cJSON_AddItemToObject(o, "Cmd", strv_json(c->cmd));
  cJSON_AddItemToObject(o, "Args", strv_json(c->args));
  cJSON_AddItemToObject(o, "Env", strv_json(c->env));
  cJSON_AddStringToObject(o, "WorkingDir", nz(c->workdir));
  cJSON_AddStringToObject(o, "User", nz(c->user));
  cJSON_AddStringToObject(o, "Hostname", nz(c->hostname));
  cJSON_AddItemToObject(o, "Labels", kv_json(c->labels, c->nlabels));
  cJSON_AddItemToObject(o, "Annotations", kv_json(c->annotations, c->nannotations));
  cJSON *ns = cJSON_AddObjectToObject(o, "Namespaces");
  cJSON_AddStringToObject(ns, "pid", nz(c->ns_pid));
  cJSON_AddStringToObject(ns, "ipc", nz(c->ns_ipc));
  cJSON_AddStringToObject(ns, "uts", nz(c->ns_uts));
  cJSON_AddStringToObject(ns, "network", nz(c->ns_network));
  cJSON_AddStringToObject(ns, "cgroupns", nz(c->ns_cgroup));
  cJSON_AddStringToObject(ns, "userns", nz(c->userns));
  cJSON *ms = cJSON_AddArrayToObject(o, "Mounts");
  for (size_t i = 0; i < c->nmounts; i++)
    {
      const struct lp_ctr_mount *m = &c->mounts[i];
      cJSON *mo = cJSON_CreateObject();
      cJSON_AddStringToObject(mo, "Type", nz(m->type));
      cJSON_AddStringToObject(mo, "Source", nz(m->source));
      cJSON_AddStringToObject(mo, "Destination", nz(m->destination));
      cJSON_AddItemToObject(mo, "Options", strv_json(m->options));
      cJSON_AddBoolToObject(mo, "RW", m->rw);
      cJSON_AddBoolToObject(mo, "Anonymous", m->anonymous);
      cJSON_AddStringToObject(mo, "Name", nz(m->name));
      cJSON_AddItemToArray(ms, mo);
    }
  cJSON_AddBoolToObject(o, "ReadOnly", c->read_only);
  cJSON_AddBoolToObject(o, "ReadOnlyTmpfs", c->read_only_tmpfs);
  cJSON_AddBoolToObject(o, "Privileged", c->privileged);
  cJSON_AddItemToObject(o, "CapAdd", strv_json(c->cap_add));
  cJSON_AddItemToObject(o, "CapDrop", strv_json(c->cap_drop));
  cJSON_AddItemToObject(o, "GroupAdd", strv_json(c->group_add));
  cJSON_AddItemToObject(o, "SecurityOpt", strv_json(c->security_opt));
  cJSON_AddNumberToObject(o, "PidsLimit", (double)c->pids_limit);
  cJSON_AddStringToObject(o, "Platform", nz(c->platform));
  cJSON_AddStringToObject(o, "StopSignal", nz(c->stop_signal));
  cJSON_AddNumberToObject(o, "StopSignalNum", c->stop_signal_num);
  cJSON_AddNumberToObject(o, "StopTimeout", c->stop_timeout);
  cJSON_AddBoolToObject(o, "Init", c->init);
  cJSON_AddBoolToObject(o, "OpenStdin", c->interactive);
  cJSON_AddBoolToObject(o, "Tty", c->tty);
  cJSON_AddBoolToObject(o, "AutoRemove", c->auto_remove);
  lp_net_config_to_json(c->net, o);
  char *s = cJSON_PrintUnformatted(o);
  cJSON_Delete(o);
  if (!s)
    abort();
  char *r = xstrdup(s);
  cJSON_free(s);
  return r;
}

static char *jstr(const cJSON *o, const char *k)
{
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
  return xstrdup(cJSON_IsString(v) ? v->valuestring : "");
}

static bool jbool(const cJSON *o, const char *k)
{
  return cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(o, k));
}

static double jnum(const cJSON *o, const char *k, double def)
{
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
  return cJSON_IsNumber(v) ? v->valuedouble : def;
}

static void json_kv(const cJSON *o, struct lp_kv **kv, size_t *n)
{
  const cJSON *e;
  cJSON_ArrayForEach(e, o)
  {
    if (cJSON_IsString(e))
      kv_set(kv, n, e->string, e->valuestring);
  }
}

int lp_ctr_config_from_json(const char *json, struct lp_ctr_config **out, lp_error_t *err)
{
  cJSON *o = json ? cJSON_Parse(json) : NULL;
  if (!cJSON_IsObject(o))
    {
      cJSON_Delete(o);
      return lp_error(err, 0, "the container's stored configuration is not valid JSON");
    }
  struct lp_ctr_config *c = xzalloc(sizeof *c);
  c->id = jstr(o, "Id");
  c->name = jstr(o, "Name");
  c->created = (int64_t)jnum(o, "Created", 0);
  c->image = jstr(o, "Image");
  c->image_name = jstr(o, "ImageName");
  c->image_id = jstr(o, "ImageID");
  c->entrypoint = json_strv(cJSON_GetObjectItemCaseSensitive(o, "Entrypoint"));
  c->cmd = json_strv(cJSON_GetObjectItemCaseSensitive(o, "Cmd"));
  c->args = json_strv(cJSON_GetObjectItemCaseSensitive(o, "Args"));
  c->env = json_strv(cJSON_GetObjectItemCaseSensitive(o, "Env"));
  c->workdir = jstr(o, "WorkingDir");
  c->user = jstr(o, "User");
  c->hostname = jstr(o, "Hostname");
  json_kv(cJSON_GetObjectItemCaseSensitive(o, "Labels"), &c->labels, &c->nlabels);
  json_kv(cJSON_GetObjectItemCaseSensitive(o, "Annotations"), &c->annotations, &c->nannotations);
  const cJSON *ns = cJSON_GetObjectItemCaseSensitive(o, "Namespaces");
  c->ns_pid = jstr(ns, "pid");
  c->ns_ipc = jstr(ns, "ipc");
  c->ns_uts = jstr(ns, "uts");
  c->ns_network = jstr(ns, "network");
  c->ns_cgroup = jstr(ns, "cgroupns");
  c->userns = jstr(ns, "userns");
  const cJSON *m;
  cJSON_ArrayForEach(m, cJSON_GetObjectItemCaseSensitive(o, "Mounts"))
  {
    struct lp_ctr_mount *cm = mount_add(c);
    free(cm->options);
    cm->type = jstr(m, "Type");
    cm->source = jstr(m, "Source");
    cm->destination = jstr(m, "Destination");
    cm->options = json_strv(cJSON_GetObjectItemCaseSensitive(m, "Options"));
    cm->rw = jbool(m, "RW");
    cm->anonymous = jbool(m, "Anonymous");
    free(cm->name);
    cm->name = jstr(m, "Name");
  }
  c->read_only = jbool(o, "ReadOnly");
  c->read_only_tmpfs = !cJSON_IsFalse(cJSON_GetObjectItemCaseSensitive(o, "ReadOnlyTmpfs"));
  c->privileged = jbool(o, "Privileged");
  c->cap_add = json_strv(cJSON_GetObjectItemCaseSensitive(o, "CapAdd"));
  c->cap_drop = json_strv(cJSON_GetObjectItemCaseSensitive(o, "CapDrop"));
  c->group_add = json_strv(cJSON_GetObjectItemCaseSensitive(o, "GroupAdd"));
  c->security_opt = json_strv(cJSON_GetObjectItemCaseSensitive(o, "SecurityOpt"));
  c->pids_limit = (int64_t)jnum(o, "PidsLimit", 0);
  c->platform = jstr(o, "Platform");
  c->stop_signal = jstr(o, "StopSignal");
  c->stop_signal_num = (int)jnum(o, "StopSignalNum", SIGTERM);
  c->stop_timeout = (unsigned)jnum(o, "StopTimeout", 10);
  c->init = jbool(o, "Init");
  c->interactive = jbool(o, "OpenStdin");
  c->tty = jbool(o, "Tty");
  c->auto_remove = jbool(o, "AutoRemove");
  c->net = lp_net_config_from_json(o);
  cJSON_Delete(o);
  *out = c;
  return 0;
}

void lp_ctr_config_free(struct lp_ctr_config *c)
{
  if (!c)
    return;
  free(c->id);
  free(c->name);
  free(c->image);
  free(c->image_name);
  free(c->image_id);
  strv_free(c->entrypoint);
  strv_free(c->cmd);
  strv_free(c->args);
  strv_free(c->env);
  free(c->workdir);
  free(c->user);
  free(c->hostname);
  for (size_t i = 0; i < c->nlabels; i++)
    free(c->labels[i].key), free(c->labels[i].value);
  free(c->labels);
  for (size_t i = 0; i < c->nannotations; i++)
    free(c->annotations[i].key), free(c->annotations[i].value);
  free(c->annotations);
  free(c->ns_pid);
  free(c->ns_ipc);
  free(c->ns_uts);
  free(c->ns_network);
  free(c->ns_cgroup);
  free(c->userns);
  for (size_t i = 0; i < c->nmounts; i++)
    {
      free(c->mounts[i].type);
      free(c->mounts[i].source);
      free(c->mounts[i].destination);
      strv_free(c->mounts[i].options);
      free(c->mounts[i].name);
    }
  free(c->mounts);
  strv_free(c->cap_add);
  strv_free(c->cap_drop);
  strv_free(c->group_add);
  strv_free(c->security_opt);
  free(c->platform);
  free(c->stop_signal);
  lp_net_config_free(c->net);
  free(c);
}

/* ---- pieces for update (see config.h) ---- */

int lp_ctr_config_add_mounts(struct lp_ctr_config *c, const struct lp_args *args, lp_error_t *err)
{
  return apply_mounts(c, args, err);
}

int lp_ctr_config_add_env(struct lp_ctr_config *c, const struct lp_args *args, lp_error_t *err)
{
  return apply_env(&c->env, args, err);
}

int lp_ctr_config_parse_ns(const char *flag, const char *value, bool allow_none, char **out, lp_error_t *err)
{
  return parse_ns_value(flag, value, allow_none, out, err);
}

int lp_ctr_config_parse_entrypoint(const char *value, char ***out, lp_error_t *err)
{
  return parse_entrypoint(value, out, err);
}

int lp_ctr_config_set_args(struct lp_ctr_config *c, lp_error_t *err)
{
  strv_free(c->args);
  c->args = strv_dup(c->entrypoint);
  for (size_t i = 0; c->cmd && c->cmd[i]; i++)
    strv_push(&c->args, c->cmd[i]);
  if (!c->args[0])
    return lp_error(err, 0, "no command or entrypoint provided, and no CMD or ENTRYPOINT from image");
  return 0;
}
