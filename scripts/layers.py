#!/usr/bin/env python3
"""scripts/layers.py: check every #include in src/ against the layer table.

The table is the scepd_layer() rows of CMakeLists.txt (cmake/layers.cmake
explains them): a file in src/<layer>/ may include headers of the folders
its row lists in DIRS ("." is src/ itself) and the libraries it lists in
LIBS.  Prints each violation as file:line and exits 1 if there is any.
"""
import os
import re
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# How each library's headers are included.
LIB_HEADERS = {
    "OPENSSL": re.compile(r"^openssl/"),
    "SQLITE": re.compile(r"^sqlite3(ext)?\.h$"),
    "PQ": re.compile(r"^(libpq-fe|libpq-events|postgres_ext)\.h$"),
    "MHD": re.compile(r"^microhttpd\.h$"),
    "LIBCONFIG": re.compile(r"^libconfig\.h$"),
    "CURL": re.compile(r"^curl/"),
    "JANSSON": re.compile(r"^jansson(_config)?\.h$"),
    "PLIST": re.compile(r"^plist/"),
    "GNUTLS": re.compile(r"^gnutls/"),
}


def layers():
    text = open(os.path.join(ROOT, "CMakeLists.txt")).read()
    rows = {}
    for m in re.finditer(r"^scepd_layer\((.*?)\)\s*$", text, re.M | re.S):
        words = m.group(1).split()
        name, key, row = words[0], None, {"DIRS": [], "LIBS": [],
                                          "SOURCES": []}
        for w in words[1:]:
            if w in row:
                key = w
            elif key is not None:
                row[key].append(w)
        rows[name] = row
    return rows


def layer_of(path, rows):
    rel = os.path.relpath(path, os.path.join(ROOT, "src"))
    folder = os.path.dirname(rel) or "."
    if folder == ".":
        return "server" if rel.startswith("server.") else None
    return folder if folder in rows else None


def includes(path):
    """(line, kind, header) of each #include in "path"."""
    out = []
    for n, line in enumerate(open(path), 1):
        m = re.match(r'\s*#\s*include\s*([<"])([^>"]+)[>"]', line)
        if m:
            out.append((n, m.group(1), m.group(2)))
    return out


def main():
    rows = layers()
    src = os.path.join(ROOT, "src")
    headers = {}
    for d, _, files in os.walk(src):
        for f in files:
            if f.endswith(".h"):
                headers.setdefault(f, []).append(os.path.relpath(d, src))
    seen = set()
    for d, _, files in os.walk(src):
        for f in sorted(files):
            if not f.endswith(".c"):
                continue
            path = os.path.join(d, f)
            name = layer_of(path, rows)
            if name is None:        # main.c: links everything
                continue
            row = rows[name]
            dirs = set(row["DIRS"]) | {os.path.relpath(d, src)}
            # This file and every project header it reaches, as the
            # compiler would find them on this layer's include path.
            todo, done = [path], set()
            while todo:
                p = todo.pop()
                if p in done:
                    continue
                done.add(p)
                for n, kind, h in includes(p):
                    where = os.path.relpath(p, ROOT)
                    if kind == '"':
                        ok = [w for w in headers.get(h, []) if w in dirs]
                        if ok:
                            todo.append(os.path.join(src, ok[0], h))
                        elif headers.get(h):
                            seen.add(f"{where}:{n}: src/{name} may not "
                                     f"include \"{h}\" (src/"
                                     f"{headers[h][0]})")
                        continue
                    for lib, pat in LIB_HEADERS.items():
                        if pat.search(h) and lib not in row["LIBS"]:
                            via = "" if p == path else \
                                f" (reached from {os.path.relpath(path, ROOT)})"
                            seen.add(f"{where}:{n}: src/{name} may not use "
                                     f"{lib} (<{h}>){via}")
    for line in sorted(seen):
        print(line)
    return 1 if seen else 0


if __name__ == "__main__":
    sys.exit(main())
