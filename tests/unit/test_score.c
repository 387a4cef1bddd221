/*
 * test_score.c - the scoring rules against hand-computed cases (every item
 * type, reverse items, "liever niet", the half-answered rule, zones exactly
 * on the cut points), aggregates of scales that merge exactly, and
 * Cronbach's alpha from aggregates against alpha from the raw responses.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "agg.h"
#include "score.h"

#define T(nl) "\"text\":{\"nl\":\"" nl "\",\"en\":\"" nl "\"}"
static const char form_json[] =
    "{\"id\":\"t\",\"version\":1,\"title\":{\"nl\":\"T\",\"en\":\"T\"},"
    "\"period\":\"month\",\"items\":["
    "{\"id\":\"a\",\"type\":\"likert5\"," T("a") ",\"construct\":\"x\"},"
    "{\"id\":\"b\",\"type\":\"likert5\",\"reverse\":true," T("b") ",\"construct\":\"x\"},"
    "{\"id\":\"c\",\"type\":\"freq5\"," T("c") ",\"construct\":\"x\"},"
    "{\"id\":\"d\",\"type\":\"scale0_10\"," T("d") ",\"construct\":\"y\"},"
    "{\"id\":\"e\",\"type\":\"scale0_10\"," T("e") ",\"construct\":\"y\"},"
    "{\"id\":\"f\",\"type\":\"likert5\",\"sensitive\":true," T("f") ",\"construct\":\"y\"},"
    "{\"id\":\"g\",\"type\":\"scale0_10\"," T("g") ",\"construct\":\"y\"},"
    "{\"id\":\"h\",\"type\":\"yesno\"," T("h") "}],"
    "\"scales\":["
    "{\"id\":\"s1\",\"name\":{\"nl\":\"s1\",\"en\":\"s1\"},\"items\":[\"a\",\"b\",\"c\"],"
    "\"direction\":\"higher_is_better\",\"cut\":{\"amber\":50,\"red\":25}},"
    "{\"id\":\"s2\",\"name\":{\"nl\":\"s2\",\"en\":\"s2\"},\"items\":[\"d\",\"e\",\"f\",\"g\"],"
    "\"direction\":\"higher_is_worse\",\"cut\":{\"amber\":60,\"red\":75}}]}";

static struct form *F;

static int
setup(void **state)
{
	char err[256];
	(void)state;
	if (form_parse(form_json, strlen(form_json), &F, err, sizeof err) != 0) {
		fprintf(stderr, "test form: %s\n", err);
		return -1;
	}
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	form_free(F);
	return 0;
}

/* Parse answers JSON into r (must succeed). */
static void
resp(const char *answers, struct form_response *r)
{
	char err[256];
	cJSON *j = cJSON_Parse(answers);

	assert_non_null(j);
	if (form_response_parse(F, j, r, err, sizeof err) != 0)
		fail_msg("answers %s: %s", answers, err);
	cJSON_Delete(j);
}

static int
item_score(const char *answers, const char *item)
{
	struct form_response r = {0};
	int i = form_item_index(F, item), v = -1;

	resp(answers, &r);
	if (r.a[i].state == FORM_ANSWERED)
		v = score_item(&F->items[i], r.a[i].value);
	form_response_clear(&r);
	return v;
}

static void
test_item_scores(void **state)
{
	(void)state;
	/* likert5 1..5 -> 0, 25, 50, 75, 100 */
	assert_int_equal(item_score("{\"a\":1}", "a"), 0);
	assert_int_equal(item_score("{\"a\":4}", "a"), 75);
	assert_int_equal(item_score("{\"a\":5}", "a"), 100);
	/* reverse: 100 - score */
	assert_int_equal(item_score("{\"b\":4}", "b"), 25);
	assert_int_equal(item_score("{\"b\":1}", "b"), 100);
	/* freq5 0..4 (never..always) -> v * 25 */
	assert_int_equal(item_score("{\"c\":0}", "c"), 0);
	assert_int_equal(item_score("{\"c\":3}", "c"), 75);
	assert_int_equal(item_score("{\"c\":4}", "c"), 100);
	/* scale0_10 -> v * 10 */
	assert_int_equal(item_score("{\"d\":7}", "d"), 70);
	assert_int_equal(item_score("{\"d\":10}", "d"), 100);
	/* zeg ik liever niet: counted, never scored */
	assert_int_equal(item_score("{\"f\":\"liever-niet\"}", "f"), -1);
	assert_int_equal(item_score("{\"f\":2}", "f"), 25);
	/* yesno: counted, not scored */
	assert_int_equal(item_score("{\"h\":true}", "h"), -1);
}

/* Scale s of answers: 1 and units, or 0 when undefined. */
static int
scale(const char *answers, size_t s, uint32_t *units, int *all)
{
	struct form_response r = {0};
	int item[FORM_SCALE_MAX_ITEMS], def;

	resp(answers, &r);
	def = score_scale(F, s, &r, units, item, all);
	form_response_clear(&r);
	return def;
}

static void
test_half_rule(void **state)
{
	uint32_t u = 0;
	int all;

	(void)state;
	/* 3 items: 1 answered is less than half (rounded up: 2). */
	assert_int_equal(scale("{\"a\":5}", 0, &u, &all), 0);
	assert_int_equal(scale("{\"a\":5,\"b\":1}", 0, &u, &all), 1);
	assert_int_equal(u, 100 * SCORE_UNIT);
	assert_false(all);
	assert_int_equal(scale("{\"a\":5,\"b\":1,\"c\":4}", 0, &u, &all), 1);
	assert_true(all);
	/* 4 items: 2 answered is half: defined. */
	assert_int_equal(scale("{\"d\":7}", 1, &u, &all), 0);
	assert_int_equal(scale("{\"d\":7,\"e\":8}", 1, &u, &all), 1);
	assert_int_equal(u, 75 * SCORE_UNIT);
	/* "liever niet" is not an answer for scoring. */
	assert_int_equal(scale("{\"d\":7,\"f\":\"liever-niet\"}", 1, &u, &all),
	    0);
	assert_int_equal(scale("{\"d\":7,\"e\":8,\"f\":\"liever-niet\",\"g\":0}",
	    1, &u, &all), 1);
	assert_int_equal(u, 50 * SCORE_UNIT); /* (70 + 80 + 0) / 3 */
	assert_false(all);
	/* A mean with thirds stays exact: (100 + 75 + 25) / 3 = 66 2/3. */
	assert_int_equal(scale("{\"a\":5,\"b\":2,\"c\":1}", 0, &u, &all), 1);
	assert_int_equal(u, 200 * SCORE_UNIT / 3);
	assert_int_equal(u, 56000);
}

static void
test_zones_on_the_cut(void **state)
{
	uint32_t u;
	int all;
	const struct form_scale *s1 = &F->scales[0], *s2 = &F->scales[1];

	(void)state;
	/* higher_is_worse, amber 60, red 75: >= is inclusive. */
	scale("{\"d\":7,\"e\":8}", 1, &u, &all); /* 75 */
	assert_int_equal(score_zone(s2, u), SCORE_RED);
	scale("{\"d\":6,\"e\":6}", 1, &u, &all); /* 60 */
	assert_int_equal(score_zone(s2, u), SCORE_AMBER);
	scale("{\"d\":7,\"e\":7,\"g\":8}", 1, &u, &all); /* 73 1/3 */
	assert_int_equal(score_zone(s2, u), SCORE_AMBER);
	scale("{\"d\":5,\"e\":6}", 1, &u, &all); /* 55 */
	assert_int_equal(score_zone(s2, u), SCORE_GREEN);
	/* higher_is_better, amber 50, red 25: <= is inclusive. */
	scale("{\"a\":3,\"c\":2}", 0, &u, &all); /* 50 */
	assert_int_equal(score_zone(s1, u), SCORE_AMBER);
	scale("{\"a\":2,\"c\":1}", 0, &u, &all); /* 25 */
	assert_int_equal(score_zone(s1, u), SCORE_RED);
	scale("{\"a\":3,\"c\":3}", 0, &u, &all); /* 62.5 */
	assert_int_equal(score_zone(s1, u), SCORE_GREEN);
	/* Exactly on a cut in units, one unit either side. */
	assert_int_equal(score_zone(s2, 75 * SCORE_UNIT - 1), SCORE_AMBER);
	assert_int_equal(score_zone(s2, 60 * SCORE_UNIT - 1), SCORE_GREEN);
	assert_int_equal(score_zone(s1, 25 * SCORE_UNIT + 1), SCORE_AMBER);
	assert_int_equal(score_bin(100 * SCORE_UNIT), 9);
	assert_int_equal(score_bin(10 * SCORE_UNIT - 1), 0);
	assert_int_equal(score_bin(10 * SCORE_UNIT), 1);
}

/* A deterministic data set: correlated answers on scale s2. */
static unsigned rng = 12345;
static unsigned
next(void)
{
	rng = rng * 1103515245u + 12345u;
	return (rng >> 16) & 0x7fff;
}

#define NRESP 300
static int raw[NRESP][4];

static void
make_answers(int i, char *buf, size_t len)
{
	int base = (int)(next() % 11), v[4];

	for (int k = 0; k < 4; k++) {
		int x = base + (int)(next() % 5) - 2;
		v[k] = x < 0 ? 0 : x > 10 ? 10 : x;
	}
	/* f is likert5: map 0..10 onto 1..5 */
	int f = 1 + v[2] * 4 / 10;
	snprintf(buf, len, "{\"a\":%d,\"b\":%d,\"c\":%d,\"d\":%d,\"e\":%d,"
	    "\"f\":%d,\"g\":%d,\"h\":%s}", 1 + i % 5, 1 + (i / 5) % 5, i % 5,
	    v[0], v[1], f, v[3], i % 3 ? "true" : "false");
	raw[i][0] = v[0] * 10;
	raw[i][1] = v[1] * 10;
	raw[i][2] = (f - 1) * 25;
	raw[i][3] = v[3] * 10;
}

static double
alpha_raw(int n)
{
	double mean[4] = {0}, var[4] = {0}, tmean = 0, tvar = 0;

	for (int i = 0; i < n; i++) {
		double t = 0;
		for (int k = 0; k < 4; k++) {
			mean[k] += raw[i][k];
			t += raw[i][k];
		}
		tmean += t;
	}
	for (int k = 0; k < 4; k++)
		mean[k] /= n;
	tmean /= n;
	for (int i = 0; i < n; i++) {
		double t = 0;
		for (int k = 0; k < 4; k++) {
			var[k] += (raw[i][k] - mean[k]) * (raw[i][k] - mean[k]);
			t += raw[i][k];
		}
		tvar += (t - tmean) * (t - tmean);
	}
	double sv = 0;
	for (int k = 0; k < 4; k++)
		sv += var[k] / (n - 1);
	return 4.0 / 3.0 * (1.0 - sv / (tvar / (n - 1)));
}

static double
alpha_of(const struct agg *a, const char *scale_id)
{
	char *text = agg_to_json(a);
	cJSON *j = cJSON_Parse(text), *s, *full;
	uint64_t sums[FORM_SCALE_MAX_ITEMS], prod[36];
	double alpha = -2;

	cJSON_ArrayForEach(s, cJSON_GetObjectItem(j, "scales")) {
		if (strcmp(cJSON_GetObjectItem(s, "id")->valuestring, scale_id))
			continue;
		full = cJSON_GetObjectItem(s, "full");
		assert_non_null(full);
		int k = cJSON_GetArraySize(cJSON_GetObjectItem(full, "sums"));
		for (int i = 0; i < k; i++)
			sums[i] = (uint64_t)cJSON_GetArrayItem(
			    cJSON_GetObjectItem(full, "sums"), i)->valuedouble;
		for (int i = 0; i < k * (k + 1) / 2; i++)
			prod[i] = (uint64_t)cJSON_GetArrayItem(
			    cJSON_GetObjectItem(full, "products"), i)->valuedouble;
		alpha = score_alpha((size_t)k, (uint64_t)cJSON_GetObjectItem(full,
		    "n")->valuedouble, sums, prod);
	}
	cJSON_Delete(j);
	free(text);
	return alpha;
}

static void
test_alpha_and_merge(void **state)
{
	struct agg *all = agg_new(F), *h1 = agg_new(F), *h2 = agg_new(F);
	char buf[256];
	char *ta, *tm;

	(void)state;
	for (int i = 0; i < NRESP; i++) {
		struct form_response r = {0};
		make_answers(i, buf, sizeof buf);
		resp(buf, &r);
		assert_int_equal(agg_add(all, F, &r), 0);
		assert_int_equal(agg_add(i < NRESP / 3 ? h1 : h2, F, &r), 0);
		form_response_clear(&r);
	}
	double want = alpha_raw(NRESP), got = alpha_of(all, "s2");
	assert_true(want > 0.5 && want < 1.0);
	if (fabs(got - want) / fabs(want) >= 1e-9)
		fail_msg("alpha from aggregates %.15g, from raw %.15g", got,
		    want);
	/* Merging by addition is exact: two parts equal the whole. */
	assert_int_equal(agg_merge(h1, h2), 0);
	ta = agg_to_json(all);
	tm = agg_to_json(h1);
	assert_string_equal(ta, tm);
	free(ta);
	free(tm);
	/* ... also through JSON, as the server stores cells. */
	{
		struct agg *back;
		char err[256];
		ta = agg_to_json(all);
		assert_int_equal(agg_from_json(ta, strlen(ta), &back, err,
		    sizeof err), 0);
		assert_int_equal(agg_check(back, F, err, sizeof err), 0);
		tm = agg_to_json(back);
		assert_string_equal(ta, tm);
		free(ta);
		free(tm);
		agg_free(back);
	}
	/* Dropping the Cronbach blocks: no "full", still a valid cell. */
	agg_drop_full(h1);
	ta = agg_to_json(h1);
	assert_null(strstr(ta, "full"));
	assert_null(strstr(ta, "products"));
	{
		struct agg *back;
		char err[256];
		assert_int_equal(agg_from_json(ta, strlen(ta), &back, err,
		    sizeof err), 0);
		assert_int_equal(agg_check(back, F, err, sizeof err), 0);
		agg_free(back);
	}
	free(ta);
	agg_free(all);
	agg_free(h1);
	agg_free(h2);
}

static void
test_scale_stats(void **state)
{
	struct agg *a = agg_new(F);
	struct form_response r = {0};
	char *t;

	(void)state;
	/* s1 scores: 100 (5,1,4) and 50 (3,3 -> 50, 50: c=2) */
	resp("{\"a\":5,\"b\":1,\"c\":4}", &r);
	agg_add(a, F, &r);
	form_response_clear(&r);
	resp("{\"a\":3,\"b\":3,\"c\":2}", &r);
	agg_add(a, F, &r);
	form_response_clear(&r);
	resp("{\"a\":3}", &r); /* s1 undefined: not counted in the scale */
	agg_add(a, F, &r);
	form_response_clear(&r);
	t = agg_to_json(a);
	assert_non_null(strstr(t, "{\"id\":\"s1\",\"n\":2,\"sum\":\"126000\","
	    "\"sumsq\":\"8820000000\",\"zones\":{\"green\":1,\"amber\":1,"
	    "\"red\":0},\"hist\":[0,0,0,0,0,1,0,0,0,1],\"full\":{\"items\":"
	    "[\"a\",\"b\",\"c\"],\"n\":2,\"sums\":[150,150,150],\"products\":"
	    "[12500,12500,12500,12500,12500,12500]}}"));
	free(t);
	agg_free(a);
}

static void
test_scale_json_refused(void **state)
{
	static const char *const bad[] = {
	    /* zones do not sum to n */
	    "{\"n\":2,\"items\":[],\"scales\":[{\"id\":\"s\",\"n\":2,\"sum\":\"0\","
	    "\"sumsq\":\"0\",\"zones\":{\"green\":1,\"amber\":0,\"red\":0},"
	    "\"hist\":[2,0,0,0,0,0,0,0,0,0]}]}",
	    /* histogram does not sum to n */
	    "{\"n\":2,\"items\":[],\"scales\":[{\"id\":\"s\",\"n\":2,\"sum\":\"0\","
	    "\"sumsq\":\"0\",\"zones\":{\"green\":2,\"amber\":0,\"red\":0},"
	    "\"hist\":[1,0,0,0,0,0,0,0,0,0]}]}",
	    /* sum beyond n * 100 points */
	    "{\"n\":1,\"items\":[],\"scales\":[{\"id\":\"s\",\"n\":1,\"sum\":\"84001\","
	    "\"sumsq\":\"0\",\"zones\":{\"green\":1,\"amber\":0,\"red\":0},"
	    "\"hist\":[1,0,0,0,0,0,0,0,0,0]}]}",
	    /* sum and sumsq impossible together */
	    "{\"n\":1,\"items\":[],\"scales\":[{\"id\":\"s\",\"n\":1,\"sum\":\"840\","
	    "\"sumsq\":\"0\",\"zones\":{\"green\":1,\"amber\":0,\"red\":0},"
	    "\"hist\":[1,0,0,0,0,0,0,0,0,0]}]}",
	    /* scale n beyond respondents */
	    "{\"n\":1,\"items\":[],\"scales\":[{\"id\":\"s\",\"n\":2,\"sum\":\"0\","
	    "\"sumsq\":\"0\",\"zones\":{\"green\":2,\"amber\":0,\"red\":0},"
	    "\"hist\":[2,0,0,0,0,0,0,0,0,0]}]}",
	    /* full: sums and products impossible together */
	    "{\"n\":1,\"items\":[],\"scales\":[{\"id\":\"s\",\"n\":1,\"sum\":\"0\","
	    "\"sumsq\":\"0\",\"zones\":{\"green\":1,\"amber\":0,\"red\":0},"
	    "\"hist\":[1,0,0,0,0,0,0,0,0,0],\"full\":{\"items\":[\"a\",\"b\"],"
	    "\"n\":1,\"sums\":[100,0],\"products\":[0,0,0]}}]}",
	    /* full: wrong number of products */
	    "{\"n\":1,\"items\":[],\"scales\":[{\"id\":\"s\",\"n\":1,\"sum\":\"0\","
	    "\"sumsq\":\"0\",\"zones\":{\"green\":1,\"amber\":0,\"red\":0},"
	    "\"hist\":[1,0,0,0,0,0,0,0,0,0],\"full\":{\"items\":[\"a\",\"b\"],"
	    "\"n\":1,\"sums\":[0,0],\"products\":[0,0]}}]}",
	    /* a negative or fractional sum */
	    "{\"n\":1,\"items\":[],\"scales\":[{\"id\":\"s\",\"n\":1,\"sum\":\"-1\","
	    "\"sumsq\":\"0\",\"zones\":{\"green\":1,\"amber\":0,\"red\":0},"
	    "\"hist\":[1,0,0,0,0,0,0,0,0,0]}]}",
	    "{\"n\":1,\"items\":[],\"scales\":[{\"id\":\"s\",\"n\":1,\"sum\":1.5,"
	    "\"sumsq\":\"0\",\"zones\":{\"green\":1,\"amber\":0,\"red\":0},"
	    "\"hist\":[1,0,0,0,0,0,0,0,0,0]}]}",
	};
	(void)state;
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		struct agg *a = NULL;
		char err[256] = "";
		if (agg_from_json(bad[i], strlen(bad[i]), &a, err,
		    sizeof err) == 0)
			fail_msg("case %zu accepted", i);
		assert_null(a);
		assert_true(err[0] != '\0');
	}
}

static void
test_alpha_edge(void **state)
{
	uint64_t sums[2] = {100, 100}, prod[3] = {5000, 5000, 5000};

	(void)state;
	/* No variance at all: undefined. */
	assert_true(score_alpha(2, 2, sums, prod) == -1);
	assert_true(score_alpha(1, 10, sums, prod) == -1);
	assert_true(score_alpha(2, 1, sums, prod) == -1);
	/* Two identical items over (0, 100): alpha is 1. */
	uint64_t s2[2] = {100, 100}, p2[3] = {10000, 10000, 10000};
	assert_true(fabs(score_alpha(2, 2, s2, p2) - 1.0) < 1e-12);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_item_scores),
		cmocka_unit_test(test_half_rule),
		cmocka_unit_test(test_zones_on_the_cut),
		cmocka_unit_test(test_scale_stats),
		cmocka_unit_test(test_alpha_and_merge),
		cmocka_unit_test(test_scale_json_refused),
		cmocka_unit_test(test_alpha_edge),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
