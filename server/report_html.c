/*
 * report_html.c - the HTML report: one self-contained, printable page
 * (inline CSS and SVG, no external assets), in Dutch.
 */
#include <stdio.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "report.h"

static void
esc(FILE *out, const char *s)
{
	for (; s != NULL && *s; s++) {
		switch (*s) {
		case '<': fputs("&lt;", out); break;
		case '>': fputs("&gt;", out); break;
		case '&': fputs("&amp;", out); break;
		case '"': fputs("&quot;", out); break;
		default: fputc(*s, out);
		}
	}
}

static const char *
str(const cJSON *o, const char *k)
{
	const cJSON *x = cJSON_GetObjectItemCaseSensitive(o, k);

	return cJSON_IsString(x) ? x->valuestring : "";
}

int
report_html(const cJSON *b, const struct form *f, FILE *out)
{
	const cJSON *sc;

	fputs("<!DOCTYPE html>\n<html lang=\"nl\"><head><meta charset=\"utf-8\">"
	    "<title>", out);
	esc(out, f->title.nl);
	fputs("</title></head><body>\n<h1>", out);
	esc(out, f->title.nl);
	fputs(" &mdash; ", out);
	esc(out, str(b, "name"));
	fputs("</h1>\n<table>\n", out);
	cJSON_ArrayForEach(sc, cJSON_GetObjectItemCaseSensitive(b, "scales")) {
		const cJSON *m = cJSON_GetObjectItemCaseSensitive(sc, "mean");
		fputs("<tr><td>", out);
		esc(out, str(sc, "id"));
		if (cJSON_IsNumber(m))
			fprintf(out, "</td><td>%.1f</td><td><svg width=\"200\" "
			    "height=\"12\"><rect width=\"%.0f\" height=\"12\">"
			    "</rect></svg></td><td>%s</td></tr>\n",
			    m->valuedouble, 2 * m->valuedouble,
			    str(sc, "light"));
		else
			fputs("</td><td>-</td></tr>\n", out);
	}
	fputs("</table>\n</body></html>\n", out);
	return ferror(out) ? -1 : 0;
}
