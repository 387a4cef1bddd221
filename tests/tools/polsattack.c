/*
 * polsattack.c - hostile peers for the end-to-end security tests.
 *
 * Uses a real terminal's keys (it is "an insider holding one terminal's
 * keys" or a network attacker) against a real polsd, and reports whether
 * the server (or, as a relay, the terminal) refused what it should.
 *
 *   polsattack tamper    KDIR URL        flip one byte of a signed SYNC
 *   polsattack replay    KDIR URL        send one valid SYNC twice
 *   polsattack badcounts KDIR URL TEAM   a signed batch whose counts lie
 *   polsattack wrongteam KDIR URL TEAM   a batch for a team not served
 *   polsattack version   KDIR URL        a message of protocol version 9
 *   polsattack casekeys  KDIR URL TEAM OTHER  a batch for TEAM that also
 *                                        carries "TEAM": OTHER, "Period": junk
 *   polsattack hijack    URL FILE        re-sign a captured first HELLO
 *                                        with another key (enrollment hijack)
 *   polsattack damaged   URL FILE        a captured first HELLO with one bit
 *                                        of its signature flipped (a damaged
 *                                        resend by the terminal itself)
 *   polsattack forge     KDIR URL        a HELLO and a SYNC in the name of
 *                                        KDIR's terminal, signed with a key
 *                                        of our own under its key id
 *   polsattack batch     KDIR URL TEAM ID VALUE [SEQ]
 *                                        a consistent batch (n = 5, every
 *                                        item VALUE) under batch id ID ("-":
 *                                        a fresh one) and sequence number
 *                                        SEQ; prints the server's verdict
 *                                        ("applied", "duplicate" or
 *                                        "refused: REASON")
 *   polsattack steal     KDIR URL VICTIM a batch VICTIM's terminal waits to
 *                                        send (its id and sealed bytes, as
 *                                        seen on the network) sent in KDIR's
 *                                        name; prints the verdict
 *   polsattack reorder   KDIR URL        requests out of order: a SYNC on an
 *                                        older challenge after a newer HELLO,
 *                                        then KDIR's waiting batches one SYNC
 *                                        each, newest (highest seq) first
 *   polsattack readacc   KDIR            a thief of the whole device (the
 *                                        database and the key folder): print
 *                                        every open accumulator in clear,
 *                                        one JSON line each
 *   polsattack relay LISTEN URL FILE MODE [KDIR]
 *       a man in the middle. MODE "record" forwards everything and keeps
 *       the last ACK in FILE; "replay" forwards HELLO but answers every
 *       SYNC with the recorded old ACK; "capture" keeps the first HELLO in
 *       FILE and forwards nothing; "forge-revoked" answers a HELLO with
 *       the server's signed "revoked" for the terminal in KDIR (an
 *       insider's revoked terminal), asked with the victim's nonce;
 *       "forge-ack" forwards HELLO and answers every SYNC with an ACK that
 *       names its exact request, nonce, batch ids and hashes as "applied",
 *       under the server's key id but signed with a key of our own.
 *
 * Exit 0 when the attack was refused as expected (for batch and steal:
 * when the server gave a verdict), 1 when it was not, 2 on usage or setup
 * errors (a refused HELLO prints its code: "no challenge: revoked").
 */
#define _GNU_SOURCE /* memmem */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <nng/nng.h>
#include <nng/protocol/reqrep0/rep.h>
#include <nng/protocol/reqrep0/req.h>

#include "agg.h"
#include "kiosk.h"
#include "util.h"

static nng_socket sock;

static int
dial(const char *url)
{
	if (nng_req0_open(&sock) != 0 || nng_dial(sock, url, NULL, 0) != 0) {
		fprintf(stderr, "polsattack: cannot reach %s\n", url);
		return -1;
	}
	nng_socket_set_ms(sock, NNG_OPT_RECVTIMEO, 5000);
	nng_socket_set_ms(sock, NNG_OPT_REQ_RESENDTIME, NNG_DURATION_INFINITE);
	return 0;
}

/* Send raw bytes, return the reply's body (cJSON) and type. */
static cJSON *
roundtrip(const uint8_t *msg, size_t len, int *type)
{
	uint8_t *rep = NULL;
	size_t rlen = 0;
	struct wire_msg m;
	char err[ERRLEN];
	cJSON *b = NULL;

	if (nng_send(sock, (void *)msg, len, 0) != 0 ||
	    nng_recv(sock, &rep, &rlen, NNG_FLAG_ALLOC) != 0) {
		fprintf(stderr, "polsattack: no reply\n");
		return NULL;
	}
	if (wire_decode(rep, rlen, &m, err, sizeof err) == 0) {
		*type = m.type;
		b = wire_body(&m);
	}
	nng_free(rep, rlen);
	return b;
}

static uint8_t *
encode(struct kiosk *k, enum wire_type type, cJSON *body, size_t *len)
{
	char *text = cJSON_PrintUnformatted(body);
	uint8_t *msg = NULL;

	wire_encode(type, k->kid, text, strlen(text), k->sign_sk, &msg, len);
	free(text);
	return msg;
}

static int
get_challenge(struct kiosk *k, uint8_t ch[WIRE_NONCE_BYTES])
{
	cJSON *h = cJSON_CreateObject(), *r;
	uint8_t *msg;
	size_t len;
	int type = 0, rv = -1;

	cJSON_AddStringToObject(h, "terminal", k->name);
	cJSON_AddStringToObject(h, "nonce", "aGVsbG8=");
	msg = encode(k, WIRE_HELLO, h, &len);
	r = roundtrip(msg, len, &type);
	if (r != NULL && type == WIRE_CHALLENGE &&
	    wire_bytes(r, "challenge", ch, WIRE_NONCE_BYTES) == 0)
		rv = 0;
	else
		printf("no challenge: %s\n", r && type == WIRE_ERROR &&
		    wire_str(r, "code", 64) ? wire_str(r, "code", 64) : "-");
	free(msg);
	cJSON_Delete(h);
	cJSON_Delete(r);
	return rv;
}

static cJSON *
sync_body(struct kiosk *k, const uint8_t ch[WIRE_NONCE_BYTES])
{
	cJSON *b = cJSON_CreateObject();

	cJSON_AddStringToObject(b, "terminal", k->name);
	cJSON_AddStringToObject(b, "nonce", "YXR0YWNr");
	wire_add_bytes(b, "challenge", ch, WIRE_NONCE_BYTES);
	cJSON_AddArrayToObject(b, "batches");
	return b;
}

/* Expect an ERROR with code; print what happened. */
static int
expect_error(cJSON *r, int type, const char *code)
{
	const char *got = r ? wire_str(r, "code", 64) : NULL;

	if (r != NULL && type == WIRE_ERROR && got && strcmp(got, code) == 0) {
		printf("refused: %s (%s)\n", got, wire_str(r, "message", 200));
		return 0;
	}
	printf("NOT refused as %s (reply type %d, code %s)\n", code, type,
	    got ? got : "-");
	return 1;
}

static int
attack_tamper(struct kiosk *k)
{
	uint8_t ch[WIRE_NONCE_BYTES], *msg;
	size_t len;
	int type = 0, rv;
	cJSON *b, *r;

	if (get_challenge(k, ch) != 0)
		return 2;
	b = sync_body(k, ch);
	msg = encode(k, WIRE_SYNC, b, &len);
	/* One byte of the body that keeps it valid JSON: the nonce. */
	uint8_t *p = memmem(msg, len, "YXR0", 4);
	if (p == NULL)
		return 2;
	*p = 'Z';
	r = roundtrip(msg, len, &type);
	rv = expect_error(r, type, WIRE_E_SIGNATURE);
	cJSON_Delete(r);
	/* And one bit of the signature itself, on a fresh challenge. */
	free(msg);
	cJSON_Delete(b);
	if (get_challenge(k, ch) != 0)
		return 2;
	b = sync_body(k, ch);
	msg = encode(k, WIRE_SYNC, b, &len);
	msg[len - 1] ^= 0x01;
	r = roundtrip(msg, len, &type);
	rv |= expect_error(r, type, WIRE_E_SIGNATURE);
	free(msg);
	cJSON_Delete(b);
	cJSON_Delete(r);
	return rv;
}

static int
attack_replay(struct kiosk *k)
{
	uint8_t ch[WIRE_NONCE_BYTES], *msg;
	size_t len;
	int type = 0, rv = 1;
	cJSON *b, *r;

	if (get_challenge(k, ch) != 0)
		return 2;
	b = sync_body(k, ch);
	msg = encode(k, WIRE_SYNC, b, &len);
	r = roundtrip(msg, len, &type);
	if (r == NULL || type != WIRE_ACK) {
		printf("first, valid request was not acknowledged\n");
	} else {
		cJSON_Delete(r);
		r = roundtrip(msg, len, &type); /* the same bytes again */
		rv = expect_error(r, type, WIRE_E_CHALLENGE);
	}
	free(msg);
	cJSON_Delete(b);
	cJSON_Delete(r);
	return rv;
}

/* A SYNC on a fresh challenge carrying one batch (seq only when > 0).
 * Prints the server's verdict and returns 0 applied, 1 duplicate, -1
 * refused, -2 no verdict, -3 no challenge. */
static int
sync_one(struct kiosk *k, const char *id, const uint8_t *sealed, size_t slen,
    double seq)
{
	uint8_t ch[WIRE_NONCE_BYTES], *msg;
	size_t len;
	int type = 0, rv = -2;
	cJSON *b, *o, *r;
	const cJSON *res = NULL;
	const char *st = NULL, *why;

	if (get_challenge(k, ch) != 0)
		return -3;
	b = sync_body(k, ch);
	o = cJSON_CreateObject();
	cJSON_AddItemToArray(cJSON_GetObjectItem(b, "batches"), o);
	cJSON_AddStringToObject(o, "id", id);
	if (seq > 0)
		cJSON_AddNumberToObject(o, "seq", seq);
	wire_add_bytes(o, "sealed", sealed, slen);
	msg = encode(k, WIRE_SYNC, b, &len);
	r = roundtrip(msg, len, &type);
	if (r != NULL && type == WIRE_ACK)
		res = cJSON_GetArrayItem(cJSON_GetObjectItem(r, "results"), 0);
	if (res != NULL)
		st = wire_str(res, "status", 16);
	if (st == NULL) {
		printf("no verdict (reply type %d)\n", type);
	} else if (strcmp(st, "refused") == 0) {
		why = wire_str(res, "reason", 200);
		printf("refused: %s\n", why ? why : "?");
		rv = -1;
	} else {
		printf("%s\n", st);
		rv = strcmp(st, "applied") == 0 ? 0 :
		    strcmp(st, "duplicate") == 0 ? 1 : -2;
	}
	free(msg);
	cJSON_Delete(b);
	cJSON_Delete(r);
	return rv;
}

/* A batch of the Team Thermometer for team, sealed to the server: its agg
 * says n = 5 and every item's counts say five times value (lie: four
 * times); with other_team it also carries "TEAM": other_team and
 * "Period": a bogus period before the real keys, for a server that would
 * read keys without regard to case. id: a fresh one when NULL (out: the
 * id used). *sealed: malloc'd. */
static int
make_batch(struct kiosk *k, const char *team, const char *value, int lie,
    const char *other_team, char id[2 * WIRE_BATCH_ID_BYTES + 1],
    uint8_t **sealed, size_t *slen)
{
	uint8_t raw[WIRE_BATCH_ID_BYTES];
	char err[ERRLEN], *aggtext, *plain, period[PERIOD_MAX];
	struct form *f = kiosk_form(k, "team-thermometer", err, sizeof err);
	struct agg *a;
	cJSON *batch, *o, *aj;
	size_t plen;
	time_t now;

	if (f == NULL) {
		fprintf(stderr, "polsattack: %s\n", err);
		return -1;
	}
	a = agg_new(f);
	aggtext = agg_to_json(a);
	aj = cJSON_Parse(aggtext);
	cJSON_SetNumberHelper(cJSON_GetObjectItem(aj, "n"), 5);
	cJSON_ArrayForEach(o, cJSON_GetObjectItem(aj, "items"))
		cJSON_SetNumberHelper(cJSON_GetObjectItem(
		    cJSON_GetObjectItem(o, "counts"), value), lie ? 4 : 5);
	if (id[0] == '\0') {
		randombytes_buf(raw, sizeof raw);
		util_hex(id, raw, sizeof raw);
	}
	batch = cJSON_CreateObject();
	if (other_team != NULL) {
		cJSON_AddStringToObject(batch, "TEAM", other_team);
		cJSON_AddStringToObject(batch, "Period", "9999-zz-bogus");
	}
	cJSON_AddNumberToObject(batch, "v", 1);
	cJSON_AddStringToObject(batch, "batch", id);
	cJSON_AddStringToObject(batch, "terminal", k->name);
	cJSON_AddStringToObject(batch, "team", team);
	cJSON_AddStringToObject(batch, "form", f->id);
	cJSON_AddNumberToObject(batch, "version", f->version);
	pols_now(&now, err, sizeof err);
	period_of(f->period, now, period, sizeof period);
	cJSON_AddStringToObject(batch, "period", period);
	cJSON_AddItemToObject(batch, "agg", aj);
	plain = cJSON_PrintUnformatted(batch);
	plen = strlen(plain);
	*slen = plen + PCRYPTO_SEAL_OVERHEAD;
	*sealed = malloc(*slen);
	pcrypto_seal(*sealed, (uint8_t *)plain, plen, k->server_box_pk);
	free(plain);
	free(aggtext);
	cJSON_Delete(batch);
	agg_free(a);
	form_free(f);
	return 0;
}

/* A lying batch (lie=1), or an honest one (lie=0), for team; with
 * other_team, the look-alike keys of make_batch. Exit 0 when refused
 * (lie, or a team not served), or for other_team when answered at all
 * (the test then checks where it went). */
static int
attack_batch(struct kiosk *k, const char *team, int lie,
    const char *other_team)
{
	char id[2 * WIRE_BATCH_ID_BYTES + 1] = "";
	uint8_t *sealed;
	size_t slen;
	int v;

	if (make_batch(k, team, "7", lie, other_team, id, &sealed, &slen) != 0)
		return 2;
	v = sync_one(k, id, sealed, slen, 0);
	free(sealed);
	if (v == -3)
		return 2;
	if (other_team != NULL)
		return v >= -1 ? 0 : 1;
	return v == -1 ? 0 : 1;
}

/* An honest-looking batch under a chosen id and sequence number. */
static int
attack_chosen(struct kiosk *k, const char *team, const char *idarg,
    const char *value, const char *seqarg)
{
	char id[2 * WIRE_BATCH_ID_BYTES + 1] = "";
	uint8_t *sealed;
	size_t slen;
	int v;

	if (strcmp(idarg, "-") != 0)
		snprintf(id, sizeof id, "%s", idarg);
	if (make_batch(k, team, value, 0, NULL, id, &sealed, &slen) != 0)
		return 2;
	v = sync_one(k, id, sealed, slen, seqarg ? atof(seqarg) : 0);
	free(sealed);
	return v == -3 ? 2 : v >= -1 ? 0 : 1;
}

/* The waiting batches of the terminal whose database is db, oldest or
 * newest first: id, seq and sealed bytes as its SYNC would carry them. */
static sqlite3_stmt *
waiting(sqlite3 *db, int newest_first)
{
	sqlite3_stmt *st = NULL;

	if (sqlite3_prepare_v2(db, newest_first ?
	    "SELECT id, seq, sealed FROM batches WHERE acked IS NULL "
	    "ORDER BY seq DESC" :
	    "SELECT id, seq, sealed FROM batches WHERE acked IS NULL "
	    "ORDER BY seq", -1, &st, NULL) != SQLITE_OK)
		fprintf(stderr, "polsattack: %s\n", sqlite3_errmsg(db));
	return st;
}

/* Another terminal's waiting batch, sent in our name. */
static int
attack_steal(struct kiosk *k, const char *victim)
{
	char p[4096];
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	int v = -3;

	snprintf(p, sizeof p, "%s/db/kiosk.db", victim);
	if (sqlite3_open_v2(p, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK ||
	    (st = waiting(db, 0)) == NULL) {
		sqlite3_close(db);
		return 2;
	}
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sync_one(k, (const char *)sqlite3_column_text(st, 0),
		    sqlite3_column_blob(st, 2),
		    (size_t)sqlite3_column_bytes(st, 2), 0);
	else
		fprintf(stderr, "polsattack: %s has no waiting batch\n",
		    victim);
	sqlite3_finalize(st);
	sqlite3_close(db);
	return v == -3 ? 2 : v >= -1 ? 0 : 1;
}

/* Requests out of order. A SYNC on an older challenge, after a newer
 * HELLO, is stale; then the terminal's own waiting batches, newest first,
 * each in a SYNC of its own, all apply. */
static int
attack_reorder(struct kiosk *k)
{
	uint8_t c1[WIRE_NONCE_BYTES], c2[WIRE_NONCE_BYTES], *msg;
	size_t len;
	int type = 0, rv = 0, n = 0;
	cJSON *b, *r;
	sqlite3_stmt *st;

	if (get_challenge(k, c1) != 0 || get_challenge(k, c2) != 0)
		return 2;
	b = sync_body(k, c1);
	msg = encode(k, WIRE_SYNC, b, &len);
	r = roundtrip(msg, len, &type);
	printf("a sync on the older of two challenges: ");
	rv |= expect_error(r, type, WIRE_E_CHALLENGE);
	free(msg);
	cJSON_Delete(b);
	cJSON_Delete(r);
	b = sync_body(k, c2);
	msg = encode(k, WIRE_SYNC, b, &len);
	r = roundtrip(msg, len, &type);
	printf("a sync on the newer one: %s\n", type == WIRE_ACK ?
	    "acknowledged" : "NOT acknowledged");
	if (type != WIRE_ACK)
		rv = 1;
	free(msg);
	cJSON_Delete(b);
	cJSON_Delete(r);
	if ((st = waiting(k->db, 1)) == NULL)
		return 2;
	while (sqlite3_step(st) == SQLITE_ROW) {
		printf("batch seq %lld: ", (long long)sqlite3_column_int64(st,
		    1));
		fflush(stdout);
		if (sync_one(k, (const char *)sqlite3_column_text(st, 0),
		    sqlite3_column_blob(st, 2),
		    (size_t)sqlite3_column_bytes(st, 2),
		    (double)sqlite3_column_int64(st, 1)) != 0)
			rv = 1;
		n++;
	}
	sqlite3_finalize(st);
	if (n < 2) {
		fprintf(stderr, "polsattack: %d waiting batch(es); two or more "
		    "are needed to reorder\n", n);
		return 2;
	}
	return rv;
}

/* A HELLO and a SYNC in the terminal's name and under its key id, signed
 * with a key of our own. */
static int
attack_forge(struct kiosk *k)
{
	uint8_t pk[PCRYPTO_SIGN_PK], sk[PCRYPTO_SIGN_SK], ch[WIRE_NONCE_BYTES];
	uint8_t *msg;
	size_t len;
	int type = 0, rv;
	cJSON *b, *r;
	char *text;

	crypto_sign_keypair(pk, sk);
	b = cJSON_CreateObject();
	cJSON_AddStringToObject(b, "terminal", k->name);
	cJSON_AddStringToObject(b, "nonce", "aGVsbG8=");
	text = cJSON_PrintUnformatted(b);
	wire_encode(WIRE_HELLO, k->kid, text, strlen(text), sk, &msg, &len);
	r = roundtrip(msg, len, &type);
	printf("a forged hello: ");
	rv = expect_error(r, type, WIRE_E_SIGNATURE);
	free(text);
	free(msg);
	cJSON_Delete(b);
	cJSON_Delete(r);
	/* A real challenge, so that only the signature is wrong. */
	if (get_challenge(k, ch) != 0)
		return 2;
	b = sync_body(k, ch);
	text = cJSON_PrintUnformatted(b);
	wire_encode(WIRE_SYNC, k->kid, text, strlen(text), sk, &msg, &len);
	r = roundtrip(msg, len, &type);
	printf("a forged sync: ");
	rv |= expect_error(r, type, WIRE_E_SIGNATURE);
	free(text);
	free(msg);
	cJSON_Delete(b);
	cJSON_Delete(r);
	sodium_memzero(sk, sizeof sk);
	return rv;
}

/* The open accumulators, opened with the terminal's own storage key. */
static int
attack_readacc(struct kiosk *k)
{
	sqlite3_stmt *st;
	int n = 0;
	char *plain;

	if (sqlite3_prepare_v2(k->db, "SELECT row, box FROM acc", -1, &st,
	    NULL) != SQLITE_OK)
		return 2;
	while (sqlite3_step(st) == SQLITE_ROW) {
		plain = kiosk_acc_open(k, (const char *)sqlite3_column_text(st,
		    0), sqlite3_column_blob(st, 1),
		    (size_t)sqlite3_column_bytes(st, 1));
		if (plain == NULL) {
			printf("an accumulator does not open\n");
			continue;
		}
		printf("%s\n", plain);
		util_free_wiped(plain);
		n++;
	}
	sqlite3_finalize(st);
	return n > 0 ? 0 : 1;
}

/* For the relay: an ACK to the SYNC req that names everything the
 * terminal checks, under the server's key id kid, signed with sk. */
static uint8_t *
forged_ack(const uint8_t *req, size_t len, const uint8_t *kid,
    const uint8_t *sk, size_t *alen)
{
	struct wire_msg m;
	char err[ERRLEN], hex[2 * PCRYPTO_HASH_BYTES + 1], *text;
	uint8_t h[PCRYPTO_HASH_BYTES], *sealed, *out = NULL;
	size_t slen;
	cJSON *rb, *b, *results, *o;
	const cJSON *it;

	if (wire_decode(req, len, &m, err, sizeof err) != 0 ||
	    (rb = wire_body(&m)) == NULL)
		return NULL;
	b = cJSON_CreateObject();
	cJSON_AddStringToObject(b, "terminal", wire_str(rb, "terminal",
	    WIRE_NAME_MAX));
	cJSON_AddStringToObject(b, "nonce", wire_str(rb, "nonce", 64));
	results = cJSON_AddArrayToObject(b, "results");
	cJSON_ArrayForEach(it, cJSON_GetObjectItem(rb, "batches")) {
		if (util_unb64(wire_str(it, "sealed", WIRE_MAX_SEALED / 3 * 4 +
		    4), WIRE_MAX_SEALED, &sealed, &slen) != 0)
			continue;
		pcrypto_hash(sealed, slen, h);
		free(sealed);
		util_hex(hex, h, sizeof h);
		o = cJSON_CreateObject();
		cJSON_AddItemToArray(results, o);
		cJSON_AddStringToObject(o, "id", wire_str(it, "id", 64));
		cJSON_AddStringToObject(o, "hash", hex);
		cJSON_AddStringToObject(o, "status", "applied");
	}
	cJSON_AddNumberToObject(b, "time", (double)time(NULL));
	pcrypto_hash(req, len, h);
	util_hex(hex, h, sizeof h);
	cJSON_AddStringToObject(b, "request", hex);
	if ((text = wire_padded(b)) != NULL &&
	    wire_encode(WIRE_ACK, kid, text, strlen(text), sk, &out,
	    alen) != 0)
		out = NULL;
	free(text);
	cJSON_Delete(b);
	cJSON_Delete(rb);
	return out;
}

static int
attack_version(struct kiosk *k)
{
	cJSON *h = cJSON_CreateObject(), *r;
	uint8_t *msg;
	size_t len;
	int type = 0, rv;

	cJSON_AddStringToObject(h, "terminal", k->name);
	cJSON_AddStringToObject(h, "nonce", "aGVsbG8=");
	msg = encode(k, WIRE_HELLO, h, &len);
	msg[4] = 9;
	r = roundtrip(msg, len, &type);
	rv = expect_error(r, type, WIRE_E_VERSION);
	free(msg);
	cJSON_Delete(h);
	cJSON_Delete(r);
	return rv;
}

/* A captured message with the last bit of its signature flipped: under
 * the terminal's own key, so "bad_signature", not "enroll_failed". */
static int
attack_damaged(const char *file)
{
	char *raw = NULL, err[ERRLEN];
	size_t len;
	cJSON *r;
	int type = 0, rv;

	if (util_read_file(file, WIRE_MAX_MSG, &raw, &len, err,
	    sizeof err) != 0 || len == 0) {
		fprintf(stderr, "polsattack: %s\n", len == 0 ? "empty" : err);
		free(raw);
		return 2;
	}
	raw[len - 1] ^= 1;
	r = roundtrip((uint8_t *)raw, len, &type);
	rv = expect_error(r, type, WIRE_E_SIGNATURE);
	free(raw);
	cJSON_Delete(r);
	return rv;
}

/* A captured enrolling HELLO, re-signed with a fresh key of ours. */
static int
attack_hijack(const char *file)
{
	char *raw = NULL, err[ERRLEN];
	size_t len, mlen;
	struct wire_msg m;
	uint8_t pk[PCRYPTO_SIGN_PK], sk[PCRYPTO_SIGN_SK], kid[PCRYPTO_KID_BYTES];
	uint8_t *msg;
	cJSON *b, *en, *r;
	char *text;
	int type = 0, rv;

	if (util_read_file(file, WIRE_MAX_MSG, &raw, &len, err,
	    sizeof err) != 0 || wire_decode((uint8_t *)raw, len, &m, err,
	    sizeof err) != 0 || (b = wire_body(&m)) == NULL ||
	    (en = cJSON_GetObjectItem(b, "enroll")) == NULL) {
		fprintf(stderr, "polsattack: no enrolling hello in %s\n", file);
		free(raw);
		return 2;
	}
	crypto_sign_keypair(pk, sk);
	pcrypto_kid(pk, sizeof pk, kid);
	cJSON_DeleteItemFromObject(en, "pk");
	wire_add_bytes(en, "pk", pk, sizeof pk);
	text = cJSON_PrintUnformatted(b);
	wire_encode(WIRE_HELLO, kid, text, strlen(text), sk, &msg, &mlen);
	r = roundtrip(msg, mlen, &type);
	rv = expect_error(r, type, WIRE_E_ENROLL);
	free(text);
	free(msg);
	free(raw);
	cJSON_Delete(b);
	cJSON_Delete(r);
	return rv;
}

static volatile sig_atomic_t stop;
static void on_term(int s) { (void)s; stop = 1; }

static int
relay(const char *listen, const char *url, const char *file,
    const char *mode, struct kiosk *insider)
{
	int replay = strcmp(mode, "replay") == 0;
	int capture = strcmp(mode, "capture") == 0;
	int forge_ack = strcmp(mode, "forge-ack") == 0, have_kid = 0;
	uint8_t server_kid[PCRYPTO_KID_BYTES], fpk[PCRYPTO_SIGN_PK];
	uint8_t fsk[PCRYPTO_SIGN_SK];
	nng_socket rep;
	struct sigaction sa = {0};

	sa.sa_handler = on_term;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	if (dial(url) != 0 || nng_rep0_open(&rep) != 0 ||
	    nng_listen(rep, listen, NULL, 0) != 0) {
		fprintf(stderr, "polsattack: relay cannot listen on %s\n",
		    listen);
		return 2;
	}
	nng_socket_set_ms(rep, NNG_OPT_RECVTIMEO, 200);
	crypto_sign_keypair(fpk, fsk);
	fprintf(stderr, "relay ready\n");
	while (!stop) {
		uint8_t *req = NULL, *ans = NULL;
		size_t len = 0, alen = 0;
		char *old = NULL;
		size_t olen = 0;
		char err[ERRLEN];

		if (nng_recv(rep, &req, &len, NNG_FLAG_ALLOC) != 0)
			continue;
		if (capture) {
			if (!util_exists(file))
				util_write_file(file, req, len, 0600, 1, err,
				    sizeof err);
			nng_free(req, len);
			continue; /* the terminal hears nothing */
		}
		if (insider != NULL && len > 5 && req[5] == WIRE_HELLO) {
			struct wire_msg m;
			cJSON *vb = NULL, *fb;
			uint8_t *fm;
			size_t flen;
			if (wire_decode(req, len, &m, err, sizeof err) == 0 &&
			    (vb = wire_body(&m)) != NULL) {
				fb = cJSON_CreateObject();
				cJSON_AddStringToObject(fb, "terminal",
				    insider->name);
				cJSON_AddStringToObject(fb, "nonce",
				    wire_str(vb, "nonce", 64));
				fm = encode(insider, WIRE_HELLO, fb, &flen);
				if (nng_send(sock, fm, flen, 0) == 0 &&
				    nng_recv(sock, &ans, &alen,
				    NNG_FLAG_ALLOC) == 0) {
					nng_send(rep, ans, alen, 0);
					nng_free(ans, alen);
					fprintf(stderr, "relay: answered a hello "
					    "with a forged revocation\n");
				}
				free(fm);
				cJSON_Delete(fb);
			}
			cJSON_Delete(vb);
			nng_free(req, len);
			continue;
		}
		if (forge_ack && have_kid && len > 5 && req[5] == WIRE_SYNC) {
			if ((ans = forged_ack(req, len, server_kid, fsk,
			    &alen)) != NULL) {
				nng_send(rep, ans, alen, 0);
				free(ans);
				fprintf(stderr, "relay: answered a sync with a "
				    "forged ack\n");
			}
			nng_free(req, len);
			continue;
		}
		if (replay && len > 5 && req[5] == WIRE_SYNC &&
		    util_read_file(file, WIRE_MAX_MSG, &old, &olen, err,
		    sizeof err) == 0) {
			nng_send(rep, old, olen, 0);
			fprintf(stderr, "relay: answered a sync with the old "
			    "ack\n");
			free(old);
		} else if (nng_send(sock, req, len, 0) == 0 &&
		    nng_recv(sock, &ans, &alen, NNG_FLAG_ALLOC) == 0) {
			if (!replay && alen > 5 && ans[5] == WIRE_ACK)
				util_write_file(file, ans, alen, 0600, 0, err,
				    sizeof err);
			if (alen >= WIRE_HEADER && ans[5] == WIRE_CHALLENGE) {
				memcpy(server_kid, ans + 8, sizeof server_kid);
				have_kid = 1;
			}
			nng_send(rep, ans, alen, 0);
			nng_free(ans, alen);
		}
		nng_free(req, len);
	}
	nng_close(rep);
	nng_close(sock);
	sodium_memzero(fsk, sizeof fsk);
	return 0;
}

int
main(int argc, char **argv)
{
	struct kiosk *k = NULL;
	char err[ERRLEN];
	int rv = 2;

	if (pcrypto_init() != 0 || argc < 3 ||
	    (argc < 4 && strcmp(argv[1], "readacc") != 0))
		goto usage;
	if (strcmp(argv[1], "relay") == 0) {
		if (argc == 7 && kiosk_open(&k, argv[6], NULL, err,
		    sizeof err) != 0) {
			fprintf(stderr, "polsattack: %s\n", err);
			return 2;
		}
		if (argc != 6 && argc != 7)
			goto usage;
		rv = relay(argv[2], argv[3], argv[4], argv[5], k);
		kiosk_close(k);
		return rv;
	}
	if (strcmp(argv[1], "hijack") == 0 || strcmp(argv[1], "damaged") == 0) {
		if (dial(argv[2]) != 0)
			return 2;
		rv = argv[1][0] == 'h' ? attack_hijack(argv[3]) :
		    attack_damaged(argv[3]);
		nng_close(sock);
		return rv;
	}
	if (kiosk_open(&k, argv[2], NULL, err, sizeof err) != 0) {
		printf("cannot open the terminal: %s\n", err);
		return 2;
	}
	if (strcmp(argv[1], "readacc") == 0) {
		rv = attack_readacc(k);
		kiosk_close(k);
		return rv;
	}
	if (dial(argv[3]) != 0) {
		kiosk_close(k);
		return 2;
	}
	if (strcmp(argv[1], "tamper") == 0)
		rv = attack_tamper(k);
	else if (strcmp(argv[1], "replay") == 0)
		rv = attack_replay(k);
	else if (strcmp(argv[1], "badcounts") == 0 && argc == 5)
		rv = attack_batch(k, argv[4], 1, NULL);
	else if (strcmp(argv[1], "wrongteam") == 0 && argc == 5)
		rv = attack_batch(k, argv[4], 0, NULL);
	else if (strcmp(argv[1], "casekeys") == 0 && argc == 6)
		rv = attack_batch(k, argv[4], 0, argv[5]);
	else if (strcmp(argv[1], "version") == 0)
		rv = attack_version(k);
	else if (strcmp(argv[1], "forge") == 0)
		rv = attack_forge(k);
	else if (strcmp(argv[1], "batch") == 0 && (argc == 7 || argc == 8))
		rv = attack_chosen(k, argv[4], argv[5], argv[6],
		    argc == 8 ? argv[7] : NULL);
	else if (strcmp(argv[1], "steal") == 0 && argc == 5)
		rv = attack_steal(k, argv[4]);
	else if (strcmp(argv[1], "reorder") == 0)
		rv = attack_reorder(k);
	nng_close(sock);
	kiosk_close(k);
	return rv;
usage:
	fprintf(stderr, "usage: see the comment at the top of polsattack.c\n");
	return 2;
}
