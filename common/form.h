/*
 * form.h - questionnaires as data: parse, validate, and check one response.
 *
 * A form is JSON (schema in docs/forms.md). No questionnaire is compiled
 * into the code. form_parse() validates a form completely (ids, types,
 * options, show_if references, scales); a form that parses is safe to use.
 * Signatures over forms are not this module's business (see crypto.h).
 *
 * Option values are strings everywhere inside pols, so counts can be keyed
 * by them: likert5 "1".."5", freq5 "0".."4" (never..always), scale0_10
 * "0".."10", yesno "true"/"false", choice/multi the option's own value
 * ([a-z0-9][a-z0-9_-]{0,31}). In answer JSON they are numbers, booleans,
 * strings and arrays of strings respectively.
 *
 * A sensitive item also offers "zeg ik liever niet": the option value
 * FORM_REFUSE ("liever-niet"), appended as its last option, answered in JSON
 * as the string "liever-niet" whatever the item's type. It is counted like
 * any option and never scored; for multi it stands alone.
 */
#ifndef POLS_FORM_H
#define POLS_FORM_H

#include <stdbool.h>
#include <stddef.h>
#include <cjson/cJSON.h>

#include "period.h"

#define FORM_ID_MAX 64      /* ids: [a-z0-9][a-z0-9_-]{0,62} */
#define FORM_MAX_ITEMS 256
#define FORM_MAX_OPTIONS 32 /* multi answers are a 32-bit mask */
#define FORM_MAX_SCALES 64
#define FORM_MAX_BYTES (256 * 1024)
#define FORM_MAX_MODULES 32
#define FORM_MAX_NOTES 32
#define FORM_SCALE_MAX_ITEMS 8 /* scale means are exact in 1/840 units */
#define FORM_REFUSE "liever-niet"

enum form_item_type {
	FORM_LIKERT5,
	FORM_FREQ5,
	FORM_SCALE0_10,
	FORM_YESNO,
	FORM_CHOICE,
	FORM_MULTI
};

struct form_text {
	char *nl;
	char *en;
};

struct form_option {
	char value[FORM_ID_MAX]; /* see above; for fixed types generated */
	struct form_text label;  /* may be NULL strings for scale0_10 */
};

struct form_cond; /* parsed show_if expression, opaque */

/* The lowest level at which an item's counts may be published. */
enum form_publish { FORM_PUBLISH_TEAM = 0, FORM_PUBLISH_DISTRICT };

struct form_item {
	char id[FORM_ID_MAX];
	enum form_item_type type;
	struct form_text text;
	size_t n_options;
	struct form_option *options; /* always filled, also for fixed types */
	bool reverse;
	bool required;
	char *show_if;          /* source text or NULL */
	struct form_cond *cond; /* NULL when always shown */
	char module[FORM_ID_MAX]; /* "" or the id of one of form->modules */
	char *construct;        /* what a scored item measures; NULL if none */
	bool sensitive;         /* offers FORM_REFUSE as its last option */
	enum form_publish publish; /* "publish": "team" (default) | "district" */
	int scale;              /* index into form->scales, or -1 */
};

/* A module: a group of items a campaign can include or leave out. */
struct form_module {
	char id[FORM_ID_MAX];
	struct form_text title;
};

/* Text shown after an item (e.g. where to get help). */
struct form_note {
	char after[FORM_ID_MAX]; /* item id */
	struct form_text text;
};

enum form_direction { FORM_HIGHER_IS_WORSE, FORM_HIGHER_IS_BETTER };

struct form_scale {
	char id[FORM_ID_MAX];
	struct form_text name;
	size_t n_items;
	char (*items)[FORM_ID_MAX];
	enum form_direction direction;
	double cut_amber, cut_red; /* on the 0-100 scale */
	/* The team light (docs/indicators.md): red when the mean is in the
	 * red zone or at least light_red of the respondents are; amber when
	 * the mean is amber, at least light_amber are red, or half are red or
	 * amber. From the form's optional "light": {"red_share",
	 * "amber_share"}. */
	double light_red, light_amber;
};

#define FORM_LIGHT_RED_SHARE 0.25
#define FORM_LIGHT_AMBER_SHARE 0.10

struct form {
	char id[FORM_ID_MAX];
	int version; /* >= 1 */
	struct form_text title;
	enum period_kind period;
	size_t n_items;
	struct form_item *items;
	size_t n_scales;
	struct form_scale *scales;
	size_t n_modules;
	struct form_module *modules;
	size_t n_notes;
	struct form_note *notes;
};

/* Every problem of a form, one a call, as "items[12].options: reason"
 * (a JSON path into the form, then why). Returns the number of problems
 * found (0: the form is valid); stops after max problems. For
 * `polsctl form check`. */
typedef void (*form_problem_fn)(void *arg, const char *problem);
int form_check(const char *json, size_t len, form_problem_fn fn, void *arg,
    int max);

/* Parse and validate a form from JSON text (len bytes, need not be NUL
 * terminated, at most FORM_MAX_BYTES). On success returns 0 and *out owns
 * the form (form_free). On failure returns -1 with a one-line reason naming
 * the offending item/key in err as a JSON path, e.g.
 * "items[3].type: unknown type 'x'". */
int form_parse(const char *json, size_t len, struct form **out, char *err,
    size_t errlen);
void form_free(struct form *f); /* accepts NULL */

/* The scale of that id, or NULL. */
const struct form_scale *form_scale_find(const struct form *f,
    const char *id);

/* Index of item id, or -1. */
int form_item_index(const struct form *f, const char *id);
/* Index of option value within item, or -1. */
int form_option_index(const struct form_item *it, const char *value);

/* One response, as indices into the form. Plain value struct. */
enum form_answer_state {
	FORM_NOT_ANSWERED = 0, /* shown, left empty (counted as "_na") */
	FORM_NOT_SHOWN,        /* show_if false (counted as "_ns") */
	FORM_ANSWERED
};

struct form_answer {
	enum form_answer_state state;
	unsigned value; /* option index; for FORM_MULTI a bit mask of options */
};

struct form_response {
	size_t n; /* == form->n_items */
	struct form_answer *a;
};

/* Check an answers object ({"item": value, ...}) against f and fill r
 * (r->a allocated, free with form_response_clear which also wipes it).
 * Refused, with a one-line reason in err and return -1: an unknown item, a
 * value of the wrong type or out of range, a missing required item that is
 * shown, an answer to an item whose show_if is false. Items whose show_if
 * is false become FORM_NOT_SHOWN, unanswered optional items
 * FORM_NOT_ANSWERED. */
int form_response_parse(const struct form *f, const cJSON *answers,
    struct form_response *r, char *err, size_t errlen);

/* Evaluate item i's show_if against the answers so far in r (items before
 * i). Items without show_if are always shown. For the interactive kiosk. */
bool form_item_shown(const struct form *f, size_t i,
    const struct form_response *r);

/* Wipe (sodium_memzero) and free the answer buffer; accepts r->a == NULL. */
void form_response_clear(struct form_response *r);

#endif
