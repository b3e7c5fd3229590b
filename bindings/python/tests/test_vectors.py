"""Run the shared golden vectors (tests/vectors/*.json) through the Python API.

Every case must give the byte-identical result recorded by the Rust
generator. Kinds this binding has no runner for yet fail loudly in
``test_every_kind_is_known`` rather than being skipped silently.
"""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any, Callable, Optional

import pytest

import setpoll

VECTORS = Path(__file__).resolve().parents[3] / "tests" / "vectors"
ERROR_ID = "93bac548-d2de-4546-b106-880a5018460d"
BACKENDS = ("native", "portable")

Case = dict[str, Any]
Result = dict[str, Any]


def load() -> dict[str, list[Case]]:
    by_kind: dict[str, list[Case]] = {}
    for f in sorted(VECTORS.glob("*.json")):
        doc = json.loads(f.read_text(encoding="utf-8"))
        if doc.get("kind") == "defaults":  # see test_defaults.py
            continue
        by_kind.setdefault(doc["kind"], []).extend(doc["cases"])
    return by_kind


ALL = load()


def body_of(case: Case) -> bytes:
    if "bodyBase64" in case:
        return base64.b64decode(case["bodyBase64"])
    return str(case["body"]).encode()


def run_request_parse(case: Case) -> Result:
    limits = case.get("limits") or {}
    try:
        req = setpoll.parse_request(
            body_of(case),
            reject_unknown_members=case["rejectUnknownMembers"],
            interaction_id=ERROR_ID,
            limits={"max_body_bytes": limits.get("maxBodyBytes"), "max_ack": limits.get("maxAck"),
                    "max_set_errs": limits.get("maxSetErrs")},
        )
    except setpoll.RequestError as e:
        return {"error": {"code": e.code, "errorCode": e.obie_code, "path": e.path,
                          "errorResponseJson": e.error_response}}
    return {"ok": {"requestJson": setpoll.request_to_json(req)}}


def run_response_parse(case: Case) -> Result:
    limits = case.get("limits") or {}
    try:
        resp = setpoll.parse_response(
            body_of(case), limits={"max_body_bytes": limits.get("maxBodyBytes"), "max_sets": limits.get("maxSets")}
        )
    except setpoll.ResponseError as e:
        return {"error": {"code": e.code, "path": e.path}}
    return {"ok": {"responseJson": setpoll.response_to_json(resp)}}


def run_claims(case: Case) -> Result:
    try:
        claims = setpoll.SetClaims.from_json(case["claimsJson"])
        if case.get("obieProfile"):
            claims.check_obie_profile()
    except setpoll.ClaimsError as e:
        return {"error": {"code": e.code, "path": e.path, "setErrObie": e.set_err,
                          "setErrRfc8935": e.set_err_rfc8935}}
    return typed(claims)


def typed(claims: setpoll.SetClaims) -> Result:
    return {"ok": {"claimsJson": claims.to_json(), "exp": claims.exp(), "nbf": claims.nbf(),
                   "subIdJson": claims.sub_id_json(), "otherClaimsJson": claims.other_claims_json()}}


def run_claims_build(case: Case) -> Result:
    st = case["start"]
    b = setpoll.ClaimsBuilder(st["iss"], st["jti"], st["aud"], st["iat"])
    for c in case["calls"]:
        name = c["call"]
        if name in ("audience", "sub", "txn", "toe", "exp", "nbf"):
            getattr(b, name)(c["value"])
        elif name == "subIdJson":
            b.sub_id_json(c["value"])
        elif name == "claim":
            b.claim(c["name"], c["valueJson"])
        elif name == "resourceUpdate":
            b.resource_update(c["subject"])
        elif name in ("consentRevoked", "linkedAccountUpdate"):
            add = b.consent_revoked if name == "consentRevoked" else b.linked_account_update
            add(c.get("reason"), c["subject"])
        elif name == "customEvent":
            b.custom_event(c["uri"], c["payloadJson"])
        else:
            raise AssertionError(f"unknown call {name}")
    try:
        return typed(b.build())
    except setpoll.ClaimsError as e:
        return {"error": {"code": e.code}}


def policy_of(p: dict[str, Any]) -> setpoll.VerifyPolicy:
    typ = p.get("typ") or {}
    return {
        "issuer": p["issuer"], "audience": p["audience"], "algorithms": p["algorithms"],
        "max_skew_secs": p["maxSkewSecs"], "max_token_bytes": p["maxTokenBytes"],
        "max_age_secs": p["maxAgeSecs"], "accept_jwt_typ": typ.get("acceptJwt"),
        "require_typ": typ.get("requireTyp"),
    }


def run_verify_on(case: Case, backend: str) -> Result:
    keyring = setpoll.Keyring.from_jwks(case["jwksJson"], backend)  # type: ignore[arg-type]
    try:
        v = setpoll.verify_set(case["token"], keyring, policy_of(case["policy"]), case["now"])
    except setpoll.VerifyError as e:
        return {"error": {"code": e.code, "setErrObie": e.set_err,
                          "setErrRfc8935": e.set_err_rfc8935, "description": e.description}}
    return {"ok": {"claimsJson": v["claims"].to_json(), "alg": v["alg"], "kid": v["kid"]}}


def b64url_decode(s: str) -> bytes:
    return base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))


def sign_on(case: Case, backend: str) -> tuple[Result, Optional[str]]:
    """The comparable result, and the token produced (or None)."""
    try:
        key = setpoll.SigningKey.from_jwk(case["privateJwkJson"], backend)  # type: ignore[arg-type]
        claims = setpoll.SetClaims.from_json(case["claimsJson"])
        p = case["profile"]
        profile: setpoll.HeaderProfile = "rfc8417"
        if p and p["kind"] == "obie":
            profile = {"obie": {"org_id": p["orgId"], "trust_anchor": p["trustAnchor"]}}
        token = setpoll.sign_set(claims, key, case["now"], profile)
    except setpoll.SetpollError as e:
        return {"error": {"code": e.code}}, None
    header, payload, _ = token.split(".")
    return {"ok": {"headerJson": b64url_decode(header).decode(), "signingInput": f"{header}.{payload}"}}, token


def verifies_with(case: Case, token: str) -> bool:
    jwk = setpoll.Jwk.from_json(case["privateJwkJson"])
    kid = jwk.kid() or jwk.thumbprint()
    public = json.loads(jwk.to_public_json())
    public["kid"] = kid
    for backend in BACKENDS:
        ring = setpoll.Keyring.from_jwks(json.dumps({"keys": [public]}), backend)  # type: ignore[arg-type]
        policy: setpoll.VerifyPolicy = {"max_skew_secs": 2**40, "algorithms": ["ES256", "PS256", "RS256"]}
        try:
            setpoll.verify_set(token, ring, policy, case["now"])
        except setpoll.VerifyError:
            return False
    return True


def run_jwk(case: Case) -> Result:
    try:
        jwk = setpoll.Jwk.from_json(case["jwkJson"])
    except setpoll.JwkError as e:
        return {"error": {"code": e.code}}
    return {"ok": {"jwkJson": jwk.to_json(), "publicJwkJson": jwk.to_public_json(),
                   "thumbprint": jwk.thumbprint(), "isPrivate": jwk.is_private(),
                   "verificationAlgorithm": jwk.verification_algorithm()}}


def run_jwks(case: Case) -> Result:
    try:
        s = setpoll.JwkSet.from_json(case["jwksJson"])
    except setpoll.JwkError as e:
        return {"error": {"code": e.code}}
    return {"ok": {"jwksJson": s.to_json(), "publicJwksJson": s.to_public_json(), "kids": s.kids(),
                   "skipped": s.skipped()}}


SIMPLE: dict[str, Callable[[Case], Result]] = {
    "request_parse": run_request_parse,
    "response_parse": run_response_parse,
    "claims": run_claims,
    "claims_build": run_claims_build,
    "jwk": run_jwk,
    "jwks": run_jwks,
}
# Every kind has a runner.
NOT_YET: set[str] = set()


def ids(kind: str) -> list[str]:
    return [c["name"] for c in ALL.get(kind, [])]


def test_vectors_are_present() -> None:
    assert sum(len(v) for v in ALL.values()) > 300


def test_every_kind_is_known() -> None:
    known = set(SIMPLE) | {"verify", "sign", "transmitter", "receiver"} | NOT_YET
    assert set(ALL) <= known, f"no runner for {set(ALL) - known}"


@pytest.mark.parametrize("kind", sorted(SIMPLE))
def test_simple_kinds(kind: str) -> None:
    run = SIMPLE[kind]
    failures = [(c["name"], run(c), c["expect"]) for c in ALL.get(kind, []) if run(c) != c["expect"]]
    assert ALL.get(kind), f"no {kind} vectors"
    assert failures == []


@pytest.mark.parametrize("backend", BACKENDS)
def test_verify(backend: str) -> None:
    failures = [(c["name"], run_verify_on(c, backend)) for c in ALL["verify"] if run_verify_on(c, backend) != c["expect"]]
    assert failures == []


@pytest.mark.parametrize("backend", BACKENDS)
def test_sign(backend: str) -> None:
    failures = []
    for case in ALL["sign"]:
        got, token = sign_on(case, backend)
        expect = case["expect"]
        if "error" in expect:
            ok = got == expect
        else:
            want = {k: expect["ok"][k] for k in ("headerJson", "signingInput")}
            ok = got == {"ok": want} and token is not None
            if ok and token is not None:
                if backend == "portable":
                    ok = token == expect["ok"]["token"]
                else:
                    ok = verifies_with(case, token) and verifies_with(case, expect["ok"]["token"])
        if not ok:
            failures.append(case["name"])
    assert failures == []


def transmitter_config(cfg: dict[str, Any]) -> setpoll.TransmitterConfig:
    return {
        "profile": cfg["profile"], "default_max_events": cfg["defaultMaxEvents"],
        "max_events_limit": cfg["maxEventsLimit"], "visibility_timeout_ms": cfg["visibilityTimeoutMs"],
        "max_attempts": cfg["maxAttempts"], "retention_ms": cfg["retentionMs"],
        "dead_letter_retention_ms": cfg["deadLetterRetentionMs"],
        "long_poll_max_wait_ms": cfg["longPollMaxWaitMs"] or 0, "on_set_err": cfg["onSetErr"],
        "delivery": cfg["delivery"],
    }


def answer_of(a: setpoll.PollAnswer) -> Result:
    out: dict[str, Any] = {"changes": json.loads(a["changes_json"])}
    wait = a["wait"]
    if wait is not None:
        out["wait"] = {"client": wait.client(), "until": wait.until_ms(), "requestJson": wait.request_json()}
    else:
        out["responseJson"] = a["response_json"]
    return {"ok": out}


def run_script(case: Case) -> list[str]:
    tx = setpoll.MemoryTransmitter(**transmitter_config(case["config"]))
    wait: Optional[setpoll.PollWait] = None
    failures = []
    for i, step in enumerate(case["steps"]):
        op = step["op"]
        got: Result
        if op == "enqueue":
            try:
                r = tx.enqueue(step["token"], step["now"])
            except setpoll.TransmitterError as e:
                got = {"error": {"code": e.code}}
            else:
                res: dict[str, Any] = {"outcome": "queued" if r["queued"] else "already_queued",
                                       "client": r["client"], "jti": r["jti"], "seq": r["seq"]}
                if not r["queued"]:
                    res |= {"state": r["state"], "sameToken": r["same_token"]}
                got = {"ok": res | {"changes": json.loads(r["changes_json"])}}
        elif op == "poll":
            try:
                a = tx.handle_poll(step["client"], body_of(step), step["now"], interaction_id=ERROR_ID)
            except setpoll.RequestError as e:
                got = {"error": {"code": e.code, "errorCode": e.obie_code, "path": e.path,
                                 "errorResponseJson": e.error_response}}
            else:
                wait = a["wait"] or wait
                got = answer_of(a)
        elif op == "resume":
            assert wait is not None, "resume without a wait"
            a = tx.resume(wait, step["now"])
            wait = a["wait"] or wait
            got = answer_of(a)
        elif op == "sweep":
            sw = tx.sweep(step["now"], step["budget"])
            got = {"ok": {"changes": json.loads(sw["changes_json"]), "more": sw["more"]}}
        elif op == "records":
            got = {"ok": {"records": json.loads(tx.records_json())}}
        else:
            raise AssertionError(f"unknown op {op}")
        if got != step["expect"]:
            failures.append(f"{case['name']} step {i} ({op})")
            break
    return failures


def test_transmitter_scripts() -> None:
    assert ALL["transmitter"]
    failures = [f for case in ALL["transmitter"] for f in run_script(case)]
    assert failures == []


# --- receiver scripts (mirrors tests/src/script/receiver.rs) -----------------
# The vectors name the core's verbs; the host API calls them next_request,
# handle_response (a failed round trip is the batch's `failure`) and
# handle_failure. A restart replays every change taken onto the state saved
# right after construction, as a host that persists the journal does.


def receiver_config(c: dict[str, Any], jwks: Optional[str] = None) -> setpoll.ReceiverConfig:
    b, d = c["backoff"], c["dedup"]
    return {
        "issuer": c["issuer"], "client_id": c["clientId"], "jwks_json": jwks or c["jwksJson"],
        "max_skew_secs": c["maxSkewSecs"], "max_events": c["maxEvents"],
        "return_immediately": c["returnImmediately"], "poll_interval_ms": c["pollIntervalMs"],
        "backoff_base_ms": b["baseMs"], "backoff_cap_ms": b["capMs"], "backoff_jitter": b["jitter"],
        "retry_after_cap_ms": b["retryAfterCapMs"], "dedup_window_ms": d["windowMs"],
        "dedup_capacity": d["capacity"], "max_unsettled": c["maxUnsettled"],
        "key_refresh_interval_ms": c["keyRefreshIntervalMs"],
        "vocabulary": c["vocabulary"], "jitter_seed": bytes(32),
    }


def stale_of(k: Optional[setpoll.StaleKeys]) -> Optional[dict[str, Any]]:
    return None if k is None else {"kids": k["kids"], "held": k["held"], "refreshAt": k["refresh_at_ms"]}


def failed_of(f: setpoll.PollFailure) -> Result:
    return {"ok": {"failed": {"code": f["code"], "status": f["status"], "retryAt": f["retry_at_ms"],
                              "failuresInARow": f["failures_in_a_row"],
                              "longPollRefused": f["long_poll_refused"]}}}


def settled_of(b: setpoll.ReceiverBatch) -> dict[str, Any]:
    return {
        "deliveries": [{"jti": d["jti"], "claimsJson": d["claims_json"]} for d in b["deliveries"]],
        "rejections": [
            {"jti": r["jti"], "code": r["code"],
             "reported": None if r["reported_err"] is None
             else {"err": r["reported_err"], "description": r["reported_description"]}}
            for r in b["rejections"]
        ],
        "duplicates": [{"jti": d["jti"], "of": d["of"]} for d in b["duplicates"]],
    }


def batch_of(b: setpoll.ReceiverBatch) -> Result:
    if b["failure"] is not None:
        return failed_of(b["failure"])
    return {"ok": {"batch": settled_of(b) | {
        "moreAvailable": b["more_available"],
        "acksConfirmed": b["acks_confirmed"],
        "setErrsConfirmed": b["set_errs_confirmed"],
        "salvaged": b["salvaged"],
        "held": b["held"],
        "keysStale": stale_of(b["keys_stale"]),
    }}}


class Host:
    """A receiver and what its host persisted: the first state and the journal."""

    def __init__(self, config: dict[str, Any]) -> None:
        self.config = config
        self.rx = setpoll.Receiver(**receiver_config(config))
        self.saved = self.rx.state()
        self.journal: list[str] = []
        self.last_id: Optional[int] = None

    def take(self) -> Optional[str]:
        """The JSON array text of the changes (compared as text, never re-serialised)."""
        text = self.rx.take_changes()
        if text is not None:
            self.journal.append(text[1:-1])
        return text

    def step(self, step: dict[str, Any]) -> Result:
        op, rx = step["op"], self.rx
        rid = step.get("id", self.last_id)
        try:
            if op == "pollRequest":
                req = rx.next_request(step["now"])
                if req is None:
                    return {"ok": None}
                self.last_id = req["id"]
                return {"ok": {"id": req["id"], "kind": req["kind"], "body": req["body"]}}
            if op == "pollTimeout":
                return {"ok": {"at": rx.poll_timeout()}}
            if op == "handleReply":
                assert rid is not None, "no request made yet"
                return batch_of(rx.handle_response(rid, step["status"], step["body"], step["now"],
                                                   step.get("retryAfter")))
            if op == "handleNoReply":
                assert rid is not None, "no request made yet"
                return failed_of(rx.handle_failure(rid, step["now"]))
            if op == "ack":
                rx.ack(step["jti"])
                return {"ok": {}}
            if op == "reject":
                rx.reject(step["jti"], step["err"], step["description"])
                return {"ok": {}}
            if op == "keysStale":
                return {"ok": stale_of(rx.keys_stale())}
            if op == "refreshKeys":
                return {"ok": settled_of(rx.refresh_keys(step["jwksJson"], step["now"]))}
            if op == "refreshKeysFailed":
                rx.refresh_keys_failed(step["now"])
                return {"ok": {}}
            if op == "takeChanges":
                return {"ok": {"changes": self.take()}}
            if op == "restart":
                state = setpoll.apply_receiver_changes(self.saved, "[" + ",".join(self.journal) + "]")
                self.rx = setpoll.Receiver.restore(state, **receiver_config(self.config, step["jwksJson"]))
                unsettled = [d["jti"] for d in self.rx.unsettled()]
                return {"ok": {"unsettled": unsettled, "changes": self.take()}}
        except setpoll.ReceiverError as e:
            return {"error": {"code": e.code}}
        raise AssertionError(f"unknown op {op}")


def as_text(expect: Result) -> Result:
    """`changes` lists as the one array text `take_changes` returns (None: nothing changed)."""
    ok = expect.get("ok")
    if isinstance(ok, dict) and "changes" in ok:
        changes = ok["changes"]
        return {"ok": ok | {"changes": "[" + ",".join(changes) + "]" if changes else None}}
    return expect


def run_receiver_script(case: Case) -> list[str]:
    host = Host(case["config"])
    for i, step in enumerate(case["steps"]):
        got = host.step(step)
        if got != as_text(step["expect"]):
            return [f"{case['name']} step {i} ({step['op']}): {got} != {step['expect']}"]
    return []


def test_receiver_scripts() -> None:
    cases = ALL["receiver"]
    assert len(cases) >= 15
    assert sum(len(c["steps"]) for c in cases) >= 150
    failures = [f for case in cases for f in run_receiver_script(case)]
    assert failures == []
