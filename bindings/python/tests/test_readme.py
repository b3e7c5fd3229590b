"""Every ```python block of the README runs as written and type-checks.

The blocks are found by their fence alone, so whatever the README shows is
what is tested: each block is written to a file of its own and run as a
program in a fresh interpreter (no names leak from one block into the
next), then all of them go through `mypy --strict` against the package's
stubs.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from mypy import api as mypy_api

README = Path(__file__).resolve().parents[1] / "README.md"
FENCE = re.compile(r"^```python[ \t]*\n(.*?)^```[ \t]*$", re.MULTILINE | re.DOTALL)


def python_blocks(markdown: str) -> list[str]:
    """The body of every ```python fenced block, in order."""
    return [m.group(1) for m in FENCE.finditer(markdown)]


BLOCKS = python_blocks(README.read_text(encoding="utf-8"))


def write_blocks(directory: Path) -> list[Path]:
    files = []
    for i, block in enumerate(BLOCKS):
        f = directory / f"readme_block_{i}.py"
        f.write_text(block, encoding="utf-8")
        files.append(f)
    return files


def test_the_extractor_finds_every_python_block() -> None:
    sample = "text\n```python\nx = 1\n```\n```sh\nnot python\n```\n```python\ny = 2\n```\n"
    assert python_blocks(sample) == ["x = 1\n", "y = 2\n"]
    assert len(BLOCKS) >= 3, "the README lost its examples"


@pytest.mark.parametrize("index", range(len(BLOCKS)))
def test_readme_block_runs_as_written(index: int, tmp_path: Path) -> None:
    script = write_blocks(tmp_path)[index]
    done = subprocess.run(
        [sys.executable, str(script)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, f"README block {index} failed:\n{BLOCKS[index]}\n{done.stderr}"


def test_readme_blocks_type_check(tmp_path: Path) -> None:
    files = [str(f) for f in write_blocks(tmp_path)]
    # One module name per file: mypy checks each block as its own program.
    out, err, status = mypy_api.run(
        ["--strict", "--no-incremental", "--cache-dir=/dev/null", "--scripts-are-modules", *files]
    )
    assert status == 0, out + err
