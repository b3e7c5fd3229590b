"""No default is restated in the binding: what Python reports as in force
equals tests/vectors/defaults.json, which the vector generator writes from
the core's ``Default``s."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import setpoll

def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def _load() -> dict[str, dict[str, Any]]:
    """The `transmitter` and `receiver` cases of defaults.json (written in
    the vectors' camelCase), in the host API's snake_case names."""
    doc = json.loads(
        (Path(__file__).resolve().parents[3] / "tests" / "vectors" / "defaults.json").read_text(encoding="utf-8")
    )
    assert doc["kind"] == "defaults"
    cases = {c["name"]: c["expect"]["ok"] for c in doc["cases"]}
    return {k: {_snake(n): v for n, v in cases[k].items()} for k in ("transmitter", "receiver")}


DEFAULTS = _load()
IDENTITY = {"issuer", "client_id", "jwks_json", "jitter_seed"}


def test_transmitter_defaults_are_the_cores() -> None:
    assert dict(setpoll.transmitter_defaults()) == DEFAULTS["transmitter"]
    assert dict(setpoll.StorageTransmitter().config()) == DEFAULTS["transmitter"]


def test_receiver_defaults_are_the_cores() -> None:
    jwks = setpoll.jwks_from_keys([setpoll.SigningKey.generate_es256(bytes(32), "k")])
    config = dict(setpoll.Receiver(issuer="https://bank.example/", client_id="tpp", jwks_json=jwks).config())
    assert {k: v for k, v in config.items() if k not in IDENTITY} == DEFAULTS["receiver"]
    assert set(config) == set(DEFAULTS["receiver"]) | IDENTITY
    assert (config["issuer"], config["client_id"], config["jwks_json"]) == ("https://bank.example/", "tpp", jwks)


def test_explicit_settings_override_only_themselves() -> None:
    tx = setpoll.StorageTransmitter(max_attempts=3, delivery="deliver_once")
    want = {**DEFAULTS["transmitter"], "max_attempts": 3, "delivery": "deliver_once"}
    assert dict(tx.config()) == want
    # What config() returns can be passed back as settings.
    assert dict(setpoll.StorageTransmitter(**tx.config()).config()) == want
    # None means "the core's default", as absence does.
    assert dict(setpoll.StorageTransmitter(max_attempts=None).config()) == DEFAULTS["transmitter"]


def test_typed_dicts_name_every_setting() -> None:
    """The hand-written ``TypedDict``s of the settings (``_types.py``) list
    exactly the keys the host reports, so a setting added to the host's
    ``settings!`` list and not to the types fails here."""
    from setpoll import _types

    def keys(t: Any) -> set[str]:
        return set(t.__required_keys__) | set(t.__optional_keys__)

    assert keys(_types.TransmitterConfig) == set(DEFAULTS["transmitter"])
    assert keys(_types.ReceiverConfig) == set(DEFAULTS["receiver"]) | IDENTITY
    assert keys(_types._ReceiverIdentity) == {"issuer", "client_id", "jwks_json"}
