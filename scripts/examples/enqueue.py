#!/usr/bin/env python3
"""Queue signed event notifications on an aspsp-server through its admin API.

    python3 scripts/examples/enqueue.py [--batch N] BASE_URL ADMIN_TOKEN CLIENT:COUNT [CLIENT:COUNT...]

Events go in batches of N (default 250) per `POST /admin/events` (a JSON
array; `--batch 1` sends one object per request, the single form), over 8
keep-alive connections in parallel: every fifth a
consent-authorization-revoked event, the others resource-update events,
each for its own account-access consent. Prints the number queued and the
time taken; exits non-zero on any refusal.
"""
import http.client
import json
import sys
import threading
import time
import urllib.parse


def item(client: str, n: int) -> dict:
    rid = f"aac-{n}"
    link = f"https://aspsp.example/open-banking/v4.0/aisp/account-access-consents/{rid}"
    subject = {
        "subject_type": "http://openbanking.org.uk/rid_http://openbanking.org.uk/rty",
        "http://openbanking.org.uk/rid": rid,
        "http://openbanking.org.uk/rty": "account-access-consent",
        "http://openbanking.org.uk/rlk": [{"version": "v4.0", "link": link}],
    }
    if n % 5 == 4:
        events = {"urn:uk:org:openbanking:events:consent-authorization-revoked": {
            "reason": "Customer revoked consent", "subject": subject}}
    else:
        events = {"urn:uk:org:openbanking:events:resource-update": {"subject": subject}}
    return {"clientId": client, "sub": link, "events": events}


def main() -> int:
    args = sys.argv[1:]
    batch = 250
    if len(args) >= 2 and args[0] == "--batch":
        batch = max(1, int(args[1]))
        args = args[2:]
    if len(args) < 3:
        print(__doc__, file=sys.stderr)
        return 2
    base, token = args[0], args[1]
    items = []
    for spec in args[2:]:
        client, count = spec.rsplit(":", 1)
        items.extend(item(client, n) for n in range(1, int(count) + 1))
    if batch == 1:
        jobs = [(json.dumps(i), 1) for i in items]
    else:
        jobs = [(json.dumps(items[k:k + batch]), len(items[k:k + batch]))
                for k in range(0, len(items), batch)]
    jobs.reverse()
    url = urllib.parse.urlparse(base)
    lock = threading.Lock()
    errors = []

    def worker() -> None:
        conn = http.client.HTTPConnection(url.hostname, url.port, timeout=120)
        headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
        while True:
            with lock:
                if not jobs or errors:
                    return
                body, count = jobs.pop()
            conn.request("POST", "/admin/events", body, headers)
            response = conn.getresponse()
            text = response.read()
            queued = json.loads(text).get("queued", 1) if response.status == 201 else 0
            if response.status != 201 or queued != count:
                with lock:
                    errors.append(f"{response.status} {text[:200]!r}")

    total = len(items)
    started = time.time()
    threads = [threading.Thread(target=worker) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        print(f"enqueue refused: {errors[0]}", file=sys.stderr)
        return 1
    took = time.time() - started
    print(f"queued {total} SETs in {took * 1000:.0f} ms ({total / took:.0f}/s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
