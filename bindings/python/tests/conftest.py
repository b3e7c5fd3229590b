from __future__ import annotations

import pytest

import setpoll

ISS = "https://aspsp.example/iss"
AUD = "client-123"
NOW_MS = 1_700_000_000_000
SEED = bytes(range(32))
ORG_ID = "0015800001041RHAAY"  # the OBIE header profile (sign_set's default) needs it


@pytest.fixture(scope="session")
def es_key() -> setpoll.SigningKey:
    return setpoll.SigningKey.generate_es256(SEED, "es-1")


@pytest.fixture(scope="session")
def ps_key() -> setpoll.SigningKey:
    return setpoll.SigningKey.generate_ps256(SEED, 2048, "ps-1")


@pytest.fixture(scope="session")
def keyring(es_key: setpoll.SigningKey, ps_key: setpoll.SigningKey) -> setpoll.Keyring:
    return setpoll.Keyring.from_jwks(setpoll.jwks_from_keys([es_key, ps_key]))


def make_claims(jti: str = "jti-1", aud: str = AUD) -> setpoll.SetClaims:
    subject: setpoll.EventSubject = {
        "rid": "pmt-1",
        "rty": "domestic-payment",
        "links": [{"version": "v3.1.10", "link": "https://aspsp.example/pmt-1"}],
    }
    return (
        setpoll.ClaimsBuilder(ISS, jti, aud, NOW_MS // 1000)
        .sub("https://aspsp.example/pmt-1")
        .txn("txn-1")
        .toe(NOW_MS // 1000)
        .resource_update(subject)
        .build()
    )
