/* fault: SIGKILL at named points when LILIPOD_FAULT asks (see fault.h). */
#include "fault.h"

#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

static const char *faults;
static pthread_once_t faults_once = PTHREAD_ONCE_INIT;

static void load_faults(void)
{
  const char *e = getenv("LILIPOD_FAULT");
  faults = e && *e ? e : NULL;
}

void lp_fault(const char *point)
{
  pthread_once(&faults_once, load_faults);
  if (!faults)
    return;
  size_t n = strlen(point);
  for (const char *p = faults; *p;)
    {
      const char *end = strchr(p, ',');
      size_t len = end ? (size_t) (end - p) : strlen(p);
      if (len == n && memcmp(p, point, n) == 0)
        {
          raise(SIGKILL);
          abort(); /* not reached: SIGKILL cannot be caught */
        }
      if (!end)
        break;
      p = end + 1;
    }
}
