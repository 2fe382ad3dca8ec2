/* tabwriter: see tabwriter.h.  Same recursive column-block algorithm as
 * Go's text/tabwriter, over the whole buffered text at flush time. */
#include "tabwriter.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "template_int.h" /* tmpl_xmalloc/tmpl_xrealloc */

struct cell {
	const char *text;
	size_t len;
	size_t width;	/* runes */
};

struct line {
	struct cell *cells;
	size_t ncells;
};

struct fmt_ctx {
	const struct lp_tabwriter *tw;
	struct line *lines;
	size_t nlines;
	bool last_has_nl;	/* the final line ended with a newline */
	size_t *widths;
	size_t nwidths;
	struct strbuf *out;
};

void lp_tabwriter_init(struct lp_tabwriter *tw, int minwidth, int tabwidth,
		       int padding, char padchar, unsigned flags)
{
	tw->minwidth = minwidth;
	tw->tabwidth = tabwidth;
	tw->padding = padding;
	tw->padchar = padchar;
	tw->flags = flags;
	strbuf_init(&tw->buf, 0);
}

void lp_tabwriter_write(struct lp_tabwriter *tw, const char *s, size_t n)
{
	strbuf_add(&tw->buf, s, n);
}

void lp_tabwriter_release(struct lp_tabwriter *tw)
{
	strbuf_release(&tw->buf);
}

static size_t runes(const char *s, size_t n)
{
	size_t r = 0;
	for (size_t i = 0; i < n; i++)
		if (((unsigned char)s[i] & 0xc0) != 0x80)
			r++;
	return r;
}

static void put_pad(struct fmt_ctx *c, size_t textw, size_t cellw)
{
	const struct lp_tabwriter *tw = c->tw;

	if (tw->padchar == '\t') {
		if (tw->tabwidth <= 0)
			return;
		size_t tabw = (size_t)tw->tabwidth;
		cellw = (cellw + tabw - 1) / tabw * tabw;
		size_t n = cellw > textw ? cellw - textw : 0;
		for (size_t i = 0; i < (n + tabw - 1) / tabw; i++)
			strbuf_addch(c->out, '\t');
		return;
	}
	for (size_t i = textw; i < cellw; i++)
		strbuf_addch(c->out, tw->padchar);
}

static void write_lines(struct fmt_ctx *c, size_t l0, size_t l1)
{
	for (size_t i = l0; i < l1; i++) {
		struct line *ln = &c->lines[i];
		for (size_t j = 0; j < ln->ncells; j++) {
			struct cell *ce = &ln->cells[j];
			if (j < c->nwidths) {
				if (c->tw->flags & LP_TW_ALIGN_RIGHT) {
					put_pad(c, ce->width, c->widths[j]);
					strbuf_add(c->out, ce->text, ce->len);
				} else {
					strbuf_add(c->out, ce->text, ce->len);
					put_pad(c, ce->width, c->widths[j]);
				}
			} else {
				strbuf_add(c->out, ce->text, ce->len);
			}
		}
		if (i + 1 < c->nlines || c->last_has_nl)
			strbuf_addch(c->out, '\n');
	}
}

static void format(struct fmt_ctx *c, size_t l0, size_t l1)
{
	size_t column = c->nwidths;

	for (size_t this = l0; this < l1; this++) {
		if (column + 1 >= c->lines[this].ncells)
			continue;
		/* a cell in this column: print the lines before the block */
		write_lines(c, l0, this);
		l0 = this;
		size_t width = (size_t)(c->tw->minwidth > 0 ? c->tw->minwidth : 0);
		bool discardable = true;
		for (; this < l1; this++) {
			struct line *ln = &c->lines[this];
			if (column + 1 >= ln->ncells)
				break;
			size_t w = ln->cells[column].width +
				   (size_t)(c->tw->padding > 0 ? c->tw->padding : 0);
			if (w > width)
				width = w;
			if (ln->cells[column].width > 0)
				discardable = false;
		}
		if (discardable && (c->tw->flags & LP_TW_DISCARD_EMPTY_COLUMNS))
			width = 0;
		c->widths = tmpl_xrealloc(c->widths,
					  (c->nwidths + 1) * sizeof(size_t));
		c->widths[c->nwidths++] = width;
		format(c, l0, this);
		c->nwidths--;
		l0 = this;
		this--; /* the loop's ++ revisits the line that ended the block */
	}
	write_lines(c, l0, l1);
}

void lp_tabwriter_flush(struct lp_tabwriter *tw, struct strbuf *out)
{
	struct fmt_ctx c;
	const char *s = tw->buf.buf;
	size_t n = tw->buf.len, i = 0;

	memset(&c, 0, sizeof(c));
	c.tw = tw;
	c.out = out;
	while (i < n) {
		struct line ln = { NULL, 0 };
		size_t st = i;
		for (;; i++) {
			if (i == n || s[i] == '\t' || s[i] == '\n') {
				ln.cells = tmpl_xrealloc(ln.cells,
					(ln.ncells + 1) * sizeof(*ln.cells));
				ln.cells[ln.ncells].text = s + st;
				ln.cells[ln.ncells].len = i - st;
				ln.cells[ln.ncells].width = runes(s + st, i - st);
				ln.ncells++;
				if (i == n || s[i] == '\n')
					break;
				st = i + 1;
			}
		}
		c.lines = tmpl_xrealloc(c.lines, (c.nlines + 1) * sizeof(*c.lines));
		c.lines[c.nlines++] = ln;
		c.last_has_nl = i < n;
		if (i < n)
			i++;
	}
	format(&c, 0, c.nlines);
	for (size_t k = 0; k < c.nlines; k++)
		free(c.lines[k].cells);
	free(c.lines);
	free(c.widths);
	strbuf_reset(&tw->buf);
}
