/*	SPDX-License-Identifier: ISC */
/*
 * cmd_ca.c: "scepd ca ...": the CAs of a data directory.  create makes
 * a new self-signed CA (RSA or EC), import takes a sub-CA made
 * elsewhere, create-ra issues the RA certificate that speaks SCEP for
 * a CA (and lets an EC CA serve SCEP at all), ocsp-signer a delegated
 * OCSP responder certificate, list shows what the configuration holds.
 * Key material goes to new files in the directory; the configuration
 * lines that enable it are printed, never edited in place.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "action.h"
#include "ca.h"
#include "cmd.h"
#include "log.h"
#include "util.h"

struct ca_opts {
	const char	*dir;
	const char	*ca;		/* --ca: which configured CA */
	const char	*cn;
	const char	*key;		/* --key: rsa:2048, ec:P-256, ... */
	const char	*cert;		/* import: --cert, --key-file, --chain */
	const char	*keyfile;
	const char	*chain;
	int		 days;
};

static void
ca_usage(FILE *fp)
{
	fprintf(fp, "usage: scepd ca list [-d DIR]\n"
	    "       scepd ca create NAME [--key rsa:2048|rsa:3072|rsa:4096|"
	    "ec:P-256|ec:P-384]\n"
	    "                 [--cn CN] [--days N] [-d DIR]\n"
	    "       scepd ca import NAME --cert FILE --key-file FILE "
	    "[--chain FILE] [-d DIR]\n"
	    "       scepd ca create-ra [--ca NAME] [--cn CN] [--days N] "
	    "[-d DIR]\n"
	    "       scepd ca ocsp-signer [--ca NAME] [--days N] [-d DIR]\n\n"
	    "create, import: DIR/NAME.pem and NAME.key (0600), then add the "
	    "printed\n  lines to scepd.conf.  create-ra: DIR/<ca>-ra.pem and "
	    "-ra.key, an RSA RA\n  (digitalSignature, keyEncipherment, "
	    "Certificate Request Agent) that opens\n  and signs SCEP messages "
	    "for the CA; an EC CA needs one.  ocsp-signer:\n  DIR/<ca>-ocsp.pem "
	    "and -ocsp.key (DIR/ocsp.pem for the default CA).\n");
}

static const struct conf_ca *
ca_find(const struct conf *c, const char *name)
{
	size_t i;

	for (i = 0; i < c->ncas; i++)
		if (strcmp(c->cas[i].name, name) == 0)
			return &c->cas[i];
	log_warnx("no CA named \"%s\" in %s", name, c->path);
	return NULL;
}

/* "DIR/<base><suffix>", or for the default CA "DIR/<dflt>". */
static char *
ca_path(const struct conf *c, const char *ca, const char *suffix,
    const char *dflt)
{
	char *p;

	if (strcmp(ca, CONF_DEFAULT) == 0 && dflt != NULL) {
		if (asprintf(&p, "%s/%s", c->dir, dflt) == -1)
			return NULL;
	} else if (asprintf(&p, "%s/%s%s", c->dir, ca, suffix) == -1)
		return NULL;
	return p;
}

static int
ca_list(const struct ca_opts *o)
{
	struct conf	*c;
	struct ca	*ca;
	char		 subj[256], fp[3 * 64];
	size_t		 i;

	if ((c = cmd_conf(o->dir)) == NULL)
		return 1;
	for (i = 0; i < c->ncas; i++) {
		if ((ca = ca_load_bare(c->cas[i].cert, c->cas[i].key)) == NULL)
			continue;
		ca_subject_oneline(ca, subj, sizeof(subj));
		ca_fingerprint(ca, fp, sizeof(fp));
		printf("%s\t%s\t%s\t%s\t%s\n", c->cas[i].name, subj,
		    ca_key_type(ca), c->cas[i].ra_cert != NULL ? "ra" : "-",
		    fp);
		ca_free(ca);
	}
	conf_free(c);
	return 0;
}

/*
 * Record "action" on CA "name" in the data directory's audit log,
 * where there is one to open ("ok" 0: it failed).
 */
static void
ca_audit(const struct ca_opts *o, const char *action, const char *name,
    int ok)
{
	struct cmd_env		env;
	struct action_ctx	x;
	char			target[96];

	if (cmd_open(o->dir, 0, &env) == -1) {
		log_warnx("%s %s: no store to audit it in", action, name);
		return;
	}
	action_ctx_cli(&x, env.store, NULL);
	snprintf(target, sizeof(target), "ca:%s", name);
	if (action_note(&x, action, target, NULL, ok ? "ok" : "failed") !=
	    ACTION_OK)
		log_warnx("%s %s: %s", action, name, x.why);
	cmd_close(&env);
}

static int
ca_create_cmd(const struct ca_opts *o, const char *name)
{
	char	*cert = NULL, *key = NULL;
	int	 rc = 1;

	if (asprintf(&cert, "%s/%s.pem", o->dir, name) == -1 ||
	    asprintf(&key, "%s/%s.key", o->dir, name) == -1)
		goto out;
	if (ca_create(cert, key, o->cn != NULL ? o->cn : name,
	    o->key != NULL ? o->key : "rsa:2048", o->days > 0 ? o->days :
	    3650) == -1) {
		ca_audit(o, "ca.create", name, 0);
		goto out;
	}
	ca_audit(o, "ca.create", name, 1);
	printf("wrote %s and %s\nadd to scepd.conf:\ncas: {\n  %s: {\n"
	    "    cert = \"%s.pem\";\n    key = \"%s.key\";\n", cert, key, name,
	    name, name);
	if (o->key != NULL && strncmp(o->key, "ec:", 3) == 0)
		printf("    # an EC CA needs an RA for key transport "
		    "(scepd ca create-ra --ca %s);\n    # without one, "
		    "clients must send PWRI under a static challenge\n",
		    name);
	printf("  };\n};\n");
	rc = 0;
 out:
	free(cert);
	free(key);
	return rc;
}

static int
ca_import_cmd(const struct ca_opts *o, const char *name)
{
	if (o->cert == NULL || o->keyfile == NULL) {
		log_warnx("ca import: --cert and --key-file are required");
		return 2;
	}
	if (ca_import(o->cert, o->keyfile, o->chain, o->dir, name) == -1) {
		ca_audit(o, "ca.import", name, 0);
		return 1;
	}
	ca_audit(o, "ca.import", name, 1);
	printf("imported %s into %s\nadd to scepd.conf:\ncas: {\n  %s: {\n"
	    "    cert = \"%s.pem\";\n    key = \"%s.key\";\n", o->cert, o->dir,
	    name, name, name);
	printf("    # chain = \"%s-chain.pem\";  (written if a chain came "
	    "with it)\n  };\n};\n", name);
	return 0;
}

/* create-ra and ocsp-signer: a service certificate of a configured CA. */
static int
ca_service_cmd(const struct ca_opts *o, int ra)
{
	const struct conf_ca	*cc;
	struct conf		*c;
	struct ca		*ca = NULL;
	char			*cert = NULL, *key = NULL;
	const char		*name = o->ca != NULL ? o->ca : CONF_DEFAULT;
	int			 rc = 1;

	if ((c = cmd_conf(o->dir)) == NULL)
		return 1;
	if ((cc = ca_find(c, name)) == NULL ||
	    (ca = ca_load_bare(cc->cert, cc->key)) == NULL)
		goto out;
	cert = ca_path(c, name, ra ? "-ra.pem" : "-ocsp.pem", ra ? "ra.pem" :
	    "ocsp.pem");
	key = ca_path(c, name, ra ? "-ra.key" : "-ocsp.key", ra ? "ra.key" :
	    "ocsp.key");
	if (cert == NULL || key == NULL)
		goto out;
	if ((ra ? ca_create_ra(ca, cert, key, o->cn, o->days > 0 ? o->days :
	    730) : ca_create_ocsp_signer(ca, cert, key, o->days > 0 ?
	    o->days : 90)) == -1)
		goto out;
	printf("wrote %s and %s\nadd to %s (in %s) and restart or reload "
	    "scepd serve:\n", cert, key, c->path, strcmp(name, CONF_DEFAULT) ?
	    "cas.<name>" : "the top level");
	if (ra)
		printf("  ra_cert = \"%s\";\n  ra_key = \"%s\";\n",
		    strrchr(cert, '/') + 1, strrchr(key, '/') + 1);
	else if (strcmp(name, CONF_DEFAULT) == 0)
		printf("ocsp: {\n  signer_cert = \"%s\";\n  signer_key = "
		    "\"%s\";\n};\n", strrchr(cert, '/') + 1,
		    strrchr(key, '/') + 1);
	else
		printf("  ocsp_signer_cert = \"%s\";\n  ocsp_signer_key = "
		    "\"%s\";\n", strrchr(cert, '/') + 1, strrchr(key, '/') + 1);
	rc = 0;
 out:
	free(cert);
	free(key);
	ca_free(ca);
	conf_free(c);
	return rc;
}

static int
ca_getopt(int argc, char *argv[], struct ca_opts *o)
{
	static const struct option opts[] = {
		{ "dir", required_argument, NULL, 'd' },
		{ "days", required_argument, NULL, 'n' },
		{ "ca", required_argument, NULL, 'a' },
		{ "cn", required_argument, NULL, 'c' },
		{ "key", required_argument, NULL, 'k' },
		{ "cert", required_argument, NULL, 'C' },
		{ "key-file", required_argument, NULL, 'K' },
		{ "chain", required_argument, NULL, 'H' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	char	*end;
	long	 days;
	int	 ch;

	while ((ch = getopt_long(argc, argv, "d:h", opts, NULL)) != -1) {
		switch (ch) {
		case 'd': o->dir = optarg; break;
		case 'a': o->ca = optarg; break;
		case 'c': o->cn = optarg; break;
		case 'k': o->key = optarg; break;
		case 'C': o->cert = optarg; break;
		case 'K': o->keyfile = optarg; break;
		case 'H': o->chain = optarg; break;
		case 'n':
			days = strtol(optarg, &end, 10);
			if (*end != '\0' || days < 1 || days > 36500) {
				log_warnx("--days: want 1 to 36500");
				return 2;
			}
			o->days = (int)days;
			break;
		case 'h':
			ca_usage(stdout);
			return 0;
		default:
			ca_usage(stderr);
			return 2;
		}
	}
	return -1;
}

int
cmd_ca(int argc, char *argv[])
{
	struct ca_opts	 o = { .dir = CMD_DEFAULT_DIR };
	const char	*verb, *name;
	int		 rc;

	if ((rc = ca_getopt(argc, argv, &o)) != -1)
		return rc;
	verb = optind < argc ? argv[optind] : "";
	name = optind + 1 < argc ? argv[optind + 1] : NULL;
	if (o.key != NULL && !ca_keyspec_ok(o.key)) {
		log_warnx("--key \"%s\": want rsa:2048, rsa:3072, rsa:4096, "
		    "ec:P-256 or ec:P-384", o.key);
		return 2;
	}
	if (strcmp(verb, "list") == 0 && optind + 1 == argc)
		return ca_list(&o);
	if ((strcmp(verb, "create") == 0 || strcmp(verb, "import") == 0) &&
	    optind + 2 == argc) {
		if (strlen(name) > CONF_NAME_MAX || strspn(name,
		    "abcdefghijklmnopqrstuvwxyz0123456789_-") != strlen(name) ||
		    strcmp(name, CONF_DEFAULT) == 0) {
			log_warnx("CA name \"%s\": want a-z 0-9 _ -, not "
			    "\"default\"", name);
			return 2;
		}
		return verb[1] == 'r' ? ca_create_cmd(&o, name) :
		    ca_import_cmd(&o, name);
	}
	if (strcmp(verb, "create-ra") == 0 && optind + 1 == argc)
		return ca_service_cmd(&o, 1);
	if (strcmp(verb, "ocsp-signer") == 0 && optind + 1 == argc)
		return ca_service_cmd(&o, 0);
	ca_usage(stderr);
	return 2;
}
