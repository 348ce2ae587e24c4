/*	SPDX-License-Identifier: ISC */
/*
 * challenge.h: a profile's challenge modes (issue #4 item 4): the
 * static secret, one-time challenges minted by "scepd challenge new" or
 * the NDES-style page and kept hashed in the store, and the webhook
 * that asks an external service.  The engine asks challenge_check()
 * and hands the verdict to policy.c.
 */
#ifndef SCEPD_CHALLENGE_H
#define SCEPD_CHALLENGE_H

#include <stddef.h>
#include <stdint.h>

#include "conf.h"
#include "csr.h"
#include "server.h"

/* The one answer for a one-time challenge that cannot be used. */
#define CHALLENGE_SPENT		"one-time challenge unknown, used or expired"
/* Hex digits of a minted challenge: 128 bits, no character Windows or */
#define CHALLENGE_HEX		32	/* MDMs would mangle */

/* What the engine knows of the request. */
struct challenge_req {
	const char		*txid;
	const char		*peer;
	const struct csr_info	*ci;
	const unsigned char	*csr;		/* PKCS#10 DER */
	size_t			 csrsz;
};

/* The verdict: a policy_challenge, and what a one-time one must burn. */
struct challenge_result {
	int		 state;		/* enum policy_challenge */
	char		 why[128];	/* for POLICY_CH_BAD */
	int		 once;		/* consume "hash" with the issuance */
	unsigned char	 hash[CONF_HASH_LEN];
};

/*
 * Check the request's challengePassword under profile "pc": static
 * (constant time), dynamic (store lookup: this profile's, unused,
 * unexpired, subject bound; consumed later, atomically with the
 * certificate or the pending request), webhook (allow or deny; an
 * error denies).  0, or -1 if the store failed.
 */
int	challenge_check(const struct server *, const struct conf_profile *pc,
	    const struct challenge_req *, struct challenge_result *);

/* Webhook mode with a notify_url: say what came of the request. */
void	challenge_notify(const struct conf_profile *,
	    const struct challenge_req *, int issued, const char *serial,
	    const char *reason);

/*
 * Mint a one-time challenge for dynamic profile "pc", valid "ttl"
 * seconds (0: the profile's challenge.ttl), bound to subjects matching
 * the POSIX ERE "subject" (NULL: any).  Writes it, NUL-ended, to "out"
 * (at least CHALLENGE_HEX + 1 bytes); only its hash is stored.
 * 0, or -1 (logged).
 */
int	challenge_mint(struct store *, const struct conf_profile *pc, int ttl,
	    const char *subject, char *out, int64_t *expires);
/* The same, with audit entry "a" written in the same transaction. */
int	challenge_mint_audited(struct store *, const struct conf_profile *pc,
	    int ttl, const char *subject, char *out, int64_t *expires,
	    const struct store_audit *a);

#endif
