/*
 * rotate_entry.c - the fuzz entry for server key rotation statements
 * (common/rotate.h): one input is what a terminal reads as the "rotation"
 * member of a CHALLENGE, a JSON array of wrapped statements, walked with
 * rotate_walk from generation 1 of a fixed set of keys (made from fixed
 * seeds, so the committed seeds stay valid).
 *
 * Each input is walked twice: as it is, and with every element that has a
 * string "statement" signed again, under pols/v1/rotate, with the key of
 * its place in the chain (generation i + 1 signs element i; its "kid" and
 * "sig" are set to match), so the fuzzer gets past the signatures to the
 * checks of the text. Each element is also read with rotate_read, as the
 * server reads its own statements.
 *
 * Promises checked (a broken one aborts):
 *  - a walk that succeeds ends at generation 1 + the number of statements,
 *    with a signing key and a box key other than generation 1's; a walk of
 *    the input as it is can only succeed when every statement was signed
 *    by a fixed key, and ends at a key of the fixed set;
 *  - a walk that fails leaves its output untouched and says why;
 *  - rotate_read that succeeds gives a generation of 2 .. 10^9.
 *
 * Included by tests/fuzz/fuzz_rotate.c (libFuzzer) and
 * tests/unit/test_fuzz_regress2.c (make test). fuzz_rotate_seeds() writes
 * the seed corpus (a chain of three statements, and of one).
 */
#include "util_entry.c"
#include "rotate.h"
#include "wire.h"

#define FR_NGEN (ROTATE_CHAIN_MAX + 2)

int fuzz_rotate_setup(void);
int fuzz_rotate_one(const uint8_t *data, size_t size);
int fuzz_rotate_seeds(const char *dir);

static struct {
	int ready;
	struct rotate_key gen[FR_NGEN + 1]; /* generations 1 .. FR_NGEN */
	uint8_t sk[FR_NGEN + 1][PCRYPTO_SIGN_SK];
	long inputs, walked, resigned;
} fr;

int
fuzz_rotate_setup(void)
{
	uint8_t seed[32], bsk[PCRYPTO_BOX_SK];

	if (fr.ready)
		return 0;
	if (pcrypto_init() != 0)
		fx_die("libsodium cannot start", NULL);
	for (int i = 1; i <= FR_NGEN; i++) {
		memset(seed, i, sizeof seed);
		fr.gen[i].seq = i;
		crypto_sign_seed_keypair(fr.gen[i].sign_pk, fr.sk[i], seed);
		seed[0] ^= 0x80;
		crypto_box_seed_keypair(fr.gen[i].box_pk, bsk, seed);
	}
	fr.ready = 1;
	return 0;
}

static int
fr_known(const struct rotate_key *k)
{
	for (int i = 2; i <= FR_NGEN; i++)
		if (memcmp(k->sign_pk, fr.gen[i].sign_pk, PCRYPTO_SIGN_PK) == 0)
			return 1;
	return 0;
}

/* Walk c from generation 1 and check the promises; 1 when it held. */
static int
fr_walk(const cJSON *c, int resigned)
{
	struct rotate_key out, before;
	char err[ERRLEN] = "";
	int n = cJSON_IsArray(c) ? cJSON_GetArraySize(c) : 0;

	memset(&out, 0x5a, sizeof out);
	before = out;
	if (rotate_walk(c, &fr.gen[1], &out, err, sizeof err) != 0) {
		if (memcmp(&out, &before, sizeof out) != 0)
			fx_violation("rotate", "a refused walk changed its "
			    "output", err);
		if (err[0] == '\0')
			fx_violation("rotate", "a refused walk says nothing",
			    NULL);
		return 0;
	}
	if (out.seq != 1 + n)
		fx_violation("rotate", "a walk ends at the wrong generation",
		    NULL);
	if (memcmp(out.sign_pk, fr.gen[1].sign_pk, PCRYPTO_SIGN_PK) == 0 ||
	    memcmp(out.box_pk, fr.gen[1].box_pk, PCRYPTO_BOX_PK) == 0)
		fx_violation("rotate", "a walk ends at the trusted keys", NULL);
	/* Only the fixed keys sign anything here; without re-signing, a
	 * walk gets through statements those keys made for their own
	 * successors, so it ends at one of them (or at a key such a
	 * statement names only when a fixed key signed it). */
	if (!resigned && !fr_known(&out))
		fx_violation("rotate", "an unsigned chain was followed", NULL);
	return 1;
}

/* Sign element i's text again with generation i + 1's key. */
static void
fr_resign(cJSON *c)
{
	cJSON *it;
	int i = 0;

	cJSON_ArrayForEach(it, c) {
		const cJSON *t = cJSON_GetObjectItemCaseSensitive(it,
		    "statement");
		uint8_t sig[PCRYPTO_SIG_BYTES], kid[PCRYPTO_KID_BYTES];
		char hex[2 * PCRYPTO_KID_BYTES + 1], *b;
		int g = ++i;

		if (g >= FR_NGEN || !cJSON_IsObject(it) || !cJSON_IsString(t))
			continue;
		pcrypto_sign(sig, PCRYPTO_LABEL_ROTATE,
		    (const uint8_t *)t->valuestring, strlen(t->valuestring),
		    NULL, 0, fr.sk[g]);
		pcrypto_kid(fr.gen[g].sign_pk, PCRYPTO_SIGN_PK, kid);
		util_hex(hex, kid, sizeof kid);
		if ((b = util_b64(sig, sizeof sig)) == NULL)
			fx_die("out of memory", NULL);
		cJSON_DeleteItemFromObjectCaseSensitive(it, "kid");
		cJSON_DeleteItemFromObjectCaseSensitive(it, "sig");
		cJSON_AddStringToObject(it, "kid", hex);
		cJSON_AddStringToObject(it, "sig", b);
		free(b);
	}
}

int
fuzz_rotate_one(const uint8_t *data, size_t size)
{
	cJSON *c;
	const cJSON *it;

	fuzz_rotate_setup();
	fr.inputs++;
	if ((c = cJSON_ParseWithLength((const char *)data, size)) == NULL)
		return 0;
	fr.walked += fr_walk(c, 0);
	cJSON_ArrayForEach(it, c) {
		struct rotate_key next;
		uint8_t from[PCRYPTO_KID_BYTES];
		char err[ERRLEN], *text = cJSON_PrintUnformatted(it);

		if (text != NULL && rotate_read(text, strlen(text), &next,
		    from, err, sizeof err) == 0 &&
		    (next.seq < 2 || next.seq > ROTATE_SEQ_MAX))
			fx_violation("rotate", "rotate_read gives a bad "
			    "generation", text);
		free(text);
	}
	if (cJSON_IsArray(c)) {
		fr_resign(c);
		fr.resigned += fr_walk(c, 1);
	}
	cJSON_Delete(c);
	return 0;
}

/* The seed corpus: chain-3.json (generations 1 -> 4) and chain-1.json
 * (1 -> 2), made with the fixed keys. 0 or -1. */
int
fuzz_rotate_seeds(const char *dir)
{
	char p[PATH_MAX];
	int sizes[] = {3, 1};

	fuzz_rotate_setup();
	for (size_t k = 0; k < sizeof sizes / sizeof sizes[0]; k++) {
		cJSON *c = cJSON_CreateArray();
		char *text;
		FILE *f;

		for (int i = 1; i <= sizes[k]; i++) {
			char *s = rotate_make(&fr.gen[i], fr.sk[i],
			    &fr.gen[i + 1]);
			cJSON_AddItemToArray(c, cJSON_Parse(s));
			free(s);
		}
		text = cJSON_PrintUnformatted(c);
		cJSON_Delete(c);
		if (util_path(p, sizeof p, "%s/chain-%d.json", dir,
		    sizes[k]) != 0 || (f = fopen(p, "w")) == NULL) {
			free(text);
			return -1;
		}
		fputs(text, f);
		free(text);
		if (fclose(f) != 0)
			return -1;
	}
	return 0;
}
