#!/usr/bin/env python3
"""Runs the install lines of the READMEs as written, each in a fresh project.

The lines are read from the README text, never retyped here:
  - README.md, section "Install": the first code span of each table row;
  - bindings/python/README.md and bindings/wasm/README.md: the ```sh block
    of their "Install" section; bindings/uniffi/README.md: its ```xml block.
The READMEs say to run them in your project with the repository checked out
as `setpoll/` next to it, so a scratch folder holds `setpoll` (a link to
this checkout) and one project per line beside it:
  - pip: a new venv, activated; then `import setpoll` and the wheel's
    version, and the file name the README quotes is the wheel installed;
  - npm: an empty npm project; then `require` and `import` of `setpoll`;
  - `cargo add`: a new `cargo init --lib` crate; then `cargo test` of a
    test that uses the dependency (the checkout's Cargo.lock copied in
    first, so it builds the versions CI tested, in the workspace's target
    dir, where `cargo test` built them);
  - `cargo install`: into a root of its own, built in target/install-lines
    (a release build: minutes the first time, seconds after); then
    `setpoll --version`;
  - Maven: the consumer project of bindings/uniffi/consumer with its
    dependency replaced by the README's XML, run against the file
    repository scripts/kotlin/test.sh deploys the jar to.
Needs the artefacts of scripts/wasm/build.sh, scripts/python/test.sh and
scripts/kotlin/test.sh (run it after them, like scripts/check-packages.sh).
Rows without a line to run (the Android recipe) are listed, not run.
Arguments (python, npm, rust, cli, maven) run only those kinds.
"""
from __future__ import annotations

import glob
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET = ROOT / "target"
failures: list[str] = []


def log(msg: str) -> None:
    print(f"  [install] {msg}", flush=True)


def section(readme: Path, heading: str) -> str:
    """The text of the `## heading...` section of a README."""
    text = readme.read_text(encoding="utf-8")
    m = re.search(rf"^## {re.escape(heading)}.*?$(.*?)(?=^## |\Z)", text, re.S | re.M)
    if not m:
        raise SystemExit(f"{readme.relative_to(ROOT)}: no section '## {heading}'")
    return m.group(1)


def fenced(readme: Path, heading: str, lang: str) -> str:
    m = re.search(rf"^```{lang}\n(.*?)^```$", section(readme, heading), re.S | re.M)
    if not m:
        raise SystemExit(f"{readme.relative_to(ROOT)}: no ```{lang} block under '## {heading}'")
    return m.group(1).strip()


def root_rows() -> dict[str, list[str]]:
    """README.md's Install table: ecosystem -> the code spans of its line cell."""
    rows = {}
    for line in section(ROOT / "README.md", "Install").splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split(" | ")]
        if len(cells) >= 3 and cells[0] not in ("ecosystem", "---"):
            rows[cells[0]] = re.findall(r"`([^`]+)`", cells[1])
    return rows


def run(cmd: str | list[str], cwd: Path, env: dict[str, str] | None = None) -> str:
    """Runs a command (a README line goes through bash as written); its output."""
    shell = isinstance(cmd, str)
    done = subprocess.run(
        ["bash", "-c", cmd] if shell else cmd,
        cwd=cwd,
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        raise RuntimeError(f"`{cmd if shell else ' '.join(cmd)}` exited {done.returncode}\n{done.stdout[-2000:]}{done.stderr[-3000:]}")
    return done.stdout


def check(name: str, fn) -> None:
    """Runs one check, timing it; a failure is recorded, the others go on."""
    start = time.monotonic()
    try:
        log(f"ok: {name}: {fn()} ({time.monotonic() - start:.1f} s)")
    except Exception as e:  # noqa: BLE001 - every failure is reported
        failures.append(f"{name}: {e}")


def main() -> int:
    work = Path(tempfile.mkdtemp(prefix="setpoll-install-"))
    (work / "setpoll").symlink_to(ROOT)  # "checked out as setpoll/ next to your project"
    rows = root_rows()
    want = {"Rust crate", "CLI", "Python", "npm", "Kotlin / Java (JVM)"}
    if not want <= rows.keys():
        raise SystemExit(f"README.md Install table: rows {sorted(want - rows.keys())} missing")
    npm_version = json.loads((ROOT / "bindings/wasm/pkg/package.json").read_text())["version"]
    projects = 0

    only = set(sys.argv[1:])  # e.g. `npm python`: only those kinds (default: all)

    def in_new_project(kind: str, lines: dict[str, str], fn) -> None:
        """fn(line, source, app) for each README's line, in a fresh folder beside setpoll/."""
        nonlocal projects
        for source, line in lines.items() if not only or kind in only else ():
            projects += 1
            app = work / f"{kind}-{projects}"
            app.mkdir()
            check(f"{source}: {line}", lambda line=line, source=source, app=app: fn(line, source, app))

    def pip(line: str, source: str, app: Path) -> str:
        venv = app / ".venv"
        run([sys.executable, "-m", "venv", str(venv)], app)
        activated = {"VIRTUAL_ENV": str(venv), "PATH": f"{venv}/bin:{os.environ['PATH']}", "PIP_DISABLE_PIP_VERSION_CHECK": "1"}
        run(line, app, activated)
        version = run([str(venv / "bin/python"), "-c", "import setpoll; print(setpoll.version())"], app).strip()
        installed = run([str(venv / "bin/python"), "-m", "pip", "show", "setpoll"], app)
        if f"Version: {version}" not in installed:
            raise RuntimeError(f"setpoll.version() {version} is not the installed distribution's\n{installed}")
        if source == "README.md":  # the wheel's file name quoted beside the line
            quoted = rows["Python"][1]
            matches = [Path(p).name for p in glob.glob(str(app / line.split()[-1]))]
            if quoted not in matches:
                raise RuntimeError(f"README.md quotes {quoted}, the line installs {matches}")
        return f"setpoll {version} imports in a fresh venv"

    def npm(line: str, source: str, app: Path) -> str:
        (app / "package.json").write_text('{ "name": "app", "private": true }\n')
        run(line, app, {"npm_config_audit": "false", "npm_config_fund": "false"})
        cjs = run(["node", "-e", 'console.log(require("setpoll").version())'], app).strip()
        esm = run(["node", "--input-type=module", "-e", 'import * as s from "setpoll"; console.log(s.version())'], app).strip()
        if not cjs == esm == npm_version:
            raise RuntimeError(f"require: {cjs}, import: {esm}, package.json: {npm_version}")
        return f"require and import give setpoll {cjs}"

    def cargo_add(line: str, source: str, app: Path) -> str:
        run(["cargo", "init", "--lib", "--vcs", "none", "--name", "app", "--quiet"], app)
        run(line, app)
        manifest = (app / "Cargo.toml").read_text()
        if "setpoll-core" not in manifest:
            raise RuntimeError(f"the line added no setpoll-core:\n{manifest}")
        shutil.copy(ROOT / "Cargo.lock", app / "Cargo.lock")  # the versions CI tested
        with (app / "src/lib.rs").open("a") as f:
            f.write("\n#[test]\nfn uses_setpoll_core() {\n    assert_eq!(setpoll_core::Timestamp::from_secs(2).as_millis(), 2000);\n}\n")
        # The workspace's target dir: `cargo test` has built the dependencies.
        out = run(["cargo", "test", "--offline"], app, {"CARGO_TARGET_DIR": str(TARGET)})
        if "test uses_setpoll_core ... ok" not in out:
            raise RuntimeError(f"the crate's test did not pass:\n{out}")
        return "a new crate depends on setpoll-core, builds and passes a test using it"

    def cargo_install(line: str, source: str, app: Path) -> str:
        # Where it installs and builds (a release build, kept between runs);
        # the line itself runs as written.
        run(line, app, {"CARGO_INSTALL_ROOT": str(app / "root"), "CARGO_TARGET_DIR": str(TARGET / "install-lines")})
        out = run([str(app / "root/bin/setpoll"), "--version"], app).strip()
        if not out.startswith("setpoll"):
            raise RuntimeError(f"setpoll --version printed {out!r}")
        return out

    def maven(line: str, source: str, app: Path) -> str:
        pom = (ROOT / "bindings/uniffi/consumer/pom.xml").read_text(encoding="utf-8")
        ours = re.compile(r"<dependency>\s*<groupId>dev\.setpoll</groupId>.*?</dependency>", re.S)
        if len(ours.findall(pom)) != 1:
            raise RuntimeError("bindings/uniffi/consumer/pom.xml: not exactly one dev.setpoll dependency to replace")
        (app / "pom.xml").write_text(ours.sub(lambda _: line, pom), encoding="utf-8")
        shutil.copytree(ROOT / "bindings/uniffi/consumer/src", app / "src")
        repo = TARGET / "kotlin/repo"
        if not repo.is_dir():
            raise RuntimeError(f"no {repo.relative_to(ROOT)}: run scripts/kotlin/test.sh first")
        m2 = TARGET / "kotlin/consumer-m2"
        shutil.rmtree(m2 / "dev/setpoll", ignore_errors=True)  # the jar comes from the file repository
        out = run(
            ["mvn", "-B", "--no-transfer-progress", f"-Dmaven.repo.local={m2}", f"-Dsetpoll.repo={repo}", f"-Dsetpoll.builddir={app / 'target'}", "test"],
            app,
        )
        tests = re.findall(r"Tests run: (\d+), Failures: 0, Errors: 0", out)
        if not tests or int(tests[-1]) == 0:
            raise RuntimeError(f"no passing tests in the consumer:\n{out[-2000:]}")
        return f"the consumer project resolves it and passes {tests[-1]} tests"

    readme = lambda path, heading, lang: fenced(ROOT / path, heading, lang)  # noqa: E731
    in_new_project("python", {"README.md": rows["Python"][0], "bindings/python/README.md": readme("bindings/python/README.md", "Install", "sh")}, pip)
    in_new_project("npm", {"README.md": rows["npm"][0], "bindings/wasm/README.md": readme("bindings/wasm/README.md", "Install and import", "sh")}, npm)
    in_new_project("rust", {"README.md": rows["Rust crate"][0]}, cargo_add)
    in_new_project("cli", {"README.md": rows["CLI"][0]}, cargo_install)
    jvm = {"README.md": rows["Kotlin / Java (JVM)"][0], "bindings/uniffi/README.md": readme("bindings/uniffi/README.md", "Install (JVM", "xml")}
    in_new_project("maven", jvm, maven)

    for name in rows:
        if name not in want:
            log(f"not run: {name} (a recipe, no install line)")
    shutil.rmtree(work, ignore_errors=True)
    for f in failures:
        print(f"  [install] FAIL {f}", file=sys.stderr)
    if failures:
        return 1
    log("every README install line runs as written")
    return 0


if __name__ == "__main__":
    sys.exit(main())
