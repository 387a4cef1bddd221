/*
 * sync.c - the terminal side of the sync protocol (docs/protocol.md).
 *
 * kiosk_cut() turns accumulators into batches: each is sealed once to the
 * server's box key (after that not even this terminal can read it) and
 * stored with a random id; it is resent as the same bytes until a signed
 * ACK names its id and hash. kiosk_sync() then runs HELLO -> CHALLENGE,
 * SYNC -> ACK exchanges over an NNG REQ socket, with an explicit reply
 * timeout (NNG's own resend is switched off) and exponential backoff with
 * jitter between attempts, until every batch is answered or sync_timeout
 * has passed. A batch is deleted only after a verified ACK for this very
 * request (the hash of our request bytes, our nonce and name) names it
 * with the hash of the bytes we sent.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <nng/nng.h>
#include <nng/protocol/reqrep0/req.h>

#include "kiosk.h"
#include "log.h"
#include "update.h"
#include "store.h"
#include "util.h"

#define SYNC_BODY_BUDGET (2u * 1024 * 1024)

/* The next batch sequence number: never reused, also after the retention
 * window removed acknowledged batches. */
static long long
next_seq(sqlite3 *db)
{
	void *v;
	size_t len;
	long long n = 1;

	if (store_meta_get(db, "next_seq", &v, &len) == 0) {
		n = strtoll(v, NULL, 10);
		free(v);
	}
	return n < 1 ? 1 : n;
}

/* When the period of a campaign ends: the day after its last day. */
static int
wave_end(struct kiosk *k, const char *id, time_t *end)
{
	sqlite3_stmt *st;
	int rv = -1;

	if (sqlite3_prepare_v2(k->db, "SELECT wave FROM waves WHERE id = ?",
	    -1, &st, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW) {
		cJSON *w = cJSON_Parse((const char *)sqlite3_column_text(st,
		    0));
		const char *to = w ? wire_str(w, "to", 10) : NULL;
		char t[32];
		if (to != NULL) {
			snprintf(t, sizeof t, "%sT00:00:00Z", to);
			if (period_parse_time(t, end) == 0) {
				*end += 86400;
				rv = 0;
			}
		}
		cJSON_Delete(w);
	}
	sqlite3_finalize(st);
	return rv;
}

/* The minimum batch rule: a cell travels once it holds k respondents, or
 * once its period has closed and the grace time has passed; a single
 * response never travels alone while its period is open. */
static int
cut_due(struct kiosk *k, const cJSON *acc, const struct kiosk_settings *set,
    time_t now)
{
	const cJSON *agg = cJSON_GetObjectItemCaseSensitive(acc, "agg");
	const cJSON *n = cJSON_GetObjectItemCaseSensitive(agg, "n");
	const char *period = wire_str(acc, "period", PERIOD_MAX);
	enum period_kind kind;
	time_t start, end;

	if (cJSON_IsNumber(n) && n->valuedouble >= (double)set->k)
		return 1;
	if (period == NULL || period_classify(period, &kind) != 0)
		return 1; /* cannot tell: do not strand it */
	if (kind == PERIOD_CAMPAIGN) {
		/* A wave closed early ends when the terminal learnt so. */
		if (wave_end(k, period, &end) != 0 &&
		    update_wave_closed(k->db, period, &end) != 0)
			return 1; /* never known here: do not strand it */
	} else if (period_bounds(period, &start, &end) != 0) {
		return 1;
	}
	return now >= end + (time_t)set->grace_hours * 3600;
}

int
kiosk_cut(struct kiosk *k, char *err, size_t errlen)
{
	sqlite3_stmt *sel = NULL, *ins = NULL, *del = NULL;
	struct kiosk_settings set;
	long long seq;
	time_t now;
	int n = 0, rc;

	update_settings(k->db, &set);
	if (update_now(k->db, &now, err, errlen) != 0)
		return -1;
	if (store_begin(k->db, err, errlen) != 0)
		return -1;
	seq = next_seq(k->db);
	if (store_prepare(k->db, "SELECT row, box FROM acc", &sel, err,
	    errlen) != 0 ||
	    store_prepare(k->db, "INSERT INTO batches(id, sealed, seq) "
	    "VALUES(?, ?, ?)", &ins, err, errlen) != 0 ||
	    store_prepare(k->db, "DELETE FROM acc WHERE row = ?", &del, err,
	    errlen) != 0)
		goto fail;
	while ((rc = sqlite3_step(sel)) == SQLITE_ROW) {
		const char *row = (const char *)sqlite3_column_text(sel, 0);
		char *plain, *batch = NULL, id[2 * WIRE_BATCH_ID_BYTES + 1];
		uint8_t raw[WIRE_BATCH_ID_BYTES], *sealed;
		cJSON *j;
		size_t len;
		int ok;

		plain = kiosk_acc_open(k, row, sqlite3_column_blob(sel, 1),
		    (size_t)sqlite3_column_bytes(sel, 1));
		if (plain == NULL || (j = cJSON_Parse(plain)) == NULL) {
			snprintf(err, errlen, "an accumulator does not open "
			    "with this terminal's storage key");
			util_free_wiped(plain);
			goto fail;
		}
		util_free_wiped(plain);
		if (!cut_due(k, j, &set, now)) {
			cJSON_Delete(j); /* stays open until k or the end */
			continue;
		}
		randombytes_buf(raw, sizeof raw);
		util_hex(id, raw, sizeof raw);
		cJSON_AddNumberToObject(j, "v", 1);
		cJSON_AddStringToObject(j, "batch", id);
		cJSON_AddStringToObject(j, "terminal", k->name);
		batch = cJSON_PrintUnformatted(j);
		cJSON_Delete(j);
		if (batch == NULL)
			goto oom;
		len = strlen(batch);
		if ((sealed = malloc(len + PCRYPTO_SEAL_OVERHEAD)) == NULL) {
			util_free_wiped(batch);
			goto oom;
		}
		pcrypto_seal(sealed, (uint8_t *)batch, len, k->server_box_pk);
		util_free_wiped(batch);
		sqlite3_reset(ins);
		sqlite3_bind_text(ins, 1, id, -1, SQLITE_STATIC);
		sqlite3_bind_blob(ins, 2, sealed,
		    (int)(len + PCRYPTO_SEAL_OVERHEAD), SQLITE_STATIC);
		sqlite3_bind_int64(ins, 3, seq++);
		ok = sqlite3_step(ins) == SQLITE_DONE;
		free(sealed);
		/* Exactly the row that was cut goes. */
		if (ok) {
			sqlite3_reset(del);
			sqlite3_bind_text(del, 1, row, -1, SQLITE_TRANSIENT);
			ok = sqlite3_step(del) == SQLITE_DONE &&
			    sqlite3_changes(k->db) == 1;
		}
		if (!ok) {
			store_error(k->db, err, errlen);
			goto fail;
		}
		n++;
	}
	if (rc != SQLITE_DONE) {
		/* A read error is not the end of the rows. */
		store_error(k->db, err, errlen);
		goto fail;
	}
	sqlite3_finalize(sel);
	sqlite3_finalize(ins);
	sqlite3_finalize(del);
	sel = ins = del = NULL;
	{
		char v[32];
		snprintf(v, sizeof v, "%lld", seq);
		if (store_meta_set(k->db, "next_seq", v, strlen(v)) != 0) {
			store_error(k->db, err, errlen);
			goto fail;
		}
	}
	if (store_commit(k->db, err, errlen) != 0)
		return -1;
	return n;
oom:
	snprintf(err, errlen, "out of memory");
fail:
	sqlite3_finalize(sel);
	sqlite3_finalize(ins);
	sqlite3_finalize(del);
	store_rollback(k->db);
	return -1;
}

/* Outcome of one exchange. */
enum xrc {
	XR_OK,        /* reply verified */
	XR_TRANSIENT, /* no (valid) reply: try again later */
	XR_FATAL,     /* the server refused us for a reason retrying won't fix */
	XR_REVOKED,
	XR_KEY        /* a key rotation that does not verify: keep our key */
};

struct conn {
	nng_socket sock;
	int open;
};

static enum xrc
conn_open(struct kiosk *k, struct conn *c, char *err, size_t errlen)
{
	int rv;

	if (c->open)
		return XR_OK;
	if ((rv = nng_req0_open(&c->sock)) != 0) {
		snprintf(err, errlen, "cannot open socket: %s",
		    nng_strerror(rv));
		return XR_FATAL;
	}
	/* We retry ourselves (with a fresh challenge); NNG's resend would
	 * only repeat a request the server must refuse as stale. */
	nng_socket_set_ms(c->sock, NNG_OPT_REQ_RESENDTIME,
	    NNG_DURATION_INFINITE);
	nng_socket_set_ms(c->sock, NNG_OPT_RECVTIMEO,
	    (nng_duration)config_int(k->cfg, "request_timeout_ms"));
	nng_socket_set_ms(c->sock, NNG_OPT_SENDTIMEO,
	    (nng_duration)config_int(k->cfg, "request_timeout_ms"));
	nng_socket_set_ms(c->sock, NNG_OPT_RECONNMINT, 100);
	nng_socket_set_ms(c->sock, NNG_OPT_RECONNMAXT, 1000);
	nng_socket_set_size(c->sock, NNG_OPT_RECVMAXSZ, WIRE_MAX_MSG);
	if ((rv = nng_dial(c->sock, k->url, NULL, NNG_FLAG_NONBLOCK)) != 0) {
		snprintf(err, errlen, "cannot dial '%s': %s", k->url,
		    nng_strerror(rv));
		nng_close(c->sock);
		return XR_FATAL;
	}
	c->open = 1;
	return XR_OK;
}

/* Send req, receive and verify a reply of type want bound to nonce. On
 * XR_OK *body is the reply body (cJSON_Delete). */
static enum xrc
exchange(struct kiosk *k, struct conn *c, enum wire_type type,
    cJSON *reqbody, int want, const char *nonce, cJSON **body, char *err,
    size_t errlen)
{
	char *text;
	uint8_t *msg = NULL, *rep = NULL;
	size_t len, rlen = 0;
	struct wire_msg m;
	const char *rn, *rq, *rt, *code;
	char reqhash[2 * PCRYPTO_HASH_BYTES + 1];
	cJSON *b = NULL;
	enum xrc x = XR_TRANSIENT;
	int rv;

	*body = NULL;
	if ((x = conn_open(k, c, err, errlen)) != XR_OK)
		return x;
	x = XR_TRANSIENT;
	if ((text = wire_padded(reqbody)) == NULL ||
	    wire_encode(type, k->kid, text, strlen(text), k->sign_sk, &msg,
	    &len) != 0) {
		free(text);
		snprintf(err, errlen, "out of memory");
		return XR_FATAL;
	}
	free(text);
	{
		uint8_t h[PCRYPTO_HASH_BYTES];
		pcrypto_hash(msg, len, h);
		util_hex(reqhash, h, sizeof h);
	}
	rv = nng_send(c->sock, msg, len, 0);
	free(msg);
	if (rv == 0)
		rv = nng_recv(c->sock, &rep, &rlen, NNG_FLAG_ALLOC);
	if (rv != 0) {
		snprintf(err, errlen, "server '%s' niet bereikbaar / not "
		    "reachable: %s", k->url, nng_strerror(rv));
		return XR_TRANSIENT;
	}
	if (wire_decode(rep, rlen, &m, err, errlen) != 0) {
		log_msg(LOG_WARN, "K201", "reply ignored: %s", err);
		goto out;
	}
	if (sodium_memcmp(m.kid, k->server_kid, sizeof m.kid) != 0 ||
	    wire_verify(&m, k->server_sign_pk) != 0 ||
	    (b = wire_body(&m)) == NULL) {
		snprintf(err, errlen, "reply is not signed by our server; "
		    "ignored");
		log_msg(LOG_WARN, "K202", "%s", err);
		goto out;
	}
	rq = wire_str(b, "request", 2 * PCRYPTO_HASH_BYTES);
	rn = wire_str(b, "nonce", 64);
	rt = wire_str(b, "terminal", WIRE_NAME_MAX);
	if (rq == NULL || strcmp(rq, reqhash) != 0 ||
	    (m.type != WIRE_ERROR && (rn == NULL || strcmp(rn, nonce) != 0)) ||
	    (rt != NULL && strcmp(rt, k->name) != 0) ||
	    (rt == NULL && m.type != WIRE_ERROR)) {
		/* A replayed or misdirected reply: it proves nothing about
		 * this request, so nothing is deleted. An ERROR may lack our
		 * nonce (the server could not read the request) but must
		 * still name the exact request bytes. */
		snprintf(err, errlen, "reply does not answer this request "
		    "(old or replayed); ignored");
		log_msg(LOG_WARN, "K203", "%s", err);
		goto out;
	}
	if (m.type == WIRE_ERROR) {
		code = wire_str(b, "code", 64);
		snprintf(err, errlen, "server refused: %s (%s)",
		    wire_str(b, "message", 255) ? wire_str(b, "message", 255) :
		    "?", code ? code : "?");
		if (code && strcmp(code, WIRE_E_REVOKED) == 0 && rt != NULL)
			x = XR_REVOKED;
		else if (code && (strcmp(code, WIRE_E_CHALLENGE) == 0 ||
		    strcmp(code, WIRE_E_INTERNAL) == 0))
			x = XR_TRANSIENT; /* a passing state of the server */
		else
			x = XR_FATAL;
		goto out;
	}
	if (m.type != want) {
		snprintf(err, errlen, "unexpected %s reply",
		    wire_type_name(m.type));
		goto out;
	}
	*body = b;
	b = NULL;
	x = XR_OK;
out:
	cJSON_Delete(b);
	nng_free(rep, rlen);
	return x;
}

/* The server key we trust: its reply is signed with that key. */
static void
add_server_kid(struct kiosk *k, cJSON *req)
{
	char hex[2 * PCRYPTO_KID_BYTES + 1];

	util_hex(hex, k->server_kid, sizeof k->server_kid);
	cJSON_AddStringToObject(req, "server_kid", hex);
}

static void
new_nonce(char *out, size_t outlen)
{
	uint8_t raw[WIRE_NONCE_BYTES];
	char *b;

	randombytes_buf(raw, sizeof raw);
	b = util_b64(raw, sizeof raw);
	snprintf(out, outlen, "%s", b ? b : "");
	free(b);
}

/* New teams, forms, campaigns or settings from a verified CHALLENGE. A
 * state that does not apply (a bad form signature, older settings) is
 * refused whole and the terminal goes on with what it has. */
static void
apply_state(struct kiosk *k, const cJSON *rep)
{
	const cJSON *state = cJSON_GetObjectItemCaseSensitive(rep, "state");
	const char *hash = wire_str(rep, "state_hash", 64);
	char err[ERRLEN];

	if (state == NULL)
		return;
	if (hash == NULL || strlen(hash) != 64 ||
	    store_begin(k->db, err, sizeof err) != 0)
		return;
	switch (update_apply(k->db, k->server_sign_pk, state, hash, err,
	    sizeof err)) {
	case 0:
		break;
	case 1:
		log_msg(LOG_WARN, "K206", "%s", err);
		break;
	default:
		store_rollback(k->db);
		log_msg(LOG_WARN, "K205", "update from the server refused: %s",
		    err);
		return;
	}
	if (store_commit(k->db, err, sizeof err) == 0)
		log_msg(LOG_INFO, "K102", "teams, forms, campaigns and "
		    "settings updated");
}

static long long
today(struct kiosk *k)
{
	time_t now;
	char e[ERRLEN];

	if (update_now(k->db, &now, e, sizeof e) != 0)
		now = time(NULL);
	return (long long)(now / 86400);
}

/* The server says the highest batch sequence number it holds from us. If
 * it has forgotten batches it once acknowledged (it was restored from an
 * older backup), they go again; acknowledged batches past the retention
 * window are dropped for good. */
static void
resend_lost(struct kiosk *k, const cJSON *last)
{
	sqlite3_stmt *st;

	/* When the server holds less than what it acknowledged, resend every
	 * acknowledged batch still kept, not only those past its last one: a
	 * batch applied late (after a refusal) may have a lower number. The
	 * server answers "duplicate" for what it does hold. */
	if (cJSON_IsNumber(last) && sqlite3_prepare_v2(k->db, "UPDATE batches "
	    "SET acked = NULL WHERE acked IS NOT NULL AND ?1 < (SELECT "
	    "MAX(seq) FROM batches WHERE acked IS NOT NULL)", -1, &st,
	    NULL) == SQLITE_OK) {
		sqlite3_bind_int64(st, 1, (sqlite3_int64)last->valuedouble);
		if (sqlite3_step(st) == SQLITE_DONE && sqlite3_changes(k->db))
			log_msg(LOG_WARN, "K207", "the server holds less than "
			    "it acknowledged (restored from a backup?); sending "
			    "the %d kept batch(es) again",
			    sqlite3_changes(k->db));
		sqlite3_finalize(st);
	}
	if (sqlite3_prepare_v2(k->db, "DELETE FROM batches WHERE acked IS NOT "
	    "NULL AND acked < ?", -1, &st, NULL) == SQLITE_OK) {
		sqlite3_bind_int64(st, 1, today(k) -
		    config_int(k->cfg, "retention_days"));
		sqlite3_step(st);
		sqlite3_finalize(st);
	}
}

/* A CHALLENGE signed with the server key we trust may carry the
 * statements from it to the server's current keys ("rotation"). Each is
 * checked with the key the one before it established; only when all hold,
 * and end at the key the server names as current, are the new keys stored
 * (one transaction). Anything wrong: we keep the key we trust and the run
 * stops (XR_KEY), keeping everything. */
static enum xrc
follow_rotation(struct kiosk *k, const cJSON *rep, char *err, size_t errlen)
{
	const cJSON *chain = cJSON_GetObjectItemCaseSensitive(rep, "rotation");
	const char *cur = wire_str(rep, "server_kid", 2 * PCRYPTO_KID_BYTES);
	struct rotate_key trusted, last;
	char e[ERRLEN], hex[2 * PCRYPTO_KID_BYTES + 1];
	uint8_t kid[PCRYPTO_KID_BYTES];
	long from = k->server_key_seq;

	if (chain == NULL)
		return XR_OK;
	trusted.seq = k->server_key_seq;
	memcpy(trusted.sign_pk, k->server_sign_pk, sizeof trusted.sign_pk);
	memcpy(trusted.box_pk, k->server_box_pk, sizeof trusted.box_pk);
	if (rotate_walk(chain, &trusted, &last, e, sizeof e) != 0)
		goto refused;
	pcrypto_kid(last.sign_pk, sizeof last.sign_pk, kid);
	util_hex(hex, kid, sizeof kid);
	if (cur == NULL || strcmp(cur, hex) != 0) {
		snprintf(e, sizeof e, "the statements end at key %s, not at "
		    "the key the server names as current (%.16s)", hex,
		    cur ? cur : "none");
		goto refused;
	}
	if (kiosk_server_keys(k, &last, e, sizeof e) != 0) {
		snprintf(err, errlen, "cannot store the server's new keys: %s",
		    e);
		return XR_FATAL;
	}
	log_msg(LOG_WARN, "K103", "server keys rotated: generation %ld -> %ld "
	    "(key id %s)", from, last.seq, hex);
	return XR_OK;
refused:
	util_hex(hex, k->server_kid, sizeof k->server_kid);
	snprintf(err, errlen, "server key rotation refused "
	    "(rotation_refused): %s; this terminal keeps server key "
	    "generation %ld (key id %s)", e, k->server_key_seq, hex);
	log_msg(LOG_ERR, "K208", "%s", err);
	return XR_KEY;
}

/* HELLO -> CHALLENGE; fills ch. Carries the enrollment proof while the
 * token file exists and removes it once the server has answered. */
static enum xrc
hello(struct kiosk *k, struct conn *c, uint8_t ch[WIRE_NONCE_BYTES],
    char *err, size_t errlen)
{
	char nonce[64], tp[4096], have[65];
	cJSON *req = cJSON_CreateObject(), *rep = NULL, *en;
	uint8_t *token = NULL;
	enum xrc x;

	if (req == NULL)
		return XR_FATAL;
	new_nonce(nonce, sizeof nonce);
	cJSON_AddStringToObject(req, "terminal", k->name);
	cJSON_AddStringToObject(req, "nonce", nonce);
	add_server_kid(k, req);
	update_state_hash(k->db, have);
	cJSON_AddStringToObject(req, "state", have);
	if (util_path(tp, sizeof tp, "%s/enroll.token", k->keydir) == 0 &&
	    util_exists(tp)) {
		uint8_t sealed[32 + PCRYPTO_SIGN_PK + PCRYPTO_SEAL_OVERHEAD];
		uint8_t both[32 + PCRYPTO_SIGN_PK];
		char e[ERRLEN];
		if ((token = pcrypto_key_read_secret(tp, 32, e, sizeof e)) ==
		    NULL) {
			snprintf(err, errlen, "%s", e);
			cJSON_Delete(req);
			return XR_FATAL;
		}
		/* token || our key, sealed: binds the token to this key. */
		memcpy(both, token, 32);
		memcpy(both + 32, k->sign_pk, PCRYPTO_SIGN_PK);
		pcrypto_seal(sealed, both, sizeof both, k->server_box_pk);
		sodium_memzero(both, sizeof both);
		pcrypto_free_secret(token);
		en = cJSON_AddObjectToObject(req, "enroll");
		wire_add_bytes(en, "pk", k->sign_pk, sizeof k->sign_pk);
		wire_add_bytes(en, "token", sealed, sizeof sealed);
	}
	x = exchange(k, c, WIRE_HELLO, req, WIRE_CHALLENGE, nonce, &rep, err,
	    errlen);
	cJSON_Delete(req);
	if (x != XR_OK)
		return x;
	if (wire_bytes(rep, "challenge", ch, WIRE_NONCE_BYTES) != 0) {
		snprintf(err, errlen, "challenge reply without challenge");
		cJSON_Delete(rep);
		return XR_TRANSIENT;
	}
	/* New server keys first: the state's forms are signed with them. */
	if ((x = follow_rotation(k, rep, err, errlen)) != XR_OK) {
		cJSON_Delete(rep);
		return x;
	}
	const cJSON *t = cJSON_GetObjectItemCaseSensitive(rep, "time");
	if (cJSON_IsNumber(t))
		update_clock(k->db, t->valuedouble); /* periods follow it */
	apply_state(k, rep);
	resend_lost(k, cJSON_GetObjectItemCaseSensitive(rep, "last_seq"));
	cJSON_Delete(rep);
	if (util_exists(tp))
		unlink(tp); /* our key is bound: the token is spent */
	return XR_OK;
}

struct sent {
	char id[2 * WIRE_BATCH_ID_BYTES + 1];
	char hash[2 * PCRYPTO_HASH_BYTES + 1];
};

/* One HELLO/SYNC round with up to WIRE_MAX_BATCHES unanswered batches;
 * counts settled batches into *done and refused ones into *refused. */
static enum xrc
sync_once(struct kiosk *k, struct conn *c, int *refused, int *done,
    char *err, size_t errlen)
{
	uint8_t ch[WIRE_NONCE_BYTES];
	char nonce[64];
	struct sent sent[WIRE_MAX_BATCHES];
	size_t nsent = 0, budget = 0;
	sqlite3_stmt *st = NULL;
	cJSON *req = NULL, *arr, *rep = NULL;
	const cJSON *r;
	enum xrc x;

	if ((x = hello(k, c, ch, err, errlen)) != XR_OK)
		return x;
	/* The server may just have closed a campaign or changed k: cut
	 * again with what it said. */
	if (kiosk_cut(k, err, errlen) < 0)
		return XR_FATAL;
	new_nonce(nonce, sizeof nonce);
	if ((req = cJSON_CreateObject()) == NULL)
		return XR_FATAL;
	cJSON_AddStringToObject(req, "terminal", k->name);
	cJSON_AddStringToObject(req, "nonce", nonce);
	add_server_kid(k, req);
	wire_add_bytes(req, "challenge", ch, sizeof ch);
	arr = cJSON_AddArrayToObject(req, "batches");
	if (store_prepare(k->db, "SELECT id, sealed, seq FROM batches WHERE "
	    "refused IS NULL AND acked IS NULL ORDER BY seq LIMIT ?", &st, err,
	    errlen) != 0) {
		cJSON_Delete(req);
		return XR_FATAL;
	}
	sqlite3_bind_int(st, 1, WIRE_MAX_BATCHES);
	while (sqlite3_step(st) == SQLITE_ROW) {
		const uint8_t *sealed = sqlite3_column_blob(st, 1);
		size_t len = (size_t)sqlite3_column_bytes(st, 1);
		uint8_t h[PCRYPTO_HASH_BYTES];
		cJSON *o;

		if (nsent > 0 && budget + len * 4 / 3 > SYNC_BODY_BUDGET)
			break;
		budget += len * 4 / 3 + 64;
		o = cJSON_CreateObject();
		cJSON_AddItemToArray(arr, o);
		cJSON_AddStringToObject(o, "id",
		    (const char *)sqlite3_column_text(st, 0));
		cJSON_AddNumberToObject(o, "seq",
		    (double)sqlite3_column_int64(st, 2));
		wire_add_bytes(o, "sealed", sealed, len);
		snprintf(sent[nsent].id, sizeof sent[nsent].id, "%s",
		    sqlite3_column_text(st, 0));
		pcrypto_hash(sealed, len, h);
		util_hex(sent[nsent].hash, h, sizeof h);
		nsent++;
	}
	sqlite3_finalize(st);
	x = exchange(k, c, WIRE_SYNC, req, WIRE_ACK, nonce, &rep, err, errlen);
	cJSON_Delete(req);
	if (x != XR_OK)
		return x;
	cJSON_ArrayForEach(r, cJSON_GetObjectItemCaseSensitive(rep, "results")) {
		const char *id = wire_str(r, "id", 64);
		const char *hash = wire_str(r, "hash", 64);
		const char *status = wire_str(r, "status", 16);
		const char *reason = wire_str(r, "reason", 255);
		size_t i;

		if (!id || !hash || !status || strlen(hash) != 64)
			continue;
		for (i = 0; i < nsent; i++)
			if (strcmp(sent[i].id, id) == 0)
				break;
		/* Only an answer about exactly the bytes we sent counts. */
		if (i == nsent || sodium_memcmp(sent[i].hash, hash,
		    sizeof sent[i].hash - 1) != 0)
			continue;
		if (strcmp(status, "applied") == 0 ||
		    strcmp(status, "duplicate") == 0) {
			/* Settled; the sealed bytes stay for the retention
			 * window in case the server is restored. */
			if (store_prepare(k->db, "UPDATE batches SET acked = ?2 "
			    "WHERE id = ?1 AND acked IS NULL", &st, err,
			    errlen) == 0) {
				sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
				sqlite3_bind_int64(st, 2, today(k));
				if (sqlite3_step(st) == SQLITE_DONE)
					(*done)++;
				else if (x == XR_OK) { /* a full disk, say */
					store_error(k->db, err, errlen);
					x = XR_FATAL;
				}
				sqlite3_finalize(st);
			}
		} else if (strcmp(status, "refused") == 0) {
			if (store_prepare(k->db, "UPDATE batches SET refused "
			    "= ? WHERE id = ?", &st, err, errlen) == 0) {
				sqlite3_bind_text(st, 1, reason ? reason : "?",
				    -1, SQLITE_STATIC);
				sqlite3_bind_text(st, 2, id, -1, SQLITE_STATIC);
				sqlite3_step(st);
				sqlite3_finalize(st);
			}
			(*refused)++;
			log_msg(LOG_WARN, "K204", "batch %s refused by the "
			    "server: %s (kept)", id, reason ? reason : "?");
		}
	}
	cJSON_Delete(rep);
	return x; /* XR_FATAL: an ACK we could not record; sent again later */
}

static long
remaining(sqlite3 *db)
{
	sqlite3_stmt *st;
	long n = -1;

	if (sqlite3_prepare_v2(db, "SELECT COUNT(*) FROM batches WHERE "
	    "refused IS NULL AND acked IS NULL", -1, &st, NULL) != SQLITE_OK)
		return -1;
	if (sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return n;
}

static double
mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

int
kiosk_sync(struct kiosk *k, char *err, size_t errlen)
{
	struct conn c = {0};
	double deadline = mono() + (double)config_int(k->cfg, "sync_timeout");
	double backoff = 0.1;
	int refused = 0, done = 0, rc = KIOSK_EFAIL;
	char last[ERRLEN] = "";
	enum xrc x;

	if (kiosk_cut(k, err, errlen) < 0)
		return KIOSK_EFAIL;
	/* Batches refused in an earlier run are offered once more per run:
	 * the reason may have gone (a form published late, say). */
	store_exec(k->db, "UPDATE batches SET refused = NULL", err, errlen);
	for (;;) {
		int before = done + refused;

		x = sync_once(k, &c, &refused, &done, last, sizeof last);
		if (x == XR_OK) {
			if (remaining(k->db) == 0)
				break;
			if (done + refused > before) {
				backoff = 0.1;
				continue;
			}
			/* An answer that settles nothing: wait and retry. */
			snprintf(last, sizeof last, "server answered without "
			    "settling any batch");
			x = XR_TRANSIENT;
		}
		if (x == XR_REVOKED) {
			store_meta_set(k->db, "revoked", "1", 1);
			k->revoked = 1;
			snprintf(err, errlen, "deze terminal is ingetrokken / "
			    "this terminal has been revoked; its data is kept");
			rc = KIOSK_EREVOKED;
			goto out;
		}
		if (x == XR_FATAL || x == XR_KEY) {
			snprintf(err, errlen, "%s", last);
			if (x == XR_KEY)
				rc = KIOSK_EKEY;
			goto out;
		}
		/* Transient: back off exponentially with jitter. */
		double now = mono(), wait = backoff *
		    (0.5 + randombytes_uniform(1000) / 1000.0);
		if (now + wait >= deadline) {
			long left = remaining(k->db);
			snprintf(err, errlen, "%s; gave up after %ld s, %ld "
			    "batch(es) kept for the next sync", last[0] ? last :
			    "no reply", (long)config_int(k->cfg, "sync_timeout"),
			    left < 0 ? 0 : left);
			goto out;
		}
		usleep((useconds_t)(wait * 1e6));
		backoff = backoff * 2 > 2.0 ? 2.0 : backoff * 2;
	}
	if (refused > 0) {
		snprintf(err, errlen, "%d batch(es) refused by the server "
		    "and kept; see the warnings above", refused);
		rc = KIOSK_EREFUSED;
	} else {
		rc = KIOSK_OK;
	}
	log_msg(LOG_INFO, "K101", "%d batch(es) acknowledged", done);
out:
	if (c.open)
		nng_close(c.sock);
	return rc;
}
