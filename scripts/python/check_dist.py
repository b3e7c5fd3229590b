"""Checks built Python distributions (wheels, sdists) for LICENSE and metadata.

    python3 scripts/python/check_dist.py PROJECT_URL DIST...

A wheel must carry the Apache-2.0 LICENSE in its .dist-info and complete
METADATA; a manylinux_2_17 wheel must need no glibc symbol newer than 2.17
and a musllinux wheel none at all. An sdist must carry LICENSE and the same
metadata in PKG-INFO. Exit status 1 on any problem, naming it.
"""

from __future__ import annotations

import email.parser
import re
import sys
import tarfile
import zipfile
from pathlib import Path

REQUIRED = ("Name", "Version", "Summary", "Requires-Python", "Keywords")


def license_ok(text: str) -> bool:
    return "Apache License" in text and "Version 2.0, January 2004" in text


def metadata_problems(raw: str, project_url: str) -> list[str]:
    meta = email.parser.Parser().parsestr(raw)
    problems = [f"no {field}" for field in REQUIRED if not meta.get(field)]
    if meta.get("License-Expression") != "Apache-2.0":
        problems.append(f"License-Expression is {meta.get('License-Expression')!r}, not 'Apache-2.0'")
    if not meta.get_all("License-File"):
        problems.append("no License-File")
    classifiers = meta.get_all("Classifier") or []
    for needed in ("Programming Language :: Python :: 3", "Operating System :: POSIX :: Linux"):
        if needed not in classifiers:
            problems.append(f"no classifier {needed!r}")
    urls = meta.get_all("Project-URL") or []
    if not any(u.endswith(project_url) for u in urls):
        problems.append(f"no Project-URL pointing at {project_url} (has {urls})")
    if "example.invalid" in raw:
        problems.append("a placeholder URL (example.invalid)")
    if not (meta.get("Description") or meta.get_payload()):
        problems.append("no long description (README)")
    return problems


def glibc_versions(binary: bytes) -> set[tuple[int, int]]:
    return {(int(a), int(b)) for a, b in re.findall(rb"GLIBC_(\d+)\.(\d+)", binary)}


def check_wheel(path: Path, project_url: str) -> list[str]:
    problems: list[str] = []
    with zipfile.ZipFile(path) as z:
        names = z.namelist()
        licenses = [n for n in names if re.search(r"\.dist-info/(licenses/)?LICENSE$", n)]
        if not licenses:
            problems.append("no LICENSE in .dist-info")
        elif not license_ok(z.read(licenses[0]).decode()):
            problems.append(f"{licenses[0]} is not the Apache-2.0 text")
        meta = [n for n in names if n.endswith(".dist-info/METADATA")]
        if not meta:
            return problems + ["no METADATA"]
        problems += metadata_problems(z.read(meta[0]).decode(), project_url)
        for lib in (n for n in names if n.endswith(".so")):
            versions = glibc_versions(z.read(lib))
            if "manylinux_2_17" in path.name and versions and max(versions) > (2, 17):
                newest = "%d.%d" % max(versions)
                problems.append(f"{lib} needs GLIBC_{newest}, newer than manylinux_2_17 allows")
            if "musllinux" in path.name and versions:
                problems.append(f"{lib} links glibc symbols in a musllinux wheel")
    return problems


def check_sdist(path: Path, project_url: str) -> list[str]:
    problems: list[str] = []
    with tarfile.open(path) as t:
        names = t.getnames()
        top = names[0].split("/")[0]
        def read(name: str) -> str:
            f = t.extractfile(name)
            return f.read().decode() if f else ""
        if f"{top}/LICENSE" not in names:
            problems.append("no LICENSE at the top of the sdist")
        elif not license_ok(read(f"{top}/LICENSE")):
            problems.append("LICENSE is not the Apache-2.0 text")
        if f"{top}/PKG-INFO" not in names:
            return problems + ["no PKG-INFO"]
        problems += metadata_problems(read(f"{top}/PKG-INFO"), project_url)
    return problems


def main(argv: list[str]) -> int:
    project_url, dists = argv[1], [Path(a) for a in argv[2:]]
    failed = False
    for dist in dists:
        problems = check_wheel(dist, project_url) if dist.suffix == ".whl" else check_sdist(dist, project_url)
        for p in problems:
            print(f"  [packages] FAIL: {dist.name}: {p}", file=sys.stderr)
        if problems:
            failed = True
        else:
            print(f"  [packages] ok: {dist.name}: LICENSE and metadata")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
