"""setpoll: Open Banking UK Aggregated Polling (RFC 8936) with signed
Security Event Tokens (RFC 8417), as thin bindings over a sans-IO Rust core.

The library never reads a clock, opens a socket or draws randomness on its
own: pass time as ``int`` milliseconds since the epoch (see :func:`now_ms`)
and do the HTTP yourself; protocol bodies go in and out as JSON text.
"""

from __future__ import annotations

import time as _time

from ._setpoll import (
    SetEnvelope,
    SetErrCode,
    SetpollError,
    VerifyError,
    __version__,
    noop,
    peek_envelope,
    set_err_codes,
    timestamp_as_secs,
    timestamp_from_secs,
)


def now_ms() -> int:
    """The current wall-clock time in milliseconds since the epoch: the
    ``now`` every time-dependent call takes."""
    return _time.time_ns() // 1_000_000


__all__ = [
    "SetEnvelope",
    "SetErrCode",
    "SetpollError",
    "VerifyError",
    "__version__",
    "noop",
    "now_ms",
    "peek_envelope",
    "set_err_codes",
    "timestamp_as_secs",
    "timestamp_from_secs",
]
