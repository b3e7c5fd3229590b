"""The receiver: a transmitter <-> receiver round trip in memory, restarts,
backoff (failed round trips are the batch's ``failure``, "nothing due" is
``None``) and the typed errors."""

from __future__ import annotations

import json
from typing import Any

import pytest

import setpoll

from conftest import AUD, ISS, NOW_MS, make_claims


def jwks_of(key: setpoll.SigningKey) -> str:
    return setpoll.jwks_from_keys([key])


def receiver(key: setpoll.SigningKey, **kw: Any) -> setpoll.Receiver:
    args: dict[str, Any] = {"issuer": ISS, "client_id": AUD, "jwks_json": jwks_of(key), "jitter_seed": bytes(32)}
    args.update(kw)
    return setpoll.Receiver(**args)


def pending_acks(rx: setpoll.Receiver) -> list[str]:
    acks: list[str] = json.loads(rx.state())["pendingAcks"]
    return acks


def test_round_trip_with_the_transmitter(es_key: setpoll.SigningKey) -> None:
    tx = setpoll.MemoryTransmitter()
    for i in range(5):
        tx.enqueue(setpoll.sign_set(make_claims(f"j{i}"), es_key, NOW_MS, "rfc8417"), NOW_MS)
    rx = receiver(es_key, max_events=3, poll_interval_ms=1_000)
    now = NOW_MS + 1
    seen: list[str] = []
    for _ in range(10):
        req = rx.next_request(now)
        if req is None:
            at = rx.poll_timeout()
            assert at is not None and at > now
            now = at
            continue
        ans = tx.handle_poll(AUD, req["body"], now)
        assert ans["response_json"] is not None
        batch = rx.handle_response(req["id"], 200, ans["response_json"], now)
        assert batch["failure"] is None
        assert rx.take_changes() is not None  # persist before handing over
        for d in batch["deliveries"]:
            claims = json.loads(d["claims_json"])
            assert d["event_types"] and claims["iss"] == ISS and claims["jti"] == d["jti"]
            assert d["iss"] == ISS and d["token"].count(".") == 2 and d["delivered_at_ms"] == now
            seen.append(d["jti"])
            rx.ack(d["jti"])
        if len(seen) == 5 and not pending_acks(rx):
            break
    assert sorted(seen) == [f"j{i}" for i in range(5)]
    assert pending_acks(rx) == []
    assert tx.size() == 0  # every SET acknowledged and gone from the queue


def test_ack_flush_request_shape(es_key: setpoll.SigningKey) -> None:
    tx = setpoll.MemoryTransmitter()
    tx.enqueue(setpoll.sign_set(make_claims("a1"), es_key, NOW_MS, "rfc8417"), NOW_MS)
    rx = receiver(es_key, max_events=10, return_immediately=True)
    req = rx.next_request(NOW_MS)
    assert req is not None
    assert (req["kind"], req["body"]) == ("poll", '{"maxEvents":10,"returnImmediately":true}')
    ans = tx.handle_poll(AUD, req["body"], NOW_MS)
    assert ans["response_json"] is not None
    batch = rx.handle_response(req["id"], 200, ans["response_json"].encode(), NOW_MS)
    assert [d["jti"] for d in batch["deliveries"]] == ["a1"] and not batch["more_available"]
    assert [d["jti"] for d in rx.unsettled()] == ["a1"]
    rx.ack("a1")
    assert pending_acks(rx) == ["a1"] and rx.poll_timeout() == 0
    flush = rx.next_request(NOW_MS)
    assert flush is not None
    assert (flush["kind"], flush["body"]) == ("ack_only", '{"maxEvents":0,"returnImmediately":true,"ack":["a1"]}')
    assert rx.next_request(NOW_MS) is None  # in flight: nothing else to send
    assert rx.in_flight() == flush["id"] and rx.poll_timeout() is None


def test_bad_sets_are_rejected_and_reported(es_key: setpoll.SigningKey) -> None:
    # The published kid, another key: a bad signature (an unknown kid would be held).
    other = setpoll.SigningKey.generate_es256(bytes(32), es_key.kid())
    good = setpoll.sign_set(make_claims("ok"), es_key, NOW_MS, "rfc8417")
    forged = setpoll.sign_set(make_claims("bad"), other, NOW_MS, "rfc8417")
    rx = receiver(es_key)
    req = rx.next_request(NOW_MS)
    assert req is not None
    body = json.dumps({"sets": {"ok": good, "bad": forged}, "moreAvailable": False})
    batch = rx.handle_response(req["id"], 200, body, NOW_MS)
    assert [d["jti"] for d in batch["deliveries"]] == ["ok"]
    assert [r["jti"] for r in batch["rejections"]] == ["bad"]
    assert batch["rejections"][0]["reported_err"] is not None
    assert batch["rejections"][0]["reported_description"]
    rx.reject("ok", "jwtClaims", "payload refused by the application")
    with pytest.raises(setpoll.ReceiverError) as e:
        rx.ack("ok")
    assert e.value.code == "already_settled"
    with pytest.raises(setpoll.ReceiverError) as e:
        rx.ack("never-seen")
    assert e.value.code == "unknown_jti"
    flush = rx.next_request(NOW_MS)
    assert flush is not None
    sent = json.loads(flush["body"])
    assert set(sent["setErrs"]) == {"ok", "bad"}
    assert sent["setErrs"]["ok"] == {"err": "jwtClaims", "description": "payload refused by the application"}


def test_failures_back_off_and_keep_acks(es_key: setpoll.SigningKey) -> None:
    rx = receiver(es_key, backoff_base_ms=1_000, backoff_cap_ms=8_000, backoff_jitter="none")
    req = rx.next_request(NOW_MS)
    assert req is not None
    failure = rx.handle_failure(req["id"], NOW_MS)
    assert failure["code"] == "no_answer" and failure["retry_at_ms"] == NOW_MS + 1_000
    assert rx.next_request(NOW_MS + 10) is None and rx.poll_timeout() == NOW_MS + 1_000
    req = rx.next_request(NOW_MS + 1_000)
    assert req is not None
    f = rx.handle_response(req["id"], 503, b"", NOW_MS + 1_000)["failure"]
    assert f is not None and f["code"] == "server_error" and f["status"] == 503
    assert f["retry_at_ms"] == rx.poll_timeout() == NOW_MS + 3_000
    req = rx.next_request(NOW_MS + 3_000)
    assert req is not None
    f = rx.handle_response(req["id"], 429, b"", NOW_MS + 3_000, retry_after="60")["failure"]
    assert f is not None and f["code"] == "throttled" and f["status"] == 429
    assert rx.poll_timeout() == NOW_MS + 63_000
    with pytest.raises(setpoll.ReceiverError) as e:
        rx.handle_failure(req["id"], NOW_MS)
    assert e.value.code == "unknown_request"


def test_restart_hands_unsettled_sets_over_again(es_key: setpoll.SigningKey) -> None:
    rx = receiver(es_key)
    req = rx.next_request(NOW_MS)
    assert req is not None
    tokens = {j: setpoll.sign_set(make_claims(j), es_key, NOW_MS, "rfc8417") for j in ("x", "y")}
    rx.handle_response(req["id"], 201, json.dumps({"sets": tokens}), NOW_MS)
    snapshot = rx.state()
    rx.ack("x")
    changes = rx.take_changes()
    assert changes is not None and rx.take_changes() is None
    saved = setpoll.apply_receiver_changes(snapshot, changes)
    assert saved == rx.state()
    again = setpoll.Receiver.restore(saved, issuer=ISS, client_id=AUD, jwks_json=jwks_of(es_key))
    assert [d["jti"] for d in again.unsettled()] == ["y"]
    assert pending_acks(again) == ["x"]
    with pytest.raises(setpoll.ReceiverError) as e:
        setpoll.Receiver.restore("{}", issuer=ISS, client_id=AUD, jwks_json=jwks_of(es_key))
    assert e.value.code == "state_json"
    # The core's record readers name a bad member by its path.
    with pytest.raises(setpoll.ReceiverError) as e:
        setpoll.apply_receiver_changes(saved, '[{"ackQueued":{"jti":"a"}},{"dropped":{}}]')
    assert e.value.code == "state_json"
    assert "not a receiver change: missing field `jti` at [1].dropped" in str(e.value)
    with pytest.raises(setpoll.ArgumentError) as bad:
        setpoll.apply_receiver_changes(saved, '[{"ackQueued":{"jti":"a","jti":"b"}}]')
    assert bad.value.code == "bad_json" and "duplicate member name at [0].ackQueued.jti" in str(bad.value)


def test_configuration_errors_are_typed(es_key: setpoll.SigningKey) -> None:
    cases: list[tuple[dict[str, Any], str]] = [
        ({"max_events": 0}, "max_events_zero"),
        ({"poll_interval_ms": 0}, "zero_poll_interval"),
        ({"client_id": ""}, "client_id_length"),
        ({"max_unsettled": 0}, "zero_max_unsettled"),
    ]
    for kw, code in cases:
        with pytest.raises(setpoll.ReceiverError) as e:
            receiver(es_key, **kw)
        assert e.value.code == code
    with pytest.raises(setpoll.ArgumentError):
        receiver(es_key, backoff_jitter="wild")
    with pytest.raises(setpoll.ArgumentError) as e2:
        receiver(es_key, jitter_seed=bytes(31))
    assert e2.value.code == "bad_seed"
    with pytest.raises(setpoll.JwkError):
        receiver(es_key, jwks_json="not json")
    with pytest.raises(TypeError):
        setpoll.Receiver(issuer=ISS, client_id=AUD)  # type: ignore[call-arg]  # jwks_json missing


def test_key_rotation_holds_then_delivers(es_key: setpoll.SigningKey) -> None:
    rx = receiver(es_key)
    other = setpoll.SigningKey.generate_es256(bytes(range(1, 33)), "next")
    req = rx.next_request(NOW_MS)
    assert req is not None
    token = setpoll.sign_set(make_claims("r"), other, NOW_MS, "rfc8417")
    batch = rx.handle_response(req["id"], 200, json.dumps({"sets": {"r": token}}), NOW_MS)
    # Signed with a key the receiver does not know yet: held, not reported.
    assert batch["deliveries"] == [] and batch["rejections"] == []
    stale = rx.keys_stale()
    assert stale is not None and stale["kids"] == ["next"] and stale["held"] == 1
    rechecked = rx.refresh_keys(jwks_of(other), stale["refresh_at_ms"])
    assert [d["jti"] for d in rechecked["deliveries"]] == ["r"]
    assert rx.keys_stale() is None
    assert rx.config()["jwks_json"] == jwks_of(other)


def test_seeded_jitter_is_reproducible(es_key: setpoll.SigningKey) -> None:
    def first_backoff(seed: int) -> int:
        rx = receiver(es_key, jitter_seed=bytes([seed] * 32), backoff_jitter="full",
                      backoff_base_ms=100_000, backoff_cap_ms=100_000)
        req = rx.next_request(NOW_MS)
        assert req is not None
        at = rx.handle_failure(req["id"], NOW_MS)["retry_at_ms"]
        assert at is not None
        return at

    assert first_backoff(1) == first_backoff(1)
    assert NOW_MS <= first_backoff(1) <= NOW_MS + 100_000
    assert len({first_backoff(s) for s in range(8)}) > 1
    unseeded = setpoll.Receiver(issuer=ISS, client_id=AUD, jwks_json=jwks_of(es_key))
    req = unseeded.next_request(NOW_MS)
    assert req is not None and req["kind"] == "poll"
