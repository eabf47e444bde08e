"""An agent with several manager endpoints (high availability): it stays with the one that
acknowledges, moves on when that one goes silent, and refuses jobs of an older lease term.
Pure state first (agent/failover.py), then minions against real BusServers on 127.0.0.1."""
from __future__ import annotations

import logging
import socket
import time

import pytest

from agent.failover import SILENT_BEATS, Failover, Terms, parse_endpoints
from agent.host import start_alone
from agent.minion import Minion
from bus.protocol import Job
from bus.server import BusServer
from tests.bus_helpers import SERVER_KEYS, TestGate, curve_router
from tests.helpers import Recorder, WaitTimeout, wait_until
from tests.unit.agent.fakes import FakeBackend

pytestmark = [pytest.mark.timeout(30), pytest.mark.usefixtures("no_thread_leak")]

BEAT_S = 0.2   # short periods keep these tests fast: silence is noticed after 0.6 s
FAR_FUTURE = 4e9


def results(recorder: Recorder, job_id: str) -> list:
    return [env.body for env in recorder.envelopes("job_result") if env.body.job_id == job_id]


# ---- pure state -------------------------------------------------------------------------------

def test_endpoints_parse_from_a_comma_separated_list_or_a_sequence():
    assert parse_endpoints("tcp://a:1") == ("tcp://a:1",)
    assert parse_endpoints(" tcp://a:1 , tcp://b:2") == ("tcp://a:1", "tcp://b:2")
    assert parse_endpoints(["tcp://a:1", "tcp://b:2"]) == ("tcp://a:1", "tcp://b:2")
    for bad in ("", "tcp://a:1,", "tcp://a:1,tcp://a:1", []):
        with pytest.raises(ValueError):
            parse_endpoints(bad)


def test_failover_moves_round_robin_only_after_silence_while_beating():
    failover = Failover(("a", "b", "c"), heartbeat_s=1.0)
    failover.connected(0.0)
    assert not failover.should_move(10.0), "nothing sent, nothing to blame the manager for"
    failover.beat_sent()
    assert not failover.should_move(SILENT_BEATS - 0.01)
    assert failover.should_move(SILENT_BEATS)
    failover.answered(SILENT_BEATS)
    assert not failover.should_move(SILENT_BEATS + 1)
    failover.beat_sent()
    assert failover.should_move(2 * SILENT_BEATS)
    assert [failover.move(t) for t in (10, 20, 30)] == ["b", "c", "a"]
    assert not failover.should_move(30 + SILENT_BEATS), "a new connection starts with no beat owed"


def test_a_dropped_connection_moves_at_once_and_a_new_one_starts_afresh():
    failover = Failover(("a", "b"), heartbeat_s=10.0)
    failover.connected(0.0)
    failover.lost()
    assert failover.was_lost and failover.should_move(0.1), "no beat owed, no silence: the drop says it"
    assert failover.move(0.2) == "b" and not failover.was_lost and not failover.should_move(0.3)
    failover.lost()
    failover.answered(1.0)   # it came back (its bus restarted) and answered: stay
    assert not failover.should_move(1.1)
    alone = Failover(("a",), heartbeat_s=10.0)
    alone.lost()
    assert not alone.should_move(100.0)


def test_a_single_endpoint_never_moves():
    failover = Failover(("a",), heartbeat_s=1.0)
    failover.connected(0.0)
    failover.beat_sent()
    assert not failover.should_move(1e6)


def test_terms_only_go_up_and_refuse_what_is_older():
    terms = Terms()
    assert terms.admits(0) and terms.max_term == 0      # no HA: term 0 runs as always
    assert terms.ack(3) and terms.max_term == 3
    assert not terms.admits(2) and not terms.admits(0)
    assert not terms.ack(2) and terms.max_term == 3
    assert terms.admits(3) and terms.admits(4) and terms.max_term == 4
    assert not terms.still_current(3) and terms.still_current(4)


# ---- minions against real bus servers ---------------------------------------------------------

class Fence:
    """A lease double: fence() answers `term` (None: deposed)."""

    def __init__(self, term: int | None):
        self.term = term

    def __call__(self) -> int | None:
        return self.term


class RecordingBackend(FakeBackend):
    """Records the term of each job it runs, as the simulator does (record_job_run)."""

    def __init__(self):
        super().__init__(clusters=0)
        self.terms_run: list[tuple[str, int]] = []

    def record_job_run(self, job_id: str, function: str, term: int) -> None:
        with self._lock:
            self.terms_run.append((job_id, term))


def free_endpoint() -> str:
    """An endpoint nobody listens on (a manager that is down)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return f"tcp://127.0.0.1:{probe.getsockname()[1]}"


@pytest.fixture
def stack():
    """(servers, minions) started by a test, all stopped at teardown, minions first."""
    servers, minions = [], []
    yield servers, minions
    for minion in minions:
        minion.stop()
    for server in servers:
        server.stop()


def manager(stack, fence=None, endpoint="tcp://127.0.0.1:0") -> tuple[BusServer, Recorder]:
    recorder = Recorder()
    server = BusServer(endpoint, recorder, keys=SERVER_KEYS, gate=TestGate(), fence=fence)
    stack[0].append(server)
    server.start()
    return server, recorder


def agent(stack, endpoints, backend=None, heartbeat_s=BEAT_S) -> Minion:
    minion = Minion(backend or RecordingBackend(), endpoints, heartbeat_s,
                    server_key=SERVER_KEYS.public)
    stack[1].append(minion)
    start_alone(minion)
    return minion


def beats_at(recorder: Recorder, since: float = 0.0) -> list:
    return [e for e in recorder.envelopes("server_heartbeat") if e.sent_at > since]


def test_an_agent_finds_the_live_manager_behind_a_dead_endpoint_and_stays(stack, caplog):
    caplog.set_level(logging.INFO, logger="agent.minion")
    dead = free_endpoint()
    live, recorder = manager(stack, Fence(1))
    minion = agent(stack, f"{dead},{live.endpoint}")
    assert minion.endpoints == (dead, live.endpoint) and minion.endpoint == dead
    wait_until(lambda: beats_at(recorder), timeout_s=5, what="heartbeats at the live manager")
    assert minion.endpoint == live.endpoint and minion.stats["endpoint_moves"] == 1
    assert any(f"no answer from {dead} for " in r.getMessage() and f"trying {live.endpoint}" in r.getMessage()
               for r in caplog.records)
    wait_until(lambda: minion.stats["acks_received"] >= 3 and minion.max_term == 1)
    with pytest.raises(WaitTimeout):   # acknowledged: it stays
        wait_until(lambda: minion.stats["endpoint_moves"] > 1, timeout_s=SILENT_BEATS * BEAT_S * 2)


@pytest.mark.parametrize("how", ["stopped", "deposed"])
def test_an_agent_moves_to_the_other_manager_when_its_own_goes_silent(stack, how):
    first_fence = Fence(1)
    first, first_recorder = manager(stack, first_fence)
    second, second_recorder = manager(stack, Fence(2))
    minion = agent(stack, [first.endpoint, second.endpoint])
    wait_until(lambda: minion.stats["acks_received"] >= 2, what="acks from the first manager")
    assert minion.endpoint == first.endpoint and not second_recorder.calls
    silent_at = time.time()
    if how == "stopped":
        first.stop()
    else:
        first_fence.term = None   # the lease is gone: no ack, and no job either
    wait_until(lambda: beats_at(second_recorder, silent_at), timeout_s=5, what="beats at the second")
    took_s = time.time() - silent_at
    # silence is noticed at the first beat SILENT_BEATS periods after the last ack (a period at
    # most later), then the new connection's handshake; generous for a loaded machine
    assert took_s < (SILENT_BEATS + 2) * BEAT_S + 1.0, took_s
    assert minion.endpoint == second.endpoint and minion.stats["endpoint_moves"] == 1
    wait_until(lambda: minion.max_term == 2)
    second.send(minion.agent_id, Job("after-move", "echo", {}, FAR_FUTURE))
    wait_until(lambda: results(second_recorder, "after-move"))
    assert minion.backend.terms_run == [("after-move", 2)]


def test_an_agent_whose_manager_closes_the_connection_moves_before_the_silence_is_out(stack, caplog):
    caplog.set_level(logging.INFO, logger="agent.minion")
    beat_s = 1.0   # silence would take 3 s; the dropped connection is acted on at the next beat
    first, _ = manager(stack, Fence(1))
    second, second_recorder = manager(stack, Fence(2))
    minion = agent(stack, [first.endpoint, second.endpoint], heartbeat_s=beat_s)
    wait_until(lambda: minion.stats["acks_received"] >= 1, what="an ack from the first manager")
    stopped_at = time.time()
    first.stop()   # its process died, or it stepped down: the TCP connection closes
    wait_until(lambda: beats_at(second_recorder, stopped_at), timeout_s=5, what="beats at the second")
    took_s = time.time() - stopped_at
    assert took_s < SILENT_BEATS * beat_s, took_s
    assert any(f"lost the connection to {first.endpoint}, trying {second.endpoint}" in r.getMessage()
               for r in caplog.records)


def test_a_job_of_an_older_term_than_one_acknowledged_is_refused_and_not_run(stack, caplog):
    caplog.set_level(logging.INFO, logger="agent.minion")
    fence = Fence(5)
    server, recorder = manager(stack, fence)
    minion = agent(stack, server.endpoint)
    wait_until(lambda: minion.max_term == 5, what="an ack of term 5")
    fence.term = 3   # a manager that does not know it was replaced (the double lets us fake it)
    server.send(minion.agent_id, Job("stale", "echo", {}, FAR_FUTURE))
    [result] = wait_until(lambda: results(recorder, "stale"))
    assert not result.success and result.error["type"] == "StaleTerm"
    assert "term 3" in result.error["message"] and "term 5" in result.error["message"]
    assert minion.backend.jobs == [] and minion.backend.terms_run == []
    assert minion.stats["jobs_refused_stale_term"] == 1 and minion.max_term == 5
    assert any("job stale (echo) refused: its term 3 is older than term 5" in r.getMessage()
               for r in caplog.records)
    fence.term = 5
    server.send(minion.agent_id, Job("current", "echo", {}, FAR_FUTURE))
    [result] = wait_until(lambda: results(recorder, "current"))
    assert result.success and minion.backend.terms_run == [("current", 5)]


def test_a_job_that_waited_while_a_newer_term_came_is_refused_before_it_runs(stack):
    fence = Fence(1)
    server, recorder = manager(stack, fence)
    backend = RecordingBackend()
    minion = agent(stack, server.endpoint, backend)
    wait_until(lambda: minion.max_term == 1)
    backend.job_latency_s = 5 * BEAT_S   # the job waits; beats (and acks) go on meanwhile
    server.send(minion.agent_id, Job("waiting", "echo", {}, FAR_FUTURE))
    wait_until(lambda: minion.stats["jobs_received"] == 1)
    fence.term = 2   # the next ack says term 2 before the job's turn comes
    [result] = wait_until(lambda: results(recorder, "waiting"), timeout_s=5)
    assert result.error["type"] == "StaleTerm" and backend.terms_run == []
    assert minion.stats["jobs_refused_stale_term"] == 1


def test_with_one_endpoint_an_agent_never_moves_even_without_acks(stack):
    server, recorder = manager(stack)   # no fence: a manager without HA never acknowledges
    minion = agent(stack, server.endpoint, heartbeat_s=0.05)
    wait_until(lambda: len(beats_at(recorder)) >= 4 * SILENT_BEATS, timeout_s=5)
    assert minion.stats["endpoint_moves"] == 0 and minion.stats["acks_received"] == 0
    assert minion.endpoint == server.endpoint


def test_a_lone_agent_with_a_list_reports_it_and_its_host_names_all(stack):
    one, two = free_endpoint(), free_endpoint()
    minion = agent(stack, [one, two])
    assert minion.owner.endpoint == f"{one},{two}" and minion.endpoint == one


def test_a_kind_from_a_newer_manager_is_dropped_and_counted_and_jobs_still_run():
    import zmq
    from bus import protocol
    from bus.protocol import JobResult
    ctx = zmq.Context()
    router, port = curve_router(ctx)
    minion = Minion(RecordingBackend(), f"tcp://127.0.0.1:{port}", heartbeat_s=10.0,
                    server_key=SERVER_KEYS.public)
    try:
        start_alone(minion)
        assert router.poll(5000)
        route = router.recv_multipart()[0]
        router.send_multipart([route, protocol.PROTOCOL_VERSION, protocol.packb(
            {"kind": "from_the_future", "sender": "manager", "sent_at": 1.0, "body": {"x": 1}})])
        router.send_multipart([route, *protocol.encode(Job("j1", "echo", {}, FAR_FUTURE), sender="manager")])
        env = None
        while env is None or env.kind != "job_result":
            assert router.poll(5000), "should have received the job result"
            env = protocol.decode(router.recv_multipart()[1:])
        assert env.body == JobResult("j1", True, result={"echo": {}})
        assert (minion.stats["dropped_unexpected"], minion.stats["dropped_malformed"]) == (1, 0)
    finally:
        router.close(linger=0)
        minion.stop()
        ctx.term()


def test_an_ack_naming_the_lease_gives_the_next_member_the_lease_to_take_over():
    failover = Failover(("tcp://a:1", "tcp://b:1"), heartbeat_s=0.5)
    failover.answered(0.0, lease_s=3.0)
    failover.beat_sent()
    failover.lost()                         # the active died: move at once...
    assert failover.should_move(0.1)
    failover.move(0.1)
    failover.beat_sent()
    assert not failover.should_move(0.1 + 3.0)      # ...and wait there until its lease ran out,
    assert failover.should_move(0.1 + 3.5)          # and a heartbeat more


def test_without_a_lease_in_the_acks_three_silent_beats_still_move():
    failover = Failover(("tcp://a:1", "tcp://b:1"), heartbeat_s=0.5)
    failover.answered(0.0)
    failover.beat_sent()
    assert not failover.should_move(1.4) and failover.should_move(1.5)
