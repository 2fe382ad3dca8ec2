/*
 * tmpl_driver: our side of the template differential test (see
 * tests/golden/template/gotmpl.go for the format).  Objects stored under
 * the keys that are Go maps in gotmpl.go's types are declared as maps.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../src/format/template.h"

static const char *const map_keys[] = { "Labels", "EmptyMap", NULL };

static void mark_maps(const cJSON *j, struct lp_tmpl_maps *maps)
{
	const cJSON *c;

	cJSON_ArrayForEach(c, j) {
		if (cJSON_IsObject(c) && c->string)
			for (size_t i = 0; map_keys[i]; i++)
				if (!strcmp(c->string, map_keys[i]))
					lp_tmpl_maps_add(maps, c);
		if (cJSON_IsObject(c) || cJSON_IsArray(c))
			mark_maps(c, maps);
	}
}

static char *read_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	struct strbuf sb = STRBUF_INIT;
	char buf[4096];
	size_t n;

	if (!f)
		return NULL;
	while ((n = fread(buf, 1, sizeof buf, f)) > 0)
		strbuf_add(&sb, buf, n);
	fclose(f);
	return strbuf_detach(&sb, NULL);
}

static char *unescape_line(const char *s)
{
	struct strbuf sb = STRBUF_INIT;

	for (size_t i = 0; s[i]; i++) {
		if (s[i] == '\\' && s[i + 1]) {
			char c = s[i + 1];
			if (c == 'n' || c == 't' || c == '\\') {
				strbuf_addch(&sb, c == 'n' ? '\n' : c == 't' ? '\t' : '\\');
				i++;
				continue;
			}
		}
		strbuf_addch(&sb, s[i]);
	}
	return strbuf_detach(&sb, NULL);
}

int main(int argc, char **argv)
{
	struct lp_tmpl_maps maps = LP_TMPL_MAPS_INIT;
	char *raw, *lines, *line, *save = NULL;
	cJSON *data;
	int n = 0;

	if (argc != 3) {
		fprintf(stderr, "usage: %s DATA.json TEMPLATES.txt\n", argv[0]);
		return 2;
	}
	raw = read_file(argv[1]);
	lines = read_file(argv[2]);
	if (!raw || !lines) {
		perror("read");
		return 2;
	}
	data = cJSON_Parse(raw);
	if (!data) {
		fprintf(stderr, "bad JSON\n");
		return 2;
	}
	mark_maps(data, &maps);
	for (line = strtok_r(lines, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		struct strbuf out = STRBUF_INIT;
		struct lp_template *t;
		char *err = NULL, *text;

		if (line[0] == '#' || !line[0])
			continue;
		printf("--- %d\n", ++n);
		text = unescape_line(line);
		t = lp_template_parse(text, &err);
		if (!t || lp_template_exec(t, data, &maps, &out, &err) < 0) {
			fprintf(stderr, "%d: %s\n", n, err);
			printf("ERROR\n");
		} else {
			fwrite(out.buf, 1, out.len, stdout);
			printf("\n");
		}
		free(err);
		free(text);
		lp_template_free(t);
		strbuf_release(&out);
	}
	cJSON_Delete(data);
	lp_tmpl_maps_release(&maps);
	free(raw);
	free(lines);
	return 0;
}
