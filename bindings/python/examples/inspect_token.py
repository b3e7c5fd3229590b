"""Print the routing facts (jti, aud) of a compact-JWS SET without verifying it.

    python examples/inspect_token.py <token>
"""

from __future__ import annotations

import sys

import setpoll


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    try:
        env = setpoll.peek_envelope(argv[1])
    except setpoll.VerifyError as e:
        print(f"not a SET ({e.code}, setErrs code {e.set_err}): {e}", file=sys.stderr)
        return 1
    print(f"jti={env.jti} aud={','.join(env.aud)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
