/*	SPDX-License-Identifier: ISC */
/*
 * mobileconfig.c: options in, Apple configuration profile (XML plist)
 * out.  Apple's Configuration Profile Reference: top-level keys,
 * "Certificate Root" (com.apple.security.root) and "SCEP"
 * (com.apple.security.scep) payloads.
 *
 * Uses libplist, OpenSSL (SHA-1, UUIDs, name OIDs) and log.c only.
 * libplist writes the XML: it escapes keys and strings, base64s <data>
 * and is what libimobiledevice talks to real iOS devices with, so its
 * output is known to suit Apple's parser.  We only ever write plists,
 * never parse one, so none of its parser is exposed to input.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/rand.h>
#include <openssl/x509.h>

#include <plist/plist.h>

#include "log.h"
#include "mobileconfig.h"
#include "util.h"

#define MC_UUID_LEN	36	/* 8-4-4-4-12 hex digits */
#define MC_ATTR_MAX	80	/* longest attribute type we emit */

/*
 * The attribute types Apple's SecCertificateRequest.c knows by short
 * name.  Any other string there is read as a dotted OID, so every other
 * type must be written as one ("emailAddress" would become garbage).
 */
static const struct {
	int		 nid;
	const char	*name;
} mc_apple_attrs[] = {
	{ NID_countryName, "C" },
	{ NID_stateOrProvinceName, "ST" },
	{ NID_localityName, "L" },
	{ NID_organizationName, "O" },
	{ NID_organizationalUnitName, "OU" },
	{ NID_commonName, "CN" },
};

/*
 * Is "s" at most MOBILECONFIG_STR_MAX bytes of well-formed UTF-8
 * (RFC 3629 4) free of control characters?  XML 1.0 (2.2) cannot carry
 * C0 controls, surrogates or U+FFFE/U+FFFF, and libplist would copy
 * them through, leaving a document that no parser accepts.  "what"
 * names the field in the log; the value itself is never logged, since
 * it may be the challenge.
 */
static int
mc_text_ok(const char *what, const char *s)
{
	const unsigned char	*p = (const unsigned char *)s;
	uint32_t		 cp;
	int			 i, n;

	if (strnlen(s, MOBILECONFIG_STR_MAX + 1) > MOBILECONFIG_STR_MAX) {
		log_warnx("mobileconfig: %s: longer than %d bytes", what,
		    MOBILECONFIG_STR_MAX);
		return -1;
	}
	while (*p != '\0') {
		if (*p < 0x80) {
			if (*p < 0x20 || *p == 0x7f)
				goto bad;
			p++;
			continue;
		}
		if (*p >= 0xc2 && *p <= 0xdf) {
			n = 1;
			cp = *p & 0x1f;
		} else if ((*p & 0xf0) == 0xe0) {
			n = 2;
			cp = *p & 0x0f;
		} else if (*p >= 0xf0 && *p <= 0xf4) {
			n = 3;
			cp = *p & 0x07;
		} else
			goto bad;
		/* The NUL terminator is not a continuation byte. */
		for (i = 1; i <= n; i++) {
			if ((p[i] & 0xc0) != 0x80)
				goto bad;
			cp = cp << 6 | (p[i] & 0x3f);
		}
		if ((n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) ||
		    (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff ||
		    cp == 0xfffe || cp == 0xffff)
			goto bad;
		p += n + 1;
	}
	return 0;
 bad:
	log_warnx("mobileconfig: %s: not UTF-8 text without control "
	    "characters", what);
	return -1;
}

/* Put a leaf value into a dictionary; NULL means libplist ran out. */
static int
mc_set(plist_t dict, const char *key, plist_t item)
{
	if (item == NULL) {
		log_warnx("mobileconfig: %s: out of memory", key);
		return -1;
	}
	plist_dict_set_item(dict, key, item);
	return 0;
}

/* A random (version 4) UUID in upper case, as Apple's tools write it. */
static int
mc_uuid(char out[MC_UUID_LEN + 1])
{
	unsigned char	b[16];
	size_t		i, n = 0;

	if (rand_bytes(b, sizeof(b)) == -1) {
		log_crypto("mobileconfig: random UUID");
		return -1;
	}
	b[6] = (b[6] & 0x0f) | 0x40;	/* RFC 9562 5.4: version 4 */
	b[8] = (b[8] & 0x3f) | 0x80;	/* RFC 9562 4.1: variant 10 */
	for (i = 0; i < sizeof(b); i++) {
		if (i == 4 || i == 6 || i == 8 || i == 10)
			out[n++] = '-';
		snprintf(out + n, 3, "%02X", b[i]);
		n += 2;
	}
	out[n] = '\0';
	return 0;
}

/*
 * Wrap "content" in the keys every payload carries (Configuration
 * Profile Reference, "Payload keys common to all payloads").  The dict
 * takes "content" over, also when this fails.  Keys are added in sorted
 * order, as Apple's own tools write them, so that two profiles diff
 * cleanly.  "desc" and "org" may be NULL.
 */
static plist_t
mc_payload(plist_t content, const char *type, const char *ident,
    const char *display, const char *desc, const char *org)
{
	plist_t	 p = NULL, ret = NULL;
	char	 uuid[MC_UUID_LEN + 1];

	if ((p = plist_new_dict()) == NULL ||
	    mc_set(p, "PayloadContent", content) == -1) {
		log_warnx("mobileconfig: %s: out of memory", type);
		plist_free(content);
		goto out;
	}
	if ((desc != NULL &&
	    mc_set(p, "PayloadDescription", plist_new_string(desc)) == -1) ||
	    mc_set(p, "PayloadDisplayName", plist_new_string(display)) == -1 ||
	    mc_set(p, "PayloadIdentifier", plist_new_string(ident)) == -1 ||
	    (org != NULL &&
	    mc_set(p, "PayloadOrganization", plist_new_string(org)) == -1) ||
	    mc_set(p, "PayloadType", plist_new_string(type)) == -1 ||
	    mc_uuid(uuid) == -1 ||
	    mc_set(p, "PayloadUUID", plist_new_string(uuid)) == -1 ||
	    mc_set(p, "PayloadVersion", plist_new_uint(1)) == -1)
		goto out;
	ret = p;
	p = NULL;
 out:
	plist_free(p);
	return ret;
}

static int
mc_hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/*
 * Read one attributeTypeAndValue of an RFC 4514 (2.3, 2.4) string at
 * *sp: the type into "type" and the unescaped value into "val", each at
 * least strlen(*sp) + 1 bytes.  Leaves *sp at what ended it and returns
 * that: ',', '+' or '\0'; -1 is logged.  Unlike the RFC, spaces around
 * the type and unescaped spaces around the value are dropped, because
 * people write "CN=x, O=y"; hex-string (#...) values are refused.
 */
static int
mc_ava_next(const char **sp, char *type, char *val)
{
	const char	*s = *sp;
	size_t		 n = 0, keep = 0;
	int		 hi, lo;

	while (*s == ' ')
		s++;
	while (*s != '=' && *s != ',' && *s != '+' && *s != '\0')
		type[n++] = *s++;
	while (n > 0 && type[n - 1] == ' ')
		n--;
	type[n] = '\0';
	if (*s != '=' || n == 0) {
		log_warnx("mobileconfig: subject: RFC 4514 2.3: want "
		    "TYPE=VALUE pairs separated by ',' or '+'");
		return -1;
	}
	for (s++; *s == ' '; s++)
		continue;
	if (*s == '#') {
		log_warnx("mobileconfig: subject: RFC 4514 2.4: hex-string "
		    "values are not supported; escape a leading '#'");
		return -1;
	}
	for (n = 0; *s != ',' && *s != '+' && *s != '\0'; s++) {
		if (*s != '\\') {
			val[n++] = *s;
			continue;
		}
		s++;
		if ((hi = mc_hexval(s[0])) != -1 &&
		    (lo = mc_hexval(s[1])) != -1 && (hi | lo) != 0) {
			val[n++] = (char)(hi << 4 | lo);
			s++;
		} else if (*s != '\0' && strchr(",+\"\\<>;=# ", *s) != NULL)
			val[n++] = *s;
		else {
			log_warnx("mobileconfig: subject: RFC 4514 2.4: bad "
			    "escape after \"%s=\"", type);
			return -1;
		}
		keep = n;	/* an escaped space is kept */
	}
	while (n > keep && val[n - 1] == ' ')
		n--;
	val[n] = '\0';
	if (n == 0) {
		log_warnx("mobileconfig: subject: empty value for %s", type);
		return -1;
	}
	*sp = s;
	return (unsigned char)*s;
}

/*
 * The name Apple's profile wants for attribute type "type": one of its
 * six short names, else the dotted OID.  OpenSSL's object table turns
 * names such as "emailAddress", "UID" or "DC" into their OIDs.
 */
static int
mc_attr_name(const char *type, char *out, size_t sz)
{
	ASN1_OBJECT	*obj = NULL;
	size_t		 i;
	int		 nid, n, rc = -1;

	if (strspn(type, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "0123456789.-") != strlen(type) || strlen(type) >= sz) {
		log_warnx("mobileconfig: subject: RFC 4514 3: an attribute "
		    "type is a name or a dotted OID");
		return -1;
	}
	for (i = 0; i < sizeof(mc_apple_attrs) / sizeof(mc_apple_attrs[0]);
	    i++) {
		if (strcasecmp(type, mc_apple_attrs[i].name) == 0) {
			snprintf(out, sz, "%s", mc_apple_attrs[i].name);
			return 0;
		}
	}
	if ((obj = OBJ_txt2obj(type, 0)) == NULL) {
		/* A typo, not a crypto failure: OpenSSL adds nothing. */
		ERR_clear_error();
		log_warnx("mobileconfig: subject: unknown attribute type "
		    "\"%s\"", type);
		goto out;
	}
	nid = OBJ_obj2nid(obj);
	for (i = 0; i < sizeof(mc_apple_attrs) / sizeof(mc_apple_attrs[0]);
	    i++) {
		if (nid != NID_undef && nid == mc_apple_attrs[i].nid) {
			snprintf(out, sz, "%s", mc_apple_attrs[i].name);
			rc = 0;
			goto out;
		}
	}
	if ((n = OBJ_obj2txt(out, (int)sz, obj, 1)) <= 0 || (size_t)n >= sz) {
		log_crypto("mobileconfig: subject: OID of \"%s\"", type);
		goto out;
	}
	rc = 0;
 out:
	ASN1_OBJECT_free(obj);
	return rc;
}

/* ["type", "value"], the innermost array of Apple's Subject. */
static plist_t
mc_pair(const char *type, const char *val)
{
	plist_t	 pair, t, v;

	if ((pair = plist_new_array()) == NULL)
		return NULL;
	if ((t = plist_new_string(type)) == NULL ||
	    (v = plist_new_string(val)) == NULL) {
		plist_free(t);
		plist_free(pair);
		return NULL;
	}
	plist_array_append_item(pair, t);
	plist_array_append_item(pair, v);
	return pair;
}

/*
 * "CN=x+UID=y,O=z" as Apple's Subject: an array of RDNs, each an array
 * of [type, value] pairs, in DER order: [[[O, z]], [[CN, x], [UID, y]]].
 * RFC 4514 2.1 writes the last RDN first, so the RDNs are reversed.
 */
static plist_t
mc_subject(const char *s)
{
	plist_t	 rdns = NULL, rdn = NULL, pair, ret = NULL;
	char	*type = NULL, *val = NULL, name[MC_ATTR_MAX];
	size_t	 sz = strlen(s) + 1;
	int	 sep, nrdn = 0;

	if ((type = malloc(sz)) == NULL || (val = malloc(sz)) == NULL) {
		log_warn("mobileconfig: subject");
		goto out;
	}
	if ((rdns = plist_new_array()) == NULL)
		goto nomem;
	do {
		if ((sep = mc_ava_next(&s, type, val)) == -1 ||
		    mc_attr_name(type, name, sizeof(name)) == -1 ||
		    mc_text_ok("subject value", val) == -1)
			goto out;
		if (rdn == NULL && (rdn = plist_new_array()) == NULL)
			goto nomem;
		if ((pair = mc_pair(name, val)) == NULL)
			goto nomem;
		plist_array_append_item(rdn, pair);
		if (sep != '+') {
			if (++nrdn > MOBILECONFIG_RDN_MAX) {
				log_warnx("mobileconfig: subject: more than "
				    "%d RDNs", MOBILECONFIG_RDN_MAX);
				goto out;
			}
			plist_array_insert_item(rdns, rdn, 0);
			rdn = NULL;
		}
		if (sep != '\0')
			s++;
	} while (sep != '\0');
	ret = rdns;
	rdns = NULL;
	goto out;
 nomem:
	log_warnx("mobileconfig: subject: out of memory");
 out:
	plist_free(rdn);
	plist_free(rdns);
	free(type);
	free(val);
	return ret;
}

/* SubjectAltName: { dNSName: [ ... ] }, the key Apple's CSR code reads. */
static plist_t
mc_san(const struct mobileconfig_opts *o)
{
	plist_t	 san = NULL, list, item;
	int	 i;

	if ((san = plist_new_dict()) == NULL ||
	    (list = plist_new_array()) == NULL)
		goto nomem;
	plist_dict_set_item(san, "dNSName", list);
	for (i = 0; i < o->san_dns_count; i++) {
		if ((item = plist_new_string(o->san_dns[i])) == NULL)
			goto nomem;
		plist_array_append_item(list, item);
	}
	return san;
 nomem:
	log_warnx("mobileconfig: SubjectAltName: out of memory");
	plist_free(san);
	return NULL;
}

/*
 * The SCEP payload's PayloadContent ("SCEP" in Apple's reference).
 * CAFingerprint lets the device check the CA that GetCACert returns;
 * Apple takes MD5 or SHA-1 there, and MD5 is never used by scepd.
 */
static plist_t
mc_scep_content(const struct mobileconfig_opts *o)
{
	plist_t		 c = NULL, sub = NULL, san = NULL, ret = NULL;
	unsigned char	 md[EVP_MAX_MD_SIZE];
	unsigned int	 mdsz = 0;

	if (EVP_Digest(o->ca_der, o->ca_dersz, md, &mdsz, EVP_sha1(),
	    NULL) != 1) {
		log_crypto("mobileconfig: SHA-1 of the CA certificate");
		goto out;
	}
	/* Without a subject the CSR would be empty, which policy refuses. */
	if ((sub = mc_subject(o->subject != NULL ? o->subject :
	    "CN=device")) == NULL)
		goto out;
	if (o->san_dns_count > 0 && (san = mc_san(o)) == NULL)
		goto out;
	if ((c = plist_new_dict()) == NULL) {
		log_warnx("mobileconfig: out of memory");
		goto out;
	}
	if (mc_set(c, "CAFingerprint",
	    plist_new_data((const char *)md, mdsz)) == -1 ||
	    (o->challenge != NULL && o->challenge[0] != '\0' &&
	    mc_set(c, "Challenge", plist_new_string(o->challenge)) == -1) ||
	    mc_set(c, "Key Type", plist_new_string("RSA")) == -1 ||
	    mc_set(c, "Key Usage", plist_new_uint(o->key_usage != 0 ?
	    (uint64_t)o->key_usage : 5)) == -1 ||
	    mc_set(c, "Keysize", plist_new_uint(o->keysize != 0 ?
	    (uint64_t)o->keysize : 2048)) == -1 ||
	    (o->name != NULL &&
	    mc_set(c, "Name", plist_new_string(o->name)) == -1) ||
	    /* Apple's defaults, spelt out so an operator sees them. */
	    mc_set(c, "Retries", plist_new_uint(3)) == -1 ||
	    mc_set(c, "RetryDelay", plist_new_uint(10)) == -1)
		goto out;
	plist_dict_set_item(c, "Subject", sub);
	sub = NULL;
	if (san != NULL) {
		plist_dict_set_item(c, "SubjectAltName", san);
		san = NULL;
	}
	if (mc_set(c, "URL", plist_new_string(o->url)) == -1)
		goto out;
	ret = c;
	c = NULL;
 out:
	plist_free(c);
	plist_free(sub);
	plist_free(san);
	return ret;
}

/*
 * The CA's commonName for the root payload's display name, or NULL when
 * it has none fit for XML (then a fixed name is used; not an error).
 */
static char *
mc_ca_cn(X509 *ca)
{
	const X509_NAME		*name = X509_get_subject_name(ca);
	const ASN1_STRING	*d;
	unsigned char		*u8 = NULL;
	char			*ret = NULL;
	int			 i, n;

	if ((i = X509_NAME_get_index_by_NID(name, NID_commonName, -1)) < 0)
		return NULL;
	d = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, i));
	if ((n = ASN1_STRING_to_UTF8(&u8, d)) < 0) {
		ERR_clear_error();
		return NULL;
	}
	/* An embedded NUL would make the CN look shorter than it is. */
	if ((size_t)n == strlen((char *)u8) &&
	    mc_text_ok("CA commonName", (char *)u8) == 0)
		ret = strdup((char *)u8);
	OPENSSL_free(u8);
	return ret;
}

static plist_t
mc_root_payload(const struct mobileconfig_opts *o, X509 *ca)
{
	plist_t	 der, ret = NULL;
	char	*ident = NULL, *cn;

	cn = mc_ca_cn(ca);
	if (asprintf(&ident, "%s.ca", o->identifier) == -1) {
		log_warn("mobileconfig: root payload");
		ident = NULL;
		goto out;
	}
	if ((der = plist_new_data((const char *)o->ca_der,
	    o->ca_dersz)) == NULL) {
		log_warnx("mobileconfig: root payload: out of memory");
		goto out;
	}
	ret = mc_payload(der, "com.apple.security.root", ident,
	    cn != NULL ? cn : "SCEP CA certificate",
	    "The certificate authority that issues this device's "
	    "certificate.", NULL);
 out:
	free(cn);
	free(ident);
	return ret;
}

static plist_t
mc_scep_payload(const struct mobileconfig_opts *o)
{
	plist_t	 c, ret = NULL;
	char	*ident = NULL;

	if (asprintf(&ident, "%s.scep", o->identifier) == -1) {
		log_warn("mobileconfig: SCEP payload");
		return NULL;
	}
	if ((c = mc_scep_content(o)) != NULL)
		ret = mc_payload(c, "com.apple.security.scep", ident,
		    "Device certificate (SCEP)",
		    "Requests this device's certificate by SCEP "
		    "(RFC 8894).", NULL);
	free(ident);
	return ret;
}

/* Everything mobileconfig_build() refuses, each reason logged. */
static int
mc_opts_check(const struct mobileconfig_opts *o)
{
	int	 i;

	if (o->url == NULL || o->ca_der == NULL || o->identifier == NULL ||
	    o->display_name == NULL) {
		log_warnx("mobileconfig: url, CA certificate, identifier and "
		    "display name are required");
		return -1;
	}
	if (mc_text_ok("URL", o->url) == -1 ||
	    mc_text_ok("display name", o->display_name) == -1 ||
	    (o->name != NULL && mc_text_ok("Name", o->name) == -1) ||
	    (o->challenge != NULL &&
	    mc_text_ok("challenge", o->challenge) == -1) ||
	    (o->subject != NULL && mc_text_ok("subject", o->subject) == -1) ||
	    (o->organization != NULL &&
	    mc_text_ok("organization", o->organization) == -1))
		return -1;
	if (strncasecmp(o->url, "http://", 7) != 0 &&
	    strncasecmp(o->url, "https://", 8) != 0) {
		log_warnx("mobileconfig: URL: want http:// or https://");
		return -1;
	}
	/* Reverse-DNS style, the only form Apple documents. */
	if (o->identifier[0] == '\0' ||
	    strlen(o->identifier) > MOBILECONFIG_STR_MAX ||
	    strspn(o->identifier, "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-_") !=
	    strlen(o->identifier)) {
		log_warnx("mobileconfig: identifier: want letters, digits, "
		    "'.', '-' and '_'");
		return -1;
	}
	if (o->keysize != 0 && o->keysize != 1024 && o->keysize != 2048 &&
	    o->keysize != 4096) {
		log_warnx("mobileconfig: Keysize %d: Apple takes 1024, 2048 "
		    "or 4096", o->keysize);
		return -1;
	}
	if (o->key_usage != 0 && o->key_usage != 1 && o->key_usage != 4 &&
	    o->key_usage != 5) {
		log_warnx("mobileconfig: Key Usage %d: want 1 (sign), 4 "
		    "(encrypt) or 5 (both)", o->key_usage);
		return -1;
	}
	if (o->ca_dersz == 0 || o->ca_dersz > MOBILECONFIG_DER_MAX) {
		log_warnx("mobileconfig: CA certificate: %zu bytes, want 1 to "
		    "%d", o->ca_dersz, MOBILECONFIG_DER_MAX);
		return -1;
	}
	if (o->san_dns_count < 0 || o->san_dns_count > MOBILECONFIG_SAN_MAX ||
	    (o->san_dns_count > 0 && o->san_dns == NULL)) {
		log_warnx("mobileconfig: SubjectAltName: want 0 to %d dNSNames",
		    MOBILECONFIG_SAN_MAX);
		return -1;
	}
	for (i = 0; i < o->san_dns_count; i++)
		if (o->san_dns[i] == NULL || o->san_dns[i][0] == '\0' ||
		    mc_text_ok("SubjectAltName dNSName", o->san_dns[i]) == -1)
			return -1;
	return 0;
}

char *
mobileconfig_build(const struct mobileconfig_opts *o, size_t *len)
{
	X509			*ca = NULL;
	const unsigned char	*p;
	plist_t			 list = NULL, top = NULL, pl;
	char			*xml = NULL, *ret = NULL;
	uint32_t		 xmlsz = 0;

	*len = 0;
	if (mc_opts_check(o) == -1)
		goto out;
	p = o->ca_der;
	if ((ca = d2i_X509(NULL, &p, (long)o->ca_dersz)) == NULL ||
	    p != o->ca_der + o->ca_dersz) {
		log_crypto("mobileconfig: CA certificate: not one DER "
		    "X.509 certificate");
		goto out;
	}
	/* The root first: the device then trusts the CA it enrols with. */
	if ((list = plist_new_array()) == NULL) {
		log_warnx("mobileconfig: out of memory");
		goto out;
	}
	if ((pl = mc_root_payload(o, ca)) == NULL)
		goto out;
	plist_array_append_item(list, pl);
	if ((pl = mc_scep_payload(o)) == NULL)
		goto out;
	plist_array_append_item(list, pl);
	top = mc_payload(list, "Configuration", o->identifier,
	    o->display_name, "Enrolls this device for a certificate from "
	    "scepd.", o->organization);
	list = NULL;
	if (top == NULL)
		goto out;
	plist_to_xml(top, &xml, &xmlsz);
	if (xml == NULL || xmlsz == 0) {
		log_warnx("mobileconfig: plist_to_xml failed");
		goto out;
	}
	/* Our own copy, so that the caller frees it with plain free(). */
	if ((ret = malloc((size_t)xmlsz + 1)) == NULL) {
		log_warn("mobileconfig");
		goto out;
	}
	memcpy(ret, xml, xmlsz);
	ret[xmlsz] = '\0';
	*len = xmlsz;
 out:
	if (xml != NULL)
		plist_to_xml_free(xml);
	plist_free(list);
	plist_free(top);
	X509_free(ca);
	return ret;
}
