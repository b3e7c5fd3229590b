# mypy: disable-error-code="arg-type, list-item"
# (this file calls every export with wrong types on purpose)
"""Bad input at every export: a table of bad calls, each of which must raise
a typed error (``TypeError`` for a wrong Python type, a ``SetpollError``
subclass for a bad value, ``too_large`` for an oversized input, checked
before it is copied), never echo more than about 200 characters of an
argument, and leave every object usable."""

from __future__ import annotations

import json
from typing import Any, Callable

import pytest

import setpoll
from conftest import AUD, ISS, NOW_MS, make_claims

BIG_TEXT = "x" * 50_000_000
BIG_BYTES = b"x" * 50_000_000
# Values thrown at every argument in turn.
BAD: list[Any] = [None, 5, -1, 2**70, 1.5, True, object(), [], {}, [1, "a"], "", "\x00", b"\xff\xfe", BIG_TEXT, BIG_BYTES]
TYPED = (TypeError, OverflowError, setpoll.SetpollError)
LONGEST_MESSAGE = 300


class World:
    """One of each object, reused across every bad call, then checked."""

    def __init__(self, key: setpoll.SigningKey) -> None:
        self.key = key
        self.jwks = setpoll.jwks_from_keys([key])
        self.ring = setpoll.Keyring.from_jwks(self.jwks)
        self.claims = make_claims("bad-calls")
        self.token = setpoll.sign_set(self.claims, key, NOW_MS, "rfc8417")
        self.tx = setpoll.MemoryTransmitter(long_poll_max_wait_ms=1_000, profile="rfc8936")
        self.wait = self.tx.handle_poll("waiter", b'{"returnImmediately":false}', NOW_MS)["wait"]
        self.store = setpoll.StorageTransmitter()
        self.rx = setpoll.Receiver(issuer=ISS, client_id=AUD, jwks_json=self.jwks)
        self.builder = setpoll.ClaimsBuilder(ISS, "b", AUD, 1)

    def exports(self) -> list[tuple[str, Callable[..., Any], list[Any]]]:
        """(name, callable, valid positional arguments) for every export."""
        s, w = setpoll, self
        enqueue_plan = w.store.plan_enqueue(w.token, NOW_MS)
        poll_plan = w.store.plan_poll(AUD, "{}", NOW_MS)
        sweep_plan = w.store.plan_sweep(NOW_MS, 10)
        subject = {"rid": "r", "rty": "t", "links": []}
        obie = {"obie": {"org_id": "o", "trust_anchor": "openbanking.org.uk"}}
        return [
            ("version", s.version, []),
            ("noop", s.noop, []),
            ("set_err_codes", s.set_err_codes, []),
            ("set_err_code", s.set_err_code, ["jwtIss"]),
            ("timestamp_from_secs", s.timestamp_from_secs, [1]),
            ("timestamp_as_secs", s.timestamp_as_secs, [1]),
            ("transmitter_defaults", s.transmitter_defaults, []),
            ("empty_poll_response", s.empty_poll_response, []),
            ("parse_request", s.parse_request, ["{}", True, "i", {"max_ack": 5}]),
            ("request_to_json", s.request_to_json, [{"ack": ["a"]}]),
            ("parse_response", s.parse_response, ["{}", {"max_sets": 5}]),
            ("response_to_json", s.response_to_json, [{"sets": [], "more_available": False}]),
            ("parse_error_response", s.parse_error_response, ['{"Code":"400","Message":"m","Errors":[]}']),
            ("obie_success_status", s.obie_success_status, ["v4.0"]),
            ("obie_error_response", s.obie_error_response, ["v4.0", '{"Code":"400","Message":"m","Errors":[]}']),
            ("peek_envelope", s.peek_envelope, [w.token]),
            ("verify_set", s.verify_set, [w.token, w.ring, {"issuer": ISS}, NOW_MS]),
            ("sign_set", s.sign_set, [w.claims, w.key, NOW_MS, obie]),
            ("jwks_from_keys", s.jwks_from_keys, [[w.key]]),
            ("jwk_thumbprint", s.jwk_thumbprint, [w.key.to_public_jwk()]),
            ("SigningKey.generate_es256", s.SigningKey.generate_es256, [bytes(32), "k"]),
            # 1024 bits is refused before any work, so no call here generates a key.
            ("SigningKey.generate_ps256", s.SigningKey.generate_ps256, [bytes(32), 1024, "k"]),
            ("SigningKey.from_jwk", s.SigningKey.from_jwk, [w.key.to_private_jwk(), "portable"]),
            ("SigningKey.from_pkcs8_pem", s.SigningKey.from_pkcs8_pem, [w.key.to_pkcs8_pem(), "k"]),
            ("Keyring.from_jwks", s.Keyring.from_jwks, [w.jwks, "native"]),
            ("Jwk.from_json", s.Jwk.from_json, [w.key.to_public_jwk()]),
            ("JwkSet.from_json", s.JwkSet.from_json, [w.jwks]),
            ("SetClaims.from_json", s.SetClaims.from_json, [w.claims.to_json()]),
            ("ClaimsBuilder", s.ClaimsBuilder, [ISS, "j", AUD, 1]),
            ("ClaimsBuilder.audience", w.builder.audience, ["a2"]),
            ("ClaimsBuilder.toe", w.builder.toe, [1]),
            ("ClaimsBuilder.exp", w.builder.exp, [1]),
            ("ClaimsBuilder.nbf", w.builder.nbf, [1]),
            ("ClaimsBuilder.sub_id_json", w.builder.sub_id_json, ['{"format":"opaque","id":"x"}']),
            ("ClaimsBuilder.claim", w.builder.claim, ["x-private", "1"]),
            ("ClaimsBuilder.resource_update", w.builder.resource_update, [subject]),
            ("ClaimsBuilder.consent_revoked", w.builder.consent_revoked, ["r", subject]),
            ("ClaimsBuilder.linked_account_update", w.builder.linked_account_update, ["r", subject]),
            ("ClaimsBuilder.custom_event", w.builder.custom_event, ["https://x.example/e", "{}"]),
            ("MemoryTransmitter.from_records", s.MemoryTransmitter.from_records, ["[]"]),
            ("MemoryTransmitter.enqueue", w.tx.enqueue, [w.token, NOW_MS]),
            ("MemoryTransmitter.handle_poll", w.tx.handle_poll, [AUD, "{}", NOW_MS, "i"]),
            ("MemoryTransmitter.resume", w.tx.resume, [w.wait, NOW_MS]),
            ("MemoryTransmitter.sweep", w.tx.sweep, [NOW_MS, 10]),
            ("StorageTransmitter.plan_enqueue", w.store.plan_enqueue, [w.token, NOW_MS]),
            ("StorageTransmitter.decide_enqueue", w.store.decide_enqueue, [enqueue_plan, None, None]),
            ("StorageTransmitter.plan_poll", w.store.plan_poll, [AUD, "{}", NOW_MS, "i"]),
            ("StorageTransmitter.plan_resume", w.store.plan_resume, [w.wait, NOW_MS]),
            ("StorageTransmitter.decide_poll", w.store.decide_poll, [poll_plan, "[]", "[]"]),
            ("StorageTransmitter.plan_sweep", w.store.plan_sweep, [NOW_MS, 10]),
            ("StorageTransmitter.decide_sweep", w.store.decide_sweep, [sweep_plan, "[]", False]),
            ("Receiver.restore", s.Receiver.restore, [w.rx.state()]),
            ("Receiver.next_request", w.rx.next_request, [NOW_MS]),
            ("Receiver.handle_response", w.rx.handle_response, [1, 200, "{}", NOW_MS, "5"]),
            ("Receiver.handle_failure", w.rx.handle_failure, [1, NOW_MS]),
            ("Receiver.ack", w.rx.ack, ["j"]),
            ("Receiver.reject", w.rx.reject, ["j", "jwtIss", "d"]),
            ("Receiver.refresh_keys", w.rx.refresh_keys, [w.jwks, 1]),
        ]

    def settings(self) -> list[tuple[str, Callable[..., Any], dict[str, Any]]]:
        """Constructors taking settings as keyword arguments."""
        return [
            ("MemoryTransmitter", setpoll.MemoryTransmitter, dict(setpoll.transmitter_defaults())),
            ("StorageTransmitter", setpoll.StorageTransmitter, dict(setpoll.transmitter_defaults())),
            ("Receiver", setpoll.Receiver, dict(self.rx.config())),
        ]

    def still_works(self) -> None:
        """Every object survived: a full transmit-receive cycle with them."""
        self.tx.enqueue(setpoll.sign_set(make_claims("after"), self.key, NOW_MS, "rfc8417"), NOW_MS)
        rx = setpoll.Receiver(issuer=ISS, client_id=AUD, jwks_json=self.jwks)
        req = rx.next_request(NOW_MS)
        assert req is not None
        answer = self.tx.handle_poll(AUD, req["body"], NOW_MS)["response_json"]
        assert answer is not None
        batch = rx.handle_response(req["id"], 200, answer, NOW_MS)
        assert "after" in [d["jti"] for d in batch["deliveries"]]
        assert self.rx.next_request(NOW_MS + 10**9) is None or self.rx.in_flight() is not None
        assert self.store.config() == setpoll.transmitter_defaults()
        assert setpoll.verify_set(self.token, self.ring, {"issuer": ISS}, NOW_MS)["kid"] == "es-1"
        # The builder kept what the bad calls added (an empty audience among
        # them): build() names the broken rule, as for any other bad claims.
        with pytest.raises(setpoll.ClaimsError) as info:
            self.builder.build()
        assert info.value.path is not None and info.value.path.startswith("aud")


def check(call: Callable[[], Any], bad: Any) -> str:
    """Run one bad call: a typed error or a result, nothing else; returns the outcome."""
    try:
        call()
    except TYPED as e:
        assert len(str(e)) <= LONGEST_MESSAGE, f"{type(e).__name__} echoes {len(str(e))} characters"
        if isinstance(bad, (str, bytes)) and len(bad) > 1 << 24 and isinstance(e, setpoll.SetpollError):
            assert e.code in {"too_large", "bad_seed"} or e.code, e.code
        if isinstance(e, setpoll.SetpollError):
            assert e.code and e.code == e.code.lower() and e.detail is not None
        return type(e).__name__
    return "ok"


def test_every_export_gets_typed_errors(es_key: setpoll.SigningKey) -> None:
    w = World(es_key)
    calls = 0
    outcomes: dict[str, int] = {}
    for _name, fn, args in w.exports():
        for i in range(len(args)):
            for bad in BAD:
                given = list(args)
                given[i] = bad
                outcome = check(lambda: fn(*given), bad)
                outcomes[outcome] = outcomes.get(outcome, 0) + 1
                calls += 1
        # One argument too many is a TypeError everywhere.
        with pytest.raises(TypeError):
            fn(*args, None, None, None, None, None)
        calls += 1
    for _name, ctor, config in w.settings():
        for key in config:
            for bad in BAD:
                outcome = check(lambda: ctor(**{**config, key: bad}), bad)
                outcomes[outcome] = outcomes.get(outcome, 0) + 1
                calls += 1
        with pytest.raises(setpoll.ArgumentError) as info:
            ctor(**config, no_such_setting=1)
        assert info.value.code == "unknown_option"
    assert calls > 1500, calls
    assert outcomes["TypeError"] > 300 and outcomes["ArgumentError"] > 100, outcomes
    w.still_works()


@pytest.mark.parametrize(
    ("call", "error", "code"),
    [
        (lambda: setpoll.peek_envelope(5), TypeError, None),
        (lambda: setpoll.parse_request(5), TypeError, None),
        (lambda: setpoll.jwks_from_keys(0), TypeError, None),
        (lambda: setpoll.jwks_from_keys(["x"] * 10_000_000), setpoll.ArgumentError, "too_large"),
        (lambda: setpoll.jwks_from_keys("x" * 50_000_000), setpoll.ArgumentError, "too_large"),
        (lambda: setpoll.jwk_thumbprint("x" * 50_000_000), setpoll.ArgumentError, "too_large"),
        (lambda: setpoll.parse_request(b"{" * 50_000_000), setpoll.ArgumentError, "too_large"),
        (lambda: setpoll.set_err_code("x" * 50_000_000), setpoll.ArgumentError, "too_large"),
        (lambda: setpoll.MemoryTransmitter(profile="x" * 50_000_000), setpoll.ArgumentError, "too_large"),
        (lambda: setpoll.MemoryTransmitter(profile="x" * 5_000_000), setpoll.ArgumentError, "bad_option"),
        (lambda: setpoll.request_to_json({"ack": ["a"] * 10_000_000}), setpoll.ArgumentError, "too_large"),
        (lambda: setpoll.request_to_json({"ack": [""]}), setpoll.RequestError, "invalid_length"),
        (lambda: setpoll.MemoryTransmitter(max_attempts="x"), TypeError, None),
        (lambda: setpoll.StorageTransmitter().plan_sweep(NOW_MS, -1), setpoll.ArgumentError, "negative_value"),
        (lambda: setpoll.MemoryTransmitter().sweep(-1), setpoll.ArgumentError, "negative_time"),
        (lambda: setpoll.SigningKey.generate_ps256(bytes(32), 8192), setpoll.ArgumentError, "bad_key_size"),
        (lambda: setpoll.generate_ps256(bits=8192), setpoll.ArgumentError, "bad_key_size"),
        (lambda: setpoll.SigningKey.generate_es256(bytes(50_000_000)), setpoll.ArgumentError, "too_large"),
        (lambda: setpoll.verify_set("t", 5, {}, NOW_MS), TypeError, None),
        (lambda: setpoll.Keyring.from_jwks("{}", "gpu"), setpoll.ArgumentError, "bad_option"),
        (lambda: setpoll.obie_success_status(json.dumps("v4.0")), setpoll.ArgumentError, "bad_option"),
    ],
)
def test_bad_call_contracts(call: Callable[[], Any], error: type[BaseException], code: str | None) -> None:
    with pytest.raises(error) as info:
        call()
    assert len(str(info.value)) <= LONGEST_MESSAGE
    if code is not None:
        assert isinstance(info.value, setpoll.SetpollError) and info.value.code == code
