/*
 * terminal.h - enrolled terminals, as the server knows them.
 *
 * Enrollment uses a one-time token: `polsctl terminal add` stores only a
 * hash of a random token and writes it, with the server's public keys, the
 * terminal's teams and the signed forms, into a bundle file. The terminal
 * makes its own signing key on `pols-kiosk enroll` (the secret never leaves
 * it) and, on its first contact, sends its public key with the token sealed
 * to the server's box key; the server binds that key and forgets the token.
 */
#ifndef POLS_TERMINAL_H
#define POLS_TERMINAL_H

#include <stddef.h>
#include <stdint.h>

#include "server.h"
#include "wire.h"

#define TERMINAL_TEAMS_MAX 4096 /* comma-separated team ids */

struct terminal_rec {
	char name[WIRE_NAME_MAX + 1];
	char teams[TERMINAL_TEAMS_MAX];
	int has_pk;
	uint8_t pk[PCRYPTO_SIGN_PK];
	int has_token;
	uint8_t token_hash[PCRYPTO_HASH_BYTES];
	int revoked;
	long long last_seq; /* highest batch sequence number applied */
	long key_seq;       /* server key generation it last named */
};

/* 1 when name is a valid terminal name ([A-Za-z0-9][A-Za-z0-9_.-]{0,63}). */
int terminal_name_ok(const char *name);

/* 0 found, 1 unknown, -1 database error. */
int terminal_get(struct server *s, const char *name, struct terminal_rec *t);

/* 1 when team is in t's list. */
int terminal_serves(const struct terminal_rec *t, const char *team);

/* Register name for teams (comma-separated ids of kind team) and write the
 * enrollment bundle (0600) to bundle_path. Refuses an existing name. */
int terminal_add(struct server *s, const char *name, const char *teams,
    const char *url, const char *bundle_path, char *err, size_t errlen);

int terminal_revoke(struct server *s, const char *name, char *err,
    size_t errlen);

/* Give a terminal another list of teams (each of kind team). It learns
 * them at its next sync. 0 or -1 with reason. */
int terminal_set_teams(struct server *s, const char *name, const char *teams,
    char *err, size_t errlen);

/* Note the server key generation a terminal says it trusts. 0 or -1. */
int terminal_set_key_seq(struct server *s, const char *name, long seq);

/* Bind pk to a terminal that has none yet. 0, or -1. */
int terminal_bind(struct server *s, const char *name,
    const uint8_t pk[PCRYPTO_SIGN_PK]);

/* What a terminal should hold, added to obj as "teams" [{id, name}],
 * "forms" [signed forms, newest version of each], "waves" [open campaigns
 * covering its teams] and "settings" {version, k, grace_hours, cooldown,
 * idle_timeout, sync_interval}. Sent in every enrollment bundle and, when
 * it changed, in the CHALLENGE of a sync. 0 or -1 with reason. */
int terminal_state(struct server *s, const char *teams, cJSON *obj,
    char *err, size_t errlen);

/* Print the terminals, one a line, to stdout. */
int terminal_list(struct server *s, char *err, size_t errlen);

#endif
