/*	SPDX-License-Identifier: ISC */
/*
 * intune_sync.c: Intune's revocation queue (INTUNE.md step 5) and the
 * thread of the serving process that works it.  Per intune profile:
 * downloadRevocationRequests (500 at a time, until the queue is empty),
 * store_cert_revoke() for each certificate that profile issued, and
 * uploadRevocationResults with one result per request.  A certificate
 * of another profile is "not found": one tenant cannot revoke what
 * another tenant's devices hold.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "intune_sync.h"
#include "log.h"

/* RFC 5280 5.3.1: the device was retired or its profile withdrawn. */
#define INTUNE_REVOKE_REASON	5	/* cessationOfOperation */
/* Rounds of one sync: a queue that never empties must not hold us. */
#define INTUNE_SYNC_ROUNDS	100
/* The shortest lease: longer than any one sync may take. */
#define INTUNE_LEASE_MIN	300

struct intune_sync {
	pthread_t		 th;
	pthread_mutex_t		 mu;
	pthread_cond_t		 cv;		/* stop or reload */
	int			 stop;		/* under mu */
	struct conf		*next;		/* under mu: from a reload */
	struct conf		*conf;		/* the thread's own */
	int64_t			*due;		/* per profile, monotonic s */
	struct store		*st;
	struct intune_cache	*cache;
	char			 holder[160];	/* host:pid, for the lease */
};

/*
 * Intune's serial as scepd stores it (x509_serial_hex(): upper-case
 * hex of the minimal bytes): separators dropped, leading zeros too,
 * then one back if the digits are odd.  0, or -1 if it is no serial.
 */
static int
intune_sync_serial(const char *in, char *out, size_t sz)
{
	char	 d[STORE_SERIAL_MAX + 2];
	size_t	 n = 0, skip = 0;

	for (; *in != '\0'; in++) {
		if (*in == ':' || *in == ' ' || *in == '-')
			continue;
		if (strchr("0123456789abcdefABCDEF", *in) == NULL ||
		    n == sizeof(d) - 1)
			return -1;
		d[n++] = (char)(*in >= 'a' ? *in - 'a' + 'A' : *in);
	}
	d[n] = '\0';
	while (skip + 1 < n && d[skip] == '0')
		skip++;
	n -= skip;
	if (n == 0 || n + (n & 1) > STORE_SERIAL_MAX || n + (n & 1) >= sz)
		return -1;
	snprintf(out, sz, "%s%s", (n & 1) ? "0" : "", d + skip);
	return 0;
}

/*
 * The audit entry of a certificate revoked at Intune's request (actor
 * "intune"), written in the revocation's own transaction.
 */
static void
intune_sync_audit(const struct conf_profile *pc,
    const struct intune_revocation *r, const char *serial,
    struct store_audit *a)
{
	json_t	*j;
	char	*d = NULL;

	memset(a, 0, sizeof(*a));
	a->at = (int64_t)time(NULL);
	snprintf(a->actor, sizeof(a->actor), "intune");
	snprintf(a->action, sizeof(a->action), "cert.revoke");
	snprintf(a->target, sizeof(a->target), "cert:%s", serial);
	snprintf(a->outcome, sizeof(a->outcome), "ok");
	j = json_pack("{s:s, s:s, s:s}", "reason", "cessationOfOperation",
	    "profile", pc->name, "issuer", r->issuer);
	if (j != NULL)
		d = json_dumps(j, JSON_COMPACT);
	json_decref(j);
	snprintf(a->details, sizeof(a->details), "%s", d != NULL ? d : "{}");
	free(d);
}

/* One result, as uploadRevocationResults wants it. */
static void
intune_sync_answer(struct intune_revocation *r, int ok, const char *code,
    const char *msg)
{
	r->succeeded = ok;
	r->error = code;
	snprintf(r->message, sizeof(r->message), "%s", msg);
}

/* One request of the queue: revoke if it is ours, and say how it went. */
static void
intune_sync_one(struct store *st, const struct conf_profile *pc,
    struct intune_revocation *r, struct intune_sync_counts *n)
{
	struct store_cert	 c;
	struct store_audit	 a;
	char			 serial[STORE_SERIAL_MAX + 1];
	int			 found, mine;

	if (intune_sync_serial(r->serial, serial, sizeof(serial)) == -1) {
		n->unknown++;
		intune_sync_answer(r, 0, "ParameterDataInvalidError",
		    "serialNumber is not a certificate serial");
		return;
	}
	if (store_cert_get(st, serial, &c, &found) == -1) {
		n->failed++;
		intune_sync_answer(r, 0, "RetryableServiceException",
		    "the certificate store is unavailable");
		return;
	}
	mine = found && strcmp(c.profile, pc->name) == 0;
	if (found)
		store_cert_clear(&c);
	if (!mine) {
		n->unknown++;
		intune_sync_answer(r, 0, "CertificateNotFoundError",
		    "no certificate with this serial was issued through this "
		    "profile");
		return;
	}
	/* The revocation and its audit entry (actor "intune"), at once. */
	intune_sync_audit(pc, r, serial, &a);
	switch (store_cert_revoke_audited(st, serial, INTUNE_REVOKE_REASON,
	    a.at, &a)) {
	case STORE_REVOKE_DONE:
		n->revoked++;
		log_info("intune: revoked serial %s (profile %s, reason "
		    "cessationOfOperation, issuer \"%s\")", serial, pc->name,
		    r->issuer);
		intune_sync_answer(r, 1, "None", "revoked");
		break;
	case STORE_REVOKE_ALREADY:
		n->already++;
		intune_sync_answer(r, 1, "None", "revoked already");
		break;
	case STORE_REVOKE_UNKNOWN:
		n->unknown++;
		intune_sync_answer(r, 0, "CertificateNotFoundError",
		    "no certificate with this serial");
		break;
	default:
		n->failed++;
		intune_sync_answer(r, 0, "RetryableServiceException",
		    "the certificate store is unavailable");
		break;
	}
}

/* One round: download, revoke, upload.  *n requests; 0 or -1. */
static int
intune_sync_round(struct store *st, struct intune_cache *cache,
    const struct conf_profile *pc, struct intune_revocation *v, size_t *n,
    struct intune_sync_counts *counts)
{
	struct intune_result	 res;
	size_t			 i;

	if (intune_revocations_get(cache, &pc->intune, v, INTUNE_REVOKE_MAX,
	    n, &res) != INTUNE_OK)
		return -1;
	if (*n == 0)
		return 0;
	counts->requests += *n;
	for (i = 0; i < *n; i++)
		intune_sync_one(st, pc, &v[i], counts);
	if (intune_revocations_put(cache, &pc->intune, v, *n, &res) !=
	    INTUNE_OK)
		return -1;
	return 0;
}

int
intune_sync_profile(struct store *st, struct intune_cache *cache,
    const struct conf_profile *pc, const char *holder,
    struct intune_sync_counts *counts, int *skipped)
{
	struct intune_revocation	*v = NULL;
	char				 name[STORE_NAME_MAX + 8];
	size_t				 n = 1;
	int				 got, i, rc = -1;
	int				 ttl = pc->intune.revocation_interval;

	memset(counts, 0, sizeof(*counts));
	*skipped = 0;
	snprintf(name, sizeof(name), "intune:%s", pc->name);
	if (ttl < INTUNE_LEASE_MIN)
		ttl = INTUNE_LEASE_MIN;
	if (store_lease_take(st, name, holder, (int64_t)time(NULL), ttl,
	    &got) == -1)
		return -1;
	if (!got) {
		log_debug("intune: profile %s: another node syncs the "
		    "revocation queue", pc->name);
		*skipped = 1;
		return 0;
	}
	if ((v = calloc(INTUNE_REVOKE_MAX, sizeof(*v))) == NULL) {
		log_warn("intune_sync_profile");
		return -1;
	}
	for (i = 0; i < INTUNE_SYNC_ROUNDS && n > 0; i++)
		if (intune_sync_round(st, cache, pc, v, &n, counts) == -1)
			goto out;
	rc = 0;
 out:
	if (counts->requests > 0 || rc == -1)
		log_info("intune: profile %s: revocation queue: %zu requests, "
		    "%zu revoked, %zu revoked already, %zu not found, %zu "
		    "failed%s", pc->name, counts->requests, counts->revoked,
		    counts->already, counts->unknown, counts->failed,
		    rc == -1 ? "; stopped by an error" : "");
	free(v);
	return rc;
}

static int64_t
intune_sync_now(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec;
}

/* Take a reloaded configuration; every profile is due at once. */
static int
intune_sync_swap(struct intune_sync *s, struct conf *c)
{
	int64_t	*due;
	size_t	 i;

	if ((due = calloc(c->nprofiles, sizeof(*due))) == NULL) {
		log_warn("intune_sync");
		conf_free(c);
		return -1;
	}
	for (i = 0; i < c->nprofiles; i++)
		due[i] = intune_sync_now();
	conf_free(s->conf);
	free(s->due);
	s->conf = c;
	s->due = due;
	return 0;
}

/* Sync every profile that is due; the seconds until the next is. */
static int64_t
intune_sync_due(struct intune_sync *s)
{
	const struct conf_profile	*pc;
	struct intune_sync_counts	 n;
	int64_t				 wait = 3600, now;
	size_t				 i;
	int				 skipped;

	for (i = 0; i < s->conf->nprofiles; i++) {
		pc = &s->conf->profiles[i];
		if (pc->policy.challenge_mode != CONF_CHALLENGE_INTUNE ||
		    !pc->enabled || pc->intune.revocation_interval == 0)
			continue;
		if ((now = intune_sync_now()) >= s->due[i]) {
			(void)intune_sync_profile(s->st, s->cache, pc,
			    s->holder, &n, &skipped);
			now = intune_sync_now();
			s->due[i] = now + pc->intune.revocation_interval;
		}
		if (s->due[i] - now < wait)
			wait = s->due[i] - now;
	}
	return wait > 0 ? wait : 1;
}

static void *
intune_sync_run(void *arg)
{
	struct intune_sync	*s = arg;
	struct conf		*c;
	struct timespec		 ts;
	int64_t			 wait;

	pthread_mutex_lock(&s->mu);
	while (!s->stop) {
		if ((c = s->next) != NULL) {
			s->next = NULL;
			if (intune_sync_swap(s, c) == -1)
				break;
		}
		pthread_mutex_unlock(&s->mu);
		wait = intune_sync_due(s);
		pthread_mutex_lock(&s->mu);
		if (s->stop || s->next != NULL)
			continue;
		clock_gettime(CLOCK_MONOTONIC, &ts);
		ts.tv_sec += (time_t)wait;
		pthread_cond_timedwait(&s->cv, &s->mu, &ts);
	}
	pthread_mutex_unlock(&s->mu);
	return NULL;
}

struct intune_sync *
intune_sync_start(struct store *st, struct intune_cache *cache,
    struct conf *c)
{
	struct intune_sync	*s;
	pthread_condattr_t	 ca;
	char			 host[128];

	if ((s = calloc(1, sizeof(*s))) == NULL) {
		log_warn("intune_sync_start");
		conf_free(c);
		return NULL;
	}
	s->st = st;
	s->cache = cache;
	if (gethostname(host, sizeof(host)) == -1)
		snprintf(host, sizeof(host), "scepd");
	host[sizeof(host) - 1] = '\0';
	snprintf(s->holder, sizeof(s->holder), "%s:%ld", host, (long)getpid());
	pthread_mutex_init(&s->mu, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&s->cv, &ca);
	pthread_condattr_destroy(&ca);
	if (intune_sync_swap(s, c) == -1 ||
	    pthread_create(&s->th, NULL, intune_sync_run, s) != 0) {
		log_warnx("intune: cannot start the revocation queue's thread");
		pthread_cond_destroy(&s->cv);
		pthread_mutex_destroy(&s->mu);
		conf_free(s->conf);
		free(s->due);
		free(s);
		return NULL;
	}
	return s;
}

void
intune_sync_reload(struct intune_sync *s, struct conf *c)
{
	pthread_mutex_lock(&s->mu);
	conf_free(s->next);
	s->next = c;
	pthread_cond_signal(&s->cv);
	pthread_mutex_unlock(&s->mu);
}

void
intune_sync_stop(struct intune_sync *s)
{
	if (s == NULL)
		return;
	pthread_mutex_lock(&s->mu);
	s->stop = 1;
	pthread_cond_signal(&s->cv);
	pthread_mutex_unlock(&s->mu);
	pthread_join(s->th, NULL);
	pthread_cond_destroy(&s->cv);
	pthread_mutex_destroy(&s->mu);
	conf_free(s->next);
	conf_free(s->conf);
	free(s->due);
	free(s);
}
