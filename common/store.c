/*
 * store.c - see store.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "store.h"
#include "util.h"

int
store_exec(sqlite3 *db, const char *sql, char *err, size_t errlen)
{
	char *msg = NULL;

	if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		snprintf(err, errlen, "database: %s",
		    msg ? msg : sqlite3_errmsg(db));
		sqlite3_free(msg);
		return -1;
	}
	return 0;
}

int
store_add_column(sqlite3 *db, const char *table, const char *column,
    const char *def, char *err, size_t errlen)
{
	sqlite3_stmt *st;
	char sql[512];
	int have = 0;

	if (sqlite3_prepare_v2(db, "SELECT 1 FROM pragma_table_info(?) "
	    "WHERE name = ?", -1, &st, NULL) != SQLITE_OK) {
		snprintf(err, errlen, "database: %s", sqlite3_errmsg(db));
		return -1;
	}
	sqlite3_bind_text(st, 1, table, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, column, -1, SQLITE_STATIC);
	have = sqlite3_step(st) == SQLITE_ROW;
	sqlite3_finalize(st);
	if (have)
		return 0;
	snprintf(sql, sizeof sql, "ALTER TABLE %s ADD COLUMN %s %s", table,
	    column, def);
	return store_exec(db, sql, err, errlen);
}

int
store_begin(sqlite3 *db, char *err, size_t errlen)
{
	return store_exec(db, "BEGIN IMMEDIATE", err, errlen);
}

int
store_commit(sqlite3 *db, char *err, size_t errlen)
{
	if (store_exec(db, "COMMIT", err, errlen) != 0) {
		store_rollback(db);
		return -1;
	}
	return 0;
}

void
store_rollback(sqlite3 *db)
{
	if (!sqlite3_get_autocommit(db))
		sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
}

int
store_prepare(sqlite3 *db, const char *sql, sqlite3_stmt **st, char *err,
    size_t errlen)
{
	if (sqlite3_prepare_v2(db, sql, -1, st, NULL) != SQLITE_OK) {
		snprintf(err, errlen, "database: %s", sqlite3_errmsg(db));
		return -1;
	}
	return 0;
}

static int
quick_check(sqlite3 *db, const char *path, char *err, size_t errlen)
{
	sqlite3_stmt *st;
	int ok = 0;

	if (sqlite3_prepare_v2(db, "PRAGMA quick_check", -1, &st, NULL) !=
	    SQLITE_OK) {
		snprintf(err, errlen, "'%s' is not a usable database: %s",
		    path, sqlite3_errmsg(db));
		return -1;
	}
	if (sqlite3_step(st) == SQLITE_ROW) {
		const char *r = (const char *)sqlite3_column_text(st, 0);
		ok = r != NULL && strcmp(r, "ok") == 0;
		if (!ok)
			snprintf(err, errlen,
			    "'%s' is damaged (sqlite quick_check failed: %.200s); "
			    "restore it from a backup",
			    path, r ? r : sqlite3_errmsg(db));
		for (char *c = err; !ok && *c; c++)
			if (*c == '\n')
				*c = ' '; /* one line */
	} else {
		snprintf(err, errlen, "'%s' is damaged (sqlite quick_check "
		    "failed: %s); restore it from a backup", path,
		    sqlite3_errmsg(db));
	}
	sqlite3_finalize(st);
	/* A file cut to zero bytes is a valid, empty sqlite database. */
	if (ok) {
		int tables = -1;
		if (sqlite3_prepare_v2(db, "SELECT COUNT(*) FROM sqlite_master",
		    -1, &st, NULL) == SQLITE_OK) {
			if (sqlite3_step(st) == SQLITE_ROW)
				tables = sqlite3_column_int(st, 0);
			sqlite3_finalize(st);
		}
		if (tables == 0) {
			snprintf(err, errlen, "'%s' is empty (truncated?); "
			    "restore it from a backup", path);
			return -1;
		}
	}
	return ok ? 0 : -1;
}

int
store_open(const char *path, int create, const char *schema, sqlite3 **db,
    char *err, size_t errlen)
{
	int exists = util_exists(path);
	int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOFOLLOW;
	mode_t old;
	int rc;

	*db = NULL;
	if (!exists && !create) {
		snprintf(err, errlen, "cannot open '%s': No such file", path);
		return -1;
	}
	if (exists) {
		/* Like a key file: a database others may read (a restore
		 * with the wrong mode) is refused rather than used. */
		struct stat st;
		if (lstat(path, &st) == 0 && S_ISREG(st.st_mode) &&
		    (st.st_mode & 077) != 0) {
			snprintf(err, errlen, "'%s' is readable by others "
			    "(mode %03o); chmod 600 it", path,
			    (unsigned)(st.st_mode & 0777));
			return -1;
		}
	}
	if (!exists)
		flags |= SQLITE_OPEN_CREATE;
	old = umask(077);
	rc = sqlite3_open_v2(path, db, flags, NULL);
	umask(old);
	if (rc != SQLITE_OK) {
		snprintf(err, errlen, "cannot open '%s': %s", path,
		    *db ? sqlite3_errmsg(*db) : "out of memory");
		goto fail;
	}
	sqlite3_busy_timeout(*db, 10000);
	sqlite3_extended_result_codes(*db, 1);
	if (exists && quick_check(*db, path, err, errlen) != 0)
		goto fail;
	if (store_exec(*db,
	    "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"
	    "PRAGMA secure_delete=ON; PRAGMA foreign_keys=ON;",
	    err, errlen) != 0)
		goto fail;
	if (!exists && schema != NULL) {
		if (store_begin(*db, err, errlen) != 0 ||
		    store_exec(*db, schema, err, errlen) != 0 ||
		    store_commit(*db, err, errlen) != 0)
			goto fail;
	}
	return 0;
fail:
	store_close(*db);
	*db = NULL;
	return -1;
}

void
store_close(sqlite3 *db)
{
	if (db == NULL)
		return;
	sqlite3_wal_checkpoint_v2(db, NULL, SQLITE_CHECKPOINT_TRUNCATE, NULL,
	    NULL);
	sqlite3_close_v2(db);
}

int
store_meta_get(sqlite3 *db, const char *key, void **val, size_t *len)
{
	sqlite3_stmt *st;
	int rv = -1;

	*val = NULL;
	if (sqlite3_prepare_v2(db, "SELECT value FROM meta WHERE key = ?", -1,
	    &st, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	switch (sqlite3_step(st)) {
	case SQLITE_ROW: {
		int n = sqlite3_column_bytes(st, 0);
		const void *p = sqlite3_column_blob(st, 0);
		char *copy = malloc((size_t)n + 1);
		if (copy == NULL)
			break;
		if (n > 0)
			memcpy(copy, p, (size_t)n);
		copy[n] = '\0';
		*val = copy;
		*len = (size_t)n;
		rv = 0;
		break;
	}
	case SQLITE_DONE:
		rv = 1;
		break;
	default:
		break;
	}
	sqlite3_finalize(st);
	return rv;
}

int
store_meta_set(sqlite3 *db, const char *key, const void *val, size_t len)
{
	sqlite3_stmt *st;
	int rv;

	if (sqlite3_prepare_v2(db,
	    "INSERT INTO meta(key, value) VALUES(?, ?) "
	    "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
	    -1, &st, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	sqlite3_bind_blob(st, 2, val, (int)len, SQLITE_STATIC);
	rv = sqlite3_step(st) == SQLITE_DONE ? 0 : -1;
	sqlite3_finalize(st);
	return rv;
}

int
store_meta_del(sqlite3 *db, const char *key)
{
	sqlite3_stmt *st;
	int rv;

	if (sqlite3_prepare_v2(db, "DELETE FROM meta WHERE key = ?", -1, &st,
	    NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	rv = sqlite3_step(st) == SQLITE_DONE ? 0 : -1;
	sqlite3_finalize(st);
	return rv;
}
