"""Issue 12, item 1: a key generator on one address must not lock real agents out. Fresh CURVE
keys flood the bus from 127.0.0.1; a real agent connecting from another source address
(127.0.0.2, a loopback alias) still becomes pending and, once accepted, is managed; the flood
is a handful of events, not one per key; pending keys expire."""
from __future__ import annotations

import time

import zmq

from sim.fleet import SimFleet
from tests.bus_helpers import curve_client
from tests.helpers import wait_until
from tests.system.daemon_process import DaemonProcess, accept_key, logged_in_client
from tests.bus_helpers import beat

FLOOD = 1100          # beyond the global cap of 1000 pending keys that once locked everyone out
PER_ADDRESS = 20


def flood(daemon: DaemonProcess, count: int, prefix: str) -> None:
    """`count` fresh keys, each connecting from 127.0.0.1 and naming a new minion once."""
    ctx = zmq.Context()
    ctx.set(zmq.MAX_SOCKETS, count + 16)     # a flood: more sockets than the default 1023
    socks = []
    try:
        for n in range(count):
            sock = ctx.socket(zmq.DEALER)
            sock.setsockopt(zmq.LINGER, 500)
            curve_client(sock, daemon.bus_key)
            sock.connect(daemon.bus_endpoint)
            sock.send_multipart(beat(f"{prefix}{n}.example"), flags=zmq.NOBLOCK)
            socks.append(sock)
    finally:
        for sock in socks:
            sock.close()
        ctx.term()


def from_alias(endpoint: str) -> str:
    """The same endpoint, connected from source address 127.0.0.2 (zmq's `source;dest` form)."""
    return endpoint.replace("tcp://", "tcp://127.0.0.2:0;", 1)


def pending(api) -> set[str]:
    return {k["id"] for k in api.get("key").json() if k["status"] == "pre"}


def key_events(api) -> list[str]:
    return [e["message"] for e in api.get("event", params={"page_size": 1000}).json()["results"]
            if "agent key" in e["message"]]


def test_a_key_flood_from_one_address_leaves_room_for_real_agents(tmp_path):
    daemon = DaemonProcess(tmp_path / "data", heartbeat_s=0.3, auto_accept=False,
                           extra_args=["--pending-keys-per-address", str(PER_ADDRESS)]).start()
    fleet = None
    try:
        with logged_in_client(daemon.http_url) as api:
            started = time.monotonic()
            flood(daemon, FLOOD, "fake")
            flood_s = time.monotonic() - started
            wait_until(lambda: len(pending(api)) >= PER_ADDRESS, timeout_s=30, what="the flood recorded")
            fleet = SimFleet(from_alias(daemon.bus_endpoint), server_key=daemon.bus_key, servers=1,
                             heartbeat_s=0.3, advance_every_s=None).start()
            real = next(iter(fleet.backends))
            accept_key(api, real)
            wait_until(lambda: real in {s["fqdn"] for s in api.get("server").json()}, timeout_s=30,
                       what="the real agent managed")
            fakes = {k for k in pending(api) if k.startswith("fake")}
            assert len(fakes) == PER_ADDRESS, len(fakes)
            events = key_events(api)
            assert len(events) <= 6, events     # first new key, first refusal, their summaries
            print(f"\n{FLOOD} fresh keys sent in {flood_s:.2f} s; {len(fakes)} recorded pending; "
                  f"{len(events)} key events")
    finally:
        if fleet is not None:
            fleet.stop()
        assert daemon.stop() == 0, daemon.log_text()[-3000:]


def test_pending_keys_expire(tmp_path):
    daemon = DaemonProcess(tmp_path / "data", heartbeat_s=0.3, auto_accept=False,
                           extra_args=["--pending-key-max-age-s", "2"]).start()
    try:
        with logged_in_client(daemon.http_url) as api:
            flood(daemon, 3, "stale")
            wait_until(lambda: len(pending(api)) == 3, timeout_s=10, what="three pending keys")
            wait_until(lambda: not pending(api), timeout_s=10, what="the pending keys forgotten")
            assert any(m.startswith("Forgot 3 agent keys") for m in key_events(api)), key_events(api)
    finally:
        assert daemon.stop() == 0, daemon.log_text()[-3000:]
