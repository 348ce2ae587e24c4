/*	SPDX-License-Identifier: ISC */
/*
 * engine.h: one SCEP PKIOperation, request bytes in, response bytes out.
 * The engine is the only module that knows the sequence: decode, open
 * the envelope, parse the CSR, ask policy, issue, record, answer.
 */
#ifndef SCEPD_ENGINE_H
#define SCEPD_ENGINE_H

#include <stddef.h>

#include "scep_types.h"
#include "server.h"
#include "store.h"

/*
 * The answer and what the request log says about it.  "body" is
 * malloc'd and handed to the caller.
 */
struct engine_out {
	int		 http;		/* HTTP status */
	const char	*ctype;		/* media type of "body" */
	unsigned char	*body;
	size_t		 bodysz;
	/* for the request log line */
	char		 txid[STORE_TXID_MAX + 1];
	const char	*msgtype;	/* "PKCSReq", ... */
	const char	*outcome;	/* SUCCESS, FAILURE, PENDING, error */
	enum scep_fail	 fail;
	char		 serial[STORE_SERIAL_MAX + 1];
	char		 subject[256];
	char		 reason[192];	/* failInfoText or HTTP error text */
	/* what it did: "issued", "renewed", "pending", or NULL */
	const char	*result;
	/*
	 * What the challenge's service said, in its own words: for intune,
	 * Intune's code, description and activity ID of its last call
	 * ("intune validateRequest: ChallengeExpired: ... (activity ...)").
	 * Already in the log; the one place the transaction log (issue
	 * #11) takes it from.  "" when no service was asked.
	 */
	char		 challenge_detail[448];
};

/*
 * One PKIOperation for profile "sp" of "srv", from "peer".  Once the
 * answer is built it is recorded in the transaction log (one store
 * call, never failing the request).
 */
void	engine_pkiop(const struct server *, const struct server_profile *sp,
	    const unsigned char *, size_t, const char *peer,
	    struct engine_out *);

#endif
