"""Messages of the RequestTracker (the 202 workflow), and the one it sends to ClusterActors.

Commands are imperative, notifications past tense, queries Get…/List… and carry `reply: Future`
as their last field; the tracker completes it with the value documented on each class.
A request dump is the API wire shape: {id, state, error, error_message, headline, status,
requested_at, completed_at} with ISO-8601 UTC times ("+00:00"; completed_at null until done).
"""
from __future__ import annotations

from concurrent.futures import Future
from dataclasses import dataclass
from typing import Any

from actors.requests.plans import Plan


# --- commands (from a ClusterActor or the facade) ------------------------------------------------
@dataclass(frozen=True)
class SubmitRequest:
    """Run `plan` on cluster `fsid` through agent `minion` (the favourite mon host at submit
    time). -> {"request_id": id}. The request is registered (and persisted) even when its job
    cannot be sent; it then completes at once with an error."""
    plan: Plan
    fsid: str
    cluster_name: str
    minion: str
    requested_by: str | None
    reply: Future | None
    kind: str = ""          # what it does, e.g. "create_pool" (RequestState.kind)
    ident: Any = None       # what it changes (PlanChange.ident): recorded for a revert
    reverts: str | None = None   # the request it reverts: both records then name each other


@dataclass(frozen=True)
class SubmitJob:
    """A debug job: `function(**args)` on agent `fqdn`, complete when the job returns; no fsid.
    -> {"request_id": id}."""
    function: str
    args: dict
    fqdn: str
    headline: str
    requested_by: str | None
    reply: Future | None


@dataclass(frozen=True)
class CancelRequest:
    """-> the request dump after cancelling (error "Cancelled"); a completed request is returned
    unchanged; an unknown id fails with actors.errors.NotFound."""
    request_id: str
    reply: Future | None


# --- notifications (from ClusterActors) ----------------------------------------------------------
@dataclass(frozen=True)
class MapArrived:
    """A new osd_map or pg_summary of cluster `fsid` (also the current ones after a restart).
    Other sync types are accepted and ignored. `replaces`: the OSD map epoch this map replaced
    although it is not newer (the cluster's history is another than the held map's: rebuilt
    under the same fsid, mon store restored); requests waiting for maps are judged against it."""
    fsid: str
    sync_type: str
    version: Any        # an epoch (osd_map) or a digest (pg_summary)
    data: Any
    replaces: Any = None


@dataclass(frozen=True)
class MapCurrent:
    """After a restart: the favourite mon's first heartbeat showed that the OSD map the cluster
    holds (epoch `version`) is the cluster's current one. Requests interrupted with a job out
    are then judged against it (applied: carry on; not applied: fail)."""
    fsid: str
    version: int


@dataclass(frozen=True)
class FavouriteChanged:
    """The cluster's favourite mon host moved from `old` to `new`: requests whose job is out on
    `old` fail with "Lost contact with server <old>"; requests only waiting for maps carry on
    and send any further job to `new`."""
    fsid: str
    old: str
    new: str


# --- queries ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class GetRequest:
    """-> the request dump; an unknown id fails with actors.errors.NotFound."""
    request_id: str
    reply: Future | None


@dataclass(frozen=True)
class GetRequestState:
    """-> the RequestState itself (immutable: safe to read on another thread), for planning a
    revert from what it recorded; an unknown id fails with actors.errors.NotFound."""
    request_id: str
    reply: Future | None


@dataclass(frozen=True)
class RequestFilter:
    """Which requests a list shows; None: any. since/until bound `requested_at` (epoch s,
    inclusive)."""
    state: str | None = None
    fsid: str | None = None
    requested_by: str | None = None
    kind: str | None = None
    since: float | None = None
    until: float | None = None


@dataclass(frozen=True)
class ListRequests:
    """-> (count, [dumps]) newest `requested_at` first, one page (`limit` None: to the end).
    fsid None lists every request (debug jobs have no fsid and appear only there); state is
    None, "submitted" or "complete" (anything else fails with actors.errors.Invalid)."""
    fsid: str | None
    state: str | None
    offset: int
    limit: int | None
    reply: Future | None
    where: RequestFilter = RequestFilter()   # the other filters (its `state` is unused)


@dataclass(frozen=True)
class ListChanges:
    """-> (count, [change]) cluster `fsid`'s successfully completed changes (no debug jobs),
    newest `completed_at` first, one page: {request_id, headline, kind, requested_by, changes,
    requested_at, completed_at, duration_s}."""
    fsid: str
    offset: int
    limit: int | None
    reply: Future | None


# --- from the tracker to a ClusterActor ----------------------------------------------------------
@dataclass(frozen=True)
class VersionKnown:
    """A request's command produced map `version` of `sync_type` (reported by `minion`): the
    cluster should fetch it now instead of waiting for the next heartbeat to mention it."""
    sync_type: str
    version: Any
    minion: str | None
    now: float
