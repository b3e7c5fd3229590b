"""Every ```python block of README.md runs as written: in order, as one
script (later blocks use what earlier ones defined)."""

from __future__ import annotations

import re
from pathlib import Path

README = Path(__file__).resolve().parents[1] / "README.md"


def blocks() -> list[str]:
    return re.findall(r"^```python\n(.*?)^```$", README.read_text(encoding="utf-8"), re.S | re.M)


def test_readme_blocks_run() -> None:
    found = blocks()
    assert len(found) >= 5
    namespace: dict[str, object] = {"__name__": "readme"}
    for i, code in enumerate(found):
        exec(compile(code, f"README.md block {i + 1}", "exec"), namespace)  # noqa: S102
