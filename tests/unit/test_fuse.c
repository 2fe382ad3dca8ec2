/* The union filesystem over a tree built by the store's real ingest: two
 * layers made by tar(1), the upper one deleting a file with a whiteout.
 * Needs root (it mounts, in a private mount namespace); skipped otherwise.
 * The broader POSIX and union checks are tests/integration/fuse.bats. */
#include <errno.h>
#include <fcntl.h>
#include <mbedtls/sha256.h>
#include <sched.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "fuse/unionfs.h"
#include "store/store.h"
#include "store/tree.h"
#include "util/fsutil.h"
#include "util/strbuf.h"
#include "util/xalloc.h"

static char *tmp;

static void sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void sh(const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  char *cmd = NULL;
  assert_true(vasprintf(&cmd, fmt, ap) >= 0);
  va_end(ap);
  int rc = system(cmd);
  if (rc != 0)
    fail_msg("command failed (%d): %s", rc, cmd);
  free(cmd);
}

static char *read_all(const char *path)
{
  struct strbuf sb = STRBUF_INIT;
  lp_error_t err = NULL;
  if (lp_read_file_at(AT_FDCWD, path, &sb, &err) < 0)
    {
      lp_error_free(&err);
      strbuf_release(&sb);
      return NULL;
    }
  return strbuf_detach(&sb, NULL);
}

static char *ingest_tar(struct lp_store *s, const char *path)
{
  struct strbuf sb = STRBUF_INIT;
  lp_error_t err = NULL;
  assert_int_equal(lp_read_file_at(AT_FDCWD, path, &sb, &err), 0);
  unsigned char d[32];
  mbedtls_sha256_ret((const unsigned char *)sb.buf, sb.len, d, 0);
  char *id = xmalloc(7 + 65);
  strcpy(id, "sha256:");
  for (int i = 0; i < 32; i++)
    sprintf(id + 7 + 2 * i, "%02x", d[i]);
  strbuf_release(&sb);
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  assert_true(fd >= 0);
  if (lp_layer_ingest_fd(s, id, fd, &err) < 0)
    fail_msg("ingest %s: %s", path, err->msg);
  close(fd);
  return id;
}

static void test_union_over_ingested_image(void **state)
{
  if (geteuid() != 0)
    skip();
  char *src1 = xasprintf("%s/l1", tmp), *src2 = xasprintf("%s/l2", tmp);
  sh("mkdir -p %s/etc %s/usr/bin %s/doomed && echo 'root:x:0:0' > %s/etc/passwd"
     " && head -c 100000 /dev/urandom > %s/usr/bin/tool && ln %s/usr/bin/tool %s/usr/bin/tool2"
     " && ln -s tool %s/usr/bin/sym && echo bye > %s/doomed/f && echo gone > %s/etc/shadow"
     " && tar -C %s --numeric-owner --owner=0 --group=0 -cf %s/l1.tar .",
     src1, src1, src1, src1, src1, src1, src1, src1, src1, src1, src1, tmp);
  sh("mkdir -p %s/etc && : > %s/etc/.wh.shadow && echo added > %s/etc/hosts"
     " && tar -C %s --numeric-owner --owner=0 --group=0 -cf %s/l2.tar .",
     src2, src2, src2, src2, tmp);
  char *home = xasprintf("%s/store", tmp);
  struct lp_store *s = NULL;
  lp_error_t err = NULL;
  assert_int_equal(lp_store_open(home, &s, &err), 0);
  char *l1 = xasprintf("%s/l1.tar", tmp), *l2 = xasprintf("%s/l2.tar", tmp);
  char *layers[2] = { ingest_tar(s, l1), ingest_tar(s, l2) };
  const char *image_id = "sha256:2222222222222222222222222222222222222222222222222222222222222222";
  struct lp_image_new img = {
    .id = image_id,
    .manifest_digest = "sha256:1111111111111111111111111111111111111111111111111111111111111111",
    .manifest_json = "{}",
    .config_json = "{\"config\":{}}",
    .diff_ids = (const char *const *)layers,
    .nlayers = 2,
  };
  if (lp_image_commit(s, &img, &err) < 0)
    fail_msg("commit: %s", err->msg);
  int64_t root = 0;
  assert_int_equal(lp_tree_root(s, image_id, &root, &err), 0);
  lp_store_close(s);

  char *upper = xasprintf("%s/upper", tmp), *mnt = xasprintf("%s/mnt", tmp);
  assert_int_equal(mkdir(mnt, 0755), 0);
  struct lp_unionfs_config cfg = { .store_home = home, .lower_root = root, .upper_dir = upper, .mountpoint = mnt };
  struct lp_unionfs *fs = NULL;
  if (lp_unionfs_mount(&cfg, &fs, &err) < 0)
    fail_msg("mount: %s", err->msg);
  pid_t pid = fork();
  assert_true(pid >= 0);
  if (pid == 0)
    {
      int r = lp_unionfs_serve(fs, &err);
      _exit(r == 0 ? 0 : 1);
    }

  char *p = xasprintf("%s/etc/passwd", mnt);
  char *c = read_all(p);
  assert_non_null(c);
  assert_string_equal(c, "root:x:0:0\n");
  free(c);
  free(p);
  p = xasprintf("%s/etc/hosts", mnt);
  c = read_all(p);
  assert_non_null(c);
  assert_string_equal(c, "added\n");
  free(c);
  free(p);
  struct stat st, st2;
  p = xasprintf("%s/etc/shadow", mnt);
  assert_int_equal(lstat(p, &st), -1);
  assert_int_equal(errno, ENOENT);
  free(p);
  p = xasprintf("%s/usr/bin/tool", mnt);
  char *p2 = xasprintf("%s/usr/bin/tool2", mnt);
  assert_int_equal(lstat(p, &st), 0);
  assert_int_equal(lstat(p2, &st2), 0);
  assert_int_equal(st.st_ino, st2.st_ino);
  assert_int_equal(st.st_nlink, 2);
  assert_int_equal(st.st_size, 100000);
  sh("cmp %s/usr/bin/tool %s", src1, p);
  /* copy-up through one name shows through the other */
  sh("echo tail >> %s && test \"$(tail -c 5 %s)\" = tail && cmp -n 100000 %s/usr/bin/tool %s", p, p2, src1, p2);
  free(p);
  free(p2);
  /* whiteout a lower directory, then remove the mount */
  sh("rm -r %s/doomed && test ! -e %s/doomed && mkdir %s/doomed && test -z \"$(ls -A %s/doomed)\"", mnt, mnt, mnt,
     mnt);
  assert_int_equal(umount2(mnt, 0), 0);
  int status;
  assert_int_equal(waitpid(pid, &status, 0), pid);
  assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  lp_unionfs_unmount_and_free(fs);
  for (int i = 0; i < 2; i++)
    free(layers[i]);
  free(src1), free(src2), free(home), free(l1), free(l2), free(upper), free(mnt);
}

static int setup(void **state)
{
  char templ[] = "/tmp/test_fuse.XXXXXX";
  assert_non_null(mkdtemp(templ));
  tmp = xstrdup(templ);
  if (geteuid() == 0)
    {
      /* Keep our mounts out of the host's namespace. */
      assert_int_equal(unshare(CLONE_NEWNS), 0);
      assert_int_equal(mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL), 0);
    }
  return 0;
}

static int teardown(void **state)
{
  lp_error_t err = NULL;
  lp_rm_rf_at(AT_FDCWD, tmp, &err);
  lp_error_free(&err);
  free(tmp);
  return 0;
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_union_over_ingested_image),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
