/*
 * config.h - one configuration format for polsd, polsctl and pols-kiosk.
 *
 * A config file is lines of `key = value`; `#` starts a comment; blank
 * lines are ignored; a value may be "double quoted". Every key a program
 * knows is listed in its table with type, bounds and default; an unknown
 * key, a duplicate key, or a value out of bounds is refused as
 * `FILE:LINE: reason`. See docs/config.md.
 */
#ifndef POLS_CONFIG_H
#define POLS_CONFIG_H

#include <stddef.h>

enum config_type {
	CONFIG_INT,    /* decimal integer in [min, max] */
	CONFIG_STRING, /* up to max bytes (min: minimum length) */
	CONFIG_BOOL,   /* yes/no, true/false, 1/0 */
	CONFIG_ENUM    /* one of the words in choices ("a|b|c"); a string */
};

struct config_key {
	const char *name;
	enum config_type type;
	long min, max;
	const char *def; /* default, as it would be written in the file */
	const char *help;
	const char *choices; /* CONFIG_ENUM only */
};

struct config; /* opaque */

/* Load path against table (n entries). A missing file is not an error when
 * allow_missing is set: every key then has its default. On success *out
 * owns a config freed with config_free(). On failure returns -1, *out is
 * NULL and err holds `FILE:LINE: reason` (or `FILE: reason`). */
int config_load(struct config **out, const struct config_key *table, size_t n,
    const char *path, int allow_missing, char *err, size_t errlen);

/* Values; asking for a key not in the table is a programming error
 * (abort). Strings stay valid until config_free(); config_str also reads
 * CONFIG_ENUM keys. */
long config_int(const struct config *c, const char *name);
const char *config_str(const struct config *c, const char *name);
int config_bool(const struct config *c, const char *name);

void config_free(struct config *c); /* accepts NULL */

/* Write a commented example file listing every key with help, bounds and
 * default to path. Returns 0 or -1 (errno set). */
int config_write_example(const struct config_key *table, size_t n,
    const char *path);

#endif
