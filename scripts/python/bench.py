#!/usr/bin/env python3
"""Compare setpoll's Python binding with PyJWT (+ cryptography) and joserfc
on the same tokens, in one process, for a few hundred milliseconds per case.

    scripts/python/bench.py            # after scripts/python/test.sh
    SETPOLL_BENCH_SECS=1 scripts/python/bench.py

It installs PyJWT, cryptography and joserfc into .venv-python when missing
(re-executing itself there). Cases: ES256 and PS256 signing, PS256 verify,
full SET verification (signature + iss/aud/iat checks; setpoll also checks
the whole OBEventNotification2 schema), and the cost of one binding call.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Callable

ROOT = Path(__file__).resolve().parents[2]
VENV_PY = ROOT / ".venv-python" / "bin" / "python"


def ensure_deps() -> None:
    try:
        import joserfc  # noqa: F401
        import jwt  # noqa: F401

        import setpoll  # noqa: F401
    except ImportError:
        if Path(sys.executable) != VENV_PY and VENV_PY.exists():
            os.execv(str(VENV_PY), [str(VENV_PY), *sys.argv])
        if not VENV_PY.exists():
            sys.exit("run scripts/python/test.sh first (it builds and installs setpoll)")
        subprocess.run(
            [str(VENV_PY), "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
             "pyjwt", "cryptography", "joserfc"],
            check=True,
        )
        os.execv(str(VENV_PY), [str(VENV_PY), *sys.argv])


ensure_deps()

import jwt  # noqa: E402
from cryptography.hazmat.primitives.serialization import load_pem_private_key  # noqa: E402
from joserfc import jwt as jrfc_jwt  # noqa: E402
from joserfc.jwk import ECKey, RSAKey  # noqa: E402
from joserfc.jwt import JWTClaimsRegistry  # noqa: E402

import setpoll  # noqa: E402

SECS = float(os.environ.get("SETPOLL_BENCH_SECS", "0.4"))
ISS, AUD = "https://aspsp.example/iss", "client-123"
NOW_MS = setpoll.now_ms()


def per_op_us(fn: Callable[[], Any]) -> float:
    """Best of 3 runs of ~SECS/3 each, microseconds per call."""
    n = 1
    while True:  # calibrate
        t = time.perf_counter()
        for _ in range(n):
            fn()
        dt = time.perf_counter() - t
        if dt > 0.02:
            break
        n *= 4
    n = max(1, int(n * (SECS / 3) / dt))
    best = float("inf")
    for _ in range(3):
        t = time.perf_counter_ns()
        for _ in range(n):
            fn()
        best = min(best, (time.perf_counter_ns() - t) / n / 1000)
    return best


def main() -> int:
    seed = bytes(range(32))
    es = setpoll.SigningKey.generate_es256(seed, "es-1")
    ps = setpoll.SigningKey.generate_ps256(seed, 2048, "ps-1")
    ring = setpoll.Keyring.from_jwks(setpoll.jwks_from_keys([es, ps]))
    policy: setpoll.VerifyPolicy = {"issuer": ISS, "audience": AUD}
    subject: setpoll.EventSubject = {
        "rid": "pmt-1", "rty": "domestic-payment",
        "links": [{"version": "v3.1.10", "link": "https://aspsp.example/pmt-1"}],
    }
    claims = (
        setpoll.ClaimsBuilder(ISS, "jti-1", AUD, NOW_MS // 1000)
        .sub("https://aspsp.example/pmt-1").txn("txn-1").toe(NOW_MS // 1000)
        .resource_update(subject).build()
    )
    payload = __import__("json").loads(claims.to_json())
    tok = {alg: setpoll.sign_set(claims, k, NOW_MS, "rfc8417") for alg, k in (("ES256", es), ("PS256", ps))}

    # The same keys for the other libraries.
    crypto_key = {a: load_pem_private_key(k.to_pkcs8_pem().encode(), None) for a, k in (("ES256", es), ("PS256", ps))}
    crypto_pub = {a: k.public_key() for a, k in crypto_key.items()}
    jr_key = {"ES256": ECKey.import_key(es.to_pkcs8_pem()), "PS256": RSAKey.import_key(ps.to_pkcs8_pem())}
    jr_registry = JWTClaimsRegistry(iss={"essential": True, "value": ISS}, aud={"essential": True, "value": AUD})
    hdr = {"ES256": {"kid": "es-1", "typ": "secevent+jwt"}, "PS256": {"kid": "ps-1", "typ": "secevent+jwt"}}

    def pyjwt_decode(alg: str) -> Callable[[], Any]:
        return lambda: jwt.decode(tok[alg], crypto_pub[alg], algorithms=[alg], audience=AUD, issuer=ISS)

    def joserfc_decode(alg: str) -> Callable[[], Any]:
        def run() -> Any:
            t = jrfc_jwt.decode(tok[alg], jr_key[alg], algorithms=[alg])
            jr_registry.validate(t.claims)
            return t
        return run

    # Sanity: every library accepts every token.
    for alg in ("ES256", "PS256"):
        assert setpoll.verify_set(tok[alg], ring, policy, NOW_MS)["claims"].jti() == "jti-1"
        assert pyjwt_decode(alg)()["jti"] == "jti-1"
        assert joserfc_decode(alg)().claims["jti"] == "jti-1"

    cases: list[tuple[str, str, Callable[[], Any]]] = []
    for alg, key in (("ES256", es), ("PS256", ps)):
        cases += [
            (f"{alg} sign", "setpoll", lambda key=key: setpoll.sign_set(claims, key, NOW_MS, "rfc8417")),
            (f"{alg} sign", "pyjwt", lambda alg=alg: jwt.encode(payload, crypto_key[alg], algorithm=alg, headers=hdr[alg])),
            (f"{alg} sign", "joserfc", lambda alg=alg: jrfc_jwt.encode({"alg": alg, **hdr[alg]}, payload, jr_key[alg], algorithms=[alg])),
            (f"{alg} verify SET", "setpoll", lambda alg=alg: setpoll.verify_set(tok[alg], ring, policy, NOW_MS)),
            (f"{alg} verify SET", "pyjwt", pyjwt_decode(alg)),
            (f"{alg} verify SET", "joserfc", joserfc_decode(alg)),
        ]
    cases.append(("binding call", "setpoll", setpoll.noop))

    results: dict[tuple[str, str], float] = {}
    print(f"{'case':<18} {'library':<9} {'us/op':>9} {'vs setpoll':>11}")
    for case, lib, fn in cases:
        us = per_op_us(fn)
        results[(case, lib)] = us
        base = results.get((case, "setpoll"))
        ratio = f"{us / base:>10.2f}x" if base and lib != "setpoll" else ""
        print(f"{case:<18} {lib:<9} {us:>9.2f} {ratio:>11}")

    r = results
    targets = [
        ("ES256 SET verify >= 1.5x PyJWT jwt.decode",
         r[("ES256 verify SET", "pyjwt")] / r[("ES256 verify SET", "setpoll")] >= 1.5),
        ("ES256 SET verify faster than joserfc",
         r[("ES256 verify SET", "joserfc")] > r[("ES256 verify SET", "setpoll")]),
        ("PS256 verify at least as fast as joserfc",
         r[("PS256 verify SET", "joserfc")] >= r[("PS256 verify SET", "setpoll")]),
        ("binding call < 1 us", r[("binding call", "setpoll")] < 1.0),
    ]
    print()
    for name, ok in targets:
        print(f"{'met' if ok else 'MISSED':<7} {name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
