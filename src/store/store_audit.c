/*	SPDX-License-Identifier: ISC */
/*
 * store_audit.c: the hash chain of the audit log (issue #11 item 5).
 * Each entry's hash is SHA-256 over a fixed encoding of its fields and
 * the previous entry's hash; both backends store what this computes,
 * and store_audit_verify() recomputes it.  The encoding is
 * length-prefixed, so no two different entries encode alike.
 */
#include <string.h>

#include "store.h"
#include "util.h"

/* Tells this encoding from any later one. */
#define AUDIT_MAGIC	"scepd-audit-v1"

/* The largest encoding: magic, two integers, six strings, a hash. */
#define AUDIT_ENC_MAX	(sizeof(AUDIT_MAGIC) + 16 + 6 * 4 + \
	    sizeof(((struct store_audit *)0)->actor) + \
	    sizeof(((struct store_audit *)0)->action) + \
	    sizeof(((struct store_audit *)0)->target) + \
	    sizeof(((struct store_audit *)0)->details) + \
	    sizeof(((struct store_audit *)0)->peer) + \
	    sizeof(((struct store_audit *)0)->outcome) + STORE_KID_LEN)

static size_t
audit_u64(unsigned char *p, uint64_t v)
{
	int i;

	for (i = 7; i >= 0; i--) {
		p[i] = (unsigned char)(v & 0xff);
		v >>= 8;
	}
	return 8;
}

/* A string as its 4-byte big-endian length and its bytes. */
static size_t
audit_str(unsigned char *p, const char *s, size_t max)
{
	size_t n = strnlen(s, max);

	p[0] = (unsigned char)(n >> 24);
	p[1] = (unsigned char)(n >> 16);
	p[2] = (unsigned char)(n >> 8);
	p[3] = (unsigned char)n;
	memcpy(p + 4, s, n);
	return 4 + n;
}

int
store_audit_hash(const struct store_audit *a, unsigned char *out)
{
	unsigned char	 enc[AUDIT_ENC_MAX];
	size_t		 n = 0;

	memcpy(enc, AUDIT_MAGIC, sizeof(AUDIT_MAGIC));
	n += sizeof(AUDIT_MAGIC);
	n += audit_u64(enc + n, (uint64_t)a->seq);
	n += audit_u64(enc + n, (uint64_t)a->at);
	n += audit_str(enc + n, a->actor, sizeof(a->actor) - 1);
	n += audit_str(enc + n, a->action, sizeof(a->action) - 1);
	n += audit_str(enc + n, a->target, sizeof(a->target) - 1);
	n += audit_str(enc + n, a->details, sizeof(a->details) - 1);
	n += audit_str(enc + n, a->peer, sizeof(a->peer) - 1);
	n += audit_str(enc + n, a->outcome, sizeof(a->outcome) - 1);
	memcpy(enc + n, a->prev, STORE_KID_LEN);
	n += STORE_KID_LEN;
	return sha256(enc, n, out);
}
