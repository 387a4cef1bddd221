/*
 * nn_sync.c - one sync round of a terminal, spoken over legacy nanomsg
 * (libnanomsg 1.1.x: nn_socket(AF_SP, NN_REQ), nn_connect, nn_send,
 * nn_recv) instead of NNG, for tests/e2e/interop.sh. It shows that the
 * protocol (docs/protocol.md) rides on the scalability-protocol wire
 * format and that a second implementation of the terminal's side, built
 * from the document, gets through to a real polsd.
 *
 *   nn_sync KDIR [URL]
 *
 * KDIR is an enrolled terminal (pols-kiosk --data KDIR enroll); its keys
 * and server keys come from kiosk_open. URL defaults to the terminal's
 * server. The round:
 *   - cut the terminal's accumulators (kiosk_cut) and take its oldest
 *     unsettled batch (id, sealed bytes, sequence number) from the
 *     database's batches table;
 *   - HELLO -> CHALLENGE (with the enroll member while KDIR's keys still
 *     hold enroll.token, which is removed after the verified CHALLENGE);
 *   - SYNC with that one batch -> ACK, which must say "applied" for its id
 *     and the hash of its sealed bytes; the batch is then marked
 *     acknowledged, as pols-kiosk does.
 * Every reply must decode, carry the server's key id, verify with the
 * server's signing key (wire_verify), name the hash of the exact request,
 * repeat its nonce and name this terminal. Exit 0 on success, 1 when the
 * round fails, 2 on usage or set-up errors.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <nanomsg/nn.h>
#include <nanomsg/reqrep.h>

#include "kiosk.h"
#include "store.h"
#include "update.h"
#include "util.h"

static int sock = -1;

static void
new_nonce(char out[64])
{
	uint8_t raw[WIRE_NONCE_BYTES];
	char *b;

	randombytes_buf(raw, sizeof raw);
	b = util_b64(raw, sizeof raw);
	snprintf(out, 64, "%s", b ? b : "");
	free(b);
}

/* Sign and send body as type, receive the reply and verify it as the
 * answer of type want to this very request. The reply body (cJSON_Delete)
 * or NULL with a reason printed. */
static cJSON *
exchange(struct kiosk *k, enum wire_type type, cJSON *body, int want,
    const char *nonce)
{
	char *text = cJSON_PrintUnformatted(body), err[ERRLEN];
	char reqhash[2 * PCRYPTO_HASH_BYTES + 1];
	uint8_t *msg = NULL, h[PCRYPTO_HASH_BYTES];
	void *rep = NULL;
	size_t len;
	int rlen;
	struct wire_msg m;
	cJSON *b = NULL;
	const char *rq, *rn, *rt;

	if (text == NULL || wire_encode(type, k->kid, text, strlen(text),
	    k->sign_sk, &msg, &len) != 0) {
		fprintf(stderr, "nn_sync: cannot encode the %s\n",
		    wire_type_name(type));
		free(text);
		return NULL;
	}
	free(text);
	pcrypto_hash(msg, len, h);
	util_hex(reqhash, h, sizeof h);
	if (nn_send(sock, msg, len, 0) != (int)len) {
		fprintf(stderr, "nn_sync: nn_send: %s\n", nn_strerror(nn_errno()));
		free(msg);
		return NULL;
	}
	free(msg);
	if ((rlen = nn_recv(sock, &rep, NN_MSG, 0)) < 0) {
		fprintf(stderr, "nn_sync: nn_recv: %s\n", nn_strerror(nn_errno()));
		return NULL;
	}
	if (wire_decode(rep, (size_t)rlen, &m, err, sizeof err) != 0) {
		fprintf(stderr, "nn_sync: reply does not decode: %s\n", err);
		goto fail;
	}
	if (sodium_memcmp(m.kid, k->server_kid, sizeof m.kid) != 0 ||
	    wire_verify(&m, k->server_sign_pk) != 0) {
		fprintf(stderr, "nn_sync: reply is not signed by the server\n");
		goto fail;
	}
	if ((b = wire_body(&m)) == NULL) {
		fprintf(stderr, "nn_sync: reply body is not a JSON object\n");
		goto fail;
	}
	rq = wire_str(b, "request", 2 * PCRYPTO_HASH_BYTES);
	rn = wire_str(b, "nonce", 64);
	rt = wire_str(b, "terminal", WIRE_NAME_MAX);
	if (rq == NULL || strcmp(rq, reqhash) != 0) {
		fprintf(stderr, "nn_sync: reply does not answer this request\n");
		goto fail;
	}
	if (m.type == WIRE_ERROR) {
		fprintf(stderr, "nn_sync: server refused the %s: %s (%s)\n",
		    wire_type_name(type), wire_str(b, "message", 255) ?
		    wire_str(b, "message", 255) : "?", wire_str(b, "code", 64) ?
		    wire_str(b, "code", 64) : "?");
		goto fail;
	}
	if (m.type != want || rn == NULL || strcmp(rn, nonce) != 0 ||
	    rt == NULL || strcmp(rt, k->name) != 0) {
		fprintf(stderr, "nn_sync: unexpected %s reply, or not bound to "
		    "our nonce and name\n", wire_type_name(m.type));
		goto fail;
	}
	printf("nn_sync: %s -> %s, %d bytes over nanomsg, server signature "
	    "verified\n", wire_type_name(type), wire_type_name(m.type), rlen);
	nn_freemsg(rep);
	return b;
fail:
	cJSON_Delete(b);
	nn_freemsg(rep);
	return NULL;
}

static int
hello(struct kiosk *k, uint8_t ch[WIRE_NONCE_BYTES])
{
	char nonce[64], tp[4096];
	cJSON *req = cJSON_CreateObject(), *rep, *en;
	int enrolling, rv = -1;

	new_nonce(nonce);
	cJSON_AddStringToObject(req, "terminal", k->name);
	cJSON_AddStringToObject(req, "nonce", nonce);
	enrolling = util_path(tp, sizeof tp, "%s/enroll.token", k->keydir) ==
	    0 && util_exists(tp);
	if (enrolling) {
		/* token || our public key, sealed to the server's box key */
		uint8_t both[32 + PCRYPTO_SIGN_PK];
		uint8_t sealed[sizeof both + PCRYPTO_SEAL_OVERHEAD];
		char err[ERRLEN];
		uint8_t *token = pcrypto_key_read_secret(tp, 32, err,
		    sizeof err);
		if (token == NULL) {
			fprintf(stderr, "nn_sync: %s\n", err);
			cJSON_Delete(req);
			return -1;
		}
		memcpy(both, token, 32);
		memcpy(both + 32, k->sign_pk, PCRYPTO_SIGN_PK);
		pcrypto_free_secret(token);
		pcrypto_seal(sealed, both, sizeof both, k->server_box_pk);
		sodium_memzero(both, sizeof both);
		en = cJSON_AddObjectToObject(req, "enroll");
		wire_add_bytes(en, "pk", k->sign_pk, sizeof k->sign_pk);
		wire_add_bytes(en, "token", sealed, sizeof sealed);
	}
	rep = exchange(k, WIRE_HELLO, req, WIRE_CHALLENGE, nonce);
	cJSON_Delete(req);
	if (rep == NULL)
		return -1;
	if (wire_bytes(rep, "challenge", ch, WIRE_NONCE_BYTES) != 0) {
		fprintf(stderr, "nn_sync: CHALLENGE without a challenge\n");
	} else {
		if (enrolling) {
			unlink(tp); /* our key is bound: the token is spent */
			printf("nn_sync: enrolled (key bound, token removed)\n");
		}
		rv = 0;
	}
	cJSON_Delete(rep);
	return rv;
}

static int
sync_batch(struct kiosk *k, const uint8_t ch[WIRE_NONCE_BYTES],
    const char *id, long long seq, const uint8_t *sealed, size_t slen)
{
	char nonce[64], hex[2 * PCRYPTO_HASH_BYTES + 1];
	uint8_t h[PCRYPTO_HASH_BYTES];
	cJSON *req = cJSON_CreateObject(), *arr, *o, *rep;
	const cJSON *r;
	int rv = -1;

	new_nonce(nonce);
	cJSON_AddStringToObject(req, "terminal", k->name);
	cJSON_AddStringToObject(req, "nonce", nonce);
	wire_add_bytes(req, "challenge", ch, WIRE_NONCE_BYTES);
	arr = cJSON_AddArrayToObject(req, "batches");
	o = cJSON_CreateObject();
	cJSON_AddItemToArray(arr, o);
	cJSON_AddStringToObject(o, "id", id);
	wire_add_bytes(o, "sealed", sealed, slen);
	cJSON_AddNumberToObject(o, "seq", (double)seq);
	pcrypto_hash(sealed, slen, h);
	util_hex(hex, h, sizeof h);
	rep = exchange(k, WIRE_SYNC, req, WIRE_ACK, nonce);
	cJSON_Delete(req);
	if (rep == NULL)
		return -1;
	cJSON_ArrayForEach(r, cJSON_GetObjectItemCaseSensitive(rep, "results")) {
		const char *rid = wire_str(r, "id", 64);
		const char *rh = wire_str(r, "hash", 64);
		const char *st = wire_str(r, "status", 16);
		if (rid == NULL || strcmp(rid, id) != 0)
			continue;
		if (rh == NULL || strcmp(rh, hex) != 0) {
			fprintf(stderr, "nn_sync: ACK names another hash\n");
			break;
		}
		if (st == NULL || strcmp(st, "applied") != 0) {
			fprintf(stderr, "nn_sync: batch %s: %s (%s)\n", id,
			    st ? st : "?", wire_str(r, "reason", 255) ?
			    wire_str(r, "reason", 255) : "");
			break;
		}
		printf("nn_sync: batch %s applied\n", id);
		rv = 0;
	}
	if (rv != 0 && cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(rep,
	    "results")) == 0)
		fprintf(stderr, "nn_sync: ACK without a result for %s\n", id);
	cJSON_Delete(rep);
	return rv;
}

int
main(int argc, char **argv)
{
	struct kiosk *k = NULL;
	char err[ERRLEN], id[2 * WIRE_BATCH_ID_BYTES + 1] = "";
	uint8_t ch[WIRE_NONCE_BYTES], *sealed = NULL;
	size_t slen = 0;
	long long seq = 0;
	time_t now;
	sqlite3_stmt *st;
	int ms = 5000, resend = 3600 * 1000, rc = 1, cut;
	const char *url;

	if (argc < 2 || argc > 3 || pcrypto_init() != 0) {
		fprintf(stderr, "usage: nn_sync KDIR [URL]\n");
		return 2;
	}
	if (kiosk_open(&k, argv[1], NULL, err, sizeof err) != 0) {
		fprintf(stderr, "nn_sync: %s\n", err);
		return 2;
	}
	url = argc == 3 ? argv[2] : k->url;
	if ((cut = kiosk_cut(k, err, sizeof err)) < 0) {
		fprintf(stderr, "nn_sync: cut: %s\n", err);
		goto out;
	}
	if (store_prepare(k->db, "SELECT id, sealed, seq FROM batches WHERE "
	    "refused IS NULL AND acked IS NULL ORDER BY seq LIMIT 1", &st, err,
	    sizeof err) != 0) {
		fprintf(stderr, "nn_sync: %s\n", err);
		goto out;
	}
	if (sqlite3_step(st) == SQLITE_ROW &&
	    (slen = (size_t)sqlite3_column_bytes(st, 1)) > 0 &&
	    (sealed = malloc(slen)) != NULL) {
		snprintf(id, sizeof id, "%s", sqlite3_column_text(st, 0));
		memcpy(sealed, sqlite3_column_blob(st, 1), slen);
		seq = sqlite3_column_int64(st, 2);
	}
	sqlite3_finalize(st);
	if (sealed == NULL) {
		fprintf(stderr, "nn_sync: no batch to send (%d cut)\n", cut);
		goto out;
	}
	printf("nn_sync: %d batch(es) cut; sending %s (%zu sealed bytes)\n",
	    cut, id, slen);

	if ((sock = nn_socket(AF_SP, NN_REQ)) < 0 ||
	    nn_setsockopt(sock, NN_SOL_SOCKET, NN_SNDTIMEO, &ms, sizeof ms) ||
	    nn_setsockopt(sock, NN_SOL_SOCKET, NN_RCVTIMEO, &ms, sizeof ms) ||
	    /* No resend: a resent SYNC's challenge is spent anyway. */
	    nn_setsockopt(sock, NN_REQ, NN_REQ_RESEND_IVL, &resend,
	    sizeof resend) || nn_connect(sock, url) < 0) {
		fprintf(stderr, "nn_sync: nanomsg socket to %s: %s\n", url,
		    nn_strerror(nn_errno()));
		goto out;
	}
	if (hello(k, ch) != 0 ||
	    sync_batch(k, ch, id, seq, sealed, slen) != 0)
		goto out;
	/* Settled: marked acknowledged today, as the terminal does on a
	 * verified ACK (kept sealed for its retention window). */
	if (update_now(k->db, &now, err, sizeof err) != 0)
		now = time(NULL);
	if (store_prepare(k->db, "UPDATE batches SET acked = ?2 WHERE id = ?1 "
	    "AND acked IS NULL", &st, err, sizeof err) == 0) {
		sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 2, (sqlite3_int64)(now / 86400));
		if (sqlite3_step(st) == SQLITE_DONE && sqlite3_changes(k->db) == 1)
			rc = 0;
		sqlite3_finalize(st);
	}
out:
	if (sock >= 0)
		nn_close(sock);
	free(sealed);
	kiosk_close(k);
	return rc;
}
