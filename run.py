"""Composition root: `python run.py` runs the daemon (with an embedded simulated cluster by
default); `python run.py sim --connect ENDPOINT` runs a simulated fleet as its own process;
`python run.py agent --connect ENDPOINT` runs the agent of a real Ceph server;
`python run.py key ...` manages agent keys in the data dir."""
from __future__ import annotations

import argparse
import asyncio
import dataclasses
import logging
import math
import os
import secrets
import signal
import socket
import sys
from pathlib import Path

from actors.keys.cli import add_key_parser, run_key_command
from actors.accounts.user_cli import add_user_parser, run_user_command
from agent.keys import DEFAULT_KEY_DIR, add_server_key_args, server_key
from metrics.settings import add_metrics_args
from web.stream.settings import add_stream_args, stream_settings

log = logging.getLogger("calamari")



def _number(kind, minimum, inclusive: bool):
    """An argparse type: `kind` of the text, at least (or above) `minimum`, else a usage error
    naming the flag (argparse adds it), never a traceback at start-up."""
    def convert(text: str):
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
        if not math.isfinite(value):   # nan and inf are floats too, and no period or load
            raise argparse.ArgumentTypeError(f"{text!r} is not a finite number")
        if value < minimum or (not inclusive and value == minimum):
            raise argparse.ArgumentTypeError(f"must be {'at least' if inclusive else 'more than'} {minimum}")
        return value
    return convert


POSITIVE_S, POSITIVE_INT, COUNT = _number(float, 0, False), _number(int, 0, False), _number(int, 0, True)


def _port(text: str) -> int:
    """An argparse type: a TCP port, 0 (a free one) to 65535."""
    port = COUNT(text)
    if port > 65535:
        raise argparse.ArgumentTypeError("must be at most 65535")
    return port


LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")


def _log_level(text: str) -> str:
    """An argparse type: one of LOG_LEVELS, in any case (a typo used to log at INFO silently)."""
    if text.upper() not in LOG_LEVELS:
        raise argparse.ArgumentTypeError(f"{text!r} is not one of {', '.join(LOG_LEVELS)}")
    return text.upper()


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Calamari-compatible Ceph management server")
    sub = parser.add_subparsers(dest="command")
    parser.add_argument("--http-host", default="127.0.0.1")
    parser.add_argument("--http-port", type=_port, default=8002, help="0 picks a free port (default 8002)")
    parser.add_argument("--public-url", default=None,
                        help="scheme://host[:port] of the links the API hands out (default: from "
                             "--http-host, the port bound and --tls-cert); never taken from Host")
    parser.add_argument("--bus-endpoint", default="tcp://127.0.0.1:8003",
                        help="ZeroMQ endpoint the agents connect to (port 0 picks a free one)")
    parser.add_argument("--data-dir", default="data")
    parser.add_argument("--db", default=None,
                        help="SQLite path or sqlite:///path (default: DATA_DIR/calamari.sqlite3), "
                             "or postgresql://USER:PASSWORD@HOST:PORT/DBNAME")
    parser.add_argument("--no-sim", action="store_true", help="do not start the embedded simulator")
    parser.add_argument("--sim-clusters", type=POSITIVE_INT, default=1, help="simulated clusters (default 1)")
    parser.add_argument("--sim-servers", type=POSITIVE_INT, default=3,
                        help="simulated servers per cluster; the first three run mons (default 3)")
    parser.add_argument("--sim-osds-per-server", type=POSITIVE_INT, default=4,
                        help="OSDs per simulated server (default 4)")
    parser.add_argument("--sim-client-load", type=_number(float, 0, True), default=4.0, metavar="MB_PER_S",
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
    add_metrics_args(parser, _port)
    add_retention_args(parser)
    add_stream_args(parser, POSITIVE_S, POSITIVE_INT)
    parser.add_argument("--auto-accept", action="store_true",
                        help="accept every new agent key without an operator (trusted networks only)")
    parser.add_argument("--pending-key-max-age-s", type=POSITIVE_S, default=86_400.0,
                        help="forget an agent key not accepted within this (default 24 h)")
    parser.add_argument("--pending-keys-per-address", type=POSITIVE_INT, default=100,
                        help="new agent keys waiting for acceptance from one source address at most")
    parser.add_argument("--log-level", type=_log_level, default="INFO", help=f"{', '.join(LOG_LEVELS)} (default INFO)")
    sim = sub.add_parser("sim", help="run a simulated fleet against a daemon started with --no-sim")
    sim.add_argument("--connect", required=True, help="the daemon's bus endpoint")
    add_server_key_args(sim)
    sim.add_argument("--key-dir", default=None,
                     help="keep the simulated servers' key pairs here (default: new ones in memory)")
    sim.add_argument("--clusters", type=POSITIVE_INT, default=1, help="simulated clusters (default 1)")
    sim.add_argument("--servers", type=POSITIVE_INT, default=3,
                     help="servers per cluster; the first three run mons (default 3)")
    sim.add_argument("--osds-per-server", type=POSITIVE_INT, default=4, help="OSDs per server (default 4)")
    sim.add_argument("--client-load", type=_number(float, 0, True), default=4.0, metavar="MB_PER_S",
                     help="synthetic client writes per cluster, MB/s (0: idle)")
    sim.add_argument("--heartbeat-s", type=POSITIVE_S, default=10.0)
    sim.add_argument("--seed", type=int, default=0)
    sim.add_argument("--state-dir", default=None,
                     help="keep the simulated clusters here, so a restarted fleet resumes them "
                          "(and the keys in DIR/keys unless --key-dir; default: forgotten at exit)")
    add_agent_parser(sub)
    add_key_parser(sub)
    add_user_parser(sub)
    return parser.parse_args(argv)


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
    group.add_argument("--login-failure-delay-s", type=_number(float, 0, True), default=1.0,
                       help="a failed login answers after this delay (default 1 s)")
    group.add_argument("--login-in-flight-per-client", type=POSITIVE_INT, default=4,
                       help="logins in progress at once from one client address; more answer 429")
    group.add_argument("--login-failures-per-minute", type=POSITIVE_S, default=30.0,
                       help="failed logins per minute one client address may make (after a burst "
                            "of --login-failure-burst); more answer 429 with Retry-After")
    group.add_argument("--login-failure-burst", type=POSITIVE_INT, default=10)
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
    group.add_argument("--event-max-age-days", type=float, default=30.0, help="events other than audit entries")
    group.add_argument("--event-max-count", type=int, default=1_000_000, help="events other than audit entries")
    group.add_argument("--audit-max-age-days", type=float, default=365.0,
                       help="audit entries, kept apart so that no flood of other events pushes them out")
    group.add_argument("--audit-max-count", type=int, default=1_000_000)
    group.add_argument("--request-max-age-days", type=float, default=30.0,
                       help="completed requests only: running ones are never deleted")
    group.add_argument("--request-max-count", type=int, default=100_000)
    group.add_argument("--retention-interval-s", type=float, default=60.0, help=argparse.SUPPRESS)


def retention_settings(args):
    from actors.storage.retention import Retention, RetentionSettings
    try:
        return RetentionSettings(Retention.of(args.event_max_age_days, args.event_max_count),
                                 Retention.of(args.request_max_age_days, args.request_max_count),
                                 audit=Retention.of(args.audit_max_age_days, args.audit_max_count),
                                 interval_s=args.retention_interval_s)
    except ValueError as exc:
        raise SystemExit(f"calamari: retention: {exc}") from None


def admin_password(args) -> str | None:
    """The first account's password from the flag, the file or the environment (None: generate
    one); SystemExit with one line if the file cannot be read or the password is weak."""
    from actors.facade.accounts import check_password
    source, password = "--admin-password", args.admin_password
    if not password and args.admin_password_file:
        source = "--admin-password-file"
        try:
            lines = Path(args.admin_password_file).read_text(encoding="utf-8").splitlines()
        except (OSError, UnicodeDecodeError) as exc:
            raise SystemExit(f"calamari: cannot read {args.admin_password_file}: {exc}") from None
        password = lines[0] if lines else ""
        if not password:
            raise SystemExit(f"calamari: {args.admin_password_file} holds no password")
    if not password:
        source, password = "CALAMARI_ADMIN_PASSWORD", os.environ.get("CALAMARI_ADMIN_PASSWORD")
    if not password:
        return None
    problems = check_password(password, "admin").get("password")
    if problems:   # never echo the password itself: the terminal or a log may keep it
        raise SystemExit(f"calamari: the admin password from {source} {'; '.join(problems)}")
    return password


def auth_settings(args):
    from actors.accounts.auth_settings import AuthSettings
    try:
        return AuthSettings(session_idle_s=args.session_idle_s, session_max_s=args.session_max_s,
                            lockout_failures=args.lockout_failures, lockout_s=args.lockout_s,
                            lockout_account_failures=args.lockout_account_failures)
    except ValueError as exc:
        raise SystemExit(str(exc)) from None


def https_context(args):
    """The TLS context for --tls-cert/--tls-key, None for plain HTTP; SystemExit on bad files."""
    if not (args.tls_cert or args.tls_key):
        return None
    if not (args.tls_cert and args.tls_key):
        raise SystemExit("--tls-cert and --tls-key go together")
    from web.security import tls_context
    try:
        return tls_context(args.tls_cert, args.tls_key)
    except (OSError, ValueError) as exc:     # ssl.SSLError is an OSError
        raise SystemExit(f"cannot use the TLS certificate/key: {exc}") from None


def public_url(flag: str | None, bound_url: str) -> str:
    """scheme://host[:port] without a trailing slash; SystemExit for anything else."""
    from urllib.parse import urlsplit
    if not flag:
        return bound_url
    parts = urlsplit(flag.rstrip("/"))
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.path or parts.query:
        raise SystemExit(f"calamari: --public-url must be http(s)://HOST[:PORT], got {flag!r}")
    return f"{parts.scheme}://{parts.netloc}"


def add_agent_parser(sub) -> None:
    agent = sub.add_parser("agent", help="run the agent of a real Ceph server")
    agent.add_argument("--connect", required=True, help="the daemon's bus endpoint, tcp://HOST:PORT")
    add_server_key_args(agent)
    agent.add_argument("--key-dir", default=DEFAULT_KEY_DIR,
                       help="where this agent's key pair lives (agent.key, agent.key_secret; made if absent)")
    agent.add_argument("--fqdn", default=None, help="this server's name (default: the host's FQDN)")
    agent.add_argument("--ceph-conf", default="/etc/ceph/ceph.conf")
    agent.add_argument("--keyring", default=None, help="default: the one ceph.conf names")
    agent.add_argument("--ceph-name", default="client.admin",
                       help="the cephx user the agent connects as (README: the capabilities it needs)")
    agent.add_argument("--admin-socket-dir", default="/var/run/ceph")
    agent.add_argument("--log-dir", default="/var/log/ceph")
    agent.add_argument("--heartbeat-s", type=POSITIVE_S, default=10.0)
    agent.add_argument("--watch-s", type=float, default=0.5,
                       help="how often to check the map epochs between beats (0: never)")


def main(argv: list[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    from bus.protocol import tune_gc_for_large_messages
    tune_gc_for_large_messages()   # every subcommand but `key` handles whole cluster maps
    logging.basicConfig(level=getattr(logging, args.log_level),
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        import pykka.debug
        signal.signal(signal.SIGUSR1, pykka.debug.log_thread_tracebacks)
    except (ImportError, AttributeError, ValueError):
        pass
    if args.command == "sim":
        return asyncio.run(run_sim(args))
    if args.command == "agent":
        return asyncio.run(run_agent(args))
    if args.command == "key":
        return run_key_command(args)
    if args.command == "user":
        return run_user_command(args)
    return asyncio.run(run_daemon(args))


def stop_on_signals() -> asyncio.Event:
    """An Event set by SIGINT or SIGTERM. Installed before READY is printed: a supervisor (or a
    test) that signals as soon as it reads READY must reach this handler, not the default one
    that kills the process without a clean stop."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    return stop


async def run_sim(args) -> int:
    from sim.fleet import SimFleet
    fleet = SimFleet(args.connect, server_key=server_key(args), clusters=args.clusters, servers=args.servers,
                     osds_per_server=args.osds_per_server, heartbeat_s=args.heartbeat_s, seed=args.seed,
                     key_dir=args.key_dir, state_dir=args.state_dir, client_load=args.client_load)
    stop = stop_on_signals()
    fleet.start()
    print(f"simulated fleet of {len(fleet.backends)} servers in {len(fleet.clusters)} clusters "
          f"reporting to {args.connect}", flush=True)
    try:
        await stop.wait()
    finally:
        fleet.stop()
    return 0


async def run_agent(args) -> int:
    from agent.ceph.backend import RealCephBackend
    from agent.host import start_alone
    from agent.minion import Minion
    from bus.curve import fingerprint
    manager_key = server_key(args)
    keys, created = key_pair(args.key_dir, "agent")
    backend = await asyncio.get_running_loop().run_in_executor(None, lambda: RealCephBackend(
        ceph_conf=args.ceph_conf, keyring=args.keyring, admin_socket_dir=args.admin_socket_dir,
        log_dir=args.log_dir, fqdn=args.fqdn, watch_s=args.watch_s or None, client_name=args.ceph_name))
    minion = Minion(backend, args.connect, heartbeat_s=args.heartbeat_s, server_key=manager_key, keys=keys)
    start_alone(minion)
    stop = stop_on_signals()
    print(f"Agent key {'created' if created else 'read'} in {args.key_dir}: fingerprint {fingerprint(keys.public)} "
          f"(accept it on the manager: run.py key accept {backend.fqdn})", flush=True)
    print(f"AGENT READY fqdn={backend.fqdn} bus={args.connect}", flush=True)
    try:
        await stop.wait()
    finally:
        minion.stop()
        backend.close()
    return 0


def key_pair(directory, name: str):
    """(KeyPair, created) kept in `directory`; SystemExit saying why if it cannot be read or made."""
    from bus.curve import BadKey, load_or_create
    try:
        return load_or_create(directory, name)
    except (BadKey, OSError) as exc:
        raise SystemExit(f"cannot use the {name} key pair in {directory}: {exc}") from None


def usable_data_dir(data_dir: Path) -> Path:
    """The data dir, made owner-only (the database holds password and session hashes) if new;
    SystemExit with one line if it is not a directory we may read and write: a daemon that
    cannot persist must not run, and a traceback would hide the one fact the operator needs."""
    try:
        data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    except FileExistsError:
        raise SystemExit(f"calamari: data dir {data_dir} is not a directory") from None
    except OSError as exc:
        raise SystemExit(f"calamari: cannot create data dir {data_dir}: {exc.strerror}") from None
    if not os.access(data_dir, os.R_OK | os.W_OK | os.X_OK):
        raise SystemExit(f"calamari: data dir {data_dir} is not readable and writable by this user")
    return data_dir


def secure_data_dir(data_dir: Path, db: str) -> None:
    """Data dirs of older releases held a 0644 database: owner-only from now on."""
    from store import file_modes
    from store.db import sqlite_path
    try:
        path = sqlite_path(db)
    except ValueError as exc:
        raise SystemExit(f"calamari: --db: {exc}") from None
    file_modes.secure_data_dir(data_dir, None if path in (None, ":memory:") else path)


def cookie_secret(data_dir: Path) -> bytes:
    """Created once per data dir, readable only by its owner."""
    path = data_dir / "cookie_secret"
    if not path.exists():
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as out:
            out.write(secrets.token_hex(32))
    return path.read_text().strip().encode()


async def run_daemon(args) -> int:
    import tornado.netutil

    from actors.context import Timings
    from actors.system import StartupError, build_daemon, ensure_admin
    from agent.grains import local_grains
    from bus.server import BusServer
    from web.app import make_app
    from web.http_server import default_max_connections, make_http_server
    from web.limits import body_cap
    from web.settings import WebSettings

    tls = https_context(args)
    auth = auth_settings(args)
    stream = stream_settings(args)
    metrics = metrics_settings(args)
    public_url(args.public_url, "")   # a bad flag stops us before anything starts
    first_password = admin_password(args)
    # One descriptor per agent connection: take all the hard limit allows (often 1,024 soft).
    from agent.host import raise_open_files_limit
    raise_open_files_limit(1 << 20)
    # Whatever the daemon creates (SQLite's temporary files too) is its own user's only.
    os.umask(0o077)
    data_dir = usable_data_dir(Path(args.data_dir))
    db = args.db or str(data_dir / "calamari.sqlite3")
    secure_data_dir(data_dir, db)
    bus_keys = key_pair(data_dir, "bus")[0]   # agents authenticate the manager with it
    timings = Timings(heartbeat_s=args.heartbeat_s, fetch_timeout_s=max(2.0, min(10.0, 2 * args.heartbeat_s)),
                      stats_fetch_every=args.stats_every, trend_min_span_s=args.trend_min_span_s)
    try:
        system = build_daemon(db, timings, tick_period_s=min(1.0, args.heartbeat_s / 2),
                                    request_timeouts={"job_timeout_s": args.request_timeout_s,
                                                      "map_timeout_s": 2 * args.request_timeout_s},
                                    auth=auth, auto_accept=args.auto_accept,
                                    key_limits={"pending_max_age_s": args.pending_key_max_age_s,
                                                "max_pending_per_address": args.pending_keys_per_address},
                                    retention=retention_settings(args),
                                    make_bus=lambda on_message, gate: BusServer(
                                        args.bus_endpoint, on_message, keys=bus_keys, gate=gate))
    except StartupError as exc:
        raise SystemExit(f"calamari: {exc}") from None
    bus = fleet = http = metrics_server = renders = metrics_url = None
    try:
        generated = ensure_admin(system.store, first_password)
        bus = system.bus
        bus.start()
        grains = await asyncio.get_running_loop().run_in_executor(None, local_grains)
        settings = WebSettings(cookie_secret=cookie_secret(data_dir), hostname=grains["host"],
                               fqdn=grains["fqdn"], ipaddr=(grains["ipv4"] or [None])[0], grains=grains,
                               max_body_bytes=args.max_body_bytes,
                               max_crush_map_bytes=args.max_crush_map_bytes,
                               secure_cookies=tls is not None, login_failure_delay_s=args.login_failure_delay_s,
                               login_in_flight_per_client=args.login_in_flight_per_client,
                               login_failures_per_minute=args.login_failures_per_minute,
                               login_failure_burst=args.login_failure_burst)
        sockets = tornado.netutil.bind_sockets(args.http_port, args.http_host, family=socket.AF_INET)
        port = sockets[0].getsockname()[1]
        url = f"{'https' if tls else 'http'}://{args.http_host}:{port}"
        settings = dataclasses.replace(settings, public_url=public_url(args.public_url, url))
        app = make_app(system.api, settings=settings, stream=stream, observe_http=system.metrics.observe_http)
        system.metrics.sources = dataclasses.replace(system.metrics.sources,
                                                     stream_clients=app.settings["stream_hub"].client_count)
        http = make_http_server(app, tls=tls,
                                max_body_size=body_cap(settings), idle_timeout_s=args.http_idle_timeout_s,
                                body_timeout_s=args.http_body_timeout_s,
                                max_connections=args.http_max_connections or default_max_connections())
        http.add_sockets(sockets)
        if metrics is not None:
            metrics_server, renders, metrics_url = start_metrics(metrics, tls, system, args)
        if not args.no_sim:
            from sim.fleet import SimFleet
            try:   # its clusters outlive the daemon in DATA_DIR/sim (sim/persist.py)
                fleet = SimFleet(bus.endpoint, server_key=bus_keys.public, clusters=args.sim_clusters,
                                 servers=args.sim_servers, osds_per_server=args.sim_osds_per_server,
                                 heartbeat_s=args.heartbeat_s, state_dir=str(data_dir / "sim"),
                                 client_load=args.sim_client_load)
            except (ValueError, OSError) as exc:   # an unreadable state: say so, do not start afresh
                raise SystemExit(f"calamari: simulator: {exc}") from None
            for fqdn, pair in fleet.keys.items():   # our own simulated agents: no operator needed
                system.keyring.trust(fqdn, pair.public)
            fleet.start()
        stop = stop_on_signals()
        announce(url, bus.endpoint, bus_keys.public, generated, fleet, metrics_url)
        await stop.wait()
        log.info("shutting down")
    finally:
        if http is not None:
            http.stop()
        if metrics_server is not None:
            metrics_server.stop()
            renders.close()
        if fleet is not None:
            fleet.stop()
        if bus is not None:
            bus.stop()
        system.stop()
    return 0


def metrics_settings(args):
    """The metrics listener's settings (None: --no-metrics); SystemExit with one line for a
    token that cannot be used."""
    from metrics.settings import metrics_settings as settings_of
    try:
        return settings_of(args, args.http_host)
    except ValueError as exc:
        raise SystemExit(f"calamari: {exc}") from None


def start_metrics(settings, tls, system, args):
    """The metrics listener (metrics/listener.py) on its own socket and this loop, TLS as the
    API's; -> (its server, its SharedRender to close, its URL). SystemExit with one line when
    the address cannot be bound."""
    import tornado.netutil

    from metrics.fleet_render import FleetRenderer, FleetSource
    from metrics.listener import PATH, metrics_app
    from metrics.render_thread import SharedRender, yield_gil
    from web.http_server import make_http_server
    try:
        sockets = tornado.netutil.bind_sockets(settings.port, settings.host, family=socket.AF_INET)
    except (OSError, ValueError) as exc:   # ValueError: not an IPv4 address or name
        reason = getattr(exc, "strerror", None) or str(exc)
        raise SystemExit(f"calamari: metrics: cannot listen on {settings.host}:{settings.port}: {reason} "
                         "(--metrics-port 0 picks a free port, --no-metrics turns the listener off)") from None
    # The clusters' families, then the daemon's own calamari_* ones (metrics/daemon.py).
    renderer = FleetRenderer(FleetSource.of(system.dispatcher), system.metrics.registry, pause=yield_gil)
    renders = SharedRender(renderer.render, render_at_start=True)
    server = make_http_server(metrics_app(renders, settings.token, renderer.with_daemon), tls=tls, max_body_size=METRICS_MAX_BODY,
                              idle_timeout_s=args.http_idle_timeout_s, body_timeout_s=args.http_body_timeout_s,
                              max_connections=METRICS_MAX_CONNECTIONS)
    server.add_sockets(sockets)
    port = sockets[0].getsockname()[1]
    return server, renders, f"{'https' if tls else 'http'}://{settings.host}:{port}{PATH}"


# A scrape is a bodiless GET from a few Prometheus servers: a small cap on both.
METRICS_MAX_BODY = 4096
METRICS_MAX_CONNECTIONS = 64


def announce(url: str, bus_endpoint: str, bus_key: str, generated_password: str | None, fleet,
             metrics_url: str | None = None) -> None:
    print(f"Calamari API: {url}/api/v2/", flush=True)
    print(f"Agent bus:    {bus_endpoint}", flush=True)
    print(f"Bus key:      {bus_key}  (agents: --server-key; `run.py key server` prints it too)", flush=True)
    if fleet is not None:
        print(f"Simulator:    {len(fleet.clusters)} cluster(s), {len(fleet.backends)} servers", flush=True)
    if metrics_url is not None:
        print(f"Metrics:      {metrics_url}", flush=True)
    if generated_password:
        print(f"First start: log in as 'admin' with password {generated_password} "
              "(shown only this once; only a hash is stored)", flush=True)
    else:
        print("Log in as 'admin' with the password set on first start.", flush=True)
    # Tests and benches read these fields (tests/system/daemon_process.py): add, never reorder.
    metrics = "" if metrics_url is None else f" metrics={metrics_url}"
    print(f"READY http={url} bus={bus_endpoint} key={bus_key}{metrics}", flush=True)


if __name__ == "__main__":
    sys.exit(main())
