/*	SPDX-License-Identifier: ISC */
/*
 * log.h: leveled logfmt logging to stderr.
 * Every line is "ts=... level=... " followed by either msg="..." (the
 * printf-style verbs) or caller-built key=value pairs (log_fields).
 * Secrets are never passed to these functions.
 */
#ifndef SCEPD_LOG_H
#define SCEPD_LOG_H

#include <stdarg.h>
#include <stddef.h>

enum log_level {
	LOG_LVL_ERROR = 0,
	LOG_LVL_WARN,
	LOG_LVL_INFO,
	LOG_LVL_DEBUG,
	LOG_LVL__MAX
};

/* Set once at start-up, before any thread exists. */
void	log_init(enum log_level);
int	log_enabled(enum log_level);
/*
 * With log_limit(1) (scepd serve, once it has read its configuration),
 * warnings are rate limited per format: at most 10 a second of each,
 * then one "N similar warnings suppressed" line with the next warning
 * after that second.  Off by default, so that a command such as
 * "config check" prints every line.  log_flush() writes the counts
 * still held back (at exit).
 */
void	log_limit(int);
void	log_flush(void);

void	log_warn(const char *, ...)		/* appends strerror(errno) */
	    __attribute__((format(printf, 1, 2)));
void	log_warnx(const char *, ...)
	    __attribute__((format(printf, 1, 2)));
void	log_info(const char *, ...)
	    __attribute__((format(printf, 1, 2)));
void	log_debug(const char *, ...)
	    __attribute__((format(printf, 1, 2)));
void	log_crypto(const char *, ...)		/* then the OpenSSL error queue */
	    __attribute__((format(printf, 1, 2)));
/*
 * Forget this thread's OpenSSL error queue: at the start and end of each
 * request, so that a stale error is never blamed on the next one.
 */
void	log_crypto_clear(void);
void	fatal(const char *, ...)		/* strerror(errno), exit 1 */
	    __attribute__((format(printf, 1, 2), noreturn));
void	fatalx(const char *, ...)
	    __attribute__((format(printf, 1, 2), noreturn));

/*
 * A logfmt line under construction: log_kv() appends key=value, quoting
 * the value when it needs it; log_fields() writes the line at "lvl".
 */
struct log_line {
	char	buf[1024];
	size_t	len;
};
void	log_kv(struct log_line *, const char *key, const char *value);
void	log_kvf(struct log_line *, const char *key, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4)));
void	log_fields(enum log_level, const struct log_line *);

#endif
