/*	SPDX-License-Identifier: ISC */
/*
 * rssfloor.c: the resident set of a program that does nothing but load
 * the libraries scepd cannot do without (OpenSSL's libcrypto,
 * libmicrohttpd, SQLite), sign once with an RSA-2048 key, open an SQLite
 * database and start an HTTP daemon on a loopback port.  bench/run.sh
 * prints it beside scepd's: the part of scepd's RSS that the foundations
 * chosen for it cost before any code of its own runs (issue #6).
 *
 * rssfloor DIR: prints "VmRSS_kB RssFile_kB" and exits.
 */
#include <stdio.h>
#include <string.h>

#include <microhttpd.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <sqlite3.h>

static enum MHD_Result
rssfloor_answer(void *cls, struct MHD_Connection *c, const char *url,
    const char *method, const char *version, const char *data, size_t *sz,
    void **ctx)
{
	return MHD_NO;
}

int
main(int argc, char *argv[])
{
	EVP_PKEY		*key = NULL;
	EVP_PKEY_CTX		*ctx = NULL;
	struct MHD_Daemon	*d = NULL;
	sqlite3			*db = NULL;
	unsigned char		 md[32] = { 1 }, sig[512];
	size_t			 siglen = sizeof(sig);
	char			 path[4096], line[256];
	long			 rss = -1, file = -1;
	FILE			*f;
	int			 rc = 1;

	if (argc != 2)
		return 2;
	snprintf(path, sizeof(path), "%s/rssfloor.db", argv[1]);
	if ((key = EVP_RSA_gen(2048)) == NULL ||
	    (ctx = EVP_PKEY_CTX_new(key, NULL)) == NULL ||
	    EVP_PKEY_sign_init(ctx) <= 0 ||
	    EVP_PKEY_sign(ctx, sig, &siglen, md, sizeof(md)) <= 0 ||
	    sqlite3_open(path, &db) != SQLITE_OK ||
	    sqlite3_exec(db, "CREATE TABLE IF NOT EXISTS t (a)", NULL, NULL,
	    NULL) != SQLITE_OK ||
	    (d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD, 0, NULL,
	    NULL, rssfloor_answer, NULL, MHD_OPTION_END)) == NULL)
		goto out;
	if ((f = fopen("/proc/self/status", "r")) == NULL)
		goto out;
	while (fgets(line, sizeof(line), f) != NULL)
		if (sscanf(line, "VmRSS: %ld kB", &rss) != 1)
			sscanf(line, "RssFile: %ld kB", &file);
	fclose(f);
	printf("%ld %ld\n", rss, file);
	rc = rss > 0 ? 0 : 1;
 out:
	if (d != NULL)
		MHD_stop_daemon(d);
	sqlite3_close(db);
	remove(path);
	EVP_PKEY_CTX_free(ctx);
	EVP_PKEY_free(key);
	return rc;
}
