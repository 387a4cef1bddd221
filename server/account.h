/*
 * account.h - who may read which reports: accounts, passwords, the audit
 * log.
 *
 * Roles and what each sees (docs/disclosure.md, "Who sees what"):
 *   chief     its team(s) (scope: team ids, comma-separated), with the
 *             benchmark levels above as every team report carries them;
 *             nothing of sibling teams
 *   district  scope: one district; it and everything below it
 *   unit      scope: one eenheid; it and everything below it
 *   hr        everything
 * Passwords are stored as argon2id strings (crypto_pwhash_str). After
 * ACCOUNT_FREE_FAILURES wrong passwords in a row an account is locked for
 * 30 s, doubling with every further failure up to an hour. Every report
 * request, granted or refused, is written to the audit log with its exact
 * time: the only exact times the server keeps.
 */
#ifndef POLS_ACCOUNT_H
#define POLS_ACCOUNT_H

#include <stddef.h>

#include "server.h"

#define ACCOUNT_NAME_MAX 64
#define ACCOUNT_FREE_FAILURES 5
#define ACCOUNT_PASSWORD_MIN 10

struct account {
	char name[ACCOUNT_NAME_MAX + 1];
	char role[16];
	char scope[4096];
};

/* 0, or -1 with the reason in err (also for a weak password, an unknown
 * role, a scope of the wrong kind). */
int account_add(struct server *s, const char *name, const char *role,
    const char *scope, const char *password, char *err, size_t errlen);
int account_disable(struct server *s, const char *name, char *err,
    size_t errlen);
int account_passwd(struct server *s, const char *name, const char *password,
    char *err, size_t errlen);
int account_list(struct server *s, char *err, size_t errlen);

/* Check name and password. 0 with *out filled; -1 refused (wrong, locked,
 * disabled, unknown: one message for all but "locked"). */
int account_login(struct server *s, const char *name, const char *password,
    struct account *out, char *err, size_t errlen);

/* May a see unit's report? 1 yes, 0 no, -1 on a database error. */
int account_may_see(struct server *s, const struct account *a,
    const char *unit);

/* The default unit of a's reports: its (first) team, its scope, or the
 * top of the organisation for hr. */
int account_home(struct server *s, const struct account *a, char *out,
    size_t outlen);

/* Append one line to the audit log. */
int account_audit(struct server *s, const char *account, const char *action,
    const char *scope, const char *result);

/* The password for a command: POLS_PASSWORD, else a line from the
 * terminal (not echoed) or from standard input. NULL when none. Caller
 * frees with sodium_free. */
char *account_read_password(const char *prompt);

#endif
