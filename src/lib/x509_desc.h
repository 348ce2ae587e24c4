/*	SPDX-License-Identifier: ISC */
/*
 * x509_desc.h: a certificate or a PKCS#10 request described as plain C
 * strings and numbers, for layers that show them (the admin API) and
 * must not call libcrypto.  x509_desc.c fills it; nothing here decides
 * whether what it describes is acceptable.
 */
#ifndef SCEPD_X509_DESC_H
#define SCEPD_X509_DESC_H

#include <stddef.h>
#include <stdint.h>

struct x509_st;

#define X509_DESC_SAN_MAX	64	/* names described; more are counted */
#define X509_DESC_EXT_MAX	32	/* extensions described */
#define X509_DESC_VALUE_MAX	1024	/* an extension's printed value */

/* One extension: its name, whether critical, and OpenSSL's rendering. */
struct x509_desc_ext {
	char	 name[64];	/* "basicConstraints", or the dotted OID */
	char	 oid[64];	/* dotted OID */
	int	 critical;
	char	*value;		/* malloc'd text, "" if it has no printer */
};

/*
 * What a certificate (x509_desc_cert()) or a request (x509_desc_csr())
 * says.  Every pointer is owned: free with x509_desc_clear().  A field
 * a request does not have (issuer, serial, validity) is "" or 0.
 */
struct x509_desc {
	char			*subject;	/* RFC 2253 text */
	char			*issuer;	/* RFC 2253 text; "" for a CSR */
	char			 serial[41];	/* upper-case hex; "" for a CSR */
	int64_t			 not_before;	/* Unix seconds */
	int64_t			 not_after;
	char			 sig_alg[64];	/* "ecdsa-with-SHA256" */
	char			 key_type[16];	/* "rsa", "ec", "ed25519", ... */
	int			 key_bits;
	char			 key_curve[32];	/* "P-256" for EC, else "" */
	char			 sha256[65];	/* of the DER, upper-case hex */
	char			 sha1[41];
	/* subjectAltName entries as "dns:a.example", "ip:192.0.2.1", ... */
	char			*san[X509_DESC_SAN_MAX];
	size_t			 nsan;		/* entries in "san" */
	size_t			 nsan_total;	/* in the extension */
	struct x509_desc_ext	 ext[X509_DESC_EXT_MAX];
	size_t			 next;
	int			 challenge;	/* CSR: a challengePassword is in */
};

/* x509_desc.c: describe DER; 0, or -1 if it does not parse (logged). */
int	 x509_desc_cert(const unsigned char *, size_t, struct x509_desc *);
int	 x509_desc_csr(const unsigned char *, size_t, struct x509_desc *);
void	 x509_desc_clear(struct x509_desc *);	/* frees; zeroes */
/*
 * The subjectAltName entries of "x" as one line, "dns:a.example,
 * ip:192.0.2.1" (malloc'd; "" when it has none), what the store keeps
 * for searching; NULL on allocation failure.
 */
char	*x509_san_txt(const struct x509_st *);

#endif
