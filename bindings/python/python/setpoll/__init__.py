"""setpoll: Open Banking UK Aggregated Polling (RFC 8936) with signed
Security Event Tokens (RFC 8417), over a sans-IO Rust core.

The same API as the npm package and the Kotlin/Swift bindings (the host
API of ``setpoll-host``, in snake_case): objects and methods of the same
names, settings as keyword arguments (absent = the core's default), records
as ``dict``s with the host's field names, enums as strings (``"obie"``,
``"dead_letter"``), times as ``int`` milliseconds since the epoch (see
:func:`now_ms`), bodies as ``str`` or ``bytes``. Every error is a
:class:`SetpollError` subclass with a stable ``.code``.
"""

from __future__ import annotations

import os as _os
import time as _time
from typing import Optional

from ._setpoll import (
    ArgumentError,
    ClaimsBuilder,
    ClaimsError,
    EnqueuePlan,
    Jwk,
    JwkError,
    JwkSet,
    Keyring,
    MemoryTransmitter,
    PollPlan,
    PollWait,
    Receiver,
    ReceiverError,
    RequestError,
    ResponseError,
    SetClaims,
    SetpollError,
    SignError,
    SigningKey,
    StorageTransmitter,
    SweepPlan,
    TransmitterError,
    VerifyError,
    __version__,
    apply_receiver_changes,
    empty_poll_response,
    jwk_thumbprint,
    jwks_from_keys,
    noop,
    obie_error_response,
    obie_success_status,
    parse_error_response,
    parse_request,
    parse_response,
    peek_envelope,
    request_to_json,
    response_to_json,
    set_err_code,
    set_err_codes,
    sign_set,
    timestamp_as_secs,
    timestamp_from_secs,
    transmitter_defaults,
    verify_set,
    version,
)

from ._types import *  # noqa: F403 (the record types: see setpoll._types)


def now_ms() -> int:
    """The current wall-clock time in milliseconds since the epoch: the
    ``now_ms`` every time-dependent call takes."""
    return _time.time_ns() // 1_000_000


def generate_es256(kid: Optional[str] = None) -> SigningKey:
    """A new ES256 signing key seeded from the operating system's CSPRNG."""
    return SigningKey.generate_es256(_os.urandom(32), kid)


def generate_ps256(bits: int = 2048, kid: Optional[str] = None) -> SigningKey:
    """A new PS256 (RSA, ``bits`` from 2048 to 4096) signing key seeded from
    the operating system's CSPRNG."""
    return SigningKey.generate_ps256(_os.urandom(32), bits, kid)


__all__ = [
    "apply_receiver_changes",
    "ArgumentError",
    "BackoffJitter",
    "Body",
    "ClaimsBuilder",
    "ClaimsError",
    "CryptoBackend",
    "DeliverableQuery",
    "DeliveryMode",
    "empty_poll_response",
    "EnqueuePlan",
    "EnqueueResult",
    "EventSubject",
    "generate_es256",
    "generate_ps256",
    "HeaderProfile",
    "Jwk",
    "jwk_thumbprint",
    "JwkError",
    "jwks_from_keys",
    "JwkSet",
    "Keyring",
    "Link",
    "MemoryTransmitter",
    "noop",
    "now_ms",
    "obie_error_response",
    "obie_success_status",
    "ObieHeader",
    "ObieHeaderProfile",
    "ObieVersion",
    "parse_error_response",
    "parse_request",
    "parse_response",
    "peek_envelope",
    "PollAnswer",
    "PollFailure",
    "PollPlan",
    "PollRequest",
    "PollResponse",
    "PollWait",
    "Receiver",
    "ReceiverBatch",
    "ReceiverConfig",
    "ReceiverDelivery",
    "ReceiverDuplicate",
    "ReceiverDuplicateOf",
    "ReceiverError",
    "ReceiverRejection",
    "ReceiverRequest",
    "ReceiverRequestKind",
    "request_to_json",
    "RequestError",
    "RequestLimits",
    "response_to_json",
    "ResponseError",
    "ResponseLimits",
    "set_err_code",
    "set_err_codes",
    "SetClaims",
    "SetEntry",
    "SetEnvelope",
    "SetErrCodeInfo",
    "SetErrEntry",
    "SetErrPolicy",
    "SetErrVocabulary",
    "SetpollError",
    "sign_set",
    "SignError",
    "SigningKey",
    "SkippedKey",
    "StaleKeys",
    "StorageTransmitter",
    "SweepPlan",
    "SweepResult",
    "timestamp_as_secs",
    "timestamp_from_secs",
    "transmitter_defaults",
    "TransmitterConfig",
    "TransmitterError",
    "TransmitterProfile",
    "VerifiedSet",
    "verify_set",
    "VerifyError",
    "VerifyPolicy",
    "version",
    "__version__",
]
