"""`StorageTransmitter` (storage-neutral: plan, load, decide, commit) against a tiny
in-Python "database" gives the same answers and changes as `MemoryTransmitter`."""

from __future__ import annotations

import json
from typing import Any, Optional

import pytest

import setpoll
from conftest import AUD, NOW_MS, make_claims

Record = dict[str, Any]
CONFIG: dict[str, Any] = {"max_attempts": 3, "visibility_timeout_ms": 1_000, "retention_ms": 60_000}


class Db:
    """A list of records in the core's serde form, and the queries the plans name."""

    def __init__(self, tx: setpoll.StorageTransmitter) -> None:
        self.tx = tx
        self.rows: list[Record] = []

    def commit(self, changes_json: str) -> list[Any]:
        changes: list[Any] = json.loads(changes_json)
        for c in changes:
            key = (c["client"], c["jti"])
            if c["op"] == "insert":
                assert all((r["client"], r["jti"]) != key for r in self.rows)
                self.rows.append({k: v for k, v in c.items() if k != "op"})
                continue
            (row,) = [r for r in self.rows if (r["client"], r["jti"]) == key]
            if c["op"] == "delete":
                self.rows.remove(row)
            else:
                assert c["op"] == "update"
                for field in ("state", "attempts", "visible_at", "expires_at", "last_error"):
                    row[field] = c[field]
        return changes

    def enqueue(self, token: str, now_ms: int) -> setpoll.EnqueueResult:
        plan = self.tx.plan_enqueue(token, now_ms)
        existing = [r for r in self.rows if r["client"] == plan.client() and r["jti"] == plan.jti()]
        seqs = [r["seq"] for r in self.rows if r["client"] == plan.client()]
        newest: Optional[int] = max(seqs) if seqs else None
        found = json.dumps(existing[0]) if existing else None
        result = self.tx.decide_enqueue(plan, found, newest)
        self.commit(result["changes_json"])
        return result

    def poll(self, client: str, body: str, now_ms: int) -> setpoll.PollAnswer:
        return self.decide(self.tx.plan_poll(client, body, now_ms))

    def decide(self, plan: setpoll.PollPlan) -> setpoll.PollAnswer:
        named = [r for r in self.rows if r["client"] == plan.client() and r["jti"] in plan.named()]
        q = plan.deliverable()
        deliverable = sorted(
            (
                r
                for r in self.rows
                if r["client"] == q["client"]
                and r["state"] in ("pending", "delivered")
                and r["visible_at"] <= q["now_ms"] < r["expires_at"]
                and r["attempts"] < q["max_attempts"]
                and r["jti"] not in q["exclude"]
            ),
            key=lambda r: int(r["seq"]),
        )[: q["limit"]]
        answer = self.tx.decide_poll(plan, json.dumps(named), json.dumps(deliverable))
        self.commit(answer["changes_json"])
        return answer

    def sweep(self, now_ms: int, budget: int) -> setpoll.SweepResult:
        plan = self.tx.plan_sweep(now_ms, budget)
        limit = plan.limit()
        assert limit == budget + 1 and plan.now_ms() == now_ms
        ordered = sorted(self.rows, key=lambda r: (r["client"].encode(), int(r["seq"])))  # ORDER BY client, seq
        expired = [r for r in ordered if r["expires_at"] <= plan.now_ms()][:limit]
        exhausted = [
            r
            for r in ordered
            if r["state"] == "delivered"
            and r["attempts"] >= plan.max_attempts()
            and r["visible_at"] <= plan.now_ms()
        ][:limit]
        full = len(expired) == limit or len(exhausted) == limit
        result = self.tx.decide_sweep(plan, json.dumps(expired + exhausted), full)
        self.commit(result["changes_json"])
        return result


def same_answer(db_answer: setpoll.PollAnswer, mem_answer: setpoll.PollAnswer) -> Optional[dict[str, Any]]:
    assert db_answer["response_json"] == mem_answer["response_json"]
    assert json.loads(db_answer["changes_json"]) == json.loads(mem_answer["changes_json"])
    assert db_answer["changes"] == mem_answer["changes"]
    body = db_answer["response_json"]
    return None if body is None else json.loads(body)


def test_plan_and_decide_match_the_memory_queue(es_key: setpoll.SigningKey) -> None:
    mem = setpoll.MemoryTransmitter(**CONFIG)
    db = Db(setpoll.StorageTransmitter(**CONFIG))
    tokens = [setpoll.sign_set(make_claims(f"j{i}"), es_key, NOW_MS, "rfc8417") for i in range(4)]
    for t in [*tokens, tokens[0]]:
        a, b = db.enqueue(t, NOW_MS), mem.enqueue(t, NOW_MS)
        assert a == b
    assert not a["queued"] and a["state"] == "pending" and a["changes_json"] == "[]"

    steps = [
        ('{"maxEvents":2}', 1),
        ('{"ack":["j0","unknown"],"setErrs":{"j1":{"err":"jwtIss","description":"bad iss"}},"maxEvents":1}', 2),
        ('{"ack":["j2","j0"]}', 3),  # j0 already acknowledged: no change
        ('{"returnImmediately":true}', 4),  # nothing visible until j3's timeout
        ('{"returnImmediately":true}', 1_010),  # j3 visible again
    ]
    bodies = []
    for body, at in steps:
        bodies.append(same_answer(db.poll(AUD, body, NOW_MS + at), mem.handle_poll(AUD, body, NOW_MS + at)))
        assert db.rows == json.loads(mem.records_json())
    assert [list(b["sets"]) if b else None for b in bodies] == [["j0", "j1"], ["j2"], ["j3"], [], ["j3"]]
    assert [b["moreAvailable"] if b else None for b in bodies] == [True, True, False, False, False]
    by_jti = {r["jti"]: r for r in db.rows}
    assert set(by_jti) == {"j1", "j3"}
    assert by_jti["j1"]["state"] == "dead_letter" and by_jti["j3"]["attempts"] == 2

    # Past retention: both expire/purge the same way.
    late = NOW_MS + 10_000_000_000
    a_sweep, m_sweep = db.sweep(late, 100), mem.sweep(late, 100)
    assert json.loads(a_sweep["changes_json"]) == json.loads(m_sweep["changes_json"])
    assert len(json.loads(a_sweep["changes_json"])) == 2 and not a_sweep["more"]
    assert db.rows == json.loads(mem.records_json()) == []


def test_long_poll_resumes_through_plans(es_key: setpoll.SigningKey) -> None:
    cfg: dict[str, Any] = {"profile": "rfc8936", "long_poll_max_wait_ms": 30_000}
    mem, db = setpoll.MemoryTransmitter(**cfg), Db(setpoll.StorageTransmitter(**cfg))
    a, b = db.poll(AUD, '{"returnImmediately":false}', NOW_MS), mem.handle_poll(AUD, '{"returnImmediately":false}', NOW_MS)
    wa, wb = a["wait"], b["wait"]
    assert wa is not None and wb is not None and a["response_json"] is None
    assert (wa.client(), wa.until_ms()) == (wb.client(), wb.until_ms()) == (AUD, NOW_MS + 30_000)
    token = setpoll.sign_set(make_claims("late"), es_key, NOW_MS, "rfc8417")
    assert db.enqueue(token, NOW_MS + 5)["wake"] == mem.enqueue(token, NOW_MS + 5)["wake"] == AUD
    resumed = same_answer(db.decide(db.tx.plan_resume(wa, NOW_MS + 6)), mem.resume(wb, NOW_MS + 6))
    assert resumed is not None and list(resumed["sets"]) == ["late"]


def test_bounded_sweeps_match_the_memory_queue(es_key: setpoll.SigningKey) -> None:
    """A budget counts due records, not rows looked at: fresh SETs between the
    expired ones do not shorten a call, and ``more`` is exact."""
    for budget in (1, 2, 3, 4):
        mem = setpoll.MemoryTransmitter(**CONFIG)
        db = Db(setpoll.StorageTransmitter(**CONFIG))
        for i, at in enumerate([0, 50_000, 0, 50_000, 0]):
            token = setpoll.sign_set(make_claims(f"s{i}"), es_key, NOW_MS, "rfc8417")
            assert db.enqueue(token, NOW_MS + at)["seq"] == mem.enqueue(token, NOW_MS + at)["seq"]
        swept: list[str] = []
        calls = 0
        while True:
            a, b = db.sweep(NOW_MS + 60_000, budget), mem.sweep(NOW_MS + 60_000, budget)
            assert a == b
            changes = json.loads(a["changes_json"])
            assert 0 < len(changes) <= budget
            swept += [c["jti"] for c in changes]
            calls += 1
            assert a["more"] == (len(swept) < 3)
            if not a["more"]:
                break
        assert swept == ["s0", "s2", "s4"]
        assert calls == -(-3 // budget)
        assert db.rows == json.loads(mem.records_json())
        assert [r["jti"] for r in db.rows] == ["s1", "s3"]
    # Nothing due: no change, no more.
    idle = db.sweep(NOW_MS + 60_000, 1)
    assert idle == {"changes_json": "[]", "more": False}


def test_plans_are_opaque_objects(es_key: setpoll.SigningKey) -> None:
    tx = setpoll.StorageTransmitter(default_max_events=20, max_events_limit=50)
    assert tx.config()["max_events_limit"] == 50
    token = setpoll.sign_set(make_claims("q1"), es_key, NOW_MS, "rfc8417")
    enqueue = tx.plan_enqueue(token, NOW_MS)
    assert (enqueue.client(), enqueue.jti()) == (AUD, "q1")
    poll = tx.plan_poll(AUD, '{"ack":["a"],"maxEvents":500}', NOW_MS)
    assert poll.client() == AUD and poll.named() == ["a"]
    assert poll.deliverable() == {"client": AUD, "now_ms": NOW_MS, "max_attempts": 10, "exclude": ["a"], "limit": 51}
    sweep = tx.plan_sweep(NOW_MS, 10)
    assert (sweep.now_ms(), sweep.limit(), sweep.max_attempts()) == (NOW_MS, 11, 10)
    # A plan is a handle: nothing to alter, and only the matching kind is accepted.
    with pytest.raises(TypeError):
        tx.decide_poll(sweep, "[]", "[]")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        tx.decide_poll('{"client":"x"}', "[]", "[]")  # type: ignore[arg-type]
    assert tx.decide_poll(poll, "[]", "[]")["response_json"] == setpoll.empty_poll_response()
    # The same plan can be decided again (a retried transaction).
    assert tx.decide_poll(poll, "[]", "[]")["response_json"] == setpoll.empty_poll_response()


def test_storage_neutral_errors(es_key: setpoll.SigningKey) -> None:
    tx = setpoll.StorageTransmitter()
    with pytest.raises(setpoll.RequestError) as info:
        tx.plan_poll(AUD, b'{"bogus":true}', NOW_MS, interaction_id="i-9")
    assert json.loads(info.value.error_response)["Id"] == "i-9"
    with pytest.raises(setpoll.TransmitterError):
        tx.plan_enqueue("not a token", NOW_MS)
    poll = tx.plan_poll(AUD, "{}", NOW_MS)
    with pytest.raises(setpoll.ArgumentError) as bad:
        tx.decide_poll(poll, "{}", "[]")
    assert bad.value.code == "bad_json"
    with pytest.raises(setpoll.ArgumentError):
        tx.decide_sweep(tx.plan_sweep(NOW_MS, 100), '[{"seq":1}]', False)
    plan = tx.plan_enqueue(setpoll.sign_set(make_claims("x"), es_key, NOW_MS, "rfc8417"), NOW_MS)
    other = Db(tx)
    other.enqueue(setpoll.sign_set(make_claims("y"), es_key, NOW_MS, "rfc8417"), NOW_MS)
    with pytest.raises(setpoll.TransmitterError) as mismatch:
        tx.decide_enqueue(plan, json.dumps(other.rows[0]), 1)
    assert mismatch.value.code == "load_mismatch"
    with pytest.raises(setpoll.ArgumentError):
        setpoll.StorageTransmitter(delivery="twice")  # type: ignore[arg-type]
    with pytest.raises(setpoll.TransmitterError):
        setpoll.StorageTransmitter(max_events_limit=0)
