"""No default is restated in the binding: what Python reports as in force
equals tests/vectors/defaults.json, which the vector generator writes from
the core's ``Default``s."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

import setpoll

def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def _load() -> dict[str, dict[str, Any]]:
    """The `transmitter` and `receiver` cases of defaults.json (written in
    the vectors' camelCase), in the host API's snake_case names."""
    doc = json.loads(
        (Path(__file__).resolve().parents[3] / "tests" / "vectors" / "defaults.json").read_text(encoding="utf-8")
    )
    assert doc["kind"] == "defaults"
    cases = {c["name"]: c["expect"]["ok"] for c in doc["cases"]}
    return {k: {_snake(n): v for n, v in cases[k].items()} for k in ("transmitter", "receiver")}


DEFAULTS = _load()
IDENTITY = {"issuer", "client_id", "jwks_json", "jitter_seed"}


def test_transmitter_defaults_are_the_cores() -> None:
    assert dict(setpoll.transmitter_defaults()) == DEFAULTS["transmitter"]
    assert dict(setpoll.StorageTransmitter().config()) == DEFAULTS["transmitter"]


def test_receiver_defaults_are_the_cores() -> None:
    jwks = setpoll.jwks_from_keys([setpoll.SigningKey.generate_es256(bytes(32), "k")])
    config = dict(setpoll.Receiver(issuer="https://bank.example/", client_id="tpp", jwks_json=jwks).config())
    assert {k: v for k, v in config.items() if k not in IDENTITY} == DEFAULTS["receiver"]
    assert set(config) == set(DEFAULTS["receiver"]) | IDENTITY
    assert (config["issuer"], config["client_id"], config["jwks_json"]) == ("https://bank.example/", "tpp", jwks)


def test_explicit_settings_override_only_themselves() -> None:
    tx = setpoll.StorageTransmitter(max_attempts=3, delivery="deliver_once")
    want = {**DEFAULTS["transmitter"], "max_attempts": 3, "delivery": "deliver_once"}
    assert dict(tx.config()) == want
    # What config() returns can be passed back as settings.
    assert dict(setpoll.StorageTransmitter(**tx.config()).config()) == want
    # None means "the core's default", as absence does.
    assert dict(setpoll.StorageTransmitter(max_attempts=None).config()) == DEFAULTS["transmitter"]


def test_typed_dicts_name_every_setting() -> None:
    """The hand-written ``TypedDict``s of the settings (``_types.py``) list
    exactly the keys the host reports, so a setting added to the host's
    ``settings!`` list and not to the types fails here."""
    from setpoll import _types

    def keys(t: Any) -> set[str]:
        return set(t.__required_keys__) | set(t.__optional_keys__)

    assert keys(_types.TransmitterConfig) == set(DEFAULTS["transmitter"])
    assert keys(_types.ReceiverConfig) == set(DEFAULTS["receiver"]) | IDENTITY
    assert keys(_types._ReceiverIdentity) == {"issuer", "client_id", "jwks_json"}


def _case(name: str) -> dict[str, Any]:
    doc = json.loads(
        (Path(__file__).resolve().parents[3] / "tests" / "vectors" / "defaults.json").read_text(encoding="utf-8")
    )
    return {c["name"]: c["expect"]["ok"] for c in doc["cases"]}[name]  # type: ignore[no-any-return]


def test_verify_policy_defaults_are_the_cores(es_key: setpoll.SigningKey, ps_key: setpoll.SigningKey) -> None:
    """A VerifyPolicy reports nothing back, so its defaults (absent keys) are
    checked by what it accepts, against defaults.json's ``verify_policy``."""
    want = _case("verify_policy")
    iss, aud, now = "https://bank.example/", "tpp", 1_700_000_000_000
    policy: setpoll.VerifyPolicy = {"issuer": iss, "audience": aud}
    rs_jwk = {**json.loads(ps_key.to_private_jwk()), "alg": "RS256", "kid": "rs-1"}
    rs_key = setpoll.SigningKey.from_jwk(json.dumps(rs_jwk))
    ring = setpoll.Keyring.from_jwks(setpoll.jwks_from_keys([es_key, ps_key, rs_key]))

    def token(iat: int, key: setpoll.SigningKey = es_key) -> str:
        claims = setpoll.ClaimsBuilder(iss, f"d-{iat}", aud, iat).custom_event("https://x.example/e", "{}").build()
        return setpoll.sign_set(claims, key, now, "rfc8417")

    def code(tok: str) -> str:
        try:
            setpoll.verify_set(tok, ring, policy, now)
        except setpoll.VerifyError as e:
            return str(e.code)
        return "ok"

    skew = want["maxSkewSecs"]
    assert code(token(now // 1000 + skew)) == "ok"
    assert code(token(now // 1000 + skew + 1)) == "iat_in_future"
    assert want["maxAgeSecs"] is None and code(token(1)) == "ok"
    limit = want["maxTokenBytes"]
    assert code("a" * (limit + 1)) == "token_too_large"
    assert code("a" * limit) != "token_too_large"
    accepted = {k.algorithm() for k in (es_key, ps_key, rs_key) if code(token(now // 1000, k)) == "ok"}
    assert {k.algorithm() for k in (es_key, ps_key, rs_key)} == {"ES256", "PS256", "RS256"}
    assert accepted == set(want["algorithms"])
    assert want["acceptJwtTyp"] is False and want["requireTyp"] is False


def test_parse_limits_are_the_cores() -> None:
    want = _case("limits")
    req, res = want["request"], want["response"]
    n = req["maxBodyBytes"]
    setpoll.parse_request("{}" + " " * (n - 2))
    with pytest.raises(setpoll.RequestError) as info:
        setpoll.parse_request("{}" + " " * (n - 1))
    assert info.value.code == "body_too_large"
    acks = req["maxAck"]
    setpoll.parse_request(json.dumps({"ack": [f"j{i}" for i in range(acks)]}))
    with pytest.raises(setpoll.RequestError) as info:
        setpoll.parse_request(json.dumps({"ack": [f"j{i}" for i in range(acks + 1)]}))
    assert info.value.code == "too_many_items"
    sets = res["maxSets"]

    def body(k: int) -> str:
        return json.dumps({"sets": {f"j{i}": "a.b.c" for i in range(k)}, "moreAvailable": False})

    assert len(setpoll.parse_response(body(sets))["sets"]) == sets
    with pytest.raises(setpoll.ResponseError) as rinfo:
        setpoll.parse_response(body(sets + 1))
    assert rinfo.value.code == "too_many_sets"
    empty = '{"sets":{},"moreAvailable":false}'
    r = res["maxBodyBytes"]
    setpoll.parse_response(empty + " " * (r - len(empty)))
    # One byte more is refused (by the binding's own 16 MiB argument bound,
    # which equals the core's default, or by the core).
    with pytest.raises(setpoll.SetpollError):
        setpoll.parse_response(empty + " " * (r - len(empty) + 1))
