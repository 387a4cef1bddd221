/*
 * config.c - the one configuration file format of pols.
 *
 * A program describes every key it knows in a table (name, type, bounds,
 * default, help). config_load() starts from the defaults and overrides
 * them with the file; anything it does not understand is refused with
 * `FILE:LINE: reason`, never skipped. The syntax (docs/config.md):
 *
 *   # comment
 *   key = value            # trailing comment
 *   name = "quoted # not a comment, \" and \\ escaped"
 *
 * Lines are at most CONFIG_LINE_MAX bytes. This module does not know any
 * key itself and prints nothing.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#define CONFIG_LINE_MAX 1024

struct config_value {
	char *name;
	enum config_type type;
	long ival; /* CONFIG_INT and CONFIG_BOOL */
	char *sval; /* CONFIG_STRING */
	int line;   /* where it was set; 0 for the default */
};

struct config {
	struct config_value *v;
	size_t n;
};

static void
set_err(char *err, size_t errlen, const char *path, int line,
    const char *fmt, ...) __attribute__((format(printf, 5, 6)));

static void
set_err(char *err, size_t errlen, const char *path, int line,
    const char *fmt, ...)
{
	char msg[CONFIG_LINE_MAX + 256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (err == NULL || errlen == 0)
		return;
	if (line > 0)
		snprintf(err, errlen, "%s:%d: %s", path, line, msg);
	else
		snprintf(err, errlen, "%s: %s", path, msg);
}

void
config_free(struct config *c)
{
	if (c == NULL)
		return;
	for (size_t i = 0; i < c->n; i++) {
		free(c->v[i].name);
		free(c->v[i].sval);
	}
	free(c->v);
	free(c);
}

static int
is_space(char c)
{
	return c == ' ' || c == '\t';
}

/* Decimal integer, optional sign, nothing else. */
static int
parse_long(const char *s, long *out)
{
	char *end;
	long v;

	if (*s == '\0' || is_space(*s))
		return -1;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || *end != '\0')
		return -1;
	*out = v;
	return 0;
}

static int
parse_bool(const char *s, long *out)
{
	if (strcasecmp(s, "yes") == 0 || strcasecmp(s, "true") == 0 ||
	    strcmp(s, "1") == 0) {
		*out = 1;
		return 0;
	}
	if (strcasecmp(s, "no") == 0 || strcasecmp(s, "false") == 0 ||
	    strcmp(s, "0") == 0) {
		*out = 0;
		return 0;
	}
	return -1;
}

/* 1 when word is one of the '|'-separated choices. */
static int
enum_ok(const char *choices, const char *word)
{
	size_t n = strlen(word);
	const char *p = choices;

	while (p != NULL && *p) {
		const char *e = strchr(p, '|');
		size_t len = e ? (size_t)(e - p) : strlen(p);
		if (len == n && strncmp(p, word, n) == 0)
			return 1;
		p = e ? e + 1 : NULL;
	}
	return 0;
}

/*
 * Convert and check text for key k into v. Returns 0, -1 with the reason
 * in why (no location), or -2 when out of memory.
 */
static int
set_value(struct config_value *v, const struct config_key *k,
    const char *text, char *why, size_t whylen)
{
	long n;
	size_t len;
	char *s;

	switch (k->type) {
	case CONFIG_INT:
		if (parse_long(text, &n) < 0 || n < k->min || n > k->max) {
			snprintf(why, whylen,
			    "'%s' must be an integer between %ld and %ld",
			    k->name, k->min, k->max);
			return -1;
		}
		v->ival = n;
		return 0;
	case CONFIG_BOOL:
		if (parse_bool(text, &n) < 0) {
			snprintf(why, whylen, "'%s' must be yes or no",
			    k->name);
			return -1;
		}
		v->ival = n;
		return 0;
	case CONFIG_ENUM:
		if (!enum_ok(k->choices, text)) {
			char list[256];
			snprintf(list, sizeof list, "%s", k->choices);
			for (char *p = list; *p; p++)
				if (*p == '|')
					*p = ',';
			snprintf(why, whylen, "'%s' must be one of %s",
			    k->name, list);
			return -1;
		}
		/* FALLTHROUGH */
	case CONFIG_STRING:
		len = strlen(text);
		if (k->max >= 0 && len > (size_t)k->max) {
			snprintf(why, whylen, "'%s' is longer than %ld bytes",
			    k->name, k->max);
			return -1;
		}
		if (k->min > 0 && len < (size_t)k->min) {
			snprintf(why, whylen, "'%s' must be at least %ld bytes",
			    k->name, k->min);
			return -1;
		}
		if ((s = strdup(text)) == NULL)
			return -2;
		free(v->sval);
		v->sval = s;
		return 0;
	}
	abort();
}

/*
 * Read one line (without its LF or CRLF) into buf, which has room for
 * CONFIG_LINE_MAX bytes, a CR and the NUL. Returns 1 for a line,
 * 0 at end of file, -1 when too long or holding a NUL byte (reason in why),
 * -2 on a read error (errno set).
 */
static int
read_line(FILE *f, char *buf, size_t size, char *why, size_t whylen)
{
	size_t len = 0;
	int c, any = 0;

	while ((c = getc(f)) != EOF) {
		any = 1;
		if (c == '\n')
			break;
		if (c == '\0') {
			snprintf(why, whylen, "line contains a NUL byte");
			return -1;
		}
		if (len + 1 >= size)
			goto too_long;
		buf[len++] = (char)c;
	}
	if (c == EOF && ferror(f))
		return -2;
	if (!any)
		return 0;
	if (len > 0 && buf[len - 1] == '\r')
		len--;
	if (len > CONFIG_LINE_MAX)
		goto too_long;
	buf[len] = '\0';
	return 1;
too_long:
	snprintf(why, whylen, "line is longer than %d bytes", CONFIG_LINE_MAX);
	return -1;
}

/*
 * Split a line into key and value, in place. Returns 1 for a key/value
 * line, 0 for a blank or comment line, -1 with the reason in why.
 */
static int
split_line(char *line, char **key, char **value, char *why, size_t whylen)
{
	char *p = line, *k, *e, *out;

	while (is_space(*p))
		p++;
	if (*p == '\0' || *p == '#')
		return 0;
	k = p;
	while (*p != '\0' && *p != '=' && *p != '#')
		p++;
	if (*p != '=') {
		snprintf(why, whylen, "missing '='");
		return -1;
	}
	e = p;
	while (e > k && is_space(e[-1]))
		e--;
	*e = '\0';
	if (*k == '\0') {
		snprintf(why, whylen, "missing key before '='");
		return -1;
	}
	*key = k;
	p++;
	while (is_space(*p))
		p++;
	if (*p != '"') {
		char *v = p;

		while (*p != '\0' && *p != '#')
			p++;
		while (p > v && is_space(p[-1]))
			p--;
		*p = '\0';
		*value = v;
		return 1;
	}
	out = ++p;
	*value = out;
	for (;;) {
		if (*p == '\0') {
			snprintf(why, whylen, "unterminated quote");
			return -1;
		}
		if (*p == '"')
			break;
		if (*p == '\\') {
			if (p[1] != '"' && p[1] != '\\') {
				if (p[1] == '\0')
					snprintf(why, whylen,
					    "unterminated quote");
				else
					snprintf(why, whylen,
					    "unknown escape '\\%c' in quoted "
					    "value (only \\\" and \\\\)", p[1]);
				return -1;
			}
			p++;
		}
		*out++ = *p++;
	}
	p++;
	*out = '\0';
	while (is_space(*p))
		p++;
	if (*p != '\0' && *p != '#') {
		snprintf(why, whylen, "unexpected text after closing quote");
		return -1;
	}
	return 1;
}

static size_t
find_key(const struct config_key *table, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(table[i].name, name) == 0)
			return i;
	return n;
}

/* A config holding the defaults; NULL when out of memory. Aborts on a
 * table whose defaults do not fit it (a programming error). */
static struct config *
config_defaults(const struct config_key *table, size_t n)
{
	struct config *c;
	char why[256];

	if ((c = calloc(1, sizeof(*c))) == NULL)
		return NULL;
	if ((c->v = calloc(n ? n : 1, sizeof(*c->v))) == NULL) {
		free(c);
		return NULL;
	}
	c->n = n;
	for (size_t i = 0; i < n; i++) {
		const struct config_key *k = &table[i];
		struct config_value *v = &c->v[i];

		if (k->name == NULL || find_key(table, i, k->name) != i)
			abort();
		if ((v->name = strdup(k->name)) == NULL)
			goto oom;
		v->type = k->type;
		if (k->type == CONFIG_STRING) {
			/* A default shorter than min marks a required key:
			 * kept as is, refused in config_load if not set. */
			v->sval = strdup(k->def ? k->def : "");
			if (v->sval == NULL)
				goto oom;
			continue;
		}
		if (k->def == NULL)
			abort();
		switch (set_value(v, k, k->def, why, sizeof(why))) {
		case 0:
			break;
		case -2:
			goto oom;
		default:
			abort();
		}
	}
	return c;
oom:
	config_free(c);
	return NULL;
}

int
config_load(struct config **out, const struct config_key *table, size_t n,
    const char *path, int allow_missing, char *err, size_t errlen)
{
	struct config *c;
	FILE *f;
	char line[CONFIG_LINE_MAX + 2];
	char why[CONFIG_LINE_MAX + 128];
	int lineno = 0, rc;

	*out = NULL;
	if ((c = config_defaults(table, n)) == NULL) {
		set_err(err, errlen, path, 0, "%s", strerror(ENOMEM));
		return -1;
	}
	if ((f = fopen(path, "r")) == NULL) {
		if (errno == ENOENT && allow_missing)
			goto check;
		set_err(err, errlen, path, 0, "%s", strerror(errno));
		goto fail;
	}
	for (;;) {
		char *key, *value;
		size_t i;

		rc = read_line(f, line, sizeof(line), why, sizeof(why));
		if (rc == 0)
			break;
		lineno++;
		if (rc == -2) {
			set_err(err, errlen, path, 0, "%s", strerror(errno));
			goto fail_file;
		}
		if (rc < 0)
			goto fail_why;
		rc = split_line(line, &key, &value, why, sizeof(why));
		if (rc == 0)
			continue;
		if (rc < 0)
			goto fail_why;
		if ((i = find_key(table, n, key)) == n) {
			snprintf(why, sizeof(why), "unknown key '%s'", key);
			goto fail_why;
		}
		if (c->v[i].line != 0) {
			snprintf(why, sizeof(why), "duplicate key '%s'", key);
			goto fail_why;
		}
		rc = set_value(&c->v[i], &table[i], value, why, sizeof(why));
		if (rc == -2) {
			set_err(err, errlen, path, 0, "%s", strerror(ENOMEM));
			goto fail_file;
		}
		if (rc < 0)
			goto fail_why;
		c->v[i].line = lineno;
	}
	fclose(f);
check:
	for (size_t i = 0; i < n; i++) {
		const struct config_key *k = &table[i];

		if (k->type == CONFIG_STRING && k->min > 0 &&
		    strlen(c->v[i].sval) < (size_t)k->min) {
			set_err(err, errlen, path, 0, "missing key '%s'",
			    k->name);
			goto fail;
		}
	}
	*out = c;
	return 0;
fail_why:
	set_err(err, errlen, path, lineno, "%s", why);
fail_file:
	fclose(f);
fail:
	config_free(c);
	return -1;
}

static const struct config_value *
lookup(const struct config *c, const char *name, enum config_type type)
{
	if (c == NULL || name == NULL)
		abort();
	for (size_t i = 0; i < c->n; i++) {
		if (strcmp(c->v[i].name, name) == 0) {
			if (c->v[i].type != type &&
			    !(type == CONFIG_STRING &&
			    c->v[i].type == CONFIG_ENUM))
				abort();
			return &c->v[i];
		}
	}
	abort();
}

long
config_int(const struct config *c, const char *name)
{
	return lookup(c, name, CONFIG_INT)->ival;
}

const char *
config_str(const struct config *c, const char *name)
{
	return lookup(c, name, CONFIG_STRING)->sval;
}

int
config_bool(const struct config *c, const char *name)
{
	return (int)lookup(c, name, CONFIG_BOOL)->ival;
}

/* A string value as it must be written in the file: quoted when it would
 * not survive unquoted. */
static void
write_string(FILE *f, const char *s)
{
	size_t len = strlen(s);
	int quote = len == 0 || is_space(s[0]) || is_space(s[len - 1]) ||
	    strpbrk(s, "#\"\\") != NULL;

	if (!quote) {
		fputs(s, f);
		return;
	}
	fputc('"', f);
	for (; *s != '\0'; s++) {
		if (*s == '"' || *s == '\\')
			fputc('\\', f);
		fputc(*s, f);
	}
	fputc('"', f);
}

static void
write_comment(FILE *f, const char *text)
{
	fputs("# ", f);
	for (; *text != '\0'; text++) {
		fputc(*text, f);
		if (*text == '\n' && text[1] != '\0')
			fputs("# ", f);
	}
	fputc('\n', f);
}

int
config_write_example(const struct config_key *table, size_t n,
    const char *path)
{
	FILE *f;
	int fd, saved;

	/* Never through a link planted at path (a shared /tmp, say). */
	if ((fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW |
	    O_CLOEXEC, 0644)) < 0)
		return -1;
	if ((f = fdopen(fd, "w")) == NULL) {
		saved = errno;
		close(fd);
		errno = saved;
		return -1;
	}
	for (size_t i = 0; i < n; i++) {
		const struct config_key *k = &table[i];
		const char *def = k->def ? k->def : "";

		if (i > 0)
			fputc('\n', f);
		write_comment(f, k->help ? k->help : k->name);
		switch (k->type) {
		case CONFIG_INT:
			fprintf(f, "# integer, %ld to %ld, default %s\n",
			    k->min, k->max, def);
			fprintf(f, "#%s = %s\n", k->name, def);
			break;
		case CONFIG_BOOL:
			fprintf(f, "# yes or no, default %s\n", def);
			fprintf(f, "#%s = %s\n", k->name, def);
			break;
		case CONFIG_ENUM:
			fprintf(f, "# one of %s, default %s\n", k->choices,
			    def);
			fprintf(f, "#%s = %s\n", k->name, def);
			break;
		case CONFIG_STRING:
			fprintf(f, "# string, %ld to %ld bytes, ",
			    k->min < 0 ? 0 : k->min, k->max);
			if (k->min > 0 && strlen(def) < (size_t)k->min) {
				fputs("required", f);
			} else {
				fputs("default ", f);
				write_string(f, def);
			}
			fprintf(f, "\n#%s = ", k->name);
			write_string(f, def);
			fputc('\n', f);
			break;
		}
	}
	if (ferror(f)) {
		saved = errno ? errno : EIO;
		fclose(f);
		errno = saved;
		return -1;
	}
	if (fclose(f) != 0)
		return -1;
	return 0;
}
