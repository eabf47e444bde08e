"""The daemon's flags (`run.py [FLAGS]`), grouped as --help shows them."""
from __future__ import annotations

import argparse

from config.types import COUNT, LOG_LEVELS, NON_NEGATIVE, POSITIVE_INT, POSITIVE_S, log_format, log_level, port
from metrics.settings import add_metrics_args
from web.ops.bootstrap_settings import add_bootstrap_args
from web.stream.settings import add_stream_args


def add_daemon_args(parser) -> None:
    parser.add_argument("--http-host", default="127.0.0.1", help="address the API listens on")
    parser.add_argument("--http-port", type=port, default=8002, help="0 picks a free port (default 8002)")
    parser.add_argument("--public-url", default=None,
                        help="scheme://host[:port] of the links the API hands out (default: from "
                             "--http-host, the port bound and --tls-cert); never taken from Host")
    parser.add_argument("--bus-endpoint", default="tcp://127.0.0.1:8003",
                        help="ZeroMQ endpoint the agents connect to (port 0 picks a free one)")
    parser.add_argument("--data-dir", default="data",
                        help="the database, the bus key pair and the cookie secret (made owner-only)")
    parser.add_argument("--db", default=None,
                        help="SQLite path or sqlite:///path (default: DATA_DIR/calamari.sqlite3), "
                             "or postgresql://USER:PASSWORD@HOST:PORT/DBNAME")
    parser.add_argument("--no-sim", action="store_true", help="do not start the embedded simulator")
    parser.add_argument("--ha", action="store_true",
                        help="be one member of a group of managers sharing --db postgresql://... : "
                             "one is active, the others forward to it and take over when it fails "
                             "(no embedded simulator)")
    parser.add_argument("--advertise-url", default=None,
                        help="with --ha: the URL the other members forward API requests to while "
                             "this one is active (default: --public-url); also its name in the group")
    parser.add_argument("--ha-lease-s", type=POSITIVE_S, default=10.0,
                        help="with --ha: the active's lease; a standby takes over once it has run "
                             "out unrenewed (default 10)")
    parser.add_argument("--sim-clusters", type=POSITIVE_INT, default=1, help="simulated clusters (default 1)")
    parser.add_argument("--sim-servers", type=POSITIVE_INT, default=3,
                        help="simulated servers per cluster; the first three run mons (default 3)")
    parser.add_argument("--sim-osds-per-server", type=POSITIVE_INT, default=4,
                        help="OSDs per simulated server (default 4)")
    parser.add_argument("--sim-client-load", type=NON_NEGATIVE, default=4.0, metavar="MB_PER_S",
                        help="synthetic client writes per simulated cluster, MB/s (0: idle)")
    parser.add_argument("--heartbeat-s", type=POSITIVE_S, default=10.0,
                        help="agent heartbeat period the daemon expects (and the simulator uses)")
    parser.add_argument("--trend-min-span-s", type=POSITIVE_S, default=1800.0,
                        help="days_until_full needs this much history (default 30 min; less for "
                             "demos and tests, whose load grows fast)")
    parser.add_argument("--stats-every", type=POSITIVE_INT, default=6, metavar="N",
                        help="ask the favourite mon host for osd df / osd perf every N heartbeats")
    parser.add_argument("--request-timeout-s", type=POSITIVE_S, default=60.0,
                        help="a request fails when its job is not answered within this, or the map "
                             "its change produces does not arrive within twice this")
    parser.add_argument("--admin-password", default=None,
                        help="password of the first account 'admin' (else --admin-password-file, "
                             "else CALAMARI_ADMIN_PASSWORD, else generated and printed once); "
                             "visible in ps: prefer --admin-password-file")
    parser.add_argument("--admin-password-file", default=None, metavar="PATH",
                        help="read the first account's password from this file (its first line)")
    parser.add_argument("--max-body-bytes", type=POSITIVE_INT, default=1 << 20,
                        help="request bodies above this answer 413 (default 1 MiB)")
    parser.add_argument("--max-crush-map-bytes", type=POSITIVE_INT, default=8 << 20,
                        help="the CRUSH map upload's limit (default 8 MiB: a 10,000-OSD map is "
                             "under 1 MiB)")
    add_security_args(parser)
    add_metrics_args(parser, port)
    add_retention_args(parser)
    add_stream_args(parser, POSITIVE_S, POSITIVE_INT)
    add_bootstrap_args(parser)
    parser.add_argument("--auto-accept", action="store_true",
                        help="accept every new agent key without an operator (trusted networks only)")
    parser.add_argument("--pending-key-max-age-s", type=POSITIVE_S, default=86_400.0,
                        help="forget an agent key not accepted within this (default 24 h)")
    parser.add_argument("--pending-keys-per-address", type=POSITIVE_INT, default=100,
                        help="new agent keys waiting for acceptance from one source address at most")
    parser.add_argument("--log-level", type=log_level, default="INFO", help=f"{', '.join(LOG_LEVELS)} (default INFO)")
    parser.add_argument("--log-format", type=log_format, default="text",
                        help="text, or json: one JSON object a line (default text)")


def add_security_args(parser) -> None:
    group = parser.add_argument_group("people and programs")
    group.add_argument("--session-idle-s", type=POSITIVE_S, default=3600.0,
                       help="a login session unused this long ends (default 1 h)")
    group.add_argument("--session-max-s", type=POSITIVE_S, default=12 * 3600.0,
                       help="a login session ends this long after login, used or not (default 12 h)")
    group.add_argument("--lockout-failures", type=COUNT, default=10,
                       help="consecutive failed logins from one client address that lock the "
                            "account for that address (0: never lock)")
    group.add_argument("--lockout-account-failures", type=COUNT, default=100,
                       help="consecutive failed logins from all addresses together that lock the "
                            "account for every address (0: never lock)")
    group.add_argument("--lockout-s", type=POSITIVE_S, default=900.0,
                       help="how long a locked account stays locked (default 15 min)")
    group.add_argument("--login-failure-delay-s", type=NON_NEGATIVE, default=1.0,
                       help="a failed login answers after this delay (default 1 s)")
    group.add_argument("--login-in-flight-per-client", type=POSITIVE_INT, default=4,
                       help="logins in progress at once from one client address; more answer 429")
    group.add_argument("--login-failures-per-minute", type=POSITIVE_S, default=30.0,
                       help="failed logins per minute one client address may make (after a burst "
                            "of --login-failure-burst); more answer 429 with Retry-After")
    group.add_argument("--login-failure-burst", type=POSITIVE_INT, default=10,
                       help="failed logins one client address may make at once before the per-minute rate applies")
    group.add_argument("--tls-cert", default=None, help="PEM certificate (chain): serve HTTPS")
    group.add_argument("--tls-key", default=None, help="PEM private key of --tls-cert")
    group.add_argument("--http-idle-timeout-s", type=POSITIVE_S, default=60.0,
                       help="close a connection whose request headers (or next request on a "
                            "kept-alive connection) have not all arrived within this")
    group.add_argument("--http-body-timeout-s", type=POSITIVE_S, default=60.0,
                       help="close a connection whose request body has not arrived within this")
    group.add_argument("--http-max-connections", type=COUNT, default=0,
                       help="open HTTP connections at most (0: a quarter of the open-files limit, "
                            "at most 4096; the rest stays for the agent bus)")


def add_retention_args(parser) -> None:
    group = parser.add_argument_group("history kept (0: no such limit; pruned every minute, oldest first)")
    group.add_argument("--event-max-age-days", type=NON_NEGATIVE, default=30.0, help="events other than audit entries")
    group.add_argument("--event-max-count", type=COUNT, default=1_000_000, help="events other than audit entries")
    group.add_argument("--audit-max-age-days", type=NON_NEGATIVE, default=365.0,
                       help="audit entries, kept apart so that no flood of other events pushes them out")
    group.add_argument("--audit-max-count", type=COUNT, default=1_000_000, help="audit entries")
    group.add_argument("--request-max-age-days", type=NON_NEGATIVE, default=30.0,
                       help="completed requests only: running ones are never deleted")
    group.add_argument("--request-max-count", type=COUNT, default=100_000, help="completed requests")
    group.add_argument("--retention-interval-s", type=POSITIVE_S, default=60.0, help=argparse.SUPPRESS)
