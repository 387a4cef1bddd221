/*
 * main.c - pols-kiosk, the terminal program.
 *
 *   pols-kiosk --data KDIR [--keys KEYDIR] enroll BUNDLE
 *   pols-kiosk --data KDIR [--keys KEYDIR] answer     < response.json
 *   pols-kiosk --data KDIR [--keys KEYDIR] sync
 *   pols-kiosk --data KDIR [--keys KEYDIR] status
 *
 * `answer` reads {"form": ID, "team": ID, "answers": {ITEM: VALUE, ...}}
 * on stdin and folds it into the encrypted accumulator; it is the scripted
 * twin of the interactive kiosk and shares kiosk_submit() with it.
 * Exit codes: see enum in kiosk.h (0 ok, 1 failed, 2 bad input, 3 revoked,
 * 4 batches refused).
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <nng/nng.h>

#include "kiosk.h"
#include "log.h"
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
	    "  status          how much waits to be sent\n"
	    "  config-example FILE   commented kiosk.conf\n");
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

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{"data", required_argument, NULL, 'd'},
		{"keys", required_argument, NULL, 'k'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	const char *dir = NULL, *keydir = NULL, *cmd;
	struct kiosk *k = NULL;
	enum log_level lvl;
	char err[1024];
	int c, rc;

	umask(077);
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
	argc -= optind + 1;
	argv += optind + 1;
	if (strcmp(cmd, "config-example") == 0 && argc == 1) {
		if (config_write_example(kiosk_config_keys, kiosk_config_nkeys,
		    argv[0]) != 0) {
			perror("pols-kiosk: config-example");
			return KIOSK_EFAIL;
		}
		return KIOSK_OK;
	}
	if (dir == NULL) {
		fprintf(stderr, "pols-kiosk: --data KDIR is required\n");
		return KIOSK_EINPUT;
	}
	if (pcrypto_init() != 0) {
		fprintf(stderr, "pols-kiosk: libsodium cannot start\n");
		return KIOSK_EFAIL;
	}
	if (strcmp(cmd, "enroll") == 0 && argc == 1) {
		if (kiosk_enroll(dir, keydir, argv[0], err, sizeof err) != 0) {
			fprintf(stderr, "pols-kiosk: %s\n", err);
			return KIOSK_EFAIL;
		}
		printf("terminal ingericht / terminal enrolled: %s\n", dir);
		return KIOSK_OK;
	}
	if (argc != 0 || (strcmp(cmd, "answer") && strcmp(cmd, "sync") &&
	    strcmp(cmd, "status"))) {
		usage(stderr);
		return KIOSK_EINPUT;
	}
	if (kiosk_open(&k, dir, keydir, err, sizeof err) != 0) {
		fprintf(stderr, "pols-kiosk: %s\n", err);
		return KIOSK_EFAIL;
	}
	if (log_level_parse(config_str(k->cfg, "log_level"), &lvl) == 0)
		log_init("pols-kiosk", lvl);
	if (strcmp(cmd, "answer") == 0) {
		rc = cmd_answer(k);
	} else if (strcmp(cmd, "sync") == 0) {
		rc = kiosk_sync(k, err, sizeof err);
		if (rc != KIOSK_OK)
			fprintf(stderr, "pols-kiosk: sync: %s\n", err);
	} else {
		long cells, batches;
		rc = kiosk_pending(k, &cells, &batches) == 0 ? KIOSK_OK :
		    KIOSK_EFAIL;
		if (rc == KIOSK_OK)
			printf("terminal %s%s\nopen cellen / open cells: %ld\n"
			    "te verzenden / batches to send: %ld\n", k->name,
			    k->revoked ? " (ingetrokken / revoked)" : "",
			    cells, batches);
	}
	kiosk_close(k);
	nng_fini(); /* stops NNG's threads, so nothing is left to leak-check */
	return rc;
}
