#!/usr/bin/env python3
# SPDX-License-Identifier: ISC
"""confnames.py FILE: print the dotted name of every setting of a
libconfig file (scepd.conf), one per line, sorted; comments (#, //,
/* */) are skipped, so settings shown commented out do not count.
"http: { listen = ...; };" gives "http.listen".  For
tests/integration/service.sh, which compares what "scepd init" writes
with contrib/scepd.conf.sample.  Standard library only.
"""
import re
import sys

TOKEN = re.compile(r'''
    (?P<ws>\s+)
  | (?P<comment>\#[^\n]*|//[^\n]*|/\*.*?\*/)
  | (?P<string>"(?:[^"\\]|\\.)*")
  | (?P<name>[A-Za-z*][-A-Za-z0-9_*]*)
  | (?P<punct>[=:;,{}()\[\]])
  | (?P<other>[^\s"#/=:;,{}()\[\]]+|/)
''', re.VERBOSE | re.DOTALL)


def tokens(text):
    for m in TOKEN.finditer(text):
        kind = m.lastgroup
        if kind not in ("ws", "comment"):
            yield kind, m.group()


def names(text):
    out, path, depth = set(), [], 0    # depth: nesting of [ ] and ( )
    toks = list(tokens(text))
    i = 0
    while i < len(toks):
        kind, v = toks[i]
        nxt = toks[i + 1][1] if i + 1 < len(toks) else None
        if depth == 0 and kind == "name" and nxt in ("=", ":"):
            after = toks[i + 2][1] if i + 2 < len(toks) else None
            if after == "{":
                path.append(v)
                i += 3
                continue
            out.add(".".join(path + [v]))
            i += 2
            continue
        if v in ("[", "("):
            depth += 1
        elif v in ("]", ")"):
            depth -= 1
        elif v == "}" and depth == 0 and path:
            path.pop()
        i += 1
    return sorted(out)


def main():
    with open(sys.argv[1]) as f:
        for n in names(f.read()):
            print(n)


if __name__ == "__main__":
    main()
