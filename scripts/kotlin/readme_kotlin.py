#!/usr/bin/env python3
"""Copy a Kotlin example out of a README so the tests compile and run it.

    readme_kotlin.py <README.md> <heading> <package> <out.kt>

Writes the first ```kotlin block under the Markdown heading `<heading>`
(the whole heading line, without the leading #s) to `<out.kt>`, declared in
`<package>`. Fails when the heading or the block is missing, so the README
cannot drop the example silently.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path


def main(argv: list[str]) -> int:
    readme, heading, package, out = Path(argv[1]), argv[2], argv[3], Path(argv[4])
    text = readme.read_text()
    section = re.search(rf"^#+ {re.escape(heading)}\n(.*?)(?=^#+ |\Z)", text, re.MULTILINE | re.DOTALL)
    if section is None:
        print(f"readme: no heading '{heading}' in {readme}", file=sys.stderr)
        return 1
    block = re.search(r"^```kotlin\n(.*?)^```", section.group(1), re.MULTILINE | re.DOTALL)
    if block is None:
        print(f"readme: no kotlin block under '{heading}'", file=sys.stderr)
        return 1
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(f"// Copied from {readme.name} ('{heading}') by {Path(__file__).name}; edit the README.\n"
                   f"package {package}\n\n{block.group(1)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
