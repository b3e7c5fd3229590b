#!/usr/bin/env bash
# Builds libsetpoll_uniffi (debug: shares target/debug with `cargo test`),
# generates the Kotlin and Swift bindings with the workspace's own
# uniffi-bindgen, compiles and tests the Kotlin on the JVM with Maven
# (Kotlin compiler, JNA and JUnit come from Maven Central, cached in ~/.m2),
# and checks the Swift output for completeness (Swift cannot be compiled here).
# Needs cargo, a JDK >= 17, Maven and python3; idempotent.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
OUT=$ROOT/target/kotlin
LIB=$ROOT/target/debug/libsetpoll_uniffi.so

for tool in java mvn; do
    if ! command -v "$tool" >/dev/null; then
        if [[ ${CI:-} == true ]] && command -v apt-get >/dev/null; then
            echo "installing JDK and Maven (apt)"
            apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq openjdk-17-jdk-headless maven >/dev/null
            break
        fi
        echo "kotlin: '$tool' not found (install a JDK >= 17 and Maven)" >&2
        exit 1
    fi
done

cargo build --quiet -p setpoll-uniffi --lib --bin uniffi-bindgen
rm -rf "$OUT/generated" "$OUT/swift" "$OUT/lib" "$OUT/readme"
mkdir -p "$OUT/lib"
cp "$LIB" "$OUT/lib/"
"$ROOT/target/debug/uniffi-bindgen" generate "$OUT/lib/libsetpoll_uniffi.so" \
    --language kotlin --no-format --out-dir "$OUT/generated"
"$ROOT/target/debug/uniffi-bindgen" generate "$OUT/lib/libsetpoll_uniffi.so" \
    --language swift --no-format --out-dir "$OUT/swift"

python3 scripts/kotlin/check_swift.py "$OUT/lib/libsetpoll_uniffi.so" "$OUT/swift" \
    "$OUT/generated/dev/setpoll/setpoll.kt"

# The README's storage-neutral transmitter example is compiled and run (ReadmeTest).
python3 scripts/kotlin/readme_kotlin.py bindings/uniffi/README.md \
    "The transmitter on your own database (Kotlin)" dev.setpoll.readme \
    "$OUT/readme/dev/setpoll/readme/StorageReadme.kt"

LOG=$OUT/maven.log
if ! mvn -B --no-transfer-progress -f bindings/uniffi/kotlin/pom.xml \
    -Dsetpoll.generated="$OUT/generated" -Dsetpoll.libdir="$OUT/lib" \
    -Dsetpoll.vectors="$ROOT/tests/vectors" -Dsetpoll.builddir="$OUT/maven" \
    -Dsetpoll.readme="$OUT/readme" \
    test >"$LOG" 2>&1; then
    tail -n 80 "$LOG" >&2
    echo "kotlin: maven failed (full log: $LOG)" >&2
    exit 1
fi
grep -E "Tests run: [0-9]+, Failures" "$LOG" | tail -n 1 | sed 's/^\[[A-Z]*\] //'
