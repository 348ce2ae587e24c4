#!/usr/bin/env python3
# SPDX-License-Identifier: ISC
"""intune_records.py: read what tools/intune_standin.py recorded, for the shell tests.

  intune_records.py RECORDS count SUFFIX
      how many requests went to a path ending in SUFFIX
  intune_records.py RECORDS field SUFFIX KEY [INDEX]
      the value at KEY (dotted: headers.api-version, json.request.transactionId,
      form.scope, method, path) of the INDEX-th such request (default -1, the
      last); strings as they are, anything else as JSON; exit 1 if absent
  intune_records.py RECORDS distinct SUFFIX KEY
      how many different values KEY took over those requests
"""
import json
import sys
import urllib.parse


def load(path, suffix):
    out = []
    try:
        with open(path) as f:
            for line in f:
                r = json.loads(line)
                if urllib.parse.urlsplit(r["path"]).path.endswith(suffix):
                    try:
                        r["json"] = json.loads(r["body"]) if r["body"] else None
                    except ValueError:
                        r["json"] = None
                    r["form"] = {k: v[0] for k, v in urllib.parse.parse_qs(r["body"]).items()}
                    out.append(r)
    except FileNotFoundError:
        pass
    return out


def dig(r, key):
    v = r
    for part in key.split("."):
        if isinstance(v, dict) and part in v:
            v = v[part]
        else:
            raise KeyError(key)
    return v


def main():
    path, cmd, suffix = sys.argv[1:4]
    recs = load(path, suffix)
    if cmd == "count":
        print(len(recs))
        return 0
    key = sys.argv[4]
    if cmd == "distinct":
        print(len({json.dumps(dig(r, key)) for r in recs}))
        return 0
    idx = int(sys.argv[5]) if len(sys.argv) > 5 else -1
    try:
        v = dig(recs[idx], key)
    except (IndexError, KeyError):
        return 1
    print(v if isinstance(v, str) else json.dumps(v))
    return 0


if __name__ == "__main__":
    sys.exit(main())
