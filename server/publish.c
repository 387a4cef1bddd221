/*
 * publish.c - publication snapshots; see publish.h. The figures and rules
 * are defined in docs/indicators.md, the disclosure policy in
 * docs/disclosure.md; this file is their implementation.
 *
 * One snapshot is built in memory as a tree of the organisation: every
 * unit's aggregate by exact merging (a team's own cells; a higher unit's
 * own cells - which hold its direct teams, Cronbach blocks included - plus
 * its non-team children), then the withheld set (threshold, then
 * complementary suppression to a fixed point), then one JSON body per
 * unit, written in one transaction.
 */
#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "agg.h"
#include "body.h"
#include "org.h"
#include "period.h"
#include "publish.h"
#include "score.h"
#include "stats.h"
#include "store.h"

#define FOLLOWUP_MIN 10   /* respondents for district-only items */
#define ALPHA_MIN 30      /* respondents for Cronbach's alpha */
#define FDR_Q 0.05        /* Benjamini-Hochberg */
#define EFFECT_MEAN 5.0   /* points on 0-100 */
#define EFFECT_SHARE 0.10 /* share, 0-1 */
#define SERIES_MAX 6      /* periods in a trend series */
#define MAX_DEPTH 16

enum withheld { W_NONE = 0, W_FEW, W_COMPLEMENT };

/* One reason for both kinds: "too few" and "protecting another" would
 * tell n < k from n >= k, and with a published total that can pin counts
 * (tests/e2e/disclosure.sh). */
static const char *const reasons[] = {
	NULL,
	"te weinig respondenten, hier of in een groep ernaast / too few "
	    "respondents, here or in a neighbouring group",
	"te weinig respondenten, hier of in een groep ernaast / too few "
	    "respondents, here or in a neighbouring group",
};

struct node {
	char id[ORG_ID_MAX];
	char pid[ORG_ID_MAX];
	char name[ORG_NAME_MAX];
	enum org_kind kind;
	long headcount; /* a team's own; summed upwards */
	int parent;     /* index, -1 for the top */
	int depth;
	int *kids;
	size_t nkids;
	struct agg *own; /* cells filed under this unit */
	struct agg *agg; /* the whole subtree */
	uint64_t n;
	uint64_t base; /* teams: respondents in the last snapshot */
	int withheld;  /* enum withheld */
	int fu_withheld; /* district-only items withheld here */
	int late;
};

struct tree {
	struct node *v;
	size_t n;
	int *by_depth; /* deepest first */
};

/* ---- the organisation ------------------------------------------------- */

static int
by_id(const void *a, const void *b)
{
	return strcmp(((const struct node *)a)->id,
	    ((const struct node *)b)->id);
}

static int
find(const struct tree *t, const char *id)
{
	struct node key, *p;

	snprintf(key.id, sizeof key.id, "%s", id);
	p = bsearch(&key, t->v, t->n, sizeof *t->v, by_id);
	return p != NULL ? (int)(p - t->v) : -1;
}

static void
tree_free(struct tree *t)
{
	for (size_t i = 0; i < t->n; i++) {
		free(t->v[i].kids);
		agg_free(t->v[i].own);
		agg_free(t->v[i].agg);
	}
	free(t->v);
	free(t->by_depth);
	memset(t, 0, sizeof *t);
}

static int
tree_load(struct server *s, struct tree *t, char *err, size_t errlen)
{
	sqlite3_stmt *st;
	size_t cap = 0;
	int rc;

	memset(t, 0, sizeof *t);
	if (store_prepare(s->db, "SELECT id, COALESCE(parent, ''), name, "
	    "kind, headcount FROM org", &st, err, errlen) != 0)
		return -1;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct node *v;

		if (t->n == cap) {
			size_t nc = cap ? cap * 2 : 64;
			struct node *p = realloc(t->v, nc * sizeof *p);
			if (p == NULL)
				break;
			t->v = p;
			cap = nc;
		}
		v = &t->v[t->n++];
		memset(v, 0, sizeof *v);
		snprintf(v->id, sizeof v->id, "%s", sqlite3_column_text(st, 0));
		snprintf(v->pid, sizeof v->pid, "%s",
		    sqlite3_column_text(st, 1));
		snprintf(v->name, sizeof v->name, "%s",
		    sqlite3_column_text(st, 2));
		if (org_kind_parse((const char *)sqlite3_column_text(st, 3),
		    &v->kind) != 0)
			v->kind = ORG_TEAM;
		v->headcount = v->kind == ORG_TEAM ?
		    (long)sqlite3_column_int64(st, 4) : 0;
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		if (rc == SQLITE_ROW)
			snprintf(err, errlen, "database: out of memory");
		else
			store_error(s->db, err, errlen);
		tree_free(t);
		return -1;
	}
	if (t->n == 0) {
		snprintf(err, errlen, "no organisation imported (polsctl org "
		    "import)");
		return -1;
	}
	qsort(t->v, t->n, sizeof *t->v, by_id);
	for (size_t i = 0; i < t->n; i++)
		t->v[i].parent = t->v[i].pid[0] ? find(t, t->v[i].pid) : -1;
	/* children lists, depths and the subtree headcounts */
	for (size_t i = 0; i < t->n; i++) {
		int p = t->v[i].parent, d = 0;

		for (int q = p; q >= 0 && d < MAX_DEPTH; q = t->v[q].parent)
			d++;
		t->v[i].depth = d;
		if (p >= 0) {
			struct node *pv = &t->v[p];
			int *k = realloc(pv->kids, (pv->nkids + 1) * sizeof *k);
			if (k == NULL)
				goto oom;
			pv->kids = k;
			pv->kids[pv->nkids++] = (int)i;
		}
	}
	if ((t->by_depth = malloc(t->n * sizeof *t->by_depth)) == NULL)
		goto oom;
	/* deepest first: a bucket per depth */
	for (int d = MAX_DEPTH, m = 0; d >= 0; d--)
		for (size_t i = 0; i < t->n; i++)
			if (t->v[i].depth == d)
				t->by_depth[m++] = (int)i;
	for (size_t i = 0; i < t->n; i++) {
		struct node *v = &t->v[t->by_depth[i]];
		if (v->parent >= 0)
			t->v[v->parent].headcount += v->headcount;
	}
	return 0;
oom:
	snprintf(err, errlen, "out of memory");
	tree_free(t);
	return -1;
}

/* ---- periods ---------------------------------------------------------- */

/* When (form, period) closes: a calendar period's end, a campaign's day
 * after its last, or the moment it was closed early. -1 when unknown. */
static int
period_close(struct server *s, const char *period, time_t *out)
{
	sqlite3_stmt *st;
	time_t start;
	int rv = -1;

	if (period_bounds(period, &start, out) == 0)
		return 0;
	if (sqlite3_prepare_v2(s->db, "SELECT end, closed, closed_at FROM "
	    "waves WHERE id = ?", -1, &st, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_text(st, 1, period, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW) {
		char t[40];
		time_t end;

		snprintf(t, sizeof t, "%sT00:00:00Z",
		    sqlite3_column_text(st, 0));
		if (period_parse_time(t, &end) == 0) {
			end += 86400; /* the last day is included */
			if (sqlite3_column_int(st, 1) &&
			    sqlite3_column_type(st, 2) != SQLITE_NULL &&
			    sqlite3_column_int64(st, 2) < end)
				end = (time_t)sqlite3_column_int64(st, 2);
			*out = end;
			rv = 0;
		}
	}
	sqlite3_finalize(st);
	return rv;
}

int
publish_closed(struct server *s, const char *form, const char *period,
    time_t now)
{
	time_t end;

	(void)form;
	if (period_close(s, period, &end) != 0)
		return -1;
	return now >= end + (time_t)config_int(s->cfg, "grace_hours") * 3600;
}

static long
min_k(struct server *s)
{
	long k = config_int(s->cfg, "min_respondents");

	return k < 3 ? 3 : k;
}

/* ---- building one snapshot -------------------------------------------- */

static int
load_cells(struct server *s, struct tree *t, const char *form,
    const char *period, char *err, size_t errlen)
{
	sqlite3_stmt *st;
	int rc, rv = 0;

	if (store_prepare(s->db, "SELECT unit, agg FROM cells WHERE form = ? "
	    "AND period = ?", &st, err, errlen) != 0)
		return -1;
	sqlite3_bind_text(st, 1, form, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, period, -1, SQLITE_STATIC);
	while (rv == 0 && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		int i = find(t, (const char *)sqlite3_column_text(st, 0));
		struct agg *a;

		if (i < 0)
			continue; /* a unit since removed from the org */
		if (agg_from_json((const char *)sqlite3_column_text(st, 1),
		    (size_t)sqlite3_column_bytes(st, 1), &a, err, errlen) != 0)
			rv = -1;
		else if (t->v[i].own == NULL)
			t->v[i].own = a;
		else {
			if (agg_merge(t->v[i].own, a) != 0) {
				snprintf(err, errlen, "cell counts overflow");
				rv = -1;
			}
			agg_free(a);
		}
	}
	if (rv == 0 && rc != SQLITE_DONE) {
		store_error(s->db, err, errlen);
		rv = -1;
	}
	sqlite3_finalize(st);
	return rv;
}

/* Every unit's whole-subtree aggregate, deepest first. */
static int
roll_up(struct tree *t, char *err, size_t errlen)
{
	for (size_t i = 0; i < t->n; i++) {
		struct node *v = &t->v[t->by_depth[i]];

		if (v->kind == ORG_TEAM) {
			v->agg = v->own;
			v->own = NULL;
		} else {
			if ((v->agg = agg_empty()) == NULL)
				goto oom;
			if (v->own != NULL && agg_merge(v->agg, v->own) != 0)
				goto oom;
			for (size_t c = 0; c < v->nkids; c++) {
				struct node *k = &t->v[v->kids[c]];
				if (k->kind != ORG_TEAM && k->agg != NULL &&
				    agg_merge(v->agg, k->agg) != 0)
					goto oom;
			}
		}
		v->n = agg_n(v->agg);
	}
	return 0;
oom:
	snprintf(err, errlen, "out of memory or counts overflow while "
	    "merging");
	return -1;
}

/*
 * Complementary suppression (docs/disclosure.md). What the published units
 * reveal, together, is exactly this: under every published unit P, its
 * *remainder* - P minus its published frontier (the nearest published units
 * below it, reached through withheld ones). Every withheld team lies in
 * one remainder, and every figure anyone can compute from the published
 * ones is a sum of remainders (the units form a tree, so the remainders
 * are disjoint and span what is known). So a remainder must have no
 * respondents, or at least min respondents in at least two teams. When one
 * fails, the frontier unit with the fewest respondents is withheld too
 * (which merges its remainder into P's), or P itself when its frontier is
 * empty; repeated to a fixed point. flag picks the class: the cell
 * (threshold k) or the district-only items (threshold 10).
 */
static void
complement(struct tree *t, uint64_t min, int *(*flag)(struct node *),
    int how)
{
	int changed = 1, *stack;

	if ((stack = malloc((t->n + 1) * sizeof *stack)) == NULL) {
		/* cannot check: withhold everything rather than guess */
		for (size_t i = 0; i < t->n; i++)
			*flag(&t->v[i]) = how;
		return;
	}
	while (changed) {
		changed = 0;
		for (size_t i = 0; i < t->n; i++) {
			struct node *p = &t->v[i];
			uint64_t covered = 0, rest;
			int cnt = 0, best = -1, sp = 0;

			if (*flag(p) || p->nkids == 0)
				continue;
			for (size_t c = 0; c < p->nkids; c++)
				stack[sp++] = p->kids[c];
			while (sp > 0) {
				struct node *k = &t->v[stack[--sp]];
				int ki = (int)(k - t->v);

				if (!*flag(k)) { /* the frontier */
					covered += k->n;
					if (best < 0 || k->n < t->v[best].n ||
					    (k->n == t->v[best].n &&
					    strcmp(k->id, t->v[best].id) < 0))
						best = ki;
				} else if (k->nkids == 0) {
					cnt += k->n > 0; /* in the remainder */
				} else {
					for (size_t c = 0; c < k->nkids; c++)
						stack[sp++] = k->kids[c];
				}
			}
			rest = p->n > covered ? p->n - covered : 0;
			if (rest == 0 || (cnt >= 2 && rest >= min))
				continue;
			*flag(best >= 0 ? &t->v[best] : p) = how;
			changed = 1;
		}
	}
	free(stack);
}

static int *
cell_flag(struct node *v)
{
	return &v->withheld;
}

static int *
fu_flag(struct node *v)
{
	return &v->fu_withheld;
}

/* ---- figures ---------------------------------------------------------- */

struct sstat { /* one scale at one unit, in points */
	double n, mean, var;
	int ok; /* n >= 1 */
};

static struct sstat
scale_stat(const struct agg *a, const char *id)
{
	struct agg_scale_view sv;
	struct sstat r = { 0, 0, 0, 0 };

	if (a == NULL || agg_scale_get(a, id, &sv) != 0 || sv.n == 0)
		return r;
	r.n = (double)sv.n;
	r.mean = (double)sv.sum / (double)sv.n / SCORE_UNIT;
	if (sv.n >= 2) {
		unsigned __int128 a2 = (unsigned __int128)sv.n * sv.sumsq;
		unsigned __int128 b2 = (unsigned __int128)sv.sum * sv.sum;
		r.var = (double)(a2 - b2) / ((double)sv.n * (double)(sv.n - 1))
		    / ((double)SCORE_UNIT * SCORE_UNIT);
	}
	r.ok = 1;
	return r;
}

/* The statistics of parent minus child (the rest of the parent). */
static struct sstat
scale_rest(const struct agg *pa, const struct agg *ca, const char *id)
{
	struct agg_scale_view p, c;
	struct sstat r = { 0, 0, 0, 0 };
	uint64_t n, sum, sumsq;

	if (pa == NULL || agg_scale_get(pa, id, &p) != 0)
		return r;
	if (ca == NULL || agg_scale_get(ca, id, &c) != 0)
		memset(&c, 0, sizeof c);
	if (p.n < c.n || p.sum < c.sum || p.sumsq < c.sumsq)
		return r;
	n = p.n - c.n;
	sum = p.sum - c.sum;
	sumsq = p.sumsq - c.sumsq;
	if (n == 0)
		return r;
	r.n = (double)n;
	r.mean = (double)sum / (double)n / SCORE_UNIT;
	if (n >= 2) {
		unsigned __int128 a2 = (unsigned __int128)n * sumsq;
		unsigned __int128 b2 = (unsigned __int128)sum * sum;
		r.var = (double)(a2 - b2) / ((double)n * (double)(n - 1)) /
		    ((double)SCORE_UNIT * SCORE_UNIT);
	}
	r.ok = 1;
	return r;
}

/* yes answers and answered (yes + no) of a yes/no item */
static void
yes_no(const struct agg *a, const char *id, uint64_t *yes, uint64_t *m)
{
	int i = a != NULL ? agg_item_find(a, id) : -1;

	*yes = *m = 0;
	if (i < 0)
		return;
	for (size_t o = 0; o < agg_item_n_options(a, (size_t)i); o++) {
		const char *v = agg_item_value(a, (size_t)i, o);
		if (strcmp(v, "true") == 0) {
			*yes += agg_item_count(a, (size_t)i, o);
			*m += agg_item_count(a, (size_t)i, o);
		} else if (strcmp(v, "false") == 0) {
			*m += agg_item_count(a, (size_t)i, o);
		}
	}
}

static const char *
band(uint64_t c)
{
	return c == 0 ? "geen" : c <= 2 ? "1-2" : "3 of meer";
}

/*
 * A real figure, rounded to 1e-10: far below anything shown or tested
 * (means are checked to 1e-9), and a number that prints back exactly in
 * cJSON's first, 15-digit try instead of its slower 17-digit second one.
 */
static double
r10(double x)
{
	return isfinite(x) ? round(x * 1e10) / 1e10 : x;
}

static cJSON *
real(double x)
{
	return cJSON_CreateNumber(r10(x));
}

static cJSON *
add_real(cJSON *o, const char *k, double x)
{
	return cJSON_AddNumberToObject(o, k, r10(x));
}

static int
is_signal(const struct form_item *it)
{
	return it->type == FORM_YESNO && it->cond == NULL &&
	    it->publish == FORM_PUBLISH_TEAM;
}

static const char *
light_name(int l)
{
	return l == 2 ? "red" : l == 1 ? "amber" : "green";
}

static int
light_of(const struct form_scale *sc, const struct sstat *x, double red,
    double amber)
{
	uint32_t units = (uint32_t)llround(x->mean * SCORE_UNIT);
	enum score_zone z = score_zone(sc, units);

	if (z == SCORE_RED || red >= sc->light_red)
		return 2;
	if (z == SCORE_AMBER || red >= sc->light_amber || red + amber >= 0.5)
		return 1;
	return 0;
}

/* The figures of one published unit: n, response, scales, items,
 * signals. */
static cJSON *
figures(const struct form *f, const struct node *v)
{
	cJSON *o = cJSON_CreateObject(), *arr, *x;
	int team = v->kind == ORG_TEAM;

	cJSON_AddNumberToObject(o, "n", (double)v->n);
	cJSON_AddNumberToObject(o, "headcount", (double)v->headcount);
	add_real(o, "response", v->headcount > 0 ?
	    ((double)v->n / (double)v->headcount) : 0);
	cJSON_AddBoolToObject(o, "suspect", v->headcount > 0 &&
	    v->n > (uint64_t)v->headcount);
	arr = cJSON_AddArrayToObject(o, "scales");
	for (size_t i = 0; i < f->n_scales; i++) {
		const struct form_scale *sc = &f->scales[i];
		struct sstat st = scale_stat(v->agg, sc->id);
		struct agg_scale_view sv;
		cJSON *h;

		x = cJSON_CreateObject();
		cJSON_AddItemToArray(arr, x);
		cJSON_AddStringToObject(x, "id", sc->id);
		cJSON_AddNumberToObject(x, "n", st.n);
		if (!st.ok || agg_scale_get(v->agg, sc->id, &sv) != 0) {
			cJSON_AddNullToObject(x, "mean");
			continue;
		}
		double red = (double)sv.zone[2] / (double)sv.n;
		double amber = (double)sv.zone[1] / (double)sv.n;
		double sd = sqrt(st.var);
		add_real(x, "mean", (st.mean));
		add_real(x, "sd", (sd));
		if (sv.n >= 2) {
			double hw = stats_t975(st.n - 1) * sd / sqrt(st.n);
			cJSON *ci = cJSON_AddArrayToObject(x, "ci");
			cJSON_AddItemToArray(ci, real(
			    (fmax(0, st.mean - hw))));
			cJSON_AddItemToArray(ci, real(
			    (fmin(100, st.mean + hw))));
		} else {
			cJSON_AddNullToObject(x, "ci");
		}
		add_real(x, "share_red", (red));
		add_real(x, "share_amber", (amber));
		cJSON_AddStringToObject(x, "light",
		    light_name(light_of(sc, &st, red, amber)));
		if (sv.full_n >= ALPHA_MIN && sv.alpha != -1)
			add_real(x, "alpha", (sv.alpha));
		else
			cJSON_AddNullToObject(x, "alpha");
		h = cJSON_AddArrayToObject(x, "hist");
		for (size_t b = 0; b < SCORE_HIST_BINS; b++)
			cJSON_AddItemToArray(h,
			    cJSON_CreateNumber((double)sv.hist[b]));
	}
	arr = cJSON_AddArrayToObject(o, "items");
	cJSON *held = cJSON_AddArrayToObject(o, "withheld_items");
	for (size_t i = 0; i < f->n_items; i++) {
		const struct form_item *it = &f->items[i];
		int ai = agg_item_find(v->agg, it->id);
		cJSON *c;

		if (ai < 0)
			continue;
		if (it->publish == FORM_PUBLISH_DISTRICT &&
		    (team || v->fu_withheld)) {
			x = cJSON_CreateObject();
			cJSON_AddStringToObject(x, "id", it->id);
			cJSON_AddStringToObject(x, "reason", "alleen op "
			    "districtsniveau en hoger, vanaf 10 respondenten / "
			    "district level and up, 10 respondents or more");
			cJSON_AddItemToArray(held, x);
			continue;
		}
		uint64_t shown = v->n - agg_item_ns(v->agg, (size_t)ai);
		x = cJSON_CreateObject();
		cJSON_AddItemToArray(arr, x);
		cJSON_AddStringToObject(x, "id", it->id);
		if (it->sensitive && team) {
			c = cJSON_AddObjectToObject(x, "bands");
			for (size_t o2 = 0; o2 < agg_item_n_options(v->agg,
			    (size_t)ai); o2++)
				cJSON_AddStringToObject(c, agg_item_value(
				    v->agg, (size_t)ai, o2), band(
				    agg_item_count(v->agg, (size_t)ai, o2)));
			continue;
		}
		c = cJSON_AddObjectToObject(x, "counts");
		for (size_t o2 = 0; o2 < agg_item_n_options(v->agg, (size_t)ai);
		    o2++) {
			uint64_t k = agg_item_count(v->agg, (size_t)ai, o2);
			const char *val = agg_item_value(v->agg, (size_t)ai,
			    o2);
			if (it->sensitive && (k == 0 || k == shown))
				cJSON_AddStringToObject(c, val, band(k));
			else
				cJSON_AddNumberToObject(c, val, (double)k);
		}
		cJSON_AddNumberToObject(c, "_na",
		    (double)agg_item_na(v->agg, (size_t)ai));
		cJSON_AddNumberToObject(c, "_ns",
		    (double)agg_item_ns(v->agg, (size_t)ai));
	}
	arr = cJSON_AddArrayToObject(o, "signals");
	for (size_t i = 0; i < f->n_items; i++) {
		const struct form_item *it = &f->items[i];
		uint64_t yes, m;

		if (!is_signal(it) || agg_item_find(v->agg, it->id) < 0)
			continue;
		yes_no(v->agg, it->id, &yes, &m);
		x = cJSON_CreateObject();
		cJSON_AddItemToArray(arr, x);
		cJSON_AddStringToObject(x, "id", it->id);
		if (it->sensitive && (team || yes == 0 || yes == m)) {
			cJSON_AddStringToObject(x, "band", band(yes));
			cJSON_AddNullToObject(x, "share");
		} else {
			cJSON_AddNumberToObject(x, "answered", (double)m);
			if (m > 0)
				add_real(x, "share",
				    ((double)yes / (double)m));
			else
				cJSON_AddNullToObject(x, "share");
		}
	}
	return o;
}

/* ---- comparisons: benchmarks and trend -------------------------------- */

struct cmp { /* one comparison, for Benjamini-Hochberg over a unit */
	cJSON *obj;
	double p, diff, effect;
	int worse;   /* the difference is in the bad direction */
	int signal;  /* a yes/no item, not a scale */
	char what[FORM_ID_MAX + 64];
	char against[ORG_ID_MAX + 16];
};

struct cmps {
	struct cmp *v;
	size_t n, cap;
};

static void
cmp_add(struct cmps *c, cJSON *obj, double p, double diff, double effect,
    int worse, const char *what, const char *against, int signal)
{
	if (c->n == c->cap) {
		size_t nc = c->cap ? c->cap * 2 : 32;
		struct cmp *q = realloc(c->v, nc * sizeof *q);
		if (q == NULL)
			return;
		c->v = q;
		c->cap = nc;
	}
	c->v[c->n].obj = obj;
	c->v[c->n].p = p;
	c->v[c->n].diff = diff;
	c->v[c->n].effect = effect;
	c->v[c->n].worse = worse;
	c->v[c->n].signal = signal;
	snprintf(c->v[c->n].what, sizeof c->v[c->n].what, "%s", what);
	snprintf(c->v[c->n].against, sizeof c->v[c->n].against, "%s",
	    against);
	c->n++;
}

static int
scale_worse(const struct form_scale *sc, double diff)
{
	return sc->direction == FORM_HIGHER_IS_WORSE ? diff > 0 : diff < 0;
}

/* How node v compares with a (an ancestor): scales and signals, each
 * tested against the rest of a (a without v). */
static cJSON *
compare(const struct form *f, const struct node *v, const struct node *a,
    const char *level, struct cmps *cs)
{
	cJSON *o = cJSON_CreateObject(), *arr, *x;
	int team = v->kind == ORG_TEAM;

	cJSON_AddStringToObject(o, "level", level);
	cJSON_AddStringToObject(o, "unit", a->id);
	cJSON_AddStringToObject(o, "name", a->name);
	if (a->withheld) {
		cJSON_AddBoolToObject(o, "suppressed", 1);
		cJSON_AddStringToObject(o, "reason", reasons[a->withheld]);
		return o;
	}
	cJSON_AddNumberToObject(o, "n", (double)a->n);
	arr = cJSON_AddArrayToObject(o, "scales");
	for (size_t i = 0; i < f->n_scales; i++) {
		const struct form_scale *sc = &f->scales[i];
		struct sstat sa = scale_stat(a->agg, sc->id);
		struct sstat sv = scale_stat(v->agg, sc->id);
		struct sstat rest = scale_rest(a->agg, v->agg, sc->id);

		if (!sa.ok)
			continue;
		x = cJSON_CreateObject();
		cJSON_AddItemToArray(arr, x);
		cJSON_AddStringToObject(x, "id", sc->id);
		add_real(x, "mean", (sa.mean));
		if (v->withheld || !sv.ok)
			continue;
		double d = sv.mean - sa.mean;
		double p = rest.ok ? stats_welch_p(sv.n, sv.mean, sv.var,
		    rest.n, rest.mean, rest.var) : -1;
		add_real(x, "diff", (d));
		if (p >= 0)
			add_real(x, "p", (p));
		else
			cJSON_AddNullToObject(x, "p");
		cmp_add(cs, x, p, d, EFFECT_MEAN, scale_worse(sc, d), sc->id,
		    a->id, 0);
	}
	arr = cJSON_AddArrayToObject(o, "signals");
	for (size_t i = 0; i < f->n_items; i++) {
		const struct form_item *it = &f->items[i];
		uint64_t ya, ma, yv, mv;

		if (!is_signal(it))
			continue;
		yes_no(a->agg, it->id, &ya, &ma);
		if (ma == 0)
			continue;
		x = cJSON_CreateObject();
		cJSON_AddItemToArray(arr, x);
		cJSON_AddStringToObject(x, "id", it->id);
		if (it->sensitive && (ya == 0 || ya == ma)) {
			cJSON_AddStringToObject(x, "band", band(ya));
			continue;
		}
		add_real(x, "share",
		    ((double)ya / (double)ma));
		yes_no(v->agg, it->id, &yv, &mv);
		if (v->withheld || mv == 0 || (it->sensitive && team) ||
		    (it->sensitive && (yv == 0 || yv == mv)))
			continue; /* no exact share of v to compare */
		double sa = (double)ya / (double)ma, sv = (double)yv / (double)mv;
		double nr = (double)(ma - mv), yr = (double)(ya - yv);
		double p = -1;
		if (nr >= 2 && mv >= 2) {
			double pr = yr / nr;
			p = stats_welch_p((double)mv, sv,
			    sv * (1 - sv) * (double)mv / ((double)mv - 1),
			    nr, pr, pr * (1 - pr) * nr / (nr - 1));
		}
		add_real(x, "diff", (sv - sa));
		if (p >= 0)
			add_real(x, "p", (p));
		else
			cJSON_AddNullToObject(x, "p");
		cmp_add(cs, x, p, sv - sa, EFFECT_SHARE, sv > sa, it->id, a->id,
		    1);
	}
	return o;
}

/* Previous published periods of form, newest first (closing before
 * closes), at most max. */
static size_t
earlier_periods(struct server *s, const char *form, time_t closes,
    char (*out)[PERIOD_MAX], int *seqs, size_t max)
{
	sqlite3_stmt *st;
	size_t n = 0;

	if (sqlite3_prepare_v2(s->db, "SELECT period, MAX(seq) FROM snapshots "
	    "WHERE form = ? AND closes < ? GROUP BY period ORDER BY "
	    "MAX(closes) DESC LIMIT ?", -1, &st, NULL) != SQLITE_OK)
		return 0;
	sqlite3_bind_text(st, 1, form, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)closes);
	sqlite3_bind_int64(st, 3, (sqlite3_int64)max);
	while (n < max && sqlite3_step(st) == SQLITE_ROW) {
		snprintf(out[n], PERIOD_MAX, "%s", sqlite3_column_text(st, 0));
		seqs[n++] = sqlite3_column_int(st, 1);
	}
	sqlite3_finalize(st);
	return n;
}

static cJSON *
stored_body(struct server *s, const char *form, const char *period, int seq,
    const char *unit)
{
	sqlite3_stmt *st;
	cJSON *j = NULL;

	if (sqlite3_prepare_v2(s->db, "SELECT body FROM snapshot_units WHERE "
	    "form = ? AND period = ? AND seq = ? AND unit = ?", -1, &st,
	    NULL) != SQLITE_OK)
		return NULL;
	sqlite3_bind_text(st, 1, form, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, period, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 3, seq);
	sqlite3_bind_text(st, 4, unit, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW)
		j = cJSON_Parse((const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	return j;
}

/* The trend: this period against the previous published one, and the
 * series of the last periods. fig: v's own figures (just computed). */
static cJSON *
trend(struct server *s, const struct form *f, const struct node *v,
    const cJSON *fig, const char *period, time_t closes, struct cmps *cs)
{
	char per[SERIES_MAX][PERIOD_MAX];
	int seqs[SERIES_MAX];
	size_t np = earlier_periods(s, f->id, closes, per, seqs,
	    SERIES_MAX - 1);
	cJSON *o = cJSON_CreateObject(), *series, *arr, *x;
	cJSON *prev = np > 0 ? stored_body(s, f->id, per[0], seqs[0], v->id) :
	    NULL;
	int prev_ok = prev != NULL &&
	    !cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(prev, "suppressed"));

	if (np > 0)
		cJSON_AddStringToObject(o, "previous_period", per[0]);
	else
		cJSON_AddNullToObject(o, "previous_period");
	arr = cJSON_AddArrayToObject(o, "scales");
	for (size_t i = 0; prev_ok && fig != NULL && i < f->n_scales; i++) {
		const char *id = f->scales[i].id;
		const cJSON *now = body_by_id(cJSON_GetObjectItemCaseSensitive(fig,
		    "scales"), id);
		const cJSON *was = body_by_id(cJSON_GetObjectItemCaseSensitive(prev,
		    "scales"), id);
		double m1 = body_num(now, "mean", -1), m0 = body_num(was, "mean", -1);
		double n1 = body_num(now, "n", 0), n0 = body_num(was, "n", 0);
		double p;

		if (m1 < 0 || m0 < 0)
			continue;
		x = cJSON_CreateObject();
		cJSON_AddItemToArray(arr, x);
		cJSON_AddStringToObject(x, "id", id);
		cJSON_AddNumberToObject(x, "previous", m0);
		add_real(x, "diff", (m1 - m0));
		p = stats_welch_p(n1, m1, pow(body_num(now, "sd", 0), 2), n0, m0,
		    pow(body_num(was, "sd", 0), 2));
		if (p >= 0)
			add_real(x, "p", (p));
		else
			cJSON_AddNullToObject(x, "p");
		cmp_add(cs, x, p, m1 - m0, EFFECT_MEAN,
		    scale_worse(&f->scales[i], m1 - m0), id, "trend", 0);
	}
	cJSON_Delete(prev);
	/* oldest first, this period last */
	series = cJSON_AddArrayToObject(o, "series");
	for (size_t i = np + 1; i-- > 0;) {
		cJSON *b = i == 0 ? NULL : stored_body(s, f->id, per[i - 1],
		    seqs[i - 1], v->id);
		const cJSON *src = i == 0 ? fig : b;
		cJSON *m;

		x = cJSON_CreateObject();
		cJSON_AddItemToArray(series, x);
		cJSON_AddStringToObject(x, "period", i == 0 ? period :
		    per[i - 1]);
		m = cJSON_AddObjectToObject(x, "scales");
		if (src != NULL && !cJSON_IsTrue(
		    cJSON_GetObjectItemCaseSensitive(src, "suppressed")) &&
		    (i == 0 ? !v->withheld : 1)) {
			const cJSON *sc;
			cJSON_ArrayForEach(sc, cJSON_GetObjectItemCaseSensitive(
			    src, "scales")) {
				const cJSON *id = cJSON_GetObjectItemCaseSensitive(
				    sc, "id");
				double mean = body_num(sc, "mean", -1);
				if (cJSON_IsString(id) && mean >= 0)
					cJSON_AddNumberToObject(m,
					    id->valuestring, mean);
			}
		}
		cJSON_Delete(b);
	}
	return o;
}

static const char *
level_name(enum org_kind k)
{
	return org_kind_name(k);
}

/* Mark the comparisons (Benjamini-Hochberg and a minimum effect) and
 * work out the status from the lights and the marked comparisons. */
static cJSON *
judge(cJSON *fig, struct cmps *cs)
{
	double *p = calloc(cs->n + 1, sizeof *p);
	int *rej = calloc(cs->n + 1, sizeof *rej), level = 0;
	cJSON *st = cJSON_CreateObject(), *why, *x;
	const cJSON *sc;

	if (p == NULL || rej == NULL) {
		free(p);
		free(rej);
		return st;
	}
	for (size_t i = 0; i < cs->n; i++)
		p[i] = cs->v[i].p;
	stats_bh(p, cs->n, FDR_Q, rej);
	why = cJSON_CreateArray();
	cJSON_ArrayForEach(sc, cJSON_GetObjectItemCaseSensitive(fig, "scales")) {
		const cJSON *l = cJSON_GetObjectItemCaseSensitive(sc, "light");
		int li = !cJSON_IsString(l) ? 0 :
		    strcmp(l->valuestring, "red") == 0 ? 2 :
		    strcmp(l->valuestring, "amber") == 0 ? 1 : 0;
		if (li == 0)
			continue;
		if (li > level)
			level = li;
		x = cJSON_CreateObject();
		cJSON_AddStringToObject(x, "scale", cJSON_GetObjectItemCaseSensitive(
		    sc, "id")->valuestring);
		cJSON_AddStringToObject(x, "light", light_name(li));
		cJSON_AddItemToArray(why, x);
	}
	for (size_t i = 0; i < cs->n; i++) {
		struct cmp *c = &cs->v[i];
		int marked = rej[i] && fabs(c->diff) >= c->effect;

		cJSON_AddBoolToObject(c->obj, "marked", marked);
		if (!marked || !c->worse)
			continue;
		if (level < 1)
			level = 1;
		x = cJSON_CreateObject();
		cJSON_AddStringToObject(x, c->signal ? "signal" : "scale",
		    c->what);
		cJSON_AddStringToObject(x, "against", c->against);
		add_real(x, "diff", (c->diff));
		cJSON_AddItemToArray(why, x);
	}
	cJSON_AddStringToObject(st, "level", level == 2 ? "actie nodig" :
	    level == 1 ? "aandacht" : "stabiel");
	cJSON_AddItemToObject(st, "reasons", why);
	free(p);
	free(rej);
	return st;
}

/* The body of unit v in this snapshot. */
static cJSON *
body(struct server *s, const struct form *f, const struct tree *t,
    const struct node *v, const char *period, int seq, const char *day,
    time_t closes, long k)
{
	cJSON *o = cJSON_CreateObject(), *fig = NULL, *arr, *x;
	struct cmps cs = { NULL, 0, 0 };
	int anc = v->parent;

	cJSON_AddNumberToObject(o, "schema", 1);
	cJSON_AddStringToObject(o, "unit", v->id);
	if (v->kind == ORG_TEAM)
		cJSON_AddStringToObject(o, "team", v->id);
	cJSON_AddStringToObject(o, "name", v->name);
	cJSON_AddStringToObject(o, "kind", org_kind_name(v->kind));
	cJSON_AddStringToObject(o, "form", f->id);
	cJSON_AddStringToObject(o, "period", period);
	cJSON_AddNumberToObject(o, "snapshot", seq);
	cJSON_AddStringToObject(o, "published", day);
	cJSON_AddNumberToObject(o, "k", (double)k);
	x = cJSON_AddObjectToObject(o, "rules"); /* docs/indicators.md */
	cJSON_AddNumberToObject(x, "fdr", FDR_Q);
	cJSON_AddNumberToObject(x, "effect_mean", EFFECT_MEAN);
	cJSON_AddNumberToObject(x, "effect_share", EFFECT_SHARE);
	cJSON_AddNumberToObject(x, "alpha_min", ALPHA_MIN);
	cJSON_AddNumberToObject(x, "followup_min", FOLLOWUP_MIN);
	cJSON_AddBoolToObject(o, "suppressed", v->withheld != W_NONE);
	if (v->withheld) {
		cJSON_AddStringToObject(o, "reason", reasons[v->withheld]);
	} else {
		/* fig's members move into o; fig (now empty) stays for the
		 * trend and the status, which read them through o */
		cJSON *tmp = figures(f, v), *c;
		while ((c = tmp->child) != NULL) {
			cJSON_DetachItemViaPointer(tmp, c);
			cJSON_AddItemToObject(o, c->string, c);
		}
		cJSON_Delete(tmp);
		fig = o;
	}
	arr = cJSON_AddArrayToObject(o, "benchmarks");
	for (int d = 0; anc >= 0 && d < MAX_DEPTH; anc = t->v[anc].parent, d++)
		cJSON_AddItemToArray(arr, compare(f, v, &t->v[anc],
		    level_name(t->v[anc].kind), &cs));
	x = trend(s, f, v, fig, period, closes, &cs);
	cJSON_AddItemToObject(o, "trend", x);
	if (fig != NULL)
		cJSON_AddItemToObject(o, "status", judge(fig, &cs));
	if (v->nkids > 0) {
		cJSON *ch = cJSON_AddArrayToObject(o, "children");
		cJSON *held = cJSON_AddArrayToObject(o, "withheld");
		for (size_t c = 0; c < v->nkids; c++) {
			const struct node *kv = &t->v[v->kids[c]];
			x = cJSON_CreateObject();
			cJSON_AddStringToObject(x, "unit", kv->id);
			cJSON_AddStringToObject(x, "name", kv->name);
			cJSON_AddStringToObject(x, "kind",
			    org_kind_name(kv->kind));
			if (kv->withheld) {
				cJSON_AddBoolToObject(x, "suppressed", 1);
				cJSON_AddStringToObject(x, "reason",
				    reasons[kv->withheld]);
				cJSON_AddItemToArray(held,
				    cJSON_Duplicate(x, 1));
			} else {
				cJSON_AddBoolToObject(x, "suppressed", 0);
				cJSON_AddNumberToObject(x, "n", (double)kv->n);
			}
			cJSON_AddItemToArray(ch, x);
		}
	}
	free(cs.v);
	return o;
}

/* ---- the snapshot ----------------------------------------------------- */

static int
last_snapshot(struct server *s, const char *form, const char *period,
    cJSON **basis)
{
	sqlite3_stmt *st;
	int seq = 0;

	*basis = NULL;
	if (sqlite3_prepare_v2(s->db, "SELECT seq, basis FROM snapshots WHERE "
	    "form = ? AND period = ? ORDER BY seq DESC LIMIT 1", -1, &st,
	    NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_text(st, 1, form, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, period, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW) {
		seq = sqlite3_column_int(st, 0);
		*basis = cJSON_Parse((const char *)sqlite3_column_text(st, 1));
	}
	sqlite3_finalize(st);
	return seq;
}

/* Withheld units of snapshot seq (they stay withheld). */
static int
sticky(struct server *s, struct tree *t, const char *form, const char *period,
    int seq)
{
	sqlite3_stmt *st;

	if (sqlite3_prepare_v2(s->db, "SELECT unit, withheld FROM "
	    "snapshot_units WHERE form = ? AND period = ? AND seq = ? AND "
	    "withheld != 0", -1, &st, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_text(st, 1, form, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, period, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 3, seq);
	while (sqlite3_step(st) == SQLITE_ROW) {
		int i = find(t, (const char *)sqlite3_column_text(st, 0));
		if (i >= 0)
			t->v[i].withheld = sqlite3_column_int(st, 1);
	}
	sqlite3_finalize(st);
	return 0;
}

/*
 * Printing the bodies is half the work of a snapshot; a second thread does
 * it while this one builds the next body and stores the printed ones (the
 * database stays on this thread). Bodies go in, in order, and come out
 * printed in the same order.
 */
struct printer {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	cJSON **in;
	char **out;
	size_t n_in, n_out, n;
	int done;
};

static void *
print_bodies(void *arg)
{
	struct printer *pr = arg;
	char *buf = NULL;
	size_t cap = 0;

	for (;;) {
		cJSON *b;
		size_t pos;
		int ok = 0;

		pthread_mutex_lock(&pr->mu);
		while (pr->n_out == pr->n_in && !pr->done)
			pthread_cond_wait(&pr->cv, &pr->mu);
		if (pr->n_out == pr->n_in) {
			pthread_mutex_unlock(&pr->mu);
			break;
		}
		pos = pr->n_out;
		b = pr->in[pos];
		pthread_mutex_unlock(&pr->mu);
		/* one buffer for every body: no growing and copying each */
		while (b != NULL && !(ok = cJSON_PrintPreallocated(b, buf,
		    (int)cap, 0)) && cap < (1u << 26)) {
			free(buf);
			cap = cap ? cap * 4 : 1u << 16;
			if ((buf = malloc(cap)) == NULL) {
				cap = 0;
				break;
			}
		}
		cJSON_Delete(b);
		pthread_mutex_lock(&pr->mu);
		pr->in[pos] = NULL;
		pr->out[pos] = ok ? strdup(buf) : NULL; /* NULL: failed */
		pr->n_out++;
		pthread_cond_broadcast(&pr->cv);
		pthread_mutex_unlock(&pr->mu);
	}
	free(buf);
	return NULL;
}

static int
write_snapshot(struct server *s, const struct form *f, struct tree *t,
    const char *period, int seq, time_t now, time_t closes, long k,
    char *err, size_t errlen)
{
	sqlite3_stmt *ins = NULL;
	cJSON *basis = cJSON_CreateObject();
	char day[16], *text = NULL;
	struct printer pr;
	pthread_t th;
	size_t stored = 0;
	struct tm tm;
	int rv = -1, started = 0;

	memset(&pr, 0, sizeof pr);
	pthread_mutex_init(&pr.mu, NULL);
	pthread_cond_init(&pr.cv, NULL);
	pr.n = t->n;
	gmtime_r(&now, &tm);
	strftime(day, sizeof day, "%Y-%m-%d", &tm);
	for (size_t i = 0; i < t->n; i++)
		if (t->v[i].kind == ORG_TEAM && t->v[i].n > 0)
			cJSON_AddNumberToObject(basis, t->v[i].id,
			    (double)t->v[i].n);
	if ((text = cJSON_PrintUnformatted(basis)) == NULL ||
	    store_prepare(s->db, "INSERT INTO snapshots(form, period, seq, "
	    "day, closes, basis) VALUES(?, ?, ?, ?, ?, ?)", &ins, err,
	    errlen) != 0)
		goto out;
	sqlite3_bind_text(ins, 1, f->id, -1, SQLITE_STATIC);
	sqlite3_bind_text(ins, 2, period, -1, SQLITE_STATIC);
	sqlite3_bind_int(ins, 3, seq);
	sqlite3_bind_text(ins, 4, day, -1, SQLITE_STATIC);
	sqlite3_bind_int64(ins, 5, (sqlite3_int64)closes);
	sqlite3_bind_text(ins, 6, text, -1, SQLITE_STATIC);
	if (sqlite3_step(ins) != SQLITE_DONE)
		goto dberr;
	sqlite3_finalize(ins);
	if (store_prepare(s->db, "INSERT INTO snapshot_units(form, period, "
	    "seq, unit, withheld, body) VALUES(?, ?, ?, ?, ?, ?)", &ins, err,
	    errlen) != 0)
		goto out;
	if ((pr.in = calloc(t->n + 1, sizeof *pr.in)) == NULL ||
	    (pr.out = calloc(t->n + 1, sizeof *pr.out)) == NULL ||
	    pthread_create(&th, NULL, print_bodies, &pr) != 0) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	started = 1;
	/* top-down (position 0 is the top): a unit's trend reads only
	 * earlier periods */
	for (size_t pos = 0; pos <= t->n; pos++) {
		size_t ready;

		if (pos < t->n) {
			const struct node *v = &t->v[t->by_depth[t->n - 1 -
			    pos]];
			cJSON *b = body(s, f, t, v, period, seq, day, closes,
			    k);
			pthread_mutex_lock(&pr.mu);
			pr.in[pos] = b;
			pr.n_in++;
			pthread_cond_broadcast(&pr.cv);
		} else { /* the end: wait for the printer */
			pthread_mutex_lock(&pr.mu);
			pr.done = 1;
			pthread_cond_broadcast(&pr.cv);
			while (pr.n_out < pr.n_in)
				pthread_cond_wait(&pr.cv, &pr.mu);
		}
		ready = pr.n_out;
		pthread_mutex_unlock(&pr.mu);
		for (; stored < ready; stored++) {
			const struct node *v = &t->v[t->by_depth[t->n - 1 -
			    stored]];
			if (pr.out[stored] == NULL) {
				snprintf(err, errlen, "out of memory");
				goto out;
			}
			sqlite3_reset(ins);
			sqlite3_bind_text(ins, 1, f->id, -1, SQLITE_STATIC);
			sqlite3_bind_text(ins, 2, period, -1, SQLITE_STATIC);
			sqlite3_bind_int(ins, 3, seq);
			sqlite3_bind_text(ins, 4, v->id, -1, SQLITE_STATIC);
			sqlite3_bind_int(ins, 5, v->withheld);
			sqlite3_bind_text(ins, 6, pr.out[stored], -1,
			    SQLITE_STATIC);
			if (sqlite3_step(ins) != SQLITE_DONE)
				goto dberr;
			free(pr.out[stored]);
			pr.out[stored] = NULL;
		}
	}
	rv = 0;
	goto out;
dberr:
	store_error(s->db, err, errlen);
out:
	if (started) {
		pthread_mutex_lock(&pr.mu);
		pr.done = 1;
		pthread_cond_broadcast(&pr.cv);
		pthread_mutex_unlock(&pr.mu);
		pthread_join(th, NULL);
	}
	for (size_t i = 0; pr.in != NULL && i < t->n; i++)
		cJSON_Delete(pr.in[i]);
	for (size_t i = 0; pr.out != NULL && i < t->n; i++)
		free(pr.out[i]);
	free(pr.in);
	free(pr.out);
	pthread_cond_destroy(&pr.cv);
	pthread_mutex_destroy(&pr.mu);
	sqlite3_finalize(ins);
	cJSON_Delete(basis);
	free(text);
	return rv;
}

static int
set_late(struct server *s, const struct tree *t, const char *form,
    const char *period)
{
	sqlite3_stmt *del, *ins;

	if (sqlite3_prepare_v2(s->db, "DELETE FROM late WHERE form = ? AND "
	    "period = ?", -1, &del, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_text(del, 1, form, -1, SQLITE_STATIC);
	sqlite3_bind_text(del, 2, period, -1, SQLITE_STATIC);
	sqlite3_step(del);
	sqlite3_finalize(del);
	if (sqlite3_prepare_v2(s->db, "INSERT OR IGNORE INTO late(form, "
	    "period, unit) VALUES(?, ?, ?)", -1, &ins, NULL) != SQLITE_OK)
		return -1;
	for (size_t i = 0; i < t->n; i++) {
		if (!t->v[i].late)
			continue;
		for (int a = (int)i, d = 0; a >= 0 && d <= MAX_DEPTH;
		    a = t->v[a].parent, d++) {
			sqlite3_reset(ins);
			sqlite3_bind_text(ins, 1, form, -1, SQLITE_STATIC);
			sqlite3_bind_text(ins, 2, period, -1, SQLITE_STATIC);
			sqlite3_bind_text(ins, 3, t->v[a].id, -1, SQLITE_STATIC);
			sqlite3_step(ins);
		}
	}
	sqlite3_finalize(ins);
	return 0;
}

/* Has any team more respondents in the cells than in basis (the last
 * snapshot's; NULL: none yet)? 1 yes, 0 no, -1 on error. Cells only grow,
 * so equal totals mean nothing changed; a report then need not load a
 * single cell. */
static int
news(struct server *s, const char *form, const char *period,
    const cJSON *basis)
{
	sqlite3_stmt *st;
	const cJSON *c;
	double before = 0, now = 0;
	int rc;

	if (sqlite3_prepare_v2(s->db, "SELECT COALESCE(SUM(c.n), 0) FROM "
	    "cells c JOIN org o ON o.id = c.unit AND o.kind = 'team' WHERE "
	    "c.form = ? AND c.period = ?", -1, &st, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_text(st, 1, form, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, period, -1, SQLITE_STATIC);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW)
		now = sqlite3_column_double(st, 0);
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW)
		return -1;
	for (c = basis != NULL ? basis->child : NULL; c != NULL; c = c->next)
		if (cJSON_IsNumber(c))
			before += c->valuedouble;
	if (now == before)
		return 0;
	/* late batches already weighed and found waiting (publish_one) */
	char key[FORM_ID_MAX + PERIOD_MAX + 16], *v;
	size_t len;
	int same = 0;
	snprintf(key, sizeof key, "waiting:%s:%s", form, period);
	if (store_meta_get(s->db, key, (void **)&v, &len) == 0) {
		char buf[64];
		snprintf(buf, sizeof buf, "%.*s", (int)(len < 63 ? len : 63), v);
		same = strtod(buf, NULL) == now;
		free(v);
	}
	return !same;
}

/* Remember (or forget, now < 0) the cells' total for which late batches
 * were found waiting, so the next look need not load every cell. */
static int
waiting(struct server *s, const char *form, const char *period, double now)
{
	char key[FORM_ID_MAX + PERIOD_MAX + 16], val[64];

	snprintf(key, sizeof key, "waiting:%s:%s", form, period);
	if (now < 0)
		return store_meta_del(s->db, key) == 0 ? 0 : -1;
	snprintf(val, sizeof val, "%.0f", now);
	return store_meta_set(s->db, key, val, strlen(val));
}

/* Publish (form, period) if due; 1 when a snapshot was made. */
static int
publish_one(struct server *s, const char *form, const char *period,
    time_t now, FILE *log, char *err, size_t errlen)
{
	struct tree t;
	const struct form *f;
	cJSON *basis = NULL;
	long k = min_k(s);
	time_t closes;
	int seq, rv = -1, gained_all = 1, any_gain = 0;

	if (period_close(s, period, &closes) != 0 ||
	    now < closes + (time_t)config_int(s->cfg, "grace_hours") * 3600)
		return 0; /* open, or a period we cannot place */
	if ((f = server_form(s, form, 0, err, errlen)) == NULL)
		return -1;
	if ((seq = last_snapshot(s, form, period, &basis)) < 0 ||
	    (rv = news(s, form, period, basis)) <= 0) {
		cJSON_Delete(basis);
		if (rv < 0)
			store_error(s->db, err, errlen);
		return rv;
	}
	cJSON_Delete(basis);
	basis = NULL;
	rv = -1;
	if (tree_load(s, &t, err, errlen) != 0)
		return -1;
	if (store_begin(s->db, err, errlen) != 0)
		goto out_tree;
	if ((seq = last_snapshot(s, form, period, &basis)) < 0 ||
	    load_cells(s, &t, form, period, err, errlen) != 0 ||
	    roll_up(&t, err, errlen) != 0)
		goto fail;
	for (size_t i = 0; i < t.n; i++) {
		struct node *v = &t.v[i];
		if (v->kind != ORG_TEAM)
			continue;
		v->base = (uint64_t)body_num(basis, v->id, 0);
		if (v->n > v->base) {
			any_gain = 1;
			v->late = 1;
			if (v->n - v->base < (uint64_t)k)
				gained_all = 0;
		}
	}
	if (!any_gain || (seq > 0 && !gained_all)) {
		/* nothing new, or late batches that must wait */
		double total = 0;
		for (size_t i = 0; i < t.n; i++)
			if (t.v[i].kind == ORG_TEAM)
				total += (double)t.v[i].n;
		if (seq > 0 && (set_late(s, &t, form, period) != 0 ||
		    waiting(s, form, period, total) != 0))
			goto dberr;
		if (store_commit(s->db, err, errlen) != 0)
			goto out_tree;
		rv = 0;
		goto out_tree;
	}
	if (seq > 0 && sticky(s, &t, form, period, seq) != 0)
		goto dberr;
	for (size_t i = 0; i < t.n; i++) {
		struct node *v = &t.v[i];
		if (v->withheld == W_NONE && v->n < (uint64_t)k)
			v->withheld = W_FEW;
	}
	complement(&t, (uint64_t)k, cell_flag, W_COMPLEMENT);
	for (size_t i = 0; i < t.n; i++) {
		struct node *v = &t.v[i];
		v->fu_withheld = v->withheld || v->kind == ORG_TEAM ||
		    v->n < FOLLOWUP_MIN;
		v->late = 0;
	}
	complement(&t, FOLLOWUP_MIN, fu_flag, 1);
	if (write_snapshot(s, f, &t, period, seq + 1, now, closes, k, err,
	    errlen) != 0 || set_late(s, &t, form, period) != 0 ||
	    waiting(s, form, period, -1) != 0)
		goto fail;
	if (store_commit(s->db, err, errlen) != 0)
		goto out_tree;
	if (log != NULL)
		fprintf(log, "gepubliceerd / published: %s %s, snapshot %d\n",
		    form, period, seq + 1);
	rv = 1;
	goto out_tree;
dberr:
	store_error(s->db, err, errlen);
fail:
	store_rollback(s->db);
out_tree:
	cJSON_Delete(basis);
	tree_free(&t);
	return rv;
}

int
publish_due(struct server *s, FILE *log, char *err, size_t errlen)
{
	sqlite3_stmt *st;
	char (*due)[2][PERIOD_MAX > FORM_ID_MAX ? PERIOD_MAX : FORM_ID_MAX];
	size_t n = 0, cap = 0;
	time_t now;
	int made = 0, rc;

	if (pols_now(&now, err, errlen) != 0 ||
	    store_prepare(s->db, "SELECT DISTINCT form, period FROM cells "
	    "ORDER BY form, period", &st, err, errlen) != 0)
		return -1;
	due = NULL;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (n == cap) {
			size_t nc = cap ? cap * 2 : 16;
			void *p = realloc(due, nc * sizeof *due);
			if (p == NULL)
				break;
			due = p;
			cap = nc;
		}
		snprintf(due[n][0], sizeof due[n][0], "%s",
		    sqlite3_column_text(st, 0));
		snprintf(due[n][1], sizeof due[n][1], "%s",
		    sqlite3_column_text(st, 1));
		n++;
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		store_error(s->db, err, errlen);
		free(due);
		return -1;
	}
	/* oldest closing first, so each trend finds its predecessor */
	{
		time_t *cl = calloc(n + 1, sizeof *cl);
		size_t *ord = calloc(n + 1, sizeof *ord);
		if (cl == NULL || ord == NULL) {
			free(cl);
			free(ord);
			free(due);
			snprintf(err, errlen, "out of memory");
			return -1;
		}
		for (size_t i = 0; i < n; i++) {
			if (period_close(s, due[i][1], &cl[i]) != 0)
				cl[i] = 0;
			ord[i] = i;
		}
		for (size_t i = 1; i < n; i++) /* insertion sort: few */
			for (size_t j = i; j > 0 && cl[ord[j]] < cl[ord[j - 1]];
			    j--) {
				size_t x = ord[j];
				ord[j] = ord[j - 1];
				ord[j - 1] = x;
			}
		for (size_t i = 0; i < n && made >= 0; i++) {
			int r = publish_one(s, due[ord[i]][0], due[ord[i]][1],
			    now, log, err, errlen);
			made = r < 0 ? -1 : made + r;
		}
		free(cl);
		free(ord);
	}
	free(due);
	return made;
}

int
publish_body(struct server *s, const char *form, const char *period,
    const char *unit, char **out, int *seq, char *period_out,
    size_t period_outlen, char *err, size_t errlen)
{
	sqlite3_stmt *st;
	int rv = 1;

	*out = NULL;
	if (store_prepare(s->db, period != NULL ?
	    "SELECT u.body, u.seq, u.period FROM snapshot_units u WHERE "
	    "u.form = ?1 AND u.unit = ?2 AND u.period = ?3 "
	    "ORDER BY u.seq DESC LIMIT 1" :
	    "SELECT u.body, u.seq, u.period FROM snapshot_units u JOIN "
	    "snapshots p USING(form, period, seq) WHERE u.form = ?1 AND "
	    "u.unit = ?2 ORDER BY p.closes DESC, u.seq DESC LIMIT 1", &st, err,
	    errlen) != 0)
		return -1;
	sqlite3_bind_text(st, 1, form, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, unit, -1, SQLITE_STATIC);
	if (period != NULL)
		sqlite3_bind_text(st, 3, period, -1, SQLITE_STATIC);
	switch (sqlite3_step(st)) {
	case SQLITE_ROW:
		if ((*out = strdup((const char *)sqlite3_column_text(st, 0))) ==
		    NULL) {
			snprintf(err, errlen, "out of memory");
			rv = -1;
			break;
		}
		*seq = sqlite3_column_int(st, 1);
		snprintf(period_out, period_outlen, "%s",
		    sqlite3_column_text(st, 2));
		rv = 0;
		break;
	case SQLITE_DONE:
		snprintf(err, errlen, "nog niets gepubliceerd voor '%s', %s%s "
		    "/ nothing published yet", unit, form, period ? "" : "");
		break;
	default:
		store_error(s->db, err, errlen);
		rv = -1;
	}
	sqlite3_finalize(st);
	return rv;
}
