"""The receiver binding: a transmitter <-> receiver round trip in memory,
restarts, backoff and the typed errors."""

from __future__ import annotations

import json
from typing import Any

import pytest

import setpoll

from conftest import AUD, ORG_ID, ISS, NOW_MS, make_claims


def jwks_of(key: setpoll.SigningKey) -> str:
    return setpoll.jwks_from_keys([key])


def receiver(key: setpoll.SigningKey, **kw: Any) -> setpoll.Receiver:
    args: dict[str, Any] = {"issuer": ISS, "client_id": AUD, "jwks": jwks_of(key), "seed": 7}
    args.update(kw)
    return setpoll.Receiver(**args)


def test_round_trip_with_the_transmitter(es_key: setpoll.SigningKey) -> None:
    tx = setpoll.MemoryTransmitter()
    for i in range(5):
        tx.enqueue(setpoll.sign_set(make_claims(f"j{i}"), es_key, NOW_MS, org_id=ORG_ID), NOW_MS)
    rx = receiver(es_key, max_events=3, poll_interval_ms=1_000)
    now = NOW_MS + 1
    seen: list[str] = []
    for _ in range(10):
        try:
            req = rx.next_request(now)
        except setpoll.ReceiverError as e:
            assert e.code == "not_due" and e.at is not None and e.at > now
            now = e.at
            continue
        ans = tx.handle_poll(AUD, req.body, now)
        assert ans.response_json is not None
        batch = rx.handle_response(req.id, 200, ans.response_json, now)
        assert rx.take_state() is not None  # persist before handing over
        for d in batch.deliveries:
            assert d.event_types and d.claims["iss"] == ISS and d.claims["jti"] == d.jti
            assert json.loads(d.claims_json) == d.claims
            seen.append(d.jti)
            rx.ack(d.jti)
        if len(seen) == 5 and rx.pending_acks() == 0:
            break
    assert sorted(seen) == [f"j{i}" for i in range(5)]
    assert rx.pending_acks() == 0
    assert len(tx) == 0  # every SET acknowledged and gone from the queue


def test_ack_flush_request_shape(es_key: setpoll.SigningKey) -> None:
    tx = setpoll.MemoryTransmitter()
    tx.enqueue(setpoll.sign_set(make_claims("a1"), es_key, NOW_MS, org_id=ORG_ID), NOW_MS)
    rx = receiver(es_key, max_events=10, return_immediately=True)
    req = rx.next_request(NOW_MS)
    assert (req.kind, req.body) == ("poll", '{"maxEvents":10,"returnImmediately":true}')
    ans = tx.handle_poll(AUD, req.body, NOW_MS)
    assert ans.response_json is not None
    batch = rx.handle_response(req.id, 200, ans.response_json.encode(), NOW_MS)
    assert [d.jti for d in batch.deliveries] == ["a1"] and not batch.more_available
    assert [d.jti for d in rx.unsettled()] == ["a1"]
    rx.ack("a1")
    assert rx.pending_acks() == 1 and rx.next_poll_at() == 0
    flush = rx.next_request(NOW_MS)
    assert (flush.kind, flush.body) == ("ack_only", '{"maxEvents":0,"returnImmediately":true,"ack":["a1"]}')
    with pytest.raises(setpoll.ReceiverError) as busy:
        rx.next_request(NOW_MS)
    assert busy.value.code == "request_in_flight" and not busy.value.poll_failure
    assert rx.in_flight() == flush.id and rx.next_poll_at() is None


def test_bad_sets_are_rejected_and_reported(es_key: setpoll.SigningKey) -> None:
    other = setpoll.SigningKey.generate_es256(bytes(32), "other")
    good = setpoll.sign_set(make_claims("ok"), es_key, NOW_MS, org_id=ORG_ID)
    forged = setpoll.sign_set(make_claims("bad"), other, NOW_MS, org_id=ORG_ID)
    rx = receiver(es_key)
    req = rx.next_request(NOW_MS)
    body = json.dumps({"sets": {"ok": good, "bad": forged}, "moreAvailable": False})
    batch = rx.handle_response(req.id, 200, body, NOW_MS)
    assert [d.jti for d in batch.deliveries] == ["ok"]
    assert [r.jti for r in batch.rejections] == ["bad"]
    assert batch.rejections[0].reported_err is not None
    assert batch.rejections[0].reported_description
    rx.reject("ok", "jwtClaims", "payload refused by the application")
    with pytest.raises(setpoll.ReceiverError) as e:
        rx.ack("ok")
    assert e.value.code == "already_settled"
    with pytest.raises(setpoll.ReceiverError) as e:
        rx.ack("never-seen")
    assert e.value.code == "unknown_jti"
    flush = rx.next_request(NOW_MS)
    sent = json.loads(flush.body)
    assert set(sent["setErrs"]) == {"ok", "bad"}
    assert sent["setErrs"]["ok"] == {"err": "jwtClaims", "description": "payload refused by the application"}


def test_failures_back_off_and_keep_acks(es_key: setpoll.SigningKey) -> None:
    rx = receiver(es_key, backoff_base_ms=1_000, backoff_cap_ms=8_000, jitter="none")
    req = rx.next_request(NOW_MS)
    assert rx.handle_failure(req.id, NOW_MS) == NOW_MS + 1_000
    with pytest.raises(setpoll.ReceiverError) as e:
        rx.next_request(NOW_MS + 10)
    assert e.value.code == "not_due" and e.value.at == NOW_MS + 1_000
    req = rx.next_request(NOW_MS + 1_000)
    with pytest.raises(setpoll.ReceiverError) as e:
        rx.handle_response(req.id, 503, b"", NOW_MS + 1_000)
    assert e.value.code == "server_error" and e.value.status == 503 and e.value.poll_failure
    assert rx.next_poll_at() == NOW_MS + 3_000
    req = rx.next_request(NOW_MS + 3_000)
    with pytest.raises(setpoll.ReceiverError) as e:
        rx.handle_response(req.id, 429, b"", NOW_MS + 3_000, retry_after="60")
    assert e.value.code == "throttled" and e.value.status == 429
    assert rx.next_poll_at() == NOW_MS + 63_000
    with pytest.raises(setpoll.ReceiverError) as e:
        rx.handle_failure(req.id, NOW_MS)
    assert e.value.code == "unknown_request"


def test_restart_hands_unsettled_sets_over_again(es_key: setpoll.SigningKey) -> None:
    rx = receiver(es_key)
    req = rx.next_request(NOW_MS)
    tokens = {j: setpoll.sign_set(make_claims(j), es_key, NOW_MS, org_id=ORG_ID) for j in ("x", "y")}
    rx.handle_response(req.id, 201, json.dumps({"sets": tokens}), NOW_MS)
    rx.ack("x")
    saved = rx.take_state()
    assert saved is not None and rx.take_state() is None
    again = setpoll.Receiver.restore(saved, issuer=ISS, client_id=AUD, jwks=jwks_of(es_key))
    assert [d.jti for d in again.unsettled()] == ["y"]
    assert again.pending_acks() == 1
    assert json.loads(again.state())["pendingAcks"] == ["x"]
    with pytest.raises(setpoll.ReceiverError) as e:
        setpoll.Receiver.restore("{}", issuer=ISS, client_id=AUD, jwks=jwks_of(es_key))
    assert e.value.code == "state_json"


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
        receiver(es_key, jitter="wild")
    with pytest.raises(setpoll.JwkError):
        receiver(es_key, jwks="not json")


def test_seeded_jitter_is_reproducible(es_key: setpoll.SigningKey) -> None:
    def first_backoff(seed: int) -> int:
        rx = receiver(es_key, seed=seed, jitter="full", backoff_base_ms=100_000, backoff_cap_ms=100_000)
        return rx.handle_failure(rx.next_request(NOW_MS).id, NOW_MS)

    assert first_backoff(1) == first_backoff(1)
    assert NOW_MS <= first_backoff(1) <= NOW_MS + 100_000
    assert len({first_backoff(s) for s in range(8)}) > 1
    unseeded = setpoll.Receiver(issuer=ISS, client_id=AUD, jwks=jwks_of(es_key))
    assert unseeded.next_request(NOW_MS).kind == "poll"
