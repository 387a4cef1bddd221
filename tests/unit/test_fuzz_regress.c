/*
 * test_fuzz_regress.c - replay, without clang or libFuzzer, every input in
 * tests/fuzz/regress/ (inputs that once crashed or broke the protocol:
 * files named reply-* go to the terminal's entry, form-*, answer-*,
 * org-*, config-*, bundle-* and rotate-* are test_fuzz_regress2.c's, all
 * others go to the server's) and the seed corpora tests/fuzz/corpus/wire/ and
 * tests/fuzz/corpus/reply/ through the same entries as the fuzz targets
 * (tests/fuzz/wire_entry.c, tests/fuzz/reply_entry.c): a real
 * installation and a real terminal, the real ingest_handle and
 * kiosk_sync, and the protocol checks, which abort on a violation. The
 * seeds must also still reach deep (a CHALLENGE, an ACK, an applied
 * batch; a settled and a revoked terminal), so the fuzzers are not left
 * knocking at the door after a protocol change. Paths are relative to
 * the repository root (as tests/run.sh runs) or to $POLS_SRCDIR.
 *
 * reply_entry.c stands in for NNG in this program: it makes no network
 * calls anyway.
 */
#include "../fuzz/wire_entry.c"
#include "../fuzz/reply_entry.c"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

/* Findings of the input-parser targets: test_fuzz_regress2.c's. */
static int
other_target(const char *name)
{
	static const char *const prefixes[] = {"form-", "answer-", "org-",
	    "config-", "bundle-", "rotate-"};

	for (size_t i = 0; i < sizeof prefixes / sizeof prefixes[0]; i++)
		if (strncmp(name, prefixes[i], strlen(prefixes[i])) == 0)
			return 1;
	return 0;
}

/* Feed every file of dir (sorted; not dot files or *.md) to the entry.
 * Returns how many; -1 when dir cannot be read. */
static int
replay_dir(const char *sub, int reply)
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
		if (name[0] != '.' && !(nl > 3 &&
		    strcmp(name + nl - 3, ".md") == 0) &&
		    !other_target(name)) {
			assert_int_equal(util_path(p, sizeof p, "%s/%s", dir,
			    name), 0);
			if (util_read_file(p, WIRE_MAX_MSG + 1, &buf, &len, err,
			    sizeof err) != 0)
				fail_msg("%s", err);
			printf("  replay %s (%zu bytes)\n", p, len);
			fflush(stdout);
			if (reply || strncmp(name, "reply-", 6) == 0)
				assert_int_equal(fuzz_reply_one(
				    (const uint8_t *)buf, len), 0);
			else
				assert_int_equal(fuzz_wire_one(
				    (const uint8_t *)buf, len), 0);
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
	/* The folder may be empty (git keeps only its README). */
	assert_true(replay_dir("tests/fuzz/regress", 0) >= 0);
}

static void
test_seeds_reach_deep(void **state)
{
	long applied = fz.st.applied;

	(void)state;
	assert_true(replay_dir("tests/fuzz/corpus/wire", 0) >= 3);
	assert_true(fz.st.replies[WIRE_CHALLENGE] > 0);
	assert_true(fz.st.replies[WIRE_ACK] > 0);
	assert_true(fz.st.replies[WIRE_ERROR] > 0);
	/* sync.bin's batch, through pass 2 with a live challenge. */
	assert_true(fz.st.applied > applied);
}

static void
test_reply_seeds_reach_deep(void **state)
{
	long acked = fr.acked, revoked = fr.revoked, refused = fr.refused;

	(void)state;
	assert_true(replay_dir("tests/fuzz/corpus/reply", 1) >= 3);
	assert_true(fr.acked > acked);
	assert_true(fr.revoked > revoked);
	assert_true(fr.refused > refused);
}

static int
setup(void **state)
{
	(void)state;
	return fuzz_wire_setup() || fuzz_reply_setup();
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_regressions),
		cmocka_unit_test(test_seeds_reach_deep),
		cmocka_unit_test(test_reply_seeds_reach_deep),
	};
	return cmocka_run_group_tests(tests, setup, NULL);
}
