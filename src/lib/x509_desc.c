/*	SPDX-License-Identifier: ISC */
/*
 * x509_desc.c: a certificate (RFC 5280 4.1) or a PKCS#10 request
 * (RFC 2986 4) as struct x509_desc, for display.  Names are RFC 2253
 * text, subjectAltNames (RFC 5280 4.2.1.6) typed text, extensions
 * OpenSSL's own rendering.  Uses OpenSSL, x509.c and log.c only; a
 * request's signature is not checked here (csr.c does that on
 * enrolment), and its challengePassword is reported present, never
 * read out.
 */
#include <sys/socket.h>
#include <arpa/inet.h>

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "log.h"
#include "util.h"
#include "x509.h"
#include "x509_desc.h"

/* "dns:a.example" for one GeneralName (malloc'd), or NULL. */
static char *
x509_desc_gn(const GENERAL_NAME *gn)
{
	const ASN1_STRING	*s = NULL;
	const char		*type = "other";
	char			 buf[INET6_ADDRSTRLEN], oid[80], *ret = NULL;
	int			 n;

	switch (gn->type) {
	case GEN_DNS:
		type = "dns";
		s = gn->d.dNSName;
		break;
	case GEN_EMAIL:
		type = "email";
		s = gn->d.rfc822Name;
		break;
	case GEN_URI:
		type = "uri";
		s = gn->d.uniformResourceIdentifier;
		break;
	case GEN_IPADD:
		n = ASN1_STRING_length(gn->d.iPAddress);
		if ((n != 4 && n != 16) || inet_ntop(n == 4 ? AF_INET :
		    AF_INET6, ASN1_STRING_get0_data(gn->d.iPAddress), buf,
		    sizeof(buf)) == NULL)
			snprintf(buf, sizeof(buf), "(bad address)");
		return asprintf(&ret, "ip:%s", buf) == -1 ? NULL : ret;
	case GEN_OTHERNAME:
		OBJ_obj2txt(oid, sizeof(oid), gn->d.otherName->type_id, 1);
		return asprintf(&ret, "other:otherName %s", oid) == -1 ?
		    NULL : ret;
	case GEN_DIRNAME:
		return strdup("other:directoryName");
	case GEN_RID:
		OBJ_obj2txt(oid, sizeof(oid), gn->d.registeredID, 1);
		return asprintf(&ret, "other:registeredID %s", oid) == -1 ?
		    NULL : ret;
	default:
		return strdup("other:x400Address or ediPartyName");
	}
	/* IA5String: bytes as they are, but never a NUL or control. */
	if (asprintf(&ret, "%s:%.*s", type, ASN1_STRING_length(s),
	    (const char *)ASN1_STRING_get0_data(s)) == -1)
		return NULL;
	for (n = 0; ret[n] != '\0'; n++)
		if ((unsigned char)ret[n] < 0x20 || ret[n] == 0x7f)
			ret[n] = '?';
	return ret;
}

static void
x509_desc_sans(const GENERAL_NAMES *gns, struct x509_desc *d)
{
	int i, n = sk_GENERAL_NAME_num(gns);

	d->nsan_total = n > 0 ? (size_t)n : 0;
	for (i = 0; i < n && d->nsan < X509_DESC_SAN_MAX; i++)
		if ((d->san[d->nsan] = x509_desc_gn(sk_GENERAL_NAME_value(gns,
		    i))) != NULL)
			d->nsan++;
}

static void
x509_desc_key(EVP_PKEY *pk, struct x509_desc *d)
{
	char	group[64];
	int	nid;

	if (pk == NULL) {
		snprintf(d->key_type, sizeof(d->key_type), "unknown");
		return;
	}
	d->key_bits = EVP_PKEY_get_bits(pk);
	switch (EVP_PKEY_get_base_id(pk)) {
	case EVP_PKEY_RSA:
		snprintf(d->key_type, sizeof(d->key_type), "rsa");
		break;
	case EVP_PKEY_EC:
		snprintf(d->key_type, sizeof(d->key_type), "ec");
		if (!EVP_PKEY_get_utf8_string_param(pk,
		    OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof(group), NULL))
			break;
		nid = OBJ_sn2nid(group);
		snprintf(d->key_curve, sizeof(d->key_curve), "%.31s",
		    nid != NID_undef && EC_curve_nid2nist(nid) != NULL ?
		    EC_curve_nid2nist(nid) : group);
		break;
	case EVP_PKEY_ED25519:
		snprintf(d->key_type, sizeof(d->key_type), "ed25519");
		break;
	default:
		snprintf(d->key_type, sizeof(d->key_type), "%s",
		    OBJ_nid2sn(EVP_PKEY_get_base_id(pk)));
	}
}

/* OpenSSL's text of one extension's value, at most X509_DESC_VALUE_MAX. */
static char *
x509_desc_ext_value(X509_EXTENSION *ex)
{
	BIO	*b;
	char	*p, *s = NULL;
	long	 n;

	if ((b = BIO_new(BIO_s_mem())) == NULL)
		return NULL;
	if (!X509V3_EXT_print(b, ex, 0, 0))
		ASN1_STRING_print(b, X509_EXTENSION_get_data(ex));
	if ((n = BIO_get_mem_data(b, &p)) >= 0) {
		if (n > X509_DESC_VALUE_MAX)
			n = X509_DESC_VALUE_MAX;
		s = strndup(n > 0 ? p : "", (size_t)n);
	}
	BIO_free(b);
	ERR_clear_error();
	return s;
}

static void
x509_desc_exts(const STACK_OF(X509_EXTENSION) *exts, struct x509_desc *d)
{
	X509_EXTENSION		*ex;
	struct x509_desc_ext	*e;
	const ASN1_OBJECT	*o;
	int			 i, nid;

	for (i = 0; i < sk_X509_EXTENSION_num(exts) &&
	    d->next < X509_DESC_EXT_MAX; i++) {
		ex = sk_X509_EXTENSION_value(exts, i);
		e = &d->ext[d->next];
		o = X509_EXTENSION_get_object(ex);
		OBJ_obj2txt(e->oid, sizeof(e->oid), o, 1);
		nid = OBJ_obj2nid(o);
		snprintf(e->name, sizeof(e->name), "%s", nid != NID_undef ?
		    OBJ_nid2ln(nid) : e->oid);
		e->critical = X509_EXTENSION_get_critical(ex);
		if ((e->value = x509_desc_ext_value(ex)) == NULL)
			return;
		d->next++;
	}
}

static void
x509_desc_digests(const unsigned char *der, size_t len, struct x509_desc *d)
{
	unsigned char	md[EVP_MAX_MD_SIZE];
	unsigned int	n;

	if (EVP_Digest(der, len, md, &n, EVP_sha256(), NULL))
		hex_encode(md, n, d->sha256);
	if (EVP_Digest(der, len, md, &n, EVP_sha1(), NULL))
		hex_encode(md, n, d->sha1);
}

int
x509_desc_cert(const unsigned char *der, size_t len, struct x509_desc *d)
{
	X509				*x;
	const STACK_OF(X509_EXTENSION)	*exts;
	GENERAL_NAMES			*gns;
	int				 rc = -1;

	memset(d, 0, sizeof(*d));
	if ((x = x509_from_der(der, len)) == NULL) {
		log_warnx("x509_desc: stored certificate does not parse");
		ERR_clear_error();
		return -1;
	}
	if ((d->subject = x509_subject_txt(x)) == NULL ||
	    (d->issuer = x509_name_txt(X509_get_issuer_name(x))) == NULL)
		goto out;
	x509_cert_serial(x, d->serial, sizeof(d->serial));
	d->not_before = x509_not_before(x);
	d->not_after = x509_not_after(x);
	OBJ_obj2txt(d->sig_alg, sizeof(d->sig_alg),
	    X509_get0_tbs_sigalg(x)->algorithm, 0);
	x509_desc_key(X509_get0_pubkey(x), d);
	if ((gns = X509_get_ext_d2i(x, NID_subject_alt_name, NULL, NULL)) !=
	    NULL) {
		x509_desc_sans(gns, d);
		GENERAL_NAMES_free(gns);
	}
	if ((exts = X509_get0_extensions(x)) != NULL)
		x509_desc_exts(exts, d);
	x509_desc_digests(der, len, d);
	rc = 0;
 out:
	if (rc == -1)
		x509_desc_clear(d);
	ERR_clear_error();
	X509_free(x);
	return rc;
}

int
x509_desc_csr(const unsigned char *der, size_t len, struct x509_desc *d)
{
	const unsigned char		*p = der;
	const X509_ALGOR		*alg = NULL;
	X509_REQ			*rq = NULL;
	STACK_OF(X509_EXTENSION)	*exts = NULL;
	GENERAL_NAMES			*gns;
	int				 rc = -1;

	memset(d, 0, sizeof(*d));
	if (len > LONG_MAX || (rq = d2i_X509_REQ(NULL, &p, (long)len)) ==
	    NULL || p != der + len) {
		log_warnx("x509_desc: stored request does not parse");
		if (p != der + len)
			X509_REQ_free(rq);
		ERR_clear_error();
		return -1;
	}
	d->issuer = strdup("");
	if ((d->subject = x509_name_txt(X509_REQ_get_subject_name(rq))) ==
	    NULL || d->issuer == NULL)
		goto out;
	X509_REQ_get0_signature(rq, NULL, &alg);
	if (alg != NULL)
		OBJ_obj2txt(d->sig_alg, sizeof(d->sig_alg), alg->algorithm, 0);
	x509_desc_key(X509_REQ_get0_pubkey(rq), d);
	if ((exts = X509_REQ_get_extensions(rq)) != NULL) {
		gns = X509V3_get_d2i(exts, NID_subject_alt_name, NULL, NULL);
		if (gns != NULL)
			x509_desc_sans(gns, d);
		GENERAL_NAMES_free(gns);
		x509_desc_exts(exts, d);
	}
	d->challenge = X509_REQ_get_attr_by_NID(rq, NID_pkcs9_challengePassword,
	    -1) >= 0;
	x509_desc_digests(der, len, d);
	rc = 0;
 out:
	if (rc == -1)
		x509_desc_clear(d);
	sk_X509_EXTENSION_pop_free(exts, X509_EXTENSION_free);
	ERR_clear_error();
	X509_REQ_free(rq);
	return rc;
}

void
x509_desc_clear(struct x509_desc *d)
{
	size_t i;

	free(d->subject);
	free(d->issuer);
	for (i = 0; i < d->nsan; i++)
		free(d->san[i]);
	for (i = 0; i < d->next; i++)
		free(d->ext[i].value);
	memset(d, 0, sizeof(*d));
}

char *
x509_san_txt(const X509 *x)
{
	GENERAL_NAMES	*gns;
	char		*one, *all = NULL, *tmp;
	int		 i;

	if ((all = strdup("")) == NULL)
		return NULL;
	if ((gns = X509_get_ext_d2i(x, NID_subject_alt_name, NULL, NULL)) ==
	    NULL) {
		ERR_clear_error();
		return all;
	}
	for (i = 0; i < sk_GENERAL_NAME_num(gns); i++) {
		if ((one = x509_desc_gn(sk_GENERAL_NAME_value(gns, i))) ==
		    NULL || asprintf(&tmp, "%s%s%s", all, *all != '\0' ?
		    ", " : "", one) == -1) {
			free(one);
			free(all);
			all = NULL;
			break;
		}
		free(one);
		free(all);
		all = tmp;
	}
	GENERAL_NAMES_free(gns);
	return all;
}
