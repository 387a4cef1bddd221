/*
 * util.c - see util.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <malloc.h>

#include <cjson/cJSON.h>
#include <sodium.h>

#include "util.h"

const char *
util_printable(char *out, size_t outlen, const char *s)
{
	size_t i, max = outlen > 4 ? outlen - 4 : 0;

	for (i = 0; s != NULL && s[i] != '\0' && i < max; i++)
		out[i] = (s[i] >= 0x20 && s[i] < 0x7f && s[i] != '\'') ?
		    s[i] : '?';
	if (s != NULL && s[i] != '\0' && outlen >= 4) {
		memcpy(out + i, "...", 3);
		i += 3;
	}
	if (outlen > 0)
		out[i < outlen ? i : outlen - 1] = '\0';
	return out;
}

void
util_free_wiped(char *s)
{
	if (s != NULL) {
		sodium_memzero(s, strlen(s));
		free(s);
	}
}

static void
json_free(void *p)
{
	if (p != NULL) {
		/* glibc knows the block's size; wipe all of it. */
		sodium_memzero(p, malloc_usable_size(p));
		free(p);
	}
}

void
util_json_wipe_on_free(void)
{
	cJSON_Hooks h = {malloc, json_free};

	cJSON_InitHooks(&h);
}

int
util_read_file(const char *path, size_t max, char **out, size_t *len,
    char *err, size_t errlen)
{
	int fd;
	char *buf = NULL;
	size_t have = 0, cap = 0;
	ssize_t r;

	*out = NULL;
	if ((fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) < 0) {
		snprintf(err, errlen, "cannot open '%s': %s", path,
		    strerror(errno));
		return -1;
	}
	for (;;) {
		if (have == cap) {
			size_t ncap = cap ? cap * 2 : 4096;
			char *nb;
			if (ncap > max + 1)
				ncap = max + 1;
			if (ncap <= have) {
				snprintf(err, errlen,
				    "'%s' is larger than %zu bytes", path, max);
				goto fail;
			}
			if ((nb = realloc(buf, ncap + 1)) == NULL) {
				snprintf(err, errlen, "out of memory");
				goto fail;
			}
			buf = nb;
			cap = ncap;
		}
		r = read(fd, buf + have, cap - have);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			snprintf(err, errlen, "cannot read '%s': %s", path,
			    strerror(errno));
			goto fail;
		}
		if (r == 0)
			break;
		have += (size_t)r;
		if (have > max) {
			snprintf(err, errlen, "'%s' is larger than %zu bytes",
			    path, max);
			goto fail;
		}
	}
	close(fd);
	if (buf == NULL && (buf = malloc(1)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	buf[have] = '\0';
	*out = buf;
	*len = have;
	return 0;
fail:
	close(fd);
	free(buf);
	return -1;
}

int
util_write_file(const char *path, const void *data, size_t len, mode_t mode,
    int excl, char *err, size_t errlen)
{
	char tmp[4096];
	int fd;
	const char *p = data;
	size_t left = len;

	if (excl && util_exists(path)) {
		snprintf(err, errlen, "'%s' already exists", path);
		return -1;
	}
	if (util_path(tmp, sizeof tmp, "%s.tmp%ld", path, (long)getpid()) != 0) {
		snprintf(err, errlen, "path too long: '%s'", path);
		return -1;
	}
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
	    mode);
	if (fd < 0) {
		snprintf(err, errlen, "cannot create '%s': %s", tmp,
		    strerror(errno));
		return -1;
	}
	while (left > 0) {
		ssize_t w = write(fd, p, left);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			snprintf(err, errlen, "cannot write '%s': %s", tmp,
			    strerror(errno));
			goto fail;
		}
		p += w;
		left -= (size_t)w;
	}
	if (fchmod(fd, mode) != 0 || fsync(fd) != 0) {
		snprintf(err, errlen, "cannot sync '%s': %s", tmp,
		    strerror(errno));
		goto fail;
	}
	close(fd);
	if (excl ? link(tmp, path) != 0 : rename(tmp, path) != 0) {
		snprintf(err, errlen, "cannot create '%s': %s", path,
		    strerror(errno));
		unlink(tmp);
		return -1;
	}
	if (excl)
		unlink(tmp);
	return 0;
fail:
	close(fd);
	unlink(tmp);
	return -1;
}

int
util_mkdirs(const char *path, mode_t mode, char *err, size_t errlen)
{
	char buf[4096];
	size_t n = strlen(path);

	if (n == 0 || n >= sizeof buf) {
		snprintf(err, errlen, "bad directory path '%s'", path);
		return -1;
	}
	memcpy(buf, path, n + 1);
	for (size_t i = 1; i <= n; i++) {
		if (buf[i] != '/' && buf[i] != '\0')
			continue;
		char c = buf[i];
		buf[i] = '\0';
		if (mkdir(buf, mode) != 0 && errno != EEXIST) {
			snprintf(err, errlen, "cannot create '%s': %s", buf,
			    strerror(errno));
			return -1;
		}
		buf[i] = c;
	}
	struct stat st;
	if (stat(path, &st) != 0 || !S_ISDIR(st.st_mode)) {
		snprintf(err, errlen, "'%s' is not a directory", path);
		return -1;
	}
	return 0;
}

int
util_exists(const char *path)
{
	struct stat st;
	return lstat(path, &st) == 0;
}

int
util_path(char *out, size_t outlen, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(out, outlen, fmt, ap);
	va_end(ap);
	return (n < 0 || (size_t)n >= outlen) ? -1 : 0;
}

void
util_hex(char *out, const uint8_t *in, size_t n)
{
	sodium_bin2hex(out, 2 * n + 1, in, n);
}

int
util_unhex(uint8_t *out, size_t n, const char *hex)
{
	size_t got;
	const char *end;

	if (strlen(hex) != 2 * n)
		return -1;
	if (sodium_hex2bin(out, n, hex, 2 * n, NULL, &got, &end) != 0 ||
	    got != n || *end != '\0')
		return -1;
	return 0;
}

char *
util_b64(const uint8_t *in, size_t n)
{
	size_t len = sodium_base64_encoded_len(n, sodium_base64_VARIANT_ORIGINAL);
	char *s = malloc(len);

	if (s != NULL)
		sodium_bin2base64(s, len, in, n, sodium_base64_VARIANT_ORIGINAL);
	return s;
}

int
util_unb64(const char *in, size_t max, uint8_t **out, size_t *outlen)
{
	size_t inlen = strlen(in);
	size_t cap = inlen / 4 * 3 + 3;
	uint8_t *buf;
	const char *end;

	*out = NULL;
	if (inlen / 4 * 3 > max + 2) /* padding removes at most 2 bytes */
		return -1;
	if ((buf = malloc(cap ? cap : 1)) == NULL)
		return -1;
	if (sodium_base642bin(buf, cap, in, inlen, NULL, outlen, &end,
	    sodium_base64_VARIANT_ORIGINAL) != 0 || *end != '\0' ||
	    *outlen > max) {
		free(buf);
		return -1;
	}
	*out = buf;
	return 0;
}
