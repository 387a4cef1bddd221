/*
 * store.c - see store.h.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "store.h"
#include "util.h"

/* 1 when eno says there is no room to write. */
static int
room_errno(int eno)
{
	return eno == ENOSPC || eno == EFBIG
#ifdef EDQUOT
	    || eno == EDQUOT
#endif
	    ;
}

/* Whether db's last error is for want of room: -1 for SQLITE_FULL
 * (sqlite's unix VFS turns ENOSPC and short writes into it and keeps no
 * errno), the errno for an I/O or open error with ENOSPC, EFBIG or EDQUOT,
 * else 0. sqlite3_system_errno() should hold that errno, but the sqlite
 * of Debian 12 (3.40.1) leaves it 0 after a failed write (EFBIG from
 * pwrite in a WAL commit). Then eno, the caller's errno read straight
 * after the failed call, stands in, only for the errors of a system call
 * that writes or makes a file: that call set errno (a later successful
 * one leaves it), so it cannot be stale. */
static int
full_errno(sqlite3 *db, int eno)
{
	int code = sqlite3_extended_errcode(db);
	int sys = sqlite3_system_errno(db);

	if ((code & 0xff) == SQLITE_FULL)
		return -1;
	if ((code & 0xff) != SQLITE_IOERR && (code & 0xff) != SQLITE_CANTOPEN)
		return 0;
	if (sys != 0)
		return room_errno(sys) ? sys : 0;
	switch (code) {
	case SQLITE_IOERR_WRITE:
	case SQLITE_IOERR_FSYNC:
	case SQLITE_IOERR_DIR_FSYNC:
	case SQLITE_IOERR_TRUNCATE:
	case SQLITE_IOERR_CLOSE:
	case SQLITE_IOERR_SHMOPEN:
	case SQLITE_IOERR_SHMSIZE:
		break;
	default:
		if ((code & 0xff) != SQLITE_CANTOPEN)
			return 0;
	}
	return room_errno(eno) ? eno : 0;
}

int
store_full(sqlite3 *db)
{
	return full_errno(db, errno) != 0;
}

/* store_errmsg with sqlite's message msg (sqlite3_exec's copy) and the
 * errno of the failed call. */
static const char *
describe(sqlite3 *db, const char *msg, int eno, char *buf, size_t len)
{
	eno = full_errno(db, eno);
	if (eno == 0)
		snprintf(buf, len, "%s", msg);
	else if (eno < 0)
		snprintf(buf, len, STORE_FULL_TEXT ": %s", msg);
	else
		snprintf(buf, len, STORE_FULL_TEXT " (%s): %s",
		    strerror(eno), msg);
	return buf;
}

const char *
store_errmsg(sqlite3 *db, char *buf, size_t len)
{
	int eno = errno;

	return describe(db, sqlite3_errmsg(db), eno, buf, len);
}

void
store_error(sqlite3 *db, char *err, size_t errlen)
{
	char m[512];

	snprintf(err, errlen, "database: %s", store_errmsg(db, m, sizeof m));
}

int
store_exec(sqlite3 *db, const char *sql, char *err, size_t errlen)
{
	char *msg = NULL, m[512];

	if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		int eno = errno;
		snprintf(err, errlen, "database: %s", describe(db,
		    msg ? msg : sqlite3_errmsg(db), eno, m, sizeof m));
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
		store_error(db, err, errlen);
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
		store_error(db, err, errlen);
		return -1;
	}
	return 0;
}

static int
quick_check(sqlite3 *db, const char *path, char *err, size_t errlen)
{
	sqlite3_stmt *st;
	char m[512];
	int ok = 0;

	if (sqlite3_prepare_v2(db, "PRAGMA quick_check", -1, &st, NULL) !=
	    SQLITE_OK) {
		/* Reading the schema may need the -shm file made first. */
		snprintf(err, errlen, store_full(db) ? "cannot open '%s': %s" :
		    "'%s' is not a usable database: %s", path,
		    store_errmsg(db, m, sizeof m));
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
	} else if (store_full(db)) {
		snprintf(err, errlen, "cannot open '%s': %s", path,
		    store_errmsg(db, m, sizeof m));
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
	char m[512];
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
		    *db ? store_errmsg(*db, m, sizeof m) : "out of memory");
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
