/* Unit tests for src/format/template and src/format/tabwriter. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "../../src/format/template.h"
#include "../../src/format/tabwriter.h"

static const char inspect_json[] =
	"{\"Id\":\"abc\",\"State\":{\"Status\":\"running\",\"Running\":true,"
	"\"ExitCode\":0,\"Pid\":42},\"Config\":{\"Env\":[\"SHELL=bash\","
	"\"HOME=/home/alice\",\"container=lilipod\",\"PATH=/usr/local/sbin:"
	"/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\"],\"Labels\":{\"manager\":"
	"\"distrobox\",\"distrobox.unshare_groups\":\"0\"}}}";

static cJSON *data;
static struct lp_tmpl_maps maps = LP_TMPL_MAPS_INIT;

static int setup(void **state)
{
	(void)state;
	data = cJSON_Parse(inspect_json);
	assert_non_null(data);
	lp_tmpl_maps_add(&maps, cJSON_GetObjectItem(cJSON_GetObjectItem(data, "Config"), "Labels"));
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	cJSON_Delete(data);
	lp_tmpl_maps_release(&maps);
	return 0;
}

/* Render; returns malloc'ed output or "ERR:<message>". */
static char *render_on(const char *tmpl, const cJSON *d,
		       const struct lp_tmpl_maps *m)
{
	struct strbuf out = STRBUF_INIT;
	char *err = NULL;
	struct lp_template *t = lp_template_parse(tmpl, &err);

	if (t && lp_template_exec(t, d, m, &out, &err) == 0) {
		lp_template_free(t);
		return strbuf_detach(&out, NULL);
	}
	lp_template_free(t);
	strbuf_release(&out);
	strbuf_adds(&out, "ERR:");
	strbuf_adds(&out, err);
	free(err);
	return strbuf_detach(&out, NULL);
}

#define CHECK(tmpl, want) do { \
	char *got_ = render_on(tmpl, data, &maps); \
	assert_string_equal(got_, want); \
	free(got_); \
} while (0)

#define CHECK_ERR(tmpl, substr) do { \
	char *got_ = render_on(tmpl, data, &maps); \
	if (strncmp(got_, "ERR:", 4) || !strstr(got_, substr)) \
		fail_msg("%s: got %s", tmpl, got_); \
	free(got_); \
} while (0)

static void test_distrobox(void **state)
{
	(void)state;
	CHECK("{{.State.Status}}", "running");
	CHECK("{{ index .Config.Labels \"distrobox.unshare_groups\" }}", "0");
	CHECK("{{ index .Config.Labels \"nope\" }}", "");
	CHECK("{{range .Config.Env}}{{if and (ge (len .) 5) (eq (slice . 0 5) \"HOME=\")}}{{slice . 5}}{{end}}{{end}}",
	      "/home/alice");
	CHECK("{{range .Config.Env}}{{if slice . 0 5 | eq \"HOME=\"}}{{slice . 5}}{{end}}{{end}}",
	      "/home/alice");
	CHECK("container_status={{.State.Status}};\n"
	      "\tunshare_groups={{ index .Config.Labels \"distrobox.unshare_groups\" }};\n"
	      "\t{{range .Config.Env}}{{if and (ge (len .) 5) (eq (slice . 0 5) \"HOME=\")}}container_home={{slice . 5 | printf \"%q\"}}{{end}}{{end}};\n"
	      "\t{{range .Config.Env}}{{if and (ge (len .) 5) (eq (slice . 0 5) \"PATH=\")}}container_path={{slice . 5 | printf \"%q\"}}{{end}}{{end}}",
	      "container_status=running;\n"
	      "\tunshare_groups=0;\n"
	      "\tcontainer_home=\"/home/alice\";\n"
	      "\tcontainer_path=\"/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\"");
}

static void test_ps_format(void **state)
{
	const char *js = "{\"ID\":\"abc123\",\"Image\":\"docker.io/library/alpine:latest\","
		"\"Names\":\"box1\",\"Status\":\"Created\",\"Labels\":{\"manager\":\"distrobox\","
		"\"distrobox.unshare_groups\":\"0\"},\"Mounts\":[\"/tmp\",\"/usr/bin/entrypoint\",\"/run/host\"]}";
	cJSON *ps = cJSON_Parse(js);
	struct lp_tmpl_maps m = LP_TMPL_MAPS_INIT;
	char *got;

	(void)state;
	lp_tmpl_maps_add(&m, cJSON_GetObjectItem(ps, "Labels"));
	got = render_on("{{.ID}}|{{.Image}}|{{.Names}}|{{.Status}}|{{.Labels}}{{.Mounts}}", ps, &m);
	assert_string_equal(got, "abc123|docker.io/library/alpine:latest|box1|Created|"
			    "map[distrobox.unshare_groups:0 manager:distrobox][/tmp /usr/bin/entrypoint /run/host]");
	free(got);
	/* without the map declaration the object is a struct */
	got = render_on("{{.Labels}}", ps, NULL);
	assert_string_equal(got, "{distrobox 0}");
	free(got);
	cJSON_Delete(ps);
	lp_tmpl_maps_release(&m);
}

static void test_features(void **state)
{
	(void)state;
	CHECK("a  {{- .Id -}}  b", "aabcb");
	CHECK("{{/* c */}}x", "x");
	CHECK("{{$x := .State.Pid}}{{$x = 7}}{{$x}}", "7");
	CHECK("{{range $i, $e := .Config.Env}}{{if gt $i 1}}{{break}}{{end}}{{$i}}{{end}}", "01");
	CHECK("{{with .State}}{{.Status}}{{else}}none{{end}}", "running");
	CHECK("{{if not .State.ExitCode}}ok{{end}}", "ok");
	CHECK("{{.State}}", "{running true 0 42}");
	CHECK("{{.Config.Labels}}", "map[distrobox.unshare_groups:0 manager:distrobox]");
	CHECK("{{.Config.Labels.nope}}", "<no value>");
	CHECK("{{printf \"%5s|%-4d|%x|%%|%t|%.2f\" \"ab\" 3 255 true 2.5}}", "   ab|3   |ff|%|true|2.50");
	CHECK("{{printf \"%q\" \"\\xff\\t\\u00e9\\u00a0\"}}", "\"\\xff\\té\\u00a0\"");
	CHECK("{{json .State}}", "{\"Status\":\"running\",\"Running\":true,\"ExitCode\":0,\"Pid\":42}");
	CHECK("{{json .Config.Labels}}", "{\"distrobox.unshare_groups\":\"0\",\"manager\":\"distrobox\"}");
	CHECK("{{join .Config.Env \",\" | len}}", "111");
	CHECK("{{upper \"abc\"}}{{lower \"DEF\"}}{{title \"go lang\"}}{{truncate \"abcdef\" 3}}", "ABCdefGo Langabc");
	CHECK("{{eq 1 2 1}} {{ne \"a\" \"b\"}} {{lt 1.5 2.5}}", "true true true");
	CHECK("{{or 0 \"\" \"x\"}} {{and 1 0 2}}", "x 0");
	CHECK("{{index .Config.Env 1 | printf \"%s\"}}", "HOME=/home/alice");
}

static void test_errors(void **state)
{
	(void)state;
	CHECK_ERR("{{foo .}}", "template: output:1: function \"foo\" not defined");
	CHECK_ERR("{{.Nope}}", "can't evaluate field Nope");
	CHECK_ERR("{{if .Id}}x", "unexpected EOF");
	CHECK_ERR("{{end}}", "unexpected {{end}}");
	CHECK_ERR("{{$x}}", "undefined variable \"$x\"");
	CHECK_ERR("{{index .Config.Env 9}}", "index out of range: 9");
	CHECK_ERR("{{slice .Id 2 1}}", "invalid slice index");
	CHECK_ERR("{{eq 1 \"a\"}}", "incompatible types for comparison");
	CHECK_ERR("{{\"x}}", "unterminated quoted string");
	CHECK_ERR("{{(1 2}}", "");
	CHECK_ERR("{{len 3}}", "len of type int");
	/* a NULL err pointer is allowed */
	assert_null(lp_template_parse("{{", NULL));
}

static void test_normalize(void **state)
{
	char *s;
	(void)state;
	s = lp_template_normalize("{{.ID}}\\t{{.ID}}");
	assert_string_equal(s, "{{.ID}}\t{{.ID}}\n");
	free(s);
	s = lp_template_normalize("{{.ID}} {{.ID}}");
	assert_string_equal(s, "{{.ID}} {{.ID}}\n");
	free(s);
	s = lp_template_normalize("table {{.ID}} {{.ID}}");
	assert_string_equal(s, "{{.ID}}\t{{.ID}}\n");
	free(s);
	s = lp_template_normalize("table {{.ID}}\\t{{.ID}}\n");
	assert_string_equal(s, "{{.ID}}\t{{.ID}}\n");
	free(s);
	assert_true(lp_template_is_table("table {{.ID}}"));
	assert_false(lp_template_is_table("{{.ID}}"));
}

static void tw(const char *in, int minw, int tabw, int pad, char pc,
	       unsigned flags, const char *want)
{
	struct lp_tabwriter w;
	struct strbuf out = STRBUF_INIT;

	lp_tabwriter_init(&w, minw, tabw, pad, pc, flags);
	lp_tabwriter_write(&w, in, strlen(in));
	lp_tabwriter_flush(&w, &out);
	assert_string_equal(out.buf, want);
	strbuf_release(&out);
	lp_tabwriter_release(&w);
}

static void test_tabwriter(void **state)
{
	(void)state;
	/* containers/common report writer tests */
	tw("Hello\tWorld", 4, 8, 1, ':', 0, "Hello:World");
	tw("Be\tGood", 4, 8, 1, ':', 0, "Be::Good");
	tw("a46001bfea3a4172b46c173101208244\tRandom\tuuid", 12, 2, 2, ' ', 0,
	   "a46001bfea3a4172b46c173101208244  Random      uuid");
	tw("a\tbb\tc\naaa\tb\tc\n", 0, 8, 1, '.', 0, "a...bb.c\naaa.b..c\n");
	/* a line without cells breaks the column block */
	tw("a\tb\nno cells\nlonger\tx\n", 0, 8, 1, ' ', 0, "a b\nno cells\nlonger x\n");
	tw("日本\tx\nab\ty\n", 0, 8, 1, '-', 0, "日本-x\nab-y\n");
	/* expectations produced by Go's text/tabwriter */
	tw("a\tb\naaa\tc\n", 0, 8, 1, ' ', LP_TW_ALIGN_RIGHT, "   ab\n aaac\n");
	tw("x\ty\n", 0, 8, 1, '\t', 0, "x\ty\n");
	tw("a\t\tc\nbb\t\td\n", 0, 4, 1, '\t', 0, "a\t\tc\nbb\t\td\n");
}

static void test_table(void **state)
{
	cJSON *rows = cJSON_Parse("[{\"ID\":\"abc\",\"Names\":\"box1\"},{\"ID\":\"defdef\",\"Names\":\"b\"}]");
	cJSON *hdr = cJSON_Parse("{\"ID\":\"CONTAINER ID\",\"Names\":\"NAMES\"}");
	struct strbuf out = STRBUF_INIT;
	char *err = NULL;

	(void)state;
	assert_int_equal(lp_template_render_table("table {{.ID}}\\t{{.Names | upper}}", hdr, rows,
						  NULL, &out, &err), 0);
	assert_string_equal(out.buf, "CONTAINER ID  NAMES\nabc           BOX1\ndefdef        B\n");
	strbuf_release(&out);
	assert_int_equal(lp_template_render_table("{{.ID}}", hdr, rows, NULL, &out, &err), 0);
	assert_string_equal(out.buf, "abc\ndefdef\n");
	strbuf_release(&out);
	assert_int_equal(lp_template_render_table("{{.Nope}}", hdr, rows, NULL, &out, &err), -1);
	assert_non_null(strstr(err, "can't evaluate field Nope"));
	free(err);
	strbuf_release(&out);
	cJSON_Delete(rows);
	cJSON_Delete(hdr);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_distrobox),
		cmocka_unit_test(test_ps_format),
		cmocka_unit_test(test_features),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_normalize),
		cmocka_unit_test(test_tabwriter),
		cmocka_unit_test(test_table),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
