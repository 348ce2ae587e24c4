/*	SPDX-License-Identifier: ISC */
/*
 * mobileconfig.h: an Apple configuration profile (.mobileconfig, an XML
 * property list) that makes an iPhone, iPad or Mac enrol with scepd: a
 * com.apple.security.root payload carrying the CA certificate and a
 * com.apple.security.scep payload pointing at the SCEP URL.
 */
#ifndef SCEPD_MOBILECONFIG_H
#define SCEPD_MOBILECONFIG_H

#include <stddef.h>

/*
 * Ceilings on what goes into a profile: each string, the CA
 * certificate, the subject's RDNs and the SAN list.  A profile is
 * installed by hand or pushed by an MDM; nothing legitimate comes near.
 */
#define MOBILECONFIG_STR_MAX	2048
#define MOBILECONFIG_DER_MAX	65536
#define MOBILECONFIG_RDN_MAX	32
#define MOBILECONFIG_SAN_MAX	64

/*
 * What the profile says.  Nothing is owned: every pointer is borrowed
 * for the duration of mobileconfig_build().  Strings are UTF-8 without
 * control characters (XML 1.0 cannot carry most of them).
 */
struct mobileconfig_opts {
	const char	 *url;		/* SCEP URL incl. profile path */
	const char	 *name;		/* SCEP "Name" (CA-IDENT), or NULL */
	const char	 *challenge;	/* NULL or "": no Challenge key */
	const char	 *subject;	/* "CN=x,O=y", RFC 4514 order;
					   NULL: CN=device */
	int		  keysize;	/* 1024, 2048, 4096; 0: 2048 */
	int		  key_usage;	/* 1 sign, 4 encrypt, 5 both; 0: 5 */
	const unsigned char *ca_der;	/* CA certificate, DER: the root
					   payload and CAFingerprint */
	size_t		  ca_dersz;	/* length of "ca_der" */
	const char	 *identifier;	/* PayloadIdentifier prefix, e.g.
					   "net.example.scepd.routers" */
	const char	 *display_name;	/* PayloadDisplayName */
	const char	 *organization;	/* PayloadOrganization, or NULL */
	int		  san_dns_count; /* entries in "san_dns" */
	const char	**san_dns;	/* SubjectAltName dNSNames */
};

/*
 * mobileconfig.c: the profile as XML plist bytes, NUL-terminated, with
 * the length (without the NUL) in *len.  The caller frees it with
 * free().  NULL if an option is missing or malformed, or on
 * allocation failure; the reason is logged (never the challenge).
 * The output is the same for the same options except for the
 * PayloadUUIDs, which are fresh random (version 4) on every call.
 */
char	*mobileconfig_build(const struct mobileconfig_opts *, size_t *len);

/*
 * What mobileconfig_profile() takes: a SCEP profile of this server.
 * Nothing is owned.
 */
struct mobileconfig_profile_opts {
	const char	 *public_url;	/* the configuration's, or NULL */
	const char	 *url;		/* overrides the URL made from it */
	const char	 *name;		/* the profile's name ("default") */
	int		  dflt;		/* it is the default profile */
	const char	 *challenge;	/* NULL: no Challenge key */
	const char	 *subject;	/* NULL: CN=device */
	int		  keysize;	/* 0: 2048 */
	const unsigned char *ca_der;	/* the profile's CA certificate */
	size_t		  ca_dersz;
};

/*
 * mobileconfig_profile.c: the .mobileconfig of one of scepd's own
 * profiles, as mobileconfig_build() returns it; NULL (logged) if there
 * is no URL or an option is malformed.
 */
char	*mobileconfig_profile(const struct mobileconfig_profile_opts *,
	    size_t *len);
/* Its URL: "url", else public_url (and /<name> if not the default). */
char	*mobileconfig_profile_url(const char *public_url, const char *url,
	    const char *name, int dflt);
/* The host part of an http(s) URL, [start, start + *len), or NULL. */
const char *mobileconfig_url_host(const char *url, size_t *len);

#endif
