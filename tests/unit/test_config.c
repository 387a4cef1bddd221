/*
 * test_config.c - the config file format: defaults, values, quoting and
 * every refusal with its exact `FILE:LINE: reason`.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "config.h"

static const struct config_key keys[] = {
	{"port", CONFIG_INT, 1, 65535, "7000", "TCP port to listen on", NULL},
	{"k_min", CONFIG_INT, 3, 100, "5", "smallest group shown", NULL},
	{"offset", CONFIG_INT, -10, 10, "-2", "an offset", NULL},
	{"name", CONFIG_STRING, 0, 8, "kiosk", "terminal name", NULL},
	{"path", CONFIG_STRING, 0, 255, "/var/lib/pols", "data directory", NULL},
	{"verbose", CONFIG_BOOL, 0, 1, "no", "log more", NULL},
	{"sync", CONFIG_BOOL, 0, 1, "yes", "sync when online", NULL},
};
#define NKEYS (sizeof(keys) / sizeof(keys[0]))

static const struct config_key required_keys[] = {
	{"server", CONFIG_STRING, 1, 64, "", "server address", NULL},
};

static char dir[64];
static char file[128];

static int
setup(void **state)
{
	(void)state;
	strcpy(dir, "/tmp/pols-test-config-XXXXXX");
	if (mkdtemp(dir) == NULL)
		return -1;
	snprintf(file, sizeof(file), "%s/test.conf", dir);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	unlink(file);
	return rmdir(dir);
}

static void
write_file(const char *text, size_t len)
{
	FILE *f = fopen(file, "wb");

	assert_non_null(f);
	assert_int_equal(fwrite(text, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
}

static struct config *
load_text(const char *text)
{
	struct config *c = NULL;
	char err[2048] = "";

	write_file(text, strlen(text));
	if (config_load(&c, keys, NKEYS, file, 0, err, sizeof(err)) != 0)
		fail_msg("unexpected error: %s", err);
	assert_non_null(c);
	return c;
}

/* Loading text must fail with exactly "FILE:reason" (reason starts at
 * the line number). */
static void
assert_load_fails_len(const char *text, size_t len, const char *reason)
{
	struct config *c = (struct config *)1;
	char err[2048] = "", want[2048];

	write_file(text, len);
	assert_int_equal(config_load(&c, keys, NKEYS, file, 0, err,
	    sizeof(err)), -1);
	assert_null(c);
	snprintf(want, sizeof(want), "%s:%s", file, reason);
	assert_string_equal(err, want);
}

static void
assert_load_fails(const char *text, const char *reason)
{
	assert_load_fails_len(text, strlen(text), reason);
}

static void
test_defaults_missing_file(void **state)
{
	struct config *c = NULL;
	char err[256] = "";

	(void)state;
	assert_int_equal(config_load(&c, keys, NKEYS, file, 1, err,
	    sizeof(err)), 0);
	assert_non_null(c);
	assert_int_equal(config_int(c, "port"), 7000);
	assert_int_equal(config_int(c, "k_min"), 5);
	assert_int_equal(config_int(c, "offset"), -2);
	assert_string_equal(config_str(c, "name"), "kiosk");
	assert_string_equal(config_str(c, "path"), "/var/lib/pols");
	assert_int_equal(config_bool(c, "verbose"), 0);
	assert_int_equal(config_bool(c, "sync"), 1);
	config_free(c);
}

static void
test_missing_file_refused(void **state)
{
	struct config *c = (struct config *)1;
	char err[256] = "", want[256];

	(void)state;
	assert_int_equal(config_load(&c, keys, NKEYS, file, 0, err,
	    sizeof(err)), -1);
	assert_null(c);
	snprintf(want, sizeof(want), "%s: No such file or directory", file);
	assert_string_equal(err, want);
}

static void
test_empty_file_defaults(void **state)
{
	struct config *c;

	(void)state;
	c = load_text("");
	assert_int_equal(config_int(c, "port"), 7000);
	config_free(c);
	c = load_text("\n\n   \n# only comments\n\t# indented\n");
	assert_string_equal(config_str(c, "name"), "kiosk");
	config_free(c);
}

static void
test_values(void **state)
{
	struct config *c;

	(void)state;
	c = load_text(
	    "# pols test\n"
	    "port = 8443\n"
	    "  k_min=3   \n"
	    "offset\t=\t-10 # lowest\n"
	    "name = \"a # b\"   # a comment after the quote\n"
	    "path = /srv/pols data\n"
	    "verbose = yes\n"
	    "sync = false\n");
	assert_int_equal(config_int(c, "port"), 8443);
	assert_int_equal(config_int(c, "k_min"), 3);
	assert_int_equal(config_int(c, "offset"), -10);
	assert_string_equal(config_str(c, "name"), "a # b");
	assert_string_equal(config_str(c, "path"), "/srv/pols data");
	assert_int_equal(config_bool(c, "verbose"), 1);
	assert_int_equal(config_bool(c, "sync"), 0);
	config_free(c);
}

static void
test_quoting(void **state)
{
	struct config *c;

	(void)state;
	c = load_text("name = \"\"\npath = \"  x \\\"q\\\" \\\\ #\"\n");
	assert_string_equal(config_str(c, "name"), "");
	assert_string_equal(config_str(c, "path"), "  x \"q\" \\ #");
	config_free(c);
	/* An unquoted empty value is an empty string. */
	c = load_text("name =\n");
	assert_string_equal(config_str(c, "name"), "");
	config_free(c);
	/* A quote inside an unquoted value is kept. */
	c = load_text("name = a\"b\n");
	assert_string_equal(config_str(c, "name"), "a\"b");
	config_free(c);
}

static void
test_bools(void **state)
{
	static const char *yes[] = {"yes", "true", "1", "YES", "True"};
	static const char *no[] = {"no", "false", "0", "No", "FALSE"};
	char text[64];
	struct config *c;

	(void)state;
	for (size_t i = 0; i < 5; i++) {
		snprintf(text, sizeof(text), "verbose = %s\n", yes[i]);
		c = load_text(text);
		assert_int_equal(config_bool(c, "verbose"), 1);
		config_free(c);
		snprintf(text, sizeof(text), "sync = %s\n", no[i]);
		c = load_text(text);
		assert_int_equal(config_bool(c, "sync"), 0);
		config_free(c);
	}
}

static void
test_crlf(void **state)
{
	struct config *c;

	(void)state;
	c = load_text("port = 9000\r\nname = \"x\"\r\n");
	assert_int_equal(config_int(c, "port"), 9000);
	assert_string_equal(config_str(c, "name"), "x");
	config_free(c);
}

static void
test_bounds(void **state)
{
	struct config *c;

	(void)state;
	c = load_text("port = 1\nk_min = 100\noffset = 10\nname = 12345678\n");
	assert_int_equal(config_int(c, "port"), 1);
	assert_int_equal(config_int(c, "k_min"), 100);
	assert_int_equal(config_int(c, "offset"), 10);
	assert_string_equal(config_str(c, "name"), "12345678");
	config_free(c);
	c = load_text("port = 65535\n");
	assert_int_equal(config_int(c, "port"), 65535);
	config_free(c);

	assert_load_fails("port = 0\n",
	    "1: 'port' must be an integer between 1 and 65535");
	assert_load_fails("\nport = 65536\n",
	    "2: 'port' must be an integer between 1 and 65535");
	assert_load_fails("k_min = 2\n",
	    "1: 'k_min' must be an integer between 3 and 100");
	assert_load_fails("offset = -11\n",
	    "1: 'offset' must be an integer between -10 and 10");
	assert_load_fails("port = 80a\n",
	    "1: 'port' must be an integer between 1 and 65535");
	assert_load_fails("port = 8.0\n",
	    "1: 'port' must be an integer between 1 and 65535");
	assert_load_fails("port =\n",
	    "1: 'port' must be an integer between 1 and 65535");
	assert_load_fails("port = \"\"\n",
	    "1: 'port' must be an integer between 1 and 65535");
	assert_load_fails("port = 99999999999999999999999\n",
	    "1: 'port' must be an integer between 1 and 65535");
	assert_load_fails("name = 123456789\n",
	    "1: 'name' is longer than 8 bytes");
	assert_load_fails("name = \"123456789\"\n",
	    "1: 'name' is longer than 8 bytes");
}

static void
test_errors(void **state)
{
	(void)state;
	assert_load_fails("# a\n\nport = 1\nbogus = 3\n",
	    "4: unknown key 'bogus'");
	assert_load_fails("Port = 1\n", "1: unknown key 'Port'");
	assert_load_fails("port = 1\nname = x\nport = 2\n",
	    "3: duplicate key 'port'");
	/* A duplicate is refused even when the value is the same. */
	assert_load_fails("sync = yes\nsync = yes\n", "2: duplicate key 'sync'");
	assert_load_fails("verbose = maybe\n", "1: 'verbose' must be yes or no");
	assert_load_fails("verbose =\n", "1: 'verbose' must be yes or no");
	assert_load_fails("port 7000\n", "1: missing '='");
	assert_load_fails("port # = 7000\n", "1: missing '='");
	assert_load_fails("\n\nport\n", "3: missing '='");
	assert_load_fails(" = 7000\n", "1: missing key before '='");
	assert_load_fails("name = \"abc\n", "1: unterminated quote");
	assert_load_fails("name = \"abc\\\"\n", "1: unterminated quote");
	assert_load_fails("name = \"abc\\\n", "1: unterminated quote");
	assert_load_fails("name = \"a\" b\n",
	    "1: unexpected text after closing quote");
	assert_load_fails("name = \"a\\nb\"\n",
	    "1: unknown escape '\\n' in quoted value (only \\\" and \\\\)");
	assert_load_fails_len("port = 1\nname = a\0b\n", 19,
	    "2: line contains a NUL byte");
}

static void
test_line_length(void **state)
{
	char text[1200];
	struct config *c;
	size_t vlen;

	(void)state;
	/* Exactly 1024 bytes, also with CRLF: accepted. */
	memcpy(text, "path = ", 7);
	vlen = 1024 - 7;
	memset(text + 7, 'a', vlen);
	strcpy(text + 1024, "\n");
	{
		struct config_key big[] = {
			{"path", CONFIG_STRING, 0, 2000, "", "p", NULL},
		};
		char err[2048] = "";

		write_file(text, strlen(text));
		assert_int_equal(config_load(&c, big, 1, file, 0, err,
		    sizeof(err)), 0);
		assert_int_equal(strlen(config_str(c, "path")), vlen);
		config_free(c);
		strcpy(text + 1024, "\r\n");
		write_file(text, strlen(text));
		assert_int_equal(config_load(&c, big, 1, file, 0, err,
		    sizeof(err)), 0);
		config_free(c);
	}
	/* 1025 bytes: refused. */
	memset(text + 7, 'a', vlen + 1);
	strcpy(text + 1025, "\n");
	assert_load_fails(text, "1: line is longer than 1024 bytes");
	/* Also without a final newline, and on a later line. */
	memcpy(text, "port = 1\npath = ", 16);
	memset(text + 16, 'b', 1100);
	text[1116] = '\0';
	assert_load_fails(text, "2: line is longer than 1024 bytes");
}

static void
test_no_final_newline(void **state)
{
	struct config *c;

	(void)state;
	c = load_text("port = 1234");
	assert_int_equal(config_int(c, "port"), 1234);
	config_free(c);
}

static void
test_required_string(void **state)
{
	struct config *c = NULL;
	char err[256] = "", want[256];

	(void)state;
	write_file("server = tcp://10.0.0.1:7000\n", 29);
	assert_int_equal(config_load(&c, required_keys, 1, file, 0, err,
	    sizeof(err)), 0);
	assert_string_equal(config_str(c, "server"), "tcp://10.0.0.1:7000");
	config_free(c);

	write_file("# nothing\n", 10);
	assert_int_equal(config_load(&c, required_keys, 1, file, 0, err,
	    sizeof(err)), -1);
	snprintf(want, sizeof(want), "%s: missing key 'server'", file);
	assert_string_equal(err, want);

	write_file("server = \"\"\n", 12);
	assert_int_equal(config_load(&c, required_keys, 1, file, 0, err,
	    sizeof(err)), -1);
	snprintf(want, sizeof(want), "%s:1: 'server' must be at least 1 bytes",
	    file);
	assert_string_equal(err, want);
}

static void
test_not_a_file(void **state)
{
	struct config *c = NULL;
	char err[256] = "", want[256];

	(void)state;
	assert_int_equal(config_load(&c, keys, NKEYS, dir, 1, err,
	    sizeof(err)), -1);
	snprintf(want, sizeof(want), "%s: %s", dir, strerror(EISDIR));
	assert_string_equal(err, want);
}

static void
test_enum(void **state)
{
	static const struct config_key ek[] = {
		{"log_level", CONFIG_ENUM, 0, 8, "warn", "how much",
		    "error|warn|info|debug"},
	};
	struct config *c = NULL;
	char err[2048] = "", want[2048];

	(void)state;
	assert_int_equal(config_load(&c, ek, 1, file, 1, err, sizeof err), 0);
	assert_string_equal(config_str(c, "log_level"), "warn");
	config_free(c);
	write_file("log_level = debug\n", 18);
	assert_int_equal(config_load(&c, ek, 1, file, 0, err, sizeof err), 0);
	assert_string_equal(config_str(c, "log_level"), "debug");
	config_free(c);
	write_file("\nlog_level = loud\n", 19);
	assert_int_equal(config_load(&c, ek, 1, file, 0, err, sizeof err), -1);
	assert_null(c);
	snprintf(want, sizeof want, "%s:2: 'log_level' must be one of "
	    "error,warn,info,debug", file);
	assert_string_equal(err, want);
	/* A prefix of a choice is not a choice. */
	write_file("log_level = inf\n", 16);
	assert_int_equal(config_load(&c, ek, 1, file, 0, err, sizeof err), -1);
}

static void
test_write_example(void **state)
{
	static const struct config_key ex[] = {
		{"port", CONFIG_INT, 1, 65535, "7000", "TCP port to listen on", NULL},
		{"verbose", CONFIG_BOOL, 0, 1, "no", "log more", NULL},
		{"name", CONFIG_STRING, 0, 32, "a # b", "terminal name\nshown", NULL},
		{"server", CONFIG_STRING, 1, 64, "", "server address", NULL},
	};
	static const char want[] =
	    "# TCP port to listen on\n"
	    "# integer, 1 to 65535, default 7000\n"
	    "#port = 7000\n"
	    "\n"
	    "# log more\n"
	    "# yes or no, default no\n"
	    "#verbose = no\n"
	    "\n"
	    "# terminal name\n"
	    "# shown\n"
	    "# string, 0 to 32 bytes, default \"a # b\"\n"
	    "#name = \"a # b\"\n"
	    "\n"
	    "# server address\n"
	    "# string, 1 to 64 bytes, required\n"
	    "#server = \"\"\n";
	char got[1024];
	struct config *c = NULL;
	char err[256];
	FILE *f;
	size_t len;

	(void)state;
	assert_int_equal(config_write_example(ex, 4, file), 0);
	f = fopen(file, "r");
	assert_non_null(f);
	len = fread(got, 1, sizeof(got) - 1, f);
	fclose(f);
	got[len] = '\0';
	assert_string_equal(got, want);

	/* The example of a table with no required key loads as defaults. */
	assert_int_equal(config_write_example(keys, NKEYS, file), 0);
	assert_int_equal(config_load(&c, keys, NKEYS, file, 0, err,
	    sizeof(err)), 0);
	assert_int_equal(config_int(c, "port"), 7000);
	config_free(c);

	errno = 0;
	assert_int_equal(config_write_example(keys, NKEYS,
	    "/nonexistent-dir/x.conf"), -1);
	assert_int_equal(errno, ENOENT);
}

/* Asking for an unknown key or with the wrong type aborts. */
static void
assert_aborts(int which)
{
	struct config *c = NULL;
	char err[256];
	pid_t pid;
	int status;

	assert_int_equal(config_load(&c, keys, NKEYS, file, 1, err,
	    sizeof(err)), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		signal(SIGABRT, SIG_DFL);
		switch (which) {
		case 0:
			(void)config_int(c, "nope");
			break;
		case 1:
			(void)config_str(c, "port");
			break;
		case 2:
			(void)config_bool(c, "name");
			break;
		default:
			(void)config_int(c, "verbose");
			break;
		}
		_exit(0);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFSIGNALED(status));
	assert_int_equal(WTERMSIG(status), SIGABRT);
	config_free(c);
}

static void
test_misuse_aborts(void **state)
{
	(void)state;
	for (int i = 0; i < 4; i++)
		assert_aborts(i);
}

static void
test_free_null(void **state)
{
	(void)state;
	config_free(NULL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_defaults_missing_file,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_missing_file_refused,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_empty_file_defaults,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_values, setup, teardown),
		cmocka_unit_test_setup_teardown(test_quoting, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bools, setup, teardown),
		cmocka_unit_test_setup_teardown(test_crlf, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bounds, setup, teardown),
		cmocka_unit_test_setup_teardown(test_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_line_length, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_no_final_newline, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_required_string, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_not_a_file, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_write_example, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_misuse_aborts, setup,
		    teardown),
		cmocka_unit_test(test_free_null),
		cmocka_unit_test_setup_teardown(test_enum, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
