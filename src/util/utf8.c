#include "utf8.h"

void lp_utf8_add(struct strbuf *sb, uint32_t r)
{
  if (r < 0x80)
    strbuf_addch(sb, (int) r);
  else if (r < 0x800)
    {
      strbuf_addch(sb, (int) (0xc0 | (r >> 6)));
      strbuf_addch(sb, (int) (0x80 | (r & 0x3f)));
    }
  else if (r < 0x10000)
    {
      strbuf_addch(sb, (int) (0xe0 | (r >> 12)));
      strbuf_addch(sb, (int) (0x80 | ((r >> 6) & 0x3f)));
      strbuf_addch(sb, (int) (0x80 | (r & 0x3f)));
    }
  else
    {
      strbuf_addch(sb, (int) (0xf0 | (r >> 18)));
      strbuf_addch(sb, (int) (0x80 | ((r >> 12) & 0x3f)));
      strbuf_addch(sb, (int) (0x80 | ((r >> 6) & 0x3f)));
      strbuf_addch(sb, (int) (0x80 | (r & 0x3f)));
    }
}
