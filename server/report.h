/*
 * report.h - reports, read only from publication snapshots (publish.h)
 * through an account's scope (account.h).
 *
 *   text  a terminal thermometer in 80 columns: bars, lights, trend arrows,
 *         benchmarks, what was withheld; colour only on a terminal
 *   json  the unit's snapshot body (schema in docs/indicators.md) plus
 *         "late" and the form's title
 *   csv   one row per unit x period x scale, the unit and the units below
 *         it that the account may see
 *   html  one self-contained printable page (report_html.c)
 *
 * An open period (or one still in its grace time) shows no results: only
 * how many responded per team, and "fewer than k" below k.
 */
#ifndef POLS_REPORT_H
#define POLS_REPORT_H

#include <stdio.h>

#include <cjson/cJSON.h>

#include "account.h"
#include "server.h"

enum report_format { REPORT_TEXT, REPORT_JSON, REPORT_CSV, REPORT_HTML };

/* "text" ... "html"; 0 or -1. */
int report_format_parse(const char *s, enum report_format *out);

/* unit NULL: the account's own (account_home); form NULL: the form of the
 * newest snapshot for the unit; period NULL: the newest published period.
 * Publishes what is due first, checks the scope, writes the audit line.
 * 0, or -1 with the reason in err (refusals included). */
int report_for(struct server *s, const struct account *a, const char *unit,
    const char *form, const char *period, enum report_format fmt, FILE *out,
    char *err, size_t errlen);

/* The HTML page of one report (report_html.c): body as report_for's json,
 * f its form (texts, scale names). 0 or -1. */
int report_html(const cJSON *body, const struct form *f, FILE *out);

/* The HTML page of an open period's response (report_for's json). */
int report_html_progress(const cJSON *progress, const struct form *f,
    FILE *out);

#endif
