#include "fsid.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/fsuid.h>

/* The id inside this user namespace that `outside` maps to, from a
 * /proc/self/{uid,gid}_map file. */
static int inside_id(const char *map, unsigned long outside, unsigned long *inside, lp_error_t *err)
{
  FILE *f = fopen(map, "re");
  if (!f)
    return lp_error(err, errno, "open %s", map);
  unsigned long in, out, count;
  int found = 0;
  while (!found && fscanf(f, "%lu %lu %lu", &in, &out, &count) == 3)
    if (outside >= out && outside - out < count)
      {
        *inside = in + (outside - out);
        found = 1;
      }
  fclose(f);
  if (!found)
    return lp_error(err, 0, "id %lu is not mapped in %s", outside, map);
  return 0;
}

int lp_ctr_files_as_host_user(uid_t host_uid, gid_t host_gid, lp_error_t *err)
{
  unsigned long uid, gid;
  if (inside_id("/proc/self/uid_map", host_uid, &uid, err) < 0
      || inside_id("/proc/self/gid_map", host_gid, &gid, err) < 0)
    return lp_error_wrap(err, "find the user's own ids in the user namespace");
  setfsgid((gid_t) gid);
  setfsuid((uid_t) uid);
  /* Both calls return the previous value; asking again tells if they took. */
  if ((unsigned long) setfsuid((uid_t) -1) != uid || (unsigned long) setfsgid((gid_t) -1) != gid)
    return lp_error(err, EPERM, "set the file-system ids to %lu:%lu", uid, gid);
  return 0;
}
