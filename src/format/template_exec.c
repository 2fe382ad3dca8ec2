/*
 * Executor for parsed templates (see template.h), following Go's
 * text/template exec.go semantics: evaluation of fields, variables,
 * pipelines (the previous stage's value becomes the last argument),
 * if/with/range scoping, and the builtin + Podman functions.
 *
 * Values created while running (printf results, lower-cased strings,
 * split arrays) live in a per-execution arena freed at the end, so tval
 * can be a plain value type that borrows its bytes.
 */
#include "template_int.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { WALK_OK = 0, WALK_ERR = -1, WALK_BREAK = 1, WALK_CONTINUE = 2 };

struct var {
	const char *name;
	struct tval v;
};

struct state {
	const struct lp_template *t;
	const struct lp_tmpl_maps *maps;
	struct strbuf *out;
	char *err;
	struct var *vars;
	size_t nvars, avars;
	char **arena;
	size_t narena, aarena;
	cJSON **jarena;
	size_t njarena, ajarena;
	const struct tnode *at;	/* node being evaluated, for errors */
	bool header;		/* Podman header mode: formatting funcs are identity */
	int depth;
};

#define MAX_DEPTH 10000

static void *arena_keep(struct state *s, char *p)
{
	if (s->narena == s->aarena) {
		s->aarena = s->aarena ? s->aarena * 2 : 16;
		s->arena = tmpl_xrealloc(s->arena, s->aarena * sizeof(char *));
	}
	s->arena[s->narena++] = p;
	return p;
}

static cJSON *jarena_keep(struct state *s, cJSON *j)
{
	if (!j) {
		fputs("fatal: out of memory\n", stderr);
		abort();
	}
	if (s->njarena == s->ajarena) {
		s->ajarena = s->ajarena ? s->ajarena * 2 : 4;
		s->jarena = tmpl_xrealloc(s->jarena, s->ajarena * sizeof(cJSON *));
	}
	s->jarena[s->njarena++] = j;
	return j;
}

static struct tval str_val(struct state *s, struct strbuf *sb)
{
	struct tval v;
	memset(&v, 0, sizeof(v));
	v.k = TV_STRING;
	v.n = sb->len;
	v.s = arena_keep(s, strbuf_detach(sb, NULL));
	return v;
}

static struct tval mk(enum tv_kind k)
{
	struct tval v;
	memset(&v, 0, sizeof(v));
	v.k = k;
	return v;
}

__attribute__((format(printf, 2, 3)))
static int xerr(struct state *s, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;
	struct strbuf sb = STRBUF_INIT;

	if (s->err)
		return WALK_ERR;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	if (s->at) {
		const char *src = s->t->src;
		size_t pos = s->at->pos, ls = pos;
		int line = 1;
		while (ls > 0 && src[ls - 1] != '\n')
			ls--;
		for (size_t i = 0; i < pos; i++)
			line += src[i] == '\n';
		size_t len = s->at->end > pos ? s->at->end - pos : 0;
		strbuf_addf(&sb, "template: output:%d:%zu: executing \"output\" at <%.*s>: %s",
			    line, pos - ls, (int)len, src + pos, buf);
	} else {
		strbuf_addf(&sb, "template: output: %s", buf);
	}
	s->err = strbuf_detach(&sb, NULL);
	return WALK_ERR;
}

static bool truth(const struct tval *v)
{
	switch (v->k) {
	case TV_INVALID: case TV_NIL: return false;
	case TV_BOOL: return v->b;
	case TV_INT: return v->i != 0;
	case TV_FLOAT: return v->f != 0;
	case TV_STRING: return v->n > 0;
	case TV_ARRAY: return v->n > 0;
	case TV_MAP: return cJSON_GetArraySize(v->j) > 0;
	case TV_STRUCT: return true;
	}
	return false;
}

/* ---- variables --------------------------------------------------------- */

static void push_var(struct state *s, const char *name, struct tval v)
{
	if (s->nvars == s->avars) {
		s->avars = s->avars ? s->avars * 2 : 8;
		s->vars = tmpl_xrealloc(s->vars, s->avars * sizeof(*s->vars));
	}
	s->vars[s->nvars].name = name;
	s->vars[s->nvars].v = v;
	s->nvars++;
}

static struct var *find_var(struct state *s, const char *name)
{
	for (size_t i = s->nvars; i-- > 0;)
		if (!strcmp(s->vars[i].name, name))
			return &s->vars[i];
	return NULL;
}

/* ---- evaluation -------------------------------------------------------- */

static int eval_pipeline(struct state *s, struct tval dot,
			 const struct tnode *pipe, struct tval *res,
			 bool declare);
static int eval_arg(struct state *s, struct tval dot, const struct tnode *n,
		    struct tval *res);

/* One field step.  has_args: arguments were supplied (fields can't take
 * them; we have no methods). */
static int eval_field(struct state *s, const char *name, struct tval recv,
		      bool has_args, struct tval *res)
{
	switch (recv.k) {
	case TV_INVALID:
		*res = mk(TV_INVALID);
		return 0;
	case TV_STRUCT: {
		const cJSON *f = cJSON_GetObjectItemCaseSensitive(recv.j, name);
		if (!f)
			break;
		if (has_args)
			return xerr(s, "%s has arguments but cannot be invoked as function", name);
		*res = tv_from_json(f, s->maps);
		return 0;
	}
	case TV_MAP: {
		if (has_args)
			return xerr(s, "%s is not a method but has arguments", name);
		const cJSON *f = cJSON_GetObjectItemCaseSensitive(recv.j, name);
		*res = f ? tv_from_json(f, s->maps) : mk(TV_INVALID);
		return 0;
	}
	case TV_NIL:
		return xerr(s, "nil pointer evaluating %s.%s", "interface {}", name);
	default:
		break;
	}
	return xerr(s, "can't evaluate field %s in type %s", name,
		    tv_type_name(&recv));
}

static int eval_chain(struct state *s, struct tval recv, char *const *idents,
		      size_t n, bool has_args, struct tval *res)
{
	for (size_t i = 0; i < n; i++)
		if (eval_field(s, idents[i], recv, has_args && i == n - 1,
			       &recv) < 0)
			return WALK_ERR;
	*res = recv;
	return 0;
}

static int number_val(const struct tnode *n, struct tval *res)
{
	/* Go: a constant with . e E is a float, otherwise an int */
	if (n->is_float) {
		*res = mk(TV_FLOAT);
		res->f = n->fval;
	} else {
		*res = mk(TV_INT);
		res->i = n->ival;
	}
	return 0;
}

static int call_func(struct state *s, struct tval dot, const struct tnode *fn,
		     const struct tnode *cmd, bool has_final, struct tval final,
		     struct tval *res);

static int not_a_function(struct state *s, const struct tnode *cmd,
			  bool has_final)
{
	if (cmd->nkids > 1 || has_final) {
		const struct tnode *a = cmd->kids[0];
		return xerr(s, "can't give argument to non-function %.*s",
			    (int)(a->end - a->pos), s->t->src + a->pos);
	}
	return 0;
}

static int eval_command(struct state *s, struct tval dot,
			const struct tnode *cmd, bool has_final,
			struct tval final, struct tval *res)
{
	const struct tnode *w = cmd->kids[0];
	bool has_args = cmd->nkids > 1 || has_final;

	s->at = w;
	switch (w->kind) {
	case TN_FIELD:
		return eval_chain(s, dot, w->idents, w->nidents, has_args, res);
	case TN_CHAIN: {
		struct tval v;
		if (w->pipe->kind == TN_NIL)
			return xerr(s, "indirection through explicit nil");
		if (eval_arg(s, dot, w->pipe, &v) < 0)
			return WALK_ERR;
		s->at = w;
		return eval_chain(s, v, w->idents, w->nidents, has_args, res);
	}
	case TN_IDENT:
		return call_func(s, dot, w, cmd, has_final, final, res);
	case TN_PIPE:
		if (not_a_function(s, cmd, has_final) < 0)
			return WALK_ERR;
		return eval_pipeline(s, dot, w, res, false);
	case TN_VAR: {
		struct var *v = find_var(s, w->idents[0]);
		if (!v)
			return xerr(s, "undefined variable: %s", w->idents[0]);
		if (w->nidents == 1) {
			if (not_a_function(s, cmd, has_final) < 0)
				return WALK_ERR;
			*res = v->v;
			return 0;
		}
		return eval_chain(s, v->v, w->idents + 1, w->nidents - 1,
				  has_args, res);
	}
	default:
		break;
	}
	if (not_a_function(s, cmd, has_final) < 0)
		return WALK_ERR;
	switch (w->kind) {
	case TN_BOOL:
		*res = mk(TV_BOOL);
		res->b = w->b;
		return 0;
	case TN_DOT:
		*res = dot;
		return 0;
	case TN_NIL:
		return xerr(s, "nil is not a command");
	case TN_NUMBER:
		return number_val(w, res);
	case TN_STRING:
		*res = mk(TV_STRING);
		res->s = w->str;
		res->n = w->len;
		return 0;
	default:
		return xerr(s, "can't evaluate command");
	}
}

/* An argument: like a command of one word, but a function name is called
 * with no arguments and nil is allowed (as Go's untyped nil). */
static int eval_arg(struct state *s, struct tval dot, const struct tnode *n,
		    struct tval *res)
{
	struct tnode cmd;
	struct tnode *kids[1];
	struct tval none = mk(TV_INVALID);

	s->at = n;
	switch (n->kind) {
	case TN_NIL:
		*res = mk(TV_NIL);
		return 0;
	case TN_PIPE:
		return eval_pipeline(s, dot, n, res, false);
	default:
		break;
	}
	memset(&cmd, 0, sizeof(cmd));
	cmd.kind = TN_CMD;
	kids[0] = (struct tnode *)n;
	cmd.kids = kids;
	cmd.nkids = 1;
	return eval_command(s, dot, &cmd, false, none, res);
}

static int eval_pipeline(struct state *s, struct tval dot,
			 const struct tnode *pipe, struct tval *res,
			 bool declare)
{
	struct tval v = mk(TV_INVALID);
	bool has_final = false;

	if (++s->depth > MAX_DEPTH)
		return xerr(s, "exceeded maximum template depth (%d)", MAX_DEPTH);
	for (size_t i = 0; i < pipe->nkids; i++) {
		struct tval nv;
		if (eval_command(s, dot, pipe->kids[i], has_final, v, &nv) < 0)
			return WALK_ERR;
		v = nv;
		has_final = true;
	}
	s->depth--;
	if (declare) {
		for (size_t i = 0; i < pipe->ndecl; i++) {
			if (pipe->is_assign) {
				struct var *x = find_var(s, pipe->decl[i]);
				if (x)
					x->v = v;
			} else {
				push_var(s, pipe->decl[i], v);
			}
		}
	}
	*res = v;
	return 0;
}

/* ---- functions --------------------------------------------------------- */

static int want_args(struct state *s, const char *name, size_t got,
		     size_t min, size_t max)
{
	if (got < min || got > max) {
		if (min == max)
			return xerr(s, "wrong number of args for %s: want %zu got %zu",
				    name, min, got);
		return xerr(s, "wrong number of args for %s: want at least %zu got %zu",
			    name, min, got);
	}
	return 0;
}

/* Arguments to Go functions declared with reflect.Value parameters cannot
 * be Go's invalid value. */
static int need_valid(struct state *s, const struct tval *v)
{
	if (v->k == TV_INVALID)
		return xerr(s, "invalid value; expected reflect.Value");
	return 0;
}

static int need_string(struct state *s, const struct tval *v)
{
	if (v->k == TV_INVALID)
		return xerr(s, "invalid value; expected string");
	if (v->k != TV_STRING)
		return xerr(s, "wrong type for value; expected string; got %s",
			    tv_type_name(v));
	return 0;
}

static int need_int(struct state *s, const struct tval *v)
{
	if (v->k == TV_INVALID)
		return xerr(s, "invalid value; expected int");
	if (v->k != TV_INT)
		return xerr(s, "wrong type for value; expected int; got %s",
			    tv_type_name(v));
	return 0;
}

enum basic { B_BAD, B_BOOL, B_INT, B_FLOAT, B_STRING };

static enum basic basic_kind(const struct tval *v)
{
	switch (v->k) {
	case TV_BOOL: return B_BOOL;
	case TV_INT: return B_INT;
	case TV_FLOAT: return B_FLOAT;
	case TV_STRING: return B_STRING;
	default: return B_BAD;
	}
}

static int str_cmp(const struct tval *a, const struct tval *b)
{
	size_t n = a->n < b->n ? a->n : b->n;
	int c = memcmp(a->s, b->s, n);
	if (c)
		return c;
	return a->n < b->n ? -1 : a->n > b->n;
}

static int fn_eq(struct state *s, const char *name, struct tval *a, size_t n,
		 bool *out)
{
	enum basic k1 = basic_kind(&a[0]);

	if (n < 2)
		return xerr(s, "error calling %s: missing argument for comparison", name);
	*out = false;
	for (size_t i = 1; i < n; i++) {
		enum basic k2 = basic_kind(&a[i]);
		bool t = false;
		if (k1 != k2) {
			if (a[0].k != TV_NIL && a[i].k != TV_NIL)
				return xerr(s, "error calling %s: incompatible types for comparison", name);
			t = false;
		} else {
			switch (k1) {
			case B_BOOL: t = a[0].b == a[i].b; break;
			case B_INT: t = a[0].i == a[i].i; break;
			case B_FLOAT: t = a[0].f == a[i].f; break;
			case B_STRING: t = str_cmp(&a[0], &a[i]) == 0; break;
			case B_BAD:
				if (a[0].k == TV_NIL && a[i].k == TV_NIL) {
					t = true;
					break;
				}
				return xerr(s, "error calling %s: non-comparable type %s",
					    name, tv_type_name(&a[i]));
			}
		}
		if (t) {
			*out = true;
			return 0;
		}
	}
	return 0;
}

static int fn_lt(struct state *s, const char *name, struct tval *a, int *cmp)
{
	enum basic k1 = basic_kind(&a[0]), k2 = basic_kind(&a[1]);

	if (k1 == B_BAD || k2 == B_BAD || k1 == B_BOOL || k2 == B_BOOL)
		return xerr(s, "error calling %s: invalid type for comparison", name);
	if (k1 != k2)
		return xerr(s, "error calling %s: incompatible types for comparison", name);
	switch (k1) {
	case B_INT: *cmp = (a[0].i > a[1].i) - (a[0].i < a[1].i); break;
	case B_FLOAT: *cmp = (a[0].f > a[1].f) - (a[0].f < a[1].f); break;
	default: *cmp = str_cmp(&a[0], &a[1]); break;
	}
	return 0;
}

static int index_int(struct state *s, const char *fname, const struct tval *v,
		     long long *out)
{
	if (v->k == TV_INT) {
		*out = v->i;
		return 0;
	}
	if (v->k == TV_NIL || v->k == TV_INVALID)
		return xerr(s, "error calling %s: cannot index slice/array with nil", fname);
	return xerr(s, "error calling %s: cannot index slice/array with type %s",
		    fname, tv_type_name(v));
}

static int fn_index(struct state *s, struct tval *a, size_t n, struct tval *res)
{
	struct tval item = a[0];

	if (item.k == TV_NIL)
		return xerr(s, "error calling index: index of untyped nil");
	for (size_t i = 1; i < n; i++) {
		long long x;
		switch (item.k) {
		case TV_ARRAY:
		case TV_STRING:
			if (index_int(s, "index", &a[i], &x) < 0)
				return WALK_ERR;
			if (x < 0 || (size_t)x >= item.n)
				return xerr(s, "error calling index: index out of range: %lld", x);
			if (item.k == TV_STRING) {
				long long byte = (unsigned char)item.s[x];
				item = mk(TV_INT);
				item.i = byte;
			} else {
				item = tv_array_elem(&item, (size_t)x, s->maps);
			}
			break;
		case TV_MAP: {
			if (a[i].k != TV_STRING)
				return xerr(s, "error calling index: value has type %s; should be string",
					    tv_type_name(&a[i]));
			char *key = tmpl_xstrndup(a[i].s, a[i].n);
			const cJSON *f = cJSON_GetObjectItemCaseSensitive(item.j, key);
			free(key);
			if (f && strlen(f->string) == a[i].n) {
				item = tv_from_json(f, s->maps);
			} else {
				/* missing key: zero value of map[string]string */
				item = mk(TV_STRING);
				item.s = "";
			}
			break;
		}
		case TV_INVALID:
			return xerr(s, "error calling index: index of untyped nil");
		default:
			return xerr(s, "error calling index: can't index item of type %s",
				    tv_type_name(&item));
		}
	}
	*res = item;
	return 0;
}

static int fn_slice(struct state *s, struct tval *a, size_t n, struct tval *res)
{
	struct tval item = a[0];
	long long idx[3] = { 0, 0, 0 };
	size_t cap;

	if (item.k != TV_STRING && item.k != TV_ARRAY) {
		if (item.k == TV_NIL || item.k == TV_INVALID)
			return xerr(s, "error calling slice: slice of untyped nil");
		return xerr(s, "error calling slice: can't slice item of type %s",
			    tv_type_name(&item));
	}
	if (n > 4)
		return xerr(s, "error calling slice: too many slice indexes: %zu", n - 1);
	if (item.k == TV_STRING && n == 4)
		return xerr(s, "error calling slice: cannot 3-index slice a string");
	cap = item.n;
	idx[1] = (long long)item.n;
	for (size_t i = 1; i < n; i++) {
		if (index_int(s, "slice", &a[i], &idx[i - 1]) < 0)
			return WALK_ERR;
		if (idx[i - 1] < 0 || (size_t)idx[i - 1] > cap)
			return xerr(s, "error calling slice: index out of range: %lld",
				    idx[i - 1]);
	}
	if (idx[0] > idx[1])
		return xerr(s, "error calling slice: invalid slice index: %lld > %lld",
			    idx[0], idx[1]);
	if (n == 4 && idx[1] > idx[2])
		return xerr(s, "error calling slice: invalid slice index: %lld > %lld",
			    idx[1], idx[2]);
	*res = item;
	if (item.k == TV_STRING)
		res->s = item.s + idx[0];
	else
		res->off = item.off + (size_t)idx[0];
	res->n = (size_t)(idx[1] - idx[0]);
	return 0;
}

/* text/template's evalArgs: a lone string as is, else fmt.Sprint */
static void args_string(struct state *s, struct tval *a, size_t n,
			struct strbuf *sb)
{
	if (n == 1 && a[0].k == TV_STRING)
		strbuf_add(sb, a[0].s, a[0].n);
	else
		tv_sprint(sb, a, n, false, s->maps);
}

static void html_escape(struct strbuf *out, const char *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		switch (p[i]) {
		case '"': strbuf_adds(out, "&#34;"); break;
		case '\'': strbuf_adds(out, "&#39;"); break;
		case '&': strbuf_adds(out, "&amp;"); break;
		case '<': strbuf_adds(out, "&lt;"); break;
		case '>': strbuf_adds(out, "&gt;"); break;
		case '\0': strbuf_adds(out, "\xef\xbf\xbd"); break;
		default: strbuf_addch(out, p[i]);
		}
	}
}

static void url_escape(struct strbuf *out, const char *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)p[i];
		if (isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~')
			strbuf_addch(out, c);
		else if (c == ' ')
			strbuf_addch(out, '+');
		else
			strbuf_addf(out, "%%%02X", c);
	}
}

static void js_escape(struct strbuf *out, const char *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)p[i];
		switch (c) {
		case '\\': strbuf_adds(out, "\\\\"); break;
		case '\'': strbuf_adds(out, "\\'"); break;
		case '"': strbuf_adds(out, "\\\""); break;
		case '<': strbuf_adds(out, "\\u003C"); break;
		case '>': strbuf_adds(out, "\\u003E"); break;
		case '&': strbuf_adds(out, "\\u0026"); break;
		case '=': strbuf_adds(out, "\\u003D"); break;
		case '\n': strbuf_adds(out, "\\n"); break;
		case '\r': strbuf_adds(out, "\\r"); break;
		case '\t': strbuf_adds(out, "\\t"); break;
		default:
			if (c < ' ')
				strbuf_addf(out, "\\u%04X", c);
			else
				strbuf_addch(out, c);
		}
	}
}

static void title_case(struct strbuf *out, const char *p, size_t n)
{
	/* strings.Title: upper-case letters that start a word */
	bool prev_sep = true;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)p[i];
		strbuf_addch(out, prev_sep && c < 0x80 ? toupper(c) : c);
		if (c < 0x80)
			prev_sep = !(isalnum(c) || c == '_');
		else
			prev_sep = false;
	}
}

static int call_func(struct state *s, struct tval dot, const struct tnode *fn,
		     const struct tnode *cmd, bool has_final, struct tval final,
		     struct tval *res)
{
	const char *name = fn->str;
	size_t nargs = cmd->nkids - 1 + (has_final ? 1 : 0);
	struct tval *a;
	int rc = WALK_ERR;
	struct strbuf sb = STRBUF_INIT;

	/* and/or evaluate lazily and return the deciding operand */
	if (!strcmp(name, "and") || !strcmp(name, "or")) {
		bool is_or = name[0] == 'o';
		struct tval v = mk(TV_INVALID);
		if (want_args(s, name, nargs, 1, (size_t)-1) < 0)
			return WALK_ERR;
		for (size_t i = 1; i < cmd->nkids; i++) {
			if (eval_arg(s, dot, cmd->kids[i], &v) < 0)
				return WALK_ERR;
			if (need_valid(s, &v) < 0)
				return WALK_ERR;
			if (truth(&v) == is_or) {
				*res = v;
				return 0;
			}
		}
		if (has_final) {
			s->at = fn;
			if (need_valid(s, &final) < 0)
				return WALK_ERR;
			v = final;
		}
		*res = v;
		return 0;
	}

	a = tmpl_xmalloc((nargs ? nargs : 1) * sizeof(*a));
	for (size_t i = 1; i < cmd->nkids; i++)
		if (eval_arg(s, dot, cmd->kids[i], &a[i - 1]) < 0)
			goto out;
	if (has_final)
		a[nargs - 1] = final;
	s->at = fn;

	if (!strcmp(name, "print") || !strcmp(name, "println") ||
	    !strcmp(name, "printf")) {
		for (size_t i = 0; i < nargs; i++)
			if (a[i].k == TV_INVALID)
				a[i].k = TV_NIL; /* untyped nil interface */
		if (name[5] == 'f') {
			if (want_args(s, name, nargs, 1, (size_t)-1) < 0 ||
			    need_string(s, &a[0]) < 0)
				goto out;
			tv_sprintf(&sb, a[0].s, a[0].n, a + 1, nargs - 1, s->maps);
		} else {
			tv_sprint(&sb, a, nargs, name[5] == 'l', s->maps);
		}
		*res = str_val(s, &sb);
		rc = 0;
		goto out;
	}
	if (!strcmp(name, "html") || !strcmp(name, "js") ||
	    !strcmp(name, "urlquery")) {
		struct strbuf in = STRBUF_INIT;
		for (size_t i = 0; i < nargs; i++)
			if (a[i].k == TV_INVALID)
				a[i].k = TV_NIL;
		args_string(s, a, nargs, &in);
		if (name[0] == 'h')
			html_escape(&sb, in.buf, in.len);
		else if (name[0] == 'j')
			js_escape(&sb, in.buf, in.len);
		else
			url_escape(&sb, in.buf, in.len);
		strbuf_release(&in);
		*res = str_val(s, &sb);
		rc = 0;
		goto out;
	}
	if (!strcmp(name, "call")) {
		xerr(s, "error calling call: no functions can be called");
		goto out;
	}

	/* Podman's header mode: keep the column title intact */
	if (s->header && (!strcmp(name, "json") || !strcmp(name, "lower") ||
			  !strcmp(name, "upper") || !strcmp(name, "title") ||
			  !strcmp(name, "truncate") || !strcmp(name, "split") ||
			  !strcmp(name, "join"))) {
		if (nargs < 1) {
			want_args(s, name, nargs, 1, 1);
			goto out;
		}
		*res = a[0];
		rc = 0;
		goto out;
	}

	if (!strcmp(name, "json")) {
		if (want_args(s, name, nargs, 1, 1) < 0)
			goto out;
		tv_json(&sb, &a[0], s->maps);
		*res = str_val(s, &sb);
		rc = 0;
		goto out;
	}

	/* the rest take reflect.Value or typed parameters: no invalid values */
	if (!strcmp(name, "not")) {
		if (want_args(s, name, nargs, 1, 1) < 0 || need_valid(s, &a[0]) < 0)
			goto out;
		*res = mk(TV_BOOL);
		res->b = !truth(&a[0]);
		rc = 0;
	} else if (!strcmp(name, "eq") || !strcmp(name, "ne")) {
		bool b;
		if (want_args(s, name, nargs, 1, name[0] == 'e' ? (size_t)-1 : 2) < 0)
			goto out;
		for (size_t i = 0; i < nargs; i++)
			if (need_valid(s, &a[i]) < 0)
				goto out;
		if (name[0] == 'n' && nargs != 2) {
			want_args(s, name, nargs, 2, 2);
			goto out;
		}
		if (fn_eq(s, name, a, nargs, &b) < 0)
			goto out;
		*res = mk(TV_BOOL);
		res->b = name[0] == 'e' ? b : !b;
		rc = 0;
	} else if (!strcmp(name, "lt") || !strcmp(name, "le") ||
		   !strcmp(name, "gt") || !strcmp(name, "ge")) {
		int c;
		if (want_args(s, name, nargs, 2, 2) < 0 ||
		    need_valid(s, &a[0]) < 0 || need_valid(s, &a[1]) < 0 ||
		    fn_lt(s, name, a, &c) < 0)
			goto out;
		*res = mk(TV_BOOL);
		res->b = name[0] == 'l' ? (name[1] == 't' ? c < 0 : c <= 0) :
					  (name[1] == 't' ? c > 0 : c >= 0);
		rc = 0;
	} else if (!strcmp(name, "len")) {
		if (want_args(s, name, nargs, 1, 1) < 0 || need_valid(s, &a[0]) < 0)
			goto out;
		*res = mk(TV_INT);
		switch (a[0].k) {
		case TV_STRING: case TV_ARRAY: res->i = (long long)a[0].n; break;
		case TV_MAP: res->i = cJSON_GetArraySize(a[0].j); break;
		case TV_NIL:
			xerr(s, "error calling len: len of nil pointer");
			goto out;
		default:
			xerr(s, "error calling len: len of type %s", tv_type_name(&a[0]));
			goto out;
		}
		rc = 0;
	} else if (!strcmp(name, "index")) {
		if (want_args(s, name, nargs, 1, (size_t)-1) < 0)
			goto out;
		for (size_t i = 0; i < nargs; i++)
			if (need_valid(s, &a[i]) < 0)
				goto out;
		rc = fn_index(s, a, nargs, res);
	} else if (!strcmp(name, "slice")) {
		if (want_args(s, name, nargs, 1, (size_t)-1) < 0)
			goto out;
		for (size_t i = 0; i < nargs; i++)
			if (need_valid(s, &a[i]) < 0)
				goto out;
		rc = fn_slice(s, a, nargs, res);
	} else if (!strcmp(name, "lower") || !strcmp(name, "upper") ||
		   !strcmp(name, "title")) {
		if (want_args(s, name, nargs, 1, 1) < 0 || need_string(s, &a[0]) < 0)
			goto out;
		if (name[0] == 't') {
			title_case(&sb, a[0].s, a[0].n);
		} else {
			/* ASCII case mapping; non-ASCII bytes pass through */
			for (size_t i = 0; i < a[0].n; i++) {
				unsigned char c = (unsigned char)a[0].s[i];
				strbuf_addch(&sb, c >= 0x80 ? c : name[0] == 'l' ?
					     tolower(c) : toupper(c));
			}
		}
		*res = str_val(s, &sb);
		rc = 0;
	} else if (!strcmp(name, "truncate")) {
		if (want_args(s, name, nargs, 2, 2) < 0 ||
		    need_string(s, &a[0]) < 0 || need_int(s, &a[1]) < 0)
			goto out;
		*res = a[0];
		if (a[1].i < 0) {
			xerr(s, "error calling truncate: slice bounds out of range [:%lld]",
			     a[1].i);
			goto out;
		}
		if ((size_t)a[1].i <= a[0].n)
			res->n = (size_t)a[1].i;
		else if (a[0].n < (size_t)a[1].i)
			res->n = a[0].n;
		rc = 0;
	} else if (!strcmp(name, "pad")) {
		if (want_args(s, name, nargs, 3, 3) < 0 ||
		    need_string(s, &a[0]) < 0 || need_int(s, &a[1]) < 0 ||
		    need_int(s, &a[2]) < 0)
			goto out;
		if (a[0].n) {
			for (long long i = 0; i < a[1].i && i < 100000; i++)
				strbuf_addch(&sb, ' ');
			strbuf_add(&sb, a[0].s, a[0].n);
			for (long long i = 0; i < a[2].i && i < 100000; i++)
				strbuf_addch(&sb, ' ');
		}
		*res = str_val(s, &sb);
		rc = 0;
	} else if (!strcmp(name, "join")) {
		if (want_args(s, name, nargs, 2, 2) < 0)
			goto out;
		if (a[0].k != TV_ARRAY) {
			xerr(s, "wrong type for value; expected []string; got %s",
			     tv_type_name(&a[0]));
			goto out;
		}
		if (need_string(s, &a[1]) < 0)
			goto out;
		for (size_t i = 0; i < a[0].n; i++) {
			struct tval e = tv_array_elem(&a[0], i, s->maps);
			if (e.k != TV_STRING) {
				xerr(s, "wrong type for value; expected []string; got []%s",
				     tv_type_name(&e));
				goto out;
			}
			if (i)
				strbuf_add(&sb, a[1].s, a[1].n);
			strbuf_add(&sb, e.s, e.n);
		}
		*res = str_val(s, &sb);
		rc = 0;
	} else if (!strcmp(name, "split")) {
		cJSON *arr;
		if (want_args(s, name, nargs, 2, 2) < 0 ||
		    need_string(s, &a[0]) < 0 || need_string(s, &a[1]) < 0)
			goto out;
		arr = jarena_keep(s, cJSON_CreateArray());
		size_t i = 0;
		for (;;) {
			size_t j;
			bool found = false;
			if (a[1].n == 0) {
				/* strings.Split with "" splits into UTF-8 sequences */
				if (i >= a[0].n)
					break;
				j = i + 1;
				while (j < a[0].n && ((unsigned char)a[0].s[j] & 0xc0) == 0x80)
					j++;
				char *piece = tmpl_xstrndup(a[0].s + i, j - i);
				cJSON_AddItemToArray(arr, cJSON_CreateString(piece));
				free(piece);
				i = j;
				continue;
			}
			for (j = i; j + a[1].n <= a[0].n; j++)
				if (!memcmp(a[0].s + j, a[1].s, a[1].n)) {
					found = true;
					break;
				}
			if (!found)
				j = a[0].n;
			char *piece = tmpl_xstrndup(a[0].s + i, j - i);
			cJSON *str = cJSON_CreateString(piece);
			free(piece);
			if (!str) {
				fputs("fatal: out of memory\n", stderr);
				abort();
			}
			cJSON_AddItemToArray(arr, str);
			if (!found)
				break;
			i = j + a[1].n;
		}
		*res = tv_from_json(arr, s->maps);
		rc = 0;
	} else {
		xerr(s, "function \"%s\" not defined", name);
	}
out:
	strbuf_release(&sb);
	free(a);
	return rc;
}

/* ---- walking ----------------------------------------------------------- */

static int walk(struct state *s, struct tval dot, const struct tnode *n);

static int walk_list(struct state *s, struct tval dot, const struct tnode *l)
{
	for (size_t i = 0; i < l->nkids; i++) {
		int rc = walk(s, dot, l->kids[i]);
		if (rc)
			return rc;
	}
	return 0;
}

static int walk_range(struct state *s, struct tval dot, const struct tnode *n)
{
	struct tval v;
	size_t mark = s->nvars;
	int rc = 0;
	size_t count = 0;
	const struct tnode *p = n->pipe;

	if (eval_pipeline(s, dot, p, &v, false) < 0)
		return WALK_ERR;
	s->at = n;
	/* the declared variables live across iterations, reset each time */
	for (size_t i = 0; i < p->ndecl && !p->is_assign; i++)
		push_var(s, p->decl[i], v);

	if (v.k == TV_ARRAY || v.k == TV_MAP) {
		const cJSON **keys = NULL;
		if (v.k == TV_MAP) {
			/* sorted like Go's map range */
			const cJSON *c;
			size_t k = 0;
			cJSON_ArrayForEach(c, v.j)
				count++;
			keys = tmpl_xmalloc((count ? count : 1) * sizeof(*keys));
			cJSON_ArrayForEach(c, v.j)
				keys[k++] = c;
			for (size_t i = 1; i < count; i++)
				for (size_t j = i; j > 0 &&
				     strcmp(keys[j - 1]->string, keys[j]->string) > 0; j--) {
					const cJSON *t = keys[j];
					keys[j] = keys[j - 1];
					keys[j - 1] = t;
				}
		} else {
			count = v.n;
		}
		for (size_t i = 0; i < count; i++) {
			struct tval key, elem;
			if (v.k == TV_MAP) {
				key = mk(TV_STRING);
				key.s = keys[i]->string;
				key.n = strlen(key.s);
				elem = tv_from_json(keys[i], s->maps);
			} else {
				key = mk(TV_INT);
				key.i = (long long)i;
				elem = tv_array_elem(&v, i, s->maps);
			}
			if (p->ndecl == 1) {
				if (p->is_assign) {
					struct var *x = find_var(s, p->decl[0]);
					if (x)
						x->v = elem;
				} else {
					s->vars[mark].v = elem;
				}
			} else if (p->ndecl == 2) {
				if (p->is_assign) {
					struct var *x = find_var(s, p->decl[0]);
					if (x)
						x->v = key;
					x = find_var(s, p->decl[1]);
					if (x)
						x->v = elem;
				} else {
					s->vars[mark].v = key;
					s->vars[mark + 1].v = elem;
				}
			}
			size_t imark = s->nvars;
			rc = walk_list(s, elem, n->list);
			s->nvars = imark;
			if (rc == WALK_BREAK) {
				rc = 0;
				break;
			}
			if (rc == WALK_CONTINUE)
				rc = 0;
			if (rc)
				break;
		}
		free(keys);
	} else if (v.k != TV_INVALID) {
		s->nvars = mark;
		struct strbuf sb = STRBUF_INIT;
		tv_print(&sb, &v, s->maps);
		xerr(s, "range can't iterate over %s", sb.buf);
		strbuf_release(&sb);
		return WALK_ERR;
	}
	if (rc == 0 && count == 0 && n->elselist)
		rc = walk_list(s, dot, n->elselist);
	s->nvars = mark;
	return rc;
}

static int walk(struct state *s, struct tval dot, const struct tnode *n)
{
	struct tval v;
	size_t mark;
	int rc;

	switch (n->kind) {
	case TN_TEXT:
		strbuf_add(s->out, n->str, n->len);
		return 0;
	case TN_ACTION:
		if (eval_pipeline(s, dot, n->pipe, &v, true) < 0)
			return WALK_ERR;
		if (n->pipe->ndecl == 0)
			tv_print(s->out, &v, s->maps);
		return 0;
	case TN_IF:
	case TN_WITH:
		mark = s->nvars;
		if (eval_pipeline(s, dot, n->pipe, &v, true) < 0)
			return WALK_ERR;
		if (truth(&v))
			rc = walk_list(s, n->kind == TN_WITH ? v : dot, n->list);
		else if (n->elselist)
			rc = walk_list(s, dot, n->elselist);
		else
			rc = 0;
		s->nvars = mark;
		return rc;
	case TN_RANGE:
		return walk_range(s, dot, n);
	case TN_BREAK:
		return WALK_BREAK;
	case TN_CONTINUE:
		return WALK_CONTINUE;
	case TN_LIST:
		return walk_list(s, dot, n);
	default:
		return xerr(s, "unknown node");
	}
}

static int exec_mode(const struct lp_template *t, const cJSON *data,
		     const struct lp_tmpl_maps *maps, struct strbuf *out,
		     char **err, bool header)
{
	struct state s;
	struct tval dot;
	int rc;

	memset(&s, 0, sizeof(s));
	s.t = t;
	s.maps = maps;
	s.out = out;
	s.header = header;
	dot = tv_from_json(data, maps);
	push_var(&s, "$", dot);
	rc = walk(&s, dot, t->root);
	for (size_t i = 0; i < s.narena; i++)
		free(s.arena[i]);
	free(s.arena);
	for (size_t i = 0; i < s.njarena; i++)
		cJSON_Delete(s.jarena[i]);
	free(s.jarena);
	free(s.vars);
	if (rc == WALK_ERR || s.err) {
		if (err)
			*err = s.err ? s.err : tmpl_xstrndup("template: error", 15);
		else
			free(s.err);
		return -1;
	}
	return 0;
}

int lp_template_exec(const struct lp_template *t, const cJSON *data,
		     const struct lp_tmpl_maps *maps, struct strbuf *out,
		     char **err)
{
	return exec_mode(t, data, maps, out, err, false);
}

int lp_template_exec_header(const struct lp_template *t, const cJSON *data,
			    const struct lp_tmpl_maps *maps, struct strbuf *out,
			    char **err);
int lp_template_exec_header(const struct lp_template *t, const cJSON *data,
			    const struct lp_tmpl_maps *maps, struct strbuf *out,
			    char **err)
{
	return exec_mode(t, data, maps, out, err, true);
}
