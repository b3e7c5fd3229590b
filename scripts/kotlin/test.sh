#!/usr/bin/env bash
# Builds libsetpoll_uniffi (debug: shares target/debug with `cargo test`),
# generates the Kotlin and Swift bindings with the workspace's own
# uniffi-bindgen, compiles and tests the Kotlin (and a Java test) on the JVM
# with Maven (Kotlin compiler, JNA and JUnit come from Maven Central, cached
# in ~/.m2), packages the jar (Kotlin API + native library + LICENSE) into a
# file repository, runs the consumer project in bindings/uniffi/consumer
# against it by coordinates, and checks the Swift output for completeness
# (Swift cannot be compiled here).
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
rm -rf "$OUT/generated" "$OUT/swift" "$OUT/lib" "$OUT/readme" "$OUT/native" "$OUT/repo"
mkdir -p "$OUT/lib" "$OUT/native/linux-x86-64"
cp "$LIB" "$OUT/lib/"
# The jar built here carries the debug library without its debug sections
# (100 MB -> 12 MB); to publish, package a --release build (README, Install).
objcopy --strip-debug "$LIB" "$OUT/native/linux-x86-64/libsetpoll_uniffi.so"
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
    -Dsetpoll.readme="$OUT/readme" -Dsetpoll.nativedir="$OUT/native" \
    -Dmaven.install.skip=true -DaltDeploymentRepository="setpoll-local::file://$OUT/repo" \
    deploy >"$LOG" 2>&1; then
    tail -n 80 "$LOG" >&2
    echo "kotlin: maven failed (full log: $LOG)" >&2
    exit 1
fi
grep -E "Tests run: [0-9]+, Failures" "$LOG" | tail -n 1 | sed 's/^\[[A-Z]*\] //'
JAR=$OUT/repo/dev/setpoll/setpoll-kotlin/0.1.0/setpoll-kotlin-0.1.0.jar
ENTRIES=$(jar tf "$JAR")
for entry in linux-x86-64/libsetpoll_uniffi.so dev/setpoll/SetpollKt.class; do
    if ! grep -qx "$entry" <<<"$ENTRIES"; then
        echo "kotlin: $entry missing from $JAR" >&2
        exit 1
    fi
done
if [[ -f LICENSE ]] && ! grep -qx META-INF/LICENSE <<<"$ENTRIES"; then
    echo "kotlin: META-INF/LICENSE missing from $JAR" >&2
    exit 1
fi

# A separate project depends on the jar by coordinates, from the file
# repository, with a local repository of its own (so nothing built here
# leaks in through ~/.m2); only the artefact itself is fetched anew.
CONSUMER_M2=$OUT/consumer-m2
rm -rf "$CONSUMER_M2/dev/setpoll"
LOG=$OUT/consumer.log
if ! mvn -B --no-transfer-progress -f bindings/uniffi/consumer/pom.xml \
    -Dmaven.repo.local="$CONSUMER_M2" -Dsetpoll.repo="$OUT/repo" -Dsetpoll.builddir="$OUT/consumer" \
    test >"$LOG" 2>&1; then
    tail -n 60 "$LOG" >&2
    echo "kotlin: the consumer project failed (full log: $LOG)" >&2
    exit 1
fi
echo "consumer: $(grep -E "Tests run: [0-9]+, Failures" "$LOG" | tail -n 1 | sed 's/^\[[A-Z]*\] //')"
