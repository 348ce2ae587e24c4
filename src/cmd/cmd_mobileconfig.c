/*	SPDX-License-Identifier: ISC */
/*
 * cmd_mobileconfig.c: "scepd mobileconfig": write an Apple configuration
 * profile that makes an iPhone, iPad or Mac trust the CA and enroll
 * with this server.  mobileconfig.c builds the plist; this file picks
 * the CA, URL and names from the data directory and writes the bytes.
 */
#include <ctype.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "challenge.h"
#include "cmd.h"
#include "csr.h"
#include "log.h"
#include "mobileconfig.h"
#include "server.h"
#include "util.h"

/* What the command line asked for; every string borrowed from argv. */
struct mcfg_args {
	const char	*dir;
	const char	*profile;
	const char	*url;		/* NULL: from public_url */
	const char	*challenge;	/* NULL: no Challenge key */
	const char	*subject;	/* NULL: mobileconfig.c's default */
	const char	*out;		/* NULL: stdout */
	int		 keysize;
};

static void
mcfg_usage(FILE *fp)
{
	fprintf(fp, "usage: scepd mobileconfig [--profile P] [--url URL] "
	    "[--challenge C]\n         [--subject S] [--keysize N] "
	    "[-o FILE] [-d DIR]\n\n"
	    "Write an Apple .mobileconfig with the CA certificate and a SCEP "
	    "payload.\n"
	    "  --profile P    the SCEP profile (default: \"default\")\n"
	    "  --url URL      the SCEP URL devices use (default: the "
	    "config's public_url,\n"
	    "                 and public_url/P for a profile other than "
	    "the default)\n"
	    "  --challenge C  the challengePassword to embed (default: the "
	    "profile's static\n                 one, or a new one-time "
	    "challenge of a dynamic profile; the\n                 file then "
	    "holds a secret)\n"
	    "  --subject S    e.g. \"CN=ipad-17,O=Example\" (default "
	    "CN=device)\n"
	    "  --keysize N    RSA key size the device generates: 1024, 2048 "
	    "(default), 4096\n"
	    "  -o FILE        write FILE (never overwritten) instead of "
	    "stdout\n");
}

/*
 * The host part of an http(s) URL, as [start, start + *len).  IPv6
 * literals keep their brackets; userinfo and port are dropped.
 */
static const char *
mcfg_url_host(const char *url, size_t *len)
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
mcfg_ident(const char *url, const char *profile)
{
	const char	*host;
	char		*ret = NULL, *q;
	size_t		 hlen, i, n, sz, start, end;
	int		 name = 0;

	if ((host = mcfg_url_host(url, &hlen)) == NULL) {
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

/* The profile to FILE (created 0600 with a challenge in it) or stdout. */
static int
mcfg_write(const char *path, const char *xml, size_t len, int secret)
{
	if (path == NULL) {
		if (fwrite(xml, 1, len, stdout) != len ||
		    fflush(stdout) == EOF) {
			log_warn("mobileconfig: stdout");
			return -1;
		}
		return 0;
	}
	if (file_write_new(path, xml, len, secret ? 0600 : 0644) == -1) {
		log_warn("mobileconfig: %s", path);
		return -1;
	}
	printf("wrote %s%s\n", path, secret ?
	    " (it holds the challenge: hand it over privately)" : "");
	return 0;
}

/*
 * The SCEP URL of profile "name": --url if given, else the config's
 * public_url for the default profile and public_url/<name> for the
 * others, the paths http.c serves them at.  Caller frees.
 */
static char *
mcfg_url(const struct conf *c, const char *explicit, const char *name,
    int dflt)
{
	char	*url = NULL;
	size_t	 n;

	if (explicit == NULL && c->public_url == NULL) {
		log_warnx("mobileconfig: no --url, and %s sets no public_url",
		    c->path);
		return NULL;
	}
	if (explicit != NULL || dflt) {
		if ((url = strdup(explicit != NULL ? explicit :
		    c->public_url)) == NULL)
			log_warn("mobileconfig");
		return url;
	}
	n = strlen(c->public_url);
	while (n > 0 && c->public_url[n - 1] == '/')
		n--;
	if (asprintf(&url, "%.*s/%s", (int)n, c->public_url, name) == -1) {
		log_warn("mobileconfig");
		return NULL;
	}
	return url;
}

static int
mcfg_run(const struct mcfg_args *a)
{
	struct cmd_env			 env;
	struct mobileconfig_opts	 o;
	const struct server_profile	*pf;
	char				*url = NULL, *ident = NULL;
	char				*display = NULL, *xml = NULL;
	const char			*host, *chal;
	char				 minted[CHALLENGE_HEX + 1];
	int64_t				 exp;
	size_t				 len, hlen;
	int				 dflt, rc = 1;

	if (cmd_open(a->dir, 1, &env) == -1)
		return 1;
	/* profiles: the default one answers to "default" as well as "". */
	dflt = strcmp(a->profile, "default") == 0;
	if ((pf = server_profile(env.srv, dflt ? NULL : a->profile,
	    dflt ? 0 : strlen(a->profile))) == NULL) {
		log_warnx("mobileconfig: no profile \"%s\" in %s", a->profile,
		    env.srv->conf->path);
		goto out;
	}
	if (!pf->conf->enabled) {
		log_warnx("mobileconfig: profile \"%s\" is disabled: %s",
		    a->profile, pf->conf->disabled_reason != NULL ?
		    pf->conf->disabled_reason : "no reason given");
		goto out;
	}
	/*
	 * Without --challenge: the static secret if this host knows it, a
	 * fresh one-time challenge for a dynamic profile (one profile per
	 * device, then), else none: the operator or the MDM adds it.
	 */
	chal = a->challenge;
	if (chal == NULL && pf->conf->policy.challenge_mode ==
	    CONF_CHALLENGE_STATIC)
		chal = pf->conf->policy.challenge;
	else if (chal == NULL && pf->conf->policy.challenge_mode ==
	    CONF_CHALLENGE_DYNAMIC) {
		if (challenge_mint(env.store, pf->conf, 0, NULL, minted,
		    &exp) == -1)
			goto out;
		chal = minted;
		log_info("mobileconfig: embedded a one-time challenge for "
		    "one device, valid %d s", pf->conf->policy.challenge_ttl);
	}
	if (chal == NULL && (pf->conf->policy.challenge_mode ==
	    CONF_CHALLENGE_STATIC))
		log_warnx("mobileconfig: profile \"%s\" wants a challenge and "
		    "none was given: devices will be refused", a->profile);
	if ((url = mcfg_url(env.srv->conf, a->url, a->profile, dflt)) ==
	    NULL || (ident = mcfg_ident(url, a->profile)) == NULL ||
	    (host = mcfg_url_host(url, &hlen)) == NULL)
		goto out;
	if (asprintf(&display, "SCEP: %s at %.*s", a->profile, (int)hlen,
	    host) == -1) {
		log_warn("mobileconfig");
		display = NULL;
		goto out;
	}
	memset(&o, 0, sizeof(o));
	o.url = url;
	o.name = a->profile;
	o.challenge = chal;
	o.subject = a->subject;
	o.keysize = a->keysize;
	/* A general-purpose identity: VPN and 802.1X sign, mail decrypts. */
	o.key_usage = 5;
	/*
	 * XXX For an imported sub-CA the root payload should carry the
	 * chain's self-signed root (and the sub-CA a pkcs1 payload); today
	 * it carries the profile's CA, which is right for our own CAs.
	 */
	o.ca_der = pf->sca->cader;
	o.ca_dersz = pf->sca->caderlen;
	o.identifier = ident;
	o.display_name = display;
	if ((xml = mobileconfig_build(&o, &len)) == NULL)
		goto out;
	if (mcfg_write(a->out, xml, len, chal != NULL) == -1)
		goto out;
	rc = 0;
 out:
	free(xml);
	free(display);
	free(ident);
	free(url);
	explicit_bzero(minted, sizeof(minted));
	cmd_close(&env);
	return rc;
}

int
cmd_mobileconfig(int argc, char *argv[])
{
	static const struct option opts[] = {
		{ "challenge", required_argument, NULL, 'c' },
		{ "dir", required_argument, NULL, 'd' },
		{ "help", no_argument, NULL, 'h' },
		{ "keysize", required_argument, NULL, 'k' },
		{ "out", required_argument, NULL, 'o' },
		{ "profile", required_argument, NULL, 'p' },
		{ "subject", required_argument, NULL, 's' },
		{ "url", required_argument, NULL, 'u' },
		{ NULL, 0, NULL, 0 }
	};
	struct mcfg_args	 a = {
		.dir = CMD_DEFAULT_DIR,
		.profile = "default",
		.keysize = 2048,
	};
	char			*end;
	long			 n;
	int			 ch;

	while ((ch = getopt_long(argc, argv, "d:ho:", opts, NULL)) != -1) {
		switch (ch) {
		case 'c': a.challenge = optarg; break;
		case 'd': a.dir = optarg; break;
		case 'o': a.out = optarg; break;
		case 'p': a.profile = optarg; break;
		case 's': a.subject = optarg; break;
		case 'u': a.url = optarg; break;
		case 'k':
			n = strtol(optarg, &end, 10);
			if (*end != '\0' || (n != 1024 && n != 2048 &&
			    n != 4096)) {
				log_warnx("--keysize: Apple takes 1024, 2048 "
				    "or 4096");
				return 2;
			}
			a.keysize = (int)n;
			break;
		case 'h':
			mcfg_usage(stdout);
			return 0;
		default:
			mcfg_usage(stderr);
			return 2;
		}
	}
	if (optind != argc) {
		mcfg_usage(stderr);
		return 2;
	}
	/* A longer one could never match: csr.c caps what it reads. */
	if (a.challenge != NULL && (a.challenge[0] == '\0' ||
	    strlen(a.challenge) > CSR_CHALLENGE_MAX)) {
		log_warnx("--challenge: want 1 to %d bytes",
		    CSR_CHALLENGE_MAX);
		return 2;
	}
	return mcfg_run(&a);
}
