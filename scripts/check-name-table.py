#!/usr/bin/env python3
"""Checks the README's cross-language name table against the bindings as built.

Every name written in backticks in the JS, Python, Kotlin and Swift columns of
the table under "The npm package, the Python wheel and the Kotlin/Swift
bindings expose the same objects" must appear, as a whole word, in that
language's declarations: the TypeScript wasm-bindgen and tsify generate, the
`.pyi` stub (itself checked against the module by mypy.stubtest), and the
Kotlin and Swift sources uniffi-bindgen generates. So a renamed method, option
or error property fails here instead of leaving the table wrong.

Usage: python3 scripts/check-name-table.py [--js D.TS] [--py PYI] [--kotlin KT] [--swift SWIFT]
(defaults: the paths scripts/wasm/build.sh and scripts/kotlin/test.sh write).
Exits 1 naming each missing word; 2 when a declaration file is missing.
"""
import argparse
import pathlib
import re
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
# Words in the cells that are prose or a caller's variable, not API names.
NOT_NAMES = {"batch", "new", "undefined", "the", "same", "v", "json", "receiver",
             "config", "setpoll", "dev", "Setpoll", "records", "are", "dict",
             "with", "fields", "in", "snake_case"}
# Per language: names a cell mentions as what the binding does not use.
NOT_IN = {"py": {"KeyError"}}  # "`JwkError` for key errors: `KeyError` is a builtin"
COLUMNS = {"js": 1, "py": 2, "kotlin": 3, "swift": 4}


def table_rows(readme):
    lines = readme.splitlines()
    start = next(i for i, l in enumerate(lines) if l.startswith("| what | JS"))
    rows = []
    for line in lines[start + 2:]:
        if not line.startswith("|"):
            break
        rows.append([c.strip() for c in line.strip().strip("|").split("|")])
    return rows


def names(cell):
    out = set()
    for code in re.findall(r"`([^`]+)`", cell):
        for word in re.findall(r"[A-Za-z_][A-Za-z0-9_]*", code):
            if word not in NOT_NAMES:
                out.add(word)
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--js", default=ROOT / "bindings/wasm/pkg/node/setpoll.d.ts")
    ap.add_argument("--py", default=ROOT / "bindings/python/python/setpoll/_setpoll.pyi")
    ap.add_argument("--kotlin", default=ROOT / "target/kotlin/generated/dev/setpoll/setpoll.kt")
    ap.add_argument("--swift", default=ROOT / "target/kotlin/swift/Setpoll.swift")
    args = ap.parse_args()
    rows = table_rows((ROOT / "README.md").read_text(encoding="utf-8"))
    missing, checked = [], 0
    for lang, col in COLUMNS.items():
        path = pathlib.Path(getattr(args, lang))
        if not path.is_file():
            print(f"check-name-table: {path} not found (build the {lang} binding first)")
            return 2
        words = set(re.findall(r"[A-Za-z_][A-Za-z0-9_]*", path.read_text(encoding="utf-8")))
        for row in rows:
            for name in sorted(names(row[col]) - NOT_IN.get(lang, set())):
                checked += 1
                if name not in words:
                    missing.append(f"{lang}: `{name}` (row '{row[0]}') is not in {path.name}")
    for m in missing:
        print(m)
    print(f"check-name-table: {checked} names in {len(rows)} rows, {len(missing)} missing")
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main())
