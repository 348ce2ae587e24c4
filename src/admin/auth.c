/*	SPDX-License-Identifier: ISC */
/*
 * auth.c: who is calling the admin API (issue #11 item 3).  A bearer
 * token is looked up by its SHA-256, the only form the store keeps, so
 * no stored secret is ever compared byte by byte; a client certificate
 * is mapped to the token bound to it.  Expired and revoked tokens are
 * refused like unknown ones.  Tokens never reach a log line.
 */
#include <string.h>
#include <strings.h>
#include <time.h>

#include "action.h"
#include "api.h"
#include "log.h"
#include "util.h"

/* The longest Authorization value looked at; a token is far shorter. */
#define AUTH_HEADER_MAX		512

/* A usable token row into "who"; API_AUTH_BAD if it is not usable. */
static enum api_auth
auth_identity(const struct store_token *t, const char *kind,
    struct api_identity *who)
{
	int64_t	now = (int64_t)time(NULL);
	int	role = action_role_parse(t->role);

	if (t->revoked_at != 0 || (t->expires_at != 0 && t->expires_at <=
	    now) || role == API_ROLE_NONE)
		return API_AUTH_BAD;
	snprintf(who->name, sizeof(who->name), "%s", t->name);
	snprintf(who->kind, sizeof(who->kind), "%s", kind);
	snprintf(who->profiles, sizeof(who->profiles), "%s", t->profiles);
	who->role = role;
	return API_AUTH_OK;
}

enum api_auth
api_auth_bearer(struct store *st, const char *authorization,
    struct api_identity *who)
{
	struct store_token	 t;
	unsigned char		 h[STORE_KID_LEN];
	const char		*tok;
	size_t			 n;
	int			 found;
	enum api_auth		 rc;

	memset(who, 0, sizeof(*who));
	if (authorization == NULL)
		return API_AUTH_NONE;
	if (strncasecmp(authorization, "Bearer ", 7) != 0)
		return API_AUTH_BAD;
	for (tok = authorization + 7; *tok == ' '; tok++)
		;
	n = strnlen(tok, AUTH_HEADER_MAX);
	while (n > 0 && (tok[n - 1] == ' ' || tok[n - 1] == '\t'))
		n--;
	if (n == 0 || n == AUTH_HEADER_MAX)
		return API_AUTH_BAD;
	if (sha256(tok, n, h) == -1)
		return API_AUTH_ERROR;
	if (store_token_by_hash(st, h, &t, &found) == -1)
		return API_AUTH_ERROR;
	if (!found)
		return API_AUTH_BAD;
	if ((rc = auth_identity(&t, "token", who)) != API_AUTH_OK)
		log_info("API token %s refused: %s", t.name, t.revoked_at ?
		    "revoked" : action_role_parse(t.role) == API_ROLE_NONE ?
		    "unknown role" : "expired");
	return rc;
}

enum api_auth
api_auth_cert(struct store *st, const unsigned char *sha256,
    struct api_identity *who)
{
	struct store_token	t;
	int			found;

	memset(who, 0, sizeof(*who));
	if (sha256 == NULL)
		return API_AUTH_NONE;
	if (store_token_by_cert(st, sha256, &t, &found) == -1)
		return API_AUTH_ERROR;
	/* A certificate no token names is no credential, not a bad one. */
	if (!found)
		return API_AUTH_NONE;
	return auth_identity(&t, "cert", who);
}
