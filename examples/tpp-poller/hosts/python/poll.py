#!/usr/bin/env python3
"""A TPP polling loop in Python: the ``setpoll`` wheel (the Rust core via
PyO3) decides, ``urllib`` does the HTTP.

    python3 poll.py --server http://127.0.0.1:8080 --token T --client-id C [--expect N]

State is kept in memory here; a real TPP persists ``receiver.take_state()``
before acting on a batch (see examples/tpp-poller for the durable version).

Written against the 0.1 binding API. Still missing from the wheel (tpp-poller
in Rust has them): the sans-IO verbs (``poll_request`` returning ``None``
instead of raising ``not_due``, ``poll_timeout``, ``handle_reply`` returning
an outcome), the change journal (``take_changes`` / ``apply_changes``), and
key rotation without loss (``keys_stale``, ``refresh_keys(jwks, now)``,
``refresh_keys_failed``). Until then this host refetches the JWKS (at most
every 30 s) when a SET names an unknown ``kid``, so later SETs verify; the
one that named it was already reported.

Needs the ``setpoll`` wheel (``bash scripts/python/test.sh`` builds it into
.venv-python); scripts/examples/test.sh runs this when ``python3`` can import
``setpoll.Receiver``.
"""
import argparse
import json
import sys
import time
import urllib.error
import urllib.request
import uuid

import setpoll


def now_ms() -> int:
    return time.time_ns() // 1_000_000


def main() -> int:
    p = argparse.ArgumentParser()
    p.add_argument("--server", required=True)
    p.add_argument("--token", required=True)
    p.add_argument("--client-id", required=True)
    p.add_argument("--issuer", default="https://aspsp.example/")
    p.add_argument("--expect", type=int, default=0)
    p.add_argument("--max-run-secs", type=int, default=60)
    p.add_argument("--events-url")
    p.add_argument("--max-auth-failures", type=int, default=3)
    a = p.parse_args()
    base = a.server.rstrip("/")
    events_url = a.events_url or f"{base}/open-banking/v4.0/events"
    auth_failures = 0
    keys_fetched_at = time.time()
    deadline = time.time() + a.max_run_secs

    # 1. The ASPSP's public keys.
    with urllib.request.urlopen(f"{base}/jwks", timeout=10) as r:
        jwks = r.read().decode()

    # 2. The receiver: verifies each SET, dedups, carries acks.
    receiver = setpoll.Receiver(
        issuer=a.issuer, client_id=a.client_id, jwks=jwks, max_events=50, poll_interval_ms=200
    )
    seen: set[str] = set()
    while time.time() < deadline:
        if a.expect and len(seen) >= a.expect and receiver.pending_acks() == 0:
            break
        try:
            request = receiver.next_request(now_ms())
        except setpoll.ReceiverError as e:
            if e.code == "not_due" and e.at is not None:
                time.sleep(min(0.25, max(0, e.at - now_ms()) / 1000))
                continue
            raise
        http = urllib.request.Request(
            events_url,
            data=request.body.encode(),
            method="POST",
            headers={
                "Authorization": f"Bearer {a.token}",
                "Content-Type": "application/json; charset=utf-8",
                "x-fapi-interaction-id": str(uuid.uuid4()),
            },
        )
        try:
            with urllib.request.urlopen(http, timeout=60) as r:
                status, body, retry_after = r.status, r.read().decode(), r.headers.get("Retry-After")
        except urllib.error.HTTPError as e:
            status, body, retry_after = e.code, e.read().decode(), e.headers.get("Retry-After")
        except OSError:
            receiver.handle_failure(request.id, now_ms())
            continue
        try:
            batch = receiver.handle_response(request.id, status, body, now_ms(), retry_after)
        except setpoll.ReceiverError as e:
            print(f"poll failed ({status}): {e.code}", file=sys.stderr)
            auth_failures = auth_failures + 1 if e.code == "unauthorized" else 0
            if auth_failures >= a.max_auth_failures:
                print(f"the ASPSP refused the access token {auth_failures} times in a row; check --token", file=sys.stderr)
                return 4
            continue
        auth_failures = 0
        if any(r.code == "unknown_kid" for r in batch.rejections) and time.time() - keys_fetched_at >= 30:
            with urllib.request.urlopen(f"{base}/jwks", timeout=10) as r:
                receiver.set_keys(r.read().decode())
            keys_fetched_at = time.time()
        for d in batch.deliveries:
            print(json.dumps({"jti": d.jti, "types": d.event_types, "sub": d.claims.get("sub")}))
            seen.add(d.jti)
            receiver.ack(d.jti)
    print(f"python host example: {len(seen)} events verified, processed and acknowledged", file=sys.stderr)
    return 3 if a.expect and len(seen) < a.expect else 0


if __name__ == "__main__":
    sys.exit(main())
