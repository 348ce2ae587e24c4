/*	SPDX-License-Identifier: ISC */
/*
 * log.c: logfmt lines on stderr, one write(2) per line so that lines from
 * worker threads never interleave.  log_crypto() drains this thread's
 * OpenSSL error queue next to the caller's context.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>

#include "log.h"

/*
 * The verbosity is written once by log_init() before any thread starts
 * and only read afterwards; it is the one piece of process-wide state.
 */
static enum log_level log_max = LOG_LVL_INFO;

static const char *const log_names[LOG_LVL__MAX] = {
	"error", "warn", "info", "debug"
};

void
log_init(enum log_level lvl)
{
	log_max = lvl;
}

int
log_enabled(enum log_level lvl)
{
	return lvl <= log_max;
}

/* Append "s" to the line as a logfmt value, quoted when needed. */
static void
log_append_value(struct log_line *l, const char *s)
{
	size_t		 room;
	int		 quote = (*s == '\0');
	const char	*p;

	for (p = s; *p != '\0' && !quote; p++)
		if (*p <= ' ' || *p == '"' || *p == '=' || *p == '\\' ||
		    (unsigned char)*p >= 0x7f)
			quote = 1;
	room = sizeof(l->buf) - 2;	/* keep space for '\n' and NUL */
	if (quote && l->len < room)
		l->buf[l->len++] = '"';
	for (p = s; *p != '\0' && l->len + 2 < room; p++) {
		unsigned char c = (unsigned char)*p;

		if (c == '"' || c == '\\') {
			l->buf[l->len++] = '\\';
			l->buf[l->len++] = (char)c;
		} else if (c < ' ' || c == 0x7f)
			l->buf[l->len++] = '?';	/* no control bytes in logs */
		else
			l->buf[l->len++] = (char)c;
	}
	if (quote && l->len < room)
		l->buf[l->len++] = '"';
	l->buf[l->len] = '\0';
}

void
log_kv(struct log_line *l, const char *key, const char *value)
{
	int n;

	if (value == NULL)
		value = "";
	n = snprintf(l->buf + l->len, sizeof(l->buf) - l->len, "%s%s=",
	    l->len > 0 ? " " : "", key);
	if (n < 0 || (size_t)n >= sizeof(l->buf) - l->len)
		return;
	l->len += (size_t)n;
	log_append_value(l, value);
}

void
log_kvf(struct log_line *l, const char *key, const char *fmt, ...)
{
	char	 v[512];
	va_list	 ap;

	va_start(ap, fmt);
	vsnprintf(v, sizeof(v), fmt, ap);
	va_end(ap);
	log_kv(l, key, v);
}

void
log_fields(enum log_level lvl, const struct log_line *fields)
{
	struct log_line	 l = { .len = 0 };
	struct timespec	 ts;
	struct tm	 tm;
	char		 when[64];
	ssize_t		 w;

	if (!log_enabled(lvl))
		return;
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	snprintf(when, sizeof(when), "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ",
	    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
	    tm.tm_min, tm.tm_sec, ts.tv_nsec / 1000000);
	log_kv(&l, "ts", when);
	log_kv(&l, "level", log_names[lvl]);
	if (fields->len > 0 && l.len + 1 + fields->len < sizeof(l.buf) - 1) {
		l.buf[l.len++] = ' ';
		memcpy(l.buf + l.len, fields->buf, fields->len);
		l.len += fields->len;
	}
	l.buf[l.len++] = '\n';
	w = write(STDERR_FILENO, l.buf, l.len);
	(void)w;
}

static void vlog(enum log_level, const char *, va_list, const char *)
    __attribute__((format(printf, 2, 0)));

static void
vlog(enum log_level lvl, const char *fmt, va_list ap, const char *suffix)
{
	struct log_line	 l = { .len = 0 };
	char		 msg[768];
	int		 n;

	if (!log_enabled(lvl))
		return;
	n = vsnprintf(msg, sizeof(msg), fmt, ap);
	if (suffix != NULL && n >= 0 && (size_t)n < sizeof(msg))
		snprintf(msg + n, sizeof(msg) - (size_t)n, ": %s", suffix);
	log_kv(&l, "msg", msg);
	log_fields(lvl, &l);
}

#define LOG_VERB(name, lvl)				\
void							\
name(const char *fmt, ...)				\
{							\
	va_list ap;					\
							\
	va_start(ap, fmt);				\
	vlog(lvl, fmt, ap, NULL);			\
	va_end(ap);					\
}
LOG_VERB(log_warnx, LOG_LVL_WARN)
LOG_VERB(log_info, LOG_LVL_INFO)
LOG_VERB(log_debug, LOG_LVL_DEBUG)

void
log_warn(const char *fmt, ...)
{
	va_list	ap;
	int	saved = errno;

	va_start(ap, fmt);
	vlog(LOG_LVL_WARN, fmt, ap, strerror(saved));
	va_end(ap);
}

void
log_crypto(const char *fmt, ...)
{
	char		 buf[256];
	unsigned long	 e;
	va_list		 ap;

	va_start(ap, fmt);
	vlog(LOG_LVL_WARN, fmt, ap, NULL);
	va_end(ap);
	while ((e = ERR_get_error()) != 0) {
		ERR_error_string_n(e, buf, sizeof(buf));
		log_warnx("    openssl: %s", buf);
	}
}

void
log_crypto_clear(void)
{
	ERR_clear_error();
}

void
fatal(const char *fmt, ...)
{
	va_list	ap;
	int	saved = errno;

	va_start(ap, fmt);
	vlog(LOG_LVL_ERROR, fmt, ap, strerror(saved));
	va_end(ap);
	exit(1);
}

void
fatalx(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	vlog(LOG_LVL_ERROR, fmt, ap, NULL);
	va_end(ap);
	exit(1);
}
