/*	SPDX-License-Identifier: ISC */
/*
 * cmd_mobileconfig.c: "scepd mobileconfig": write an Apple configuration
 * profile that makes an iPhone, iPad or Mac trust the CA and enroll
 * with this server.  mobileconfig_profile.c makes the URL, names and
 * plist (the admin API serves the same); this file picks the profile,
 * CA and challenge from the data directory and writes the bytes.
 */
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

static int
mcfg_run(const struct mcfg_args *a)
{
	struct cmd_env			 env;
	struct mobileconfig_profile_opts o;
	const struct server_profile	*pf;
	char				*xml = NULL;
	const char			*chal;
	char				 minted[CHALLENGE_HEX + 1];
	int64_t				 exp;
	size_t				 len;
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
	if (a->url == NULL && env.srv->conf->public_url == NULL) {
		log_warnx("mobileconfig: no --url, and %s sets no public_url",
		    env.srv->conf->path);
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
	memset(&o, 0, sizeof(o));
	o.public_url = env.srv->conf->public_url;
	o.url = a->url;
	o.name = a->profile;
	o.dflt = dflt;
	o.challenge = chal;
	o.subject = a->subject;
	o.keysize = a->keysize;
	o.ca_der = pf->sca->cader;
	o.ca_dersz = pf->sca->caderlen;
	if ((xml = mobileconfig_profile(&o, &len)) == NULL)
		goto out;
	if (mcfg_write(a->out, xml, len, chal != NULL) == -1)
		goto out;
	rc = 0;
 out:
	free(xml);
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
