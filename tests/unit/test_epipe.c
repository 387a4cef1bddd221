/*
 * test_epipe.c - server/epipe.c: sendmsg() and readv() report EPIPE as
 * ECONNRESET, and with them NNG 1.5.2's listener goes on accepting after
 * peers hang up during the handshake (nanomsg/nng#1518), with no
 * watchdog.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <time.h>
#include <unistd.h>

#include <nng/nng.h>
#include <nng/protocol/reqrep0/rep.h>
#include <nng/protocol/reqrep0/req.h>

#include "epipe.h"

static void
test_active(void **state)
{
	(void)state;
	assert_true(epipe_active());
}

static void
test_sendmsg(void **state)
{
	int sv[2];
	char c = 'x';
	struct iovec iov = {&c, 1};
	struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1};

	(void)state;
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	close(sv[1]);
	errno = 0;
	assert_int_equal(sendmsg(sv[0], &m, MSG_NOSIGNAL), -1);
	assert_int_equal(errno, ECONNRESET);
	/* Everything else as it was. */
	assert_int_equal(readv(sv[0], &iov, 1), 0);
	close(sv[0]);
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	assert_int_equal(sendmsg(sv[0], &m, MSG_NOSIGNAL), 1);
	c = 'y';
	assert_int_equal(readv(sv[1], &iov, 1), 1);
	assert_int_equal(c, 'x');
	close(sv[0]);
	close(sv[1]);
	errno = 0;
	assert_int_equal(readv(sv[0], &iov, 1), -1);
	assert_int_equal(errno, EBADF);
}

/* Connect and close at once, before the server's handshake; over TCP a FIN
 * and then a RST. */
static void
hang_up(const char *path, int port)
{
	struct sockaddr_storage ss;
	socklen_t len;
	int s;

	memset(&ss, 0, sizeof ss);
	if (path != NULL) {
		struct sockaddr_un *u = (struct sockaddr_un *)&ss;
		u->sun_family = AF_UNIX;
		snprintf(u->sun_path, sizeof u->sun_path, "%s", path);
		len = sizeof *u;
	} else {
		struct sockaddr_in *a = (struct sockaddr_in *)&ss;
		a->sin_family = AF_INET;
		a->sin_port = htons((uint16_t)port);
		a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		len = sizeof *a;
	}
	s = socket(ss.ss_family, SOCK_STREAM, 0);
	assert_true(s >= 0);
	assert_int_equal(connect(s, (struct sockaddr *)&ss, len), 0);
	if (path == NULL) {
		struct linger lg = {1, 0};
		shutdown(s, SHUT_WR);
		setsockopt(s, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
	}
	close(s);
}

/* Ten hang-ups, then a new REQ client is answered within 3 s. */
static void
hangups_then_client(const char *url, const char *path)
{
	nng_socket rep, req;
	nng_listener l;
	nng_sockaddr sa;
	char dial[128], *buf = NULL;
	size_t sz = 0;
	struct timespec ts = {0, 20 * 1000000L};

	assert_int_equal(nng_rep0_open(&rep), 0);
	assert_int_equal(nng_listen(rep, url, &l, 0), 0);
	if (path != NULL) {
		snprintf(dial, sizeof dial, "%s", url);
	} else {
		assert_int_equal(nng_listener_get_addr(l, NNG_OPT_LOCADDR,
		    &sa), 0);
		snprintf(dial, sizeof dial, "tcp://127.0.0.1:%u",
		    (unsigned)ntohs(sa.s_in.sa_port));
	}
	for (int i = 0; i < 10; i++) {
		hang_up(path, path == NULL ? ntohs(sa.s_in.sa_port) : 0);
		nanosleep(&ts, NULL);
	}
	assert_int_equal(nng_req0_open(&req), 0);
	nng_socket_set_ms(req, NNG_OPT_RECVTIMEO, 3000);
	nng_socket_set_ms(req, NNG_OPT_SENDTIMEO, 3000);
	nng_socket_set_ms(rep, NNG_OPT_RECVTIMEO, 3000);
	assert_int_equal(nng_dial(req, dial, NULL, NNG_FLAG_NONBLOCK), 0);
	assert_int_equal(nng_send(req, "ping", 5, 0), 0);
	assert_int_equal(nng_recv(rep, &buf, &sz, NNG_FLAG_ALLOC), 0);
	nng_free(buf, sz);
	assert_int_equal(nng_send(rep, "pong", 5, 0), 0);
	assert_int_equal(nng_recv(req, &buf, &sz, NNG_FLAG_ALLOC), 0);
	assert_int_equal(sz, 5);
	assert_string_equal(buf, "pong");
	nng_free(buf, sz);
	nng_close(req);
	nng_close(rep);
}

static void
test_ipc(void **state)
{
	char dir[] = "/tmp/epipe.XXXXXX", path[96], url[128];

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof path, "%s/s.sock", dir);
	snprintf(url, sizeof url, "ipc://%s", path);
	hangups_then_client(url, path);
	rmdir(dir);
}

static void
test_tcp(void **state)
{
	(void)state;
	hangups_then_client("tcp://127.0.0.1:0", NULL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_active),
		cmocka_unit_test(test_sendmsg),
		cmocka_unit_test(test_ipc),
		cmocka_unit_test(test_tcp),
	};
	int rc = cmocka_run_group_tests(tests, NULL, NULL);

	/* no nng_fini(): NNG 1.5.2 can crash or hang in it (client/main.c) */
	return rc;
}
