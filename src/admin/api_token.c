/*	SPDX-License-Identifier: ISC */
/*
 * api_token.c: GET /tokens, for the admin role: every API token's
 * name, role, profiles, times and state.  Neither a token nor its hash
 * is ever shown; tokens are made and revoked with "scepd token".
 */
#include <string.h>
#include <time.h>

#include "api_query.h"
#include "util.h"

static const char *
token_state(const struct store_token *t, int64_t now)
{
	if (t->revoked_at != 0)
		return "revoked";
	return t->expires_at != 0 && t->expires_at <= now ? "expired" :
	    "active";
}

/* "a,b" as ["a", "b"]; "" (all profiles) as null. */
static json_t *
token_profiles(const char *s)
{
	json_t		*a;
	const char	*e;

	if (*s == '\0')
		return json_null();
	if ((a = json_array()) == NULL)
		return NULL;
	for (; *s != '\0'; s = *e == ',' ? e + 1 : e) {
		e = s + strcspn(s, ",");
		json_array_append_new(a, json_stringn(s, (size_t)(e - s)));
	}
	return a;
}

static int
token_add(const struct store_token *t, void *arg)
{
	json_t	*items = arg;
	char	 cert[2 * STORE_KID_LEN + 1];

	hex_lower(t->cert, sizeof(t->cert), cert);
	return json_array_append_new(items, json_pack("{s:s, s:s, s:o, s:o, "
	    "s:o, s:o, s:s, s:o}", "name", t->name, "role", t->role,
	    "profiles", token_profiles(t->profiles), "created",
	    api_jtime(t->created_at), "expires",
	    api_jtime(t->expires_at), "revoked",
	    api_jtime(t->revoked_at), "state", token_state(t,
	    (int64_t)time(NULL)), "client_cert_sha256", t->has_cert ?
	    json_string(cert) : json_null()));
}

static void
api_token_list(const struct api_req *rq, struct api_resp *rs,
    const struct api_match *m, json_t *body)
{
	json_t *items;

	if ((items = json_array()) == NULL) {
		api_error(rs, 500, "out of memory");
		return;
	}
	if (store_token_list(rq->srv->store, token_add, items) == -1) {
		json_decref(items);
		api_error(rs, 503, "store unavailable");
		return;
	}
	api_reply(rs, 200, json_pack("{s:o}", "items", items));
}

static const struct api_route api_token_rows[] = {
	{ "GET", "/tokens", API_ROLE_ADMIN, api_token_list },
};

const struct api_table api_token_table = {
	api_token_rows, sizeof(api_token_rows) / sizeof(api_token_rows[0])
};
