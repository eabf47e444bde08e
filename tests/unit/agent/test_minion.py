"""Minion and AgentHost against a real BusServer on 127.0.0.1, with a fake Ceph backend."""
from __future__ import annotations

import resource
import threading
import time

import pytest
import zmq

from agent.connection import SNDHWM
from agent.host import AgentHost, raise_open_files_limit, start_alone
from agent.minion import Minion
from bus import protocol
from bus.protocol import ClusterHeartbeat, Job, JobResult, ServerHeartbeat
from bus.curve import new_keypair
from bus.server import BusServer
from tests.bus_helpers import SERVER_KEYS, TestGate, curve_router
from tests.helpers import Recorder, WaitTimeout, wait_until
from tests.unit.agent.fakes import FSID, FakeBackend

pytestmark = pytest.mark.timeout(60)

FAR_FUTURE = 4e9


pytestmark = pytest.mark.usefixtures("no_thread_leak")


@pytest.fixture
def stack():
    """Everything a test starts is registered here and stopped at teardown, agents first."""
    agents, servers = [], []
    yield agents, servers
    for agent in agents:
        agent.stop()
    for server in servers:
        server.stop()


def bus_server(endpoint: str, recorder, gate=None) -> BusServer:
    return BusServer(endpoint, recorder, keys=SERVER_KEYS, gate=gate or TestGate())


@pytest.fixture
def bus(stack):
    recorder = Recorder()
    server = bus_server("tcp://127.0.0.1:0", recorder)
    stack[1].append(server)
    server.start()
    return server, recorder


@pytest.fixture
def start_minion(stack, bus):
    def start(backend=None, heartbeat_s=10.0, agent_id=None, endpoint=None):
        minion = Minion(backend or FakeBackend(), endpoint or bus[0].endpoint, heartbeat_s, agent_id,
                        server_key=SERVER_KEYS.public)
        stack[0].append(minion)
        start_alone(minion)
        return minion
    return start


def results(recorder: Recorder, job_id: str | None = None) -> list[JobResult]:
    return [env.body for env in recorder.envelopes("job_result")
            if job_id is None or env.body.job_id == job_id]


def sent_total(minion: Minion) -> int:
    stats = minion.stats
    return stats["heartbeats_sent"] + stats["cluster_heartbeats_sent"] + stats["results_sent"]


def connected(minion: Minion, recorder: Recorder) -> None:
    """Wait for a first heartbeat, so the ROUTER knows the agent and jobs can be sent to it."""
    wait_until(lambda: recorder.envelopes("server_heartbeat", minion.agent_id),
               what=f"a heartbeat from {minion.agent_id}")


def job(job_id: str, function: str = "echo", args: dict | None = None,
        deadline: float = FAR_FUTURE, incarnation: str | None = None) -> Job:
    return Job(job_id=job_id, function=function, args=args or {}, deadline=deadline,
               incarnation=incarnation)


# ---- heartbeats -------------------------------------------------------------------------------

def test_first_heartbeats_come_at_once_with_the_right_kinds_sender_and_bodies(bus, start_minion):
    server, recorder = bus
    backend = FakeBackend()
    minion = start_minion(backend, heartbeat_s=30.0)  # a first beat long before the period
    wait_until(lambda: recorder.envelopes("cluster_heartbeat"), timeout_s=3)
    [(agent_id, beat), (_, cluster)] = recorder.calls
    assert agent_id == minion.agent_id == backend.fqdn
    assert (beat.kind, beat.sender) == ("server_heartbeat", backend.fqdn)
    assert beat.body == ServerHeartbeat(**backend.server_heartbeat(), incarnation=minion.incarnation)
    assert (cluster.kind, cluster.sender) == ("cluster_heartbeat", backend.fqdn)
    assert cluster.body == ClusterHeartbeat(**backend.clusters[0])
    assert abs(beat.sent_at - time.time()) < 5


def test_heartbeats_repeat_every_period(bus, start_minion):
    _, recorder = bus
    start_minion(FakeBackend(clusters=0), heartbeat_s=0.05)
    wait_until(lambda: len(recorder.envelopes("server_heartbeat")) >= 4)
    assert recorder.envelopes("cluster_heartbeat") == []


class WatchingBackend(FakeBackend):
    """A backend that reports a moved cluster between beats, once per `moved` call."""

    watch_s = 0.05

    def __init__(self):
        super().__init__()
        self.pending: list[dict] = []
        self.watch_calls = 0

    def moved(self, osd_epoch: int) -> None:
        with self._lock:
            self.pending.append({"fsid": FSID, "name": "ceph", "versions": {"osd_map": osd_epoch}})

    def changed_cluster_heartbeats(self) -> list[dict]:
        with self._lock:
            self.watch_calls += 1
            out, self.pending = self.pending, []
        return out


def test_a_watching_backend_sends_a_cluster_heartbeat_as_soon_as_the_cluster_moves(bus, start_minion):
    _, recorder = bus
    backend = WatchingBackend()
    start_minion(backend, heartbeat_s=60.0)   # no second periodic beat during the test
    wait_until(lambda: recorder.envelopes("cluster_heartbeat"))
    wait_until(lambda: backend.watch_calls >= 3, what="the watch loop polling")
    assert len(recorder.envelopes("cluster_heartbeat")) == 1   # nothing moved: nothing sent
    backend.moved(13)
    moved = wait_until(lambda: [e for e in recorder.envelopes("cluster_heartbeat")
                                if e.body.versions == {"osd_map": 13}], timeout_s=2)
    assert len(moved) == 1
    assert len(recorder.envelopes("server_heartbeat")) == 1


def test_a_dark_watching_backend_sends_nothing_between_beats(bus, start_minion):
    _, recorder = bus
    backend = WatchingBackend()
    start_minion(backend, heartbeat_s=60.0)
    wait_until(lambda: recorder.envelopes("cluster_heartbeat"))
    backend.dark = True
    backend.moved(14)
    with pytest.raises(WaitTimeout):
        wait_until(lambda: len(recorder.envelopes("cluster_heartbeat")) > 1, timeout_s=0.5)
    assert backend.pending   # not even asked while dark


def test_an_explicit_agent_id_is_the_sender(bus, start_minion):
    _, recorder = bus
    start_minion(FakeBackend(), heartbeat_s=10.0, agent_id="agent-7")
    wait_until(lambda: recorder.calls)
    assert {call[0] for call in recorder.calls} == {"agent-7"}
    assert {env.sender for env in recorder.envelopes()} == {"agent-7"}


def test_a_failing_backend_skips_beats_and_the_loop_lives_on(bus, start_minion):
    _, recorder = bus
    backend = FakeBackend()
    backend.fail_beats = True
    minion = start_minion(backend, heartbeat_s=0.02)
    wait_until(lambda: minion.stats["heartbeat_errors"] >= 3)
    assert recorder.calls == []
    backend.fail_beats = False
    wait_until(lambda: recorder.envelopes("server_heartbeat"))


def test_a_backend_returning_bad_fields_skips_the_beat(bus, start_minion):
    _, recorder = bus
    backend = FakeBackend()
    backend.clusters = [{"fsid": FSID, "name": "ceph", "versions": {}, "surprise": 1}]
    minion = start_minion(backend, heartbeat_s=0.02)
    wait_until(lambda: minion.stats["heartbeat_errors"] >= 2)
    assert recorder.calls == []


# ---- jobs -------------------------------------------------------------------------------------

def test_job_round_trip_success(bus, start_minion):
    server, recorder = bus
    minion = start_minion(FakeBackend())
    connected(minion, recorder)
    server.send(minion.agent_id, job("j1", args={"fsid": FSID, "sync_type": "osd_map"}))
    wait_until(lambda: results(recorder))
    [result] = results(recorder)
    assert result == JobResult("j1", True, result={"echo": {"fsid": FSID, "sync_type": "osd_map"}})
    assert recorder.envelopes("job_result")[0].sender == minion.agent_id
    assert (minion.stats["jobs_succeeded"], minion.stats["results_sent"]) == (1, 1)


def test_a_job_addressed_to_an_earlier_run_is_refused_at_once_and_not_run(bus, start_minion):
    server, recorder = bus
    backend = FakeBackend()
    minion = start_minion(backend)
    connected(minion, recorder)
    server.send(minion.agent_id, job("for-the-old-run", incarnation="an-earlier-run"))
    server.send(minion.agent_id, job("for-this-run", incarnation=minion.incarnation))
    server.send(minion.agent_id, job("unstamped"))   # the manager did not know the run yet
    wait_until(lambda: len(results(recorder)) == 3)
    [refused] = results(recorder, "for-the-old-run")
    assert (refused.success, refused.error["type"]) == (False, "AgentRestarted")
    assert refused.error["message"].startswith(f"The agent on server {minion.agent_id} restarted")
    assert refused.error["message"].endswith("addressed to an earlier run of this agent; not run")
    assert [r.success for r in results(recorder, "for-this-run") + results(recorder, "unstamped")] == [True, True]
    assert len(backend.jobs) == 2
    assert minion.stats["jobs_refused"] == 1


@pytest.mark.parametrize("function, error_type, message", [
    ("fail", "JobError", "pool 'rbd' does not exist"),
    ("crash", "ZeroDivisionError", "division by zero"),
    ("no_such_function", "UnknownFunction", "no_such_function"),
    ("unencodable", "TypeError", "can not serialize 'set' object"),
])
def test_job_failure_is_reported_with_a_structured_error(bus, start_minion, function, error_type,
                                                         message):
    server, recorder = bus
    minion = start_minion(FakeBackend())
    connected(minion, recorder)
    server.send(minion.agent_id, job("j1", function))
    wait_until(lambda: results(recorder))
    [result] = results(recorder)
    assert result == JobResult("j1", False, error={"type": error_type, "message": message})
    assert minion.stats["jobs_failed"] == 1


def test_job_latency_delays_the_answer_without_blocking_the_loop(bus, start_minion):
    server, recorder = bus
    backend = FakeBackend(clusters=0)
    backend.job_latency_s = 0.4
    minion = start_minion(backend, heartbeat_s=0.05)
    connected(minion, recorder)
    beats_before = len(recorder.envelopes("server_heartbeat"))
    sent_at = time.monotonic()
    server.send(minion.agent_id, job("j1"))
    server.send(minion.agent_id, job("j2"))
    wait_until(lambda: len(results(recorder)) == 2)
    elapsed = time.monotonic() - sent_at
    assert elapsed >= 0.4
    assert elapsed < 0.8, "two jobs with latency ran one after the other"
    assert len(recorder.envelopes("server_heartbeat")) - beats_before >= 3, "beats stalled"


def test_a_job_past_its_deadline_is_skipped(bus, start_minion):
    server, recorder = bus
    backend = FakeBackend()
    minion = start_minion(backend)
    connected(minion, recorder)
    server.send(minion.agent_id, job("late", deadline=time.time() - 1))
    server.send(minion.agent_id, job("on-time"))
    wait_until(lambda: results(recorder))
    assert [r.job_id for r in results(recorder)] == ["on-time"]
    assert [call[0] for call in backend.jobs] == ["echo"]
    assert (minion.stats["jobs_received"], minion.stats["jobs_expired"]) == (2, 1)


def test_a_job_whose_deadline_passes_during_latency_is_skipped(bus, start_minion):
    server, recorder = bus
    backend = FakeBackend()
    backend.job_latency_s = 0.2
    minion = start_minion(backend)
    connected(minion, recorder)
    server.send(minion.agent_id, job("short", deadline=time.time() + 0.1))
    wait_until(lambda: minion.stats["jobs_expired"] == 1)
    assert backend.jobs == []


# ---- dark -------------------------------------------------------------------------------------

def test_a_dark_backend_suppresses_everything_then_resumes(bus, start_minion):
    server, recorder = bus
    backend = FakeBackend()
    minion = start_minion(backend, heartbeat_s=0.03)
    connected(minion, recorder)
    backend.dark = True
    wait_until(lambda: minion.stats["beats_suppressed"] >= 1)
    # Everything sent before going dark has arrived; from now on nothing may.
    arrived = wait_until(lambda: sent_total(minion) == len(recorder.calls) and len(recorder.calls))
    beats = len(recorder.envelopes("server_heartbeat"))
    server.send(minion.agent_id, job("in-the-dark"))
    wait_until(lambda: minion.stats["results_suppressed"] == 1)
    suppressed = minion.stats["beats_suppressed"]
    wait_until(lambda: minion.stats["beats_suppressed"] >= suppressed + 3)
    assert len(recorder.calls) == arrived
    assert backend.jobs == [("echo", {})]  # the job ran; only its answer was lost
    backend.dark = False
    wait_until(lambda: len(recorder.envelopes("server_heartbeat")) > beats)
    assert results(recorder) == []


# ---- authentication ------------------------------------------------------------------------------

def test_a_refused_agent_tries_again_until_it_is_let_in(stack):
    gate, recorder = TestGate(), Recorder()
    server = bus_server("tcp://127.0.0.1:0", recorder, gate)
    stack[1].append(server)
    server.start()
    minion = Minion(FakeBackend(clusters=0), server.endpoint, heartbeat_s=0.05, server_key=SERVER_KEYS.public)
    gate.refused.add(minion.keys.public)
    stack[0].append(minion)
    start_alone(minion)
    wait_until(lambda: gate.handshakes.count(minion.keys.public) >= 2, what="a second attempt")
    assert minion.stats["handshakes_refused"] >= 1 and not recorder.calls
    gate.refused.clear()                          # an operator accepts the key
    wait_until(lambda: recorder.envelopes("server_heartbeat", minion.agent_id), what="a heartbeat")


def test_an_agent_with_the_wrong_manager_key_says_so(bus, stack):
    server, recorder = bus
    minion = Minion(FakeBackend(clusters=0), server.endpoint, heartbeat_s=0.05,
                    server_key=new_keypair().public)
    stack[0].append(minion)
    start_alone(minion)
    wait_until(lambda: minion.stats["handshakes_failed"] >= 1)
    assert not recorder.calls


# ---- the wire, from the agent's side ----------------------------------------------------------

def test_garbage_and_unexpected_kinds_from_the_manager_are_dropped():
    ctx = zmq.Context()
    router, port = curve_router(ctx)
    minion = Minion(FakeBackend(), f"tcp://127.0.0.1:{port}", heartbeat_s=10.0, server_key=SERVER_KEYS.public)
    try:
        start_alone(minion)
        assert router.poll(5000)
        agent = router.recv_multipart()[0]
        beat = ServerHeartbeat(**FakeBackend().server_heartbeat())
        router.send_multipart([agent, b"junk"])
        router.send_multipart([agent, *protocol.encode(beat, sender="manager")])
        router.send_multipart([agent, *protocol.encode(job("j1"), sender="manager")])
        env = None
        while env is None or env.kind != "job_result":
            assert router.poll(5000), "should have received the job result"
            env = protocol.decode(router.recv_multipart()[1:])
        assert env.body == JobResult("j1", True, result={"echo": {}})
        stats = minion.stats
        assert (stats["dropped_malformed"], stats["dropped_unexpected"]) == (1, 1)
    finally:
        router.close(linger=0)
        minion.stop()
        ctx.term()


def test_the_agent_reconnects_when_a_new_server_binds_the_same_port(bus, stack, start_minion):
    servers = stack[1]
    old_server, old_recorder = bus
    minion = start_minion(FakeBackend(clusters=0), heartbeat_s=0.05)
    connected(minion, old_recorder)
    old_server.stop()
    restarted_at = time.time()
    recorder = Recorder()
    new_server = bus_server(old_server.endpoint, recorder)
    servers.append(new_server)
    new_server.start()
    assert new_server.endpoint == old_server.endpoint
    wait_until(lambda: [e for e in recorder.envelopes("server_heartbeat") if e.sent_at > restarted_at])
    new_server.send(minion.agent_id, job("after-restart"))
    wait_until(lambda: results(recorder, "after-restart"))


def test_with_no_manager_messages_are_dropped_not_queued_without_bound(stack):
    probe = bus_server("tcp://127.0.0.1:0", Recorder())
    probe.start()
    endpoint = probe.endpoint  # a port nobody listens on any more
    probe.stop()
    minion = Minion(FakeBackend(clusters=0), endpoint, heartbeat_s=0.002, server_key=SERVER_KEYS.public)
    stack[0].append(minion)
    start_alone(minion)
    wait_until(lambda: minion.stats["send_dropped"] >= 5)
    recorder = Recorder()
    server = bus_server(endpoint, recorder)
    stack[1].append(server)
    bound_at = time.time()
    server.start()
    wait_until(lambda: [e for e in recorder.envelopes() if e.sent_at > bound_at])
    stale = [e for e in recorder.envelopes() if e.sent_at <= bound_at]
    assert len(stale) <= SNDHWM


# ---- AgentHost --------------------------------------------------------------------------------

def test_a_host_of_200_minions_beats_from_all_of_them_with_spread_first_beats(bus, stack):
    server, recorder = bus
    period = 0.5
    host = AgentHost(server.endpoint, server_key=SERVER_KEYS.public, seed=42)
    stack[0].append(host)
    for n in range(200):
        host.add(FakeBackend(f"node{n:03}.example.com", clusters=0), heartbeat_s=period)
    host.start()
    expected = {m.agent_id for m in host.minions}
    first_seen: dict[str, float] = {}

    def all_beat():
        for agent_id, env in recorder.calls:
            first_seen.setdefault(agent_id, env.sent_at)
        return set(first_seen) >= expected

    # How fast 200 handshakes go is the benches' business (a loaded CI machine is slow): the
    # deadline only bounds a hang.
    try:
        wait_until(all_beat, timeout_s=30)
    except WaitTimeout:
        pytest.fail(f"no heartbeat from {len(expected - set(first_seen))} minions")
    assert set(first_seen) == expected
    spread = max(first_seen.values()) - min(first_seen.values())
    assert spread > 0.4 * period, f"first beats came in lockstep (spread {spread:.3f}s)"


def test_a_host_routes_each_job_to_its_minion(bus, stack):
    server, recorder = bus
    host = AgentHost(server.endpoint, server_key=SERVER_KEYS.public)
    stack[0].append(host)
    backends = [FakeBackend(f"node{n}", clusters=0) for n in range(3)]
    minions = [host.add(backend, heartbeat_s=0.05) for backend in backends]
    host.start()
    for minion in minions:
        connected(minion, recorder)
    server.send("node1", job("j1", args={"to": "node1"}))
    wait_until(lambda: results(recorder))
    assert [env.sender for env in recorder.envelopes("job_result")] == ["node1"]
    assert [b.jobs for b in backends] == [[], [("echo", {"to": "node1"})], []]


def test_minions_can_be_added_to_and_removed_from_a_running_host(bus, stack):
    server, recorder = bus
    host = AgentHost(server.endpoint, server_key=SERVER_KEYS.public)
    stack[0].append(host)
    staying = host.add(FakeBackend("staying", clusters=0), heartbeat_s=0.02)
    host.start()
    late = host.add(FakeBackend("late", clusters=0), heartbeat_s=0.02)
    connected(late, recorder)
    late.stop()  # on a shared host: closes just this minion
    assert host.minions == [staying]
    count = len(recorder.envelopes(sender="late"))
    seen = len(recorder.envelopes(sender="staying"))
    wait_until(lambda: len(recorder.envelopes(sender="staying")) >= seen + 3)
    assert len(recorder.envelopes(sender="late")) <= count + 1  # at most one already in flight


def test_duplicate_agent_ids_on_one_host_are_refused():
    host = AgentHost("tcp://127.0.0.1:1", server_key=SERVER_KEYS.public)
    host.add(FakeBackend("same"))
    with pytest.raises(ValueError):
        host.add(FakeBackend("same"))
    host.stop()


def test_a_bad_endpoint_fails_start_and_leaves_nothing_running():
    host = AgentHost("tcp://no-port-here", server_key=SERVER_KEYS.public)
    host.add(FakeBackend())
    with pytest.raises(zmq.ZMQError):
        host.start()


def test_clean_stop_leaves_no_extra_threads(bus):
    server, recorder = bus
    before = set(threading.enumerate())
    host = AgentHost(server.endpoint, server_key=SERVER_KEYS.public)
    minions = [host.add(FakeBackend(f"node{n}"), heartbeat_s=0.05) for n in range(10)]
    host.start()
    connected(minions[0], recorder)
    server.send(minions[0].agent_id, job("j1"))
    wait_until(lambda: results(recorder))
    assert len(set(threading.enumerate()) - before) >= 2  # the loop thread and pool workers
    host.stop()
    assert set(threading.enumerate()) - before == set()
    lone = Minion(FakeBackend("lone"), server.endpoint, server_key=SERVER_KEYS.public)
    start_alone(lone)
    connected(lone, recorder)
    lone.stop()
    assert set(threading.enumerate()) - before == set()


def test_raise_open_files_limit_raises_the_soft_limit_up_to_the_hard_one():
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    try:
        assert raise_open_files_limit(1) == soft  # never lowers
        if hard == resource.RLIM_INFINITY or soft < hard:
            assert raise_open_files_limit(soft + 1) == soft + 1
            assert resource.getrlimit(resource.RLIMIT_NOFILE)[0] == soft + 1
        if hard != resource.RLIM_INFINITY:
            assert raise_open_files_limit(hard + 10) == hard
    finally:
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))


class BlockingBackend(FakeBackend):
    """`block` jobs wait until cancel_job is called (a running job the backend can stop)."""

    def __init__(self):
        super().__init__()
        self.gate = threading.Event()
        self.cancelled: list[str] = []

    def run_job(self, function: str, args: dict):
        if function == "block":
            with self._lock:
                self._jobs.append((function, args))
            self.gate.wait(10)
            return None
        return super().run_job(function, args)

    def cancel_job(self, job_id: str) -> bool:
        self.cancelled.append(job_id)
        self.gate.set()
        return True


def test_cancel_stops_a_running_job_and_a_queued_one_never_starts(bus, start_minion):
    server, recorder = bus
    backend = BlockingBackend()
    minion = start_minion(backend)          # a private host: two job threads
    connected(minion, recorder)
    for job_id in ("j1", "j2", "j3"):
        server.send(minion.agent_id, job(job_id, "block", {"n": job_id}))
    wait_until(lambda: len(backend.jobs) == 2)          # j1 and j2 run, j3 waits for a thread
    server.send(minion.agent_id, job("c3", "cancel_job", {"job_id": "j3"}))
    server.send(minion.agent_id, job("c1", "cancel_job", {"job_id": "j1"}))
    wait_until(lambda: len(results(recorder)) == 5)
    by_id = {r.job_id: r for r in results(recorder)}
    assert by_id["c3"].result == {"stopped": False} and by_id["c1"].result == {"stopped": True}
    assert backend.cancelled == ["j1"]
    assert by_id["j3"].success is False and by_id["j3"].error["type"] == "Cancelled"
    assert [args["n"] for _, args in backend.jobs] == ["j1", "j2"]     # j3 never reached the backend
