/*
 * form_entry.c - the fuzz entry for the form parser and validator
 * (common/form.h): one input is a questionnaire's JSON, as `polsctl form
 * check/publish` reads it and as a terminal gets it inside a signed form.
 *
 * Included by tests/fuzz/fuzz_form.c (libFuzzer) and
 * tests/unit/test_fuzz_regress2.c (replays the corpus and tests/fuzz/
 * regress/form-* in make test).
 *
 * Each input goes through form_parse and form_check (up to 64 problems,
 * each a non-empty line); they must agree on whether the form is valid.
 * A form that parses is then used the way the kiosk and the server use
 * one: every item's show_if evaluated, a few canned answer objects
 * (from tests/e2e/) through form_response_parse, and answers built for
 * this form (util_entry.c, fx_answers: first options, last options,
 * "liever-niet", and choices drawn from a hash of the input), which must
 * be accepted and read back exactly as given. The accepted responses are
 * folded into an aggregate (agg_new, agg_add) that must pass agg_check
 * against the form and survive agg_to_json / agg_from_json, agg_merge and
 * agg_drop_full (fx_agg_roundtrip). A broken invariant aborts (a finding).
 */
#include "util_entry.c"

struct fuzz_form_stats {
	long inputs, parsed, canned_ok, made, made_ok, aggs;
};

int fuzz_form_setup(void);
int fuzz_form_one(const uint8_t *data, size_t size);

static struct fuzz_form_stats ff_st;

/* Answer objects from tests/e2e (pipeline, questionnaires, at-rest). */
static const char *const ff_canned[] = {
	"{}",
	"{\"veiligheid\":5,\"sfeer\":5,\"werkdruk\":5,\"samenwerking\":5,"
	"\"jezelf-zijn\":5}",
	"{\"veiligheid\":1,\"sfeer\":1,\"werkdruk\":1,\"samenwerking\":1,"
	"\"jezelf-zijn\":1}",
	"{\"veiligheid\":97,\"sfeer\":1,\"werkdruk\":1,\"samenwerking\":1,"
	"\"jezelf-zijn\":1}",
	"{\"nope\":1}",
	"{\"veiligheid\":1}",
	"{\"discriminatie\":true,\"discriminatie-van-wie\":[\"collega\","
	"\"leidinggevende\"],\"discriminatie-grond\":[\"anders\"],"
	"\"discriminatie-gemeld\":\"nee-niet-gedurfd\",\"pesten\":false}",
	"{\"intimidatie\":\"liever-niet\",\"seksuele-intimidatie\":"
	"\"liever-niet\"}",
	"{\"discriminatie\":false,\"discriminatie-gemeld\":"
	"\"nee-niet-gedurfd\"}",
	"{\"werkdruk-tempo\":\"liever-niet\"}",
	"[]",
	"null",
};

int
fuzz_form_setup(void)
{
	static int ready;

	if (!ready) {
		if (sodium_init() < 0)
			fx_die("libsodium does not start", NULL);
		log_init("fuzz_form", LOG_ERR);
		ready = 1;
	}
	return 0;
}

static void
ff_problem(void *arg, const char *problem)
{
	int *n = arg;

	if (problem == NULL || problem[0] == 0 || strchr(problem, '\n'))
		fx_violation("form", "form_check reported an empty or "
		    "multi-line problem", problem);
	(*n)++;
}

/* Fold r into a (agg_add must take it: counts stay far below the cap). */
static void
ff_add(struct agg *a, const struct form *f, const struct form_response *r)
{
	if (agg_add(a, f, r) != 0)
		fx_violation("form", "agg_add refused a valid response", f->id);
}

/* Use a parsed form the way the kiosk and server do. */
static void
ff_use(const struct form *f, const uint8_t *data, size_t size)
{
	struct form_response r, want;
	struct agg *a;
	char err[ERRLEN];
	uint64_t rng = fx_hash(data, size, 0);

	if ((a = agg_new(f)) == NULL)
		fx_die("out of memory", NULL);
	/* Nothing answered yet: show_if of every item evaluates. */
	want.n = f->n_items;
	if ((want.a = calloc(f->n_items ? f->n_items : 1,
	    sizeof *want.a)) == NULL)
		fx_die("out of memory", NULL);
	for (size_t i = 0; i < f->n_items; i++)
		(void)form_item_shown(f, i, &want);
	for (size_t c = 0; c < sizeof ff_canned / sizeof ff_canned[0]; c++) {
		cJSON *j = cJSON_Parse(ff_canned[c]);
		if (j == NULL)
			fx_die("canned answers do not parse", ff_canned[c]);
		if (form_response_parse(f, j, &r, err, sizeof err) == 0) {
			ff_st.canned_ok++;
			ff_add(a, f, &r);
			form_response_clear(&r);
		} else if (r.a != NULL || err[0] == 0) {
			fx_violation("form", "a refused response left its "
			    "buffer or gave no reason", ff_canned[c]);
		}
		cJSON_Delete(j);
	}
	for (int v = 0; v < 6; v++) {
		int ok;
		cJSON *j = fx_answers(f, v, &rng, &want, &ok);

		ff_st.made++;
		if (form_response_parse(f, j, &r, err, sizeof err) == 0) {
			fx_same_response("form", f, &r, &want);
			ff_add(a, f, &r);
			form_response_clear(&r);
			ff_st.made_ok++;
		} else if (ok) {
			char *t = cJSON_PrintUnformatted(j);
			fprintf(stderr, "answers: %s\nrefused: %s\n",
			    t ? t : "?", err);
			free(t);
			fx_violation("form", "answers given as the form shows "
			    "its items were refused", err);
		}
		cJSON_Delete(j);
	}
	form_response_clear(&want);
	if (agg_check(a, f, err, sizeof err) != 0)
		fx_violation("form", "an aggregate of valid responses does not "
		    "check", err);
	fx_agg_roundtrip("form", a, f, 1);
	ff_st.aggs++;
	agg_free(a);
}

int
fuzz_form_one(const uint8_t *data, size_t size)
{
	struct form *f = NULL;
	char err[ERRLEN];
	int rv, problems = 0, n;

	fuzz_form_setup();
	ff_st.inputs++;
	err[0] = 0;
	rv = form_parse((const char *)data, size, &f, err, sizeof err);
	if ((rv == 0) != (f != NULL) || (rv != 0 && err[0] == 0))
		fx_violation("form", "form_parse result and form disagree",
		    NULL);
	n = form_check((const char *)data, size, ff_problem, &problems, 64);
	if (n != problems || (n == 0) != (rv == 0) || n > 64)
		fx_violation("form", "form_check and form_parse disagree", err);
	if (f != NULL) {
		ff_st.parsed++;
		if (f->n_items == 0 || f->version < 1 || f->id[0] == 0)
			fx_violation("form", "a form without items, version or "
			    "id parsed", f->id);
		ff_use(f, data, size);
		form_free(f);
	}
	return 0;
}
