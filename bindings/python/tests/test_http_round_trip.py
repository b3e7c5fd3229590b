"""The two examples talking over real HTTP: ASPSP server <-> TPP polling loop."""

from __future__ import annotations

import sys
import threading
import urllib.error
import urllib.request
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "examples"))

import aspsp_server  # noqa: E402
import tpp_poll  # noqa: E402

import setpoll  # noqa: E402


def test_examples_round_trip_over_http() -> None:
    bank = aspsp_server.Aspsp()
    for i in range(5):
        bank.notify(tpp_poll.CLIENT_ID, f"pmt-{i}")
    server = aspsp_server.serve(bank, 0)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        keyring = setpoll.Keyring.from_jwks(urllib.request.urlopen(f"{base}/jwks").read())
        got = tpp_poll.poll(base, keyring, rounds=1)
        assert sorted(c.sub() or "" for c in got) == [
            f"https://aspsp.example/pisp/domestic-payments/pmt-{i}" for i in range(5)
        ]
        assert bank.transmitter.size() == 0  # every SET acknowledged and removed
        with pytest.raises(urllib.error.HTTPError) as info:
            tpp_poll.post(f"{base}/events", '{"maxEvents":"x"}')
        assert info.value.code == 400
        body = info.value.read().decode()
        assert setpoll.parse_error_response(body) and "UK.OBIE.Field.Invalid" in body
    finally:
        server.shutdown()
