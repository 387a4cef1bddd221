/*
 * main.c - pols-kiosk, the terminal program.
 *
 *   pols-kiosk --data KDIR [--keys KEYDIR] enroll BUNDLE
 *   pols-kiosk --data KDIR [--keys KEYDIR] answer     < response.json
 *   pols-kiosk --data KDIR [--keys KEYDIR] sync
 *   pols-kiosk --data KDIR [--keys KEYDIR] status [--json]
 *   pols-kiosk --data KDIR [--keys KEYDIR] run
 *   pols-kiosk --data KDIR [--keys KEYDIR] lock [--passphrase-file F]
 *   pols-kiosk pin-hash                     < PIN
 *
 * answer, sync, status and run take --unlock (and --passphrase-file F) on
 * a terminal in unlock mode (client/unlock.h, deploy/kiosk-keys.md): the
 * passphrase is asked on the terminal, or read from F or a non-terminal
 * stdin; the storage key it opens stays in memory only.
 *
 * `answer` reads {"form": ID, "team": ID, "answers": {ITEM: VALUE, ...}}
 * on stdin and folds it into the encrypted accumulator; it is the scripted
 * twin of the interactive kiosk and shares kiosk_submit() with it.
 * Exit codes: see enum in kiosk.h (0 ok, 1 failed, 2 bad input, 3 revoked,
 * 4 batches refused, 5 a server key rotation refused).
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kiosk.h"
#include "log.h"
#include "msg.h"
#include "tui.h"
#include "unlock.h"
#include "util.h"

#define ANSWER_MAX (64 * 1024)

static void
usage(FILE *f)
{
	fprintf(f,
	    "gebruik / usage: pols-kiosk --data KDIR [--keys KEYDIR] COMMAND\n"
	    "  enroll BUNDLE   set up this terminal from an enrollment bundle\n"
	    "  answer          read one response (JSON) on stdin and store it\n"
	    "  sync            send everything to the server\n"
	    "  status [--json] how much waits to be sent (counts only)\n"
	    "  run             the interactive kiosk screen\n"
	    "  lock            switch to unlock mode (passphrase; removes "
	    "storage.key)\n"
	    "  pin-hash        hash an admin PIN (stdin) for admin_pin_hash\n"
	    "  config-example FILE   commented kiosk.conf\n"
	    "  --unlock [--passphrase-file F]   open a terminal in unlock "
	    "mode\n");
}

/* read(2), not stdio: no copy of the answers stays in a stdio buffer. */
static int
read_stdin(char *buf, size_t cap, size_t *len)
{
	size_t n = 0;
	char extra;

	for (;;) {
		ssize_t r = read(0, buf + n, cap - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -1;
		n += (size_t)r;
		if (r == 0 || n == cap)
			break;
	}
	if (n == cap && read(0, &extra, 1) > 0)
		return -1;
	*len = n;
	return 0;
}

static int
cmd_answer(struct kiosk *k)
{
	static char buf[ANSWER_MAX];
	size_t len;
	cJSON *j;
	const char *form, *team;
	const cJSON *answers;
	char err[ERRLEN];
	int rc;

	if (read_stdin(buf, sizeof buf, &len) != 0) {
		sodium_memzero(buf, sizeof buf);
		fprintf(stderr, "pols-kiosk: stdin: unreadable or larger than "
		    "%d bytes\n", ANSWER_MAX);
		return KIOSK_EINPUT;
	}
	j = cJSON_ParseWithLength(buf, len);
	sodium_memzero(buf, len);
	if (j == NULL || !cJSON_IsObject(j)) {
		fprintf(stderr, "pols-kiosk: stdin: not a JSON object\n");
		cJSON_Delete(j);
		return KIOSK_EINPUT;
	}
	form = wire_str(j, "form", FORM_ID_MAX - 1);
	team = wire_str(j, "team", 63);
	answers = cJSON_GetObjectItemCaseSensitive(j, "answers");
	if (form == NULL || team == NULL || !cJSON_IsObject(answers)) {
		fprintf(stderr, "pols-kiosk: stdin: need \"form\", \"team\" "
		    "and an \"answers\" object\n");
		cJSON_Delete(j);
		return KIOSK_EINPUT;
	}
	rc = kiosk_submit(k, form, team, answers, err, sizeof err);
	if (rc != KIOSK_OK)
		fprintf(stderr, "pols-kiosk: %s\n", err);
	cJSON_Delete(j);
	return rc;
}

/* A passphrase from file (when given), else stdin (asked when it is a
 * terminal). 0 or -1 with a message printed. */
static int
get_pass(const char *file, char **pass, size_t *len)
{
	char prompt[128];
	int fd = 0, rc;

	if (file != NULL && (fd = open(file, O_RDONLY | O_NOFOLLOW |
	    O_CLOEXEC)) < 0) {
		fprintf(stderr, "pols-kiosk: cannot open '%s': %s\n", file,
		    strerror(errno));
		return -1;
	}
	snprintf(prompt, sizeof prompt, "%s / %s", msg_get(M_PASS_PROMPT,
	    MSG_NL), msg_get(M_PASS_PROMPT, MSG_EN));
	rc = unlock_read_pass(fd, prompt, pass, len);
	if (file != NULL)
		close(fd);
	if (rc != 0)
		fprintf(stderr, "pols-kiosk: no passphrase read (at most %d "
		    "bytes, one line)\n", UNLOCK_PASS_MAX);
	return rc;
}

/* Unlock mode: up to three tries on a terminal, one otherwise. The key
 * (sodium_malloc) into *key. */
static int
get_unlock_key(const char *dir, const char *file, uint8_t **key)
{
	int tries = file == NULL && isatty(0) ? 3 : 1;
	char err[ERRLEN];

	for (int i = 0; i < tries; i++) {
		char *pass;
		size_t len;
		int rc;

		if (get_pass(file, &pass, &len) != 0)
			return -1;
		rc = unlock_key(dir, pass, len, key, err, sizeof err);
		unlock_pass_free(pass);
		if (rc == UNLOCK_OK) {
			fprintf(stderr, "pols-kiosk: %s / %s\n",
			    msg_get(M_PASS_UNLOCKED, MSG_NL),
			    msg_get(M_PASS_UNLOCKED, MSG_EN));
			return 0;
		}
		fprintf(stderr, "pols-kiosk: %s\n", err);
		if (rc != UNLOCK_EWRONG)
			return -1;
	}
	return -1;
}

static int
cmd_lock(const char *dir, const char *keydir, const char *file)
{
	char *pass = NULL, *again = NULL, err[1024];
	size_t len, len2;
	int rc = KIOSK_EFAIL;

	if (get_pass(file, &pass, &len) != 0)
		return KIOSK_EINPUT;
	if (file == NULL && isatty(0)) {
		if (get_pass(NULL, &again, &len2) != 0)
			goto out;
		if (len != len2 || sodium_memcmp(pass, again, len) != 0) {
			fprintf(stderr, "pols-kiosk: %s / %s\n",
			    msg_get(M_PASS_MISMATCH, MSG_NL),
			    msg_get(M_PASS_MISMATCH, MSG_EN));
			rc = KIOSK_EINPUT;
			goto out;
		}
	}
	if (unlock_lock(dir, keydir, pass, len, err, sizeof err) != 0) {
		fprintf(stderr, "pols-kiosk: lock: %s\n", err);
		goto out;
	}
	printf("%s / %s\n", msg_get(M_LOCK_DONE, MSG_NL),
	    msg_get(M_LOCK_DONE, MSG_EN));
	rc = KIOSK_OK;
out:
	unlock_pass_free(pass);
	unlock_pass_free(again);
	return rc;
}

static int
cmd_pin_hash(void)
{
	char *pin, out[crypto_pwhash_STRBYTES];
	size_t len;
	int rc;

	if (unlock_read_pass(0, "PIN", &pin, &len) != 0 || len < 4) {
		if (pin != NULL)
			unlock_pass_free(pin);
		fprintf(stderr, "pols-kiosk: pin-hash: give a PIN of at least "
		    "4 characters on stdin\n");
		return KIOSK_EINPUT;
	}
	rc = crypto_pwhash_str(out, pin, len, crypto_pwhash_OPSLIMIT_INTERACTIVE,
	    crypto_pwhash_MEMLIMIT_INTERACTIVE);
	unlock_pass_free(pin);
	if (rc != 0) {
		fprintf(stderr, "pols-kiosk: pin-hash: out of memory\n");
		return KIOSK_EFAIL;
	}
	printf("%s\n", out);
	return KIOSK_OK;
}

static int
cmd_status(struct kiosk *k, int json)
{
	cJSON *st = tui_status(k);
	const cJSON *e, *last;
	char *text;

	if (st == NULL) {
		fprintf(stderr, "pols-kiosk: status: cannot read the database\n");
		return KIOSK_EFAIL;
	}
	if (json) {
		if ((text = cJSON_Print(st)) == NULL) {
			cJSON_Delete(st);
			return KIOSK_EFAIL;
		}
		printf("%s\n", text);
		free(text);
		cJSON_Delete(st);
		return KIOSK_OK;
	}
	printf("terminal %s%s\nopen cellen / open cells: %d\n"
	    "te verzenden / batches to send: %d\n", k->name,
	    k->revoked ? " (ingetrokken / revoked)" : "",
	    cJSON_GetObjectItem(st, "cells")->valueint,
	    cJSON_GetObjectItem(st, "batches")->valueint);
	cJSON_ArrayForEach(e, cJSON_GetObjectItem(st, "responses"))
		printf("nog niet verzonden / not yet sent: %s: %d\n", e->string,
		    e->valueint);
	last = cJSON_GetObjectItem(st, "last_sync");
	if (cJSON_IsObject(last))
		printf("laatste sync / last sync: %s %s%s%s\n",
		    cJSON_GetStringValue(cJSON_GetObjectItem(last, "at")),
		    cJSON_IsTrue(cJSON_GetObjectItem(last, "ok")) ? "ok" :
		    "failed", cJSON_GetObjectItem(last, "error") ? ": " : "",
		    cJSON_GetObjectItem(last, "error") ? cJSON_GetStringValue(
		    cJSON_GetObjectItem(last, "error")) : "");
	cJSON_Delete(st);
	return KIOSK_OK;
}

static int
cmd_run(struct kiosk *k, const char *dir, const char *keydir,
    const uint8_t *key)
{
	struct tui_opts o = {dir, keydir, key};
	char err[ERRLEN];
	int saved = dup(2), null = open("/dev/null", O_WRONLY | O_CLOEXEC);
	int rc;

	/* Nothing may write over the screen: logs go nowhere while it runs. */
	if (null >= 0) {
		dup2(null, 2);
		close(null);
	}
	rc = tui_run(k, &o, err, sizeof err);
	if (saved >= 0) {
		dup2(saved, 2);
		close(saved);
	}
	if (rc != KIOSK_OK)
		fprintf(stderr, "pols-kiosk: run: %s\n", err);
	return rc;
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{"data", required_argument, NULL, 'd'},
		{"keys", required_argument, NULL, 'k'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	const char *dir = NULL, *keydir = NULL, *cmd, *passfile = NULL;
	struct kiosk *k = NULL;
	enum log_level lvl;
	uint8_t *key = NULL;
	char err[1024];
	int c, rc, unlock = 0, json = 0, nargs = 0;
	char *args[2];

	umask(077);
	signal(SIGXFSZ, SIG_IGN); /* a file-size limit: EFBIG, not death */
	log_init("pols-kiosk", LOG_WARN);
	while ((c = getopt_long(argc, argv, "+d:k:h", opts, NULL)) != -1) {
		switch (c) {
		case 'd': dir = optarg; break;
		case 'k': keydir = optarg; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return KIOSK_EINPUT;
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return KIOSK_EINPUT;
	}
	cmd = argv[optind];
	for (int i = optind + 1; i < argc; i++) {
		if (strcmp(argv[i], "--unlock") == 0) {
			unlock = 1;
		} else if (strcmp(argv[i], "--json") == 0) {
			json = 1;
		} else if (strcmp(argv[i], "--passphrase-file") == 0 &&
		    i + 1 < argc) {
			passfile = argv[++i];
		} else if (nargs < 2) {
			args[nargs++] = argv[i];
		} else {
			usage(stderr);
			return KIOSK_EINPUT;
		}
	}
	if (strcmp(cmd, "config-example") == 0 && nargs == 1) {
		if (config_write_example(kiosk_config_keys, kiosk_config_nkeys,
		    args[0]) != 0) {
			perror("pols-kiosk: config-example");
			return KIOSK_EFAIL;
		}
		return KIOSK_OK;
	}
	if (pcrypto_init() != 0) {
		fprintf(stderr, "pols-kiosk: libsodium cannot start\n");
		return KIOSK_EFAIL;
	}
	if (strcmp(cmd, "pin-hash") == 0 && nargs == 0)
		return cmd_pin_hash();
	if (dir == NULL) {
		fprintf(stderr, "pols-kiosk: --data KDIR is required\n");
		return KIOSK_EINPUT;
	}
	if (strcmp(cmd, "enroll") == 0 && nargs == 1) {
		if (kiosk_enroll(dir, keydir, args[0], err, sizeof err) != 0) {
			fprintf(stderr, "pols-kiosk: %s\n", err);
			return KIOSK_EFAIL;
		}
		printf("terminal ingericht / terminal enrolled: %s\n", dir);
		return KIOSK_OK;
	}
	if (strcmp(cmd, "lock") == 0 && nargs == 0)
		return cmd_lock(dir, keydir, passfile);
	if (nargs != 0 || (strcmp(cmd, "answer") && strcmp(cmd, "sync") &&
	    strcmp(cmd, "status") && strcmp(cmd, "run")) ||
	    (json && strcmp(cmd, "status") != 0)) {
		usage(stderr);
		return KIOSK_EINPUT;
	}
	if (unlock && strcmp(cmd, "answer") == 0 && passfile == NULL) {
		fprintf(stderr, "pols-kiosk: answer --unlock reads the answers "
		    "on stdin: give --passphrase-file F\n");
		return KIOSK_EINPUT;
	}
	if (unlock) {
		if (get_unlock_key(dir, passfile, &key) != 0)
			return KIOSK_EFAIL;
		rc = kiosk_open_unlocked(&k, dir, keydir, key, err, sizeof err);
	} else {
		rc = kiosk_open(&k, dir, keydir, err, sizeof err);
	}
	if (rc != 0) {
		char e2[ERRLEN];
		if (!unlock && unlock_enabled(dir, e2, sizeof e2) == 1)
			fprintf(stderr, "pols-kiosk: %s / %s\n",
			    msg_get(M_LOCKED_MODE, MSG_NL),
			    msg_get(M_LOCKED_MODE, MSG_EN));
		else
			fprintf(stderr, "pols-kiosk: %s\n", err);
		pcrypto_free_secret(key);
		return KIOSK_EFAIL;
	}
	if (log_level_parse(config_str(k->cfg, "log_level"), &lvl) == 0)
		log_init("pols-kiosk", lvl);
	if (strcmp(cmd, "answer") == 0) {
		rc = cmd_answer(k);
	} else if (strcmp(cmd, "sync") == 0) {
		rc = kiosk_sync(k, err, sizeof err);
		tui_sync_record(k, rc, err);
		if (rc != KIOSK_OK)
			fprintf(stderr, "pols-kiosk: sync: %s\n", err);
	} else if (strcmp(cmd, "run") == 0) {
		rc = cmd_run(k, dir, keydir, key);
	} else {
		rc = cmd_status(k, json);
	}
	kiosk_close(k);
	pcrypto_free_secret(key);
	/* No nng_fini(): NNG 1.5.2 finalizes its transports before its reaper
	 * has freed what nng_close() left to it (a connection still in its
	 * handshake with a server that does not answer), and the reaper then
	 * locks freed memory: a panic (exit 134) or, now and then, a hang for
	 * good after "gave up". NNG's threads end with the process
	 * (tests/valgrind.supp; tests/e2e/hangup.sh). */
	return rc;
}
