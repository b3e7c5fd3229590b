"""A minimal ASPSP: `POST /events` (and `GET /jwks`) on the standard library's
http.server, with setpoll's in-memory transmitter.

    python examples/aspsp_server.py [port]     # then run examples/tpp_poll.py

Client authentication is a stand-in (the `x-client-id` header): a real ASPSP
authenticates the TPP with mTLS and an OAuth access token first.
"""

from __future__ import annotations

import sys
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import setpoll

ISSUER = "https://aspsp.example/iss"


class Aspsp:
    """The bank's state: one signing key and the SET queue."""

    def __init__(self) -> None:
        self.key = setpoll.generate_es256("aspsp-es-1")
        self.transmitter = setpoll.MemoryTransmitter()

    def notify(self, client_id: str, payment_id: str) -> None:
        """Sign and queue a resource-update SET for `client_id`."""
        now = setpoll.now_ms()
        url = f"https://aspsp.example/pisp/domestic-payments/{payment_id}"
        claims = (
            setpoll.ClaimsBuilder(ISSUER, str(uuid.uuid4()), client_id, now // 1000)
            .sub(url)
            .txn(str(uuid.uuid4()))
            .toe(now // 1000)
            .resource_update(
                {"rid": payment_id, "rty": "domestic-payment", "links": [{"version": "v3.1.10", "link": url}]}
            )
            .build()
        )
        self.transmitter.enqueue(setpoll.sign_set(claims, self.key, now, "rfc8417"), now)


def make_handler(bank: Aspsp) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def _send(self, status: int, body: str) -> None:
            data = body.encode()
            self.send_response(status)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self) -> None:  # noqa: N802 (http.server naming)
            if self.path == "/jwks":
                self._send(200, setpoll.jwks_from_keys([bank.key]))
            else:
                self._send(404, "{}")

        def do_POST(self) -> None:  # noqa: N802
            client = self.headers.get("x-client-id")
            if self.path != "/events" or not client:
                self._send(404 if client else 401, "{}")
                return
            body = self.rfile.read(int(self.headers.get("content-length") or 0))
            interaction = self.headers.get("x-fapi-interaction-id", str(uuid.uuid4()))
            try:
                answer = bank.transmitter.handle_poll(
                    client, body, setpoll.now_ms(), interaction_id=interaction
                )
            except setpoll.RequestError as e:
                self._send(400, e.error_response)
                return
            # Long polling is off by default, so the answer is immediate.
            self._send(200, answer["response_json"] or setpoll.empty_poll_response())

        def log_message(self, format: str, *args: object) -> None:
            pass

    return Handler


def serve(bank: Aspsp, port: int) -> ThreadingHTTPServer:
    return ThreadingHTTPServer(("127.0.0.1", port), make_handler(bank))


if __name__ == "__main__":
    bank = Aspsp()
    for i in range(3):
        bank.notify("client-123", f"pmt-{i}")
    server = serve(bank, int(sys.argv[1]) if len(sys.argv) > 1 else 8080)
    print(f"POST http://127.0.0.1:{server.server_address[1]}/events (x-client-id: client-123)")
    server.serve_forever()
