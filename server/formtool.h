/*
 * formtool.h - `polsctl form check` and `polsctl form show`: a form file
 * checked and shown without an installation (no --data needed).
 */
#ifndef POLS_FORMTOOL_H
#define POLS_FORMTOOL_H

/* At most this many problems are listed for one form. */
#define FORMTOOL_MAX_PROBLEMS 200

/* Check the form in path. Each problem goes to stderr as
 * "FILE: items[12].options: reason", one a line; a valid form prints
 * "FILE: ok (N items, M scales)" on stdout. Returns 0 when valid, 1 when
 * not (or when the file cannot be read). */
int formtool_check(const char *path);

/* Print the form in path as a respondent reads it, in lang ("nl" or "en";
 * NULL: "nl"), on stdout: the title, each module's title, each item as
 * "vraag N" / "question N" with its text and answer options (value and
 * label), its condition, and the notes after it. An invalid form is
 * reported as by formtool_check. Returns 0, or 1 when the form is invalid
 * or cannot be read. */
int formtool_show(const char *path, const char *lang);

#endif
