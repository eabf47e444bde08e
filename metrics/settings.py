"""The metrics listener's settings from run.py's flags (`--metrics-*`, `--no-metrics`)."""
from __future__ import annotations

from pathlib import Path
from typing import NamedTuple

DEFAULT_PORT = 9283   # the port Ceph's mgr `prometheus` module registered with Prometheus


class MetricsSettings(NamedTuple):
    host: str
    port: int            # 0: a free one
    token: str | None    # None: no Authorization required


def add_metrics_args(parser, port_type) -> None:
    """run.py's metrics flags (port_type: its checked 0-65535 type)."""
    group = parser.add_argument_group("Prometheus metrics (GET /metrics on a listener of its own)")
    group.add_argument("--metrics-host", default=None, help="address to listen on (default: the --http-host)")
    group.add_argument("--metrics-port", type=port_type, default=DEFAULT_PORT,
                       help=f"port to listen on (default {DEFAULT_PORT}, as Ceph's mgr; 0 picks a free one)")
    group.add_argument("--no-metrics", action="store_true", help="no metrics listener")
    group.add_argument("--metrics-token", default=None,
                       help="require `Authorization: Bearer TOKEN` (visible in ps: prefer --metrics-token-file)")
    group.add_argument("--metrics-token-file", default=None, metavar="PATH",
                       help="read the bearer token from this file (its first line)")


def metrics_token(token: str | None, token_file: str | None) -> str | None:
    """The bearer token from --metrics-token or the first line of --metrics-token-file (which
    keeps it out of `ps`); ValueError saying why, never quoting the token."""
    if token is not None and token_file is not None:
        raise ValueError("--metrics-token and --metrics-token-file: give one of them")
    if token_file is not None:
        try:
            lines = Path(token_file).read_text(encoding="utf-8").splitlines()
        except (OSError, UnicodeDecodeError) as exc:
            raise ValueError(f"cannot read --metrics-token-file {token_file}: {exc}") from None
        token = lines[0].strip() if lines else ""
        if not token:
            raise ValueError(f"--metrics-token-file {token_file} holds no token")
    if token is not None and (not token or any(c.isspace() for c in token)):
        raise ValueError("the metrics token must be non-empty and without spaces")
    return token


def metrics_settings(args, http_host: str) -> MetricsSettings | None:
    """None with --no-metrics; ValueError for a token that cannot be used."""
    if args.no_metrics:
        return None
    return MetricsSettings(args.metrics_host or http_host, args.metrics_port,
                           metrics_token(args.metrics_token, args.metrics_token_file))
