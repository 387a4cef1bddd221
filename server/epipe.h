/*
 * epipe.h - report a socket's EPIPE to NNG as ECONNRESET.
 *
 * NNG 1.5.2 (Debian 12) maps EPIPE to NNG_ECLOSED. When a peer hangs up
 * during the connection handshake, the server's handshake write (over
 * ipc://) or read (over tcp://, after a FIN and a RST) fails with EPIPE,
 * the transport hands NNG_ECLOSED to the listener, and the listener takes
 * it for "socket closed": it never accepts again (nanomsg/nng#1518; the
 * fix upstream, after 1.5.2, reports such a failure as a lost connection).
 * Closing that listener does not free it either: the connections it had
 * parked keep their descriptors.
 *
 * epipe.c defines sendmsg() and readv(), the two calls NNG's stream
 * transports make, in the program that links it: they call the C
 * library's and turn EPIPE into ECONNRESET, which NNG takes for a lost
 * connection (the listener goes on accepting; a pipe closes as before).
 * Nothing else in polsd uses them on sockets. listenwd.h stays the safety
 * net should a listener stop all the same.
 */
#ifndef POLS_EPIPE_H
#define POLS_EPIPE_H

/* 1 when the sendmsg() and readv() NNG calls are the ones in epipe.c (the
 * program links epipe.o and exports them); 0 when not. */
int epipe_active(void);

#endif
