"""Ingest benchmark: server heartbeats decoded, dispatched and applied to actor state, beside the
raw pyzmq+msgpack loop on the same frames, in one run (issue 7: goal >= 50,000 applied/s and
>= 0.5x the raw loop).

    python bench/ingest.py [--agents 2000] [--senders 1] [--seconds 3] [--plain] [--profile FILE]

The frames: one real ServerHeartbeat per agent, taken from simulated clusters (sim.model,
100 servers each, 10 OSDs a server: 10 services, 11 on the three mon hosts, ~1.4-3 KB) and
encoded once with bus.protocol.encode, sender = the agent's FQDN. Every agent has its own
CurveZMQ key pair and its own DEALER socket, as real agents do; the agents are split over
`--senders` processes (multiprocessing, spawn) that send round-robin over their agents, so each
agent's next heartbeat follows after all the others' and coalescing meets a realistic spread.

Phases, each with fresh sender processes on the same frames and keys, measured over `--seconds`
after a warm-up in which every agent sent one heartbeat and it arrived (ours: was applied):

  raw plain  (--plain)  a ROUTER, no encryption: recv_multipart + msgpack.unpackb per message.
  raw CURVE  the reference: the same loop on a CurveZMQ server socket (no ZAP handler, so
             no key check; the same per-message encryption as ours). The ratio uses this one.
  ours       the daemon's pieces in this process: build_daemon (SQLite in a temp dir,
             store, eventer, directory, dispatcher, tracker, ticker), the key ring with every
             agent key trusted (as run.py trusts its embedded simulator), BusServer with the key
             ring as its gate (CURVE + ZAP + flood guard + per-message key/sender check + decode),
             Dispatcher.on_message, one real ServerActor per agent (threaded or pooled, as the
             working tree has it). No web tier.

Counted in `ours`, over the window:
  received    bus `received` (every message the bus thread took off the socket)
  delivered   bus `delivered`: passed the flood guard and the gate, decoded, handed to the dispatcher
  dispatched  dispatcher stats `dispatched` (told to an actor, or dropped by the dispatcher)
  coalesced   dispatcher counter `heartbeats_coalesced`: replaced in its slot before the actor
              took it (latest wins). NOT counted as applied.
  applied     ServerActor.heartbeat calls that returned: the heartbeat became the actor's record
              and went on to the directory. There is no such counter in the daemon, so this
              bench wraps ServerActor.heartbeat in its own process (daemon code is unchanged).
The goal counts `applied`; the ratio is applied/s over the raw CURVE loop's received/s.

Flow control, the same in every phase: a sender may be at most `--window` messages (shared by
the senders) ahead of what the receiver has taken off its socket (a counter in shared memory the
receiver updates), so queues, and memory, stay bounded while the receiver is saturated; a larger
in-flight count only made the raw loop slower in trials (libzmq juggling thousands of pipes).
"Senders waited" is the share of the window the senders spent waiting for that credit: near 0
means the senders set the rate; near 100% means the receiving side (the process, or the
transport into it) does, and the senders' thread busy shares say how much headroom they had.

CPU: the receiving process's CPU seconds over the window (all its threads, including libzmq's
I/O thread that decrypts), split by thread from /proc/self/task, and per message: on a shared
machine the CPU per message moves less than the rates do.

--profile FILE runs py-spy on this process during the `ours` window, sampling only the thread
holding the GIL (--gil), writes the collapsed stacks to FILE and prints the top functions. The
sampler shares the two cores, so that run's rates are lower; measure rates without it.
"""
from __future__ import annotations

import argparse
import functools
import multiprocessing
import os
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import msgpack
import zmq

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from bus import protocol  # noqa: E402
from bus.curve import KeyPair, new_keypair  # noqa: E402

SERVERS_PER_CLUSTER = 100     # like the soak's fleet: one simulated cluster per 100 agents
LISTEN_BACKLOG = 4096         # as BusServer: thousands of agents connect at once
CREDIT_POLL_S = 0.0005        # a sender out of credit looks again this often
SEND_BATCH = 256              # messages a sender sends between looks at its credit
CREDIT_EVERY = 64             # the raw receiver publishes its count every this many messages
PUBLISH_EVERY_S = 0.002       # ours: the bus's received count is published this often
WARMUP_TIMEOUT_S = 120.0      # a loaded machine takes a while to connect thousands of agents
PROFILE_RATE = 200            # py-spy samples per second
GOAL_APPLIED_PER_S = 50_000
GOAL_RATIO = 0.5


# --- the fleet: frames and keys -------------------------------------------------------------------

@dataclass
class Fleet:
    ids: list[str]
    frames: list[list[bytes]]
    keys: list[KeyPair]
    services: list[int]


def build_fleet(agents: int, osds_per_server: int) -> Fleet:
    """One encoded ServerHeartbeat per agent from simulated clusters, and a key pair per agent.
    Distinct clusters (fsids) keep service keys unique, so the directory sees no service moving
    between servers."""
    from sim.model import SimCluster
    sent_at = time.time()   # one timestamp: equal sent_at is never "stale" to the dispatcher
    fleet = Fleet([], [], [], [])
    for index in range(-(-agents // SERVERS_PER_CLUSTER)):
        hosts = min(SERVERS_PER_CLUSTER, agents - index * SERVERS_PER_CLUSTER)
        cluster = SimCluster(index=index, seed=index, hosts=hosts, osds_per_host=osds_per_server)
        for fqdn in cluster.host_fqdns:
            heartbeat = protocol.ServerHeartbeat(**cluster.server_heartbeat(fqdn))
            fleet.ids.append(fqdn)
            fleet.frames.append(protocol.encode(heartbeat, sender=fqdn, sent_at=sent_at))
            fleet.keys.append(new_keypair())
            fleet.services.append(len(heartbeat.services))
    return fleet


# --- the sender processes ---------------------------------------------------------------------------

@dataclass
class SenderJob:
    """What one sender process gets (pickled to it)."""
    index: int
    senders: int
    endpoint: str
    server_public: str | None        # None: plain sockets
    frames: list[list[bytes]]
    keys: list[KeyPair]
    window: int


def sender_main(job: SenderJob, credit, go, stop, results) -> None:
    """Child process: connect one DEALER per agent, send each agent's heartbeat once (warm-up),
    then on `go` send round-robin within credit until `stop`; report (index, sent, seconds,
    waited, CPU seconds by kind of thread): a busy libzmq I/O thread here means the senders set
    the rate."""
    ctx = zmq.Context(io_threads=1)
    ctx.max_sockets = len(job.keys) + 16   # libzmq's default of 1023 would refuse a large fleet
    socks = [dealer(ctx, job, keys) for keys in job.keys]
    try:
        for sock, frames in zip(socks, job.frames):
            sock.send_multipart(frames)
        go.wait()
        started, cpu = time.perf_counter(), thread_cpu()
        sent, waited = pump(socks, job, credit, stop)
        used = thread_cpu()
        results.put((job.index, sent, time.perf_counter() - started, waited,
                     {kind: used[kind] - cpu.get(kind, 0.0) for kind in used}))
    finally:
        for sock in socks:
            sock.close(linger=0)
        ctx.term()


def dealer(ctx: zmq.Context, job: SenderJob, keys: KeyPair) -> zmq.Socket:
    sock = ctx.socket(zmq.DEALER)
    sock.setsockopt(zmq.LINGER, 0)
    if job.server_public is not None:
        sock.curve_serverkey = job.server_public.encode("ascii")
        sock.curve_publickey = keys.public.encode("ascii")
        sock.curve_secretkey = keys.secret.encode("ascii")
    sock.connect(job.endpoint)
    return sock


def pump(socks: list[zmq.Socket], job: SenderJob, credit, stop) -> tuple[int, float]:
    """Round-robin sends, never more than this sender's share of the window ahead of the
    receiver's count (`credit`, which includes the warm-up). Returns (sent after go, waited s)."""
    first = len(socks)   # the warm-up messages count against the credit too
    sent, waited, i, n = first, 0.0, 0, len(socks)
    while not stop.is_set():
        budget = (credit.value + job.window) // job.senders - sent
        if budget <= 0:
            began = time.perf_counter()
            time.sleep(CREDIT_POLL_S)
            waited += time.perf_counter() - began
            continue
        for _ in range(min(budget, SEND_BATCH)):
            try:   # NOBLOCK: a stopped receiver must not leave a sender stuck in send
                socks[i].send_multipart(job.frames[i], flags=zmq.NOBLOCK)
                sent += 1
            except zmq.Again:
                pass   # that agent's queue is full: its turn is skipped, like an agent's dropped beat
            i = i + 1 if i + 1 < n else 0
    return sent - first, waited


class Senders:
    """K sender processes over disjoint slices of the fleet, and their shared controls."""

    def __init__(self, fleet: Fleet, senders: int, endpoint: str, server_public: str | None, window: int):
        mp = multiprocessing.get_context("spawn")   # no zmq context or actor thread is inherited
        self.credit = mp.RawValue("q", 0)
        self.go, self.stop, self.results = mp.Event(), mp.Event(), mp.Queue()
        self.procs = []
        for index in range(senders):
            job = SenderJob(index, senders, endpoint, server_public, fleet.frames[index::senders],
                            fleet.keys[index::senders], window)
            proc = mp.Process(target=sender_main, args=(job, self.credit, self.go, self.stop, self.results),
                              name=f"ingest-sender-{index}", daemon=True)
            proc.start()
            self.procs.append(proc)

    def finish(self, timeout_s: float = 15.0) -> list[tuple]:
        """Stop the senders; the reports of those that answered (a sender that died has none)."""
        self.stop.set()
        self.go.set()    # a sender still in warm-up (a failed phase) must not wait forever
        reports = []
        for _ in self.procs:
            try:
                reports.append(self.results.get(timeout=timeout_s))
            except Exception:  # noqa: BLE001 - queue.Empty: that sender died; the rest still count
                break
        for proc in self.procs:
            proc.join(timeout_s)
            if proc.is_alive():
                proc.kill()
        return reports


# --- measuring the receiving process -------------------------------------------------------------------

def thread_cpu() -> Counter:
    """CPU seconds of this process's threads so far, by kind of thread (/proc/self/task)."""
    names = {t.native_id: t.name for t in threading.enumerate()}
    tick = os.sysconf("SC_CLK_TCK")
    groups: Counter = Counter()
    for tid in os.listdir("/proc/self/task"):
        try:
            stat = Path(f"/proc/self/task/{tid}/stat").read_text()
        except OSError:
            continue   # the thread ended meanwhile
        comm = stat[stat.index("(") + 1:stat.rindex(")")]
        fields = stat[stat.rindex(")") + 2:].split()
        groups[thread_kind(names.get(int(tid), comm))] += (int(fields[11]) + int(fields[12])) / tick
    return groups


def thread_kind(name: str) -> str:
    for prefix, kind in (("bus-server", "bus thread"), ("ServerActor-", "ServerActors"),
                         ("actor-pool-", "actor pool"),   # pooled actors (actors/runtime/worker_pool.py), if any
                         ("ServerDirectory-", "directory"), ("StoreActor-", "store"),
                         ("Eventer-", "eventer"), ("ZMQbg/IO", "zmq I/O"), ("MainThread", "main"),
                         ("ingest-credit", "credit publisher")):
        if name.startswith(prefix):
            return kind
    return "other"


@dataclass
class Window:
    """Counters and CPU at the start of the window; `close()` gives the deltas."""
    read: Callable[[], dict]
    started: float = field(default_factory=time.perf_counter)
    usage: resource.struct_rusage = field(default_factory=lambda: resource.getrusage(resource.RUSAGE_SELF))
    threads: Counter = field(default_factory=thread_cpu)
    counts: dict = field(default_factory=dict)

    def __post_init__(self):
        self.counts = self.read()

    def close(self) -> dict:
        counts, threads = self.read(), thread_cpu()
        usage = resource.getrusage(resource.RUSAGE_SELF)
        user, system = usage.ru_utime - self.usage.ru_utime, usage.ru_stime - self.usage.ru_stime
        return {"seconds": time.perf_counter() - self.started, "cpu": user + system, "user": user,
                "system": system, "switches": usage.ru_nvcsw + usage.ru_nivcsw
                - self.usage.ru_nvcsw - self.usage.ru_nivcsw,
                "threads": {k: threads[k] - self.threads.get(k, 0.0) for k in threads},
                "counts": {k: counts[k] - self.counts[k] for k in counts}}


# --- the raw pyzmq + msgpack loop ------------------------------------------------------------------------

def raw_router(ctx: zmq.Context, manager: KeyPair | None) -> zmq.Socket:
    sock = ctx.socket(zmq.ROUTER)
    sock.setsockopt(zmq.LINGER, 0)
    sock.setsockopt(zmq.BACKLOG, LISTEN_BACKLOG)
    sock.setsockopt(zmq.RCVTIMEO, 5000)   # a dead sender must fail the phase, not hang it
    if manager is not None:
        sock.curve_server = True
        sock.curve_secretkey = manager.secret.encode("ascii")
        sock.curve_publickey = manager.public.encode("ascii")
    sock.bind("tcp://127.0.0.1:0")
    return sock


def raw_receive(sock: zmq.Socket, credit, received: int, until_count: int = 0, until_time: float = 0.0) -> int:
    """recv_multipart + msgpack.unpackb (protocol.unpackb's options) until `received` reaches
    until_count, or until perf_counter passes until_time; publishes the count as credit."""
    unpackb = msgpack.unpackb
    while True:
        frames = sock.recv_multipart()
        unpackb(frames[-1], raw=False, strict_map_key=True)
        received += 1
        if received % CREDIT_EVERY == 0 or received == until_count:
            credit.value = received
            if received == until_count or (until_time and time.perf_counter() >= until_time):
                return received


def measure_raw(fleet: Fleet, args, curve: bool) -> dict:
    """One raw phase: fresh senders against a bare ROUTER in this process's main thread."""
    ctx = zmq.Context()
    manager = new_keypair() if curve else None
    sock = raw_router(ctx, manager)
    senders = Senders(fleet, args.senders, sock.last_endpoint.decode(), manager and manager.public, args.window)
    try:
        count = {"received": 0}
        count["received"] = raw_receive(sock, senders.credit, 0, until_count=len(fleet.ids))
        senders.go.set()
        window = Window(lambda: dict(count))
        count["received"] = raw_receive(sock, senders.credit, count["received"],
                                        until_time=time.perf_counter() + args.seconds)
        figures = window.close()
    finally:
        figures_senders = senders.finish()
        sock.close(linger=0)
        ctx.term()
    figures["senders"] = figures_senders
    return figures


# --- ours: the daemon's pieces in this process -------------------------------------------------------------

class AppliedCounter:
    """Counts ServerActor.heartbeat calls that returned, by wrapping the method in this process
    (the daemon has no such counter). The actors look their handler up by name at each message,
    so the wrapper is what they call."""

    def __init__(self):
        self._lock = threading.Lock()   # actor threads (one per actor, or a pool's workers) add to it
        self.value = 0
        self._original = None

    def install(self) -> None:
        from actors.servers.actor import ServerActor
        original = self._original = ServerActor.heartbeat

        @functools.wraps(original)
        def heartbeat(actor, message):
            result = original(actor, message)
            with self._lock:
                self.value += 1
            return result
        ServerActor.heartbeat = heartbeat

    def remove(self) -> None:
        from actors.servers.actor import ServerActor
        if self._original is not None:
            ServerActor.heartbeat = self._original


def publish_received(bus, credit, stopping: threading.Event) -> threading.Thread:
    """The bus counts what it takes off its socket; the senders' credit follows that count."""
    def run():
        while not stopping.wait(PUBLISH_EVERY_S):
            credit.value = bus.stats["received"]
    thread = threading.Thread(target=run, name="ingest-credit", daemon=True)
    thread.start()
    return thread


def wait_for(predicate, timeout_s: float, what: str) -> None:
    deadline = time.monotonic() + timeout_s
    while not predicate():
        if time.monotonic() > deadline:
            raise TimeoutError(what)
        time.sleep(0.05)   # a benchmark's set-up wait, not a test


def settle(bus, quiet_s: float = 0.2, timeout_s: float = 15.0) -> None:
    """Wait until the bus has taken in what was in flight: actors stopped under a bus still
    delivering would only log errors."""
    deadline = time.monotonic() + timeout_s
    last = -1
    while time.monotonic() < deadline and bus.stats["received"] != last:
        last = bus.stats["received"]
        time.sleep(quiet_s)


def start_ours(fleet: Fleet, data_dir: str):
    """The actor system and the bus as run.py wires them, every agent key trusted up front.
    Returns (system, bus, the manager's public key the agents pin)."""
    from actors.runtime.base import ask
    from actors.context import Timings
    from actors.storage.messages import Flush
    from actors.system import build_daemon
    from bus.server import BusServer
    manager = new_keypair()
    system = build_daemon(str(Path(data_dir) / "calamari.sqlite3"), Timings(), tick_period_s=1.0,
                          make_bus=lambda on_message, gate: BusServer("tcp://127.0.0.1:0", on_message,
                                                                      keys=manager, gate=gate))
    for fqdn, keys in zip(fleet.ids, fleet.keys):
        system.keyring.trust(fqdn, keys.public)
    ask(system.store, Flush).result(60)   # the key rows are written before any load
    system.bus.start()
    return system, system.bus, manager.public


def ours_counts(bus, dispatcher, applied: AppliedCounter) -> dict:
    stats = bus.stats
    return {"received": stats["received"], "delivered": stats["delivered"],
            "dispatched": dispatcher.stats["dispatched"],
            "coalesced": dispatcher.counters()["heartbeats_coalesced"], "applied": applied.value,
            "stale": dispatcher.stats["heartbeats_stale"],
            "dropped": sum(v for k, v in stats.items() if k.startswith("dropped_")) + stats["callback_errors"]}


def backlog(system) -> dict:
    """What is still queued at the end of the window: actor inboxes that are not coalesced, and
    heartbeats waiting in their latest-wins slots (read from the coalescer's private map)."""
    return {"directory inbox": queued(system.directory), "store inbox": queued(system.store),
            "eventer inbox": queued(system.eventer),
            "heartbeats in slots": len(system.dispatcher._latest._slots)}


def queued(ref) -> int:
    """Messages in an actor's inbox: a pykka queue.Queue, or a pooled actor's deque."""
    inbox = ref.actor_inbox
    return inbox.qsize() if hasattr(inbox, "qsize") else len(getattr(inbox, "_messages", ()))


def measure_ours(fleet: Fleet, args) -> dict:
    """The `ours` phase: the daemon's pieces in this process, fresh senders, the window."""
    from actors.runtime.base import ask
    from actors.storage.messages import Flush
    applied = AppliedCounter()
    applied.install()
    stopping = threading.Event()
    with tempfile.TemporaryDirectory() as data_dir:
        system, bus, manager_public = start_ours(fleet, data_dir)
        senders = None
        try:
            senders = Senders(fleet, args.senders, bus.endpoint, manager_public, args.window)
            publish_received(bus, senders.credit, stopping)
            wait_for(lambda: applied.value >= len(fleet.ids), WARMUP_TIMEOUT_S,
                     f"only {applied.value} of {len(fleet.ids)} first heartbeats applied")
            ask(system.store, Flush).result(60)   # first-contact rows and events written before the window
            senders.go.set()
            window = Window(lambda: ours_counts(bus, system.dispatcher, applied))
            profiler = start_profiler(args.profile, args.seconds)
            time.sleep(args.seconds)
            figures = window.close()
            figures["backlog"] = backlog(system)
            figures["profile"] = finish_profiler(profiler, args.profile)
        finally:
            stopping.set()
            figures_senders = senders.finish() if senders is not None else []
            settle(bus)
            bus.stop()
            system.stop()
            applied.remove()
    figures["senders"] = figures_senders
    return figures


# --- profile ----------------------------------------------------------------------------------------------

def start_profiler(path: str | None, seconds: float):
    if not path:
        return None
    spy = shutil.which("py-spy", path=str(Path(sys.executable).parent)) or shutil.which("py-spy")
    if spy is None:
        raise SystemExit("--profile needs py-spy (pip install py-spy)")
    # --gil: only the thread holding the GIL is sampled, i.e. where the one core Python can use goes.
    return subprocess.Popen([spy, "record", "--pid", str(os.getpid()), "--duration", str(max(1, int(seconds))),
                             "--rate", str(PROFILE_RATE), "--gil", "--nonblocking", "--format", "raw", "--output", path],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def finish_profiler(profiler, path: str | None) -> dict | None:
    if profiler is None:
        return None
    profiler.wait(60)
    return summarize_stacks(Path(path))


FRAME = re.compile(r"^(?P<name>.*?) \((?P<file>[^()]*?)(?::\d+)?\)$")


def summarize_stacks(path: Path) -> dict:
    """Collapsed stacks -> samples, and per function (name, file) self and inclusive samples."""
    own: Counter = Counter()
    inclusive: Counter = Counter()
    total = 0
    for line in path.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if not count.isdigit():
            continue
        samples = int(count)
        total += samples
        frames = [function_of(frame) for frame in stack.split(";") if frame]
        if frames:
            own[frames[-1]] += samples
        for frame in set(frames):
            inclusive[frame] += samples
    return {"samples": total, "self": own, "inclusive": inclusive}


def function_of(frame: str) -> str:
    match = FRAME.match(frame)
    if match is None:
        return frame
    file = match["file"]
    for marker in ("site-packages/", str(ROOT) + "/", f"lib/python{sys.version_info[0]}.{sys.version_info[1]}/"):
        if marker in file:
            file = file.split(marker, 1)[1]
    return f"{match['name']} ({file})"


# --- report -------------------------------------------------------------------------------------------------

def per_s(figures: dict, key: str) -> float:
    return figures["counts"][key] / figures["seconds"]


def cpu_per(figures: dict, key: str) -> str:
    """The receiving process's CPU (user + kernel) and context switches per message: steadier
    than rates on a shared machine; switches show the cost of handing work between threads."""
    count = figures["counts"][key]
    if not count:
        return "no messages"
    return (f"{1e6 * figures['cpu'] / count:,.0f} µs CPU ({1e6 * figures['user'] / count:,.0f} user, "
            f"{1e6 * figures['system'] / count:,.0f} kernel), {figures['switches'] / count:.2f} context switches")


def cpu_line(figures: dict) -> str:
    threads = sorted(((v, k) for k, v in figures["threads"].items() if v >= 0.005), reverse=True)
    split = ", ".join(f"{k} {v:.2f}" for v, k in threads)
    return (f"receiver CPU {figures['cpu']:.2f} s over {figures['seconds']:.2f} s ({split}); "
            f"phase took {figures['phase_s']:.1f} s with set-up")


def senders_line(figures: dict) -> str:
    reports = figures["senders"]
    if not reports:
        return "senders: no report"
    seconds = max(1e-9, sum(r[2] for r in reports))
    waited = sum(r[3] for r in reports) / seconds
    cpu: Counter = Counter()
    for report in reports:
        cpu.update(report[4])
    busy = ", ".join(f"{kind} {100 * value / seconds:.0f}%" for kind, value in cpu.most_common() if value >= 0.005)
    return (f"senders waited for credit {waited:.0%} of their time; their threads were busy: {busy} "
            f"({len(reports)} reported)")


def print_raw(label: str, figures: dict) -> None:
    print(f"{label:<22} {per_s(figures, 'received'):>9,.0f} msg/s received + unpacked; "
          f"{cpu_per(figures, 'received')} per message")
    print(f"{'':<22} {cpu_line(figures)}; {senders_line(figures)}")


def print_ours(figures: dict) -> None:
    print("ours (BusServer + Dispatcher + ServerActors, CURVE + ZAP + key gate):")
    notes = {"received": "taken off the socket by the bus thread",
             "delivered": "decoded, passed flood guard and key gate, handed to the dispatcher",
             "dispatched": "through Dispatcher.on_message (told to its ServerActor via the coalescer)",
             "coalesced": "replaced before the actor took them: not counted as applied",
             "applied": "ServerActor.heartbeat returned: what the goal counts"}
    for key in ("received", "delivered", "dispatched", "coalesced", "applied"):
        print(f"  {key:<11} {per_s(figures, key):>9,.0f} /s  {figures['counts'][key]:>9,}  {notes[key]}")
    counts = figures["counts"]
    print(f"  dropped by the bus {counts['dropped']}, stale heartbeats {counts['stale']}; "
          f"dispatched - coalesced - applied = {counts['dispatched'] - counts['coalesced'] - counts['applied']:,} "
          f"(heartbeats still in slots, and any non-heartbeat)")
    print(f"  receiver CPU per applied heartbeat: {cpu_per(figures, 'applied')}")
    print("  " + cpu_line(figures))
    print("  " + senders_line(figures))
    print("  queued at the end: " + ", ".join(f"{k} {v:,}" for k, v in figures["backlog"].items()))


def print_profile(profile: dict, path: str, top: int, seconds: float) -> None:
    total = max(1, profile["samples"])
    held = profile["samples"] / (PROFILE_RATE * seconds)
    print(f"profile (py-spy, GIL holder only, {profile['samples']} samples: the GIL was held in ~{held:.0%} "
          f"of the {PROFILE_RATE}/s ticks; stacks in {path}):")
    for title, table in (("self", profile["self"]), ("inclusive", profile["inclusive"])):
        print(f"  top {top} by {title} time (% of samples):")
        rows = [(name, n) for name, n in table.most_common() if title == "self" or not plumbing(name)]
        for name, samples in rows[:top]:
            print(f"    {100 * samples / total:5.1f}%  {name}")


def plumbing(name: str) -> bool:
    """Thread and event-loop frames under everything: left out of the inclusive table."""
    return name.endswith(("(threading.py)", "(asyncio/base_events.py)", "(asyncio/events.py)")) \
        or name.startswith(("run_event_loop ", "BusServer._run ", "Thread."))


def print_verdict(raw: dict, ours: dict) -> None:
    applied, reference = per_s(ours, "applied"), per_s(raw, "received")
    handled = applied + per_s(ours, "coalesced")
    ratio = applied / reference if reference else 0.0
    print(f"applied {applied:,.0f}/s vs raw CURVE loop {reference:,.0f}/s: ratio {ratio:.2f}")
    print(f"goal applied >= {GOAL_APPLIED_PER_S:,}/s: {'met' if applied >= GOAL_APPLIED_PER_S else 'NOT met'}; "
          f"ratio >= {GOAL_RATIO}: {'met' if ratio >= GOAL_RATIO else 'NOT met'}")
    print(f"(applied + coalesced = {handled:,.0f}/s, ratio {handled / reference if reference else 0:.2f}: "
          f"only if a replaced heartbeat counts as handled, which the goal does not)")


def describe(fleet: Fleet, args) -> str:
    sizes = sorted(len(frames[1]) for frames in fleet.frames)
    services = Counter(fleet.services)
    load = os.getloadavg()
    return (f"fleet: {len(fleet.ids)} agents in {-(-len(fleet.ids) // SERVERS_PER_CLUSTER)} simulated clusters, "
            f"services per heartbeat {dict(sorted(services.items()))}, payload median {sizes[len(sizes) // 2]:,} B "
            f"(min {sizes[0]:,}, max {sizes[-1]:,}); {args.senders} sender process(es), window {args.window:,} "
            f"messages, {args.seconds:g} s per phase; {os.cpu_count()} cores, load average "
            f"{load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--agents", type=int, default=2000,
                        help="distinct agent ids (FQDNs), each with its own key and socket (default 2000)")
    parser.add_argument("--senders", type=int, default=1,
                        help="sender processes the agents are split over (default 1: on 2 cores the "
                             "receiver needs the other one)")
    parser.add_argument("--seconds", type=float, default=3.0, help="measuring window of each phase (default 3)")
    parser.add_argument("--window", type=int, default=4096,
                        help="messages the senders may be ahead of the receiver, in all (default 4096)")
    parser.add_argument("--osds-per-server", type=int, default=10,
                        help="OSDs per simulated server: its heartbeat lists them as services (default 10)")
    parser.add_argument("--plain", action="store_true",
                        help="also measure the raw loop without CURVE (adds a phase: ~5 s)")
    parser.add_argument("--profile", metavar="FILE", default=None,
                        help="py-spy the `ours` window (GIL holder only) into FILE (collapsed stacks) and "
                             "print the top functions; the sampler costs CPU, so rates drop")
    parser.add_argument("--top", type=int, default=15, help="functions listed per profile table (default 15)")
    args = parser.parse_args()
    if args.agents < 1 or args.senders < 1 or args.window < args.senders or args.seconds <= 0:
        parser.error("need --agents >= 1, --senders >= 1, --window >= --senders, --seconds > 0")
    return args


def timed(measure, *args) -> dict:
    """measure(*args), with the phase's wall time (set-up and teardown included) as `phase_s`."""
    began = time.perf_counter()
    figures = measure(*args)
    figures["phase_s"] = time.perf_counter() - began
    return figures


def main() -> int:
    import logging
    logging.basicConfig(level=logging.WARNING)   # trusting thousands of keys logs at INFO
    protocol.tune_gc_for_large_messages()          # as run.py does: both loops run under it
    args = parse_args()
    began = time.perf_counter()
    fleet = build_fleet(args.agents, args.osds_per_server)
    print(describe(fleet, args), flush=True)
    if args.plain:
        print_raw("raw loop, plain", timed(measure_raw, fleet, args, False))
    raw = timed(measure_raw, fleet, args, True)
    print_raw("raw loop, CURVE", raw)
    ours = timed(measure_ours, fleet, args)
    print_ours(ours)
    if ours["profile"] is not None:
        print_profile(ours["profile"], args.profile, args.top, ours["seconds"])
    print_verdict(raw, ours)
    print(f"run took {time.perf_counter() - began:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
