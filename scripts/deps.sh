#!/usr/bin/env bash
# scripts/deps.sh: install the Debian packages scepd needs to build, run and test.
# Idempotent: asks apt only for what is missing, runs 'apt-get update' at most once.
# Usage: scripts/deps.sh [build|check|all]   (default: build)
set -euo pipefail

build_pkgs=(build-essential cmake pkg-config libssl-dev libmicrohttpd-dev
	libsqlite3-dev libjansson-dev libconfig-dev openssl
	# the PostgreSQL store backend (store_pgsql.c)
	libpq-dev
	# webhook challenge mode: HTTP client
	libcurl4-openssl-dev
	# scepd mobileconfig: writes Apple's XML plist (escaping, <data> base64)
	libplist-dev
	# HTTPS listeners (src/http/tls.c): GnuTLS, which libmicrohttpd uses
	libgnutls28-dev)
check_pkgs=(libcmocka-dev clang libclang-rt-14-dev curl scep certmonger sqlite3
	python3
	# a throwaway PostgreSQL cluster for the store and multi-node tests
	postgresql
	# test_mobileconfig: xmllint --noout checks the profile is well-formed XML
	libxml2-utils
	# make lint: static analysis of src/
	cppcheck
	# tests/integration/metrics.sh: promtool check metrics on /metrics
	prometheus
	# tests/integration/service.sh: systemd-analyze verify on the installed
	# unit (works offline), the man pages through mandoc -T lint and
	# man --warnings (groff), col for their rendered text
	systemd mandoc man-db bsdextrautils
	# interop_strongswan.sh: strongSwan's pki --scep (the curl plugin that
	# does its HTTP is in the extra plugins)
	strongswan-pki libstrongswan-extra-plugins)

want=("${build_pkgs[@]}")
case "${1:-build}" in
build) ;;
check|all) want+=("${check_pkgs[@]}") ;;
*) echo "usage: $0 [build|check|all]" >&2; exit 2 ;;
esac

missing=()
for p in "${want[@]}"; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
		missing+=("$p")
	fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "deps: installing ${missing[*]}" >&2
SUDO=
[ "$(id -u)" -ne 0 ] && SUDO=sudo
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# certmonger's postinst wants to start its daemon; there is no init system in CI
# and the interop tests run their own daemon on a private socket, so a failed
# service start is harmless.
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
