/*
 * utf8: encoding one code point. The caller has checked the value is a
 * valid scalar (<= 0x10FFFF); nothing here validates or fails.
 */
#ifndef LILIPOD_UTF8_H
#define LILIPOD_UTF8_H

#include <stdint.h>

#include "strbuf.h"

void lp_utf8_add(struct strbuf *sb, uint32_t r);

#endif
