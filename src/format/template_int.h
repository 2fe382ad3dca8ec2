/*
 * Internal to the template module: the syntax tree shared by the parser
 * (template_parse.c) and the executor (template_exec.c), and the value
 * formatting helpers (template_fmt.c).  Not part of the public API.
 */
#ifndef LILIPOD_FORMAT_TEMPLATE_INT_H
#define LILIPOD_FORMAT_TEMPLATE_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <cjson/cJSON.h>

#include "../util/strbuf.h"
#include "template.h"

enum tnode_kind {
	TN_LIST, TN_TEXT, TN_ACTION, TN_IF, TN_RANGE, TN_WITH,
	TN_BREAK, TN_CONTINUE,
	/* operands */
	TN_PIPE, TN_CMD, TN_FIELD, TN_VAR, TN_DOT, TN_NIL, TN_BOOL,
	TN_NUMBER, TN_STRING, TN_IDENT, TN_CHAIN,
};

struct tnode {
	enum tnode_kind kind;
	size_t pos, end;	/* source span, for error messages */
	int line;

	/* TN_LIST kids; TN_PIPE commands; TN_CMD arguments */
	struct tnode **kids;
	size_t nkids, akids;

	/* TN_TEXT / TN_STRING bytes (may contain NUL); TN_IDENT name */
	char *str;
	size_t len;

	/* TN_FIELD / TN_VAR / TN_CHAIN: identifiers (TN_VAR: [0] is "$x") */
	char **idents;
	size_t nidents;

	/* TN_NUMBER / TN_BOOL */
	bool is_int, is_float, b;
	long long ival;
	double fval;

	/* TN_ACTION/IF/RANGE/WITH: pipe; TN_CHAIN: operand */
	struct tnode *pipe;
	struct tnode *list, *elselist;

	/* TN_PIPE: declared variables and whether it is `=` (not `:=`) */
	char **decl;
	size_t ndecl;
	bool is_assign;
};

struct lp_template {
	char *src;
	struct tnode *root;
};

/* Runtime values: the subset of Go's reflect.Value kinds we need. */
enum tv_kind {
	TV_INVALID,	/* Go's zero reflect.Value: "<no value>" */
	TV_NIL,		/* nil pointer/interface (JSON null) */
	TV_BOOL, TV_INT, TV_FLOAT, TV_STRING,
	TV_ARRAY, TV_STRUCT, TV_MAP,
};

struct tval {
	enum tv_kind k;
	bool b;
	long long i;
	double f;
	const char *s;		/* TV_STRING: bytes, not NUL-terminated */
	size_t n;		/* TV_STRING length; TV_ARRAY element count */
	const cJSON *j;		/* TV_ARRAY/STRUCT/MAP node */
	size_t off;		/* TV_ARRAY: first element (for `slice`) */
};

/* Wrap a cJSON value (maps decides struct vs map). */
struct tval tv_from_json(const cJSON *j, const struct lp_tmpl_maps *maps);
struct tval tv_array_elem(const struct tval *a, size_t i,
			  const struct lp_tmpl_maps *maps);
const char *tv_type_name(const struct tval *v);

/* fmt-like printing; maps needed to walk nested values. */
void tv_print(struct strbuf *sb, const struct tval *v,
	      const struct lp_tmpl_maps *maps);
/* Go's fmt.Sprintf; args already evaluated. */
void tv_sprintf(struct strbuf *sb, const char *fmt, size_t fmtlen,
		const struct tval *args, size_t nargs,
		const struct lp_tmpl_maps *maps);
/* fmt.Sprint / fmt.Sprintln semantics */
void tv_sprint(struct strbuf *sb, const struct tval *args, size_t nargs,
	       bool ln, const struct lp_tmpl_maps *maps);
void tv_quote(struct strbuf *sb, const char *s, size_t n, bool ascii);
void tv_json(struct strbuf *sb, const struct tval *v,
	     const struct lp_tmpl_maps *maps);
void tv_fmt_float(struct strbuf *sb, double f, char verb, int prec);

/* abort-on-OOM allocation; TODO move to src/util/xalloc */
void *tmpl_xmalloc(size_t n);
void *tmpl_xrealloc(void *p, size_t n);
char *tmpl_xstrndup(const char *s, size_t n);

#endif
