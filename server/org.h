/*
 * org.h - the organisation's hierarchy: korps > eenheid > district > team.
 *
 * org_parse_csv() reads the CSV that `polsctl org import` takes (columns
 * id,parent,name,kind,headcount, RFC 4180 quoting) and validates it as a
 * whole; org_apply() (org_db.c) writes a parsed file into the server
 * database in one transaction. A bad row is reported as `FILE:LINE: reason`
 * and nothing is imported.
 */
#ifndef POLS_ORG_H
#define POLS_ORG_H

#include <stddef.h>

#define ORG_ID_MAX 64    /* [A-Za-z0-9][A-Za-z0-9_.-]{0,62} */
#define ORG_NAME_MAX 128 /* bytes, UTF-8, no control characters */
#define ORG_MAX_ROWS 200000

enum org_kind { ORG_KORPS = 0, ORG_EENHEID, ORG_DISTRICT, ORG_TEAM };

struct org_unit {
	char id[ORG_ID_MAX];
	char parent[ORG_ID_MAX]; /* "" for the korps */
	char name[ORG_NAME_MAX];
	enum org_kind kind;
	long headcount; /* 0..100000; required (>= 1) for teams */
	int line;       /* line in the file, for messages */
};

const char *org_kind_name(enum org_kind k);
int org_kind_parse(const char *s, enum org_kind *out);

/* Parse path. On success returns 0, *units (free()) and *n. On failure -1,
 * nothing allocated, err = "FILE:LINE: reason". Checks: header exactly
 * id,parent,name,kind,headcount; field count; id syntax; duplicate ids;
 * kind; headcount; a parent given in the file must be of a higher kind;
 * a korps has no parent; other kinds must name a parent. Parents not in
 * the file are left for org_apply to resolve against the database. */
int org_parse_csv(const char *path, struct org_unit **units, size_t *n,
    char *err, size_t errlen);

struct server;

/* Write parsed units into the server database in one transaction: new ids
 * are added, existing ids updated. A parent that is not in the file must
 * already be in the database, with a higher kind. 0, or -1 with
 * "FILE:LINE: reason" and nothing changed. */
int org_apply(struct server *s, const struct org_unit *u, size_t n,
    const char *path, char *err, size_t errlen);

#endif
