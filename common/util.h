/*
 * util.h - careful file I/O shared by all programs.
 *
 * Files are opened with O_NOFOLLOW | O_CLOEXEC; reads are capped; writes go
 * to a temporary file that is fsync'd and renamed, with the mode given at
 * creation (secret files are never briefly world-readable).
 */
#ifndef POLS_UTIL_H
#define POLS_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define ERRLEN 256

/* Read at most max bytes of path into a NUL-terminated malloc'd buffer
 * (*out, free()), length in *len. -1 with "cannot open 'p': reason" or
 * "'p' is larger than N bytes" in err. */
int util_read_file(const char *path, size_t max, char **out, size_t *len,
    char *err, size_t errlen);

/* Write data to path atomically with mode. With excl, refuse when path
 * exists. Returns 0 or -1 with reason in err. */
int util_write_file(const char *path, const void *data, size_t len,
    mode_t mode, int excl, char *err, size_t errlen);

/* mkdir -p with mode for the created components; an existing directory is
 * fine. 0 or -1 with reason. */
int util_mkdirs(const char *path, mode_t mode, char *err, size_t errlen);

/* 1 if path exists (lstat), 0 if not. */
int util_exists(const char *path);

/* snprintf that reports truncation: 0 or -1. */
int util_path(char *out, size_t outlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* A copy of untrusted text fit for a log line: at most outlen - 1 bytes,
 * anything but printable ASCII shown as '?', cut with "...". Returns out. */
const char *util_printable(char *out, size_t outlen, const char *s);

/* Wipe a NUL-terminated string and free it; accepts NULL. */
void util_free_wiped(char *s);

/* Make cJSON wipe what it frees (answers and counts pass through it).
 * Programs call this once at start (pcrypto_init does). */
void util_json_wipe_on_free(void);

/* Lower-case hex of n bytes into out (2n+1 bytes). */
void util_hex(char *out, const uint8_t *in, size_t n);
/* Parse exactly n bytes of hex; 0 or -1. */
int util_unhex(uint8_t *out, size_t n, const char *hex);

/* Base64 (libsodium original variant); encode returns malloc'd string or
 * NULL; decode returns 0 with *out malloc'd (free) or -1. max caps the
 * decoded size. */
char *util_b64(const uint8_t *in, size_t n);
int util_unb64(const char *in, size_t max, uint8_t **out, size_t *outlen);

#endif
