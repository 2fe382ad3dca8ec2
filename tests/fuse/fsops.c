/* fsops: small helpers for the FUSE tests, for what shell tools cannot do.
 *   fsops mklower SRC STORE_HOME     ingest the tree SRC into a store db ($LOWER_OWNER=U:G
 *                                    overrides every owner)
 *                                    with the tree_nodes contract; print
 *                                    the root id
 *   fsops exchange A B               renameat2(RENAME_EXCHANGE)
 *   fsops noreplace A B              renameat2(RENAME_NOREPLACE)
 *   fsops setxattr PATH NAME VALUE | getxattr PATH NAME | listxattr PATH | rmxattr PATH NAME
 *   fsops mmap PATH                  write "mmapped!" at offset 0 through a shared mapping,
 *                                    msync, and print what a fresh read() sees
 *   fsops seek PATH                  print SEEK_DATA/SEEK_HOLE from 0
 *   fsops cfr SRC DST                copy_file_range the whole of SRC into DST
 *   fsops bind PATH                  bind a unix socket at PATH
 *   fsops ino PATH                   print st_ino
 *   fsops manifest DIR               one sorted line per entry below DIR: path, type, mode,
 *                                    owner, size (not for directories: file systems count
 *                                    those differently), link count, symlink target, the
 *                                    first path of its hard-link group, content hash, user
 *                                    xattrs
 * Built by the tests with: cc -o fsops fsops.c -lsqlite3 -lmbedcrypto */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <mbedtls/sha256.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/xattr.h>
#include <unistd.h>

static void die(const char *what)
{
  fprintf(stderr, "fsops: %s: %s\n", what, strerror(errno));
  exit(1);
}

static sqlite3 *db;
static sqlite3_stmt *ins;
static const char *home;
struct seen { dev_t dev; ino_t ino; long long id; };
static struct seen *seen;
static size_t nseen;

static void hash_file(int fd, char hex[65], int objfd)
{
  mbedtls_sha256_context c;
  unsigned char sum[32], buf[65536];
  mbedtls_sha256_init(&c);
  mbedtls_sha256_starts_ret(&c, 0);
  ssize_t n;
  static int counter;
  char tmp[64];
  snprintf(tmp, sizeof tmp, "tmpobj.%d.%d", (int)getpid(), counter++);
  int out = openat(objfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (out < 0)
    die("mkstemp");
  while ((n = read(fd, buf, sizeof buf)) > 0)
    {
      mbedtls_sha256_update_ret(&c, buf, (size_t)n);
      if (write(out, buf, (size_t)n) != n)
        die("write object");
    }
  close(out);
  mbedtls_sha256_finish_ret(&c, sum);
  for (int i = 0; i < 32; i++)
    sprintf(hex + 2 * i, "%02x", sum[i]);
  char dir[3] = { hex[0], hex[1], 0 };
  mkdirat(objfd, dir, 0755);
  char *dst;
  if (asprintf(&dst, "%s/%s", dir, hex + 2) < 0)
    die("asprintf");
  if (renameat(objfd, tmp, objfd, dst) < 0)
    die("rename object");
  fchmodat(objfd, dst, 0644, 0);
  free(dst);
}

static long long add(int dfd, const char *name, long long parent, int objfd)
{
  struct stat st;
  if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
    die(name);
  long long first = 0;
  if (!S_ISDIR(st.st_mode) && st.st_nlink > 1)
    for (size_t i = 0; i < nseen; i++)
      if (seen[i].dev == st.st_dev && seen[i].ino == st.st_ino)
        first = seen[i].id;
  sqlite3_reset(ins);
  sqlite3_clear_bindings(ins);
  if (parent)
    sqlite3_bind_int64(ins, 1, parent);
  sqlite3_bind_blob(ins, 2, parent ? name : "", parent ? (int)strlen(name) : 0, SQLITE_TRANSIENT);
  sqlite3_bind_int64(ins, 3, st.st_mode);
  /* LOWER_OWNER=uid:gid records every entry with that owner: rootless tests
   * need ids their user namespace maps. */
  const char *owner = getenv("LOWER_OWNER");
  unsigned ou, og;
  if (owner && sscanf(owner, "%u:%u", &ou, &og) == 2)
    st.st_uid = ou, st.st_gid = og;
  sqlite3_bind_int64(ins, 4, st.st_uid);
  sqlite3_bind_int64(ins, 5, st.st_gid);
  sqlite3_bind_int64(ins, 6, S_ISDIR(st.st_mode) ? 4096 : st.st_size);
  sqlite3_bind_int64(ins, 7, (long long)st.st_mtim.tv_sec * 1000000000 + st.st_mtim.tv_nsec);
  sqlite3_bind_int64(ins, 8, (long long)st.st_rdev);
  sqlite3_bind_int64(ins, 9, st.st_nlink);
  char target[4096];
  if (S_ISLNK(st.st_mode))
    {
      ssize_t n = readlinkat(dfd, name, target, sizeof target);
      if (n < 0)
        die("readlink");
      sqlite3_bind_blob(ins, 10, target, (int)n, SQLITE_TRANSIENT);
      sqlite3_bind_int64(ins, 6, n);
    }
  if (first)
    sqlite3_bind_int64(ins, 11, first);
  char hex[65];
  if (S_ISREG(st.st_mode) && !first && st.st_size > 0)
    {
      int fd = openat(dfd, name, O_RDONLY | O_CLOEXEC);
      if (fd < 0)
        die(name);
      if (st.st_size <= 64)
        {
          char small[64];
          ssize_t n = read(fd, small, sizeof small);
          sqlite3_bind_blob(ins, 13, small, (int)n, SQLITE_TRANSIENT);
        }
      else
        {
          hash_file(fd, hex, objfd);
          sqlite3_bind_text(ins, 12, hex, 64, SQLITE_TRANSIENT);
        }
      close(fd);
    }
  /* user.* xattrs of the source */
  if (!S_ISLNK(st.st_mode))
    {
      char path[64], names[4096];
      int fd = openat(dfd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
      snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
      ssize_t nl = listxattr(path, names, sizeof names);
      unsigned char blob[8192];
      size_t bl = 0;
      for (ssize_t off = 0; nl > 0 && off < nl; off += (ssize_t)strlen(names + off) + 1)
        {
          char val[1024];
          ssize_t vl = getxattr(path, names + off, val, sizeof val);
          if (vl < 0)
            continue;
          unsigned int l = (unsigned)strlen(names + off);
          memcpy(blob + bl, &l, 4), bl += 4;
          memcpy(blob + bl, names + off, l), bl += l;
          unsigned int v = (unsigned)vl;
          memcpy(blob + bl, &v, 4), bl += 4;
          memcpy(blob + bl, val, v), bl += v;
        }
      if (bl)
        sqlite3_bind_blob(ins, 14, blob, (int)bl, SQLITE_TRANSIENT);
      close(fd);
    }
  if (sqlite3_step(ins) != SQLITE_DONE)
    {
      fprintf(stderr, "insert %s: %s\n", name, sqlite3_errmsg(db));
      exit(1);
    }
  long long id = sqlite3_last_insert_rowid(db);
  if (!S_ISDIR(st.st_mode) && st.st_nlink > 1 && !first)
    {
      seen = realloc(seen, (nseen + 1) * sizeof *seen);
      seen[nseen++] = (struct seen){ st.st_dev, st.st_ino, id };
    }
  if (S_ISDIR(st.st_mode))
    {
      int fd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
      DIR *d = fdopendir(fd);
      struct dirent *de;
      if (!d)
        die(name);
      while ((de = readdir(d)))
        if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
          add(dirfd(d), de->d_name, id, objfd);
      closedir(d);
    }
  return id;
}

static int mklower(const char *src, const char *h)
{
  home = h;
  mkdir(h, 0700);
  char *p;
  if (asprintf(&p, "%s/store.db", h) < 0)
    die("asprintf");
  if (sqlite3_open(p, &db) != SQLITE_OK)
    die("open db");
  const char *schema =
    "PRAGMA journal_mode=WAL;"
    "CREATE TABLE IF NOT EXISTS tree_nodes (id INTEGER PRIMARY KEY, parent INTEGER, name BLOB NOT NULL,"
    " mode INTEGER NOT NULL, uid INTEGER NOT NULL, gid INTEGER NOT NULL, size INTEGER NOT NULL,"
    " mtime_ns INTEGER NOT NULL, rdev INTEGER NOT NULL DEFAULT 0, nlink INTEGER NOT NULL, link_target BLOB,"
    " hardlink_of INTEGER, digest TEXT, inline_data BLOB, xattrs BLOB, UNIQUE(parent, name));"
    "BEGIN;";
  if (sqlite3_exec(db, schema, NULL, NULL, NULL) != SQLITE_OK)
    die("schema");
  sqlite3_prepare_v2(db,
                     "INSERT INTO tree_nodes(parent, name, mode, uid, gid, size, mtime_ns, rdev, nlink,"
                     " link_target, hardlink_of, digest, inline_data, xattrs)"
                     " VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)",
                     -1, &ins, NULL);
  char *objs;
  if (asprintf(&objs, "%s/objects", h) < 0)
    die("asprintf");
  mkdir(objs, 0755);
  int objfd = open(objs, O_RDONLY | O_DIRECTORY);
  if (objfd < 0)
    die(objs);
  long long root = add(AT_FDCWD, src, 0, objfd);
  sqlite3_finalize(ins);
  sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
  sqlite3_close(db);
  printf("%lld\n", root);
  return 0;
}

struct mentry
{
  char *path;
  struct stat st;
};
static struct mentry *ments;
static size_t nments;

static void walk(int dfd, const char *rel)
{
  int fd = openat(dfd, rel, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0)
    die(rel);
  DIR *d = fdopendir(fd);
  struct dirent *de;
  while ((de = readdir(d)))
    {
      if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
        continue;
      char *p;
      if (asprintf(&p, "%s/%s", rel, de->d_name) < 0)
        die("asprintf");
      ments = realloc(ments, (nments + 1) * sizeof *ments);
      ments[nments].path = p;
      if (fstatat(dfd, p, &ments[nments].st, AT_SYMLINK_NOFOLLOW) < 0)
        die(p);
      nments++;
      if (S_ISDIR(ments[nments - 1].st.st_mode))
        walk(dfd, p);
    }
  closedir(d);
}

static int cmp_ment(const void *a, const void *b)
{
  return strcmp(((const struct mentry *)a)->path, ((const struct mentry *)b)->path);
}

static int manifest(const char *dir)
{
  int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd < 0)
    die(dir);
  walk(dfd, ".");
  qsort(ments, nments, sizeof *ments, cmp_ment);
  for (size_t i = 0; i < nments; i++)
    {
      struct mentry *m = &ments[i];
      const char *group = m->path;
      for (size_t j = 0; j < i && !S_ISDIR(m->st.st_mode) && m->st.st_nlink > 1; j++)
        if (ments[j].st.st_ino == m->st.st_ino)
          {
            group = ments[j].path;
            break;
          }
      char target[4096] = "";
      if (S_ISLNK(m->st.st_mode))
        {
          ssize_t n = readlinkat(dfd, m->path, target, sizeof target - 1);
          target[n < 0 ? 0 : n] = 0;
        }
      char hex[65] = "-";
      if (S_ISREG(m->st.st_mode))
        {
          int fd = openat(dfd, m->path, O_RDONLY | O_CLOEXEC);
          if (fd < 0)
            die(m->path);
          mbedtls_sha256_context c;
          unsigned char sum[32], buf[65536];
          mbedtls_sha256_init(&c);
          mbedtls_sha256_starts_ret(&c, 0);
          ssize_t n;
          while ((n = read(fd, buf, sizeof buf)) > 0)
            mbedtls_sha256_update_ret(&c, buf, (size_t)n);
          if (n < 0)
            die(m->path);
          close(fd);
          mbedtls_sha256_finish_ret(&c, sum);
          for (int k = 0; k < 8; k++)
            sprintf(hex + 2 * k, "%02x", sum[k]);
        }
      printf("%s\t%o\t%u:%u\t%lld\t%lu\t%s\tgroup=%s\t%s", m->path, (unsigned)m->st.st_mode,
             (unsigned)m->st.st_uid, (unsigned)m->st.st_gid,
             S_ISDIR(m->st.st_mode) ? -1LL : (long long)m->st.st_size, (unsigned long)m->st.st_nlink, target, group,
             hex);
      if (S_ISREG(m->st.st_mode) || S_ISDIR(m->st.st_mode))
        {
          char path[8192], names[65536];
          snprintf(path, sizeof path, "%s/%s", dir, m->path);
          ssize_t nl = llistxattr(path, names, sizeof names);
          for (ssize_t off = 0; nl > 0 && off < nl; off += (ssize_t)strlen(names + off) + 1)
            {
              char val[4096];
              ssize_t vl = lgetxattr(path, names + off, val, sizeof val);
              if (strncmp(names + off, "user.", 5) || vl < 0)
                continue;
              printf(" %s=%.*s", names + off, (int)vl, val);
            }
        }
      printf("\n");
    }
  return 0;
}

int main(int argc, char **argv)
{
  if (argc < 3)
    {
      fprintf(stderr, "usage: see the source\n");
      return 2;
    }
  const char *op = argv[1];
  if (!strcmp(op, "mklower") && argc == 4)
    return mklower(argv[2], argv[3]);
  if (!strcmp(op, "exchange") && argc == 4)
    {
      if (renameat2(AT_FDCWD, argv[2], AT_FDCWD, argv[3], RENAME_EXCHANGE) < 0)
        die("renameat2 exchange");
      return 0;
    }
  if (!strcmp(op, "noreplace") && argc == 4)
    {
      if (renameat2(AT_FDCWD, argv[2], AT_FDCWD, argv[3], RENAME_NOREPLACE) < 0)
        die("renameat2 noreplace");
      return 0;
    }
  if (!strcmp(op, "setxattr") && argc == 5)
    {
      if (lsetxattr(argv[2], argv[3], argv[4], strlen(argv[4]), 0) < 0)
        die("setxattr");
      return 0;
    }
  if (!strcmp(op, "getxattr") && argc == 4)
    {
      char buf[65536];
      ssize_t n = lgetxattr(argv[2], argv[3], buf, sizeof buf);
      if (n < 0)
        die("getxattr");
      printf("%.*s\n", (int)n, buf);
      return 0;
    }
  if (!strcmp(op, "rmxattr") && argc == 4)
    {
      if (lremovexattr(argv[2], argv[3]) < 0)
        die("removexattr");
      return 0;
    }
  if (!strcmp(op, "listxattr") && argc == 3)
    {
      char buf[65536];
      ssize_t n = llistxattr(argv[2], buf, sizeof buf);
      if (n < 0)
        die("listxattr");
      for (ssize_t off = 0; off < n; off += (ssize_t)strlen(buf + off) + 1)
        if (!strncmp(buf + off, "user.", 5))
          printf("%s\n", buf + off);
      return 0;
    }
  if (!strcmp(op, "mmap") && argc == 3)
    {
      int fd = open(argv[2], O_RDWR | O_CLOEXEC);
      if (fd < 0)
        die("open");
      char *m = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
      if (m == MAP_FAILED)
        die("mmap");
      memcpy(m, "mmapped!", 8);
      if (msync(m, 4096, MS_SYNC) < 0)
        die("msync");
      munmap(m, 4096);
      close(fd);
      char buf[9] = { 0 };
      fd = open(argv[2], O_RDONLY | O_CLOEXEC);
      if (fd < 0 || read(fd, buf, 8) != 8)
        die("read back");
      printf("%s\n", buf);
      return 0;
    }
  if (!strcmp(op, "seek") && argc == 3)
    {
      int fd = open(argv[2], O_RDONLY | O_CLOEXEC);
      if (fd < 0)
        die("open");
      off_t d = lseek(fd, 0, SEEK_DATA), h = lseek(fd, 0, SEEK_HOLE);
      printf("data=%lld hole=%lld\n", (long long)d, (long long)h);
      return 0;
    }
  if (!strcmp(op, "cfr") && argc == 4)
    {
      int in = open(argv[2], O_RDONLY | O_CLOEXEC), out = open(argv[3], O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
      if (in < 0 || out < 0)
        die("open");
      struct stat st;
      fstat(in, &st);
      off_t left = st.st_size;
      while (left > 0)
        {
          ssize_t n = copy_file_range(in, NULL, out, NULL, (size_t)left, 0);
          if (n <= 0)
            die("copy_file_range");
          left -= n;
        }
      return 0;
    }
  if (!strcmp(op, "bind") && argc == 3)
    {
      int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
      struct sockaddr_un a = { .sun_family = AF_UNIX };
      snprintf(a.sun_path, sizeof a.sun_path, "%s", argv[2]);
      if (bind(s, (struct sockaddr *)&a, sizeof a) < 0)
        die("bind");
      return 0;
    }
  if (!strcmp(op, "manifest") && argc == 3)
    return manifest(argv[2]);
  if (!strcmp(op, "ino") && argc == 3)
    {
      struct stat st;
      if (lstat(argv[2], &st) < 0)
        die("lstat");
      printf("%llu\n", (unsigned long long)st.st_ino);
      return 0;
    }
  fprintf(stderr, "fsops: bad arguments\n");
  return 2;
}
