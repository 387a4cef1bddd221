/*
 * test_org.c - the organisation CSV: a valid file, RFC 4180 quoting, CRLF,
 * BOM, every refusal with its exact line, and a 200,000-row file.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "org.h"

#define HEADER "id,parent,name,kind,headcount\n"

static char dir[64];
static char file[128];

static int
setup(void **state)
{
	(void)state;
	strcpy(dir, "/tmp/pols-test-org-XXXXXX");
	if (mkdtemp(dir) == NULL)
		return -1;
	snprintf(file, sizeof(file), "%s/org.csv", dir);
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

static struct org_unit *
parse_ok(const char *text, size_t *n)
{
	struct org_unit *u = NULL;
	char err[512] = "";

	write_file(text, strlen(text));
	if (org_parse_csv(file, &u, n, err, sizeof(err)) != 0)
		fail_msg("unexpected error: %s", err);
	assert_non_null(u);
	return u;
}

/* Parsing must fail with exactly "FILE" + suffix (":LINE: reason" or
 * ": reason"). */
static void
assert_fails_len(const char *text, size_t len, const char *suffix)
{
	struct org_unit *u = (struct org_unit *)1;
	size_t n = 99;
	char err[512] = "", want[512];

	write_file(text, len);
	assert_int_equal(org_parse_csv(file, &u, &n, err, sizeof(err)), -1);
	assert_null(u);
	assert_int_equal(n, 0);
	snprintf(want, sizeof(want), "%s%s", file, suffix);
	assert_string_equal(err, want);
}

static void
assert_fails(const char *text, const char *suffix)
{
	assert_fails_len(text, strlen(text), suffix);
}

static void
assert_unit(const struct org_unit *u, const char *id, const char *parent,
    const char *name, enum org_kind kind, long headcount, int line)
{
	assert_string_equal(u->id, id);
	assert_string_equal(u->parent, parent);
	assert_string_equal(u->name, name);
	assert_int_equal(u->kind, kind);
	assert_int_equal(u->headcount, headcount);
	assert_int_equal(u->line, line);
}

static void
test_kind_names(void **state)
{
	enum org_kind k;

	(void)state;
	assert_string_equal(org_kind_name(ORG_KORPS), "korps");
	assert_string_equal(org_kind_name(ORG_EENHEID), "eenheid");
	assert_string_equal(org_kind_name(ORG_DISTRICT), "district");
	assert_string_equal(org_kind_name(ORG_TEAM), "team");
	assert_int_equal(org_kind_parse("korps", &k), 0);
	assert_int_equal(k, ORG_KORPS);
	assert_int_equal(org_kind_parse("eenheid", &k), 0);
	assert_int_equal(k, ORG_EENHEID);
	assert_int_equal(org_kind_parse("district", &k), 0);
	assert_int_equal(k, ORG_DISTRICT);
	assert_int_equal(org_kind_parse("team", &k), 0);
	assert_int_equal(k, ORG_TEAM);
	assert_int_equal(org_kind_parse("Team", &k), -1);
	assert_int_equal(org_kind_parse("teem", &k), -1);
	assert_int_equal(org_kind_parse("", &k), -1);
}

static void
test_valid(void **state)
{
	struct org_unit *u;
	size_t n = 0;

	(void)state;
	u = parse_ok(HEADER
	    "nl,,Politie Nederland,korps,\n"
	    "on,nl,Oost-Nederland,eenheid,0\n"
	    "bt-01,d1,\"Basisteam Twente, Noord\",team,42\n"
	    "d1,on,\"District \"\"Twente\"\"\",district,\n"
	    "ost,on,Ondersteuning \xc3\xa9\xc3\xa9n,team,7\n"
	    "bt_2.x,d-elders,\"Team, \"\"quoted\"\"\",team,100000\n"
	    "\"q1\",\"on\",\"\"\"\",\"district\",\"12\"\n", &n);
	assert_int_equal(n, 7);
	assert_unit(&u[0], "nl", "", "Politie Nederland", ORG_KORPS, 0, 2);
	assert_unit(&u[1], "on", "nl", "Oost-Nederland", ORG_EENHEID, 0, 3);
	/* The child comes before its parent: fine. */
	assert_unit(&u[2], "bt-01", "d1", "Basisteam Twente, Noord", ORG_TEAM,
	    42, 4);
	assert_unit(&u[3], "d1", "on", "District \"Twente\"", ORG_DISTRICT, 0,
	    5);
	/* A team directly under an eenheid: any higher kind will do. */
	assert_unit(&u[4], "ost", "on", "Ondersteuning \xc3\xa9\xc3\xa9n",
	    ORG_TEAM, 7, 6);
	/* A parent not in the file is left for org_apply. */
	assert_unit(&u[5], "bt_2.x", "d-elders", "Team, \"quoted\"", ORG_TEAM,
	    100000, 7);
	assert_unit(&u[6], "q1", "on", "\"", ORG_DISTRICT, 12, 8);
	free(u);
}

static void
test_crlf_bom_trailing(void **state)
{
	struct org_unit *u;
	size_t n = 0;

	(void)state;
	u = parse_ok("\xef\xbb\xbfid,parent,name,kind,headcount\r\n"
	    "nl,,\"Korps, landelijk\",korps,\r\n"
	    "bt,nl,Team,team,5\r\n"
	    "\r\n\n\r\n", &n);
	assert_int_equal(n, 2);
	assert_unit(&u[0], "nl", "", "Korps, landelijk", ORG_KORPS, 0, 2);
	assert_unit(&u[1], "bt", "nl", "Team", ORG_TEAM, 5, 3);
	free(u);

	/* No final line end, mixed line ends. */
	u = parse_ok(HEADER "nl,,K,korps,\r\nbt,nl,T,team,5", &n);
	assert_int_equal(n, 2);
	assert_unit(&u[1], "bt", "nl", "T", ORG_TEAM, 5, 3);
	free(u);

	/* A BOM only at the start: elsewhere it is part of a field. */
	assert_fails("\xef\xbb\xbf\xef\xbb\xbfid,parent,name,kind,headcount\n"
	    "nl,,K,korps,\n",
	    ":1: header must be id,parent,name,kind,headcount");
}

static void
test_header_and_empty(void **state)
{
	(void)state;
	assert_fails("", ": no rows");
	assert_fails("\xef\xbb\xbf", ": no rows");
	assert_fails("\n\n", ": no rows");
	assert_fails(HEADER, ": no rows");
	assert_fails("id,parent,name,kind,headcount", ": no rows");
	assert_fails(HEADER "\r\n\n", ": no rows");
	assert_fails("id,parent,name,kind\nnl,,K,korps\n",
	    ":1: header must be id,parent,name,kind,headcount");
	assert_fails("id,parent,name,kind,headcount,extra\n",
	    ":1: header must be id,parent,name,kind,headcount");
	assert_fails("ID,parent,name,kind,headcount\nnl,,K,korps,\n",
	    ":1: header must be id,parent,name,kind,headcount");
	assert_fails("id, parent,name,kind,headcount\nnl,,K,korps,\n",
	    ":1: header must be id,parent,name,kind,headcount");
	assert_fails("nl,,K,korps,\n",
	    ":1: header must be id,parent,name,kind,headcount");
	assert_fails("\n" HEADER "nl,,K,korps,\n",
	    ":1: header must be id,parent,name,kind,headcount");
}

static void
test_field_count(void **state)
{
	(void)state;
	assert_fails(HEADER "nl,,Korps,korps\n", ":2: expected 5 fields, got 4");
	assert_fails(HEADER "nl,,K,korps,\nbt,nl,T,team,5,x\n",
	    ":3: expected 5 fields, got 6");
	/* A comma inside quotes is not a separator; outside it is. */
	assert_fails(HEADER "nl,,\"K,\",korps,\nbt,nl,T,x,team,5\n",
	    ":3: expected 5 fields, got 6");
	assert_fails(HEADER "nl,,K,korps,\n   \n",
	    ":3: expected 5 fields, got 1");
}

static void
test_quoting_errors(void **state)
{
	(void)state;
	assert_fails(HEADER "nl,,K,korps,\nbt,nl,\"Team\nTwente\",team,5\n",
	    ":3: unterminated quoted field (a quoted field may not span "
	    "lines)");
	assert_fails(HEADER "nl,,\"K\"x,korps,\n",
	    ":2: unexpected character after closing quote in field 3");
	assert_fails(HEADER "nl,,K\"x,korps,\n",
	    ":2: quote inside unquoted field 3 (quote the whole field and "
	    "double the quote)");
	assert_fails(HEADER "nl,, \"K\",korps,\n",
	    ":2: quote inside unquoted field 3 (quote the whole field and "
	    "double the quote)");
}

static void
test_kind_errors(void **state)
{
	(void)state;
	assert_fails(HEADER "nl,,K,korps,\non,nl,O,eenheid,\nd1,on,D,district,"
	    "\nbt,d1,T,teem,5\n",
	    ":5: unknown kind 'teem' (expected korps, eenheid, district or "
	    "team)");
	assert_fails(HEADER "nl,,K,Korps,\n",
	    ":2: unknown kind 'Korps' (expected korps, eenheid, district or "
	    "team)");
	assert_fails(HEADER "nl,,K,,\n",
	    ":2: unknown kind '' (expected korps, eenheid, district or "
	    "team)");
}

static void
test_id_errors(void **state)
{
	char text[512];
	char id[80];

	(void)state;
	assert_fails(HEADER "nl,,K,korps,\nbt 1,nl,T,team,5\n",
	    ":3: invalid id 'bt 1' (1 to 63 letters, digits, '_', '.' or '-', "
	    "starting with a letter or digit)");
	assert_fails(HEADER ",,K,korps,\n",
	    ":2: invalid id '' (1 to 63 letters, digits, '_', '.' or '-', "
	    "starting with a letter or digit)");
	assert_fails(HEADER "-x,,K,korps,\n",
	    ":2: invalid id '-x' (1 to 63 letters, digits, '_', '.' or '-', "
	    "starting with a letter or digit)");
	assert_fails(HEADER "nl,,K,korps,\nbt,n/l,T,team,5\n",
	    ":3: invalid parent id 'n/l'");
	/* 63 characters is the longest id. */
	memset(id, 'a', 63);
	id[63] = '\0';
	snprintf(text, sizeof(text), HEADER "%s,,K,korps,\n", id);
	{
		struct org_unit *u;
		size_t n;

		u = parse_ok(text, &n);
		assert_int_equal(n, 1);
		assert_string_equal(u[0].id, id);
		free(u);
	}
	memset(id, 'a', 64);
	id[64] = '\0';
	snprintf(text, sizeof(text), HEADER "%s,,K,korps,\n", id);
	assert_fails(text,
	    ":2: invalid id 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	    "aaaaaaaaaaa' (1 to 63 letters, digits, '_', '.' or '-', "
	    "starting with a letter or digit)");
}

static void
test_duplicates(void **state)
{
	(void)state;
	assert_fails(HEADER "nl,,K,korps,\non,nl,O,eenheid,\nbt-01,on,A,team,5\n"
	    "bt-02,on,B,team,5\nbt-03,on,C,team,5\nbt-04,on,D,team,5\n"
	    "bt-01,on,E,team,6\n",
	    ":8: duplicate id 'bt-01' (first on line 4)");
	/* Ids are case sensitive. */
	{
		struct org_unit *u;
		size_t n;

		u = parse_ok(HEADER "nl,,K,korps,\nNL,,K2,korps,\n", &n);
		assert_int_equal(n, 2);
		free(u);
	}
}

static void
test_parent_errors(void **state)
{
	(void)state;
	assert_fails(HEADER "nl,,K,korps,\non,nl,O,eenheid,\nd1,on,T,team,5\n"
	    "bt,d1,T2,team,5\n",
	    ":5: parent 'd1' is a team; a team cannot have children");
	/* The parent may come later; the message is on the child's line. */
	assert_fails(HEADER "nl,,K,korps,\ny,x,D2,district,\non,nl,O,eenheid,\n"
	    "x,on,D,district,\n",
	    ":3: parent 'x' (district) must be of a higher kind than 'y' "
	    "(district)");
	assert_fails(HEADER "nl,,K,korps,\nd1,nl,D,district,\n"
	    "on,d1,O,eenheid,\n",
	    ":4: parent 'd1' (district) must be of a higher kind than 'on' "
	    "(eenheid)");
	assert_fails(HEADER "nl,,K,korps,\nnl2,nl,K2,korps,\n",
	    ":3: korps 'nl2' cannot have a parent (got 'nl')");
	assert_fails(HEADER "nl,,K,korps,\nbt,,T,team,5\n",
	    ":3: team 'bt' must name a parent");
	assert_fails(HEADER "nl,,K,korps,\non,,O,eenheid,\n",
	    ":3: eenheid 'on' must name a parent");
	assert_fails(HEADER "nl,,K,korps,\nd1,d1,D,district,\n",
	    ":3: 'd1' cannot be its own parent");
}

static void
test_headcount_errors(void **state)
{
	struct org_unit *u;
	size_t n;

	(void)state;
	assert_fails(HEADER "nl,,K,korps,\nbt,nl,T,team,0\n",
	    ":3: invalid headcount '0' for team 'bt' (expected an integer "
	    "between 1 and 100000)");
	assert_fails(HEADER "nl,,K,korps,\nbt,nl,T,team,\n",
	    ":3: invalid headcount '' for team 'bt' (expected an integer "
	    "between 1 and 100000)");
	assert_fails(HEADER "nl,,K,korps,\nbt,nl,T,team,100001\n",
	    ":3: invalid headcount '100001' for team 'bt' (expected an integer "
	    "between 1 and 100000)");
	assert_fails(HEADER "nl,,K,korps,\nbt,nl,T,team,4.5\n",
	    ":3: invalid headcount '4.5' for team 'bt' (expected an integer "
	    "between 1 and 100000)");
	assert_fails(HEADER "nl,,K,korps,-1\n",
	    ":2: invalid headcount '-1' (expected empty or an integer between "
	    "0 and 100000)");
	assert_fails(HEADER "nl,,K,korps, 5\n",
	    ":2: invalid headcount ' 5' (expected empty or an integer between "
	    "0 and 100000)");
	assert_fails(HEADER "nl,,K,korps,99999999999999999999999\n",
	    ":2: invalid headcount '99999999999999999999999' (expected empty or "
	    "an integer between 0 and 100000)");
	u = parse_ok(HEADER "nl,,K,korps,100000\nbt,nl,T,team,1\n", &n);
	assert_int_equal(u[0].headcount, 100000);
	assert_int_equal(u[1].headcount, 1);
	free(u);
}

static void
test_name_errors(void **state)
{
	char text[512];
	char name[200];
	struct org_unit *u;
	size_t n;

	(void)state;
	assert_fails(HEADER "nl,,,korps,\n", ":2: empty name");
	assert_fails(HEADER "nl,,\"\",korps,\n", ":2: empty name");
	memset(name, 'x', 127);
	name[127] = '\0';
	snprintf(text, sizeof(text), HEADER "nl,,%s,korps,\n", name);
	u = parse_ok(text, &n);
	assert_string_equal(u[0].name, name);
	free(u);
	memset(name, 'x', 128);
	name[128] = '\0';
	snprintf(text, sizeof(text), HEADER "nl,,%s,korps,\n", name);
	assert_fails(text, ":2: name is longer than 127 bytes");
	assert_fails(HEADER "nl,,\"a\tb\",korps,\n",
	    ":2: name 'a?b' contains a control character");
	assert_fails(HEADER "nl,,a\rb,korps,\n",
	    ":2: name 'a?b' contains a control character");
	assert_fails(HEADER "nl,,a\x7f,korps,\n",
	    ":2: name 'a?' contains a control character");
	assert_fails(HEADER "nl,,a\xc2\x85,korps,\n",
	    ":2: name 'a\xc2\x85' contains a control character");
	assert_fails(HEADER "nl,,caf\xe9,korps,\n", ":2: name is not valid UTF-8");
	assert_fails(HEADER "nl,,\xff,korps,\n", ":2: name is not valid UTF-8");
	assert_fails(HEADER "nl,,\xc0\xaf,korps,\n", ":2: name is not valid UTF-8");
	assert_fails(HEADER "nl,,\xe0\x80\xaf,korps,\n",
	    ":2: name is not valid UTF-8");
	assert_fails(HEADER "nl,,\xed\xa0\x80,korps,\n",
	    ":2: name is not valid UTF-8");
	assert_fails(HEADER "nl,,\xf4\x90\x80\x80,korps,\n",
	    ":2: name is not valid UTF-8");
	assert_fails(HEADER "nl,,\xe2\x82,korps,\n",
	    ":2: name is not valid UTF-8");
	/* Four-byte UTF-8 is fine. */
	u = parse_ok(HEADER "nl,,K \xf0\x9f\x9a\x93,korps,\n", &n);
	assert_string_equal(u[0].name, "K \xf0\x9f\x9a\x93");
	free(u);
}

static void
test_line_errors(void **state)
{
	char text[2048];
	size_t len;

	(void)state;
	assert_fails(HEADER "nl,,K,korps,\n\nbt,nl,T,team,5\n",
	    ":3: blank line between rows");
	assert_fails_len(HEADER "nl,,K\0,korps,\n", sizeof(HEADER) - 1 + 14,
	    ":2: line contains a NUL byte");
	len = strlen(HEADER "nl,,K,korps,\n");
	memcpy(text, HEADER "nl,,K,korps,\n", len);
	memset(text + len, 'x', 1100);
	text[len + 1100] = '\0';
	assert_fails(text, ":3: line is longer than 1024 bytes");
	strcpy(text + len + 1100, "\n");
	assert_fails(text, ":3: line is longer than 1024 bytes");
}

static void
test_missing_file(void **state)
{
	struct org_unit *u = (struct org_unit *)1;
	size_t n = 5;
	char err[256], want[256];

	(void)state;
	assert_int_equal(org_parse_csv(file, &u, &n, err, sizeof(err)), -1);
	assert_null(u);
	assert_int_equal(n, 0);
	snprintf(want, sizeof(want), "%s: No such file or directory", file);
	assert_string_equal(err, want);
}

/* Write a file of rows data rows: 1 korps, 10 eenheden, 100 districts,
 * teams for the rest; last, when given, replaces the last row. */
static void
write_big(size_t rows, const char *last)
{
	FILE *f = fopen(file, "wb");

	assert_non_null(f);
	fputs(HEADER, f);
	for (size_t i = 0; i < rows; i++) {
		if (i == rows - 1 && last != NULL)
			fputs(last, f);
		else if (i == 0)
			fputs("nl,,Politie,korps,\n", f);
		else if (i <= 10)
			fprintf(f, "e%zu,nl,Eenheid %zu,eenheid,\n", i, i);
		else if (i <= 110)
			fprintf(f, "d%zu,e%zu,\"District %zu, Zuid\",district,\n",
			    i, 1 + i % 10, i);
		else
			fprintf(f, "t%zu,d%zu,Team %zu,team,%zu\n", i,
			    11 + i % 100, i, 1 + i % 90);
	}
	assert_int_equal(fclose(f), 0);
}

static double
seconds_since(const struct timespec *t0)
{
	struct timespec t1;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (double)(t1.tv_sec - t0->tv_sec) +
	    (double)(t1.tv_nsec - t0->tv_nsec) / 1e9;
}

static void
test_big_file(void **state)
{
	struct org_unit *u = NULL;
	struct timespec t0;
	size_t n = 0;
	char err[512] = "", want[512];

	(void)state;
	write_big(ORG_MAX_ROWS, NULL);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (org_parse_csv(file, &u, &n, err, sizeof(err)) != 0)
		fail_msg("unexpected error: %s", err);
	/* Generous for sanitizer builds; an O(n^2) check takes minutes. */
	assert_true(seconds_since(&t0) < 10.0);
	assert_int_equal(n, ORG_MAX_ROWS);
	assert_unit(&u[0], "nl", "", "Politie", ORG_KORPS, 0, 2);
	assert_unit(&u[42], "d42", "e3", "District 42, Zuid", ORG_DISTRICT, 0,
	    44);
	assert_unit(&u[ORG_MAX_ROWS - 1], "t199999", "d110", "Team 199999",
	    ORG_TEAM, 1 + 199999 % 90, ORG_MAX_ROWS + 1);
	free(u);

	/* A duplicate on the last line of a full file. */
	write_big(ORG_MAX_ROWS, "t150,d11,Again,team,3\n");
	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_int_equal(org_parse_csv(file, &u, &n, err, sizeof(err)), -1);
	assert_true(seconds_since(&t0) < 10.0);
	snprintf(want, sizeof(want), "%s:%d: duplicate id 't150' (first on "
	    "line 152)", file, ORG_MAX_ROWS + 1);
	assert_string_equal(err, want);

	/* One row too many. */
	write_big(ORG_MAX_ROWS + 1, NULL);
	assert_int_equal(org_parse_csv(file, &u, &n, err, sizeof(err)), -1);
	snprintf(want, sizeof(want), "%s:%d: more than %d rows", file,
	    ORG_MAX_ROWS + 2, ORG_MAX_ROWS);
	assert_string_equal(err, want);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_kind_names),
		cmocka_unit_test_setup_teardown(test_valid, setup, teardown),
		cmocka_unit_test_setup_teardown(test_crlf_bom_trailing, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_header_and_empty, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_field_count, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_quoting_errors, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_kind_errors, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_id_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_duplicates, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_parent_errors, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_headcount_errors, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_name_errors, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_line_errors, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_missing_file, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_big_file, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
