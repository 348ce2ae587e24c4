#!/usr/bin/env python3
# SPDX-License-Identifier: ISC
"""plistcheck.py: read a .mobileconfig the way Apple's tools do (a strict
XML plist parser, plistlib) and check what scepd promised to put in it.
Used by tests/unit/test_mobileconfig.c; exits 0 when every check holds,
1 with one line per broken check otherwise.  When xmllint is installed
the file must also be well-formed XML to it (--noout).

usage: plistcheck.py PROFILE --ca-der FILE --url URL --subject JSON
           [--challenge C | --no-challenge] [--name N] [--keysize N]
           [--key-usage N] [--identifier ID] [--san-dns NAME ...]
           [--ca-name NAME]
"""
import argparse
import hashlib
import json
import plistlib
import shutil
import subprocess
import sys
import uuid

SCEP = "com.apple.security.scep"
ROOT = "com.apple.security.root"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("profile")
    ap.add_argument("--ca-der", required=True)
    ap.add_argument("--url", required=True)
    ap.add_argument("--subject", required=True, help="JSON, Apple's form")
    ap.add_argument("--challenge")
    ap.add_argument("--no-challenge", action="store_true")
    ap.add_argument("--name")
    ap.add_argument("--keysize", type=int, default=2048)
    ap.add_argument("--key-usage", type=int, default=5)
    ap.add_argument("--identifier")
    ap.add_argument("--san-dns", nargs="*")
    ap.add_argument("--ca-name", help="the root payload's display name")
    a = ap.parse_args()
    bad = []

    def check(ok, what):
        if not ok:
            bad.append(what)
        return ok

    with open(a.ca_der, "rb") as f:
        der = f.read()
    with open(a.profile, "rb") as f:
        raw = f.read()
    try:
        top = plistlib.loads(raw, fmt=plistlib.FMT_XML)
    except Exception as e:  # any parse failure is the finding
        print(f"plistcheck: not an XML plist: {e}")
        return 1

    xmllint = shutil.which("xmllint")
    if xmllint is not None:
        r = subprocess.run([xmllint, "--noout", "--nonet", a.profile],
                           capture_output=True, text=True)
        check(r.returncode == 0, f"xmllint: {r.stderr.strip()}")
    else:
        print("plistcheck: xmllint not installed, XML check skipped")

    uuids = []
    idents = []

    def common(p, typ):
        for k in ("PayloadType", "PayloadVersion", "PayloadUUID",
                  "PayloadIdentifier", "PayloadDisplayName"):
            check(k in p, f"{typ}: no {k}")
        check(p.get("PayloadType") == typ, f"PayloadType {p.get('PayloadType')!r}, want {typ}")
        check(p.get("PayloadVersion") == 1, f"{typ}: PayloadVersion {p.get('PayloadVersion')!r}")
        u = p.get("PayloadUUID", "")
        try:
            check(uuid.UUID(u).version == 4 and u == u.upper(),
                  f"{typ}: PayloadUUID {u!r} not an upper-case v4 UUID")
        except ValueError:
            check(False, f"{typ}: PayloadUUID {u!r} not a UUID")
        uuids.append(u)
        idents.append(p.get("PayloadIdentifier"))

    if not check(isinstance(top, dict), "top level is not a dict"):
        return report(bad)
    common(top, "Configuration")
    if a.identifier is not None:
        check(top.get("PayloadIdentifier") == a.identifier,
              f"PayloadIdentifier {top.get('PayloadIdentifier')!r}")
    content = top.get("PayloadContent")
    if not check(isinstance(content, list) and len(content) == 2,
                 "PayloadContent is not a list of two payloads"):
        return report(bad)
    by_type = {p.get("PayloadType"): p for p in content if isinstance(p, dict)}
    check(set(by_type) == {SCEP, ROOT}, f"payload types {sorted(by_type, key=str)}")
    root, scep = by_type.get(ROOT, {}), by_type.get(SCEP, {})
    common(root, ROOT)
    common(scep, SCEP)
    check(len(set(uuids)) == 3, f"PayloadUUIDs not unique: {uuids}")
    check(len(set(idents)) == 3, f"PayloadIdentifiers not unique: {idents}")
    for i in idents[1:]:
        check(isinstance(i, str) and i.startswith(str(idents[0]) + "."),
              f"payload identifier {i!r} not under {idents[0]!r}")

    check(root.get("PayloadContent") == der, "root PayloadContent != CA DER")
    if a.ca_name is not None:
        check(root.get("PayloadDisplayName") == a.ca_name,
              f"root PayloadDisplayName {root.get('PayloadDisplayName')!r}")

    c = scep.get("PayloadContent")
    if not check(isinstance(c, dict), "SCEP PayloadContent is not a dict"):
        return report(bad)
    check(c.get("URL") == a.url, f"URL {c.get('URL')!r}")
    if a.no_challenge:
        check("Challenge" not in c, "Challenge present")
    if a.challenge is not None:
        check(c.get("Challenge") == a.challenge,
              f"Challenge {c.get('Challenge')!r}, want {a.challenge!r}")
    if a.name is not None:
        check(c.get("Name") == a.name, f"Name {c.get('Name')!r}")
    want_subject = json.loads(a.subject)
    check(c.get("Subject") == want_subject,
          f"Subject {c.get('Subject')!r}, want {want_subject!r}")
    sub = c.get("Subject")
    check(isinstance(sub, list) and all(
        isinstance(rdn, list) and rdn and all(
            isinstance(p, list) and len(p) == 2 and
            all(isinstance(x, str) for x in p) for p in rdn)
        for rdn in sub), "Subject is not an array of arrays of pairs")
    check(c.get("Keysize") == a.keysize, f"Keysize {c.get('Keysize')!r}")
    check(c.get("Key Type") == "RSA", f"Key Type {c.get('Key Type')!r}")
    check(c.get("Key Usage") == a.key_usage, f"Key Usage {c.get('Key Usage')!r}")
    check(isinstance(c.get("Retries"), int), "Retries missing")
    check(isinstance(c.get("RetryDelay"), int), "RetryDelay missing")
    check(c.get("CAFingerprint") == hashlib.sha1(der).digest(),
          "CAFingerprint != SHA-1 of the CA DER")
    if a.san_dns:
        check(c.get("SubjectAltName") == {"dNSName": a.san_dns},
              f"SubjectAltName {c.get('SubjectAltName')!r}")
    else:
        check("SubjectAltName" not in c, "SubjectAltName present")
    return report(bad)


def report(bad):
    for b in bad:
        print(f"plistcheck: {b}")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
