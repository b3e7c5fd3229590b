#!/usr/bin/env bash
# Interoperability: setpoll against independent JOSE libraries, both
# directions, through the `setpoll` CLI (keygen, jwks, sign, verify).
#
#   setpoll signs  -> jose (npm), PyJWT, joserfc, Nimbus JOSE+JWT verify
#   libraries sign -> setpoll verifies (and reads each library's JWK Set)
#
# for ES256, PS256 and RS256 (opt-in in setpoll), with the OBIE header
# (typ JOSE + crit with the three OBIE private headers) and the RFC 8417
# header (typ secevent+jwt). tests/interop/README.md says what each library
# does with OBIE's crit headers.
#
# One node process, one python process and one JVM (run in parallel). The
# libraries are installed only when missing: npm into target/interop/node,
# pip into the venv target/interop/venv, Nimbus into ~/.m2 (Maven).
# Versions are pinned in tests/interop/{node/package.json,python/requirements.txt}
# and NIMBUS_VERSION below.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
OUT=${SETPOLL_INTEROP_DIR:-$ROOT/target/interop}
WORK=$OUT/work
NIMBUS_VERSION=10.10
NIMBUS_JAR=$HOME/.m2/repository/com/nimbusds/nimbus-jose-jwt/$NIMBUS_VERSION/nimbus-jose-jwt-$NIMBUS_VERSION.jar
SRC=$ROOT/tests/interop

need() {
    for tool in "$@"; do
        command -v "$tool" >/dev/null && continue
        if [[ ${CI:-} == true ]] && command -v apt-get >/dev/null; then
            echo "interop: installing $tool (apt)"
            local pkg=$tool
            case $tool in
                java) pkg=openjdk-17-jdk-headless ;;
                mvn) pkg=maven ;;
                python3) pkg="python3 python3-venv" ;;
                node | npm) pkg="nodejs npm" ;;
            esac
            apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $pkg >/dev/null
        fi
        command -v "$tool" >/dev/null || { echo "interop: '$tool' not found" >&2; exit 1; }
    done
}
need node npm python3 java mvn

# ---- libraries, installed when missing
mkdir -p "$OUT/node"
if ! cmp -s "$SRC/node/package.json" "$OUT/node/package.json" || [[ ! -d $OUT/node/node_modules/jose ]]; then
    echo "interop: installing jose (npm)"
    cp "$SRC/node/package.json" "$OUT/node/package.json"
    npm install --prefix "$OUT/node" --no-audit --no-fund --no-package-lock --silent
fi
if ! cmp -s "$SRC/python/requirements.txt" "$OUT/venv/requirements.txt" 2>/dev/null; then
    echo "interop: installing PyJWT, joserfc (pip)"
    [[ -x $OUT/venv/bin/python ]] || python3 -m venv "$OUT/venv"
    "$OUT/venv/bin/pip" install -q --disable-pip-version-check -r "$SRC/python/requirements.txt"
    cp "$SRC/python/requirements.txt" "$OUT/venv/requirements.txt"
fi
if [[ ! -f $NIMBUS_JAR ]]; then
    echo "interop: fetching Nimbus JOSE+JWT $NIMBUS_VERSION (Maven)"
    mvn -B -q --no-transfer-progress -Dstyle.color=never dependency:get \
        -Dartifact="com.nimbusds:nimbus-jose-jwt:$NIMBUS_VERSION" -Dtransitive=false
fi

# ---- setpoll: keys, JWK Set, tokens
cargo build --quiet -p setpoll-cli
SETPOLL=$ROOT/target/debug/setpoll
rm -rf "$WORK"
mkdir -p "$WORK"
ISS=https://examplebank.com/
AUD=7umx5nTR33811QyQfi
NOW=1516239030
ORG_ID=0015800001041RHAAY
TRUST_ANCHOR=openbanking.org.uk
# The OBIE documentation's example event notification.
CLAIMS='{"iss":"https://examplebank.com/","iat":1516239022,"jti":"b460a07c-4962-43d1-85ee-9dc10fbb8f6c","sub":"https://examplebank.com/api/open-banking/v3.1/aisp/account-access-consents/aac-1234-007","aud":"7umx5nTR33811QyQfi","events":{"urn:uk:org:openbanking:events:resource-update":{"subject":{"subject_type":"http://openbanking.org.uk/rid_http://openbanking.org.uk/rty","http://openbanking.org.uk/rid":"aac-1234-007","http://openbanking.org.uk/rty":"account-access-consent","http://openbanking.org.uk/rlk":[{"version":"v3.1","link":"https://examplebank.com/api/open-banking/v3.1/aisp/account-access-consents/aac-1234-007"}]}}},"txn":"dfc51628-3479-4b81-ad60-210b43d02306","toe":1516239022}'
printf '{"iss":"%s","aud":"%s","now":%s,"orgId":"%s","trustAnchor":"%s","claims":%s}\n' \
    "$ISS" "$AUD" "$NOW" "$ORG_ID" "$TRUST_ANCHOR" "$CLAIMS" >"$WORK/context.json"
pids=()
for alg in ES256 PS256 RS256; do # RSA key generation takes a while: in parallel
    "$SETPOLL" keygen --alg "$alg" --kid "setpoll-${alg,,}" >"$WORK/setpoll-${alg,,}.jwk" &
    pids+=($!)
done
for pid in "${pids[@]}"; do wait "$pid"; done
"$SETPOLL" jwks "$WORK"/setpoll-{es256,ps256,rs256}.jwk >"$WORK/setpoll-jwks.json"
: >"$WORK/setpoll-tokens.tsv"
for alg in ES256 PS256 RS256; do
    for profile in obie rfc8417; do
        token=$(printf '%s' "$CLAIMS" | "$SETPOLL" sign --key "$WORK/setpoll-${alg,,}.jwk" \
            --profile "$profile" --org-id "$ORG_ID" --trust-anchor "$TRUST_ANCHOR" --now "$NOW")
        printf '%s\t%s\t%s\n' "$alg" "$profile" "$token" >>"$WORK/setpoll-tokens.tsv"
    done
done

# ---- the libraries verify setpoll's tokens and sign their own (in parallel)
node "$SRC/node/interop.mjs" "$WORK" "$OUT/node" >"$WORK/node.log" 2>&1 &
NODE_PID=$!
"$OUT/venv/bin/python" "$SRC/python/interop.py" "$WORK" >"$WORK/python.log" 2>&1 &
PY_PID=$!
java -cp "$NIMBUS_JAR" "$SRC/java/Interop.java" "$WORK" >"$WORK/java.log" 2>&1 &
JAVA_PID=$!
status=0
for pair in "node:$NODE_PID" "python:$PY_PID" "java:$JAVA_PID"; do
    wait "${pair#*:}" || status=1
    cat "$WORK/${pair%%:*}.log"
done

# ---- setpoll verifies the libraries' tokens
passed=0
failed=0
pass() { passed=$((passed + 1)); echo "ok   $*"; }
fail() { failed=$((failed + 1)); echo "FAIL $*"; }
verify() { # JWKS TOKEN [ARGS...]: sets OUT_TEXT and RC
    local jwks=$1 token=$2
    shift 2
    set +e
    OUT_TEXT=$(printf '%s' "$token" | "$SETPOLL" verify --jwks "$jwks" --iss "$ISS" --aud "$AUD" \
        --now "$NOW" "$@" 2>"$WORK/verify.err")
    RC=$?
    set -e
}
# What setpoll prints for these claims (its canonical form).
verify "$WORK/setpoll-jwks.json" "$(head -n1 "$WORK/setpoll-tokens.tsv" | cut -f3)"
EXPECTED=$OUT_TEXT
[[ $RC == 0 && -n $EXPECTED ]] || { echo "interop: setpoll cannot verify its own token" >&2; exit 1; }

for lib in jose pyjwt joserfc nimbus; do
    if [[ ! -s $WORK/$lib-tokens.tsv ]]; then
        fail "$lib: no tokens (see its log above)"
        continue
    fi
    # setpoll reads the library's JWK Set as published.
    if "$SETPOLL" jwks "$WORK/$lib-jwks.json" >"$WORK/$lib-jwks.setpoll.json" 2>"$WORK/verify.err"; then
        pass "setpoll reads the $lib JWK Set"
    else
        fail "setpoll reads the $lib JWK Set: $(cat "$WORK/verify.err")"
        continue
    fi
    count=0
    while IFS=$'\t' read -r alg profile token; do
        count=$((count + 1))
        name="setpoll verifies $lib $alg $profile"
        case $alg/$profile in
            */jwt-typ) # typ JWT: refused unless --accept-typ-jwt
                verify "$WORK/$lib-jwks.json" "$token"
                [[ $RC == 1 && $OUT_TEXT == *'"jwtHdr"'* ]] || { fail "$name: typ JWT not refused ($RC $OUT_TEXT)"; continue; }
                verify "$WORK/$lib-jwks.json" "$token" --accept-typ-jwt ;;
            RS256/*) # opt-in: refused by default, accepted when named
                verify "$WORK/$lib-jwks.json" "$token"
                [[ $RC == 1 && $OUT_TEXT == *'"jwtCrypto"'* ]] || { fail "$name: RS256 not refused by default ($RC $OUT_TEXT)"; continue; }
                verify "$WORK/$lib-jwks.json" "$token" --alg RS256 ;;
            *)
                verify "$WORK/$lib-jwks.json" "$token" ;;
        esac
        if [[ $RC == 0 && $OUT_TEXT == "$EXPECTED" ]]; then
            pass "$name"
        else
            fail "$name: exit $RC: $OUT_TEXT $(cat "$WORK/verify.err")"
        fi
    done <"$WORK/$lib-tokens.tsv"
    [[ $count -ge 6 ]] || fail "$lib: $count tokens, expected 6 (3 algorithms x 2 header profiles)"
    # A signature moved to another token of the same key is refused.
    first=$(sed -n 1p "$WORK/$lib-tokens.tsv" | cut -f3)
    second=$(sed -n 2p "$WORK/$lib-tokens.tsv" | cut -f3)
    verify "$WORK/$lib-jwks.json" "${first%.*}.${second##*.}"
    if [[ $RC == 1 && $OUT_TEXT == *'"jws"'* ]]; then
        pass "setpoll refuses a $lib signature moved to another token"
    else
        fail "setpoll accepted a $lib signature moved to another token ($RC $OUT_TEXT)"
    fi
done
echo "setpoll interop: $passed passed, $failed failed"
[[ $status == 0 && $failed == 0 ]] || { echo "interop: failures above (logs in $WORK)" >&2; exit 1; }
