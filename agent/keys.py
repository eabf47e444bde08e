"""Command-line options for an agent's CurveZMQ keys (`run.py agent` and `run.py sim`).

An agent needs the manager's public key, given as text (`--server-key`) or as the path of a file
holding it (`--server-key-file`, e.g. a copy of the manager's DATA_DIR/bus.key). The manager
prints it when it starts, and `run.py key server` prints it on the manager's host.
"""
from __future__ import annotations

from bus.curve import BadKey, is_public_key, read_public_key

DEFAULT_KEY_DIR = "/var/lib/calamari-agent"


def add_server_key_args(parser) -> None:
    group = parser.add_mutually_exclusive_group(required=True)
    group.add_argument("--server-key", help="the manager's public bus key (z85, 40 characters)")
    group.add_argument("--server-key-file", help="a file holding the manager's public bus key")


def server_key(args) -> str:
    """The manager's public key from the options; SystemExit with the reason if unusable."""
    if args.server_key is not None:
        if not is_public_key(args.server_key):
            raise SystemExit("--server-key must be the manager's 40-character z85 public key "
                             "(run.py key server prints it)")
        return args.server_key
    try:
        return read_public_key(args.server_key_file)
    except BadKey as exc:
        raise SystemExit(str(exc)) from None
