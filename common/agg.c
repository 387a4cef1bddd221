/*
 * agg.c - aggregates: per item, a count per option value plus "_na" (shown,
 * not answered) and "_ns" (not shown), and the number of respondents n.
 *
 * Layout: an array of items in a fixed order, each with its option values
 * and uint64 counts in a fixed order. agg_new() takes the form's order;
 * agg_from_json() keeps the order of its input; agg_merge() appends what
 * only the other side has. So agg_to_json() is deterministic.
 *
 * Per scale (docs/scoring.md): respondents with a defined scale score, the
 * sum and sum of squares of their scores in 1/SCORE_UNIT points (integers,
 * so merging is exact), counts per zone, a histogram, and - the "full"
 * block - over respondents who answered all the scale's items, their number
 * and the integer sums of item scores and of item-score products, from
 * which Cronbach's alpha follows. agg_drop_full() removes the full blocks:
 * they pin down answer patterns in small groups and never enter a team cell.
 *
 * Every count is capped at AGG_MAX_COUNT; an operation that would pass it
 * fails and leaves the aggregate unchanged. agg_from_json() is the border
 * to the outside world and checks everything it can without a form;
 * agg_check() adds what needs the form. Freed memory is wiped.
 */
#include "agg.h"
#include "score.h"

#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <sodium.h>

#define AGG_MAX_JSON (1024 * 1024) /* bytes of one aggregate's JSON */
#define OPTION_VALUE_MAX 32

struct agg_item {
	char id[FORM_ID_MAX];
	size_t n_opt;
	char (*val)[FORM_ID_MAX]; /* option values */
	uint64_t *cnt;            /* count per option value */
	uint64_t na, ns;
};

struct agg_scale {
	char id[FORM_ID_MAX];
	uint64_t n;        /* respondents with a defined score */
	uint64_t sum;      /* of scores, in 1/SCORE_UNIT points */
	uint64_t sumsq;    /* of squared scores, in 1/SCORE_UNIT^2 points */
	uint64_t zone[3];  /* green, amber, red */
	uint64_t hist[SCORE_HIST_BINS];
	size_t k;          /* items of the full block; 0: no full block */
	char (*ids)[FORM_ID_MAX];
	uint64_t full_n;
	uint64_t *isum;    /* k sums of item scores */
	uint64_t *iprod;   /* k(k+1)/2 sums of products, score_prod_index */
};

struct agg {
	uint64_t n;
	size_t n_items;
	struct agg_item *items;
	size_t n_scales;
	struct agg_scale *scales;
};

#define NPROD(k) ((k) * ((k) + 1) / 2)

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

/* ---- memory ------------------------------------------------------------- */

static void
item_clear(struct agg_item *it)
{
	if (it->val != NULL) {
		sodium_memzero(it->val, it->n_opt * sizeof *it->val);
		free(it->val);
	}
	if (it->cnt != NULL) {
		sodium_memzero(it->cnt, it->n_opt * sizeof *it->cnt);
		free(it->cnt);
	}
	sodium_memzero(it, sizeof *it);
}

/* Room for cap options; n_opt stays 0. */
static int
item_alloc(struct agg_item *it, size_t cap)
{
	if (cap == 0)
		cap = 1;
	it->val = calloc(cap, sizeof *it->val);
	it->cnt = calloc(cap, sizeof *it->cnt);
	return it->val != NULL && it->cnt != NULL ? 0 : -1;
}

static void
full_clear(struct agg_scale *sc)
{
	if (sc->isum != NULL) {
		sodium_memzero(sc->isum, sc->k * sizeof *sc->isum);
		free(sc->isum);
	}
	if (sc->iprod != NULL) {
		sodium_memzero(sc->iprod, NPROD(sc->k) * sizeof *sc->iprod);
		free(sc->iprod);
	}
	free(sc->ids);
	sc->ids = NULL;
	sc->isum = sc->iprod = NULL;
	sc->k = 0;
	sc->full_n = 0;
}

static int
full_alloc(struct agg_scale *sc, size_t k)
{
	sc->k = k;
	sc->ids = calloc(k, sizeof *sc->ids);
	sc->isum = calloc(k, sizeof *sc->isum);
	sc->iprod = calloc(NPROD(k), sizeof *sc->iprod);
	return sc->ids && sc->isum && sc->iprod ? 0 : -1;
}

static void
scales_release(struct agg_scale *sc, size_t n)
{
	if (sc == NULL)
		return;
	for (size_t i = 0; i < n; i++) {
		full_clear(&sc[i]);
		sodium_memzero(&sc[i], sizeof sc[i]);
	}
	free(sc);
}

static void
agg_release(struct agg *a)
{
	size_t i;

	if (a->items != NULL) {
		for (i = 0; i < a->n_items; i++)
			item_clear(&a->items[i]);
		free(a->items);
	}
	scales_release(a->scales, a->n_scales);
	a->scales = NULL;
	a->n_scales = 0;
	a->items = NULL;
	a->n_items = 0;
	a->n = 0;
}

void
agg_free(struct agg *a)
{
	if (a == NULL)
		return;
	agg_release(a);
	sodium_memzero(a, sizeof *a);
	free(a);
}

struct agg *
agg_new(const struct form *f)
{
	struct agg *a;
	size_t i, k;

	if (f == NULL || (a = calloc(1, sizeof *a)) == NULL)
		return NULL;
	if (f->n_items > 0 &&
	    (a->items = calloc(f->n_items, sizeof *a->items)) == NULL) {
		free(a);
		return NULL;
	}
	for (i = 0; i < f->n_items; i++) {
		const struct form_item *fi = &f->items[i];
		struct agg_item *it = &a->items[i];

		a->n_items = i + 1;
		if (item_alloc(it, fi->n_options) != 0) {
			agg_free(a);
			return NULL;
		}
		memcpy(it->id, fi->id, sizeof it->id);
		for (k = 0; k < fi->n_options; k++)
			memcpy(it->val[k], fi->options[k].value,
			    sizeof it->val[k]);
		it->n_opt = fi->n_options;
	}
	if (f->n_scales > 0 &&
	    (a->scales = calloc(f->n_scales, sizeof *a->scales)) == NULL) {
		agg_free(a);
		return NULL;
	}
	for (i = 0; i < f->n_scales; i++) {
		const struct form_scale *fs = &f->scales[i];
		struct agg_scale *sc = &a->scales[i];

		a->n_scales = i + 1;
		memcpy(sc->id, fs->id, sizeof sc->id);
		if (fs->n_items > FORM_SCALE_MAX_ITEMS ||
		    full_alloc(sc, fs->n_items) != 0) {
			agg_free(a);
			return NULL;
		}
		memcpy(sc->ids, fs->items, fs->n_items * sizeof *sc->ids);
	}
	return a;
}

uint64_t
agg_n(const struct agg *a)
{
	return a != NULL ? a->n : 0;
}

/* ---- lookups ------------------------------------------------------------ */

static struct agg_item *find_item(const struct agg *, const char *, size_t);
static struct agg_scale *find_scale(const struct agg *, const char *, size_t);

struct agg *
agg_empty(void)
{
	return calloc(1, sizeof(struct agg));
}

int
agg_item_find(const struct agg *a, const char *id)
{
	const struct agg_item *it = a != NULL ? find_item(a, id, 0) : NULL;

	return it != NULL ? (int)(it - a->items) : -1;
}

size_t
agg_item_n_options(const struct agg *a, size_t i)
{
	return a->items[i].n_opt;
}

const char *
agg_item_value(const struct agg *a, size_t i, size_t o)
{
	return a->items[i].val[o];
}

uint64_t
agg_item_count(const struct agg *a, size_t i, size_t o)
{
	return a->items[i].cnt[o];
}

uint64_t
agg_item_na(const struct agg *a, size_t i)
{
	return a->items[i].na;
}

uint64_t
agg_item_ns(const struct agg *a, size_t i)
{
	return a->items[i].ns;
}

int
agg_scale_get(const struct agg *a, const char *id, struct agg_scale_view *out)
{
	const struct agg_scale *s = a != NULL ? find_scale(a, id, 0) : NULL;

	memset(out, 0, sizeof *out);
	out->alpha = -1;
	if (s == NULL)
		return -1;
	out->n = s->n;
	out->sum = s->sum;
	out->sumsq = s->sumsq;
	memcpy(out->zone, s->zone, sizeof out->zone);
	memcpy(out->hist, s->hist, sizeof out->hist);
	if (s->k > 0) {
		out->full_n = s->full_n;
		out->alpha = score_alpha(s->k, s->full_n, s->isum, s->iprod);
	}
	return 0;
}


static struct agg_item *
find_item(const struct agg *a, const char *id, size_t hint)
{
	size_t i;

	if (hint < a->n_items && strcmp(a->items[hint].id, id) == 0)
		return &a->items[hint];
	for (i = 0; i < a->n_items; i++)
		if (strcmp(a->items[i].id, id) == 0)
			return &a->items[i];
	return NULL;
}

static struct agg_scale *
find_scale(const struct agg *a, const char *id, size_t hint)
{
	if (hint < a->n_scales && strcmp(a->scales[hint].id, id) == 0)
		return &a->scales[hint];
	for (size_t i = 0; i < a->n_scales; i++)
		if (strcmp(a->scales[i].id, id) == 0)
			return &a->scales[i];
	return NULL;
}

static int
find_opt(const struct agg_item *it, const char *value, size_t hint)
{
	size_t k;

	if (hint < it->n_opt && strcmp(it->val[hint], value) == 0)
		return (int)hint;
	for (k = 0; k < it->n_opt; k++)
		if (strcmp(it->val[k], value) == 0)
			return (int)k;
	return -1;
}

/* ---- adding one response ------------------------------------------------ */

static int
bump(uint64_t *c, bool apply)
{
	if (*c >= AGG_MAX_COUNT)
		return -1;
	if (apply)
		(*c)++;
	return 0;
}

/* One pass over r: with apply false only check, with apply true count. */
static int
add_pass(struct agg *a, const struct form *f, const struct form_response *r,
    bool apply)
{
	size_t i, k;

	for (i = 0; i < f->n_items; i++) {
		const struct form_item *fi = &f->items[i];
		const struct form_answer *ans = &r->a[i];
		struct agg_item *it = find_item(a, fi->id, i);
		int o;

		if (it == NULL)
			return -1;
		switch (ans->state) {
		case FORM_NOT_ANSWERED:
			if (bump(&it->na, apply) != 0)
				return -1;
			break;
		case FORM_NOT_SHOWN:
			if (bump(&it->ns, apply) != 0)
				return -1;
			break;
		case FORM_ANSWERED:
			if (fi->type != FORM_MULTI) {
				if (ans->value >= fi->n_options)
					return -1;
				o = find_opt(it, fi->options[ans->value].value,
				    ans->value);
				if (o < 0 || bump(&it->cnt[o], apply) != 0)
					return -1;
				break;
			}
			for (k = 0; k < fi->n_options && k < 32; k++) {
				if ((ans->value & (1u << k)) == 0)
					continue;
				o = find_opt(it, fi->options[k].value, k);
				if (o < 0 || bump(&it->cnt[o], apply) != 0)
					return -1;
			}
			if (fi->n_options < 32 && (ans->value >> fi->n_options) != 0)
				return -1;
			break;
		default:
			return -1;
		}
	}
	for (i = 0; i < f->n_scales; i++) {
		const struct form_scale *fs = &f->scales[i];
		struct agg_scale *sc = find_scale(a, fs->id, i);
		int item[FORM_SCALE_MAX_ITEMS], all;
		uint32_t u;

		if (sc == NULL || fs->n_items > FORM_SCALE_MAX_ITEMS)
			return -1;
		if (!score_scale(f, i, r, &u, item, &all))
			continue;
		if (bump(&sc->n, apply) != 0)
			return -1;
		if (sc->k != 0 && all && (sc->k != fs->n_items ||
		    bump(&sc->full_n, apply) != 0))
			return -1;
		if (!apply)
			continue;
		sc->sum += u;
		sc->sumsq += (uint64_t)u * u;
		sc->zone[score_zone(fs, u)]++;
		sc->hist[score_bin(u)]++;
		if (sc->k == 0 || !all)
			continue;
		for (k = 0; k < sc->k; k++) {
			sc->isum[k] += (uint64_t)item[k];
			for (size_t j = k; j < sc->k; j++)
				sc->iprod[score_prod_index(sc->k, k, j)] +=
				    (uint64_t)item[k] * (uint64_t)item[j];
		}
	}
	return bump(&a->n, apply);
}

int
agg_add(struct agg *a, const struct form *f, const struct form_response *r)
{
	if (a == NULL || f == NULL || r == NULL || r->a == NULL ||
	    r->n != f->n_items)
		return -1;
	if (add_pass(a, f, r, false) != 0)
		return -1;
	return add_pass(a, f, r, true);
}

/* ---- JSON out ----------------------------------------------------------- */

struct outbuf {
	char *p; /* NULL while measuring */
	size_t len, cap;
};

static void out_put(struct outbuf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
out_put(struct outbuf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(b->p != NULL ? b->p + b->len : NULL,
	    b->p != NULL ? b->cap - b->len : 0, fmt, ap);
	va_end(ap);
	if (n > 0)
		b->len += (size_t)n;
}

/* Ids and option values have a fixed syntax: nothing to escape. */
static void
out_agg(struct outbuf *b, const struct agg *a)
{
	size_t i, k;

	out_put(b, "{\"n\":%" PRIu64 ",\"items\":[", a->n);
	for (i = 0; i < a->n_items; i++) {
		const struct agg_item *it = &a->items[i];

		out_put(b, "%s{\"id\":\"%s\",\"counts\":{", i ? "," : "", it->id);
		for (k = 0; k < it->n_opt; k++)
			out_put(b, "\"%s\":%" PRIu64 ",", it->val[k], it->cnt[k]);
		out_put(b, "\"_na\":%" PRIu64 ",\"_ns\":%" PRIu64 "}}", it->na,
		    it->ns);
	}
	out_put(b, "]");
	if (a->n_scales > 0)
		out_put(b, ",\"scales\":[");
	for (i = 0; i < a->n_scales; i++) {
		const struct agg_scale *sc = &a->scales[i];

		/* sum and sumsq pass 2^53, so they travel as strings. */
		out_put(b, "%s{\"id\":\"%s\",\"n\":%" PRIu64 ",\"sum\":\"%"
		    PRIu64 "\",\"sumsq\":\"%" PRIu64 "\",\"zones\":{\"green\":%"
		    PRIu64 ",\"amber\":%" PRIu64 ",\"red\":%" PRIu64
		    "},\"hist\":[", i ? "," : "", sc->id, sc->n, sc->sum,
		    sc->sumsq, sc->zone[0], sc->zone[1], sc->zone[2]);
		for (k = 0; k < SCORE_HIST_BINS; k++)
			out_put(b, "%s%" PRIu64, k ? "," : "", sc->hist[k]);
		out_put(b, "]");
		if (sc->k > 0) {
			out_put(b, ",\"full\":{\"items\":[");
			for (k = 0; k < sc->k; k++)
				out_put(b, "%s\"%s\"", k ? "," : "", sc->ids[k]);
			out_put(b, "],\"n\":%" PRIu64 ",\"sums\":[",
			    sc->full_n);
			for (k = 0; k < sc->k; k++)
				out_put(b, "%s%" PRIu64, k ? "," : "",
				    sc->isum[k]);
			out_put(b, "],\"products\":[");
			for (k = 0; k < NPROD(sc->k); k++)
				out_put(b, "%s%" PRIu64, k ? "," : "",
				    sc->iprod[k]);
			out_put(b, "]}");
		}
		out_put(b, "}");
	}
	out_put(b, a->n_scales > 0 ? "]}" : "}");
}

char *
agg_to_json(const struct agg *a)
{
	struct outbuf b = { NULL, 0, 0 };

	if (a == NULL)
		return NULL;
	out_agg(&b, a);
	b.cap = b.len + 1;
	b.len = 0;
	if ((b.p = malloc(b.cap)) == NULL)
		return NULL;
	out_agg(&b, a);
	return b.p;
}

/* ---- JSON in ------------------------------------------------------------ */

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

/* Every key of o is one of keys[] and appears once. */
static int
check_keys(const cJSON *o, const char *const *keys, const char *where,
    char *err, size_t errlen)
{
	const cJSON *c, *d;
	char b[48];

	for (c = o->child; c != NULL; c = c->next) {
		size_t k;
		for (k = 0; keys[k] != NULL; k++)
			if (strcmp(c->string, keys[k]) == 0)
				break;
		if (keys[k] == NULL) {
			seterr(err, errlen, "%sunknown key '%s'", where,
			    shown(c->string, b));
			return -1;
		}
		for (d = o->child; d != c; d = d->next) {
			if (strcmp(d->string, c->string) == 0) {
				seterr(err, errlen, "%sduplicate key '%s'",
				    where, c->string);
				return -1;
			}
		}
	}
	return 0;
}

/* A count: an integer 0..AGG_MAX_COUNT. what names it in messages. */
static int
get_count(const cJSON *j, uint64_t *out, const char *what, char *err,
    size_t errlen)
{
	double d;

	if (!cJSON_IsNumber(j) || isnan(j->valuedouble)) {
		seterr(err, errlen, "%s is not an integer", what);
		return -1;
	}
	d = j->valuedouble;
	if (d < 0) {
		seterr(err, errlen, "%s is negative", what);
		return -1;
	}
	if (d > AGG_MAX_COUNT) {
		seterr(err, errlen, "%s exceeds %u", what, AGG_MAX_COUNT);
		return -1;
	}
	if (!is_whole(d)) {
		seterr(err, errlen, "%s is not an integer", what);
		return -1;
	}
	*out = (uint64_t)d;
	return 0;
}

static int
item_from_json(struct agg *a, struct agg_item *it, const cJSON *j, size_t i,
    char *err, size_t errlen)
{
	static const char *const keys[] = { "id", "counts", NULL };
	const cJSON *id, *counts, *c, *d;
	char where[FORM_ID_MAX + 16], what[FORM_ID_MAX + 64], b[48];
	size_t n, m;
	bool have_na = false, have_ns = false;

	snprintf(where, sizeof where, "item #%zu: ", i + 1);
	if (!cJSON_IsObject(j)) {
		seterr(err, errlen, "%smust be an object", where);
		return -1;
	}
	if (check_keys(j, keys, where, err, errlen) != 0)
		return -1;
	id = cJSON_GetObjectItemCaseSensitive(j, "id");
	if (!cJSON_IsString(id) || !valid_word(id->valuestring, FORM_ID_MAX - 1)) {
		seterr(err, errlen, "%smissing or invalid 'id'", where);
		return -1;
	}
	if (find_item(a, id->valuestring, 0) != NULL) {
		seterr(err, errlen, "duplicate item '%s'", id->valuestring);
		return -1;
	}
	snprintf(where, sizeof where, "item '%s': ", id->valuestring);
	counts = cJSON_GetObjectItemCaseSensitive(j, "counts");
	if (!cJSON_IsObject(counts)) {
		seterr(err, errlen, "%smissing 'counts' object", where);
		return -1;
	}
	n = (size_t)cJSON_GetArraySize(counts);
	if (n > FORM_MAX_OPTIONS + 2) {
		seterr(err, errlen, "%smore than %d options", where,
		    FORM_MAX_OPTIONS);
		return -1;
	}
	a->n_items++; /* it is owned by a from here on */
	if (item_alloc(it, n) != 0) {
		seterr(err, errlen, "out of memory");
		return -1;
	}
	memcpy(it->id, id->valuestring, strlen(id->valuestring) + 1);
	for (c = counts->child, m = 0; c != NULL; c = c->next) {
		uint64_t v;

		for (d = counts->child; d != c; d = d->next) {
			if (strcmp(d->string, c->string) == 0) {
				seterr(err, errlen, "%sduplicate key '%s'",
				    where, c->string);
				return -1;
			}
		}
		if (strcmp(c->string, "_na") != 0 &&
		    strcmp(c->string, "_ns") != 0 &&
		    !valid_word(c->string, OPTION_VALUE_MAX)) {
			seterr(err, errlen, "%sinvalid option value '%s'", where,
			    shown(c->string, b));
			return -1;
		}
		snprintf(what, sizeof what, "%scount for '%s'", where,
		    c->string);
		if (get_count(c, &v, what, err, errlen) != 0)
			return -1;
		if (v > a->n) {
			seterr(err, errlen, "%s is %" PRIu64 ", more than n "
			    "(%" PRIu64 ")", what, v, a->n);
			return -1;
		}
		if (strcmp(c->string, "_na") == 0) {
			it->na = v;
			have_na = true;
		} else if (strcmp(c->string, "_ns") == 0) {
			it->ns = v;
			have_ns = true;
		} else {
			memcpy(it->val[m], c->string, strlen(c->string) + 1);
			it->cnt[m] = v;
			it->n_opt = ++m;
		}
	}
	if (!have_na || !have_ns) {
		seterr(err, errlen, "%smissing '%s'", where,
		    have_na ? "_ns" : "_na");
		return -1;
	}
	if (it->na + it->ns > a->n) {
		seterr(err, errlen, "%s_na and _ns sum to %" PRIu64 ", n is %"
		    PRIu64, where, it->na + it->ns, a->n);
		return -1;
	}
	return 0;
}

/* A whole number 0..max from a JSON number, or from a string of digits
 * (for values past 2^53). */
static int
get_big(const cJSON *j, uint64_t max, uint64_t *out, const char *what,
    char *err, size_t errlen)
{
	if (cJSON_IsString(j)) {
		const char *p = j->valuestring;
		uint64_t v = 0;
		size_t n = strlen(p);

		if (n == 0 || n > 20 || strspn(p, "0123456789") != n ||
		    (n > 1 && p[0] == '0')) {
			seterr(err, errlen, "%s is not a whole number", what);
			return -1;
		}
		for (; *p; p++) {
			if (v > (UINT64_MAX - 9) / 10) {
				seterr(err, errlen, "%s is too large", what);
				return -1;
			}
			v = v * 10 + (uint64_t)(*p - '0');
		}
		if (v > max) {
			seterr(err, errlen, "%s is too large", what);
			return -1;
		}
		*out = v;
		return 0;
	}
	if (!cJSON_IsNumber(j) || !is_whole(j->valuedouble) ||
	    j->valuedouble < 0) {
		seterr(err, errlen, "%s is not a whole number", what);
		return -1;
	}
	if (j->valuedouble > (double)max) {
		seterr(err, errlen, "%s is too large", what);
		return -1;
	}
	*out = (uint64_t)j->valuedouble;
	return 0;
}

/* An array of exactly n whole numbers 0..max into out. */
static int
get_array(const cJSON *j, size_t n, uint64_t max, uint64_t *out,
    const char *what, char *err, size_t errlen)
{
	const cJSON *c;
	size_t i = 0;

	if (!cJSON_IsArray(j) || (size_t)cJSON_GetArraySize(j) != n) {
		seterr(err, errlen, "%s must be an array of %zu numbers", what,
		    n);
		return -1;
	}
	cJSON_ArrayForEach(c, j)
		if (get_big(c, max, &out[i++], what, err, errlen) != 0)
			return -1;
	return 0;
}

static int
full_from_json(struct agg_scale *sc, const cJSON *j, const char *where,
    char *err, size_t errlen)
{
	static const char *const keys[] = { "items", "n", "sums", "products",
	    NULL };
	const cJSON *items, *c;
	char what[FORM_ID_MAX + 64];
	size_t k, i = 0;

	if (!cJSON_IsObject(j) || check_keys(j, keys, where, err, errlen) != 0) {
		if (!cJSON_IsObject(j))
			seterr(err, errlen, "%s'full' must be an object", where);
		return -1;
	}
	items = cJSON_GetObjectItemCaseSensitive(j, "items");
	if (!cJSON_IsArray(items) || (k = (size_t)cJSON_GetArraySize(items)) ==
	    0 || k > FORM_SCALE_MAX_ITEMS) {
		seterr(err, errlen, "%s'full.items' must list 1 to %d items",
		    where, FORM_SCALE_MAX_ITEMS);
		return -1;
	}
	if (full_alloc(sc, k) != 0) {
		seterr(err, errlen, "out of memory");
		return -1;
	}
	cJSON_ArrayForEach(c, items) {
		if (!cJSON_IsString(c) || !valid_word(c->valuestring,
		    FORM_ID_MAX - 1)) {
			seterr(err, errlen, "%sinvalid item id in 'full'", where);
			return -1;
		}
		for (size_t p = 0; p < i; p++)
			if (strcmp(sc->ids[p], c->valuestring) == 0) {
				seterr(err, errlen, "%sduplicate item in "
				    "'full'", where);
				return -1;
			}
		memcpy(sc->ids[i++], c->valuestring, strlen(c->valuestring) + 1);
	}
	snprintf(what, sizeof what, "%s'full.n'", where);
	if (get_big(cJSON_GetObjectItemCaseSensitive(j, "n"), sc->n,
	    &sc->full_n, what, err, errlen) != 0)
		return -1;
	snprintf(what, sizeof what, "%s'full.sums'", where);
	if (get_array(cJSON_GetObjectItemCaseSensitive(j, "sums"), k,
	    sc->full_n * 100, sc->isum, what, err, errlen) != 0)
		return -1;
	snprintf(what, sizeof what, "%s'full.products'", where);
	if (get_array(cJSON_GetObjectItemCaseSensitive(j, "products"),
	    NPROD(k), sc->full_n * 10000, sc->iprod, what, err, errlen) != 0)
		return -1;
	/* Cauchy-Schwarz: (sum x)^2 <= m * sum x^2, and |sum x_i x_j| is
	 * bounded by the diagonal: what real answers always satisfy. */
	for (size_t p = 0; p < k; p++) {
		unsigned __int128 lhs = (unsigned __int128)sc->isum[p] *
		    sc->isum[p];
		unsigned __int128 rhs = (unsigned __int128)sc->full_n *
		    sc->iprod[score_prod_index(k, p, p)];
		if (lhs > rhs) {
			seterr(err, errlen, "%s'full' sums and products do not "
			    "fit together", where);
			return -1;
		}
	}
	return 0;
}

static int
scale_from_json(struct agg *a, struct agg_scale *sc, const cJSON *j,
    size_t i, char *err, size_t errlen)
{
	static const char *const keys[] = { "id", "n", "sum", "sumsq", "zones",
	    "hist", "full", NULL };
	static const char *const zkeys[] = { "green", "amber", "red", NULL };
	const cJSON *id, *zones, *full;
	char where[FORM_ID_MAX + 16], what[FORM_ID_MAX + 64];
	uint64_t t;

	snprintf(where, sizeof where, "scale #%zu: ", i + 1);
	if (!cJSON_IsObject(j)) {
		seterr(err, errlen, "%smust be an object", where);
		return -1;
	}
	if (check_keys(j, keys, where, err, errlen) != 0)
		return -1;
	id = cJSON_GetObjectItemCaseSensitive(j, "id");
	if (!cJSON_IsString(id) || !valid_word(id->valuestring, FORM_ID_MAX - 1)) {
		seterr(err, errlen, "%smissing or invalid 'id'", where);
		return -1;
	}
	if (find_scale(a, id->valuestring, 0) != NULL) {
		seterr(err, errlen, "duplicate scale '%s'", id->valuestring);
		return -1;
	}
	a->n_scales++; /* owned by a from here on */
	memcpy(sc->id, id->valuestring, strlen(id->valuestring) + 1);
	snprintf(where, sizeof where, "scale '%s': ", sc->id);
	snprintf(what, sizeof what, "%s'n'", where);
	if (get_big(cJSON_GetObjectItemCaseSensitive(j, "n"), a->n, &sc->n,
	    what, err, errlen) != 0)
		return -1;
	snprintf(what, sizeof what, "%s'sum'", where);
	if (get_big(cJSON_GetObjectItemCaseSensitive(j, "sum"),
	    sc->n * SCORE_MAX_UNITS, &sc->sum, what, err, errlen) != 0)
		return -1;
	snprintf(what, sizeof what, "%s'sumsq'", where);
	if (get_big(cJSON_GetObjectItemCaseSensitive(j, "sumsq"),
	    sc->n * (uint64_t)SCORE_MAX_UNITS * SCORE_MAX_UNITS, &sc->sumsq,
	    what, err, errlen) != 0)
		return -1;
	if ((unsigned __int128)sc->sum * sc->sum >
	    (unsigned __int128)sc->n * sc->sumsq) {
		seterr(err, errlen, "%s'sum' and 'sumsq' do not fit together",
		    where);
		return -1;
	}
	zones = cJSON_GetObjectItemCaseSensitive(j, "zones");
	if (!cJSON_IsObject(zones) || check_keys(zones, zkeys, where, err,
	    errlen) != 0) {
		if (!cJSON_IsObject(zones))
			seterr(err, errlen, "%smissing 'zones'", where);
		return -1;
	}
	t = 0;
	for (size_t z = 0; z < 3; z++) {
		snprintf(what, sizeof what, "%szone '%s'", where, zkeys[z]);
		if (get_big(cJSON_GetObjectItemCaseSensitive(zones, zkeys[z]),
		    sc->n, &sc->zone[z], what, err, errlen) != 0)
			return -1;
		t += sc->zone[z];
	}
	if (t != sc->n) {
		seterr(err, errlen, "%szones sum to %" PRIu64 ", n is %" PRIu64,
		    where, t, sc->n);
		return -1;
	}
	snprintf(what, sizeof what, "%s'hist'", where);
	if (get_array(cJSON_GetObjectItemCaseSensitive(j, "hist"),
	    SCORE_HIST_BINS, sc->n, sc->hist, what, err, errlen) != 0)
		return -1;
	t = 0;
	for (size_t b = 0; b < SCORE_HIST_BINS; b++)
		t += sc->hist[b];
	if (t != sc->n) {
		seterr(err, errlen, "%shistogram sums to %" PRIu64 ", n is %"
		    PRIu64, where, t, sc->n);
		return -1;
	}
	full = cJSON_GetObjectItemCaseSensitive(j, "full");
	if (full != NULL && full_from_json(sc, full, where, err, errlen) != 0)
		return -1;
	return 0;
}

static int
agg_build(struct agg *a, const cJSON *root, char *err, size_t errlen)
{
	static const char *const keys[] = { "n", "items", "scales", NULL };
	const cJSON *n, *items, *scales, *c;
	size_t i, cnt;

	if (!cJSON_IsObject(root)) {
		seterr(err, errlen, "aggregate is not a JSON object");
		return -1;
	}
	if (check_keys(root, keys, "", err, errlen) != 0)
		return -1;
	if ((n = cJSON_GetObjectItemCaseSensitive(root, "n")) == NULL) {
		seterr(err, errlen, "missing 'n'");
		return -1;
	}
	if (get_count(n, &a->n, "'n'", err, errlen) != 0)
		return -1;
	items = cJSON_GetObjectItemCaseSensitive(root, "items");
	if (!cJSON_IsArray(items)) {
		seterr(err, errlen, "missing 'items' array");
		return -1;
	}
	cnt = (size_t)cJSON_GetArraySize(items);
	if (cnt > FORM_MAX_ITEMS) {
		seterr(err, errlen, "more than %d items", FORM_MAX_ITEMS);
		return -1;
	}
	if (cnt > 0 && (a->items = calloc(cnt, sizeof *a->items)) == NULL) {
		seterr(err, errlen, "out of memory");
		return -1;
	}
	for (c = items->child, i = 0; c != NULL; c = c->next, i++)
		if (item_from_json(a, &a->items[i], c, i, err, errlen) != 0)
			return -1;
	scales = cJSON_GetObjectItemCaseSensitive(root, "scales");
	if (scales == NULL)
		return 0; /* counts only */
	if (!cJSON_IsArray(scales) ||
	    (cnt = (size_t)cJSON_GetArraySize(scales)) > FORM_MAX_SCALES) {
		seterr(err, errlen, "'scales' must be an array of at most %d",
		    FORM_MAX_SCALES);
		return -1;
	}
	if (cnt > 0 && (a->scales = calloc(cnt, sizeof *a->scales)) == NULL) {
		seterr(err, errlen, "out of memory");
		return -1;
	}
	for (c = scales->child, i = 0; c != NULL; c = c->next, i++)
		if (scale_from_json(a, &a->scales[i], c, i, err, errlen) != 0)
			return -1;
	return 0;
}

int
agg_from_json(const char *json, size_t len, struct agg **out, char *err,
    size_t errlen)
{
	struct agg *a;
	cJSON *root;

	*out = NULL;
	if (len > AGG_MAX_JSON) {
		seterr(err, errlen, "aggregate larger than %d bytes",
		    AGG_MAX_JSON);
		return -1;
	}
	if ((root = parse_json(json, len)) == NULL) {
		seterr(err, errlen, "aggregate is not valid JSON");
		return -1;
	}
	if ((a = calloc(1, sizeof *a)) == NULL) {
		cJSON_Delete(root);
		seterr(err, errlen, "out of memory");
		return -1;
	}
	if (agg_build(a, root, err, errlen) != 0) {
		cJSON_Delete(root);
		agg_free(a);
		return -1;
	}
	cJSON_Delete(root);
	*out = a;
	return 0;
}

/* ---- checking against a form -------------------------------------------- */

static int
check_item(const struct agg *a, const struct agg_item *it,
    const struct form_item *fi, char *err, size_t errlen)
{
	uint64_t sum = 0, answered;
	size_t k;

	for (k = 0; k < it->n_opt; k++) {
		if (form_option_index(fi, it->val[k]) < 0) {
			seterr(err, errlen, "item '%s': unknown option '%s'",
			    fi->id, it->val[k]);
			return -1;
		}
	}
	for (k = 0; k < fi->n_options; k++) {
		if (find_opt(it, fi->options[k].value, k) < 0) {
			seterr(err, errlen, "item '%s': missing option '%s'",
			    fi->id, fi->options[k].value);
			return -1;
		}
	}
	if (it->na + it->ns > a->n) {
		seterr(err, errlen, "item '%s': _na and _ns sum to %" PRIu64
		    ", n is %" PRIu64, fi->id, it->na + it->ns, a->n);
		return -1;
	}
	answered = a->n - it->na - it->ns;
	if (fi->type == FORM_MULTI) {
		for (k = 0; k < it->n_opt; k++) {
			if (it->cnt[k] > answered) {
				seterr(err, errlen, "item '%s': option '%s' "
				    "counted %" PRIu64 " times, %" PRIu64
				    " answered", fi->id, it->val[k],
				    it->cnt[k], answered);
				return -1;
			}
		}
		return 0;
	}
	for (k = 0; k < it->n_opt; k++)
		sum += it->cnt[k];
	sum += it->na + it->ns;
	if (sum != a->n) {
		seterr(err, errlen, "item '%s': counts sum to %" PRIu64
		    ", n is %" PRIu64, fi->id, sum, a->n);
		return -1;
	}
	return 0;
}

int
agg_check(const struct agg *a, const struct form *f, char *err,
    size_t errlen)
{
	size_t i;

	if (a == NULL || f == NULL) {
		seterr(err, errlen, "no aggregate or form");
		return -1;
	}
	for (i = 0; i < a->n_items; i++) {
		if (form_item_index(f, a->items[i].id) < 0) {
			seterr(err, errlen, "unknown item '%s'",
			    a->items[i].id);
			return -1;
		}
	}
	for (i = 0; i < f->n_items; i++) {
		const struct agg_item *it = find_item(a, f->items[i].id, i);

		if (it == NULL) {
			seterr(err, errlen, "item '%s': missing",
			    f->items[i].id);
			return -1;
		}
		if (check_item(a, it, &f->items[i], err, errlen) != 0)
			return -1;
	}
	for (i = 0; i < a->n_scales; i++) {
		const struct agg_scale *sc = &a->scales[i];
		const struct form_scale *fs = NULL;

		for (size_t j = 0; j < f->n_scales; j++)
			if (strcmp(f->scales[j].id, sc->id) == 0)
				fs = &f->scales[j];
		if (fs == NULL) {
			seterr(err, errlen, "unknown scale '%s'", sc->id);
			return -1;
		}
		if (sc->k == 0)
			continue; /* full block dropped, as in team cells */
		if (sc->k != fs->n_items) {
			seterr(err, errlen, "scale '%s': full block has %zu "
			    "items, the scale %zu", sc->id, sc->k, fs->n_items);
			return -1;
		}
		for (size_t j = 0; j < sc->k; j++) {
			if (strcmp(sc->ids[j], fs->items[j]) != 0) {
				seterr(err, errlen, "scale '%s': full block "
				    "item %zu is '%s', not '%s'", sc->id, j + 1,
				    sc->ids[j], fs->items[j]);
				return -1;
			}
		}
	}
	for (i = 0; i < f->n_scales; i++) {
		if (find_scale(a, f->scales[i].id, i) == NULL) {
			seterr(err, errlen, "scale '%s': missing",
			    f->scales[i].id);
			return -1;
		}
	}
	return 0;
}

/* ---- merging ------------------------------------------------------------ */

/* dst (empty, allocated for cap options) = x (+ y when not NULL), matched by
 * option value; options only in y are appended. extra_ns is added to _ns. */
static int
merge_item(struct agg_item *dst, const struct agg_item *x,
    const struct agg_item *y, uint64_t extra_ns)
{
	size_t k;
	int o;

	if (x->n_opt > FORM_MAX_OPTIONS)
		return -1;
	memcpy(dst->id, x->id, sizeof dst->id);
	for (k = 0; k < x->n_opt; k++) {
		memcpy(dst->val[k], x->val[k], sizeof dst->val[k]);
		dst->cnt[k] = x->cnt[k];
	}
	dst->n_opt = x->n_opt;
	dst->na = x->na;
	dst->ns = x->ns + extra_ns;
	if (y != NULL) {
		dst->na += y->na;
		dst->ns += y->ns;
		for (k = 0; k < y->n_opt; k++) {
			if ((o = find_opt(dst, y->val[k], k)) >= 0) {
				dst->cnt[o] += y->cnt[k];
				continue;
			}
			if (dst->n_opt >= FORM_MAX_OPTIONS)
				return -1;
			memcpy(dst->val[dst->n_opt], y->val[k],
			    sizeof dst->val[0]);
			dst->cnt[dst->n_opt++] = y->cnt[k];
		}
	}
	if (dst->na > AGG_MAX_COUNT || dst->ns > AGG_MAX_COUNT)
		return -1;
	for (k = 0; k < dst->n_opt; k++)
		if (dst->cnt[k] > AGG_MAX_COUNT)
			return -1;
	return 0;
}

/* dst (zeroed) = x (+ y). The full block survives only when both sides
 * have one over the same items. */
static int
merge_scale(struct agg_scale *dst, const struct agg_scale *x,
    const struct agg_scale *y)
{
	int full = x->k > 0 && (y == NULL || y->k == x->k);

	memcpy(dst->id, x->id, sizeof dst->id);
	dst->n = x->n;
	dst->sum = x->sum;
	dst->sumsq = x->sumsq;
	memcpy(dst->zone, x->zone, sizeof dst->zone);
	memcpy(dst->hist, x->hist, sizeof dst->hist);
	for (size_t k = 0; full && y != NULL && k < x->k; k++)
		if (strcmp(x->ids[k], y->ids[k]) != 0)
			full = 0;
	if (full) {
		if (full_alloc(dst, x->k) != 0)
			return -1;
		memcpy(dst->ids, x->ids, x->k * sizeof *dst->ids);
		dst->full_n = x->full_n;
		memcpy(dst->isum, x->isum, x->k * sizeof *dst->isum);
		memcpy(dst->iprod, x->iprod, NPROD(x->k) * sizeof *dst->iprod);
	}
	if (y == NULL)
		return 0;
	dst->n += y->n;
	dst->sum += y->sum;
	dst->sumsq += y->sumsq;
	for (size_t z = 0; z < 3; z++)
		dst->zone[z] += y->zone[z];
	for (size_t b = 0; b < SCORE_HIST_BINS; b++)
		dst->hist[b] += y->hist[b];
	if (full) {
		dst->full_n += y->full_n;
		for (size_t k = 0; k < dst->k; k++)
			dst->isum[k] += y->isum[k];
		for (size_t k = 0; k < NPROD(dst->k); k++)
			dst->iprod[k] += y->iprod[k];
	}
	return dst->n > AGG_MAX_COUNT ? -1 : 0;
}

void
agg_drop_full(struct agg *a)
{
	if (a == NULL)
		return;
	for (size_t i = 0; i < a->n_scales; i++)
		full_clear(&a->scales[i]);
}

int
agg_merge(struct agg *into, const struct agg *from)
{
	struct agg res = { 0, 0, NULL, 0, NULL }, old;
	size_t i, cap;

	if (into == NULL || from == NULL || into == from)
		return -1;
	if (into->n + from->n > AGG_MAX_COUNT)
		return -1;
	cap = into->n_items + from->n_items;
	if (cap > 0 && (res.items = calloc(cap, sizeof *res.items)) == NULL)
		return -1;
	res.n = into->n + from->n;
	for (i = 0; i < into->n_items; i++) {
		const struct agg_item *x = &into->items[i];
		const struct agg_item *y = find_item(from, x->id, i);
		struct agg_item *d = &res.items[res.n_items];

		res.n_items++;
		if (item_alloc(d, FORM_MAX_OPTIONS) != 0 ||
		    merge_item(d, x, y, y == NULL ? from->n : 0) != 0)
			goto fail;
	}
	for (i = 0; i < from->n_items; i++) {
		const struct agg_item *y = &from->items[i];
		struct agg_item *d;

		if (find_item(into, y->id, i) != NULL)
			continue;
		if (res.n_items >= FORM_MAX_ITEMS)
			goto fail;
		d = &res.items[res.n_items++];
		if (item_alloc(d, FORM_MAX_OPTIONS) != 0 ||
		    merge_item(d, y, NULL, into->n) != 0)
			goto fail;
	}
	cap = into->n_scales + from->n_scales;
	if (cap > 0 && (res.scales = calloc(cap, sizeof *res.scales)) == NULL)
		goto fail;
	for (i = 0; i < into->n_scales; i++) {
		const struct agg_scale *y = find_scale(from, into->scales[i].id, i);
		res.n_scales++;
		if (merge_scale(&res.scales[i], &into->scales[i], y) != 0)
			goto fail;
	}
	for (i = 0; i < from->n_scales; i++) {
		if (find_scale(into, from->scales[i].id, i) != NULL)
			continue;
		if (res.n_scales >= FORM_MAX_SCALES)
			goto fail;
		if (merge_scale(&res.scales[res.n_scales++], &from->scales[i],
		    NULL) != 0)
			goto fail;
	}
	old = *into;
	*into = res;
	agg_release(&old);
	return 0;
fail:
	agg_release(&res);
	return -1;
}
