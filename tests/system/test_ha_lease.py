"""The HA lease (ha/lease.py) and the shared bus key pair (ha/shared_keys.py) on a real PostgreSQL:
one active member, terms that only grow, a clean handover at once, a paused member replaced only
after its lease ran out and stepping down when it resumes, a database restarted under the group,
one key pair however many members start together, and `run.py key server --db`.

Leases are short (LEASE_S) so that the file runs in well under a minute; every wait polls with a
deadline. Each test starts without the group's tables (schema calamari_ha) in the module's
database (tests/db_backends.py), except the restart test, which runs a server of its own.
"""
from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import threading
import time

import pytest

from bus.curve import load_or_create, new_keypair
from ha.lease import Lease
from ha.shared_keys import shared_bus_keys
from tests.child_process import ROOT, ChildProcess
from tests.db_backends import rows
from tests.helpers import wait_until
from tests.system.ha_helpers import FenceSampler, OwnPostgres, RoleLog

LEASE_S = 1.5


@pytest.fixture
def pg_url(postgres_module_url):
    rows(postgres_module_url, "DROP SCHEMA IF EXISTS calamari_ha CASCADE")
    return postgres_module_url


def members(url: str, log: RoleLog, *names: str, lease_s: float = LEASE_S) -> list[Lease]:
    return [Lease(url, name, f"http://{name}.example:8002", lease_s=lease_s, on_change=log.callback(name))
            for name in names]


def the_active(leases) -> Lease | None:
    """The one member whose fence() lets it act, or None (none, or several: the caller's check fails)."""
    acting = [lease for lease in leases if lease.fence() is not None]
    return acting[0] if len(acting) == 1 else None


def test_one_member_is_active_and_a_stop_hands_over_at_once_with_a_higher_term(pg_url, caplog):
    caplog.set_level(logging.INFO, logger="ha")
    log = RoleLog()
    # A long lease: standbys poll every 2 s, so a handover well under that is the NOTIFY's doing.
    leases = members(pg_url, log, "a", "b", "c", lease_s=6.0)
    with FenceSampler(leases) as sampler:
        try:
            for lease in leases:
                lease.start()
            first = wait_until(lambda: the_active(leases), what="one active member")
            term = first.fence()
            wait_until(lambda: log.active() == {first.member_id: term}, what="on_change(term) delivered")   # just after fence()
            for lease in leases:     # the standbys know whom to forward to
                wait_until(lambda: lease.leader() and lease.leader().term == term, what=f"{lease.member_id} sees the leader")
                assert (lease.leader().member_id, lease.leader().advertise_url) == (
                    first.member_id, f"http://{first.member_id}.example:8002")
            for _ in range(2):       # two handovers: a, b, c -> two left -> one left
                leases.remove(first)
                stopped_at = time.monotonic()
                first.stop()
                assert first.fence() is None and log.of(first.member_id)[-1] is None
                second = wait_until(lambda: the_active(leases), timeout_s=3, what="a standby taking over")
                assert time.monotonic() - stopped_at < 0.5     # NOTIFY: no waiting for a poll period
                assert second.fence() > term
                first, term = second, second.fence()
        finally:
            for lease in leases:
                lease.stop()
    assert sampler.overlaps == []
    log.assert_never_two_active()
    assert len(log.intervals()) == 3
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING] == []   # no round failed
    assert sum("became active" in r.getMessage() for r in caplog.records) == 3


def test_a_paused_member_is_replaced_only_once_its_lease_ran_out_and_steps_down_when_resumed(pg_url):
    """The renewing thread blocked (as in a SIGSTOP, a paused VM): its session idles, the server
    ends it (idle_session_timeout), the other member takes the lock and still waits out the lease."""
    log = RoleLog()
    a, b = members(pg_url, log, "a", "b")
    a.start()
    wait_until(a.fence, what="a active")
    b.start()
    wait_until(lambda: b.leader() and b.leader().member_id == "a", what="b a standby")
    gate, paused = threading.Event(), {}
    renew = a._renew

    def blocked_renew():     # test hook: the lease thread stops before its next renewal
        if not paused:
            paused.update(expires_at=a.leader().expires_at, term=a.fence())
        gate.wait(10)
        return renew()
    a._renew = blocked_renew
    with FenceSampler([a, b]) as sampler:
        try:
            wait_until(lambda: paused, what="a's renewals blocked")
            wait_until(lambda: b.fence(), timeout_s=LEASE_S * 4, what="b taking over")
            taken_db_time = b.leader().expires_at - LEASE_S   # the database's clock at the take
            assert taken_db_time >= paused["expires_at"], "b took over before a's lease ran out"
            assert b.fence() == paused["term"] + 1
            # Fenced, and told so by its watchdog at its deadline, its lease thread still stuck.
            assert a.fence() is None
            wait_until(lambda: log.of("a") == [paused["term"], None], what="a's watchdog telling it")
            gate.set()       # resumed: it finds itself overrun and steps down by itself
            wait_until(lambda: a.leader() and a.leader().member_id == "b", what="a a standby of b")
            assert a.fence() is None and b.fence() == paused["term"] + 1
        finally:
            gate.set()
            a.stop()
            b.stop()
    # fence() is the guarantee; on_change(None) comes from a thread woken at the deadline, which
    # precedes b's take by no more than a round trip to the database: not checked to the millisecond.
    assert sampler.overlaps == []


def test_without_idle_session_timeout_a_standby_ends_the_paused_holders_session(pg_url, caplog):
    """PostgreSQL 13 has no idle_session_timeout: the paused active's session would keep the lock
    for ever. Simulated by turning it off on a's connection; b ends that session itself."""
    log = RoleLog()
    a, b = members(pg_url, log, "a", "b")
    connect, renew, gate = a._connect, a._renew, threading.Event()

    def connect_as_on_13():      # test hooks: no idle_session_timeout; renewals stop on the gate
        connect()
        a._conn.cursor().execute("SET idle_session_timeout = 0")
    a._connect = connect_as_on_13
    a._renew = lambda: (gate.wait(10), renew())[1]
    try:
        a.start()
        wait_until(a.fence, what="a active")
        b.start()
        with caplog.at_level(logging.WARNING, logger="ha"):
            wait_until(b.fence, timeout_s=LEASE_S * 5, what="b taking over")
        assert any("ended database session" in r.getMessage() for r in caplog.records if r.name == "ha.lease")
        assert b.fence() == 2 and a.fence() is None
        wait_until(lambda: log.of("a") == [1, None], what="a told it lost the lease")
    finally:
        gate.set()
        a.stop()
        b.stop()


def test_a_sigstopped_active_is_replaced_after_its_lease_and_steps_down_on_sigcont(pg_url):
    """The real thing: the active in a process of its own, stopped with SIGSTOP."""
    child = ChildProcess()
    child.launch([pg_url, "a", str(LEASE_S)], "started", "member a", 30,
                 program=[sys.executable, "-m", "tests.system.ha_member"])
    log = RoleLog()
    (b,) = members(pg_url, log, "b")
    try:
        wait_until(lambda: "change 1\n" in child.output, timeout_s=10, what="a active")
        b.start()
        wait_until(lambda: b.leader() and b.leader().member_id == "a", what="b a standby")
        os.kill(child.proc.pid, signal.SIGSTOP)
        last_of_a = {}

        def a_replaced():    # a's last expiry as the database has it, until b's take overwrites it
            term, holder, expires_at = rows(pg_url, "SELECT term, member_id, expires_at FROM calamari_ha.lease")[0]
            if holder == "a":
                last_of_a.update(term=term, expires_at=expires_at)
            return b.fence()
        assert wait_until(a_replaced, timeout_s=LEASE_S * 4, what="b taking over") == last_of_a["term"] + 1
        assert b.leader().expires_at - LEASE_S >= last_of_a["expires_at"], "b took over before a's lease ran out"
        os.kill(child.proc.pid, signal.SIGCONT)
        resumed = wait_until(lambda: [line for line in child.output if line.startswith("resumed")], what="a resumed")
        assert resumed == ["resumed fence=None\n"]
        wait_until(lambda: "change None\n" in child.output, what="a stepping down")
        assert b.fence() == last_of_a["term"] + 1
    finally:
        if child.proc.poll() is None:
            os.kill(child.proc.pid, signal.SIGCONT)
        assert child.stop(10) == 0, child.log_text()
        b.stop()
    assert [line for line in child.output if line.startswith("change")] == ["change 1\n", "change None\n"]


def test_a_database_restart_under_the_group_never_makes_two_actives():
    server = OwnPostgres()
    log = RoleLog()
    leases = members(server.url, log, "a", "b")
    try:
        with FenceSampler(leases) as sampler:
            for lease in leases:
                lease.start()
            before = wait_until(lambda: the_active(leases), what="one active member").fence()
            server.stop()
            wait_until(lambda: not log.active(), timeout_s=LEASE_S * 2, what="nobody active without the database")
            assert all(lease.fence() is None for lease in leases)
            server.start()
            after = wait_until(lambda: the_active(leases), timeout_s=LEASE_S * 6, what="one active again")
            assert after.fence() > before
            # ... and it stays alone: the other keeps watching it
            other = next(lease for lease in leases if lease is not after)
            wait_until(lambda: other.leader() and other.leader().member_id == after.member_id, timeout_s=LEASE_S * 2)
            assert the_active(leases) is after and other.fence() is None
    finally:
        for lease in leases:
            lease.stop()
        server.remove()
    assert sampler.overlaps == []
    log.assert_never_two_active()


def test_members_starting_together_share_one_bus_key_pair(pg_url):
    barrier, found = threading.Barrier(4), []

    def first_start(proposed):
        barrier.wait(5)
        found.append(shared_bus_keys(pg_url, proposed=proposed))
    threads = [threading.Thread(target=first_start, args=(proposed,))
               for proposed in (None, None, new_keypair(), new_keypair())]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert len(found) == 4 and len(set(found)) == 1
    assert shared_bus_keys(pg_url, proposed=new_keypair()) == found[0]   # stored: later proposals ignored


def test_key_server_with_a_postgresql_db_prints_the_shared_key(pg_url, tmp_path):
    def key_server(data_dir, db=pg_url, code=0) -> str:
        done = subprocess.run([sys.executable, str(ROOT / "run.py"), "key", "server", "--data-dir", str(data_dir),
                               "--db", db], cwd=ROOT, capture_output=True, text=True, timeout=60)
        assert done.returncode == code, done.stderr
        return done.stdout.strip() if code == 0 else done.stderr

    first = key_server(tmp_path / "m1")         # no pair stored yet: this data dir's becomes the group's
    assert first == load_or_create(tmp_path / "m1", "bus")[0].public
    assert key_server(tmp_path / "m2") == first  # another member's data dir: still the group's key
    assert shared_bus_keys(pg_url).public == first
    unreachable = key_server(tmp_path / "m1", "postgresql://calamari:s3cret-pw@127.0.0.1:1/calamari", code=1)
    assert "calamari:***@127.0.0.1:1" in unreachable and "s3cret-pw" not in unreachable
