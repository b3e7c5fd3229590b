"""The pipeline: import, version, error hierarchy, code table, time helpers."""

from __future__ import annotations

import base64
import json
import threading

import pytest

import setpoll


def b64(obj: object) -> str:
    raw = json.dumps(obj).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def test_version_matches_the_crate() -> None:
    parts = setpoll.__version__.split(".")
    assert len(parts) == 3 and all(p.isdigit() for p in parts)


def test_noop_returns_none() -> None:
    assert setpoll.noop() is None  # type: ignore[func-returns-value]
    assert setpoll.version() == setpoll.__version__


def test_set_err_codes_cover_both_vocabularies() -> None:
    codes = setpoll.set_err_codes()
    wire = [c["code"] for c in codes]
    assert wire[0] == "json"
    assert "jwtParse" in wire and "invalid_key" in wire
    assert len(wire) == len(set(wire)) == 18
    assert {c["vocabulary"] for c in codes} == {"obie", "rfc8935"}
    assert all(c["description"] for c in codes)


def test_unknown_code_is_kept_verbatim() -> None:
    assert setpoll.set_err_code("x-custom") == {"code": "x-custom", "vocabulary": None, "description": None}
    assert setpoll.set_err_code("dup")["vocabulary"] == "obie"
    assert setpoll.set_err_code("access_denied")["vocabulary"] == "rfc8935"


def test_timestamp_helpers() -> None:
    assert setpoll.timestamp_from_secs(1_700_000_000) == 1_700_000_000_000
    assert setpoll.timestamp_as_secs(1_999) == 1
    assert setpoll.timestamp_from_secs(2**63 - 1) == 2**63 - 1  # saturates
    with pytest.raises(setpoll.ArgumentError) as info:
        setpoll.timestamp_as_secs(-1)
    assert info.value.code == "negative_time"
    with pytest.raises(TypeError):
        setpoll.timestamp_as_secs("10")  # type: ignore[arg-type]
    now = setpoll.now_ms()
    assert 1_600_000_000_000 < now < 10_000_000_000_000


def test_peek_envelope_reads_jti_and_aud() -> None:
    token = f"{b64({'alg': 'ES256'})}.{b64({'jti': 'j1', 'aud': ['a', 'b']})}.sig"
    env = setpoll.peek_envelope(token)
    assert env == {"jti": "j1", "aud": ["a", "b"]}


@pytest.mark.parametrize(
    "token",
    ["", "a.b", "a.b.c.d", "x.!!!.y", f"x.{b64([1])}.y", f"x.{b64({'jti': 1})}.y"],
)
def test_malformed_tokens_raise_verify_error_with_codes(token: str) -> None:
    with pytest.raises(setpoll.VerifyError) as info:
        setpoll.peek_envelope(token)
    e = info.value
    assert isinstance(e, setpoll.SetpollError)
    assert e.code and e.code == e.code.lower()
    assert setpoll.set_err_code(e.set_err)["vocabulary"] == "obie"
    assert setpoll.set_err_code(e.set_err_rfc8935)["vocabulary"] == "rfc8935"
    assert 1 <= len(e.description) <= 256


def test_huge_input_is_an_error_not_a_crash() -> None:
    with pytest.raises(setpoll.VerifyError):
        setpoll.peek_envelope("a." * 1_000_000)


def test_calls_run_from_threads() -> None:
    token = f"h.{b64({'jti': 'j'})}.s"
    seen: list[str] = []

    def work() -> None:
        for _ in range(200):
            seen.append(setpoll.peek_envelope(token)["jti"])

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert seen == ["j"] * 800
