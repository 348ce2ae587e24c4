/*	SPDX-License-Identifier: ISC */
/*
 * action.h: every state-changing action of an administrator, one
 * implementation shared by the CLI (src/cmd) and the API (api_*.c), so
 * they cannot drift (issue #11 item 4).  Each action checks its input,
 * the caller's profile scope, makes its change and writes its audit
 * entry in the same store transaction; an action refused for its
 * target (not found, not pending, out of scope) is audited too, as
 * "refused: ...".  Secrets (tokens, challenges) are handed back to the
 * caller once and never enter the audit log or the log.
 */
#ifndef SCEPD_ACTION_H
#define SCEPD_ACTION_H

#include <stddef.h>
#include <stdint.h>

#include "api.h"
#include "server.h"
#include "store.h"

struct events;

/* A minted API token: "scepd_" and 43 base64url characters. */
#define ACTION_TOKEN_PREFIX	"scepd_"
#define ACTION_TOKEN_LEN	(6 + 43)

/* How an action ended; each maps to one HTTP status (action_http()). */
enum action_rc {
	ACTION_OK = 0,
	ACTION_INVALID,		/* bad input: 400 */
	ACTION_FORBIDDEN,	/* outside the caller's profiles: 403 */
	ACTION_NOTFOUND,	/* no such target: 404 */
	ACTION_CONFLICT,	/* not pending, revoked already, taken: 409 */
	ACTION_ERROR = -1,	/* the store or the CA failed: 503 */
};

/*
 * Who acts, from where, on what.  "who" limits the profiles acted on
 * (NULL: the CLI, all of them).  "why" receives a one-line reason
 * whenever an action is not ACTION_OK, for the CLI's log or the API's
 * JSON error.
 */
struct action_ctx {
	struct store			*store;
	const struct server		*srv;	/* approve: profiles and CAs */
	const struct conf		*conf;	/* mint: profiles (srv's if NULL) */
	const struct api_identity	*who;	/* NULL: unlimited */
	char				 actor[96];	/* "cli:alice" */
	char				 peer[64];	/* "" from the CLI */
	char				 why[192];
	/*
	 * Where approvals, rejections and revocations are announced
	 * (enroll/events.h): the server's queue from the API, one the
	 * command starts from the CLI; NULL: none.
	 */
	struct events			*events;
};

/* Fill ctx for the CLI: actor "cli:<name of the effective user>". */
void	action_ctx_cli(struct action_ctx *, struct store *,
	    const struct server *);
/* Fill ctx for an API caller: actor "<kind>:<name>" of "who". */
void	action_ctx_api(struct action_ctx *, struct store *,
	    const struct server *, const struct api_identity *who,
	    const char *peer);
int	action_http(enum action_rc);

/*
 * Issue pending request "id" under its profile's template and CA; the
 * serial (STORE_SERIAL_MAX + 1 bytes) on ACTION_OK.  Needs ctx->srv.
 */
enum action_rc	action_request_approve(struct action_ctx *, int64_t id,
		    char *serial);
/* Reject pending request "id"; "reason" may be NULL. */
enum action_rc	action_request_reject(struct action_ctx *, int64_t id,
		    const char *reason);
/*
 * Revoke certificate "serial" (hex as people paste it: any case,
 * colons, 0x) with RFC 5280 reason name "reason" (NULL: none).
 */
enum action_rc	action_cert_revoke(struct action_ctx *, const char *serial,
		    const char *reason);
/*
 * Mint a one-time challenge for dynamic profile "profile", "ttl"
 * seconds (0: the profile's), for subjects matching "subject" (NULL:
 * any).  The challenge into "out" (CHALLENGE_HEX + 1 bytes), its id
 * (hex SHA-256, 65 bytes) into "id".  Needs ctx->conf or ctx->srv.
 */
enum action_rc	action_challenge_mint(struct action_ctx *, const char *profile,
		    long ttl, const char *subject, char *out, char *id,
		    int64_t *expires);
/* Revoke the open one-time challenge whose id (hex SHA-256) is "id". */
enum action_rc	action_challenge_revoke(struct action_ctx *, const char *id);
/*
 * Create token "name" with role "role", limited to "profiles" ("" or
 * NULL: all), expiring "expires" seconds from now (0: never), bound to
 * client certificate SHA-256 "cert" (64 hex digits, NULL: none).  The
 * token, once, into "out" (ACTION_TOKEN_LEN + 1 bytes).
 */
enum action_rc	action_token_create(struct action_ctx *, const char *name,
		    const char *role, const char *profiles, int64_t expires,
		    const char *cert, char *out);
enum action_rc	action_token_revoke(struct action_ctx *, const char *name);
/*
 * Audit entries of actions done elsewhere: a reload ("ok" or why it
 * failed), a CA created or imported, a store migrated into this one.
 */
enum action_rc	action_note(struct action_ctx *, const char *action,
		    const char *target, const char *details_json,
		    const char *outcome);

/*
 * api_query.c: audit entry "a" as one line of JSON, as GET /audit
 * shows it (malloc'd; NULL if out of memory): "scepd audit list --json".
 */
char		*action_audit_json(const struct store_audit *a);

/* Role names ("viewer", ...) and enum api_role; API_ROLE_NONE if unknown. */
int		 action_role_parse(const char *);
const char	*action_role_str(int);
/* "90", "90s", "15m", "12h", "90d" -> seconds, up to "max"; -1 if not. */
long		 action_duration(const char *, long max);
/* Serials as people paste them into upper-case hex; -1 if not hex. */
int		 action_serial_norm(const char *, char *out, size_t);

#endif
