/*
 * mkseeds.c - write the seed corpus of fuzz_wire (tests/fuzz/corpus/wire):
 * real messages signed with the fuzz installation's fixed keys (see
 * wire_entry.c), so they stay valid in every run.
 *
 *   make build/tests/fuzz_mkseeds && build/tests/fuzz_mkseeds tests/fuzz/corpus/wire
 *
 *   hello.bin         HELLO of fuzz-t1 (key bound): answered by a CHALLENGE
 *   hello-enroll.bin  first HELLO of fuzz-new with an enroll member whose
 *                     sealed token is not the bundle's: enroll_failed
 *   sync.bin          SYNC of fuzz-t1 with one honest Team Thermometer batch
 *                     for bt-hengelo (n = 5); its challenge is the slot that
 *                     pass 2 fills, so that pass gets it applied
 *   sync-plain.bin    SYNC with a Sentimeter batch (a month period) as
 *                     "plain" under the batch id slot, for pass 2 to seal
 *   sync-campaign.bin the same with a Medewerkersmonitor batch for the
 *                     fuzz campaign (a campaign period)
 *   ack.bin           the server's signed ACK to sync.bin (not a request:
 *                     "malformed" for the server)
 *
 * The sealed boxes use fresh ephemeral keys, so every run writes other
 * bytes; the committed seeds need not be regenerated.
 */
#include "wire_entry.c"

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

int
main(int argc, char **argv)
{
	char *text, *n, *pk, *tok;
	uint8_t *msg, both[64], box[64 + PCRYPTO_SEAL_OVERHEAD];
	size_t len;

	if (argc != 2) {
		fprintf(stderr, "usage: fuzz_mkseeds DIR\n");
		return 2;
	}
	fuzz_wire_setup();

	n = nonce("hello");
	text = malloc(256);
	snprintf(text, 256, "{\"terminal\":\"%s\",\"nonce\":\"%s\"}",
	    FUZZ_TERMINAL, n);
	if (fuzz_wire_request(WIRE_HELLO, text, &msg, &len) != 0)
		return 1;
	put(argv[1], "hello.bin", msg, len);
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
	put(argv[1], "hello-enroll.bin", msg, len);
	free(msg);
	free(text);
	free(n);
	free(pk);
	free(tok);

	sync_seed(argv[1], "sync.bin", SEED_BATCH, plain_batch(
	    "team-thermometer", "bt-hengelo", "2027-F05", SEED_BATCH, "7"),
	    "ack.bin");
	sync_seed(argv[1], "sync-plain.bin", FUZZ_BATCH_SLOT, plain_batch(
	    "sentimeter", "bt-enschede", "2027-03", FUZZ_BATCH_SLOT, NULL),
	    NULL);
	sync_seed(argv[1], "sync-campaign.bin", FUZZ_BATCH_SLOT, plain_batch(
	    "medewerkersmonitor", "bt-hengelo", FUZZ_WAVE, FUZZ_BATCH_SLOT,
	    NULL), NULL);
	return 0;
}
