/*
 * org.c - reading and checking the organisation CSV.
 *
 * The file is RFC 4180 CSV with the header id,parent,name,kind,headcount.
 * Each record is one physical line (LF or CRLF); a quoted field may hold
 * commas and "" but not a line break. A UTF-8 byte order mark at the start
 * and blank lines at the end are ignored. The whole file is checked before
 * anything is returned: the first problem found is reported as
 * `FILE:LINE: reason` with the physical line number.
 *
 * Checks happen in two passes: each row on its own (fields, id syntax,
 * duplicates, kind, headcount, name) while reading, then the parent links
 * of the rows whose parent is in the file. Duplicates are found with an
 * open-addressing hash table, so 200,000 rows take well under a second.
 * Writing to the database is org_db.c's business, not this file's.
 */
#include "org.h"

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ORG_LINE_MAX 1024    /* bytes per line, without the line end */
#define ORG_HEADCOUNT_MAX 100000L
#define ORG_NFIELDS 5
#define QUOTE_MAX 64 /* bytes of a bad value echoed in a message */

static const char *const kind_names[] = {"korps", "eenheid", "district",
    "team"};

const char *
org_kind_name(enum org_kind k)
{
	if ((unsigned)k < sizeof(kind_names) / sizeof(kind_names[0]))
		return kind_names[k];
	return "unknown";
}

int
org_kind_parse(const char *s, enum org_kind *out)
{
	if (s == NULL)
		return -1;
	for (size_t i = 0; i < sizeof(kind_names) / sizeof(kind_names[0]);
	    i++) {
		if (strcmp(s, kind_names[i]) == 0) {
			*out = (enum org_kind)i;
			return 0;
		}
	}
	return -1;
}

/* Parser state: the open file, the rows so far and the id index. */
struct reader {
	const char *path;
	FILE *f;
	unsigned char pending[3]; /* bytes read looking for a BOM */
	int npending, ipending;
	int line;
	char *err;
	size_t errlen;

	struct org_unit *units;
	size_t n, cap;

	uint32_t *slots; /* row index + 1; 0 = empty */
	size_t nslots;   /* power of two */
};

static void
fail_at(struct reader *r, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
fail_at(struct reader *r, int line, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (r->err == NULL || r->errlen == 0)
		return;
	if (line > 0)
		snprintf(r->err, r->errlen, "%s:%d: %s", r->path, line, msg);
	else
		snprintf(r->err, r->errlen, "%s: %s", r->path, msg);
}

/* A value from the file made safe to quote in a message: control bytes
 * become '?', long values are cut with "...". */
static const char *
shown(const char *s, char buf[QUOTE_MAX + 4])
{
	size_t i;

	for (i = 0; s[i] != '\0' && i < QUOTE_MAX; i++) {
		unsigned char c = (unsigned char)s[i];

		buf[i] = (c < 0x20 || c == 0x7f) ? '?' : (char)c;
	}
	if (s[i] != '\0') {
		memcpy(buf + i, "...", 3);
		i += 3;
	}
	buf[i] = '\0';
	return buf;
}

static int
next_byte(struct reader *r)
{
	if (r->ipending < r->npending)
		return r->pending[r->ipending++];
	return getc(r->f);
}

/* Skip a UTF-8 byte order mark; other first bytes are kept for reading. */
static void
skip_bom(struct reader *r)
{
	int c;

	while (r->npending < 3 && (c = getc(r->f)) != EOF) {
		r->pending[r->npending++] = (unsigned char)c;
		if (memcmp(r->pending, "\xef\xbb\xbf", r->npending) != 0)
			return;
	}
	if (r->npending == 3)
		r->ipending = 3;
}

/*
 * Read one physical line into buf (ORG_LINE_MAX + 2 bytes), without its
 * LF or CRLF. Returns 1 for a line, 0 at end of file, -1 on error (message
 * set).
 */
static int
read_line(struct reader *r, char *buf, size_t size, size_t *lenp)
{
	size_t len = 0;
	int c, any = 0;

	while ((c = next_byte(r)) != EOF) {
		any = 1;
		if (c == '\n')
			break;
		if (c == '\0') {
			fail_at(r, r->line + 1, "line contains a NUL byte");
			return -1;
		}
		if (len + 1 >= size) {
			fail_at(r, r->line + 1, "line is longer than %d bytes",
			    ORG_LINE_MAX);
			return -1;
		}
		buf[len++] = (char)c;
	}
	if (c == EOF && ferror(r->f)) {
		fail_at(r, 0, "%s", strerror(errno));
		return -1;
	}
	if (!any)
		return 0;
	r->line++;
	if (len > 0 && buf[len - 1] == '\r')
		len--;
	if (len > ORG_LINE_MAX) {
		fail_at(r, r->line, "line is longer than %d bytes",
		    ORG_LINE_MAX);
		return -1;
	}
	buf[len] = '\0';
	*lenp = len;
	return 1;
}

/*
 * Split line into fields, unquoting into out (at least as large as the
 * line). Returns the number of fields (fields beyond max are counted but
 * not stored), or -1 with the message set.
 */
static int
split_fields(struct reader *r, const char *line, char *out, char **fields,
    int max)
{
	const char *p = line;
	int n = 0;

	for (;;) {
		char *start = out;

		if (*p == '"') {
			p++;
			for (;;) {
				if (*p == '\0') {
					fail_at(r, r->line, "unterminated "
					    "quoted field (a quoted field may "
					    "not span lines)");
					return -1;
				}
				if (*p == '"') {
					if (p[1] != '"')
						break;
					p++;
				}
				*out++ = *p++;
			}
			p++;
			if (*p != ',' && *p != '\0') {
				fail_at(r, r->line, "unexpected character "
				    "after closing quote in field %d", n + 1);
				return -1;
			}
		} else {
			while (*p != ',' && *p != '\0') {
				if (*p == '"') {
					fail_at(r, r->line, "quote inside "
					    "unquoted field %d (quote the "
					    "whole field and double the quote)",
					    n + 1);
					return -1;
				}
				*out++ = *p++;
			}
		}
		*out++ = '\0';
		if (n < max)
			fields[n] = start;
		n++;
		if (*p == '\0')
			return n;
		p++; /* ',' */
	}
}

static int
valid_id(const char *s)
{
	size_t len = strlen(s);

	if (len < 1 || len >= ORG_ID_MAX)
		return 0;
	for (size_t i = 0; i < len; i++) {
		char c = s[i];
		int alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9');

		if (!alnum && (i == 0 || (c != '_' && c != '.' && c != '-')))
			return 0;
	}
	return 1;
}

/* Valid UTF-8 (no overlongs, surrogates or values above U+10FFFF) without
 * C0, DEL or C1 control characters. Returns 0, -1 bad UTF-8, -2 control. */
static int
check_name_text(const unsigned char *s)
{
	while (*s != '\0') {
		uint32_t cp;
		int extra;

		if (*s < 0x80) {
			if (*s < 0x20 || *s == 0x7f)
				return -2;
			s++;
			continue;
		}
		if (*s >= 0xc2 && *s <= 0xdf) {
			cp = *s & 0x1f;
			extra = 1;
		} else if (*s >= 0xe0 && *s <= 0xef) {
			cp = *s & 0x0f;
			extra = 2;
		} else if (*s >= 0xf0 && *s <= 0xf4) {
			cp = *s & 0x07;
			extra = 3;
		} else {
			return -1;
		}
		s++;
		for (int i = 0; i < extra; i++, s++) {
			if ((*s & 0xc0) != 0x80)
				return -1;
			cp = (cp << 6) | (*s & 0x3f);
		}
		if ((extra == 2 && cp < 0x800) ||
		    (extra == 3 && cp < 0x10000) || cp > 0x10ffff ||
		    (cp >= 0xd800 && cp <= 0xdfff))
			return -1;
		if (cp >= 0x80 && cp <= 0x9f)
			return -2;
	}
	return 0;
}

/* Headcount: decimal digits only; empty means 0. */
static int
parse_headcount(const char *s, long *out)
{
	long v = 0;

	if (*s == '\0') {
		*out = 0;
		return 1; /* empty */
	}
	for (; *s != '\0'; s++) {
		if (*s < '0' || *s > '9')
			return -1;
		v = v * 10 + (*s - '0');
		if (v > ORG_HEADCOUNT_MAX)
			return -1;
	}
	*out = v;
	return 0;
}

static uint32_t
hash_id(const char *s)
{
	uint32_t h = 2166136261u;

	for (; *s != '\0'; s++) {
		h ^= (unsigned char)*s;
		h *= 16777619u;
	}
	return h;
}

/* Slot holding id, or the empty slot where it would go. */
static uint32_t *
index_slot(const struct reader *r, const char *id)
{
	size_t mask = r->nslots - 1;
	size_t i = hash_id(id) & mask;

	while (r->slots[i] != 0 &&
	    strcmp(r->units[r->slots[i] - 1].id, id) != 0)
		i = (i + 1) & mask;
	return &r->slots[i];
}

static const struct org_unit *
index_find(const struct reader *r, const char *id)
{
	uint32_t *slot = index_slot(r, id);

	return *slot ? &r->units[*slot - 1] : NULL;
}

/* Keep the table at most half full. Returns 0 or -1 (out of memory). */
static int
index_grow(struct reader *r)
{
	uint32_t *old = r->slots;
	size_t oldn = r->nslots;
	size_t newn = oldn ? oldn * 2 : 1024;

	if ((r->n + 1) * 2 <= oldn)
		return 0;
	if ((r->slots = calloc(newn, sizeof(*r->slots))) == NULL) {
		r->slots = old;
		return -1;
	}
	r->nslots = newn;
	for (size_t i = 0; i < oldn; i++)
		if (old[i] != 0)
			*index_slot(r, r->units[old[i] - 1].id) = old[i];
	free(old);
	return 0;
}

static int
check_header(struct reader *r, const char *line)
{
	static const char *const want[ORG_NFIELDS] = {"id", "parent", "name",
	    "kind", "headcount"};
	char out[ORG_LINE_MAX + 1];
	char *f[ORG_NFIELDS];
	int n;

	n = split_fields(r, line, out, f, ORG_NFIELDS);
	if (n < 0)
		return -1;
	for (int i = 0; i < ORG_NFIELDS; i++) {
		if (n != ORG_NFIELDS || strcmp(f[i], want[i]) != 0) {
			fail_at(r, r->line, "header must be "
			    "id,parent,name,kind,headcount");
			return -1;
		}
	}
	return 0;
}

/* Check one data row and append it. Returns 0 or -1 (message set). */
static int
add_row(struct reader *r, const char *line)
{
	char out[ORG_LINE_MAX + 1];
	char *f[ORG_NFIELDS];
	char q1[QUOTE_MAX + 4], q2[QUOTE_MAX + 4];
	const struct org_unit *dup;
	struct org_unit *u;
	enum org_kind kind;
	size_t namelen;
	long headcount;
	int n, rc, empty;

	n = split_fields(r, line, out, f, ORG_NFIELDS);
	if (n < 0)
		return -1;
	if (n != ORG_NFIELDS) {
		fail_at(r, r->line, "expected %d fields, got %d", ORG_NFIELDS,
		    n);
		return -1;
	}
	if (!valid_id(f[0])) {
		fail_at(r, r->line, "invalid id '%s' (1 to %d letters, digits, "
		    "'_', '.' or '-', starting with a letter or digit)",
		    shown(f[0], q1), ORG_ID_MAX - 1);
		return -1;
	}
	if (f[1][0] != '\0' && !valid_id(f[1])) {
		fail_at(r, r->line, "invalid parent id '%s'", shown(f[1], q1));
		return -1;
	}
	if (org_kind_parse(f[3], &kind) < 0) {
		fail_at(r, r->line, "unknown kind '%s' (expected korps, "
		    "eenheid, district or team)", shown(f[3], q1));
		return -1;
	}
	if (kind == ORG_KORPS && f[1][0] != '\0') {
		fail_at(r, r->line, "korps '%s' cannot have a parent (got "
		    "'%s')", f[0], f[1]);
		return -1;
	}
	if (kind != ORG_KORPS && f[1][0] == '\0') {
		fail_at(r, r->line, "%s '%s' must name a parent",
		    org_kind_name(kind), f[0]);
		return -1;
	}
	if (strcmp(f[0], f[1]) == 0) {
		fail_at(r, r->line, "'%s' cannot be its own parent", f[0]);
		return -1;
	}
	namelen = strlen(f[2]);
	if (namelen == 0) {
		fail_at(r, r->line, "empty name");
		return -1;
	}
	if (namelen >= ORG_NAME_MAX) {
		fail_at(r, r->line, "name is longer than %d bytes",
		    ORG_NAME_MAX - 1);
		return -1;
	}
	rc = check_name_text((const unsigned char *)f[2]);
	if (rc == -1) {
		fail_at(r, r->line, "name is not valid UTF-8");
		return -1;
	}
	if (rc == -2) {
		fail_at(r, r->line, "name '%s' contains a control character",
		    shown(f[2], q1));
		return -1;
	}
	empty = parse_headcount(f[4], &headcount);
	if (kind == ORG_TEAM && (empty != 0 || headcount < 1)) {
		fail_at(r, r->line, "invalid headcount '%s' for team '%s' "
		    "(expected an integer between 1 and %ld)",
		    shown(f[4], q1), f[0], ORG_HEADCOUNT_MAX);
		return -1;
	}
	if (empty < 0) {
		fail_at(r, r->line, "invalid headcount '%s' (expected empty or "
		    "an integer between 0 and %ld)", shown(f[4], q1),
		    ORG_HEADCOUNT_MAX);
		return -1;
	}
	if (r->n >= ORG_MAX_ROWS) {
		fail_at(r, r->line, "more than %d rows", ORG_MAX_ROWS);
		return -1;
	}
	if (index_grow(r) < 0)
		goto oom;
	if ((dup = index_find(r, f[0])) != NULL) {
		fail_at(r, r->line, "duplicate id '%s' (first on line %d)",
		    shown(f[0], q2), dup->line);
		return -1;
	}
	if (r->n == r->cap) {
		size_t cap = r->cap ? r->cap * 2 : 256;
		struct org_unit *units = realloc(r->units, cap * sizeof(*units));

		if (units == NULL)
			goto oom;
		r->units = units;
		r->cap = cap;
	}
	u = &r->units[r->n];
	memset(u, 0, sizeof(*u));
	memcpy(u->id, f[0], strlen(f[0]) + 1);
	memcpy(u->parent, f[1], strlen(f[1]) + 1);
	memcpy(u->name, f[2], namelen + 1);
	u->kind = kind;
	u->headcount = headcount;
	u->line = r->line;
	r->n++;
	*index_slot(r, u->id) = (uint32_t)r->n;
	return 0;
oom:
	fail_at(r, r->line, "%s", strerror(ENOMEM));
	return -1;
}

/* Second pass: parents that are in the file must be of a higher kind. */
static int
check_parents(struct reader *r)
{
	for (size_t i = 0; i < r->n; i++) {
		const struct org_unit *u = &r->units[i];
		const struct org_unit *p;

		if (u->parent[0] == '\0' ||
		    (p = index_find(r, u->parent)) == NULL)
			continue;
		if (p->kind == ORG_TEAM) {
			fail_at(r, u->line, "parent '%s' is a team; a team "
			    "cannot have children", p->id);
			return -1;
		}
		if (p->kind >= u->kind) {
			fail_at(r, u->line, "parent '%s' (%s) must be of a "
			    "higher kind than '%s' (%s)", p->id,
			    org_kind_name(p->kind), u->id,
			    org_kind_name(u->kind));
			return -1;
		}
	}
	return 0;
}

int
org_parse_csv(const char *path, struct org_unit **units, size_t *n,
    char *err, size_t errlen)
{
	struct reader r;
	char line[ORG_LINE_MAX + 2];
	size_t len;
	int rc, blank_line = 0;

	*units = NULL;
	*n = 0;
	memset(&r, 0, sizeof(r));
	r.path = path;
	r.err = err;
	r.errlen = errlen;
	if ((r.f = fopen(path, "rb")) == NULL) {
		fail_at(&r, 0, "%s", strerror(errno));
		return -1;
	}
	skip_bom(&r);
	rc = read_line(&r, line, sizeof(line), &len);
	if (rc < 0)
		goto fail;
	if (rc == 0 || len == 0) {
		/* Only blank lines (or nothing) may follow an empty first
		 * line: then the file is empty. */
		while ((rc = read_line(&r, line, sizeof(line), &len)) > 0)
			if (len != 0)
				break;
		if (rc < 0)
			goto fail;
		if (rc == 0) {
			fail_at(&r, 0, "no rows");
			goto fail;
		}
		fail_at(&r, 1, "header must be id,parent,name,kind,headcount");
		goto fail;
	}
	if (check_header(&r, line) < 0)
		goto fail;
	while ((rc = read_line(&r, line, sizeof(line), &len)) > 0) {
		if (len == 0) {
			if (blank_line == 0)
				blank_line = r.line;
			continue;
		}
		if (blank_line != 0) {
			fail_at(&r, blank_line, "blank line between rows");
			goto fail;
		}
		if (add_row(&r, line) < 0)
			goto fail;
	}
	if (rc < 0)
		goto fail;
	if (r.n == 0) {
		fail_at(&r, 0, "no rows");
		goto fail;
	}
	if (check_parents(&r) < 0)
		goto fail;
	fclose(r.f);
	free(r.slots);
	*units = r.units;
	*n = r.n;
	return 0;
fail:
	fclose(r.f);
	free(r.slots);
	free(r.units);
	return -1;
}
