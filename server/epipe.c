/*
 * epipe.c - sendmsg() and readv() that report EPIPE as ECONNRESET, for
 * NNG 1.5.2 (epipe.h says why).
 */
#define _GNU_SOURCE /* RTLD_NEXT, RTLD_DEFAULT */
#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

#include "epipe.h"

typedef ssize_t (*sendmsg_fn)(int, const struct msghdr *, int);
typedef ssize_t (*readv_fn)(int, const struct iovec *, int);

static pthread_once_t once = PTHREAD_ONCE_INIT;
static sendmsg_fn next_sendmsg;
static readv_fn next_readv;

/* The next definitions: the C library's (or a sanitizer's in front). */
static void
find_next(void)
{
	next_sendmsg = (sendmsg_fn)dlsym(RTLD_NEXT, "sendmsg");
	next_readv = (readv_fn)dlsym(RTLD_NEXT, "readv");
}

ssize_t
sendmsg(int fd, const struct msghdr *msg, int flags)
{
	ssize_t n;

	pthread_once(&once, find_next);
	if (next_sendmsg != NULL)
		n = next_sendmsg(fd, msg, flags);
	else
		n = syscall(SYS_sendmsg, fd, msg, flags);
	if (n < 0 && errno == EPIPE)
		errno = ECONNRESET;
	return n;
}

ssize_t
readv(int fd, const struct iovec *iov, int iovcnt)
{
	ssize_t n;

	pthread_once(&once, find_next);
	if (next_readv != NULL)
		n = next_readv(fd, iov, iovcnt);
	else
		n = syscall(SYS_readv, fd, iov, iovcnt);
	if (n < 0 && errno == EPIPE)
		errno = ECONNRESET;
	return n;
}

int
epipe_active(void)
{
	return dlsym(RTLD_DEFAULT, "sendmsg") == (void *)sendmsg &&
	    dlsym(RTLD_DEFAULT, "readv") == (void *)readv;
}
