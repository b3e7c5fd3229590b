#!/usr/bin/env python3
"""A TPP polling loop in Python: the ``setpoll`` wheel (the Rust core via
PyO3) decides, ``urllib`` does the HTTP.

    python3 poll.py --server http://127.0.0.1:8080 --token T --client-id C [--expect N]

State is kept in memory here; a real TPP appends ``receiver.take_changes()``
to its store before acting on a batch (see examples/tpp-poller for the
durable version). When a SET names a ``kid`` the keys lack, the receiver
holds it and ``keys_stale()`` says when the JWKS may be fetched again;
``refresh_keys`` then delivers what was held, so a key rotation loses nothing.

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
    deadline = time.time() + a.max_run_secs

    # 1. The ASPSP's public keys.
    with urllib.request.urlopen(f"{base}/jwks", timeout=10) as r:
        jwks = r.read().decode()

    # 2. The receiver: verifies each SET, dedups, carries acks.
    receiver = setpoll.Receiver(
        issuer=a.issuer, client_id=a.client_id, jwks_json=jwks, max_events=50, poll_interval_ms=200
    )
    seen: set[str] = set()
    while time.time() < deadline:
        if a.expect and len(seen) >= a.expect and not json.loads(receiver.state())["pendingAcks"]:
            break
        request = receiver.next_request(now_ms())
        if request is None:  # nothing due: sleep until poll_timeout()
            at = receiver.poll_timeout()
            time.sleep(0.25 if at is None else min(0.25, max(0, at - now_ms()) / 1000))
            continue
        http = urllib.request.Request(
            events_url,
            data=request["body"].encode(),
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
            receiver.handle_failure(request["id"], now_ms())
            continue
        batch = receiver.handle_response(request["id"], status, body, now_ms(), retry_after)
        failure = batch["failure"]
        if failure is not None:  # recorded and backed off already
            print(f"poll failed ({status}): {failure['code']}", file=sys.stderr)
            if failure["code"] == "unauthorized" and failure["failures_in_a_row"] >= a.max_auth_failures:
                print(f"the ASPSP refused the access token {failure['failures_in_a_row']} times in a row; check --token", file=sys.stderr)
                return 4
            continue
        stale = receiver.keys_stale()
        if stale is not None and now_ms() >= stale["refresh_at_ms"]:
            try:
                with urllib.request.urlopen(f"{base}/jwks", timeout=10) as r:
                    batch["deliveries"] += receiver.refresh_keys(r.read().decode(), now_ms())["deliveries"]
            except OSError:
                receiver.refresh_keys_failed(now_ms())
        for d in batch["deliveries"]:
            sub = json.loads(d["claims_json"]).get("sub")
            print(json.dumps({"jti": d["jti"], "types": d["event_types"], "sub": sub}))
            seen.add(d["jti"])
            receiver.ack(d["jti"])
    print(f"python host example: {len(seen)} events verified, processed and acknowledged", file=sys.stderr)
    return 3 if a.expect and len(seen) < a.expect else 0


if __name__ == "__main__":
    sys.exit(main())
