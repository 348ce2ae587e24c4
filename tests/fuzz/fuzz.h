/*	SPDX-License-Identifier: ISC */
/*
 * fuzz.h: the libFuzzer entry point every tests/fuzz target defines,
 * declared so that -Wmissing-prototypes holds, and the fixtures of
 * fuzz_util.c the targets share.  Built either against libFuzzer
 * (-DSCEPD_FUZZ=ON, scripts/fuzz.sh) or against replay.c, which feeds it
 * files or deterministic junk under plain CTest.
 */
#ifndef SCEPD_FUZZ_H
#define SCEPD_FUZZ_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/*
 * Keys made once per process, at first use.  A harness signs with them
 * what the fuzzer mutated, so a mutation is judged by the code past the
 * signature check instead of failing it.  They are new every run: a
 * corpus never depends on them (fz_csr_make() puts the key in).
 */
enum fz_key {
	FZ_KEY_RSA1024,		/* cheap; a profile with rsa_min_bits 1024 */
	FZ_KEY_P256,
	FZ_KEY_P384,
	FZ_KEY_ED25519,		/* CSR_KEY_OTHER */
	FZ_KEY_K256,		/* secp256k1: CSR_KEY_EC_OTHER */
	FZ_KEY_RSA2048,
	FZ_KEY__MAX
};
EVP_PKEY	*fz_key(enum fz_key);	/* borrowed */

/* Logging at LOG_LVL_ERROR, or debug with SCEPD_FUZZ_LOG set. */
void		 fz_log_init(void);

/* A digest for selector "sel" (low 2 bits): sha256, sha1, sha384, md5. */
const EVP_MD	*fz_md(unsigned int sel);

/*
 * A PKCS#10 request (RFC 2986 4) around "tbs", the fuzzer's
 * CertificationRequestInfo, signed with "key" and "md" (NULL or not
 * usable with the key: the key's default).  Unless "keep_spki", the
 * third element of "tbs" (subjectPKInfo) is first replaced by "key"'s,
 * so the proof of possession holds; "tbs" that does not split into
 * elements is signed as it is.  malloc'd DER, or NULL.
 */
unsigned char	*fz_csr_make(const uint8_t *tbs, size_t n, EVP_PKEY *key,
		    const EVP_MD *md, int keep_spki, size_t *outsz);

/*
 * A private directory for the run (in /dev/shm when there is one),
 * removed at exit.  Borrowed.
 */
const char	*fz_dir(void);

/*
 * The whole server of a test deployment, made at first use in fz_dir():
 * an EC P-256 CA with an RSA-1024 RA (cheap operations, and RA mode), a
 * SQLite store, the profiles of fuzz_util.c's FZ_CONF ("" the default,
 * "static", "manual", "rules"), and device certificates for renewals.
 */
struct fz_srv {
	struct server	*srv;
	struct store	*store;		/* srv->store */
	X509		*cacert;
	EVP_PKEY	*cakey;
	X509		*racert;	/* the envelope's recipient */
	X509		*self[FZ_KEY__MAX];	/* self-signed, per key */
	/* Issued by the CA: [0] valid and stored, [1] revoked, [2] unknown. */
	X509		*issued[3];
	EVP_PKEY	*issued_key;	/* the key of all three */
	unsigned long	 runs;		/* fz_srv_tick() calls */
	int		 http_owned;	/* http_start() took "srv" */
};
struct fz_srv	*fz_srv(void);
/*
 * Once per input: every FZ_STORE_RUNS inputs the store starts again
 * empty (but for the device certificates), so that it stays small and
 * a new transaction stays new.
 */
#define FZ_STORE_RUNS	4096
void		 fz_srv_tick(struct fz_srv *);

#endif
