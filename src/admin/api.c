/*	SPDX-License-Identifier: ISC */
/*
 * api.c: the /api/v1 dispatcher.  For now it knows no endpoint and no
 * credential: every call is 404 and every credential refused, so that
 * the admin listener can be built and tested on its own.  Issue #11's
 * endpoints and token checks replace this.
 */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "api.h"

enum api_auth
api_auth_bearer(struct store *st, const char *authorization,
    struct api_identity *who)
{
	memset(who, 0, sizeof(*who));
	return authorization == NULL ? API_AUTH_NONE : API_AUTH_BAD;
}

enum api_auth
api_auth_cert(struct store *st, const unsigned char *sha256,
    struct api_identity *who)
{
	memset(who, 0, sizeof(*who));
	return API_AUTH_NONE;
}

void
api_handle(const struct api_req *rq, struct api_resp *rs)
{
	json_t	*j;

	memset(rs, 0, sizeof(*rs));
	rs->status = 404;
	rs->ctype = "application/json";
	j = json_pack("{s:s}", "error", "no such API endpoint");
	if (j != NULL)
		rs->body = json_dumps(j, JSON_COMPACT);
	json_decref(j);
	if (rs->body != NULL)
		rs->len = strlen(rs->body);
	else
		rs->status = 500;
}
