/*	SPDX-License-Identifier: ISC */
/*
 * log.c: logfmt lines on stderr, one write(2) per line so that lines from
 * worker threads never interleave.  log_crypto() drains this thread's
 * OpenSSL error queue next to the caller's context.  Warnings are rate
 * limited per format (log_admit()) once log_limit() says so, so that a
 * flood of bad requests cannot flood the log; info lines (the request
 * log) never are.
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
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

/*
 * Warnings of one format (by its address: in effect one call site)
 * written per second; past it they are counted, and the count goes out
 * as one summary line with the next warning after that second, or at
 * log_flush().  LOG_KINDS formats are followed at once; a new one takes
 * the place of the one seen least recently (its count written first).
 */
#define LOG_BURST	10
#define LOG_KINDS	64

struct log_kind {
	const char	*fmt;		/* NULL: a free slot */
	int64_t		 sec;		/* the second being counted */
	int		 n;		/* lines of it written in "sec" */
	unsigned long	 dropped;	/* lines not written since */
};

/*
 * The second piece of process-wide state log.c owns: the counters
 * above, under "mtx".  "pending" (slots with a count to write) lets
 * log_admit() skip the sweep without the look through the table.
 */
static struct {
	pthread_mutex_t	 mtx;
	struct log_kind	 kinds[LOG_KINDS];
	atomic_int	 pending;
} log_rl = { .mtx = PTHREAD_MUTEX_INITIALIZER };

/* Off until log_limit(1): a command (config check) prints every line. */
static atomic_int log_limited;

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

static void vlog_write(enum log_level, const char *, va_list, const char *)
    __attribute__((format(printf, 2, 0)));

static void
vlog_write(enum log_level lvl, const char *fmt, va_list ap,
    const char *suffix)
{
	struct log_line	 l = { .len = 0 };
	char		 msg[768];
	int		 n;

	n = vsnprintf(msg, sizeof(msg), fmt, ap);
	if (suffix != NULL && n >= 0 && (size_t)n < sizeof(msg))
		snprintf(msg + n, sizeof(msg) - (size_t)n, ": %s", suffix);
	log_kv(&l, "msg", msg);
	log_fields(lvl, &l);
}

/* "N similar warnings suppressed", naming the format they had. */
static void
log_summary(const char *fmt, unsigned long n)
{
	struct log_line	 l = { .len = 0 };

	log_kvf(&l, "msg", "%lu similar warnings suppressed", n);
	log_kv(&l, "like", fmt);
	log_fields(LOG_LVL_WARN, &l);
}

static int64_t
log_second(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec;
}

/* The slot of "fmt", else a free one, else the one seen least recently. */
static struct log_kind *
log_kind(const char *fmt)
{
	struct log_kind	*k, *old = &log_rl.kinds[0];
	size_t		 i;

	for (i = 0; i < LOG_KINDS; i++) {
		k = &log_rl.kinds[i];
		if (k->fmt == fmt)
			return k;
		if (k->fmt == NULL)
			return k;
		if (k->sec < old->sec)
			old = k;
	}
	return old;
}

/* Move the counts of seconds gone by (all, if "all") to "out". */
static size_t
log_sweep(int64_t now, int all, struct log_kind *out, size_t max)
{
	struct log_kind	*k;
	size_t		 i, n = 0;

	for (i = 0; i < LOG_KINDS && n < max; i++) {
		k = &log_rl.kinds[i];
		if (k->dropped == 0 || (!all && k->sec >= now))
			continue;
		out[n++] = *k;
		k->dropped = 0;
		atomic_fetch_sub(&log_rl.pending, 1);
	}
	return n;
}

/*
 * May a warning of format "fmt" be written now?  Also writes the
 * summaries that are due, this format's and any other's.
 */
static int
log_admit(const char *fmt)
{
	struct log_kind	 due[LOG_KINDS + 1], *k;	/* + one evicted */
	int64_t		 now = log_second();
	size_t		 i, ndue = 0;
	int		 ok;

	pthread_mutex_lock(&log_rl.mtx);
	if (atomic_load(&log_rl.pending) > 0)
		ndue = log_sweep(now, 0, due, LOG_KINDS);
	k = log_kind(fmt);
	if (k->fmt != fmt) {
		if (k->dropped > 0) {	/* evicted: its count goes now */
			due[ndue++] = *k;
			atomic_fetch_sub(&log_rl.pending, 1);
		}
		memset(k, 0, sizeof(*k));
		k->fmt = fmt;
	}
	if (k->sec != now) {
		k->sec = now;
		k->n = 0;
	}
	if ((ok = k->n < LOG_BURST))
		k->n++;
	else if (k->dropped++ == 0)
		atomic_fetch_add(&log_rl.pending, 1);
	pthread_mutex_unlock(&log_rl.mtx);
	for (i = 0; i < ndue; i++)	/* outside the lock: stderr may block */
		log_summary(due[i].fmt, due[i].dropped);
	return ok;
}

void
log_limit(int on)
{
	atomic_store(&log_limited, on);
}

void
log_flush(void)
{
	struct log_kind	 due[LOG_KINDS];
	size_t		 i, ndue;

	pthread_mutex_lock(&log_rl.mtx);
	ndue = log_sweep(0, 1, due, LOG_KINDS);
	pthread_mutex_unlock(&log_rl.mtx);
	for (i = 0; i < ndue; i++)
		log_summary(due[i].fmt, due[i].dropped);
}

static int vlog(enum log_level, const char *, va_list, const char *)
    __attribute__((format(printf, 2, 0)));

/* Write a line if "lvl" is on and, for a warning, it is admitted: 1. */
static int
vlog(enum log_level lvl, const char *fmt, va_list ap, const char *suffix)
{
	if (!log_enabled(lvl))
		return 0;
	if (lvl == LOG_LVL_WARN && atomic_load(&log_limited) &&
	    !log_admit(fmt))
		return 0;
	vlog_write(lvl, fmt, ap, suffix);
	return 1;
}

/* A continuation line of a warning already admitted. */
static void
log_more(const char *fmt, ...)
    __attribute__((format(printf, 1, 2)));

static void
log_more(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog_write(LOG_LVL_WARN, fmt, ap, NULL);
	va_end(ap);
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
	int		 shown;

	va_start(ap, fmt);
	shown = vlog(LOG_LVL_WARN, fmt, ap, NULL);
	va_end(ap);
	/* The queue is emptied either way: it is this request's. */
	while ((e = ERR_get_error()) != 0) {
		if (!shown)
			continue;
		ERR_error_string_n(e, buf, sizeof(buf));
		log_more("    openssl: %s", buf);
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
