/*
 * reply_entry.c - the fuzz entry for the terminal's side of the sync
 * protocol: the replies a terminal receives, through the real
 * kiosk_sync() of a real enrolled terminal (client/sync.c: reply
 * verification and binding, CHALLENGE state updates, last_seq, ACK
 * results, ERROR codes, retry and backoff).
 *
 * Included after wire_entry.c (whose installation, with its fixed server
 * keys, is the terminal's server) by tests/fuzz/fuzz_reply.c,
 * tests/unit/test_fuzz_regress.c and tests/fuzz/mkseeds.c.
 *
 * No network: this file defines the few NNG calls sync.c makes
 * (nng_req0_open, nng_dial, nng_socket_set_*, nng_send, nng_recv,
 * nng_free, nng_close, nng_strerror), so the program's own definitions
 * stand in for libnng's. nng_send keeps the request; nng_recv answers it
 * from the input. usleep is defined as a no-op too, so the terminal's
 * backoff costs no time.
 *
 * The terminal is fuzz-k1 (team bt-hengelo), enrolled from a bundle of the
 * installation with kiosk_enroll; its enroll.token is removed, as after a
 * first sync. Before each input it holds exactly one unsettled batch,
 * FUZZ_KBATCH with fixed sealed bytes (sequence number 1), and is not
 * revoked.
 *
 * An input is a list of records, one per reply, in the order the terminal
 * asks (HELLO, SYNC, HELLO, ...):
 *   byte 0     flags: 0x01 SIGN   frame the body as a version-1 message of
 *                                 the type in byte 1, signed with the
 *                                 server key (else the body is the whole
 *                                 message, as it is);
 *                      0x02 BIND  before signing, replace "@REQUEST@" by
 *                                 the hash of the request and "@NONCE@"
 *                                 by its nonce;
 *                      0x04 SILENT no reply (a timeout); the rest of the
 *                                 record is ignored
 *   byte 1     type (with SIGN)
 *   bytes 2-3  body length n, big endian (cut to what is left)
 *   n bytes    body
 * Once the records are used up, every request gets a bound, signed ERROR
 * "malformed", which ends the sync.
 *
 * Checked after each input (a violation aborts): the batch is still there;
 * it is marked acknowledged only if a reply the terminal could trust
 * settled it (signed by the server, naming the hash of the request, its
 * nonce and this terminal, with a result for the batch's id and the hash
 * of its bytes, applied or duplicate); the terminal stores "revoked" only
 * after such a trustworthy ERROR "revoked" naming it.
 */
#include <nng/nng.h>
#include <nng/protocol/reqrep0/req.h>

#include "kiosk.h"
#include "store.h"

#define FUZZ_KIOSK "fuzz-k1"
#define FUZZ_KBATCH "5eed00000000000000000000000000b1"
#define FUZZ_KSEALED 256
#define FUZZ_R_SIGN 0x01
#define FUZZ_R_BIND 0x02
#define FUZZ_R_SILENT 0x04

int fuzz_reply_setup(void);
int fuzz_reply_one(const uint8_t *data, size_t size);

static struct {
	int ready;
	struct kiosk *k;
	uint8_t sealed[FUZZ_KSEALED];
	char sealed_hash[2 * PCRYPTO_HASH_BYTES + 1];
	const uint8_t *in;
	size_t left;
	uint8_t *req; /* the last request the terminal sent */
	size_t reqlen;
	int ack_ok, revoked_ok; /* a trustworthy reply allowed it */
	long runs, acked, refused, revoked, exchanges;
} fr;

/* --- NNG, as far as sync.c uses it ------------------------------------ */

int
nng_req0_open(nng_socket *s)
{
	s->id = 1;
	return 0;
}

int
nng_dial(nng_socket s, const char *url, nng_dialer *d, int flags)
{
	(void)s;
	(void)url;
	(void)flags;
	if (d != NULL)
		d->id = 1;
	return 0;
}

int
nng_socket_set_ms(nng_socket s, const char *opt, nng_duration v)
{
	(void)s;
	(void)opt;
	(void)v;
	return 0;
}

int
nng_socket_set_size(nng_socket s, const char *opt, size_t v)
{
	(void)s;
	(void)opt;
	(void)v;
	return 0;
}

int
nng_close(nng_socket s)
{
	(void)s;
	return 0;
}

const char *
nng_strerror(int e)
{
	return e == NNG_ETIMEDOUT ? "timed out (fuzz)" : "error (fuzz)";
}

void
nng_free(void *p, size_t n)
{
	(void)n;
	free(p);
}

int
usleep(useconds_t us)
{
	(void)us;
	return 0;
}

int
nng_send(nng_socket s, void *data, size_t len, int flags)
{
	(void)s;
	(void)flags;
	free(fr.req);
	if ((fr.req = malloc(len ? len : 1)) == NULL)
		fuzz_die("out of memory", NULL);
	memcpy(fr.req, data, len);
	fr.reqlen = len;
	return 0;
}

/* The request's hash and nonce ("" when it has none). */
static void
fuzz_req_binding(char hash[2 * PCRYPTO_HASH_BYTES + 1], char nonce[65])
{
	uint8_t h[PCRYPTO_HASH_BYTES];
	struct wire_msg m;
	char err[ERRLEN];
	cJSON *b;
	const char *n;

	pcrypto_hash(fr.req, fr.reqlen, h);
	util_hex(hash, h, sizeof h);
	nonce[0] = 0;
	if (wire_decode(fr.req, fr.reqlen, &m, err, sizeof err) == 0 &&
	    (b = wire_body(&m)) != NULL) {
		if ((n = wire_str(b, "nonce", 64)) != NULL)
			snprintf(nonce, 65, "%s", n);
		cJSON_Delete(b);
	}
}

/* text with every "@REQUEST@" and "@NONCE@" replaced (malloc'd). */
static char *
fuzz_bind(const uint8_t *body, size_t len, const char *hash,
    const char *nonce)
{
	size_t cap = len * 8 + 1, o = 0;
	char *out = malloc(cap);

	if (out == NULL)
		fuzz_die("out of memory", NULL);
	for (size_t i = 0; i < len;) {
		const char *by = NULL;
		size_t skip = 0;
		if (len - i >= 9 && memcmp(body + i, "@REQUEST@", 9) == 0)
			by = hash, skip = 9;
		else if (len - i >= 7 && memcmp(body + i, "@NONCE@", 7) == 0)
			by = nonce, skip = 7;
		if (by != NULL) {
			memcpy(out + o, by, strlen(by));
			o += strlen(by);
			i += skip;
		} else {
			out[o++] = (char)body[i++];
		}
	}
	out[o] = 0;
	return out;
}

/* Would the terminal be right to act on msg? Records what it allows. */
static void
fuzz_classify(const uint8_t *msg, size_t len, const char *hash,
    const char *nonce)
{
	struct wire_msg m;
	char err[ERRLEN];
	cJSON *b;
	const char *s;
	const cJSON *r;

	if (wire_decode(msg, len, &m, err, sizeof err) != 0 ||
	    memcmp(m.kid, fz.s->kid, sizeof m.kid) != 0 ||
	    wire_verify(&m, fz.s->sign_pk) != 0 || (b = wire_body(&m)) == NULL)
		return;
	if ((s = wire_str(b, "request", 64)) == NULL || strcmp(s, hash) != 0 ||
	    (s = wire_str(b, "terminal", WIRE_NAME_MAX)) == NULL ||
	    strcmp(s, FUZZ_KIOSK) != 0)
		goto out;
	if (m.type == WIRE_ERROR) {
		if ((s = wire_str(b, "code", 64)) != NULL &&
		    strcmp(s, WIRE_E_REVOKED) == 0)
			fr.revoked_ok = 1;
		goto out;
	}
	if (m.type != WIRE_ACK || (s = wire_str(b, "nonce", 64)) == NULL ||
	    strcmp(s, nonce) != 0)
		goto out;
	cJSON_ArrayForEach(r, cJSON_GetObjectItemCaseSensitive(b, "results")) {
		const char *id = wire_str(r, "id", 64);
		const char *h = wire_str(r, "hash", 64);
		const char *st = wire_str(r, "status", 16);
		if (id && h && st && strcmp(id, FUZZ_KBATCH) == 0 &&
		    strcmp(h, fr.sealed_hash) == 0 &&
		    (strcmp(st, "applied") == 0 ||
		    strcmp(st, "duplicate") == 0))
			fr.ack_ok = 1;
	}
out:
	cJSON_Delete(b);
}

int
nng_recv(nng_socket s, void *data, size_t *len, int flags)
{
	char hash[2 * PCRYPTO_HASH_BYTES + 1], nonce[65], *text = NULL;
	uint8_t *msg = NULL, flags_in = 0, type = WIRE_ERROR;
	const uint8_t *body;
	size_t blen, mlen = 0;

	(void)s;
	(void)flags;
	fr.exchanges++;
	fuzz_req_binding(hash, nonce);
	if (fr.left < 4) {
		/* The end: a bound ERROR the terminal stops at. */
		cJSON *e = cJSON_CreateObject();
		cJSON_AddStringToObject(e, "terminal", FUZZ_KIOSK);
		cJSON_AddStringToObject(e, "nonce", nonce);
		cJSON_AddStringToObject(e, "code", WIRE_E_MALFORMED);
		cJSON_AddStringToObject(e, "message", "end of fuzz input");
		cJSON_AddNumberToObject(e, "time", 1795000000);
		cJSON_AddStringToObject(e, "request", hash);
		text = cJSON_PrintUnformatted(e);
		cJSON_Delete(e);
		fr.left = 0;
		flags_in = FUZZ_R_SIGN;
		body = (const uint8_t *)text;
		blen = strlen(text);
	} else {
		flags_in = fr.in[0];
		type = fr.in[1];
		blen = (size_t)fr.in[2] << 8 | fr.in[3];
		if (blen > fr.left - 4)
			blen = fr.left - 4;
		body = fr.in + 4;
		fr.in += 4 + blen;
		fr.left -= 4 + blen;
		if (flags_in & FUZZ_R_SILENT)
			return NNG_ETIMEDOUT;
		if (flags_in & FUZZ_R_BIND) {
			text = fuzz_bind(body, blen, hash, nonce);
			body = (const uint8_t *)text;
			blen = strlen(text);
		}
	}
	if (flags_in & FUZZ_R_SIGN) {
		if (wire_encode((enum wire_type)type, fz.s->kid,
		    (const char *)body, blen, fz.s->sign_sk, &msg, &mlen) != 0)
			fuzz_die("cannot sign a reply", NULL);
	} else {
		if ((msg = malloc(blen ? blen : 1)) == NULL)
			fuzz_die("out of memory", NULL);
		memcpy(msg, body, blen);
		mlen = blen;
	}
	free(text);
	fuzz_classify(msg, mlen, hash, nonce);
	*(void **)data = msg;
	*len = mlen;
	return 0;
}

/* --- the terminal ------------------------------------------------------ */

static void
fuzz_reply_teardown(void)
{
	/* Before fuzz_wire_teardown (atexit runs in reverse), which removes
	 * the folder the terminal lives in. */
	kiosk_close(fr.k);
	free(fr.req);
	memset(&fr, 0, sizeof fr);
}

int
fuzz_reply_setup(void)
{
	char kdir[1024], bundle[1024], p[1200], err[ERRLEN];
	uint8_t h[PCRYPTO_HASH_BYTES];

	if (fr.ready)
		return 0;
	fuzz_wire_setup();
	if (util_path(kdir, sizeof kdir, "%s/kiosk", fz.dir) != 0 ||
	    util_path(bundle, sizeof bundle, "%s/k1.bundle", fz.dir) != 0 ||
	    terminal_add(fz.s, FUZZ_KIOSK, "bt-hengelo", SERVER_DEFAULT_URL,
	    bundle, err, sizeof err) != 0 ||
	    kiosk_enroll(kdir, NULL, bundle, err, sizeof err) != 0 ||
	    kiosk_open(&fr.k, kdir, NULL, err, sizeof err) != 0)
		fuzz_die("terminal " FUZZ_KIOSK, err);
	if (util_path(p, sizeof p, "%s/enroll.token", fr.k->keydir) == 0)
		unlink(p);
	sqlite3_exec(fr.k->db, "PRAGMA synchronous=OFF", NULL, NULL, NULL);
	/* The batch's bytes: the terminal never opens them. */
	for (size_t i = 0; i < FUZZ_KSEALED; i += PCRYPTO_HASH_BYTES) {
		char label[48];
		snprintf(label, sizeof label, "pols fuzz: sealed %zu", i);
		fuzz_seed(label, fr.sealed + i);
	}
	pcrypto_hash(fr.sealed, sizeof fr.sealed, h);
	util_hex(fr.sealed_hash, h, sizeof h);
	fr.ready = 1;
	atexit(fuzz_reply_teardown);
	return 0;
}

static void
fuzz_reply_reset(void)
{
	sqlite3_stmt *st;

	if (sqlite3_exec(fr.k->db, "DELETE FROM batches; DELETE FROM acc; "
	    "DELETE FROM meta WHERE key = 'revoked'", NULL, NULL,
	    NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(fr.k->db, "INSERT INTO batches(id, sealed, seq) "
	    "VALUES(?, ?, 1)", -1, &st, NULL) != SQLITE_OK)
		fuzz_die("reset", sqlite3_errmsg(fr.k->db));
	sqlite3_bind_text(st, 1, FUZZ_KBATCH, -1, SQLITE_STATIC);
	sqlite3_bind_blob(st, 2, fr.sealed, sizeof fr.sealed, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_DONE)
		fuzz_die("reset", sqlite3_errmsg(fr.k->db));
	sqlite3_finalize(st);
	fr.k->revoked = 0;
	fr.ack_ok = fr.revoked_ok = 0;
}

/* "acked" of the batch: 1 set, 0 not, -1 the row is gone. */
static int
fuzz_reply_acked(void)
{
	sqlite3_stmt *st;
	int rv = -1;

	if (sqlite3_prepare_v2(fr.k->db, "SELECT acked IS NOT NULL, refused IS "
	    "NOT NULL FROM batches WHERE id = ?", -1, &st, NULL) != SQLITE_OK)
		fuzz_die("query", sqlite3_errmsg(fr.k->db));
	sqlite3_bind_text(st, 1, FUZZ_KBATCH, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW) {
		rv = sqlite3_column_int(st, 0);
		fr.refused += sqlite3_column_int(st, 1);
	}
	sqlite3_finalize(st);
	return rv;
}

int
fuzz_reply_one(const uint8_t *data, size_t size)
{
	char err[ERRLEN];
	void *v = NULL;
	size_t vlen;
	int acked;

	fuzz_reply_setup();
	fuzz_reply_reset();
	fr.in = data;
	fr.left = size;
	fr.runs++;
	if (kiosk_sync(fr.k, err, sizeof err) != KIOSK_OK &&
	    getenv("FUZZ_DEBUG") != NULL)
		fprintf(stderr, "fuzz_reply: sync: %s\n", err);
	if ((acked = fuzz_reply_acked()) < 0)
		fuzz_violation("the terminal lost its batch");
	if (acked && !fr.ack_ok)
		fuzz_violation("the batch was settled by a reply that does "
		    "not settle it");
	fr.acked += acked;
	if (store_meta_get(fr.k->db, "revoked", &v, &vlen) == 0) {
		free(v);
		if (!fr.revoked_ok)
			fuzz_violation("the terminal took itself for revoked "
			    "without a trustworthy ERROR revoked");
		fr.revoked++;
	}
	free(fr.req);
	fr.req = NULL;
	fr.reqlen = 0;
	return 0;
}
