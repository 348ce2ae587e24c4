/*	SPDX-License-Identifier: ISC */
/*
 * tls.c: the certificate a listener presents and the client
 * certificate it may ask for (issue #11 item 1), with GnuTLS, which is
 * what Debian's libmicrohttpd speaks TLS with.
 *
 * libmicrohttpd loads one pair at start and never again.  To reload it
 * on SIGHUP without dropping anyone, each accepted connection's session
 * is given the listener's current credentials here (replacing
 * libmicrohttpd's own, before the handshake) and holds a reference to
 * them until it closes; a reload swaps in new ones under the lock and
 * the old ones are freed after their last connection.  A certificate
 * callback could hand out the new pair too, but GnuTLS would keep
 * pointers into it with no word of when it lets go.
 *
 * A client certificate is requested, never required, and never
 * verified during the handshake (RFC 8446 4.3.2, 4.4.2.4: the server
 * may go on without one): macOS presents its SCEP identity on
 * renewal and a strict handshake drops it (step-ca#746).  What a
 * presented certificate is worth is api_auth_cert()'s to decide, by its
 * SHA-256.  Uses GnuTLS, libmicrohttpd's connection info and log.c.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <gnutls/gnutls.h>
#include <gnutls/crypto.h>
#include <microhttpd.h>

#include "log.h"
#include "tls.h"
#include "util.h"

/* A certificate chain of a few intermediates fits easily. */
#define TLS_FILE_MAX	(256 * 1024)

/*
 * TLS 1.3 and 1.2 only (RFC 8996 deprecates 1.0 and 1.1): NORMAL
 * without its older versions, its CBC suites and its plain-RSA key
 * exchange, so that every TLS 1.2 session has forward secrecy and an
 * AEAD cipher (RFC 9325 4.2), and our order wins over the client's.
 * TLS 1.3 chooses among its own suites, which are all AEAD.
 */
const char tls_priorities[] = "NORMAL:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2:"
    "-CIPHER-ALL:+AES-256-GCM:+AES-128-GCM:+CHACHA20-POLY1305:"
    "-MAC-ALL:+AEAD:-KX-ALL:+ECDHE-ECDSA:+ECDHE-RSA:%SERVER_PRECEDENCE";

/* One loaded pair and the sessions using it. */
struct tls_cred {
	gnutls_certificate_credentials_t xc;
	int				 refs;	/* under tls.mtx */
};

struct tls {
	pthread_mutex_t	 mtx;
	struct tls_cred	*cur;		/* holds one reference */
	int		 ask_client;
};

/* A PEM file as text (NUL-terminated); NULL (logged) on failure. */
static char *
tls_read(const char *path, size_t *len)
{
	unsigned char	*p, *q;
	size_t		 n;

	if ((p = file_read(path, TLS_FILE_MAX, &n)) == NULL) {
		log_warn("%s", path);
		return NULL;
	}
	if ((q = realloc(p, n + 1)) == NULL) {
		explicit_bzero(p, n);
		free(p);
		log_warn("%s", path);
		return NULL;
	}
	q[n] = '\0';
	*len = n;
	return (char *)q;
}

/* New credentials from the two files; the texts are handed out too. */
static struct tls_cred *
tls_cred_load(const char *cert, const char *key, char **certpem,
    char **keypem)
{
	struct tls_cred	*tc = NULL;
	gnutls_datum_t	 cd, kd;
	char		*cp = NULL, *kp = NULL;
	size_t		 cl = 0, kl = 0;
	int		 e;

	if ((cp = tls_read(cert, &cl)) == NULL ||
	    (kp = tls_read(key, &kl)) == NULL)
		goto out;
	if ((tc = calloc(1, sizeof(*tc))) == NULL ||
	    gnutls_certificate_allocate_credentials(&tc->xc) < 0) {
		log_warnx("%s: out of memory", cert);
		free(tc);
		tc = NULL;
		goto out;
	}
	cd.data = (unsigned char *)cp;
	cd.size = (unsigned int)cl;
	kd.data = (unsigned char *)kp;
	kd.size = (unsigned int)kl;
	if ((e = gnutls_certificate_set_x509_key_mem(tc->xc, &cd, &kd,
	    GNUTLS_X509_FMT_PEM)) < 0) {
		log_warnx("%s, %s: not a PEM certificate and its key: %s",
		    cert, key, gnutls_strerror(e));
		gnutls_certificate_free_credentials(tc->xc);
		free(tc);
		tc = NULL;
		goto out;
	}
	tc->refs = 1;
	if (certpem != NULL) {
		*certpem = cp;
		*keypem = kp;
		cp = kp = NULL;
	}
 out:
	if (kp != NULL)
		explicit_bzero(kp, kl);
	free(kp);
	free(cp);
	return tc;
}

static void
tls_cred_release(struct tls *t, struct tls_cred *tc)
{
	int last;

	pthread_mutex_lock(&t->mtx);
	last = --tc->refs == 0;
	pthread_mutex_unlock(&t->mtx);
	if (last) {
		gnutls_certificate_free_credentials(tc->xc);
		free(tc);
	}
}

struct tls *
tls_new(const char *cert, const char *key, int ask_client, char **certpem,
    char **keypem)
{
	struct tls *t;

	if ((t = calloc(1, sizeof(*t))) == NULL ||
	    pthread_mutex_init(&t->mtx, NULL) != 0) {
		free(t);
		return NULL;
	}
	t->ask_client = ask_client;
	if ((t->cur = tls_cred_load(cert, key, certpem, keypem)) == NULL) {
		pthread_mutex_destroy(&t->mtx);
		free(t);
		return NULL;
	}
	return t;
}

void
tls_free(struct tls *t)
{
	if (t == NULL)
		return;
	tls_cred_release(t, t->cur);
	pthread_mutex_destroy(&t->mtx);
	free(t);
}

int
tls_reload(struct tls *t, const char *cert, const char *key)
{
	struct tls_cred *tc, *old;

	if ((tc = tls_cred_load(cert, key, NULL, NULL)) == NULL)
		return -1;
	pthread_mutex_lock(&t->mtx);
	old = t->cur;
	t->cur = tc;
	pthread_mutex_unlock(&t->mtx);
	tls_cred_release(t, old);
	return 0;
}

/* The connection's GnuTLS session, or NULL. */
static gnutls_session_t
tls_session(struct MHD_Connection *c)
{
	const union MHD_ConnectionInfo *ci;

	ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_GNUTLS_SESSION);
	return ci != NULL ? ci->tls_session : NULL;
}

struct tls_cred *
tls_conn_start(struct tls *t, struct MHD_Connection *c)
{
	gnutls_session_t	 s;
	struct tls_cred		*tc;

	if (t == NULL || (s = tls_session(c)) == NULL)
		return NULL;
	pthread_mutex_lock(&t->mtx);
	tc = t->cur;
	tc->refs++;
	pthread_mutex_unlock(&t->mtx);
	/* Replaces libmicrohttpd's: the handshake has not begun. */
	if (gnutls_credentials_set(s, GNUTLS_CRD_CERTIFICATE, tc->xc) < 0) {
		tls_cred_release(t, tc);
		return NULL;
	}
	if (t->ask_client)
		gnutls_certificate_server_set_request(s, GNUTLS_CERT_REQUEST);
	return tc;
}

void
tls_conn_done(struct tls *t, struct tls_cred *tc)
{
	if (t != NULL && tc != NULL)
		tls_cred_release(t, tc);
}

int
tls_peer_sha256(struct MHD_Connection *c, unsigned char out[TLS_SHA256_LEN])
{
	const gnutls_datum_t	*chain;
	gnutls_session_t	 s;
	unsigned int		 n = 0;

	if ((s = tls_session(c)) == NULL ||
	    gnutls_certificate_type_get(s) != GNUTLS_CRT_X509 ||
	    (chain = gnutls_certificate_get_peers(s, &n)) == NULL || n == 0)
		return 0;
	/* The leaf's DER, as a fingerprint is taken (RFC 5280 4.1). */
	if (gnutls_hash_fast(GNUTLS_DIG_SHA256, chain[0].data, chain[0].size,
	    out) < 0)
		return 0;
	return 1;
}
