/*
 * polsd.c - the central sync server.
 *
 *   polsd --data DIR [--listen URL] [--config FILE]
 *
 * One NNG REP socket. REQ/REP fits because every exchange is a request the
 * terminal starts and one reply the server signs for it; terminals never
 * need to be reached, and NNG's REQ side pairs each reply with its request
 * so a late reply to an abandoned request is dropped. `workers` threads
 * (default 4) each serve requests on their own NNG context with their own
 * database connection: crypto and checks run in parallel, sqlite
 * serialises the writes, and each request's batches commit together.
 * NNG 1.5.2 stops accepting for good when a peer hangs up during the
 * handshake: epipe.c keeps the cause (an EPIPE NNG takes for "closed") from
 * reaching it, and the listener is watched (listenwd.h), opened anew should
 * it stop all the same. SIGINT/SIGTERM stop it cleanly.
 */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <pthread.h>
#include <time.h>

#include <nng/nng.h>
#include <nng/protocol/reqrep0/rep.h>

#include "epipe.h"
#include "ingest.h"
#include "listenwd.h"
#include "publish.h"
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

struct worker {
	pthread_t thread;
	nng_socket sock;
	struct server *s; /* its own database connection */
	struct ingest *g;
	int failed;
};

/* One worker: receive on its own context, handle, reply. Several run at
 * once; sqlite serialises their writes (BEGIN IMMEDIATE, busy timeout) and
 * every reply waits for its transaction to be durable. */
static void *
work(void *arg)
{
	struct worker *w = arg;
	nng_ctx ctx;
	nng_aio *aio;
	int rv;

	if ((rv = nng_ctx_open(&ctx, w->sock)) != 0 ||
	    (rv = nng_aio_alloc(&aio, NULL, NULL)) != 0) {
		log_msg(LOG_ERR, "S008", "cannot start a worker: %s",
		    nng_strerror(rv));
		w->failed = 1;
		return NULL;
	}
	while (!stopping) {
		nng_msg *req, *rep;
		uint8_t *out = NULL;
		size_t olen = 0;

		nng_aio_set_timeout(aio, 200);
		nng_ctx_recv(ctx, aio);
		nng_aio_wait(aio);
		rv = nng_aio_result(aio);
		if (rv == NNG_ETIMEDOUT)
			continue;
		if (rv != 0) {
			if (!stopping && rv != NNG_ECLOSED) {
				log_msg(LOG_ERR, "S004", "receive failed: %s",
				    nng_strerror(rv));
				w->failed = 1;
			}
			break;
		}
		req = nng_aio_get_msg(aio);
		rv = ingest_handle(w->g, nng_msg_body(req), nng_msg_len(req),
		    &out, &olen);
		nng_msg_free(req);
		if (rv != 0) {
			log_msg(LOG_ERR, "S005", "out of memory; request "
			    "dropped");
			continue;
		}
		if (nng_msg_alloc(&rep, 0) != 0) {
			free(out);
			continue;
		}
		if (nng_msg_append(rep, out, olen) != 0) {
			nng_msg_free(rep);
			free(out);
			continue;
		}
		free(out);
		/* Never wait long for a peer that does not read its
		 * replies: it would hold this worker. */
		nng_aio_set_msg(aio, rep);
		nng_aio_set_timeout(aio, 100);
		nng_ctx_send(ctx, aio);
		nng_aio_wait(aio);
		if ((rv = nng_aio_result(aio)) != 0) {
			nng_msg_free(rep);
			log_msg(LOG_DEBUG, "S205", "reply not sent: %s",
			    nng_strerror(rv));
		}
	}
	nng_aio_free(aio);
	nng_ctx_close(ctx);
	return NULL;
}

/* Freeze what has become due (closed plus grace_hours). */
static void
publish_tick(struct server *pub)
{
	char err[ERRLEN];
	int made = publish_due(pub, NULL, err, sizeof err);

	if (made < 0)
		log_msg(LOG_ERR, "S011", "publication failed: %s", err);
	else if (made > 0)
		log_msg(LOG_INFO, "S109", "published %d snapshot(s)", made);
}

/* One look at the listener (listenwd.h): NNG 1.5.2 stops accepting when a
 * peer hangs up during the handshake (nanomsg/nng#1518); polsd would then
 * answer no new connection ever again. */
static void
watch(struct listenwd *lw, const char *url)
{
	int err;

	switch (listenwd_tick(lw, &err)) {
	case LISTENWD_REOPENED:
		log_msg(LOG_WARN, "S207", "the listener on %s stopped taking "
		    "connections (as NNG 1.5.2 does when a peer hangs up in "
		    "the handshake); listening anew (%lu times so far)", url,
		    listenwd_reopened(lw));
		break;
	case LISTENWD_DOWN:
		log_msg(LOG_ERR, "S010", "the listener on %s stopped taking "
		    "connections and cannot listen again: %s; trying every "
		    "second", url, nng_strerror(err));
		break;
	case LISTENWD_BACK:
		log_msg(LOG_WARN, "S208", "listening on %s again", url);
		break;
	case LISTENWD_OK:
		break;
	}
}

static int
serve(const char *dir, const char *cfg, struct server *s, const char *url)
{
	nng_socket sock;
	struct worker *w;
	struct listenwd *lw = NULL;
	long n = config_int(s->cfg, "workers");
	char err[ERRLEN];
	int rv, failed = 0;
	long started = 0;

	if ((w = calloc((size_t)n, sizeof *w)) == NULL) {
		log_msg(LOG_ERR, "S001", "out of memory");
		return 1;
	}
	if ((rv = nng_rep0_open(&sock)) != 0) {
		log_msg(LOG_ERR, "S002", "cannot open socket: %s",
		    nng_strerror(rv));
		free(w);
		return 1;
	}
	nng_socket_set_size(sock, NNG_OPT_RECVMAXSZ, WIRE_MAX_MSG);
	for (long i = 0; i < n; i++) {
		w[i].sock = sock;
		if (i == 0) {
			w[i].s = s;
			w[i].g = ingest_new(s);
		} else if (server_open(&w[i].s, dir, cfg, err,
		    sizeof err) == 0) {
			w[i].g = ingest_new_shared(w[i].s, w[0].g);
		} else {
			log_msg(LOG_ERR, "S009", "%s", err);
		}
		if (w[i].g == NULL) {
			failed = 1;
			break;
		}
	}
	if (!failed && (rv = listenwd_open(&lw, sock, url)) != 0) {
		log_msg(LOG_ERR, "S003", "cannot listen on '%s': %s", url,
		    nng_strerror(rv));
		failed = 1;
	}
	for (long i = 0; !failed && i < n; i++) {
		if (pthread_create(&w[i].thread, NULL, work, &w[i]) != 0) {
			failed = 1;
			break;
		}
		started++;
	}
	if (!failed) {
		log_msg(LOG_INFO, "S101", "listening on %s (%ld workers)", url,
		    n);
		if (!listenwd_watching(lw))
			log_msg(LOG_INFO, "S105", "no listener watchdog for "
			    "this transport: only tcp:// and ipc:// have one");
		if (!epipe_active())
			log_msg(LOG_WARN, "S106", "NNG may take a peer that "
			    "hangs up in the handshake for a closed socket; "
			    "the listener watchdog has to catch it");
	}
	/* Publication (publish.h) on its own connection: worker 0 uses s. */
	long every = config_int(s->cfg, "publish_interval"), ticks = 0;
	struct server *pub = NULL;
	if (!failed && every > 0 && server_open(&pub, dir, cfg, err,
	    sizeof err) != 0)
		log_msg(LOG_ERR, "S012", "no publication from polsd: %s", err);
	while (!failed && !stopping) {
		struct timespec ts = {0, 100 * 1000000L};
		int all_failed = 1;
		nanosleep(&ts, NULL);
		watch(lw, url);
		/* first after one interval, so a restart does not race the
		 * terminals' leftovers */
		if (pub != NULL && ++ticks % (every * 10) == 0)
			publish_tick(pub);
		for (long i = 0; i < started; i++)
			if (!w[i].failed)
				all_failed = 0;
		if (all_failed)
			break;
	}
	stopping = 1;
	log_msg(LOG_INFO, "S104", "stopping");
	/* Workers first: each sees "stopping" within its 200 ms receive
	 * timeout, frees its aio and closes its context itself. Closing the
	 * socket under their waiting aios left NNG 1.5.2's expire thread
	 * reading a freed context (valgrind) and, now and then, aborting. */
	for (long i = 0; i < started; i++) {
		pthread_join(w[i].thread, NULL);
		failed |= w[i].failed;
	}
	listenwd_free(lw, 0);
	nng_close(sock);
	server_close(pub);
	for (long i = n - 1; i >= 0; i--) {
		ingest_free(w[i].g);
		if (i > 0)
			server_close(w[i].s);
	}
	free(w);
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
	signal(SIGXFSZ, SIG_IGN); /* a file-size limit: EFBIG, not death */
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
	rc = serve(dir, cfg, s, url ? url : config_str(s->cfg, "listen"));
	server_close(s);
	/* No nng_fini(): with connections still in their handshake it can
	 * crash or hang polsd's stop (see client/main.c). */
	return rc;
}
