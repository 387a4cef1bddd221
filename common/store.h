/*
 * store.h - opening and using the sqlite databases of server and kiosk.
 *
 * Both databases run in WAL mode with synchronous=FULL (a commit is on
 * disk before we acknowledge anything), secure_delete on (replaced pages
 * are zeroed, so old accumulator ciphertexts do not linger), and a busy
 * timeout so the kiosk's answer and sync processes can share the file.
 * A database that fails sqlite's quick_check is refused at open.
 */
#ifndef POLS_STORE_H
#define POLS_STORE_H

#include <stddef.h>
#include <sqlite3.h>

/* Open path; with create, make it (0600) when missing and run schema
 * (a series of statements) inside a transaction; without, a missing file is
 * an error. A link at path, or at its -wal or -shm, is refused, and so is a
 * database with any permission for group or others. 0 or -1 with reason
 * in err. */
int store_open(const char *path, int create, const char *schema,
    sqlite3 **db, char *err, size_t errlen);
void store_close(sqlite3 *db); /* accepts NULL; checkpoints the WAL */

/* Add a column to a table made by an older version, if it lacks it:
 * "ALTER TABLE t ADD COLUMN def". 0 or -1. */
int store_add_column(sqlite3 *db, const char *table, const char *column,
    const char *def, char *err, size_t errlen);

/* The reason db's last call failed, one line, for err buffers: sqlite's
 * message, except that a write refused for want of room says so plainly,
 * Dutch first - a full disk (ENOSPC, which sqlite reports as SQLITE_FULL),
 * a file-size limit (RLIMIT_FSIZE: EFBIG, SIGXFSZ ignored) or a quota
 * (EDQUOT), sqlite's SQLITE_FULL or an I/O error with that errno:
 *   schijf vol of bestand te groot / disk full or file too large
 *   (File too large): disk I/O error
 * store_errmsg writes that into buf and returns buf; store_error writes
 * "database: " and it into err. Call them straight after the failed
 * sqlite call, before anything else touches db (a rollback clears its
 * error) or errno (read when sqlite did not keep it). */
#define STORE_FULL_TEXT \
    "schijf vol of bestand te groot / disk full or file too large"
const char *store_errmsg(sqlite3 *db, char *buf, size_t len);
void store_error(sqlite3 *db, char *err, size_t errlen);

/* 1 when db's last error is a full disk, file-size limit or quota as
 * above, else 0; called as promptly. */
int store_full(sqlite3 *db);

/* Run SQL without results. 0 or -1 with store_error's message in err. */
int store_exec(sqlite3 *db, const char *sql, char *err, size_t errlen);
int store_begin(sqlite3 *db, char *err, size_t errlen); /* IMMEDIATE */
int store_commit(sqlite3 *db, char *err, size_t errlen);
void store_rollback(sqlite3 *db);

/* Prepare or fail with message. */
int store_prepare(sqlite3 *db, const char *sql, sqlite3_stmt **st,
    char *err, size_t errlen);

/* Meta key/value table ("meta(key TEXT PRIMARY KEY, value BLOB)").
 * get: 0 and a malloc'd copy (free) with its length, 1 when absent, -1 on
 * error. */
int store_meta_get(sqlite3 *db, const char *key, void **val, size_t *len);
int store_meta_set(sqlite3 *db, const char *key, const void *val, size_t len);
int store_meta_del(sqlite3 *db, const char *key);

#endif
