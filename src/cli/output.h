/*
 * output: what `images`, `ps`, `inspect` and `system df` print, as Podman does.
 *
 * Contract: pure helpers (no I/O except lp_output_* which write to a FILE).
 *   - Sizes: lp_human_size() is Podman's images/ps SIZE ("4.86 MB": go-units
 *     HumanSizeWithPrecision(n, 3) with a space before the unit);
 *     lp_human_size_compact() is go-units HumanSize ("2.141MB", 4 digits, no
 *     space) as `system df` prints. Decimal units, B kB MB GB TB PB EB ZB YB.
 *   - Durations: lp_human_duration() is go-units HumanDuration ("2 hours");
 *     lp_human_ago() appends " ago".
 *   - Times: lp_time_rfc3339() prints UTC RFC 3339 with Go's RFC3339Nano
 *     trimming ("2023-11-14T22:13:20Z"); lp_time_go() prints Go's
 *     time.Time.String() in UTC ("2023-11-14 22:13:20 +0000 UTC");
 *     lp_parse_rfc3339() reads either back.
 *   - JSON: lp_json_print_go() writes a cJSON value as Go's
 *     json.MarshalIndent does (HTML-safe escapes, "[]"/"{}" for empties).
 *   - --format: lp_format_is_json() is Podman's report.IsJSON ("json" or
 *     "{{json .}}"); lp_output_table() renders rows through the Go template
 *     engine and its tabwriter, with or without the header row.
 * Every returned string is new (free it).
 */
#ifndef LILIPOD_CLI_OUTPUT_H
#define LILIPOD_CLI_OUTPUT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <cjson/cJSON.h>

#include "../format/template.h"
#include "../util/error.h"
#include "../util/strbuf.h"

char *lp_human_size(double bytes);
char *lp_human_size_compact(double bytes);
char *lp_human_duration(int64_t seconds);
char *lp_human_ago(int64_t then, int64_t now);

char *lp_time_rfc3339(int64_t sec, long nsec);
char *lp_time_go(int64_t sec, long nsec);
/* 0 on success; -1 if s is not an RFC 3339 time. */
int lp_parse_rfc3339(const char *s, int64_t *sec, long *nsec);

/* indent: the string each level adds ("     " for inspect, "    " for
 * images --format json). */
void lp_json_print_go(struct strbuf *out, const cJSON *v, const char *indent);

bool lp_format_is_json(const char *fmt);

/* Render rows (a cJSON array) with fmt (a raw --format value). A "table"
 * format prints the header row made from headers unless noheading. Returns
 * 0, or -1 with err set to the template's error. */
int lp_output_table(FILE *out, const char *fmt, const cJSON *headers, const cJSON *rows,
                    const struct lp_tmpl_maps *maps, bool noheading, lp_error_t *err);

/* Go text/tabwriter with Podman's settings, over tab-separated text. */
void lp_tabwrite(struct strbuf *out, const char *text);

#endif
