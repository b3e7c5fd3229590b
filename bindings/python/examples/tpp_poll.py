"""A TPP polling loop: fetch SETs from `POST /events`, verify each one,
acknowledge the good ones and report the bad ones in `setErrs`.

    python examples/tpp_poll.py [base-url]     # default http://127.0.0.1:8080

Uses only urllib; with httpx, replace `post()` with `httpx.post(url, content=body, ...)`.
"""

from __future__ import annotations

import sys
import time
import urllib.request

import setpoll

CLIENT_ID = "client-123"
ISSUER = "https://aspsp.example/iss"


def post(url: str, body: str) -> bytes:
    req = urllib.request.Request(
        url,
        data=body.encode(),
        method="POST",
        headers={"content-type": "application/json", "x-client-id": CLIENT_ID},
    )
    with urllib.request.urlopen(req, timeout=30) as resp:
        data: bytes = resp.read()
        return data


def poll(base: str, keyring: setpoll.Keyring, rounds: int = 1_000_000) -> list[setpoll.SetClaims]:
    """Poll until nothing is left (then stop after `rounds` idle waits)."""
    policy: setpoll.VerifyPolicy = {"issuer": ISSUER, "audience": CLIENT_ID}
    acks: list[str] = []
    errs: list[setpoll.SetErrEntry] = []
    received: list[setpoll.SetClaims] = []
    idle = 0
    while idle < rounds:
        request = setpoll.request_to_json({"ack": acks, "set_errs": errs, "return_immediately": True})
        response = setpoll.parse_response(post(f"{base}/events", request))
        # What we were asked to acknowledge has now been sent: start afresh.
        acks, errs = [], []
        for entry in response["sets"]:
            try:
                verified = setpoll.verify_set(entry["token"], keyring, policy, setpoll.now_ms())
            except setpoll.VerifyError as e:
                errs.append({"jti": entry["jti"], "err": e.set_err, "description": e.description})
                continue
            received.append(verified["claims"])  # process (persist) it, then ack
            acks.append(entry["jti"])
        if not response["sets"] and not acks and not errs:
            idle += 1
            if idle < rounds:
                time.sleep(5)
        elif not response["more_available"] and not acks and not errs:
            idle += 1
    return received


def main(argv: list[str]) -> int:
    base = argv[1] if len(argv) > 1 else "http://127.0.0.1:8080"
    with urllib.request.urlopen(f"{base}/jwks", timeout=10) as resp:
        keyring = setpoll.Keyring.from_jwks(resp.read())
    for claims in poll(base, keyring, rounds=1):
        print(claims.jti(), claims.event_types()[0], claims.sub())
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
