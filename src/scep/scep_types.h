/*	SPDX-License-Identifier: ISC */
/*
 * scep_types.h: the RFC 8894 enums without any OpenSSL type, so that
 * policy.c and the store can speak the protocol's terms in plain C.
 */
#ifndef SCEPD_SCEP_TYPES_H
#define SCEPD_SCEP_TYPES_H

#define SCEP_TXID_POLICY_MAX	128	/* longer: FAILURE badRequest */

enum scep_msgtype {		/* RFC 8894 3.2.1.2, values on the wire */
	SCEP_MSG_NONE = 0,	/* absent or not a number we know */
	SCEP_MSG_CERTREP = 3,
	SCEP_MSG_RENEWALREQ = 17,
	SCEP_MSG_PKCSREQ = 19,
	SCEP_MSG_CERTPOLL = 20,
	SCEP_MSG_GETCERT = 21,
	SCEP_MSG_GETCRL = 22,
};

enum scep_status {		/* RFC 8894 3.2.1.3 pkiStatus */
	SCEP_STATUS_SUCCESS = 0,
	SCEP_STATUS_FAILURE = 2,
	SCEP_STATUS_PENDING = 3,
};

/*
 * Why a request is refused, in RFC 8894 3.2.1.4 terms.  The codec and
 * policy.c return these; the engine turns them into a CertRep FAILURE.
 * SCEP_FAIL_HTTP means no CertRep can be built (HTTP 400), and
 * SCEP_FAIL_INTERNAL is our fault (HTTP 500).
 */
enum scep_fail {
	SCEP_OK = 0,
	SCEP_FAIL_BADALG,		/* failInfo 0 */
	SCEP_FAIL_BADMESSAGECHECK,	/* failInfo 1: signature check failed */
	SCEP_FAIL_BADREQUEST,		/* failInfo 2: not permitted/supported */
	SCEP_FAIL_BADTIME,		/* failInfo 3 */
	SCEP_FAIL_BADCERTID,		/* failInfo 4 */
	SCEP_FAIL_HTTP,
	SCEP_FAIL_INTERNAL,
	SCEP_FAIL__MAX
};

/* scep_asn1.c */
const char	*scep_fail_str(enum scep_fail);
int		 scep_fail_info(enum scep_fail);	/* wire value, or -1 */
const char	*scep_msgtype_str(enum scep_msgtype);

#endif
