"""Composition root: `python run.py` runs the daemon (with an embedded simulated cluster by
default); `python run.py sim --connect ENDPOINT` runs a simulated fleet as its own process;
`python run.py agent --connect ENDPOINT` runs the agent of a real Ceph server."""
from __future__ import annotations

import argparse
import asyncio
import logging
import os
import secrets
import signal
import socket
import sys
from pathlib import Path

log = logging.getLogger("calamari")


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Calamari-compatible Ceph management server")
    sub = parser.add_subparsers(dest="command")
    parser.add_argument("--http-host", default="127.0.0.1")
    parser.add_argument("--http-port", type=int, default=8002, help="0 picks a free port")
    parser.add_argument("--bus-endpoint", default="tcp://127.0.0.1:8003",
                        help="ZeroMQ endpoint the agents connect to (port 0 picks a free one)")
    parser.add_argument("--data-dir", default="data")
    parser.add_argument("--db", default=None, help="SQLite path (default: DATA_DIR/calamari.sqlite3)")
    parser.add_argument("--no-sim", action="store_true", help="do not start the embedded simulator")
    parser.add_argument("--sim-clusters", type=int, default=1)
    parser.add_argument("--sim-servers", type=int, default=3)
    parser.add_argument("--sim-osds-per-server", type=int, default=4)
    parser.add_argument("--heartbeat-s", type=float, default=10.0,
                        help="agent heartbeat period the daemon expects (and the simulator uses)")
    parser.add_argument("--request-timeout-s", type=float, default=60.0,
                        help="a request fails when its job is not answered within this, or the map "
                             "its change produces does not arrive within twice this")
    parser.add_argument("--admin-password", default=None,
                        help="password of the first account 'admin' (else CALAMARI_ADMIN_PASSWORD, "
                             "else generated and printed once)")
    parser.add_argument("--log-level", default="INFO")
    sim = sub.add_parser("sim", help="run a simulated fleet against a daemon started with --no-sim")
    sim.add_argument("--connect", required=True, help="the daemon's bus endpoint")
    sim.add_argument("--clusters", type=int, default=1)
    sim.add_argument("--servers", type=int, default=3)
    sim.add_argument("--osds-per-server", type=int, default=4)
    sim.add_argument("--heartbeat-s", type=float, default=10.0)
    sim.add_argument("--seed", type=int, default=0)
    add_agent_parser(sub)
    return parser.parse_args(argv)


def add_agent_parser(sub) -> None:
    agent = sub.add_parser("agent", help="run the agent of a real Ceph server")
    agent.add_argument("--connect", required=True, help="the daemon's bus endpoint, tcp://HOST:PORT")
    agent.add_argument("--fqdn", default=None, help="this server's name (default: the host's FQDN)")
    agent.add_argument("--ceph-conf", default="/etc/ceph/ceph.conf")
    agent.add_argument("--keyring", default=None, help="default: the one ceph.conf names")
    agent.add_argument("--admin-socket-dir", default="/var/run/ceph")
    agent.add_argument("--log-dir", default="/var/log/ceph")
    agent.add_argument("--heartbeat-s", type=float, default=10.0)
    agent.add_argument("--watch-s", type=float, default=0.5,
                       help="how often to check the map epochs between beats (0: never)")


def main(argv: list[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    logging.basicConfig(level=getattr(logging, str(args.log_level).upper(), logging.INFO),
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
    return asyncio.run(run_daemon(args))


async def wait_for_signal() -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()


async def run_sim(args) -> int:
    from sim.fleet import SimFleet
    fleet = SimFleet(args.connect, clusters=args.clusters, servers=args.servers,
                     osds_per_server=args.osds_per_server, heartbeat_s=args.heartbeat_s, seed=args.seed)
    fleet.start()
    print(f"simulated fleet of {len(fleet.backends)} servers in {len(fleet.clusters)} clusters "
          f"reporting to {args.connect}", flush=True)
    try:
        await wait_for_signal()
    finally:
        fleet.stop()
    return 0


async def run_agent(args) -> int:
    from agent.ceph.backend import RealCephBackend
    from agent.minion import Minion
    backend = await asyncio.get_running_loop().run_in_executor(None, lambda: RealCephBackend(
        ceph_conf=args.ceph_conf, keyring=args.keyring, admin_socket_dir=args.admin_socket_dir,
        log_dir=args.log_dir, fqdn=args.fqdn, watch_s=args.watch_s or None))
    minion = Minion(backend, args.connect, heartbeat_s=args.heartbeat_s)
    minion.start()
    print(f"AGENT READY fqdn={backend.fqdn} bus={args.connect}", flush=True)
    try:
        await wait_for_signal()
    finally:
        minion.stop()
        backend.close()
    return 0


def cookie_secret(data_dir: Path) -> bytes:
    """Created once per data dir, readable only by its owner."""
    path = data_dir / "cookie_secret"
    if not path.exists():
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as out:
            out.write(secrets.token_hex(32))
    return path.read_text().strip().encode()


async def run_daemon(args) -> int:
    import tornado.httpserver
    import tornado.netutil

    from actors.context import Timings
    from actors.system import ensure_admin, start_actor_system
    from agent.grains import local_grains
    from bus.server import BusServer
    from web.app import make_app
    from web.settings import WebSettings

    data_dir = Path(args.data_dir)
    # Owner-only: the database holds password and session hashes.
    data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    db = args.db or str(data_dir / "calamari.sqlite3")
    timings = Timings(heartbeat_s=args.heartbeat_s, fetch_timeout_s=max(2.0, min(10.0, 2 * args.heartbeat_s)))
    system = start_actor_system(db, timings, tick_period_s=min(1.0, args.heartbeat_s / 2),
                                request_timeouts={"job_timeout_s": args.request_timeout_s,
                                                  "map_timeout_s": 2 * args.request_timeout_s})
    bus = fleet = http = None
    try:
        generated = ensure_admin(system.store, args.admin_password or os.environ.get("CALAMARI_ADMIN_PASSWORD"))
        bus = BusServer(args.bus_endpoint, system.dispatcher.on_message)
        bus.start()
        system.dispatcher.attach_bus(bus.send)
        grains = await asyncio.get_running_loop().run_in_executor(None, local_grains)
        settings = WebSettings(cookie_secret=cookie_secret(data_dir), hostname=grains["host"],
                               fqdn=grains["fqdn"], ipaddr=(grains["ipv4"] or [None])[0], grains=grains)
        sockets = tornado.netutil.bind_sockets(args.http_port, args.http_host, family=socket.AF_INET)
        http = tornado.httpserver.HTTPServer(make_app(system.api, settings=settings), xheaders=False)
        http.add_sockets(sockets)
        port = sockets[0].getsockname()[1]
        url = f"http://{args.http_host}:{port}"
        if not args.no_sim:
            from sim.fleet import SimFleet
            fleet = SimFleet(bus.endpoint, clusters=args.sim_clusters, servers=args.sim_servers,
                             osds_per_server=args.sim_osds_per_server, heartbeat_s=args.heartbeat_s).start()
        announce(url, bus.endpoint, generated, fleet)
        await wait_for_signal()
        log.info("shutting down")
    finally:
        if http is not None:
            http.stop()
        if fleet is not None:
            fleet.stop()
        if bus is not None:
            bus.stop()
        system.stop()
    return 0


def announce(url: str, bus_endpoint: str, generated_password: str | None, fleet) -> None:
    print(f"Calamari API: {url}/api/v2/", flush=True)
    print(f"Agent bus:    {bus_endpoint}", flush=True)
    if fleet is not None:
        print(f"Simulator:    {len(fleet.clusters)} cluster(s), {len(fleet.backends)} servers", flush=True)
    if generated_password:
        print(f"First start: log in as 'admin' with password {generated_password} "
              "(shown only this once; only a hash is stored)", flush=True)
    else:
        print("Log in as 'admin' with the password set on first start.", flush=True)
    print(f"READY http={url} bus={bus_endpoint}", flush=True)


if __name__ == "__main__":
    sys.exit(main())
