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

	assert_int_equal(it->scale, -1);
	assert_null(it->construct);
	assert_false(it->sensitive);
	assert_int_equal(it->publish, FORM_PUBLISH_TEAM);
	assert_string_equal(it->module, "");

	it = &f->items[1]; /* freq5: "0".."4", never..always */
	assert_int_equal(it->n_options, 5);
	assert_string_equal(it->options[0].value, "0");
	assert_string_equal(it->options[4].value, "4");
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
	    "'construct':'werkdruk',"
	    "'required':true,'options':[{'nl':'a','en':'A'},{'nl':'b','en':'B'},"
	    "{'nl':'c','en':'C'},{'nl':'d','en':'D'},{'nl':'e','en':'E'}]},"
	    "{'id':'m','type':'likert5'," TXT ",'construct':'werkdruk'}",
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
	assert_int_equal(f->items[0].scale, 0);
	assert_int_equal(f->items[1].scale, 0);
	assert_string_equal(f->items[0].construct, "werkdruk");
	assert_int_equal(f->n_modules, 0);
	assert_null(f->modules);
	assert_int_equal(f->n_notes, 0);
	assert_null(f->notes);
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
	parse_fail("", "", "items: must be an array of 1 to 256 items");
	parse_fail(ITEM("a", "yesno"), ",'titel':1", "unknown key 'titel'");
	parse_fail(ITEM("a", "yesno"), ",'period':'week'",
	    "duplicate key 'period'");
	parse_fail("{'id':'a','type':'yesno'," TXT ",'requird':true}", "",
	    "items[0]: unknown key 'requird'");
	parse_fail("{'id':'a','type':'yesno'," TXT ",'required':1}", "",
	    "items[0].required: must be true or false");
	parse_fail("{'id':'a','type':'yesno','text':{'nl':'x'}}", "",
	    "items[0].text.en: missing translation");
	parse_fail("{'id':'a','type':'yesno'}", "", "items[0]: missing 'text'");
	parse_fail("{'type':'yesno'," TXT "}", "", "items[0]: missing 'id'");
	parse_fail(ITEM("Abc", "yesno"), "", "items[0].id: invalid id 'Abc'");
	parse_fail(ITEM("a", "yesno") "," ITEM("-b", "yesno"), "",
	    "items[1].id: invalid id '-b'");
	/* 64 characters: one too many */
	parse_fail(ITEM("abcdefghijabcdefghijabcdefghijabcdefghijabcdefghij"
	    "abcdefghijabcd", "yesno"), "", "items[0].id: invalid id 'abcdefghij");
}

static void
test_bad_type_and_duplicate(void **state)
{
	struct form *f;

	(void)state;
	parse_fail(ITEM("a", "slider"), "", "items[0].type: unknown type 'slider'");
	parse_fail(ITEM("a", "yesno") "," ITEM("b", "yesno") ","
	    ITEM("a", "likert5"), "", "items[2]: duplicate id 'a' (first at items[0])");
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
	parse_fail_raw(buf, "period: unknown period 'daily'");
	snprintf(buf, sizeof buf, "{'id':'t','version':0,'title':{'nl':'T',"
	    "'en':'T'},'period':'week'%s", tail);
	parse_fail_raw(buf, "version: must be an integer >= 1");
	snprintf(buf, sizeof buf, "{'id':'t','version':-3,'title':{'nl':'T',"
	    "'en':'T'},'period':'week'%s", tail);
	parse_fail_raw(buf, "version: must be an integer >= 1");
	snprintf(buf, sizeof buf, "{'id':'t','version':1.5,'title':{'nl':'T',"
	    "'en':'T'},'period':'week'%s", tail);
	parse_fail_raw(buf, "version: must be an integer >= 1");
	snprintf(buf, sizeof buf, "{'id':'t','version':'1','title':{'nl':'T',"
	    "'en':'T'},'period':'week'%s", tail);
	parse_fail_raw(buf, "version: must be an integer >= 1");
	snprintf(buf, sizeof buf, "{'id':'t','version':1,'period':'week'%s",
	    tail);
	parse_fail_raw(buf, "missing 'title'");
	snprintf(buf, sizeof buf, "{'id':'T','version':1,'title':{'nl':'T',"
	    "'en':'T'},'period':'week'%s", tail);
	parse_fail_raw(buf, "id: invalid form id 'T'");
}

static void
test_bad_options(void **state)
{
	(void)state;
	parse_fail(ITEM("a", "choice"), "", "items[0]: choice needs 'options'");
	parse_fail(ITEM("a", "multi"), "", "items[0]: multi needs 'options'");
	parse_fail("{'id':'a','type':'choice'," TXT ",'options':["
	    "{'value':'x'," LBL("x") "}]}", "",
	    "items[0].options: must be an array of 2 to 32 options");
	parse_fail("{'id':'a','type':'choice'," TXT ",'options':["
	    "{'value':'x'," LBL("x") "},{'value':'Y'," LBL("y") "}]}", "",
	    "items[0].options[1].value: invalid option value 'Y'");
	parse_fail("{'id':'a','type':'choice'," TXT ",'options':["
	    "{'value':'x'," LBL("x") "},{'value':'_na'," LBL("y") "}]}", "",
	    "items[0].options[1].value: invalid option value '_na'");
	parse_fail("{'id':'a','type':'choice'," TXT ",'options':["
	    "{'value':'x'," LBL("x") "},{'value':'a b'," LBL("y") "}]}", "",
	    "items[0].options[1].value: invalid option value 'a b'");
	parse_fail("{'id':'a','type':'choice'," TXT ",'options':["
	    "{'value':'x'," LBL("x") "},{'value':"
	    "'abcdefghijklmnopqrstuvwxyz0123456'," LBL("y") "}]}", "",
	    "items[0].options[1].value: invalid option value");
	parse_fail("{'id':'a','type':'choice'," TXT ",'options':["
	    "{'value':'x'," LBL("x") "},{'value':'x'," LBL("y") "}]}", "",
	    "items[0].options: duplicate value 'x'");
	parse_fail("{'id':'a','type':'choice'," TXT ",'options':["
	    "{'value':'x'},{'value':'y'," LBL("y") "}]}", "",
	    "items[0].options[0]: missing 'label'");
	parse_fail("{'id':'a','type':'choice'," TXT ",'options':["
	    "{'value':'x','lable':{}},{'value':'y'," LBL("y") "}]}", "",
	    "items[0].options[0]: unknown key 'lable'");
	parse_fail("{'id':'a','type':'likert5'," TXT ",'options':["
	    "{'nl':'a','en':'a'}]}", "", "items[0].options: must be 5 labels");
	parse_fail("{'id':'a','type':'scale0_10'," TXT ",'options':[]}", "",
	    "items[0].options: not allowed for scale0_10");
	parse_fail("{'id':'a','type':'yesno'," TXT ",'anchors':{}}", "",
	    "items[0].anchors: only for scale0_10");
	parse_fail("{'id':'a','type':'choice'," TXT ",'reverse':true,'options':["
	    "{'value':'x'," LBL("x") "},{'value':'y'," LBL("y") "}]}", "",
	    "items[0].reverse: only for an item in a scale");
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
	parse_fail(items, "", "items[0].options: must be an array of 2 to 32 options");
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
	    "'cut':{'amber':50,'red':75}}]", "scales[0].items[0]: unknown item 'q'");
	parse_fail(ITEM("a", "likert5"), ",'scales':[{'id':'s','name':{'nl':'S',"
	    "'en':'S'},'items':['a','a'],'direction':'higher_is_worse',"
	    "'cut':{'amber':50,'red':75}}]", "scales[0].items[1]: item 'a' is listed twice");
	parse_fail(CHOICE("c", "choice", ""), ",'scales':[{'id':'s','name':"
	    "{'nl':'S','en':'S'},'items':['c'],'direction':'higher_is_worse',"
	    "'cut':{'amber':50,'red':75}}]",
	    "scales[0].items[0]: item 'c' is choice, which is counted, not scored");
	parse_fail(ITEM("a", "likert5"), ",'scales':[{'id':'s','name':{'nl':'S',"
	    "'en':'S'},'items':['a'],'direction':'up',"
	    "'cut':{'amber':50,'red':75}}]", "scales[0].direction: unknown direction 'up'");
	parse_fail(ITEM("a", "likert5"), ",'scales':[{'id':'s','name':{'nl':'S',"
	    "'en':'S'},'items':['a'],'direction':'higher_is_worse',"
	    "'cut':{'amber':50,'red':175}}]", "scales[0].cut.red: 175 is outside 0-100");
	parse_fail(ITEM("a", "likert5"), ",'scales':[{'id':'s','name':{'nl':'S',"
	    "'en':'S'},'items':['a'],'direction':'higher_is_worse',"
	    "'cut':{'amber':75,'red':50}}]", "scales[0].cut: red 50 is below amber 75 (higher_is_worse needs red >= amber)");
	parse_fail(ITEM("a", "likert5"), ",'scales':[{'id':'s','name':{'nl':'S',"
	    "'en':'S'},'items':['a'],'direction':'higher_is_better',"
	    "'cut':{'amber':50,'red':75}}]", "scales[0].cut: red 75 is above amber 50 (higher_is_better needs red <= amber)");
	parse_fail(ITEM("a", "likert5"), ",'scales':[{'id':'s','name':{'nl':'S',"
	    "'en':'S'},'items':['a'],'direction':'higher_is_better',"
	    "'cut':{'amber':50,'red':25}},{'id':'s','name':{'nl':'S','en':'S'},"
	    "'items':['a'],'direction':'higher_is_better',"
	    "'cut':{'amber':50,'red':25}}]", "scales[1]: duplicate id 's' (first at scales[0])");
	parse_fail(ITEM("a", "likert5"), ",'scales':[{'id':'s','name':{'nl':'S',"
	    "'en':'S'},'items':['a'],'direction':'higher_is_better',"
	    "'cut':{'amber':50,'red':25},'weight':1}]",
	    "scales[0]: unknown key 'weight'");
}

/* ---- show_if ------------------------------------------------------------ */

static void
test_show_if_bad(void **state)
{
	char items[2048];
	int i;

	(void)state;
	parse_fail(ITEM("a", "likert5") "," ITEM_IF("b", "yesno", "zz == 1"), "",
	    "items[1].show_if: unknown item 'zz'");
	parse_fail(ITEM_IF("a", "yesno", "b == true") "," ITEM("b", "yesno"), "",
	    "items[0].show_if: refers to 'b', which is not an earlier item");
	parse_fail(ITEM_IF("a", "yesno", "a == true"), "",
	    "items[0].show_if: refers to 'a', which is not an earlier item (it is this item)");
	parse_fail(ITEM("a", "likert5") "," ITEM_IF("b", "yesno", "a == 6"), "",
	    "items[1].show_if: '6' is not an option of item 'a'");
	parse_fail(ITEM("a", "yesno") "," ITEM_IF("b", "yesno", "a == yes"), "",
	    "items[1].show_if: 'yes' is not an option of item 'a'");
	parse_fail(ITEM("a", "likert5") "," ITEM_IF("b", "yesno", "a =="), "",
	    "items[1].show_if: unexpected end");
	parse_fail(ITEM("a", "likert5") "," ITEM_IF("b", "yesno", "a = 1"), "",
	    "items[1].show_if: unexpected '=' at 3");
	parse_fail(ITEM("a", "likert5") "," ITEM_IF("b", "yesno", "(a == 1"), "",
	    "items[1].show_if: unexpected end");
	parse_fail(ITEM("a", "likert5") "," ITEM_IF("b", "yesno", "a == 1 a"), "",
	    "items[1].show_if: unexpected 'a' at 8");
	parse_fail(ITEM("a", "likert5") "," ITEM_IF("b", "yesno", "a == 1 and"),
	    "", "items[1].show_if: unexpected end");
	parse_fail(ITEM("a", "likert5") "," ITEM_IF("b", "yesno", "A == 1"), "",
	    "items[1].show_if: unexpected 'A' at 1");
	parse_fail(CHOICE("c", "choice", "") "," ITEM_IF("b", "yesno", "c < x"),
	    "", "items[1].show_if: ordering needs a numeric item, 'c' is choice");
	parse_fail(ITEM("a", "likert5") "," ITEM_IF("b", "yesno", "a has 1"), "",
	    "items[1].show_if: 'has' needs a multi item, 'a' is likert5");
	parse_fail(CHOICE("m", "multi", "") "," ITEM_IF("b", "yesno", "m == x"),
	    "", "items[1].show_if: use 'has' for multi item 'm'");
	parse_fail(ITEM("a", "likert5") "," ITEM_IF("b", "yesno", ""), "",
	    "items[1].show_if: must be a non-empty string");

	/* depth: 16 nested parentheses pass, 17 fail */
	strcpy(items, ITEM("a", "likert5") ",{'id':'b','type':'yesno'," TXT
	    ",'show_if':'");
	for (i = 0; i < 17; i++)
		strcat(items, "(");
	strcat(items, "a == 1");
	for (i = 0; i < 17; i++)
		strcat(items, ")");
	strcat(items, "'}");
	parse_fail(items, "", "items[1].show_if: nested deeper than 16");
	strcpy(items, ITEM("a", "likert5") ",{'id':'b','type':'yesno'," TXT
	    ",'show_if':'");
	for (i = 0; i < 17; i++)
		strcat(items, "not ");
	strcat(items, "a == 1'}");
	parse_fail(items, "", "items[1].show_if: nested deeper than 16");

	/* length */
	strcpy(items, ITEM("a", "likert5") ",{'id':'b','type':'yesno'," TXT
	    ",'show_if':'a == 1");
	for (i = 0; i < 60; i++)
		strcat(items, " or a == 2");
	strcat(items, "'}");
	parse_fail(items, "", "items[1].show_if: longer than 512 bytes");
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
	    "'f':4}", &r, err, sizeof err), 0);
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
	assert_int_equal(resp(f, "{'a':10,'b':5,'e':['y'],'f':0}", &r, err,
	    sizeof err), 0);
	assert_int_equal(r.a[4].value, 2);
	assert_int_equal(r.a[5].state, FORM_ANSWERED);
	assert_int_equal(r.a[5].value, 0);
	form_response_clear(&r);
	assert_int_equal(resp(f, "{'a':10,'b':5,'e':['y'],'f':1}", &r, err,
	    sizeof err), 0);
	assert_int_equal(r.a[5].value, 1);
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
	resp_fail(f, "{'a':11}", "item 'a': value out of range 0-10");
	resp_fail(f, "{'a':-1}", "item 'a': value out of range 0-10");
	resp_fail(f, "{'a':1e300}",
	    "item 'a': value out of range 0-10");
	resp_fail(f, "{'a':1,'b':0}", "item 'b': value out of range 1-5");
	resp_fail(f, "{'a':1,'b':6}", "item 'b': value out of range 1-5");
	resp_fail(f, "{'a':3.5}", "item 'a': value is not an integer");
	resp_fail(f, "{'a':'5'}", "item 'a': expected an integer 0-10");
	resp_fail(f, "{'a':true}", "item 'a': expected an integer 0-10");
	resp_fail(f, "{'a':1,'c':1}", "item 'c': expected true or false");
	resp_fail(f, "{'a':1,'c':'true'}", "item 'c': expected true or false");
	resp_fail(f, "{'a':1,'c':true,'d':1}", "item 'd': expected an option "
	    "string");
	resp_fail(f, "{'a':1,'c':true,'d':'w'}", "item 'd': not one of its options");
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
	resp_fail(f, "{'a':9,'e':['x','q']}", "item 'e': not one of its options");
	resp_fail(f, "{'a':9,'e':['x','x']}", "item 'e': an option is given twice");
	resp_fail(f, "{'a':9,'e':[]}", "item 'e': expected a non-empty array");
	resp_fail(f, "{'a':9,'e':'x'}", "item 'e': expected a non-empty array");
	resp_fail(f, "{'a':9,'e':['x',1]}", "item 'e': expected a non-empty");
	resp_fail(f, "{'a':9,'e':['x'],'f':1}",
	    "item 'f': answered but not shown (show_if false)");
	/* freq5 is 0..4 (never..always) */
	resp_fail(f, "{'a':9,'e':['y'],'f':5}", "item 'f': value out of range 0-4");
	resp_fail(f, "{'a':9,'e':['y'],'f':-1}",
	    "item 'f': value out of range 0-4");
	/* "liever-niet" only for sensitive items */
	resp_fail(f, "{'a':'liever-niet'}", "item 'a': 'liever-niet' is not "
	    "offered (the item is not sensitive)");
	resp_fail(f, "{'a':1,'c':'liever-niet'}", "item 'c': 'liever-niet' is "
	    "not offered (the item is not sensitive)");
	resp_fail(f, "{'a':1,'c':true,'d':'liever-niet'}", "item 'd': "
	    "'liever-niet' is not offered (the item is not sensitive)");
	resp_fail(f, "{'a':9,'e':['liever-niet']}", "item 'e': 'liever-niet' "
	    "is not offered (the item is not sensitive)");
	resp_fail(f, "{'a':9,'e':'liever-niet'}", "item 'e': 'liever-niet' "
	    "is not offered (the item is not sensitive)");
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

/* ---- new keys: construct, sensitive, publish, module, notes ------------- */

#define SCALE(items) ",'scales':[{'id':'s','name':{'nl':'S','en':'S'}," \
	"'items':[" items "],'direction':'higher_is_worse'," \
	"'cut':{'amber':50,'red':75}}]"
#define ITEMC(id, type) \
	"{'id':'" id "','type':'" type "'," TXT ",'construct':'c'}"

static void
test_sensitive_options(void **state)
{
	struct form *f;
	size_t i;
	static const size_t want[6] = { 6, 6, 12, 3, 4, 4 };

	(void)state;
	f = parse_ok("{'id':'l','type':'likert5'," TXT ",'sensitive':true},"
	    "{'id':'q','type':'freq5'," TXT ",'sensitive':true},"
	    "{'id':'s','type':'scale0_10'," TXT ",'sensitive':true},"
	    "{'id':'y','type':'yesno'," TXT ",'sensitive':true,"
	    "'publish':'district'},"
	    CHOICE("c", "choice", ",'sensitive':true,'publish':'team'") ","
	    CHOICE("m", "multi", ",'sensitive':true,'publish':'district'") ","
	    ITEM("n", "yesno"), "");
	for (i = 0; i < 6; i++) {
		const struct form_item *it = &f->items[i];

		assert_true(it->sensitive);
		assert_int_equal(it->n_options, want[i]);
		assert_string_equal(it->options[it->n_options - 1].value,
		    FORM_REFUSE);
		assert_string_equal(it->options[it->n_options - 1].label.nl,
		    "zeg ik liever niet");
		assert_string_equal(it->options[it->n_options - 1].label.en,
		    "I'd rather not say");
	}
	assert_string_equal(f->items[0].options[4].value, "5");
	assert_string_equal(f->items[1].options[4].value, "4");
	assert_string_equal(f->items[2].options[10].value, "10");
	assert_string_equal(f->items[4].options[2].value, "z");
	assert_int_equal(f->items[0].publish, FORM_PUBLISH_TEAM);
	assert_int_equal(f->items[3].publish, FORM_PUBLISH_DISTRICT);
	assert_int_equal(f->items[4].publish, FORM_PUBLISH_TEAM);
	assert_int_equal(f->items[5].publish, FORM_PUBLISH_DISTRICT);
	assert_false(f->items[6].sensitive);
	assert_int_equal(f->items[6].n_options, 2);
	assert_int_equal(form_option_index(&f->items[6], FORM_REFUSE), -1);
	form_free(f);
}

static void
test_sensitive_option_room(void **state)
{
	char items[8192], *p = items;
	struct form *f;
	int i;

	(void)state;
	/* 31 listed options + "liever-niet" = 32: fine; 32 + 1: too many */
	p += sprintf(p, "{'id':'a','type':'multi'," TXT ",'sensitive':true,"
	    "'options':[");
	for (i = 0; i < 32; i++)
		p += sprintf(p, "%s{'value':'o%d'," LBL("l") "}", i ? "," : "",
		    i);
	strcpy(p, "]}");
	parse_fail(items, "", "items[0].options: must be an array of 2 to 31 "
	    "options (sensitive adds 'liever-niet')");
	p = strstr(items, ",{'value':'o31'");
	strcpy(p, "]}");
	f = parse_ok(items, "");
	assert_int_equal(f->items[0].n_options, 32);
	assert_string_equal(f->items[0].options[31].value, FORM_REFUSE);
	form_free(f);

	/* the form may not list the option itself */
	parse_fail("{'id':'a','type':'choice'," TXT ",'options':["
	    "{'value':'x'," LBL("x") "},{'value':'liever-niet'," LBL("y") "}]}",
	    "", "items[0].options[1].value: 'liever-niet' is reserved: mark the "
	    "item \"sensitive\" instead");
	parse_fail("{'id':'a','type':'choice'," TXT ",'sensitive':true,"
	    "'options':[{'value':'x'," LBL("x") "},{'value':'liever-niet',"
	    LBL("y") "}]}", "", "items[0].options[1].value: 'liever-niet' is "
	    "reserved");
}

static void
test_new_item_keys_bad(void **state)
{
	char items[4096], *p;
	struct form *f;
	int i;

	(void)state;
	parse_fail("{'id':'a','type':'yesno'," TXT ",'sensitive':1}", "",
	    "items[0].sensitive: must be true or false");
	parse_fail("{'id':'a','type':'yesno'," TXT ",'publish':'korps'}", "",
	    "items[0].publish: must be \"team\" or \"district\"");
	parse_fail("{'id':'a','type':'yesno'," TXT ",'publish':true}", "",
	    "items[0].publish: must be \"team\" or \"district\"");
	parse_fail("{'id':'a','type':'likert5'," TXT ",'construct':''}", "",
	    "items[0].construct: must be a non-empty string of at most 128 "
	    "bytes");
	parse_fail("{'id':'a','type':'likert5'," TXT ",'construct':'  '}", "",
	    "items[0].construct: must be a non-empty string");
	parse_fail("{'id':'a','type':'likert5'," TXT ",'construct':7}", "",
	    "items[0].construct: must be a non-empty string");
	/* 128 bytes pass, 129 fail */
	p = items + sprintf(items, "{'id':'a','type':'likert5'," TXT
	    ",'construct':'");
	for (i = 0; i < 128; i++)
		*p++ = 'c';
	strcpy(p, "'}");
	f = parse_ok(items, "");
	assert_int_equal(strlen(f->items[0].construct), 128);
	form_free(f);
	strcpy(p, "c'}");
	parse_fail(items, "", "items[0].construct: must be a non-empty string "
	    "of at most 128 bytes");

	/* construct is required in a scale, reverse only in a scale */
	parse_fail(ITEMC("a", "likert5") "," ITEM("b", "freq5"), SCALE("'a','b'"),
	    "items[1]: missing 'construct' (required for an item in a scale; "
	    "'b' is in scales[0])");
	parse_fail("{'id':'a','type':'likert5'," TXT ",'reverse':true}", "",
	    "items[0].reverse: only for an item in a scale");
	parse_fail("{'id':'a','type':'yesno'," TXT ",'reverse':true}", "",
	    "items[0].reverse: only for an item in a scale");
	/* yesno, choice, multi are counted, not scored */
	parse_fail(ITEMC("a", "likert5") "," ITEMC("y", "yesno"),
	    SCALE("'a','y'"), "scales[0].items[1]: item 'y' is yesno, which is "
	    "counted, not scored (want likert5, freq5 or scale0_10)");
	parse_fail(CHOICE("m", "multi", ""), SCALE("'m'"), "scales[0].items[0]: "
	    "item 'm' is multi, which is counted, not scored");
	/* at most one scale per item */
	parse_fail(ITEMC("a", "likert5") "," ITEMC("b", "likert5"),
	    ",'scales':[{'id':'s','name':{'nl':'S','en':'S'},'items':['a'],"
	    "'direction':'higher_is_worse','cut':{'amber':50,'red':75}},"
	    "{'id':'t','name':{'nl':'T','en':'T'},'items':['b','a'],"
	    "'direction':'higher_is_worse','cut':{'amber':50,'red':75}}]",
	    "scales[1].items[1]: item 'a' is already in scales[0]; an item "
	    "belongs to at most one scale");
	/* 1..8 items */
	parse_fail(ITEMC("a", "likert5"), SCALE(""), "scales[0].items: must be "
	    "an array of 1 to 8 item ids");
	parse_fail(ITEMC("a", "likert5"), ",'scales':[{'id':'s','name':{'nl':"
	    "'S','en':'S'},'items':'a','direction':'higher_is_worse',"
	    "'cut':{'amber':50,'red':75}}]", "scales[0].items: must be an "
	    "array of 1 to 8 item ids");
	strcpy(items, "");
	for (i = 0; i < 9; i++)
		sprintf(items + strlen(items), "%s{'id':'i%d','type':'scale0_10',"
		    TXT ",'construct':'c'}", i ? "," : "", i);
	parse_fail(items, SCALE("'i0','i1','i2','i3','i4','i5','i6','i7',"
	    "'i8'"), "scales[0].items: must be an array of 1 to 8 item ids");
	f = parse_ok(items, SCALE("'i0','i1','i2','i3','i4','i5','i6','i7'"));
	assert_int_equal(f->scales[0].n_items, 8);
	assert_int_equal(f->items[7].scale, 0);
	assert_int_equal(f->items[8].scale, -1);
	form_free(f);
	parse_fail(ITEMC("a", "likert5"), SCALE("7"),
	    "scales[0].items[0]: must be an item id");
	/* cut points */
	parse_fail(ITEMC("a", "likert5"), ",'scales':[{'id':'s','name':{'nl':"
	    "'S','en':'S'},'items':['a'],'direction':'higher_is_worse'}]",
	    "scales[0]: missing 'cut'");
	parse_fail(ITEMC("a", "likert5"), ",'scales':[{'id':'s','name':{'nl':"
	    "'S','en':'S'},'items':['a'],'direction':'higher_is_worse',"
	    "'cut':{'red':75}}]", "scales[0].cut: missing 'amber'");
	parse_fail(ITEMC("a", "likert5"), ",'scales':[{'id':'s','name':{'nl':"
	    "'S','en':'S'},'items':['a'],'direction':'higher_is_worse',"
	    "'cut':{'amber':-1,'red':75}}]",
	    "scales[0].cut.amber: -1 is outside 0-100");
	parse_fail(ITEMC("a", "likert5"), ",'scales':[{'id':'s','name':{'nl':"
	    "'S','en':'S'},'items':['a'],'direction':'higher_is_worse',"
	    "'cut':{'amber':50,'red':'75'}}]",
	    "scales[0].cut.red: must be a number 0-100");
	parse_fail(ITEMC("a", "likert5"), ",'scales':[{'id':'s','name':{'nl':"
	    "'S','en':'S'},'items':['a'],'direction':'higher_is_worse',"
	    "'cut':[50,75]}]",
	    "scales[0].cut: must be an object {\"amber\", \"red\"}");
	/* equal cuts are fine both ways; 0 and 100 are inside */
	f = parse_ok(ITEMC("a", "likert5") "," ITEMC("b", "likert5"),
	    ",'scales':[{'id':'s','name':{'nl':'S','en':'S'},'items':['a'],"
	    "'direction':'higher_is_worse','cut':{'amber':100,'red':100}},"
	    "{'id':'t','name':{'nl':'T','en':'T'},'items':['b'],"
	    "'direction':'higher_is_better','cut':{'amber':0,'red':0}}]");
	assert_int_equal(f->items[1].scale, 1);
	form_free(f);
}

static void
test_missing_translation(void **state)
{
	char buf[512];

	(void)state;
	snprintf(buf, sizeof buf, "{'id':'t','version':1,'title':{'nl':'T',"
	    "'en':''},'period':'week','items':[" ITEM("a", "yesno") "]}");
	parse_fail_raw(buf, "title.en: missing translation");
	parse_fail("{'id':'a','type':'yesno','text':{'nl':' ','en':'q'}}", "",
	    "items[0].text.nl: missing translation");
	parse_fail("{'id':'a','type':'yesno','text':{'nl':'q','en':3}}", "",
	    "items[0].text.en: must be a string");
	parse_fail("{'id':'a','type':'choice'," TXT ",'options':["
	    "{'value':'x','label':{'nl':'x'}},{'value':'y'," LBL("y") "}]}", "",
	    "items[0].options[0].label.en: missing translation");
	parse_fail("{'id':'a','type':'likert5'," TXT ",'options':["
	    "{'nl':'a','en':'A'},{'nl':'b','en':'B'},{'nl':'c','en':''},"
	    "{'nl':'d','en':'D'},{'nl':'e','en':'E'}]}", "",
	    "items[0].options[2].en: missing translation");
	parse_fail("{'id':'a','type':'scale0_10'," TXT ",'anchors':{"
	    "'low':{'nl':'laag','en':'low'},'high':{'en':'high'}}}", "",
	    "items[0].anchors.high.nl: missing translation");
	parse_fail("{'id':'a','type':'scale0_10'," TXT ",'anchors':{"
	    "'low':{'nl':'laag','en':'low'}}}", "",
	    "items[0].anchors: missing 'high'");
	parse_fail(ITEMC("a", "likert5"), ",'scales':[{'id':'s','name':{'nl':"
	    "'S'},'items':['a'],'direction':'higher_is_worse',"
	    "'cut':{'amber':50,'red':75}}]", "scales[0].name.en: missing "
	    "translation");
}

static void
test_modules_and_notes(void **state)
{
	struct form *f;

	(void)state;
	f = parse_ok("{'id':'a','type':'yesno'," TXT ",'module':'m1'},"
	    "{'id':'b','type':'yesno'," TXT ",'module':'m2'}," ITEM("c", "yesno"),
	    ",'modules':[{'id':'m1','title':{'nl':'Een','en':'One'}},"
	    "{'id':'m2','title':{'nl':'Twee','en':'Two'}}],"
	    "'notes':[{'after':'b','text':{'nl':'Hulp','en':'Help'}},"
	    "{'after':'a','text':{'nl':'Let op','en':'Mind'}}]");
	assert_int_equal(f->n_modules, 2);
	assert_string_equal(f->modules[0].id, "m1");
	assert_string_equal(f->modules[1].title.nl, "Twee");
	assert_string_equal(f->modules[1].title.en, "Two");
	assert_string_equal(f->items[0].module, "m1");
	assert_string_equal(f->items[1].module, "m2");
	assert_string_equal(f->items[2].module, "");
	assert_int_equal(f->n_notes, 2);
	assert_string_equal(f->notes[0].after, "b");
	assert_string_equal(f->notes[0].text.nl, "Hulp");
	assert_string_equal(f->notes[1].after, "a");
	assert_string_equal(f->notes[1].text.en, "Mind");
	form_free(f);

	parse_fail("{'id':'a','type':'yesno'," TXT ",'module':'m9'}",
	    ",'modules':[{'id':'m1','title':{'nl':'Een','en':'One'}}]",
	    "items[0].module: unknown module 'm9'");
	parse_fail("{'id':'a','type':'yesno'," TXT ",'module':'m9'}", "",
	    "items[0].module: unknown module 'm9' (the form has no 'modules')");
	parse_fail(ITEM("a", "yesno"), ",'modules':[{'id':'m','title':{'nl':"
	    "'A','en':'A'}},{'id':'m','title':{'nl':'B','en':'B'}}]",
	    "modules[1]: duplicate id 'm' (first at modules[0])");
	parse_fail(ITEM("a", "yesno"), ",'modules':[{'id':'M','title':{'nl':"
	    "'A','en':'A'}}]", "modules[0].id: invalid id 'M'");
	parse_fail(ITEM("a", "yesno"), ",'modules':[{'id':'m','title':{'nl':"
	    "'A'}}]", "modules[0].title.en: missing translation");
	parse_fail(ITEM("a", "yesno"), ",'modules':[{'id':'m'}]",
	    "modules[0]: missing 'title'");
	parse_fail(ITEM("a", "yesno"), ",'modules':{}",
	    "modules: must be an array of at most 32 modules");
	parse_fail(ITEM("a", "yesno"), ",'notes':[{'after':'zz','text':{'nl':"
	    "'A','en':'A'}}]", "notes[0].after: unknown item 'zz'");
	parse_fail(ITEM("a", "yesno"), ",'notes':[{'after':'a'}]",
	    "notes[0]: missing 'text'");
	parse_fail(ITEM("a", "yesno"), ",'notes':[{'text':{'nl':'A','en':'A'}}]",
	    "notes[0]: missing 'after'");
	parse_fail(ITEM("a", "yesno"), ",'notes':[{'after':'a','text':{'nl':"
	    "'','en':'A'}}]", "notes[0].text.nl: missing translation");
	parse_fail(ITEM("a", "yesno"), ",'notes':[{'after':'a','text':{'nl':"
	    "'A','en':'A'},'kleur':'rood'}]", "notes[0]: unknown key 'kleur'");
}

static void
test_modules_notes_limits(void **state)
{
	char tail[8192];
	struct form *f;
	int i;

	(void)state;
	strcpy(tail, ",'modules':[");
	for (i = 0; i < 33; i++)
		sprintf(tail + strlen(tail), "%s{'id':'m%d','title':{'nl':'M',"
		    "'en':'M'}}", i ? "," : "", i);
	strcat(tail, "]");
	parse_fail(ITEM("a", "yesno"), tail,
	    "modules: must be an array of at most 32 modules");
	strcpy(strstr(tail, ",{'id':'m32'"), "]");
	f = parse_ok(ITEM("a", "yesno"), tail);
	assert_int_equal(f->n_modules, 32);
	form_free(f);

	strcpy(tail, ",'notes':[");
	for (i = 0; i < 33; i++)
		sprintf(tail + strlen(tail), "%s{'after':'a','text':{'nl':'N',"
		    "'en':'N'}}", i ? "," : "");
	strcat(tail, "]");
	parse_fail(ITEM("a", "yesno"), tail,
	    "notes: must be an array of at most 32 notes");
}

/* ---- "zeg ik liever niet" answers --------------------------------------- */

/* n: likert5, q: freq5, s: scale0_10, y: yesno, c: choice, m: multi, all
 * sensitive; k: follows on y; z: plain yesno */
static struct form *
refuse_form(void)
{
	return parse_ok(
	    "{'id':'n','type':'likert5'," TXT ",'sensitive':true},"
	    "{'id':'q','type':'freq5'," TXT ",'sensitive':true},"
	    "{'id':'s','type':'scale0_10'," TXT ",'sensitive':true},"
	    "{'id':'y','type':'yesno'," TXT ",'sensitive':true},"
	    CHOICE("c", "choice", ",'sensitive':true") ","
	    CHOICE("m", "multi", ",'sensitive':true") ","
	    ITEM_IF("k", "yesno", "y == true or s > 5") ","
	    ITEM_IF("r", "yesno", "y == liever-niet and s != 3") ","
	    ITEM("z", "yesno"), "");
}

static void
test_refuse_answers(void **state)
{
	struct form *f = refuse_form();
	struct form_response r;
	char err[256] = "";

	(void)state;
	assert_int_equal(resp(f, "{'n':'liever-niet','q':'liever-niet',"
	    "'s':'liever-niet','y':'liever-niet','c':'liever-niet',"
	    "'m':['liever-niet'],'r':true}", &r, err, sizeof err), 0);
	assert_int_equal(r.a[0].state, FORM_ANSWERED);
	assert_int_equal(r.a[0].value, 5);
	assert_int_equal(r.a[1].value, 5);
	assert_int_equal(r.a[2].value, 11);
	assert_int_equal(r.a[3].value, 2);
	assert_int_equal(r.a[4].value, 3);
	assert_int_equal(r.a[5].value, 1u << 3);
	/* a refusal opens no follow-up: not "== true", not "> 5" */
	assert_int_equal(r.a[6].state, FORM_NOT_SHOWN);
	/* ... but "== liever-niet" and "!= 3" hold */
	assert_int_equal(r.a[7].state, FORM_ANSWERED);
	assert_int_equal(r.a[8].state, FORM_NOT_ANSWERED);
	form_response_clear(&r);

	/* for multi also as a plain string */
	assert_int_equal(resp(f, "{'m':'liever-niet','s':6}", &r, err,
	    sizeof err), 0);
	assert_int_equal(r.a[5].value, 1u << 3);
	assert_int_equal(r.a[6].state, FORM_NOT_ANSWERED); /* s > 5: shown */
	form_response_clear(&r);

	/* ordinary answers still work */
	assert_int_equal(resp(f, "{'n':5,'q':0,'s':10,'y':false,'c':'z',"
	    "'m':['x','z']}", &r, err, sizeof err), 0);
	assert_int_equal(r.a[0].value, 4);
	assert_int_equal(r.a[1].value, 0);
	assert_int_equal(r.a[2].value, 10);
	assert_int_equal(r.a[3].value, 1);
	assert_int_equal(r.a[4].value, 2);
	assert_int_equal(r.a[5].value, 5);
	form_response_clear(&r);

	resp_fail(f, "{'m':['x','liever-niet']}",
	    "item 'm': 'liever-niet' must be the only answer");
	resp_fail(f, "{'m':['liever-niet','x']}",
	    "item 'm': 'liever-niet' must be the only answer");
	resp_fail(f, "{'m':['liever-niet','liever-niet']}",
	    "item 'm': an option is given twice");
	resp_fail(f, "{'z':'liever-niet'}",
	    "item 'z': 'liever-niet' is not offered (the item is not sensitive)");
	resp_fail(f, "{'n':'liever'}", "item 'n': expected an integer 1-5");
	resp_fail(f, "{'y':'true'}", "item 'y': expected true or false");
	form_free(f);

	/* a refusal is not a number */
	parse_fail("{'id':'s','type':'scale0_10'," TXT ",'sensitive':true},"
	    ITEM_IF("k", "yesno", "s > liever-niet"), "",
	    "items[1].show_if: 'liever-niet' cannot be compared with >");
	parse_fail(ITEM("s", "scale0_10") "," ITEM_IF("k", "yesno",
	    "s == liever-niet"), "",
	    "items[1].show_if: 'liever-niet' is not an option of item 's'");
}

/* ---- form_check: every problem ------------------------------------------ */

struct problems {
	int n;
	char line[16][256];
};

static void
collect(void *arg, const char *problem)
{
	struct problems *ps = arg;

	if (ps->n < 16)
		snprintf(ps->line[ps->n], sizeof ps->line[0], "%s", problem);
	ps->n++;
}

static int
check_form(const char *sq, struct problems *ps, int max)
{
	char *j = dq(sq);
	int n;

	memset(ps, 0, sizeof *ps);
	n = form_check(j, strlen(j), collect, ps, max);
	free(j);
	return n;
}

static void
test_check_reports_all(void **state)
{
	static const char broken[] = "{'id':'t','version':1,"
	    "'title':{'nl':'T','en':''},'period':'week','items':["
	    ITEMC("sfeer", "likert5") ","
	    "{'id':'b','type':'choice'," TXT ",'options':[{'value':'x',"
	    LBL("x") "},{'value':'x'," LBL("y") "}]},"
	    ITEM_IF("c", "yesno", "foo == true") ","
	    ITEM_IF("d", "yesno", "e == true") ","
	    ITEM("e", "yesno") ","
	    "{'id':'sfeer','type':'yesno','text':{'nl':'vraag'}},"
	    ITEM("g", "likert5") "],"
	    "'scales':[{'id':'s','name':{'nl':'S','en':'S'},"
	    "'items':['sfeer','bar','g'],'direction':'higher_is_worse',"
	    "'cut':{'amber':50,'red':120}}]}";
	static const char *const want[] = {
		"title.en: missing translation",
		"items[1].options: duplicate value 'x'",
		"items[5]: duplicate id 'sfeer' (first at items[0])",
		"items[5].text.en: missing translation",
		"items[2].show_if: unknown item 'foo'",
		"items[3].show_if: refers to 'e', which is not an earlier item",
		"scales[0].items[1]: unknown item 'bar'",
		"scales[0].cut.red: 120 is outside 0-100",
		"items[6]: missing 'construct' (required for an item in a "
		    "scale; 'g' is in scales[0])",
	};
	struct problems ps;
	struct form *f = (struct form *)1;
	char *j, err[256] = "";
	size_t i;
	int n;

	(void)state;
	n = check_form(broken, &ps, 100);
	assert_int_equal(n, 9);
	assert_int_equal(ps.n, 9);
	for (i = 0; i < sizeof want / sizeof want[0]; i++)
		assert_string_equal(ps.line[i], want[i]);

	/* stops after max */
	assert_int_equal(check_form(broken, &ps, 3), 3);
	assert_int_equal(ps.n, 3);
	assert_string_equal(ps.line[2], want[2]);
	assert_int_equal(check_form(broken, &ps, 0), 1); /* at least one */

	/* form_parse says the first problem */
	j = dq(broken);
	assert_int_equal(form_parse(j, strlen(j), &f, err, sizeof err), -1);
	assert_null(f);
	assert_string_equal(err, want[0]);
	free(j);

	/* a valid form: no problem, no call */
	assert_int_equal(check_form("{'id':'t','version':1,'title':{'nl':'T',"
	    "'en':'T'},'period':'week','items':[" ITEM("a", "yesno") "]}", &ps,
	    10), 0);
	assert_int_equal(ps.n, 0);

	/* JSON errors point at the place */
	assert_int_equal(check_form("{'id':'t',\n  'version':1,,}", &ps, 10), 1);
	assert_string_equal(ps.line[0], "form is not valid JSON (near line 2, "
	    "column 16)");
	assert_int_equal(check_form("[]", &ps, 10), 1);
	assert_string_equal(ps.line[0], "form is not a JSON object");
	assert_int_equal(form_check(NULL, 0, NULL, NULL, 10), 1);
}

static void
test_check_broken_items_quiet(void **state)
{
	struct problems ps;

	(void)state;
	/* an item with a bad type is reported once, not again by the
	 * show_if and scale that name it */
	assert_int_equal(check_form("{'id':'t','version':1,'title':{'nl':'T',"
	    "'en':'T'},'period':'week','items':["
	    "{'id':'a','type':'slider'," TXT ",'construct':'c'},"
	    ITEM_IF("b", "yesno", "a == 3") "]," "'scales':[{'id':'s',"
	    "'name':{'nl':'S','en':'S'},'items':['a'],"
	    "'direction':'higher_is_worse','cut':{'amber':50,'red':75}}]}",
	    &ps, 100), 1);
	assert_string_equal(ps.line[0], "items[0].type: unknown type 'slider' "
	    "(want likert5, freq5, scale0_10, yesno, choice or multi)");
	/* several problems in one item */
	assert_int_equal(check_form("{'id':'t','version':1,'title':{'nl':'T',"
	    "'en':'T'},'period':'week','items':[{'id':'A','type':'yesno',"
	    "'text':{},'required':'ja','kleur':1}]}", &ps, 100), 5);
	assert_string_equal(ps.line[0], "items[0]: unknown key 'kleur'");
	assert_string_equal(ps.line[1], "items[0].id: invalid id 'A' "
	    "(want [a-z0-9][a-z0-9_-]{0,62})");
	assert_string_equal(ps.line[2], "items[0].text.nl: missing translation");
	assert_string_equal(ps.line[3], "items[0].text.en: missing translation");
	assert_string_equal(ps.line[4], "items[0].required: must be true or "
	    "false");
}

static void
test_check_hostile(void **state)
{
	size_t cap = FORM_MAX_BYTES, len;
	char *j = malloc(cap + 1), *p;
	struct problems ps;
	int i, n;

	(void)state;
	assert_non_null(j);
	/* thousands of unknown keys: stops at max */
	p = j + sprintf(j, "{");
	for (i = 0; i < 20000; i++)
		p += sprintf(p, "\"k%d\":1,", i);
	p += sprintf(p, "\"id\":\"t\"}");
	memset(&ps, 0, sizeof ps);
	n = form_check(j, (size_t)(p - j), collect, &ps, 50);
	assert_int_equal(n, 50);
	assert_int_equal(ps.n, 50);
	assert_string_equal(ps.line[0], "unknown key 'k0'");

	/* many duplicate keys */
	p = j + sprintf(j, "{");
	for (i = 0; i < 20000; i++)
		p += sprintf(p, "\"id\":\"t\",");
	p += sprintf(p, "\"version\":1}");
	memset(&ps, 0, sizeof ps);
	assert_int_equal(form_check(j, (size_t)(p - j), collect, &ps, 20), 20);
	assert_string_equal(ps.line[0], "duplicate key 'id'");

	/* 257 items */
	p = j + sprintf(j, "{\"id\":\"t\",\"version\":1,\"title\":{\"nl\":\"T\","
	    "\"en\":\"T\"},\"period\":\"week\",\"items\":[");
	for (i = 0; i < 257; i++)
		p += sprintf(p, "%s{\"id\":\"i%d\",\"type\":\"yesno\","
		    "\"text\":{\"nl\":\"q\",\"en\":\"q\"}}", i ? "," : "", i);
	p += sprintf(p, "]}");
	len = (size_t)(p - j);
	memset(&ps, 0, sizeof ps);
	assert_int_equal(form_check(j, len, collect, &ps, 50), 1);
	assert_string_equal(ps.line[0], "items: must be an array of 1 to 256 "
	    "items");
	/* 256 broken items: every one reported, up to max */
	p = j + sprintf(j, "{\"id\":\"t\",\"version\":1,\"title\":{\"nl\":\"T\","
	    "\"en\":\"T\"},\"period\":\"week\",\"items\":[");
	for (i = 0; i < 256; i++)
		p += sprintf(p, "%s{\"id\":\"i%d\",\"type\":\"x\"}", i ? "," : "",
		    i);
	p += sprintf(p, "]}");
	assert_int_equal(form_check(j, (size_t)(p - j), NULL, NULL, 100000),
	    512);
	free(j);
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
		assert_non_null(f->items[i].construct);
		assert_int_equal(f->items[i].scale, (int)i);
		assert_false(f->items[i].sensitive);
		assert_int_equal(f->items[i].publish, FORM_PUBLISH_TEAM);
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
		cmocka_unit_test(test_sensitive_options),
		cmocka_unit_test(test_sensitive_option_room),
		cmocka_unit_test(test_new_item_keys_bad),
		cmocka_unit_test(test_missing_translation),
		cmocka_unit_test(test_modules_and_notes),
		cmocka_unit_test(test_modules_notes_limits),
		cmocka_unit_test(test_refuse_answers),
		cmocka_unit_test(test_check_reports_all),
		cmocka_unit_test(test_check_broken_items_quiet),
		cmocka_unit_test(test_check_hostile),
		cmocka_unit_test(test_team_thermometer),
		cmocka_unit_test(test_size_cap),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
