/*
 * org_db.c - org_apply(): the parsed hierarchy into the server database.
 *
 * All rows are written first, then one query checks every parent link in
 * the resulting tree (also links of rows imported earlier, so a re-import
 * cannot leave an earlier child under a parent of the wrong kind). Any
 * failure rolls the whole import back.
 */
#include <stdio.h>
#include <string.h>

#include "org.h"
#include "server.h"
#include "store.h"

#define KIND_RANK(col) \
	"CASE " col " WHEN 'korps' THEN 0 WHEN 'eenheid' THEN 1 " \
	"WHEN 'district' THEN 2 ELSE 3 END"

static int
line_of(const struct org_unit *u, size_t n, const char *id)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(u[i].id, id) == 0)
			return u[i].line;
	return 0;
}

int
org_apply(struct server *s, const struct org_unit *u, size_t n,
    const char *path, char *err, size_t errlen)
{
	sqlite3_stmt *put = NULL, *chk = NULL;
	int rv = -1;

	if (store_begin(s->db, err, errlen) != 0)
		return -1;
	if (store_prepare(s->db, "INSERT INTO org(id, parent, name, kind, "
	    "headcount) VALUES(?1, ?2, ?3, ?4, ?5) ON CONFLICT(id) DO UPDATE "
	    "SET parent = ?2, name = ?3, kind = ?4, headcount = ?5", &put, err,
	    errlen) != 0)
		goto out;
	for (size_t i = 0; i < n; i++) {
		sqlite3_reset(put);
		sqlite3_bind_text(put, 1, u[i].id, -1, SQLITE_STATIC);
		if (u[i].parent[0])
			sqlite3_bind_text(put, 2, u[i].parent, -1,
			    SQLITE_STATIC);
		else
			sqlite3_bind_null(put, 2);
		sqlite3_bind_text(put, 3, u[i].name, -1, SQLITE_STATIC);
		sqlite3_bind_text(put, 4, org_kind_name(u[i].kind), -1,
		    SQLITE_STATIC);
		sqlite3_bind_int64(put, 5, u[i].headcount);
		if (sqlite3_step(put) != SQLITE_DONE) {
			char m[512];
			snprintf(err, errlen, "%s:%d: database: %s", path,
			    u[i].line, store_errmsg(s->db, m, sizeof m));
			goto out;
		}
	}
	if (store_prepare(s->db, "SELECT c.id, c.parent, p.kind, c.kind "
	    "FROM org c LEFT JOIN org p ON p.id = c.parent "
	    "WHERE c.parent IS NOT NULL AND (p.id IS NULL OR "
	    KIND_RANK("p.kind") " >= " KIND_RANK("c.kind") ") LIMIT 1",
	    &chk, err, errlen) != 0)
		goto out;
	if (sqlite3_step(chk) == SQLITE_ROW) {
		const char *id = (const char *)sqlite3_column_text(chk, 0);
		const char *parent = (const char *)sqlite3_column_text(chk, 1);
		int line = line_of(u, n, id);

		if (sqlite3_column_type(chk, 2) == SQLITE_NULL)
			snprintf(err, errlen, "%s:%d: parent '%s' is neither "
			    "in the file nor imported before", path, line,
			    parent);
		else
			snprintf(err, errlen, "%s:%d: '%s' (%s) cannot be "
			    "under '%s' (%s)", path, line, id,
			    (const char *)sqlite3_column_text(chk, 3), parent,
			    (const char *)sqlite3_column_text(chk, 2));
		goto out;
	}
	rv = 0;
out:
	sqlite3_finalize(put);
	sqlite3_finalize(chk);
	if (rv == 0)
		rv = store_commit(s->db, err, errlen);
	else
		store_rollback(s->db);
	return rv;
}
