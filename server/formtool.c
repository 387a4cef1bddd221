/*
 * formtool.c - see formtool.h: check a form file and list every problem,
 * or print the questionnaire for review by HR and the works council.
 */
#include "formtool.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "form.h"
#include "util.h"

struct printer {
	const char *path;
	int n;
};

static void
print_problem(void *arg, const char *problem)
{
	struct printer *p = arg;

	fprintf(stderr, "%s: %s\n", p->path, problem);
	p->n++;
}

/* Read path and report its problems on stderr. Returns the form when it
 * is valid, else NULL. */
static struct form *
load(const char *path)
{
	struct printer pr = { path, 0 };
	struct form *f = NULL;
	char err[ERRLEN], *text = NULL;
	size_t len;
	int n;

	if (util_read_file(path, FORM_MAX_BYTES, &text, &len, err,
	    sizeof err) != 0) {
		fprintf(stderr, "%s: %s\n", path, err);
		return NULL;
	}
	n = form_check(text, len, print_problem, &pr, FORMTOOL_MAX_PROBLEMS);
	if (n >= FORMTOOL_MAX_PROBLEMS)
		fprintf(stderr, "%s: stopped after %d problems\n", path, n);
	if (n == 0 && form_parse(text, len, &f, err, sizeof err) != 0)
		fprintf(stderr, "%s: %s\n", path, err); /* out of memory */
	free(text);
	return f;
}

int
formtool_check(const char *path)
{
	struct form *f = load(path);

	if (f == NULL)
		return 1;
	printf("%s: ok (%zu %s, %zu %s)\n", path, f->n_items,
	    f->n_items == 1 ? "item" : "items", f->n_scales,
	    f->n_scales == 1 ? "scale" : "scales");
	form_free(f);
	return 0;
}

/* ---- show --------------------------------------------------------------- */

struct words {
	const char *question, *required, *only_if, *multi, *module, *version,
	    *period[4];
};

static const struct words words_nl = {
	"vraag", "verplicht", "alleen als", "meer antwoorden mogelijk",
	"onderdeel", "versie",
	{ "per week", "per twee weken", "per maand", "per campagne" },
};

static const struct words words_en = {
	"question", "required", "only if", "more than one answer possible",
	"part", "version",
	{ "weekly", "every two weeks", "monthly", "per campaign" },
};

static const char *
txt(const struct form_text *t, bool en)
{
	const char *s = en ? t->en : t->nl;

	return s != NULL ? s : "";
}

static void
show_options(const struct form_item *it, bool en)
{
	size_t i, n = it->n_options;

	if (it->sensitive && n > 0)
		n--; /* "liever-niet" last, below */
	if (it->type == FORM_SCALE0_10) {
		printf("  0 ... 10");
		if (it->options[0].label.nl != NULL ||
		    it->options[10].label.nl != NULL) {
			printf("   (");
			if (it->options[0].label.nl != NULL)
				printf("0 = %s", txt(&it->options[0].label, en));
			if (it->options[0].label.nl != NULL &&
			    it->options[10].label.nl != NULL)
				printf(", ");
			if (it->options[10].label.nl != NULL)
				printf("10 = %s",
				    txt(&it->options[10].label, en));
			printf(")");
		}
		printf("\n");
	} else {
		for (i = 0; i < n; i++)
			printf("  [%s] %s\n", it->options[i].value,
			    txt(&it->options[i].label, en));
	}
	if (it->sensitive && it->n_options > 0)
		printf("  [%s] %s\n", it->options[it->n_options - 1].value,
		    txt(&it->options[it->n_options - 1].label, en));
}

/* A note, each of its lines marked with "> ". */
static void
show_note(const char *s)
{
	size_t n;

	printf("\n");
	do {
		n = strcspn(s, "\n");
		printf("> %.*s\n", (int)n, s);
		s += n;
	} while (*s++ != '\0');
}

static void
show_form(const struct form *f, bool en)
{
	const struct words *w = en ? &words_en : &words_nl;
	const char *module = "";
	size_t i, k;

	printf("%s\n", txt(&f->title, en));
	printf("(%s, %s %d, %s)\n", f->id, w->version, f->version,
	    (unsigned)f->period < 4 ? w->period[f->period] : "?");
	for (i = 0; i < f->n_items; i++) {
		const struct form_item *it = &f->items[i];

		if (strcmp(it->module, module) != 0) {
			module = it->module;
			for (k = 0; k < f->n_modules; k++)
				if (strcmp(f->modules[k].id, module) == 0)
					printf("\n== %s ==\n",
					    txt(&f->modules[k].title, en));
		}
		printf("\n%s %zu [%s]", w->question, i + 1, it->id);
		if (it->required)
			printf(" (%s)", w->required);
		if (it->type == FORM_MULTI)
			printf(" (%s)", w->multi);
		if (it->show_if != NULL)
			printf(" (%s: %s)", w->only_if, it->show_if);
		printf("\n%s\n", txt(&it->text, en));
		show_options(it, en);
		for (k = 0; k < f->n_notes; k++)
			if (strcmp(f->notes[k].after, it->id) == 0)
				show_note(txt(&f->notes[k].text, en));
	}
}

int
formtool_show(const char *path, const char *lang)
{
	struct form *f;

	if (lang != NULL && strcmp(lang, "nl") != 0 && strcmp(lang, "en") != 0) {
		fprintf(stderr, "%s: unknown language '%s' (want nl or en)\n",
		    path, lang);
		return 1;
	}
	if ((f = load(path)) == NULL)
		return 1;
	show_form(f, lang != NULL && strcmp(lang, "en") == 0);
	form_free(f);
	return 0;
}
