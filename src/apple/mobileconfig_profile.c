/*	SPDX-License-Identifier: ISC */
/*
 * mobileconfig_profile.c: the .mobileconfig scepd hands out for one of
 * its SCEP profiles: its URL (the config's public_url, and
 * public_url/<name> for a profile other than the default, the paths
 * http.c serves), a PayloadIdentifier and display name made from that
 * URL, then mobileconfig_build().  "scepd mobileconfig" and the admin
 * API's GET /profiles/{name}/mobileconfig both call it, so they write
 * the same bytes (but for the random PayloadUUIDs).  Plain strings in,
 * so that this layer needs neither the configuration nor the server.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "mobileconfig.h"

/*
 * The host part of an http(s) URL, as [start, start + *len).  IPv6
 * literals keep their brackets; userinfo and port are dropped.
 */
const char *
mobileconfig_url_host(const char *url, size_t *len)
{
	const char	*h, *end, *at, *colon;

	if ((h = strstr(url, "://")) == NULL)
		return NULL;
	h += 3;
	end = h + strcspn(h, "/?#");
	while ((at = memchr(h, '@', (size_t)(end - h))) != NULL)
		h = at + 1;
	if (*h == '[') {
		if ((colon = memchr(h, ']', (size_t)(end - h))) == NULL)
			return NULL;
		end = colon + 1;
	} else if ((colon = memchr(h, ':', (size_t)(end - h))) != NULL)
		end = colon;
	*len = (size_t)(end - h);
	return *len == 0 ? NULL : h;
}

/*
 * PayloadIdentifier prefix "net.example.scep.scepd.PROFILE" for
 * https://scep.example.net/..., so that profiles of two servers never
 * replace each other on a device while a re-issued profile of the same
 * server and profile does.  An IP literal is kept as "10-0-0-1".
 */
static char *
mobileconfig_ident(const char *url, const char *profile)
{
	const char	*host;
	char		*ret = NULL, *q;
	size_t		 hlen, i, n, sz, start, end;
	int		 name = 0;

	if ((host = mobileconfig_url_host(url, &hlen)) == NULL) {
		log_warnx("mobileconfig: no host in the URL");
		return NULL;
	}
	for (i = 0; i < hlen; i++)
		if (isalpha((unsigned char)host[i]))
			name = 1;
	if (host[0] == '[')
		name = 0;
	sz = hlen + strlen(".scepd.") + strlen(profile) + 1;
	if ((ret = malloc(sz)) == NULL) {
		log_warn("mobileconfig");
		return NULL;
	}
	q = ret;
	if (name) {
		/* Labels reversed: scep.example.net -> net.example.scep */
		for (end = hlen; end > 0; end = start > 0 ? start - 1 : 0) {
			for (start = end; start > 0 && host[start - 1] != '.';
			    start--)
				continue;
			if (q != ret && start < end)
				*q++ = '.';
			for (i = start; i < end; i++)
				*q++ = isalnum((unsigned char)host[i]) ?
				    (char)tolower((unsigned char)host[i]) : '-';
		}
	} else {
		for (i = 0; i < hlen; i++)
			if (isalnum((unsigned char)host[i]))
				*q++ = host[i];
			else if (host[i] != '[' && host[i] != ']')
				*q++ = '-';
	}
	n = (size_t)(q - ret);
	snprintf(q, sz - n, ".scepd.%s", profile);
	/* mobileconfig.c checks the result; a profile name may not fit. */
	for (q = ret + n + strlen(".scepd."); *q != '\0'; q++)
		if (!isalnum((unsigned char)*q) && *q != '-' && *q != '_')
			*q = '-';
	return ret;
}

/*
 * The SCEP URL of profile "name": "explicit" if given, else
 * "public_url" for the default profile and public_url/<name> for the
 * others.  Caller frees; NULL (logged) if there is neither.
 */
char *
mobileconfig_profile_url(const char *public_url, const char *explicit,
    const char *name, int dflt)
{
	char	*url = NULL;
	size_t	 n;

	if (explicit == NULL && public_url == NULL) {
		log_warnx("mobileconfig: no URL given and no public_url set");
		return NULL;
	}
	if (explicit != NULL || dflt) {
		if ((url = strdup(explicit != NULL ? explicit :
		    public_url)) == NULL)
			log_warn("mobileconfig");
		return url;
	}
	n = strlen(public_url);
	while (n > 0 && public_url[n - 1] == '/')
		n--;
	if (asprintf(&url, "%.*s/%s", (int)n, public_url, name) == -1) {
		log_warn("mobileconfig");
		return NULL;
	}
	return url;
}

char *
mobileconfig_profile(const struct mobileconfig_profile_opts *p, size_t *len)
{
	struct mobileconfig_opts	 o;
	char				*url = NULL, *ident = NULL;
	char				*display = NULL, *xml = NULL;
	const char			*host;
	size_t				 hlen;

	if ((url = mobileconfig_profile_url(p->public_url, p->url, p->name,
	    p->dflt)) == NULL || (ident = mobileconfig_ident(url, p->name)) == NULL ||
	    (host = mobileconfig_url_host(url, &hlen)) == NULL)
		goto out;
	if (asprintf(&display, "SCEP: %s at %.*s", p->name, (int)hlen,
	    host) == -1) {
		log_warn("mobileconfig");
		display = NULL;
		goto out;
	}
	memset(&o, 0, sizeof(o));
	o.url = url;
	o.name = p->name;
	o.challenge = p->challenge;
	o.subject = p->subject;
	o.keysize = p->keysize;
	/* A general-purpose identity: VPN and 802.1X sign, mail decrypts. */
	o.key_usage = 5;
	/*
	 * XXX For an imported sub-CA the root payload should carry the
	 * chain's self-signed root (and the sub-CA a pkcs1 payload); today
	 * it carries the profile's CA, which is right for our own CAs.
	 */
	o.ca_der = p->ca_der;
	o.ca_dersz = p->ca_dersz;
	o.identifier = ident;
	o.display_name = display;
	xml = mobileconfig_build(&o, len);
 out:
	free(display);
	free(ident);
	free(url);
	return xml;
}
