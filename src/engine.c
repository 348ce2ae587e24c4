/*	SPDX-License-Identifier: ISC */
/*
 * engine.c: one PKIOperation (RFC 8894 3.3, 4.3), from request bytes to
 * the CertRep bytes, and the only module that knows the sequence:
 * decode (scep_decode.c) -> signer check -> open the envelope (ca.c)
 * -> CSR (csr.c) -> resent transaction? (store) -> policy (policy.c)
 * -> issue (ca.c) -> record (store) -> CertRep (scep_encode.c).
 * Nothing is written to the store before every check has passed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/err.h>
#include <openssl/x509.h>

#include "engine.h"
#include "log.h"
#include "policy.h"
#include "scep.h"

/* The one failInfoText of every envelope that cannot be opened. */
#define ENGINE_UNDECRYPTABLE	"cannot decrypt the pkcsPKIEnvelope"

/* How often a colliding random serial is drawn again. */
#define ENGINE_SERIAL_TRIES	4

/* Everything one enrolment carries between steps. */
struct enroll {
	const struct server	*srv;
	struct scep_req		*rq;
	struct csr_info		 ci;
	unsigned char		 signer_kid[STORE_KID_LEN];
	const char		*peer;
	struct engine_out	*out;
};

static void
engine_http(struct engine_out *out, int status, const char *reason)
{
	int n;

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
 * Sign and send a CertRep.  "issued" only for SUCCESS; "password" for
 * a PWRI envelope when the requester's key cannot receive one.
 */
static void
engine_reply(const struct server *srv, const struct scep_req *rq,
    enum scep_fail f, const char *text, X509 *issued, const char *password,
    struct engine_out *out)
{
	struct scep_rep rep = {
		.status = issued != NULL ? SCEP_STATUS_SUCCESS :
		    SCEP_STATUS_FAILURE,
		.fail = f,
		.failtext = text,
		.rq = rq,
		.issued = issued,
		.recipient = rq->signer,
		.password = password,
	};

	out->fail = f;
	out->outcome = issued != NULL ? "SUCCESS" : "FAILURE";
	if (text != NULL)
		snprintf(out->reason, sizeof(out->reason), "%s", text);
	out->body = scep_rep_encode(&rep, srv->ca->cert, srv->ca->key,
	    &out->bodysz);
	if (out->body == NULL) {
		engine_http(out, 500, "cannot encode the CertRep");
		return;
	}
	out->http = 200;
	out->ctype = "application/x-pki-message";
}

static void
enroll_fail(struct enroll *e, enum scep_fail f, const char *why)
{
	engine_reply(e->srv, e->rq, f, why, NULL, NULL, e->out);
}

static void
enroll_success(struct enroll *e, X509 *x)
{
	const char *pw = e->ci.challenge_state == CSR_CHALLENGE_ONE ?
	    e->ci.challenge : NULL;

	engine_reply(e->srv, e->rq, SCEP_OK, NULL, x, pw, e->out);
}

/*
 * RFC 8894 2.3: who signed.  A self-signed certificate must hold the
 * CSR's key (decision 5); one issued by this CA makes the request a
 * renewal, which is not implemented yet; anything else is refused.
 */
static enum scep_fail
enroll_signer(struct enroll *e, const char **why)
{
	X509 *signer = e->rq->signer;

	if (scep_cert_kid(signer, e->signer_kid) == -1) {
		*why = "signer key unusable";
		return SCEP_FAIL_BADREQUEST;
	}
	if (X509_self_signed(signer, 1) == 1)
		return SCEP_OK;
	ERR_clear_error();
	if (X509_check_issued(e->srv->ca->cert, signer) == X509_V_OK &&
	    X509_verify(signer, X509_get0_pubkey(e->srv->ca->cert)) == 1)
		*why = "renewal (a request signed by a certificate of this "
		    "CA) is not supported";
	else
		*why = "signer certificate is neither self-signed nor issued "
		    "by this CA";
	ERR_clear_error();
	return SCEP_FAIL_BADREQUEST;
}

/* Open the envelope and read the CSR inside it. */
static enum scep_fail
enroll_csr(struct enroll *e, const char **why)
{
	unsigned char	*inner = NULL;
	size_t		 innersz;
	enum scep_fail	 f;

	/*
	 * ENC-08: one answer for every way decryption fails, including
	 * content that decrypts to garbage (a padding oracle otherwise).
	 */
	if (ca_open_envelope(e->srv->ca, e->rq->env, &inner, &innersz) ==
	    -1) {
		*why = ENGINE_UNDECRYPTABLE;
		return SCEP_FAIL_BADREQUEST;
	}
	f = csr_parse(inner, innersz, &e->ci);
	free(inner);
	if (f != SCEP_OK) {
		*why = e->ci.garbled ? ENGINE_UNDECRYPTABLE : e->ci.why;
		return f;
	}
	if (memcmp(e->signer_kid, e->ci.kid, STORE_KID_LEN) != 0) {
		*why = "RFC 8894 2.3: the self-signed signer does not hold "
		    "the CSR's key";
		return SCEP_FAIL_BADREQUEST;
	}
	return SCEP_OK;
}

/* Answer with the stored certificate "serial" (a resent request). */
static void
enroll_resend(struct enroll *e, const char *serial)
{
	struct store_cert	 c;
	const unsigned char	*p;
	X509			*x = NULL;
	int			 found;

	if (store_cert_get(e->srv->store, serial, &c, &found) == -1) {
		engine_http(e->out, 503, "certificate store unavailable");
		return;
	}
	if (!found) {
		engine_http(e->out, 500, "transaction without certificate");
		return;
	}
	p = c.der;
	if ((x = d2i_X509(NULL, &p, (long)c.dersz)) == NULL)
		engine_http(e->out, 500, "stored certificate unreadable");
	else {
		snprintf(e->out->serial, sizeof(e->out->serial), "%s", serial);
		enroll_success(e, x);
	}
	X509_free(x);
	store_cert_clear(&c);
}

/*
 * Decision 4: a resent PKCSReq of a transaction that succeeded gets the
 * same certificate; with another key it is refused (TXN-05).  Returns
 * 1 if it answered, 0 if the request is new, -1 on store failure.
 */
static int
enroll_known(struct enroll *e)
{
	struct store_txn	t;
	int			found;

	if (store_txn_get(e->srv->store, e->rq->txid, e->signer_kid, &t,
	    &found) == -1) {
		engine_http(e->out, 503, "certificate store unavailable");
		return -1;
	}
	if (!found)
		return 0;
	if (memcmp(t.csr_kid, e->ci.kid, STORE_KID_LEN) != 0)
		enroll_fail(e, SCEP_FAIL_BADREQUEST, "transactionID already "
		    "used with another key");
	else
		enroll_resend(e, t.serial);
	return 1;
}

static int64_t
asn1_time_unix(const ASN1_TIME *t)
{
	struct tm tm;

	if (!ASN1_TIME_to_tm(t, &tm))
		return 0;
	return (int64_t)timegm(&tm);
}

/* Record "x" with its transaction; -1 store failure. */
static enum store_put
enroll_record(struct enroll *e, X509 *x, const char *serial)
{
	struct store_cert	 c = { 0 };
	struct store_txn	 t = { 0 };
	unsigned char		*der = NULL;
	enum store_put		 r;
	int			 n;

	if ((n = i2d_X509(x, &der)) <= 0)
		return STORE_PUT_ERROR;
	snprintf(c.serial, sizeof(c.serial), "%s", serial);
	c.subject = e->ci.subject_txt;
	c.not_before = asn1_time_unix(X509_get0_notBefore(x));
	c.not_after = asn1_time_unix(X509_get0_notAfter(x));
	c.status = STORE_CERT_VALID;
	c.issued_at = (int64_t)time(NULL);
	snprintf(c.txid, sizeof(c.txid), "%s", e->rq->txid);
	snprintf(c.profile, sizeof(c.profile), "default");
	snprintf(c.peer, sizeof(c.peer), "%s", e->peer);
	c.der = der;
	c.dersz = (size_t)n;
	snprintf(t.txid, sizeof(t.txid), "%s", e->rq->txid);
	memcpy(t.signer_kid, e->signer_kid, STORE_KID_LEN);
	memcpy(t.csr_kid, e->ci.kid, STORE_KID_LEN);
	snprintf(t.serial, sizeof(t.serial), "%s", serial);
	r = store_issue(e->srv->store, &c, &t);
	OPENSSL_free(der);
	return r;
}

/* Issue and record; a serial collision draws again. */
static void
enroll_issue(struct enroll *e)
{
	X509		*x = NULL;
	char		 serial[STORE_SERIAL_MAX + 1];
	enum store_put	 r = STORE_PUT_DUP_SERIAL;
	int		 i;

	for (i = 0; i < ENGINE_SERIAL_TRIES && r == STORE_PUT_DUP_SERIAL;
	    i++) {
		X509_free(x);
		if ((x = ca_issue(e->srv->ca, &e->ci, &e->srv->conf->cert,
		    serial)) == NULL) {
			engine_http(e->out, 500, "cannot sign the certificate");
			return;
		}
		r = enroll_record(e, x, serial);
	}
	if (r == STORE_PUT_OK) {
		snprintf(e->out->serial, sizeof(e->out->serial), "%s", serial);
		enroll_success(e, x);
	} else if (r == STORE_PUT_DUP_TXN) {
		/* The same request, issued meanwhile by another thread. */
		if (enroll_known(e) == 0)
			engine_http(e->out, 500, "transaction vanished");
	} else
		engine_http(e->out, 503, "certificate store unavailable");
	X509_free(x);
}

/* RFC 8894 3.3.1 PKCSReq: enrolment with a self-signed signer. */
static void
engine_enroll(struct enroll *e)
{
	const char	*why = NULL;
	char		 pwhy[160];
	enum scep_fail	 f;

	if ((f = enroll_signer(e, &why)) != SCEP_OK ||
	    (f = enroll_csr(e, &why)) != SCEP_OK) {
		enroll_fail(e, f, why);
		return;
	}
	snprintf(e->out->subject, sizeof(e->out->subject), "%s",
	    e->ci.subject_txt);
	if (enroll_known(e) != 0)
		return;
	f = policy_enroll(&e->srv->conf->policy, &e->ci, strlen(e->rq->txid),
	    pwhy, sizeof(pwhy));
	if (f != SCEP_OK) {
		enroll_fail(e, f, pwhy);
		return;
	}
	enroll_issue(e);
}

void
engine_pkiop(const struct server *srv, const unsigned char *der,
    size_t len, const char *peer, struct engine_out *out)
{
	struct enroll	 e = { .srv = srv, .peer = peer, .out = out };
	enum scep_fail	 f;

	ERR_clear_error();
	memset(out, 0, sizeof(*out));
	out->msgtype = "unknown";
	f = scep_req_parse(der, len, srv->conf->policy.legacy, &e.rq);
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
		engine_reply(srv, e.rq, f, e.rq->why, NULL, NULL, out);
	else if (e.rq->type == SCEP_MSG_PKCSREQ)
		engine_enroll(&e);
	else
		engine_reply(srv, e.rq, SCEP_FAIL_BADREQUEST, "messageType "
		    "not supported by this server", NULL, NULL, out);
	csr_info_clear(&e.ci);
	scep_req_free(e.rq);
	ERR_clear_error();
}
