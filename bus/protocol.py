"""The agent wire protocol, pinned in one place.

A message travels as two ZeroMQ frames after the ROUTER/DEALER routing frame:

    [PROTOCOL_VERSION, msgpack({"kind", "sender", "sent_at", "body"})]

`kind` names one of the dataclasses below; `body` is that dataclass as a map with string keys.
Ceph's integer ids never travel as map keys (msgpack runs with strict_map_key): maps carry
lists of records or string keys, exactly as Ceph's own JSON does.
Times on the wire are float seconds since the epoch, UTC.
"""
from __future__ import annotations

import dataclasses
import gc
import time
from dataclasses import dataclass, field
from typing import Any

import msgpack

PROTOCOL_VERSION = b"CAL1"
MAX_MESSAGE_BYTES = 64 * 1024 * 1024  # a 100,000-OSD map fits; anything larger is hostile


# The sync object types a cluster heartbeat versions and `get_cluster_object` fetches, in the
# order the original iterated them (calamari-internals §2.5; shapes in docs/sync-objects.md).
SYNC_TYPES = ("mds_map", "osd_map", "mon_map", "mon_status", "quorum_status",
              "pg_summary", "health", "config")

# What the `get_cluster_stats` job answers besides fsid and taken_at (docs/sync-objects.md
# "Stats"): per-OSD figures, too big to ride on every heartbeat at 10,000 OSDs, so the daemon
# asks for them every STATS_FETCH_EVERY favourite heartbeats and at once after a change it made.
STATS_OBJECTS = ("osd_df", "osd_perf")
# The keys of each `osd df` node and `osd perf` entry's perf_stats an agent sends: the daemon
# reads no others, and Pacific's 19 keys per OSD were 145 MiB of the fleet bench's daemon.
OSD_DF_KEYS = ("id", "device_class", "crush_weight", "reweight", "kb", "kb_used", "kb_avail",
               "utilization", "var", "pgs", "status")
OSD_PERF_KEYS = ("commit_latency_ms", "apply_latency_ms")
# The stats a cluster heartbeat carries (ClusterHeartbeat.stats).
HEARTBEAT_STATS = ("pgmap", "df", "pool_stats")

# The agent's self-test job functions (calamari-internals §3.7): what `server/<fqdn>/debug_job`
# may ask for (the web and the facade check it) and every CephBackend runs.
SELFTESTS = ("selftest_wait", "selftest_block", "selftest_exception")


# The keys of each `osd metadata` entry an agent sends in the osd_map (the manager reads no
# others): Ceph's entries carry ~60 keys (~1.5 KB per OSD, more than half of a 10,000-OSD map).
OSD_METADATA_KEYS = ("id", "osd", "hostname", "back_addr", "front_addr",
                     "backend_filestore_dev_node", "bluestore_bdev_dev_node",
                     "backend_filestore_partition_path", "bluestore_bdev_partition_path",
                     "osd_data", "osd_journal")


class ProtocolError(ValueError):
    """A frame that cannot be a valid message: dropped, logged and counted by the receiver."""


class UnknownKind(ProtocolError):
    """A well-formed envelope of a kind this peer does not know: most likely from a newer peer
    (an older agent meeting a newer manager's message), so receivers may count it apart."""


# CPython's default collector thresholds (700, 10, 10) make decoding a big map (a 10,000-OSD
# OSD map is millions of small dicts and strings) run collections over the whole heap again and
# again: measured 1.3-1.5 s to unpack 28 MB, about 0.23 s with these. A larger middle threshold
# (20) was as fast but let a young-generation pass walk a million objects: 1.2-1.4 s pauses in a
# 10,000-server fleet. The daemon also freezes survivors (actors/runtime/gc_steward.py).
GC_THRESHOLDS = (20_000, 10, 10)


def tune_gc_for_large_messages() -> None:
    """For processes that decode or build whole cluster maps: the daemon, agents, simulators."""
    gc.set_threshold(*GC_THRESHOLDS)


def packb(obj: Any) -> bytes:
    return msgpack.packb(obj, use_bin_type=True)


def unpackb(data: bytes) -> Any:
    return msgpack.unpackb(data, raw=False, strict_map_key=True)


@dataclass(frozen=True)
class ServerHeartbeat:
    """Every agent, every period: the host and the Ceph daemons it runs.

    services: [{"fsid", "type", "id", "running", "status", "version"}] where `status` is the
    daemon's own mon_status for mons and None otherwise.
    grains: host facts (fqdn, host, kernel, os, ip_interfaces {iface: [addr]}, ...).
    incarnation: a token the agent draws when it starts; a new one tells the manager the agent
    restarted, so the jobs the previous run had can never be answered. None from older agents.
    """
    fqdn: str
    hostname: str
    boot_time: float | None
    ceph_version: str | None
    services: list[dict] = field(default_factory=list)
    grains: dict = field(default_factory=dict)
    incarnation: str | None = None


@dataclass(frozen=True)
class ClusterHeartbeat:
    """From a host whose mon is in quorum: the version vector of every sync object type, and
    the cluster's usage and rates of the moment (`stats`, docs/sync-objects.md "Stats").

    stats: {"taken_at": epoch s, "pgmap": `status`["pgmap"], "df": `df detail`,
    "pool_stats": `osd pool stats`}, each as Ceph prints it; None from agents that send none.
    Stats move all the time, so they ride beside the versions and never drive a fetch.
    """
    fsid: str
    name: str
    versions: dict  # sync type -> int epoch or str digest
    stats: dict | None = None


@dataclass(frozen=True)
class Job:
    """Server -> agent: run `function` with keyword `args`; answer before `deadline` (epoch s).

    incarnation: the run of the agent the manager addressed (from its heartbeats), None when not
    known yet. An agent whose own incarnation differs refuses the job: it was meant for a
    previous run, and the manager has already failed it or is about to.
    term: the lease term of the manager that sent it (a fencing token, README "High
    availability"); 0 from a manager without HA. An agent refuses a job whose term is below
    the highest it has seen, so a deposed manager's late jobs never run. Left off the wire at 0,
    so agents that predate terms still take a non-HA manager's jobs.
    """
    job_id: str
    function: str
    args: dict
    deadline: float
    incarnation: str | None = None
    term: int = 0


@dataclass(frozen=True)
class JobResult:
    """Agent -> server. success False carries `error` {"type", "message"} instead of a result."""
    job_id: str
    success: bool
    result: Any = None
    error: dict | None = None


@dataclass(frozen=True)
class HeartbeatAck:
    """Server -> agent, for each server heartbeat the active manager of an HA group accepts:
    "I am active, in lease term `term`". An agent with several endpoints moves to the next one
    when its manager stops acknowledging (agent/failover.py). A manager without HA sends none,
    so agents that predate acks never meet one from it.

    lease_s: the group's lease (0: not said). A manager that fails is replaced once its lease
    runs out, so an agent gives the member it moves to that long (and a heartbeat) to start
    answering before moving on again: shorter, and with two members it would leave the one
    about to take over and go back to the dead one."""
    term: int
    lease_s: float = 0.0


KINDS: dict[str, type] = {
    "server_heartbeat": ServerHeartbeat,
    "cluster_heartbeat": ClusterHeartbeat,
    "job": Job,
    "job_result": JobResult,
    "heartbeat_ack": HeartbeatAck,
}
_KIND_OF = {cls: kind for kind, cls in KINDS.items()}


@dataclass(frozen=True)
class Envelope:
    kind: str
    sender: str
    sent_at: float
    body: Any  # one of the dataclasses above


def encode(body: Any, sender: str, sent_at: float | None = None) -> list[bytes]:
    """The frames (without routing id) for one message."""
    kind = _KIND_OF[type(body)]
    payload = {
        "kind": kind,
        "sender": sender,
        "sent_at": time.time() if sent_at is None else sent_at,
        "body": _wire_fields(body),
    }
    return [PROTOCOL_VERSION, packb(payload)]


def _wire_fields(body: Any) -> dict:
    """The body as a map, less the fields left at a None or 0 default: a receiver that predates
    such a field (e.g. an older agent and Job.incarnation or Job.term) still accepts the message,
    and decoding restores the default. Shallow on purpose: the message classes hold plain values,
    and dataclasses.asdict would deep-copy a job's whole result (4-5 s for a 10,000-OSD map)."""
    return {f.name: value for f in dataclasses.fields(body)
            if not _at_omittable_default(value := getattr(body, f.name), f.default)}


def _at_omittable_default(value: Any, default: Any) -> bool:
    # `type(value) is int`: False == 0 in Python, and a bool is never left off for an int default.
    return (value is None and default is None) or (type(value) is int and default == 0
                                                   and type(default) is int and value == 0)


def decode(frames: list[bytes]) -> Envelope:
    """Frames (without routing id) -> Envelope; raises ProtocolError for anything malformed."""
    if len(frames) != 2:
        raise ProtocolError(f"expected 2 frames, got {len(frames)}")
    version, data = frames
    if version != PROTOCOL_VERSION:
        raise ProtocolError(f"unknown protocol version {version[:16]!r}")
    if len(data) > MAX_MESSAGE_BYTES:
        raise ProtocolError(f"message of {len(data)} bytes is over the limit")
    try:
        payload = unpackb(data)
    except Exception as exc:  # msgpack raises several unrelated types
        raise ProtocolError(f"undecodable payload: {exc}") from None
    if not isinstance(payload, dict) or set(payload) != {"kind", "sender", "sent_at", "body"}:
        raise ProtocolError("payload is not an envelope")
    cls = KINDS.get(payload["kind"]) if isinstance(payload["kind"], str) else None
    if cls is None:
        raise UnknownKind(f"unknown kind {str(payload['kind'])[:40]!r}")
    if not isinstance(payload["sender"], str) or not isinstance(payload["sent_at"], (int, float)):
        raise ProtocolError("bad sender or sent_at")
    return Envelope(payload["kind"], payload["sender"], float(payload["sent_at"]), _body(cls, payload["body"]))


def _body(cls: type, raw: Any) -> Any:
    if not isinstance(raw, dict):
        raise ProtocolError(f"{cls.__name__} body is not a map")
    names, required, types = _SPECS[cls]
    keys = raw.keys()
    if not (required <= keys and keys <= names):
        raise ProtocolError(f"{cls.__name__} fields {sorted(raw)} do not match {sorted(names)}")
    for name, value in raw.items():
        if not isinstance(value, types[name]) or (types[name] is int and isinstance(value, bool)):
            raise ProtocolError(f"{cls.__name__}.{name} has the wrong type")
    return cls(**raw)


def _spec(cls: type) -> tuple[frozenset, frozenset, dict]:
    """(field names, required names, name -> accepted types) of a message class, computed once:
    decoding runs for every heartbeat."""
    fields = dataclasses.fields(cls)
    return (frozenset(f.name for f in fields),
            frozenset(f.name for f in fields
                      if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING),
            {f.name: _WIRE_TYPES.get(f.type, object) for f in fields})


# Field annotations (strings, because of `from __future__ import annotations`) -> accepted types.
_WIRE_TYPES = {
    "str": str,
    "bool": bool,
    "int": int,   # never a bool (checked in _body)
    "float": (int, float),
    "float | None": (int, float, type(None)),
    "str | None": (str, type(None)),
    "dict": dict,
    "dict | None": (dict, type(None)),
    "list[dict]": list,
}
_SPECS = {cls: _spec(cls) for cls in KINDS.values()}
