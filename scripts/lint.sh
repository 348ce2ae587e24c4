#!/usr/bin/env bash
# scripts/lint.sh: what "make lint" (and so "make check") runs.
#  1. scripts/layers.py: every #include in src/ against the layer table of
#     CMakeLists.txt (the compiler enforces the same rules one error at a
#     time; this lists them all, without building).
#  2. cppcheck over src/ (warning, portability, performance); any finding
#     fails.  A deliberate exception is marked in the code with
#     "// cppcheck-suppress <id>" and a reason.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

python3 scripts/layers.py
incs=()
for d in src src/*/; do incs+=("-I$d"); done
cppcheck -q --std=c11 --enable=warning,portability,performance \
	--library=scripts/cppcheck-openssl.cfg --inline-suppr \
	--suppress=missingIncludeSystem --error-exitcode=1 \
	-D_GNU_SOURCE -DSCEPD_VERSION='"lint"' "${incs[@]}" src
echo "lint: include rules and cppcheck clean"
