"""Agent keys end to end: a daemon that does not auto-accept, simulated agents over CurveZMQ, the
key API, the offline `run.py key` commands, and a refused agent retrying until it is let in."""
from __future__ import annotations

import subprocess
import sys

from agent.host import start_alone
from agent.minion import Minion
from bus.curve import fingerprint
from tests.child_process import ROOT
from tests.helpers import wait_until
from tests.system.conftest import HEARTBEAT_S, start_fleet
from tests.system.daemon_process import DaemonProcess, logged_in_client


def keys(api) -> dict:
    return {key["id"]: key for key in api.get("key").json()}


def managed(api) -> set:
    return {s["fqdn"] for s in api.get("server").json() if s["managed"]}


def messages(api, severity="INFO") -> list[str]:
    return [e["message"] for e in api.get("event", params={"severity": severity, "page_size": 1000}
                                          ).json()["results"]]


def bus(api) -> dict:
    return api.get("bus").json()


def write(api, method: str, path: str, body):
    answer = api.request(method, path, json=body, headers={"X-XSRF-TOKEN": api.cookies["XSRF-TOKEN"]})
    assert answer.status_code == 204, answer.text
    return answer


def run_key_command(data_dir, *args, expect_failure: bool = False) -> str:
    done = subprocess.run([sys.executable, str(ROOT / "run.py"), "key", "--data-dir", str(data_dir), *args],
                          cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert done.returncode == (1 if expect_failure else 0), done.stderr
    return done.stderr if expect_failure else done.stdout


def test_new_agents_wait_until_accepted_rejected_stay_out_and_impostors_are_refused(tmp_path):
    daemon = DaemonProcess(tmp_path / "data", heartbeat_s=HEARTBEAT_S, auto_accept=False).start()
    fleet = start_fleet(daemon)
    impostor = None
    try:
        with logged_in_client(daemon.http_url) as api:
            a, b, c = sorted(fleet.backends)
            pending = wait_until(lambda: len(keys(api)) == 3 and keys(api))
            assert {k: (v["status"], v["fingerprint"]) for k, v in pending.items()} == {
                fqdn: ("pre", fingerprint(pair.public)) for fqdn, pair in fleet.keys.items()}
            # Several beats each, and none delivered: no server, no cluster.
            wait_until(lambda: bus(api)["dropped_unaccepted"] >= 9)
            assert managed(api) == set() and api.get("cluster").json() == []
            # One event per burst of new keys from an address (all three come from 127.0.0.1):
            # the first is named, the rest are summed once the burst's minute is over.
            assert sum("is waiting for acceptance" in m for m in messages(api)) == 1

            write(api, "PATCH", f"key/{a}", {"status": "accepted"})
            write(api, "PATCH", "key", [{"id": b, "status": "accepted"}, {"id": c, "status": "rejected"}])
            wait_until(lambda: managed(api) == {a, b}, what="the accepted agents managed")
            assert wait_until(lambda: api.get("cluster").json())[0]["id"] == fleet.clusters[0].fsid
            dropped = bus(api)["dropped_unaccepted"]
            wait_until(lambda: bus(api)["dropped_unaccepted"] >= dropped + 3)   # c beats on, unheard
            assert c not in managed(api) and keys(api)[c]["status"] == "rejected"

            write(api, "DELETE", f"key/{c}", None)
            wait_until(lambda: keys(api).get(c, {}).get("status") == "pre", what=f"{c} pending again")
            assert any(m.startswith(f"Agent key of {c} deleted") for m in messages(api))

            impostor = Minion(fleet.backends[a], daemon.bus_endpoint, HEARTBEAT_S, server_key=daemon.bus_key)
            start_alone(impostor)
            wait_until(lambda: keys(api)[a]["refused_fingerprint"] == fingerprint(impostor.keys.public))
            assert keys(api)[a]["status"] == "accepted" and bus(api)["dropped_other_key"] >= 1
            assert any(f"claiming to be {a}" in m for m in messages(api, "WARNING"))
            before = api.get(f"server/{a}").json()["last_contact"]
            wait_until(lambda: api.get(f"server/{a}").json()["last_contact"] > before)   # the real one
    finally:
        if impostor is not None:
            impostor.stop()
        fleet.stop()
        assert daemon.stop() == 0, daemon.log_text()[-3000:]


def test_offline_key_commands_and_a_refused_agent_let_in_by_one_of_them(tmp_path):
    data_dir = tmp_path / "data"
    first = DaemonProcess(data_dir, heartbeat_s=HEARTBEAT_S, auto_accept=False).start()
    fleet = start_fleet(first)
    second = None
    try:
        with logged_in_client(first.http_url) as api:
            wait_until(lambda: len(keys(api)) == 3)
        assert first.stop() == 0
        listed = run_key_command(data_dir, "list")                 # no daemon running
        assert sorted(line.split()[:2] for line in listed.splitlines()) == [[f, "pre"] for f in sorted(fleet.backends)]
        assert run_key_command(data_dir, "server").strip() == first.bus_key
        assert "key 'nope' not found" in run_key_command(data_dir, "reject", "nope", expect_failure=True)

        # Restarted, the daemon refuses the pending keys at the handshake; the agents retry.
        second = DaemonProcess(data_dir, heartbeat_s=HEARTBEAT_S, auto_accept=False,
                               bus_endpoint=first.bus_endpoint).start()
        assert second.bus_key == first.bus_key
        with logged_in_client(second.http_url) as api:
            wait_until(lambda: bus(api)["handshakes_refused"] >= 6, what="refusals and retries")
            assert managed(api) == set()
            accepted = sorted(fleet.backends)[0]
            assert run_key_command(data_dir, "accept", accepted).strip() == f"{accepted}: accepted"
            wait_until(lambda: managed(api) == {accepted}, timeout_s=10, what="the agent accepted offline")
            assert keys(api)[accepted]["status"] == "accepted"
    finally:
        fleet.stop()
        if second is not None:
            assert second.stop() == 0, second.log_text()[-3000:]
