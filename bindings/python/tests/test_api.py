"""The public surface end to end: wire, claims, keys, sign/verify, transmitter."""

from __future__ import annotations

import json

import pytest

import setpoll
from conftest import AUD, ISS, NOW_MS, make_claims

RESOURCE_UPDATE = "urn:uk:org:openbanking:events:resource-update"


# --- wire -------------------------------------------------------------------


def test_request_round_trips_canonically() -> None:
    body = b'{"ack":["a","b","a"],"maxEvents":5,"setErrs":{"c":{"err":"jwtIss","description":"bad iss"}}}'
    req = setpoll.parse_request(body)
    assert req["max_events"] == 5 and req["return_immediately"] is None
    assert req["ack"] == ["a", "b"]
    assert req["set_errs"] == [{"jti": "c", "err": "jwtIss", "description": "bad iss"}]
    again = setpoll.parse_request(setpoll.request_to_json(req))
    assert again == req
    built: setpoll.PollRequest = {
        "max_events": 5, "ack": ["a", "b"], "set_errs": [{"jti": "c", "err": "jwtIss", "description": "bad iss"}]
    }
    assert setpoll.request_to_json(built) == setpoll.request_to_json(req)
    # A request the strict reader would refuse is refused before it is sent.
    with pytest.raises(setpoll.RequestError) as info:
        setpoll.request_to_json({"ack": [""]})
    assert info.value.path == "ack[0]"


def test_request_errors_carry_the_400_body() -> None:
    with pytest.raises(setpoll.RequestError) as info:
        setpoll.parse_request('{"maxEvents": "5"}', interaction_id="fapi-1")
    e = info.value
    assert isinstance(e, setpoll.SetpollError)
    assert e.code == "wrong_type" and e.path == "maxEvents"
    assert e.obie_code == "UK.OBIE.Field.Invalid"
    body = json.loads(e.error_response)
    assert body["Id"] == "fapi-1" and body["Code"] == "400 BadRequest"
    assert body["Errors"][0]["ErrorCode"] == "UK.OBIE.Field.Invalid"
    assert body["Errors"][0]["Path"] == "maxEvents"
    assert json.loads(setpoll.parse_error_response(e.error_response)) == body


@pytest.mark.parametrize(
    ("body", "code"),
    [
        (b"", "empty_body"),
        (b"\xff", "not_utf8"),
        (b"[1]", "not_an_object"),
        (b'{"ack":[1]}', "wrong_type"),
        (b'{"maxEvents":1.5}', "not_an_integer"),
        (b'{"maxEvents":-1}', "out_of_range"),
        (b'{"ack":[],"ack":[]}', "duplicate_member"),
        (b'{"foo":1}', "unknown_member"),
        (b"{" * 10_000, "malformed_json"),
        (b'{"ack":["' + b"x" * 2_000_000 + b'"]}', "body_too_large"),
    ],
)
def test_bad_requests_are_typed_errors(body: bytes, code: str) -> None:
    with pytest.raises(setpoll.RequestError) as info:
        setpoll.parse_request(body)
    assert info.value.code == code


def test_unknown_members_can_be_tolerated() -> None:
    assert setpoll.parse_request('{"foo":1}', reject_unknown_members=False)["ack"] == []


def test_response_round_trip_and_errors() -> None:
    resp: setpoll.PollResponse = {
        "sets": [{"jti": "j1", "token": "a.b.c"}, {"jti": "j2", "token": "d.e.f"}], "more_available": True
    }
    parsed = setpoll.parse_response(setpoll.response_to_json(resp))
    assert parsed == resp
    assert setpoll.parse_response(b"{}")["sets"] == []
    assert setpoll.parse_response(setpoll.empty_poll_response()) == {"sets": [], "more_available": False}
    with pytest.raises(setpoll.ResponseError) as info:
        setpoll.parse_response('{"sets": []}')
    assert info.value.code and info.value.path == "sets"


def test_wrong_argument_types_raise_type_error() -> None:
    with pytest.raises(TypeError):
        setpoll.parse_request(123)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        setpoll.request_to_json({"ack": [1]})  # type: ignore[list-item]
    with pytest.raises(TypeError):
        setpoll.request_to_json("{}")  # type: ignore[arg-type]
    with pytest.raises(setpoll.ArgumentError) as info:
        setpoll.request_to_json({"acks": []})  # type: ignore[typeddict-unknown-key]
    assert info.value.code == "unknown_option"


def test_obie_rules() -> None:
    assert setpoll.obie_success_status("v3.1.2") == 201
    assert setpoll.obie_success_status("v4.0") == 200
    with pytest.raises(setpoll.RequestError) as info:
        setpoll.parse_request(b'{"maxEvents":-1}')
    v4 = json.loads(setpoll.obie_error_response("v4.0", info.value.error_response))
    assert len(v4["Errors"][0]["ErrorCode"]) == 4
    with pytest.raises(setpoll.ArgumentError):
        setpoll.obie_success_status("v9")  # type: ignore[arg-type]


# --- claims -------------------------------------------------------------------


def test_claims_builder_and_json_round_trip() -> None:
    claims = make_claims()
    assert claims.iss() == ISS and claims.aud() == [AUD] and claims.jti() == "jti-1"
    assert claims.event_types() == [RESOURCE_UPDATE]
    assert claims.sub() and claims.txn() == "txn-1" and claims.toe() == claims.iat()
    claims.check_obie_profile()
    again = setpoll.SetClaims.from_json(claims.to_json())
    assert again == claims and again.to_json() == claims.to_json()


def test_claims_errors_carry_set_errs() -> None:
    with pytest.raises(setpoll.ClaimsError) as info:
        setpoll.SetClaims.from_json('{"iss":"x","iat":"1","jti":"j","aud":"a","events":{}}')
    e = info.value
    assert e.code == "wrong_type" and e.path == "iat"
    assert e.set_err == "setParse" and e.set_err_rfc8935 == "invalid_request"
    with pytest.raises(setpoll.ClaimsError) as info2:
        setpoll.ClaimsBuilder(ISS, "j", AUD, 1).build()  # no events
    assert info2.value.set_err == "setType"


def test_builder_is_single_use() -> None:
    b = setpoll.ClaimsBuilder(ISS, "j", AUD, 1).custom_event("https://x.example/e", "{}")
    b.build()
    with pytest.raises(setpoll.ArgumentError) as info:
        b.build()
    assert info.value.code == "builder_used"
    with pytest.raises(setpoll.ArgumentError):
        setpoll.ClaimsBuilder(ISS, "j", AUD, 1).custom_event("https://x.example/e", "[1")


def test_claims_builder_refuses_duplicate_member_names() -> None:
    # Read as the core reads every document: serde_json's Value would keep
    # the last "a" silently, so two readers could disagree.
    cases = [
        ("custom_event", ["https://x.example/e", '{"a":1,"a":2}'], "invalid_event_payload"),
        ("sub_id_json", ['{"format":"opaque","id":"x","id":"y"}'], "invalid_sub_id"),
        ("claim", ["x", '{"k":{"a":1,"a":2}}'], "invalid_claim_value"),
    ]
    for method, args, code in cases:
        with pytest.raises(setpoll.ArgumentError) as info:
            getattr(setpoll.ClaimsBuilder(ISS, "j", AUD, 1), method)(*args)
        assert info.value.code == code, method
        assert "duplicate member name" in str(info.value)
    # The same members once each still build.
    claims = setpoll.ClaimsBuilder(ISS, "j", AUD, 1).claim("x", '{"k":{"a":1}}').custom_event("https://x.example/e", "{}").build()
    assert '"x":{"k":{"a":1}}' in claims.to_json()


# --- keys ---------------------------------------------------------------------


def test_key_import_export(es_key: setpoll.SigningKey, ps_key: setpoll.SigningKey) -> None:
    assert es_key.algorithm() == "ES256" and es_key.kid() == "es-1"
    assert ps_key.algorithm() == "PS256"
    # deterministic from the seed
    assert setpoll.SigningKey.generate_es256(bytes(range(32)), "es-1").to_public_jwk() == es_key.to_public_jwk()
    again = setpoll.SigningKey.from_jwk(es_key.to_private_jwk())
    assert again.to_public_jwk() == es_key.to_public_jwk() and again.kid() == "es-1"
    pem = es_key.to_pkcs8_pem()
    assert pem.startswith("-----BEGIN PRIVATE KEY-----")
    assert setpoll.SigningKey.from_pkcs8_pem(pem, "x").to_public_jwk() == setpoll.SigningKey.from_jwk(
        es_key.to_private_jwk()
    ).to_public_jwk().replace('"es-1"', '"x"')
    public = json.loads(es_key.to_public_jwk())
    assert public["kty"] == "EC" and "d" not in public
    assert len(setpoll.jwk_thumbprint(es_key.to_public_jwk())) == 43
    assert setpoll.generate_es256().kid() != setpoll.generate_es256().kid()


def test_keyring(keyring: setpoll.Keyring) -> None:
    assert sorted(keyring.kids()) == ["es-1", "ps-1"]
    assert json.loads(keyring.to_jwks())["keys"][0]["kid"] in {"es-1", "ps-1"}
    odd = setpoll.Keyring.from_jwks('{"keys":[{"kty":"oct","k":"AAAA","kid":"h"}]}')
    assert odd.kids() == [] and odd.skipped()[0]["kid"] == "h" and odd.skipped()[0]["code"]
    assert odd.skipped()[0]["index"] == 0


@pytest.mark.parametrize(
    "jwk",
    ["", "{}", "[]", '{"kty":"EC","crv":"P-256","x":"AA","y":"AA","d":"AA"}', "x" * 100_000],
)
def test_malformed_keys_raise_key_error(jwk: str) -> None:
    with pytest.raises(setpoll.JwkError) as info:
        setpoll.SigningKey.from_jwk(jwk)
    assert info.value.code


def test_bad_seed_and_backend() -> None:
    with pytest.raises(setpoll.ArgumentError):
        setpoll.SigningKey.generate_es256(b"short")
    with pytest.raises(setpoll.ArgumentError):
        setpoll.Keyring.from_jwks('{"keys":[]}', "gpu")  # type: ignore[arg-type]
    for bits in (1024, 8192):
        with pytest.raises(setpoll.ArgumentError) as info:
            setpoll.SigningKey.generate_ps256(bytes(32), bits)
        assert info.value.code == "bad_key_size"
    with pytest.raises(setpoll.ArgumentError):
        setpoll.generate_ps256(bits=8192)


# --- sign / verify ------------------------------------------------------------


@pytest.mark.parametrize("profile", ["rfc8417", "obie"])
def test_sign_then_verify(
    profile: str, es_key: setpoll.SigningKey, ps_key: setpoll.SigningKey, keyring: setpoll.Keyring
) -> None:
    policy: setpoll.VerifyPolicy = {"issuer": ISS, "audience": AUD}
    header: setpoll.HeaderProfile = "rfc8417"
    if profile == "obie":
        header = {"obie": {"org_id": "0015800001041RHAAY", "trust_anchor": "openbanking.org.uk"}}
    for key in (es_key, ps_key):
        token = setpoll.sign_set(make_claims(), key, NOW_MS, header)
        v = setpoll.verify_set(token, keyring, policy, NOW_MS)
        assert v["kid"] == key.kid() and v["alg"] == key.algorithm()
        assert v["claims"] == make_claims()
        assert setpoll.peek_envelope(token)["jti"] == "jti-1"


def test_verify_failures_map_to_set_errs(es_key: setpoll.SigningKey, keyring: setpoll.Keyring) -> None:
    token = setpoll.sign_set(make_claims(), es_key, NOW_MS, "rfc8417")
    good: setpoll.VerifyPolicy = {"issuer": ISS, "audience": AUD}
    cases: list[tuple[setpoll.VerifyPolicy, str]] = [
        ({"issuer": "https://other", "audience": AUD}, "jwtIss"),
        ({"issuer": ISS, "audience": "someone-else"}, "jwtAud"),
    ]
    for policy, set_err in cases:
        with pytest.raises(setpoll.VerifyError) as info:
            setpoll.verify_set(token, keyring, policy, NOW_MS)
        assert info.value.set_err == set_err and info.value.code
    h, p, s = token.split(".")
    tampered = f"{h}.{p}.{s[:-4]}AAAA"
    with pytest.raises(setpoll.VerifyError) as info2:
        setpoll.verify_set(tampered, keyring, good, NOW_MS)
    assert info2.value.set_err in {"jws", "jwtCrypto"}
    for junk in ["", "a.b.c", "x" * 200_000, token + "."]:
        with pytest.raises(setpoll.VerifyError):
            setpoll.verify_set(junk, keyring, good, NOW_MS)
    with pytest.raises(setpoll.ArgumentError):
        setpoll.verify_set(token, keyring, {"algorithms": ["HS256"]}, NOW_MS)
    with pytest.raises(setpoll.ArgumentError):
        setpoll.verify_set(token, keyring, {"issuer": ISS, "audiance": AUD}, NOW_MS)  # type: ignore[typeddict-unknown-key]
    with pytest.raises(TypeError):  # the OBIE profile needs its org_id and trust_anchor
        setpoll.sign_set(make_claims(), es_key, NOW_MS, "obie")  # type: ignore[arg-type]
    with pytest.raises(setpoll.ArgumentError):
        setpoll.sign_set(make_claims(), es_key, NOW_MS, {"obie": {"org_id": "", "trust_anchor": "a\nb"}})


# --- transmitter -------------------------------------------------------------


def test_transmitter_poll_cycle(es_key: setpoll.SigningKey, keyring: setpoll.Keyring) -> None:
    tx = setpoll.MemoryTransmitter()
    tokens = [setpoll.sign_set(make_claims(f"j{i}"), es_key, NOW_MS, "rfc8417") for i in range(3)]
    assert [tx.enqueue(t, NOW_MS)["wake"] for t in tokens] == [AUD, AUD, AUD]
    again = tx.enqueue(tokens[0], NOW_MS)  # already queued
    assert again["wake"] is None and not again["queued"] and again["same_token"] and again["state"] == "pending"
    assert again["changes_json"] == "[]"
    assert tx.size() == 3 == len(tx)

    # The TPP side: poll, verify each SET, acknowledge.
    policy: setpoll.VerifyPolicy = {"issuer": ISS, "audience": AUD}
    ans = tx.handle_poll(AUD, setpoll.request_to_json({"max_events": 2}), NOW_MS + 1)
    assert ans["response_json"] is not None and ans["wait"] is None
    resp = setpoll.parse_response(ans["response_json"])
    assert [s["jti"] for s in resp["sets"]] == ["j0", "j1"] and resp["more_available"]
    acks = [setpoll.verify_set(s["token"], keyring, policy, NOW_MS)["claims"].jti() for s in resp["sets"]]

    ans2 = tx.handle_poll(AUD, setpoll.request_to_json({"ack": acks}), NOW_MS + 2)
    assert ans2["response_json"] is not None
    resp2 = setpoll.parse_response(ans2["response_json"])
    assert [s["jti"] for s in resp2["sets"]] == ["j2"] and not resp2["more_available"]
    body = setpoll.request_to_json({"max_events": 0, "set_errs": [{"jti": "j2", "err": "jwtIss", "description": "no"}]})
    ans3 = tx.handle_poll(AUD, body, NOW_MS + 3)
    assert ans3["response_json"] == setpoll.empty_poll_response()
    records = json.loads(tx.records_json())
    assert [r["jti"] for r in records] == ["j2"]
    assert tx.sweep(NOW_MS + 4)["more"] is False


def test_transmitter_rejects_bad_input(es_key: setpoll.SigningKey) -> None:
    tx = setpoll.MemoryTransmitter()
    with pytest.raises(setpoll.RequestError) as info:
        tx.handle_poll(AUD, b'{"bogus":true}', NOW_MS, interaction_id="i-1")
    assert json.loads(info.value.error_response)["Id"] == "i-1"
    with pytest.raises(setpoll.TransmitterError) as info2:
        tx.enqueue("not-a-token", NOW_MS)
    assert info2.value.code == "malformed_token"
    with pytest.raises(setpoll.ArgumentError):
        setpoll.MemoryTransmitter(profile="x")  # type: ignore[arg-type]
    with pytest.raises(setpoll.ArgumentError) as info3:
        setpoll.MemoryTransmitter(max_attempts=-1)
    assert info3.value.code == "negative_value"
    with pytest.raises(setpoll.TransmitterError):
        setpoll.MemoryTransmitter(max_events_limit=0)


def test_long_poll_waits_then_resumes(es_key: setpoll.SigningKey) -> None:
    tx = setpoll.MemoryTransmitter(profile="rfc8936", long_poll_max_wait_ms=30_000)
    ans = tx.handle_poll(AUD, b'{"returnImmediately":false}', NOW_MS)
    wait = ans["wait"]
    assert ans["response_json"] is None and wait is not None
    assert wait.client() == AUD and NOW_MS < wait.until_ms() <= NOW_MS + 30_000
    assert json.loads(wait.request_json()) == {"returnImmediately": False}
    late = setpoll.sign_set(make_claims("late"), es_key, NOW_MS, "rfc8417")
    assert tx.enqueue(late, NOW_MS + 10)["wake"] == AUD
    resumed = tx.resume(wait, NOW_MS + 11)
    assert resumed["response_json"] is not None
    assert [s["jti"] for s in setpoll.parse_response(resumed["response_json"])["sets"]] == ["late"]


def test_memory_transmitter_from_records(es_key: setpoll.SigningKey) -> None:
    tx = setpoll.MemoryTransmitter(max_attempts=3)
    tx.enqueue(setpoll.sign_set(make_claims("r1"), es_key, NOW_MS, "rfc8417"), NOW_MS)
    again = setpoll.MemoryTransmitter.from_records(tx.records_json(), max_attempts=3)
    assert again.records_json() == tx.records_json() and again.size() == 1
    with pytest.raises(setpoll.ArgumentError) as info:
        setpoll.MemoryTransmitter.from_records("[{}]")
    assert info.value.code == "bad_json"
