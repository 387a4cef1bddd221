/*
 * util_entry.c - helpers shared by the fuzz entries of the input parsers
 * (form_entry.c, answer_entry.c, org_entry.c, config_entry.c,
 * bundle_entry.c). Included (#include "util_entry.c") by those entries;
 * the include guard lets one program include several of them
 * (tests/unit/test_fuzz_regress2.c includes all five). Not to be included
 * together with wire_entry.c, which defines its own sodium_memcmp.
 *
 * What is here:
 *   fx_die, fx_violation  abort with a message (a violation is a finding)
 *   fx_dir                the process's scratch folder under $TMPDIR
 *                         (default /tmp), made at the first call and
 *                         removed at exit
 *   fx_put                write bytes to a file (no fsync: speed)
 *   fx_rm_tree            remove a folder and everything under it
 *   fx_src_read           read a file of the repository ($POLS_SRCDIR or
 *                         the current folder)
 *   fx_answers            build an answers object for a parsed form that
 *                         form_response_parse must accept, and the
 *                         response it must give (see below)
 *   fx_agg_roundtrip      the aggregate invariants both form and answer
 *                         entries check
 */
#ifndef FUZZ_UTIL_ENTRY_C
#define FUZZ_UTIL_ENTRY_C

#include <dirent.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <sodium.h>

#include "agg.h"
#include "form.h"
#include "log.h"
#include "util.h"

/* Each program uses some of these helpers. */
#define FX_UNUSED __attribute__((unused))

/* libsodium is not built with the sanitizers: this stand-in for its
 * sodium_memcmp (same result: 0 when equal, else -1) is, so a compare that
 * reads past a short buffer is caught (as in wire_entry.c). */
int
sodium_memcmp(const void *const b1_, const void *const b2_, size_t len)
{
	const volatile unsigned char *a = b1_, *b = b2_;
	unsigned char d = 0;

	for (size_t i = 0; i < len; i++)
		d |= (unsigned char)(a[i] ^ b[i]);
	return d == 0 ? 0 : -1;
}

static FX_UNUSED void __attribute__((noreturn))
fx_die(const char *what, const char *detail)
{
	fprintf(stderr, "fuzz: %s%s%s\n", what, detail ? ": " : "",
	    detail ? detail : "");
	abort();
}

/* A finding: an invariant of the code under test does not hold. */
static FX_UNUSED void __attribute__((noreturn))
fx_violation(const char *target, const char *what, const char *detail)
{
	fprintf(stderr, "fuzz_%s: INVARIANT VIOLATION: %s%s%s\n", target,
	    what, detail ? ": " : "", detail ? detail : "");
	abort();
}

static FX_UNUSED int
fx_rm_tree(const char *path)
{
	DIR *d;
	struct dirent *e;
	struct stat sb;
	char p[PATH_MAX];

	if (lstat(path, &sb) != 0)
		return -1;
	if (S_ISDIR(sb.st_mode) && (d = opendir(path)) != NULL) {
		while ((e = readdir(d)) != NULL) {
			if (strcmp(e->d_name, ".") == 0 ||
			    strcmp(e->d_name, "..") == 0)
				continue;
			if (util_path(p, sizeof p, "%s/%s", path,
			    e->d_name) == 0)
				fx_rm_tree(p);
		}
		closedir(d);
		return rmdir(path);
	}
	return unlink(path);
}

static char fx_scratch[PATH_MAX];

static FX_UNUSED void
fx_dir_remove(void)
{
	if (fx_scratch[0])
		fx_rm_tree(fx_scratch);
	fx_scratch[0] = 0;
}

/* The scratch folder of this process. */
static FX_UNUSED const char *
fx_dir(void)
{
	const char *tmp = getenv("TMPDIR");

	if (fx_scratch[0])
		return fx_scratch;
	if (util_path(fx_scratch, sizeof fx_scratch, "%s/pols-fuzzin.XXXXXX",
	    tmp && *tmp ? tmp : "/tmp") != 0 || mkdtemp(fx_scratch) == NULL)
		fx_die("cannot make a temporary folder", fx_scratch);
	atexit(fx_dir_remove);
	return fx_scratch;
}

static FX_UNUSED void
fx_put(const char *path, const void *data, size_t size)
{
	FILE *f = fopen(path, "wb");

	if (f == NULL || (size > 0 && fwrite(data, 1, size, f) != size) ||
	    fclose(f) != 0)
		fx_die("cannot write", path);
}

/* Read rel (a path inside the repository); dies when it cannot. */
static FX_UNUSED char *
fx_src_read(const char *rel, size_t *len)
{
	const char *src = getenv("POLS_SRCDIR");
	char p[PATH_MAX], err[ERRLEN], *text;

	if (util_path(p, sizeof p, "%s/%s", src && *src ? src : ".", rel) != 0 ||
	    util_read_file(p, 1 << 22, &text, len, err, sizeof err) != 0)
		fx_die("cannot read (run from the repository root or set "
		    "POLS_SRCDIR)", p);
	return text;
}

/* --- answers for any form ---------------------------------------------- */

static FX_UNUSED uint64_t
fx_hash(const uint8_t *d, size_t n, uint64_t salt)
{
	uint64_t h = 1469598103934665603ull ^ salt;

	for (size_t i = 0; i < n; i++)
		h = (h ^ d[i]) * 1099511628211ull;
	return h ? h : 1;
}

static FX_UNUSED unsigned
fx_rand(uint64_t *s, unsigned n)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return n ? (unsigned)(*s % n) : 0;
}

/* The item's "liever-niet" option, or -1 (as form.c decides it). */
static FX_UNUSED int
fx_refuse(const struct form_item *it)
{
	if (!it->sensitive || it->n_options == 0 ||
	    strcmp(it->options[it->n_options - 1].value, FORM_REFUSE) != 0)
		return -1;
	return (int)it->n_options - 1;
}

/* One option as answer JSON (not for multi). */
static FX_UNUSED cJSON *
fx_value(const struct form_item *it, unsigned k)
{
	if ((int)k == fx_refuse(it))
		return cJSON_CreateString(FORM_REFUSE);
	switch (it->type) {
	case FORM_LIKERT5:
		return cJSON_CreateNumber(k + 1);
	case FORM_FREQ5:
	case FORM_SCALE0_10:
		return cJSON_CreateNumber(k);
	case FORM_YESNO:
		return cJSON_CreateBool(k == 0);
	default:
		return cJSON_CreateString(it->options[k].value);
	}
}

/*
 * Answers for f, built item by item the way a respondent at the kiosk
 * goes through the form: an item is answered only when form_item_shown
 * says it is shown given the answers so far. variant 0 takes each item's
 * first option, 1 its last one (for multi: every option), 2 "liever-niet"
 * wherever offered, higher ones options chosen by rng, some optional items
 * left empty. want (want->n == f->n_items, a allocated by the caller) gets
 * the response form_response_parse must return. Returns the answers, and
 * *ok = 0 when some shown required item cannot be answered (no options):
 * then no outcome is expected.
 */
static FX_UNUSED cJSON *
fx_answers(const struct form *f, int variant, uint64_t *rng,
    struct form_response *want, int *ok)
{
	cJSON *o = cJSON_CreateObject();

	if (o == NULL)
		fx_die("out of memory", NULL);
	*ok = 1;
	for (size_t i = 0; i < f->n_items; i++)
		want->a[i].state = FORM_NOT_ANSWERED, want->a[i].value = 0;
	for (size_t i = 0; i < f->n_items; i++) {
		const struct form_item *it = &f->items[i];
		int refuse = fx_refuse(it);
		unsigned plain = (unsigned)it->n_options - (refuse >= 0);
		unsigned value;
		cJSON *v;

		if (!form_item_shown(f, i, want)) {
			want->a[i].state = FORM_NOT_SHOWN;
			continue;
		}
		if (variant >= 3 && !it->required && fx_rand(rng, 5) == 0)
			continue; /* left empty */
		if (refuse >= 0 && (variant == 2 || plain == 0 ||
		    (variant >= 3 && fx_rand(rng, 8) == 0))) {
			value = it->type == FORM_MULTI ? 1u << refuse :
			    (unsigned)refuse;
			v = it->type == FORM_MULTI && variant % 2 ?
			    cJSON_CreateStringArray((const char *[]){
			    FORM_REFUSE}, 1) : cJSON_CreateString(FORM_REFUSE);
		} else if (plain == 0) {
			if (it->required)
				*ok = 0;
			continue;
		} else if (it->type == FORM_MULTI) {
			unsigned mask = 0;
			if (variant == 0)
				mask = 1;
			else if (variant == 1 || variant == 2)
				mask = plain >= 32 ? 0xffffffffu :
				    (1u << plain) - 1;
			else
				while (mask == 0)
					for (unsigned k = 0; k < plain; k++)
						if (fx_rand(rng, 3) == 0)
							mask |= 1u << k;
			v = cJSON_CreateArray();
			for (unsigned k = 0; v && k < plain; k++)
				if (mask & (1u << k))
					cJSON_AddItemToArray(v,
					    cJSON_CreateString(
					    it->options[k].value));
			value = mask;
		} else {
			value = variant == 0 ? 0 : variant == 1 ||
			    variant == 2 ? plain - 1 : fx_rand(rng, plain);
			v = fx_value(it, value);
		}
		if (v == NULL)
			fx_die("out of memory", NULL);
		cJSON_AddItemToObject(o, it->id, v);
		want->a[i].state = FORM_ANSWERED;
		want->a[i].value = value;
	}
	return o;
}

/* Check r (from form_response_parse) against want, item by item. */
static FX_UNUSED void
fx_same_response(const char *target, const struct form *f,
    const struct form_response *r, const struct form_response *want)
{
	if (r->n != f->n_items)
		fx_violation(target, "response has the wrong item count",
		    f->id);
	for (size_t i = 0; i < f->n_items; i++) {
		if (r->a[i].state != want->a[i].state ||
		    (want->a[i].state == FORM_ANSWERED &&
		    r->a[i].value != want->a[i].value))
			fx_violation(target, "form_response_parse read an "
			    "answer other than given", f->items[i].id);
	}
}

/*
 * Invariants of an aggregate a: its JSON parses back and that copy prints
 * the same text. When agg_check accepted a against f (else pass f NULL):
 * the copy checks too; merging a into the copy gives n doubled and an
 * aggregate that checks, or is refused (only allowed for an aggregate
 * that came from the input, whose scale sums agg_check does not bound;
 * built = 1 for one made with agg_add); without its Cronbach blocks it
 * still checks.
 */
static FX_UNUSED void
fx_agg_roundtrip(const char *target, struct agg *a, const struct form *f,
    int built)
{
	char err[ERRLEN], *j1, *j2;
	struct agg *b = NULL;
	uint64_t n = agg_n(a);

	if ((j1 = agg_to_json(a)) == NULL)
		fx_die("out of memory", NULL);
	if (agg_from_json(j1, strlen(j1), &b, err, sizeof err) != 0)
		fx_violation(target, "an aggregate's own JSON does not parse",
		    err);
	if ((j2 = agg_to_json(b)) == NULL)
		fx_die("out of memory", NULL);
	if (strcmp(j1, j2) != 0)
		fx_violation(target, "an aggregate prints differently after a "
		    "round trip through its JSON", NULL);
	free(j2);
	free(j1);
	if (f != NULL) {
		if (agg_check(b, f, err, sizeof err) != 0)
			fx_violation(target, "the JSON copy of a valid "
			    "aggregate does not check", err);
		if (agg_merge(b, a) == 0) {
			if (agg_n(b) != 2 * n)
				fx_violation(target, "merge: n is not the sum",
				    NULL);
			if (agg_check(b, f, err, sizeof err) != 0)
				fx_violation(target, "two valid aggregates "
				    "merge into an invalid one", err);
		} else if (built && 2 * n <= AGG_MAX_COUNT) {
			fx_violation(target, "merge of a valid aggregate with "
			    "its copy refused", NULL);
		}
		agg_drop_full(b);
		if (agg_check(b, f, err, sizeof err) != 0)
			fx_violation(target, "a valid aggregate does not check "
			    "without its Cronbach blocks", err);
	}
	agg_free(b);
}

#endif /* FUZZ_UTIL_ENTRY_C */
