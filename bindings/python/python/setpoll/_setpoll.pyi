"""Type stub of the Rust extension ``setpoll._setpoll`` (import ``setpoll``)."""

from typing import Literal, Optional, final

__version__: str

def noop() -> None:
    """Do nothing: measures the cost of one call into the extension."""

# --- errors -----------------------------------------------------------------

class SetpollError(Exception):
    """Base of every setpoll error."""

    code: str
    """Stable machine code (snake_case) of the failure."""

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
