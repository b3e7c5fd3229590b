#!/usr/bin/env python3
"""Check that the generated Swift bindings are complete.

Swift cannot be compiled on this machine, so this proves the next best thing:
every scaffolding function the library exports (functions, methods,
constructors, object free/clone) is declared in the C header and called from
the Swift file; every type in the library's UniFFI metadata (records, enums,
errors, objects) is declared in Swift; every Kotlin function or method has a
Swift twin with the same name.

    check_swift.py <libsetpoll_uniffi.so> <swift dir> <generated kotlin file>
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

NAMESPACE = "setpoll_uniffi"


def exported_symbols(lib: Path) -> list[str]:
    out = subprocess.run(
        ["nm", "--defined-only", str(lib)], check=True, capture_output=True, text=True
    ).stdout
    return [line.split()[-1] for line in out.splitlines() if line.strip()]


def main(argv: list[str]) -> int:
    lib, swift_dir, kotlin_file = Path(argv[1]), Path(argv[2]), Path(argv[3])
    swift = (swift_dir / "Setpoll.swift").read_text()
    header = (swift_dir / "SetpollFFI.h").read_text()
    modulemap = (swift_dir / "SetpollFFI.modulemap").read_text()
    kotlin = kotlin_file.read_text()
    symbols = exported_symbols(lib)
    problems: list[str] = []

    if 'header "SetpollFFI.h"' not in modulemap:
        problems.append("modulemap does not name SetpollFFI.h")

    scaffolding = [s for s in symbols if s.startswith(f"uniffi_{NAMESPACE}_fn_")]
    checksums = [s for s in symbols if s.startswith(f"uniffi_{NAMESPACE}_checksum_")]
    if not scaffolding:
        problems.append("the library exports no scaffolding functions")
    for sym in scaffolding + checksums:
        if sym not in header:
            problems.append(f"{sym}: missing from SetpollFFI.h")
        # Swift derives `!=` from `==`, so the exported `ne` of an Eq trait is never called.
        if sym not in swift and not sym.endswith("_uniffi_trait_eq_ne"):
            problems.append(f"{sym}: never called from Setpoll.swift")

    swift_types = {
        re.sub(r"_", "", name).lower()
        for name in re.findall(
            r"^\s*(?:public\s+|open\s+)*(?:struct|enum|class|protocol)\s+(\w+)",
            swift,
            re.MULTILINE,
        )
    }
    meta = re.compile(rf"^UNIFFI_META_{NAMESPACE.upper()}_(RECORD|ENUM|ERROR|INTERFACE|OBJECT)_(\w+)$")
    types = [m.group(2) for m in map(meta.match, symbols) if m]
    for t in types:
        if t.lower() not in swift_types:
            problems.append(f"type {t}: not declared in Setpoll.swift")

    kotlin_funs = sorted(set(re.findall(r"\bfun `(\w+)`\(", kotlin)))
    for name in kotlin_funs:
        if not re.search(rf"\bfunc {re.escape(name)}\(", swift):
            problems.append(f"Kotlin fun {name}: no Swift func {name}(")

    for p in problems:
        print(f"swift: {p}", file=sys.stderr)
    if problems:
        return 1
    print(
        f"swift: complete ({len(scaffolding)} scaffolding functions, {len(types)} types, "
        f"{len(kotlin_funs)} Kotlin functions matched)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
