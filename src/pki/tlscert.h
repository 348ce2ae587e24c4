/*	SPDX-License-Identifier: ISC */
/*
 * tlscert.h: the admin listener's own TLS certificate, made by "scepd
 * init" so that the admin listener is HTTPS out of the box (issue #11),
 * and the fingerprint an operator pins or compares.  (tlscert.c)
 */
#ifndef SCEPD_TLSCERT_H
#define SCEPD_TLSCERT_H

#include <stddef.h>

/* Room for a SHA-256 fingerprint as "AB:CD:...": 32 * 3 bytes. */
#define TLSCERT_FP_LEN	96

/*
 * A new ECDSA P-256 key (mode 0600) and a self-signed certificate for
 * it, valid "days", naming localhost, 127.0.0.1 and ::1; refuses to
 * overwrite either file.  "fp" receives the certificate's SHA-256.
 * 0 or -1 (logged).
 */
int	tlscert_create(const char *certpath, const char *keypath, int days,
	    char fp[TLSCERT_FP_LEN]);
/* The SHA-256 of the first certificate of PEM file "path": 0 or -1. */
int	tlscert_fingerprint(const char *path, char fp[TLSCERT_FP_LEN]);

#endif
