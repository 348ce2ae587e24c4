/*	SPDX-License-Identifier: ISC */
/*
 * api_action.c: the API's state-changing endpoints (issue #11 item 4):
 * approve and reject a request, revoke a certificate, mint, list and
 * revoke one-time challenges, reload.  Each parses its input, then
 * calls the one implementation in action.c that the CLI calls too,
 * which checks the caller's profiles and writes the audit entry.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "action.h"
#include "api_query.h"
#include "challenge.h"
#include "log.h"
#include "util.h"

/* Path parameter "s" as a request id; -1 (answered 404) if it is not. */
static int64_t
act_id(struct api_resp *rs, const char *s)
{
	char		*end;
	long long	 id;

	id = strtoll(s, &end, 10);
	if (*s < '0' || *s > '9' || *end != '\0' || id <= 0) {
		api_error(rs, 404, "no such request");
		return -1;
	}
	return id;
}

/* An action's failure as its JSON error. */
static void
act_fail(struct api_resp *rs, enum action_rc rc, const struct action_ctx *x)
{
	api_error(rs, action_http(rc), "%s", x->why);
}

/*
 * Member "key" of "body" as a string: *out NULL if absent (or null
 * when "nullable"); -1 and a 400 if of another type.
 */
static int
act_str(struct api_resp *rs, json_t *body, const char *key, const char **out)
{
	json_t *v = json_object_get(body, key);

	*out = NULL;
	if (v == NULL || json_is_null(v))
		return 0;
	if (!json_is_string(v)) {
		api_error(rs, 400, "\"%s\" must be a string", key);
		return -1;
	}
	*out = json_string_value(v);
	if (strlen(*out) != json_string_length(v)) {
		api_error(rs, 400, "\"%s\" must not hold a NUL", key);
		return -1;
	}
	return 0;
}

static void
act_ctx(struct action_ctx *x, const struct api_req *rq)
{
	action_ctx_api(x, rq->srv->store, rq->srv, rq->who, rq->peer);
}

static void
api_request_approve(const struct api_req *rq, struct api_resp *rs,
    const struct api_match *m, json_t *body)
{
	static const char *const keys[] = { NULL };
	struct action_ctx	x;
	char			serial[STORE_SERIAL_MAX + 1];
	int64_t			id;
	enum action_rc		rc;

	if (api_body_keys(rs, body, keys) == -1 ||
	    (id = act_id(rs, m->part[0])) == -1)
		return;
	act_ctx(&x, rq);
	if ((rc = action_request_approve(&x, id, serial)) != ACTION_OK) {
		act_fail(rs, rc, &x);
		return;
	}
	api_reply(rs, 200, json_pack("{s:I, s:s, s:s}", "id", (json_int_t)id,
	    "status", "issued", "serial", serial));
}

static void
api_request_reject(const struct api_req *rq, struct api_resp *rs,
    const struct api_match *m, json_t *body)
{
	static const char *const keys[] = { "reason", NULL };
	struct action_ctx	 x;
	const char		*reason;
	int64_t			 id;
	enum action_rc		 rc;

	if (api_body_keys(rs, body, keys) == -1 ||
	    act_str(rs, body, "reason", &reason) == -1 ||
	    (id = act_id(rs, m->part[0])) == -1)
		return;
	act_ctx(&x, rq);
	if ((rc = action_request_reject(&x, id, reason)) != ACTION_OK) {
		act_fail(rs, rc, &x);
		return;
	}
	api_reply(rs, 200, json_pack("{s:I, s:s}", "id", (json_int_t)id,
	    "status", "rejected"));
}

static void
api_cert_revoke(const struct api_req *rq, struct api_resp *rs,
    const struct api_match *m, json_t *body)
{
	static const char *const keys[] = { "reason", NULL };
	struct action_ctx	 x;
	const char		*reason;
	char			 serial[STORE_SERIAL_MAX + 1];
	enum action_rc		 rc;

	if (api_body_keys(rs, body, keys) == -1 ||
	    act_str(rs, body, "reason", &reason) == -1)
		return;
	act_ctx(&x, rq);
	if ((rc = action_cert_revoke(&x, m->part[0], reason)) != ACTION_OK) {
		act_fail(rs, rc, &x);
		return;
	}
	action_serial_norm(m->part[0], serial, sizeof(serial));
	api_reply(rs, 200, json_pack("{s:s, s:s, s:s}", "serial", serial,
	    "status", "revoked", "reason", reason != NULL ? reason : "none"));
}

/* "ttl": seconds as a number, or a string such as "15m"; 0 absent. */
static int
act_ttl(struct api_resp *rs, json_t *body, long *ttl)
{
	json_t *v = json_object_get(body, "ttl");

	*ttl = 0;
	if (v == NULL || json_is_null(v))
		return 0;
	if (json_is_integer(v) && json_integer_value(v) > 0 &&
	    json_integer_value(v) <= 366 * 86400) {
		*ttl = (long)json_integer_value(v);
		return 0;
	}
	if (json_is_string(v) && (*ttl = action_duration(json_string_value(v),
	    366L * 86400)) > 0)
		return 0;
	api_error(rs, 400, "\"ttl\": seconds (1 to 366 days), or a string "
	    "such as \"15m\", \"12h\", \"7d\"");
	return -1;
}

static void
api_challenge_mint(const struct api_req *rq, struct api_resp *rs,
    const struct api_match *m, json_t *body)
{
	static const char *const keys[] = { "profile", "ttl", "subject",
	    NULL };
	struct action_ctx	 x;
	const char		*profile, *subject;
	char			 tok[CHALLENGE_HEX + 1];
	char			 id[2 * STORE_KID_LEN + 1];
	int64_t			 exp;
	long			 ttl;
	enum action_rc		 rc;

	if (api_body_keys(rs, body, keys) == -1 ||
	    act_str(rs, body, "profile", &profile) == -1 ||
	    act_str(rs, body, "subject", &subject) == -1 ||
	    act_ttl(rs, body, &ttl) == -1)
		return;
	if (profile == NULL) {
		api_error(rs, 400, "\"profile\" is required");
		return;
	}
	act_ctx(&x, rq);
	if ((rc = action_challenge_mint(&x, profile, ttl, subject, tok, id,
	    &exp)) != ACTION_OK) {
		act_fail(rs, rc, &x);
		return;
	}
	api_reply(rs, 201, json_pack("{s:s, s:s, s:s, s:o, s:s?}",
	    "challenge", tok, "id", id, "profile", profile, "expires",
	    api_jtime(exp), "subject", subject));
	explicit_bzero(tok, sizeof(tok));
}

/* GET /challenges: one page's state. */
struct chal_page {
	const struct api_identity *who;
	const char	*profile;	/* filter, or NULL */
	const char	*state;		/* filter, or NULL */
	json_t		*items;
	int64_t		 now;
	int		 n, limit;
};

static const char *
chal_state(const struct store_challenge *ch, int64_t now)
{
	if (ch->used_at != 0)
		return ch->used_at == ch->expires_at ? "revoked" : "used";
	return ch->expires_at <= now ? "expired" : "open";
}

static int
chal_add(const struct store_challenge *ch, void *arg)
{
	struct chal_page	*p = arg;
	const char		*state = chal_state(ch, p->now);
	char			 id[2 * STORE_KID_LEN + 1];

	if (p->n == p->limit || !api_profile_allowed(p->who, ch->profile) ||
	    (p->profile != NULL && strcmp(p->profile, ch->profile) != 0) ||
	    (p->state != NULL && strcmp(p->state, state) != 0))
		return 0;
	hex_lower(ch->hash, sizeof(ch->hash), id);
	p->n++;
	return json_array_append_new(p->items, json_pack("{s:s, s:s, s:s, "
	    "s:o, s:o, s:o, s:s?}", "id", id, "profile", ch->profile, "state",
	    state, "created", api_jtime(ch->created_at), "expires",
	    api_jtime(ch->expires_at), "used", api_jtime(ch->used_at),
	    "subject", ch->subject[0] ? ch->subject : NULL));
}

static void
api_challenge_list(const struct api_req *rq, struct api_resp *rs,
    const struct api_match *m, json_t *body)
{
	static const char *const known[] = { "profile", "state", "limit",
	    NULL };
	struct chal_page p = { .who = rq->who, .now = (int64_t)time(NULL) };

	if (api_args_known(rq, rs, known) == -1 ||
	    api_arg_text(rq, rs, "profile", STORE_NAME_MAX, &p.profile) ==
	    -1 || api_arg_text(rq, rs, "state", 16, &p.state) == -1 ||
	    api_arg_limit(rq, rs, &p.limit) == -1)
		return;
	if (p.state != NULL && strcmp(p.state, "open") != 0 &&
	    strcmp(p.state, "used") != 0 && strcmp(p.state, "expired") != 0 &&
	    strcmp(p.state, "revoked") != 0) {
		api_error(rs, 400, "state: open, used, expired or revoked");
		return;
	}
	if ((p.items = json_array()) == NULL) {
		api_error(rs, 500, "out of memory");
		return;
	}
	if (store_challenge_list(rq->srv->store, chal_add, &p) == -1) {
		json_decref(p.items);
		api_error(rs, 503, "store unavailable");
		return;
	}
	api_reply(rs, 200, json_pack("{s:o}", "items", p.items));
}

static void
api_challenge_revoke(const struct api_req *rq, struct api_resp *rs,
    const struct api_match *m, json_t *body)
{
	struct action_ctx	x;
	enum action_rc		rc;

	act_ctx(&x, rq);
	if ((rc = action_challenge_revoke(&x, m->part[0])) != ACTION_OK) {
		act_fail(rs, rc, &x);
		return;
	}
	api_reply(rs, 200, json_pack("{s:s, s:s}", "id", m->part[0],
	    "status", "revoked"));
}

/* What SIGHUP does, audited; offered only where http.c says how. */
static void
api_reload(const struct api_req *rq, struct api_resp *rs,
    const struct api_match *m, json_t *body)
{
	static const char *const keys[] = { NULL };
	struct action_ctx	x;
	int			ok;

	if (api_body_keys(rs, body, keys) == -1)
		return;
	if (rq->reload == NULL) {
		api_error(rs, 501, "reload is not offered by this listener");
		return;
	}
	act_ctx(&x, rq);
	ok = rq->reload(rq->reloadcls) == 0;
	if (action_note(&x, "reload", "server", NULL, ok ? "ok" : "failed") !=
	    ACTION_OK)
		log_warnx("reload by %s: %s", x.actor, x.why);
	if (!ok)
		api_error(rs, 500, "reload failed: the old configuration stays "
		    "(see the server's log)");
	else
		api_reply(rs, 200, json_pack("{s:b}", "reloaded", 1));
}

static const struct api_route api_action_rows[] = {
	{ "POST", "/requests/*/approve", API_ROLE_OPERATOR,
	    api_request_approve },
	{ "POST", "/requests/*/reject", API_ROLE_OPERATOR,
	    api_request_reject },
	{ "POST", "/certificates/*/revoke", API_ROLE_OPERATOR,
	    api_cert_revoke },
	{ "POST", "/challenges", API_ROLE_OPERATOR, api_challenge_mint },
	{ "GET", "/challenges", API_ROLE_OPERATOR, api_challenge_list },
	{ "DELETE", "/challenges/*", API_ROLE_OPERATOR,
	    api_challenge_revoke },
	{ "POST", "/reload", API_ROLE_ADMIN, api_reload },
};

const struct api_table api_action_table = {
	api_action_rows, sizeof(api_action_rows) / sizeof(api_action_rows[0])
};
