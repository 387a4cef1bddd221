/*
 * lossy.c - a fault-injecting relay between terminals and polsd, for the
 * fault tests (tests/e2e/lossy.sh). Runs without root.
 *
 *   lossy relay LISTEN SERVER STATS [KEY=VALUE ...]
 *       an NNG REP <-> REQ man in the middle: every request a terminal
 *       sends to LISTEN draws at most one fault (percent per request):
 *         drop_req=P   the request is not forwarded (no reply)
 *         drop_rep=P   forwarded, the server's reply is thrown away
 *         delay=P      forwarded after 0..delay_max_ms (default 600) ms
 *         dup=P        the same request is sent to the server twice, at
 *                      once on two contexts or one after the other; the
 *                      terminal gets one of the two replies
 *         trunc=P      the request (half the time) or the reply is cut
 *                      to a random shorter length
 *         flip=P       one bit of the request or the reply is flipped
 *         reorder=P    the request is held until a newer request has been
 *                      forwarded (the terminal gave up on it and sent
 *                      another), then forwarded after it; its reply goes
 *                      back to the terminal, which has moved on
 *         cut=P        the connection is closed while the request is in
 *                      flight: the terminal's, before it is forwarded, or
 *                      the server's and the terminal's after the server
 *                      answered (the reply goes nowhere); the terminal
 *                      and the relay dial again
 *       seed=N (default 1) drives the choices; workers=N (default 8)
 *       requests are handled at once. SIGTERM or SIGINT stop it; it then
 *       writes one "NAME COUNT" line per counter to STATS.
 *
 *   lossy cutter LISTEN TARGET STATS [seed=N] [cut=P] [hangup=N]
 *       a byte-level stream proxy (LISTEN and TARGET: a TCP port on
 *       127.0.0.1, or the path of a unix socket, as NNG's tcp:// and
 *       ipc:// use them) that passes data on in chunks of random size
 *       and, with probability P percent per chunk (cut), passes a random
 *       part of the chunk and closes both connections: a connection cut
 *       in the middle of an NNG frame (or of its handshake). Every Nth
 *       connection (hangup), it connects to TARGET and closes that
 *       connection at once, before TARGET's handshake, then the
 *       terminal's: what stops NNG 1.5.2 listeners (server/epipe.h).
 *
 *   lossy hangup TARGET N [rst]
 *       connects to TARGET N times, 20 ms apart, and closes each
 *       connection at once; with rst (TCP) after a FIN, with a RST.
 *
 * The relay is kept accepting like polsd (server/epipe.h, listenwd.h).
 * Exit 0 after a clean stop, 2 on usage or setup errors.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <execinfo.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <nng/nng.h>
#include <nng/protocol/reqrep0/rep.h>
#include <nng/protocol/reqrep0/req.h>

#include "epipe.h"
#include "listenwd.h"
#include "wire.h"

static volatile sig_atomic_t stop;
static void on_term(int s) { (void)s; stop = 1; }

/* Where it died, in the log, should the relay itself ever fail. */
static void
on_abort(int s)
{
	void *bt[64];

	backtrace_symbols_fd(bt, backtrace(bt, 64), 2);
	signal(s, SIG_DFL);
	raise(s);
}

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static uint64_t rng_state = 1;

/* splitmix64, under mu */
static uint64_t
rnd_locked(void)
{
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static uint64_t
rnd(void)
{
	uint64_t r;

	pthread_mutex_lock(&mu);
	r = rnd_locked();
	pthread_mutex_unlock(&mu);
	return r;
}

/* Faults a request can draw, in the order of the percentages. */
enum fault { F_DROP_REQ, F_DROP_REP, F_DELAY, F_DUP, F_TRUNC, F_FLIP,
    F_REORDER, F_CUT, NFAULT, F_NONE = NFAULT };
static const char *const fault_key[NFAULT] = {"drop_req", "drop_rep",
    "delay", "dup", "trunc", "flip", "reorder", "cut"};
static int pct[NFAULT];

/* Counters, written to STATS at the end. */
enum counter { C_REQUESTS, C_FORWARDED, C_REPLIED, C_NOREPLY,
    C_DROP_REQ, C_DROP_REP, C_DELAY, C_DELAY_MS, C_DUP_PARALLEL,
    C_DUP_SERIAL, C_TRUNC_REQ, C_TRUNC_REP, C_FLIP_REQ, C_FLIP_REP,
    C_REORDER_HELD, C_REORDERED, C_REORDER_TIMEOUT, C_CUT_BEFORE,
    C_CUT_AFTER, NCOUNT };
static const char *const counter_name[NCOUNT] = {"requests", "forwarded",
    "replied", "server_no_reply", "drop_req", "drop_rep", "delay",
    "delay_ms_total", "dup_parallel", "dup_serial", "trunc_req",
    "trunc_rep", "flip_req", "flip_rep", "reorder_held", "reordered",
    "reorder_timeout", "cut_before_forward", "cut_after_forward"};
static unsigned long count[NCOUNT];
static unsigned long forwarded_gen; /* requests forwarded so far, under mu */
static int delay_max_ms = 600;

static void
msleep(int ms)
{
	struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};

	while (nanosleep(&ts, &ts) != 0 && errno == EINTR && !stop)
		;
}

static void
bump(enum counter c, unsigned long by)
{
	pthread_mutex_lock(&mu);
	count[c] += by;
	pthread_mutex_unlock(&mu);
}

static enum fault
pick(void)
{
	int r = (int)(rnd() % 100), acc = 0;

	for (int f = 0; f < NFAULT; f++) {
		acc += pct[f];
		if (r < acc)
			return (enum fault)f;
	}
	return F_NONE;
}

static void
write_stats(const char *path)
{
	FILE *f = fopen(path, "w");

	if (f == NULL) {
		perror("lossy: stats");
		return;
	}
	for (int i = 0; i < NCOUNT; i++)
		fprintf(f, "%s %lu\n", counter_name[i], count[i]);
	fclose(f);
}

/* --- relay --- */

static nng_socket rep_sock, req_sock;
static struct listenwd *rep_wd;

struct worker {
	pthread_t thread;
	nng_ctx rctx, sctx, dctx; /* terminal side; server side (x2 for dup) */
	nng_aio *raio, *saio, *daio;
	int have_r, have_s, have_d;
};

/* Send bytes on a REQ context and wait for the reply (NULL: none). */
static nng_msg *
ask(nng_ctx ctx, nng_aio *aio, const uint8_t *buf, size_t len)
{
	nng_msg *m;

	if (nng_msg_alloc(&m, 0) != 0 || nng_msg_append(m, buf, len) != 0)
		return NULL;
	nng_aio_set_msg(aio, m);
	nng_aio_set_timeout(aio, 2000);
	nng_ctx_send(ctx, aio);
	nng_aio_wait(aio);
	if (nng_aio_result(aio) != 0) {
		nng_msg_free(m);
		return NULL;
	}
	nng_aio_set_timeout(aio, 5000);
	nng_ctx_recv(ctx, aio);
	nng_aio_wait(aio);
	return nng_aio_result(aio) == 0 ? nng_aio_get_msg(aio) : NULL;
}

static void
forwarded_one(void)
{
	pthread_mutex_lock(&mu);
	count[C_FORWARDED]++;
	forwarded_gen++;
	pthread_cond_broadcast(&cv);
	pthread_mutex_unlock(&mu);
}

/* The same request to the server twice; one reply back. */
static nng_msg *
ask_twice(struct worker *w, const uint8_t *buf, size_t len)
{
	nng_msg *a = NULL, *b = NULL, *m1, *m2;

	if (rnd() % 2 == 0) {
		/* At once, on two contexts: likely on two server workers. */
		if (nng_msg_alloc(&m1, 0) != 0)
			return NULL;
		if (nng_msg_alloc(&m2, 0) != 0) {
			nng_msg_free(m1);
			return NULL;
		}
		nng_msg_append(m1, buf, len);
		nng_msg_append(m2, buf, len);
		nng_aio_set_msg(w->saio, m1);
		nng_aio_set_msg(w->daio, m2);
		nng_aio_set_timeout(w->saio, 2000);
		nng_aio_set_timeout(w->daio, 2000);
		nng_ctx_send(w->sctx, w->saio);
		nng_ctx_send(w->dctx, w->daio);
		nng_aio_wait(w->saio);
		nng_aio_wait(w->daio);
		if (nng_aio_result(w->saio) != 0)
			nng_msg_free(m1);
		else
			forwarded_one();
		if (nng_aio_result(w->daio) != 0)
			nng_msg_free(m2);
		else
			forwarded_one();
		nng_aio_set_timeout(w->saio, 5000);
		nng_aio_set_timeout(w->daio, 5000);
		nng_ctx_recv(w->sctx, w->saio);
		nng_ctx_recv(w->dctx, w->daio);
		nng_aio_wait(w->saio);
		nng_aio_wait(w->daio);
		if (nng_aio_result(w->saio) == 0)
			a = nng_aio_get_msg(w->saio);
		if (nng_aio_result(w->daio) == 0)
			b = nng_aio_get_msg(w->daio);
		bump(C_DUP_PARALLEL, 1);
	} else {
		if ((a = ask(w->sctx, w->saio, buf, len)) != NULL)
			forwarded_one();
		if ((b = ask(w->sctx, w->saio, buf, len)) != NULL)
			forwarded_one();
		bump(C_DUP_SERIAL, 1);
	}
	if (a == NULL || b == NULL)
		return a != NULL ? a : b;
	if (rnd() % 2 == 0) {
		nng_msg_free(a);
		return b;
	}
	nng_msg_free(b);
	return a;
}

/* Hold a request until a newer one went to the server (or 3 s). */
static void
hold(void)
{
	struct timespec until;
	unsigned long mark;
	int rc = 0;

	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += 3;
	pthread_mutex_lock(&mu);
	count[C_REORDER_HELD]++;
	mark = forwarded_gen;
	while (forwarded_gen == mark && !stop && rc != ETIMEDOUT)
		rc = pthread_cond_timedwait(&cv, &mu, &until);
	if (forwarded_gen != mark)
		count[C_REORDERED]++;
	else
		count[C_REORDER_TIMEOUT]++;
	pthread_mutex_unlock(&mu);
}

/* One request from a terminal, with fault f. */
static void
serve(struct worker *w, nng_msg *msg, enum fault f)
{
	size_t len = nng_msg_len(msg);
	uint8_t *buf = malloc(len ? len : 1);
	nng_msg *ans = NULL;
	nng_pipe from;
	int on_reply = (int)(rnd() % 2);

	if (buf == NULL) {
		nng_msg_free(msg);
		return;
	}
	memcpy(buf, nng_msg_body(msg), len);
	from = nng_msg_get_pipe(msg);
	nng_msg_free(msg);
	switch (f) {
	case F_DROP_REQ:
		bump(C_DROP_REQ, 1);
		goto out;
	case F_CUT:
		if (on_reply)
			break;
		bump(C_CUT_BEFORE, 1);
		nng_pipe_close(from); /* the terminal's connection */
		goto out;
	case F_REORDER:
		hold();
		break;
	case F_DELAY: {
		int ms = (int)(rnd() % (unsigned)(delay_max_ms + 1));
		bump(C_DELAY, 1);
		bump(C_DELAY_MS, (unsigned long)ms);
		msleep(ms);
		break;
	}
	case F_TRUNC:
		if (!on_reply && len > 0) {
			len = (size_t)(rnd() % len);
			bump(C_TRUNC_REQ, 1);
		}
		break;
	case F_FLIP:
		if (!on_reply && len > 0) {
			size_t bit = (size_t)(rnd() % (len * 8));
			buf[bit / 8] ^= (uint8_t)(1u << (bit % 8));
			bump(C_FLIP_REQ, 1);
		}
		break;
	default:
		break;
	}
	if (stop)
		goto out;
	if (f == F_DUP) {
		ans = ask_twice(w, buf, len);
	} else if ((ans = ask(w->sctx, w->saio, buf, len)) != NULL) {
		forwarded_one();
	}
	if (ans == NULL) {
		bump(C_NOREPLY, 1);
		goto out;
	}
	switch (f) {
	case F_DROP_REP:
		bump(C_DROP_REP, 1);
		goto out;
	case F_CUT: /* on_reply: after the server has answered */
		bump(C_CUT_AFTER, 1);
		nng_pipe_close(nng_msg_get_pipe(ans)); /* the server's */
		nng_pipe_close(from);
		goto out;
	case F_TRUNC:
		if (on_reply && nng_msg_len(ans) > 0) {
			nng_msg_chop(ans, nng_msg_len(ans) -
			    (size_t)(rnd() % nng_msg_len(ans)));
			bump(C_TRUNC_REP, 1);
		}
		break;
	case F_FLIP:
		if (on_reply && nng_msg_len(ans) > 0) {
			uint8_t *p = nng_msg_body(ans);
			size_t bit = (size_t)(rnd() % (nng_msg_len(ans) * 8));
			p[bit / 8] ^= (uint8_t)(1u << (bit % 8));
			bump(C_FLIP_REP, 1);
		}
		break;
	default:
		break;
	}
	nng_aio_set_msg(w->raio, ans);
	nng_aio_set_timeout(w->raio, 1000);
	nng_ctx_send(w->rctx, w->raio);
	nng_aio_wait(w->raio);
	if (nng_aio_result(w->raio) != 0)
		nng_msg_free(ans);
	else
		bump(C_REPLIED, 1);
	ans = NULL;
out:
	if (ans != NULL)
		nng_msg_free(ans);
	free(buf);
}

static void *
work(void *arg)
{
	struct worker *w = arg;

	while (!stop) {
		int rv;

		nng_aio_set_timeout(w->raio, 200);
		nng_ctx_recv(w->rctx, w->raio);
		nng_aio_wait(w->raio);
		rv = nng_aio_result(w->raio);
		if (rv == NNG_ETIMEDOUT)
			continue;
		if (rv != 0)
			break;
		bump(C_REQUESTS, 1);
		serve(w, nng_aio_get_msg(w->raio), pick());
	}
	return NULL;
}

static int
open_sockets(const char *listen, const char *url)
{
	int rv;

	if ((rv = nng_rep0_open(&rep_sock)) != 0 ||
	    (rv = nng_socket_set_size(rep_sock, NNG_OPT_RECVMAXSZ,
	    WIRE_MAX_MSG)) != 0 ||
	    (rv = listenwd_open(&rep_wd, rep_sock, listen)) != 0) {
		fprintf(stderr, "lossy: cannot listen on %s: %s\n", listen,
		    nng_strerror(rv));
		nng_close(rep_sock);
		return -1;
	}
	if ((rv = nng_req0_open(&req_sock)) != 0 ||
	    (rv = nng_socket_set_size(req_sock, NNG_OPT_RECVMAXSZ,
	    WIRE_MAX_MSG)) != 0 ||
	    (rv = nng_socket_set_ms(req_sock, NNG_OPT_REQ_RESENDTIME,
	    NNG_DURATION_INFINITE)) != 0 ||
	    (rv = nng_socket_set_ms(req_sock, NNG_OPT_RECONNMINT, 20)) != 0 ||
	    (rv = nng_socket_set_ms(req_sock, NNG_OPT_RECONNMAXT, 200)) != 0 ||
	    (rv = nng_dial(req_sock, url, NULL, NNG_FLAG_NONBLOCK)) != 0) {
		fprintf(stderr, "lossy: cannot dial %s: %s\n", url,
		    nng_strerror(rv));
		listenwd_free(rep_wd, 0);
		nng_close(rep_sock);
		return -1;
	}
	return 0;
}

static void
worker_free(struct worker *w)
{
	if (w->have_r)
		nng_ctx_close(w->rctx);
	if (w->have_s)
		nng_ctx_close(w->sctx);
	if (w->have_d)
		nng_ctx_close(w->dctx);
	nng_aio_free(w->raio);
	nng_aio_free(w->saio);
	nng_aio_free(w->daio);
	memset(w, 0, sizeof *w);
}

static int
worker_init(struct worker *w)
{
	memset(w, 0, sizeof *w);
	if (nng_aio_alloc(&w->raio, NULL, NULL) != 0 ||
	    nng_aio_alloc(&w->saio, NULL, NULL) != 0 ||
	    nng_aio_alloc(&w->daio, NULL, NULL) != 0)
		return -1;
	if (nng_ctx_open(&w->rctx, rep_sock) != 0)
		return -1;
	w->have_r = 1;
	if (nng_ctx_open(&w->sctx, req_sock) != 0)
		return -1;
	w->have_s = 1;
	if (nng_ctx_open(&w->dctx, req_sock) != 0)
		return -1;
	w->have_d = 1;
	nng_ctx_set_ms(w->sctx, NNG_OPT_REQ_RESENDTIME, NNG_DURATION_INFINITE);
	nng_ctx_set_ms(w->dctx, NNG_OPT_REQ_RESENDTIME, NNG_DURATION_INFINITE);
	return 0;
}

static int
relay(const char *listen, const char *url, int nworkers)
{
	struct worker *w = calloc((size_t)nworkers, sizeof *w);
	int started = 0;

	if (w == NULL || open_sockets(listen, url) != 0) {
		free(w);
		return 2;
	}
	if (!epipe_active())
		fprintf(stderr, "lossy: EPIPE not shielded from NNG\n");
	fprintf(stderr, "lossy: relay ready on %s\n", listen);
	for (int i = 0; i < nworkers; i++) {
		if (worker_init(&w[i]) != 0 ||
		    pthread_create(&w[i].thread, NULL, work, &w[i]) != 0) {
			fprintf(stderr, "lossy: cannot start a worker\n");
			worker_free(&w[i]);
			stop = 1;
			break;
		}
		started = i + 1;
	}
	for (int tick = 0; !stop; tick++) {
		int err;
		msleep(20);
		if (tick % 5 == 0 &&
		    listenwd_tick(rep_wd, &err) == LISTENWD_REOPENED)
			fprintf(stderr, "lossy: the relay's listener stopped "
			    "taking connections; listening anew\n");
	}
	pthread_mutex_lock(&mu);
	pthread_cond_broadcast(&cv);
	pthread_mutex_unlock(&mu);
	for (int i = 0; i < started; i++)
		pthread_join(w[i].thread, NULL);
	for (int i = 0; i < started; i++)
		worker_free(&w[i]);
	listenwd_free(rep_wd, 0);
	/* NNG 1.5.2's nng_close() was seen to hang once the server behind
	 * the relay had stopped accepting; such a run has failed already
	 * and must not hold the test: SIGALRM ends the relay then. */
	alarm(10);
	nng_close(rep_sock);
	nng_close(req_sock);
	free(w);
	return 0;
}

/* --- cutter --- */

#define MAXPAIRS 32

/* ADDR: a TCP port on 127.0.0.1 (digits) or the path of a unix socket. */
static int
sock_addr(const char *addr, struct sockaddr_storage *ss, socklen_t *len)
{
	memset(ss, 0, sizeof *ss);
	if (addr[0] != '\0' && strspn(addr, "0123456789") == strlen(addr)) {
		struct sockaddr_in *a = (struct sockaddr_in *)ss;
		a->sin_family = AF_INET;
		a->sin_port = htons((uint16_t)atoi(addr));
		a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		*len = sizeof *a;
	} else {
		struct sockaddr_un *u = (struct sockaddr_un *)ss;
		if (strlen(addr) >= sizeof u->sun_path)
			return -1;
		u->sun_family = AF_UNIX;
		strcpy(u->sun_path, addr);
		*len = sizeof *u;
	}
	return 0;
}

static int
cut_listen(const char *addr)
{
	struct sockaddr_storage ss;
	socklen_t len;
	int s, one = 1;

	if (sock_addr(addr, &ss, &len) != 0 ||
	    (s = socket(ss.ss_family, SOCK_STREAM, 0)) < 0)
		return -1;
	setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	if (ss.ss_family == AF_UNIX)
		unlink(addr);
	if (bind(s, (struct sockaddr *)&ss, len) != 0 || listen(s, 16) != 0) {
		close(s);
		return -1;
	}
	return s;
}

static int
cut_dial(const char *addr)
{
	struct sockaddr_storage ss;
	socklen_t len;
	int s;

	if (sock_addr(addr, &ss, &len) != 0 ||
	    (s = socket(ss.ss_family, SOCK_STREAM, 0)) < 0)
		return -1;
	if (connect(s, (struct sockaddr *)&ss, len) != 0) {
		close(s);
		return -1;
	}
	return s;
}

static int
write_all(int fd, const uint8_t *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

enum { TC_CONNS, TC_CHUNKS, TC_BYTES, TC_CUTS, TC_CUT_TO_SERVER,
    TC_CUT_TO_CLIENT, TC_HANGUP, TC_N };
static const char *const tc_name[TC_N] = {"connections", "chunks", "bytes",
    "cut_mid_stream", "cut_toward_server", "cut_toward_terminal",
    "hangup"};

/* Connect to addr and close at once, before the peer's NNG handshake; with
 * rst (TCP), after a FIN, with a RST. */
static int
hang_up(const char *addr, int rst)
{
	int s = cut_dial(addr);

	if (s < 0)
		return -1;
	if (rst) {
		struct linger lg = {1, 0};
		shutdown(s, SHUT_WR);
		setsockopt(s, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
	}
	close(s);
	return 0;
}

static int
hangups(const char *addr, int n, int rst)
{
	for (int i = 0; i < n; i++) {
		if (i > 0)
			msleep(20);
		if (hang_up(addr, rst) != 0) {
			fprintf(stderr, "lossy: cannot connect to %s: %s\n",
			    addr, strerror(errno));
			return 2;
		}
	}
	return 0;
}

static int
cutter(const char *laddr, const char *taddr, const char *stats, int cut_pct,
    int hangup_every)
{
	int ls = cut_listen(laddr), pair[MAXPAIRS][2], np = 0;
	unsigned long c[TC_N] = {0}, accepted = 0;
	static uint8_t buf[65536];

	if (ls < 0) {
		fprintf(stderr, "lossy: cannot listen on %s: %s\n", laddr,
		    strerror(errno));
		return 2;
	}
	fprintf(stderr, "lossy: cutter ready on %s\n", laddr);
	while (!stop) {
		struct pollfd p[1 + 2 * MAXPAIRS];
		int n = 0;

		p[n].fd = ls;
		p[n++].events = POLLIN;
		for (int i = 0; i < np; i++) {
			p[n].fd = pair[i][0];
			p[n++].events = POLLIN;
			p[n].fd = pair[i][1];
			p[n++].events = POLLIN;
		}
		if (poll(p, (nfds_t)n, 200) <= 0)
			continue;
		for (int i = np - 1; i >= 0; i--) {
			int dead = 0;
			for (int side = 0; side < 2 && !dead; side++) {
				struct pollfd *q = &p[1 + 2 * i + side];
				int to = pair[i][1 - side];
				size_t want = 1 + (size_t)(rnd() % 4096);
				ssize_t r;

				if (q->revents == 0)
					continue;
				r = read(q->fd, buf, want);
				if (r <= 0) {
					dead = 1;
					break;
				}
				c[TC_CHUNKS]++;
				if ((int)(rnd() % 1000) < cut_pct * 10) {
					size_t part = (size_t)(rnd() %
					    (uint64_t)r);
					write_all(to, buf, part);
					c[TC_BYTES] += part;
					c[TC_CUTS]++;
					c[side == 0 ? TC_CUT_TO_SERVER :
					    TC_CUT_TO_CLIENT]++;
					dead = 1;
					break;
				}
				if (write_all(to, buf, (size_t)r) != 0)
					dead = 1;
				c[TC_BYTES] += (size_t)r;
			}
			if (dead) {
				close(pair[i][0]);
				close(pair[i][1]);
				pair[i][0] = pair[np - 1][0];
				pair[i][1] = pair[np - 1][1];
				np--;
			}
		}
		/* New connections last: p[] covers only the pairs polled. */
		if ((p[0].revents & POLLIN) != 0) {
			int a = accept(ls, NULL, NULL), b;
			if (a >= 0 && hangup_every > 0 &&
			    ++accepted % (unsigned long)hangup_every == 0) {
				hang_up(taddr, 0);
				close(a);
				c[TC_HANGUP]++;
			} else if (a >= 0 && np < MAXPAIRS &&
			    (b = cut_dial(taddr)) >= 0) {
				pair[np][0] = a;
				pair[np][1] = b;
				np++;
				c[TC_CONNS]++;
			} else if (a >= 0) {
				close(a);
			}
		}
	}
	for (int i = 0; i < np; i++) {
		close(pair[i][0]);
		close(pair[i][1]);
	}
	close(ls);
	if (laddr[strspn(laddr, "0123456789")] != '\0')
		unlink(laddr);
	{
		FILE *f = fopen(stats, "w");
		if (f == NULL)
			return 2;
		for (int i = 0; i < TC_N; i++)
			fprintf(f, "%s %lu\n", tc_name[i], c[i]);
		fclose(f);
	}
	return 0;
}

int
main(int argc, char **argv)
{
	struct sigaction sa = {0};
	int nworkers = 8, rv, tc_cut = 0, tc_hangup = 0;

	sa.sa_handler = on_term;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	if (getenv("POLS_SANITIZED") == NULL) {
		signal(SIGABRT, on_abort);
		signal(SIGSEGV, on_abort);
	}
	if (argc >= 4 && argc <= 5 && strcmp(argv[1], "hangup") == 0) {
		int n = atoi(argv[3]);
		if (n < 1 || (argc == 5 && strcmp(argv[4], "rst") != 0))
			goto usage;
		return hangups(argv[2], n, argc == 5);
	}
	if (argc < 5)
		goto usage;
	for (int i = 5; i < argc; i++) {
		char *eq = strchr(argv[i], '=');
		int f, v;
		if (eq == NULL)
			goto usage;
		*eq = '\0';
		v = atoi(eq + 1);
		if (strcmp(argv[i], "seed") == 0) {
			rng_state = strtoull(eq + 1, NULL, 10);
			continue;
		}
		if (strcmp(argv[i], "workers") == 0 && v >= 1 && v <= 64) {
			nworkers = v;
			continue;
		}
		if (strcmp(argv[i], "delay_max_ms") == 0 && v >= 0) {
			delay_max_ms = v;
			continue;
		}
		if (strcmp(argv[1], "cutter") == 0 &&
		    strcmp(argv[i], "cut") == 0 && v >= 0 && v <= 100) {
			tc_cut = v;
			continue;
		}
		if (strcmp(argv[1], "cutter") == 0 &&
		    strcmp(argv[i], "hangup") == 0 && v >= 0) {
			tc_hangup = v;
			continue;
		}
		for (f = 0; f < NFAULT; f++)
			if (strcmp(argv[i], fault_key[f]) == 0)
				break;
		if (f == NFAULT || v < 0 || v > 100)
			goto usage;
		pct[f] = v;
	}
	{
		int sum = 0;
		for (int f = 0; f < NFAULT; f++)
			sum += pct[f];
		if (sum > 100) {
			fprintf(stderr, "lossy: the percentages add up to "
			    "more than 100\n");
			return 2;
		}
	}
	if (strcmp(argv[1], "cutter") == 0)
		return cutter(argv[2], argv[3], argv[4], tc_cut, tc_hangup);
	if (strcmp(argv[1], "relay") != 0)
		goto usage;
	rv = relay(argv[2], argv[3], nworkers);
	write_stats(argv[4]);
	/* no nng_fini(): NNG 1.5.2 can crash or hang in it (client/main.c) */
	return rv;
usage:
	fprintf(stderr, "usage: see the comment at the top of lossy.c\n");
	return 2;
}
