/*	SPDX-License-Identifier: ISC */
/*
 * fuzz.h: the libFuzzer entry point every tests/fuzz target defines,
 * declared so that -Wmissing-prototypes holds.  Built either against
 * libFuzzer (-DSCEPD_FUZZ=ON, scripts/fuzz.sh) or against replay.c,
 * which feeds it files or deterministic junk under plain CTest.
 */
#ifndef SCEPD_FUZZ_H
#define SCEPD_FUZZ_H

#include <stddef.h>
#include <stdint.h>

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

#endif
