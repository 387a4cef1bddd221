/*
 * test_fuzz_regress2.c - replay, without clang or libFuzzer, the seed
 * corpora and the saved findings of the input-parser fuzz targets through
 * the same entries (tests/fuzz/TARGET_entry.c), with their invariant checks,
 * which abort on a violation:
 *
 *   target  corpus                     regressions
 *   form    tests/fuzz/corpus/form/    tests/fuzz/regress/form-*
 *   answer  tests/fuzz/corpus/answer/  tests/fuzz/regress/answer-*
 *   org     tests/fuzz/corpus/org/     tests/fuzz/regress/org-*
 *   config  tests/fuzz/corpus/config/  tests/fuzz/regress/config-*
 *   bundle  tests/fuzz/corpus/bundle/  tests/fuzz/regress/bundle-*
 *   rotate  tests/fuzz/corpus/rotate/  tests/fuzz/regress/rotate-*
 *
 * (the protocol targets, wire and reply, are test_fuzz_regress.c's). The
 * seeds must also still reach deep: forms that parse and answers made for
 * them accepted; answers accepted by each real form and an aggregate that
 * checks; an org file and config files that load; a bundle that enrolls
 * as it is and re-signed; rotation chains that walk as they are and
 * re-signed. Paths are relative to the repository root (as
 * tests/run.sh runs) or to $POLS_SRCDIR.
 */
#include "../fuzz/form_entry.c"
#include "../fuzz/answer_entry.c"
#include "../fuzz/org_entry.c"
#include "../fuzz/config_entry.c"
#include "../fuzz/bundle_entry.c"
#include "../fuzz/rotate_entry.c"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

typedef int (*entry_fn)(const uint8_t *data, size_t size);

/* Feed every file of sub (sorted; not dot files or *.md) whose name starts
 * with prefix to fn. Returns how many; -1 when sub cannot be read. */
static int
replay(const char *sub, const char *prefix, entry_fn fn)
{
	const char *src = getenv("POLS_SRCDIR");
	char dir[1024], p[2048], err[ERRLEN], *buf;
	struct dirent **names;
	size_t len;
	int n, count = 0;

	assert_int_equal(util_path(dir, sizeof dir, "%s/%s",
	    src && *src ? src : ".", sub), 0);
	if ((n = scandir(dir, &names, NULL, alphasort)) < 0)
		return -1;
	for (int i = 0; i < n; i++) {
		const char *name = names[i]->d_name;
		size_t nl = strlen(name);
		if (name[0] != '.' && strncmp(name, prefix,
		    strlen(prefix)) == 0 && !(nl > 3 &&
		    strcmp(name + nl - 3, ".md") == 0)) {
			assert_int_equal(util_path(p, sizeof p, "%s/%s", dir,
			    name), 0);
			if (util_read_file(p, 1 << 22, &buf, &len, err,
			    sizeof err) != 0)
				fail_msg("%s", err);
			printf("  replay %s (%zu bytes)\n", p, len);
			fflush(stdout);
			assert_int_equal(fn((const uint8_t *)buf, len), 0);
			free(buf);
			count++;
		}
		free(names[i]);
	}
	free(names);
	return count;
}

static void
test_regressions(void **state)
{
	(void)state;
	/* The folder may hold none of these. */
	assert_true(replay("tests/fuzz/regress", "form-", fuzz_form_one) >= 0);
	assert_true(replay("tests/fuzz/regress", "answer-",
	    fuzz_answer_one) >= 0);
	assert_true(replay("tests/fuzz/regress", "org-", fuzz_org_one) >= 0);
	assert_true(replay("tests/fuzz/regress", "config-",
	    fuzz_config_one) >= 0);
	assert_true(replay("tests/fuzz/regress", "bundle-",
	    fuzz_bundle_one) >= 0);
	assert_true(replay("tests/fuzz/regress", "rotate-",
	    fuzz_rotate_one) >= 0);
}

static void
test_form_seeds(void **state)
{
	struct fuzz_form_stats was = ff_st;

	(void)state;
	assert_true(replay("tests/fuzz/corpus/form", "", fuzz_form_one) >= 3);
	/* The three real forms at least. */
	assert_true(ff_st.parsed - was.parsed >= 3);
	assert_true(ff_st.canned_ok > was.canned_ok);
	assert_true(ff_st.made_ok - was.made_ok >= 3 * 6);
	assert_true(ff_st.aggs > was.aggs);
}

static void
test_answer_seeds(void **state)
{
	struct fuzz_answer_stats was = fa.st;

	(void)state;
	assert_true(replay("tests/fuzz/corpus/answer", "",
	    fuzz_answer_one) >= 3);
	for (int i = 0; i < FA_NFORMS; i++) {
		assert_true(fa.st.accepted[i] > was.accepted[i]);
		assert_true(fa.st.agg_checked[i] > was.agg_checked[i]);
	}
}

static void
test_org_seeds(void **state)
{
	struct fuzz_org_stats was = fo.st;

	(void)state;
	assert_true(replay("tests/fuzz/corpus/org", "", fuzz_org_one) >= 1);
	assert_true(fo.st.parsed > was.parsed);
	assert_true(fo.st.units - was.units >= 6);
}

static void
test_config_seeds(void **state)
{
	struct fuzz_config_stats was = fc.st;

	(void)state;
	assert_true(replay("tests/fuzz/corpus/config", "",
	    fuzz_config_one) >= 2);
	for (int t = 0; t < FC_NTABLES; t++)
		assert_true(fc.st.loaded[t] > was.loaded[t]);
}

static void
test_bundle_seeds(void **state)
{
	struct fuzz_bundle_stats was = fb.st;

	(void)state;
	assert_true(replay("tests/fuzz/corpus/bundle", "",
	    fuzz_bundle_one) >= 1);
	assert_true(fb.st.enrolled > was.enrolled);
	assert_true(fb.st.resigned_enrolled > was.resigned_enrolled);
	assert_true(fb.st.refused > was.refused);
}

static void
test_rotate_seeds(void **state)
{
	long walked = fr.walked, resigned = fr.resigned;

	(void)state;
	assert_true(replay("tests/fuzz/corpus/rotate", "",
	    fuzz_rotate_one) >= 2);
	assert_true(fr.walked - walked >= 2);
	assert_true(fr.resigned - resigned >= 2);
}

static int
setup(void **state)
{
	(void)state;
	return fuzz_form_setup() || fuzz_answer_setup() || fuzz_org_setup() ||
	    fuzz_config_setup() || fuzz_bundle_setup() || fuzz_rotate_setup();
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_regressions),
		cmocka_unit_test(test_form_seeds),
		cmocka_unit_test(test_answer_seeds),
		cmocka_unit_test(test_org_seeds),
		cmocka_unit_test(test_config_seeds),
		cmocka_unit_test(test_bundle_seeds),
		cmocka_unit_test(test_rotate_seeds),
	};
	return cmocka_run_group_tests(tests, setup, NULL);
}
