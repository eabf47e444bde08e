"""A simulated fleet as its own process (`run.py sim --connect A,B`) between two bus servers with
lease doubles: its agents stay with the one that acknowledges, move to the other when it is
deposed, and the simulator's log says which term every job it ran carried (the line the HA
failover tests read to show that no job of a deposed manager ran after the takeover)."""
from __future__ import annotations

import re
import time

import pytest

from bus.protocol import Job
from bus.server import BusServer
from tests.bus_helpers import SERVER_KEYS, TestGate
from tests.child_process import ChildProcess
from tests.helpers import Recorder, wait_until

pytestmark = pytest.mark.timeout(60)

BEAT_S = 0.3
RAN = re.compile(r"running job (\S+) \((\S+)\) term=(\d+) at=([\d.]+)")


class Fence:
    def __init__(self, term: int | None):
        self.term = term

    def __call__(self) -> int | None:
        return self.term


class Fleet(ChildProcess):
    def start(self, endpoints: list[str]) -> "Fleet":
        self.launch(["sim", "--connect", ",".join(endpoints), f"--server-key={SERVER_KEYS.public}",
                     "--heartbeat-s", str(BEAT_S), "--servers", "1", "--client-load", "0"],
                    "simulated fleet of", "fleet", 30.0)
        return self

    def runs(self) -> list[tuple[str, int, float]]:
        """(job id, term, epoch s) of every HA job the simulator logged it ran."""
        return [(m[1], int(m[3]), float(m[4])) for line in list(self.output) if (m := RAN.search(line))]


def bus(fence: Fence) -> tuple[BusServer, Recorder]:
    recorder = Recorder()
    server = BusServer("tcp://127.0.0.1:0", recorder, keys=SERVER_KEYS, gate=TestGate(), fence=fence)
    server.start()
    return server, recorder


def run_job(server: BusServer, recorder: Recorder, agent: str, job_id: str):
    server.send(agent, Job(job_id, "list_logs", {}, time.time() + 30))
    return wait_until(lambda: [e.body for e in recorder.envelopes("job_result") if e.body.job_id == job_id],
                      timeout_s=10, what=f"the result of {job_id}")[0]


def test_a_fleet_process_follows_the_active_manager_and_logs_the_term_of_every_job():
    fence_a, fence_b = Fence(1), Fence(2)
    (a, at_a), (b, at_b) = bus(fence_a), bus(fence_b)
    fleet = Fleet()
    try:
        fleet.start([a.endpoint, b.endpoint])
        agent = wait_until(lambda: at_a.envelopes("server_heartbeat"), timeout_s=10)[0].sender
        assert run_job(a, at_a, agent, "before").success
        fence_a.term = None   # A loses its lease: no more acks, no more jobs
        deposed_at = time.time()
        wait_until(lambda: [e for e in at_b.envelopes("server_heartbeat") if e.sent_at > deposed_at],
                   timeout_s=(3 + 3) * BEAT_S + 5, what="the fleet on the new active")
        moved_s = time.time() - deposed_at
        assert run_job(b, at_b, agent, "after").success
        fence_a.term = 1      # the old active wakes up still believing in term 1...
        a.send(agent, Job("late", "list_logs", {}, time.time() + 30))
        wait_until(lambda: a.stats["send_failed"] >= 1, what="...but the agent is gone from it")
        ran = wait_until(lambda: {job for job, _, _ in fleet.runs()} >= {"before", "after"} and fleet.runs())
        assert not [r for r in ran if r[1] == 1 and r[2] > deposed_at], ran
        assert [(job, term) for job, term, _ in ran] == [("before", 1), ("after", 2)], ran
        assert "no answer from " + a.endpoint in fleet.log_text() and f"trying {b.endpoint}" in fleet.log_text()
        assert moved_s < (3 + 2) * BEAT_S + 3.0, moved_s
    finally:
        assert fleet.stop() == 0, fleet.log_text()
        a.stop()
        b.stop()
