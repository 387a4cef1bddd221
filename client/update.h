/*
 * update.h - what the server tells a terminal: teams, forms, open
 * campaigns and settings ("state"), and the terminal's corrected clock.
 *
 * State arrives in the enrollment bundle and, whenever it changed, in the
 * CHALLENGE of a sync (signed by the server and bound to the request). It
 * is applied in one transaction: teams and waves are replaced; a form is
 * stored only after its signature verifies and never replaces a newer
 * version (the newest verified version is the one used); settings of a
 * lower version than the stored ones are refused (anti-rollback).
 */
#ifndef POLS_UPDATE_H
#define POLS_UPDATE_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <cjson/cJSON.h>
#include <sqlite3.h>

#include "crypto.h"

struct kiosk;

/* Server settings a terminal uses, with their defaults before any sync. */
struct kiosk_settings {
	long version;
	long k;           /* minimum respondents per batch; never below 3 */
	long grace_hours; /* after a period closes, smaller cells may go */
	long cooldown;
	long idle_timeout;
	long sync_interval;
};

#define KIOSK_MIN_K 3

/* Apply state to db, inside the caller's transaction. hash (hex, may be
 * NULL) is remembered so the next HELLO can say what the terminal holds.
 * 0; 1 when all but its settings were applied because they are older than
 * the stored ones (err says so); -1 with reason (a bad form signature, a
 * malformed part): then nothing of it may be committed. */
int update_apply(sqlite3 *db, const uint8_t spk[PCRYPTO_SIGN_PK],
    const cJSON *state, const char *hash, char *err, size_t errlen);

/* When the terminal learnt that campaign id was closed (it left the
 * server's list): 0 with *when, or -1 if it never did. */
int update_wave_closed(sqlite3 *db, const char *id, time_t *when);

/* The settings in force (server's, else defaults); k clamped to >= 3. */
void update_settings(sqlite3 *db, struct kiosk_settings *out);

/* The hash of the state last applied, or "" (out: 65 bytes). */
void update_state_hash(sqlite3 *db, char out[65]);

/* The current time corrected by the offset to the server's clock measured
 * at the last sync (POLS_NOW honoured). 0 or -1 with reason. */
int update_now(sqlite3 *db, time_t *out, char *err, size_t errlen);

/* Remember the server's clock (seconds) as seen now. */
void update_clock(sqlite3 *db, double server_time);

#endif
