"""The records of the host API (``setpoll-host``) as ``TypedDict``s.

Records cross the boundary as plain ``dict``s with the host's field names
(snake_case) and enums as their serde strings, in both directions: what a
call returns can be passed back (``MemoryTransmitter(**transmitter_defaults())``).
These types exist for type checkers and documentation; at run time they are
ordinary dicts. Settings are optional keys: absent (or ``None``) means the
core's default.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal, Optional, TypedDict, Union

__all__ = [
    "BackoffJitter", "Body", "CryptoBackend", "DeliverableQuery", "DeliveryMode",
    "EnqueueResult", "EventSubject", "HeaderProfile", "Link", "ObieHeader", "ObieHeaderProfile",
    "ObieVersion", "PollAnswer", "PollFailure", "PollRequest", "PollResponse", "ReceiverBatch",
    "ReceiverConfig", "ReceiverDelivery", "ReceiverDuplicate", "ReceiverDuplicateOf",
    "ReceiverRejection", "ReceiverRequest", "ReceiverRequestKind", "RequestLimits",
    "ResponseLimits", "SetEntry", "SetEnvelope", "SetErrCodeInfo", "SetErrEntry",
    "SetErrPolicy", "SetErrVocabulary", "SkippedKey", "StaleKeys", "SweepResult", "TransmitterConfig",
    "TransmitterProfile", "VerifiedSet", "VerifyPolicy",
]

if TYPE_CHECKING:
    from ._setpoll import PollWait, SetClaims

Body = Union[str, bytes]
"""An HTTP body or JSON text: ``str`` or UTF-8 ``bytes``."""
TransmitterProfile = Literal["obie", "rfc8936"]
SetErrPolicy = Literal["dead_letter", "redeliver"]
DeliveryMode = Literal["at_least_once", "deliver_once"]
BackoffJitter = Literal["none", "full", "equal"]
SetErrVocabulary = Literal["obie", "rfc8935"]
CryptoBackend = Literal["native", "portable"]
ObieVersion = Literal["v3.1.2", "v3.1.11", "v4.0"]
ReceiverRequestKind = Literal["poll", "ack_only"]
ReceiverDuplicateOf = Literal["acked", "rejected", "in_processing", "held"]


class TransmitterConfig(TypedDict, total=False):
    """The delivery policy a bank documents to its TPPs (durations in ms)."""

    profile: Optional[TransmitterProfile]
    default_max_events: Optional[int]
    max_events_limit: Optional[int]
    visibility_timeout_ms: Optional[int]
    max_attempts: Optional[int]
    retention_ms: Optional[int]
    dead_letter_retention_ms: Optional[int]
    long_poll_max_wait_ms: Optional[int]
    on_set_err: Optional[SetErrPolicy]
    delivery: Optional[DeliveryMode]


class EnqueueResult(TypedDict):
    """What ``enqueue`` / ``decide_enqueue`` did."""

    queued: bool
    client: str
    jti: str
    seq: int
    state: Optional[str]
    same_token: Optional[bool]
    changes_json: str
    wake: Optional[str]


class SweepResult(TypedDict):
    """What ``sweep`` / ``decide_sweep`` did."""

    changes_json: str
    more: bool


class PollAnswer(TypedDict):
    """The answer to one ``POST /events``: ``response_json`` (send it) or ``wait`` (hold it)."""

    response_json: Optional[str]
    wait: Optional[PollWait]
    changes: int
    changes_json: str


class DeliverableQuery(TypedDict):
    """The deliverable rows a poll plan needs."""

    client: str
    now_ms: int
    max_attempts: int
    exclude: list[str]
    limit: int


class _ReceiverIdentity(TypedDict):
    issuer: str
    client_id: str
    jwks_json: str


class ReceiverConfig(_ReceiverIdentity, total=False):
    """Everything a ``Receiver`` needs (durations in ms); settings optional."""

    max_skew_secs: Optional[int]
    max_events: Optional[int]
    return_immediately: Optional[bool]
    poll_interval_ms: Optional[int]
    backoff_base_ms: Optional[int]
    backoff_cap_ms: Optional[int]
    backoff_jitter: Optional[BackoffJitter]
    retry_after_cap_ms: Optional[int]
    dedup_window_ms: Optional[int]
    dedup_capacity: Optional[int]
    max_unsettled: Optional[int]
    key_refresh_interval_ms: Optional[int]
    vocabulary: Optional[SetErrVocabulary]
    jitter_seed: Optional[bytes]


class ReceiverRequest(TypedDict):
    """One ``POST /events`` to send: ``body`` is the exact JSON text."""

    id: int
    kind: ReceiverRequestKind
    body: str


class ReceiverDelivery(TypedDict):
    """A verified SET for the application: settle it with ``ack`` or ``reject``."""

    jti: str
    iss: str
    event_types: list[str]
    claims_json: str
    token: str
    delivered_at_ms: int


class ReceiverRejection(TypedDict):
    """A SET that was not delivered, and the ``setErrs`` entry queued for it."""

    jti: str
    code: str
    reported_err: Optional[str]
    reported_description: Optional[str]


class ReceiverDuplicate(TypedDict):
    """A SET received again within the dedup window."""

    jti: str
    of: ReceiverDuplicateOf


class PollFailure(TypedDict):
    """A failed round trip, already recorded and backed off."""

    code: str
    message: str
    status: Optional[int]
    error_response_json: Optional[str]
    retry_at_ms: int
    failures_in_a_row: int
    long_poll_refused: bool


class StaleKeys(TypedDict):
    """SETs held because their ``kid`` is unknown."""

    kids: list[str]
    held: int
    refresh_at_ms: int


class ReceiverBatch(TypedDict):
    """What one round trip brought: SETs for the application, or a ``failure``."""

    deliveries: list[ReceiverDelivery]
    rejections: list[ReceiverRejection]
    duplicates: list[ReceiverDuplicate]
    more_available: bool
    acks_confirmed: int
    set_errs_confirmed: int
    salvaged: Optional[str]
    held: list[str]
    keys_stale: Optional[StaleKeys]
    failure: Optional[PollFailure]


class SetErrCodeInfo(TypedDict):
    """One ``setErrs`` code and what the specifications say about it."""

    code: str
    vocabulary: Optional[str]
    description: Optional[str]


class SkippedKey(TypedDict):
    """A key skipped when a JWK Set was imported."""

    index: int
    kid: Optional[str]
    code: str


class SetEnvelope(TypedDict):
    """The routing facts of a signed SET, read without verification."""

    jti: str
    aud: list[str]


class VerifyPolicy(TypedDict, total=False):
    """What a recipient accepts; absent keys take the core's defaults."""

    issuer: Optional[str]
    audience: Optional[str]
    algorithms: Optional[list[str]]
    max_skew_secs: Optional[int]
    max_token_bytes: Optional[int]
    max_age_secs: Optional[int]
    accept_jwt_typ: Optional[bool]
    require_typ: Optional[bool]


class VerifiedSet(TypedDict):
    """A SET whose signature and claims checked out."""

    claims: SetClaims
    kid: Optional[str]
    alg: str


class ObieHeader(TypedDict):
    """The OBIE message-signing header's organisation and trust anchor."""

    org_id: str
    trust_anchor: str


class ObieHeaderProfile(TypedDict):
    """``{"obie": {"org_id": ..., "trust_anchor": ...}}``."""

    obie: ObieHeader


HeaderProfile = Union[Literal["rfc8417"], ObieHeaderProfile]


class SetErrEntry(TypedDict):
    """One ``setErrs`` entry of a request."""

    jti: str
    err: str
    description: str


class PollRequest(TypedDict, total=False):
    """``OBEventPolling1``, the body of ``POST /events``."""

    max_events: Optional[int]
    return_immediately: Optional[bool]
    ack: list[str]
    set_errs: list[SetErrEntry]


class RequestLimits(TypedDict, total=False):
    """Resource limits of ``parse_request``; absent keys keep the defaults."""

    max_body_bytes: Optional[int]
    max_ack: Optional[int]
    max_set_errs: Optional[int]


class ResponseLimits(TypedDict, total=False):
    """Resource limits of ``parse_response``; absent keys keep the defaults."""

    max_body_bytes: Optional[int]
    max_sets: Optional[int]


class SetEntry(TypedDict):
    """One SET of a response."""

    jti: str
    token: str


class PollResponse(TypedDict):
    """``OBEventPollingResponse1``, the answer to ``POST /events``."""

    sets: list[SetEntry]
    more_available: bool


class Link(TypedDict):
    """A resource link of an event subject."""

    version: str
    link: str


class EventSubject(TypedDict):
    """The subject of an OBIE event."""

    rid: str
    rty: str
    links: list[Link]
