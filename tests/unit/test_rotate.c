/*
 * test_rotate.c - rotation statements (common/rotate.h): a chain walks,
 * and every way of breaking one is refused with the trusted key left as
 * it was.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto.h"
#include "rotate.h"
#include "util.h"
#include "wire.h"

#define NGEN 4

/* Generations 1 .. NGEN: public keys and signing secret keys. */
static struct rotate_key gen[NGEN + 1];
static uint8_t sk[NGEN + 1][PCRYPTO_SIGN_SK];

static int
setup(void **state)
{
	uint8_t bsk[PCRYPTO_BOX_SK];

	(void)state;
	assert_int_equal(pcrypto_init(), 0);
	for (int i = 1; i <= NGEN; i++) {
		gen[i].seq = i;
		crypto_sign_keypair(gen[i].sign_pk, sk[i]);
		crypto_box_keypair(gen[i].box_pk, bsk);
	}
	return 0;
}

/* The statement from generation i to i + 1, parsed. */
static cJSON *
statement(int i)
{
	char *text = rotate_make(&gen[i], sk[i], &gen[i + 1]);
	cJSON *j;

	assert_non_null(text);
	j = cJSON_Parse(text);
	free(text);
	assert_non_null(j);
	return j;
}

/* A chain of the statements from generation from to NGEN. */
static cJSON *
chain(int from)
{
	cJSON *a = cJSON_CreateArray();

	for (int i = from; i < NGEN; i++)
		cJSON_AddItemToArray(a, statement(i));
	return a;
}

/* A wrapped statement of any text, signed with key under label. */
static cJSON *
wrap(const char *text, const char *label, int signer)
{
	uint8_t sig[PCRYPTO_SIG_BYTES], kid[PCRYPTO_KID_BYTES];
	char hex[2 * PCRYPTO_KID_BYTES + 1];
	cJSON *w = cJSON_CreateObject();

	pcrypto_sign(sig, label, (const uint8_t *)text, strlen(text), NULL, 0,
	    sk[signer]);
	pcrypto_kid(gen[signer].sign_pk, PCRYPTO_SIGN_PK, kid);
	util_hex(hex, kid, sizeof kid);
	cJSON_AddStringToObject(w, "kid", hex);
	assert_int_equal(wire_add_bytes(w, "sig", sig, sizeof sig), 0);
	cJSON_AddStringToObject(w, "statement", text);
	return w;
}

/* Statement text from generation i with seq, from and keys as given. */
static char *
text_of(int i, long seq, const uint8_t *spk, const uint8_t *bpk)
{
	uint8_t kid[PCRYPTO_KID_BYTES];
	char hex[2 * PCRYPTO_KID_BYTES + 1], *t;
	cJSON *s = cJSON_CreateObject();

	pcrypto_kid(gen[i].sign_pk, PCRYPTO_SIGN_PK, kid);
	util_hex(hex, kid, sizeof kid);
	cJSON_AddNumberToObject(s, "v", 1);
	cJSON_AddNumberToObject(s, "seq", (double)seq);
	cJSON_AddStringToObject(s, "from", hex);
	wire_add_bytes(s, "sign_pk", spk, PCRYPTO_SIGN_PK);
	wire_add_bytes(s, "box_pk", bpk, PCRYPTO_BOX_PK);
	t = cJSON_PrintUnformatted(s);
	cJSON_Delete(s);
	return t;
}

/* Walking c from generation 1 must fail, saying want, and leave out as
 * it was. */
static void
refused(cJSON *c, int from, const char *want)
{
	struct rotate_key out;
	char err[ERRLEN] = "";

	memset(&out, 0xab, sizeof out);
	assert_int_equal(rotate_walk(c, &gen[from], &out, err, sizeof err),
	    -1);
	if (strstr(err, want) == NULL)
		fail_msg("said '%s', want '%s'", err, want);
	for (size_t i = 0; i < sizeof out; i++)
		assert_int_equal(((uint8_t *)&out)[i], 0xab);
	cJSON_Delete(c);
}

static void
test_walk(void **state)
{
	struct rotate_key out;
	char err[ERRLEN];
	cJSON *c;

	(void)state;
	for (int from = 1; from < NGEN; from++) {
		c = chain(from);
		assert_int_equal(rotate_walk(c, &gen[from], &out, err,
		    sizeof err), 0);
		assert_int_equal(out.seq, NGEN);
		assert_memory_equal(out.sign_pk, gen[NGEN].sign_pk,
		    PCRYPTO_SIGN_PK);
		assert_memory_equal(out.box_pk, gen[NGEN].box_pk,
		    PCRYPTO_BOX_PK);
		cJSON_Delete(c);
	}
}

static void
test_read(void **state)
{
	struct rotate_key next;
	uint8_t from[PCRYPTO_KID_BYTES], want[PCRYPTO_KID_BYTES];
	char err[ERRLEN], *text;

	(void)state;
	text = rotate_make(&gen[2], sk[2], &gen[3]);
	assert_non_null(text);
	assert_int_equal(rotate_read(text, strlen(text), &next, from, err,
	    sizeof err), 0);
	pcrypto_kid(gen[2].sign_pk, PCRYPTO_SIGN_PK, want);
	assert_memory_equal(from, want, sizeof want);
	assert_int_equal(next.seq, 3);
	assert_memory_equal(next.sign_pk, gen[3].sign_pk, PCRYPTO_SIGN_PK);
	free(text);
	/* Only the next generation can be made. */
	assert_null(rotate_make(&gen[1], sk[1], &gen[3]));
	assert_int_equal(rotate_read("[]", 2, &next, from, err, sizeof err),
	    -1);
}

static void
test_tampered(void **state)
{
	cJSON *c, *s;
	char *t;

	(void)state;
	/* One character of the statement's text changed. */
	c = chain(1);
	s = cJSON_GetArrayItem(c, 1);
	t = strdup(cJSON_GetObjectItem(s, "statement")->valuestring);
	t[strstr(t, "box_pk") - t + 9] ^= 1;
	cJSON_ReplaceItemInObject(s, "statement", cJSON_CreateString(t));
	free(t);
	refused(c, 1, "statement 2 of 3: statement signature does not verify");

	/* One character of a signature changed. */
	c = chain(1);
	s = cJSON_GetArrayItem(c, 0);
	t = strdup(cJSON_GetObjectItem(s, "sig")->valuestring);
	t[0] = t[0] == 'A' ? 'B' : 'A';
	cJSON_ReplaceItemInObject(s, "sig", cJSON_CreateString(t));
	free(t);
	refused(c, 1, "statement 1 of 3: statement signature does not verify");

	/* A statement left out: the next one is not signed by the key the
	 * terminal trusts by then. */
	c = chain(1);
	cJSON_DeleteItemFromArray(c, 1);
	refused(c, 1, "statement 2 of 2: statement is signed by key");

	/* In the wrong order. */
	c = chain(1);
	s = cJSON_DetachItemFromArray(c, 0);
	cJSON_AddItemToArray(c, s);
	refused(c, 1, "statement 1 of 3: statement is signed by key");

	/* A chain that starts after the trusted key. */
	refused(chain(2), 1, "statement 1 of 2: statement is signed by key");

	/* Not a list, empty, too long, not an object. */
	refused(cJSON_CreateObject(), 1, "not a list");
	refused(cJSON_CreateArray(), 1, "not a list");
	c = cJSON_CreateArray();
	for (int i = 0; i <= ROTATE_CHAIN_MAX; i++)
		cJSON_AddItemToArray(c, statement(1));
	refused(c, 1, "not a list");
	c = cJSON_CreateArray();
	cJSON_AddItemToArray(c, cJSON_CreateString("x"));
	refused(c, 1, "lacks a valid");
}

static void
test_forged(void **state)
{
	cJSON *c;
	char *t;

	(void)state;
	/* Signed by the new key itself (whoever made it does not hold the
	 * trusted one), with the trusted key's id in front. */
	t = text_of(1, 2, gen[2].sign_pk, gen[2].box_pk);
	c = cJSON_CreateArray();
	cJSON_AddItemToArray(c, wrap(t, PCRYPTO_LABEL_ROTATE, 2));
	{
		uint8_t kid[PCRYPTO_KID_BYTES];
		char hex[2 * PCRYPTO_KID_BYTES + 1];
		pcrypto_kid(gen[1].sign_pk, PCRYPTO_SIGN_PK, kid);
		util_hex(hex, kid, sizeof kid);
		cJSON_ReplaceItemInObject(cJSON_GetArrayItem(c, 0), "kid",
		    cJSON_CreateString(hex));
	}
	refused(c, 1, "signature does not verify");

	/* The trusted key's signature, but under another label: a form
	 * signature cannot make a statement. */
	c = cJSON_CreateArray();
	cJSON_AddItemToArray(c, wrap(t, PCRYPTO_LABEL_FORM, 1));
	refused(c, 1, "signature does not verify");
	free(t);

	/* Properly signed, but skipping a generation, going back, naming
	 * another key as the old one, or changing nothing. */
	t = text_of(1, 3, gen[2].sign_pk, gen[2].box_pk);
	c = cJSON_CreateArray();
	cJSON_AddItemToArray(c, wrap(t, PCRYPTO_LABEL_ROTATE, 1));
	refused(c, 1, "makes generation 3, not 2");
	free(t);
	t = text_of(2, 2, gen[3].sign_pk, gen[3].box_pk);
	c = cJSON_CreateArray();
	cJSON_AddItemToArray(c, wrap(t, PCRYPTO_LABEL_ROTATE, 1));
	refused(c, 1, "as the old one");
	free(t);
	t = text_of(1, 2, gen[1].sign_pk, gen[2].box_pk);
	c = cJSON_CreateArray();
	cJSON_AddItemToArray(c, wrap(t, PCRYPTO_LABEL_ROTATE, 1));
	refused(c, 1, "does not change the keys");
	free(t);
	t = text_of(1, 2, gen[2].sign_pk, gen[1].box_pk);
	c = cJSON_CreateArray();
	cJSON_AddItemToArray(c, wrap(t, PCRYPTO_LABEL_ROTATE, 1));
	refused(c, 1, "does not change the keys");
	free(t);
}

/* The limit, stated in docs/threat-model.md: whoever holds a retired
 * signing key can sign a rotation to keys of their own, and a terminal
 * still trusting that key follows it. */
static void
test_stolen_key(void **state)
{
	struct rotate_key mine = gen[4], out;
	char err[ERRLEN], *text;
	cJSON *c;

	(void)state;
	mine.seq = 2;
	text = rotate_make(&gen[1], sk[1], &mine);
	c = cJSON_CreateArray();
	cJSON_AddItemToArray(c, cJSON_Parse(text));
	free(text);
	assert_int_equal(rotate_walk(c, &gen[1], &out, err, sizeof err), 0);
	assert_memory_equal(out.sign_pk, gen[4].sign_pk, PCRYPTO_SIGN_PK);
	cJSON_Delete(c);
	/* A terminal that followed the real rotation does not: the stolen
	 * key is no longer the one it trusts. */
	c = cJSON_CreateArray();
	text = rotate_make(&gen[1], sk[1], &mine);
	cJSON_AddItemToArray(c, cJSON_Parse(text));
	free(text);
	refused(c, 2, "statement is signed by key");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_walk),
		cmocka_unit_test(test_read),
		cmocka_unit_test(test_tampered),
		cmocka_unit_test(test_forged),
		cmocka_unit_test(test_stolen_key),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
