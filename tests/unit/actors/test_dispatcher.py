"""The dispatch parts (actors/dispatch/): jobs are stamped with the incarnation of the agent they
address, and an agent's new incarnation fails at once the jobs its previous run held; servers are
ticked in turns; a cluster's read cache is shared and withdrawn (fake bus, fake clock)."""
from __future__ import annotations

from concurrent.futures import Future

import pytest

from actors.cluster.queries import Query
from actors.context import Timings
from actors.dispatch.dispatcher import build_dispatcher
from actors.dispatch.jobs import JobBook
from actors.dispatch.registry import ActorRegistry
from actors.dispatch.ticks import Ticks
from actors.messages import JobCompleted
from bus.protocol import Envelope, Job, JobResult, ServerHeartbeat
from tests.unit.actor_doubles import Recorder

NOW = 1_000.0


class World:
    def __init__(self):
        self.sink = Recorder.start()
        self.sent: list[tuple[str, Job]] = []
        self.dispatcher = build_dispatcher(store=self.sink, eventer=self.sink, directory=self.sink,
                                           timings=Timings(), clock=lambda: NOW,
                                           send=lambda agent_id, body: self.sent.append((agent_id, body)))

    def beat(self, agent_id: str, incarnation: str | None, sent_at: float) -> None:
        body = ServerHeartbeat(agent_id, agent_id, 1.0, "17.2.0", [], {}, incarnation)
        self.dispatcher.on_message(agent_id, Envelope("server_heartbeat", agent_id, sent_at, body))

    def job(self, agent_id: str, reply_to=None) -> tuple[str, Future]:
        """(the job id, the Future its result completes); reply_to an actor instead if given."""
        future = Future()
        job_id = self.dispatcher.send_job(agent_id, "rados_commands", {}, reply_to or future, 60.0)
        return job_id, future

    def stamp(self, job_id: str) -> str | None:
        [job] = [job for _, job in self.sent if job.job_id == job_id]
        return job.incarnation


@pytest.fixture
def world():
    return World()


def restarted(job_id: str, agent_id: str) -> JobResult:
    return JobResult(job_id, False, None, {
        "type": "AgentRestarted",
        "message": f"The agent on server {agent_id} restarted while the command was running; "
                   f"check the cluster to see whether it was applied"})


def test_a_new_incarnation_fails_at_once_the_old_runs_jobs_of_that_agent_only(world):
    world.beat("node1", "run-1", sent_at=1.0)
    world.beat("node2", "other-1", sent_at=1.0)
    synchronous, sync_future = world.job("node1")
    requester = Recorder.start()
    by_actor, _ = world.job("node1", reply_to=requester)
    elsewhere, elsewhere_future = world.job("node2")
    assert [world.stamp(j) for j in (synchronous, by_actor, elsewhere)] == ["run-1", "run-1", "other-1"]

    world.beat("node1", "run-2", sent_at=2.0)
    assert sync_future.result(0) == restarted(synchronous, "node1")
    [told] = requester.ask("dump")
    assert isinstance(told, JobCompleted) and told.result == restarted(by_actor, "node1")
    assert not elsewhere_future.done()
    after, after_future = world.job("node1")
    assert world.stamp(after) == "run-2" and not after_future.done()


def test_a_delayed_heartbeat_of_the_old_run_does_not_switch_back(world):
    world.beat("node1", "run-1", sent_at=1.0)
    world.beat("node1", "run-2", sent_at=3.0)
    job_id, future = world.job("node1")
    world.beat("node1", "run-1", sent_at=2.0)   # sent before run-2's beat, arrived after it
    assert not future.done()
    assert world.stamp(job_id) == world.stamp(world.job("node1")[0]) == "run-2"


def test_learning_an_incarnation_fails_nothing(world):
    unstamped, unstamped_future = world.job("node1")   # before any heartbeat: to no run in particular
    world.beat("node1", None, sent_at=1.0)              # an agent that predates incarnations
    world.beat("node1", "run-1", sent_at=2.0)
    stamped, stamped_future = world.job("node1")
    world.beat("node1", "run-1", sent_at=3.0)           # the same run again
    assert world.stamp(unstamped) is None and world.stamp(stamped) == "run-1"
    assert not unstamped_future.done() and not stamped_future.done()


def ticks_of(servers: dict, heartbeat_s: float) -> Ticks:
    registry = ActorRegistry()
    for fqdn, ref in servers.items():                        # as heartbeats would have made them
        registry.put_server(fqdn, ref)
    return Ticks(registry, JobBook(None), None, heartbeat_s)


def test_servers_are_ticked_in_turns_each_once_per_half_heartbeat_period():
    from actors.messages import Tick
    servers = {f"node{i}": Recorder.start() for i in range(10)}
    ticks = ticks_of(servers, heartbeat_s=10.0)
    for second in range(11):                 # the first tick reaches all, then 2 servers each
        ticks.tick(NOW + second)
    ticks = {fqdn: [m.now - NOW for m in ref.ask("dump") if isinstance(m, Tick)] for fqdn, ref in servers.items()}
    assert all(times[0] == 0 for times in ticks.values())
    later = {fqdn: times[1:] for fqdn, times in ticks.items()}
    assert all(len(times) == 2 for times in later.values()), ticks
    assert all(b - a == 5 for times in later.values() for a, b in zip(times, times[1:])), ticks
    for ref in servers.values():
        ref.stop()


def test_with_a_short_heartbeat_every_server_is_ticked_every_time():
    from actors.messages import Tick
    servers = {f"node{i}": Recorder.start() for i in range(3)}
    ticks = ticks_of(servers, heartbeat_s=0.5)
    for second in range(3):
        ticks.tick(NOW + second)
    assert all(len([m for m in ref.ask("dump") if isinstance(m, Tick)]) == 3 for ref in servers.values())


def test_a_new_cluster_shares_its_read_cache_and_forgetting_it_withdraws_it(world):
    from bus.protocol import ClusterHeartbeat
    body = ClusterHeartbeat("fsid-1", "ceph", {"osd_map": 1})
    world.dispatcher.on_message("mon1", Envelope("cluster_heartbeat", "mon1", 1.0, body))
    cache = world.dispatcher.query_cache("fsid-1")
    assert cache is not None and cache.published_answer(Query.OSD, {"osd_id": 0}) is None
    assert world.dispatcher.forget_cluster("fsid-1") is True
    assert world.dispatcher.query_cache("fsid-1") is None
