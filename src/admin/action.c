/*	SPDX-License-Identifier: ISC */
/*
 * action.c: the administrators' state-changing actions (action.h), for
 * the CLI and the API alike.  Each one is: check the input, find the
 * target, check the caller's scope, change it with its audit entry in
 * one store transaction (store.h's *_audited calls), log one line.
 * Issuing goes through pki/issue.h: this layer holds no key and no
 * OpenSSL type but x509.h's handles.
 */
#include <ctype.h>
#include <pwd.h>
#include <regex.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "action.h"
#include "api_local.h"
#include "challenge.h"
#include "crl.h"
#include "events.h"
#include "issue.h"
#include "log.h"
#include "util.h"

/* Serial collisions tolerated before approve gives up. */
#define ACTION_SERIAL_TRIES	4
/* The longest one-time challenge: as "scepd challenge new --ttl". */
#define ACTION_TTL_MAX		(366L * 86400)

static const char *const action_roles[] = {
	[API_ROLE_VIEWER] = "viewer",
	[API_ROLE_OPERATOR] = "operator",
	[API_ROLE_AUDITOR] = "auditor",
	[API_ROLE_ADMIN] = "admin",
};

int
action_role_parse(const char *s)
{
	size_t i;

	for (i = API_ROLE_VIEWER; i < sizeof(action_roles) /
	    sizeof(action_roles[0]); i++)
		if (s != NULL && strcmp(s, action_roles[i]) == 0)
			return (int)i;
	return API_ROLE_NONE;
}

const char *
action_role_str(int role)
{
	if (role <= API_ROLE_NONE || role > API_ROLE_ADMIN)
		return "none";
	return action_roles[role];
}

long
action_duration(const char *s, long max)
{
	char	*end;
	long	 v, mul = 1;

	if (s == NULL || *s < '0' || *s > '9')
		return -1;
	v = strtol(s, &end, 10);
	switch (*end) {
	case '\0':
	case 's':
		break;
	case 'm':
		mul = 60;
		break;
	case 'h':
		mul = 3600;
		break;
	case 'd':
		mul = 86400;
		break;
	default:
		return -1;
	}
	if ((*end != '\0' && end[1] != '\0') || v <= 0 || v > max / mul)
		return -1;
	return v * mul;
}

int
action_serial_norm(const char *in, char *out, size_t sz)
{
	size_t n = 0;

	if (strncasecmp(in, "0x", 2) == 0)
		in += 2;
	for (; *in != '\0'; in++) {
		if (*in == ':')
			continue;
		if (!isxdigit((unsigned char)*in) || n + 1 >= sz)
			return -1;
		out[n++] = (char)toupper((unsigned char)*in);
	}
	out[n] = '\0';
	return n == 0 ? -1 : 0;
}

void
action_ctx_cli(struct action_ctx *x, struct store *st,
    const struct server *srv)
{
	struct passwd *pw = getpwuid(geteuid());

	memset(x, 0, sizeof(*x));
	x->store = st;
	x->srv = srv;
	if (pw != NULL)
		snprintf(x->actor, sizeof(x->actor), "cli:%s", pw->pw_name);
	else
		snprintf(x->actor, sizeof(x->actor), "cli:uid-%lu",
		    (unsigned long)geteuid());
}

void
action_ctx_api(struct action_ctx *x, struct store *st,
    const struct server *srv, const struct api_identity *who,
    const char *peer)
{
	memset(x, 0, sizeof(*x));
	x->store = st;
	x->srv = srv;
	x->events = srv != NULL ? srv->events : NULL;
	x->who = who;
	snprintf(x->actor, sizeof(x->actor), "%s:%s", who->kind, who->name);
	snprintf(x->peer, sizeof(x->peer), "%s", peer != NULL ? peer : "");
}

int
action_http(enum action_rc rc)
{
	switch (rc) {
	case ACTION_OK:
		return 200;
	case ACTION_INVALID:
		return 400;
	case ACTION_FORBIDDEN:
		return 403;
	case ACTION_NOTFOUND:
		return 404;
	case ACTION_CONFLICT:
		return 409;
	default:
		return 503;
	}
}

/*
 * An audit entry of this context: "details" (stolen, may be NULL)
 * becomes its JSON text; one that does not fit says so instead.
 */
static void
action_entry(const struct action_ctx *x, struct store_audit *a,
    const char *action, const char *target, json_t *details,
    const char *outcome)
{
	char *d = NULL;

	memset(a, 0, sizeof(*a));
	a->at = (int64_t)time(NULL);
	snprintf(a->actor, sizeof(a->actor), "%s", x->actor);
	snprintf(a->action, sizeof(a->action), "%s", action);
	snprintf(a->target, sizeof(a->target), "%s", target);
	snprintf(a->peer, sizeof(a->peer), "%s", x->peer);
	snprintf(a->outcome, sizeof(a->outcome), "%s", outcome);
	if (details != NULL)
		d = json_dumps(details, JSON_COMPACT | JSON_SORT_KEYS);
	if (d != NULL && strlen(d) < sizeof(a->details))
		snprintf(a->details, sizeof(a->details), "%s", d);
	else
		snprintf(a->details, sizeof(a->details), "%s", d == NULL ?
		    "{}" : "{\"truncated\":true}");
	free(d);
	json_decref(details);
}

/* Set ctx->why; returns "rc" for the caller to return. */
static enum action_rc
action_why(struct action_ctx *x, enum action_rc rc, const char *fmt, ...)
    __attribute__((__format__(printf, 3, 4)));

static enum action_rc
action_why(struct action_ctx *x, enum action_rc rc, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(x->why, sizeof(x->why), fmt, ap);
	va_end(ap);
	return rc;
}

/*
 * An action refused for its target: say why, and audit the attempt
 * (best effort: the refusal stands if the store fails now too).
 */
static enum action_rc
action_refuse(struct action_ctx *x, enum action_rc rc, const char *action,
    const char *target, const char *why)
{
	struct store_audit a;

	action_entry(x, &a, action, target, json_pack("{s:s}", "why", why),
	    "refused");
	if (store_audit_append(x->store, &a) == -1)
		log_warnx("%s %s: the refusal could not be audited", action,
		    target);
	log_warnx("%s: %s %s refused: %s", x->actor, action, target, why);
	return action_why(x, rc, "%s", why);
}

/* May this caller act on profile "profile"? */
static int
action_allowed(const struct action_ctx *x, const char *profile)
{
	return x->who == NULL || api_profile_allowed(x->who, profile);
}

/* Sign the stored CSR and record it with the audit entry, atomically. */
/* Announce what an administrator decided (a no-op without events). */
static void
action_event(const struct action_ctx *x, enum event_type type,
    const struct event *in)
{
	struct event ev = *in;

	ev.type = type;
	ev.actor = x->actor;
	events_emit(x->events, &ev);
}

static enum action_rc
approve_issue(struct action_ctx *x, const struct store_request *r,
    const char *target, char *serial)
{
	const struct server_profile *sp;
	struct issue_ctx	 ic = { .txid = r->txid, .peer = r->peer,
	    .profile = r->profile, .renewed_from = "" };
	struct csr_info		 ci;
	struct store_cert	 rec = { 0 };
	struct store_audit	 a;
	struct x509_st		*x509 = NULL;
	enum store_put		 p = STORE_PUT_DUP_SERIAL;
	enum action_rc		 rc = ACTION_ERROR;
	int			 i;

	if ((sp = server_profile(x->srv, r->profile, strlen(r->profile))) ==
	    NULL)
		return action_refuse(x, ACTION_CONFLICT, "request.approve",
		    target, "its profile is not configured any more");
	ic.ca = sp->sca->conf->name;
	if (csr_parse(r->csr, r->csrsz, &ci) != SCEP_OK) {
		log_warnx("%s: stored CSR unusable: %s", target, ci.why);
		csr_info_clear(&ci);
		return action_why(x, ACTION_ERROR, "the stored CSR is "
		    "unusable");
	}
	for (i = 0; i < ACTION_SERIAL_TRIES && p == STORE_PUT_DUP_SERIAL;
	    i++) {
		x509_free(x509);
		store_cert_clear(&rec);
		if ((x509 = issue_sign(sp->sca->ca, &sp->conf->cert, &ci, &ic,
		    &rec)) == NULL)
			break;
		action_entry(x, &a, "request.approve", target, json_pack(
		    "{s:s, s:s, s:s}", "serial", rec.serial, "subject",
		    rec.subject, "profile", r->profile), "ok");
		p = store_request_issue_audited(x->store, r->id, &rec, &a);
	}
	if (x509 != NULL && p == STORE_PUT_OK) {
		log_info("request %lld: issued serial %s to \"%s\" (approved "
		    "by %s)", (long long)r->id, rec.serial, rec.subject,
		    x->actor);
		snprintf(serial, STORE_SERIAL_MAX + 1, "%s", rec.serial);
		action_event(x, EVENT_ISSUED, &(struct event){
		    .profile = r->profile, .ca = ic.ca, .txid = r->txid,
		    .request_id = r->id, .serial = rec.serial,
		    .subject = rec.subject, .peer = r->peer });
		rc = ACTION_OK;
	} else if (p == STORE_PUT_STALE)
		rc = action_refuse(x, ACTION_CONFLICT, "request.approve",
		    target, "not pending any more");
	else
		action_why(x, ACTION_ERROR, x509 == NULL ? "cannot sign the "
		    "certificate" : "store: recording the certificate");
	x509_free(x509);
	store_cert_clear(&rec);
	csr_info_clear(&ci);
	return rc;
}

/*
 * The pending request "id" as *r (caller clears), or a refusal: not
 * found, out of scope, or decided or expired already.
 */
static enum action_rc
request_pending(struct action_ctx *x, int64_t id, const char *action,
    const char *target, struct store_request *r)
{
	char	why[96];
	int	found;

	if (store_request_get(x->store, id, r, &found) == -1)
		return action_why(x, ACTION_ERROR, "store: reading the "
		    "request");
	if (!found)
		return action_refuse(x, ACTION_NOTFOUND, action, target,
		    "no such request");
	if (!action_allowed(x, r->profile)) {
		store_request_clear(r);
		return action_refuse(x, ACTION_FORBIDDEN, action, target,
		    "its profile is outside this token's profiles");
	}
	if (r->status == STORE_TXN_PENDING && r->expires_at > time(NULL))
		return ACTION_OK;
	snprintf(why, sizeof(why), "the request is %s, not pending",
	    r->status == STORE_TXN_ISSUED ? "issued" :
	    r->status == STORE_TXN_REJECTED ? "rejected" : "expired");
	store_request_clear(r);
	return action_refuse(x, ACTION_CONFLICT, action, target, why);
}

enum action_rc
action_request_approve(struct action_ctx *x, int64_t id, char *serial)
{
	struct store_request	r;
	char			target[32];
	enum action_rc		rc;

	snprintf(target, sizeof(target), "request:%lld", (long long)id);
	if (x->srv == NULL)
		return action_why(x, ACTION_ERROR, "no CA loaded");
	if ((rc = request_pending(x, id, "request.approve", target, &r)) !=
	    ACTION_OK)
		return rc;
	rc = approve_issue(x, &r, target, serial);
	store_request_clear(&r);
	return rc;
}

enum action_rc
action_request_reject(struct action_ctx *x, int64_t id, const char *reason)
{
	struct store_request	r;
	struct store_audit	a;
	char			target[32];
	enum action_rc		rc;

	snprintf(target, sizeof(target), "request:%lld", (long long)id);
	if (reason != NULL && strlen(reason) >= sizeof(r.reason))
		return action_why(x, ACTION_INVALID, "reason: at most %zu "
		    "bytes", sizeof(r.reason) - 1);
	if ((rc = request_pending(x, id, "request.reject", target, &r)) !=
	    ACTION_OK)
		return rc;
	action_entry(x, &a, "request.reject", target, json_pack("{s:s?, "
	    "s:s, s:s}", "reason", reason, "subject", r.subject, "profile",
	    r.profile), "ok");
	switch (store_request_reject_audited(x->store, id, reason,
	    (int64_t)time(NULL), &a)) {
	case STORE_PUT_OK:
		log_info("request %lld: rejected by %s%s%s", (long long)id,
		    x->actor, reason ? ": " : "", reason ? reason : "");
		action_event(x, EVENT_REJECTED, &(struct event){
		    .profile = r.profile, .txid = r.txid, .request_id = id,
		    .subject = r.subject, .peer = r.peer, .reason = reason });
		break;
	case STORE_PUT_STALE:
		rc = action_refuse(x, ACTION_CONFLICT, "request.reject",
		    target, "not pending any more");
		break;
	default:
		rc = action_why(x, ACTION_ERROR, "store: recording the "
		    "rejection");
		break;
	}
	store_request_clear(&r);
	return rc;
}

enum action_rc
action_cert_revoke(struct action_ctx *x, const char *arg, const char *rname)
{
	struct store_cert	c;
	struct store_audit	a;
	char			serial[STORE_SERIAL_MAX + 1], target[64];
	int			reason = -1, found;
	enum action_rc		rc = ACTION_OK;

	if (action_serial_norm(arg, serial, sizeof(serial)) == -1)
		return action_why(x, ACTION_INVALID, "not a serial number in "
		    "hex");
	if (rname != NULL && (reason = crl_reason_parse(rname)) < 0)
		return action_why(x, ACTION_INVALID, "unknown revocation "
		    "reason (RFC 5280 names: keyCompromise, superseded, ...)");
	/* RFC 5280 5.3.1: removeFromCRL belongs in delta CRLs only. */
	if (reason == CRL_REMOVE_FROM_CRL)
		return action_why(x, ACTION_INVALID, "removeFromCRL is for "
		    "delta CRLs, not a revocation");
	snprintf(target, sizeof(target), "cert:%s", serial);
	if (store_cert_get(x->store, serial, &c, &found) == -1)
		return action_why(x, ACTION_ERROR, "store: reading the "
		    "certificate");
	if (!found)
		return action_refuse(x, ACTION_NOTFOUND, "cert.revoke", target,
		    "no certificate with this serial");
	if (!action_allowed(x, c.profile))
		rc = action_refuse(x, ACTION_FORBIDDEN, "cert.revoke", target,
		    "its profile is outside this token's profiles");
	else {
		action_entry(x, &a, "cert.revoke", target, json_pack("{s:s, "
		    "s:s, s:s}", "reason", reason < 0 ? "none" :
		    crl_reason_str(reason), "subject", c.subject, "ca", c.ca),
		    "ok");
		switch (store_cert_revoke_audited(x->store, serial, reason,
		    (int64_t)time(NULL), &a)) {
		case STORE_REVOKE_DONE:
			log_info("revoked %s (%s) by %s", serial, reason < 0 ?
			    "no reason given" : crl_reason_str(reason),
			    x->actor);
			action_event(x, EVENT_REVOKED, &(struct event){
			    .profile = c.profile, .ca = c.ca, .txid = c.txid,
			    .serial = serial, .subject = c.subject,
			    .peer = c.peer, .reason = reason < 0 ? NULL :
			    crl_reason_str(reason) });
			break;
		case STORE_REVOKE_ALREADY:
			rc = action_refuse(x, ACTION_CONFLICT, "cert.revoke",
			    target, "revoked already");
			break;
		case STORE_REVOKE_UNKNOWN:
			rc = action_refuse(x, ACTION_NOTFOUND, "cert.revoke",
			    target, "no certificate with this serial");
			break;
		default:
			rc = action_why(x, ACTION_ERROR, "store: recording "
			    "the revocation");
			break;
		}
	}
	store_cert_clear(&c);
	return rc;
}

/* A subject pattern challenge_mint() will accept; -1 if not. */
static int
action_pattern_ok(const char *subject)
{
	regex_t re;

	if (subject == NULL)
		return 0;
	if (strlen(subject) >= sizeof(((struct store_challenge *)0)->subject) ||
	    regcomp(&re, subject, REG_EXTENDED | REG_NOSUB) != 0)
		return -1;
	regfree(&re);
	return 0;
}

enum action_rc
action_challenge_mint(struct action_ctx *x, const char *profile, long ttl,
    const char *subject, char *out, char *id, int64_t *expires)
{
	const struct conf		*conf = x->conf;
	const struct conf_profile	*pc;
	struct store_audit		 a;
	unsigned char			 h[STORE_KID_LEN];
	char				 target[96];

	if (conf == NULL && x->srv != NULL)
		conf = x->srv->conf;
	if (conf == NULL)
		return action_why(x, ACTION_ERROR, "no profiles loaded");
	if (ttl < 0 || ttl > ACTION_TTL_MAX)
		return action_why(x, ACTION_INVALID, "ttl: 1 second to 366 "
		    "days");
	if (action_pattern_ok(subject) == -1)
		return action_why(x, ACTION_INVALID, "subject: not a POSIX "
		    "extended regular expression of at most 255 bytes");
	snprintf(target, sizeof(target), "profile:%.80s", profile);
	if ((pc = conf_profile_find(conf, profile)) == NULL)
		return action_why(x, ACTION_NOTFOUND, "no such profile");
	if (!action_allowed(x, pc->name))
		return action_refuse(x, ACTION_FORBIDDEN, "challenge.create",
		    target, "the profile is outside this token's profiles");
	if (pc->policy.challenge_mode != CONF_CHALLENGE_DYNAMIC)
		return action_why(x, ACTION_CONFLICT, "the profile's "
		    "challenge.mode is not dynamic");
	action_entry(x, &a, "challenge.create", target, json_pack("{s:I, "
	    "s:s?}", "ttl", (json_int_t)(ttl > 0 ? ttl :
	    pc->policy.challenge_ttl), "subject", subject), "ok");
	if (challenge_mint_audited(x->store, pc, (int)ttl, subject, out,
	    expires, &a) == -1)
		return action_why(x, ACTION_ERROR, "store: recording the "
		    "challenge");
	if (sha256(out, CHALLENGE_HEX, h) == -1)
		return action_why(x, ACTION_ERROR, "sha256");
	hex_lower(h, sizeof(h), id);
	log_info("profile %s: one-time challenge %.16s... minted by %s",
	    pc->name, id, x->actor);
	return ACTION_OK;
}

enum action_rc
action_challenge_revoke(struct action_ctx *x, const char *id)
{
	struct store_challenge	 ch;
	struct store_audit	 a;
	unsigned char		 h[STORE_KID_LEN];
	char			 target[96];
	int			 found;

	if (strlen(id) != 2 * STORE_KID_LEN || hex_decode(id, h, sizeof(h)) ==
	    -1)
		return action_why(x, ACTION_INVALID, "a challenge id is 64 hex "
		    "digits");
	snprintf(target, sizeof(target), "challenge:%.64s", id);
	if (store_challenge_get(x->store, h, &ch, &found) == -1)
		return action_why(x, ACTION_ERROR, "store: reading the "
		    "challenge");
	if (!found)
		return action_refuse(x, ACTION_NOTFOUND, "challenge.revoke",
		    target, "no such challenge");
	if (!action_allowed(x, ch.profile))
		return action_refuse(x, ACTION_FORBIDDEN, "challenge.revoke",
		    target, "its profile is outside this token's profiles");
	action_entry(x, &a, "challenge.revoke", target, json_pack("{s:s}",
	    "profile", ch.profile), "ok");
	switch (store_challenge_revoke(x->store, h, (int64_t)time(NULL),
	    &a)) {
	case STORE_PUT_OK:
		log_info("profile %s: one-time challenge %.16s... revoked by "
		    "%s", ch.profile, id, x->actor);
		return ACTION_OK;
	case STORE_PUT_STALE:
		return action_refuse(x, ACTION_CONFLICT, "challenge.revoke",
		    target, "used or expired already");
	default:
		return action_why(x, ACTION_ERROR, "store: revoking the "
		    "challenge");
	}
}

/* Names of tokens and profiles: what a configuration's names may be. */
static int
action_name_ok(const char *s, size_t max)
{
	size_t n = strlen(s);

	return n > 0 && n <= max && strspn(s, "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") == n;
}

/* "p1,p2": names, no empty one; "" is all. */
static int
action_profiles_ok(const char *s)
{
	char	buf[256], *p, *q;

	if (strlen(s) >= sizeof(buf))
		return 0;
	if (*s == '\0')
		return 1;
	snprintf(buf, sizeof(buf), "%s", s);
	for (p = buf; p != NULL; p = q) {
		if ((q = strchr(p, ',')) != NULL)
			*q++ = '\0';
		if (!action_name_ok(p, CONF_NAME_MAX))
			return 0;
	}
	return 1;
}

/* The secret: 32 CSPRNG bytes as base64url, behind a greppable prefix. */
static int
action_token_mint(char *out)
{
	unsigned char	 r[32];
	char		*b, *p;
	int		 rc = -1;

	if (rand_bytes(r, sizeof(r)) == -1 ||
	    (b = b64_encode(r, sizeof(r))) == NULL)
		goto out;
	for (p = b; *p != '\0'; p++) {
		if (*p == '+')
			*p = '-';
		else if (*p == '/')
			*p = '_';
		else if (*p == '=')
			*p = '\0';
	}
	if (strlen(b) == ACTION_TOKEN_LEN - strlen(ACTION_TOKEN_PREFIX)) {
		snprintf(out, ACTION_TOKEN_LEN + 1, "%s%s",
		    ACTION_TOKEN_PREFIX, b);
		rc = 0;
	}
	explicit_bzero(b, strlen(b));
	free(b);
 out:
	explicit_bzero(r, sizeof(r));
	return rc;
}

enum action_rc
action_token_create(struct action_ctx *x, const char *name, const char *role,
    const char *profiles, int64_t expires, const char *cert, char *out)
{
	struct store_token	t;
	struct store_audit	a;
	char			target[96];

	memset(&t, 0, sizeof(t));
	if (profiles == NULL)
		profiles = "";
	if (!action_name_ok(name, STORE_TOKEN_NAME_MAX))
		return action_why(x, ACTION_INVALID, "token name: 1 to 63 of "
		    "A-Z a-z 0-9 . _ -");
	if (action_role_parse(role) == API_ROLE_NONE)
		return action_why(x, ACTION_INVALID, "role: viewer, operator, "
		    "auditor or admin");
	if (!action_profiles_ok(profiles))
		return action_why(x, ACTION_INVALID, "profiles: names "
		    "separated by commas");
	if (cert != NULL && (strlen(cert) != 2 * STORE_KID_LEN ||
	    hex_decode(cert, t.cert, sizeof(t.cert)) == -1))
		return action_why(x, ACTION_INVALID, "cert: the client "
		    "certificate's SHA-256, 64 hex digits");
	snprintf(t.name, sizeof(t.name), "%s", name);
	snprintf(t.role, sizeof(t.role), "%s", role);
	snprintf(t.profiles, sizeof(t.profiles), "%s", profiles);
	t.has_cert = cert != NULL;
	t.created_at = (int64_t)time(NULL);
	t.expires_at = expires > 0 ? t.created_at + expires : 0;
	if (action_token_mint(out) == -1 ||
	    sha256(out, strlen(out), t.hash) == -1)
		return action_why(x, ACTION_ERROR, "cannot make a token");
	snprintf(target, sizeof(target), "token:%s", name);
	action_entry(x, &a, "token.create", target, json_pack("{s:s, s:s, "
	    "s:I, s:b}", "role", role, "profiles", profiles, "expires_at",
	    (json_int_t)t.expires_at, "cert_bound", t.has_cert), "ok");
	switch (store_token_put(x->store, &t, &a)) {
	case STORE_PUT_OK:
		log_info("token %s (%s) created by %s", name, role, x->actor);
		return ACTION_OK;
	case STORE_PUT_DUP_NAME:
		explicit_bzero(out, ACTION_TOKEN_LEN + 1);
		return action_why(x, ACTION_CONFLICT, "a token named \"%s\" "
		    "exists", name);
	default:
		explicit_bzero(out, ACTION_TOKEN_LEN + 1);
		return action_why(x, ACTION_ERROR, "store: recording the "
		    "token");
	}
}

enum action_rc
action_token_revoke(struct action_ctx *x, const char *name)
{
	struct store_audit	a;
	char			target[96];

	if (!action_name_ok(name, STORE_TOKEN_NAME_MAX))
		return action_why(x, ACTION_INVALID, "not a token name");
	snprintf(target, sizeof(target), "token:%s", name);
	action_entry(x, &a, "token.revoke", target, NULL, "ok");
	switch (store_token_revoke(x->store, name, (int64_t)time(NULL), &a)) {
	case STORE_PUT_OK:
		log_info("token %s revoked by %s", name, x->actor);
		return ACTION_OK;
	case STORE_PUT_STALE:
		return action_refuse(x, ACTION_NOTFOUND, "token.revoke", target,
		    "no such token, or revoked already");
	default:
		return action_why(x, ACTION_ERROR, "store: revoking the "
		    "token");
	}
}

enum action_rc
action_note(struct action_ctx *x, const char *action, const char *target,
    const char *details, const char *outcome)
{
	struct store_audit	 a;
	json_t			*d = NULL;

	if (details != NULL && (d = json_loads(details, 0, NULL)) == NULL)
		return action_why(x, ACTION_INVALID, "details: not JSON");
	action_entry(x, &a, action, target, d, outcome);
	if (store_audit_append(x->store, &a) == -1)
		return action_why(x, ACTION_ERROR, "store: writing the audit "
		    "entry");
	return ACTION_OK;
}
