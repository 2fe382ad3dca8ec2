/*
 * tabwriter: Go's text/tabwriter column alignment, for Podman-style tables.
 *
 * Contract: text is buffered until lp_tabwriter_flush(); then each line is
 * split into cells terminated by '\t' (the text after the last tab of a
 * line is not a cell and is never aligned).  Adjacent lines with a cell in
 * the same column form a column block whose width is the widest cell (in
 * UTF-8 runes) plus `padding`, at least `minwidth`.  Cells are padded with
 * `padchar` (with '\t' the width is rounded up to `tabwidth` and tabs are
 * written).  Flags: LP_TW_ALIGN_RIGHT, LP_TW_DISCARD_EMPTY_COLUMNS (the
 * latter not yet checked against Go).
 * Allocation failure aborts; nothing else can fail.
 * Podman's report.NewWriterDefault is (12, 2, 2, ' ', 0).
 */
#ifndef LILIPOD_FORMAT_TABWRITER_H
#define LILIPOD_FORMAT_TABWRITER_H

#include <stddef.h>

#include "../util/strbuf.h"

#define LP_TW_ALIGN_RIGHT 0x4u
#define LP_TW_DISCARD_EMPTY_COLUMNS 0x8u

struct lp_tabwriter {
	int minwidth, tabwidth, padding;
	char padchar;
	unsigned flags;
	struct strbuf buf;	/* text written since the last flush */
};

void lp_tabwriter_init(struct lp_tabwriter *tw, int minwidth, int tabwidth,
		       int padding, char padchar, unsigned flags);
void lp_tabwriter_write(struct lp_tabwriter *tw, const char *s, size_t n);
/* Format everything written so far, append it to out, reset the buffer. */
void lp_tabwriter_flush(struct lp_tabwriter *tw, struct strbuf *out);
void lp_tabwriter_release(struct lp_tabwriter *tw);

#endif
