"""Composition root: `python run.py` runs the daemon (with an embedded simulated cluster by
default); `python run.py sim --connect ENDPOINT` runs a simulated fleet as its own process;
`python run.py agent --connect ENDPOINT` runs the agent of a real Ceph server;
`python run.py key ...` manages agent keys in the data dir."""
from __future__ import annotations

import asyncio
import dataclasses
import logging
import os
import secrets
import signal
import socket
import sys
from pathlib import Path

from actors.accounts.user_cli import run_user_command
from actors.keys.cli import run_key_command
from agent.keys import server_key
from config.cli import parse_args
from config.daemon_settings import (admin_password, auth_settings, https_context, metrics_settings, public_url,
                                    retention_settings, warn_if_password_ignored)
from config.log_format import configure_logging
from config.version import version
from deploy.sd_notify import Service
from web.stream.settings import stream_settings

log = logging.getLogger("calamari")


def main(argv: list[str] | None = None, agent_prog: str | None = None) -> int:
    """`calamari-server` (console script) and `python run.py`. A start-up error is one line
    on standard error and exit code 2, as a bad flag's."""
    args = parse_args(sys.argv[1:] if argv is None else argv, agent_prog=agent_prog)
    try:
        return run(args)
    except SystemExit as stop:
        if not isinstance(stop.code, str):
            raise
        print(stop.code if stop.code.startswith("calamari") else f"calamari: {stop.code}", file=sys.stderr, flush=True)
        return 2


def agent_main() -> int:
    """`calamari-agent` (console script): `run.py agent`."""
    return main(["agent", *sys.argv[1:]], agent_prog="calamari-agent")


def run(args) -> int:
    from bus.protocol import tune_gc_for_large_messages
    tune_gc_for_large_messages()   # every subcommand but `key` handles whole cluster maps
    configure_logging(args.log_level, args.log_format)
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
    if args.print_fingerprint:
        print(fingerprint(keys.public), flush=True)
        return 0
    service = Service.from_environment()   # systemd's variables leave before `ceph` runs inherit them
    backend = await asyncio.get_running_loop().run_in_executor(None, lambda: RealCephBackend(
        ceph_conf=args.ceph_conf, keyring=args.keyring, admin_socket_dir=args.admin_socket_dir,
        log_dir=args.log_dir, fqdn=args.fqdn, watch_s=args.watch_s or None, client_name=args.ceph_name))
    minion = Minion(backend, args.connect, heartbeat_s=args.heartbeat_s, server_key=manager_key, keys=keys)
    start_alone(minion)
    stop = stop_on_signals()
    print(f"Agent key {'created' if created else 'read'} in {args.key_dir}: fingerprint {fingerprint(keys.public)} "
          f"(accept it: calamari key accept {backend.fqdn} --fingerprint {fingerprint(keys.public)})", flush=True)
    print(f"AGENT READY fqdn={backend.fqdn} bus={args.connect}", flush=True)
    service.ready(f"reporting {backend.fqdn} to {args.connect}")
    try:
        await stop.wait()
    finally:
        service.stopping()
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
    from actors.context import Timings
    from agent.grains import local_grains
    from web.settings import WebSettings

    service = Service.from_environment()   # systemd's Type=notify (deploy/sd_notify.py)
    service.status("starting")
    tls = https_context(args)
    public_url(args.public_url, "")   # a bad flag stops us before anything starts
    if args.ha:
        check_ha_flags(args)
    # One descriptor per agent connection: take all the hard limit allows (often 1,024 soft).
    from agent.host import raise_open_files_limit
    raise_open_files_limit(1 << 20)
    # Whatever the daemon creates (SQLite's temporary files too) is its own user's only.
    os.umask(0o077)
    data_dir = usable_data_dir(Path(args.data_dir))
    db = args.db or str(data_dir / "calamari.sqlite3")
    secure_data_dir(data_dir, db)
    bus_keys, secret = manager_secrets(args, data_dir, db)
    timings = Timings(heartbeat_s=args.heartbeat_s, fetch_timeout_s=max(2.0, min(10.0, 2 * args.heartbeat_s)),
                      stats_fetch_every=args.stats_every, trend_min_span_s=args.trend_min_span_s)
    grains = await asyncio.get_running_loop().run_in_executor(None, local_grains)
    sockets = bind_http(args)
    url = f"{'https' if tls else 'http'}://{args.http_host}:{sockets[0].getsockname()[1]}"
    settings = WebSettings(cookie_secret=secret, hostname=grains["host"],
                           fqdn=grains["fqdn"], ipaddr=(grains["ipv4"] or [None])[0], grains=grains,
                           version=version(),
                           max_body_bytes=args.max_body_bytes,
                           max_crush_map_bytes=args.max_crush_map_bytes,
                           secure_cookies=tls is not None, login_failure_delay_s=args.login_failure_delay_s,
                           login_in_flight_per_client=args.login_in_flight_per_client,
                           login_failures_per_minute=args.login_failures_per_minute,
                           login_failure_burst=args.login_failure_burst,
                           public_url=public_url(args.public_url, url))
    if args.ha:
        from ha.pg import store_url
        db = store_url(db, args.ha_lease_s)
    starter = ManagerStarter(args, db, timings, settings, bus_keys, tls)
    if args.ha:
        return await run_member(args, starter, sockets, url, service)
    return await run_alone(args, starter, sockets, url, data_dir, service)


async def run_alone(args, starter, sockets, url, data_dir, service) -> int:
    """The one manager (no --ha): everything starts now and runs until a signal."""
    try:
        manager = starter.start()
    except StartupError as exc:
        raise SystemExit(f"calamari: {exc}") from None
    fleet = http = None
    try:
        http = starter.http_server(manager.app)
        http.add_sockets(sockets)
        if not args.no_sim:
            fleet = start_embedded_sim(args, manager, data_dir, starter.bus_keys)
        stop = stop_on_signals()
        announce(url, manager.bus.endpoint, starter.bus_keys.public, manager.generated_password, fleet,
                 manager.metrics_url)
        service.ready(f"serving {url}/api/v2/, agent bus {manager.bus.endpoint}", manager.system.api.readiness)
        await stop.wait()
        log.info("shutting down")
    finally:
        service.stopping()
        if http is not None:
            http.stop()
        if fleet is not None:
            fleet.stop()
        manager.stop()
    return 0


async def run_member(args, starter, sockets, url, service) -> int:
    """A member of an HA group (--ha): serves HTTP at once, as a standby forwarding to the active
    member, and becomes the active manager whenever the lease is its own (ha/member.py)."""
    from ha import forwarded
    from ha.lease import Lease
    from ha.member import Member
    from ha.switch import AppSwitch
    from web.standby import standby_app
    me = args.advertise_url or starter.settings.public_url
    loop = asyncio.get_running_loop()
    lease = None

    def leader_url() -> str | None:
        leader = lease.leader() if lease is not None else None
        return None if leader is None or leader.member_id == me or not leader.advertise_url else leader.advertise_url

    async def become_active(term: int):
        system, generated = await loop.run_in_executor(None, starter.build, lease.fence)
        manager = starter.serve(system, generated, ha_role=lambda: "active")
        if generated:
            print(f"First start of the group: log in as 'admin' with password {generated} "
                  "(shown only this once; only a hash is stored)", flush=True)
        return ActiveMember(manager, loop)

    secret = starter.settings.cookie_secret
    standby = standby_app(leader_url, lambda address: forwarded.sign(secret, address), forwarded.HEADERS)
    switch = AppSwitch(standby, lambda headers: forwarded.proven_address(secret, headers))
    member = Member(None, switch, standby, become_active, loop)
    lease = member.lease = Lease(args.db, me, me, lease_s=args.ha_lease_s, on_change=member.on_lease_change)
    http = starter.http_server(switch)
    http.add_sockets(sockets)
    stop = stop_on_signals()
    lease.start()
    announce(url, args.bus_endpoint, starter.bus_keys.public, None, None, None,
             extra=[f"HA member:    {me} (standby until the lease is its own; lease {args.ha_lease_s:g} s)"])
    service.ready(f"serving {url}/api/v2/ as a member of an HA group")
    try:
        await member.run(stop)      # steps down (stops the manager) when asked to stop
        log.info("shutting down")
    finally:
        service.stopping()
        await loop.run_in_executor(None, lease.stop)   # a standby takes over without waiting
        http.stop()
    return 0


@dataclasses.dataclass
class ActiveMember:
    manager: Manager
    loop: asyncio.AbstractEventLoop

    @property
    def app(self):
        return self.manager.app

    async def stop(self) -> None:
        await self.loop.run_in_executor(None, self.manager.stop)


class StartupError(Exception):
    """actors.system.StartupError, named here so callers need not import the actor system."""


def check_ha_flags(args) -> None:
    if not str(args.db or "").startswith(("postgresql://", "postgres://")):
        raise SystemExit("calamari: --ha needs --db postgresql://...: the group shares its state and its lease there")
    args.no_sim = True    # a simulator inside one member would leave with it


def manager_secrets(args, data_dir: Path, db: str):
    """(the bus key pair, the cookie secret). A member of an HA group takes both from the group
    (the pair from the database, made by the first member; the cookie secret derived from its
    secret half), so agents trust, and session cookies work on, whichever member is active."""
    own = key_pair(data_dir, "bus")[0]   # agents authenticate the manager with it
    if not args.ha:
        return own, cookie_secret(data_dir)
    import hashlib

    import psycopg2

    from ha.shared_keys import shared_bus_keys
    try:
        pair = shared_bus_keys(db, proposed=own)
    except psycopg2.Error as exc:
        raise SystemExit(f"calamari: --ha: cannot read the group's keys from the database: {' '.join(str(exc).split())}") from None
    return pair, hashlib.sha256(b"calamari cookie secret\0" + pair.secret.encode()).hexdigest().encode()


def bind_http(args):
    import tornado.netutil
    try:
        return tornado.netutil.bind_sockets(args.http_port, args.http_host, family=socket.AF_INET)
    except OSError as exc:
        raise SystemExit(f"calamari: cannot listen on {args.http_host}:{args.http_port}: {exc.strerror}") from None


@dataclasses.dataclass
class Manager:
    """The parts of a running manager that start and stop together: the actors, the bus, the
    web application and the metrics listener."""
    system: object
    bus: object
    app: object
    generated_password: str | None = None
    metrics_server: object = None
    renders: object = None
    metrics_url: str | None = None

    def stop(self) -> None:
        if self.metrics_server is not None:
            self.metrics_server.stop()
            self.renders.close()
        stop_system(self.system)


class ManagerStarter:
    """Builds a Manager from the settings (once without --ha; each time a member becomes active
    with --ha, with that member's lease fencing every job the bus sends)."""

    def __init__(self, args, db: str, timings, settings, bus_keys, tls):
        self.args, self.db, self.timings, self.settings, self.bus_keys, self.tls = args, db, timings, settings, bus_keys, tls
        self.auth, self.stream, self.metrics = auth_settings(args), stream_settings(args), metrics_settings(args)
        self.first_password = admin_password(args)

    def start(self) -> Manager:
        """The one manager of a daemon without --ha, on the event loop's thread."""
        system, generated = self.build()
        return self.serve(system, generated)

    def build(self, fence=None):
        """(the actor system with its bus started, the admin password if generated now). Blocks
        for as long as loading the state takes: an HA member calls it off the event loop."""
        from actors.system import StartupError as SystemStartupError
        from actors.system import build_daemon, ensure_admin
        from bus.server import BusServer
        args = self.args
        try:
            system = build_daemon(self.db, self.timings, tick_period_s=min(1.0, args.heartbeat_s / 2),
                                  request_timeouts={"job_timeout_s": args.request_timeout_s,
                                                    "map_timeout_s": 2 * args.request_timeout_s},
                                  auth=self.auth, auto_accept=args.auto_accept,
                                  key_limits={"pending_max_age_s": args.pending_key_max_age_s,
                                              "max_pending_per_address": args.pending_keys_per_address},
                                  retention=retention_settings(args),
                                  make_bus=lambda on_message, gate: BusServer(
                                      args.bus_endpoint, on_message, keys=self.bus_keys, gate=gate, fence=fence,
                                      lease_s=args.ha_lease_s if fence is not None else 0.0))
        except SystemStartupError as exc:
            raise StartupError(str(exc)) from None
        try:
            warn_if_password_ignored(system.store, self.first_password, args)
            generated = ensure_admin(system.store, self.first_password)
            system.bus.start()
            return system, generated
        except BaseException:
            stop_system(system)
            raise

    def serve(self, system, generated: str | None, ha_role=None) -> Manager:
        """The web application and the metrics listener of a built system (on the loop's thread:
        both belong to its event loop)."""
        try:
            manager = Manager(system, system.bus, self.web_app(system, ha_role), generated)
            if self.metrics is not None:
                manager.metrics_server, manager.renders, manager.metrics_url = start_metrics(
                    self.metrics, self.tls, system, self.args)
            return manager
        except BaseException:
            stop_system(system)
            raise

    def web_app(self, system, ha_role):
        from web.app import make_app
        from web.ops.bootstrap import Bootstrap
        from web.ops.bootstrap_settings import bootstrap_settings
        bootstrap = Bootstrap(bootstrap_settings(self.settings.public_url, self.tls is not None, system.bus.endpoint,
                                                 self.bus_keys.public, self.args.bus_public_endpoint))
        app = make_app(system.api, settings=self.settings, stream=self.stream, observe_http=system.metrics.observe_http,
                       bootstrap=bootstrap, ha_role=ha_role)
        system.metrics.sources = dataclasses.replace(system.metrics.sources,
                                                     stream_clients=app.settings["stream_hub"].client_count)
        return app

    def http_server(self, app):
        from web.http_server import default_max_connections, make_http_server
        from web.limits import body_cap
        args = self.args
        return make_http_server(app, tls=self.tls, max_body_size=body_cap(self.settings),
                                idle_timeout_s=args.http_idle_timeout_s, body_timeout_s=args.http_body_timeout_s,
                                max_connections=args.http_max_connections or default_max_connections())


def stop_system(system) -> None:
    system.bus.stop()     # nothing to do if it never started
    system.stop()


def start_embedded_sim(args, manager: Manager, data_dir: Path, bus_keys):
    from sim.fleet import SimFleet
    try:   # its clusters outlive the daemon in DATA_DIR/sim (sim/persist.py)
        fleet = SimFleet(manager.bus.endpoint, server_key=bus_keys.public, clusters=args.sim_clusters,
                         servers=args.sim_servers, osds_per_server=args.sim_osds_per_server,
                         heartbeat_s=args.heartbeat_s, state_dir=str(data_dir / "sim"),
                         client_load=args.sim_client_load)
    except (ValueError, OSError) as exc:   # an unreadable state: say so, do not start afresh
        raise SystemExit(f"calamari: simulator: {exc}") from None
    for fqdn, pair in fleet.keys.items():   # our own simulated agents: no operator needed
        manager.system.keyring.trust(fqdn, pair.public)
    fleet.start()
    return fleet


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
             metrics_url: str | None = None, extra: list[str] = ()) -> None:
    """The banner, after every start-up log line written so far, as one block (one write: no
    log line of a thread lands inside it)."""
    lines = [f"Calamari API: {url}/api/v2/", f"Agent bus:    {bus_endpoint}",
             f"Bus key:      {bus_key}  (agents: --server-key; `run.py key server` prints it too)"]
    if fleet is not None:
        lines.append(f"Simulator:    {len(fleet.clusters)} cluster(s), {len(fleet.backends)} servers")
    if metrics_url is not None:
        lines.append(f"Metrics:      {metrics_url}")
    lines.extend(extra)
    if generated_password:
        lines.append(f"First start: log in as 'admin' with password {generated_password} "
                     "(shown only this once; only a hash is stored)")
    else:
        lines.append("Log in as 'admin' with the password set on first start.")
    # Tests and benches read these fields (tests/system/daemon_process.py): add, never reorder.
    metrics = "" if metrics_url is None else f" metrics={metrics_url}"
    lines.append(f"READY http={url} bus={bus_endpoint} key={bus_key}{metrics}")
    for handler in logging.getLogger().handlers:
        handler.flush()
    sys.stdout.write("\n".join(lines) + "\n")
    sys.stdout.flush()


if __name__ == "__main__":
    sys.exit(main())
