/*
 * bundle_entry.c - the fuzz entry for enrollment bundles: one input is
 * the file `polsctl terminal add` writes and `pols-kiosk enroll` reads,
 * through the real kiosk_enroll (client/kiosk.h) into a fresh terminal
 * folder, removed after each run: bundle parsing, its keys and token, key
 * generation and files, the database, and the state in it (update_apply:
 * teams, signed forms, campaigns, settings).
 *
 * Included by tests/fuzz/fuzz_bundle.c (libFuzzer) and
 * tests/unit/test_fuzz_regress2.c (make test).
 *
 * Each input is enrolled twice:
 *  1. as it is: exactly what a bundle file could hold. Its forms verify
 *     only when the input carries their true signatures (the seeds do,
 *     made by a real installation), so mutated forms stop at the
 *     signature check here;
 *  2. when it is a JSON object whose state lists forms with a "form"
 *     string: with "server_sign_pk" set to a fixed key of this file and
 *     every such form re-signed with it ("kid", "sig"), so that mutated
 *     form texts, versions and ids get past the signature into the form
 *     parser and the database.
 *
 * Checked (a broken promise aborts, a finding): a refusal gives a reason
 * and leaves no half-enrolled terminal (no database, no terminal.sk,
 * storage.key or enroll.token); an accepted bundle gives a terminal that
 * kiosk_open opens, under the name and with the server key the bundle
 * gave.
 *
 * The terminal folder lives in util_entry.c's scratch folder under
 * $TMPDIR; tests/fuzz/run.sh points $TMPDIR of this target at /dev/shm
 * when it can (kiosk_enroll fsyncs its key files and database; on tmpfs
 * that costs nothing).
 */
#include "util_entry.c"
#include "kiosk.h"
#include "wire.h"

struct fuzz_bundle_stats {
	long inputs, enrolled, resigned, resigned_enrolled, refused;
};

int fuzz_bundle_setup(void);
int fuzz_bundle_one(const uint8_t *data, size_t size);

static struct {
	int ready;
	char bundle[PATH_MAX], kdir[PATH_MAX];
	uint8_t pk[PCRYPTO_SIGN_PK], sk[PCRYPTO_SIGN_SK];
	char kid[2 * PCRYPTO_KID_BYTES + 1];
	struct fuzz_bundle_stats st;
} fb;

int
fuzz_bundle_setup(void)
{
	uint8_t seed[32], kid[PCRYPTO_KID_BYTES];
	static const char label[] = "pols fuzz: bundle server signing key";

	if (fb.ready)
		return 0;
	if (pcrypto_init() != 0)
		fx_die("libsodium does not start", NULL);
	log_init("fuzz_bundle", LOG_ERR);
	pcrypto_hash((const uint8_t *)label, sizeof label - 1, seed);
	crypto_sign_seed_keypair(fb.pk, fb.sk, seed);
	pcrypto_kid(fb.pk, sizeof fb.pk, kid);
	util_hex(fb.kid, kid, sizeof kid);
	if (util_path(fb.bundle, sizeof fb.bundle, "%s/bundle.json",
	    fx_dir()) != 0 ||
	    util_path(fb.kdir, sizeof fb.kdir, "%s/kiosk", fx_dir()) != 0)
		fx_die("path too long", fx_dir());
	fb.ready = 1;
	return 0;
}

static int
fb_exists(const char *rel)
{
	char p[PATH_MAX];
	struct stat sb;

	return util_path(p, sizeof p, "%s/%s", fb.kdir, rel) == 0 &&
	    lstat(p, &sb) == 0;
}

/* Enroll text as a bundle into a fresh folder; 1 enrolled, 0 refused. */
static int
fb_enroll(const char *text, size_t len)
{
	static const char *const left[] = {"db/kiosk.db", "keys/terminal.sk",
	    "keys/storage.key", "keys/enroll.token"};
	struct kiosk *k = NULL;
	char err[ERRLEN];
	uint8_t spk[PCRYPTO_SIGN_PK];
	const char *name;
	cJSON *b;
	int ok;

	fx_put(fb.bundle, text, len);
	fx_rm_tree(fb.kdir);
	err[0] = 0;
	if (kiosk_enroll(fb.kdir, NULL, fb.bundle, err, sizeof err) != 0) {
		if (err[0] == 0)
			fx_violation("bundle", "enrollment refused without a "
			    "reason", NULL);
		for (size_t i = 0; i < sizeof left / sizeof left[0]; i++)
			if (fb_exists(left[i]))
				fx_violation("bundle", "a refused enrollment "
				    "left a file behind", left[i]);
		fb.st.refused++;
		fx_rm_tree(fb.kdir);
		return 0;
	}
	if (kiosk_open(&k, fb.kdir, NULL, err, sizeof err) != 0)
		fx_violation("bundle", "an enrolled terminal does not open",
		    err);
	/* The name and server key are the bundle's (it parsed once). */
	if ((b = cJSON_ParseWithLength(text, len)) == NULL)
		fx_violation("bundle", "enrolled from a bundle that is not "
		    "JSON", NULL);
	name = wire_str(b, "terminal", WIRE_NAME_MAX);
	ok = name != NULL && strcmp(name, k->name) == 0 &&
	    wire_bytes(b, "server_sign_pk", spk, sizeof spk) == 0 &&
	    memcmp(spk, k->server_sign_pk, sizeof spk) == 0;
	cJSON_Delete(b);
	if (!ok)
		fx_violation("bundle", "the terminal's name or server key is "
		    "not the bundle's", k->name);
	kiosk_close(k);
	fx_rm_tree(fb.kdir);
	return 1;
}

/* Pass 2: the bundle with its forms signed by the fixed key; NULL when
 * there is nothing to sign. */
static char *
fb_resign(const uint8_t *data, size_t size)
{
	cJSON *b, *state, *forms, *f;
	char *out = NULL;
	int n = 0;

	if ((b = cJSON_ParseWithLength((const char *)data, size)) == NULL)
		return NULL;
	state = cJSON_GetObjectItemCaseSensitive(b, "state");
	forms = cJSON_GetObjectItemCaseSensitive(state, "forms");
	if (!cJSON_IsObject(b) || !cJSON_IsArray(forms))
		goto out;
	cJSON_ArrayForEach(f, forms) {
		const cJSON *t = cJSON_GetObjectItemCaseSensitive(f, "form");
		uint8_t sig[PCRYPTO_SIG_BYTES];

		if (!cJSON_IsObject(f) || !cJSON_IsString(t))
			continue;
		pcrypto_sign(sig, PCRYPTO_LABEL_FORM,
		    (const uint8_t *)t->valuestring, strlen(t->valuestring),
		    NULL, 0, fb.sk);
		cJSON_DeleteItemFromObjectCaseSensitive(f, "kid");
		cJSON_DeleteItemFromObjectCaseSensitive(f, "sig");
		if (cJSON_AddStringToObject(f, "kid", fb.kid) == NULL ||
		    wire_add_bytes(f, "sig", sig, sizeof sig) != 0)
			fx_die("out of memory", NULL);
		n++;
	}
	if (n == 0)
		goto out;
	cJSON_DeleteItemFromObjectCaseSensitive(b, "server_sign_pk");
	if (wire_add_bytes(b, "server_sign_pk", fb.pk, sizeof fb.pk) != 0 ||
	    (out = cJSON_PrintUnformatted(b)) == NULL)
		fx_die("out of memory", NULL);
out:
	cJSON_Delete(b);
	return out;
}

int
fuzz_bundle_one(const uint8_t *data, size_t size)
{
	char *again;

	fuzz_bundle_setup();
	fb.st.inputs++;
	fb.st.enrolled += fb_enroll((const char *)data, size);
	if ((again = fb_resign(data, size)) != NULL) {
		fb.st.resigned++;
		fb.st.resigned_enrolled += fb_enroll(again, strlen(again));
		free(again);
	}
	return 0;
}
