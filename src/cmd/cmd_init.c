/*	SPDX-License-Identifier: ISC */
/*
 * cmd_init.c: "scepd init" creates a data directory (configuration,
 * CA key and certificate, challenge, store) and "scepd info" prints
 * what a device needs to enroll against it.  The directory ends up
 * 0700 and the store's files 0600, whatever was there before.
 */
#include <sys/stat.h>

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ca.h"
#include "cmd.h"
#include "conf.h"
#include "log.h"
#include "store.h"
#include "tlscert.h"
#include "util.h"

#define INIT_CHALLENGE_LEN	24	/* ~143 bits from [A-Za-z0-9] */
#define INIT_CA_DAYS		3650
/* The admin listener's self-signed certificate: replace it at will. */
#define INIT_TLS_DAYS		825
#define INIT_ADMIN_LISTEN	"127.0.0.1:8443"
#define INIT_TLS_CERT		"admin-tls.pem"
#define INIT_TLS_KEY		"admin-tls.key"

static const char init_conf_fmt[] =
"# scepd configuration (libconfig syntax; see docs/configuration.md).\n"
"# Relative paths are relative to this file's directory.\n"
"\n"
"# What \"scepd init\" printed, and what certificates will point at.\n"
"public_url = \"%s\";\n"
"\n"
"http: {\n"
"  listen = \"%s\";        # scepd serve --listen overrides\n"
"  threads = 0;                     # 0 = one per core\n"
"  max_body = 262144;               # bytes; larger POSTs get 413\n"
"  timeout = 30;                    # seconds an idle connection lives\n"
"  max_connections = 1024;\n"
"  # tls_cert = \"scep-tls.pem\";   # HTTPS for SCEP too (Intune's Windows\n"
"  # tls_key = \"scep-tls.key\";    # user-store profiles want it), 0600\n"
"};\n"
"\n"
"# The admin listener: /api/v1, /metrics, /healthz, /readyz.  Keep it on\n"
"# loopback, or give it a certificate clients trust (docs/deployment.md).\n"
"admin: {\n"
"  listen = \"" INIT_ADMIN_LISTEN "\";   # scepd serve --admin-listen overrides\n"
"  tls_cert = \"" INIT_TLS_CERT "\";     # self-signed by scepd init\n"
"  tls_key = \"" INIT_TLS_KEY "\";      # must be mode 0600\n"
"  client_certs = false;            # true: ask for a client certificate\n"
"};\n"
"\n"
"ca: {\n"
"  cert = \"ca.pem\";\n"
"  key = \"ca.key\";                  # must be mode 0600\n"
"  # chain = \"chain.pem\";           # more certificates for GetCACert\n"
"};\n"
"\n"
"challenge: {\n"
"  file = \"challenge\";              # the static challengePassword, 0600\n"
"};\n"
"\n"
"store: {\n"
"  backend = \"sqlite\";\n"
"  path = \"scepd.db\";\n"
"};\n"
"\n"
"certificate: {\n"
"  validity_days = 365;\n"
"  backdate_seconds = 300;          # tolerate device clock skew\n"
"};\n"
"\n"
"algorithms: {\n"
"  # true accepts single DES and MD5 for draft-era clients (micromdm's\n"
"  # scepclient); GetCACaps then drops SCEPStandard (RFC 8894 2.9).\n"
"  legacy = %s;\n"
"};\n"
"\n"
"keys: {\n"
"  rsa_min_bits = 2048;\n"
"  rsa_max_bits = 8192;\n"
"  ec_curves = [ \"P-256\", \"P-384\" ];\n"
"};\n";

static void
init_usage(FILE *fp)
{
	fprintf(fp, "usage: scepd init [-d DIR] [--ca-cn CN] "
	    "[--ca-key rsa:2048|rsa:3072|rsa:4096]\n"
	    "                  [--challenge SECRET] [--listen HOST:PORT] "
	    "[--public-url URL]\n"
	    "                  [--legacy]\n\n"
	    "Creates DIR (default %s) with scepd.conf, the CA key (0600) and\n"
	    "certificate, the challenge and the store, then prints the SCEP "
	    "URL and\nchallenge.  Refuses to overwrite an existing CA.  --legacy also "
	    "accepts\nsingle DES and MD5 from draft-era clients (not "
	    "SCEPStandard then).\n",
	    CMD_DEFAULT_DIR);
}

static const char *
info_mode(const struct conf_profile *p)
{
	static const char *const modes[] = { "none", "static", "dynamic",
	    "webhook" };

	return modes[p->policy.challenge_mode];
}

/* The admin listener's URL and certificate, if there is one. */
static void
info_admin(const struct conf *c)
{
	char fp[TLSCERT_FP_LEN];

	if (c->admin.listen == NULL) {
		printf("Admin URL:       (none: set admin.listen to enable)\n");
		return;
	}
	printf("Admin URL:       %s://%s/\n", c->admin.tls_cert != NULL ?
	    "https" : "http", c->admin.listen);
	if (c->admin.tls_cert == NULL)
		return;
	printf("Admin TLS cert:  %s\n", c->admin.tls_cert);
	if (tlscert_fingerprint(c->admin.tls_cert, fp) == 0)
		printf("Admin SHA-256:   %s\n", fp);
}

/* Print what a device needs: URL, challenge, CA fingerprint. */
static int
info_print(const char *dir)
{
	const struct conf_profile	*p;
	struct conf			*c;
	struct ca			*ca;
	char				 fp[3 * 64];
	size_t				 i;

	if ((c = cmd_conf(dir)) == NULL || (ca = ca_load_bare(c->cas[0].cert,
	    c->cas[0].key)) == NULL) {
		conf_free(c);
		return 1;
	}
	p = &c->profiles[0];
	ca_fingerprint(ca, fp, sizeof(fp));
	printf("SCEP URL:        %s\n", c->public_url ? c->public_url : "?");
	if (p->policy.challenge_mode == CONF_CHALLENGE_STATIC)
		printf("Challenge:       %s\n", p->policy.challenge ?
		    p->policy.challenge : "(kept hashed only)");
	else
		printf("Challenge:       (%s)\n", info_mode(p));
	printf("CA certificate:  %s\n", c->cas[0].cert);
	printf("CA SHA-256:      %s\n", fp);
	for (i = 1; i < c->nprofiles; i++) {
		p = &c->profiles[i];
		printf("Profile %s:  %s/%s  CA %s, challenge %s%s\n", p->name,
		    c->public_url ? c->public_url : "?", p->name, p->ca_name,
		    info_mode(p), p->enabled ? "" : ", disabled");
	}
	info_admin(c);
	ca_free(ca);
	conf_free(c);
	return 0;
}

static int
init_write(const char *dir, const char *name, const char *text, int mode)
{
	char	*path;
	int	 rc;

	if (asprintf(&path, "%s/%s", dir, name) == -1)
		return -1;
	if ((rc = file_write_new(path, text, strlen(text), mode)) == -1)
		log_warn("%s", path);
	free(path);
	return rc;
}

/*
 * The SQLite store and what SQLite keeps beside it, 0600 if they exist.
 * SQLite gives its -wal and -shm files the database file's own mode
 * (not the umask's), so this also keeps those private.
 */
static int
init_store_private(const struct conf_store *cs)
{
	static const char *const sfx[] = { "", "-wal", "-shm", "-journal" };
	char	*path;
	size_t	 i;
	int	 rc = 0;

	if (strcmp(cs->backend, "sqlite") != 0 || cs->path == NULL)
		return 0;
	for (i = 0; i < sizeof(sfx) / sizeof(sfx[0]); i++) {
		if (asprintf(&path, "%s%s", cs->path, sfx[i]) == -1)
			return -1;
		if (chmod(path, 0600) == -1 && errno != ENOENT) {
			log_warn("%s", path);
			rc = -1;
		}
		free(path);
	}
	return rc;
}

/* The files of a new data directory, CA first (it refuses overwrite). */
static int
init_files(const char *dir, const char *cn, const char *keyspec,
    const char *challenge, const char *listen, const char *url, int legacy)
{
	struct conf	*c;
	struct store	*st;
	char		*conf = NULL, *cert = NULL, *key = NULL, *chal = NULL;
	char		*tcert = NULL, *tkey = NULL, fp[TLSCERT_FP_LEN];
	int		 rc = -1;

	if (asprintf(&cert, "%s/ca.pem", dir) == -1 ||
	    asprintf(&key, "%s/ca.key", dir) == -1 ||
	    asprintf(&tcert, "%s/" INIT_TLS_CERT, dir) == -1 ||
	    asprintf(&tkey, "%s/" INIT_TLS_KEY, dir) == -1 ||
	    asprintf(&conf, init_conf_fmt, url, listen,
	    legacy ? "true" : "false") == -1 ||
	    asprintf(&chal, "%s\n", challenge) == -1)
		goto out;
	if (access(cert, F_OK) == 0 || access(key, F_OK) == 0) {
		log_warnx("%s: a CA exists already; not overwriting it", dir);
		goto out;
	}
	if (ca_create(cert, key, cn, keyspec, INIT_CA_DAYS) == -1 ||
	    tlscert_create(tcert, tkey, INIT_TLS_DAYS, fp) == -1 ||
	    init_write(dir, "challenge", chal, 0600) == -1 ||
	    init_write(dir, CONF_FILE, conf, 0644) == -1 ||
	    (c = cmd_conf(dir)) == NULL)
		goto out;
	st = store_open(&c->store, 1);
	store_close(st);
	rc = st == NULL || init_store_private(&c->store) == -1 ? -1 : 0;
	conf_free(c);
 out:
	if (chal != NULL)
		explicit_bzero(chal, strlen(chal));
	free(chal);
	free(conf);
	free(cert);
	free(key);
	free(tcert);
	free(tkey);
	return rc;
}

int
cmd_init(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "dir", required_argument, NULL, 'd' },
		{ "ca-cn", required_argument, NULL, 'n' },
		{ "ca-key", required_argument, NULL, 'k' },
		{ "challenge", required_argument, NULL, 'c' },
		{ "listen", required_argument, NULL, 'l' },
		{ "public-url", required_argument, NULL, 'u' },
		{ "legacy", no_argument, NULL, 'L' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char	*dir = CMD_DEFAULT_DIR, *cn = "scepd CA";
	const char	*keyspec = "rsa:2048", *listen = CONF_LISTEN_DEFAULT;
	const char	*url = NULL;
	char		 token[INIT_CHALLENGE_LEN + 1], *challenge = NULL;
	char		*defurl = NULL;
	int		 ch, rc, legacy = 0;

	while ((ch = getopt_long(argc, argv, "d:h", opts, NULL)) != -1) {
		switch (ch) {
		case 'd': dir = optarg; break;
		case 'L': legacy = 1; break;
		case 'n': cn = optarg; break;
		case 'k': keyspec = optarg; break;
		case 'c': challenge = optarg; break;
		case 'l': listen = optarg; break;
		case 'u': url = optarg; break;
		case 'h': init_usage(stdout); return 0;
		default: init_usage(stderr); return 2;
		}
	}
	if (optind != argc) {
		init_usage(stderr);
		return 2;
	}
	if (challenge != NULL && (*challenge == '\0' || strlen(challenge) >
	    CSR_CHALLENGE_MAX || strpbrk(challenge, "\r\n") != NULL)) {
		log_warnx("--challenge: want one line of 1 to 255 bytes");
		return 2;
	}
	if (challenge == NULL) {
		if (rand_token(token, INIT_CHALLENGE_LEN) == -1)
			fatalx("no randomness for the challenge");
		challenge = token;
	}
	if (url == NULL) {
		if (asprintf(&defurl, "http://%s/scep", listen) == -1)
			fatal("asprintf");
		url = defurl;
	}
	/* An existing directory too: it is to hold the CA key. */
	if ((mkdir(dir, 0700) == -1 && errno != EEXIST) ||
	    chmod(dir, 0700) == -1) {
		log_warn("%s", dir);
		free(defurl);
		return 1;
	}
	rc = init_files(dir, cn, keyspec, challenge, listen, url, legacy);
	free(defurl);
	explicit_bzero(token, sizeof(token));
	if (rc == -1)
		return 1;
	printf("Initialised %s\n", dir);
	return info_print(dir);
}

int
cmd_info(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "dir", required_argument, NULL, 'd' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char	*dir = CMD_DEFAULT_DIR;
	int		 ch;

	while ((ch = getopt_long(argc, argv, "d:h", opts, NULL)) != -1) {
		switch (ch) {
		case 'd': dir = optarg; break;
		case 'h':
			printf("usage: scepd info [-d DIR]\n");
			return 0;
		default:
			fprintf(stderr, "usage: scepd info [-d DIR]\n");
			return 2;
		}
	}
	return info_print(dir);
}
