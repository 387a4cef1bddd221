/*
 * test_crypto.c - key files (never written through a link), labels, AEAD
 * binding, sealed boxes, and the signed-form wrapper.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "crypto.h"
#include "formsig.h"
#include "util.h"

static char dir[] = "/tmp/pols-test-crypto.XXXXXX";

static int
setup(void **state)
{
	(void)state;
	assert_int_equal(pcrypto_init(), 0);
	assert_non_null(mkdtemp(dir));
	return 0;
}

static int
teardown(void **state)
{
	char cmd[256];
	(void)state;
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static void
test_key_files(void **state)
{
	char p[512], l[512], err[ERRLEN];
	uint8_t key[32], pub[32], *back;
	struct stat st;

	(void)state;
	randombytes_buf(key, sizeof key);
	snprintf(p, sizeof p, "%s/secret.key", dir);
	assert_int_equal(pcrypto_key_write(p, key, sizeof key, 1, err,
	    sizeof err), 0);
	assert_int_equal(stat(p, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	back = pcrypto_key_read_secret(p, sizeof key, err, sizeof err);
	assert_non_null(back);
	assert_memory_equal(back, key, sizeof key);
	pcrypto_free_secret(back);
	/* Never overwritten. */
	assert_int_equal(pcrypto_key_write(p, key, sizeof key, 1, err,
	    sizeof err), -1);
	assert_non_null(strstr(err, "already exists"));
	/* Wrong size. */
	assert_null(pcrypto_key_read_secret(p, 64, err, sizeof err));
	assert_non_null(strstr(err, "is not a 64-byte key"));
	/* Readable by others: refused. */
	chmod(p, 0640);
	assert_null(pcrypto_key_read_secret(p, sizeof key, err, sizeof err));
	assert_non_null(strstr(err, "readable by others"));
	/* Public keys may be 0644. */
	assert_int_equal(pcrypto_key_read_public(p, pub, sizeof pub, err,
	    sizeof err), 0);
	chmod(p, 0600);
	/* A symlink in place of a key is refused. */
	snprintf(l, sizeof l, "%s/link.key", dir);
	assert_int_equal(symlink(p, l), 0);
	assert_null(pcrypto_key_read_secret(l, sizeof key, err, sizeof err));
	assert_non_null(strstr(err, "cannot open"));
}

/* Whether path holds exactly text. */
static int
holds(const char *path, const char *text)
{
	char *b, err[ERRLEN];
	size_t n;
	int same;

	if (util_read_file(path, 4096, &b, &n, err, sizeof err) != 0)
		return 0;
	same = n == strlen(text) && memcmp(b, text, n) == 0;
	free(b);
	return same;
}

/* A link planted where a key file will be written is refused, not
 * followed, and what it points at is left as it was; so is a link at the
 * temporary name the write goes through. A public key written without
 * excl (keys rotate's sign.pk, box.pk) replaces a link, never follows it. */
static void
test_key_links(void **state)
{
	char victim[512], nowhere[512], l[512], tmp[600], err[ERRLEN];
	uint8_t key[32];
	struct stat st;
	FILE *f;

	(void)state;
	randombytes_buf(key, sizeof key);
	snprintf(victim, sizeof victim, "%s/victim", dir);
	snprintf(nowhere, sizeof nowhere, "%s/nowhere", dir);
	assert_non_null(f = fopen(victim, "w"));
	fputs("not a key", f);
	fclose(f);

	snprintf(l, sizeof l, "%s/planted.key", dir);
	assert_int_equal(symlink(victim, l), 0);
	assert_int_equal(pcrypto_key_write(l, key, sizeof key, 1, err,
	    sizeof err), -1);
	assert_non_null(strstr(err, "already exists"));
	assert_true(holds(victim, "not a key"));

	snprintf(l, sizeof l, "%s/dangling.key", dir);
	assert_int_equal(symlink(nowhere, l), 0);
	assert_int_equal(pcrypto_key_write(l, key, sizeof key, 1, err,
	    sizeof err), -1);
	assert_int_not_equal(lstat(nowhere, &st), 0);

	snprintf(l, sizeof l, "%s/fresh.key", dir);
	snprintf(tmp, sizeof tmp, "%s.tmp%ld", l, (long)getpid());
	assert_int_equal(symlink(victim, tmp), 0);
	assert_int_equal(pcrypto_key_write(l, key, sizeof key, 1, err,
	    sizeof err), -1);
	assert_non_null(strstr(err, "cannot create"));
	assert_true(holds(victim, "not a key"));
	assert_int_not_equal(lstat(l, &st), 0);
	unlink(tmp);
	assert_int_equal(symlink(nowhere, tmp), 0);
	assert_int_equal(pcrypto_key_write(l, key, sizeof key, 1, err,
	    sizeof err), -1);
	assert_int_not_equal(lstat(nowhere, &st), 0);
	unlink(tmp);

	snprintf(l, sizeof l, "%s/sign.pk", dir);
	assert_int_equal(symlink(victim, l), 0);
	assert_int_equal(util_write_file(l, key, sizeof key, 0644, 0, err,
	    sizeof err), 0);
	assert_int_equal(lstat(l, &st), 0);
	assert_true(S_ISREG(st.st_mode));
	assert_int_equal(st.st_mode & 0777, 0644);
	assert_true(holds(victim, "not a key"));
}

static void
test_sign_labels(void **state)
{
	uint8_t pk[PCRYPTO_SIGN_PK], sk[PCRYPTO_SIGN_SK], sig[PCRYPTO_SIG_BYTES];
	const uint8_t m[] = "form text";

	(void)state;
	crypto_sign_keypair(pk, sk);
	pcrypto_sign(sig, PCRYPTO_LABEL_FORM, m, sizeof m, NULL, 0, sk);
	assert_int_equal(pcrypto_verify(sig, PCRYPTO_LABEL_FORM, m, sizeof m,
	    NULL, 0, pk), 0);
	/* The same bytes under another purpose do not verify. */
	assert_int_equal(pcrypto_verify(sig, PCRYPTO_LABEL_REPLY, m, sizeof m,
	    NULL, 0, pk), -1);
	assert_int_equal(pcrypto_verify(sig, PCRYPTO_LABEL_FORM, m,
	    sizeof m - 1, NULL, 0, pk), -1);
	/* Split input signs the same as joined input. */
	assert_int_equal(pcrypto_verify(sig, PCRYPTO_LABEL_FORM, m, 4, m + 4,
	    sizeof m - 4, pk), 0);
}

static void
test_aead_binding(void **state)
{
	uint8_t key[PCRYPTO_AEAD_KEY], other[PCRYPTO_AEAD_KEY];
	const uint8_t m[] = "{\"n\":3}";
	uint8_t c[sizeof m + PCRYPTO_AEAD_OVERHEAD], c2[sizeof c];
	uint8_t out[sizeof m];

	(void)state;
	randombytes_buf(key, sizeof key);
	randombytes_buf(other, sizeof other);
	pcrypto_aead_seal(c, m, sizeof m, (const uint8_t *)"row-a", 5, key);
	pcrypto_aead_seal(c2, m, sizeof m, (const uint8_t *)"row-a", 5, key);
	assert_memory_not_equal(c, c2, sizeof c); /* fresh nonce each time */
	assert_int_equal(pcrypto_aead_open(out, c, sizeof c,
	    (const uint8_t *)"row-a", 5, key), 0);
	assert_memory_equal(out, m, sizeof m);
	/* Moved to another row: refused. */
	assert_int_equal(pcrypto_aead_open(out, c, sizeof c,
	    (const uint8_t *)"row-b", 5, key), -1);
	assert_int_equal(pcrypto_aead_open(out, c, sizeof c,
	    (const uint8_t *)"row-a", 5, other), -1);
	c[sizeof c - 1] ^= 1;
	assert_int_equal(pcrypto_aead_open(out, c, sizeof c,
	    (const uint8_t *)"row-a", 5, key), -1);
	assert_int_equal(pcrypto_aead_open(out, c, 10,
	    (const uint8_t *)"row-a", 5, key), -1);
}

static void
test_seal(void **state)
{
	uint8_t pk[PCRYPTO_BOX_PK], sk[PCRYPTO_BOX_SK], pk2[PCRYPTO_BOX_PK];
	uint8_t sk2[PCRYPTO_BOX_SK];
	const uint8_t m[] = "batch";
	uint8_t c[sizeof m + PCRYPTO_SEAL_OVERHEAD], out[sizeof m];

	(void)state;
	crypto_box_keypair(pk, sk);
	crypto_box_keypair(pk2, sk2);
	pcrypto_seal(c, m, sizeof m, pk);
	assert_int_equal(pcrypto_seal_open(out, c, sizeof c, pk, sk), 0);
	assert_memory_equal(out, m, sizeof m);
	assert_int_equal(pcrypto_seal_open(out, c, sizeof c, pk2, sk2), -1);
	assert_int_equal(pcrypto_seal_open(out, c, 8, pk, sk), -1);
}

static const char form_text[] =
    "{\"id\":\"t\",\"version\":1,\"title\":{\"nl\":\"T\",\"en\":\"T\"},"
    "\"period\":\"week\",\"items\":[{\"id\":\"a\",\"type\":\"yesno\","
    "\"text\":{\"nl\":\"a\",\"en\":\"a\"}}]}";

static void
test_formsig(void **state)
{
	uint8_t pk[PCRYPTO_SIGN_PK], sk[PCRYPTO_SIGN_SK], kid[PCRYPTO_KID_BYTES];
	uint8_t pk2[PCRYPTO_SIGN_PK], sk2[PCRYPTO_SIGN_SK];
	uint8_t sig[PCRYPTO_SIG_BYTES];
	struct form *f;
	char err[ERRLEN], *w, *p;

	(void)state;
	crypto_sign_keypair(pk, sk);
	crypto_sign_keypair(pk2, sk2);
	pcrypto_kid(pk, sizeof pk, kid);
	pcrypto_sign(sig, PCRYPTO_LABEL_FORM, (const uint8_t *)form_text,
	    strlen(form_text), NULL, 0, sk);
	w = formsig_wrap(form_text, strlen(form_text), sig, kid);
	assert_non_null(w);
	assert_int_equal(formsig_open(w, strlen(w), pk, &f, err, sizeof err),
	    0);
	assert_string_equal(f->id, "t");
	form_free(f);
	/* Another server's key: refused by key id. */
	assert_int_equal(formsig_open(w, strlen(w), pk2, &f, err, sizeof err),
	    -1);
	assert_non_null(strstr(err, "unknown key"));
	/* One changed character of the form: refused. */
	p = strstr(w, "week");
	memcpy(p, "dag!", 4); /* no longer the signed text */
	assert_int_equal(formsig_open(w, strlen(w), pk, &f, err, sizeof err),
	    -1);
	free(w);
	/* A reply-labelled signature over the same text: refused. */
	pcrypto_sign(sig, PCRYPTO_LABEL_REPLY, (const uint8_t *)form_text,
	    strlen(form_text), NULL, 0, sk);
	w = formsig_wrap(form_text, strlen(form_text), sig, kid);
	assert_int_equal(formsig_open(w, strlen(w), pk, &f, err, sizeof err),
	    -1);
	assert_non_null(strstr(err, "does not verify"));
	free(w);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_key_files),
		cmocka_unit_test(test_key_links),
		cmocka_unit_test(test_sign_labels),
		cmocka_unit_test(test_aead_binding),
		cmocka_unit_test(test_seal),
		cmocka_unit_test(test_formsig),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
