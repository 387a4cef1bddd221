/*
 * log.c - see log.h. Lines look like
 *   polsd: warn S202: batch 3f2a... from 'kantine-1' refused: terminal does
 *   not serve team 'bt-almelo'
 * Reasons never carry counts or answers: a small batch's counts are answers.
 * Timestamps are left to the service manager (journald adds them), so no
 * clock reading ever sits next to a log line about a batch in our own files.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "log.h"

static const char *log_prog = "pols";
static enum log_level log_max = LOG_INFO;
static const char *const log_names[] = {"error", "warn", "info", "debug"};

void
log_init(const char *prog, enum log_level level)
{
	log_prog = prog;
	log_max = level;
}

int
log_level_parse(const char *s, enum log_level *out)
{
	for (int i = 0; i <= LOG_DEBUG; i++) {
		if (strcmp(s, log_names[i]) == 0) {
			*out = (enum log_level)i;
			return 0;
		}
	}
	return -1;
}

void
log_msg(enum log_level level, const char *id, const char *fmt, ...)
{
	va_list ap;

	if (level > log_max)
		return;
	fprintf(stderr, "%s: %s %s: ", log_prog, log_names[level], id);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}
