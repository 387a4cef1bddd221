/*
 * test_wire.c - the envelope: framing, signatures, domain separation,
 * versions, and every malformed shape refused with the right code.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "crypto.h"
#include "util.h"
#include "wire.h"

static uint8_t pk[PCRYPTO_SIGN_PK], sk[PCRYPTO_SIGN_SK];
static uint8_t kid[PCRYPTO_KID_BYTES];
static const char body[] = "{\"terminal\":\"t1\",\"nonce\":\"abc\"}";

static int
setup(void **state)
{
	(void)state;
	assert_int_equal(pcrypto_init(), 0);
	crypto_sign_keypair(pk, sk);
	pcrypto_kid(pk, sizeof pk, kid);
	return 0;
}

static uint8_t *
make(enum wire_type type, size_t *len)
{
	uint8_t *m;
	assert_int_equal(wire_encode(type, kid, body, strlen(body), sk, &m,
	    len), 0);
	return m;
}

static void
test_roundtrip(void **state)
{
	size_t len;
	uint8_t *m = make(WIRE_SYNC, &len);
	struct wire_msg w;
	char err[ERRLEN];
	cJSON *j;

	(void)state;
	assert_int_equal(len, WIRE_HEADER + strlen(body) + PCRYPTO_SIG_BYTES);
	assert_memory_equal(m, "POLS", 4);
	assert_int_equal(wire_decode(m, len, &w, err, sizeof err), 0);
	assert_int_equal(w.version, WIRE_VERSION);
	assert_int_equal(w.type, WIRE_SYNC);
	assert_memory_equal(w.kid, kid, sizeof kid);
	assert_int_equal(w.body_len, strlen(body));
	assert_int_equal(wire_verify(&w, pk), 0);
	j = wire_body(&w);
	assert_non_null(j);
	assert_string_equal(wire_str(j, "terminal", 64), "t1");
	assert_null(wire_str(j, "terminal", 1)); /* over its size limit */
	cJSON_Delete(j);
	free(m);
}

static void
test_every_bit_matters(void **state)
{
	size_t len;
	uint8_t *m = make(WIRE_HELLO, &len);
	struct wire_msg w;
	char err[ERRLEN];
	size_t refused = 0;

	(void)state;
	/* Flip each bit of kid, body and signature: decode may pass, the
	 * signature check must not. (Header framing bytes are checked by
	 * wire_decode itself.) */
	for (size_t i = 8; i < len; i++) {
		if (i >= 16 && i < WIRE_HEADER)
			continue; /* length: covered by test_lengths */
		for (int b = 0; b < 8; b++) {
			m[i] ^= (uint8_t)(1u << b);
			if (wire_decode(m, len, &w, err, sizeof err) != 0 ||
			    wire_verify(&w, pk) != 0)
				refused++;
			m[i] ^= (uint8_t)(1u << b);
		}
	}
	assert_int_equal(refused, (len - WIRE_HEADER + 8) * 8);
	free(m);
}

static void
test_direction_labels(void **state)
{
	size_t len;
	uint8_t *m = make(WIRE_HELLO, &len);
	struct wire_msg w;
	char err[ERRLEN];

	(void)state;
	/* A request re-labelled as a reply type must not verify: the type
	 * byte is signed, and replies use another domain label. */
	m[5] = WIRE_CHALLENGE;
	assert_int_equal(wire_decode(m, len, &w, err, sizeof err), 0);
	assert_int_not_equal(wire_verify(&w, pk), 0);
	m[5] = WIRE_SYNC;
	assert_int_equal(wire_decode(m, len, &w, err, sizeof err), 0);
	assert_int_not_equal(wire_verify(&w, pk), 0);
	free(m);
}

static void
test_version_and_type(void **state)
{
	size_t len;
	uint8_t *m = make(WIRE_ACK, &len);
	struct wire_msg w;
	char err[ERRLEN];

	(void)state;
	m[4] = 2;
	assert_int_equal(wire_decode(m, len, &w, err, sizeof err), -2);
	assert_int_equal(w.version, 2);
	assert_non_null(strstr(err, "version 2 not supported"));
	m[4] = WIRE_VERSION;
	m[5] = 9;
	assert_int_equal(wire_decode(m, len, &w, err, sizeof err), -1);
	assert_non_null(strstr(err, "unknown message type 9"));
	m[5] = WIRE_ACK;
	m[6] = 1;
	assert_int_equal(wire_decode(m, len, &w, err, sizeof err), -1);
	free(m);
}

static void
test_lengths(void **state)
{
	size_t len;
	uint8_t *m = make(WIRE_ACK, &len);
	struct wire_msg w;
	char err[ERRLEN];

	(void)state;
	assert_int_equal(wire_decode(m, len - 1, &w, err, sizeof err), -1);
	assert_non_null(strstr(err, "does not match"));
	assert_int_equal(wire_decode(m, 10, &w, err, sizeof err), -1);
	assert_non_null(strstr(err, "not a pols message"));
	m[16] = 0xff; /* body length far beyond the limit */
	assert_int_equal(wire_decode(m, len, &w, err, sizeof err), -1);
	m[16] = 0;
	m[0] = 'X';
	assert_int_equal(wire_decode(m, len, &w, err, sizeof err), -1);
	free(m);
	/* Too large to encode at all. */
	char *big = calloc(1, WIRE_MAX_BODY + 1);
	assert_int_equal(wire_encode(WIRE_SYNC, kid, big, WIRE_MAX_BODY + 1,
	    sk, &m, &len), -1);
	assert_null(m);
	free(big);
}

static void
test_body_not_object(void **state)
{
	uint8_t *m;
	size_t len;
	struct wire_msg w;
	char err[ERRLEN];

	(void)state;
	assert_int_equal(wire_encode(WIRE_HELLO, kid, "[1,2]", 5, sk, &m,
	    &len), 0);
	assert_int_equal(wire_decode(m, len, &w, err, sizeof err), 0);
	assert_null(wire_body(&w));
	free(m);
}

static void
test_bytes_helpers(void **state)
{
	uint8_t in[32], out[32];
	cJSON *j = cJSON_CreateObject();

	(void)state;
	randombytes_buf(in, sizeof in);
	assert_int_equal(wire_add_bytes(j, "k", in, sizeof in), 0);
	assert_int_equal(wire_bytes(j, "k", out, sizeof out), 0);
	assert_memory_equal(in, out, sizeof in);
	assert_int_equal(wire_bytes(j, "k", out, 31), -1); /* wrong size */
	assert_int_equal(wire_bytes(j, "missing", out, 32), -1);
	cJSON_AddStringToObject(j, "bad", "!!!not base64!!!");
	assert_int_equal(wire_bytes(j, "bad", out, 12), -1);
	cJSON_Delete(j);
}

static void
test_padding(void **state)
{
	static const size_t sizes[] = {1, 500, 1000, 3000, 70000};
	(void)state;
	for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
		cJSON *b = cJSON_CreateObject();
		char *fill = calloc(1, sizes[i] + 1), *text;
		size_t total;

		memset(fill, 'x', sizes[i]);
		cJSON_AddStringToObject(b, "data", fill);
		text = wire_padded(b);
		assert_non_null(text);
		total = WIRE_HEADER + strlen(text) + PCRYPTO_SIG_BYTES;
		/* lands exactly on a size class, and is still the body */
		assert_true(total == 1024 || total == 4096 || total == 16384 ||
		    total == 65536 || total == 262144);
		assert_true(total >= sizes[i]);
		cJSON *back = cJSON_Parse(text);
		assert_string_equal(wire_str(back, "data", sizes[i]), fill);
		cJSON_Delete(back);
		cJSON_Delete(b);
		free(fill);
		free(text);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_roundtrip),
		cmocka_unit_test(test_every_bit_matters),
		cmocka_unit_test(test_direction_labels),
		cmocka_unit_test(test_version_and_type),
		cmocka_unit_test(test_lengths),
		cmocka_unit_test(test_body_not_object),
		cmocka_unit_test(test_bytes_helpers),
		cmocka_unit_test(test_padding),
	};
	return cmocka_run_group_tests(tests, setup, NULL);
}
