/*
 * listenwd.h - an NNG listener that is reopened when it stops accepting.
 *
 * NNG 1.5.2 (Debian 12) ends a listener's accept loop for good when a peer
 * hangs up while the connection handshake is under way and the server's
 * handshake write fails with EPIPE: the transport passes NNG_ECLOSED up,
 * and the listener takes that for "socket closed" (nanomsg/nng#1518, fixed
 * after 1.5.2). From then on new connections are taken by the kernel and
 * the transport but never reach the socket, so no new peer is ever
 * answered: over ipc:// one connect() and close() does it, over tcp:// a
 * FIN followed by a RST. Pipes already attached keep working. epipe.h
 * keeps that cause away; this watchdog is the net for any other.
 *
 * The watchdog counts the pipes the socket attaches. When none came for
 * LISTENWD_IDLE_MS it dials the listener itself (and hangs up only after
 * its own handshake); when no pipe is attached within LISTENWD_PROBE_MS
 * the listener is closed (which also drops its pipes and the connections
 * parked in the transport) and opened anew on the same address and port.
 * Works for tcp:// (also tcp4/tcp6) and ipc://; other transports listen
 * without a watchdog.
 *
 * Not thread-safe: one thread calls listenwd_tick (every 100 ms or so);
 * it takes the socket's NNG_PIPE_EV_ADD_POST notification.
 */
#ifndef POLS_LISTENWD_H
#define POLS_LISTENWD_H

#include <stddef.h>

#include <nng/nng.h>

#define LISTENWD_IDLE_MS 1000  /* no new pipe for this long: probe */
#define LISTENWD_PROBE_MS 1000 /* the probe's pipe must come by then */
#define LISTENWD_RETRY_MS 1000 /* listening again failed: retry after */

struct listenwd;

/* Listen on url with sock. Returns 0, or an NNG error (nng_strerror) with
 * nothing left open. */
int listenwd_open(struct listenwd **out, nng_socket sock, const char *url);

/* The tick's outcome. */
enum listenwd_event {
	LISTENWD_OK,        /* nothing to report */
	LISTENWD_REOPENED,  /* the listener had stopped; it listens again */
	LISTENWD_DOWN,      /* it had stopped and cannot listen again (yet) */
	LISTENWD_BACK,      /* listening again after LISTENWD_DOWN */
};
enum listenwd_event listenwd_tick(struct listenwd *w, int *err);

int listenwd_watching(const struct listenwd *w); /* 0: no watchdog */
unsigned long listenwd_reopened(const struct listenwd *w);
/* The URL the watchdog dials to reach the listener ("" if none). */
const char *listenwd_dial_url(const struct listenwd *w);

/* Closes the probe; the listener goes with the socket (nng_close), or
 * here when close_listener is set. Accepts NULL. */
void listenwd_free(struct listenwd *w, int close_listener);

#endif
