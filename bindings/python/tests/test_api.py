"""The public surface end to end: wire, claims, keys, sign/verify, transmitter."""

from __future__ import annotations

import json

import pytest

import setpoll
from conftest import AUD, ORG_ID, ISS, NOW_MS, make_claims

RESOURCE_UPDATE = "urn:uk:org:openbanking:events:resource-update"


# --- wire -------------------------------------------------------------------


def test_request_round_trips_canonically() -> None:
    body = b'{"ack":["a","b","a"],"maxEvents":5,"setErrs":{"c":{"err":"jwtIss","description":"bad iss"}}}'
    req = setpoll.parse_request(body)
    assert req.max_events == 5 and req.return_immediately is None
    assert req.ack == ["a", "b"]
    assert req.set_errs == [("c", "jwtIss", "bad iss")]
    again = setpoll.parse_request(req.to_json())
    assert again == req
    built = setpoll.PollRequest(max_events=5, ack=["a", "b"], set_errs=[("c", "jwtIss", "bad iss")])
    assert built.to_json() == req.to_json()


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
    assert setpoll.parse_request('{"foo":1}', reject_unknown_members=False).ack == []


def test_response_round_trip_and_errors() -> None:
    resp = setpoll.PollResponse([("j1", "a.b.c"), ("j2", "d.e.f")], True)
    parsed = setpoll.parse_response(resp.to_json())
    assert parsed == resp and parsed.more_available
    assert setpoll.parse_response(b"{}").sets == []
    with pytest.raises(setpoll.ResponseError) as info:
        setpoll.parse_response('{"sets": []}')
    assert info.value.code and info.value.path == "sets"


def test_wrong_argument_types_raise_type_error() -> None:
    with pytest.raises(TypeError):
        setpoll.parse_request(123)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        setpoll.PollRequest(ack=[1])  # type: ignore[list-item]


# --- claims -------------------------------------------------------------------


def test_claims_builder_and_json_round_trip() -> None:
    claims = make_claims()
    assert claims.iss == ISS and claims.aud == [AUD] and claims.jti == "jti-1"
    assert claims.event_types == [RESOURCE_UPDATE]
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


# --- keys ---------------------------------------------------------------------


def test_key_import_export(es_key: setpoll.SigningKey, ps_key: setpoll.SigningKey) -> None:
    assert es_key.algorithm == "ES256" and es_key.kid == "es-1"
    assert ps_key.algorithm == "PS256"
    # deterministic from the seed
    assert setpoll.SigningKey.generate_es256(bytes(range(32)), "es-1").to_public_jwk() == es_key.to_public_jwk()
    again = setpoll.SigningKey.from_jwk(es_key.to_private_jwk())
    assert again.to_public_jwk() == es_key.to_public_jwk() and again.kid == "es-1"
    pem = es_key.to_pkcs8_pem()
    assert pem.startswith("-----BEGIN PRIVATE KEY-----")
    assert setpoll.SigningKey.from_pkcs8_pem(pem, "x").to_public_jwk() == setpoll.SigningKey.from_jwk(
        es_key.to_private_jwk()
    ).to_public_jwk().replace('"es-1"', '"x"')
    public = json.loads(es_key.to_public_jwk())
    assert public["kty"] == "EC" and "d" not in public
    assert len(setpoll.jwk_thumbprint(es_key.to_public_jwk())) == 43
    assert setpoll.generate_es256().kid != setpoll.generate_es256().kid


def test_keyring(keyring: setpoll.Keyring) -> None:
    assert sorted(keyring.kids) == ["es-1", "ps-1"] and len(keyring) == 2
    assert json.loads(keyring.to_jwks())["keys"][0]["kid"] in {"es-1", "ps-1"}
    odd = setpoll.Keyring.from_jwks('{"keys":[{"kty":"oct","k":"AAAA","kid":"h"}]}')
    assert len(odd) == 0 and odd.skipped[0][0] == "h" and odd.skipped[0][1]


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
    with pytest.raises(setpoll.JwkError):
        setpoll.SigningKey.generate_ps256(bytes(32), 1024)


# --- sign / verify ------------------------------------------------------------


@pytest.mark.parametrize("profile", ["rfc8417", "obie"])
def test_sign_then_verify(
    profile: str, es_key: setpoll.SigningKey, ps_key: setpoll.SigningKey, keyring: setpoll.Keyring
) -> None:
    policy = setpoll.VerifyPolicy(ISS, AUD)
    for key in (es_key, ps_key):
        token = setpoll.sign_set(
            make_claims(), key, NOW_MS, profile=profile,  # type: ignore[arg-type]
            org_id="0015800001041RHAAY", trust_anchor="openbanking.org.uk",
        )
        v = setpoll.verify_set(token, keyring, policy, NOW_MS)
        assert v.kid == key.kid and v.alg == key.algorithm
        assert v.claims == make_claims()
        assert setpoll.peek_envelope(token).jti == "jti-1"


def test_verify_failures_map_to_set_errs(es_key: setpoll.SigningKey, keyring: setpoll.Keyring) -> None:
    token = setpoll.sign_set(make_claims(), es_key, NOW_MS, org_id=ORG_ID)
    cases = [
        (setpoll.VerifyPolicy("https://other", AUD), "jwtIss"),
        (setpoll.VerifyPolicy(ISS, "someone-else"), "jwtAud"),
    ]
    for policy, set_err in cases:
        with pytest.raises(setpoll.VerifyError) as info:
            setpoll.verify_set(token, keyring, policy, NOW_MS)
        assert info.value.set_err == set_err and info.value.code
    h, p, s = token.split(".")
    tampered = f"{h}.{p}.{s[:-4]}AAAA"
    with pytest.raises(setpoll.VerifyError) as info2:
        setpoll.verify_set(tampered, keyring, setpoll.VerifyPolicy(ISS, AUD), NOW_MS)
    assert info2.value.set_err in {"jws", "jwtCrypto"}
    for junk in ["", "a.b.c", "x" * 200_000, token + "."]:
        with pytest.raises(setpoll.VerifyError):
            setpoll.verify_set(junk, keyring, setpoll.VerifyPolicy(ISS, AUD), NOW_MS)
    with pytest.raises(setpoll.ArgumentError):
        setpoll.VerifyPolicy(ISS, AUD, algorithms=["HS256"])
    with pytest.raises(setpoll.ArgumentError):
        setpoll.sign_set(make_claims(), es_key, NOW_MS, profile="obie")


def test_sign_set_defaults_to_the_obie_profile_like_the_cli(es_key: setpoll.SigningKey) -> None:
    import base64

    def header(token: str) -> dict[str, object]:
        h = token.split(".")[0]
        decoded: dict[str, object] = json.loads(base64.urlsafe_b64decode(h + "=" * (-len(h) % 4)))
        return decoded

    h = header(setpoll.sign_set(make_claims(), es_key, NOW_MS, org_id=ORG_ID))
    assert h["typ"] == "JOSE"
    assert h["http://openbanking.org.uk/iss"] == ORG_ID
    assert h["http://openbanking.org.uk/tan"] == "openbanking.org.uk"  # the CLI's default too
    assert "http://openbanking.org.uk/iat" in h.get("crit", [])  # type: ignore[operator]
    # The OBIE default needs the organisation id, as `setpoll sign` does.
    with pytest.raises(setpoll.ArgumentError):
        setpoll.sign_set(make_claims(), es_key, NOW_MS)
    rfc = header(setpoll.sign_set(make_claims(), es_key, NOW_MS, profile="rfc8417"))
    assert rfc["typ"] == "secevent+jwt" and "crit" not in rfc


# --- transmitter -------------------------------------------------------------


def test_transmitter_poll_cycle(es_key: setpoll.SigningKey, keyring: setpoll.Keyring) -> None:
    tx = setpoll.MemoryTransmitter()
    tokens = [setpoll.sign_set(make_claims(f"j{i}"), es_key, NOW_MS, org_id=ORG_ID) for i in range(3)]
    assert [tx.enqueue(t, NOW_MS).wake for t in tokens] == [AUD, AUD, AUD]
    again = tx.enqueue(tokens[0], NOW_MS)  # already queued
    assert again.wake is None and not again.queued and again.same_token and again.state == "pending"
    assert again.changes_json == "[]"
    assert len(tx) == 3

    # The TPP side: poll, verify each SET, acknowledge.
    policy = setpoll.VerifyPolicy(ISS, AUD)
    ans = tx.handle_poll(AUD, setpoll.PollRequest(max_events=2).to_json(), NOW_MS + 1)
    assert ans.response_json is not None and ans.wait is None
    resp = setpoll.parse_response(ans.response_json)
    assert [jti for jti, _ in resp.sets] == ["j0", "j1"] and resp.more_available
    acks = [setpoll.verify_set(tok, keyring, policy, NOW_MS).claims.jti for _, tok in resp.sets]

    ans2 = tx.handle_poll(AUD, setpoll.PollRequest(ack=acks).to_json(), NOW_MS + 2)
    assert ans2.response_json is not None
    resp2 = setpoll.parse_response(ans2.response_json)
    assert [jti for jti, _ in resp2.sets] == ["j2"] and not resp2.more_available
    ans3 = tx.handle_poll(
        AUD, setpoll.PollRequest(max_events=0, set_errs=[("j2", "jwtIss", "no")]).to_json(), NOW_MS + 3
    )
    assert ans3.response_json is not None
    assert setpoll.parse_response(ans3.response_json).sets == []
    states = {jti: state for _, jti, state in tx.records()}
    assert "j0" not in states and "j1" not in states
    assert tx.sweep(NOW_MS + 4).more is False
    assert json.loads(tx.records_json())[0]["jti"] == "j2"


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
    with pytest.raises(setpoll.TransmitterError):
        setpoll.MemoryTransmitter(max_events_limit=0)


def test_long_poll_waits_then_resumes(es_key: setpoll.SigningKey) -> None:
    tx = setpoll.MemoryTransmitter(profile="rfc8936", long_poll_max_wait_ms=30_000)
    ans = tx.handle_poll(AUD, b'{"returnImmediately":false}', NOW_MS)
    assert ans.response_json is None and ans.wait is not None
    wait = ans.wait
    assert wait.client == AUD and NOW_MS < wait.until_ms <= NOW_MS + 30_000
    assert tx.enqueue(setpoll.sign_set(make_claims("late"), es_key, NOW_MS, org_id=ORG_ID), NOW_MS + 10).wake == AUD
    resumed = tx.resume(wait, NOW_MS + 11)
    assert resumed.response_json is not None
    assert [j for j, _ in setpoll.parse_response(resumed.response_json).sets] == ["late"]
