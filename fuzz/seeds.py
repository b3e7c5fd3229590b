#!/usr/bin/env python3
"""Write the seed corpus of every fuzz target from the golden vectors.

    python3 fuzz/seeds.py DIR    # fills DIR/<target>/, one file per input

Files are named by a hash of their bytes, so rerunning adds nothing twice.
scripts/fuzz.sh runs this before fuzzing: no corpus is committed.

The `receiver` and `transmitter` targets read structured operations (through
`arbitrary`), not documents, so they start from libFuzzer's own inputs; the
receiver builds its response bodies from the vectors' valid tokens itself.
"""
import base64
import hashlib
import json
import pathlib
import sys

VECTORS = pathlib.Path(__file__).resolve().parent.parent / "tests" / "vectors"


def cases(kind):
    out = []
    for path in sorted(VECTORS.glob("*.json")):
        doc = json.loads(path.read_text(encoding="utf-8"))
        if doc.get("kind") == kind:
            out.extend(doc["cases"])
    return out


def body(case):
    if "body" in case:
        return case["body"].encode("utf-8")
    if "bodyBase64" in case:
        return base64.b64decode(case["bodyBase64"])
    return None


def strings(kind, member):
    return [c[member].encode("utf-8") for c in cases(kind) if isinstance(c.get(member), str)]


def step_bodies(kind, op):
    steps = [s for c in cases(kind) for s in c.get("steps", []) if s.get("op") == op]
    return [b for b in map(body, steps) if b is not None]


def main():
    out = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else "corpus")
    claims = strings("claims", "claimsJson") + strings("sign", "claimsJson")
    seeds = {
        "request": [b for b in map(body, cases("request_parse")) if b is not None]
        + step_bodies("transmitter", "poll"),
        "response": [b for b in map(body, cases("response_parse")) if b is not None]
        + step_bodies("receiver", "handleReply"),
        "claims": claims,
        "sign_verify": claims,
        "verify": strings("verify", "token")
        + [c["expect"]["ok"]["token"].encode() for c in cases("sign") if "ok" in c["expect"]],
        "jwk": strings("jwk", "jwkJson") + strings("sign", "privateJwkJson"),
        "jwks": strings("jwks", "jwksJson") + strings("verify", "jwksJson"),
    }
    # The JSON reader: every document above that is JSON text.
    seeds["json"] = claims + seeds["request"] + seeds["response"] + seeds["jwks"]
    # The float reader: a flags byte (sign, exponent, where the point goes),
    # two exponent bytes (little-endian i16), then digits (each byte mod 10).
    # Halfway cases, the edges of f64, and more digits than it keeps.
    seeds["float"] = [
        bytes([0x82]) + (-1).to_bytes(2, "little", signed=True) + b"15",
        bytes([0x02]) + (-324).to_bytes(2, "little", signed=True) + b"24703282292062328",
        bytes([0x02]) + (-308).to_bytes(2, "little", signed=True) + b"22250738585072011",
        bytes([0x12]) + (308).to_bytes(2, "little", signed=True) + b"17976931348623158",
        bytes([0xf0]) + bytes(2) + b"9007199254740993" + b"0" * 900 + b"1",
        bytes([0x40]) + bytes(2) + b"1" * 1100,
        bytes([0x06]) + (30000).to_bytes(2, "little", signed=True) + b"1",
    ]
    total = 0
    for target, inputs in seeds.items():
        folder = out / target
        folder.mkdir(parents=True, exist_ok=True)
        for data in inputs:
            (folder / ("seed-" + hashlib.sha256(data).hexdigest()[:16])).write_bytes(data)
        total += len(inputs)
        print(f"seeds: {target}: {len(inputs)} inputs")
    if total == 0:
        sys.exit("seeds: no inputs found in tests/vectors")


if __name__ == "__main__":
    main()
