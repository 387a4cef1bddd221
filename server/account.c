/*
 * account.c - see account.h.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "account.h"
#include "org.h"
#include "period.h"
#include "store.h"

static const char *const roles[] = { "chief", "district", "unit", "hr",
	NULL };

static int
valid_name(const char *s)
{
	size_t i;

	for (i = 0; s[i] != '\0'; i++)
		if (!(islower((unsigned char)s[i]) ||
		    isdigit((unsigned char)s[i]) || (i > 0 && strchr("._-",
		    s[i]) != NULL)))
			return 0;
	return i > 0 && i <= ACCOUNT_NAME_MAX;
}

/* The kind of unit id, or -1 when it is not in the org. */
static int
unit_kind(struct server *s, const char *id)
{
	sqlite3_stmt *st;
	enum org_kind k;
	int rv = -1;

	if (sqlite3_prepare_v2(s->db, "SELECT kind FROM org WHERE id = ?", -1,
	    &st, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW &&
	    org_kind_parse((const char *)sqlite3_column_text(st, 0), &k) == 0)
		rv = (int)k;
	sqlite3_finalize(st);
	return rv;
}

static int
check_scope(struct server *s, const char *role, const char *scope, char *err,
    size_t errlen)
{
	char buf[4096], *save = NULL, *t;
	int want, n = 0;

	if (strcmp(role, "hr") == 0) {
		if (scope != NULL && scope[0] != '\0') {
			snprintf(err, errlen, "role hr sees everything: no "
			    "--team or --unit");
			return -1;
		}
		return 0;
	}
	if (scope == NULL || scope[0] == '\0') {
		snprintf(err, errlen, "role %s needs %s", role,
		    strcmp(role, "chief") == 0 ? "--team ID[,ID]" :
		    "--unit ID");
		return -1;
	}
	want = strcmp(role, "chief") == 0 ? ORG_TEAM :
	    strcmp(role, "district") == 0 ? ORG_DISTRICT : ORG_EENHEID;
	if (snprintf(buf, sizeof buf, "%s", scope) >= (int)sizeof buf) {
		snprintf(err, errlen, "scope too long");
		return -1;
	}
	for (t = strtok_r(buf, ",", &save); t != NULL;
	    t = strtok_r(NULL, ",", &save), n++) {
		int k = unit_kind(s, t);
		if (k < 0) {
			snprintf(err, errlen, "no unit '%s' in the "
			    "organisation", t);
			return -1;
		}
		if (k != want) {
			snprintf(err, errlen, "'%s' is a %s; role %s needs a %s",
			    t, org_kind_name((enum org_kind)k), role,
			    org_kind_name((enum org_kind)want));
			return -1;
		}
	}
	if (n == 0 || (want != ORG_TEAM && n > 1)) {
		snprintf(err, errlen, "role %s takes %s", role, want ==
		    ORG_TEAM ? "one or more teams" : "exactly one unit");
		return -1;
	}
	return 0;
}

static int
hash_password(const char *password, char out[crypto_pwhash_STRBYTES],
    char *err, size_t errlen)
{
	if (strlen(password) < ACCOUNT_PASSWORD_MIN) {
		snprintf(err, errlen, "wachtwoord te kort / password too short "
		    "(at least %d characters)", ACCOUNT_PASSWORD_MIN);
		return -1;
	}
	if (crypto_pwhash_str(out, password, strlen(password),
	    crypto_pwhash_OPSLIMIT_INTERACTIVE,
	    crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0) {
		snprintf(err, errlen, "out of memory hashing the password");
		return -1;
	}
	return 0;
}

int
account_add(struct server *s, const char *name, const char *role,
    const char *scope, const char *password, char *err, size_t errlen)
{
	char h[crypto_pwhash_STRBYTES];
	sqlite3_stmt *st;
	size_t r;
	int rc;

	if (!valid_name(name)) {
		snprintf(err, errlen, "account name: a-z, 0-9, '.', '_', '-', "
		    "at most %d characters", ACCOUNT_NAME_MAX);
		return -1;
	}
	for (r = 0; roles[r] != NULL && strcmp(roles[r], role) != 0; r++)
		;
	if (roles[r] == NULL) {
		snprintf(err, errlen, "--role must be chief, district, unit or "
		    "hr");
		return -1;
	}
	if (check_scope(s, role, scope, err, errlen) != 0 ||
	    hash_password(password, h, err, errlen) != 0)
		return -1;
	if (store_prepare(s->db, "INSERT INTO accounts(name, role, scope, "
	    "pwhash) VALUES(?, ?, ?, ?)", &st, err, errlen) != 0)
		return -1;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, role, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, scope ? scope : "", -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, h, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc == SQLITE_CONSTRAINT) {
		snprintf(err, errlen, "account '%s' exists already", name);
		return -1;
	}
	if (rc != SQLITE_DONE) {
		store_error(s->db, err, errlen);
		return -1;
	}
	return 0;
}

static int
update_one(struct server *s, const char *sql, const char *name,
    const char *text, char *err, size_t errlen)
{
	sqlite3_stmt *st;
	int rc;

	if (store_prepare(s->db, sql, &st, err, errlen) != 0)
		return -1;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	if (text != NULL)
		sqlite3_bind_text(st, 2, text, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		store_error(s->db, err, errlen);
		return -1;
	}
	if (sqlite3_changes(s->db) != 1) {
		snprintf(err, errlen, "no account '%s'", name);
		return -1;
	}
	return 0;
}

int
account_disable(struct server *s, const char *name, char *err, size_t errlen)
{
	return update_one(s, "UPDATE accounts SET disabled = 1 WHERE name = ?",
	    name, NULL, err, errlen);
}

int
account_passwd(struct server *s, const char *name, const char *password,
    char *err, size_t errlen)
{
	char h[crypto_pwhash_STRBYTES];

	if (hash_password(password, h, err, errlen) != 0)
		return -1;
	return update_one(s, "UPDATE accounts SET pwhash = ?2, failures = 0, "
	    "locked_until = 0 WHERE name = ?1", name, h, err, errlen);
}

int
account_list(struct server *s, char *err, size_t errlen)
{
	sqlite3_stmt *st;

	if (store_prepare(s->db, "SELECT name, role, scope, disabled FROM "
	    "accounts ORDER BY name", &st, err, errlen) != 0)
		return -1;
	while (sqlite3_step(st) == SQLITE_ROW)
		printf("%s\t%s\t%s\t%s\n", sqlite3_column_text(st, 0),
		    sqlite3_column_text(st, 1), sqlite3_column_text(st, 2),
		    sqlite3_column_int(st, 3) ? "uitgeschakeld/disabled" :
		    "actief/active");
	sqlite3_finalize(st);
	return 0;
}

int
account_login(struct server *s, const char *name, const char *password,
    struct account *out, char *err, size_t errlen)
{
	sqlite3_stmt *st;
	char h[crypto_pwhash_STRBYTES] = "";
	time_t now;
	long long locked = 0;
	int failures = 0, disabled = 1, found = 0, ok;

	memset(out, 0, sizeof *out);
	if (pols_now(&now, err, errlen) != 0 || store_prepare(s->db,
	    "SELECT role, scope, pwhash, disabled, failures, locked_until "
	    "FROM accounts WHERE name = ?", &st, err, errlen) != 0)
		return -1;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW) {
		found = 1;
		snprintf(out->name, sizeof out->name, "%s", name);
		snprintf(out->role, sizeof out->role, "%s",
		    sqlite3_column_text(st, 0));
		snprintf(out->scope, sizeof out->scope, "%s",
		    sqlite3_column_text(st, 1));
		snprintf(h, sizeof h, "%s", sqlite3_column_text(st, 2));
		disabled = sqlite3_column_int(st, 3);
		failures = sqlite3_column_int(st, 4);
		locked = sqlite3_column_int64(st, 5);
	}
	sqlite3_finalize(st);
	if (found && locked > (long long)now) {
		snprintf(err, errlen, "te veel mislukte pogingen: account '%s' "
		    "is geblokkeerd, probeer het over %lld s opnieuw / too many "
		    "failed attempts, try again in %lld s", name,
		    locked - (long long)now, locked - (long long)now);
		memset(out, 0, sizeof *out);
		return -1;
	}
	ok = found && crypto_pwhash_str_verify(h, password,
	    strlen(password)) == 0;
	sodium_memzero(h, sizeof h);
	if (found && !ok) {
		long long wait = 0;

		failures++;
		if (failures >= ACCOUNT_FREE_FAILURES) {
			int e = failures - ACCOUNT_FREE_FAILURES;
			wait = e >= 7 ? 3600 : 30LL << e;
		}
		if (sqlite3_prepare_v2(s->db, "UPDATE accounts SET failures = "
		    "?2, locked_until = ?3 WHERE name = ?1", -1, &st, NULL) ==
		    SQLITE_OK) {
			sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
			sqlite3_bind_int(st, 2, failures);
			sqlite3_bind_int64(st, 3, wait ? (long long)now + wait :
			    0);
			sqlite3_step(st);
			sqlite3_finalize(st);
		}
	} else if (ok && failures > 0 &&
	    sqlite3_prepare_v2(s->db, "UPDATE accounts SET failures = 0, "
	    "locked_until = 0 WHERE name = ?", -1, &st, NULL) == SQLITE_OK) {
		sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
		sqlite3_step(st);
		sqlite3_finalize(st);
	}
	if (!ok || disabled) {
		snprintf(err, errlen, "onbekend account, fout wachtwoord of "
		    "uitgeschakeld / unknown account, wrong password or "
		    "disabled");
		memset(out, 0, sizeof *out);
		return -1;
	}
	return 0;
}

/* Is unit at or below top? */
static int
under(struct server *s, const char *unit, const char *top)
{
	sqlite3_stmt *st;
	int rv = 0;

	if (sqlite3_prepare_v2(s->db, "WITH RECURSIVE up(id, parent, d) AS "
	    "(SELECT id, parent, 0 FROM org WHERE id = ?1 UNION ALL SELECT "
	    "o.id, o.parent, up.d + 1 FROM org o JOIN up ON o.id = up.parent "
	    "WHERE up.d < 32) SELECT 1 FROM up WHERE id = ?2", -1, &st, NULL)
	    != SQLITE_OK)
		return -1;
	sqlite3_bind_text(st, 1, unit, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, top, -1, SQLITE_STATIC);
	rv = sqlite3_step(st) == SQLITE_ROW;
	sqlite3_finalize(st);
	return rv;
}

int
account_may_see(struct server *s, const struct account *a, const char *unit)
{
	char buf[sizeof a->scope], *save = NULL, *t;

	if (strcmp(a->role, "hr") == 0)
		return unit_kind(s, unit) >= 0;
	if (strcmp(a->role, "chief") == 0) {
		snprintf(buf, sizeof buf, "%s", a->scope);
		for (t = strtok_r(buf, ",", &save); t != NULL;
		    t = strtok_r(NULL, ",", &save))
			if (strcmp(t, unit) == 0)
				return 1;
		return 0;
	}
	return under(s, unit, a->scope);
}

int
account_home(struct server *s, const struct account *a, char *out,
    size_t outlen)
{
	sqlite3_stmt *st;
	int rv = -1;

	if (strcmp(a->role, "hr") != 0) {
		snprintf(out, outlen, "%.*s", (int)strcspn(a->scope, ","),
		    a->scope);
		return 0;
	}
	if (sqlite3_prepare_v2(s->db, "SELECT id FROM org WHERE parent IS NULL "
	    "OR parent = '' ORDER BY id LIMIT 1", -1, &st, NULL) != SQLITE_OK)
		return -1;
	if (sqlite3_step(st) == SQLITE_ROW) {
		snprintf(out, outlen, "%s", sqlite3_column_text(st, 0));
		rv = 0;
	}
	sqlite3_finalize(st);
	return rv;
}

int
account_audit(struct server *s, const char *account, const char *action,
    const char *scope, const char *result)
{
	sqlite3_stmt *st;
	char at[32];
	struct tm tm;
	time_t now;
	char e[128];
	int rc;

	if (pols_now(&now, e, sizeof e) != 0)
		now = time(NULL);
	gmtime_r(&now, &tm);
	strftime(at, sizeof at, "%Y-%m-%dT%H:%M:%SZ", &tm);
	if (sqlite3_prepare_v2(s->db, "INSERT INTO audit(at, account, action, "
	    "scope, result) VALUES(?, ?, ?, ?, ?)", -1, &st, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_text(st, 1, at, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, account, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, action, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, scope, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, result, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

char *
account_read_password(const char *prompt)
{
	const char *env = getenv("POLS_PASSWORD");
	struct termios old, quiet;
	int tty = isatty(STDIN_FILENO);
	char *buf;
	size_t len;

	if ((buf = sodium_malloc(1024)) == NULL)
		return NULL;
	if (env != NULL) {
		snprintf(buf, 1024, "%s", env);
		return buf;
	}
	if (tty) {
		fprintf(stderr, "%s", prompt);
		tcgetattr(STDIN_FILENO, &old);
		quiet = old;
		quiet.c_lflag &= ~(tcflag_t)ECHO;
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
	}
	if (fgets(buf, 1024, stdin) == NULL)
		buf[0] = '\0';
	if (tty) {
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
		fputc('\n', stderr);
	}
	len = strcspn(buf, "\r\n");
	buf[len] = '\0';
	if (len == 0) {
		sodium_free(buf);
		return NULL;
	}
	return buf;
}
