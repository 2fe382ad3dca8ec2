/*
 * Lexer and parser for Go text/template syntax (see template.h).
 *
 * The lexer turns the whole source into a token array up front, which keeps
 * the recursive-descent parser free of lexer state.  Whitespace inside
 * actions is not a token; each token instead records whether whitespace
 * preceded it, which is all the parser needs (to tell `(x).F` from `(x) .F`).
 */
#include "template_int.h"
#include "../util/utf8.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- allocation helpers (TODO: move to src/util/xalloc) ---------------- */

static void tmpl_oom(void)
{
	fputs("fatal: out of memory\n", stderr);
	abort();
}

void *tmpl_xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);
	if (!p)
		tmpl_oom();
	return p;
}

void *tmpl_xrealloc(void *p, size_t n)
{
	p = realloc(p, n ? n : 1);
	if (!p)
		tmpl_oom();
	return p;
}

char *tmpl_xstrndup(const char *s, size_t n)
{
	char *p = tmpl_xmalloc(n + 1);
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

static void *xcalloc1(size_t n)
{
	void *p = calloc(1, n);
	if (!p)
		tmpl_oom();
	return p;
}

/* ---- tokens ------------------------------------------------------------ */

enum tok_kind {
	T_EOF, T_TEXT, T_LDELIM, T_RDELIM, T_FIELD, T_VAR, T_DOT, T_IDENT,
	T_STRING, T_NUMBER, T_CHAR, T_BOOL, T_NIL, T_PIPE, T_LPAREN, T_RPAREN,
	T_DECLARE, T_ASSIGN, T_COMMA,
	/* keywords */
	T_IF, T_ELSE, T_END, T_RANGE, T_WITH, T_BREAK, T_CONTINUE,
	T_DEFINE, T_TEMPLATE, T_BLOCK,
};

struct token {
	enum tok_kind kind;
	size_t pos, len;	/* span in source */
	int line;
	bool space_before;
	char *val;		/* T_TEXT/T_STRING: decoded bytes */
	size_t vlen;
};

struct parser {
	const char *src;
	size_t srclen;
	struct token *toks;
	size_t ntoks, atoks, cur;
	char *err;
	/* variables in scope, for "undefined variable" checks */
	char **vars;
	size_t nvars, avars;
	int range_depth;
};

static const char *const builtin_funcs[] = {
	"and", "or", "not", "eq", "ne", "lt", "le", "gt", "ge", "len",
	"index", "slice", "print", "printf", "println", "html", "js",
	"urlquery", "call",
	/* Podman's report.DefaultFuncs */
	"json", "join", "lower", "upper", "title", "truncate", "split", "pad",
	NULL,
};

static int line_at(const struct parser *p, size_t pos)
{
	int line = 1;
	for (size_t i = 0; i < pos && i < p->srclen; i++)
		if (p->src[i] == '\n')
			line++;
	return line;
}

__attribute__((format(printf, 3, 4)))
static void perr(struct parser *p, int line, const char *fmt, ...)
{
	struct strbuf sb = STRBUF_INIT;
	char buf[512];
	va_list ap;

	if (p->err)
		return; /* keep the first error, like Go */
	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	strbuf_addf(&sb, "template: output:%d: %s", line, buf);
	p->err = strbuf_detach(&sb, NULL);
}

static struct token *push_tok(struct parser *p, enum tok_kind k, size_t pos,
			      size_t len, bool space)
{
	struct token *t;

	if (p->ntoks == p->atoks) {
		p->atoks = p->atoks ? p->atoks * 2 : 32;
		p->toks = tmpl_xrealloc(p->toks, p->atoks * sizeof(*p->toks));
	}
	t = &p->toks[p->ntoks++];
	memset(t, 0, sizeof(*t));
	t->kind = k;
	t->pos = pos;
	t->len = len;
	t->line = line_at(p, pos);
	t->space_before = space;
	return t;
}

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static bool is_alnum_(char c)
{
	return isalnum((unsigned char)c) || c == '_' ||
	       (unsigned char)c >= 0x80; /* Go allows Unicode letters */
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/*
 * Decode the escapes of a Go interpreted string or rune literal (the text
 * between the quotes), as strconv.Unquote does.  Returns -1 on a bad escape.
 */
static int unescape(const char *s, size_t n, char quote, struct strbuf *out)
{
	size_t i = 0;

	while (i < n) {
		char c = s[i++];
		if (c != '\\') {
			strbuf_addch(out, c);
			continue;
		}
		if (i >= n)
			return -1;
		c = s[i++];
		switch (c) {
		case 'a': strbuf_addch(out, '\a'); break;
		case 'b': strbuf_addch(out, '\b'); break;
		case 'f': strbuf_addch(out, '\f'); break;
		case 'n': strbuf_addch(out, '\n'); break;
		case 'r': strbuf_addch(out, '\r'); break;
		case 't': strbuf_addch(out, '\t'); break;
		case 'v': strbuf_addch(out, '\v'); break;
		case '\\': strbuf_addch(out, '\\'); break;
		case '\'':
		case '"':
			if (c != quote)
				return -1;
			strbuf_addch(out, c);
			break;
		case 'x': case 'u': case 'U': {
			int nd = c == 'x' ? 2 : c == 'u' ? 4 : 8;
			unsigned long v = 0;
			if (i + (size_t)nd > n)
				return -1;
			for (int k = 0; k < nd; k++) {
				int h = hexval(s[i++]);
				if (h < 0)
					return -1;
				v = v * 16 + (unsigned long)h;
			}
			if (c == 'x') {
				strbuf_addch(out, (int)v);
			} else {
				if (v > 0x10ffff || (v >= 0xd800 && v < 0xe000))
					return -1;
				lp_utf8_add(out, v);
			}
			break;
		}
		default:
			if (c >= '0' && c <= '7') {
				unsigned v = (unsigned)(c - '0');
				if (i + 2 > n)
					return -1;
				for (int k = 0; k < 2; k++) {
					char d = s[i++];
					if (d < '0' || d > '7')
						return -1;
					v = v * 8 + (unsigned)(d - '0');
				}
				if (v > 255)
					return -1;
				strbuf_addch(out, (int)v);
				break;
			}
			return -1;
		}
	}
	return 0;
}

static const struct { const char *w; enum tok_kind k; } keywords[] = {
	{ "if", T_IF }, { "else", T_ELSE }, { "end", T_END },
	{ "range", T_RANGE }, { "with", T_WITH }, { "break", T_BREAK },
	{ "continue", T_CONTINUE }, { "define", T_DEFINE },
	{ "template", T_TEMPLATE }, { "block", T_BLOCK },
	{ "true", T_BOOL }, { "false", T_BOOL }, { "nil", T_NIL },
};

/* Lex one action starting after "{{" (and a left trim marker); returns
 * the position just after "}}" or (size_t)-1 on error. *trim_right is set
 * when the action ends with " -}}". */
static size_t lex_action(struct parser *p, size_t i, bool *trim_right)
{
	const char *s = p->src;
	size_t n = p->srclen;
	int paren = 0;

	for (;;) {
		bool space = false;
		while (i < n && is_space(s[i])) {
			/* " -}}" is the right trim marker */
			if (i + 3 < n + 0 && s[i + 1] == '-' && s[i + 2] == '}' &&
			    i + 3 < n && s[i + 3] == '}') {
				*trim_right = true;
				push_tok(p, T_RDELIM, i, 4, true);
				return i + 4;
			}
			space = true;
			i++;
		}
		if (i >= n) {
			perr(p, line_at(p, i), "unclosed action");
			return (size_t)-1;
		}
		if (s[i] == '}' && i + 1 < n && s[i + 1] == '}') {
			if (paren > 0) {
				perr(p, line_at(p, i), "unclosed left paren");
				return (size_t)-1;
			}
			push_tok(p, T_RDELIM, i, 2, space);
			*trim_right = false;
			return i + 2;
		}
		size_t st = i;
		char c = s[i];
		if (c == '|') {
			push_tok(p, T_PIPE, st, 1, space);
			i++;
		} else if (c == '(') {
			push_tok(p, T_LPAREN, st, 1, space);
			paren++;
			i++;
		} else if (c == ')') {
			if (--paren < 0) {
				perr(p, line_at(p, i), "unexpected right paren");
				return (size_t)-1;
			}
			push_tok(p, T_RPAREN, st, 1, space);
			i++;
		} else if (c == ',') {
			push_tok(p, T_COMMA, st, 1, space);
			i++;
		} else if (c == ':' ) {
			if (i + 1 >= n || s[i + 1] != '=') {
				perr(p, line_at(p, i), "expected :=");
				return (size_t)-1;
			}
			push_tok(p, T_DECLARE, st, 2, space);
			i += 2;
		} else if (c == '=') {
			push_tok(p, T_ASSIGN, st, 1, space);
			i++;
		} else if (c == '"' || c == '\'') {
			struct strbuf sb = STRBUF_INIT;
			i++;
			while (i < n && s[i] != c) {
				if (s[i] == '\\' && i + 1 < n)
					i++;
				if (s[i] == '\n')
					break;
				i++;
			}
			if (i >= n || s[i] != c) {
				perr(p, line_at(p, st), c == '"' ?
				     "unterminated quoted string" :
				     "unterminated character constant");
				return (size_t)-1;
			}
			i++;
			if (unescape(s + st + 1, i - st - 2, c, &sb) < 0) {
				strbuf_release(&sb);
				perr(p, line_at(p, st), "invalid syntax");
				return (size_t)-1;
			}
			struct token *t = push_tok(p, c == '"' ? T_STRING : T_CHAR,
						   st, i - st, space);
			t->vlen = sb.len;
			t->val = strbuf_detach(&sb, NULL);
		} else if (c == '`') {
			i++;
			while (i < n && s[i] != '`')
				i++;
			if (i >= n) {
				perr(p, line_at(p, st), "unterminated raw quoted string");
				return (size_t)-1;
			}
			i++;
			struct token *t = push_tok(p, T_STRING, st, i - st, space);
			/* Go drops carriage returns from raw strings */
			struct strbuf sb = STRBUF_INIT;
			for (size_t k = st + 1; k < i - 1; k++)
				if (s[k] != '\r')
					strbuf_addch(&sb, s[k]);
			t->vlen = sb.len;
			t->val = strbuf_detach(&sb, NULL);
		} else if (c == '$' || (c == '.' && !(i + 1 < n &&
				isdigit((unsigned char)s[i + 1])))) {
			/* $var, $var.F.G, ., .F.G: one token */
			if (c == '$') {
				i++;
				while (i < n && is_alnum_(s[i]))
					i++;
			}
			while (i < n && s[i] == '.' && i + 1 < n &&
			       is_alnum_(s[i + 1])) {
				i++;
				while (i < n && is_alnum_(s[i]))
					i++;
			}
			if (i == st)
				i++; /* a lone "." */
			enum tok_kind k = c == '$' ? T_VAR :
					  i == st + 1 ? T_DOT : T_FIELD;
			if (k == T_DOT && i < n && s[i] == '.') {
				perr(p, line_at(p, st), "bad character %#x", '.');
				return (size_t)-1;
			}
			push_tok(p, k, st, i - st, space);
		} else if (isdigit((unsigned char)c) || c == '.' ||
			   ((c == '-' || c == '+') && i + 1 < n &&
			    (isdigit((unsigned char)s[i + 1]) || s[i + 1] == '.'))) {
			i++;
			while (i < n && (isalnum((unsigned char)s[i]) ||
					 s[i] == '.' || s[i] == '_' ||
					 ((s[i] == '+' || s[i] == '-') &&
					  strchr("eEpP", s[i - 1]))))
				i++;
			push_tok(p, T_NUMBER, st, i - st, space);
		} else if (is_alnum_(c)) {
			while (i < n && is_alnum_(s[i]))
				i++;
			enum tok_kind k = T_IDENT;
			for (size_t w = 0; w < sizeof keywords / sizeof *keywords; w++)
				if (strlen(keywords[w].w) == i - st &&
				    !memcmp(keywords[w].w, s + st, i - st))
					k = keywords[w].k;
			push_tok(p, k, st, i - st, space);
		} else {
			perr(p, line_at(p, i), "unexpected \"%c\" in command", c);
			return (size_t)-1;
		}
	}
}

static int lex(struct parser *p)
{
	const char *s = p->src;
	size_t n = p->srclen, i = 0;
	bool trim_next = false;

	while (i <= n) {
		const char *ld = strstr(s + i, "{{");
		size_t tend = ld ? (size_t)(ld - s) : n;
		size_t tstart = i;
		bool trim_left = false;
		size_t after;

		if (ld && tend + 3 < n + 1 && s[tend + 2] == '-' &&
		    tend + 3 < n && is_space(s[tend + 3]))
			trim_left = true;
		if (trim_next)
			while (tstart < tend && is_space(s[tstart]))
				tstart++;
		size_t te = tend;
		if (trim_left)
			while (te > tstart && is_space(s[te - 1]))
				te--;
		if (te > tstart) {
			struct token *t = push_tok(p, T_TEXT, tstart, te - tstart, false);
			t->val = tmpl_xstrndup(s + tstart, te - tstart);
			t->vlen = te - tstart;
		}
		if (!ld)
			break;
		after = tend + 2 + (trim_left ? 2 : 0);
		/* a comment action: slash-star ... star-slash, optional trim markers */
		if (after + 1 < n && s[after] == '/' && s[after + 1] == '*') {
			const char *ce = strstr(s + after + 2, "*/");
			if (!ce) {
				perr(p, line_at(p, after), "unclosed comment");
				return -1;
			}
			size_t k = (size_t)(ce - s) + 2;
			trim_next = false;
			if (k + 3 < n + 1 && s[k] == ' ' && s[k + 1] == '-' &&
			    s[k + 2] == '}' && k + 3 < n && s[k + 3] == '}') {
				trim_next = true;
				k += 4;
			} else if (k + 1 < n && s[k] == '}' && s[k + 1] == '}') {
				k += 2;
			} else {
				perr(p, line_at(p, after),
				     "comment ends before closing delimiter");
				return -1;
			}
			i = k;
			continue;
		}
		push_tok(p, T_LDELIM, tend, 2, false);
		i = lex_action(p, after, &trim_next);
		if (i == (size_t)-1)
			return -1;
	}
	push_tok(p, T_EOF, n, 0, false);
	return 0;
}

/* ---- parser ------------------------------------------------------------ */

static struct token *peek(struct parser *p)
{
	return &p->toks[p->cur];
}

static struct token *next(struct parser *p)
{
	struct token *t = &p->toks[p->cur];
	if (t->kind != T_EOF)
		p->cur++;
	return t;
}

static struct tnode *new_node(enum tnode_kind k, const struct token *t)
{
	struct tnode *n = xcalloc1(sizeof(*n));
	n->kind = k;
	if (t) {
		n->pos = t->pos;
		n->end = t->pos + t->len;
		n->line = t->line;
	}
	return n;
}

static void add_kid(struct tnode *n, struct tnode *k)
{
	if (n->nkids == n->akids) {
		n->akids = n->akids ? n->akids * 2 : 4;
		n->kids = tmpl_xrealloc(n->kids, n->akids * sizeof(*n->kids));
	}
	n->kids[n->nkids++] = k;
}

static void free_node(struct tnode *n)
{
	if (!n)
		return;
	for (size_t i = 0; i < n->nkids; i++)
		free_node(n->kids[i]);
	free(n->kids);
	free(n->str);
	for (size_t i = 0; i < n->nidents; i++)
		free(n->idents[i]);
	free(n->idents);
	for (size_t i = 0; i < n->ndecl; i++)
		free(n->decl[i]);
	free(n->decl);
	free_node(n->pipe);
	free_node(n->list);
	free_node(n->elselist);
	free(n);
}

static void push_var(struct parser *p, const char *name, size_t len)
{
	if (p->nvars == p->avars) {
		p->avars = p->avars ? p->avars * 2 : 8;
		p->vars = tmpl_xrealloc(p->vars, p->avars * sizeof(*p->vars));
	}
	p->vars[p->nvars++] = tmpl_xstrndup(name, len);
}

static void pop_vars(struct parser *p, size_t to)
{
	while (p->nvars > to)
		free(p->vars[--p->nvars]);
}

static bool have_var(struct parser *p, const char *name, size_t len)
{
	for (size_t i = p->nvars; i-- > 0;)
		if (strlen(p->vars[i]) == len && !memcmp(p->vars[i], name, len))
			return true;
	return false;
}

/* Split ".A.B" / "$x.A.B" into identifiers. */
static void split_idents(struct tnode *n, const char *s, size_t len, bool var)
{
	size_t i = 0;

	while (i < len) {
		size_t st = i;
		if (s[i] == '.' && !(var && i == 0))
			st = ++i;
		while (i < len && s[i] != '.')
			i++;
		if (var && st == 0 && n->nidents == 0) {
			/* "$x" keeps its dollar */
		}
		n->idents = tmpl_xrealloc(n->idents,
					  (n->nidents + 1) * sizeof(char *));
		n->idents[n->nidents++] = tmpl_xstrndup(s + st, i - st);
	}
}

static struct tnode *parse_pipeline(struct parser *p, const char *context,
				    bool allow_decl, enum tok_kind end);

static bool parse_number(struct parser *p, struct token *t, struct tnode *n)
{
	char *txt = tmpl_xstrndup(p->src + t->pos, t->len);
	char *endp;
	bool ok = false;
	bool hex = t->len > 1 && (strstr(txt, "0x") || strstr(txt, "0X"));

	if (!hex && strpbrk(txt, ".eE")) {
		errno = 0;
		n->fval = strtod(txt, &endp);
		/* glibc flags underflow (subnormal or 0) ERANGE; Go's
		 * ParseFloat refuses only overflow (±Inf). */
		if (errno == ERANGE && !isinf(n->fval))
			errno = 0;
		if (!*endp && errno == 0) {
			ok = true;
			n->is_float = true;
			/* Range first: converting an out-of-range double
			 * to long long is undefined. */
			if (n->fval < 9.2e18 && n->fval > -9.2e18 &&
			    n->fval == (double)(long long)n->fval) {
				n->is_int = true;
				n->ival = (long long)n->fval;
			}
		}
	} else {
		const char *d = txt;
		int base = 10;
		bool neg = false;
		if (*d == '+' || *d == '-')
			neg = *d++ == '-';
		if (d[0] == '0' && (d[1] == 'x' || d[1] == 'X'))
			base = 16, d += 2;
		else if (d[0] == '0' && (d[1] == 'o' || d[1] == 'O'))
			base = 8, d += 2;
		else if (d[0] == '0' && (d[1] == 'b' || d[1] == 'B'))
			base = 2, d += 2;
		else if (d[0] == '0' && d[1])
			base = 8, d += 1;
		errno = 0;
		if (*d && *d != '-' && *d != '+') {
			unsigned long long u = strtoull(d, &endp, base);
			if (!*endp && errno == 0 &&
			    u <= (neg ? (unsigned long long)1 << 63 :
				  ((unsigned long long)1 << 63) - 1)) {
				ok = true;
				n->is_int = true;
				n->ival = neg ? (long long)(0 - u) : (long long)u;
				n->fval = (double)n->ival;
			}
		}
	}
	if (!ok)
		perr(p, t->line, "bad number syntax: \"%s\"", txt);
	free(txt);
	return ok;
}

/* term: a literal, field, variable, function name, or (pipeline). */
static struct tnode *parse_term(struct parser *p)
{
	struct token *t = next(p);
	struct tnode *n;

	switch (t->kind) {
	case T_IDENT: {
		size_t k;
		for (k = 0; builtin_funcs[k]; k++)
			if (strlen(builtin_funcs[k]) == t->len &&
			    !memcmp(builtin_funcs[k], p->src + t->pos, t->len))
				break;
		if (!builtin_funcs[k]) {
			perr(p, t->line, "function \"%.*s\" not defined",
			     (int)t->len, p->src + t->pos);
			return NULL;
		}
		n = new_node(TN_IDENT, t);
		n->str = tmpl_xstrndup(p->src + t->pos, t->len);
		n->len = t->len;
		return n;
	}
	case T_DOT:
		return new_node(TN_DOT, t);
	case T_NIL:
		return new_node(TN_NIL, t);
	case T_VAR:
		n = new_node(TN_VAR, t);
		split_idents(n, p->src + t->pos, t->len, true);
		if (!have_var(p, n->idents[0], strlen(n->idents[0]))) {
			perr(p, t->line, "undefined variable \"%s\"", n->idents[0]);
			free_node(n);
			return NULL;
		}
		return n;
	case T_FIELD:
		n = new_node(TN_FIELD, t);
		split_idents(n, p->src + t->pos, t->len, false);
		return n;
	case T_BOOL:
		n = new_node(TN_BOOL, t);
		n->b = p->src[t->pos] == 't';
		return n;
	case T_NUMBER:
		n = new_node(TN_NUMBER, t);
		if (!parse_number(p, t, n)) {
			free_node(n);
			return NULL;
		}
		return n;
	case T_CHAR: {
		/* a rune constant is an int */
		const unsigned char *v = (const unsigned char *)t->val;
		unsigned long r;
		size_t len = t->vlen;
		if (len == 0) {
			perr(p, t->line, "empty character constant");
			return NULL;
		}
		if (v[0] < 0x80 || len == 1) {
			r = v[0];
			len -= 1;
		} else if ((v[0] & 0xe0) == 0xc0 && len >= 2) {
			r = ((v[0] & 0x1fUL) << 6) | (v[1] & 0x3f);
			len -= 2;
		} else if ((v[0] & 0xf0) == 0xe0 && len >= 3) {
			r = ((v[0] & 0x0fUL) << 12) | ((v[1] & 0x3fUL) << 6) |
			    (v[2] & 0x3f);
			len -= 3;
		} else if (len >= 4) {
			r = ((v[0] & 0x07UL) << 18) | ((v[1] & 0x3fUL) << 12) |
			    ((v[2] & 0x3fUL) << 6) | (v[3] & 0x3f);
			len -= 4;
		} else {
			len = 1;
			r = 0;
		}
		if (len) {
			perr(p, t->line, "malformed character constant: %.*s",
			     (int)t->len, p->src + t->pos);
			return NULL;
		}
		n = new_node(TN_NUMBER, t);
		n->is_int = true;
		n->ival = (long long)r;
		n->fval = (double)r;
		return n;
	}
	case T_STRING:
		n = new_node(TN_STRING, t);
		n->str = tmpl_xmalloc(t->vlen + 1);
		memcpy(n->str, t->val, t->vlen);
		n->str[t->vlen] = '\0';
		n->len = t->vlen;
		return n;
	case T_LPAREN: {
		struct tnode *pipe = parse_pipeline(p, "parenthesized pipeline",
						    false, T_RPAREN);
		if (!pipe)
			return NULL;
		pipe->pos = t->pos;
		pipe->end = p->toks[p->cur - 1].pos + 1;
		return pipe;
	}
	default:
		p->cur--;
		return NULL; /* not a term; caller decides */
	}
}

/* operand: term followed by optional .Field chain */
static struct tnode *parse_operand(struct parser *p)
{
	struct tnode *n = parse_term(p);

	if (!n)
		return NULL;
	struct token *t = peek(p);
	if (t->kind == T_FIELD && !t->space_before) {
		struct tnode *c;
		switch (n->kind) {
		case TN_FIELD: case TN_VAR:
			/* ".A" then ".B" only when lexed apart; merge */
			split_idents(n, p->src + t->pos, t->len, false);
			n->end = t->pos + t->len;
			next(p);
			return n;
		case TN_BOOL: case TN_STRING: case TN_NUMBER: case TN_NIL:
		case TN_DOT:
			perr(p, t->line, "unexpected . after term \"%.*s\"",
			     (int)(n->end - n->pos), p->src + n->pos);
			free_node(n);
			return NULL;
		default:
			break;
		}
		c = new_node(TN_CHAIN, t);
		c->pos = n->pos;
		c->pipe = n;
		while ((t = peek(p))->kind == T_FIELD && !t->space_before) {
			split_idents(c, p->src + t->pos, t->len, false);
			c->end = t->pos + t->len;
			next(p);
		}
		return c;
	}
	return n;
}

static struct tnode *parse_command(struct parser *p, enum tok_kind end)
{
	struct tnode *cmd = new_node(TN_CMD, peek(p));

	for (;;) {
		struct tnode *op = parse_operand(p);
		if (p->err) {
			free_node(cmd);
			return NULL;
		}
		if (op) {
			add_kid(cmd, op);
			cmd->end = op->end;
		}
		struct token *t = peek(p);
		if (t->kind == end || t->kind == T_PIPE)
			break;
		if (!op || !t->space_before) {
			if (t->kind == T_RDELIM || t->kind == T_RPAREN)
				perr(p, t->line, "unexpected \"%.*s\" in operand",
				     (int)t->len, p->src + t->pos);
			else if (!op)
				perr(p, t->line, "unexpected \"%.*s\" in command",
				     (int)t->len, p->src + t->pos);
			else
				perr(p, t->line, "missing space?");
			free_node(cmd);
			return NULL;
		}
	}
	if (cmd->nkids == 0) {
		perr(p, peek(p)->line, "empty command");
		free_node(cmd);
		return NULL;
	}
	return cmd;
}

static struct tnode *parse_pipeline(struct parser *p, const char *context,
				    bool allow_decl, enum tok_kind end)
{
	struct tnode *pipe = new_node(TN_PIPE, peek(p));
	struct token *t = peek(p);

	/* declarations: $x := / $x = / $i, $e := (range only) */
	if (t->kind == T_VAR) {
		size_t save = p->cur;
		struct token *v1 = next(p), *op = next(p);
		bool is_simple = memchr(p->src + v1->pos, '.', v1->len) == NULL;
		if (is_simple && (op->kind == T_DECLARE || op->kind == T_ASSIGN)) {
			pipe->is_assign = op->kind == T_ASSIGN;
			pipe->decl = tmpl_xmalloc(sizeof(char *));
			pipe->decl[0] = tmpl_xstrndup(p->src + v1->pos, v1->len);
			pipe->ndecl = 1;
			if (pipe->is_assign && !have_var(p, v1->val ? v1->val :
					p->src + v1->pos, v1->len)) {
				perr(p, v1->line, "undefined variable \"%.*s\"",
				     (int)v1->len, p->src + v1->pos);
				free_node(pipe);
				return NULL;
			}
		} else if (is_simple && op->kind == T_COMMA && allow_decl &&
			   !strcmp(context, "range")) {
			struct token *v2 = next(p), *op2 = next(p);
			if (v2->kind != T_VAR || (op2->kind != T_DECLARE &&
						  op2->kind != T_ASSIGN)) {
				perr(p, v2->line, "range can only initialize variables");
				free_node(pipe);
				return NULL;
			}
			pipe->is_assign = op2->kind == T_ASSIGN;
			pipe->decl = tmpl_xmalloc(2 * sizeof(char *));
			pipe->decl[0] = tmpl_xstrndup(p->src + v1->pos, v1->len);
			pipe->decl[1] = tmpl_xstrndup(p->src + v2->pos, v2->len);
			pipe->ndecl = 2;
		} else {
			p->cur = save;
		}
		if (pipe->ndecl && !pipe->is_assign)
			for (size_t i = 0; i < pipe->ndecl; i++)
				push_var(p, pipe->decl[i], strlen(pipe->decl[i]));
		if (pipe->ndecl && pipe->is_assign)
			for (size_t i = 0; i < pipe->ndecl; i++)
				if (!have_var(p, pipe->decl[i], strlen(pipe->decl[i]))) {
					perr(p, v1->line, "undefined variable \"%s\"",
					     pipe->decl[i]);
					free_node(pipe);
					return NULL;
				}
	}
	for (;;) {
		t = peek(p);
		if (t->kind == end) {
			next(p);
			break;
		}
		if (t->kind == T_EOF) {
			perr(p, t->line, "unclosed action");
			free_node(pipe);
			return NULL;
		}
		struct tnode *cmd = parse_command(p, end);
		if (!cmd) {
			free_node(pipe);
			return NULL;
		}
		add_kid(pipe, cmd);
		pipe->end = cmd->end;
		if (peek(p)->kind == T_PIPE) {
			next(p);
			if (peek(p)->kind == end) {
				perr(p, peek(p)->line, "missing command");
				free_node(pipe);
				return NULL;
			}
		}
	}
	if (pipe->nkids == 0) {
		perr(p, t->line, "missing value for %s", context);
		free_node(pipe);
		return NULL;
	}
	for (size_t i = 1; i < pipe->nkids; i++) {
		switch (pipe->kids[i]->kids[0]->kind) {
		case TN_BOOL: case TN_DOT: case TN_NIL: case TN_NUMBER:
		case TN_STRING:
			perr(p, t->line, "non executable command in pipeline stage %zu",
			     i + 1);
			free_node(pipe);
			return NULL;
		default:
			break;
		}
	}
	return pipe;
}

enum list_stop { STOP_EOF, STOP_END, STOP_ELSE };

static struct tnode *parse_list(struct parser *p, enum list_stop *stop);

static struct tnode *parse_control(struct parser *p, enum tnode_kind kind,
				   const char *context, struct token *kw)
{
	struct tnode *n = new_node(kind, kw);
	size_t mark = p->nvars;
	enum list_stop stop;

	n->pipe = parse_pipeline(p, context, true, T_RDELIM);
	if (!n->pipe)
		goto fail;
	if (kind == TN_RANGE)
		p->range_depth++;
	n->list = parse_list(p, &stop);
	if (kind == TN_RANGE)
		p->range_depth--;
	if (!n->list)
		goto fail;
	if (stop == STOP_EOF) {
		perr(p, peek(p)->line, "unexpected EOF");
		goto fail;
	}
	if (stop == STOP_ELSE) {
		if (kind == TN_IF && peek(p)->kind == T_IF) {
			/* {{else if x}} ... {{end}}: a nested if sharing the end */
			struct token *k2 = next(p);
			n->elselist = new_node(TN_LIST, k2);
			struct tnode *sub = parse_control(p, TN_IF, "if", k2);
			if (!sub)
				goto fail;
			add_kid(n->elselist, sub);
		} else {
			if (next(p)->kind != T_RDELIM) {
				perr(p, kw->line, "unexpected token in else");
				goto fail;
			}
			n->elselist = parse_list(p, &stop);
			if (!n->elselist)
				goto fail;
			if (stop != STOP_END) {
				perr(p, peek(p)->line, stop == STOP_EOF ?
				     "unexpected EOF" : "expected end; found {{else}}");
				goto fail;
			}
		}
	}
	pop_vars(p, mark);
	return n;
fail:
	pop_vars(p, mark);
	free_node(n);
	return NULL;
}

static struct tnode *parse_list(struct parser *p, enum list_stop *stop)
{
	struct tnode *list = new_node(TN_LIST, peek(p));

	for (;;) {
		struct token *t = next(p);
		struct tnode *n = NULL;

		if (t->kind == T_EOF) {
			*stop = STOP_EOF;
			return list;
		}
		if (t->kind == T_TEXT) {
			n = new_node(TN_TEXT, t);
			n->str = tmpl_xmalloc(t->vlen + 1);
			memcpy(n->str, t->val, t->vlen + 1);
			n->len = t->vlen;
			add_kid(list, n);
			continue;
		}
		/* T_LDELIM */
		struct token *k = peek(p);
		switch (k->kind) {
		case T_END:
			next(p);
			if (next(p)->kind != T_RDELIM) {
				perr(p, k->line, "unexpected token in end");
				break;
			}
			*stop = STOP_END;
			return list;
		case T_ELSE:
			next(p);
			*stop = STOP_ELSE;
			return list;
		case T_IF:
			next(p);
			n = parse_control(p, TN_IF, "if", k);
			break;
		case T_RANGE:
			next(p);
			n = parse_control(p, TN_RANGE, "range", k);
			break;
		case T_WITH:
			next(p);
			n = parse_control(p, TN_WITH, "with", k);
			break;
		case T_BREAK:
		case T_CONTINUE:
			next(p);
			if (next(p)->kind != T_RDELIM) {
				perr(p, k->line, "unexpected token in {{%s}}",
				     k->kind == T_BREAK ? "break" : "continue");
				break;
			}
			if (!p->range_depth) {
				perr(p, k->line, "{{%s}} outside {{range}}",
				     k->kind == T_BREAK ? "break" : "continue");
				break;
			}
			n = new_node(k->kind == T_BREAK ? TN_BREAK : TN_CONTINUE, k);
			break;
		case T_DEFINE:
		case T_TEMPLATE:
		case T_BLOCK:
			perr(p, k->line, "{{%.*s}} is not supported",
			     (int)k->len, p->src + k->pos);
			break;
		default:
			n = new_node(TN_ACTION, t);
			n->pipe = parse_pipeline(p, "command", true, T_RDELIM);
			if (!n->pipe) {
				free_node(n);
				n = NULL;
			}
			break;
		}
		if (!n) {
			if (!p->err)
				perr(p, k->line, "unexpected error");
			free_node(list);
			return NULL;
		}
		add_kid(list, n);
	}
}

struct lp_template *lp_template_parse(const char *text, char **err)
{
	struct parser p;
	struct lp_template *t = NULL;
	enum list_stop stop;

	memset(&p, 0, sizeof(p));
	p.src = text;
	p.srclen = strlen(text);
	push_var(&p, "$", 1);
	if (lex(&p) == 0) {
		struct tnode *root = parse_list(&p, &stop);
		if (root && stop != STOP_EOF) {
			struct token *bad = &p.toks[p.cur ? p.cur - 1 : 0];
			perr(&p, bad->line, "unexpected {{%s}}",
			     stop == STOP_END ? "end" : "else");
		}
		if (root && !p.err) {
			t = xcalloc1(sizeof(*t));
			t->src = tmpl_xstrndup(text, p.srclen);
			t->root = root;
		} else {
			free_node(root);
		}
	}
	for (size_t i = 0; i < p.ntoks; i++)
		free(p.toks[i].val);
	free(p.toks);
	pop_vars(&p, 0);
	free(p.vars);
	if (!t) {
		if (err)
			*err = p.err ? p.err : tmpl_xstrndup("template: parse error", 21);
		else
			free(p.err);
	}
	return t;
}

void lp_template_free(struct lp_template *t)
{
	if (!t)
		return;
	free_node(t->root);
	free(t->src);
	free(t);
}
