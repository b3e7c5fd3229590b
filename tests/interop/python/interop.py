"""setpoll <-> PyJWT and joserfc, both directions (driven by scripts/interop/test.sh).

Reads WORK/context.json, WORK/setpoll-jwks.json and WORK/setpoll-tokens.tsv
(written by the runner with the setpoll CLI); for each library it

1. imports setpoll's public JWK Set and verifies every setpoll-signed SET
   (ES256, PS256, RS256; OBIE and RFC 8417 headers), checking header and
   claims; an OBIE token must be refused while the OBIE `crit` names are
   not declared (RFC 7515 §4.1.11) and accepted once they are;
2. generates its own keys and signs the same claims with both header
   profiles, writing WORK/<lib>-jwks.json and WORK/<lib>-tokens.tsv for the
   runner to verify with `setpoll verify`.

Prints one line per check and exits 1 if any failed.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any, Callable

OBIE_IAT = "http://openbanking.org.uk/iat"
OBIE_ISS = "http://openbanking.org.uk/iss"
OBIE_TAN = "http://openbanking.org.uk/tan"
OBIE_CRIT = [OBIE_IAT, OBIE_ISS, OBIE_TAN]
ALGS = ["ES256", "PS256", "RS256"]

WORK = Path(sys.argv[1])
CTX: dict[str, Any] = json.loads((WORK / "context.json").read_text())
CLAIMS: dict[str, Any] = CTX["claims"]
SETPOLL_JWKS: dict[str, Any] = json.loads((WORK / "setpoll-jwks.json").read_text())
SETPOLL_TOKENS = [
    line.split("\t") for line in (WORK / "setpoll-tokens.tsv").read_text().splitlines() if line
]

passed = 0
failed = 0


def check(name: str, fn: Callable[[], None]) -> None:
    global passed, failed
    try:
        fn()
    except Exception as e:  # noqa: BLE001 - every failure is reported, then counted
        failed += 1
        print(f"FAIL {name}: {type(e).__name__}: {e}")
    else:
        passed += 1
        print(f"ok   {name}")


def expect_header(header: dict[str, Any], alg: str, profile: str) -> None:
    assert header["alg"] == alg, header
    assert header["kid"] == f"setpoll-{alg.lower()}", header
    if profile == "obie":
        assert header["typ"] == "JOSE", header
        assert header["crit"] == OBIE_CRIT, header
        assert header[OBIE_IAT] == CTX["now"], header
        assert header[OBIE_ISS] == CTX["orgId"], header
        assert header[OBIE_TAN] == CTX["trustAnchor"], header
    else:
        assert header["typ"] == "secevent+jwt", header
        assert "crit" not in header, header


def refused(fn: Callable[[], Any], *words: str) -> None:
    """`fn` must raise, with one of `words` in the message."""
    try:
        fn()
    except Exception as e:  # noqa: BLE001
        text = f"{type(e).__name__}: {e}"
        assert any(w.lower() in text.lower() for w in words), text
        return
    raise AssertionError("accepted a token it should refuse")


def obie_header(alg: str, kid: str) -> dict[str, Any]:
    return {
        "alg": alg, "kid": kid, "typ": "JOSE", "crit": OBIE_CRIT,
        OBIE_IAT: CTX["now"], OBIE_ISS: CTX["orgId"], OBIE_TAN: CTX["trustAnchor"],
    }


def rfc8417_header(alg: str, kid: str) -> dict[str, Any]:
    return {"alg": alg, "kid": kid, "typ": "secevent+jwt"}


def write_outputs(lib: str, jwks: dict[str, Any], tokens: list[tuple[str, str, str]]) -> None:
    (WORK / f"{lib}-jwks.json").write_text(json.dumps(jwks))
    (WORK / f"{lib}-tokens.tsv").write_text("".join(f"{a}\t{p}\t{t}\n" for a, p, t in tokens))


# ---------------------------------------------------------------- PyJWT

def pyjwt() -> None:
    import jwt
    from cryptography.hazmat.primitives.asymmetric import ec, rsa
    from jwt.algorithms import ECAlgorithm, RSAAlgorithm

    print(f"# PyJWT {jwt.__version__}")
    keys = {k["kid"]: jwt.PyJWK(k) for k in SETPOLL_JWKS["keys"]}

    class ObieJWS(jwt.PyJWS):
        # PyJWT has no public API to declare critical header parameters: it
        # refuses every `crit` name but `b64`. Reading OBIE tokens means
        # widening this (private) set, and the caller then checks the OBIE
        # headers itself, as below.
        _supported_crit = {"b64", *OBIE_CRIT}

    obie_jwt = jwt.PyJWT()
    obie_jwt._jws = ObieJWS()  # the JWT layer delegates signature checks to this object

    for alg, profile, token in SETPOLL_TOKENS:
        key = keys[f"setpoll-{alg.lower()}"]

        def verify(token: str = token, alg: str = alg, profile: str = profile, key: Any = key) -> None:
            decode = obie_jwt.decode_complete if profile == "obie" else jwt.api_jwt.decode_complete
            if profile == "obie":
                refused(lambda: jwt.decode(token, key, algorithms=[alg], audience=CTX["aud"],
                                           issuer=CTX["iss"]), "critical extension")
            out = decode(token, key, algorithms=[alg], audience=CTX["aud"], issuer=CTX["iss"])
            expect_header(out["header"], alg, profile)
            assert out["payload"] == CLAIMS, out["payload"]
            # The allow-list matters: the same token under another algorithm is refused.
            other = "ES256" if alg != "ES256" else "PS256"
            refused(lambda: decode(token, key, algorithms=[other], audience=CTX["aud"],
                                   issuer=CTX["iss"]), "algorithm")

        check(f"PyJWT verifies setpoll {alg} {profile}", verify)

    ec_key = ec.generate_private_key(ec.SECP256R1())
    rsa_ps = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    rsa_rs = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = {"ES256": ec_key, "PS256": rsa_ps, "RS256": rsa_rs}
    jwks = {"keys": []}
    for alg, k in private.items():
        to_jwk = ECAlgorithm.to_jwk if alg == "ES256" else RSAAlgorithm.to_jwk
        pub = to_jwk(k.public_key(), as_dict=True)
        pub.update({"kid": f"pyjwt-{alg.lower()}", "use": "sig", "alg": alg})
        jwks["keys"].append(pub)
    tokens = []
    for alg, k in private.items():
        kid = f"pyjwt-{alg.lower()}"
        for profile, header in (("obie", obie_header(alg, kid)), ("rfc8417", rfc8417_header(alg, kid))):
            tokens.append((alg, profile, jwt.encode(CLAIMS, k, algorithm=alg, headers=header)))
    # PyJWT's own default header (typ JWT), for setpoll's --accept-typ-jwt.
    tokens.append(("ES256", "jwt-typ", jwt.encode(CLAIMS, ec_key, algorithm="ES256",
                                                    headers={"kid": "pyjwt-es256"})))
    write_outputs("pyjwt", jwks, tokens)
    print(f"# PyJWT signed {len(tokens)} tokens")


# ---------------------------------------------------------------- joserfc

def joserfc_() -> None:
    import joserfc
    from joserfc import jws, jwt
    from joserfc.jwk import ECKey, KeySet, RSAKey
    from joserfc.jws import JWSRegistry
    from joserfc.jwt import JWTClaimsRegistry
    from joserfc.registry import HeaderParameter

    print(f"# joserfc {getattr(joserfc, '__version__', '?')}")
    key_set = KeySet.import_key_set(SETPOLL_JWKS)
    # joserfc's public API: register the OBIE headers; `crit` may then name them.
    obie_registry = {
        OBIE_IAT: HeaderParameter("OBIE signing time", "int"),
        OBIE_ISS: HeaderParameter("OBIE signer organisation", "str"),
        OBIE_TAN: HeaderParameter("OBIE trust anchor", "str"),
    }
    claims_registry = JWTClaimsRegistry(
        iss={"essential": True, "value": CTX["iss"]},
        aud={"essential": True, "value": CTX["aud"]},
        jti={"essential": True},
    )

    for alg, profile, token in SETPOLL_TOKENS:
        def verify(token: str = token, alg: str = alg, profile: str = profile) -> None:
            if profile == "obie":
                refused(lambda: jwt.decode(token, key_set, algorithms=[alg],
                                           registry=JWSRegistry(algorithms=[alg])), "unsupported", "crit")
                registry = JWSRegistry(header_registry=obie_registry, algorithms=[alg])
            else:
                registry = JWSRegistry(algorithms=[alg])
            out = jwt.decode(token, key_set, algorithms=[alg], registry=registry)
            expect_header(dict(out.header), alg, profile)
            assert out.claims == CLAIMS, out.claims
            claims_registry.validate(out.claims)

        check(f"joserfc verifies setpoll {alg} {profile}", verify)

    private = {
        "ES256": ECKey.generate_key("P-256", parameters={"kid": "joserfc-es256", "use": "sig", "alg": "ES256"}),
        "PS256": RSAKey.generate_key(2048, parameters={"kid": "joserfc-ps256", "use": "sig", "alg": "PS256"}),
        "RS256": RSAKey.generate_key(2048, parameters={"kid": "joserfc-rs256", "use": "sig", "alg": "RS256"}),
    }
    jwks = {"keys": [k.as_dict(private=False) for k in private.values()]}
    payload = json.dumps(CLAIMS, separators=(",", ":"))
    tokens = []
    for alg, k in private.items():
        kid = f"joserfc-{alg.lower()}"
        registry = JWSRegistry(header_registry=obie_registry, algorithms=[alg])
        for profile, header in (("obie", obie_header(alg, kid)), ("rfc8417", rfc8417_header(alg, kid))):
            tokens.append((alg, profile, jws.serialize_compact(header, payload, k, algorithms=[alg],
                                                                registry=registry)))
    write_outputs("joserfc", jwks, tokens)
    print(f"# joserfc signed {len(tokens)} tokens")


for lib, run in (("pyjwt", pyjwt), ("joserfc", joserfc_)):
    check(f"{lib}: setup and signing", run)

print(f"python interop: {passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
