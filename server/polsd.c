/*
 * polsd.c - the central sync server.
 *
 *   polsd --data DIR [--listen URL] [--config FILE]
 *
 * One NNG REP socket. REQ/REP fits because every exchange is a request the
 * terminal starts and one reply the server signs for it; terminals never
 * need to be reached, and NNG's REQ side pairs each reply with its request
 * so a late reply to an abandoned request is dropped. Requests are handled
 * one at a time in arrival order: each is a short sqlite transaction, and
 * sqlite has one writer anyway. SIGINT/SIGTERM stop it cleanly.
 */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <nng/nng.h>
#include <nng/protocol/reqrep0/rep.h>

#include "ingest.h"
#include "log.h"
#include "server.h"
#include "util.h"
#include "wire.h"

static volatile sig_atomic_t stopping;

static void
on_signal(int sig)
{
	(void)sig;
	stopping = 1;
}

static void
usage(FILE *f)
{
	fprintf(f,
	    "gebruik / usage: polsd --data DIR [--listen URL] [--config FILE]\n"
	    "  --data DIR     installation made by 'polsctl --data DIR init'\n"
	    "  --listen URL   NNG address (default %s; ipc:///path works too)\n"
	    "  --config FILE  settings (default DIR/polsd.conf if present)\n",
	    SERVER_DEFAULT_URL);
}

static int
serve(struct server *s, const char *url)
{
	nng_socket sock;
	struct ingest *g;
	int rv, failed = 0;

	if ((g = ingest_new(s)) == NULL) {
		log_msg(LOG_ERR, "S001", "out of memory");
		return 1;
	}
	if ((rv = nng_rep0_open(&sock)) != 0) {
		log_msg(LOG_ERR, "S002", "cannot open socket: %s",
		    nng_strerror(rv));
		ingest_free(g);
		return 1;
	}
	nng_socket_set_size(sock, NNG_OPT_RECVMAXSZ, WIRE_MAX_MSG);
	nng_socket_set_ms(sock, NNG_OPT_RECVTIMEO, 200);
	nng_socket_set_ms(sock, NNG_OPT_SENDTIMEO, 2000);
	if ((rv = nng_listen(sock, url, NULL, 0)) != 0) {
		log_msg(LOG_ERR, "S003", "cannot listen on '%s': %s", url,
		    nng_strerror(rv));
		nng_close(sock);
		ingest_free(g);
		return 1;
	}
	log_msg(LOG_INFO, "S101", "listening on %s", url);
	while (!stopping) {
		uint8_t *req = NULL, *rep = NULL;
		size_t len = 0, rlen = 0;

		rv = nng_recv(sock, &req, &len, NNG_FLAG_ALLOC);
		if (rv == NNG_ETIMEDOUT || rv == NNG_EINTR)
			continue;
		if (rv != 0) {
			log_msg(LOG_ERR, "S004", "receive failed: %s",
			    nng_strerror(rv));
			failed = 1;
			break;
		}
		if (ingest_handle(g, req, len, &rep, &rlen) == 0) {
			/* Never wait for a peer that does not read its
			 * replies: it would stall every other terminal. */
			if ((rv = nng_send(sock, rep, rlen,
			    NNG_FLAG_NONBLOCK)) != 0)
				log_msg(LOG_DEBUG, "S205", "reply not sent: %s",
				    nng_strerror(rv));
		} else {
			log_msg(LOG_ERR, "S005", "out of memory; request "
			    "dropped");
		}
		free(rep);
		nng_free(req, len);
	}
	log_msg(LOG_INFO, "S104", "stopping");
	nng_close(sock);
	ingest_free(g);
	return failed;
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{"data", required_argument, NULL, 'd'},
		{"listen", required_argument, NULL, 'l'},
		{"config", required_argument, NULL, 'c'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	const char *dir = NULL, *url = NULL, *cfg = NULL;
	struct server *s;
	struct sigaction sa;
	enum log_level lvl;
	char err[ERRLEN];
	int c, rc;

	umask(077);
	log_init("polsd", LOG_INFO);
	while ((c = getopt_long(argc, argv, "d:l:c:h", opts, NULL)) != -1) {
		switch (c) {
		case 'd': dir = optarg; break;
		case 'l': url = optarg; break;
		case 'c': cfg = optarg; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (dir == NULL || optind != argc) {
		usage(stderr);
		return 2;
	}
	if (pcrypto_init() != 0) {
		fprintf(stderr, "polsd: libsodium cannot start\n");
		return 1;
	}
	if (server_open(&s, dir, cfg, err, sizeof err) != 0) {
		fprintf(stderr, "polsd: %s\n", err);
		return 1;
	}
	if (log_level_parse(config_str(s->cfg, "log_level"), &lvl) != 0) {
		fprintf(stderr, "polsd: log_level must be error, warn, info "
		    "or debug\n");
		server_close(s);
		return 1;
	}
	log_init("polsd", lvl);
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	rc = serve(s, url ? url : config_str(s->cfg, "listen"));
	server_close(s);
	nng_fini(); /* stops NNG's threads, so nothing is left to leak-check */
	return rc;
}
