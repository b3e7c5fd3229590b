#!/usr/bin/env python3
"""Queue signed event notifications on an aspsp-server through its admin API.

    python3 scripts/examples/enqueue.py BASE_URL ADMIN_TOKEN CLIENT:COUNT [CLIENT:COUNT...]

Each event is one `POST /admin/events` (8 keep-alive connections in
parallel): every fifth a consent-authorization-revoked event, the others
resource-update events, each for its own account-access consent. Prints the
number queued and the time taken; exits non-zero on any refusal.
"""
import http.client
import json
import sys
import threading
import time
import urllib.parse


def body(client: str, n: int) -> str:
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
    return json.dumps({"clientId": client, "sub": link, "events": events})


def main() -> int:
    if len(sys.argv) < 4:
        print(__doc__, file=sys.stderr)
        return 2
    base, token = sys.argv[1], sys.argv[2]
    jobs = []
    for spec in sys.argv[3:]:
        client, count = spec.rsplit(":", 1)
        jobs.extend((client, n) for n in range(1, int(count) + 1))
    jobs.reverse()
    url = urllib.parse.urlparse(base)
    lock = threading.Lock()
    errors = []

    def worker() -> None:
        conn = http.client.HTTPConnection(url.hostname, url.port, timeout=30)
        headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
        while True:
            with lock:
                if not jobs or errors:
                    return
                client, n = jobs.pop()
            conn.request("POST", "/admin/events", body(client, n), headers)
            response = conn.getresponse()
            text = response.read()
            if response.status != 201:
                with lock:
                    errors.append(f"{response.status} {text[:200]!r}")

    total = len(jobs)
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
