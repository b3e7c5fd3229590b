"""Type stub of the Rust extension ``setpoll._setpoll`` (import ``setpoll``)."""

from typing import Any, Literal, Optional, Sequence, Union, final

from typing_extensions import Self

Body = Union[str, bytes]
"""An HTTP body or JSON text: ``str`` or UTF-8 ``bytes``."""

__version__: str

def noop() -> None:
    """Do nothing: measures the cost of one call into the extension."""

# --- errors -----------------------------------------------------------------

class SetpollError(Exception):
    """Base of every setpoll error."""

    code: str
    """Stable machine code (snake_case) of the failure."""

class ArgumentError(SetpollError):
    """An argument is out of range or names something unknown."""

class RequestError(SetpollError):
    """A ``POST /events`` body (OBEventPolling1) was refused."""

    path: Optional[str]
    """Where in the body (``ack[3]``, ``setErrs.j1.err``); ``None`` for the body as a whole."""
    obie_code: str
    """The OBIE ``ErrorCode`` (``UK.OBIE.Field.Invalid``, ...)."""
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
    """A JWK, JWK Set, PEM key or crypto operation failed."""

class SignError(SetpollError):
    """A SET could not be signed."""

class TransmitterError(SetpollError):
    """The transmitter refused a configuration or a SET to enqueue."""

class ReceiverError(SetpollError):
    """The receiver refused a call, a configuration or a saved state, or a poll failed."""

    at: Optional[int]
    """For ``not_due``: when a request will be due (ms)."""
    status: Optional[int]
    """The HTTP status of a failed poll, when there was one."""
    poll_failure: bool
    """``True`` for a failed round trip the receiver recorded and will retry."""

class VerifyError(SetpollError):
    """A Security Event Token failed verification."""

    set_err: str
    """The ``setErrs[jti].err`` code to report (OBIE vocabulary, e.g. ``jwtParse``)."""
    set_err_rfc8935: str
    """The same failure in the RFC 8935 vocabulary (e.g. ``invalid_request``)."""
    description: str
    """A description fit for ``setErrs[jti].description`` (1..256 characters)."""

# --- setErrs codes --------------------------------------------------------

@final
class SetErrCode:
    """One ``setErrs`` error code with what the specifications say about it."""

    def __init__(self, code: str) -> None: ...
    @property
    def code(self) -> str: ...
    @property
    def vocabulary(self) -> Optional[Literal["obie", "rfc8935"]]: ...
    @property
    def description(self) -> Optional[str]: ...
    @property
    def known(self) -> bool: ...
    def __eq__(self, other: object) -> bool: ...
    def __hash__(self) -> int: ...

def set_err_codes() -> list[SetErrCode]:
    """Every known ``setErrs`` code, OBIE vocabulary first."""

# --- time -------------------------------------------------------------------

def timestamp_from_secs(secs: int) -> int:
    """Milliseconds since the epoch for whole seconds (saturating)."""

def timestamp_as_secs(ms: int) -> int:
    """Whole seconds (JWT ``iat``) of a millisecond timestamp, rounded down."""

# --- SETs -------------------------------------------------------------------

@final
class SetEnvelope:
    """The routing facts of a signed SET, read without verification."""

    @property
    def jti(self) -> str: ...
    @property
    def aud(self) -> list[str]: ...

def peek_envelope(token: str) -> SetEnvelope:
    """Read ``jti`` and ``aud`` of a compact JWS without verifying it.

    Raises :class:`VerifyError` when the token is not a compact JWS whose
    payload is a JSON object with a string ``jti``.
    """

# --- wire: POST /events bodies ---------------------------------------------

@final
class PollRequest:
    """``OBEventPolling1``: the body of ``POST /events``."""

    def __init__(
        self,
        *,
        max_events: Optional[int] = None,
        return_immediately: Optional[bool] = None,
        ack: Sequence[str] = (),
        set_errs: Sequence[tuple[str, str, str]] = (),
    ) -> None: ...
    @property
    def max_events(self) -> Optional[int]: ...
    @property
    def return_immediately(self) -> Optional[bool]: ...
    @property
    def ack(self) -> list[str]: ...
    @property
    def set_errs(self) -> list[tuple[str, str, str]]:
        """``(jti, err, description)`` in request order."""
    def to_json(self) -> str:
        """The canonical JSON text of the request."""

def parse_request(
    body: Body,
    *,
    reject_unknown_members: bool = True,
    interaction_id: str = "",
    max_body_bytes: Optional[int] = None,
    max_ack: Optional[int] = None,
    max_set_errs: Optional[int] = None,
) -> PollRequest:
    """Parse and validate a ``POST /events`` body; raises :class:`RequestError`
    whose ``error_response`` (with ``interaction_id`` as ``Id``) is the 400 body."""

@final
class PollResponse:
    """``OBEventPollingResponse1``: the answer to ``POST /events``."""

    def __init__(self, sets: Sequence[tuple[str, str]] = (), more_available: bool = False) -> None: ...
    @property
    def sets(self) -> list[tuple[str, str]]:
        """``(jti, compact JWS)``, oldest first."""
    @property
    def more_available(self) -> bool: ...
    def to_json(self) -> str:
        """The canonical JSON text of the response."""

def parse_response(
    body: Body, *, max_body_bytes: Optional[int] = None, max_sets: Optional[int] = None
) -> PollResponse:
    """Read a ``POST /events`` response body (tolerant reader); raises :class:`ResponseError`."""

def parse_error_response(body: Body) -> str:
    """Read an ``OBErrorResponse1`` body; returns its canonical JSON text."""

# --- claims -------------------------------------------------------------------

@final
class SetClaims:
    """The validated claims of one Security Event Token."""

    @staticmethod
    def from_json(json: Body) -> SetClaims:
        """Parse and validate claims; raises :class:`ClaimsError`."""
    def to_json(self) -> str:
        """The canonical JSON text (the JWS payload setpoll signs)."""
    def check_obie_profile(self) -> None:
        """Raise :class:`ClaimsError` unless ``sub``, ``txn``, ``toe`` are present and ``aud`` is single."""
    @property
    def iss(self) -> str: ...
    @property
    def iat(self) -> int: ...
    @property
    def jti(self) -> str: ...
    @property
    def aud(self) -> list[str]: ...
    @property
    def sub(self) -> Optional[str]: ...
    @property
    def txn(self) -> Optional[str]: ...
    @property
    def toe(self) -> Optional[int]: ...
    @property
    def event_types(self) -> list[str]: ...
    def __eq__(self, other: object) -> bool: ...

@final
class EventSubject:
    """The subject of an OBIE event: resource id, type and ``(version, link)`` pairs."""

    def __init__(self, rid: str, rty: str, links: Sequence[tuple[str, str]]) -> None: ...
    @property
    def rid(self) -> str: ...
    @property
    def rty(self) -> str: ...
    @property
    def links(self) -> list[tuple[str, str]]: ...

@final
class ClaimsBuilder:
    """Builds :class:`SetClaims` (methods chain); ``build()`` validates."""

    def __init__(self, iss: str, jti: str, aud: str, iat: int) -> None: ...
    def audience(self, aud: str) -> Self: ...
    def sub(self, sub: str) -> Self: ...
    def txn(self, txn: str) -> Self: ...
    def toe(self, toe: int) -> Self: ...
    def resource_update(self, subject: EventSubject) -> Self: ...
    def consent_revoked(
        self, reason: Optional[str] = None, subject: Optional[EventSubject] = None
    ) -> Self: ...
    def linked_account_update(
        self, reason: Optional[str] = None, subject: Optional[EventSubject] = None
    ) -> Self: ...
    def custom_event(self, uri: str, payload_json: str) -> Self: ...
    def build(self) -> SetClaims:
        """Validate and return the claims; raises :class:`ClaimsError`."""

# --- keys -------------------------------------------------------------------

Backend = Literal["native", "portable"]

@final
class SigningKey:
    """A private key that signs SETs, with its ``kid`` and algorithm."""

    @staticmethod
    def generate_es256(seed: bytes, kid: Optional[str] = None) -> SigningKey:
        """A P-256 key from 32 bytes of seed (see ``setpoll.generate_es256``)."""
    @staticmethod
    def generate_ps256(seed: bytes, bits: int = 2048, kid: Optional[str] = None) -> SigningKey: ...
    @staticmethod
    def from_jwk(jwk: Body, backend: Optional[Backend] = None) -> SigningKey: ...
    @staticmethod
    def from_pkcs8_pem(pem: str, kid: Optional[str] = None) -> SigningKey: ...
    def to_pkcs8_pem(self) -> str: ...
    def to_private_jwk(self) -> str: ...
    def to_public_jwk(self) -> str: ...
    @property
    def kid(self) -> str: ...
    @property
    def algorithm(self) -> Literal["ES256", "PS256"]: ...

@final
class Keyring:
    """A public JWK Set prepared for verification."""

    @staticmethod
    def from_jwks(jwks: Body, backend: Optional[Backend] = None) -> Keyring: ...
    def to_jwks(self) -> str: ...
    @property
    def kids(self) -> list[str]: ...
    @property
    def skipped(self) -> list[tuple[Optional[str], str]]:
        """``(kid, code)`` of each key skipped on import."""
    def __len__(self) -> int: ...

@final
class Jwk:
    """One JWK as parsed (RFC 7517 §4)."""

    @staticmethod
    def from_json(json: Body) -> Jwk: ...
    def to_json(self) -> str: ...
    def to_public_json(self) -> str: ...
    @property
    def thumbprint(self) -> str: ...
    @property
    def is_private(self) -> bool: ...
    @property
    def kid(self) -> Optional[str]: ...
    @property
    def verification_algorithm(self) -> Optional[str]: ...

@final
class JwkSet:
    """A JWK Set as parsed (RFC 7517 §5); unusable keys are skipped."""

    @staticmethod
    def from_json(json: Body) -> JwkSet: ...
    def to_json(self) -> str: ...
    def to_public_json(self) -> str: ...
    @property
    def kids(self) -> list[Optional[str]]: ...
    @property
    def skipped(self) -> list[tuple[int, Optional[str], str]]:
        """``(index, kid, code)`` of each key skipped."""

def jwks_from_keys(keys: Sequence[SigningKey]) -> str:
    """The public JWK Set (JSON text) for these signing keys."""

def jwk_thumbprint(jwk: Body) -> str:
    """The RFC 7638 thumbprint of a JWK."""

# --- SET sign / verify ------------------------------------------------------

@final
class VerifyPolicy:
    """What a recipient accepts."""

    def __init__(
        self,
        issuer: Optional[str],
        audience: Optional[str],
        *,
        algorithms: Optional[Sequence[str]] = None,
        max_skew_secs: int = 300,
        max_token_bytes: int = 65536,
        max_age_secs: Optional[int] = None,
    ) -> None: ...
    @property
    def issuer(self) -> Optional[str]: ...
    @property
    def audience(self) -> Optional[str]: ...
    @property
    def algorithms(self) -> list[str]: ...

@final
class VerifiedSet:
    """A SET whose signature and claims checked out."""

    @property
    def claims(self) -> SetClaims: ...
    @property
    def kid(self) -> Optional[str]: ...
    @property
    def alg(self) -> str: ...

def verify_set(token: str, keyring: Keyring, policy: VerifyPolicy, now_ms: int) -> VerifiedSet:
    """Verify a compact-JWS SET; raises :class:`VerifyError`."""

def sign_set(
    claims: SetClaims,
    key: SigningKey,
    now_ms: int,
    *,
    profile: Literal["obie", "rfc8417"] = "obie",
    org_id: Optional[str] = None,
    trust_anchor: Optional[str] = None,
) -> str:
    """Sign claims into a compact JWS.

    `profile="obie"` (the default, as in the CLI) writes the OBIE
    message-signing header and needs `org_id`; `trust_anchor` defaults to
    `openbanking.org.uk`. `profile="rfc8417"` writes `typ: secevent+jwt`.
    """

# --- transmitter ----------------------------------------------------------

@final
class PollWait:
    """A long poll to hold open until ``until_ms`` or a wake for ``client``."""

    @property
    def client(self) -> str: ...
    @property
    def until_ms(self) -> int: ...
    @property
    def request_json(self) -> str:
        """The request the resume uses (``ack``/``setErrs`` already applied)."""

@final
class EnqueueResult:
    """What ``MemoryTransmitter.enqueue`` did."""

    @property
    def queued(self) -> bool:
        """``True`` when added, ``False`` when the ``jti`` was already queued."""
    @property
    def client(self) -> str: ...
    @property
    def jti(self) -> str: ...
    @property
    def seq(self) -> int: ...
    @property
    def state(self) -> Optional[str]:
        """The existing record's state when already queued."""
    @property
    def same_token(self) -> Optional[bool]: ...
    @property
    def changes_json(self) -> str:
        """Durable changes to persist (JSON array text)."""
    @property
    def wake(self) -> Optional[str]:
        """The client whose long polls to wake."""

@final
class SweepResult:
    """What ``MemoryTransmitter.sweep`` did."""

    @property
    def changes_json(self) -> str: ...
    @property
    def more(self) -> bool:
        """Whether due records remain (more than the budget were due): call again, same ``now_ms``."""

@final
class PollAnswer:
    """The answer to one ``POST /events``: ``response_json`` (200) or ``wait``."""

    @property
    def response_json(self) -> Optional[str]: ...
    @property
    def wait(self) -> Optional[PollWait]: ...
    @property
    def changes(self) -> int: ...
    @property
    def changes_json(self) -> str:
        """The durable changes (JSON array text): persist them before answering."""

@final
class MemoryTransmitter:
    """The ASPSP side of ``POST /events`` with its queue in memory."""

    def __init__(
        self,
        *,
        profile: Literal["obie", "rfc8936"] = "obie",
        default_max_events: int = 100,
        max_events_limit: int = 1000,
        visibility_timeout_ms: int = 600_000,
        max_attempts: int = 10,
        retention_ms: int = 604_800_000,
        dead_letter_retention_ms: int = 2_592_000_000,
        long_poll_max_wait_ms: Optional[int] = None,
        on_set_err: Literal["dead_letter", "redeliver"] = "dead_letter",
        delivery: Literal["at_least_once", "deliver_once"] = "at_least_once",
    ) -> None: ...
    def enqueue(self, token: str, now_ms: int) -> EnqueueResult:
        """Queue a signed SET for the client named in its ``aud``."""
    def handle_poll(
        self, client: str, body: Body, now_ms: int, *, interaction_id: str = ""
    ) -> PollAnswer:
        """Handle ``POST /events``; raises :class:`RequestError` for a 400."""
    def resume(self, wait: PollWait, now_ms: int) -> PollAnswer: ...
    def sweep(self, now_ms: int, budget: int = 1000) -> SweepResult:
        """Expire, dead-letter and purge the first ``budget`` due records, by client and seq."""
    def records_json(self) -> str:
        """Every record (JSON array text, the core's serde form)."""
    def records(self) -> list[tuple[str, str, str]]:
        """``(client, jti, state)`` of every record."""
    def __len__(self) -> int: ...

@final
class Transmitter:
    """The transmitter rules without storage: plan, load, decide, commit.

    Plans, records and changes are JSON text: records and changes in the
    core's serde form (as ``MemoryTransmitter.records_json``), plans as
    returned by the ``plan_*`` methods, passed back unchanged.
    """

    def __init__(
        self,
        *,
        profile: Literal["obie", "rfc8936"] = "obie",
        default_max_events: int = 100,
        max_events_limit: int = 1000,
        visibility_timeout_ms: int = 600_000,
        max_attempts: int = 10,
        retention_ms: int = 604_800_000,
        dead_letter_retention_ms: int = 2_592_000_000,
        long_poll_max_wait_ms: Optional[int] = None,
        on_set_err: Literal["dead_letter", "redeliver"] = "dead_letter",
        delivery: Literal["at_least_once", "deliver_once"] = "at_least_once",
    ) -> None: ...
    def plan_enqueue(self, token: str, now_ms: int) -> str:
        """Enqueue plan JSON: load the record keyed ``(client, jti)`` and the client's max ``seq``."""
    def decide_enqueue(
        self, plan_json: str, existing_record_json: Optional[str], newest_seq: Optional[int]
    ) -> EnqueueResult: ...
    def plan_poll(
        self, client: str, body: Body, now_ms: int, *, interaction_id: str = ""
    ) -> str:
        """Poll plan JSON (``named`` jtis, ``deliverable`` query); raises :class:`RequestError` for a 400."""
    def plan_resume(self, wait: PollWait, now_ms: int) -> str: ...
    def decide_poll(
        self, plan_json: str, named_records_json: str, deliverable_records_json: str
    ) -> PollAnswer: ...
    def plan_sweep(self, now_ms: int, limit: int = 1000) -> str:
        """Sweep plan JSON for a call acting on at most ``limit`` due records; its own
        ``limit`` (rows to load per query, ``ORDER BY client, seq``) is one more."""
    def decide_sweep(self, plan_json: str, records_json: str, loaded_full: bool) -> SweepResult:
        """Changes for the first due rows; ``more`` is exact for rows loaded as planned
        (``loaded_full``: either query returned the plan's ``limit`` rows)."""

# --- receiver -------------------------------------------------------------

@final
class ReceiverRequest:
    """One ``POST /events`` to send; ``body`` is the exact JSON text."""

    @property
    def id(self) -> int:
        """Pass back to ``handle_response`` / ``handle_failure``."""
    @property
    def kind(self) -> Literal["poll", "ack_only"]: ...
    @property
    def body(self) -> str: ...

@final
class Delivery:
    """A verified SET for the application: process it, then ``ack`` or ``reject`` its ``jti``."""

    @property
    def jti(self) -> str: ...
    @property
    def iss(self) -> str: ...
    @property
    def event_types(self) -> list[str]: ...
    @property
    def claims_json(self) -> str:
        """The verified claims, canonical JSON text."""
    @property
    def claims(self) -> dict[str, Any]:
        """The verified claims parsed from ``claims_json``."""
    @property
    def token(self) -> str:
        """The compact JWS as received (audit, non-repudiation)."""
    @property
    def delivered_at_ms(self) -> int: ...

@final
class Rejection:
    """A SET that failed checks, and the ``setErrs`` entry queued for it."""

    @property
    def jti(self) -> str: ...
    @property
    def code(self) -> str:
        """Why, as a stable machine code."""
    @property
    def reported_err(self) -> Optional[str]:
        """The ``setErrs`` code queued, ``None`` when nothing was queued."""
    @property
    def reported_description(self) -> Optional[str]: ...

@final
class Duplicate:
    """A SET received again within the dedup window."""

    @property
    def jti(self) -> str: ...
    @property
    def of(self) -> Literal["acked", "rejected", "in_processing"]: ...

@final
class ReceiverBatch:
    """The result of a successful round trip."""

    @property
    def request_id(self) -> int: ...
    @property
    def deliveries(self) -> list[Delivery]: ...
    @property
    def rejections(self) -> list[Rejection]: ...
    @property
    def duplicates(self) -> list[Duplicate]: ...
    @property
    def more_available(self) -> bool: ...
    @property
    def acks_confirmed(self) -> int: ...
    @property
    def set_errs_confirmed(self) -> int: ...
    @property
    def salvaged(self) -> Optional[str]:
        """The ``ResponseError`` code when ``sets`` broke the schema and was read entry by entry."""

@final
class Receiver:
    """The TPP side of ``POST /events``: builds requests, verifies SETs,
    dedups, and carries acks until a round trip confirms them."""

    def __init__(
        self,
        *,
        issuer: str,
        client_id: str,
        jwks: Body,
        max_skew_secs: int = 300,
        max_events: Optional[int] = None,
        return_immediately: Optional[bool] = None,
        poll_interval_ms: int = 30_000,
        backoff_base_ms: int = 1_000,
        backoff_cap_ms: int = 300_000,
        jitter: Literal["none", "full", "equal"] = "equal",
        retry_after_cap_ms: int = 3_600_000,
        dedup_window_ms: int = 604_800_000,
        dedup_capacity: int = 10_000,
        max_unsettled: int = 1_000,
        vocabulary: Literal["obie", "rfc8935"] = "obie",
        seed: Optional[int] = None,
    ) -> None: ...
    @classmethod
    def restore(
        cls,
        state: str,
        *,
        issuer: str,
        client_id: str,
        jwks: Body,
        max_skew_secs: int = 300,
        max_events: Optional[int] = None,
        return_immediately: Optional[bool] = None,
        poll_interval_ms: int = 30_000,
        backoff_base_ms: int = 1_000,
        backoff_cap_ms: int = 300_000,
        jitter: Literal["none", "full", "equal"] = "equal",
        retry_after_cap_ms: int = 3_600_000,
        dedup_window_ms: int = 604_800_000,
        dedup_capacity: int = 10_000,
        max_unsettled: int = 1_000,
        vocabulary: Literal["obie", "rfc8935"] = "obie",
        seed: Optional[int] = None,
    ) -> Self:
        """A receiver configured as by the constructor holding a saved state
        (JSON text); raises :class:`ReceiverError` (``state_*``) when refused."""
    def next_request(self, now_ms: int) -> ReceiverRequest:
        """The next request; raises :class:`ReceiverError` (``not_due`` with ``.at``,
        ``backpressure``, ``request_in_flight``) when none is due."""
    def handle_response(
        self, id: int, status: int, body: Body, now_ms: int, retry_after: Optional[str] = None
    ) -> ReceiverBatch:
        """Digest the HTTP answer; a failed round trip raises :class:`ReceiverError`
        with ``.poll_failure`` set (recorded, backed off, acks kept)."""
    def handle_failure(self, id: int, now_ms: int) -> int:
        """No answer at all; returns when the next attempt is due (ms)."""
    def ack(self, jti: str) -> None: ...
    def reject(self, jti: str, err: str, description: str = "") -> None:
        """Report ``err`` (a ``setErrs`` code) for ``jti`` to the ASPSP."""
    def next_poll_at(self) -> Optional[int]:
        """When a request is next due (ms); ``None`` until something changes."""
    def take_state(self) -> Optional[str]:
        """The durable state (JSON text) when it changed since the last call."""
    def state(self) -> str:
        """The durable state (JSON text), changed or not."""
    def unsettled(self) -> list[Delivery]:
        """SETs handed over and not yet acked or rejected."""
    def pending_acks(self) -> int:
        """Acks waiting for a round trip to confirm them."""
    def in_flight(self) -> Optional[int]: ...
    def set_keys(self, jwks: Body) -> None:
        """Replace the ASPSP's JWK Set (JSON text)."""
