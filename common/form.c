/*
 * form.c - parse and validate questionnaires, parse show_if conditions,
 * and check one response against a form.
 *
 * A form is untrusted JSON until form_parse() has accepted it: every key is
 * known, every id and option value has the fixed syntax, every show_if
 * refers only to earlier items and to real options of them, and every size
 * is capped (FORM_MAX_*). After that the rest of pols may index freely.
 *
 * show_if conditions are compiled once into a small tree (struct
 * form_cond) and evaluated against a response that is being built in item
 * order. This module never prints and never stores answers anywhere but in
 * the caller's form_response, which form_response_clear() wipes.
 */
#include "form.h"

#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#define FORM_TEXT_MAX 1024  /* bytes of one nl or en text */
#define COND_MAX_LEN 512    /* bytes of one show_if */
#define COND_MAX_DEPTH 16   /* nested "not" and parentheses */
#define OPTION_VALUE_MAX 32 /* choice/multi option values */

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

/* Parse exactly len bytes; only whitespace may follow the value. */
static cJSON *
parse_json(const char *json, size_t len)
{
	const char *end = NULL;
	cJSON *root;

	if (json == NULL || len == 0)
		return NULL;
	root = cJSON_ParseWithLengthOpts(json, len, &end, 0);
	if (root == NULL)
		return NULL;
	for (; end != NULL && end < json + len; end++) {
		if (*end != ' ' && *end != '\t' && *end != '\n' && *end != '\r') {
			cJSON_Delete(root);
			return NULL;
		}
	}
	return root;
}

/* Every key of object o is in keys[], and none appears twice. */
static int
check_keys(const cJSON *o, const char *const *keys, const char *where,
    char *err, size_t errlen)
{
	const cJSON *c, *d;
	char b[48];

	for (c = o->child; c != NULL; c = c->next) {
		size_t k;
		for (k = 0; keys[k] != NULL; k++)
			if (c->string != NULL && strcmp(c->string, keys[k]) == 0)
				break;
		if (keys[k] == NULL) {
			seterr(err, errlen, "%s%sunknown key '%s'", where,
			    *where ? ": " : "", shown(c->string, b));
			return -1;
		}
		for (d = o->child; d != c; d = d->next) {
			if (strcmp(d->string, c->string) == 0) {
				seterr(err, errlen, "%s%sduplicate key '%s'",
				    where, *where ? ": " : "", c->string);
				return -1;
			}
		}
	}
	return 0;
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

/* {"nl": "...", "en": "..."}, both non-empty, at most FORM_TEXT_MAX. */
static int
text_parse(const cJSON *j, struct form_text *t, const char *where,
    const char *key, char *err, size_t errlen)
{
	static const char *const keys[] = { "nl", "en", NULL };
	static const char *const langs[] = { "nl", "en" };
	char w[160];
	size_t i;

	snprintf(w, sizeof w, "%s%s'%s'", where, *where ? ": " : "", key);
	if (!cJSON_IsObject(j)) {
		seterr(err, errlen, "%s: must be an object {\"nl\", \"en\"}", w);
		return -1;
	}
	if (check_keys(j, keys, w, err, errlen) != 0)
		return -1;
	for (i = 0; i < 2; i++) {
		const cJSON *s = cJSON_GetObjectItemCaseSensitive(j, langs[i]);
		if (!cJSON_IsString(s) || s->valuestring[0] == '\0') {
			seterr(err, errlen, "%s: missing text '%s'", w,
			    langs[i]);
			return -1;
		}
		if (strlen(s->valuestring) > FORM_TEXT_MAX) {
			seterr(err, errlen, "%s: text '%s' longer than %d bytes",
			    w, langs[i], FORM_TEXT_MAX);
			return -1;
		}
	}
	if (text_set(t, cJSON_GetObjectItemCaseSensitive(j, "nl")->valuestring,
	    cJSON_GetObjectItemCaseSensitive(j, "en")->valuestring) != 0) {
		seterr(err, errlen, "%s: out of memory", w);
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

/* ---- show_if ------------------------------------------------------------ */

enum cond_kind { COND_OR, COND_AND, COND_NOT, COND_CMP, COND_HAS };
enum cond_op { OP_EQ, OP_NE, OP_LT, OP_LE, OP_GT, OP_GE };

struct form_cond {
	enum cond_kind kind;
	enum cond_op op;
	size_t item;            /* COND_CMP, COND_HAS */
	unsigned option;        /* option index within that item */
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
	size_t self; /* index of the item that owns the show_if */
	const char *s;
	size_t pos;
	enum tok_kind tk;
	enum cond_op op;
	size_t start, len; /* of the current token */
	int depth;
	char *err;
	size_t errlen;
};

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
	const struct form_item *it = &p->f->items[p->self];
	char w[48], b[48];

	if (p->tk == TK_END) {
		seterr(p->err, p->errlen, "item '%s': show_if: unexpected end",
		    it->id);
		return;
	}
	tok_word(p, w, sizeof w);
	if (p->tk == TK_BAD || p->len == 0) {
		w[0] = p->s[p->start];
		w[1] = '\0';
	}
	seterr(p->err, p->errlen, "item '%s': show_if: unexpected '%s' at %zu",
	    it->id, shown(w, b), p->start + 1);
}

static struct form_cond *
cond_node(enum cond_kind kind)
{
	struct form_cond *c = calloc(1, sizeof *c);

	if (c != NULL)
		c->kind = kind;
	return c;
}

static struct form_cond *cond_parse_or(struct cond_parser *p);

static int
cond_enter(struct cond_parser *p)
{
	if (++p->depth > COND_MAX_DEPTH) {
		seterr(p->err, p->errlen,
		    "item '%s': show_if: nested deeper than %d",
		    p->f->items[p->self].id, COND_MAX_DEPTH);
		return -1;
	}
	return 0;
}

static struct form_cond *
cond_oom(struct cond_parser *p)
{
	seterr(p->err, p->errlen, "item '%s': show_if: out of memory",
	    p->f->items[p->self].id);
	return NULL;
}

/* ID OP VALUE | ID "has" VALUE */
static struct form_cond *
cond_parse_test(struct cond_parser *p)
{
	const struct form *f = p->f;
	const char *self = f->items[p->self].id;
	const struct form_item *it;
	struct form_cond *c;
	char name[COND_MAX_LEN + 1], val[COND_MAX_LEN + 1], b[48], b2[48];
	enum cond_kind kind;
	enum cond_op op = OP_EQ;
	int idx, opt;

	tok_word(p, name, sizeof name);
	idx = form_item_index(f, name);
	if (idx < 0) {
		seterr(p->err, p->errlen, "item '%s': show_if: unknown item '%s'",
		    self, shown(name, b));
		return NULL;
	}
	if ((size_t)idx >= p->self) {
		seterr(p->err, p->errlen,
		    "item '%s': show_if: item '%s' is not earlier in the form",
		    self, name);
		return NULL;
	}
	it = &f->items[idx];
	tok_next(p);
	if (tok_is(p, "has")) {
		if (it->type != FORM_MULTI) {
			seterr(p->err, p->errlen,
			    "item '%s': show_if: 'has' needs a multi item, "
			    "'%s' is %s", self, it->id, type_names[it->type]);
			return NULL;
		}
		kind = COND_HAS;
	} else if (p->tk == TK_OP) {
		op = p->op;
		if (it->type == FORM_MULTI) {
			seterr(p->err, p->errlen,
			    "item '%s': show_if: use 'has' for multi item '%s'",
			    self, it->id);
			return NULL;
		}
		if (op != OP_EQ && op != OP_NE && !type_is_numeric(it->type)) {
			seterr(p->err, p->errlen,
			    "item '%s': show_if: ordering needs a numeric item, "
			    "'%s' is %s", self, it->id, type_names[it->type]);
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
		seterr(p->err, p->errlen,
		    "item '%s': show_if: '%s' is not an option of item '%s'",
		    self, shown(val, b2), it->id);
		return NULL;
	}
	tok_next(p);
	if ((c = cond_node(kind)) == NULL)
		return cond_oom(p);
	c->op = op;
	c->item = (size_t)idx;
	c->option = (unsigned)opt;
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

static int
cond_compile(const struct form *f, size_t self, const char *src,
    struct form_cond **out, char *err, size_t errlen)
{
	struct cond_parser p;
	struct form_cond *c;

	memset(&p, 0, sizeof p);
	p.f = f;
	p.self = self;
	p.s = src;
	p.err = err;
	p.errlen = errlen;
	tok_next(&p);
	if ((c = cond_parse_or(&p)) == NULL)
		return -1;
	if (p.tk != TK_END) {
		cond_fail_unexpected(&p);
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
	free(f);
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

static int
options_alloc(struct form_item *it, size_t n, const char *where, char *err,
    size_t errlen)
{
	it->options = calloc(n, sizeof *it->options);
	if (it->options == NULL) {
		seterr(err, errlen, "%s: out of memory", where);
		return -1;
	}
	return 0;
}

static const char *const likert_nl[5] = { "helemaal oneens", "oneens",
	"neutraal", "eens", "helemaal eens" };
static const char *const likert_en[5] = { "strongly disagree", "disagree",
	"neither agree nor disagree", "agree", "strongly agree" };
static const char *const freq_nl[5] = { "nooit", "zelden", "soms", "vaak",
	"altijd" };
static const char *const freq_en[5] = { "never", "rarely", "sometimes",
	"often", "always" };

/* likert5 / freq5: values "1".."5", labels given (5 texts) or default. */
static int
options_five(struct form_item *it, const cJSON *opts, const char *where,
    char *err, size_t errlen)
{
	const char *const *nl = it->type == FORM_LIKERT5 ? likert_nl : freq_nl;
	const char *const *en = it->type == FORM_LIKERT5 ? likert_en : freq_en;
	const cJSON *o;
	size_t i;

	if (opts != NULL && (!cJSON_IsArray(opts) ||
	    cJSON_GetArraySize(opts) != 5)) {
		seterr(err, errlen, "%s: 'options' must be 5 labels", where);
		return -1;
	}
	if (options_alloc(it, 5, where, err, errlen) != 0)
		return -1;
	o = opts != NULL ? opts->child : NULL;
	for (i = 0; i < 5; i++) {
		struct form_option *op = &it->options[i];
		char key[32];

		snprintf(op->value, sizeof op->value, "%zu", i + 1);
		it->n_options = i + 1;
		if (o != NULL) {
			snprintf(key, sizeof key, "options[%zu]", i);
			if (text_parse(o, &op->label, where, key, err,
			    errlen) != 0)
				return -1;
			o = o->next;
		} else if (text_set(&op->label, nl[i], en[i]) != 0) {
			seterr(err, errlen, "%s: out of memory", where);
			return -1;
		}
	}
	return 0;
}

static int
options_scale(struct form_item *it, const cJSON *anchors, const char *where,
    char *err, size_t errlen)
{
	static const char *const keys[] = { "low", "high", NULL };
	char w[160];
	size_t i;

	if (anchors != NULL) {
		snprintf(w, sizeof w, "%s: 'anchors'", where);
		if (!cJSON_IsObject(anchors)) {
			seterr(err, errlen, "%s: must be an object", w);
			return -1;
		}
		if (check_keys(anchors, keys, w, err, errlen) != 0)
			return -1;
		for (i = 0; i < 2; i++) {
			if (!cJSON_HasObjectItem(anchors, keys[i])) {
				seterr(err, errlen, "%s: missing '%s'", w,
				    keys[i]);
				return -1;
			}
		}
	}
	if (options_alloc(it, 11, where, err, errlen) != 0)
		return -1;
	it->n_options = 11;
	for (i = 0; i < 11; i++)
		snprintf(it->options[i].value, sizeof it->options[i].value,
		    "%zu", i);
	if (anchors == NULL)
		return 0;
	if (text_parse(cJSON_GetObjectItemCaseSensitive(anchors, "low"),
	    &it->options[0].label, w, "low", err, errlen) != 0 ||
	    text_parse(cJSON_GetObjectItemCaseSensitive(anchors, "high"),
	    &it->options[10].label, w, "high", err, errlen) != 0)
		return -1;
	return 0;
}

static int
options_yesno(struct form_item *it, const char *where, char *err,
    size_t errlen)
{
	if (options_alloc(it, 2, where, err, errlen) != 0)
		return -1;
	it->n_options = 2;
	strcpy(it->options[0].value, "true");
	strcpy(it->options[1].value, "false");
	if (text_set(&it->options[0].label, "ja", "yes") != 0 ||
	    text_set(&it->options[1].label, "nee", "no") != 0) {
		seterr(err, errlen, "%s: out of memory", where);
		return -1;
	}
	return 0;
}

/* choice / multi: [{"value": "...", "label": {nl, en}}], 2..32, unique. */
static int
options_listed(struct form_item *it, const cJSON *opts, const char *where,
    char *err, size_t errlen)
{
	static const char *const keys[] = { "value", "label", NULL };
	const cJSON *o;
	size_t i, n;
	char w[160], b[48];

	if (opts == NULL) {
		seterr(err, errlen, "%s: %s needs 'options'", where,
		    type_names[it->type]);
		return -1;
	}
	if (!cJSON_IsArray(opts)) {
		seterr(err, errlen, "%s: 'options' must be an array", where);
		return -1;
	}
	n = (size_t)cJSON_GetArraySize(opts);
	if (n < 2 || n > FORM_MAX_OPTIONS) {
		seterr(err, errlen, "%s: 'options' must have 2 to %d entries",
		    where, FORM_MAX_OPTIONS);
		return -1;
	}
	if (options_alloc(it, n, where, err, errlen) != 0)
		return -1;
	for (o = opts->child, i = 0; o != NULL; o = o->next, i++) {
		const cJSON *v;

		snprintf(w, sizeof w, "%s: options[%zu]", where, i);
		if (!cJSON_IsObject(o)) {
			seterr(err, errlen, "%s: must be an object", w);
			return -1;
		}
		if (check_keys(o, keys, w, err, errlen) != 0)
			return -1;
		v = cJSON_GetObjectItemCaseSensitive(o, "value");
		if (!cJSON_IsString(v)) {
			seterr(err, errlen, "%s: missing 'value'", w);
			return -1;
		}
		if (!valid_option_value(v->valuestring)) {
			seterr(err, errlen, "%s: invalid option value '%s' "
			    "(want [a-z0-9][a-z0-9_-]{0,31})", where,
			    shown(v->valuestring, b));
			return -1;
		}
		if (form_option_index(it, v->valuestring) >= 0) {
			seterr(err, errlen, "%s: duplicate option value '%s'",
			    where, v->valuestring);
			return -1;
		}
		strcpy(it->options[i].value, v->valuestring);
		it->n_options = i + 1;
		if (text_parse(cJSON_GetObjectItemCaseSensitive(o, "label"),
		    &it->options[i].label, w, "label", err, errlen) != 0)
			return -1;
	}
	return 0;
}

static int
get_bool(const cJSON *o, const char *key, bool *out, const char *where,
    char *err, size_t errlen)
{
	const cJSON *j = cJSON_GetObjectItemCaseSensitive(o, key);

	*out = false;
	if (j == NULL)
		return 0;
	if (!cJSON_IsBool(j)) {
		seterr(err, errlen, "%s: '%s' must be true or false", where,
		    key);
		return -1;
	}
	*out = cJSON_IsTrue(j);
	return 0;
}

/* Parse item number i into f->items[i] (f->n_items == i on entry). */
static int
item_parse(struct form *f, size_t i, const cJSON *j, char *err, size_t errlen)
{
	static const char *const keys[] = { "id", "type", "text", "options",
		"anchors", "reverse", "required", "show_if", NULL };
	struct form_item *it = &f->items[i];
	const cJSON *id, *type, *opts, *anchors, *show;
	char where[FORM_ID_MAX + 16], b[48];
	size_t t;
	int rc;

	snprintf(where, sizeof where, "item #%zu", i + 1);
	if (!cJSON_IsObject(j)) {
		seterr(err, errlen, "%s: must be an object", where);
		return -1;
	}
	f->n_items = i + 1;
	id = cJSON_GetObjectItemCaseSensitive(j, "id");
	if (!cJSON_IsString(id)) {
		seterr(err, errlen, "%s: missing 'id'", where);
		return -1;
	}
	if (!valid_id(id->valuestring)) {
		seterr(err, errlen, "%s: invalid id '%s' "
		    "(want [a-z0-9][a-z0-9_-]{0,62})", where,
		    shown(id->valuestring, b));
		return -1;
	}
	if (form_item_index(f, id->valuestring) >= 0) {
		seterr(err, errlen, "duplicate item id '%s'", id->valuestring);
		return -1;
	}
	strcpy(it->id, id->valuestring);
	snprintf(where, sizeof where, "item '%s'", it->id);
	if (check_keys(j, keys, where, err, errlen) != 0)
		return -1;

	type = cJSON_GetObjectItemCaseSensitive(j, "type");
	if (!cJSON_IsString(type)) {
		seterr(err, errlen, "%s: missing 'type'", where);
		return -1;
	}
	for (t = 0; t < sizeof type_names / sizeof type_names[0]; t++)
		if (strcmp(type->valuestring, type_names[t]) == 0)
			break;
	if (t == sizeof type_names / sizeof type_names[0]) {
		seterr(err, errlen, "%s: unknown type '%s'", where,
		    shown(type->valuestring, b));
		return -1;
	}
	it->type = (enum form_item_type)t;
	if (!cJSON_HasObjectItem(j, "text")) {
		seterr(err, errlen, "%s: missing 'text'", where);
		return -1;
	}
	if (text_parse(cJSON_GetObjectItemCaseSensitive(j, "text"), &it->text,
	    where, "text", err, errlen) != 0)
		return -1;
	if (get_bool(j, "reverse", &it->reverse, where, err, errlen) != 0 ||
	    get_bool(j, "required", &it->required, where, err, errlen) != 0)
		return -1;
	if (it->reverse && (it->type == FORM_CHOICE || it->type == FORM_MULTI)) {
		seterr(err, errlen, "%s: 'reverse' is not allowed for %s", where,
		    type_names[it->type]);
		return -1;
	}

	opts = cJSON_GetObjectItemCaseSensitive(j, "options");
	anchors = cJSON_GetObjectItemCaseSensitive(j, "anchors");
	if (anchors != NULL && it->type != FORM_SCALE0_10) {
		seterr(err, errlen, "%s: 'anchors' is only for scale0_10", where);
		return -1;
	}
	if (opts != NULL && (it->type == FORM_SCALE0_10 ||
	    it->type == FORM_YESNO)) {
		seterr(err, errlen, "%s: 'options' is not allowed for %s", where,
		    type_names[it->type]);
		return -1;
	}
	switch (it->type) {
	case FORM_LIKERT5:
	case FORM_FREQ5:
		rc = options_five(it, opts, where, err, errlen);
		break;
	case FORM_SCALE0_10:
		rc = options_scale(it, anchors, where, err, errlen);
		break;
	case FORM_YESNO:
		rc = options_yesno(it, where, err, errlen);
		break;
	default:
		rc = options_listed(it, opts, where, err, errlen);
		break;
	}
	if (rc != 0)
		return -1;

	show = cJSON_GetObjectItemCaseSensitive(j, "show_if");
	if (show != NULL) {
		if (!cJSON_IsString(show) || show->valuestring[0] == '\0') {
			seterr(err, errlen, "%s: 'show_if' must be a non-empty "
			    "string", where);
			return -1;
		}
		if (strlen(show->valuestring) > COND_MAX_LEN) {
			seterr(err, errlen, "%s: show_if: longer than %d bytes",
			    where, COND_MAX_LEN);
			return -1;
		}
		if ((it->show_if = strdup(show->valuestring)) == NULL) {
			seterr(err, errlen, "%s: out of memory", where);
			return -1;
		}
	}
	return 0;
}

/* Parse scale number i into f->scales[i] (f->n_scales == i on entry). */
static int
scale_parse(struct form *f, size_t i, const cJSON *j, char *err,
    size_t errlen)
{
	static const char *const keys[] = { "id", "name", "items", "direction",
		"cut", NULL };
	static const char *const cut_keys[] = { "amber", "red", NULL };
	struct form_scale *sc = &f->scales[i];
	const cJSON *id, *items, *dir, *cut, *c, *amber, *red;
	char where[FORM_ID_MAX + 16], b[48];
	size_t k, n;

	snprintf(where, sizeof where, "scale #%zu", i + 1);
	if (!cJSON_IsObject(j)) {
		seterr(err, errlen, "%s: must be an object", where);
		return -1;
	}
	f->n_scales = i + 1;
	id = cJSON_GetObjectItemCaseSensitive(j, "id");
	if (!cJSON_IsString(id)) {
		seterr(err, errlen, "%s: missing 'id'", where);
		return -1;
	}
	if (!valid_id(id->valuestring)) {
		seterr(err, errlen, "%s: invalid id '%s'", where,
		    shown(id->valuestring, b));
		return -1;
	}
	for (k = 0; k < i; k++) {
		if (strcmp(f->scales[k].id, id->valuestring) == 0) {
			seterr(err, errlen, "duplicate scale id '%s'",
			    id->valuestring);
			return -1;
		}
	}
	strcpy(sc->id, id->valuestring);
	snprintf(where, sizeof where, "scale '%s'", sc->id);
	if (check_keys(j, keys, where, err, errlen) != 0)
		return -1;
	if (!cJSON_HasObjectItem(j, "name")) {
		seterr(err, errlen, "%s: missing 'name'", where);
		return -1;
	}
	if (text_parse(cJSON_GetObjectItemCaseSensitive(j, "name"), &sc->name,
	    where, "name", err, errlen) != 0)
		return -1;

	items = cJSON_GetObjectItemCaseSensitive(j, "items");
	if (!cJSON_IsArray(items) || (n = (size_t)cJSON_GetArraySize(items)) < 1
	    || n > f->n_items) {
		seterr(err, errlen, "%s: 'items' must be a non-empty array of "
		    "distinct item ids", where);
		return -1;
	}
	if ((sc->items = calloc(n, sizeof *sc->items)) == NULL) {
		seterr(err, errlen, "%s: out of memory", where);
		return -1;
	}
	for (c = items->child, k = 0; c != NULL; c = c->next, k++) {
		int idx;
		size_t m;

		if (!cJSON_IsString(c)) {
			seterr(err, errlen, "%s: 'items' must hold item ids",
			    where);
			return -1;
		}
		if ((idx = form_item_index(f, c->valuestring)) < 0) {
			seterr(err, errlen, "%s: unknown item '%s'", where,
			    shown(c->valuestring, b));
			return -1;
		}
		if (f->items[idx].type == FORM_CHOICE ||
		    f->items[idx].type == FORM_MULTI) {
			seterr(err, errlen, "%s: item '%s' is %s and cannot be "
			    "scored", where, c->valuestring,
			    type_names[f->items[idx].type]);
			return -1;
		}
		for (m = 0; m < k; m++) {
			if (strcmp(sc->items[m], c->valuestring) == 0) {
				seterr(err, errlen, "%s: item '%s' listed twice",
				    where, c->valuestring);
				return -1;
			}
		}
		strcpy(sc->items[k], c->valuestring);
		sc->n_items = k + 1;
	}

	dir = cJSON_GetObjectItemCaseSensitive(j, "direction");
	if (!cJSON_IsString(dir)) {
		seterr(err, errlen, "%s: missing 'direction'", where);
		return -1;
	}
	if (strcmp(dir->valuestring, "higher_is_worse") == 0) {
		sc->direction = FORM_HIGHER_IS_WORSE;
	} else if (strcmp(dir->valuestring, "higher_is_better") == 0) {
		sc->direction = FORM_HIGHER_IS_BETTER;
	} else {
		seterr(err, errlen, "%s: unknown direction '%s'", where,
		    shown(dir->valuestring, b));
		return -1;
	}

	cut = cJSON_GetObjectItemCaseSensitive(j, "cut");
	if (!cJSON_IsObject(cut)) {
		seterr(err, errlen, "%s: missing 'cut' {\"amber\", \"red\"}",
		    where);
		return -1;
	}
	snprintf(where, sizeof where, "scale '%s': 'cut'", sc->id);
	if (check_keys(cut, cut_keys, where, err, errlen) != 0)
		return -1;
	amber = cJSON_GetObjectItemCaseSensitive(cut, "amber");
	red = cJSON_GetObjectItemCaseSensitive(cut, "red");
	if (!cJSON_IsNumber(amber) || !cJSON_IsNumber(red) ||
	    !isfinite(amber->valuedouble) || !isfinite(red->valuedouble) ||
	    amber->valuedouble < 0 || amber->valuedouble > 100 ||
	    red->valuedouble < 0 || red->valuedouble > 100) {
		seterr(err, errlen, "%s: amber and red must be numbers 0-100",
		    where);
		return -1;
	}
	sc->cut_amber = amber->valuedouble;
	sc->cut_red = red->valuedouble;
	if (sc->direction == FORM_HIGHER_IS_WORSE && sc->cut_red < sc->cut_amber) {
		seterr(err, errlen, "%s: red below amber for higher_is_worse",
		    where);
		return -1;
	}
	if (sc->direction == FORM_HIGHER_IS_BETTER &&
	    sc->cut_red > sc->cut_amber) {
		seterr(err, errlen, "%s: red above amber for higher_is_better",
		    where);
		return -1;
	}
	return 0;
}

static int
form_build(struct form *f, const cJSON *root, char *err, size_t errlen)
{
	static const char *const keys[] = { "id", "version", "title", "period",
		"items", "scales", NULL };
	const cJSON *id, *ver, *period, *items, *scales, *c;
	char b[48];
	size_t i, n;

	if (check_keys(root, keys, "", err, errlen) != 0)
		return -1;
	id = cJSON_GetObjectItemCaseSensitive(root, "id");
	if (!cJSON_IsString(id)) {
		seterr(err, errlen, "missing 'id'");
		return -1;
	}
	if (!valid_id(id->valuestring)) {
		seterr(err, errlen, "invalid form id '%s'",
		    shown(id->valuestring, b));
		return -1;
	}
	strcpy(f->id, id->valuestring);

	ver = cJSON_GetObjectItemCaseSensitive(root, "version");
	if (!cJSON_IsNumber(ver) || !is_whole(ver->valuedouble) ||
	    ver->valuedouble < 1 || ver->valuedouble > 1000000) {
		seterr(err, errlen, "'version' must be an integer >= 1");
		return -1;
	}
	f->version = (int)ver->valuedouble;

	if (!cJSON_HasObjectItem(root, "title")) {
		seterr(err, errlen, "missing 'title'");
		return -1;
	}
	if (text_parse(cJSON_GetObjectItemCaseSensitive(root, "title"),
	    &f->title, "", "title", err, errlen) != 0)
		return -1;

	period = cJSON_GetObjectItemCaseSensitive(root, "period");
	if (!cJSON_IsString(period)) {
		seterr(err, errlen, "missing 'period'");
		return -1;
	}
	if (period_from_name(period->valuestring, &f->period) != 0) {
		seterr(err, errlen, "unknown period '%s' "
		    "(want week, fortnight, month or campaign)",
		    shown(period->valuestring, b));
		return -1;
	}

	items = cJSON_GetObjectItemCaseSensitive(root, "items");
	if (!cJSON_IsArray(items) || (n = (size_t)cJSON_GetArraySize(items)) < 1
	    || n > FORM_MAX_ITEMS) {
		seterr(err, errlen, "'items' must be an array of 1 to %d items",
		    FORM_MAX_ITEMS);
		return -1;
	}
	if ((f->items = calloc(n, sizeof *f->items)) == NULL) {
		seterr(err, errlen, "out of memory");
		return -1;
	}
	for (c = items->child, i = 0; c != NULL; c = c->next, i++)
		if (item_parse(f, i, c, err, errlen) != 0)
			return -1;
	/* Second pass: show_if may name any item, so "later" is told apart
	 * from "unknown". */
	for (i = 0; i < f->n_items; i++) {
		struct form_item *it = &f->items[i];
		if (it->show_if != NULL && cond_compile(f, i, it->show_if,
		    &it->cond, err, errlen) != 0)
			return -1;
	}

	scales = cJSON_GetObjectItemCaseSensitive(root, "scales");
	if (scales == NULL)
		return 0;
	if (!cJSON_IsArray(scales) ||
	    (n = (size_t)cJSON_GetArraySize(scales)) > FORM_MAX_SCALES) {
		seterr(err, errlen, "'scales' must be an array of at most %d "
		    "scales", FORM_MAX_SCALES);
		return -1;
	}
	if (n == 0)
		return 0;
	if ((f->scales = calloc(n, sizeof *f->scales)) == NULL) {
		seterr(err, errlen, "out of memory");
		return -1;
	}
	for (c = scales->child, i = 0; c != NULL; c = c->next, i++)
		if (scale_parse(f, i, c, err, errlen) != 0)
			return -1;
	return 0;
}

int
form_parse(const char *json, size_t len, struct form **out, char *err,
    size_t errlen)
{
	struct form *f;
	cJSON *root;

	*out = NULL;
	if (len > FORM_MAX_BYTES) {
		seterr(err, errlen, "form larger than %d bytes", FORM_MAX_BYTES);
		return -1;
	}
	if ((root = parse_json(json, len)) == NULL) {
		seterr(err, errlen, "form is not valid JSON");
		return -1;
	}
	if (!cJSON_IsObject(root)) {
		cJSON_Delete(root);
		seterr(err, errlen, "form is not a JSON object");
		return -1;
	}
	if ((f = calloc(1, sizeof *f)) == NULL) {
		cJSON_Delete(root);
		seterr(err, errlen, "out of memory");
		return -1;
	}
	if (form_build(f, root, err, errlen) != 0) {
		cJSON_Delete(root);
		form_free(f);
		return -1;
	}
	cJSON_Delete(root);
	*out = f;
	return 0;
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
	char b[48];
	int idx;

	switch (it->type) {
	case FORM_LIKERT5:
	case FORM_FREQ5:
	case FORM_SCALE0_10: {
		int lo = it->type == FORM_SCALE0_10 ? 0 : 1;
		int hi = it->type == FORM_SCALE0_10 ? 10 : 5;
		double d;

		if (!cJSON_IsNumber(v)) {
			seterr(err, errlen, "item '%s': expected an integer "
			    "%d-%d", it->id, lo, hi);
			return -1;
		}
		d = v->valuedouble;
		if (!(d >= lo && d <= hi)) {
			seterr(err, errlen, "item '%s': value %g out of range "
			    "%d-%d", it->id, d, lo, hi);
			return -1;
		}
		if (!is_whole(d)) {
			seterr(err, errlen, "item '%s': value %g is not an "
			    "integer", it->id, d);
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
			seterr(err, errlen, "item '%s': unknown option '%s'",
			    it->id, shown(v->valuestring, b));
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
			if ((idx = form_option_index(it, c->valuestring)) < 0) {
				seterr(err, errlen, "item '%s': unknown option "
				    "'%s'", it->id, shown(c->valuestring, b));
				return -1;
			}
			if (mask & (1u << idx)) {
				seterr(err, errlen, "item '%s': option '%s' "
				    "given twice", it->id, c->valuestring);
				return -1;
			}
			mask |= 1u << idx;
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
