/*
 * Helpers shared by the store and tar tests: tar archives are produced by
 * python3's tarfile module (an independent implementation of the formats),
 * from a small script body that calls the prelude's helpers.
 */
#ifndef LILIPOD_TEST_STORE_UTIL_H
#define LILIPOD_TEST_STORE_UTIL_H

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "util/strbuf.h"
#include "util/xalloc.h"

static const char tar_prelude[] =
  "import tarfile, io, sys\n"
  "buf = io.BytesIO()\n"
  "t = tarfile.open(fileobj=buf, mode='w', format=getattr(tarfile, FMT))\n"
  "def _ti(name, typ, mode, uid=0, gid=0, mtime=1000, pax=None):\n"
  "    ti = tarfile.TarInfo(name); ti.type = typ; ti.mode = mode; ti.uid = uid; ti.gid = gid\n"
  "    ti.mtime = mtime; ti.uname = ''; ti.gname = ''\n"
  "    if pax: ti.pax_headers = pax\n"
  "    return ti\n"
  "def f(name, data=b'', mode=0o644, **kw):\n"
  "    if isinstance(data, str): data = data.encode()\n"
  "    ti = _ti(name, tarfile.REGTYPE, mode, **kw); ti.size = len(data); t.addfile(ti, io.BytesIO(data))\n"
  "def d(name, mode=0o755, **kw): t.addfile(_ti(name, tarfile.DIRTYPE, mode, **kw))\n"
  "def l(name, target, **kw):\n"
  "    ti = _ti(name, tarfile.SYMTYPE, 0o777, **kw); ti.linkname = target; t.addfile(ti)\n"
  "def h(name, target, **kw):\n"
  "    ti = _ti(name, tarfile.LNKTYPE, 0o644, **kw); ti.linkname = target; t.addfile(ti)\n"
  "def fifo(name, **kw): t.addfile(_ti(name, tarfile.FIFOTYPE, 0o600, **kw))\n"
  "def chr_(name, major, minor, **kw):\n"
  "    ti = _ti(name, tarfile.CHRTYPE, 0o666, **kw); ti.devmajor = major; ti.devminor = minor; t.addfile(ti)\n"
  "def out(b): sys.stdout.buffer.write(b); sys.exit(0)\n";

/* Run python3 with FMT = fmt ("PAX_FORMAT", "GNU_FORMAT", "USTAR_FORMAT")
 * and the body; the archive (or whatever out() wrote) lands in *tar. */
static inline void make_tar(const char *fmt, const char *body, struct strbuf *tar)
{
  struct strbuf script = STRBUF_INIT;
  strbuf_addf(&script, "FMT = '%s'\n", fmt);
  strbuf_adds(&script, tar_prelude);
  strbuf_adds(&script, body);
  strbuf_adds(&script, "\nt.close()\nsys.stdout.buffer.write(buf.getvalue())\n");
  int p[2];
  if (pipe(p) < 0)
    abort();
  pid_t pid = fork();
  if (pid == 0)
    {
      dup2(p[1], 1);
      close(p[0]);
      close(p[1]);
      execlp("python3", "python3", "-c", script.buf, (char *) NULL);
      _exit(127);
    }
  close(p[1]);
  strbuf_reset(tar);
  char b[65536];
  ssize_t n;
  while ((n = read(p[0], b, sizeof b)) > 0 || (n < 0 && errno == EINTR))
    if (n > 0)
      strbuf_add(tar, b, (size_t) n);
  close(p[0]);
  int status;
  waitpid(pid, &status, 0);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
    {
      fprintf(stderr, "python3 failed on:\n%s\n", body);
      abort();
    }
  strbuf_release(&script);
}

#endif
