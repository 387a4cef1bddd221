/*
 * form.c - parse and validate questionnaires, parse show_if conditions,
 * and check one response against a form.
 *
 * A form is untrusted JSON until form_parse() has accepted it: every key is
 * known, every id and option value has the fixed syntax, every show_if
 * refers only to earlier items and to real options of them, every scale
 * names real scored items, and every size is capped (FORM_MAX_*). After
 * that the rest of pols may index freely.
 *
 * Validation is one pass that reports each problem through a small
 * collector (struct vctx) as "JSON path: reason", e.g.
 * "items[3].show_if: refers to 'foo', which is not an earlier item".
 * form_check() collects up to max problems; form_parse() stops at the
 * first. After a problem the pass goes on where that is safe, and an item
 * whose type or options are broken is marked so that references to it do
 * not report follow-up problems.
 *
 * show_if conditions are compiled once into a small tree (struct
 * form_cond) and evaluated against a response that is being built in item
 * order. This module never prints and never stores answers anywhere but in
 * the caller's form_response, which form_response_clear() wipes.
 */
#include "form.h"

#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#define FORM_TEXT_MAX 1024  /* bytes of one nl or en text */
#define CONSTRUCT_MAX 128   /* bytes of an item's construct */
#define COND_MAX_LEN 512    /* bytes of one show_if */
#define COND_MAX_DEPTH 16   /* nested "not" and parentheses */
#define OPTION_VALUE_MAX 32 /* choice/multi option values */
#define PATH_LEN 64         /* "scales[63].items[7]" and the like */
#define PROBLEM_LEN 512

static const char refuse_nl[] = "zeg ik liever niet";
static const char refuse_en[] = "I'd rather not say";

/* ---- small helpers ------------------------------------------------------ */

static void seterr(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
seterr(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL || errlen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

/* A printable, shortened copy of an untrusted string for error messages. */
static const char *
shown(const char *s, char buf[48])
{
	size_t i;

	if (s == NULL)
		s = "";
	for (i = 0; i < 40 && s[i] != '\0'; i++)
		buf[i] = (s[i] >= 0x20 && s[i] < 0x7f && s[i] != '\'') ? s[i] : '?';
	if (s[i] != '\0' && i == 40) {
		memcpy(buf + i, "...", 3);
		i += 3;
	}
	buf[i] = '\0';
	return buf;
}

/* d is finite and whole (within +-2^53, beyond which every limit here is
 * passed anyway). Avoids libm. */
static bool
is_whole(double d)
{
	return isfinite(d) && d > -9007199254740992.0 &&
	    d < 9007199254740992.0 && d == (double)(long long)d;
}

/* [a-z0-9][a-z0-9_-]{0,max-1} */
static bool
valid_word(const char *s, size_t max)
{
	size_t i;

	if (s == NULL || !((s[0] >= 'a' && s[0] <= 'z') ||
	    (s[0] >= '0' && s[0] <= '9')))
		return false;
	for (i = 1; s[i] != '\0'; i++) {
		char c = s[i];
		if (i >= max)
			return false;
		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		    c == '_' || c == '-'))
			return false;
	}
	return true;
}

static bool
valid_id(const char *s)
{
	return valid_word(s, FORM_ID_MAX - 1);
}

static bool
valid_option_value(const char *s)
{
	return valid_word(s, OPTION_VALUE_MAX);
}

/* Only spaces, tabs and line breaks (or nothing). */
static bool
blank(const char *s)
{
	for (; *s != '\0'; s++)
		if (*s != ' ' && *s != '\t' && *s != '\n' && *s != '\r')
			return false;
	return true;
}

/* Parse exactly len bytes; only whitespace may follow the value. On
 * failure *line and *col (1-based) tell where the JSON went wrong. */
static cJSON *
parse_json(const char *json, size_t len, size_t *line, size_t *col)
{
	const char *end = NULL, *p;
	cJSON *root;

	*line = *col = 1;
	if (json == NULL || len == 0)
		return NULL;
	root = cJSON_ParseWithLengthOpts(json, len, &end, 0);
	if (root != NULL) {
		for (; end != NULL && end < json + len; end++) {
			if (*end != ' ' && *end != '\t' && *end != '\n' &&
			    *end != '\r') {
				cJSON_Delete(root);
				root = NULL;
				break;
			}
		}
	}
	if (root == NULL && end != NULL && end >= json && end <= json + len) {
		for (p = json; p < end; p++) {
			if (*p == '\n') {
				(*line)++;
				*col = 1;
			} else {
				(*col)++;
			}
		}
	}
	return root;
}

static void
text_free(struct form_text *t)
{
	free(t->nl);
	free(t->en);
	t->nl = t->en = NULL;
}

static int
text_set(struct form_text *t, const char *nl, const char *en)
{
	t->nl = strdup(nl);
	t->en = strdup(en);
	if (t->nl == NULL || t->en == NULL) {
		text_free(t);
		return -1;
	}
	return 0;
}

static int
period_from_name(const char *s, enum period_kind *out)
{
	static const struct {
		const char *name;
		enum period_kind kind;
	} map[] = {
		{ "week", PERIOD_WEEK },
		{ "fortnight", PERIOD_FORTNIGHT },
		{ "month", PERIOD_MONTH },
		{ "campaign", PERIOD_CAMPAIGN },
	};
	size_t i;

	for (i = 0; i < sizeof map / sizeof map[0]; i++) {
		if (strcmp(s, map[i].name) == 0) {
			*out = map[i].kind;
			return 0;
		}
	}
	return -1;
}

static const char *const type_names[] = {
	[FORM_LIKERT5] = "likert5",
	[FORM_FREQ5] = "freq5",
	[FORM_SCALE0_10] = "scale0_10",
	[FORM_YESNO] = "yesno",
	[FORM_CHOICE] = "choice",
	[FORM_MULTI] = "multi",
};

static bool
type_is_numeric(enum form_item_type t)
{
	return t == FORM_LIKERT5 || t == FORM_FREQ5 || t == FORM_SCALE0_10;
}

/* Index of the "liever-niet" option of it, or UINT_MAX. */
static unsigned
refuse_index(const struct form_item *it)
{
	if (!it->sensitive || it->n_options == 0 ||
	    strcmp(it->options[it->n_options - 1].value, FORM_REFUSE) != 0)
		return UINT_MAX;
	return (unsigned)(it->n_options - 1);
}

/* ---- show_if ------------------------------------------------------------ */

enum cond_kind { COND_OR, COND_AND, COND_NOT, COND_CMP, COND_HAS };
enum cond_op { OP_EQ, OP_NE, OP_LT, OP_LE, OP_GT, OP_GE };

struct form_cond {
	enum cond_kind kind;
	enum cond_op op;
	size_t item;            /* COND_CMP, COND_HAS */
	unsigned option;        /* option index within that item */
	unsigned refuse;        /* that item's "liever-niet" index or UINT_MAX */
	struct form_cond *kid;  /* operands of OR, AND, NOT */
	struct form_cond *next; /* next operand of the parent */
};

static void
cond_free(struct form_cond *c)
{
	while (c != NULL) {
		struct form_cond *n = c->next;
		cond_free(c->kid);
		free(c);
		c = n;
	}
}

enum tok_kind { TK_END, TK_LP, TK_RP, TK_OP, TK_WORD, TK_BAD };

struct cond_parser {
	const struct form *f;
	const bool *broken; /* items whose options are unusable */
	size_t self;        /* index of the item that owns the show_if */
	const char *s;
	size_t pos;
	enum tok_kind tk;
	enum cond_op op;
	size_t start, len; /* of the current token */
	int depth;
	bool silent;       /* failed on a broken item: already reported */
	char why[256];     /* the reason, without a path */
};

static void cond_fail(struct cond_parser *p, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
cond_fail(struct cond_parser *p, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(p->why, sizeof p->why, fmt, ap);
	va_end(ap);
}

static bool
is_word_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' ||
	    c == '-';
}

static void
tok_next(struct cond_parser *p)
{
	const char *s = p->s;

	while (s[p->pos] == ' ' || s[p->pos] == '\t')
		p->pos++;
	p->start = p->pos;
	p->len = 1;
	switch (s[p->pos]) {
	case '\0':
		p->tk = TK_END;
		p->len = 0;
		return;
	case '(':
		p->tk = TK_LP;
		break;
	case ')':
		p->tk = TK_RP;
		break;
	case '=':
	case '!':
		if (s[p->pos + 1] != '=') {
			p->tk = TK_BAD;
			return;
		}
		p->tk = TK_OP;
		p->op = s[p->pos] == '=' ? OP_EQ : OP_NE;
		p->len = 2;
		break;
	case '<':
	case '>':
		p->tk = TK_OP;
		if (s[p->pos + 1] == '=') {
			p->op = s[p->pos] == '<' ? OP_LE : OP_GE;
			p->len = 2;
		} else {
			p->op = s[p->pos] == '<' ? OP_LT : OP_GT;
		}
		break;
	default:
		if (!is_word_char(s[p->pos])) {
			p->tk = TK_BAD;
			return;
		}
		p->tk = TK_WORD;
		p->len = 0;
		while (is_word_char(s[p->pos + p->len]))
			p->len++;
		break;
	}
	p->pos += p->len;
}

static bool
tok_is(const struct cond_parser *p, const char *word)
{
	return p->tk == TK_WORD && strlen(word) == p->len &&
	    memcmp(p->s + p->start, word, p->len) == 0;
}

static bool
tok_is_keyword(const struct cond_parser *p)
{
	return tok_is(p, "and") || tok_is(p, "or") || tok_is(p, "not") ||
	    tok_is(p, "has");
}

/* Copy the current word; words are at most COND_MAX_LEN bytes. */
static void
tok_word(const struct cond_parser *p, char *buf, size_t buflen)
{
	size_t n = p->len < buflen - 1 ? p->len : buflen - 1;

	memcpy(buf, p->s + p->start, n);
	buf[n] = '\0';
}

static void
cond_fail_unexpected(struct cond_parser *p)
{
	char w[48], b[48];

	if (p->tk == TK_END) {
		cond_fail(p, "unexpected end");
		return;
	}
	tok_word(p, w, sizeof w);
	if (p->tk == TK_BAD || p->len == 0) {
		w[0] = p->s[p->start];
		w[1] = '\0';
	}
	cond_fail(p, "unexpected '%s' at %zu", shown(w, b), p->start + 1);
}

static struct form_cond *
cond_node(enum cond_kind kind)
{
	struct form_cond *c = calloc(1, sizeof *c);

	if (c != NULL) {
		c->kind = kind;
		c->refuse = UINT_MAX;
	}
	return c;
}

static struct form_cond *cond_parse_or(struct cond_parser *p);

static int
cond_enter(struct cond_parser *p)
{
	if (++p->depth > COND_MAX_DEPTH) {
		cond_fail(p, "nested deeper than %d", COND_MAX_DEPTH);
		return -1;
	}
	return 0;
}

static struct form_cond *
cond_oom(struct cond_parser *p)
{
	cond_fail(p, "out of memory");
	return NULL;
}

/* ID OP VALUE | ID "has" VALUE */
static struct form_cond *
cond_parse_test(struct cond_parser *p)
{
	const struct form *f = p->f;
	const struct form_item *it;
	struct form_cond *c;
	char name[COND_MAX_LEN + 1], val[COND_MAX_LEN + 1], b[48], b2[48];
	enum cond_kind kind;
	enum cond_op op = OP_EQ;
	int idx, opt;

	tok_word(p, name, sizeof name);
	idx = valid_id(name) ? form_item_index(f, name) : -1;
	if (idx < 0) {
		cond_fail(p, "unknown item '%s'", shown(name, b));
		return NULL;
	}
	if ((size_t)idx == p->self) {
		cond_fail(p, "refers to '%s', which is not an earlier item "
		    "(it is this item)", name);
		return NULL;
	}
	if ((size_t)idx > p->self) {
		cond_fail(p, "refers to '%s', which is not an earlier item",
		    name);
		return NULL;
	}
	if (p->broken[idx]) {
		p->silent = true;
		cond_fail(p, "refers to broken item '%s'", name);
		return NULL;
	}
	it = &f->items[idx];
	tok_next(p);
	if (tok_is(p, "has")) {
		if (it->type != FORM_MULTI) {
			cond_fail(p, "'has' needs a multi item, '%s' is %s",
			    it->id, type_names[it->type]);
			return NULL;
		}
		kind = COND_HAS;
	} else if (p->tk == TK_OP) {
		op = p->op;
		if (it->type == FORM_MULTI) {
			cond_fail(p, "use 'has' for multi item '%s'", it->id);
			return NULL;
		}
		if (op != OP_EQ && op != OP_NE && !type_is_numeric(it->type)) {
			cond_fail(p, "ordering needs a numeric item, '%s' is %s",
			    it->id, type_names[it->type]);
			return NULL;
		}
		kind = COND_CMP;
	} else {
		cond_fail_unexpected(p);
		return NULL;
	}
	tok_next(p);
	if (p->tk != TK_WORD || tok_is_keyword(p)) {
		cond_fail_unexpected(p);
		return NULL;
	}
	tok_word(p, val, sizeof val);
	opt = form_option_index(it, val);
	if (opt < 0) {
		cond_fail(p, "'%s' is not an option of item '%s'",
		    shown(val, b2), it->id);
		return NULL;
	}
	if (op != OP_EQ && op != OP_NE && (unsigned)opt == refuse_index(it)) {
		cond_fail(p, "'%s' cannot be compared with %s", FORM_REFUSE,
		    op == OP_LT ? "<" : op == OP_LE ? "<=" :
		    op == OP_GT ? ">" : ">=");
		return NULL;
	}
	tok_next(p);
	if ((c = cond_node(kind)) == NULL)
		return cond_oom(p);
	c->op = op;
	c->item = (size_t)idx;
	c->option = (unsigned)opt;
	c->refuse = refuse_index(it);
	return c;
}

/* not := "not" not | atom ; atom := "(" expr ")" | test */
static struct form_cond *
cond_parse_not(struct cond_parser *p)
{
	struct form_cond *c, *kid;

	if (tok_is(p, "not")) {
		if (cond_enter(p) != 0)
			return NULL;
		tok_next(p);
		if ((kid = cond_parse_not(p)) == NULL)
			return NULL;
		p->depth--;
		if ((c = cond_node(COND_NOT)) == NULL) {
			cond_free(kid);
			return cond_oom(p);
		}
		c->kid = kid;
		return c;
	}
	if (p->tk == TK_LP) {
		if (cond_enter(p) != 0)
			return NULL;
		tok_next(p);
		if ((c = cond_parse_or(p)) == NULL)
			return NULL;
		if (p->tk != TK_RP) {
			cond_fail_unexpected(p);
			cond_free(c);
			return NULL;
		}
		tok_next(p);
		p->depth--;
		return c;
	}
	if (p->tk == TK_WORD && !tok_is_keyword(p))
		return cond_parse_test(p);
	cond_fail_unexpected(p);
	return NULL;
}

/* and := not ("and" not)* ; or := and ("or" and)* */
static struct form_cond *
cond_parse_list(struct cond_parser *p, enum cond_kind kind)
{
	const char *word = kind == COND_AND ? "and" : "or";
	struct form_cond *first, *last, *c;

	first = kind == COND_AND ? cond_parse_not(p) :
	    cond_parse_list(p, COND_AND);
	if (first == NULL || !tok_is(p, word))
		return first;
	if ((c = cond_node(kind)) == NULL) {
		cond_free(first);
		return cond_oom(p);
	}
	c->kid = last = first;
	while (tok_is(p, word)) {
		tok_next(p);
		last->next = kind == COND_AND ? cond_parse_not(p) :
		    cond_parse_list(p, COND_AND);
		if (last->next == NULL) {
			cond_free(c);
			return NULL;
		}
		last = last->next;
	}
	return c;
}

static struct form_cond *
cond_parse_or(struct cond_parser *p)
{
	return cond_parse_list(p, COND_OR);
}

/* Compile item self's show_if src. On failure returns -1 with the reason
 * in p->why, or with p->silent set when it failed on a broken item. */
static int
cond_compile(struct cond_parser *p, const struct form *f, const bool *broken,
    size_t self, const char *src, struct form_cond **out)
{
	struct form_cond *c;

	memset(p, 0, sizeof *p);
	p->f = f;
	p->broken = broken;
	p->self = self;
	p->s = src;
	tok_next(p);
	if ((c = cond_parse_or(p)) == NULL)
		return -1;
	if (p->tk != TK_END) {
		cond_fail_unexpected(p);
		cond_free(c);
		return -1;
	}
	*out = c;
	return 0;
}

static const struct form_answer *
answer_at(const struct form_response *r, size_t i)
{
	if (r == NULL || r->a == NULL || i >= r->n)
		return NULL;
	return &r->a[i];
}

static bool
cond_eval(const struct form_cond *c, const struct form_response *r)
{
	const struct form_answer *a;
	const struct form_cond *k;

	switch (c->kind) {
	case COND_OR:
		for (k = c->kid; k != NULL; k = k->next)
			if (cond_eval(k, r))
				return true;
		return false;
	case COND_AND:
		for (k = c->kid; k != NULL; k = k->next)
			if (!cond_eval(k, r))
				return false;
		return true;
	case COND_NOT:
		return !cond_eval(c->kid, r);
	case COND_HAS:
		a = answer_at(r, c->item);
		return a != NULL && a->state == FORM_ANSWERED &&
		    c->option < 32 && (a->value & (1u << c->option)) != 0;
	case COND_CMP:
		a = answer_at(r, c->item);
		if (a == NULL || a->state != FORM_ANSWERED)
			return false;
		/* "liever-niet" is no number: it is neither below nor above
		 * anything. */
		if (c->op != OP_EQ && c->op != OP_NE && a->value == c->refuse)
			return false;
		switch (c->op) {
		case OP_EQ: return a->value == c->option;
		case OP_NE: return a->value != c->option;
		case OP_LT: return a->value < c->option;
		case OP_LE: return a->value <= c->option;
		case OP_GT: return a->value > c->option;
		case OP_GE: return a->value >= c->option;
		}
	}
	return false;
}

/* ---- problems ----------------------------------------------------------- */

/* The collector: every problem goes through problem(); after max of them
 * the rest is dropped and loops stop early (full()). */
struct vctx {
	form_problem_fn fn;
	void *arg;
	int max;
	int n;
	bool broken[FORM_MAX_ITEMS]; /* type or options unusable */
};

static bool
full(const struct vctx *v)
{
	return v->n >= v->max;
}

static void problem(struct vctx *v, const char *path, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Report "path: reason" (just the reason when path is empty). */
static void
problem(struct vctx *v, const char *path, const char *fmt, ...)
{
	char why[PROBLEM_LEN], line[PATH_LEN + PROBLEM_LEN];
	va_list ap;

	if (full(v))
		return;
	va_start(ap, fmt);
	vsnprintf(why, sizeof why, fmt, ap);
	va_end(ap);
	if (*path != '\0')
		snprintf(line, sizeof line, "%s: %s", path, why);
	else
		snprintf(line, sizeof line, "%s", why);
	v->n++;
	if (v->fn != NULL)
		v->fn(v->arg, line);
}

static const char *
pathf(char buf[PATH_LEN], const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static const char *
pathf(char buf[PATH_LEN], const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, PATH_LEN, fmt, ap);
	va_end(ap);
	return buf;
}

/* Every key of object o is in keys[], and none appears twice. Each
 * offending key is a problem; stops when the collector is full, so a
 * hostile object with many keys costs at most max + |keys| rounds. */
static void
check_keys(struct vctx *v, const cJSON *o, const char *const *keys,
    const char *path)
{
	const cJSON *c, *d;
	char b[48];

	for (c = o->child; c != NULL && !full(v); c = c->next) {
		size_t k;

		for (k = 0; keys[k] != NULL; k++)
			if (c->string != NULL && strcmp(c->string, keys[k]) == 0)
				break;
		if (keys[k] == NULL) {
			problem(v, path, "unknown key '%s'", shown(c->string, b));
			continue;
		}
		for (d = o->child; d != c; d = d->next) {
			if (d->string != NULL && strcmp(d->string, c->string) == 0) {
				problem(v, path, "duplicate key '%s'", c->string);
				break;
			}
		}
	}
}

static const cJSON *
get(const cJSON *o, const char *key)
{
	return cJSON_GetObjectItemCaseSensitive(o, key);
}

/* {"nl": "...", "en": "..."}, both non-empty, at most FORM_TEXT_MAX.
 * Returns 0 when t is complete, -1 after reporting problems. */
static int
text_parse(struct vctx *v, const cJSON *j, struct form_text *t,
    const char *path)
{
	static const char *const keys[] = { "nl", "en", NULL };
	char p[PATH_LEN];
	int rc = 0;
	size_t i;

	if (!cJSON_IsObject(j)) {
		problem(v, path, "must be an object {\"nl\", \"en\"}");
		return -1;
	}
	check_keys(v, j, keys, path);
	for (i = 0; i < 2; i++) {
		const cJSON *s = get(j, keys[i]);
		char **dst = i == 0 ? &t->nl : &t->en;

		pathf(p, "%s.%s", path, keys[i]);
		if (s == NULL || (cJSON_IsString(s) && blank(s->valuestring))) {
			problem(v, p, "missing translation");
			rc = -1;
		} else if (!cJSON_IsString(s)) {
			problem(v, p, "must be a string");
			rc = -1;
		} else if (strlen(s->valuestring) > FORM_TEXT_MAX) {
			problem(v, p, "longer than %d bytes", FORM_TEXT_MAX);
			rc = -1;
		} else if ((*dst = strdup(s->valuestring)) == NULL) {
			problem(v, p, "out of memory");
			rc = -1;
		}
	}
	return rc;
}

/* A required text key of object o. */
static int
text_key(struct vctx *v, const cJSON *o, const char *key,
    struct form_text *t, const char *path)
{
	char p[PATH_LEN];

	if (get(o, key) == NULL) {
		problem(v, path, "missing '%s'", key);
		return -1;
	}
	return text_parse(v, get(o, key), t,
	    pathf(p, "%s%s%s", path, *path ? "." : "", key));
}

static void
get_bool(struct vctx *v, const cJSON *o, const char *key, bool *out,
    const char *path)
{
	const cJSON *j = get(o, key);
	char p[PATH_LEN];

	*out = false;
	if (j == NULL)
		return;
	if (!cJSON_IsBool(j)) {
		problem(v, pathf(p, "%s.%s", path, key),
		    "must be true or false");
		return;
	}
	*out = cJSON_IsTrue(j);
}

/* ---- form --------------------------------------------------------------- */

static void
item_clear(struct form_item *it)
{
	size_t i;

	text_free(&it->text);
	for (i = 0; i < it->n_options; i++)
		text_free(&it->options[i].label);
	free(it->options);
	free(it->show_if);
	free(it->construct);
	cond_free(it->cond);
	memset(it, 0, sizeof *it);
}

void
form_free(struct form *f)
{
	size_t i;

	if (f == NULL)
		return;
	text_free(&f->title);
	for (i = 0; i < f->n_items; i++)
		item_clear(&f->items[i]);
	free(f->items);
	for (i = 0; i < f->n_scales; i++) {
		text_free(&f->scales[i].name);
		free(f->scales[i].items);
	}
	free(f->scales);
	for (i = 0; i < f->n_modules; i++)
		text_free(&f->modules[i].title);
	free(f->modules);
	for (i = 0; i < f->n_notes; i++)
		text_free(&f->notes[i].text);
	free(f->notes);
	free(f);
}

const struct form_scale *
form_scale_find(const struct form *f, const char *id)
{
	for (size_t i = 0; i < f->n_scales; i++)
		if (strcmp(f->scales[i].id, id) == 0)
			return &f->scales[i];
	return NULL;
}

int
form_item_index(const struct form *f, const char *id)
{
	size_t i;

	if (f == NULL || id == NULL)
		return -1;
	for (i = 0; i < f->n_items; i++)
		if (strcmp(f->items[i].id, id) == 0)
			return (int)i;
	return -1;
}

int
form_option_index(const struct form_item *it, const char *value)
{
	size_t i;

	if (it == NULL || value == NULL)
		return -1;
	for (i = 0; i < it->n_options; i++)
		if (strcmp(it->options[i].value, value) == 0)
			return (int)i;
	return -1;
}

/* An item id of f, only when s is a valid id (an item whose own id was
 * refused has id "" and must not be found). */
static int
item_ref(const struct form *f, const char *s)
{
	return valid_id(s) ? form_item_index(f, s) : -1;
}

static const char *const likert_nl[5] = { "helemaal oneens", "oneens",
	"neutraal", "eens", "helemaal eens" };
static const char *const likert_en[5] = { "strongly disagree", "disagree",
	"neither agree nor disagree", "agree", "strongly agree" };
static const char *const freq_nl[5] = { "nooit", "zelden", "soms", "vaak",
	"altijd" };
static const char *const freq_en[5] = { "never", "rarely", "sometimes",
	"often", "always" };

/* likert5 "1".."5", freq5 "0".."4"; labels given (5 texts) or default. */
static int
options_five(struct vctx *v, struct form_item *it, const cJSON *opts,
    const char *path)
{
	const char *const *nl = it->type == FORM_LIKERT5 ? likert_nl : freq_nl;
	const char *const *en = it->type == FORM_LIKERT5 ? likert_en : freq_en;
	size_t first = it->type == FORM_LIKERT5 ? 1 : 0;
	const cJSON *o;
	char p[PATH_LEN];
	int rc = 0;
	size_t i;

	if (opts != NULL && (!cJSON_IsArray(opts) ||
	    cJSON_GetArraySize(opts) != 5)) {
		problem(v, pathf(p, "%s.options", path), "must be 5 labels");
		return -1;
	}
	o = opts != NULL ? opts->child : NULL;
	for (i = 0; i < 5; i++) {
		struct form_option *op = &it->options[i];

		snprintf(op->value, sizeof op->value, "%zu", i + first);
		it->n_options = i + 1;
		if (o != NULL) {
			if (text_parse(v, o, &op->label,
			    pathf(p, "%s.options[%zu]", path, i)) != 0)
				rc = -1;
			o = o->next;
		} else if (text_set(&op->label, nl[i], en[i]) != 0) {
			problem(v, path, "out of memory");
			return -1;
		}
	}
	return rc;
}

static int
options_scale(struct vctx *v, struct form_item *it, const cJSON *anchors,
    const char *path)
{
	static const char *const keys[] = { "low", "high", NULL };
	char p[PATH_LEN], q[PATH_LEN];
	int rc = 0;
	size_t i;

	it->n_options = 11;
	for (i = 0; i < 11; i++)
		snprintf(it->options[i].value, sizeof it->options[i].value,
		    "%zu", i);
	if (anchors == NULL)
		return 0;
	pathf(p, "%s.anchors", path);
	if (!cJSON_IsObject(anchors)) {
		problem(v, p, "must be an object {\"low\", \"high\"}");
		return -1;
	}
	check_keys(v, anchors, keys, p);
	for (i = 0; i < 2; i++) {
		const cJSON *a = get(anchors, keys[i]);

		if (a == NULL) {
			problem(v, p, "missing '%s'", keys[i]);
			rc = -1;
		} else if (text_parse(v, a, &it->options[i == 0 ? 0 : 10].label,
		    pathf(q, "%s.%s", p, keys[i])) != 0) {
			rc = -1;
		}
	}
	return rc;
}

static int
options_yesno(struct vctx *v, struct form_item *it, const char *path)
{
	it->n_options = 2;
	strcpy(it->options[0].value, "true");
	strcpy(it->options[1].value, "false");
	if (text_set(&it->options[0].label, "ja", "yes") != 0 ||
	    text_set(&it->options[1].label, "nee", "no") != 0) {
		problem(v, path, "out of memory");
		return -1;
	}
	return 0;
}

/* choice / multi: [{"value": "...", "label": {nl, en}}], 2..room, unique.
 * Only options with a good, new value are kept. */
static int
options_listed(struct vctx *v, struct form_item *it, const cJSON *opts,
    size_t room, const char *path)
{
	static const char *const keys[] = { "value", "label", NULL };
	const cJSON *o;
	size_t i, n;
	char p[PATH_LEN], q[PATH_LEN], b[48];
	int rc = 0;

	if (opts == NULL) {
		problem(v, path, "%s needs 'options'", type_names[it->type]);
		return -1;
	}
	pathf(p, "%s.options", path);
	if (!cJSON_IsArray(opts) ||
	    (n = (size_t)cJSON_GetArraySize(opts)) < 2 || n > room) {
		problem(v, p, "must be an array of 2 to %zu options%s", room,
		    room < FORM_MAX_OPTIONS ? " (sensitive adds '"
		    FORM_REFUSE "')" : "");
		return -1;
	}
	for (o = opts->child, i = 0; o != NULL && !full(v); o = o->next, i++) {
		struct form_option *op = &it->options[it->n_options];
		const cJSON *val, *lbl;

		pathf(q, "%s[%zu]", p, i);
		if (!cJSON_IsObject(o)) {
			problem(v, q, "must be an object {\"value\", \"label\"}");
			rc = -1;
			continue;
		}
		check_keys(v, o, keys, q);
		val = get(o, "value");
		lbl = get(o, "label");
		if (val == NULL) {
			problem(v, q, "missing 'value'");
			rc = -1;
		} else if (!cJSON_IsString(val) ||
		    !valid_option_value(val->valuestring)) {
			problem(v, pathf(q, "%s[%zu].value", p, i),
			    "invalid option value '%s' "
			    "(want [a-z0-9][a-z0-9_-]{0,31})",
			    shown(cJSON_IsString(val) ? val->valuestring : "",
			    b));
			rc = -1;
			val = NULL;
		} else if (strcmp(val->valuestring, FORM_REFUSE) == 0) {
			problem(v, pathf(q, "%s[%zu].value", p, i),
			    "'" FORM_REFUSE "' is reserved: mark the item "
			    "\"sensitive\" instead");
			rc = -1;
			val = NULL;
		} else if (form_option_index(it, val->valuestring) >= 0) {
			problem(v, p, "duplicate value '%s'", val->valuestring);
			rc = -1;
			val = NULL;
		}
		pathf(q, "%s[%zu]", p, i);
		if (lbl == NULL) {
			problem(v, q, "missing 'label'");
			rc = -1;
		}
		if (val == NULL)
			continue;
		strcpy(op->value, val->valuestring);
		it->n_options++;
		if (lbl != NULL && text_parse(v, lbl, &op->label,
		    pathf(q, "%s[%zu].label", p, i)) != 0)
			rc = -1;
	}
	return rc;
}

/* The options of item it by its type; -1 when they are unusable. */
static int
item_options(struct vctx *v, struct form_item *it, const cJSON *j,
    const char *path)
{
	const cJSON *opts = get(j, "options"), *anchors = get(j, "anchors");
	size_t room = FORM_MAX_OPTIONS - (it->sensitive ? 1 : 0), want;
	char p[PATH_LEN];
	int rc = 0;

	if (anchors != NULL && it->type != FORM_SCALE0_10) {
		problem(v, pathf(p, "%s.anchors", path), "only for scale0_10");
		anchors = NULL;
	}
	if (opts != NULL && (it->type == FORM_SCALE0_10 ||
	    it->type == FORM_YESNO)) {
		problem(v, pathf(p, "%s.options", path), "not allowed for %s",
		    type_names[it->type]);
		opts = NULL;
	}
	switch (it->type) {
	case FORM_LIKERT5:
	case FORM_FREQ5:
		want = 5;
		break;
	case FORM_SCALE0_10:
		want = 11;
		break;
	case FORM_YESNO:
		want = 2;
		break;
	default:
		want = cJSON_IsArray(opts) ?
		    (size_t)cJSON_GetArraySize(opts) : 0;
		if (want > room)
			want = room;
		break;
	}
	want += it->sensitive ? 1 : 0; /* at most FORM_MAX_OPTIONS */
	it->options = calloc(want > 0 ? want : 1, sizeof *it->options);
	if (it->options == NULL) {
		problem(v, path, "out of memory");
		return -1;
	}
	switch (it->type) {
	case FORM_LIKERT5:
	case FORM_FREQ5:
		rc = options_five(v, it, opts, path);
		break;
	case FORM_SCALE0_10:
		rc = options_scale(v, it, anchors, path);
		break;
	case FORM_YESNO:
		rc = options_yesno(v, it, path);
		break;
	default:
		rc = options_listed(v, it, opts, room, path);
		break;
	}
	if (it->sensitive && it->n_options < want) {
		struct form_option *op = &it->options[it->n_options];

		strcpy(op->value, FORM_REFUSE);
		if (text_set(&op->label, refuse_nl, refuse_en) != 0) {
			problem(v, path, "out of memory");
			return -1;
		}
		it->n_options++;
	}
	return rc;
}

/* Parse item number i into f->items[i] (f->n_items == i on entry). */
static void
item_parse(struct form *f, struct vctx *v, size_t i, const cJSON *j)
{
	static const char *const keys[] = { "id", "type", "text", "options",
		"anchors", "reverse", "required", "show_if", "module",
		"construct", "sensitive", "publish", NULL };
	struct form_item *it = &f->items[i];
	const cJSON *id, *type, *show, *mod, *con, *pub;
	char path[PATH_LEN], p[PATH_LEN], b[48];
	size_t t;
	int k;

	it->scale = -1;
	f->n_items = i + 1;
	pathf(path, "items[%zu]", i);
	if (!cJSON_IsObject(j)) {
		problem(v, path, "must be an object");
		v->broken[i] = true;
		return;
	}
	check_keys(v, j, keys, path);

	id = get(j, "id");
	if (id == NULL) {
		problem(v, path, "missing 'id'");
	} else if (!cJSON_IsString(id) || !valid_id(id->valuestring)) {
		problem(v, pathf(p, "%s.id", path), "invalid id '%s' "
		    "(want [a-z0-9][a-z0-9_-]{0,62})",
		    shown(cJSON_IsString(id) ? id->valuestring : "", b));
	} else if ((k = form_item_index(f, id->valuestring)) >= 0) {
		problem(v, path, "duplicate id '%s' (first at items[%d])",
		    id->valuestring, k);
	} else {
		strcpy(it->id, id->valuestring);
	}

	type = get(j, "type");
	t = sizeof type_names / sizeof type_names[0];
	if (type == NULL) {
		problem(v, path, "missing 'type'");
	} else {
		if (cJSON_IsString(type))
			for (t = 0; t < sizeof type_names / sizeof type_names[0];
			    t++)
				if (strcmp(type->valuestring, type_names[t]) == 0)
					break;
		if (t == sizeof type_names / sizeof type_names[0])
			problem(v, pathf(p, "%s.type", path), "unknown type "
			    "'%s' (want likert5, freq5, scale0_10, yesno, "
			    "choice or multi)", shown(cJSON_IsString(type) ?
			    type->valuestring : "", b));
	}
	text_key(v, j, "text", &it->text, path);
	get_bool(v, j, "reverse", &it->reverse, path);
	get_bool(v, j, "required", &it->required, path);
	get_bool(v, j, "sensitive", &it->sensitive, path);

	if ((mod = get(j, "module")) != NULL) {
		size_t m;

		pathf(p, "%s.module", path);
		for (m = 0; cJSON_IsString(mod) && m < f->n_modules; m++)
			if (strcmp(f->modules[m].id, mod->valuestring) == 0)
				break;
		if (!cJSON_IsString(mod) || m == f->n_modules)
			problem(v, p, "unknown module '%s'%s",
			    shown(cJSON_IsString(mod) ? mod->valuestring : "",
			    b), f->n_modules == 0 ?
			    " (the form has no 'modules')" : "");
		else
			strcpy(it->module, mod->valuestring);
	}
	if ((con = get(j, "construct")) != NULL) {
		pathf(p, "%s.construct", path);
		if (!cJSON_IsString(con) || blank(con->valuestring) ||
		    strlen(con->valuestring) > CONSTRUCT_MAX)
			problem(v, p, "must be a non-empty string of at most "
			    "%d bytes", CONSTRUCT_MAX);
		else if ((it->construct = strdup(con->valuestring)) == NULL)
			problem(v, p, "out of memory");
	}
	if ((pub = get(j, "publish")) != NULL) {
		if (cJSON_IsString(pub) && strcmp(pub->valuestring, "team") == 0)
			it->publish = FORM_PUBLISH_TEAM;
		else if (cJSON_IsString(pub) &&
		    strcmp(pub->valuestring, "district") == 0)
			it->publish = FORM_PUBLISH_DISTRICT;
		else
			problem(v, pathf(p, "%s.publish", path),
			    "must be \"team\" or \"district\"");
	}

	if (t == sizeof type_names / sizeof type_names[0]) {
		v->broken[i] = true;
	} else {
		it->type = (enum form_item_type)t;
		if (item_options(v, it, j, path) != 0)
			v->broken[i] = true;
	}

	show = get(j, "show_if");
	if (show != NULL) {
		pathf(p, "%s.show_if", path);
		if (!cJSON_IsString(show) || blank(show->valuestring))
			problem(v, p, "must be a non-empty string");
		else if (strlen(show->valuestring) > COND_MAX_LEN)
			problem(v, p, "longer than %d bytes", COND_MAX_LEN);
		else if ((it->show_if = strdup(show->valuestring)) == NULL)
			problem(v, p, "out of memory");
	}
}

/* Parse scale number i into f->scales[i] (f->n_scales == i on entry). */
static void
scale_parse(struct form *f, struct vctx *v, size_t i, const cJSON *j)
{
	static const char *const keys[] = { "id", "name", "items", "direction",
		"cut", "light", NULL };
	static const char *const cut_keys[] = { "amber", "red", NULL };
	static const char *const light_keys[] = { "red_share", "amber_share",
		NULL };
	struct form_scale *sc = &f->scales[i];
	const cJSON *id, *items, *dir, *cut, *c, *cv[2];
	char path[PATH_LEN], p[PATH_LEN], b[48];
	bool dir_ok = false, cut_ok = true;
	size_t k, n;

	f->n_scales = i + 1;
	pathf(path, "scales[%zu]", i);
	if (!cJSON_IsObject(j)) {
		problem(v, path, "must be an object");
		return;
	}
	check_keys(v, j, keys, path);
	id = get(j, "id");
	if (id == NULL) {
		problem(v, path, "missing 'id'");
	} else if (!cJSON_IsString(id) || !valid_id(id->valuestring)) {
		problem(v, pathf(p, "%s.id", path), "invalid id '%s' "
		    "(want [a-z0-9][a-z0-9_-]{0,62})",
		    shown(cJSON_IsString(id) ? id->valuestring : "", b));
	} else {
		for (k = 0; k < i; k++)
			if (strcmp(f->scales[k].id, id->valuestring) == 0)
				break;
		if (k < i)
			problem(v, path, "duplicate id '%s' (first at "
			    "scales[%zu])", id->valuestring, k);
		else
			strcpy(sc->id, id->valuestring);
	}
	text_key(v, j, "name", &sc->name, path);

	items = get(j, "items");
	pathf(p, "%s.items", path);
	if (items == NULL) {
		problem(v, path, "missing 'items'");
	} else if (!cJSON_IsArray(items) ||
	    (n = (size_t)cJSON_GetArraySize(items)) < 1 ||
	    n > FORM_SCALE_MAX_ITEMS) {
		problem(v, p, "must be an array of 1 to %d item ids",
		    FORM_SCALE_MAX_ITEMS);
	} else if ((sc->items = calloc(n, sizeof *sc->items)) == NULL) {
		problem(v, p, "out of memory");
	} else {
		for (c = items->child, k = 0; c != NULL; c = c->next, k++) {
			struct form_item *it;
			size_t m;
			int idx;

			pathf(p, "%s.items[%zu]", path, k);
			if (!cJSON_IsString(c)) {
				problem(v, p, "must be an item id");
				continue;
			}
			if ((idx = item_ref(f, c->valuestring)) < 0) {
				problem(v, p, "unknown item '%s'",
				    shown(c->valuestring, b));
				continue;
			}
			if (v->broken[idx])
				continue; /* reported with the item */
			it = &f->items[idx];
			if (!type_is_numeric(it->type)) {
				problem(v, p, "item '%s' is %s, which is "
				    "counted, not scored (want likert5, freq5 "
				    "or scale0_10)", it->id,
				    type_names[it->type]);
				continue;
			}
			for (m = 0; m < sc->n_items; m++)
				if (strcmp(sc->items[m], it->id) == 0)
					break;
			if (m < sc->n_items) {
				problem(v, p, "item '%s' is listed twice",
				    it->id);
				continue;
			}
			if (it->scale >= 0) {
				problem(v, p, "item '%s' is already in "
				    "scales[%d]; an item belongs to at most "
				    "one scale", it->id, it->scale);
				continue;
			}
			strcpy(sc->items[sc->n_items++], it->id);
			it->scale = (int)i;
		}
	}

	dir = get(j, "direction");
	if (dir == NULL) {
		problem(v, path, "missing 'direction'");
	} else if (cJSON_IsString(dir) &&
	    strcmp(dir->valuestring, "higher_is_worse") == 0) {
		sc->direction = FORM_HIGHER_IS_WORSE;
		dir_ok = true;
	} else if (cJSON_IsString(dir) &&
	    strcmp(dir->valuestring, "higher_is_better") == 0) {
		sc->direction = FORM_HIGHER_IS_BETTER;
		dir_ok = true;
	} else {
		problem(v, pathf(p, "%s.direction", path), "unknown direction "
		    "'%s' (want higher_is_worse or higher_is_better)",
		    shown(cJSON_IsString(dir) ? dir->valuestring : "", b));
	}

	cut = get(j, "cut");
	pathf(p, "%s.cut", path);
	if (cut == NULL) {
		problem(v, path, "missing 'cut'");
		return;
	}
	if (!cJSON_IsObject(cut)) {
		problem(v, p, "must be an object {\"amber\", \"red\"}");
		return;
	}
	check_keys(v, cut, cut_keys, p);
	for (k = 0; k < 2; k++) {
		char q[PATH_LEN];

		cv[k] = get(cut, cut_keys[k]);
		pathf(q, "%s.%s", p, cut_keys[k]);
		if (cv[k] == NULL) {
			problem(v, p, "missing '%s'", cut_keys[k]);
			cut_ok = false;
		} else if (!cJSON_IsNumber(cv[k])) {
			problem(v, q, "must be a number 0-100");
			cut_ok = false;
		} else if (!(cv[k]->valuedouble >= 0 &&
		    cv[k]->valuedouble <= 100)) {
			problem(v, q, "%g is outside 0-100",
			    cv[k]->valuedouble);
			cut_ok = false;
		}
	}
	if (!cut_ok)
		return;
	sc->cut_amber = cv[0]->valuedouble;
	sc->cut_red = cv[1]->valuedouble;

	/* The team light's rule (docs/indicators.md): optional shares. */
	sc->light_red = FORM_LIGHT_RED_SHARE;
	sc->light_amber = FORM_LIGHT_AMBER_SHARE;
	if ((c = get(j, "light")) != NULL) {
		double *dst[2] = { &sc->light_red, &sc->light_amber };

		pathf(p, "%s.light", path);
		if (!cJSON_IsObject(c)) {
			problem(v, p, "must be an object {\"red_share\", "
			    "\"amber_share\"}");
			return;
		}
		check_keys(v, c, light_keys, p);
		for (k = 0; k < 2; k++) {
			const cJSON *x = get(c, light_keys[k]);
			char q[PATH_LEN];

			pathf(q, "%s.%s", p, light_keys[k]);
			if (x == NULL)
				continue;
			if (!cJSON_IsNumber(x) || !(x->valuedouble > 0 &&
			    x->valuedouble <= 1))
				problem(v, q, "must be a share above 0 and at "
				    "most 1");
			else
				*dst[k] = x->valuedouble;
		}
		if (sc->light_amber > sc->light_red)
			problem(v, p, "amber_share %g is above red_share %g",
			    sc->light_amber, sc->light_red);
	}
	if (!dir_ok)
		return;
	if (sc->direction == FORM_HIGHER_IS_WORSE && sc->cut_red < sc->cut_amber)
		problem(v, p, "red %g is below amber %g (higher_is_worse needs "
		    "red >= amber)", sc->cut_red, sc->cut_amber);
	if (sc->direction == FORM_HIGHER_IS_BETTER &&
	    sc->cut_red > sc->cut_amber)
		problem(v, p, "red %g is above amber %g (higher_is_better needs "
		    "red <= amber)", sc->cut_red, sc->cut_amber);
}

static void
module_parse(struct form *f, struct vctx *v, size_t i, const cJSON *j)
{
	static const char *const keys[] = { "id", "title", NULL };
	struct form_module *m = &f->modules[i];
	const cJSON *id;
	char path[PATH_LEN], p[PATH_LEN], b[48];
	size_t k;

	f->n_modules = i + 1;
	pathf(path, "modules[%zu]", i);
	if (!cJSON_IsObject(j)) {
		problem(v, path, "must be an object {\"id\", \"title\"}");
		return;
	}
	check_keys(v, j, keys, path);
	id = get(j, "id");
	if (id == NULL) {
		problem(v, path, "missing 'id'");
	} else if (!cJSON_IsString(id) || !valid_id(id->valuestring)) {
		problem(v, pathf(p, "%s.id", path), "invalid id '%s' "
		    "(want [a-z0-9][a-z0-9_-]{0,62})",
		    shown(cJSON_IsString(id) ? id->valuestring : "", b));
	} else {
		for (k = 0; k < i; k++)
			if (strcmp(f->modules[k].id, id->valuestring) == 0)
				break;
		if (k < i)
			problem(v, path, "duplicate id '%s' (first at "
			    "modules[%zu])", id->valuestring, k);
		else
			strcpy(m->id, id->valuestring);
	}
	text_key(v, j, "title", &m->title, path);
}

static void
note_parse(struct form *f, struct vctx *v, size_t i, const cJSON *j)
{
	static const char *const keys[] = { "after", "text", NULL };
	struct form_note *nt = &f->notes[i];
	const cJSON *after;
	char path[PATH_LEN], p[PATH_LEN], b[48];

	f->n_notes = i + 1;
	pathf(path, "notes[%zu]", i);
	if (!cJSON_IsObject(j)) {
		problem(v, path, "must be an object {\"after\", \"text\"}");
		return;
	}
	check_keys(v, j, keys, path);
	after = get(j, "after");
	if (after == NULL)
		problem(v, path, "missing 'after'");
	else if (!cJSON_IsString(after) || item_ref(f, after->valuestring) < 0)
		problem(v, pathf(p, "%s.after", path), "unknown item '%s'",
		    shown(cJSON_IsString(after) ? after->valuestring : "", b));
	else
		strcpy(nt->after, after->valuestring);
	text_key(v, j, "text", &nt->text, path);
}

/* An optional array key of root: NULL when absent or refused, else its
 * size in *n (0..max). */
static const cJSON *
array_key(struct vctx *v, const cJSON *root, const char *key, size_t max,
    const char *what, size_t *n)
{
	const cJSON *a = get(root, key);

	*n = 0;
	if (a == NULL)
		return NULL;
	if (!cJSON_IsArray(a) || (*n = (size_t)cJSON_GetArraySize(a)) > max) {
		problem(v, key, "must be an array of at most %zu %s", max,
		    what);
		*n = 0;
		return NULL;
	}
	return a;
}

static void
form_build(struct form *f, const cJSON *root, struct vctx *v)
{
	static const char *const keys[] = { "id", "version", "title", "period",
		"modules", "items", "scales", "notes", NULL };
	const cJSON *id, *ver, *period, *items, *arr, *c;
	char p[PATH_LEN], b[48];
	size_t i, n;

	check_keys(v, root, keys, "");
	id = get(root, "id");
	if (id == NULL)
		problem(v, "", "missing 'id'");
	else if (!cJSON_IsString(id) || !valid_id(id->valuestring))
		problem(v, "id", "invalid form id '%s' "
		    "(want [a-z0-9][a-z0-9_-]{0,62})",
		    shown(cJSON_IsString(id) ? id->valuestring : "", b));
	else
		strcpy(f->id, id->valuestring);

	ver = get(root, "version");
	if (ver == NULL)
		problem(v, "", "missing 'version'");
	else if (!cJSON_IsNumber(ver) || !is_whole(ver->valuedouble) ||
	    ver->valuedouble < 1 || ver->valuedouble > 1000000)
		problem(v, "version", "must be an integer >= 1");
	else
		f->version = (int)ver->valuedouble;

	text_key(v, root, "title", &f->title, "");

	period = get(root, "period");
	if (period == NULL)
		problem(v, "", "missing 'period'");
	else if (!cJSON_IsString(period) ||
	    period_from_name(period->valuestring, &f->period) != 0)
		problem(v, "period", "unknown period '%s' "
		    "(want week, fortnight, month or campaign)",
		    shown(cJSON_IsString(period) ? period->valuestring : "",
		    b));

	/* Modules first: items name them. */
	arr = array_key(v, root, "modules", FORM_MAX_MODULES, "modules", &n);
	if (n > 0 && (f->modules = calloc(n, sizeof *f->modules)) == NULL) {
		problem(v, "modules", "out of memory");
		return;
	}
	for (c = arr != NULL ? arr->child : NULL, i = 0; c != NULL &&
	    !full(v); c = c->next, i++)
		module_parse(f, v, i, c);

	items = get(root, "items");
	if (items == NULL) {
		problem(v, "", "missing 'items'");
		return;
	}
	if (!cJSON_IsArray(items) || (n = (size_t)cJSON_GetArraySize(items)) < 1
	    || n > FORM_MAX_ITEMS) {
		problem(v, "items", "must be an array of 1 to %d items",
		    FORM_MAX_ITEMS);
		return;
	}
	if ((f->items = calloc(n, sizeof *f->items)) == NULL) {
		problem(v, "items", "out of memory");
		return;
	}
	for (c = items->child, i = 0; c != NULL && !full(v); c = c->next, i++)
		item_parse(f, v, i, c);
	/* Second pass: show_if may name any item, so "later" is told apart
	 * from "unknown". */
	for (i = 0; i < f->n_items && !full(v); i++) {
		struct form_item *it = &f->items[i];
		struct cond_parser cp;

		if (it->show_if != NULL && cond_compile(&cp, f, v->broken, i,
		    it->show_if, &it->cond) != 0 && !cp.silent)
			problem(v, pathf(p, "items[%zu].show_if", i), "%s",
			    cp.why);
	}

	arr = array_key(v, root, "scales", FORM_MAX_SCALES, "scales", &n);
	if (n > 0 && (f->scales = calloc(n, sizeof *f->scales)) == NULL) {
		problem(v, "scales", "out of memory");
		return;
	}
	for (c = arr != NULL ? arr->child : NULL, i = 0; c != NULL &&
	    !full(v); c = c->next, i++)
		scale_parse(f, v, i, c);

	/* What belongs to a scale, now that scales are known. */
	for (i = 0; i < f->n_items && !full(v); i++) {
		const struct form_item *it = &f->items[i];

		if (it->scale >= 0 && it->construct == NULL)
			problem(v, pathf(p, "items[%zu]", i), "missing "
			    "'construct' (required for an item in a scale; "
			    "'%s' is in scales[%d])", it->id, it->scale);
		if (it->reverse && it->scale < 0)
			problem(v, pathf(p, "items[%zu].reverse", i),
			    "only for an item in a scale");
	}

	arr = array_key(v, root, "notes", FORM_MAX_NOTES, "notes", &n);
	if (n > 0 && (f->notes = calloc(n, sizeof *f->notes)) == NULL) {
		problem(v, "notes", "out of memory");
		return;
	}
	for (c = arr != NULL ? arr->child : NULL, i = 0; c != NULL &&
	    !full(v); c = c->next, i++)
		note_parse(f, v, i, c);
}

/* Validate json; the form when it has no problem, else NULL. */
static struct form *
form_load(const char *json, size_t len, struct vctx *v)
{
	struct form *f;
	cJSON *root;
	size_t line, col;

	if (len > FORM_MAX_BYTES) {
		problem(v, "", "form larger than %d bytes", FORM_MAX_BYTES);
		return NULL;
	}
	if ((root = parse_json(json, len, &line, &col)) == NULL) {
		problem(v, "", "form is not valid JSON (near line %zu, "
		    "column %zu)", line, col);
		return NULL;
	}
	if (!cJSON_IsObject(root)) {
		cJSON_Delete(root);
		problem(v, "", "form is not a JSON object");
		return NULL;
	}
	if ((f = calloc(1, sizeof *f)) == NULL) {
		cJSON_Delete(root);
		problem(v, "", "out of memory");
		return NULL;
	}
	form_build(f, root, v);
	cJSON_Delete(root);
	if (v->n > 0) {
		form_free(f);
		return NULL;
	}
	return f;
}

int
form_check(const char *json, size_t len, form_problem_fn fn, void *arg,
    int max)
{
	struct vctx v;

	memset(&v, 0, sizeof v);
	v.fn = fn;
	v.arg = arg;
	v.max = max < 1 ? 1 : max;
	form_free(form_load(json, len, &v));
	return v.n;
}

struct first_problem {
	char *err;
	size_t errlen;
};

static void
keep_first(void *arg, const char *problem_text)
{
	struct first_problem *fp = arg;

	seterr(fp->err, fp->errlen, "%s", problem_text);
}

int
form_parse(const char *json, size_t len, struct form **out, char *err,
    size_t errlen)
{
	struct first_problem fp = { err, errlen };
	struct vctx v;

	memset(&v, 0, sizeof v);
	v.fn = keep_first;
	v.arg = &fp;
	v.max = 1;
	*out = form_load(json, len, &v);
	return *out != NULL ? 0 : -1;
}

/* ---- responses ---------------------------------------------------------- */

bool
form_item_shown(const struct form *f, size_t i, const struct form_response *r)
{
	if (f == NULL || i >= f->n_items)
		return false;
	if (f->items[i].cond == NULL)
		return true;
	return cond_eval(f->items[i].cond, r);
}

void
form_response_clear(struct form_response *r)
{
	if (r == NULL)
		return;
	if (r->a != NULL) {
		sodium_memzero(r->a, r->n * sizeof *r->a);
		free(r->a);
	}
	r->a = NULL;
	r->n = 0;
}

/* Check one non-null value v for item it and fill a. */
static int
answer_parse(const struct form_item *it, const cJSON *v,
    struct form_answer *a, char *err, size_t errlen)
{
	unsigned refuse = refuse_index(it);
	int idx;

	/* "zeg ik liever niet": the same JSON string for every type. */
	if (cJSON_IsString(v) && strcmp(v->valuestring, FORM_REFUSE) == 0) {
		if (refuse == UINT_MAX) {
			seterr(err, errlen, "item '%s': '%s' is not offered "
			    "(the item is not sensitive)", it->id, FORM_REFUSE);
			return -1;
		}
		a->value = it->type == FORM_MULTI ? 1u << refuse : refuse;
		a->state = FORM_ANSWERED;
		return 0;
	}
	switch (it->type) {
	case FORM_LIKERT5:
	case FORM_FREQ5:
	case FORM_SCALE0_10: {
		int lo = it->type == FORM_LIKERT5 ? 1 : 0;
		int hi = it->type == FORM_SCALE0_10 ? 10 :
		    it->type == FORM_FREQ5 ? 4 : 5;
		double d;

		if (!cJSON_IsNumber(v)) {
			seterr(err, errlen, "item '%s': expected an integer "
			    "%d-%d", it->id, lo, hi);
			return -1;
		}
		d = v->valuedouble;
		if (!(d >= lo && d <= hi)) {
			/* Messages name the item, never the answer. */
			seterr(err, errlen, "item '%s': value out of range "
			    "%d-%d", it->id, lo, hi);
			return -1;
		}
		if (!is_whole(d)) {
			seterr(err, errlen, "item '%s': value is not an "
			    "integer", it->id);
			return -1;
		}
		a->value = (unsigned)((int)d - lo);
		break;
	}
	case FORM_YESNO:
		if (!cJSON_IsBool(v)) {
			seterr(err, errlen, "item '%s': expected true or false",
			    it->id);
			return -1;
		}
		a->value = cJSON_IsTrue(v) ? 0 : 1; /* options "true", "false" */
		break;
	case FORM_CHOICE:
		if (!cJSON_IsString(v)) {
			seterr(err, errlen, "item '%s': expected an option "
			    "string", it->id);
			return -1;
		}
		if ((idx = form_option_index(it, v->valuestring)) < 0) {
			seterr(err, errlen, "item '%s': not one of its "
			    "options", it->id);
			return -1;
		}
		a->value = (unsigned)idx;
		break;
	case FORM_MULTI: {
		const cJSON *c;
		unsigned mask = 0;

		if (!cJSON_IsArray(v) || v->child == NULL) {
			seterr(err, errlen, "item '%s': expected a non-empty "
			    "array of option strings", it->id);
			return -1;
		}
		for (c = v->child; c != NULL; c = c->next) {
			if (!cJSON_IsString(c)) {
				seterr(err, errlen, "item '%s': expected a "
				    "non-empty array of option strings", it->id);
				return -1;
			}
			if (refuse == UINT_MAX &&
			    strcmp(c->valuestring, FORM_REFUSE) == 0) {
				seterr(err, errlen, "item '%s': '%s' is not "
				    "offered (the item is not sensitive)",
				    it->id, FORM_REFUSE);
				return -1;
			}
			if ((idx = form_option_index(it, c->valuestring)) < 0) {
				seterr(err, errlen, "item '%s': not one of its "
				    "options", it->id);
				return -1;
			}
			if (mask & (1u << idx)) {
				seterr(err, errlen, "item '%s': an option is "
				    "given twice", it->id);
				return -1;
			}
			mask |= 1u << idx;
		}
		if (refuse != UINT_MAX && (mask & (1u << refuse)) != 0 &&
		    mask != (1u << refuse)) {
			seterr(err, errlen, "item '%s': '%s' must be the only "
			    "answer", it->id, FORM_REFUSE);
			return -1;
		}
		a->value = mask;
		break;
	}
	}
	a->state = FORM_ANSWERED;
	return 0;
}

static int
response_fill(const struct form *f, const cJSON *answers,
    struct form_response *r, char *err, size_t errlen)
{
	const cJSON *c, *d;
	char b[48];
	size_t i;

	if (!cJSON_IsObject(answers)) {
		seterr(err, errlen, "answers must be a JSON object");
		return -1;
	}
	for (c = answers->child; c != NULL; c = c->next) {
		if (form_item_index(f, c->string) < 0) {
			seterr(err, errlen, "unknown item '%s'",
			    shown(c->string, b));
			return -1;
		}
		for (d = answers->child; d != c; d = d->next) {
			if (strcmp(d->string, c->string) == 0) {
				seterr(err, errlen, "item '%s': answered twice",
				    c->string);
				return -1;
			}
		}
	}
	for (i = 0; i < f->n_items; i++) {
		const struct form_item *it = &f->items[i];
		const cJSON *v = cJSON_GetObjectItemCaseSensitive(answers, it->id);
		bool given = v != NULL && !cJSON_IsNull(v);

		if (!form_item_shown(f, i, r)) {
			if (given) {
				seterr(err, errlen, "item '%s': answered but not "
				    "shown (show_if false)", it->id);
				return -1;
			}
			r->a[i].state = FORM_NOT_SHOWN;
			continue;
		}
		if (!given) {
			if (it->required) {
				seterr(err, errlen, "item '%s': required",
				    it->id);
				return -1;
			}
			r->a[i].state = FORM_NOT_ANSWERED;
			continue;
		}
		if (answer_parse(it, v, &r->a[i], err, errlen) != 0)
			return -1;
	}
	return 0;
}

int
form_response_parse(const struct form *f, const cJSON *answers,
    struct form_response *r, char *err, size_t errlen)
{
	r->n = 0;
	r->a = NULL;
	if (f == NULL || f->n_items == 0) {
		seterr(err, errlen, "no form");
		return -1;
	}
	if ((r->a = calloc(f->n_items, sizeof *r->a)) == NULL) {
		seterr(err, errlen, "out of memory");
		return -1;
	}
	r->n = f->n_items;
	/* Items not reached yet read as not answered to form_item_shown. */
	if (response_fill(f, answers, r, err, errlen) != 0) {
		form_response_clear(r);
		return -1;
	}
	return 0;
}
