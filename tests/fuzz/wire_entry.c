/*
 * wire_entry.c - the fuzz entry for the server's side of the sync
 * protocol: one message in, through the real ingest_handle() of a real
 * server installation, one signed reply out (docs/protocol.md).
 *
 * Included (#include "wire_entry.c") by exactly one file per program:
 *   tests/fuzz/fuzz_wire.c          the libFuzzer target (make fuzz)
 *   tests/unit/test_fuzz_regress.c  replays tests/fuzz/regress/ and the
 *                                   seed corpus in make test (no clang)
 *   tests/fuzz/mkseeds.c            writes the seed corpus
 *
 * The installation is made once per process, at the first call, in a
 * fresh folder under $TMPDIR (default /tmp) that is removed at exit:
 * server_create, then fixed key pairs (below) in place of the random
 * ones, org_parse_csv/org_apply (the demo org), server_form_publish of
 * forms/team-thermometer.json (fortnights), forms/sentimeter.json
 * (months) and of the Sentimeter made a campaign form (fuzz-campaign), a
 * campaign FUZZ_WAVE of it over district twente, and three terminals made
 * with terminal_add:
 *   fuzz-t1    bt-hengelo,bt-enschede  key bound (the fixed terminal key)
 *   fuzz-gone  bt-almelo               key bound (same key), revoked
 *   fuzz-new   bt-almelo               no key yet: its HELLO must enroll
 * The forms are read from $POLS_SRCDIR/forms (default: the current
 * folder, which is the repository root under make and tests/run.sh).
 *
 * Keys are derived from fixed labels so that committed seeds stay valid:
 * a seed signed with the terminal key verifies, and a batch sealed to the
 * server's box key opens, in every run. These keys guard nothing.
 *
 * Each input is handled twice:
 *  1. as received: exactly what a peer on the network could send (framing,
 *     version, type, kid and signature checks, and every refusal before
 *     and after them);
 *  2. when it frames as a request (HELLO or SYNC): its body re-signed with
 *     the terminal key, so that mutated bodies get past the signature
 *     check into JSON parsing, enrollment, challenges and batch handling.
 *     Before signing, in the body:
 *       - every FUZZ_CHALLENGE_SLOT (base64 of 32 zero bytes) becomes a
 *         live challenge, got with a real HELLO for the terminal the body
 *         names, so a SYNC reaches its batches;
 *       - every FUZZ_BATCH_SLOT (32 zeros) becomes a batch id the server
 *         has not seen (one per input, the same in "id" and in the
 *         plaintext's "batch"), so a batch is opened and checked instead
 *         of being answered from the applied table;
 *       - a batch element with a "plain" member (a string, or any JSON
 *         value as its text) gets it sealed to the server's box key as
 *         its "sealed": the fuzzer mutates the plaintext of a batch (team,
 *         form, period, counts) and not only the sealed bytes it can
 *         never open.
 *
 * Every reply is checked against the protocol: ingest_handle returns 0; the
 * reply decodes, is a CHALLENGE, ACK or ERROR with the server's kid and
 * signature; its body is an object naming the request's hash and the
 * server time; an ERROR carries a known code and a message; a CHALLENGE or
 * ACK names the terminal and repeats the request's nonce; an ACK has at
 * most one result per batch sent, each with id, a 64-hex hash and a known
 * status, a refusal with a reason of at most 255 bytes. A violation aborts
 * (a finding, like a crash). Sanitizers catch the rest.
 */
#define _GNU_SOURCE /* memmem */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ingest.h"
#include "log.h"
#include "org.h"
#include "server.h"
#include "terminal.h"
#include "util.h"
#include "wave.h"
#include "wire.h"

#define FUZZ_TERMINAL "fuzz-t1"
#define FUZZ_REVOKED "fuzz-gone"
#define FUZZ_UNBOUND "fuzz-new"
#define FUZZ_WAVE "w20200101-fuzz"
#define FUZZ_CAMPAIGN "fuzz-campaign"
/* base64 of 32 zero bytes: replaced by a live challenge in pass 2 */
#define FUZZ_CHALLENGE_SLOT "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="
/* 32 zeros: replaced by a batch id new to the server in pass 2 */
#define FUZZ_BATCH_SLOT "00000000000000000000000000000000"

/* Counters, for the regression test and the seed generator. */
struct fuzz_wire_stats {
	long inputs, replies[WIRE_ERROR + 1];
	long applied, duplicate, refused;
};

int fuzz_wire_setup(void);
int fuzz_wire_one(const uint8_t *data, size_t size);
int fuzz_wire_request(enum wire_type type, const char *body, uint8_t **out,
    size_t *outlen);
int fuzz_wire_handle(const uint8_t *req, size_t len, uint8_t **reply,
    size_t *rlen);
int fuzz_wire_resign(const uint8_t *data, size_t size, uint8_t **out,
    size_t *outlen);

static struct {
	int ready;
	char dir[512];
	struct server *s;
	struct ingest *g;
	uint8_t term_pk[PCRYPTO_SIGN_PK], term_sk[PCRYPTO_SIGN_SK];
	uint8_t term_kid[PCRYPTO_KID_BYTES];
	char state[65]; /* hash of fuzz-t1's state, from a CHALLENGE */
	struct fuzz_wire_stats st;
} fz;

static const char fuzz_org[] =
    "id,parent,name,kind,headcount\n"
    "nl,,Politie Nederland,korps,\n"
    "oost,nl,Eenheid Oost-Nederland,eenheid,\n"
    "twente,oost,District Twente,district,\n"
    "bt-hengelo,twente,Basisteam Hengelo,team,40\n"
    "bt-enschede,twente,Basisteam Enschede,team,55\n"
    "bt-almelo,twente,Basisteam Almelo,team,30\n";

/* libsodium is not built with the sanitizers, so a read past the end of
 * a buffer inside it goes unseen. This program's own sodium_memcmp stands
 * in for libsodium's (the same result: 0 when equal, else -1) and is
 * compiled with them: a compare of fewer bytes than its length says is
 * caught. */
int
sodium_memcmp(const void *const b1_, const void *const b2_, size_t len)
{
	const volatile unsigned char *a = b1_, *b = b2_;
	unsigned char d = 0;

	for (size_t i = 0; i < len; i++)
		d |= (unsigned char)(a[i] ^ b[i]);
	return d == 0 ? 0 : -1;
}

static void __attribute__((noreturn))
fuzz_die(const char *what, const char *detail)
{
	fprintf(stderr, "fuzz_wire: %s%s%s\n", what, detail ? ": " : "",
	    detail ? detail : "");
	abort();
}

/* A finding: the reply broke the protocol. */
static void __attribute__((noreturn))
fuzz_violation(const char *what)
{
	fprintf(stderr, "fuzz_wire: PROTOCOL VIOLATION: %s\n", what);
	abort();
}

static void
fuzz_seed(const char *label, uint8_t out[32])
{
	pcrypto_hash((const uint8_t *)label, strlen(label), out);
}

static int
fuzz_rm_tree(const char *path)
{
	DIR *d;
	struct dirent *e;
	struct stat sb;
	char p[1024];

	if (lstat(path, &sb) != 0)
		return -1;
	if (S_ISDIR(sb.st_mode) && (d = opendir(path)) != NULL) {
		while ((e = readdir(d)) != NULL) {
			if (strcmp(e->d_name, ".") == 0 ||
			    strcmp(e->d_name, "..") == 0)
				continue;
			if (util_path(p, sizeof p, "%s/%s", path,
			    e->d_name) == 0)
				fuzz_rm_tree(p);
		}
		closedir(d);
		return rmdir(path);
	}
	return unlink(path);
}

static void
fuzz_wire_teardown(void)
{
	if (!fz.ready)
		return;
	ingest_free(fz.g);
	server_close(fz.s);
	fuzz_rm_tree(fz.dir);
	sodium_memzero(&fz, sizeof fz);
}

/* Replace the random keys server_create made by fixed ones. */
static void
fuzz_fixed_server_keys(const char *dir)
{
	uint8_t seed[32], spk[PCRYPTO_SIGN_PK], ssk[PCRYPTO_SIGN_SK];
	uint8_t bpk[PCRYPTO_BOX_PK], bsk[PCRYPTO_BOX_SK];
	char p[1024], err[ERRLEN];
	static const char *const names[] = {"sign.sk", "sign.pk", "box.sk",
	    "box.pk"};
	const uint8_t *keys[] = {ssk, spk, bsk, bpk};
	const size_t lens[] = {sizeof ssk, sizeof spk, sizeof bsk, sizeof bpk};

	fuzz_seed("pols fuzz: server signing key", seed);
	crypto_sign_seed_keypair(spk, ssk, seed);
	fuzz_seed("pols fuzz: server box key", seed);
	crypto_box_seed_keypair(bpk, bsk, seed);
	for (size_t i = 0; i < 4; i++) {
		if (util_path(p, sizeof p, "%s/keys/%s", dir, names[i]) != 0 ||
		    (unlink(p) != 0 ||
		    pcrypto_key_write(p, keys[i], lens[i], i % 2 == 0, err,
		    sizeof err) != 0))
			fuzz_die("cannot write fixed key", p);
	}
	sodium_memzero(ssk, sizeof ssk);
	sodium_memzero(bsk, sizeof bsk);
}

/* The Sentimeter as a campaign form: the real campaign form is ten times
 * larger, and every HELLO carries every published form in the state the
 * server hashes, which would slow each run. */
static void
fuzz_campaign_form(const char *src)
{
	char p[1024], err[ERRLEN], *text = NULL, *out;
	size_t len;
	cJSON *f;

	if (util_path(p, sizeof p, "%s/forms/sentimeter.json", src) != 0 ||
	    util_read_file(p, 1 << 20, &text, &len, err, sizeof err) != 0 ||
	    (f = cJSON_Parse(text)) == NULL)
		fuzz_die("cannot read", p);
	free(text);
	cJSON_ReplaceItemInObjectCaseSensitive(f, "id",
	    cJSON_CreateString(FUZZ_CAMPAIGN));
	cJSON_ReplaceItemInObjectCaseSensitive(f, "period",
	    cJSON_CreateString("campaign"));
	if ((out = cJSON_Print(f)) == NULL ||
	    util_path(p, sizeof p, "%s/" FUZZ_CAMPAIGN ".json", fz.dir) != 0 ||
	    util_write_file(p, out, strlen(out), 0600, 1, err,
	    sizeof err) != 0 ||
	    server_form_publish(fz.s, p, err, sizeof err) != 0)
		fuzz_die("campaign form", err);
	free(out);
	cJSON_Delete(f);
}

int
fuzz_wire_setup(void)
{
	const char *tmp = getenv("TMPDIR"), *src = getenv("POLS_SRCDIR");
	static const char *const forms[] = {"team-thermometer", "sentimeter"};
	char srv[600], p[1024], err[ERRLEN], wid[WAVE_ID_MAX + 1];
	struct org_unit *units = NULL;
	size_t nunits = 0;
	uint8_t seed[32];

	if (fz.ready)
		return 0;
	if (pcrypto_init() != 0)
		fuzz_die("libsodium does not start", NULL);
	log_init("fuzz_wire", LOG_ERR); /* refusals are the normal case */
	if (util_path(fz.dir, sizeof fz.dir, "%s/pols-fuzz.XXXXXX",
	    tmp && *tmp ? tmp : "/tmp") != 0 || mkdtemp(fz.dir) == NULL)
		fuzz_die("cannot make a temporary folder", fz.dir);
	if (util_path(srv, sizeof srv, "%s/srv", fz.dir) != 0 ||
	    server_create(srv, err, sizeof err) != 0)
		fuzz_die("server_create", err);
	fuzz_fixed_server_keys(srv);
	if (server_open(&fz.s, srv, NULL, err, sizeof err) != 0)
		fuzz_die("server_open", err);
	/* Durability is not under test here; speed is. */
	sqlite3_exec(fz.s->db, "PRAGMA synchronous=OFF", NULL, NULL, NULL);
	if (util_path(p, sizeof p, "%s/org.csv", fz.dir) != 0 ||
	    util_write_file(p, fuzz_org, sizeof fuzz_org - 1, 0600, 1, err,
	    sizeof err) != 0 ||
	    org_parse_csv(p, &units, &nunits, err, sizeof err) != 0 ||
	    org_apply(fz.s, units, nunits, p, err, sizeof err) != 0)
		fuzz_die("org", err);
	free(units);
	for (size_t i = 0; i < sizeof forms / sizeof forms[0]; i++) {
		if (util_path(p, sizeof p, "%s/forms/%s.json",
		    src && *src ? src : ".", forms[i]) != 0 ||
		    server_form_publish(fz.s, p, err, sizeof err) != 0)
			fuzz_die("form publish (run from the repository root "
			    "or set POLS_SRCDIR)", err);
	}
	fuzz_campaign_form(src && *src ? src : ".");
	/* A campaign of the campaign form, under a fixed id (the real one
	 * ends in random hex) so seeds can name it. */
	if (wave_open(fz.s, FUZZ_CAMPAIGN, "twente", "2020-01-01",
	    "2099-12-31", NULL, wid, err, sizeof err) != 0 ||
	    util_path(p, sizeof p, "UPDATE waves SET id = '%s' WHERE id = "
	    "'%s'", FUZZ_WAVE, wid) != 0 ||
	    sqlite3_exec(fz.s->db, p, NULL, NULL, NULL) != SQLITE_OK)
		fuzz_die("wave_open", err);
	fuzz_seed("pols fuzz: terminal signing key", seed);
	crypto_sign_seed_keypair(fz.term_pk, fz.term_sk, seed);
	pcrypto_kid(fz.term_pk, sizeof fz.term_pk, fz.term_kid);
	if (util_path(p, sizeof p, "%s/t1.bundle", fz.dir) != 0 ||
	    terminal_add(fz.s, FUZZ_TERMINAL, "bt-hengelo,bt-enschede",
	    SERVER_DEFAULT_URL, p, err, sizeof err) != 0 ||
	    terminal_bind(fz.s, FUZZ_TERMINAL, fz.term_pk) != 0)
		fuzz_die("terminal " FUZZ_TERMINAL, err);
	if (util_path(p, sizeof p, "%s/gone.bundle", fz.dir) != 0 ||
	    terminal_add(fz.s, FUZZ_REVOKED, "bt-almelo", SERVER_DEFAULT_URL,
	    p, err, sizeof err) != 0 ||
	    terminal_bind(fz.s, FUZZ_REVOKED, fz.term_pk) != 0 ||
	    terminal_revoke(fz.s, FUZZ_REVOKED, err, sizeof err) != 0)
		fuzz_die("terminal " FUZZ_REVOKED, err);
	if (util_path(p, sizeof p, "%s/new.bundle", fz.dir) != 0 ||
	    terminal_add(fz.s, FUZZ_UNBOUND, "bt-almelo", SERVER_DEFAULT_URL,
	    p, err, sizeof err) != 0)
		fuzz_die("terminal " FUZZ_UNBOUND, err);
	if ((fz.g = ingest_new(fz.s)) == NULL)
		fuzz_die("ingest_new", "out of memory");
	fz.ready = 1;
	atexit(fuzz_wire_teardown);
	return 0;
}

/* Sign body as a request of type with the terminal key. */
int
fuzz_wire_request(enum wire_type type, const char *body, uint8_t **out,
    size_t *outlen)
{
	fuzz_wire_setup();
	return wire_encode(type, fz.term_kid, body, strlen(body), fz.term_sk,
	    out, outlen);
}

static int
fuzz_known_code(const char *code)
{
	static const char *const codes[] = {WIRE_E_MALFORMED, WIRE_E_VERSION,
	    WIRE_E_SIGNATURE, WIRE_E_UNKNOWN, WIRE_E_REVOKED,
	    WIRE_E_CHALLENGE, WIRE_E_ENROLL, WIRE_E_INTERNAL};

	for (size_t i = 0; i < sizeof codes / sizeof codes[0]; i++)
		if (strcmp(code, codes[i]) == 0)
			return 1;
	return 0;
}

static int
fuzz_hex64(const char *s)
{
	return s != NULL && strlen(s) == 64 &&
	    strspn(s, "0123456789abcdef") == 64;
}

/* Check one reply against docs/protocol.md; abort on a violation. */
static void
fuzz_check_reply(const uint8_t *req, size_t len, const uint8_t *rep,
    size_t rlen)
{
	struct wire_msg m, q;
	char err[ERRLEN], hex[2 * PCRYPTO_HASH_BYTES + 1];
	uint8_t h[PCRYPTO_HASH_BYTES];
	cJSON *b, *qb = NULL;
	const char *s, *qn = NULL;
	const cJSON *t, *res, *r, *batches = NULL;

	if (wire_decode(rep, rlen, &m, err, sizeof err) != 0)
		fuzz_violation("reply does not decode");
	if (m.type != WIRE_CHALLENGE && m.type != WIRE_ACK &&
	    m.type != WIRE_ERROR)
		fuzz_violation("reply is not a CHALLENGE, ACK or ERROR");
	if (memcmp(m.kid, fz.s->kid, sizeof m.kid) != 0 ||
	    wire_verify(&m, fz.s->sign_pk) != 0)
		fuzz_violation("reply is not signed by the server key");
	if ((b = wire_body(&m)) == NULL)
		fuzz_violation("reply body is not a JSON object");
	fz.st.replies[m.type]++;
	pcrypto_hash(req, len, h);
	util_hex(hex, h, sizeof h);
	if ((s = wire_str(b, "request", 64)) == NULL || strcmp(s, hex) != 0)
		fuzz_violation("reply does not name the request's hash");
	t = cJSON_GetObjectItemCaseSensitive(b, "time");
	if (!cJSON_IsNumber(t))
		fuzz_violation("reply without time");
	/* The request as the server read it, when it could. */
	if (wire_decode(req, len, &q, err, sizeof err) == 0 &&
	    (qb = wire_body(&q)) != NULL) {
		qn = wire_str(qb, "nonce", 64);
		batches = cJSON_GetObjectItemCaseSensitive(qb, "batches");
	}
	if (m.type == WIRE_ERROR) {
		if ((s = wire_str(b, "code", 64)) == NULL ||
		    !fuzz_known_code(s))
			fuzz_violation("ERROR without a known code");
		if (wire_str(b, "message", 4096) == NULL)
			fuzz_violation("ERROR without a message");
		if ((s = wire_str(b, "nonce", 4096)) != NULL &&
		    (qn == NULL || strcmp(s, qn) != 0))
			fuzz_violation("ERROR carries another nonce");
		goto out;
	}
	if ((s = wire_str(b, "terminal", WIRE_NAME_MAX)) == NULL ||
	    qb == NULL || wire_str(qb, "terminal", WIRE_NAME_MAX) == NULL ||
	    strcmp(s, wire_str(qb, "terminal", WIRE_NAME_MAX)) != 0)
		fuzz_violation("reply does not name the request's terminal");
	if ((s = wire_str(b, "nonce", 64)) == NULL || qn == NULL ||
	    strcmp(s, qn) != 0)
		fuzz_violation("reply does not repeat the request's nonce");
	if (m.type == WIRE_CHALLENGE) {
		uint8_t ch[WIRE_NONCE_BYTES];
		if (q.type != WIRE_HELLO ||
		    wire_bytes(b, "challenge", ch, sizeof ch) != 0)
			fuzz_violation("CHALLENGE without a 32-byte challenge");
		goto out;
	}
	if (q.type != WIRE_SYNC)
		fuzz_violation("ACK for a request that is not a SYNC");
	res = cJSON_GetObjectItemCaseSensitive(b, "results");
	if (!cJSON_IsArray(res) || !cJSON_IsArray(batches) ||
	    cJSON_GetArraySize(res) > cJSON_GetArraySize(batches))
		fuzz_violation("ACK results do not match the batches sent");
	cJSON_ArrayForEach(r, res) {
		const char *st = wire_str(r, "status", 16);
		if (wire_str(r, "id", 2 * WIRE_BATCH_ID_BYTES) == NULL ||
		    !fuzz_hex64(wire_str(r, "hash", 64)) || st == NULL)
			fuzz_violation("ACK result without id, hash or status");
		if (strcmp(st, "applied") == 0) {
			fz.st.applied++;
		} else if (strcmp(st, "duplicate") == 0) {
			fz.st.duplicate++;
		} else if (strcmp(st, "refused") == 0) {
			fz.st.refused++;
			if (wire_str(r, "reason", 255) == NULL)
				fuzz_violation("refused without a reason of at "
				    "most 255 bytes");
		} else {
			fuzz_violation("ACK result with an unknown status");
		}
	}
out:
	cJSON_Delete(qb);
	cJSON_Delete(b);
}

/* ingest_handle, then the protocol checks. */
int
fuzz_wire_handle(const uint8_t *req, size_t len, uint8_t **reply,
    size_t *rlen)
{
	*reply = NULL;
	*rlen = 0;
	if (ingest_handle(fz.g, req, len, reply, rlen) != 0 || *reply == NULL)
		fuzz_violation("ingest_handle made no reply");
	fuzz_check_reply(req, len, *reply, *rlen);
	return 0;
}

/* A live challenge for name (a HELLO signed with the terminal key), as
 * base64 in out (45 bytes); -1 when the server gives none. */
static int
fuzz_live_challenge(const char *name, char out[45])
{
	cJSON *h = cJSON_CreateObject(), *b;
	char *text = NULL;
	uint8_t *msg = NULL, *rep = NULL;
	size_t len, rlen;
	struct wire_msg m;
	char err[ERRLEN];
	const char *ch;
	int rv = -1;

	/* With the state hash the server last sent, it sends no state: a
	 * small CHALLENGE, quicker to sign and check. */
	if (h == NULL || cJSON_AddStringToObject(h, "terminal", name) == NULL ||
	    cJSON_AddStringToObject(h, "nonce", "ZnV6eg==") == NULL ||
	    (fz.state[0] && cJSON_AddStringToObject(h, "state",
	    fz.state) == NULL) ||
	    (text = cJSON_PrintUnformatted(h)) == NULL ||
	    fuzz_wire_request(WIRE_HELLO, text, &msg, &len) != 0)
		fuzz_die("out of memory", NULL);
	fuzz_wire_handle(msg, len, &rep, &rlen);
	if (wire_decode(rep, rlen, &m, err, sizeof err) == 0 &&
	    m.type == WIRE_CHALLENGE && (b = wire_body(&m)) != NULL) {
		const char *sh = wire_str(b, "state_hash", 64);
		if (sh != NULL && fuzz_hex64(sh))
			memcpy(fz.state, sh, sizeof fz.state);
		if ((ch = wire_str(b, "challenge", 44)) != NULL &&
		    strlen(ch) == 44) {
			memcpy(out, ch, 45);
			rv = 0;
		}
		cJSON_Delete(b);
	}
	free(rep);
	free(msg);
	free(text);
	cJSON_Delete(h);
	return rv;
}

/* Seal every batch element's "plain" member (a string as it is, anything
 * else as its JSON text) to the server's box key as its "sealed". */
static char *
fuzz_seal_plain(const char *body, size_t len)
{
	cJSON *b = cJSON_ParseWithLength(body, len), *it;
	char *text;

	if (b == NULL)
		return NULL;
	cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(b, "batches")) {
		cJSON *plain = cJSON_GetObjectItemCaseSensitive(it, "plain");
		char *pt, *b64;
		uint8_t *sealed;
		size_t plen;

		if (plain == NULL || !cJSON_IsObject(it))
			continue;
		pt = cJSON_IsString(plain) ? strdup(plain->valuestring) :
		    cJSON_PrintUnformatted(plain);
		if (pt == NULL)
			fuzz_die("out of memory", NULL);
		plen = strlen(pt);
		if ((sealed = malloc(plen + PCRYPTO_SEAL_OVERHEAD)) == NULL)
			fuzz_die("out of memory", NULL);
		pcrypto_seal(sealed, (const uint8_t *)pt, plen, fz.s->box_pk);
		if ((b64 = util_b64(sealed, plen + PCRYPTO_SEAL_OVERHEAD)) ==
		    NULL)
			fuzz_die("out of memory", NULL);
		cJSON_DeleteItemFromObjectCaseSensitive(it, "plain");
		cJSON_DeleteItemFromObjectCaseSensitive(it, "sealed");
		cJSON_AddStringToObject(it, "sealed", b64);
		free(b64);
		free(sealed);
		free(pt);
	}
	text = cJSON_PrintUnformatted(b);
	cJSON_Delete(b);
	return text;
}

static void
fuzz_replace_all(uint8_t *buf, size_t len, const char *slot, const char *by)
{
	size_t n = strlen(slot);
	uint8_t *p;

	while ((p = memmem(buf, len, slot, n)) != NULL)
		memcpy(p, by, n);
}

/* Pass 2: the input's body as a request of the terminal key. Before it is
 * signed: the challenge slot gets a live challenge, the batch id slot a
 * batch id not used before in this process (the same one everywhere in
 * this input), and batch elements with "plain" are sealed. 0 and *out
 * (free), or -1 when the input is not framed as a request. */
int
fuzz_wire_resign(const uint8_t *data, size_t size, uint8_t **out,
    size_t *outlen)
{
	static unsigned long batches;
	struct wire_msg m;
	char err[ERRLEN], ch[45], id[2 * WIRE_BATCH_ID_BYTES + 1];
	uint8_t *c, raw[PCRYPTO_HASH_BYTES];
	char *text = NULL;
	size_t blen;
	int rv;

	if (wire_decode(data, size, &m, err, sizeof err) != 0 ||
	    (m.type != WIRE_HELLO && m.type != WIRE_SYNC))
		return -1;
	blen = m.body_len;
	if ((c = malloc(blen + 1)) == NULL)
		fuzz_die("out of memory", NULL);
	memcpy(c, m.body, blen);
	c[blen] = 0;
	if (memmem(c, blen, FUZZ_CHALLENGE_SLOT,
	    sizeof FUZZ_CHALLENGE_SLOT - 1) != NULL) {
		cJSON *b = wire_body(&m);
		const char *name = b ? wire_str(b, "terminal", WIRE_NAME_MAX) :
		    NULL;
		if (fuzz_live_challenge(name ? name : FUZZ_TERMINAL, ch) == 0)
			fuzz_replace_all(c, blen, FUZZ_CHALLENGE_SLOT, ch);
		cJSON_Delete(b);
	}
	if (memmem(c, blen, FUZZ_BATCH_SLOT, sizeof FUZZ_BATCH_SLOT - 1) !=
	    NULL) {
		char label[64];
		snprintf(label, sizeof label, "pols fuzz: batch %lu",
		    batches++);
		fuzz_seed(label, raw);
		util_hex(id, raw, WIRE_BATCH_ID_BYTES);
		fuzz_replace_all(c, blen, FUZZ_BATCH_SLOT, id);
	}
	if (memmem(c, blen, "\"plain\"", 7) != NULL)
		text = fuzz_seal_plain((const char *)c, blen);
	rv = text ? wire_encode(m.type, fz.term_kid, text, strlen(text),
	    fz.term_sk, out, outlen) : wire_encode(m.type, fz.term_kid,
	    (const char *)c, blen, fz.term_sk, out, outlen);
	free(text);
	free(c);
	return rv == 0 ? 0 : -1;
}

int
fuzz_wire_one(const uint8_t *data, size_t size)
{
	uint8_t *reply, *again;
	size_t rlen, alen;

	fuzz_wire_setup();
	fz.st.inputs++;
	/* 1. As received. */
	fuzz_wire_handle(data, size, &reply, &rlen);
	free(reply);
	/* 2. Past the signature check. */
	if (fuzz_wire_resign(data, size, &again, &alen) == 0) {
		fuzz_wire_handle(again, alen, &reply, &rlen);
		free(reply);
		free(again);
	}
	return 0;
}
