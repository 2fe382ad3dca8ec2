/*
 * template: Go text/template, as Podman's --format uses it, over cJSON data.
 *
 * Contract:
 *   - lp_template_parse() compiles a template; on a bad template it returns
 *     NULL and sets *err to a malloc'ed message shaped like Go's
 *     ("template: output:1: function \"foo\" not defined").  It never exits.
 *   - lp_template_exec() runs it over a cJSON value and appends the result to
 *     `out`.  On an execution error it returns -1 and sets *err (the output
 *     produced before the error stays in `out`, as with Go).  0 on success.
 *   - The data is never modified and must outlive the call only.
 *   - Go distinguishes structs from maps; cJSON does not.  A cJSON object is
 *     a struct (printed "{v1 v2}" in member order, unknown field = error)
 *     unless it was declared a map with lp_tmpl_maps_add(); maps print as
 *     "map[k1:v1 k2:v2]" with sorted keys and behave as Go's
 *     map[string]string: `index` of a missing key yields "", `.Key` of a
 *     missing key yields Go's invalid value (printed "<no value>").
 *   - Numbers: integral values that fit in 53 bits act as Go ints, the rest
 *     as float64.  null acts as a nil pointer ("<nil>").
 *   - Functions: Go's builtins (and or not eq ne lt le gt ge len index slice
 *     print printf println html js urlquery) plus Podman's (json join lower
 *     upper title truncate split pad).
 *   - Every allocation failure aborts (see util/strbuf.h); all else is an
 *     error return.
 */
#ifndef LILIPOD_FORMAT_TEMPLATE_H
#define LILIPOD_FORMAT_TEMPLATE_H

#include <stddef.h>
#include <cjson/cJSON.h>

#include "../util/strbuf.h"

struct lp_template;

/* A set of cJSON objects that are Go maps rather than structs. */
struct lp_tmpl_maps {
	const cJSON **v;
	size_t n, alloc;
};
#define LP_TMPL_MAPS_INIT { NULL, 0, 0 }

void lp_tmpl_maps_add(struct lp_tmpl_maps *m, const cJSON *obj);
int lp_tmpl_maps_has(const struct lp_tmpl_maps *m, const cJSON *obj);
void lp_tmpl_maps_release(struct lp_tmpl_maps *m);

struct lp_template *lp_template_parse(const char *text, char **err);
/* maps may be NULL (every object is then a struct). */
int lp_template_exec(const struct lp_template *t, const cJSON *data,
		     const struct lp_tmpl_maps *maps, struct strbuf *out,
		     char **err);
void lp_template_free(struct lp_template *t);

/* Podman's report.HasTable: the format asks for a table with headers. */
int lp_template_is_table(const char *fmt);

/*
 * Podman's report.NormalizeFormat: for "table ..." drop the keyword (every
 * "table " occurrence, as Podman's strings.Replacer does), turn the two-char
 * sequences \t and \n into tab/newline and every space into a tab; otherwise
 * only the \t and \n escapes.  A trailing newline is added if missing.
 * Returns a malloc'ed string (never NULL).
 */
char *lp_template_normalize(const char *fmt);

/*
 * Render a Podman table: `fmt` is a raw --format value (with or without the
 * "table " prefix).  It is normalized, then when it is a table the header
 * row is produced by executing the template over `headers` (an object whose
 * members are the column titles, e.g. {"ID":"CONTAINER ID"}); then each
 * element of the `rows` array is executed.  Everything goes through a
 * tabwriter (minwidth 12, tabwidth 2, padding 2, ' ') as Podman's
 * report.NewWriterDefault.  headers may be NULL (no header row).
 */
int lp_template_render_table(const char *fmt, const cJSON *headers,
			     const cJSON *rows, const struct lp_tmpl_maps *maps,
			     struct strbuf *out, char **err);

#endif
