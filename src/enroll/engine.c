/*	SPDX-License-Identifier: ISC */
/*
 * engine.c: one PKIOperation (RFC 8894 3.3, 4.3-4.6), from request bytes
 * to CertRep bytes, and the only module that knows the sequence:
 * decode (scep_decode.c) -> who signed -> open the envelope (ca.c) ->
 * messageData (csr.c, scep_asn1.c) -> known transaction? (store) ->
 * policy (policy.c) -> issue (issue.c) or wait for approval -> record
 * (store) -> CertRep (scep_encode.c).
 * Nothing is written to the store before every check has passed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ca.h"
#include "challenge.h"
#include "engine.h"
#include "events.h"
#include "issue.h"
#include "log.h"
#include "pki.h"
#include "policy.h"
#include "scep.h"
#include "util.h"
#include "webhook.h"
#include "x509.h"

/* The one failInfoText of every envelope that cannot be opened. */
#define ENGINE_UNDECRYPTABLE	"cannot decrypt the pkcsPKIEnvelope"

/* How often a colliding random serial is drawn again. */
#define ENGINE_SERIAL_TRIES	4

/* RFC 8894 2.3: who signed the request. */
enum signer_kind {
	SIGNER_SELF,		/* self-signed: a new enrolment */
	SIGNER_OURS,		/* a valid certificate of this CA */
};

/* Everything one request carries between steps. */
struct enroll {
	const struct server	*srv;
	const struct server_profile *sp;
	const struct server_ca	*sca;		/* the profile's CA */
	const struct conf_profile *pc;		/* the profile's settings */
	struct scep_req		*rq;
	enum signer_kind	 kind;
	unsigned char		 signer_kid[STORE_KID_LEN];
	char			 signer_serial[STORE_SERIAL_MAX + 1];
	char			 replaces[STORE_SERIAL_MAX + 1];
	unsigned char		*inner;		/* decrypted messageData */
	size_t			 innersz;
	struct csr_info		 ci;
	const char		*peer;
	struct engine_out	*out;
	struct challenge_req	 creq;		/* for challenge.c */
	struct challenge_result	 chal;
};

static void
engine_http(struct engine_out *out, int status, const char *reason)
{
	int n;

	free(out->body);
	out->http = status;
	out->outcome = "error";
	out->ctype = "text/plain";
	snprintf(out->reason, sizeof(out->reason), "%s", reason);
	n = asprintf((char **)&out->body, "%s\n", reason);
	out->bodysz = n < 0 ? 0 : (size_t)n;
	if (n < 0)
		out->body = NULL;
}

/*
 * The store (or something the answer needs) failed: the device is told
 * only "certificate store unavailable", as ever, and may retry; the
 * request log's reason says which step failed.
 */
static void
engine_unavailable(struct enroll *e, const char *cause)
{
	engine_http(e->out, 503, "certificate store unavailable");
	snprintf(e->out->reason, sizeof(e->out->reason), "%s", cause);
}

/*
 * Sign and send a CertRep.  A SUCCESS carries "x" or "crl", enveloped
 * to the request's signer: by key transport, or by PWRI under the
 * challengePassword when that key cannot receive it (RFC 8894 3.1).
 */
static void
engine_send(struct enroll *e, enum scep_status st, enum scep_fail f,
    const char *text, struct x509_st *x, struct X509_crl_st *crl)
{
	struct scep_rep rep = { .status = st, .fail = f, .failtext = text,
	    .rq = e->rq, .issued = x, .crl = crl, .recipient = e->rq->signer };
	struct engine_out *out = e->out;

	if (e->ci.challenge_state == CSR_CHALLENGE_ONE)
		rep.password = e->ci.challenge;
	rep.content_always = e->pc->policy.failure_content;
	rep.pss = e->rq->sig_pss && e->pc->policy.pss_replies;
	if (st == SCEP_STATUS_SUCCESS && rep.password == NULL &&
	    !x509_key_is_rsa(e->rq->signer)) {
		/* ENC-11: never an unencrypted SUCCESS. */
		rep.status = st = SCEP_STATUS_FAILURE;
		rep.fail = f = SCEP_FAIL_BADREQUEST;
		rep.failtext = text = "cannot encrypt the response: the signer "
		    "key is not RSA and there is no challengePassword";
		rep.issued = NULL;
		rep.crl = NULL;
	}
	out->fail = f;
	out->outcome = st == SCEP_STATUS_SUCCESS ? "SUCCESS" :
	    st == SCEP_STATUS_PENDING ? "PENDING" : "FAILURE";
	if (text != NULL)
		snprintf(out->reason, sizeof(out->reason), "%s", text);
	/*
	 * REP-06: signed by whoever speaks SCEP for the CA (RA or CA),
	 * with the CA's configured chain after an issued certificate.
	 */
	out->body = ca_certrep(e->sca->ca, &rep, &out->bodysz);
	if (out->body == NULL) {
		engine_http(out, 500, "cannot encode the CertRep");
		return;
	}
	out->http = 200;
	out->ctype = "application/x-pki-message";
}

/*
 * Queue the event of an outcome (events.h: a copy, no I/O).  A FAILURE
 * is an event for PKCSReq and RenewalReq only: a refused CertPoll or
 * GetCert is no enrolment failing.
 */
static void
engine_event(const struct enroll *e, enum event_type type,
    const char *serial, int64_t request_id)
{
	const struct engine_out	*out = e->out;
	struct event		 ev;

	if (e->srv->events == NULL || (type == EVENT_FAILED &&
	    e->rq->type != SCEP_MSG_PKCSREQ &&
	    e->rq->type != SCEP_MSG_RENEWALREQ))
		return;
	ev = (struct event){ .type = type, .profile = e->pc->name,
	    .ca = e->sca->conf->name, .txid = e->rq->txid,
	    .request_id = request_id, .serial = serial,
	    .subject = out->subject, .peer = e->peer, .reason = out->reason,
	    .fail_info = type == EVENT_FAILED ? scep_fail_str(out->fail) :
	    NULL };
	events_emit(e->srv->events, &ev);
}

static void
e_fail(struct enroll *e, enum scep_fail f, const char *why)
{
	engine_send(e, SCEP_STATUS_FAILURE, f, why, NULL, NULL);
	engine_event(e, EVENT_FAILED, NULL, 0);
}

static void
e_success(struct enroll *e, struct x509_st *x, const char *serial)
{
	snprintf(e->out->serial, sizeof(e->out->serial), "%s", serial);
	engine_send(e, SCEP_STATUS_SUCCESS, SCEP_OK, NULL, x, NULL);
}

/*
 * A certificate claiming to be ours must verify against our CA alone,
 * be valid now, be in the store and not be revoked (REN-03).
 */
static enum scep_fail
signer_ours_check(struct enroll *e, const char **why)
{
	struct store_status	 ss;
	int			 expired, found;

	if (x509_verify(e->sca->trust, e->rq->signer, &expired) == -1) {
		*why = expired ? "signer certificate expired" :
		    "signer certificate does not verify against this CA";
		return SCEP_FAIL_BADREQUEST;
	}
	if (x509_cert_serial(e->rq->signer, e->signer_serial,
	    sizeof(e->signer_serial)) == -1) {
		*why = "signer certificate's serial unreadable";
		return SCEP_FAIL_INTERNAL;
	}
	if (store_cert_status(e->srv->store, e->signer_serial, &ss, &found) ==
	    -1) {
		*why = "store: reading the signer certificate's status";
		return SCEP_FAIL_INTERNAL;
	}
	/* Another CA's record with the same serial proves nothing. */
	if (!found || strcmp(ss.ca, e->sca->conf->name) != 0) {
		*why = "signer certificate unknown to this CA";
		return SCEP_FAIL_BADREQUEST;
	}
	if (ss.status == STORE_CERT_REVOKED) {
		*why = "signer certificate revoked";
		return SCEP_FAIL_BADREQUEST;
	}
	return SCEP_OK;
}

/* RFC 8894 2.3: self-signed, or issued by this CA; nothing else. */
static enum scep_fail
signer_classify(struct enroll *e, const char **why)
{
	struct x509_st *signer = e->rq->signer;

	if (x509_kid(signer, e->signer_kid) == -1) {
		*why = "signer key unusable";
		return SCEP_FAIL_BADREQUEST;
	}
	/*
	 * Names and key identifiers only, not the self-signature: the
	 * request's own signature already proves the signer holds the key,
	 * and a self-signed signer is trusted for nothing but that (as
	 * OpenSSL says of trust anchors, not worth an RSA operation).
	 */
	if (x509_self_issued(signer)) {
		e->kind = SIGNER_SELF;
		return SCEP_OK;
	}
	if (ca_issued(e->sca->ca, signer)) {
		e->kind = SIGNER_OURS;
		return signer_ours_check(e, why);
	}
	*why = "signer certificate is neither self-signed nor issued by "
	    "this CA";
	return SCEP_FAIL_BADREQUEST;
}

/*
 * ENC-08: one answer for every way decryption fails.  Key transport
 * when the CA's SCEP key can take it, else a PasswordRecipientInfo
 * under the profile's static challenge: the server must hold the secret
 * itself to derive the key (RFC 3211), which a one-time, webhook or
 * hashed ("sha256:") challenge does not give it.
 */
static enum scep_fail
open_inner(struct enroll *e, const char **why)
{
	const struct conf_policy	*po = &e->pc->policy;
	int				 rc;

	if (e->rq->env_ktri && ca_takes_ktri(e->sca->ca))
		rc = ca_open_envelope(e->sca->ca, e->rq->env, &e->inner,
		    &e->innersz);
	else if (!e->rq->env_pwri) {
		*why = "RFC 8894 3.1: this CA takes no key transport (an EC "
		    "CA without an RA): send a PasswordRecipientInfo";
		return SCEP_FAIL_BADALG;
	} else if (po->challenge_mode != CONF_CHALLENGE_STATIC ||
	    po->challenge == NULL) {
		*why = "RFC 8894 3.2.2: a PasswordRecipientInfo needs a "
		    "static challenge whose secret this profile holds";
		return SCEP_FAIL_BADALG;
	} else
		rc = ca_open_envelope_password(e->rq->env, po->challenge,
		    &e->inner, &e->innersz);
	if (rc == -1) {
		*why = ENGINE_UNDECRYPTABLE;
		return SCEP_FAIL_BADREQUEST;
	}
	return SCEP_OK;
}

/* The CSR inside; a self-signed signer must hold its key (decision 5). */
static enum scep_fail
enroll_csr(struct enroll *e, const char **why)
{
	enum scep_fail f;

	if ((f = open_inner(e, why)) != SCEP_OK)
		return f;
	/*
	 * The signer's key, decoded with its certificate, is usually the
	 * CSR's too: csr_parse_known() then spares decoding it again.
	 */
	if ((f = csr_parse_known(e->inner, e->innersz, e->signer_kid,
	    x509_pubkey(e->rq->signer), &e->ci)) != SCEP_OK) {
		/* Decrypted garbage must look like any decryption failure. */
		*why = e->ci.garbled ? ENGINE_UNDECRYPTABLE : e->ci.why;
		return f;
	}
	if (e->kind == SIGNER_SELF &&
	    memcmp(e->signer_kid, e->ci.kid, STORE_KID_LEN) != 0) {
		*why = "RFC 8894 2.3: the self-signed signer does not hold "
		    "the CSR's key";
		return SCEP_FAIL_BADREQUEST;
	}
	return SCEP_OK;
}

/* Answer with the stored certificate "serial". */
static void
answer_cert(struct enroll *e, const char *serial)
{
	struct store_cert	 c;
	struct x509_st		*x;
	int			 found;

	if (store_cert_get(e->srv->store, serial, &c, &found) == -1) {
		engine_unavailable(e, "store: reading the issued certificate");
		return;
	}
	if (!found) {
		engine_http(e->out, 500, "transaction without certificate");
		return;
	}
	if ((x = x509_from_der(c.der, c.dersz)) == NULL)
		engine_http(e->out, 500, "stored certificate unreadable");
	else
		e_success(e, x, serial);
	x509_free(x);
	store_cert_clear(&c);
}

/* RFC 8894 4.4: the state of a known transaction, as a CertRep. */
static void
answer_txn(struct enroll *e, const struct store_txn *t)
{
	struct store_request	r;
	int			found;

	switch (t->status) {
	case STORE_TXN_ISSUED:
		answer_cert(e, t->serial);
		return;
	case STORE_TXN_REJECTED:
		e_fail(e, SCEP_FAIL_BADREQUEST, "request rejected");
		return;
	default:
		break;
	}
	if (store_request_get(e->srv->store, t->request_id, &r, &found) ==
	    -1) {
		engine_unavailable(e, "store: reading the pending request");
		return;
	}
	/* TXN-12: a request nobody decided on in time is over. */
	if (!found || r.expires_at <= (int64_t)time(NULL))
		e_fail(e, SCEP_FAIL_BADREQUEST, "transaction expired");
	else
		engine_send(e, SCEP_STATUS_PENDING, SCEP_OK, NULL, NULL, NULL);
	store_request_clear(&r);
}

/*
 * A new transaction for this signer key: refused if another key's
 * request with this transactionID waits for an administrator, which is
 * left as it was (issue #14; TXN-05 for the pending state).  1 if it
 * answered, 0 to go on.
 */
static int
enroll_taken(struct enroll *e)
{
	int64_t	n;

	if (store_txn_pending_other(e->srv->store, e->rq->txid,
	    e->signer_kid, &n) == -1) {
		engine_unavailable(e, "store: looking for a pending "
		    "transaction");
		return 1;
	}
	if (n == 0)
		return 0;
	e_fail(e, SCEP_FAIL_BADREQUEST, "transactionID already used "
	    "with another key");
	return 1;
}

/*
 * Decision 4: a resent PKCSReq of a known transaction gets its state
 * (the same certificate, still PENDING, rejected); with another key
 * it is refused (TXN-05).  1 if it answered, 0 if the request is new.
 */
static int
enroll_known(struct enroll *e)
{
	struct store_txn	t;
	int			found;

	if (store_txn_get(e->srv->store, e->rq->txid, e->signer_kid, &t,
	    &found) == -1) {
		engine_unavailable(e, "store: reading the transaction");
		return 1;
	}
	if (!found)
		return enroll_taken(e);
	/*
	 * Signed by the very certificate this transaction issued: the
	 * client has it already, so this is a same-key renewal reusing the
	 * enrolment's transactionID (scepclient, certmonger), not a resend.
	 */
	if (e->kind == SIGNER_OURS && t.status == STORE_TXN_ISSUED &&
	    strcmp(t.serial, e->signer_serial) == 0) {
		snprintf(e->replaces, sizeof(e->replaces), "%s", t.serial);
		return 0;
	}
	if (memcmp(t.csr_kid, e->ci.kid, STORE_KID_LEN) != 0)
		e_fail(e, SCEP_FAIL_BADREQUEST, "transactionID already used "
		    "with another key");
	else
		answer_txn(e, &t);
	return 1;
}

/* The transaction record of this request, as both outcomes store it. */
static void
enroll_txn(const struct enroll *e, struct store_txn *t)
{
	snprintf(t->txid, sizeof(t->txid), "%s", e->rq->txid);
	memcpy(t->signer_kid, e->signer_kid, STORE_KID_LEN);
	memcpy(t->csr_kid, e->ci.kid, STORE_KID_LEN);
	if ((t->challenge_once = e->chal.once))
		memcpy(t->challenge, e->chal.hash, CONF_HASH_LEN);
}

/*
 * The store refused to record this request ("what" failed): another
 * thread or node got there first, or the store itself failed.
 */
static void
enroll_lost(struct enroll *e, enum store_put r, const char *what)
{
	if (r == STORE_PUT_DUP_TXN) {
		/* The same request, decided meanwhile by another thread. */
		if (enroll_known(e) == 0)
			engine_http(e->out, 500, "transaction vanished");
	} else if (r == STORE_PUT_CHALLENGE)
		/* Another request consumed the one-time challenge first. */
		e_fail(e, SCEP_FAIL_BADREQUEST, CHALLENGE_SPENT);
	else if (r == STORE_PUT_LIMIT)
		/* Another request for this subject was recorded first. */
		e_fail(e, SCEP_FAIL_BADREQUEST, "the profile's limit of valid "
		    "certificates for this subject is reached");
	else
		engine_unavailable(e, what);
}

/*
 * A new enrolment ended without a certificate: the challenge's service
 * hears of it (webhook, Intune), and the request log gets its words.
 */
static void
enroll_told(struct enroll *e, enum challenge_outcome how, const char *serial,
    const char *why)
{
	if (e->kind != SIGNER_SELF)
		return;
	challenge_notify(e->srv, e->pc, &e->creq, &e->chal, how, serial, why);
	snprintf(e->out->challenge_detail, sizeof(e->out->challenge_detail),
	    "%s", e->chal.detail);
}

/*
 * Before a new certificate is recorded: intune mode tells Intune
 * (challenge_confirm()).  0 to go on; -1 if refused, answered here.
 */
static int
enroll_confirm(struct enroll *e, struct x509_st *x,
    const struct store_cert *rec)
{
	struct challenge_cert	 c = { .x = x, .der = rec->der,
	    .dersz = rec->dersz, .serial = rec->serial,
	    .not_after = rec->not_after, .ca = e->sca->conf->name };
	char			 why[192];

	if (e->kind != SIGNER_SELF)
		return 0;
	if (challenge_confirm(e->srv, e->pc, &e->creq, &e->chal, &c, why,
	    sizeof(why)) == 0) {
		snprintf(e->out->challenge_detail,
		    sizeof(e->out->challenge_detail), "%s", e->chal.detail);
		return 0;
	}
	e_fail(e, SCEP_FAIL_BADREQUEST, why);
	enroll_told(e, CHALLENGE_FAILED, NULL, why);
	return -1;
}

/* Issue and record; a serial collision draws again. */
static void
enroll_issue(struct enroll *e)
{
	struct issue_ctx	 ic = { .txid = e->rq->txid, .peer = e->peer,
	    .profile = e->pc->name, .ca = e->sca->conf->name,
	    .renewed_from = e->kind == SIGNER_OURS ? e->signer_serial : "" };
	struct store_cert	 rec = { 0 };
	struct store_txn	 t = { 0 };
	struct x509_st		*x = NULL;
	enum store_put		 r = STORE_PUT_DUP_SERIAL;
	int			 i;

	enroll_txn(e, &t);
	snprintf(t.replaces, sizeof(t.replaces), "%s", e->replaces);
	/* Renewals replace a certificate: not counted (enroll_limit()). */
	if (e->kind == SIGNER_SELF)
		t.max_active = e->pc->cert.max_active;
	for (i = 0; i < ENGINE_SERIAL_TRIES && r == STORE_PUT_DUP_SERIAL;
	    i++) {
		x509_free(x);
		store_cert_clear(&rec);
		if ((x = issue_sign(e->sca->ca, &e->pc->cert, &e->ci,
		    &ic, &rec)) == NULL) {
			engine_http(e->out, 500, "cannot sign the certificate");
			enroll_told(e, CHALLENGE_FAILED, NULL, "cannot sign "
			    "the certificate");
			return;
		}
		/*
		 * Intune hears of the certificate before it is recorded: a
		 * serial collision, drawn again, tells it of a second one.
		 */
		if (enroll_confirm(e, x, &rec) == -1)
			goto out;
		snprintf(t.serial, sizeof(t.serial), "%s", rec.serial);
		r = store_issue(e->srv->store, &rec, &t);
	}
	if (r == STORE_PUT_OK) {
		e->out->result = e->kind == SIGNER_OURS ? "renewed" : "issued";
		e_success(e, x, rec.serial);
		enroll_told(e, CHALLENGE_ISSUED, rec.serial, NULL);
		engine_event(e, e->kind == SIGNER_SELF ? EVENT_ISSUED :
		    EVENT_RENEWED, rec.serial, 0);
	} else {
		enroll_lost(e, r, "store: recording the certificate");
		/*
		 * A transaction recorded meanwhile by another thread got its
		 * certificate: not a failure to report.
		 */
		if (r != STORE_PUT_DUP_TXN)
			enroll_told(e, r == STORE_PUT_LIMIT ? CHALLENGE_REFUSED :
			    CHALLENGE_FAILED, NULL, e->out->reason);
	}
 out:
	x509_free(x);
	store_cert_clear(&rec);
}

/* approval.manual: keep the request for an administrator (4.3.1). */
static void
enroll_pending(struct enroll *e)
{
	struct store_request	 r = { 0 };
	struct store_txn	 t = { 0 };
	enum store_put		 p;

	snprintf(r.txid, sizeof(r.txid), "%s", e->rq->txid);
	memcpy(r.signer_kid, e->signer_kid, STORE_KID_LEN);
	memcpy(r.csr_kid, e->ci.kid, STORE_KID_LEN);
	r.csr = e->inner;
	r.csrsz = e->innersz;
	r.subject = e->ci.subject_txt;
	snprintf(r.profile, sizeof(r.profile), "%s", e->pc->name);
	snprintf(r.peer, sizeof(r.peer), "%s", e->peer);
	r.created_at = (int64_t)time(NULL);
	r.expires_at = r.created_at + e->pc->policy.pending_ttl;
	t.status = STORE_TXN_PENDING;
	enroll_txn(e, &t);
	p = store_request_put(e->srv->store, &r, &t);
	if (p == STORE_PUT_OK) {
		e->out->result = "pending";
		snprintf(e->out->reason, sizeof(e->out->reason),
		    "waiting for approval as request %lld", (long long)r.id);
		engine_send(e, SCEP_STATUS_PENDING, SCEP_OK, NULL, NULL,
		    NULL);
		engine_event(e, EVENT_PENDING, NULL, r.id);
	} else
		enroll_lost(e, p, "store: recording the pending request");
}

/*
 * certificate.max_active_per_subject, checked early to spare a signature
 * (store_issue() decides, inside its transaction).  Renewals replace a
 * certificate and are not counted.  An overriding template issues
 * another subject than the CSR's: only store_issue() can count that one.
 */
static enum scep_fail
enroll_limit(struct enroll *e, char *why, size_t whysz)
{
	int64_t n;

	if (e->pc->cert.max_active == 0 || e->kind == SIGNER_OURS ||
	    e->pc->cert.subject_mode == CONF_SUBJECT_OVERRIDE)
		return SCEP_OK;
	if (store_cert_count_active(e->srv->store, e->sca->conf->name,
	    e->ci.subject_txt, (int64_t)time(NULL), &n) == -1) {
		snprintf(why, whysz, "store: counting the subject's valid "
		    "certificates");
		return SCEP_FAIL_INTERNAL;
	}
	if (n < e->pc->cert.max_active)
		return SCEP_OK;
	snprintf(why, whysz, "%lld valid certificates for this subject "
	    "already, the profile allows %d", (long long)n,
	    e->pc->cert.max_active);
	return SCEP_FAIL_BADREQUEST;
}

/* Policy for a new enrolment: issue, wait, or refuse (*f, "why"). */
static enum policy_verdict
enroll_new(struct enroll *e, enum scep_fail *f, char *why, size_t whysz)
{
	struct policy_req	rq = { .ci = &e->ci, .peer = e->peer,
	    .txidlen = strlen(e->rq->txid) };

	e->creq = (struct challenge_req){ .txid = e->rq->txid,
	    .peer = e->peer, .ci = &e->ci, .csr = e->inner,
	    .csrsz = e->innersz };
	if (challenge_check(e->srv, e->pc, &e->creq, &e->chal) == -1) {
		snprintf(why, whysz, "the challenge could not be checked");
		*f = SCEP_FAIL_INTERNAL;
		return POLICY_REJECT;
	}
	snprintf(e->out->challenge_detail, sizeof(e->out->challenge_detail),
	    "%s", e->chal.detail);
	rq.challenge = e->chal.state;
	rq.challenge_why = e->chal.why;
	return policy_enroll(e->pc, &rq, f, why, whysz);
}

/* Policy for a renewal; SCEP_OK to go on. */
static enum scep_fail
enroll_renew(struct enroll *e, char *why, size_t whysz)
{
	struct policy_signer		 sg;
	unsigned char			*subj = NULL;
	size_t				 n;
	enum scep_fail			 f;

	if (x509_subject_der(e->rq->signer, &subj, &n) == -1) {
		snprintf(why, whysz, "signer certificate's subject "
		    "unreadable");
		return SCEP_FAIL_INTERNAL;
	}
	sg.subject = subj;
	sg.subjectsz = n;
	sg.kid = e->signer_kid;
	sg.not_after = x509_not_after(e->rq->signer);
	f = policy_renew(e->pc, &e->ci, &sg, (int64_t)time(NULL),
	    strlen(e->rq->txid), why, whysz);
	free(subj);
	return f;
}

/*
 * PKCSReq and RenewalReq (3.3.1).  A request signed by a valid
 * certificate of ours is a renewal whatever its messageType (LEG-06,
 * decision 5); RenewalReq from a self-signed signer is refused.
 */
static void
engine_enroll(struct enroll *e)
{
	const char		*why = NULL;
	char			 pwhy[192];
	enum scep_fail		 f;
	enum policy_verdict	 v;

	if ((f = signer_classify(e, &why)) == SCEP_OK &&
	    e->kind == SIGNER_SELF && e->rq->type == SCEP_MSG_RENEWALREQ) {
		why = "RFC 8894 3.3.1: RenewalReq needs a certificate of this "
		    "CA as signer";
		f = SCEP_FAIL_BADREQUEST;
	}
	if (f == SCEP_OK)
		f = enroll_csr(e, &why);
	if (f == SCEP_FAIL_INTERNAL) {
		engine_unavailable(e, why != NULL ? why : "internal error");
		return;
	}
	if (f != SCEP_OK) {
		e_fail(e, f, why);
		return;
	}
	snprintf(e->out->subject, sizeof(e->out->subject), "%s",
	    e->ci.subject_txt);
	if (enroll_known(e) != 0)
		return;
	if (e->kind == SIGNER_SELF)
		v = enroll_new(e, &f, pwhy, sizeof(pwhy));
	else
		v = (f = enroll_renew(e, pwhy, sizeof(pwhy))) == SCEP_OK ?
		    POLICY_ISSUE : POLICY_REJECT;
	if (v == POLICY_ISSUE && (f = enroll_limit(e, pwhy, sizeof(pwhy))) !=
	    SCEP_OK)
		v = POLICY_REJECT;
	if (v == POLICY_REJECT && f == SCEP_FAIL_INTERNAL) {
		engine_unavailable(e, pwhy);
		enroll_told(e, CHALLENGE_FAILED, NULL, pwhy);
	} else if (v == POLICY_REJECT) {
		e_fail(e, f, pwhy);
		enroll_told(e, CHALLENGE_REFUSED, NULL, pwhy);
	} else if (v == POLICY_PENDING)
		enroll_pending(e);
	else
		enroll_issue(e);
}

/*
 * CertPoll (3.3.3, 4.4): keyed by transactionID and signer key, not by
 * the IssuerAndSubject inside (TYPE-03), which only has to parse.
 */
static void
engine_poll(struct enroll *e)
{
	struct X509_name_st	*issuer = NULL, *subject = NULL;
	struct store_txn	 t;
	const char		*why = NULL;
	int			 found;

	if (x509_kid(e->rq->signer, e->signer_kid) == -1) {
		e_fail(e, SCEP_FAIL_BADREQUEST, "signer key unusable");
		return;
	}
	if (open_inner(e, &why) != SCEP_OK ||
	    scep_issuer_subject(e->inner, e->innersz, &issuer, &subject) ==
	    -1) {
		e_fail(e, SCEP_FAIL_BADREQUEST, why != NULL ? why :
		    ENGINE_UNDECRYPTABLE);
		goto out;
	}
	if (store_txn_get(e->srv->store, e->rq->txid, e->signer_kid, &t,
	    &found) == -1)
		engine_unavailable(e, "store: reading the transaction");
	else if (!found)	/* TXN-03, TXN-04 */
		e_fail(e, SCEP_FAIL_BADREQUEST, "no such transaction for "
		    "this signer");
	else
		answer_txn(e, &t);
 out:
	x509_name_free(issuer);
	x509_name_free(subject);
}

/*
 * GetCert and GetCRL (3.3.4): only for requesters holding a valid
 * certificate of ours (decision 6); the IssuerAndSerialNumber must name
 * our CA.  On SCEP_OK *serial holds the serial asked for.
 */
static enum scep_fail
fetch_check(struct enroll *e, char *serial, size_t sz, const char **why)
{
	struct X509_name_st	*issuer = NULL;
	enum scep_fail		 f;

	if ((f = signer_classify(e, why)) != SCEP_OK)
		return f;
	if (e->kind != SIGNER_OURS) {
		*why = "GetCert and GetCRL need a certificate of this CA as "
		    "signer";
		return SCEP_FAIL_BADREQUEST;
	}
	if ((f = open_inner(e, why)) != SCEP_OK)
		return f;
	if (scep_issuer_serial(e->inner, e->innersz, &issuer, serial, sz) ==
	    -1) {
		*why = ENGINE_UNDECRYPTABLE;
		return SCEP_FAIL_BADREQUEST;
	}
	f = ca_subject_is(e->sca->ca, issuer) ? SCEP_OK : SCEP_FAIL_BADCERTID;
	if (f != SCEP_OK)
		*why = "issuer is not this CA";
	x509_name_free(issuer);
	return f;
}

/* fetch_check(), answering a refusal: 0 to go on, -1 if answered. */
static int
fetch_begin(struct enroll *e, char *serial, size_t sz)
{
	const char	*why = NULL;
	enum scep_fail	 f;

	if ((f = fetch_check(e, serial, sz, &why)) == SCEP_OK)
		return 0;
	if (f == SCEP_FAIL_INTERNAL)
		engine_unavailable(e, why);
	else
		e_fail(e, f, why);
	return -1;
}

/* GetCert (4.5): a certificate of the requester's own subject. */
static void
engine_getcert(struct enroll *e)
{
	struct store_cert	 c;
	struct x509_st		*x = NULL;
	char			 serial[STORE_SERIAL_MAX + 1];
	int			 found;

	if (fetch_begin(e, serial, sizeof(serial)) == -1)
		return;
	if (store_cert_get(e->srv->store, serial, &c, &found) == -1) {
		engine_unavailable(e, "store: reading the certificate asked "
		    "for");
		return;
	}
	if (found && (x = x509_from_der(c.der, c.dersz)) != NULL &&
	    x509_same_subject(x, e->rq->signer))
		e_success(e, x, serial);
	else
		e_fail(e, SCEP_FAIL_BADCERTID, "no such certificate of yours");
	x509_free(x);
	if (found)
		store_cert_clear(&c);
}

/* GetCRL (4.6): the current CRL, alone in a degenerate SignedData. */
static void
engine_getcrl(struct enroll *e)
{
	unsigned char		*der = NULL;
	struct X509_crl_st	*crl = NULL;
	char			 serial[STORE_SERIAL_MAX + 1];
	size_t			 n;

	if (fetch_begin(e, serial, sizeof(serial)) == -1)
		return;
	if (pki_crl_current(e->srv, e->sca, &der, &n) == -1) {
		engine_http(e->out, 503, "CRL unavailable");
		return;
	}
	if ((crl = x509_crl_from_der(der, n)) == NULL)
		engine_http(e->out, 500, "stored CRL unreadable");
	else
		engine_send(e, SCEP_STATUS_SUCCESS, SCEP_OK, NULL, NULL, crl);
	x509_crl_free(crl);
	free(der);
}

/*
 * The transaction log row of this answer (issue #11 item 4).  A store
 * that cannot take it costs the row, not the enrollment: the answer
 * is built and goes out whatever happens here.
 */
/* Append "; what" to the string in buf (cut to fit). */
static void
engine_append(char *buf, size_t sz, const char *what)
{
	size_t n = strlen(buf), m;

	if (n + 3 >= sz)
		return;
	if (n > 0) {
		memcpy(buf + n, "; ", 2);
		n += 2;
	}
	m = strlen(what);
	if (m > sz - n - 1)
		m = sz - n - 1;
	memcpy(buf + n, what, m);
	buf[n + m] = '\0';
}

static void
engine_txlog(const struct enroll *e, double t0)
{
	const struct engine_out	*out = e->out;
	struct store_txlog	 t;
	double			 ms = now_ms() - t0;

	memset(&t, 0, sizeof(t));
	t.at = (int64_t)time(NULL);
	snprintf(t.profile, sizeof(t.profile), "%s", e->pc->name);
	snprintf(t.txid, sizeof(t.txid), "%s", out->txid);
	snprintf(t.msgtype, sizeof(t.msgtype), "%s", out->msgtype);
	snprintf(t.outcome, sizeof(t.outcome), "%s", out->outcome != NULL ?
	    out->outcome : "error");
	snprintf(t.result, sizeof(t.result), "%s", out->result != NULL ?
	    out->result : "");
	if (strcmp(t.outcome, "FAILURE") == 0)
		snprintf(t.fail_info, sizeof(t.fail_info), "%s",
		    scep_fail_str(out->fail));
	/* What Intune (or another challenge service) said, beside why. */
	snprintf(t.reason, sizeof(t.reason), "%s", out->reason);
	if (out->challenge_detail[0] != '\0' &&
	    strstr(out->reason, out->challenge_detail) == NULL)
		engine_append(t.reason, sizeof(t.reason),
		    out->challenge_detail);
	snprintf(t.subject, sizeof(t.subject), "%s", out->subject);
	snprintf(t.peer, sizeof(t.peer), "%s", e->peer);
	snprintf(t.serial, sizeof(t.serial), "%s", out->serial);
	t.http = out->http;
	t.duration_ms = ms < 0 ? 0 : ms > 3600000 ? 3600000 : (int)ms;
	if (store_txlog_put(e->srv->store, &t,
	    e->srv->conf->log.transactions_days) == -1)
		log_warnx("%s: the transaction log could not record this "
		    "answer", t.txid[0] ? t.txid : e->peer);
}

void
engine_pkiop(const struct server *srv, const struct server_profile *sp,
    const unsigned char *der, size_t len, const char *peer,
    struct engine_out *out)
{
	struct enroll	 e = { .srv = srv, .sp = sp, .sca = sp->sca,
	    .pc = sp->conf, .peer = peer, .out = out };
	enum scep_fail	 f;
	double		 t0 = now_ms();

	log_crypto_clear();
	memset(out, 0, sizeof(*out));
	out->msgtype = "unknown";
	f = scep_req_parse(der, len, e.pc->policy.legacy, &e.rq);
	if (e.rq == NULL) {
		engine_http(out, 500, "out of memory");
		return;
	}
	snprintf(out->txid, sizeof(out->txid), "%s", e.rq->txid);
	out->msgtype = scep_msgtype_str(e.rq->type);
	if (f == SCEP_FAIL_HTTP)
		engine_http(out, 400, e.rq->why);
	else if (f == SCEP_FAIL_INTERNAL)
		engine_http(out, 500, "internal error");
	else if (f != SCEP_OK)
		e_fail(&e, f, e.rq->why);
	else if (e.rq->type == SCEP_MSG_PKCSREQ ||
	    e.rq->type == SCEP_MSG_RENEWALREQ)
		engine_enroll(&e);
	else if (e.rq->type == SCEP_MSG_CERTPOLL)
		engine_poll(&e);
	else if (e.rq->type == SCEP_MSG_GETCERT)
		engine_getcert(&e);
	else
		engine_getcrl(&e);
	engine_txlog(&e, t0);
	csr_info_clear(&e.ci);
	free(e.inner);
	scep_req_free(e.rq);
	log_crypto_clear();
}
