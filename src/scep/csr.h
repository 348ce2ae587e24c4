/*	SPDX-License-Identifier: ISC */
/*
 * csr.h: what a PKCS#10 request (RFC 2986) asks for, as plain C, so that
 * policy.c can judge it without OpenSSL.  csr.c fills it.
 */
#ifndef SCEPD_CSR_H
#define SCEPD_CSR_H

#include <stddef.h>

#include "scep_types.h"
#include "x509.h"

#define CSR_KID_LEN		32	/* SHA-256 of the SubjectPublicKeyInfo */
#define CSR_CHALLENGE_MAX	255	/* RFC 2985 5.4.1 DirectoryString{255} */
/* Intune's challenge is an encrypted blob of kilobytes (issue #16). */
#define CSR_CHALLENGE_LONG_MAX	(16 * 1024)

enum csr_key {
	CSR_KEY_OTHER = 0,	/* DSA, Ed25519, explicit EC parameters ... */
	CSR_KEY_RSA,
	CSR_KEY_EC_P256,
	CSR_KEY_EC_P384,
	CSR_KEY_EC_OTHER,	/* a named curve we do not accept */
};

enum csr_challenge {
	CSR_CHALLENGE_NONE = 0,	/* absent, or empty (LEG-17) */
	CSR_CHALLENGE_ONE,	/* exactly one usable value */
	CSR_CHALLENGE_BAD,	/* several, too long, or not a string */
	/*
	 * One string over RFC 2985's 255 but within CSR_CHALLENGE_LONG_MAX:
	 * only challengesz is set, "challenge" stays empty.  Malformed for
	 * every mode but intune, where Intune reads it from the CSR.
	 */
	CSR_CHALLENGE_LONG,
};

/*
 * Owned by the struct: release with csr_info_clear().  DER blobs are
 * malloc'd; "challenge" is wiped on clear.
 */
struct csr_info {
	unsigned char		*subject;	/* DER Name */
	size_t			 subjectsz;
	char			*subject_txt;	/* RFC 2253, for logs and store */
	unsigned char		*spki;		/* DER SubjectPublicKeyInfo */
	size_t			 spkisz;
	unsigned char		 kid[CSR_KID_LEN];
	enum csr_key		 key;
	int			 key_bits;
	unsigned char		*san;		/* DER GeneralNames, or NULL */
	size_t			 sansz;
	enum csr_challenge	 challenge_state;
	char			 challenge[CSR_CHALLENGE_MAX + 1]; /* UTF-8 */
	size_t			 challengesz;
	const char		*why;		/* static: why parsing failed */
	int			 garbled;	/* not a PKCS#10 at all */
};

/*
 * csr.c: parse "der", check its self-signature (proof of possession),
 * and describe it.  SCEP_OK, SCEP_FAIL_BADREQUEST (malformed, PoP) or
 * SCEP_FAIL_BADALG (MD5 or unknown signature algorithm).
 */
enum scep_fail	 csr_parse(const unsigned char *, size_t, struct csr_info *);

/*
 * csr.c: csr_parse(), where the caller already holds a decoded key
 * ("known") whose SubjectPublicKeyInfo hashes to "known_kid" (32 bytes
 * of SHA-256, as csr_info.kid): a CSR over that key is checked with it
 * instead of decoding the key again (issue #6: a decode costs OpenSSL
 * 3.0 about 80 us).  Either may be NULL.
 */
enum scep_fail	 csr_parse_known(const unsigned char *, size_t,
		    const unsigned char *known_kid, struct evp_pkey_st *known,
		    struct csr_info *);
void		 csr_info_clear(struct csr_info *);

/*
 * csr.c: call "cb" for each name in "san" (DER GeneralNames, as in
 * csr_info.san; NULL or empty is none), in order, with "type" one of
 * "dns", "email", "uri", "ip" (dotted IPv4 or RFC 5952 IPv6), or
 * "other" for the kinds that have no plain text form (value then says
 * which: "otherName <oid>", "directoryName", "registeredID <oid>",
 * "x400Address", "ediPartyName").  Both strings are valid only during
 * the call.  Returns 0; -1 if "san" does not parse, a string holds a
 * NUL or a non-ASCII byte (IA5String), an address is neither 4 nor 16
 * bytes, or "cb" returned -1, which stops the walk.
 */
int		 csr_san_each(const unsigned char *san, size_t sansz,
		    int (*cb)(const char *type, const char *value, void *),
		    void *arg);

#endif
