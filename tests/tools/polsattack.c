/*
 * polsattack.c - hostile peers for the end-to-end security tests.
 *
 * Uses a real terminal's keys (it is "an insider holding one terminal's
 * keys" or a network attacker) against a real polsd, and reports whether
 * the server refused what it should. Exit 0 when the attack was refused as
 * expected, 1 when it was not, 2 on usage or setup errors.
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
 *   polsattack relay LISTEN URL FILE MODE [KDIR]
 *       a man in the middle. MODE "record" forwards everything and keeps
 *       the last ACK in FILE; "replay" forwards HELLO but answers every
 *       SYNC with the recorded old ACK; "capture" keeps the first HELLO in
 *       FILE and forwards nothing; "forge-revoked" answers a HELLO with
 *       the server's signed "revoked" for the terminal in KDIR (an
 *       insider's revoked terminal), asked with the victim's nonce.
 */
#define _GNU_SOURCE /* memmem */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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
		fprintf(stderr, "polsattack: no challenge\n");
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

/* A batch for team whose agg says n = 5 but whose counts say otherwise
 * (lie=1), or an honest one (lie=0); with other_team, the batch also
 * carries "TEAM": other_team and "Period": a bogus period before the real
 * keys, for a server that would read keys without regard to case. Exit 0
 * when refused (lie, or a team not served), or for other_team when applied
 * (the test then checks where it went). */
static int
attack_batch(struct kiosk *k, const char *team, int lie,
    const char *other_team)
{
	uint8_t ch[WIRE_NONCE_BYTES], raw[WIRE_BATCH_ID_BYTES], *msg, *sealed;
	char id[2 * WIRE_BATCH_ID_BYTES + 1], err[ERRLEN], *aggtext, *plain;
	struct form *f = kiosk_form(k, "team-thermometer", err, sizeof err);
	struct agg *a;
	cJSON *b, *r, *batch, *arr, *o, *aj;
	const cJSON *res;
	size_t len, plen;
	int type = 0, rv = 1;

	if (f == NULL || get_challenge(k, ch) != 0)
		return 2;
	a = agg_new(f);
	aggtext = agg_to_json(a);
	aj = cJSON_Parse(aggtext);
	cJSON_SetNumberHelper(cJSON_GetObjectItem(aj, "n"), 5);
	/* Honest: all five answered "7"; lying: only four counted. */
	cJSON_ArrayForEach(o, cJSON_GetObjectItem(aj, "items"))
		cJSON_SetNumberHelper(cJSON_GetObjectItem(
		    cJSON_GetObjectItem(o, "counts"), "7"), lie ? 4 : 5);
	randombytes_buf(raw, sizeof raw);
	util_hex(id, raw, sizeof raw);
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
	{
		char period[PERIOD_MAX];
		time_t now;
		pols_now(&now, err, sizeof err);
		period_of(f->period, now, period, sizeof period);
		cJSON_AddStringToObject(batch, "period", period);
	}
	cJSON_AddItemToObject(batch, "agg", aj);
	plain = cJSON_PrintUnformatted(batch);
	plen = strlen(plain);
	sealed = malloc(plen + PCRYPTO_SEAL_OVERHEAD);
	pcrypto_seal(sealed, (uint8_t *)plain, plen, k->server_box_pk);
	b = sync_body(k, ch);
	arr = cJSON_GetObjectItem(b, "batches");
	o = cJSON_CreateObject();
	cJSON_AddItemToArray(arr, o);
	cJSON_AddStringToObject(o, "id", id);
	wire_add_bytes(o, "sealed", sealed, plen + PCRYPTO_SEAL_OVERHEAD);
	msg = encode(k, WIRE_SYNC, b, &len);
	r = roundtrip(msg, len, &type);
	res = r ? cJSON_GetArrayItem(cJSON_GetObjectItem(r, "results"), 0) :
	    NULL;
	if (other_team != NULL && type == WIRE_ACK && res != NULL) {
		printf("%s\n", wire_str(res, "status", 16));
		rv = 0;
	} else if (type == WIRE_ACK && res != NULL &&
	    strcmp(wire_str(res, "status", 16), "refused") == 0) {
		printf("refused: %s\n", wire_str(res, "reason", 200));
		rv = 0;
	} else {
		printf("NOT refused: %s\n", res ? wire_str(res, "status", 16) :
		    "no result");
	}
	free(msg);
	free(sealed);
	free(plain);
	free(aggtext);
	cJSON_Delete(b);
	cJSON_Delete(r);
	cJSON_Delete(batch);
	agg_free(a);
	form_free(f);
	return rv;
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
			nng_send(rep, ans, alen, 0);
			nng_free(ans, alen);
		}
		nng_free(req, len);
	}
	nng_close(rep);
	nng_close(sock);
	return 0;
}

int
main(int argc, char **argv)
{
	struct kiosk *k = NULL;
	char err[ERRLEN];
	int rv = 2;

	if (pcrypto_init() != 0 || argc < 4)
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
	if (strcmp(argv[1], "hijack") == 0) {
		if (dial(argv[2]) != 0)
			return 2;
		rv = attack_hijack(argv[3]);
		nng_close(sock);
		return rv;
	}
	if (kiosk_open(&k, argv[2], NULL, err, sizeof err) != 0) {
		fprintf(stderr, "polsattack: %s\n", err);
		return 2;
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
	nng_close(sock);
	kiosk_close(k);
	return rv;
usage:
	fprintf(stderr, "usage: see the comment at the top of polsattack.c\n");
	return 2;
}
