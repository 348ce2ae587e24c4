/*	SPDX-License-Identifier: ISC */
/*
 * policy.h: whether a request may be issued, must wait for an
 * administrator, or is refused, under a profile's rules: key, subject
 * and SAN policy, the challenge as the engine found it, approval rules,
 * renewal rules.  Plain C: it sees the configuration and struct
 * csr_info, never OpenSSL objects or the store, so its rules are
 * testable without crypto fixtures.
 */
#ifndef SCEPD_POLICY_H
#define SCEPD_POLICY_H

#include <stddef.h>
#include <stdint.h>

#include "conf.h"
#include "csr.h"
#include "scep_types.h"

/* How the request's challengePassword fared (checked by the engine). */
enum policy_challenge {
	POLICY_CH_NONE,		/* none given */
	POLICY_CH_VALID,	/* given and accepted */
	POLICY_CH_BAD,		/* wrong, used, expired, or denied */
};

/* A new enrolment (self-signed signer), as plain data. */
struct policy_req {
	const struct csr_info	*ci;
	size_t			 txidlen;
	const char		*peer;		/* requester address */
	int			 challenge;	/* enum policy_challenge */
	const char		*challenge_why;	/* for POLICY_CH_BAD */
};

enum policy_verdict {
	POLICY_ISSUE,
	POLICY_PENDING,		/* keep it for an administrator */
	POLICY_REJECT,		/* FAILURE with *f and "why" */
};

/*
 * Judge a PKCSReq: transactionID length, key, subject and SAN policy,
 * the challenge, then the approval rules.  A refusal sets *f (the
 * failInfo) and a one-line reason for failInfoText and the log.
 */
enum policy_verdict policy_enroll(const struct conf_profile *,
		    const struct policy_req *, enum scep_fail *f, char *why,
		    size_t whysz);

/* The static challenge compared in constant time (by SHA-256). */
enum policy_challenge policy_static_challenge(const struct conf_policy *,
		    const struct csr_info *);

/* The certificate that signed a renewal, as plain data. */
struct policy_signer {
	const unsigned char	*subject;	/* DER Name */
	size_t			 subjectsz;
	const unsigned char	*kid;		/* CSR_KID_LEN bytes */
	int64_t			 not_after;	/* Unix seconds */
};

/*
 * Judge a renewal (RFC 8894 2.5) already authenticated by "signer", a
 * valid certificate of this profile's CA: transactionID, key, subject
 * and SAN policy, renewal window, subject and key reuse rules.  No
 * challenge is needed and it never waits for approval.
 */
enum scep_fail	policy_renew(const struct conf_profile *,
		    const struct csr_info *, const struct policy_signer *,
		    int64_t now, size_t txidlen, char *why, size_t whysz);

#endif
