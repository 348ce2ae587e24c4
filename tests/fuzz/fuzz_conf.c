/*	SPDX-License-Identifier: ISC */
/*
 * fuzz_conf.c: libFuzzer target for the configuration file
 * (docs/configuration.md): the input is written to a file in a private
 * directory that also holds the secret files a configuration names
 * (challenge, webhook.secret, ndes.pass; world-readable.secret to be
 * refused), and conf_load() reads it with libconfig and checks it; a
 * configuration it accepts is then asked what the server asks
 * (conf_profile_find(), conf_net_match(), conf_re_match()).
 *
 * Inputs holding "@include" are skipped: libconfig would read the named
 * file (/dev/zero, a FIFO), and the administrator who writes the file
 * may read any file anyway.  A broken contract of conf.h is a crash.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "conf.h"
#include "fuzz.h"
#include "testutil.h"

static char	*fz_conf;

static void
fz_init(void)
{
	static const struct {
		const char	*name, *text;
		mode_t		 mode;
	} files[] = {
		{ "challenge", "s3cret\n", 0600 },
		{ "webhook.secret", "hmac-key\n", 0600 },
		{ "ndes.pass", "ndes\n", 0600 },
		{ "world-readable.secret", "s3cret\n", 0644 },
		{ "empty", "", 0600 },
	};
	char	*p;
	size_t	 i;

	if (fz_conf != NULL)
		return;
	fz_log_init();
	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		if ((p = tu_path(fz_dir(), files[i].name)) == NULL ||
		    tu_write_str(p, files[i].text, files[i].mode) == -1)
			abort();
		free(p);
	}
	if ((fz_conf = tu_path(fz_dir(), CONF_FILE)) == NULL)
		abort();
}

/* What server.c and policy.c ask of a configuration that loaded. */
static void
fz_use(const struct conf *c)
{
	static const char *const ips[] = { "10.1.2.3", "192.0.2.1", "::1",
	    "2001:db8::7", "not an address", "" };
	const struct conf_profile	*p;
	size_t				 i, j;

	if (c->ncas == 0 || c->nprofiles == 0 || c->path == NULL ||
	    c->dir == NULL || conf_profile_find(c, NULL) != &c->profiles[0])
		abort();
	for (i = 0; i < c->nprofiles; i++) {
		p = &c->profiles[i];
		if (p->name == NULL || conf_profile_find(c, p->name) == NULL ||
		    p->ca >= c->ncas)
			abort();
		for (j = 0; j < sizeof(ips) / sizeof(ips[0]); j++)
			(void)conf_net_match(&p->policy.nets, ips[j]);
		if (p->cert.subject_re != NULL)
			(void)conf_re_match(p->cert.subject_re,
			    "CN=device-1,O=fuzz");
		if (p->cert.san_re != NULL)
			(void)conf_re_match(p->cert.san_re, "a.example");
	}
}

/* Does "@include" appear, in any case? */
static int
fz_has_include(const uint8_t *data, size_t size)
{
	size_t	i;

	for (i = 0; i + 8 <= size; i++)
		if (data[i] == '@' && strncasecmp((const char *)data + i + 1,
		    "include", 7) == 0)
			return 1;
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct conf	*c;

	fz_init();
	if (fz_has_include(data, size))
		return 0;
	if (tu_write(fz_conf, data, size, 0644) == -1)
		abort();
	if ((c = conf_load(fz_conf)) != NULL) {
		fz_use(c);
		conf_free(c);
	}
	return 0;
}
