/*
 * log.h - levelled logging to stderr for the programs.
 *
 * Library code in common/ returns errors and never logs; programs decide.
 * Every message carries a stable id ("S101") so operators can grep and
 * document them. Never pass answers, keys, tokens or exact response times.
 */
#ifndef POLS_LOG_H
#define POLS_LOG_H

enum log_level { LOG_ERR = 0, LOG_WARN, LOG_INFO, LOG_DEBUG };

void log_init(const char *prog, enum log_level level);
int log_level_parse(const char *s, enum log_level *out);
void log_msg(enum log_level level, const char *id, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
