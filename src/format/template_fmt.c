/*
 * Value model and Go fmt/strconv/encoding-json lookalikes for the template
 * engine (see template_int.h).  Only what Podman-style templates need:
 * fmt's %v printing of basic values, slices, maps and structs; the common
 * Printf verbs; strconv.Quote; compact JSON.
 */
#include "template_int.h"
#include "../util/utf8.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- maps set ---------------------------------------------------------- */

void lp_tmpl_maps_add(struct lp_tmpl_maps *m, const cJSON *obj)
{
	if (m->n == m->alloc) {
		m->alloc = m->alloc ? m->alloc * 2 : 8;
		m->v = tmpl_xrealloc(m->v, m->alloc * sizeof(*m->v));
	}
	m->v[m->n++] = obj;
}

int lp_tmpl_maps_has(const struct lp_tmpl_maps *m, const cJSON *obj)
{
	/* Linear: a command output marks a handful of maps per object. */
	if (!m)
		return 0;
	for (size_t i = 0; i < m->n; i++)
		if (m->v[i] == obj)
			return 1;
	return 0;
}

void lp_tmpl_maps_release(struct lp_tmpl_maps *m)
{
	free(m->v);
	m->v = NULL;
	m->n = m->alloc = 0;
}

/* ---- values ------------------------------------------------------------ */

struct tval tv_from_json(const cJSON *j, const struct lp_tmpl_maps *maps)
{
	struct tval v;

	memset(&v, 0, sizeof(v));
	if (!j) {
		v.k = TV_INVALID;
	} else if (cJSON_IsNull(j)) {
		v.k = TV_NIL;
	} else if (cJSON_IsBool(j)) {
		v.k = TV_BOOL;
		v.b = cJSON_IsTrue(j);
	} else if (cJSON_IsNumber(j)) {
		double d = j->valuedouble;
		/* integral and exactly representable: a Go int */
		if (d == floor(d) && fabs(d) <= 9007199254740992.0) {
			v.k = TV_INT;
			v.i = (long long)d;
		} else {
			v.k = TV_FLOAT;
			v.f = d;
		}
	} else if (cJSON_IsString(j)) {
		v.k = TV_STRING;
		v.s = j->valuestring ? j->valuestring : "";
		v.n = strlen(v.s);
	} else if (cJSON_IsArray(j)) {
		v.k = TV_ARRAY;
		v.j = j;
		v.n = (size_t)cJSON_GetArraySize(j);
	} else if (cJSON_IsObject(j)) {
		v.k = lp_tmpl_maps_has(maps, j) ? TV_MAP : TV_STRUCT;
		v.j = j;
	} else {
		v.k = TV_INVALID;
	}
	return v;
}

struct tval tv_array_elem(const struct tval *a, size_t i,
			  const struct lp_tmpl_maps *maps)
{
	return tv_from_json(cJSON_GetArrayItem(a->j, (int)(a->off + i)), maps);
}

const char *tv_type_name(const struct tval *v)
{
	switch (v->k) {
	case TV_INVALID: return "<invalid>";
	case TV_NIL: return "<nil>";
	case TV_BOOL: return "bool";
	case TV_INT: return "int";
	case TV_FLOAT: return "float64";
	case TV_STRING: return "string";
	case TV_ARRAY: return "[]interface {}";
	case TV_STRUCT: return "struct";
	case TV_MAP: return "map[string]string";
	}
	return "?";
}

/* Object members sorted by key (Go prints and encodes maps sorted). */
static int cmp_member(const void *a, const void *b)
{
	const cJSON *x = *(const cJSON *const *)a, *y = *(const cJSON *const *)b;
	return strcmp(x->string ? x->string : "", y->string ? y->string : "");
}

static const cJSON **sorted_members(const cJSON *obj, size_t *n)
{
	size_t cnt = 0, i = 0;
	const cJSON *c;
	const cJSON **arr;

	cJSON_ArrayForEach(c, obj)
		cnt++;
	arr = tmpl_xmalloc((cnt ? cnt : 1) * sizeof(*arr));
	cJSON_ArrayForEach(c, obj)
		arr[i++] = c;
	qsort(arr, cnt, sizeof(*arr), cmp_member);
	*n = cnt;
	return arr;
}

/* ---- UTF-8 ------------------------------------------------------------- */

/* Decode one rune; invalid input yields -1 with width 1 (Go: RuneError). */
static long utf8_decode(const unsigned char *s, size_t n, size_t *w)
{
	unsigned char c = s[0];
	long r;
	size_t need;

	*w = 1;
	if (c < 0x80)
		return c;
	if (c >= 0xc2 && c <= 0xdf)
		need = 1, r = c & 0x1f;
	else if (c >= 0xe0 && c <= 0xef)
		need = 2, r = c & 0x0f;
	else if (c >= 0xf0 && c <= 0xf4)
		need = 3, r = c & 0x07;
	else
		return -1;
	if (n < need + 1)
		return -1;
	for (size_t k = 1; k <= need; k++) {
		if ((s[k] & 0xc0) != 0x80)
			return -1;
		r = (r << 6) | (s[k] & 0x3f);
	}
	/* overlong, surrogate, out of range */
	if ((need == 2 && r < 0x800) || (need == 3 && r < 0x10000) ||
	    (r >= 0xd800 && r <= 0xdfff) || r > 0x10ffff)
		return -1;
	*w = need + 1;
	return r;
}

static size_t rune_count(const char *s, size_t n)
{
	size_t cnt = 0, w;
	for (size_t i = 0; i < n; i += w, cnt++)
		utf8_decode((const unsigned char *)s + i, n - i, &w);
	return cnt;
}

/*
 * Approximation of Go's unicode.IsPrint (letters, marks, numbers,
 * punctuation, symbols and U+0020).  Without Unicode tables we reject the
 * ranges that matter in practice: controls, format characters, separators
 * other than space, private use, and noncharacters.
 */
static bool rune_is_print(long r)
{
	if (r < 0x20 || r == 0x7f)
		return false;
	if (r < 0x7f)
		return true;
	if (r < 0xa0 || r == 0xa0 || r == 0xad)
		return false;
	if (r == 0x1680 || (r >= 0x2000 && r <= 0x200f) ||
	    (r >= 0x2028 && r <= 0x202f) || (r >= 0x205f && r <= 0x206f) ||
	    r == 0x3000 || r == 0xfeff || (r >= 0xfff9 && r <= 0xfffb) ||
	    r == 0x061c || r == 0x180e || (r >= 0x0600 && r <= 0x0605) ||
	    r == 0x06dd || r == 0x070f || r == 0x08e2 || r == 0x110bd ||
	    (r >= 0x1bca0 && r <= 0x1bca3) || (r >= 0x1d173 && r <= 0x1d17a) ||
	    (r >= 0xe0000 && r <= 0xe007f))
		return false;
	if ((r >= 0xe000 && r <= 0xf8ff) || r >= 0xf0000)
		return false; /* private use */
	if ((r & 0xfffe) == 0xfffe || (r >= 0xfdd0 && r <= 0xfdef))
		return false; /* noncharacters */
	return true;
}

/* strconv.Quote (ascii: strconv.QuoteToASCII) */
void tv_quote(struct strbuf *sb, const char *s, size_t n, bool ascii)
{
	static const char hex[] = "0123456789abcdef";
	size_t w;

	strbuf_addch(sb, '"');
	for (size_t i = 0; i < n; i += w) {
		long r = utf8_decode((const unsigned char *)s + i, n - i, &w);
		if (r < 0) {
			unsigned char b = (unsigned char)s[i];
			strbuf_adds(sb, "\\x");
			strbuf_addch(sb, hex[b >> 4]);
			strbuf_addch(sb, hex[b & 15]);
			continue;
		}
		if (r == '"' || r == '\\') {
			strbuf_addch(sb, '\\');
			strbuf_addch(sb, (int)r);
			continue;
		}
		if (ascii ? (r < 0x7f && rune_is_print(r)) : rune_is_print(r)) {
			strbuf_add(sb, s + i, w);
			continue;
		}
		switch (r) {
		case '\a': strbuf_adds(sb, "\\a"); continue;
		case '\b': strbuf_adds(sb, "\\b"); continue;
		case '\f': strbuf_adds(sb, "\\f"); continue;
		case '\n': strbuf_adds(sb, "\\n"); continue;
		case '\r': strbuf_adds(sb, "\\r"); continue;
		case '\t': strbuf_adds(sb, "\\t"); continue;
		case '\v': strbuf_adds(sb, "\\v"); continue;
		}
		if (r < ' ' || r == 0x7f)
			strbuf_addf(sb, "\\x%02x", (unsigned)r);
		else if (r < 0x10000)
			strbuf_addf(sb, "\\u%04lx", r);
		else
			strbuf_addf(sb, "\\U%08lx", r);
	}
	strbuf_addch(sb, '"');
}

static bool can_backquote(const char *s, size_t n)
{
	size_t w;
	for (size_t i = 0; i < n; i += w) {
		long r = utf8_decode((const unsigned char *)s + i, n - i, &w);
		if (r < 0 || r == '`' || r == 0xfeff || r == 0x7f ||
		    (r < ' ' && r != '\t'))
			return false;
	}
	return true;
}

/* ---- floats ------------------------------------------------------------ */

/* A double's exact decimal expansion has at most 767 significant digits,
 * so asking for more only adds zeros, which are stripped anyway. */
#define FLOAT_DIGITS_MAX 800

/* Decimal digits of |f|: value = 0.DIGITS * 10^dp.  prec < 0: shortest
 * digits that read back as f; else prec significant digits (at most
 * FLOAT_DIGITS_MAX; digs holds FLOAT_DIGITS_MAX + 1 bytes). */
static void float_digits(double f, int prec, char *digs, int *nd, int *dp)
{
	char buf[FLOAT_DIGITS_MAX + 16];
	int k = 0;

	if (prec > FLOAT_DIGITS_MAX)
		prec = FLOAT_DIGITS_MAX;
	f = fabs(f);
	if (f == 0) {
		strcpy(digs, "0");
		*nd = 1;
		*dp = 1;
		return;
	}
	if (prec < 0) {
		for (int p = 1; p <= 17; p++) {
			snprintf(buf, sizeof buf, "%.*e", p - 1, f);
			if (strtod(buf, NULL) == f)
				break;
		}
	} else {
		snprintf(buf, sizeof buf, "%.*e", prec > 0 ? prec - 1 : 0, f);
	}
	char *e = strchr(buf, 'e');
	for (char *c = buf; c < e; c++)
		if (*c != '.')
			digs[k++] = *c;
	while (k > 1 && digs[k - 1] == '0')
		k--;
	digs[k] = '\0';
	*nd = k;
	*dp = atoi(e + 1) + 1;
}

static void put_e(struct strbuf *sb, const char *digs, int nd, int dp,
		  char e, bool short_exp)
{
	int exp = dp - 1;
	strbuf_addch(sb, digs[0]);
	if (nd > 1) {
		strbuf_addch(sb, '.');
		strbuf_add(sb, digs + 1, (size_t)nd - 1);
	}
	if (short_exp)
		strbuf_addf(sb, "%c%c%d", e, exp < 0 ? '-' : '+', abs(exp));
	else
		strbuf_addf(sb, "%c%c%02d", e, exp < 0 ? '-' : '+', abs(exp));
}

static void put_f(struct strbuf *sb, const char *digs, int nd, int dp)
{
	if (dp <= 0) {
		strbuf_addch(sb, '0');
		strbuf_addch(sb, '.');
		for (int i = 0; i < -dp; i++)
			strbuf_addch(sb, '0');
		strbuf_add(sb, digs, (size_t)nd);
		return;
	}
	for (int i = 0; i < dp; i++)
		strbuf_addch(sb, i < nd ? digs[i] : '0');
	if (nd > dp) {
		strbuf_addch(sb, '.');
		strbuf_add(sb, digs + dp, (size_t)(nd - dp));
	}
}

/* strconv.FormatFloat(f, verb, prec, 64) for verb g/G/e/E/f (prec -1:
 * shortest). */
void tv_fmt_float(struct strbuf *sb, double f, char verb, int prec)
{
	char digs[FLOAT_DIGITS_MAX + 1];
	int nd, dp;

	if (isnan(f)) {
		strbuf_adds(sb, "NaN");
		return;
	}
	if (isinf(f)) {
		strbuf_adds(sb, f > 0 ? "+Inf" : "-Inf");
		return;
	}
	if (verb == 'f' || verb == 'F' ||
	    ((verb == 'e' || verb == 'E') && prec >= 0)) {
		if (prec < 0) {
			float_digits(f, -1, digs, &nd, &dp);
			if (signbit(f))
				strbuf_addch(sb, '-');
			put_f(sb, digs, nd, dp);
			return;
		}
		/* Any precision: the output is as long as it asks. */
		if (verb == 'E')
			strbuf_addf(sb, "%.*E", prec, f);
		else if (verb == 'e')
			strbuf_addf(sb, "%.*e", prec, f);
		else
			strbuf_addf(sb, "%.*f", prec, f);
		return;
	}
	if (signbit(f))
		strbuf_addch(sb, '-');
	if (verb == 'e' || verb == 'E') {
		float_digits(f, -1, digs, &nd, &dp);
		put_e(sb, digs, nd, dp, verb, false);
		return;
	}
	/* %g */
	float_digits(f, prec == 0 ? 1 : prec, digs, &nd, &dp);
	int eprec = prec;
	if (prec < 0)
		eprec = 6;
	else if (eprec > nd && nd >= dp)
		eprec = nd;
	int exp = dp - 1;
	if (exp < -4 || exp >= eprec)
		put_e(sb, digs, nd, dp, verb == 'G' ? 'E' : 'e', false);
	else
		put_f(sb, digs, nd, dp);
}

/* ---- %v printing ------------------------------------------------------- */

struct fspec {
	char verb;
	bool minus, plus, sharp, zero, space;
	int width, prec;	/* -1: unset */
};

static void fmt_value(struct strbuf *sb, const struct fspec *fs,
		      const struct tval *v, const struct lp_tmpl_maps *maps,
		      int depth);

void tv_print(struct strbuf *sb, const struct tval *v,
	      const struct lp_tmpl_maps *maps)
{
	struct fspec fs = { 'v', false, false, false, false, false, -1, -1 };

	if (v->k == TV_INVALID) {
		strbuf_adds(sb, "<no value>");
		return;
	}
	fmt_value(sb, &fs, v, maps, 0);
}

static void pad_add(struct strbuf *sb, const struct fspec *fs,
		    const char *s, size_t n, bool numeric)
{
	size_t w = rune_count(s, n);
	size_t pad = fs->width > 0 && (size_t)fs->width > w ?
		     (size_t)fs->width - w : 0;

	if (fs->minus) {
		strbuf_add(sb, s, n);
		while (pad--)
			strbuf_addch(sb, ' ');
		return;
	}
	if (fs->zero && numeric) {
		/* zeros go after the sign */
		if (n && (s[0] == '-' || s[0] == '+')) {
			strbuf_addch(sb, s[0]);
			s++, n--;
		}
		while (pad--)
			strbuf_addch(sb, '0');
		strbuf_add(sb, s, n);
		return;
	}
	while (pad--)
		strbuf_addch(sb, ' ');
	strbuf_add(sb, s, n);
}

static void bad_verb(struct strbuf *sb, char verb, const struct tval *v,
		     const struct lp_tmpl_maps *maps)
{
	strbuf_addf(sb, "%%!%c(", verb);
	if (v->k == TV_NIL || v->k == TV_INVALID) {
		strbuf_adds(sb, "<nil>");
	} else {
		strbuf_adds(sb, tv_type_name(v));
		strbuf_addch(sb, '=');
		tv_print(sb, v, maps);
	}
	strbuf_addch(sb, ')');
}

static void fmt_int(struct strbuf *sb, const struct fspec *fs, long long i)
{
	struct strbuf t = STRBUF_INIT;
	unsigned long long u = i < 0 ? 0ULL - (unsigned long long)i :
				       (unsigned long long)i;
	char digits[80];
	int base = 10, k = 0;
	const char *alpha = "0123456789abcdef";

	switch (fs->verb) {
	case 'x': base = 16; break;
	case 'X': base = 16; alpha = "0123456789ABCDEF"; break;
	case 'o': case 'O': base = 8; break;
	case 'b': base = 2; break;
	}
	do {
		digits[k++] = alpha[u % (unsigned)base];
		u /= (unsigned)base;
	} while (u);
	if (fs->prec == 0 && i == 0)
		k = 0;
	while (fs->prec > 0 && k < fs->prec && k < 70)
		digits[k++] = '0';
	if (i < 0)
		strbuf_addch(&t, '-');
	else if (fs->plus)
		strbuf_addch(&t, '+');
	else if (fs->space)
		strbuf_addch(&t, ' ');
	if (fs->verb == 'O' || (fs->sharp && fs->verb == 'o'))
		strbuf_adds(&t, fs->verb == 'O' ? "0o" : "0");
	if (fs->sharp && base == 16)
		strbuf_adds(&t, fs->verb == 'X' ? "0X" : "0x");
	if (fs->sharp && base == 2)
		strbuf_adds(&t, "0b");
	while (k)
		strbuf_addch(&t, digits[--k]);
	pad_add(sb, fs, t.buf, t.len, fs->prec < 0);
	strbuf_release(&t);
}

static void fmt_string(struct strbuf *sb, const struct fspec *fs,
		       const char *s, size_t n)
{
	struct strbuf t = STRBUF_INIT;

	if (fs->prec >= 0) {
		/* precision truncates to that many runes */
		size_t i = 0, w, cnt = 0;
		while (i < n && cnt < (size_t)fs->prec) {
			utf8_decode((const unsigned char *)s + i, n - i, &w);
			i += w;
			cnt++;
		}
		n = i;
	}
	switch (fs->verb) {
	case 'q':
		if (fs->sharp && can_backquote(s, n)) {
			strbuf_addch(&t, '`');
			strbuf_add(&t, s, n);
			strbuf_addch(&t, '`');
		} else {
			tv_quote(&t, s, n, fs->plus);
		}
		break;
	case 'x': case 'X':
		for (size_t i = 0; i < n; i++) {
			if (fs->space && i)
				strbuf_addch(&t, ' ');
			strbuf_addf(&t, fs->verb == 'x' ? "%02x" : "%02X",
				    (unsigned char)s[i]);
		}
		break;
	default:
		strbuf_add(&t, s, n);
	}
	pad_add(sb, fs, t.buf, t.len, false);
	strbuf_release(&t);
}

static void fmt_value(struct strbuf *sb, const struct fspec *fs,
		      const struct tval *v, const struct lp_tmpl_maps *maps,
		      int depth)
{
	char c = fs->verb;
	struct strbuf t = STRBUF_INIT;

	switch (v->k) {
	case TV_INVALID:
	case TV_NIL:
		if (c == 'v')
			pad_add(sb, fs, "<nil>", 5, false);
		else
			bad_verb(sb, c, v, maps);
		return;
	case TV_BOOL:
		if (c == 'v' || c == 't')
			pad_add(sb, fs, v->b ? "true" : "false", v->b ? 4 : 5, false);
		else
			bad_verb(sb, c, v, maps);
		return;
	case TV_INT:
		switch (c) {
		case 'v': case 'd': case 'x': case 'X': case 'o': case 'O':
		case 'b':
			fmt_int(sb, fs, v->i);
			return;
		case 'c':
			lp_utf8_add(&t, v->i >= 0 && v->i <= 0x10ffff &&
				 !(v->i >= 0xd800 && v->i < 0xe000) ? (long)v->i : 0xfffd);
			pad_add(sb, fs, t.buf, t.len, false);
			strbuf_release(&t);
			return;
		case 'q': {
			long r = v->i >= 0 && v->i <= 0x10ffff &&
				 !(v->i >= 0xd800 && v->i < 0xe000) ? (long)v->i : 0xfffd;
			struct strbuf q = STRBUF_INIT;
			lp_utf8_add(&t, r);
			if (r == '\'') {
				strbuf_adds(&q, "'\\''");
			} else {
				tv_quote(&q, t.buf, t.len, fs->plus);
				q.buf[0] = q.buf[q.len - 1] = '\'';
				if (r == '"') {
					strbuf_reset(&q);
					strbuf_adds(&q, "'\"'");
				}
			}
			pad_add(sb, fs, q.buf, q.len, false);
			strbuf_release(&q);
			strbuf_release(&t);
			return;
		}
		case 'U':
			strbuf_addf(&t, "U+%04llX", v->i);
			pad_add(sb, fs, t.buf, t.len, false);
			strbuf_release(&t);
			return;
		}
		bad_verb(sb, c, v, maps);
		return;
	case TV_FLOAT:
		switch (c) {
		case 'v': case 'g': case 'G': case 'e': case 'E': case 'f':
		case 'F':
			if (v->f >= 0 && fs->plus)
				strbuf_addch(&t, '+');
			else if (v->f >= 0 && fs->space)
				strbuf_addch(&t, ' ');
			tv_fmt_float(&t, v->f, c == 'v' ? 'g' : c,
				     fs->prec >= 0 ? fs->prec :
				     (c == 'f' || c == 'F' || c == 'e' || c == 'E') ? 6 : -1);
			pad_add(sb, fs, t.buf, t.len, true);
			strbuf_release(&t);
			return;
		}
		bad_verb(sb, c, v, maps);
		return;
	case TV_STRING:
		if (c == 'v' || c == 's' || c == 'q' || c == 'x' || c == 'X')
			fmt_string(sb, fs, v->s, v->n);
		else
			bad_verb(sb, c, v, maps);
		return;
	case TV_ARRAY:
		strbuf_addch(sb, '[');
		for (size_t i = 0; i < v->n; i++) {
			struct tval e = tv_array_elem(v, i, maps);
			if (i)
				strbuf_addch(sb, ' ');
			fmt_value(sb, fs, &e, maps, depth + 1);
		}
		strbuf_addch(sb, ']');
		return;
	case TV_MAP: {
		size_t n;
		const cJSON **m = sorted_members(v->j, &n);
		strbuf_adds(sb, "map[");
		for (size_t i = 0; i < n; i++) {
			struct tval k = { .k = TV_STRING, .s = m[i]->string,
					  .n = strlen(m[i]->string) };
			struct tval e = tv_from_json(m[i], maps);
			if (i)
				strbuf_addch(sb, ' ');
			fmt_value(sb, fs, &k, maps, depth + 1);
			strbuf_addch(sb, ':');
			fmt_value(sb, fs, &e, maps, depth + 1);
		}
		strbuf_addch(sb, ']');
		free(m);
		return;
	}
	case TV_STRUCT: {
		const cJSON *c2;
		bool first = true;
		strbuf_addch(sb, '{');
		cJSON_ArrayForEach(c2, v->j) {
			struct tval e = tv_from_json(c2, maps);
			if (!first)
				strbuf_addch(sb, ' ');
			first = false;
			if (fs->plus && fs->verb == 'v')
				strbuf_addf(sb, "%s:", c2->string);
			fmt_value(sb, fs, &e, maps, depth + 1);
		}
		strbuf_addch(sb, '}');
		return;
	}
	}
}

/* ---- Sprintf / Sprint -------------------------------------------------- */

void tv_sprintf(struct strbuf *sb, const char *f, size_t flen,
		const struct tval *args, size_t nargs,
		const struct lp_tmpl_maps *maps)
{
	size_t argi = 0, i = 0;

	while (i < flen) {
		struct fspec fs = { 0, false, false, false, false, false, -1, -1 };
		if (f[i] != '%') {
			size_t st = i;
			while (i < flen && f[i] != '%')
				i++;
			strbuf_add(sb, f + st, i - st);
			continue;
		}
		i++;
		for (; i < flen; i++) {
			if (f[i] == '-') fs.minus = true;
			else if (f[i] == '+') fs.plus = true;
			else if (f[i] == '#') fs.sharp = true;
			else if (f[i] == '0') fs.zero = !fs.minus;
			else if (f[i] == ' ') fs.space = true;
			else break;
		}
		if (fs.minus)
			fs.zero = false;
		if (i < flen && f[i] == '*') {
			i++;
			if (argi < nargs && args[argi].k == TV_INT) {
				long long w = args[argi++].i;
				if (w < 0) {
					fs.minus = true;
					fs.zero = false;
					w = -w;
				}
				fs.width = w > 1000000 ? 1000000 : (int)w;
			} else {
				strbuf_adds(sb, "%!(BADWIDTH)");
				if (argi < nargs)
					argi++;
			}
		} else {
			while (i < flen && f[i] >= '0' && f[i] <= '9') {
				fs.width = (fs.width < 0 ? 0 : fs.width) * 10 + (f[i] - '0');
				if (fs.width > 1000000)
					fs.width = 1000000;
				i++;
			}
		}
		if (i < flen && f[i] == '.') {
			i++;
			fs.prec = 0;
			if (i < flen && f[i] == '*') {
				i++;
				if (argi < nargs && args[argi].k == TV_INT &&
				    args[argi].i >= 0) {
					long long pr = args[argi++].i;
					fs.prec = pr > 1000000 ? 1000000 : (int)pr;
				} else {
					strbuf_adds(sb, "%!(BADPREC)");
					fs.prec = -1;
					if (argi < nargs)
						argi++;
				}
			}
			while (i < flen && f[i] >= '0' && f[i] <= '9') {
				fs.prec = fs.prec * 10 + (f[i] - '0');
				if (fs.prec > 1000000)
					fs.prec = 1000000;
				i++;
			}
		}
		if (i >= flen) {
			strbuf_adds(sb, "%!(NOVERB)");
			break;
		}
		size_t w;
		long verb = utf8_decode((const unsigned char *)f + i, flen - i, &w);
		i += w;
		if (verb == '%') {
			strbuf_addch(sb, '%');
			continue;
		}
		if (argi >= nargs) {
			strbuf_adds(sb, "%!");
			lp_utf8_add(sb, verb < 0 ? 0xfffd : verb);
			strbuf_adds(sb, "(MISSING)");
			continue;
		}
		if (verb < 0 || verb > 0x7f || !strchr("vdsqxXtfFeEgGcobOU", (int)verb)) {
			const struct tval *a = &args[argi++];
			strbuf_adds(sb, "%!");
			lp_utf8_add(sb, verb < 0 ? 0xfffd : verb);
			strbuf_addch(sb, '(');
			if (a->k == TV_NIL || a->k == TV_INVALID) {
				strbuf_adds(sb, "<nil>");
			} else {
				strbuf_adds(sb, tv_type_name(a));
				strbuf_addch(sb, '=');
				tv_print(sb, a, maps);
			}
			strbuf_addch(sb, ')');
			continue;
		}
		fs.verb = (char)verb;
		fmt_value(sb, &fs, &args[argi++], maps, 0);
	}
	if (argi < nargs) {
		strbuf_adds(sb, "%!(EXTRA ");
		for (size_t k = argi; k < nargs; k++) {
			if (k > argi)
				strbuf_adds(sb, ", ");
			if (args[k].k == TV_NIL || args[k].k == TV_INVALID) {
				strbuf_adds(sb, "<nil>");
				continue;
			}
			strbuf_adds(sb, tv_type_name(&args[k]));
			strbuf_addch(sb, '=');
			tv_print(sb, &args[k], maps);
		}
		strbuf_addch(sb, ')');
	}
}

void tv_sprint(struct strbuf *sb, const struct tval *args, size_t nargs,
	       bool ln, const struct lp_tmpl_maps *maps)
{
	struct fspec fs = { 'v', false, false, false, false, false, -1, -1 };

	for (size_t i = 0; i < nargs; i++) {
		/* Sprint: space between operands when neither is a string */
		if (i > 0 && (ln || (args[i].k != TV_STRING &&
				     args[i - 1].k != TV_STRING)))
			strbuf_addch(sb, ' ');
		fmt_value(sb, &fs, &args[i], maps, 0);
	}
	if (ln)
		strbuf_addch(sb, '\n');
}

/* ---- JSON -------------------------------------------------------------- */

/*
 * Podman's "json" template function encodes with a json.Encoder that has
 * SetEscapeHTML(false), so <, > and & stay as they are; everything else
 * follows encoding/json (Go 1.19): \n \r \t \" \\ escapes, other control
 * bytes as \u00XX, U+2028/U+2029 escaped, invalid UTF-8 as \ufffd.
 */
static const bool json_escape_html = false;

static void json_string(struct strbuf *sb, const char *s, size_t n)
{
	size_t w;

	strbuf_addch(sb, '"');
	for (size_t i = 0; i < n; i += w) {
		long r = utf8_decode((const unsigned char *)s + i, n - i, &w);
		if (r < 0) {
			strbuf_adds(sb, "\\ufffd");
			continue;
		}
		if (r == '"' || r == '\\') {
			strbuf_addch(sb, '\\');
			strbuf_addch(sb, (int)r);
		} else if (r == '\n') {
			strbuf_adds(sb, "\\n");
		} else if (r == '\r') {
			strbuf_adds(sb, "\\r");
		} else if (r == '\t') {
			strbuf_adds(sb, "\\t");
		} else if (r < 0x20 || (json_escape_html &&
					(r == '<' || r == '>' || r == '&')) ||
			   r == 0x2028 || r == 0x2029) {
			strbuf_addf(sb, "\\u%04lx", r);
		} else {
			strbuf_add(sb, s + i, w);
		}
	}
	strbuf_addch(sb, '"');
}

static void json_float(struct strbuf *sb, double f)
{
	char digs[FLOAT_DIGITS_MAX + 1];
	int nd, dp;
	double a = fabs(f);

	float_digits(f, -1, digs, &nd, &dp);
	if (signbit(f) && f != 0)
		strbuf_addch(sb, '-');
	if (a != 0 && (a < 1e-6 || a >= 1e21)) {
		/* like 'e' but e-07 becomes e-7 */
		put_e(sb, digs, nd, dp, 'e', true);
	} else {
		put_f(sb, digs, nd, dp);
	}
}

void tv_json(struct strbuf *sb, const struct tval *v,
	     const struct lp_tmpl_maps *maps)
{
	switch (v->k) {
	case TV_INVALID:
	case TV_NIL:
		strbuf_adds(sb, "null");
		return;
	case TV_BOOL:
		strbuf_adds(sb, v->b ? "true" : "false");
		return;
	case TV_INT:
		strbuf_addf(sb, "%lld", v->i);
		return;
	case TV_FLOAT:
		json_float(sb, v->f);
		return;
	case TV_STRING:
		json_string(sb, v->s, v->n);
		return;
	case TV_ARRAY:
		strbuf_addch(sb, '[');
		for (size_t i = 0; i < v->n; i++) {
			struct tval e = tv_array_elem(v, i, maps);
			if (i)
				strbuf_addch(sb, ',');
			tv_json(sb, &e, maps);
		}
		strbuf_addch(sb, ']');
		return;
	case TV_MAP:
	case TV_STRUCT: {
		size_t n = 0;
		const cJSON **m;
		if (v->k == TV_MAP) {
			m = sorted_members(v->j, &n);
		} else {
			const cJSON *c;
			cJSON_ArrayForEach(c, v->j)
				n++;
			m = tmpl_xmalloc((n ? n : 1) * sizeof(*m));
			n = 0;
			cJSON_ArrayForEach(c, v->j)
				m[n++] = c;
		}
		strbuf_addch(sb, '{');
		for (size_t i = 0; i < n; i++) {
			struct tval e = tv_from_json(m[i], maps);
			if (i)
				strbuf_addch(sb, ',');
			json_string(sb, m[i]->string, strlen(m[i]->string));
			strbuf_addch(sb, ':');
			tv_json(sb, &e, maps);
		}
		strbuf_addch(sb, '}');
		free(m);
		return;
	}
	}
}
