#!/usr/bin/env python3
"""Counts the binding layer's Rust code lines, as issue 12 measures them.

A code line is a line of a `.rs` file under a crate's `src/` that is not
blank, not a comment (`//`, `///`, `//!`, `/* ... */`, or a line that is
only a `#[doc = "..."]` attribute, the same doc comment written out) and not
inside a `#[cfg(test)]` item (the unit-test modules). Prints one line per crate and
the total; `bindings/wasm/src/platform.rs` (issue 16's platform crypto glue)
is printed on its own line and left out of the total, as the issue-12
figures leave it out. Also prints the lines of hand-written TypeScript
declarations (`.d.ts` files under `bindings/`, outside the built `pkg/`),
the other issue-12 figure: zero since the npm package's entries are
TypeScript compiled by `tsc` (`bindings/wasm/js/*.ts`).

Usage: python3 scripts/count-binding-lines.py [--json]
"""
import json
import pathlib
import re
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
CRATES = ["host", "bindings/wasm", "bindings/python", "bindings/uniffi"]
APART = {"bindings/wasm/src/platform.rs"}


def strip_comments(text):
    """The text with every comment replaced by nothing; strings are kept
    (a `//` inside a string literal is not a comment)."""
    out, i, n = [], 0, len(text)
    while i < n:
        c = text[i]
        if text.startswith("//", i):
            while i < n and text[i] != "\n":
                i += 1
        elif text.startswith("/*", i):
            depth = 0
            while i < n:
                if text.startswith("/*", i):
                    depth, i = depth + 1, i + 2
                elif text.startswith("*/", i):
                    depth, i = depth - 1, i + 2
                    if depth == 0:
                        break
                else:
                    if text[i] == "\n":
                        out.append("\n")
                    i += 1
        elif c == "r" and re.match(r'r#*"', text[i:i + 20]) and not (
                i > 0 and (text[i - 1].isalnum() or text[i - 1] == "_")):
            m = re.match(r'r(#*)"', text[i:])
            end = text.find('"' + m.group(1), i + len(m.group(0)))
            end = n if end < 0 else end + 1 + len(m.group(1))
            out.append(text[i:end])
            i = end
        elif c == '"':
            j = i + 1
            while j < n and text[j] != '"':
                j += 2 if text[j] == "\\" else 1
            out.append(text[i:j + 1])
            i = j + 1
        elif c == "'" and re.match(r"'(\\.[^']*|[^\\'])'", text[i:i + 12]):
            m = re.match(r"'(\\.[^']*|[^\\'])'", text[i:])
            out.append(m.group(0))
            i += len(m.group(0))
        else:
            out.append(c)
            i += 1
    return "".join(out)


def drop_test_items(lines):
    """The lines without each `#[cfg(test)]` item (attribute to closing brace
    or semicolon)."""
    kept, i = [], 0
    while i < len(lines):
        if lines[i].strip() == "#[cfg(test)]":
            depth, seen = 0, False
            while i < len(lines):
                depth += lines[i].count("{") - lines[i].count("}")
                seen = seen or "{" in lines[i]
                ended = (seen and depth <= 0) or (not seen and lines[i].rstrip().endswith(";"))
                i += 1
                if ended:
                    break
            continue
        kept.append(lines[i])
        i += 1
    return kept


DOC_ATTR = re.compile(r'#\[doc = "(?:[^"\\]|\\.)*"\]')


def count_file(path):
    lines = strip_comments(path.read_text(encoding="utf-8")).split("\n")
    return sum(1 for line in drop_test_items(lines)
               if line.strip() and not DOC_ATTR.fullmatch(line.strip()))


def handwritten_dts():
    """Lines of every `.d.ts` file under `bindings/` but outside a `pkg/`
    (what wasm-bindgen and tsc write there is generated), by path."""
    out = {}
    for path in sorted((ROOT / "bindings").rglob("*.d.ts")):
        rel = path.relative_to(ROOT)
        if "pkg" in rel.parts or "node_modules" in rel.parts:
            continue
        out[rel.as_posix()] = len(path.read_text(encoding="utf-8").splitlines())
    return out


def main():
    counts, apart = {}, {}
    for crate in CRATES:
        total = 0
        for path in sorted((ROOT / crate / "src").rglob("*.rs")):
            rel = path.relative_to(ROOT).as_posix()
            if rel in APART:
                apart[rel] = count_file(path)
            else:
                total += count_file(path)
        counts[crate] = total
    counts["total"] = sum(counts[c] for c in CRATES)
    dts = handwritten_dts()
    if "--json" in sys.argv[1:]:
        print(json.dumps({"crates": counts, "apart": apart, "handwritten_dts": dts}, indent=2))
        return
    for name, value in counts.items():
        print(f"{name:<18} {value:>6}")
    for name, value in apart.items():
        print(f"{name} {value:>6} (issue 16; not in the total)")
    print(f"{'hand-written .d.ts':<18} {sum(dts.values()):>6}" + "".join(f"\n  {n} {v}" for n, v in dts.items()))


if __name__ == "__main__":
    main()
