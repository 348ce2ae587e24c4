/*	SPDX-License-Identifier: ISC */
/*
 * policy.h: whether an enrolment request may be issued.  Plain C: it
 * sees the configuration and struct csr_info, never OpenSSL objects,
 * so its rules are testable without crypto fixtures.
 */
#ifndef SCEPD_POLICY_H
#define SCEPD_POLICY_H

#include <stddef.h>
#include <stdint.h>

#include "conf.h"
#include "csr.h"
#include "scep_types.h"

/*
 * Judge a PKCSReq: transactionID length, key type and size, subject,
 * challengePassword (constant-time).  SCEP_OK or the failInfo to send,
 * with a one-line reason for failInfoText and the log in "why".
 */
enum scep_fail	policy_enroll(const struct conf_policy *,
		    const struct csr_info *, size_t txidlen, char *why,
		    size_t whysz);

/* The certificate that signed a renewal, as plain data. */
struct policy_signer {
	const unsigned char	*subject;	/* DER Name */
	size_t			 subjectsz;
	const unsigned char	*kid;		/* CSR_KID_LEN bytes */
	int64_t			 not_after;	/* Unix seconds */
};

/*
 * Judge a renewal (RFC 8894 2.5) already authenticated by "signer", a
 * valid certificate of this CA: transactionID, key policy, renewal
 * window, subject and key reuse rules.  No challenge is needed.
 */
enum scep_fail	policy_renew(const struct conf_policy *,
		    const struct csr_info *, const struct policy_signer *,
		    int64_t now, size_t txidlen, char *why, size_t whysz);

#endif
