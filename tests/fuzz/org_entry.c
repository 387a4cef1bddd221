/*
 * org_entry.c - the fuzz entry for the organisation CSV (server/org.h):
 * one input is the file `polsctl org import` reads.
 *
 * org_parse_csv takes a path, so each input is written to one file per
 * process (util_entry.c's scratch folder, org.csv) and parsed from there.
 * A refusal must leave nothing allocated and name the file in its
 * message. What it accepts must hold what org.h promises: at least one
 * row; ids and parents of the id syntax, NUL-terminated in their arrays;
 * unique ids; a known kind; a korps without a parent and every other unit
 * with one, never itself; a parent in the file of a higher kind, and not
 * a team; headcounts 0..100000 and at least 1 for a team; a non-empty
 * name without control characters; line numbers from 2, rising. A broken
 * promise aborts (a finding).
 *
 * Included by tests/fuzz/fuzz_org.c (libFuzzer) and
 * tests/unit/test_fuzz_regress2.c (make test).
 */
#include "util_entry.c"
#include "org.h"

struct fuzz_org_stats {
	long inputs, parsed, units;
};

int fuzz_org_setup(void);
int fuzz_org_one(const uint8_t *data, size_t size);

static struct {
	char path[PATH_MAX];
	struct fuzz_org_stats st;
} fo;

int
fuzz_org_setup(void)
{
	if (fo.path[0])
		return 0;
	log_init("fuzz_org", LOG_ERR);
	if (util_path(fo.path, sizeof fo.path, "%s/org.csv", fx_dir()) != 0)
		fx_die("path too long", fx_dir());
	return 0;
}

static int
fo_id_ok(const char *s)
{
	size_t len = strnlen(s, ORG_ID_MAX);

	if (len == 0 || len >= ORG_ID_MAX)
		return 0;
	for (size_t i = 0; i < len; i++) {
		char c = s[i];
		int alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9');
		if (!alnum && (i == 0 || (c != '_' && c != '.' && c != '-')))
			return 0;
	}
	return 1;
}

static int
fo_cmp(const void *a, const void *b)
{
	return strcmp((*(const struct org_unit *const *)a)->id,
	    (*(const struct org_unit *const *)b)->id);
}

static const struct org_unit *
fo_find(const struct org_unit *const *sorted, size_t n, const char *id)
{
	struct org_unit key;
	const struct org_unit *kp = &key, *const *hit;

	snprintf(key.id, sizeof key.id, "%s", id);
	hit = bsearch(&kp, sorted, n, sizeof *sorted, fo_cmp);
	return hit ? *hit : NULL;
}

static void
fo_check(const struct org_unit *u, size_t n)
{
	const struct org_unit **sorted;

	if (n == 0)
		fx_violation("org", "a file without rows was accepted", NULL);
	if ((sorted = malloc(n * sizeof *sorted)) == NULL)
		fx_die("out of memory", NULL);
	for (size_t i = 0; i < n; i++) {
		const struct org_unit *x = &u[i];

		sorted[i] = x;
		if (!fo_id_ok(x->id))
			fx_violation("org", "an invalid id was accepted", NULL);
		if (strnlen(x->parent, ORG_ID_MAX) >= ORG_ID_MAX ||
		    (x->parent[0] && !fo_id_ok(x->parent)))
			fx_violation("org", "an invalid parent was accepted",
			    x->id);
		if ((unsigned)x->kind > ORG_TEAM)
			fx_violation("org", "unknown kind", x->id);
		if ((x->kind == ORG_KORPS) != (x->parent[0] == 0) ||
		    strcmp(x->id, x->parent) == 0)
			fx_violation("org", "a korps with a parent, a unit "
			    "without one, or its own parent", x->id);
		if (x->headcount < 0 || x->headcount > 100000 ||
		    (x->kind == ORG_TEAM && x->headcount < 1))
			fx_violation("org", "headcount out of bounds", x->id);
		if (strnlen(x->name, ORG_NAME_MAX) >= ORG_NAME_MAX ||
		    x->name[0] == 0)
			fx_violation("org", "an empty or unterminated name",
			    x->id);
		for (const unsigned char *c = (const unsigned char *)x->name;
		    *c; c++)
			if (*c < 0x20 || *c == 0x7f)
				fx_violation("org", "a control character in a "
				    "name", x->id);
		if (x->line < 2 || (i > 0 && x->line <= u[i - 1].line))
			fx_violation("org", "line numbers do not rise from 2",
			    x->id);
	}
	qsort(sorted, n, sizeof *sorted, fo_cmp);
	for (size_t i = 1; i < n; i++)
		if (strcmp(sorted[i - 1]->id, sorted[i]->id) == 0)
			fx_violation("org", "a duplicate id was accepted",
			    sorted[i]->id);
	for (size_t i = 0; i < n; i++) {
		const struct org_unit *p;
		if (u[i].parent[0] == 0 ||
		    (p = fo_find(sorted, n, u[i].parent)) == NULL)
			continue;
		if (p->kind == ORG_TEAM || p->kind >= u[i].kind)
			fx_violation("org", "a parent in the file is not of a "
			    "higher kind", u[i].id);
	}
	free(sorted);
}

int
fuzz_org_one(const uint8_t *data, size_t size)
{
	struct org_unit *units = (struct org_unit *)&fo; /* must be reset */
	size_t n = 1;
	char err[ERRLEN];

	fuzz_org_setup();
	fo.st.inputs++;
	fx_put(fo.path, data, size);
	err[0] = 0;
	if (org_parse_csv(fo.path, &units, &n, err, sizeof err) != 0) {
		if (units != NULL || n != 0)
			fx_violation("org", "a refused file left units", err);
		if (strncmp(err, fo.path, strlen(fo.path)) != 0)
			fx_violation("org", "a refusal does not name the file",
			    err);
		return 0;
	}
	fo.st.parsed++;
	fo.st.units += (long)n;
	fo_check(units, n);
	free(units);
	return 0;
}
