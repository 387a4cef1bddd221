/*
 * ingest.c - see ingest.h and docs/protocol.md.
 *
 * Freshness: a terminal first sends HELLO and receives a random 32-byte
 * challenge (kept in memory, one per terminal, single use, expiring after
 * challenge_ttl). Its SYNC must carry that challenge, so a recorded SYNC
 * cannot be replayed. Binding: every reply names the hash of the exact
 * request it answers, its terminal and (CHALLENGE, ACK) the request's
 * nonce, all under the server's signature; an ACK lists each batch id with
 * the hash of its sealed bytes. So an old or forged reply cannot make a
 * terminal delete anything or stop collecting.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "agg.h"
#include "ingest.h"
#include "keys.h"
#include "log.h"
#include "period.h"
#include "store.h"
#include "terminal.h"
#include "util.h"
#include "wave.h"

#define INGEST_MAX_CHALLENGES 4096

struct challenge {
	char name[WIRE_NAME_MAX + 1];
	uint8_t value[WIRE_NONCE_BYTES];
	time_t expires;
};

/* Outstanding challenges, shared by every worker of a polsd. */
struct challenges {
	pthread_mutex_t mu;
	struct challenge ch[INGEST_MAX_CHALLENGES];
	size_t next; /* replaced round robin when full */
	int refs;
};

struct ingest {
	struct server *s;
	char request[2 * PCRYPTO_HASH_BYTES + 1]; /* hash of the request */
	struct challenges *cs;
	/* The key this request's reply is signed with: the generation the
	 * terminal named in "server_kid" (a retired one while it has not
	 * followed a rotation), else the current one. */
	const uint8_t *reply_sk;
	uint8_t reply_kid[PCRYPTO_KID_BYTES];
	long reply_seq;
	int named;      /* the request named a key in "server_kid" */
	long named_seq; /* its generation; 0 when this server has no such */
};

struct ingest *
ingest_new(struct server *s)
{
	return ingest_new_shared(s, NULL);
}

struct ingest *
ingest_new_shared(struct server *s, struct ingest *share)
{
	struct ingest *g = calloc(1, sizeof *g);

	if (g == NULL)
		return NULL;
	g->s = s;
	if (share != NULL) {
		g->cs = share->cs;
		pthread_mutex_lock(&g->cs->mu);
		g->cs->refs++;
		pthread_mutex_unlock(&g->cs->mu);
		return g;
	}
	if ((g->cs = calloc(1, sizeof *g->cs)) == NULL ||
	    pthread_mutex_init(&g->cs->mu, NULL) != 0) {
		free(g->cs);
		free(g);
		return NULL;
	}
	g->cs->refs = 1;
	return g;
}

void
ingest_free(struct ingest *g)
{
	int last;

	if (g == NULL)
		return;
	pthread_mutex_lock(&g->cs->mu);
	last = --g->cs->refs == 0;
	pthread_mutex_unlock(&g->cs->mu);
	if (last) {
		pthread_mutex_destroy(&g->cs->mu);
		sodium_memzero(g->cs, sizeof *g->cs);
		free(g->cs);
	}
	sodium_memzero(g, sizeof *g);
	free(g);
}

static time_t
now(void)
{
	time_t t;
	char e[ERRLEN];

	if (pols_now(&t, e, sizeof e) != 0)
		t = time(NULL);
	return t;
}

/* Callers hold cs->mu. */
static struct challenge *
challenge_find(struct challenges *cs, const char *name)
{
	for (size_t i = 0; i < INGEST_MAX_CHALLENGES; i++)
		if (cs->ch[i].name[0] && strcmp(cs->ch[i].name, name) == 0)
			return &cs->ch[i];
	return NULL;
}

static void
challenge_new(struct ingest *g, const char *name, uint8_t out[WIRE_NONCE_BYTES])
{
	struct challenges *cs = g->cs;
	struct challenge *c;
	time_t t = now();

	pthread_mutex_lock(&cs->mu);
	c = challenge_find(cs, name);
	if (c == NULL) {
		for (size_t i = 0; i < INGEST_MAX_CHALLENGES && c == NULL; i++)
			if (!cs->ch[i].name[0] || cs->ch[i].expires < t)
				c = &cs->ch[i];
	}
	if (c == NULL) {
		c = &cs->ch[cs->next];
		cs->next = (cs->next + 1) % INGEST_MAX_CHALLENGES;
	}
	snprintf(c->name, sizeof c->name, "%s", name);
	randombytes_buf(c->value, sizeof c->value);
	c->expires = t + config_int(g->s->cfg, "challenge_ttl");
	memcpy(out, c->value, sizeof c->value);
	pthread_mutex_unlock(&cs->mu);
}

/* Consume name's challenge if it equals value and is still valid. */
static int
challenge_take(struct ingest *g, const char *name,
    const uint8_t value[WIRE_NONCE_BYTES])
{
	struct challenge *c;
	int ok = 0;

	pthread_mutex_lock(&g->cs->mu);
	c = challenge_find(g->cs, name);
	if (c != NULL) {
		ok = sodium_memcmp(c->value, value, WIRE_NONCE_BYTES) == 0 &&
		    c->expires >= now();
		if (ok)
			memset(c, 0, sizeof *c); /* single use */
	}
	pthread_mutex_unlock(&g->cs->mu);
	return ok ? 0 : -1;
}

/* Sign body as a reply of type. Takes ownership of body. */
static int
reply(struct ingest *g, enum wire_type type, cJSON *body, uint8_t **out,
    size_t *outlen)
{
	char *text;
	int rv = -1;

	if (body == NULL)
		return -1;
	cJSON_AddNumberToObject(body, "time", (double)now());
	/* Every reply names the exact request it answers, so it cannot be
	 * replayed to, or stand in for, any other request. */
	cJSON_AddStringToObject(body, "request", g->request);
	if ((text = wire_padded(body)) != NULL)
		rv = wire_encode(type, g->reply_kid, text, strlen(text),
		    g->reply_sk, out, outlen);
	free(text);
	cJSON_Delete(body);
	return rv;
}

static int
reply_error(struct ingest *g, const char *name, const cJSON *req,
    const char *code, const char *message, uint8_t **out, size_t *outlen)
{
	cJSON *b = cJSON_CreateObject();
	const char *nonce = req ? wire_str(req, "nonce", 64) : NULL;
	char shown[WIRE_NAME_MAX + 8];

	if (b == NULL)
		return -1;
	if (name != NULL)
		cJSON_AddStringToObject(b, "terminal", name);
	if (nonce != NULL)
		cJSON_AddStringToObject(b, "nonce", nonce);
	cJSON_AddStringToObject(b, "code", code);
	cJSON_AddStringToObject(b, "message", message);
	/* Refusals of requests from no known terminal are noise anyone can
	 * make: debug only, so they cannot flood the log. */
	log_msg(name != NULL ? LOG_WARN : LOG_DEBUG, "S201",
	    "refused %s from '%s': %s", code,
	    util_printable(shown, sizeof shown, name ? name : "?"), message);
	return reply(g, WIRE_ERROR, b, out, outlen);
}

/* Add "state" and "state_hash" to a CHALLENGE when what the terminal
 * holds (its hash, have) differs from what it should hold. */
static int
add_state(struct server *s, const struct terminal_rec *t, const char *have,
    cJSON *b)
{
	cJSON *st = cJSON_CreateObject();
	char err[ERRLEN] = "out of memory", hex[2 * PCRYPTO_HASH_BYTES + 1];
	char *text;
	uint8_t h[PCRYPTO_HASH_BYTES];

	if (st == NULL || terminal_state(s, t->teams, st, err, sizeof err) != 0 ||
	    (text = cJSON_PrintUnformatted(st)) == NULL) {
		log_msg(LOG_ERR, "S006", "state for '%s': %s", t->name, err);
		cJSON_Delete(st);
		return -1;
	}
	pcrypto_hash((const uint8_t *)text, strlen(text), h);
	util_hex(hex, h, sizeof h);
	free(text);
	if (have != NULL && strcmp(have, hex) == 0) {
		cJSON_Delete(st);
		return 0;
	}
	cJSON_AddItemToObject(b, "state", st);
	cJSON_AddStringToObject(b, "state_hash", hex);
	return 0;
}

/* The key a reply is signed with: the one the request names in
 * "server_kid" when this server holds it, else the current one. */
static void
reply_key(struct ingest *g, const cJSON *body)
{
	const char *hex = body ? wire_str(body, "server_kid",
	    2 * PCRYPTO_KID_BYTES) : NULL;
	uint8_t kid[PCRYPTO_KID_BYTES];
	const uint8_t *sk;
	long seq;

	g->reply_sk = g->s->sign_sk;
	memcpy(g->reply_kid, g->s->kid, sizeof g->reply_kid);
	g->reply_seq = g->s->key_seq;
	g->named = 0;
	g->named_seq = 0;
	if (hex == NULL)
		return;
	g->named = 1;
	if (util_unhex(kid, sizeof kid, hex) != 0 ||
	    (seq = keys_seq_of(g->s, kid)) == 0)
		return;
	g->named_seq = seq;
	if ((sk = keys_sign_sk(g->s, seq, g->reply_kid)) != NULL) {
		g->reply_sk = sk;
		g->reply_seq = seq;
	} else {
		memcpy(g->reply_kid, g->s->kid, sizeof g->reply_kid);
	}
}

/* A terminal whose request verified named the generation it trusts:
 * remember it (polsctl keys list), and say so when this server cannot
 * answer with that key. */
static void
key_seen(struct ingest *g, const struct terminal_rec *t)
{
	if (!g->named)
		return;
	if (g->named_seq == 0 || g->named_seq != g->reply_seq) {
		log_msg(LOG_WARN, "S207", "terminal '%s' trusts a server key "
		    "this server %s; it needs a new bundle", t->name,
		    g->named_seq == 0 ? "does not know" : "no longer holds "
		    "the secret of");
		return;
	}
	if (g->named_seq != t->key_seq &&
	    terminal_set_key_seq(g->s, t->name, g->named_seq) != 0)
		log_msg(LOG_WARN, "S208", "cannot record the key generation "
		    "of '%s'", t->name);
}

/* "server_kid" (the current key), and for a terminal that trusts a
 * retired generation the statements from it to the current one. */
static int
add_keys(struct ingest *g, const struct terminal_rec *t, cJSON *b)
{
	char hex[2 * PCRYPTO_KID_BYTES + 1], err[ERRLEN];
	cJSON *chain;

	util_hex(hex, g->s->kid, sizeof g->s->kid);
	if (cJSON_AddStringToObject(b, "server_kid", hex) == NULL)
		return -1;
	if (g->reply_seq >= g->s->key_seq)
		return 0;
	if ((chain = keys_chain(g->s, g->reply_seq, err, sizeof err)) == NULL) {
		log_msg(LOG_ERR, "S011", "no rotation statements for '%s': %s",
		    t->name, err);
		return 0;
	}
	if (!cJSON_AddItemToObject(b, "rotation", chain)) {
		cJSON_Delete(chain);
		return -1;
	}
	return 0;
}

static int
handle_hello(struct ingest *g, const struct wire_msg *m, const cJSON *body,
    const struct terminal_rec *t, uint8_t **out, size_t *outlen)
{
	const cJSON *en = cJSON_GetObjectItemCaseSensitive(body, "enroll");
	uint8_t ch[WIRE_NONCE_BYTES], pk[PCRYPTO_SIGN_PK];
	uint8_t kid[PCRYPTO_KID_BYTES];
	const char *nonce = wire_str(body, "nonce", 64);
	cJSON *b;

	if (nonce == NULL)
		return reply_error(g, t->name, body, WIRE_E_MALFORMED,
		    "hello without nonce", out, outlen);
	if (!t->has_pk) {
		/* The seal holds token || pk: whoever watches a first HELLO
		 * cannot reuse its sealed token with a key of their own. */
		uint8_t sealed[32 + PCRYPTO_SIGN_PK + PCRYPTO_SEAL_OVERHEAD];
		uint8_t token[32 + PCRYPTO_SIGN_PK];
		uint8_t th[PCRYPTO_HASH_BYTES];
		int ok;

		if (!cJSON_IsObject(en) || wire_bytes(en, "pk", pk,
		    sizeof pk) != 0 || wire_bytes(en, "token", sealed,
		    sizeof sealed) != 0)
			return reply_error(g, t->name, body, WIRE_E_ENROLL,
			    "terminal is not enrolled yet; hello must carry "
			    "its key and token", out, outlen);
		/* A bundle made before a rotation seals to a retired
		 * box key. */
		ok = keys_seal_open(g->s, token, sealed, sizeof sealed) == 0 &&
		    sodium_memcmp(token + 32, pk, sizeof pk) == 0;
		if (ok) {
			pcrypto_hash(token, 32, th);
			ok = t->has_token && sodium_memcmp(th, t->token_hash,
			    sizeof th) == 0;
		}
		sodium_memzero(token, sizeof token);
		pcrypto_kid(pk, sizeof pk, kid);
		if (!ok || sodium_memcmp(kid, m->kid, sizeof kid) != 0 ||
		    wire_verify(m, pk) != 0)
			return reply_error(g, t->name, body, WIRE_E_ENROLL,
			    "enrollment token or key proof does not verify",
			    out, outlen);
		if (terminal_bind(g->s, t->name, pk) != 0)
			return reply_error(g, t->name, body, WIRE_E_INTERNAL,
			    "cannot record the terminal's key", out, outlen);
		log_msg(LOG_INFO, "S102", "terminal '%s' enrolled", t->name);
		key_seen(g, t);
	}
	challenge_new(g, t->name, ch);
	if ((b = cJSON_CreateObject()) == NULL)
		return -1;
	cJSON_AddStringToObject(b, "terminal", t->name);
	cJSON_AddStringToObject(b, "nonce", nonce);
	wire_add_bytes(b, "challenge", ch, sizeof ch);
	if (add_state(g->s, t, wire_str(body, "state", 64), b) != 0) {
		cJSON_Delete(b);
		return reply_error(g, t->name, body, WIRE_E_INTERNAL,
		    "cannot build the terminal's state", out, outlen);
	}
	cJSON_AddNumberToObject(b, "ttl",
	    (double)config_int(g->s->cfg, "challenge_ttl"));
	if (add_keys(g, t, b) != 0) {
		cJSON_Delete(b);
		return -1;
	}
	/* What the server holds from this terminal: after a restore from an
	 * older backup the terminal resends what is missing. */
	cJSON_AddNumberToObject(b, "last_seq", (double)t->last_seq);
	return reply(g, WIRE_CHALLENGE, b, out, outlen);
}

static int
kind_ok(const char *period, enum period_kind *kind)
{
	return period_classify(period, kind) == 0;
}

/* Team, form, period and counts of an opened batch, checked. */
static int
batch_check(struct server *s, const char *name, const char *teams,
    const char *id, const cJSON *b, const struct form **fp,
    struct agg **ap, char *err, size_t errlen)
{
	struct terminal_rec t;
	const char *bid = wire_str(b, "batch", 2 * WIRE_BATCH_ID_BYTES);
	const char *bt = wire_str(b, "terminal", WIRE_NAME_MAX);
	const char *team = wire_str(b, "team", 64);
	const char *fid = wire_str(b, "form", FORM_ID_MAX);
	const char *period = wire_str(b, "period", PERIOD_MAX);
	const cJSON *ver = cJSON_GetObjectItemCaseSensitive(b, "version");
	const cJSON *agg = cJSON_GetObjectItemCaseSensitive(b, "agg");
	enum period_kind kind;
	char *aggtext;
	char e[ERRLEN];
	int rv;

	const cJSON *v = cJSON_GetObjectItemCaseSensitive(b, "v");

	if (!cJSON_IsNumber(v) || v->valuedouble != 1) {
		snprintf(err, errlen, "batch format version is not 1");
		return -1;
	}
	if (!bid || !bt || !team || !fid || !period || !cJSON_IsNumber(ver) ||
	    !cJSON_IsObject(agg)) {
		snprintf(err, errlen, "batch lacks batch, terminal, team, "
		    "form, version, period or agg");
		return -1;
	}
	if (strcmp(bid, id) != 0 || strcmp(bt, name) != 0) {
		snprintf(err, errlen, "batch was made for another id or "
		    "terminal");
		return -1;
	}
	snprintf(t.teams, sizeof t.teams, "%s", teams);
	if (!terminal_serves(&t, team)) {
		char shown[48];
		snprintf(err, errlen, "terminal does not serve team '%s'",
		    util_printable(shown, sizeof shown, team));
		return -1;
	}
	if (ver->valuedouble < 1 || ver->valuedouble > 1e6 ||
	    ver->valuedouble != (int)ver->valuedouble) {
		snprintf(err, errlen, "bad form version");
		return -1;
	}
	if ((*fp = server_form(s, fid, (int)ver->valuedouble, err,
	    errlen)) == NULL)
		return -1;
	if (kind_ok(period, &kind) && kind == PERIOD_CAMPAIGN &&
	    (*fp)->period == PERIOD_CAMPAIGN &&
	    wave_covers(s, period, fid, team) != 1) {
		char shown[48];
		snprintf(err, errlen, "no campaign '%s' of this form covers "
		    "team '%s'", util_printable(shown, sizeof shown, period),
		    team);
		return -1;
	}
	if (period_classify(period, &kind) != 0 || kind != (*fp)->period) {
		char shown[48];
		snprintf(err, errlen, "period '%s' is not a %s period",
		    util_printable(shown, sizeof shown, period),
		    period_kind_name((*fp)->period));
		return -1;
	}
	if ((aggtext = cJSON_PrintUnformatted(agg)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	rv = agg_from_json(aggtext, strlen(aggtext), ap, e, sizeof e);
	free(aggtext);
	if (rv != 0 || agg_check(*ap, *fp, e, sizeof e) != 0) {
		/* The detail holds counts of a small batch: neither logged
		 * nor sent back, so no answer ends up in a log. */
		snprintf(err, errlen, "counts are malformed or inconsistent "
		    "with form '%s' version %d", (*fp)->id, (*fp)->version);
		agg_free(*ap);
		*ap = NULL;
		return -1;
	}
	if (agg_n(*ap) == 0) {
		snprintf(err, errlen, "counts: empty batch");
		agg_free(*ap);
		*ap = NULL;
		return -1;
	}
	return 0;
}

/* Merge a into the unit's cell; inside the caller's transaction. a itself
 * is left as it was. */
static int
cell_merge(struct server *s, const char *unit, const struct form *f,
    const char *period, struct agg *a, char *err, size_t errlen)
{
	sqlite3_stmt *st = NULL;
	struct agg *old = NULL;
	char *text = NULL;
	char e[ERRLEN];
	int rc, rv = -1;

	if (store_prepare(s->db, "SELECT agg FROM cells WHERE unit = ? AND "
	    "form = ? AND version = ? AND period = ?", &st, err, errlen) != 0)
		return -1;
	sqlite3_bind_text(st, 1, unit, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, f->id, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 3, f->version);
	sqlite3_bind_text(st, 4, period, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		/* Not "no cell yet": writing now would replace the cell. */
		store_error(s->db, err, errlen);
		goto out;
	}
	if (rc == SQLITE_ROW) {
		if (agg_from_json((const char *)sqlite3_column_text(st, 0),
		    (size_t)sqlite3_column_bytes(st, 0), &old, e,
		    sizeof e) != 0) {
			/* e holds counts: neither logged nor sent. */
			snprintf(err, errlen, "stored cell is unreadable; "
			    "see polsctl");
			goto out;
		}
		if (agg_merge(old, a) != 0) {
			snprintf(err, errlen, "counts would overflow the cell");
			goto out;
		}
		a = old;
	}
	sqlite3_finalize(st);
	st = NULL;
	if ((text = agg_to_json(a)) == NULL) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	if (store_prepare(s->db, "INSERT OR REPLACE INTO cells(unit, form, "
	    "version, period, n, agg) VALUES(?, ?, ?, ?, ?, ?)", &st, err,
	    errlen) != 0)
		goto out;
	sqlite3_bind_text(st, 1, unit, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, f->id, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 3, f->version);
	sqlite3_bind_text(st, 4, period, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 5, (sqlite3_int64)agg_n(a));
	sqlite3_bind_text(st, 6, text, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_DONE) {
		store_error(s->db, err, errlen);
		goto out;
	}
	rv = 0;
out:
	sqlite3_finalize(st);
	free(text);
	agg_free(old);
	return rv;
}

/* The unit above a team (its district, or whatever holds it). */
static int
unit_parent(struct server *s, const char *team, char *out, size_t outlen)
{
	sqlite3_stmt *st;
	int rv = -1;

	if (sqlite3_prepare_v2(s->db, "SELECT parent FROM org WHERE id = ? "
	    "AND parent IS NOT NULL", -1, &st, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_text(st, 1, team, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW)
		rv = util_path(out, outlen, "%s", sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	return rv;
}

/* The applied table's key for a batch: BLAKE2b-128 of terminal NUL id.
 * Per terminal, so one terminal cannot pre-empt another's batch id seen on
 * the network; hashed, so the table names no terminal. */
static void
applied_key(const char *name, const char *id, char out[33])
{
	crypto_generichash_state st;
	uint8_t h[WIRE_BATCH_ID_BYTES];

	crypto_generichash_init(&st, NULL, 0, sizeof h);
	crypto_generichash_update(&st, (const uint8_t *)name, strlen(name) + 1);
	crypto_generichash_update(&st, (const uint8_t *)id, strlen(id));
	crypto_generichash_final(&st, h, sizeof h);
	util_hex(out, h, sizeof h);
}

static int
applied_hash(struct server *s, const char *id, uint8_t hash[PCRYPTO_HASH_BYTES])
{
	sqlite3_stmt *st;
	int rv = 1;

	if (sqlite3_prepare_v2(s->db, "SELECT hash FROM applied WHERE "
	    "batch_id = ?", -1, &st, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	switch (sqlite3_step(st)) {
	case SQLITE_ROW:
		if (sqlite3_column_bytes(st, 0) == PCRYPTO_HASH_BYTES) {
			memcpy(hash, sqlite3_column_blob(st, 0),
			    PCRYPTO_HASH_BYTES);
			rv = 0;
		} else {
			rv = -1;
		}
		break;
	case SQLITE_DONE:
		break;
	default:
		rv = -1;
	}
	sqlite3_finalize(st);
	return rv;
}

/* A batch opened and checked, ready to apply. */
struct prepared {
	char key[2 * WIRE_BATCH_ID_BYTES + 1]; /* applied-table key */
	uint8_t hash[PCRYPTO_HASH_BYTES];
	char form[FORM_ID_MAX];
	int version;
	char team[65];
	char period[PERIOD_MAX];
	char upper[256];
	struct agg *a;
};

/* 0: already applied with this hash; 1: not applied; -1 refused (other
 * content, or a database error). */
static int
dup_check(struct server *s, const char *name, const char *id,
    const struct prepared *p, char *err, size_t errlen)
{
	uint8_t old[PCRYPTO_HASH_BYTES];

	switch (applied_hash(s, p->key, old)) {
	case 0:
		if (sodium_memcmp(old, p->hash, sizeof old) == 0)
			return 0;
		snprintf(err, errlen, "batch id was applied before with other "
		    "content");
		log_msg(LOG_WARN, "S203", "terminal '%s' resent batch %s with "
		    "other content; refused", name, id);
		return -1;
	case 1:
		return 1;
	default:
		store_error(s->db, err, errlen);
		return -1;
	}
}

/* Open and check a batch without taking the write lock: the crypto and
 * the checks of several workers run at once. Returns 0 (p filled; free
 * p->a), 1 when it was applied before with the same hash, -1 refused. */
static int
batch_prepare(struct server *s, const char *name, const char *teams,
    const char *id, const uint8_t *sealed, size_t len, struct prepared *p,
    char *err, size_t errlen)
{
	uint8_t raw[WIRE_BATCH_ID_BYTES];
	uint8_t *plain = NULL;
	size_t plen;
	cJSON *b = NULL;
	const struct form *f;
	int rv = -1, d;

	memset(p, 0, sizeof *p);
	if (strlen(id) != 2 * WIRE_BATCH_ID_BYTES ||
	    strspn(id, "0123456789abcdef") != strlen(id) ||
	    util_unhex(raw, sizeof raw, id) != 0) {
		snprintf(err, errlen, "bad batch id (32 lower-case hex digits)");
		return -1;
	}
	applied_key(name, id, p->key);
	pcrypto_hash(sealed, len, p->hash);
	/* A quick look first: a resent batch needs no opening. The check
	 * that counts is repeated under the write lock. */
	if ((d = dup_check(s, name, id, p, err, errlen)) <= 0)
		return d == 0 ? 1 : -1;
	if (len <= PCRYPTO_SEAL_OVERHEAD || len > WIRE_MAX_SEALED ||
	    (plain = malloc(len - PCRYPTO_SEAL_OVERHEAD + 1)) == NULL) {
		snprintf(err, errlen, "bad sealed batch size %zu", len);
		return -1;
	}
	plen = len - PCRYPTO_SEAL_OVERHEAD;
	/* A batch cut before its terminal followed a rotation is sealed
	 * to a retired box key. */
	if (keys_seal_open(s, plain, sealed, len) != 0) {
		snprintf(err, errlen, "batch cannot be opened with this "
		    "server's keys");
		goto out;
	}
	if ((b = cJSON_ParseWithLength((const char *)plain, plen)) == NULL ||
	    !cJSON_IsObject(b)) {
		snprintf(err, errlen, "batch is not a JSON object");
		goto out;
	}
	if (batch_check(s, name, teams, id, b, &f, &p->a, err, errlen) != 0)
		goto out;
	/* The very values batch_check checked: exact-case keys, first of
	 * duplicates, as there. */
	snprintf(p->team, sizeof p->team, "%s", wire_str(b, "team", 64));
	snprintf(p->period, sizeof p->period, "%s",
	    wire_str(b, "period", PERIOD_MAX));
	snprintf(p->form, sizeof p->form, "%s", f->id);
	p->version = f->version;
	if (unit_parent(s, p->team, p->upper, sizeof p->upper) != 0) {
		snprintf(err, errlen, "team '%s' has no parent in the "
		    "organisation", p->team);
		goto out;
	}
	rv = 0;
out:
	if (rv != 0) {
		agg_free(p->a);
		p->a = NULL;
	}
	cJSON_Delete(b);
	if (plain != NULL) {
		sodium_memzero(plain, plen);
		free(plain);
	}
	return rv;
}

/* Apply a prepared batch inside the caller's write transaction, under a
 * savepoint: a refused batch leaves no trace, the others still commit
 * together. 0 applied, 1 duplicate, -1 refused. */
static int
batch_apply(struct server *s, const char *name, const char *id,
    struct prepared *p, char *err, size_t errlen)
{
	const struct form *f;
	sqlite3_stmt *st = NULL;
	int d;

	if ((d = dup_check(s, name, id, p, err, errlen)) <= 0)
		return d == 0 ? 1 : -1;
	if ((f = server_form(s, p->form, p->version, err, errlen)) == NULL)
		return -1;
	if (store_exec(s->db, "SAVEPOINT batch", err, errlen) != 0)
		return -1;
	if (store_prepare(s->db, "INSERT INTO applied(batch_id, hash) "
	    "VALUES(?, ?)", &st, err, errlen) != 0)
		goto rollback;
	sqlite3_bind_text(st, 1, p->key, -1, SQLITE_STATIC);
	sqlite3_bind_blob(st, 2, p->hash, sizeof p->hash, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_DONE) {
		store_error(s->db, err, errlen);
		goto rollback;
	}
	sqlite3_finalize(st);
	st = NULL;
	/* The district above the team gets everything, the team its cell
	 * without the Cronbach blocks. */
	if (cell_merge(s, p->upper, f, p->period, p->a, err, errlen) != 0)
		goto rollback;
	agg_drop_full(p->a);
	if (cell_merge(s, p->team, f, p->period, p->a, err, errlen) != 0)
		goto rollback;
	if (store_exec(s->db, "RELEASE batch", err, errlen) != 0)
		goto rollback;
	return 0;
rollback:
	sqlite3_finalize(st);
	sqlite3_exec(s->db, "ROLLBACK TO batch; RELEASE batch", NULL, NULL,
	    NULL);
	return -1;
}

int
ingest_batch(struct server *s, const char *name, const char *teams,
    const char *id, const uint8_t *sealed, size_t len, char *err,
    size_t errlen)
{
	struct prepared p;
	int rv;

	if ((rv = batch_prepare(s, name, teams, id, sealed, len, &p, err,
	    errlen)) != 0)
		return rv;
	rv = batch_apply(s, name, id, &p, err, errlen);
	agg_free(p.a);
	return rv;
}

/* One batch of a SYNC between the two phases. */
struct pending {
	char id[2 * WIRE_BATCH_ID_BYTES + 1];
	char hex[2 * PCRYPTO_HASH_BYTES + 1];
	char reason[ERRLEN];
	int status; /* 0 to apply, 1 duplicate, -1 refused */
	double seq;
	struct prepared p;
};

static int
seq_record(struct server *s, const char *name, long long seq)
{
	sqlite3_stmt *st;
	int rv;

	if (sqlite3_prepare_v2(s->db, "UPDATE terminals SET last_seq = "
	    "MAX(last_seq, ?) WHERE name = ?", -1, &st, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_int64(st, 1, seq);
	sqlite3_bind_text(st, 2, name, -1, SQLITE_STATIC);
	rv = sqlite3_step(st) == SQLITE_DONE ? 0 : -1;
	sqlite3_finalize(st);
	return rv;
}

static int
handle_sync(struct ingest *g, const struct wire_msg *m, const cJSON *body,
    const struct terminal_rec *t, uint8_t **out, size_t *outlen)
{
	uint8_t ch[WIRE_NONCE_BYTES];
	const cJSON *batches = cJSON_GetObjectItemCaseSensitive(body,
	    "batches");
	const cJSON *it;
	const char *nonce = wire_str(body, "nonce", 64);
	const cJSON *seq;
	double max_seq = 0;
	char err[ERRLEN];
	cJSON *b, *results;
	struct pending *pre = NULL;
	size_t nb, np = 0;
	int need_tx = 0, lost = 0, rc;

	(void)m;
	if (!t->has_pk)
		return reply_error(g, t->name, body, WIRE_E_ENROLL,
		    "terminal is not enrolled yet", out, outlen);
	if (nonce == NULL || !cJSON_IsArray(batches) ||
	    cJSON_GetArraySize(batches) > WIRE_MAX_BATCHES)
		return reply_error(g, t->name, body, WIRE_E_MALFORMED,
		    "sync needs a nonce and at most 64 batches", out, outlen);
	if (wire_bytes(body, "challenge", ch, sizeof ch) != 0 ||
	    challenge_take(g, t->name, ch) != 0)
		return reply_error(g, t->name, body, WIRE_E_CHALLENGE,
		    "challenge unknown, used or expired; send hello again",
		    out, outlen);
	if ((b = cJSON_CreateObject()) == NULL)
		return -1;
	cJSON_AddStringToObject(b, "terminal", t->name);
	cJSON_AddStringToObject(b, "nonce", nonce);
	results = cJSON_AddArrayToObject(b, "results");
	/* Phase 1, without the write lock: open and check every batch, so
	 * several workers do their crypto at once. */
	nb = (size_t)cJSON_GetArraySize(batches);
	if (nb > 0 && (pre = calloc(nb, sizeof *pre)) == NULL) {
		cJSON_Delete(b);
		return -1;
	}
	cJSON_ArrayForEach(it, batches) {
		struct pending *q = &pre[np];
		const char *id = wire_str(it, "id", 2 * WIRE_BATCH_ID_BYTES);
		const char *sb64 = wire_str(it, "sealed",
		    WIRE_MAX_SEALED / 3 * 4 + 4);
		uint8_t *sealed = NULL, hash[PCRYPTO_HASH_BYTES];
		size_t slen = 0;

		if (id == NULL || sb64 == NULL ||
		    util_unb64(sb64, WIRE_MAX_SEALED, &sealed, &slen) != 0) {
			/* Without a readable id there is nothing to answer
			 * for: the terminal keeps such a batch. */
			continue;
		}
		np++;
		snprintf(q->id, sizeof q->id, "%s", id);
		pcrypto_hash(sealed, slen, hash);
		util_hex(q->hex, hash, sizeof hash);
		q->status = batch_prepare(g->s, t->name, t->teams, id, sealed,
		    slen, &q->p, q->reason, sizeof q->reason);
		free(sealed);
		seq = cJSON_GetObjectItemCaseSensitive(it, "seq");
		q->seq = cJSON_IsNumber(seq) && seq->valuedouble > 0 &&
		    seq->valuedouble < 9e15 ? seq->valuedouble : 0;
	}
	/* Phase 2, one write transaction for the request (group commit),
	 * durable (synchronous=FULL) before any batch is acknowledged; the
	 * duplicate check is repeated here, under the lock. */
	for (size_t i = 0; i < np; i++)
		if (pre[i].status == 0)
			need_tx = 1;
	if (need_tx && store_begin(g->s->db, err, sizeof err) != 0) {
		rc = reply_error(g, t->name, body, WIRE_E_INTERNAL,
		    "database busy; try again", out, outlen);
		cJSON_Delete(b);
		goto done;
	}
	for (size_t i = 0; i < np; i++) {
		struct pending *q = &pre[i];
		cJSON *r;

		if (q->status == 0) {
			q->status = batch_apply(g->s, t->name, q->id, &q->p,
			    q->reason, sizeof q->reason);
			if (q->status < 0 &&
			    sqlite3_get_autocommit(g->s->db)) {
				/* sqlite rolled the whole transaction back
				 * (a full disk, an I/O error): nothing of
				 * this request is on disk, and the batches
				 * after it must not commit one by one. */
				snprintf(err, sizeof err, "%s", q->reason);
				lost = 1;
				break;
			}
		}
		if (q->status >= 0 && q->seq > max_seq)
			max_seq = q->seq;
		if ((r = cJSON_CreateObject()) == NULL ||
		    !cJSON_AddItemToArray(results, r)) {
			cJSON_Delete(r);
			continue;
		}
		cJSON_AddStringToObject(r, "id", q->id);
		cJSON_AddStringToObject(r, "hash", q->hex);
		cJSON_AddStringToObject(r, "status", q->status == 0 ?
		    "applied" : q->status == 1 ? "duplicate" : "refused");
		if (q->status < 0) {
			cJSON_AddStringToObject(r, "reason", q->reason);
			log_msg(LOG_WARN, "S202", "batch %s from '%s' "
			    "refused: %s", q->id, t->name, q->reason);
		} else {
			log_msg(LOG_DEBUG, "S103", "batch %s from '%s' %s",
			    q->id, t->name, q->status == 0 ? "applied" :
			    "duplicate");
		}
	}
	if (!lost && max_seq > 0 && (need_tx || store_begin(g->s->db, err,
	    sizeof err) == 0)) {
		if (seq_record(g->s, t->name, (long long)max_seq) != 0)
			log_msg(LOG_WARN, "S206", "cannot record the last batch "
			    "of '%s'", t->name);
		need_tx = 1;
	}
	if (lost || (need_tx && store_commit(g->s->db, err, sizeof err) !=
	    0)) {
		/* Nothing of this request is on disk: acknowledge nothing. */
		cJSON_Delete(b);
		log_msg(LOG_ERR, "S007", "commit failed: %s", err);
		rc = reply_error(g, t->name, body, WIRE_E_INTERNAL,
		    "the server could not store the batches; try again", out,
		    outlen);
		goto done;
	}
	rc = reply(g, WIRE_ACK, b, out, outlen);
done:
	for (size_t i = 0; i < np; i++)
		agg_free(pre[i].p.a);
	free(pre);
	return rc;
}

int
ingest_handle(struct ingest *g, const uint8_t *req, size_t len,
    uint8_t **out, size_t *outlen)
{
	struct wire_msg m;
	struct terminal_rec t;
	char err[ERRLEN];
	cJSON *body = NULL;
	const char *name;
	uint8_t h[PCRYPTO_HASH_BYTES], kid[PCRYPTO_KID_BYTES];
	int rc;

	pcrypto_hash(req, len, h);
	util_hex(g->request, h, sizeof h);
	/* polsctl keys rotate may have run since the last request. */
	keys_fresh(g->s);
	reply_key(g, NULL);
	rc = wire_decode(req, len, &m, err, sizeof err);
	if (rc == -2)
		return reply_error(g, NULL, NULL, WIRE_E_VERSION, err, out,
		    outlen);
	if (rc != 0)
		return reply_error(g, NULL, NULL, WIRE_E_MALFORMED, err, out,
		    outlen);
	if (m.type != WIRE_HELLO && m.type != WIRE_SYNC)
		return reply_error(g, NULL, NULL, WIRE_E_MALFORMED,
		    "not a request", out, outlen);
	if ((body = wire_body(&m)) == NULL)
		return reply_error(g, NULL, NULL, WIRE_E_MALFORMED,
		    "body is not a JSON object", out, outlen);
	reply_key(g, body);
	if ((name = wire_str(body, "terminal", WIRE_NAME_MAX)) == NULL) {
		rc = reply_error(g, NULL, body, WIRE_E_MALFORMED,
		    "no terminal name", out, outlen);
		goto out;
	}
	switch (terminal_get(g->s, name, &t)) {
	case 0:
		break;
	case 1:
		rc = reply_error(g, NULL, body, WIRE_E_UNKNOWN,
		    "unknown terminal", out, outlen);
		goto out;
	default:
		rc = reply_error(g, name, body, WIRE_E_INTERNAL,
		    "database error", out, outlen);
		goto out;
	}
	/* A bound terminal's signature is checked before anything about it
	 * is said, revocation included. */
	if (t.has_pk) {
		pcrypto_kid(t.pk, sizeof t.pk, kid);
		int other_key = sodium_memcmp(kid, m.kid, sizeof kid) != 0;
		if (other_key || wire_verify(&m, t.pk) != 0) {
			/* A first HELLO under another key, from a second
			 * holder of the bundle: someone enrolled with its
			 * token before. (The bound key with a bad signature
			 * is a damaged message, not a second holder.) */
			if (other_key && m.type == WIRE_HELLO && cJSON_IsObject(
			    cJSON_GetObjectItemCaseSensitive(body, "enroll"))) {
				log_msg(LOG_WARN, "S204", "terminal '%s' tried "
				    "to enroll, but another key is already "
				    "bound to it; was its bundle used "
				    "elsewhere?", t.name);
				rc = reply_error(g, t.name, body,
				    WIRE_E_ENROLL, "this terminal name is "
				    "already enrolled with another key; ask "
				    "the administrator", out, outlen);
			} else {
				rc = reply_error(g, t.name, body,
				    WIRE_E_SIGNATURE,
				    "signature does not verify", out, outlen);
			}
			goto out;
		}
		key_seen(g, &t);
	}
	if (t.revoked) {
		rc = reply_error(g, t.name, body, WIRE_E_REVOKED,
		    "terminal has been revoked", out, outlen);
		goto out;
	}
	rc = m.type == WIRE_HELLO ?
	    handle_hello(g, &m, body, &t, out, outlen) :
	    handle_sync(g, &m, body, &t, out, outlen);
out:
	cJSON_Delete(body);
	return rc;
}
