/*
 * mkseeds.c - write the seed corpora of the fuzz targets: real messages
 * signed with the fuzz installation's fixed keys (see wire_entry.c), so
 * they stay valid in every run. Each seed is also run once here and must
 * do what is said below.
 *
 *   make build/tests/fuzz_mkseeds && build/tests/fuzz_mkseeds tests/fuzz/corpus
 *
 * corpus/wire (fuzz_wire: requests to the server):
 *   hello.bin         HELLO of fuzz-t1 (key bound): answered by a CHALLENGE
 *   hello-enroll.bin  first HELLO of fuzz-new with an enroll member whose
 *                     sealed token is not the bundle's: enroll_failed
 *   sync.bin          SYNC of fuzz-t1 with one honest Team Thermometer batch
 *                     for bt-hengelo (n = 5); its challenge is the slot that
 *                     pass 2 fills, so that pass gets it applied
 *   sync-plain.bin    SYNC with a Sentimeter batch (a month period) as
 *                     "plain" under the batch id slot, for pass 2 to seal
 *   sync-campaign.bin the same with a batch of the campaign form for the
 *                     fuzz campaign (a campaign period)
 *   ack.bin           the server's signed ACK to sync.bin (not a request:
 *                     "malformed" for the server)
 * corpus/reply (fuzz_reply: replies to the terminal, as records):
 *   round.bin         CHALLENGE, ACK applied: the batch is settled
 *   state.bin         CHALLENGE with state (teams, a signed form,
 *                     campaigns, settings), ACK duplicate: settled
 *   refused.bin       CHALLENGE, ACK refused: kept, marked refused
 *   revoked.bin       ERROR revoked naming the terminal: revoked
 *   retry.bin         a timeout, ERROR stale_challenge, the old ACK of
 *                     sync.bin (answers another request), then CHALLENGE
 *                     and ACK applied: settled
 *
 * The sealed boxes use fresh ephemeral keys, so every run writes other
 * bytes; the committed seeds need not be regenerated.
 */
#include "wire_entry.c"
#include "reply_entry.c"

#include "agg.h"

#define SEED_BATCH "5eed0000000000000000000000000001"

static void
put(const char *dir, const char *name, const uint8_t *msg, size_t len)
{
	char p[1024], err[ERRLEN];

	if (util_path(p, sizeof p, "%s/%s", dir, name) != 0 ||
	    util_write_file(p, msg, len, 0644, 0, err, sizeof err) != 0)
		fuzz_die("cannot write", p);
	printf("%s: %zu bytes\n", p, len);
}

static char *
nonce(const char *label)
{
	uint8_t raw[32];

	fuzz_seed(label, raw);
	return util_b64(raw, sizeof raw);
}

/* The plaintext of an honest batch of form for team: n = 5, every item
 * answered with the option "key" (or its first option when key is NULL). */
static cJSON *
plain_batch(const char *form, const char *team, const char *period,
    const char *id, const char *key)
{
	char err[ERRLEN], *aggtext;
	const struct form *f = server_form(fz.s, form, 0, err, sizeof err);
	struct agg *a;
	cJSON *batch, *aj, *o;

	if (f == NULL)
		fuzz_die("form", err);
	a = agg_new(f);
	aggtext = agg_to_json(a);
	aj = cJSON_Parse(aggtext);
	cJSON_SetNumberHelper(cJSON_GetObjectItem(aj, "n"), 5);
	cJSON_ArrayForEach(o, cJSON_GetObjectItem(aj, "items")) {
		cJSON *counts = cJSON_GetObjectItem(o, "counts");
		cJSON *c = key ? cJSON_GetObjectItem(counts, key) :
		    counts ? counts->child : NULL;
		if (c == NULL)
			fuzz_die("no option to count", key);
		cJSON_SetNumberHelper(c, 5);
	}
	batch = cJSON_CreateObject();
	cJSON_AddStringToObject(batch, "team", team);
	cJSON_AddStringToObject(batch, "form", f->id);
	cJSON_AddNumberToObject(batch, "version", f->version);
	cJSON_AddStringToObject(batch, "period", period);
	cJSON_AddItemToObject(batch, "agg", aj);
	cJSON_AddNumberToObject(batch, "v", 1);
	cJSON_AddStringToObject(batch, "batch", id);
	cJSON_AddStringToObject(batch, "terminal", FUZZ_TERMINAL);
	free(aggtext);
	agg_free(a);
	return batch;
}

/* A SYNC seed of fuzz-t1 with one batch: sealed (its base64 in "sealed")
 * or, with sealed NULL, as "plain" for pass 2 to seal. Pass 2 must get it
 * applied. */
static void
sync_seed(const char *dir, const char *name, const char *id,
    cJSON *plain, const char *ack)
{
	cJSON *b = cJSON_CreateObject(), *arr, *o;
	char *text, *n = nonce(name), *pt = cJSON_PrintUnformatted(plain);
	uint8_t *msg, *again, *rep, *sealed;
	size_t len, alen, rlen, plen = strlen(pt);
	long before = fz.st.applied;

	cJSON_AddStringToObject(b, "terminal", FUZZ_TERMINAL);
	cJSON_AddStringToObject(b, "nonce", n);
	cJSON_AddStringToObject(b, "challenge", FUZZ_CHALLENGE_SLOT);
	arr = cJSON_AddArrayToObject(b, "batches");
	o = cJSON_CreateObject();
	cJSON_AddItemToArray(arr, o);
	cJSON_AddStringToObject(o, "id", id);
	if (strcmp(id, FUZZ_BATCH_SLOT) == 0) {
		cJSON_AddItemToObject(o, "plain", plain);
		plain = NULL;
	} else {
		sealed = malloc(plen + PCRYPTO_SEAL_OVERHEAD);
		pcrypto_seal(sealed, (uint8_t *)pt, plen, fz.s->box_pk);
		wire_add_bytes(o, "sealed", sealed, plen + PCRYPTO_SEAL_OVERHEAD);
		free(sealed);
	}
	text = cJSON_PrintUnformatted(b);
	if (fuzz_wire_request(WIRE_SYNC, text, &msg, &len) != 0)
		fuzz_die("encode", name);
	put(dir, name, msg, len);
	/* Pass 2 as the fuzzer runs it: the batch must be applied. */
	if (fuzz_wire_resign(msg, len, &again, &alen) != 0)
		fuzz_die("resign", name);
	fuzz_wire_handle(again, alen, &rep, &rlen);
	if (fz.st.applied != before + 1)
		fuzz_die("the seed batch was not applied", name);
	if (ack != NULL)
		put(dir, ack, rep, rlen);
	free(rep);
	free(again);
	free(msg);
	free(text);
	free(pt);
	free(n);
	cJSON_Delete(plain);
	cJSON_Delete(b);
}

/* --- reply seeds (fuzz_reply) ----------------------------------------- */

struct recs {
	uint8_t buf[32768];
	size_t len;
};

static void
rec(struct recs *r, int flags, int type, const char *body)
{
	size_t n = body ? strlen(body) : 0;

	if (r->len + 4 + n > sizeof r->buf || n > 0xffff)
		fuzz_die("reply seed too large", NULL);
	r->buf[r->len++] = (uint8_t)flags;
	r->buf[r->len++] = (uint8_t)type;
	r->buf[r->len++] = (uint8_t)(n >> 8);
	r->buf[r->len++] = (uint8_t)n;
	memcpy(r->buf + r->len, body, n);
	r->len += n;
}

static void
rec_raw(struct recs *r, const uint8_t *msg, size_t n)
{
	rec(r, 0, 0, NULL);
	r->buf[r->len - 2] = (uint8_t)(n >> 8);
	r->buf[r->len - 1] = (uint8_t)n;
	memcpy(r->buf + r->len, msg, n);
	r->len += n;
}

/* A CHALLENGE body to bind; with the terminal's state (its teams, the
 * Team Thermometer only, the campaigns and settings) when state is set. */
static char *
challenge_body(int state)
{
	cJSON *b = cJSON_CreateObject(), *st;
	uint8_t ch[WIRE_NONCE_BYTES], h[PCRYPTO_HASH_BYTES];
	char err[ERRLEN], hex[65], *text;

	cJSON_AddStringToObject(b, "terminal", FUZZ_KIOSK);
	cJSON_AddStringToObject(b, "nonce", "@NONCE@");
	fuzz_seed("a challenge", ch);
	wire_add_bytes(b, "challenge", ch, sizeof ch);
	if (state) {
		st = cJSON_CreateObject();
		if (terminal_state(fz.s, "bt-hengelo", st, err,
		    sizeof err) != 0)
			fuzz_die("terminal_state", err);
		cJSON *forms = cJSON_GetObjectItem(st, "forms");
		while (cJSON_GetArraySize(forms) > 1)
			cJSON_DeleteItemFromArray(forms, 0);
		text = cJSON_PrintUnformatted(st);
		pcrypto_hash((uint8_t *)text, strlen(text), h);
		util_hex(hex, h, sizeof h);
		free(text);
		cJSON_AddItemToObject(b, "state", st);
		cJSON_AddStringToObject(b, "state_hash", hex);
	}
	cJSON_AddNumberToObject(b, "ttl", 60);
	cJSON_AddNumberToObject(b, "last_seq", 0);
	cJSON_AddNumberToObject(b, "time", 1795000000);
	cJSON_AddStringToObject(b, "request", "@REQUEST@");
	text = cJSON_PrintUnformatted(b);
	cJSON_Delete(b);
	return text;
}

static char *
ack_body(const char *status, const char *reason)
{
	char *text = malloc(1024);

	snprintf(text, 1024, "{\"terminal\":\"%s\",\"nonce\":\"@NONCE@\","
	    "\"results\":[{\"id\":\"%s\",\"hash\":\"%s\",\"status\":"
	    "\"%s\"%s%s%s}],\"time\":1795000000,\"request\":\"@REQUEST@\"}",
	    FUZZ_KIOSK, FUZZ_KBATCH, fr.sealed_hash, status,
	    reason ? ",\"reason\":\"" : "", reason ? reason : "",
	    reason ? "\"" : "");
	return text;
}

static char *
error_body(const char *code)
{
	char *text = malloc(512);

	snprintf(text, 512, "{\"terminal\":\"%s\",\"nonce\":\"@NONCE@\","
	    "\"code\":\"%s\",\"message\":\"fuzz seed\",\"time\":"
	    "1795000000,\"request\":\"@REQUEST@\"}", FUZZ_KIOSK, code);
	return text;
}

/* Write the seed and run it: it must settle (or revoke) as said. */
static void
reply_seed(const char *dir, const char *name, struct recs *r, int acks,
    int revokes)
{
	long acked = fr.acked, revoked = fr.revoked;

	put(dir, name, r->buf, r->len);
	fuzz_reply_one(r->buf, r->len);
	if (fr.acked - acked != acks || fr.revoked - revoked != revokes)
		fuzz_die("reply seed does not do what it should", name);
}

static void
reply_seeds(const char *dir, const uint8_t *old_ack, size_t old_len)
{
	const int sb = FUZZ_R_SIGN | FUZZ_R_BIND;
	char *ch, *chs, *applied, *dup, *refused, *revoked, *stale;
	struct recs r;

	fuzz_reply_setup(); /* the batch's hash */
	ch = challenge_body(0);
	chs = challenge_body(1);
	applied = ack_body("applied", NULL);
	dup = ack_body("duplicate", NULL);
	refused = ack_body("refused", "counts: empty batch");
	revoked = error_body(WIRE_E_REVOKED);
	stale = error_body(WIRE_E_CHALLENGE);
	if (getenv("FUZZ_DEBUG"))
		log_init("mkseeds", LOG_DEBUG);
	r.len = 0;
	rec(&r, sb, WIRE_CHALLENGE, ch);
	rec(&r, sb, WIRE_ACK, applied);
	reply_seed(dir, "round.bin", &r, 1, 0);
	r.len = 0;
	rec(&r, sb, WIRE_CHALLENGE, chs);
	rec(&r, sb, WIRE_ACK, dup);
	reply_seed(dir, "state.bin", &r, 1, 0);
	r.len = 0;
	rec(&r, sb, WIRE_CHALLENGE, ch);
	rec(&r, sb, WIRE_ACK, refused);
	reply_seed(dir, "refused.bin", &r, 0, 0);
	r.len = 0;
	rec(&r, sb, WIRE_ERROR, revoked);
	reply_seed(dir, "revoked.bin", &r, 0, 1);
	/* A timeout, a stale challenge, a reply to another request (a real
	 * old ACK), then a good round. */
	r.len = 0;
	rec(&r, FUZZ_R_SILENT, 0, NULL);
	rec(&r, sb, WIRE_ERROR, stale);
	rec_raw(&r, old_ack, old_len);
	rec(&r, sb, WIRE_CHALLENGE, ch);
	rec(&r, sb, WIRE_ACK, applied);
	reply_seed(dir, "retry.bin", &r, 1, 0);
	free(ch);
	free(chs);
	free(applied);
	free(dup);
	free(refused);
	free(revoked);
	free(stale);
}

int
main(int argc, char **argv)
{
	char *text, *n, *pk, *tok, wire[1024], reply[1024], err[ERRLEN];
	char *ack, path[1100];
	uint8_t *msg, both[64], box[64 + PCRYPTO_SEAL_OVERHEAD];
	size_t len, alen;

	if (argc != 2) {
		fprintf(stderr, "usage: fuzz_mkseeds CORPUS (writes CORPUS/wire "
		    "and CORPUS/reply)\n");
		return 2;
	}
	fuzz_wire_setup();
	if (util_path(wire, sizeof wire, "%s/wire", argv[1]) != 0 ||
	    util_path(reply, sizeof reply, "%s/reply", argv[1]) != 0 ||
	    util_mkdirs(wire, 0755, err, sizeof err) != 0 ||
	    util_mkdirs(reply, 0755, err, sizeof err) != 0)
		fuzz_die("cannot make", argv[1]);

	n = nonce("hello");
	text = malloc(256);
	snprintf(text, 256, "{\"terminal\":\"%s\",\"nonce\":\"%s\"}",
	    FUZZ_TERMINAL, n);
	if (fuzz_wire_request(WIRE_HELLO, text, &msg, &len) != 0)
		return 1;
	put(wire, "hello.bin", msg, len);
	free(msg);
	free(text);
	free(n);

	/* An enrolling HELLO: token || pk sealed, but not the bundle's token. */
	fuzz_seed("not the token", both);
	memcpy(both + 32, fz.term_pk, 32);
	pcrypto_seal(box, both, sizeof both, fz.s->box_pk);
	n = nonce("hello-enroll");
	pk = util_b64(fz.term_pk, sizeof fz.term_pk);
	tok = util_b64(box, sizeof box);
	text = malloc(512);
	snprintf(text, 512, "{\"terminal\":\"%s\",\"nonce\":\"%s\",\"enroll\":"
	    "{\"pk\":\"%s\",\"token\":\"%s\"}}", FUZZ_UNBOUND, n, pk, tok);
	if (fuzz_wire_request(WIRE_HELLO, text, &msg, &len) != 0)
		return 1;
	put(wire, "hello-enroll.bin", msg, len);
	free(msg);
	free(text);
	free(n);
	free(pk);
	free(tok);

	sync_seed(wire, "sync.bin", SEED_BATCH, plain_batch(
	    "team-thermometer", "bt-hengelo", "2027-F05", SEED_BATCH, "7"),
	    "ack.bin");
	sync_seed(wire, "sync-plain.bin", FUZZ_BATCH_SLOT, plain_batch(
	    "sentimeter", "bt-enschede", "2027-03", FUZZ_BATCH_SLOT, NULL),
	    NULL);
	sync_seed(wire, "sync-campaign.bin", FUZZ_BATCH_SLOT, plain_batch(
	    FUZZ_CAMPAIGN, "bt-hengelo", FUZZ_WAVE, FUZZ_BATCH_SLOT, NULL),
	    NULL);
	if (util_path(path, sizeof path, "%s/ack.bin", wire) != 0 ||
	    util_read_file(path, WIRE_MAX_MSG, &ack, &alen, err,
	    sizeof err) != 0)
		fuzz_die("cannot read back", "ack.bin");
	reply_seeds(reply, (uint8_t *)ack, alen);
	free(ack);
	return 0;
}
