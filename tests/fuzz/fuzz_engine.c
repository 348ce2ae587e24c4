/*	SPDX-License-Identifier: ISC */
/*
 * fuzz_engine.c: libFuzzer target for what is inside a pkiMessage: the
 * fuzzer's input is the messageData, which the harness wraps the way a
 * client does (RFC 8894 3.2: a CSR signed with the requester's key, an
 * EnvelopedData to the test server's RA, a SignedData with the SCEP
 * attributes) before engine_pkiop() takes it the whole way: signer
 * classification and the renewal signer checks, decryption, csr.c,
 * the store, challenge.c, policy.c, issue.c, the CertRep.  Anyone can
 * encrypt such content to the CA, so none of it is trusted.
 *
 * Input: byte 0: messageType (bits 0-2: PKCSReq, RenewalReq, CertPoll,
 * GetCert, GetCRL, else PKCSReq), signer (bit 3: self-signed, or a
 * certificate of the CA), profile (bits 4-5), content cipher (bits 6-7:
 * AES-128, AES-256, 3DES, DES).  Byte 1: the key (bits 0-2, enum fz_key:
 * the self-signed signer's, which the CSR must hold, or the renewed
 * CSR's), which CA certificate signs (bits 3-4: valid, revoked, not in
 * the store), keep the CSR's own subjectPKInfo (bit 5), the SignerInfo
 * digest (bits 6-7, fz_md()).  Byte 2: the transactionID "fz-XX" and
 * the peer.  The rest: for PKCSReq and RenewalReq the CSR's
 * CertificationRequestInfo (fz_csr_make() signs it), else the
 * messageData itself (IssuerAndSubject, IssuerAndSerialNumber).
 * A broken contract of engine.h is a crash: abort().
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>

#include "engine.h"
#include "fuzz.h"
#include "server.h"
#include "testutil.h"

static const char *const fz_types[] = { "19", "17", "20", "21", "22" };
static const char *const fz_peers[] = { "127.0.0.1", "10.1.2.3", "::1",
    "192.0.2.7" };

static const EVP_CIPHER *
fz_cipher(unsigned int sel)
{
	switch (sel & 3) {
	case 1:
		return EVP_aes_256_cbc();
	case 2:
		return EVP_des_ede3_cbc();
	case 3:
		/* Single DES needs the legacy provider (profile "manual"). */
		return EVP_des_cbc();
	default:
		return EVP_aes_128_cbc();
	}
}

/* engine.h: an answer is a CertRep (200) or an HTTP error with text. */
static void
fz_check(const struct engine_out *out)
{
	if (out->outcome == NULL || out->msgtype == NULL)
		abort();
	if (out->http == 200 && (out->body == NULL || out->bodysz == 0 ||
	    strcmp(out->ctype, "application/x-pki-message") != 0))
		abort();
	if (out->http != 200 && (out->http < 400 || out->http > 599 ||
	    strcmp(out->outcome, "error") != 0))
		abort();
	if (memchr(out->txid, '\0', sizeof(out->txid)) == NULL ||
	    memchr(out->reason, '\0', sizeof(out->reason)) == NULL)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz_srv		*fs = fz_srv();
	struct tu_msg		 m = { 0 };
	struct engine_out	 out;
	const struct server_profile *sp;
	unsigned char		 nonce[16];
	unsigned char		*csr = NULL, *msg = NULL;
	size_t			 csrsz = 0, msgsz;
	unsigned int		 type, signer, k;
	EVP_PKEY		*key;
	char			 txid[8];

	if (size < 3)
		return 0;
	fz_srv_tick(fs);
	type = (data[0] & 7) < 5 ? data[0] & 7 : 0;
	signer = (data[1] >> 3) & 3;
	k = (data[1] & 7) % FZ_KEY__MAX;
	/* OpenSSL's CMS signs with no Ed25519 signer: P-384 instead. */
	if (k == FZ_KEY_ED25519 && !(data[0] & 8))
		k = FZ_KEY_P384;
	key = fz_key(k);
	sp = &fs->srv->profiles[(data[0] >> 4 & 3) % fs->srv->nprofiles];
	if (data[0] & 8) {
		m.signcert = fs->issued[signer < 3 ? signer : 0];
		m.signkey = fs->issued_key;
	} else {
		m.signcert = fs->self[k];
		m.signkey = key;
	}
	if (type <= 1) {
		if ((csr = fz_csr_make(data + 3, size - 3, key,
		    EVP_sha256(), data[1] & 0x20, &csrsz)) == NULL)
			return 0;
		m.content = csr;
		m.contentsz = csrsz;
	} else {
		m.content = data + 3;
		m.contentsz = size - 3;
	}
	snprintf(txid, sizeof(txid), "fz-%02x", data[2]);
	memset(nonce, data[2], sizeof(nonce));
	m.md = fz_md(data[1] >> 6);
	/* MD5 only with RSA: there is no ECDSA with MD5. */
	if (m.md == EVP_md5() && EVP_PKEY_get_base_id(m.signkey) !=
	    EVP_PKEY_RSA)
		m.md = EVP_sha256();
	m.recipient = fs->racert;
	m.cipher = fz_cipher(data[0] >> 6);
	m.msgtype = fz_types[type];
	m.txid = txid;
	m.nonce = nonce;
	m.noncesz = sizeof(nonce);
	if ((msg = tu_pkimsg(&m, &msgsz)) == NULL) {
		/* Ed25519 with MD5 and the like: nothing a client sends. */
		free(csr);
		ERR_clear_error();
		return 0;
	}
	engine_pkiop(fs->srv, sp, msg, msgsz, fz_peers[data[2] & 3], &out);
	fz_check(&out);
	free(out.body);
	free(msg);
	free(csr);
	ERR_clear_error();
	return 0;
}
