/*
 * test_form.c - unit tests for common/form.c: form validation with exact
 * error messages, show_if parsing and evaluation, response checking, and
 * the shipped Team Thermometer form.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "form.h"

/* Test JSON is written with ' for " to stay readable. */
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

static char *
form_json(const char *items, const char *tail)
{
	static const char head[] = "{'id':'t','version':1,"
	    "'title':{'nl':'T','en':'T'},'period':'week','items':[";
	size_t n = strlen(head) + strlen(items) + strlen(tail) + 3;
	char *s = malloc(n), *d;

	assert_non_null(s);
	snprintf(s, n, "%s%s]%s}", head, items, tail);
	d = dq(s);
	free(s);
	return d;
}

static struct form *
parse_ok(const char *items, const char *tail)
{
	char *j = form_json(items, tail), err[256] = "";
	struct form *f = NULL;

	if (form_parse(j, strlen(j), &f, err, sizeof err) != 0)
		fail_msg("form_parse failed: %s", err);
	free(j);
	assert_non_null(f);
	return f;
}

static void
parse_fail_raw(const char *json, const char *want)
{
	char *j = dq(json), err[256] = "";
	struct form *f = (struct form *)1;

	if (form_parse(j, strlen(j), &f, err, sizeof err) == 0)
		fail_msg("form_parse accepted, wanted '%s'", want);
	assert_null(f);
	if (strstr(err, want) == NULL)
		fail_msg("error '%s' lacks '%s'", err, want);
	free(j);
}

static void
parse_fail(const char *items, const char *tail, const char *want)
{
	char *j = form_json(items, tail);

	parse_fail_raw(j, want);
	free(j);
}

#define TXT "'text':{'nl':'vraag','en':'question'}"
#define LBL(x) "'label':{'nl':'" x "','en':'" x "'}"
#define ITEM(id, type) "{'id':'" id "','type':'" type "'," TXT "}"
#define ITEM_IF(id, type, cond) \
	"{'id':'" id "','type':'" type "'," TXT ",'show_if':'" cond "'}"
#define CHOICE(id, type, cond) \
	"{'id':'" id "','type':'" type "'," TXT cond ",'options':[" \
	"{'value':'x'," LBL("x") "},{'value':'y'," LBL("y") "}," \
	"{'value':'z'," LBL("z") "}]}"

/* ---- valid forms -------------------------------------------------------- */

static void
test_parse_generated_options(void **state)
{
	struct form *f;
	const struct form_item *it;

	(void)state;
	f = parse_ok(ITEM("l", "likert5") "," ITEM("fq", "freq5") ","
	    ITEM("yn", "yesno") ","
	    "{'id':'s','type':'scale0_10'," TXT ",'anchors':{"
	    "'low':{'nl':'laag','en':'low'},'high':{'nl':'hoog','en':'high'}}}",
	    "");
	assert_string_equal(f->id, "t");
	assert_int_equal(f->version, 1);
	assert_int_equal(f->period, PERIOD_WEEK);
	assert_int_equal(f->n_items, 4);
	assert_int_equal(f->n_scales, 0);

	it = &f->items[0];
	assert_int_equal(it->type, FORM_LIKERT5);
	assert_int_equal(it->n_options, 5);
	assert_string_equal(it->options[0].value, "1");
	assert_string_equal(it->options[4].value, "5");
	assert_string_equal(it->options[0].label.nl, "helemaal oneens");
	assert_string_equal(it->options[4].label.en, "strongly agree");
	assert_false(it->required);
	assert_null(it->cond);

	it = &f->items[1];
	assert_string_equal(it->options[0].label.nl, "nooit");
	assert_string_equal(it->options[4].label.en, "always");

	it = &f->items[2];
	assert_int_equal(it->n_options, 2);
	assert_string_equal(it->options[0].value, "true");
	assert_string_equal(it->options[1].value, "false");
	assert_string_equal(it->options[0].label.nl, "ja");
	assert_string_equal(it->options[1].label.en, "no");

	it = &f->items[3];
	assert_int_equal(it->n_options, 11);
	assert_string_equal(it->options[0].value, "0");
	assert_string_equal(it->options[10].value, "10");
	assert_string_equal(it->options[0].label.nl, "laag");
	assert_string_equal(it->options[10].label.en, "high");
	assert_null(it->options[5].label.nl);

	assert_int_equal(form_item_index(f, "yn"), 2);
	assert_int_equal(form_item_index(f, "nope"), -1);
	assert_int_equal(form_option_index(&f->items[3], "7"), 7);
	assert_int_equal(form_option_index(&f->items[3], "11"), -1);
	form_free(f);
	form_free(NULL);
}

static void
test_parse_labels_and_scales(void **state)
{
	struct form *f;

	(void)state;
	f = parse_ok("{'id':'l','type':'likert5'," TXT ",'reverse':true,"
	    "'required':true,'options':[{'nl':'a','en':'A'},{'nl':'b','en':'B'},"
	    "{'nl':'c','en':'C'},{'nl':'d','en':'D'},{'nl':'e','en':'E'}]},"
	    ITEM("m", "likert5"),
	    ",'scales':[{'id':'sc','name':{'nl':'S','en':'S'},"
	    "'items':['l','m'],'direction':'higher_is_worse',"
	    "'cut':{'amber':50,'red':75}}]");
	assert_true(f->items[0].reverse);
	assert_true(f->items[0].required);
	assert_string_equal(f->items[0].options[2].label.en, "C");
	assert_int_equal(f->n_scales, 1);
	assert_string_equal(f->scales[0].id, "sc");
	assert_int_equal(f->scales[0].n_items, 2);
	assert_string_equal(f->scales[0].items[1], "m");
	assert_int_equal(f->scales[0].direction, FORM_HIGHER_IS_WORSE);
	assert_true(f->scales[0].cut_amber == 50.0);
	assert_true(f->scales[0].cut_red == 75.0);
	form_free(f);
}

/* ---- invalid forms ------------------------------------------------------ */

static void
test_bad_structure(void **state)
{
	(void)state;
	parse_fail_raw("{'id':'t'", "not valid JSON");
	parse_fail_raw("{'id':'t'} x", "not valid JSON");
	parse_fail_raw("[1]", "not a JSON object");
	parse_fail("", "", "'items' must be an array of 1 to 256");
	parse_fail(ITEM("a", "yesno"), ",'titel':1", "unknown key 'titel'");
	parse_fail(ITEM("a", "yesno"), ",'period':'week'",
	    "duplicate key 'period'");
	parse_fail("{'id':'a','type':'yesno'," TXT ",'requird':true}", "",
	    "item 'a': unknown key 'requird'");
	parse_fail("{'id':'a','type':'yesno'," TXT ",'required':1}", "",
	    "item 'a': 'required' must be true or false");
	parse_fail("{'id':'a','type':'yesno','text':{'nl':'x'}}", "",
	    "item 'a': 'text': missing text 'en'");
	parse_fail("{'id':'a','type':'yesno'}", "", "item 'a': missing 'text'");
	parse_fail("{'type':'yesno'," TXT "}", "", "item #1: missing 'id'");
	parse_fail(ITEM("Abc", "yesno"), "", "item #1: invalid id 'Abc'");
	parse_fail(ITEM("a", "yesno") "," ITEM("-b", "yesno"), "",
	    "item #2: invalid id '-b'");
	/* 64 characters: one too many */
	parse_fail(ITEM("abcdefghijabcdefghijabcdefghijabcdefghijabcdefghij"
	    "abcdefghijabcd", "yesno"), "", "item #1: invalid id 'abcdefghij");
}

static void
test_bad_type_and_duplicate(void **state)
{
	struct form *f;

	(void)state;
	parse_fail(ITEM("a", "slider"), "", "item 'a': unknown type 'slider'");
	parse_fail(ITEM("a", "yesno") "," ITEM("b", "yesno") ","
	    ITEM("a", "likert5"), "", "duplicate item id 'a'");
	/* the longest valid id: 63 characters */
	f = parse_ok(ITEM("abcdefghijabcdefghijabcdefghijabcdefghijabcdefghij"
	    "abcdefghijabc", "yesno"), "");
	assert_int_equal(strlen(f->items[0].id), 63);
	form_free(f);
}

static void
test_bad_top_level(void **state)
{
	static const char tail[] = ",'items':[" ITEM("a", "yesno") "]}";
	char buf[512];

	(void)state;
	snprintf(buf, sizeof buf, "{'id':'t','version':1,'title':{'nl':'T',"
	    "'en':'T'},'period':'daily'%s", tail);
	parse_fail_raw(buf, "unknown period 'daily'");
	snprintf(buf, sizeof buf, "{'id':'t','version':0,'title':{'nl':'T',"
	    "'en':'T'},'period':'week'%s", tail);
	parse_fail_raw(buf, "'version' must be an integer >= 1");
	snprintf(buf, sizeof buf, "{'id':'t','version':-3,'title':{'nl':'T',"
	    "'en':'T'},'period':'week'%s", tail);
	parse_fail_raw(buf, "'version' must be an integer >= 1");
	snprintf(buf, sizeof buf, "{'id':'t','version':1.5,'title':{'nl':'T',"
	    "'en':'T'},'period':'week'%s", tail);
	parse_fail_raw(buf, "'version' must be an integer >= 1");
	snprintf(buf, sizeof buf, "{'id':'t','version':'1','title':{'nl':'T',"
	    "'en':'T'},'period':'week'%s", tail);
	parse_fail_raw(buf, "'version' must be an integer >= 1");
	snprintf(buf, sizeof buf, "{'id':'t','version':1,'period':'week'%s",
	    tail);
	parse_fail_raw(buf, "missing 'title'");
	snprintf(buf, sizeof buf, "{'id':'T','version':1,'title':{'nl':'T',"
	    "'en':'T'},'period':'week'%s", tail);
	parse_fail_raw(buf, "invalid form id 'T'");
}

static void
test_bad_options(void **state)
{
	(void)state;
	parse_fail(ITEM("a", "choice"), "", "item 'a': choice needs 'options'");
	parse_fail(ITEM("a", "multi"), "", "item 'a': multi needs 'options'");
	parse_fail("{'id':'a','type':'choice'," TXT ",'options':["
	    "{'value':'x'," LBL("x") "}]}", "",
	    "item 'a': 'options' must have 2 to 32 entries");
	parse_fail("{'id':'a','type':'choice'," TXT ",'options':["
	    "{'value':'x'," LBL("x") "},{'value':'Y'," LBL("y") "}]}", "",
	    "item 'a': invalid option value 'Y'");
	parse_fail("{'id':'a','type':'choice'," TXT ",'options':["
	    "{'value':'x'," LBL("x") "},{'value':'_na'," LBL("y") "}]}", "",
	    "item 'a': invalid option value '_na'");
	parse_fail("{'id':'a','type':'choice'," TXT ",'options':["
	    "{'value':'x'," LBL("x") "},{'value':'a b'," LBL("y") "}]}", "",
	    "item 'a': invalid option value 'a b'");
	parse_fail("{'id':'a','type':'choice'," TXT ",'options':["
	    "{'value':'x'," LBL("x") "},{'value':"
	    "'abcdefghijklmnopqrstuvwxyz0123456'," LBL("y") "}]}", "",
	    "item 'a': invalid option value");
	parse_fail("{'id':'a','type':'choice'," TXT ",'options':["
	    "{'value':'x'," LBL("x") "},{'value':'x'," LBL("y") "}]}", "",
	    "item 'a': duplicate option value 'x'");
	parse_fail("{'id':'a','type':'choice'," TXT ",'options':["
	    "{'value':'x'},{'value':'y'," LBL("y") "}]}", "",
	    "item 'a': options[0]: 'label': must be an object");
	parse_fail("{'id':'a','type':'choice'," TXT ",'options':["
	    "{'value':'x','lable':{}},{'value':'y'," LBL("y") "}]}", "",
	    "item 'a': options[0]: unknown key 'lable'");
	parse_fail("{'id':'a','type':'likert5'," TXT ",'options':["
	    "{'nl':'a','en':'a'}]}", "", "item 'a': 'options' must be 5 labels");
	parse_fail("{'id':'a','type':'scale0_10'," TXT ",'options':[]}", "",
	    "item 'a': 'options' is not allowed for scale0_10");
	parse_fail("{'id':'a','type':'yesno'," TXT ",'anchors':{}}", "",
	    "item 'a': 'anchors' is only for scale0_10");
	parse_fail("{'id':'a','type':'choice'," TXT ",'reverse':true,'options':["
	    "{'value':'x'," LBL("x") "},{'value':'y'," LBL("y") "}]}", "",
	    "item 'a': 'reverse' is not allowed for choice");
}

static void
test_too_many_options(void **state)
{
	char items[8192], *p = items;
	int i;
	struct form *f;

	(void)state;
	p += sprintf(p, "{'id':'a','type':'multi'," TXT ",'options':[");
	for (i = 0; i < 33; i++)
		p += sprintf(p, "%s{'value':'o%d'," LBL("l") "}", i ? "," : "",
		    i);
	strcpy(p, "]}");
	parse_fail(items, "", "item 'a': 'options' must have 2 to 32 entries");
	/* 32 is fine */
	p = strstr(items, ",{'value':'o32'");
	strcpy(p, "]}");
	f = parse_ok(items, "");
	assert_int_equal(f->items[0].n_options, 32);
	form_free(f);
}

static void
test_bad_scales(void **state)
{
	(void)state;
	parse_fail(ITEM("a", "likert5"), ",'scales':[{'id':'s','name':{'nl':'S',"
	    "'en':'S'},'items':['q'],'direction':'higher_is_worse',"
	    "'cut':{'amber':50,'red':75}}]", "scale 's': unknown item 'q'");
	parse_fail(ITEM("a", "likert5"), ",'scales':[{'id':'s','name':{'nl':'S',"
	    "'en':'S'},'items':['a','a'],'direction':'higher_is_worse',"
	    "'cut':{'amber':50,'red':75}}]", "'items' must be a non-empty array");
	parse_fail(CHOICE("c", "choice", ""), ",'scales':[{'id':'s','name':"
	    "{'nl':'S','en':'S'},'items':['c'],'direction':'higher_is_worse',"
	    "'cut':{'amber':50,'red':75}}]",
	    "scale 's': item 'c' is choice and cannot be scored");
	parse_fail(ITEM("a", "likert5"), ",'scales':[{'id':'s','name':{'nl':'S',"
	    "'en':'S'},'items':['a'],'direction':'up',"
	    "'cut':{'amber':50,'red':75}}]", "scale 's': unknown direction 'up'");
	parse_fail(ITEM("a", "likert5"), ",'scales':[{'id':'s','name':{'nl':'S',"
	    "'en':'S'},'items':['a'],'direction':'higher_is_worse',"
	    "'cut':{'amber':50,'red':175}}]", "amber and red must be numbers 0-100");
	parse_fail(ITEM("a", "likert5"), ",'scales':[{'id':'s','name':{'nl':'S',"
	    "'en':'S'},'items':['a'],'direction':'higher_is_worse',"
	    "'cut':{'amber':75,'red':50}}]", "red below amber for higher_is_worse");
	parse_fail(ITEM("a", "likert5"), ",'scales':[{'id':'s','name':{'nl':'S',"
	    "'en':'S'},'items':['a'],'direction':'higher_is_better',"
	    "'cut':{'amber':50,'red':75}}]", "red above amber for higher_is_better");
	parse_fail(ITEM("a", "likert5"), ",'scales':[{'id':'s','name':{'nl':'S',"
	    "'en':'S'},'items':['a'],'direction':'higher_is_better',"
	    "'cut':{'amber':50,'red':25}},{'id':'s','name':{'nl':'S','en':'S'},"
	    "'items':['a'],'direction':'higher_is_better',"
	    "'cut':{'amber':50,'red':25}}]", "duplicate scale id 's'");
	parse_fail(ITEM("a", "likert5"), ",'scales':[{'id':'s','name':{'nl':'S',"
	    "'en':'S'},'items':['a'],'direction':'higher_is_better',"
	    "'cut':{'amber':50,'red':25},'weight':1}]",
	    "scale 's': unknown key 'weight'");
}

/* ---- show_if ------------------------------------------------------------ */

static void
test_show_if_bad(void **state)
{
	char items[2048];
	int i;

	(void)state;
	parse_fail(ITEM("a", "likert5") "," ITEM_IF("b", "yesno", "zz == 1"), "",
	    "item 'b': show_if: unknown item 'zz'");
	parse_fail(ITEM_IF("a", "yesno", "b == true") "," ITEM("b", "yesno"), "",
	    "item 'a': show_if: item 'b' is not earlier in the form");
	parse_fail(ITEM_IF("a", "yesno", "a == true"), "",
	    "item 'a': show_if: item 'a' is not earlier in the form");
	parse_fail(ITEM("a", "likert5") "," ITEM_IF("b", "yesno", "a == 6"), "",
	    "item 'b': show_if: '6' is not an option of item 'a'");
	parse_fail(ITEM("a", "yesno") "," ITEM_IF("b", "yesno", "a == yes"), "",
	    "item 'b': show_if: 'yes' is not an option of item 'a'");
	parse_fail(ITEM("a", "likert5") "," ITEM_IF("b", "yesno", "a =="), "",
	    "item 'b': show_if: unexpected end");
	parse_fail(ITEM("a", "likert5") "," ITEM_IF("b", "yesno", "a = 1"), "",
	    "item 'b': show_if: unexpected '=' at 3");
	parse_fail(ITEM("a", "likert5") "," ITEM_IF("b", "yesno", "(a == 1"), "",
	    "item 'b': show_if: unexpected end");
	parse_fail(ITEM("a", "likert5") "," ITEM_IF("b", "yesno", "a == 1 a"), "",
	    "item 'b': show_if: unexpected 'a' at 8");
	parse_fail(ITEM("a", "likert5") "," ITEM_IF("b", "yesno", "a == 1 and"),
	    "", "item 'b': show_if: unexpected end");
	parse_fail(ITEM("a", "likert5") "," ITEM_IF("b", "yesno", "A == 1"), "",
	    "item 'b': show_if: unexpected 'A' at 1");
	parse_fail(CHOICE("c", "choice", "") "," ITEM_IF("b", "yesno", "c < x"),
	    "", "item 'b': show_if: ordering needs a numeric item, 'c' is choice");
	parse_fail(ITEM("a", "likert5") "," ITEM_IF("b", "yesno", "a has 1"), "",
	    "item 'b': show_if: 'has' needs a multi item, 'a' is likert5");
	parse_fail(CHOICE("m", "multi", "") "," ITEM_IF("b", "yesno", "m == x"),
	    "", "item 'b': show_if: use 'has' for multi item 'm'");
	parse_fail(ITEM("a", "likert5") "," ITEM_IF("b", "yesno", ""), "",
	    "item 'b': 'show_if' must be a non-empty string");

	/* depth: 16 nested parentheses pass, 17 fail */
	strcpy(items, ITEM("a", "likert5") ",{'id':'b','type':'yesno'," TXT
	    ",'show_if':'");
	for (i = 0; i < 17; i++)
		strcat(items, "(");
	strcat(items, "a == 1");
	for (i = 0; i < 17; i++)
		strcat(items, ")");
	strcat(items, "'}");
	parse_fail(items, "", "item 'b': show_if: nested deeper than 16");
	strcpy(items, ITEM("a", "likert5") ",{'id':'b','type':'yesno'," TXT
	    ",'show_if':'");
	for (i = 0; i < 17; i++)
		strcat(items, "not ");
	strcat(items, "a == 1'}");
	parse_fail(items, "", "item 'b': show_if: nested deeper than 16");

	/* length */
	strcpy(items, ITEM("a", "likert5") ",{'id':'b','type':'yesno'," TXT
	    ",'show_if':'a == 1");
	for (i = 0; i < 60; i++)
		strcat(items, " or a == 2");
	strcat(items, "'}");
	parse_fail(items, "", "item 'b': show_if: longer than 512 bytes");
}

static void
test_show_if_depth_ok(void **state)
{
	char items[2048];
	struct form *f;
	int i;

	(void)state;
	strcpy(items, ITEM("a", "likert5") ",{'id':'b','type':'yesno'," TXT
	    ",'show_if':'");
	for (i = 0; i < 16; i++)
		strcat(items, "(");
	strcat(items, "a == 1");
	for (i = 0; i < 16; i++)
		strcat(items, ")");
	strcat(items, "'}");
	f = parse_ok(items, "");
	assert_non_null(f->items[1].cond);
	assert_string_equal(f->items[1].show_if,
	    "((((((((((((((((a == 1))))))))))))))))");
	form_free(f);
}

/* a: scale0_10, b: likert5, c: yesno, d: choice, e: multi */
static struct form *
cond_form(const char *cond)
{
	char items[2048];

	snprintf(items, sizeof items, "%s,%s,%s,%s,%s,"
	    "{'id':'z','type':'yesno'," TXT ",'show_if':'%s'}",
	    ITEM("a", "scale0_10"), ITEM("b", "likert5"), ITEM("c", "yesno"),
	    CHOICE("d", "choice", ""), CHOICE("e", "multi", ""), cond);
	return parse_ok(items, "");
}

/* answers in order a..e; a negative value means "not answered" */
static bool
shown_with(const char *cond, const int *v, const enum form_answer_state *st)
{
	struct form *f = cond_form(cond);
	struct form_answer a[6];
	struct form_response r = { 6, a };
	size_t i;
	bool res;

	memset(a, 0, sizeof a);
	for (i = 0; i < 5; i++) {
		a[i].state = st != NULL ? st[i] :
		    v[i] < 0 ? FORM_NOT_ANSWERED : FORM_ANSWERED;
		a[i].value = v[i] < 0 ? 0 : (unsigned)v[i];
	}
	res = form_item_shown(f, 5, &r);
	form_free(f);
	return res;
}

static void
test_show_if_eval(void **state)
{
	/* a = 7 (index 7), b = 2 (index 1), c = false (index 1), d = y (1),
	 * e = {x, z} (mask 5) */
	static const int v[5] = { 7, 1, 1, 1, 5 };
	static const int none[5] = { -1, -1, -1, -1, -1 };
	static const enum form_answer_state hidden[5] = { FORM_NOT_SHOWN,
		FORM_NOT_SHOWN, FORM_NOT_SHOWN, FORM_NOT_SHOWN, FORM_NOT_SHOWN };

	(void)state;
	assert_true(shown_with("a == 7", v, NULL));
	assert_false(shown_with("a == 6", v, NULL));
	assert_true(shown_with("a != 6", v, NULL));
	assert_true(shown_with("a >= 7", v, NULL));
	assert_false(shown_with("a > 7", v, NULL));
	assert_true(shown_with("a <= 7", v, NULL));
	assert_false(shown_with("a < 7", v, NULL));
	assert_true(shown_with("a > 6", v, NULL));
	assert_true(shown_with("b == 2", v, NULL));
	assert_true(shown_with("b < 3", v, NULL));
	assert_false(shown_with("b >= 3", v, NULL));
	assert_true(shown_with("c == false", v, NULL));
	assert_false(shown_with("c == true", v, NULL));
	assert_true(shown_with("d == y", v, NULL));
	assert_true(shown_with("d != x", v, NULL));
	assert_true(shown_with("e has x", v, NULL));
	assert_false(shown_with("e has y", v, NULL));
	assert_true(shown_with("e has z", v, NULL));
	assert_true(shown_with("e has y or d == y", v, NULL));
	assert_false(shown_with("e has y and d == y", v, NULL));
	assert_true(shown_with("not e has y", v, NULL));
	assert_false(shown_with("not not e has y", v, NULL));
	assert_true(shown_with("a == 1 or b == 1 or c == false", v, NULL));
	assert_true(shown_with("(a == 1 or b == 2) and (e has z)", v, NULL));
	assert_false(shown_with("a == 1 or b == 2 and e has y", v, NULL));
	assert_true(shown_with("a == 7 or b == 1 and e has y", v, NULL));
	assert_true(shown_with("  a==7  and(b==2)", v, NULL));

	/* not answered or not shown: every comparison is false */
	assert_false(shown_with("a == 0", none, NULL));
	assert_false(shown_with("a != 0", none, NULL));
	assert_false(shown_with("a < 10", none, NULL));
	assert_false(shown_with("e has x", none, NULL));
	assert_true(shown_with("not a == 0", none, NULL));
	assert_false(shown_with("c != true", v, hidden));
	assert_false(shown_with("d != x", v, hidden));
	assert_true(shown_with("not d == x", v, hidden));
}

static void
test_item_shown_edges(void **state)
{
	struct form *f = cond_form("c == true");
	struct form_response empty = { 0, NULL };

	(void)state;
	assert_true(form_item_shown(f, 0, NULL));
	assert_false(form_item_shown(f, 5, NULL));
	assert_false(form_item_shown(f, 5, &empty));
	assert_false(form_item_shown(f, 6, NULL));
	form_free(f);
}

/* ---- responses ---------------------------------------------------------- */

/* a: scale0_10 required, b: likert5, c: yesno, d: choice if c == true,
 * e: multi if a >= 5 and not b == 1, f: freq5 if e has y or d == z */
static struct form *
resp_form(void)
{
	return parse_ok("{'id':'a','type':'scale0_10'," TXT ",'required':true},"
	    ITEM("b", "likert5") "," ITEM("c", "yesno") ","
	    CHOICE("d", "choice", ",'show_if':'c == true'") ","
	    CHOICE("e", "multi", ",'show_if':'a >= 5 and not b == 1'") ","
	    ITEM_IF("f", "freq5", "e has y or d == z"), "");
}

static int
resp(const struct form *f, const char *answers, struct form_response *r,
    char *err, size_t errlen)
{
	char *j = dq(answers);
	cJSON *o = cJSON_Parse(j);
	int rc;

	free(j);
	assert_non_null(o);
	rc = form_response_parse(f, o, r, err, errlen);
	cJSON_Delete(o);
	return rc;
}

static void
resp_fail(const struct form *f, const char *answers, const char *want)
{
	struct form_response r = { 99, (struct form_answer *)1 };
	char err[256] = "";

	if (resp(f, answers, &r, err, sizeof err) == 0)
		fail_msg("response %s accepted, wanted '%s'", answers, want);
	if (strstr(err, want) == NULL)
		fail_msg("error '%s' lacks '%s'", err, want);
	assert_null(r.a);
	assert_int_equal(r.n, 0);
}

static void
test_response_ok(void **state)
{
	struct form *f = resp_form();
	struct form_response r;
	char err[256] = "";

	(void)state;
	assert_int_equal(resp(f, "{'a':7,'b':3,'c':true,'d':'z','e':['z','x'],"
	    "'f':5}", &r, err, sizeof err), 0);
	assert_int_equal(r.n, 6);
	assert_int_equal(r.a[0].state, FORM_ANSWERED);
	assert_int_equal(r.a[0].value, 7);
	assert_int_equal(r.a[1].value, 2);
	assert_int_equal(r.a[2].value, 0); /* "true" */
	assert_int_equal(r.a[3].value, 2); /* "z" */
	assert_int_equal(r.a[4].value, 5); /* x | z */
	assert_int_equal(r.a[5].value, 4);
	assert_int_equal(r.a[5].state, FORM_ANSWERED);
	form_response_clear(&r);
	assert_null(r.a);
	assert_int_equal(r.n, 0);
	form_response_clear(&r);

	/* hidden items and unanswered optional ones; null = not answered */
	assert_int_equal(resp(f, "{'a':0,'b':null,'c':false}", &r, err,
	    sizeof err), 0);
	assert_int_equal(r.a[0].state, FORM_ANSWERED);
	assert_int_equal(r.a[0].value, 0);
	assert_int_equal(r.a[1].state, FORM_NOT_ANSWERED);
	assert_int_equal(r.a[2].state, FORM_ANSWERED);
	assert_int_equal(r.a[2].value, 1);
	assert_int_equal(r.a[3].state, FORM_NOT_SHOWN);
	assert_int_equal(r.a[4].state, FORM_NOT_SHOWN);
	assert_int_equal(r.a[5].state, FORM_NOT_SHOWN);
	form_response_clear(&r);

	/* e shown (a >= 5, b unanswered) but left empty; f hidden */
	assert_int_equal(resp(f, "{'a':5}", &r, err, sizeof err), 0);
	assert_int_equal(r.a[2].state, FORM_NOT_ANSWERED);
	assert_int_equal(r.a[3].state, FORM_NOT_SHOWN);
	assert_int_equal(r.a[4].state, FORM_NOT_ANSWERED);
	assert_int_equal(r.a[5].state, FORM_NOT_SHOWN);
	form_response_clear(&r);

	/* f shown through e has y */
	assert_int_equal(resp(f, "{'a':10,'b':5,'e':['y'],'f':1}", &r, err,
	    sizeof err), 0);
	assert_int_equal(r.a[4].value, 2);
	assert_int_equal(r.a[5].state, FORM_ANSWERED);
	assert_int_equal(r.a[5].value, 0);
	form_response_clear(&r);
	form_free(f);
}

static void
test_response_bad(void **state)
{
	struct form *f = resp_form();

	(void)state;
	resp_fail(f, "[1]", "answers must be a JSON object");
	resp_fail(f, "{'a':1,'foo':2}", "unknown item 'foo'");
	resp_fail(f, "{'a':1,'a':2}", "item 'a': answered twice");
	resp_fail(f, "{'a':11}", "item 'a': value 11 out of range 0-10");
	resp_fail(f, "{'a':-1}", "item 'a': value -1 out of range 0-10");
	resp_fail(f, "{'a':1e300}",
	    "item 'a': value 1e+300 out of range 0-10");
	resp_fail(f, "{'a':1,'b':0}", "item 'b': value 0 out of range 1-5");
	resp_fail(f, "{'a':1,'b':6}", "item 'b': value 6 out of range 1-5");
	resp_fail(f, "{'a':3.5}", "item 'a': value 3.5 is not an integer");
	resp_fail(f, "{'a':'5'}", "item 'a': expected an integer 0-10");
	resp_fail(f, "{'a':true}", "item 'a': expected an integer 0-10");
	resp_fail(f, "{'a':1,'c':1}", "item 'c': expected true or false");
	resp_fail(f, "{'a':1,'c':'true'}", "item 'c': expected true or false");
	resp_fail(f, "{'a':1,'c':true,'d':1}", "item 'd': expected an option "
	    "string");
	resp_fail(f, "{'a':1,'c':true,'d':'w'}", "item 'd': unknown option 'w'");
	resp_fail(f, "{}", "item 'a': required");
	resp_fail(f, "{'a':null}", "item 'a': required");
	resp_fail(f, "{'a':1,'c':false,'d':'x'}",
	    "item 'd': answered but not shown (show_if false)");
	resp_fail(f, "{'a':1,'d':'x'}",
	    "item 'd': answered but not shown (show_if false)");
	resp_fail(f, "{'a':4,'e':['x']}",
	    "item 'e': answered but not shown (show_if false)");
	resp_fail(f, "{'a':9,'b':1,'e':['x']}",
	    "item 'e': answered but not shown (show_if false)");
	resp_fail(f, "{'a':9,'e':['x','q']}", "item 'e': unknown option 'q'");
	resp_fail(f, "{'a':9,'e':['x','x']}", "item 'e': option 'x' given twice");
	resp_fail(f, "{'a':9,'e':[]}", "item 'e': expected a non-empty array");
	resp_fail(f, "{'a':9,'e':'x'}", "item 'e': expected a non-empty array");
	resp_fail(f, "{'a':9,'e':['x',1]}", "item 'e': expected a non-empty");
	resp_fail(f, "{'a':9,'e':['x'],'f':1}",
	    "item 'f': answered but not shown (show_if false)");
	form_free(f);
}

static void
test_response_required_hidden(void **state)
{
	struct form *f;
	struct form_response r;
	char err[256] = "";

	(void)state;
	f = parse_ok(ITEM("a", "yesno") ",{'id':'b','type':'likert5'," TXT
	    ",'required':true,'show_if':'a == true'}", "");
	/* required but hidden: fine */
	assert_int_equal(resp(f, "{'a':false}", &r, err, sizeof err), 0);
	assert_int_equal(r.a[1].state, FORM_NOT_SHOWN);
	form_response_clear(&r);
	resp_fail(f, "{'a':true}", "item 'b': required");
	form_free(f);
}

/* ---- the shipped Team Thermometer --------------------------------------- */

static void
test_team_thermometer(void **state)
{
	FILE *fp = fopen("forms/team-thermometer.json", "rb");
	static char buf[FORM_MAX_BYTES + 1];
	struct form *f = NULL;
	struct form_response r;
	char err[256] = "";
	size_t n, i;
	cJSON *o;

	(void)state;
	if (fp == NULL)
		fail_msg("cannot open forms/team-thermometer.json (run from the "
		    "repository root)");
	n = fread(buf, 1, sizeof buf, fp);
	fclose(fp);
	assert_true(n > 0 && n <= FORM_MAX_BYTES);
	if (form_parse(buf, n, &f, err, sizeof err) != 0)
		fail_msg("team-thermometer.json: %s", err);
	assert_string_equal(f->id, "team-thermometer");
	assert_int_equal(f->version, 1);
	assert_int_equal(f->period, PERIOD_FORTNIGHT);
	assert_int_equal(f->n_items, 5);
	for (i = 0; i < f->n_items; i++) {
		assert_int_equal(f->items[i].type, FORM_SCALE0_10);
		assert_true(f->items[i].required);
		assert_null(f->items[i].cond);
		assert_non_null(f->items[i].options[0].label.nl);
		assert_non_null(f->items[i].options[10].label.en);
	}
	assert_true(form_item_index(f, "veiligheid") >= 0);
	assert_true(form_item_index(f, "sfeer") >= 0);
	assert_true(form_item_index(f, "werkdruk") >= 0);
	assert_true(form_item_index(f, "samenwerking") >= 0);
	assert_int_equal(f->n_scales, 5);
	for (i = 0; i < f->n_scales; i++) {
		bool worse = strcmp(f->scales[i].id, "werkdruk") == 0;
		assert_int_equal(f->scales[i].direction,
		    worse ? FORM_HIGHER_IS_WORSE : FORM_HIGHER_IS_BETTER);
	}

	o = cJSON_Parse("{\"veiligheid\":8,\"sfeer\":7,\"werkdruk\":9,"
	    "\"samenwerking\":6,\"jezelf-zijn\":10}");
	assert_non_null(o);
	assert_int_equal(form_response_parse(f, o, &r, err, sizeof err), 0);
	form_response_clear(&r);
	cJSON_Delete(o);
	form_free(f);
}

static void
test_size_cap(void **state)
{
	char *big = malloc(FORM_MAX_BYTES + 2);
	struct form *f = NULL;
	char err[128] = "";

	(void)state;
	assert_non_null(big);
	memset(big, ' ', FORM_MAX_BYTES + 1);
	big[FORM_MAX_BYTES + 1] = '\0';
	assert_int_equal(form_parse(big, FORM_MAX_BYTES + 1, &f, err,
	    sizeof err), -1);
	assert_non_null(strstr(err, "form larger than 262144 bytes"));
	free(big);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_generated_options),
		cmocka_unit_test(test_parse_labels_and_scales),
		cmocka_unit_test(test_bad_structure),
		cmocka_unit_test(test_bad_type_and_duplicate),
		cmocka_unit_test(test_bad_top_level),
		cmocka_unit_test(test_bad_options),
		cmocka_unit_test(test_too_many_options),
		cmocka_unit_test(test_bad_scales),
		cmocka_unit_test(test_show_if_bad),
		cmocka_unit_test(test_show_if_depth_ok),
		cmocka_unit_test(test_show_if_eval),
		cmocka_unit_test(test_item_shown_edges),
		cmocka_unit_test(test_response_ok),
		cmocka_unit_test(test_response_bad),
		cmocka_unit_test(test_response_required_hidden),
		cmocka_unit_test(test_team_thermometer),
		cmocka_unit_test(test_size_cap),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
