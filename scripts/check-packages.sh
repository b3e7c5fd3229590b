#!/usr/bin/env bash
# Fails when a package setpoll ships misses its LICENSE or its metadata.
# Inspects what a user would download, not the manifests alone:
#   - the crates setpoll-core and setpoll-cli: `cargo package --list` (and
#     cargo's own warnings about missing metadata), `cargo metadata`;
#   - the wheel scripts/python/test.sh built (target/python/wheels) and an
#     sdist (`maturin sdist`, no compilation): files, METADATA / PKG-INFO,
#     and for a manylinux_2_17 wheel the newest glibc symbol it needs;
#   - the npm package scripts/wasm/build.sh built (bindings/wasm/pkg):
#     `npm pack --dry-run --json` and its package.json.
# Cheap (seconds): it builds nothing but the sdist. Run after the binding steps.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
PROJECT_URL=https://github.com/setpoll/setpoll
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
fail=0
bad() { echo "  [packages] FAIL: $*" >&2; fail=1; }
ok() { echo "  [packages] ok: $*"; }

# --- crates -------------------------------------------------------------------
cargo metadata --no-deps --format-version 1 >"$WORK/metadata.json"
for crate in setpoll-core setpoll-cli; do
    if ! cargo package -p "$crate" --list --allow-dirty >"$WORK/$crate.list" 2>"$WORK/$crate.err"; then
        bad "$crate: cargo package --list failed: $(cat "$WORK/$crate.err")"
        continue
    fi
    if grep -i 'warning' "$WORK/$crate.err"; then bad "$crate: cargo package warns (above)"; fi
    for f in LICENSE README.md Cargo.toml; do
        grep -qx "$f" "$WORK/$crate.list" || bad "$crate: the crate misses $f"
    done
done
python3 - "$WORK/metadata.json" "$PROJECT_URL" <<'PY' || fail=1
import json, sys
meta, url = json.load(open(sys.argv[1])), sys.argv[2]
bad = False
for p in meta["packages"]:
    if p["name"] not in ("setpoll-core", "setpoll-cli"):
        continue
    for field in ("description", "license", "repository", "homepage", "documentation", "readme", "keywords", "categories"):
        if not p.get(field):
            print(f"  [packages] FAIL: {p['name']}: no {field} in Cargo.toml", file=sys.stderr); bad = True
    for field in ("repository", "homepage"):
        if p.get(field) != url:
            print(f"  [packages] FAIL: {p['name']}: {field} is {p.get(field)!r}, not {url}", file=sys.stderr); bad = True
    if p.get("license") != "Apache-2.0":
        print(f"  [packages] FAIL: {p['name']}: license {p.get('license')!r}", file=sys.stderr); bad = True
if "example.invalid" in json.dumps(meta):
    print("  [packages] FAIL: a placeholder URL (example.invalid) in Cargo metadata", file=sys.stderr); bad = True
sys.exit(1 if bad else 0)
PY
[ "$fail" = 0 ] && ok "crates setpoll-core, setpoll-cli: LICENSE, README, metadata"

# --- Python: wheel and sdist ----------------------------------------------------
VENV=${SETPOLL_PY_VENV:-$ROOT/.venv-python}
shopt -s nullglob
wheels=("$ROOT"/target/python/wheels/setpoll-*.whl)
if ((${#wheels[@]} == 0)); then
    bad "no wheel in target/python/wheels: run scripts/python/test.sh first"
fi
if [[ -x $VENV/bin/maturin ]]; then
    "$VENV/bin/maturin" sdist --manifest-path bindings/python/Cargo.toml --out "$WORK/sdist" >/dev/null
    sdists=("$WORK"/sdist/setpoll-*.tar.gz)
else
    bad "no maturin in $VENV: run scripts/python/test.sh first"
    sdists=()
fi
if ((${#wheels[@]} + ${#sdists[@]})); then
    python3 "$ROOT/scripts/python/check_dist.py" "$PROJECT_URL" "${wheels[@]}" "${sdists[@]}" || fail=1
fi

# --- npm --------------------------------------------------------------------------
PKG=$ROOT/bindings/wasm/pkg
if [[ ! -f $PKG/package.json ]]; then
    bad "no npm package in bindings/wasm/pkg: run scripts/wasm/build.sh first"
else
    (cd "$PKG" && npm pack --dry-run --json --ignore-scripts 2>/dev/null) >"$WORK/npm.json"
    node - "$WORK/npm.json" "$PKG/package.json" "$PROJECT_URL" <<'JS' || fail=1
const fs = require("fs");
const [packed, manifestPath, url] = process.argv.slice(2);
const files = JSON.parse(fs.readFileSync(packed, "utf8"))[0].files.map((f) => f.path);
const pkg = JSON.parse(fs.readFileSync(manifestPath, "utf8"));
const problems = [];
for (const f of ["LICENSE", "README.md", "package.json"]) {
  if (!files.includes(f)) problems.push(`the tarball misses ${f}`);
}
for (const field of ["description", "license", "homepage", "repository", "bugs", "keywords", "engines"]) {
  if (!pkg[field] || (Array.isArray(pkg[field]) && pkg[field].length === 0)) problems.push(`package.json has no ${field}`);
}
if (pkg.license !== "Apache-2.0") problems.push(`license is ${pkg.license}`);
if (pkg.homepage !== url) problems.push(`homepage is ${pkg.homepage}, not ${url}`);
const repo = pkg.repository && (pkg.repository.url || pkg.repository);
if (!String(repo).includes(url.replace("https://", ""))) problems.push(`repository is ${JSON.stringify(pkg.repository)}`);
if (!pkg.engines || !pkg.engines.node) problems.push("engines.node is not set");
if (JSON.stringify(pkg).includes("example.invalid")) problems.push("a placeholder URL (example.invalid)");
for (const p of problems) console.error(`  [packages] FAIL: npm: ${p}`);
if (problems.length) process.exit(1);
console.log(`  [packages] ok: npm ${pkg.name}@${pkg.version}: ${files.length} files, LICENSE and metadata`);
JS
fi

if [ "$fail" != 0 ]; then
    echo "  [packages] some package misses its LICENSE or metadata (above)" >&2
    exit 1
fi
echo "  [packages] every package ships LICENSE and complete metadata"
