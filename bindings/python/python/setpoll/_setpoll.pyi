"""Type stub of the Rust extension ``setpoll._setpoll`` (import ``setpoll``).

One-line wrappers over the host API (``setpoll-host``). Records are dicts
(see :mod:`setpoll._types`); settings are keyword arguments whose absence
means the core's default; times are ``int`` milliseconds since the epoch.
"""

from typing import Optional, Sequence, final

from typing_extensions import Self, Unpack

from ._types import (
    Body,
    CryptoBackend,
    DeliverableQuery,
    EnqueueResult,
    EventSubject,
    HeaderProfile,
    ObieVersion,
    PollAnswer,
    PollFailure,
    PollRequest,
    PollResponse,
    ReceiverBatch,
    ReceiverConfig,
    ReceiverDelivery,
    ReceiverRequest,
    RequestLimits,
    ResponseLimits,
    SetEnvelope,
    SetErrCodeInfo,
    SkippedKey,
    StaleKeys,
    SweepResult,
    TransmitterConfig,
    VerifiedSet,
    VerifyPolicy,
)

__version__: str

def version() -> str:
    """The version of the setpoll library."""

def noop() -> None:
    """Do nothing: measures the cost of one call into the extension."""

# --- errors -------------------------------------------------------------------

class SetpollError(Exception):
    """Base of every setpoll error (one subclass per host error variant)."""

    code: str
    """Stable machine code (snake_case)."""
    detail: str
    """What was wrong (at most about 200 characters)."""

class ArgumentError(SetpollError):
    """An argument was out of range, too large (``too_large``) or names something unknown."""

class RequestError(SetpollError):
    """A ``POST /events`` body (OBEventPolling1) was refused."""

    path: Optional[str]
    obie_code: str
    error_response: str
    """The ``400 Bad Request`` body (OBErrorResponse1 JSON text) to answer with."""

class ResponseError(SetpollError):
    """A ``POST /events`` response body could not be read."""

    path: Optional[str]

class ClaimsError(SetpollError):
    """SET claims break a rule of OBEventNotification2 / RFC 8417."""

    path: Optional[str]
    set_err: str
    set_err_rfc8935: str
    description: str

class JwkError(SetpollError):
    """A JWK, JWK Set, PEM key or crypto operation failed (the host's ``Key`` variant)."""

class SignError(SetpollError):
    """A SET could not be signed."""

class VerifyError(SetpollError):
    """A Security Event Token failed verification."""

    set_err: str
    set_err_rfc8935: str
    description: str

class TransmitterError(SetpollError):
    """The transmitter refused a configuration or a SET to enqueue."""

class ReceiverError(SetpollError):
    """A receiver call was refused and changed nothing."""

# --- codes and time -------------------------------------------------------------

def set_err_codes() -> list[SetErrCodeInfo]:
    """Every known ``setErrs`` code, OBIE vocabulary first."""

def set_err_code(code: str) -> SetErrCodeInfo:
    """Look a wire code up; unknown codes come back with no vocabulary."""

def timestamp_from_secs(secs: int) -> int:
    """Milliseconds since the epoch for whole seconds (saturating)."""

def timestamp_as_secs(ms: int) -> int:
    """Whole seconds (JWT ``iat``) of a millisecond timestamp, rounded down."""

# --- wire and OBIE rules --------------------------------------------------------

def parse_request(
    body: Body,
    reject_unknown_members: bool = True,
    interaction_id: str = "",
    limits: Optional[RequestLimits] = None,
) -> PollRequest:
    """Parse and validate a ``POST /events`` body; :class:`RequestError` carries the 400 body."""

def request_to_json(request: PollRequest) -> str:
    """The canonical JSON text of a request (refused as ``parse_request`` would refuse it)."""

def parse_response(body: Body, limits: Optional[ResponseLimits] = None) -> PollResponse:
    """Read a ``POST /events`` response body (the receiver's tolerant reader)."""

def response_to_json(response: PollResponse) -> str:
    """The canonical JSON text of a response."""

def parse_error_response(body: Body) -> str:
    """Read an ``OBErrorResponse1`` body; returns its canonical JSON text."""

def obie_success_status(version: ObieVersion) -> int:
    """``201`` on v3.1.2 paths, ``200`` after."""

def obie_error_response(version: ObieVersion, error_response_json: Body) -> str:
    """An ``OBErrorResponse1`` with every ``ErrorCode`` in ``version``'s vocabulary."""

def empty_poll_response() -> str:
    """``{"sets":{},"moreAvailable":false}``."""

# --- claims ---------------------------------------------------------------------

@final
class SetClaims:
    """The validated claims of one Security Event Token."""

    @staticmethod
    def from_json(json: Body) -> SetClaims: ...
    def to_json(self) -> str: ...
    def check_obie_profile(self) -> None: ...
    def iss(self) -> str: ...
    def iat(self) -> int: ...
    def jti(self) -> str: ...
    def aud(self) -> list[str]: ...
    def sub(self) -> Optional[str]: ...
    def txn(self) -> Optional[str]: ...
    def toe(self) -> Optional[int]: ...
    def exp(self) -> Optional[int]: ...
    def nbf(self) -> Optional[int]: ...
    def sub_id_json(self) -> Optional[str]: ...
    def other_claims_json(self) -> str: ...
    def event_types(self) -> list[str]: ...
    def __eq__(self, other: object, /) -> bool: ...

@final
class ClaimsBuilder:
    """Builds :class:`SetClaims`; each method returns the builder, ``build()`` validates."""

    def __new__(cls, iss: str, jti: str, aud: str, iat: int) -> Self: ...
    def audience(self, aud: str) -> Self: ...
    def sub(self, sub: str) -> Self: ...
    def txn(self, txn: str) -> Self: ...
    def toe(self, toe: int) -> Self: ...
    def exp(self, exp: int) -> Self: ...
    def nbf(self, nbf: int) -> Self: ...
    def sub_id_json(self, sub_id_json: Body) -> Self: ...
    def claim(self, name: str, value_json: Body) -> Self: ...
    def resource_update(self, subject: EventSubject) -> Self: ...
    def consent_revoked(
        self, reason: Optional[str] = None, subject: Optional[EventSubject] = None
    ) -> Self: ...
    def linked_account_update(
        self, reason: Optional[str] = None, subject: Optional[EventSubject] = None
    ) -> Self: ...
    def custom_event(self, uri: str, payload_json: Body) -> Self: ...
    def build(self) -> SetClaims: ...

# --- keys -------------------------------------------------------------------------

@final
class SigningKey:
    """A private key that signs SETs, with its ``kid`` and algorithm."""

    @staticmethod
    def generate_es256(seed: bytes, kid: Optional[str] = None) -> SigningKey: ...
    @staticmethod
    def generate_ps256(seed: bytes, bits: int, kid: Optional[str] = None) -> SigningKey:
        """``bits`` from 2048 to 4096."""
    @staticmethod
    def from_jwk(jwk: Body, backend: Optional[CryptoBackend] = None) -> SigningKey: ...
    @staticmethod
    def from_pkcs8_pem(pem: str, kid: Optional[str] = None) -> SigningKey: ...
    def to_pkcs8_pem(self) -> str: ...
    def to_private_jwk(self) -> str: ...
    def to_public_jwk(self) -> str: ...
    def kid(self) -> str: ...
    def algorithm(self) -> str: ...

@final
class Keyring:
    """A public JWK Set prepared for verification."""

    @staticmethod
    def from_jwks(jwks: Body, backend: Optional[CryptoBackend] = None) -> Keyring: ...
    def to_jwks(self) -> str: ...
    def kids(self) -> list[str]: ...
    def skipped(self) -> list[SkippedKey]: ...

@final
class Jwk:
    """One JWK as parsed (RFC 7517 §4)."""

    @staticmethod
    def from_json(json: Body) -> Jwk: ...
    def to_json(self) -> str: ...
    def to_public_json(self) -> str: ...
    def thumbprint(self) -> str: ...
    def is_private(self) -> bool: ...
    def kid(self) -> Optional[str]: ...
    def verification_algorithm(self) -> Optional[str]: ...

@final
class JwkSet:
    """A JWK Set as parsed (RFC 7517 §5); unusable keys are skipped."""

    @staticmethod
    def from_json(json: Body) -> JwkSet: ...
    def to_json(self) -> str: ...
    def to_public_json(self) -> str: ...
    def kids(self) -> list[Optional[str]]: ...
    def skipped(self) -> list[SkippedKey]: ...

def jwks_from_keys(keys: Sequence[SigningKey]) -> str:
    """The public JWK Set (JSON text) for these signing keys."""

def jwk_thumbprint(jwk: Body) -> str:
    """The RFC 7638 thumbprint of a JWK."""

# --- SET sign / verify ------------------------------------------------------------

def peek_envelope(token: str) -> SetEnvelope:
    """Read ``jti`` and ``aud`` of a compact JWS without verifying it."""

def verify_set(token: str, keyring: Keyring, policy: VerifyPolicy, now_ms: int) -> VerifiedSet:
    """Verify a compact-JWS SET; raises :class:`VerifyError` with the ``setErrs`` code."""

def sign_set(claims: SetClaims, key: SigningKey, now_ms: int, profile: HeaderProfile) -> str:
    """Sign claims into a compact JWS (``"rfc8417"`` or ``{"obie": {...}}`` header)."""

# --- transmitter --------------------------------------------------------------------

def transmitter_defaults() -> TransmitterConfig:
    """The core's transmitter defaults, every setting filled in."""

@final
class PollWait:
    """A long poll to hold open until ``until_ms()`` or a wake for ``client()``."""

    def client(self) -> str: ...
    def until_ms(self) -> int: ...
    def request_json(self) -> str: ...

@final
class MemoryTransmitter:
    """The ASPSP side of ``POST /events`` with its queue in memory."""

    def __new__(cls, **config: Unpack[TransmitterConfig]) -> Self: ...
    @classmethod
    def from_records(cls, records_json: Body, **config: Unpack[TransmitterConfig]) -> Self: ...
    def enqueue(self, token: str, now_ms: int) -> EnqueueResult: ...
    def handle_poll(self, client: str, body: Body, now_ms: int, interaction_id: str = "") -> PollAnswer:
        """Handle ``POST /events``; :class:`RequestError` carries the 400 body."""
    def resume(self, wait: PollWait, now_ms: int) -> PollAnswer: ...
    def sweep(self, now_ms: int, budget: int = 1000) -> SweepResult: ...
    def records_json(self) -> str: ...
    def size(self) -> int: ...
    def __len__(self) -> int: ...

@final
class EnqueuePlan:
    """Enqueue step 1: load the record keyed ``(client(), jti())`` and the client's highest seq."""

    def client(self) -> str: ...
    def jti(self) -> str: ...

@final
class PollPlan:
    """Poll step 1: load the ``named()`` records and the ``deliverable()`` rows."""

    def client(self) -> str: ...
    def named(self) -> list[str]: ...
    def deliverable(self) -> DeliverableQuery: ...

@final
class SweepPlan:
    """Sweep step 1: the bounds of the two sweep queries."""

    def now_ms(self) -> int: ...
    def limit(self) -> int: ...
    def max_attempts(self) -> int: ...

@final
class StorageTransmitter:
    """The transmitter rules without storage: plan, load, decide, commit."""

    def __new__(cls, **config: Unpack[TransmitterConfig]) -> Self: ...
    def config(self) -> TransmitterConfig: ...
    def plan_enqueue(self, token: str, now_ms: int) -> EnqueuePlan: ...
    def decide_enqueue(
        self, plan: EnqueuePlan, existing_record_json: Optional[Body], newest_seq: Optional[int]
    ) -> EnqueueResult: ...
    def plan_poll(self, client: str, body: Body, now_ms: int, interaction_id: str = "") -> PollPlan: ...
    def plan_resume(self, wait: PollWait, now_ms: int) -> PollPlan: ...
    def decide_poll(self, plan: PollPlan, named_records_json: Body, deliverable_records_json: Body) -> PollAnswer: ...
    def plan_sweep(self, now_ms: int, budget: int) -> SweepPlan: ...
    def decide_sweep(self, plan: SweepPlan, records_json: Body, loaded_full: bool) -> SweepResult: ...

# --- receiver -----------------------------------------------------------------------

@final
class Receiver:
    """The TPP side of ``POST /events``, sans-IO: ``next_request`` gives the
    request to send (``None`` when nothing is due: wait for ``poll_timeout()``)."""

    def __new__(cls, **config: Unpack[ReceiverConfig]) -> Self: ...
    @classmethod
    def restore(cls, state: Body, **config: Unpack[ReceiverConfig]) -> Self: ...
    def config(self) -> ReceiverConfig: ...
    def poll_timeout(self) -> Optional[int]: ...
    def next_request(self, now_ms: int) -> Optional[ReceiverRequest]: ...
    def handle_response(
        self, id: int, status: int, body: Body, now_ms: int, retry_after: Optional[str] = None
    ) -> ReceiverBatch:
        """A failed round trip is the batch's ``failure`` (recorded, backed off)."""
    def handle_failure(self, id: int, now_ms: int) -> PollFailure: ...
    def ack(self, jti: str) -> None: ...
    def reject(self, jti: str, err: str, description: str) -> None: ...
    def take_changes(self) -> Optional[str]:
        """The changes since the last call (JSON array text) to append to the store; ``None`` when none."""
    def state(self) -> str: ...
    def unsettled(self) -> list[ReceiverDelivery]: ...
    def in_flight(self) -> Optional[int]: ...
    def keys_stale(self) -> Optional[StaleKeys]:
        """SETs held for an unknown ``kid``: fetch the JWKS at ``refresh_at_ms``, then ``refresh_keys``."""
    def refresh_keys(self, jwks_json: Body, now_ms: int) -> ReceiverBatch:
        """New keys; the held SETs judged again (deliveries, rejections, duplicates)."""
    def refresh_keys_failed(self, now_ms: int) -> None: ...

def apply_receiver_changes(state: Body, changes: Body) -> str:
    """Replay ``take_changes()`` output onto a ``state()`` snapshot."""
