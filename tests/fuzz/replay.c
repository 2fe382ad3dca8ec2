/*
 * replay: run a fuzz target over every file of the given directories (or
 * files), without libFuzzer. Exits non-zero when a directory is empty, so a
 * corpus that went missing fails the test instead of passing vacuously; a
 * crash fails it by crashing.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fuzz.h"

static int run_file(int dirfd, const char *name, const char *shown)
{
  int fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    {
      fprintf(stderr, "replay: open %s: %s\n", shown, strerror(errno));
      return -1;
    }
  struct stat st;
  if (fstat(fd, &st) < 0)
    {
      fprintf(stderr, "replay: stat %s: %s\n", shown, strerror(errno));
      close(fd);
      return -1;
    }
  size_t size = (size_t) st.st_size;
  uint8_t *buf = malloc(size ? size : 1);
  if (!buf)
    abort();
  size_t off = 0;
  while (off < size)
    {
      ssize_t n = read(fd, buf + off, size - off);
      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        {
          fprintf(stderr, "replay: read %s: %s\n", shown, n < 0 ? strerror(errno) : "short read");
          free(buf);
          close(fd);
          return -1;
        }
      off += (size_t) n;
    }
  close(fd);
  /* An exact-size copy, so ASan sees reads past the end of the input. */
  uint8_t *exact = malloc(size ? size : 1);
  if (!exact)
    abort();
  memcpy(exact, buf, size);
  free(buf);
  LLVMFuzzerTestOneInput(exact, size);
  free(exact);
  return 0;
}

static int cmp(const void *a, const void *b)
{
  return strcmp(*(char *const *) a, *(char *const *) b);
}

int main(int argc, char **argv)
{
  if (argc < 2)
    {
      fprintf(stderr, "usage: %s DIR|FILE...\n", argv[0]);
      return 2;
    }
  unsigned long total = 0;
  for (int i = 1; i < argc; i++)
    {
      struct stat st;
      if (stat(argv[i], &st) < 0)
        {
          fprintf(stderr, "replay: %s: %s\n", argv[i], strerror(errno));
          return 1;
        }
      if (!S_ISDIR(st.st_mode))
        {
          if (run_file(AT_FDCWD, argv[i], argv[i]) < 0)
            return 1;
          total++;
          continue;
        }
      DIR *d = opendir(argv[i]);
      if (!d)
        {
          fprintf(stderr, "replay: %s: %s\n", argv[i], strerror(errno));
          return 1;
        }
      char **names = NULL;
      size_t n = 0;
      for (struct dirent *de; (de = readdir(d));)
        {
          if (de->d_name[0] == '.')
            continue;
          names = realloc(names, (n + 1) * sizeof *names);
          if (!names || !(names[n] = strdup(de->d_name)))
            abort();
          n++;
        }
      qsort(names, n, sizeof *names, cmp);
      for (size_t j = 0; j < n; j++)
        {
          if (run_file(dirfd(d), names[j], names[j]) < 0)
            return 1;
          free(names[j]);
        }
      free(names);
      closedir(d);
      if (n == 0)
        {
          fprintf(stderr, "replay: %s is empty\n", argv[i]);
          return 1;
        }
      total += n;
    }
  printf("replayed %lu inputs\n", total);
  return 0;
}
