/*	SPDX-License-Identifier: ISC */
/*
 * tls.h: a listener's HTTPS side (issue #11): its certificate and key,
 * swapped on SIGHUP without dropping a connection, and the client
 * certificate a connection may present.  http.c hands the connection
 * callbacks of libmicrohttpd through; everything GnuTLS stays in tls.c.
 */
#ifndef SCEPD_TLS_H
#define SCEPD_TLS_H

#include <stddef.h>

#define TLS_SHA256_LEN	32

struct MHD_Connection;
struct tls;
struct tls_cred;

/*
 * TLS 1.3 and 1.2 only, with forward secrecy and AEAD ciphers; tls.c
 * says why this string.  For MHD_OPTION_HTTPS_PRIORITIES.
 */
extern const char tls_priorities[];

/*
 * Load "cert" (a PEM chain, leaf first) and "key" (PEM); NULL (logged,
 * naming the file) on failure.  "ask_client": request a client
 * certificate in every handshake, never require or verify one.
 * *certpem and *keypem receive the files' text for libmicrohttpd's
 * start options (caller frees both, the key after explicit_bzero()).
 */
struct tls	*tls_new(const char *cert, const char *key, int ask_client,
		    char **certpem, char **keypem);
void		 tls_free(struct tls *);	/* NULL ok */
/*
 * Read the files again: handshakes from now on get the new pair;
 * connections already up keep theirs.  0, or -1 (logged: the old pair
 * stays).
 */
int		 tls_reload(struct tls *, const char *cert, const char *key);
/*
 * A connection was accepted: give its session the current pair (held
 * until tls_conn_done()) and, if asked for, the client certificate
 * request.  NULL if the connection is not TLS or has no session yet.
 */
struct tls_cred	*tls_conn_start(struct tls *, struct MHD_Connection *);
void		 tls_conn_done(struct tls *, struct tls_cred *);	/* NULL ok */
/*
 * The SHA-256 of the certificate the client presented, over its DER:
 * 1, or 0 if there is none (or the connection is not TLS).
 */
int		 tls_peer_sha256(struct MHD_Connection *,
		    unsigned char out[TLS_SHA256_LEN]);

#endif
