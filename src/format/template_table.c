/*
 * Podman's report package conveniences on top of the template engine:
 * --format normalization, "table" detection, and table rendering through
 * the tabwriter (see template.h).
 */
#include "template_int.h"
#include "tabwriter.h"

#include <stdlib.h>
#include <string.h>

int lp_template_is_table(const char *fmt)
{
	/* report.HasTable is a plain prefix test */
	return strncmp(fmt, "table", 5) == 0;
}

char *lp_template_normalize(const char *fmt)
{
	struct strbuf sb = STRBUF_INIT;
	bool table = strncmp(fmt, "table ", 6) == 0;

	/* strings.Replacer semantics: at each position the first matching
	 * pattern (in argument order) wins, left to right, no rescans */
	for (size_t i = 0; fmt[i];) {
		if (table && !strncmp(fmt + i, "table ", 6)) {
			i += 6;
		} else if (fmt[i] == '\\' && fmt[i + 1] == 't') {
			strbuf_addch(&sb, '\t');
			i += 2;
		} else if (fmt[i] == '\\' && fmt[i + 1] == 'n') {
			strbuf_addch(&sb, '\n');
			i += 2;
		} else if (table && fmt[i] == ' ') {
			strbuf_addch(&sb, '\t');
			i++;
		} else {
			strbuf_addch(&sb, fmt[i++]);
		}
	}
	if (!sb.len || sb.buf[sb.len - 1] != '\n')
		strbuf_addch(&sb, '\n');
	return strbuf_detach(&sb, NULL);
}

int lp_template_render_table(const char *fmt, const cJSON *headers,
			     const cJSON *rows, const struct lp_tmpl_maps *maps,
			     struct strbuf *out, char **err)
{
	char *norm = lp_template_normalize(fmt);
	struct lp_template *t = lp_template_parse(norm, err);
	struct lp_tabwriter tw;
	struct strbuf text = STRBUF_INIT;
	const cJSON *row;
	int rc = -1;

	free(norm);
	if (!t)
		return -1;
	if (headers && lp_template_is_table(fmt) &&
	    lp_template_exec_header(t, headers, maps, &text, err) < 0)
		goto out;
	cJSON_ArrayForEach(row, rows)
		if (lp_template_exec(t, row, maps, &text, err) < 0)
			goto out;
	lp_tabwriter_init(&tw, 12, 2, 2, ' ', 0);
	lp_tabwriter_write(&tw, text.buf, text.len);
	lp_tabwriter_flush(&tw, out);
	lp_tabwriter_release(&tw);
	rc = 0;
out:
	strbuf_release(&text);
	lp_template_free(t);
	return rc;
}
