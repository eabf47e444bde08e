"""Messages between the domain actors (frozen dataclasses; queries carry `reply`).

Commands are imperative, notifications past tense, queries Get…/List….
Store messages live in actors/storage/messages.py.
"""
from __future__ import annotations

from concurrent.futures import Future
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from actors.change_options import NO_OPTIONS, ChangeOptions
from bus.protocol import ClusterHeartbeat, JobResult, ServerHeartbeat


# --- time --------------------------------------------------------------------------------
@dataclass(frozen=True)
class Tick:
    """Periodic work (late reporting, timeouts) happens on ticks; tests send their own `now`."""
    now: float


# --- from the bus (via the dispatcher) --------------------------------------------------------
@dataclass(frozen=True)
class ServerHeartbeatReceived:
    heartbeat: ServerHeartbeat
    received_at: float


@dataclass(frozen=True)
class ClusterHeartbeatReceived:
    minion: str
    heartbeat: ClusterHeartbeat
    received_at: float


@dataclass(frozen=True)
class JobCompleted:
    agent_id: str
    result: JobResult
    function: str
    args: dict
    received_at: float


# --- server directory --------------------------------------------------------------------------
@dataclass(frozen=True)
class Service:
    fsid: str
    type: str
    id: str
    running: bool = True
    status: dict | None = None   # a mon's own mon_status

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.fsid, self.type, self.id)


@dataclass(frozen=True)
class ServerRecord:
    """Immutable state of one server as the directory serves it."""
    fqdn: str
    hostname: str
    managed: bool
    last_contact: float | None = None
    boot_time: float | None = None
    ceph_version: str | None = None
    services: tuple[Service, ...] = ()
    grains: dict = field(default_factory=dict)


@dataclass(frozen=True)
class ServerUpdated:
    record: ServerRecord


@dataclass(frozen=True)
class ClusterMembership:
    """What a cluster's maps say about where its daemons live (sent on every new map)."""
    fsid: str
    osd_hosts: dict          # CRUSH host bucket name -> tuple of (osd_id, up)
    mon_names: frozenset
    mds_names: frozenset | None   # None: no MDS map yet, keep what is known
    mon_addrs: dict          # mon name -> ip
    osd_addrs: dict          # osd id -> (public ip, cluster ip)


@dataclass(frozen=True)
class ForgetCluster:
    fsid: str


@dataclass(frozen=True)
class Forget:
    """To a ClusterActor: delete what is persisted of the cluster, write nothing more, stop."""


@dataclass(frozen=True)
class ForgetServer:
    fqdn: str
    reply: Future


@dataclass(frozen=True)
class ServicesChanged:
    """Directory -> ClusterActor: where the cluster's services run, and their local status."""
    services: tuple           # of (Service, fqdn or None)


@dataclass(frozen=True)
class ListServers:
    reply: Future


@dataclass(frozen=True)
class ListServersPage:
    """-> (count of all servers, JsonBytes of servers[offset:offset+limit] by FQDN): only that
    slice is looked at, so a page does not rebuild a 10,000-server list."""
    offset: int
    limit: int
    reply: Future


@dataclass(frozen=True)
class GetServer:
    fqdn: str
    reply: Future


@dataclass(frozen=True)
class GetServerGrains:
    fqdn: str
    reply: Future


@dataclass(frozen=True)
class ListClusterServers:
    fsid: str
    reply: Future


@dataclass(frozen=True)
class ListMonHosts:
    """Managed servers running a mon of the cluster, most recently heard first (CLI, logs)."""
    fsid: str
    reply: Future


@dataclass(frozen=True)
class GetClusterServer:
    fsid: str
    fqdn: str
    reply: Future


# --- clusters --------------------------------------------------------------------------------
@dataclass(frozen=True)
class ClusterQuery:
    query: str      # an actors.cluster.queries.Query: its parameters and answer are documented there
    params: dict
    reply: Future


class ChangeOp(StrEnum):
    """What a PlanChange does. Which kinds each op takes, and who plans the pair:
    actors/cluster/changes.py PLANNERS."""
    CREATE = "create"     # ident None, attrs the new object's fields
    UPDATE = "update"     # attrs the fields to change
    DELETE = "delete"     # attrs {}
    COMMAND = "command"   # run a command on the object: attrs {"command": name}


class ChangeKind(StrEnum):
    """What a PlanChange changes, and what its `ident` is."""
    POOL = "pool"                  # a pool id
    OSD = "osd"                    # an OSD id
    OSD_CONFIG = "osd_config"      # the cluster's OSD flags: ident None
    CRUSH_NODE = "crush_node"      # a CRUSH bucket id (negative)
    CRUSH_RULE = "crush_rule"      # a CRUSH rule id
    CRUSH_MAP = "crush_map"        # the whole CRUSH map, from its text: ident None, attrs {"text"}


@dataclass(frozen=True)
class PlanChange:
    """A change asked through the API (actors/facade/changes.py), planned by the cluster's actor
    (actors/cluster/changes.py plan)."""
    op: ChangeOp
    kind: ChangeKind
    ident: Any
    attrs: Any
    requested_by: str | None
    reply: Future
    options: ChangeOptions = NO_OPTIONS   # ?dry_run, ?force (actors/change_options.py)
    # Why Ceph's ok-to-stop says this change's OSD must not stop, asked by the facade first
    # when the cluster's guardrails want it (actors/facade/guardrails.py); judged by the actor
    osd_unsafe: str | None = None
    # A revert (actors/requests/revert.py): each field's value the cluster must still show, else
    # 409 naming it (checked by the actor on the maps it plans from); the request it reverts
    expect: dict | None = None
    reverts: str | None = None


# --- events ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class EmitEvents:
    events: tuple   # of actors.events.Event


@dataclass(frozen=True)
class Restored:
    """Start-up: the persisted state an actor begins from, before the first heartbeat."""
    state: Any
