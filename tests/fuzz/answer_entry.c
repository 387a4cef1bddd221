/*
 * answer_entry.c - the fuzz entry for answers and aggregates: one input
 * is JSON read two ways.
 *
 *  1. As answers, what `pols-kiosk answer` reads on stdin: either the
 *     whole line {"form": ..., "team": ..., "answers": {...}} (its
 *     "answers" member is used) or a bare answers object. Against each
 *     of the three real forms (forms/NAME.json, parsed once): show_if of
 *     every item; form_response_parse; when accepted, the response folded
 *     into a fresh aggregate (agg_new, agg_add) that must pass agg_check
 *     and the round trips of fx_agg_roundtrip (util_entry.c), and into
 *     each form's base aggregate copy, which must still check.
 *  2. As an aggregate, what a terminal's sealed batch carries and the
 *     server merges: agg_from_json, agg_check against each form,
 *     agg_merge of it into a copy of that form's base aggregate (a few
 *     valid responses made at start) and into an empty one; the text
 *     round trip always, and when it checked: merged aggregates must
 *     check too (or be refused as an overflow).
 *
 * Included by tests/fuzz/fuzz_answer.c (libFuzzer) and
 * tests/unit/test_fuzz_regress2.c (make test). A broken invariant aborts.
 */
#include "util_entry.c"

#define FA_NFORMS 3

struct fuzz_answer_stats {
	long inputs, accepted[FA_NFORMS], aggs, agg_checked[FA_NFORMS];
};

int fuzz_answer_setup(void);
int fuzz_answer_one(const uint8_t *data, size_t size);

static struct {
	int ready;
	struct form *f[FA_NFORMS];
	char *base[FA_NFORMS]; /* JSON of a valid aggregate of each form */
	struct fuzz_answer_stats st;
} fa;

static const char *const fa_names[FA_NFORMS] = {"team-thermometer",
    "sentimeter", "medewerkersmonitor"};

static void
fa_teardown(void)
{
	for (int i = 0; i < FA_NFORMS; i++) {
		form_free(fa.f[i]);
		free(fa.base[i]);
	}
	memset(&fa, 0, sizeof fa);
}

int
fuzz_answer_setup(void)
{
	char rel[64], err[ERRLEN], *text;
	size_t len;

	if (fa.ready)
		return 0;
	if (sodium_init() < 0)
		fx_die("libsodium does not start", NULL);
	log_init("fuzz_answer", LOG_ERR);
	for (int i = 0; i < FA_NFORMS; i++) {
		struct form_response r, want;
		struct agg *a;
		uint64_t rng = 0x5eed + (uint64_t)i;
		int ok;

		snprintf(rel, sizeof rel, "forms/%s.json", fa_names[i]);
		text = fx_src_read(rel, &len);
		if (form_parse(text, len, &fa.f[i], err, sizeof err) != 0)
			fx_die(rel, err);
		free(text);
		if ((a = agg_new(fa.f[i])) == NULL)
			fx_die("out of memory", NULL);
		want.n = fa.f[i]->n_items;
		if ((want.a = calloc(want.n, sizeof *want.a)) == NULL)
			fx_die("out of memory", NULL);
		for (int v = 0; v < 8; v++) {
			cJSON *j = fx_answers(fa.f[i], v, &rng, &want, &ok);
			if (form_response_parse(fa.f[i], j, &r, err,
			    sizeof err) != 0 || agg_add(a, fa.f[i], &r) != 0)
				fx_die("base aggregate", err);
			form_response_clear(&r);
			cJSON_Delete(j);
		}
		form_response_clear(&want);
		if ((fa.base[i] = agg_to_json(a)) == NULL)
			fx_die("out of memory", NULL);
		agg_free(a);
	}
	fa.ready = 1;
	atexit(fa_teardown);
	return 0;
}

static struct agg *
fa_base(int i)
{
	struct agg *a;
	char err[ERRLEN];

	if (agg_from_json(fa.base[i], strlen(fa.base[i]), &a, err,
	    sizeof err) != 0)
		fx_die("base aggregate does not parse", err);
	return a;
}

/* Pass 1: the input as answers to form i. */
static void
fa_answers(int i, const cJSON *answers)
{
	const struct form *f = fa.f[i];
	struct form_response r;
	struct agg *a, *b;
	char err[ERRLEN];

	err[0] = 0;
	if (form_response_parse(f, answers, &r, err, sizeof err) != 0) {
		if (r.a != NULL || r.n != 0 || err[0] == 0)
			fx_violation("answer", "a refused response left its "
			    "buffer or gave no reason", f->id);
		return;
	}
	fa.st.accepted[i]++;
	if (r.n != f->n_items)
		fx_violation("answer", "response has the wrong item count",
		    f->id);
	for (size_t k = 0; k < f->n_items; k++) {
		const struct form_item *it = &f->items[k];
		if (r.a[k].state == FORM_ANSWERED && it->type != FORM_MULTI &&
		    r.a[k].value >= it->n_options)
			fx_violation("answer", "an answer outside its options",
			    it->id);
		if (r.a[k].state == FORM_ANSWERED && it->type == FORM_MULTI &&
		    (r.a[k].value == 0 || (it->n_options < 32 &&
		    (r.a[k].value >> it->n_options) != 0)))
			fx_violation("answer", "a multi answer outside its "
			    "options", it->id);
		if ((r.a[k].state == FORM_NOT_SHOWN) ==
		    form_item_shown(f, k, &r))
			fx_violation("answer", "show_if disagrees with the "
			    "parsed response", it->id);
	}
	if ((a = agg_new(f)) == NULL || (b = fa_base(i)) == NULL)
		fx_die("out of memory", NULL);
	if (agg_add(a, f, &r) != 0 || agg_add(b, f, &r) != 0)
		fx_violation("answer", "agg_add refused a valid response",
		    f->id);
	if (agg_check(a, f, err, sizeof err) != 0 ||
	    agg_check(b, f, err, sizeof err) != 0)
		fx_violation("answer", "a valid response made an aggregate that "
		    "does not check", err);
	fx_agg_roundtrip("answer", a, f, 1);
	fx_agg_roundtrip("answer", b, f, 1);
	agg_free(a);
	agg_free(b);
	form_response_clear(&r);
}

/* Pass 2: the input as an aggregate, against form i. */
static void
fa_aggregate(int i, struct agg *in)
{
	const struct form *f = fa.f[i];
	char err[ERRLEN];
	struct agg *base = fa_base(i), *empty = agg_new(f);
	int ok = agg_check(in, f, err, sizeof err) == 0;

	if (empty == NULL)
		fx_die("out of memory", NULL);
	if (ok)
		fa.st.agg_checked[i]++;
	if (agg_merge(base, in) == 0 && ok &&
	    agg_check(base, f, err, sizeof err) != 0)
		fx_violation("answer", "a valid aggregate merged into a valid "
		    "one gives an invalid one", err);
	if (agg_merge(empty, in) == 0) {
		if (agg_n(empty) != agg_n(in))
			fx_violation("answer", "merge into an empty aggregate "
			    "changed n", NULL);
		if (ok && agg_check(empty, f, err, sizeof err) != 0)
			fx_violation("answer", "a valid aggregate merged into "
			    "an empty one gives an invalid one", err);
	}
	if (ok)
		fx_agg_roundtrip("answer", in, f, 0);
	agg_free(base);
	agg_free(empty);
}

int
fuzz_answer_one(const uint8_t *data, size_t size)
{
	cJSON *j;
	const cJSON *answers;
	struct agg *in = NULL;
	char err[ERRLEN];

	fuzz_answer_setup();
	fa.st.inputs++;
	err[0] = 0;
	if ((j = cJSON_ParseWithLength((const char *)data, size)) != NULL) {
		answers = cJSON_GetObjectItemCaseSensitive(j, "answers");
		if (!cJSON_IsObject(answers))
			answers = j;
		for (int i = 0; i < FA_NFORMS; i++)
			fa_answers(i, answers);
		cJSON_Delete(j);
	}
	if (agg_from_json((const char *)data, size, &in, err,
	    sizeof err) == 0) {
		fa.st.aggs++;
		fx_agg_roundtrip("answer", in, NULL, 0);
		for (int i = 0; i < FA_NFORMS; i++)
			fa_aggregate(i, in);
		agg_free(in);
	} else if (in != NULL || err[0] == 0) {
		fx_violation("answer", "agg_from_json failed without a reason "
		    "or left an aggregate", NULL);
	}
	return 0;
}
