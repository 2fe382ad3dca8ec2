#include "progress.h"
#include "strbuf.h"
#include "xalloc.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define BAR_WIDTH 30

struct bar
{
  char *label;
  char *status; /* set once finished */
  uint64_t done, total;
};

struct lp_progress
{
  FILE *out;
  pthread_mutex_t lock;
  struct bar *bars;
  size_t nbars;
  size_t drawn; /* lines on screen that belong to us */
  struct timespec last;
};

struct lp_progress *lp_progress_new(FILE *out)
{
  if (!out || !isatty(fileno(out)))
    return NULL;
  struct lp_progress *p = xzalloc(sizeof *p);
  p->out = out;
  pthread_mutex_init(&p->lock, NULL);
  return p;
}

/* Podman prints sizes like "1.2MiB": binary units, one decimal. */
static void add_size(struct strbuf *sb, uint64_t n)
{
  static const char *const units[] = { "B", "KiB", "MiB", "GiB", "TiB" };
  double v = (double) n;
  size_t u = 0;
  while (v >= 1024 && u + 1 < sizeof units / sizeof units[0])
    v /= 1024, u++;
  if (u == 0)
    strbuf_addf(sb, "%lluB", (unsigned long long) n);
  else
    strbuf_addf(sb, "%.1f%s", v, units[u]);
}

/* Caller holds the lock. */
static void redraw(struct lp_progress *p)
{
  struct strbuf sb = STRBUF_INIT;
  if (p->drawn)
    strbuf_addf(&sb, "\033[%zuA", p->drawn);
  for (size_t i = 0; i < p->nbars; i++)
    {
      struct bar *b = &p->bars[i];
      strbuf_addf(&sb, "\r\033[K%s ", b->label);
      if (b->status)
        strbuf_adds(&sb, b->status);
      else
        {
          size_t fill = b->total ? (size_t) ((double) b->done / (double) b->total * BAR_WIDTH) : 0;
          if (fill > BAR_WIDTH)
            fill = BAR_WIDTH;
          strbuf_addch(&sb, '[');
          for (size_t k = 0; k < BAR_WIDTH; k++)
            strbuf_addch(&sb, k < fill ? '=' : (k == fill ? '>' : '-'));
          strbuf_adds(&sb, "] ");
          add_size(&sb, b->done);
          strbuf_adds(&sb, " / ");
          add_size(&sb, b->total);
        }
      strbuf_addch(&sb, '\n');
    }
  p->drawn = p->nbars;
  fwrite(sb.buf, 1, sb.len, p->out);
  fflush(p->out);
  strbuf_release(&sb);
  clock_gettime(CLOCK_MONOTONIC, &p->last);
}

int lp_progress_add(struct lp_progress *p, const char *label, uint64_t total)
{
  if (!p)
    return -1;
  pthread_mutex_lock(&p->lock);
  p->bars = xreallocarray(p->bars, p->nbars + 1, sizeof *p->bars);
  p->bars[p->nbars] = (struct bar){ .label = xstrdup(label), .total = total };
  int idx = (int) p->nbars++;
  redraw(p);
  pthread_mutex_unlock(&p->lock);
  return idx;
}

void lp_progress_set(struct lp_progress *p, int bar, uint64_t done)
{
  if (!p || bar < 0)
    return;
  pthread_mutex_lock(&p->lock);
  if ((size_t) bar < p->nbars)
    {
      p->bars[bar].done = done;
      struct timespec now;
      clock_gettime(CLOCK_MONOTONIC, &now);
      long ms = (now.tv_sec - p->last.tv_sec) * 1000 + (now.tv_nsec - p->last.tv_nsec) / 1000000;
      if (ms >= 100)
        redraw(p);
    }
  pthread_mutex_unlock(&p->lock);
}

void lp_progress_finish(struct lp_progress *p, int bar, const char *status)
{
  if (!p || bar < 0)
    return;
  pthread_mutex_lock(&p->lock);
  if ((size_t) bar < p->nbars)
    {
      free(p->bars[bar].status);
      p->bars[bar].status = xstrdup(status);
      redraw(p);
    }
  pthread_mutex_unlock(&p->lock);
}

void lp_progress_free(struct lp_progress *p)
{
  if (!p)
    return;
  pthread_mutex_lock(&p->lock);
  redraw(p);
  pthread_mutex_unlock(&p->lock);
  for (size_t i = 0; i < p->nbars; i++)
    {
      free(p->bars[i].label);
      free(p->bars[i].status);
    }
  free(p->bars);
  pthread_mutex_destroy(&p->lock);
  free(p);
}
