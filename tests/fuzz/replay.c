/*	SPDX-License-Identifier: ISC */
/*
 * replay.c: main() for a fuzz target built without libFuzzer.  Runs
 * LLVMFuzzerTestOneInput() over every file named (a directory: each file
 * in it), so a crash reproducer or a corpus can be replayed under gdb or
 * the sanitizers; with no argument, over a fixed set of pseudo-random
 * inputs, so plain CTest exercises each target too.
 */
#include <sys/stat.h>

#include <dirent.h>
#include <err.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "testutil.h"
#include "util.h"

#define REPLAY_MAX	(1024 * 1024)	/* libFuzzer's -max_len is less */
#define REPLAY_JUNK	2000		/* inputs when given no files */

static int
replay_file(const char *path)
{
	unsigned char	*p;
	size_t		 n;

	if ((p = file_read(path, REPLAY_MAX, &n)) == NULL) {
		warn("%s", path);
		return -1;
	}
	LLVMFuzzerTestOneInput(p, n);
	free(p);
	return 0;
}

static int
replay_path(const char *path, int *count)
{
	struct stat	 st;
	struct dirent	*de;
	DIR		*d;
	char		*p;
	int		 rc = 0;

	if (stat(path, &st) == -1) {
		warn("%s", path);
		return -1;
	}
	if (!S_ISDIR(st.st_mode)) {
		(*count)++;
		return replay_file(path);
	}
	if ((d = opendir(path)) == NULL) {
		warn("%s", path);
		return -1;
	}
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		if ((p = tu_path(path, de->d_name)) == NULL)
			err(1, NULL);
		if (replay_path(p, count) == -1)
			rc = -1;
		free(p);
	}
	closedir(d);
	return rc;
}

/* Junk, some of it shaped like DER so the parsers get past byte one. */
static void
replay_junk(void)
{
	unsigned char	 buf[4096];
	size_t		 n;
	int		 i;

	for (i = 0; i < REPLAY_JUNK; i++) {
		tu_fill(buf, sizeof(buf), (uint32_t)i);
		n = (size_t)(buf[1] | buf[2] << 8) % sizeof(buf);
		if (i % 3 == 1 && n > 4) {
			buf[1] = 0x30;		/* SEQUENCE, long length */
			buf[2] = 0x82;
			buf[3] = (unsigned char)((n - 5) >> 8);
			buf[4] = (unsigned char)(n - 5);
		}
		LLVMFuzzerTestOneInput(buf, n);
	}
}

int
main(int argc, char *argv[])
{
	int i, rc = 0, count = 0;

	if (argc < 2) {
		replay_junk();
		printf("%d junk inputs, no crash\n", REPLAY_JUNK);
		return 0;
	}
	for (i = 1; i < argc; i++)
		if (replay_path(argv[i], &count) == -1)
			rc = 1;
	printf("%d inputs replayed, no crash\n", count);
	return rc;
}
