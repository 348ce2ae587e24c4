/*	SPDX-License-Identifier: ISC */
/*
 * challenge.c: checking and minting challengePasswords per profile.
 * Secrets never reach the log or the store in clear: static ones are
 * compared as SHA-256 in constant time, one-time ones are stored as
 * their SHA-256 and found by it.  Intune's challenge is not read at
 * all: Intune decrypts it from the CSR, which is sent as the device
 * sent it (intune.c).
 */
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "challenge.h"
#include "intune.h"
#include "log.h"
#include "policy.h"
#include "store.h"
#include "util.h"
#include "webhook.h"

/* Does the subject match the pattern the challenge was bound to? */
static int
challenge_subject_ok(const char *pattern, const char *subject)
{
	regex_t	re;
	int	ok;

	if (*pattern == '\0')
		return 1;
	if (regcomp(&re, pattern, REG_EXTENDED | REG_NOSUB) != 0)
		return 0;
	ok = regexec(&re, subject, 0, NULL, 0) == 0;
	regfree(&re);
	return ok;
}

/* Dynamic mode: the store says whether this one-time challenge lives. */
static int
challenge_dynamic(const struct server *srv, const struct conf_profile *pc,
    const struct challenge_req *rq, struct challenge_result *res)
{
	struct store_challenge	sc;
	const struct csr_info	*ci = rq->ci;
	int			found;

	if (sha256(ci->challenge, ci->challengesz, res->hash) == -1 ||
	    store_challenge_get(srv->store, res->hash, &sc, &found) == -1)
		return -1;
	res->state = POLICY_CH_BAD;
	/* One answer whatever is wrong: no oracle for guessing. */
	snprintf(res->why, sizeof(res->why), "%s", CHALLENGE_SPENT);
	if (!found || strcmp(sc.profile, pc->name) != 0 || sc.used_at != 0 ||
	    sc.expires_at <= (int64_t)time(NULL))
		return 0;
	if (!challenge_subject_ok(sc.subject, ci->subject_txt)) {
		snprintf(res->why, sizeof(res->why), "one-time challenge not "
		    "valid for this subject");
		return 0;
	}
	res->state = POLICY_CH_VALID;
	res->once = 1;
	res->why[0] = '\0';
	return 0;
}

static void
challenge_webhook_conf(const struct conf_policy *p, struct webhook_conf *wc)
{
	memset(wc, 0, sizeof(*wc));
	wc->url = p->webhook_url;
	wc->secret = p->webhook_secret;
	wc->timeout_ms = p->webhook_timeout_ms;
	wc->notify_url = p->webhook_notify_url;
}

static void
challenge_webhook_req(const struct conf_profile *pc,
    const struct challenge_req *rq, struct webhook_req *wr)
{
	memset(wr, 0, sizeof(*wr));
	wr->profile = pc->name;
	wr->txid = rq->txid;
	wr->peer = rq->peer;
	wr->subject = rq->ci->subject_txt;
	wr->csr = rq->csr;
	wr->csrsz = rq->csrsz;
	wr->san = rq->ci->san;
	wr->sansz = rq->ci->sansz;
}

/* Webhook mode: the service decides; no answer is a refusal. */
static void
challenge_webhook(const struct conf_profile *pc,
    const struct challenge_req *rq, struct challenge_result *res)
{
	struct webhook_conf	wc;
	struct webhook_req	wr;
	char			reason[96];

	challenge_webhook_conf(&pc->policy, &wc);
	challenge_webhook_req(pc, rq, &wr);
	switch (webhook_check(&wc, &wr, reason, sizeof(reason))) {
	case WEBHOOK_ALLOW:
		res->state = POLICY_CH_VALID;
		break;
	case WEBHOOK_DENY:
		res->state = POLICY_CH_BAD;
		snprintf(res->why, sizeof(res->why), "denied: %s",
		    *reason ? reason : "no reason given");
		break;
	default:
		res->state = POLICY_CH_BAD;
		snprintf(res->why, sizeof(res->why), "the enrollment "
		    "authorization service did not answer");
		break;
	}
}

/* Intune's own words of the last call, for the logs. */
static void
challenge_intune_detail(struct challenge_result *res, const char *call,
    const struct intune_result *ir)
{
	snprintf(res->detail, sizeof(res->detail), "intune %s: %s%s%s "
	    "(activity %s)", call, ir->code, *ir->code ? ": " : "", ir->desc,
	    *ir->activity ? ir->activity : "-");
}

/*
 * Intune mode (INTUNE.md step 3): validateRequest with the CSR as the
 * device sent it; Success issues, anything else refuses.  A request
 * without a challenge is refused here: Intune would only say
 * ChallengePasswordMissing, and every device could make scepd ask.
 */
static void
challenge_intune(const struct server *srv, const struct conf_profile *pc,
    const struct challenge_req *rq, struct challenge_result *res)
{
	struct intune_req	 ir = { .txid = rq->txid, .csr = rq->csr,
	    .csrsz = rq->csrsz };
	struct intune_result	 r;

	res->state = POLICY_CH_BAD;
	if (rq->ci->challenge_state == CSR_CHALLENGE_NONE) {
		snprintf(res->why, sizeof(res->why), "challengePassword "
		    "required (Intune's challenge)");
		return;
	}
	if (rq->ci->challenge_state == CSR_CHALLENGE_BAD) {
		snprintf(res->why, sizeof(res->why), "challengePassword "
		    "malformed (one string of at most %d bytes)",
		    CSR_CHALLENGE_LONG_MAX);
		return;
	}
	switch (intune_validate(srv->intune, &pc->intune, &ir, &r)) {
	case INTUNE_OK:
		res->state = POLICY_CH_VALID;
		res->validated = 1;
		break;
	case INTUNE_REFUSED:
		snprintf(res->why, sizeof(res->why), "Intune refused the "
		    "request: %s", r.code);
		break;
	default:
		snprintf(res->why, sizeof(res->why), "the Intune validation "
		    "service did not answer");
		break;
	}
	challenge_intune_detail(res, "validateRequest", &r);
}

int
challenge_confirm(const struct server *srv, const struct conf_profile *pc,
    const struct challenge_req *rq, struct challenge_result *res,
    const struct challenge_cert *c, char *why, size_t whysz)
{
	struct intune_req	 ir = { .txid = rq->txid, .csr = rq->csr,
	    .csrsz = rq->csrsz };
	struct intune_issued	 is = { .serial = c->serial,
	    .not_after = c->not_after, .ca = c->ca };
	struct intune_result	 r;
	char			*issuer = NULL;
	int			 rc = -1;

	if (pc->policy.challenge_mode != CONF_CHALLENGE_INTUNE ||
	    !res->validated)
		return 0;
	if (x509_thumbprint(c->der, c->dersz, is.thumbprint) == -1 ||
	    (is.issuer = issuer = x509_issuer_txt(c->x)) == NULL) {
		snprintf(why, whysz, "cannot describe the certificate to "
		    "Intune");
		goto out;
	}
	if (intune_notify_success(srv->intune, &pc->intune, &ir, &is, &r) ==
	    INTUNE_OK)
		rc = 0;
	else
		snprintf(why, whysz, "Intune did not take the success "
		    "notification%s%s", *r.code ? ": " : "", r.code);
	challenge_intune_detail(res, "successNotification", &r);
 out:
	free(issuer);
	return rc;
}

int
challenge_check(const struct server *srv, const struct conf_profile *pc,
    const struct challenge_req *rq, struct challenge_result *res)
{
	const struct csr_info *ci = rq->ci;

	memset(res, 0, sizeof(*res));
	res->state = POLICY_CH_NONE;
	switch (pc->policy.challenge_mode) {
	case CONF_CHALLENGE_STATIC:
		res->state = policy_static_challenge(&pc->policy, ci);
		if (res->state == POLICY_CH_BAD)
			snprintf(res->why, sizeof(res->why), "%s",
			    ci->challenge_state == CSR_CHALLENGE_BAD ||
			    ci->challenge_state == CSR_CHALLENGE_LONG ?
			    "challengePassword malformed (RFC 2985 5.4.1: "
			    "one DirectoryString of 1 to 255)" :
			    "challenge mismatch");
		return 0;
	case CONF_CHALLENGE_DYNAMIC:
		if (ci->challenge_state == CSR_CHALLENGE_ONE)
			return challenge_dynamic(srv, pc, rq, res);
		break;
	case CONF_CHALLENGE_WEBHOOK:
		/* The service decides, challenge or not (Intune-style). */
		challenge_webhook(pc, rq, res);
		return 0;
	case CONF_CHALLENGE_INTUNE:
		challenge_intune(srv, pc, rq, res);
		return 0;
	default:
		return 0;
	}
	if (ci->challenge_state == CSR_CHALLENGE_BAD ||
	    ci->challenge_state == CSR_CHALLENGE_LONG) {
		res->state = POLICY_CH_BAD;
		snprintf(res->why, sizeof(res->why), "challengePassword "
		    "malformed (RFC 2985 5.4.1: one DirectoryString of 1 to "
		    "255)");
	}
	return 0;
}

/*
 * INTUNE.md step 4b: Intune said Success and no certificate came of it.
 * Its console shows the HRESULT and the description.
 */
static void
challenge_intune_failed(const struct server *srv,
    const struct conf_profile *pc, const struct challenge_req *rq,
    struct challenge_result *res, enum challenge_outcome how,
    const char *reason)
{
	struct intune_req	 ir = { .txid = rq->txid, .csr = rq->csr,
	    .csrsz = rq->csrsz };
	struct intune_result	 r;
	char			 desc[INTUNE_DESC_MAX];

	snprintf(desc, sizeof(desc), "scepd: %s", reason != NULL ? reason :
	    "no certificate issued");
	intune_notify_failure(srv->intune, &pc->intune, &ir,
	    how == CHALLENGE_REFUSED ? INTUNE_HR_DENIED : INTUNE_HR_FAIL,
	    desc, &r);
	challenge_intune_detail(res, "failureNotification", &r);
	/* Said once: a later failure of the same request is not news. */
	res->validated = 0;
}

void
challenge_notify(const struct server *srv, const struct conf_profile *pc,
    const struct challenge_req *rq, struct challenge_result *res,
    enum challenge_outcome how, const char *serial, const char *reason)
{
	struct webhook_conf	wc;
	struct webhook_req	wr;

	if (pc->policy.challenge_mode == CONF_CHALLENGE_INTUNE) {
		if (how != CHALLENGE_ISSUED && res->validated)
			challenge_intune_failed(srv, pc, rq, res, how, reason);
		return;
	}
	if (pc->policy.challenge_mode != CONF_CHALLENGE_WEBHOOK ||
	    pc->policy.webhook_notify_url == NULL)
		return;
	challenge_webhook_conf(&pc->policy, &wc);
	challenge_webhook_req(pc, rq, &wr);
	webhook_notify(&wc, &wr, how == CHALLENGE_ISSUED, serial, reason);
}

int
challenge_mint_audited(struct store *st, const struct conf_profile *pc,
    int ttl, const char *subject, char *out, int64_t *expires,
    const struct store_audit *a)
{
	struct store_challenge	sc;
	unsigned char		r[CHALLENGE_HEX / 2];
	regex_t			re;

	if (pc->policy.challenge_mode != CONF_CHALLENGE_DYNAMIC) {
		log_warnx("profile %s: challenge.mode is not dynamic",
		    pc->name);
		return -1;
	}
	if (subject != NULL && (strlen(subject) >= sizeof(sc.subject) ||
	    regcomp(&re, subject, REG_EXTENDED | REG_NOSUB) != 0)) {
		log_warnx("subject pattern \"%s\": not a regular expression "
		    "of at most %zu bytes", subject, sizeof(sc.subject) - 1);
		return -1;
	}
	if (subject != NULL)
		regfree(&re);
	memset(&sc, 0, sizeof(sc));
	if (rand_bytes(r, sizeof(r)) == -1)
		return -1;
	hex_encode(r, sizeof(r), out);
	explicit_bzero(r, sizeof(r));
	if (sha256(out, CHALLENGE_HEX, sc.hash) == -1)
		return -1;
	snprintf(sc.profile, sizeof(sc.profile), "%s", pc->name);
	snprintf(sc.subject, sizeof(sc.subject), "%s", subject ? subject : "");
	sc.created_at = (int64_t)time(NULL);
	sc.expires_at = sc.created_at + (ttl > 0 ? ttl :
	    pc->policy.challenge_ttl);
	*expires = sc.expires_at;
	return store_challenge_put_audited(st, &sc, a);
}

int
challenge_mint(struct store *st, const struct conf_profile *pc, int ttl,
    const char *subject, char *out, int64_t *expires)
{
	return challenge_mint_audited(st, pc, ttl, subject, out, expires,
	    NULL);
}
