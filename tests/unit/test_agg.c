/*
 * test_agg.c - unit tests for common/agg.c: counting responses, the Counts
 * JSON (exact output, round trip, hostile input), agg_check against a
 * form, merging, and refusal to overflow.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agg.h"
#include "form.h"

static char *
dq(const char *s)
{
	char *d = strdup(s), *p;

	assert_non_null(d);
	for (p = d; *p; p++)
		if (*p == '\'')
			*p = '"';
	return d;
}

#define TXT "'text':{'nl':'vraag','en':'question'}"
#define OPT(v) "{'value':'" v "','label':{'nl':'" v "','en':'" v "'}}"

/* s: scale0_10 required, y: yesno, m: multi if y == true, c: choice */
static struct form *
test_form(void)
{
	char *j = dq("{'id':'t','version':2,'title':{'nl':'T','en':'T'},"
	    "'period':'month','items':["
	    "{'id':'s','type':'scale0_10'," TXT ",'required':true},"
	    "{'id':'y','type':'yesno'," TXT "},"
	    "{'id':'m','type':'multi'," TXT ",'show_if':'y == true',"
	    "'options':[" OPT("p") "," OPT("q") "," OPT("r") "]},"
	    "{'id':'c','type':'choice'," TXT ",'options':[" OPT("a") ","
	    OPT("b") "]}]}");
	struct form *f = NULL;
	char err[256] = "";

	if (form_parse(j, strlen(j), &f, err, sizeof err) != 0)
		fail_msg("form_parse: %s", err);
	free(j);
	return f;
}

static void
add(struct agg *a, const struct form *f, const char *answers)
{
	char *j = dq(answers), err[256] = "";
	cJSON *o = cJSON_Parse(j);
	struct form_response r;

	free(j);
	assert_non_null(o);
	if (form_response_parse(f, o, &r, err, sizeof err) != 0)
		fail_msg("response %s: %s", answers, err);
	cJSON_Delete(o);
	assert_int_equal(agg_add(a, f, &r), 0);
	form_response_clear(&r);
}

static struct agg *
from_json_ok(const char *sq)
{
	char *j = dq(sq), err[256] = "";
	struct agg *a = NULL;

	if (agg_from_json(j, strlen(j), &a, err, sizeof err) != 0)
		fail_msg("agg_from_json: %s", err);
	free(j);
	assert_non_null(a);
	return a;
}

static void
from_json_fail(const char *sq, const char *want)
{
	char *j = dq(sq), err[256] = "";
	struct agg *a = (struct agg *)1;

	if (agg_from_json(j, strlen(j), &a, err, sizeof err) == 0)
		fail_msg("agg_from_json accepted %s", sq);
	assert_null(a);
	if (strstr(err, want) == NULL)
		fail_msg("error '%s' lacks '%s'", err, want);
	free(j);
}

static void
assert_json(const struct agg *a, const char *sq)
{
	char *want = dq(sq), *got = agg_to_json(a);

	assert_non_null(got);
	assert_string_equal(got, want);
	free(got);
	free(want);
}

static void
check_fail(const char *sq, const struct form *f, const char *want)
{
	struct agg *a = from_json_ok(sq);
	char err[256] = "";

	if (agg_check(a, f, err, sizeof err) == 0)
		fail_msg("agg_check accepted %s", sq);
	if (strstr(err, want) == NULL)
		fail_msg("error '%s' lacks '%s'", err, want);
	agg_free(a);
}

#define S_ZERO "'0':0,'1':0,'2':0,'3':0,'4':0,'5':0,'6':0,'7':0,'8':0," \
	"'9':0,'10':0"

static const char four[] = "{'n':4,'items':["
    "{'id':'s','counts':{'0':1,'1':0,'2':0,'3':0,'4':0,'5':0,'6':0,'7':2,"
    "'8':0,'9':0,'10':1,'_na':0,'_ns':0}},"
    "{'id':'y','counts':{'true':2,'false':1,'_na':1,'_ns':0}},"
    "{'id':'m','counts':{'p':1,'q':1,'r':0,'_na':1,'_ns':2}},"
    "{'id':'c','counts':{'a':2,'b':1,'_na':1,'_ns':0}}]}";

static struct agg *
four_responses(const struct form *f)
{
	struct agg *a = agg_new(f);

	assert_non_null(a);
	add(a, f, "{'s':7,'y':true,'m':['q','p'],'c':'a'}");
	add(a, f, "{'s':7,'y':false,'c':'b'}");
	add(a, f, "{'s':0,'y':null,'c':null}");
	add(a, f, "{'s':10,'y':true,'m':null,'c':'a'}");
	return a;
}

static void
test_new_empty(void **state)
{
	struct form *f = test_form();
	struct agg *a = agg_new(f);
	char err[256] = "";

	(void)state;
	assert_non_null(a);
	assert_int_equal(agg_n(a), 0);
	assert_json(a, "{'n':0,'items':[{'id':'s','counts':{" S_ZERO
	    ",'_na':0,'_ns':0}},"
	    "{'id':'y','counts':{'true':0,'false':0,'_na':0,'_ns':0}},"
	    "{'id':'m','counts':{'p':0,'q':0,'r':0,'_na':0,'_ns':0}},"
	    "{'id':'c','counts':{'a':0,'b':0,'_na':0,'_ns':0}}]}");
	assert_int_equal(agg_check(a, f, err, sizeof err), 0);
	agg_free(a);
	agg_free(NULL);
	assert_int_equal(agg_n(NULL), 0);
	form_free(f);
}

static void
test_add_counts(void **state)
{
	struct form *f = test_form();
	struct agg *a = four_responses(f);
	char err[256] = "";

	(void)state;
	assert_int_equal(agg_n(a), 4);
	assert_json(a, four);
	if (agg_check(a, f, err, sizeof err) != 0)
		fail_msg("agg_check: %s", err);
	agg_free(a);
	form_free(f);
}

static void
test_add_refused(void **state)
{
	struct form *f = test_form();
	struct agg *a = agg_new(f), *other;
	struct form_answer ans[4];
	struct form_response r = { 4, ans };
	struct form_response short_r = { 3, ans };
	char *before;

	(void)state;
	memset(ans, 0, sizeof ans);
	ans[0].state = FORM_ANSWERED;
	ans[0].value = 11; /* no such option */
	assert_int_equal(agg_add(a, f, &r), -1);
	ans[0].value = 3;
	assert_int_equal(agg_add(a, f, &short_r), -1);
	ans[2].state = FORM_ANSWERED;
	ans[2].value = 8; /* bit 3: only 3 options */
	assert_int_equal(agg_add(a, f, &r), -1);
	assert_int_equal(agg_n(a), 0);
	ans[2].value = 5;
	assert_int_equal(agg_add(a, f, &r), 0);
	assert_int_equal(agg_n(a), 1);

	/* an aggregate of another layout is refused, unchanged */
	other = from_json_ok("{'n':0,'items':[{'id':'s','counts':{'_na':0,"
	    "'_ns':0}}]}");
	before = agg_to_json(other);
	assert_int_equal(agg_add(other, f, &r), -1);
	assert_json(other, before);
	free(before);
	agg_free(other);
	agg_free(a);
	form_free(f);
}

static void
test_add_overflow(void **state)
{
	struct form *f = test_form();
	struct agg *a;
	char buf[1024];
	struct form_answer ans[4];
	struct form_response r = { 4, ans };

	(void)state;
	snprintf(buf, sizeof buf, "{'n':%u,'items':["
	    "{'id':'s','counts':{" S_ZERO ",'_na':0,'_ns':%u}},"
	    "{'id':'y','counts':{'true':0,'false':0,'_na':0,'_ns':%u}},"
	    "{'id':'m','counts':{'p':0,'q':0,'r':0,'_na':0,'_ns':%u}},"
	    "{'id':'c','counts':{'a':0,'b':0,'_na':0,'_ns':%u}}]}",
	    AGG_MAX_COUNT, AGG_MAX_COUNT, AGG_MAX_COUNT, AGG_MAX_COUNT,
	    AGG_MAX_COUNT);
	a = from_json_ok(buf);
	memset(ans, 0, sizeof ans);
	ans[0].state = FORM_ANSWERED;
	assert_int_equal(agg_add(a, f, &r), -1);
	assert_int_equal(agg_n(a), AGG_MAX_COUNT);
	assert_json(a, buf);
	agg_free(a);
	form_free(f);
}

static void
test_round_trip(void **state)
{
	struct form *f = test_form();
	struct agg *a = four_responses(f), *b = NULL;
	char *j1 = agg_to_json(a), *j2, err[256] = "";

	(void)state;
	assert_int_equal(agg_from_json(j1, strlen(j1), &b, err, sizeof err), 0);
	assert_int_equal(agg_n(b), 4);
	j2 = agg_to_json(b);
	assert_string_equal(j1, j2);
	assert_int_equal(agg_check(b, f, err, sizeof err), 0);
	/* keeps on counting after the trip */
	add(b, f, "{'s':1}");
	assert_int_equal(agg_n(b), 5);
	assert_int_equal(agg_check(b, f, err, sizeof err), 0);
	free(j1);
	free(j2);
	agg_free(a);
	agg_free(b);

	/* whitespace and another key order are fine; output is canonical */
	b = from_json_ok(" { 'items' : [ { 'counts' : { '_ns' : 0, 'x' : 2, "
	    "'_na' : 1 }, 'id' : 'k' } ], 'n' : 3 }\n");
	assert_json(b, "{'n':3,'items':[{'id':'k','counts':{'x':2,'_na':1,"
	    "'_ns':0}}]}");
	agg_free(b);
	form_free(f);
}

static void
test_from_json_bad(void **state)
{
	char *big;
	size_t i, len;
	char err[256];
	struct agg *a = NULL;

	(void)state;
	from_json_fail("{'n':1", "not valid JSON");
	from_json_fail("{'n':0,'items':[]} {}", "not valid JSON");
	from_json_fail("[]", "not a JSON object");
	from_json_fail("{'n':0,'items':[],'x':1}", "unknown key 'x'");
	from_json_fail("{'n':0,'n':0,'items':[]}", "duplicate key 'n'");
	from_json_fail("{'items':[]}", "missing 'n'");
	from_json_fail("{'n':-1,'items':[]}", "'n' is negative");
	from_json_fail("{'n':1.5,'items':[]}", "'n' is not an integer");
	from_json_fail("{'n':'1','items':[]}", "'n' is not an integer");
	from_json_fail("{'n':100000001,'items':[]}", "'n' exceeds 100000000");
	from_json_fail("{'n':1e300,'items':[]}", "'n' exceeds 100000000");
	from_json_fail("{'n':0}", "missing 'items' array");
	from_json_fail("{'n':2,'items':[{'id':'a','counts':{'x':-1,'_na':0,"
	    "'_ns':0}}]}", "item 'a': count for 'x' is negative");
	from_json_fail("{'n':2,'items':[{'id':'a','counts':{'x':1.5,'_na':0,"
	    "'_ns':0}}]}", "item 'a': count for 'x' is not an integer");
	from_json_fail("{'n':2,'items':[{'id':'a','counts':{'x':'1','_na':0,"
	    "'_ns':0}}]}", "item 'a': count for 'x' is not an integer");
	from_json_fail("{'n':2,'items':[{'id':'a','counts':{'x':null,'_na':0,"
	    "'_ns':0}}]}", "item 'a': count for 'x' is not an integer");
	from_json_fail("{'n':2,'items':[{'id':'a','counts':{'x':1e12,'_na':0,"
	    "'_ns':0}}]}", "item 'a': count for 'x' exceeds 100000000");
	from_json_fail("{'n':2,'items':[{'id':'a','counts':{'x':3,'_na':0,"
	    "'_ns':0}}]}", "item 'a': count for 'x' is 3, more than n (2)");
	from_json_fail("{'n':2,'items':[{'id':'a','counts':{'x':0,'_na':2,"
	    "'_ns':1}}]}", "item 'a': _na and _ns sum to 3, n is 2");
	from_json_fail("{'n':2,'items':[{'id':'a','counts':{'x':0,'_ns':0}}]}",
	    "item 'a': missing '_na'");
	from_json_fail("{'n':2,'items':[{'id':'a','counts':{'x':0,'_na':0}}]}",
	    "item 'a': missing '_ns'");
	from_json_fail("{'n':2,'items':[{'id':'a','counts':{'X':0,'_na':0,"
	    "'_ns':0}}]}", "item 'a': invalid option value 'X'");
	from_json_fail("{'n':2,'items':[{'id':'a','counts':{'_x':0,'_na':0,"
	    "'_ns':0}}]}", "item 'a': invalid option value '_x'");
	from_json_fail("{'n':2,'items':[{'id':'a','counts':{'x':0,'x':1,'_na':0,"
	    "'_ns':0}}]}", "item 'a': duplicate key 'x'");
	from_json_fail("{'n':2,'items':[{'id':'a','counts':{'_na':0,'_ns':0}},"
	    "{'id':'a','counts':{'_na':0,'_ns':0}}]}", "duplicate item 'a'");
	from_json_fail("{'n':2,'items':[{'id':'A','counts':{'_na':0,'_ns':0}}]}",
	    "item #1: missing or invalid 'id'");
	from_json_fail("{'n':2,'items':[{'id':'a','counts':{'_na':0,'_ns':0},"
	    "'sum':2}]}", "item #1: unknown key 'sum'");
	from_json_fail("{'n':2,'items':[{'id':'a','counts':[]}]}",
	    "item 'a': missing 'counts' object");
	from_json_fail("{'n':2,'items':[7]}", "item #1: must be an object");

	/* too many items, too many options */
	big = malloc(64 * 1024);
	assert_non_null(big);
	len = (size_t)sprintf(big, "{\"n\":0,\"items\":[");
	for (i = 0; i < FORM_MAX_ITEMS + 1; i++)
		len += (size_t)sprintf(big + len, "%s{\"id\":\"i%zu\",\"counts\":"
		    "{\"_na\":0,\"_ns\":0}}", i ? "," : "", i);
	len += (size_t)sprintf(big + len, "]}");
	assert_int_equal(agg_from_json(big, len, &a, err, sizeof err), -1);
	assert_non_null(strstr(err, "more than 256 items"));
	/* exactly 256 is fine */
	len = (size_t)(strstr(big, ",{\"id\":\"i256\"") - big);
	len += (size_t)sprintf(big + len, "]}");
	assert_int_equal(agg_from_json(big, len, &a, err, sizeof err), 0);
	agg_free(a);

	len = (size_t)sprintf(big, "{\"n\":0,\"items\":[{\"id\":\"a\","
	    "\"counts\":{\"_na\":0,\"_ns\":0");
	for (i = 0; i < FORM_MAX_OPTIONS + 1; i++)
		len += (size_t)sprintf(big + len, ",\"o%zu\":0", i);
	len += (size_t)sprintf(big + len, "}}]}");
	assert_int_equal(agg_from_json(big, len, &a, err, sizeof err), -1);
	assert_non_null(strstr(err, "item 'a': more than 32 options"));
	free(big);
}

static void
test_check_bad(void **state)
{
	struct form *f = test_form();
	static const char y[] =
	    "{'id':'y','counts':{'true':2,'false':1,'_na':1,'_ns':0}},";
	static const char m[] =
	    "{'id':'m','counts':{'p':1,'q':1,'r':0,'_na':1,'_ns':2}},";
	static const char c[] =
	    "{'id':'c','counts':{'a':2,'b':1,'_na':1,'_ns':0}}";
	static const char s[] = "{'id':'s','counts':{'0':1,'1':0,'2':0,'3':0,"
	    "'4':0,'5':0,'6':0,'7':2,'8':0,'9':0,'10':1,'_na':0,'_ns':0}},";
	char buf[2048];

	(void)state;
	/* sum mismatch: s loses one */
	snprintf(buf, sizeof buf, "{'n':4,'items':[{'id':'s','counts':{'0':1,"
	    "'1':0,'2':0,'3':0,'4':0,'5':0,'6':0,'7':1,'8':0,'9':0,'10':1,"
	    "'_na':0,'_ns':0}},%s%s%s]}", y, m, c);
	check_fail(buf, f, "item 's': counts sum to 3, n is 4");
	/* missing option '5' */
	snprintf(buf, sizeof buf, "{'n':4,'items':[{'id':'s','counts':{'0':1,"
	    "'1':0,'2':0,'3':0,'4':0,'6':0,'7':2,'8':0,'9':0,'10':1,"
	    "'_na':0,'_ns':0}},%s%s%s]}", y, m, c);
	check_fail(buf, f, "item 's': missing option '5'");
	/* unknown option '11' */
	snprintf(buf, sizeof buf, "{'n':4,'items':[{'id':'s','counts':{'0':1,"
	    "'1':0,'2':0,'3':0,'4':0,'5':0,'6':0,'7':2,'8':0,'9':0,'10':1,"
	    "'11':0,'_na':0,'_ns':0}},%s%s%s]}", y, m, c);
	check_fail(buf, f, "item 's': unknown option '11'");
	/* unknown item */
	snprintf(buf, sizeof buf, "{'n':4,'items':[%s%s%s%s,"
	    "{'id':'zz','counts':{'_na':4,'_ns':0}}]}", s, y, m, c);
	check_fail(buf, f, "unknown item 'zz'");
	/* missing item */
	snprintf(buf, sizeof buf, "{'n':4,'items':[%s%s%s{'id':'k','counts':{"
	    "'_na':4,'_ns':0}}]}", s, y, m);
	check_fail(buf, f, "unknown item 'k'");
	snprintf(buf, sizeof buf, "{'n':4,'items':[%s%s%.*s]}", s, y,
	    (int)strlen(m) - 1, m);
	check_fail(buf, f, "item 'c': missing");
	/* multi: an option chosen more often than respondents answered */
	snprintf(buf, sizeof buf, "{'n':4,'items':[%s%s{'id':'m','counts':{"
	    "'p':2,'q':1,'r':0,'_na':1,'_ns':2}},%s]}", s, y, c);
	check_fail(buf, f, "item 'm': option 'p' counted 2 times, 1 answered");
	/* multi: sums may exceed n, each option at most n - _na - _ns */
	snprintf(buf, sizeof buf, "{'n':4,'items':[%s%s{'id':'m','counts':{"
	    "'p':1,'q':1,'r':1,'_na':0,'_ns':3}},%s]}", s, y, c);
	{
		struct agg *a = from_json_ok(buf);
		char err[256] = "";

		if (agg_check(a, f, err, sizeof err) != 0)
			fail_msg("agg_check: %s", err);
		agg_free(a);
	}
	form_free(f);
}

static void
test_merge_same_form(void **state)
{
	struct form *f = test_form();
	struct agg *a = four_responses(f), *b = four_responses(f);
	char err[256] = "";

	(void)state;
	add(b, f, "{'s':5,'y':true,'m':['r'],'c':'b'}");
	assert_int_equal(agg_merge(a, b), 0);
	assert_int_equal(agg_n(a), 9);
	assert_json(a, "{'n':9,'items':["
	    "{'id':'s','counts':{'0':2,'1':0,'2':0,'3':0,'4':0,'5':1,'6':0,"
	    "'7':4,'8':0,'9':0,'10':2,'_na':0,'_ns':0}},"
	    "{'id':'y','counts':{'true':5,'false':2,'_na':2,'_ns':0}},"
	    "{'id':'m','counts':{'p':2,'q':2,'r':1,'_na':2,'_ns':4}},"
	    "{'id':'c','counts':{'a':4,'b':3,'_na':2,'_ns':0}}]}");
	assert_int_equal(agg_check(a, f, err, sizeof err), 0);
	/* from is untouched */
	assert_int_equal(agg_n(b), 5);
	assert_int_equal(agg_merge(a, a), -1);
	assert_int_equal(agg_merge(NULL, b), -1);
	agg_free(a);
	agg_free(b);
	form_free(f);
}

static void
test_merge_one_side(void **state)
{
	struct agg *a, *b;

	(void)state;
	a = from_json_ok("{'n':3,'items':["
	    "{'id':'s','counts':{'1':2,'2':1,'_na':0,'_ns':0}},"
	    "{'id':'y','counts':{'true':1,'false':1,'_na':1,'_ns':0}}]}");
	b = from_json_ok("{'n':2,'items':["
	    "{'id':'y','counts':{'false':1,'maybe':1,'_na':0,'_ns':0}},"
	    "{'id':'c','counts':{'a':1,'_na':1,'_ns':0}}]}");
	assert_int_equal(agg_merge(a, b), 0);
	assert_int_equal(agg_n(a), 5);
	/* s only in a: b's 2 respondents become _ns; c only in b: a's 3;
	 * option 'maybe' only in b is appended */
	assert_json(a, "{'n':5,'items':["
	    "{'id':'s','counts':{'1':2,'2':1,'_na':0,'_ns':2}},"
	    "{'id':'y','counts':{'true':1,'false':2,'maybe':1,'_na':1,'_ns':0}},"
	    "{'id':'c','counts':{'a':1,'_na':1,'_ns':3}}]}");
	agg_free(a);

	/* into empty of items */
	a = from_json_ok("{'n':0,'items':[]}");
	assert_int_equal(agg_merge(a, b), 0);
	assert_json(a, "{'n':2,'items':["
	    "{'id':'y','counts':{'false':1,'maybe':1,'_na':0,'_ns':0}},"
	    "{'id':'c','counts':{'a':1,'_na':1,'_ns':0}}]}");
	agg_free(a);
	agg_free(b);
}

static void
test_merge_overflow(void **state)
{
	char buf[512], *before;
	struct agg *a, *b;
	unsigned half = AGG_MAX_COUNT / 2;

	(void)state;
	snprintf(buf, sizeof buf, "{'n':%u,'items':[{'id':'s','counts':"
	    "{'1':%u,'_na':0,'_ns':0}}]}", AGG_MAX_COUNT, AGG_MAX_COUNT);
	a = from_json_ok(buf);
	b = from_json_ok("{'n':1,'items':[{'id':'s','counts':{'1':1,'_na':0,"
	    "'_ns':0}}]}");
	before = agg_to_json(a);
	assert_int_equal(agg_merge(a, b), -1);
	assert_json(a, before);
	free(before);
	agg_free(a);

	/* up to the cap exactly is fine, one respondent more is refused */
	snprintf(buf, sizeof buf, "{'n':%u,'items':[{'id':'s','counts':"
	    "{'1':%u,'_na':0,'_ns':0}}]}", half, half);
	a = from_json_ok(buf);
	agg_free(b);
	snprintf(buf, sizeof buf, "{'n':%u,'items':[{'id':'s','counts':"
	    "{'1':%u,'_na':0,'_ns':0}}]}", AGG_MAX_COUNT - half,
	    AGG_MAX_COUNT - half);
	b = from_json_ok(buf);
	assert_int_equal(agg_merge(a, b), 0);
	assert_int_equal(agg_n(a), AGG_MAX_COUNT);
	agg_free(b);
	b = from_json_ok("{'n':0,'items':[]}");
	assert_int_equal(agg_merge(a, b), 0);
	agg_free(b);
	b = from_json_ok("{'n':1,'items':[]}");
	before = agg_to_json(a);
	assert_int_equal(agg_merge(a, b), -1);
	assert_json(a, before);
	free(before);
	agg_free(a);
	agg_free(b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_new_empty),
		cmocka_unit_test(test_add_counts),
		cmocka_unit_test(test_add_refused),
		cmocka_unit_test(test_add_overflow),
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_from_json_bad),
		cmocka_unit_test(test_check_bad),
		cmocka_unit_test(test_merge_same_form),
		cmocka_unit_test(test_merge_one_side),
		cmocka_unit_test(test_merge_overflow),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
