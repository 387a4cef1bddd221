/*
 * listenwd.c - an NNG listener that is reopened when it stops accepting
 * (listenwd.h says why).
 */
#include <arpa/inet.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <nng/nng.h>
#include <nng/protocol/reqrep0/req.h>

#include "listenwd.h"

struct listenwd {
	nng_socket sock;
	nng_listener l;
	int listening;
	char *url;
	char again[NNG_MAXADDRLEN + 64]; /* where to listen anew */
	char dial[NNG_MAXADDRLEN + 64];  /* how to reach it; "" none */
	nng_socket probe;
	int have_probe;
	nng_dialer d;
	int probing;
	int alive;         /* a pipe came while probing */
	atomic_ulong adds; /* pipes the socket attached */
	atomic_ulong probe_adds; /* pipes the probe attached */
	unsigned long seen, probe_seen;
	uint64_t next; /* ms: next probe, or next try to listen */
	uint64_t deadline;
	unsigned long reopened;
};

static uint64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void
on_add(nng_pipe p, nng_pipe_ev ev, void *arg)
{
	atomic_ulong *n = arg;

	(void)p;
	(void)ev;
	atomic_fetch_add(n, 1);
}

/* The address the watchdog dials: the one the listener is bound to, with
 * a wildcard host made loopback ("" when the transport has no watchdog);
 * and where to listen anew: the same address and port, also when the URL
 * asked for port 0 or named a host. */
static void
addresses(struct listenwd *w)
{
	nng_sockaddr sa;
	char host[INET6_ADDRSTRLEN];
	static const uint8_t any6[16];
	uint8_t a6[16];

	w->dial[0] = '\0';
	snprintf(w->again, sizeof w->again, "%s", w->url);
	if (strncmp(w->url, "ipc://", 6) == 0) {
		if (strlen(w->url) < sizeof w->dial)
			snprintf(w->dial, sizeof w->dial, "%s", w->url);
		return;
	}
	if (strncmp(w->url, "tcp://", 6) != 0 &&
	    strncmp(w->url, "tcp4://", 7) != 0 &&
	    strncmp(w->url, "tcp6://", 7) != 0)
		return;
	if (nng_listener_get_addr(w->l, NNG_OPT_LOCADDR, &sa) != 0)
		return;
	switch (sa.s_family) {
	case NNG_AF_INET: {
		uint32_t a = sa.s_in.sa_addr;
		unsigned port = ntohs(sa.s_in.sa_port);
		if (inet_ntop(AF_INET, &a, host, sizeof host) == NULL)
			return;
		snprintf(w->again, sizeof w->again, "tcp://%s:%u", host, port);
		if (a == htonl(INADDR_ANY)) {
			a = htonl(INADDR_LOOPBACK);
			if (inet_ntop(AF_INET, &a, host, sizeof host) == NULL)
				return;
		}
		snprintf(w->dial, sizeof w->dial, "tcp://%s:%u", host, port);
		break;
	}
	case NNG_AF_INET6: {
		unsigned port = ntohs(sa.s_in6.sa_port);
		memcpy(a6, sa.s_in6.sa_addr, sizeof a6);
		if (inet_ntop(AF_INET6, a6, host, sizeof host) == NULL)
			return;
		snprintf(w->again, sizeof w->again, "tcp://[%s]:%u", host,
		    port);
		if (memcmp(a6, any6, sizeof a6) == 0) {
			a6[15] = 1; /* :: becomes ::1 */
			if (inet_ntop(AF_INET6, a6, host, sizeof host) ==
			    NULL)
				return;
		}
		snprintf(w->dial, sizeof w->dial, "tcp://[%s]:%u", host, port);
		break;
	}
	default:
		break;
	}
}

int
listenwd_open(struct listenwd **out, nng_socket sock, const char *url)
{
	struct listenwd *w;
	int rv;

	*out = NULL;
	if ((w = calloc(1, sizeof *w)) == NULL || (w->url = strdup(url)) ==
	    NULL) {
		free(w);
		return NNG_ENOMEM;
	}
	w->sock = sock;
	atomic_init(&w->adds, 0);
	atomic_init(&w->probe_adds, 0);
	if ((rv = nng_pipe_notify(sock, NNG_PIPE_EV_ADD_POST, on_add,
	    &w->adds)) != 0 || (rv = nng_listen(sock, url, &w->l, 0)) != 0) {
		nng_pipe_notify(sock, NNG_PIPE_EV_ADD_POST, NULL, NULL);
		free(w->url);
		free(w);
		return rv;
	}
	w->listening = 1;
	addresses(w);
	/* Without a probe socket the listener still works, unwatched. */
	if (w->dial[0] != '\0' && nng_req0_open(&w->probe) == 0) {
		if (nng_pipe_notify(w->probe, NNG_PIPE_EV_ADD_POST, on_add,
		    &w->probe_adds) == 0)
			w->have_probe = 1;
		else
			nng_close(w->probe);
	}
	if (w->have_probe) {
		nng_socket_set_ms(w->probe, NNG_OPT_RECONNMINT, 20);
		nng_socket_set_ms(w->probe, NNG_OPT_RECONNMAXT, 200);
	}
	w->next = now_ms() + LISTENWD_IDLE_MS;
	*out = w;
	return 0;
}

static void
probe_end(struct listenwd *w)
{
	if (w->probing)
		nng_dialer_close(w->d);
	w->probing = 0;
}

/* Listen anew where the listener was. */
static int
relisten(struct listenwd *w)
{
	return nng_listen(w->sock, w->again, &w->l, 0);
}

enum listenwd_event
listenwd_tick(struct listenwd *w, int *err)
{
	uint64_t now;
	unsigned long adds;
	int rv;

	*err = 0;
	if (w == NULL || !w->have_probe)
		return LISTENWD_OK;
	now = now_ms();
	adds = atomic_load(&w->adds);
	if (!w->listening) {
		if (now < w->next)
			return LISTENWD_OK;
		if ((rv = relisten(w)) != 0) {
			*err = rv;
			w->next = now + LISTENWD_RETRY_MS;
			return LISTENWD_OK;
		}
		w->listening = 1;
		w->seen = atomic_load(&w->adds);
		w->next = now + LISTENWD_IDLE_MS;
		return LISTENWD_BACK;
	}
	if (adds != w->seen) {
		/* A pipe came: the listener accepts. */
		w->seen = adds;
		w->alive = 1;
		w->next = now + LISTENWD_IDLE_MS;
	}
	if (w->probing) {
		int attached = atomic_load(&w->probe_adds) != w->probe_seen;

		/* Done when a pipe came and the probe's own handshake is
		 * over (its pipe attached: a probe that hung up before
		 * could stop the listener itself); or at the deadline. */
		if (w->alive && attached) {
			probe_end(w);
			return LISTENWD_OK;
		}
		if (now < w->deadline)
			return LISTENWD_OK;
		probe_end(w);
		if (w->alive) {
			w->next = now + LISTENWD_IDLE_MS;
			return LISTENWD_OK;
		}
		/* No pipe came to the socket, not even the probe's (which
		 * the transport still takes): the listener has stopped. */
		nng_listener_close(w->l);
		w->reopened++;
		w->seen = atomic_load(&w->adds);
		if ((rv = relisten(w)) != 0) {
			w->listening = 0;
			*err = rv;
			w->next = now + LISTENWD_RETRY_MS;
			return LISTENWD_DOWN;
		}
		w->next = now + LISTENWD_IDLE_MS;
		return LISTENWD_REOPENED;
	}
	if (now < w->next)
		return LISTENWD_OK;
	if (nng_dialer_create(&w->d, w->probe, w->dial) != 0) {
		w->next = now + LISTENWD_IDLE_MS;
		return LISTENWD_OK;
	}
	if (nng_dialer_start(w->d, NNG_FLAG_NONBLOCK) != 0) {
		nng_dialer_close(w->d);
		w->next = now + LISTENWD_IDLE_MS;
		return LISTENWD_OK;
	}
	w->probing = 1;
	w->alive = 0;
	w->probe_seen = atomic_load(&w->probe_adds);
	w->deadline = now + LISTENWD_PROBE_MS;
	return LISTENWD_OK;
}

int
listenwd_watching(const struct listenwd *w)
{
	return w != NULL && w->have_probe;
}

const char *
listenwd_dial_url(const struct listenwd *w)
{
	return w != NULL ? w->dial : "";
}

unsigned long
listenwd_reopened(const struct listenwd *w)
{
	return w != NULL ? w->reopened : 0;
}

void
listenwd_free(struct listenwd *w, int close_listener)
{
	if (w == NULL)
		return;
	probe_end(w);
	if (w->have_probe)
		nng_close(w->probe);
	nng_pipe_notify(w->sock, NNG_PIPE_EV_ADD_POST, NULL, NULL);
	if (close_listener && w->listening)
		nng_listener_close(w->l);
	free(w->url);
	free(w);
}
