/*	SPDX-License-Identifier: ISC */
/*
 * challenge.h: a profile's challenge modes (issue #4 item 4): the
 * static secret, one-time challenges minted by "scepd challenge new" or
 * the NDES-style page and kept hashed in the store, the webhook that
 * asks an external service, and Microsoft Intune (intune.h).  The
 * engine asks challenge_check() and hands the verdict to policy.c.
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
	/* intune: Intune said Success, so it must hear what came of it */
	int		 validated;
	/*
	 * intune: Intune's code, description and activity ID of the last
	 * call, for the log and the transaction log; "" otherwise.
	 */
	char		 detail[448];
};

/* What came of a request whose challenge was checked. */
enum challenge_outcome {
	CHALLENGE_ISSUED,	/* a certificate was recorded */
	CHALLENGE_REFUSED,	/* the profile's policy said no */
	CHALLENGE_FAILED,	/* scepd could not finish (store, signing) */
};

/* The certificate about to be recorded, for challenge_confirm(). */
struct challenge_cert {
	struct x509_st		*x;
	const unsigned char	*der;
	size_t			 dersz;
	const char		*serial;	/* upper-case hex */
	int64_t			 not_after;
	const char		*ca;		/* scepd's CA name */
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

/*
 * Say what came of the request: webhook mode with a notify_url (issued
 * or not), intune mode when Intune had said Success and no certificate
 * came of it (failureNotification).  "serial" and "reason" may be NULL.
 */
void	challenge_notify(const struct server *, const struct conf_profile *,
	    const struct challenge_req *, struct challenge_result *,
	    enum challenge_outcome, const char *serial, const char *reason);

/*
 * intune mode: tell Intune of the certificate "c" before it is recorded
 * and sent (successNotification; INTUNE.md step 4a says the server must
 * not issue when it fails).  0 to go on, -1 to refuse with "why"
 * (res->detail says what Intune said).  0 for every other mode.
 */
int	challenge_confirm(const struct server *, const struct conf_profile *,
	    const struct challenge_req *, struct challenge_result *,
	    const struct challenge_cert *, char *why, size_t whysz);

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
