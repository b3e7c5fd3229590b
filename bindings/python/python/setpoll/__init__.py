"""setpoll: Open Banking UK Aggregated Polling (RFC 8936) with signed
Security Event Tokens (RFC 8417), as thin bindings over a sans-IO Rust core.

The library never reads a clock, opens a socket or draws randomness on its
own: pass time as ``int`` milliseconds since the epoch (see :func:`now_ms`),
do the HTTP yourself, and hand bodies over as JSON text (``str`` or
``bytes``). Every error is a :class:`SetpollError` with a stable ``.code``.
"""

from __future__ import annotations

import os as _os
import time as _time
from typing import Optional

from ._setpoll import (
    ArgumentError,
    ClaimsBuilder,
    ClaimsError,
    Delivery,
    Duplicate,
    EnqueueResult,
    EventSubject,
    Jwk,
    JwkSet,
    JwkError,
    Keyring,
    MemoryTransmitter,
    PollAnswer,
    PollRequest,
    PollResponse,
    PollWait,
    Receiver,
    ReceiverBatch,
    ReceiverError,
    ReceiverRequest,
    Rejection,
    RequestError,
    ResponseError,
    SetClaims,
    SetEnvelope,
    SetErrCode,
    SetpollError,
    SignError,
    SigningKey,
    SweepResult,
    Transmitter,
    TransmitterError,
    VerifiedSet,
    VerifyError,
    VerifyPolicy,
    __version__,
    jwk_thumbprint,
    jwks_from_keys,
    noop,
    parse_error_response,
    parse_request,
    parse_response,
    peek_envelope,
    set_err_codes,
    sign_set,
    timestamp_as_secs,
    timestamp_from_secs,
    verify_set,
)


def now_ms() -> int:
    """The current wall-clock time in milliseconds since the epoch: the
    ``now_ms`` every time-dependent call takes."""
    return _time.time_ns() // 1_000_000


def generate_es256(kid: Optional[str] = None) -> SigningKey:
    """A new ES256 signing key seeded from the operating system's CSPRNG."""
    return SigningKey.generate_es256(_os.urandom(32), kid)


def generate_ps256(kid: Optional[str] = None, bits: int = 2048) -> SigningKey:
    """A new PS256 (RSA) signing key seeded from the operating system's CSPRNG."""
    return SigningKey.generate_ps256(_os.urandom(32), bits, kid)


__all__ = [
    "ArgumentError",
    "ClaimsBuilder",
    "ClaimsError",
    "Delivery",
    "Duplicate",
    "EnqueueResult",
    "EventSubject",
    "Jwk",
    "JwkSet",
    "JwkError",
    "Keyring",
    "MemoryTransmitter",
    "PollAnswer",
    "PollRequest",
    "PollResponse",
    "PollWait",
    "Receiver",
    "ReceiverBatch",
    "ReceiverError",
    "ReceiverRequest",
    "Rejection",
    "RequestError",
    "ResponseError",
    "SetClaims",
    "SetEnvelope",
    "SetErrCode",
    "SetpollError",
    "SignError",
    "SigningKey",
    "SweepResult",
    "Transmitter",
    "TransmitterError",
    "VerifiedSet",
    "VerifyError",
    "VerifyPolicy",
    "__version__",
    "generate_es256",
    "generate_ps256",
    "jwk_thumbprint",
    "jwks_from_keys",
    "noop",
    "now_ms",
    "parse_error_response",
    "parse_request",
    "parse_response",
    "peek_envelope",
    "set_err_codes",
    "sign_set",
    "timestamp_as_secs",
    "timestamp_from_secs",
    "verify_set",
]
