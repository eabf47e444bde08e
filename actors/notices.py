"""What just happened in the daemon, told to whoever listens: the live stream (web/stream/) and
the daemon's metrics subscribe; the actors publish.

`Notices` is a thread-safe fan-out. `publish` runs every subscriber's callback on the
publisher's own thread (an actor's, or the facade's), so a callback must never block: the
stream's hub only appends to a deque under a lock and wakes its loop once. Publishing to nobody
costs one attribute read; a publisher whose notice is costly to build checks `active` first.

A notice is a frozen dataclass of plain JSON-ready values (dicts, strings, numbers), made once
by its publisher and shared by every subscriber, who must not change it. Its `topic` is the
stream topic it belongs to (web/stream/: `?topics=`); None for notices the stream only acts on.
"""
from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from typing import Any, Callable, ClassVar

from actors.events import SEVERITY_NAMES, Event
from actors.timefmt import iso

log = logging.getLogger(__name__)

# A request's outcome once it is complete (RequestChanged.outcome; None while it runs).
COMPLETE, FAILED, CANCELLED = "complete", "failed", "cancelled"
# ServerChanged.change
MANAGED, LATE, REGAINED, REMOVED = "managed", "late", "regained", "removed"


@dataclass(frozen=True)
class EventsSaved:
    """Events the store has just committed, each as the event list shows it plus its id and what
    it is about (`event_as_listed`), in id order."""
    topic: ClassVar[str] = "event"
    events: tuple[dict, ...]


@dataclass(frozen=True)
class RequestChanged:
    """A request's state or status moved. `request` as GET request/<id> shows it; `kind` what it
    does ("create_pool", "update_osd", "command_osd", "job" ...); `outcome` COMPLETE, FAILED or
    CANCELLED once it is complete, None while it runs; `duration_s` from submission to its
    completion (None while it runs); `fsid` its cluster (None for a debug job)."""
    topic: ClassVar[str] = "request"
    request: dict
    kind: str
    outcome: str | None
    duration_s: float | None
    fsid: str | None = None


@dataclass(frozen=True)
class ClusterMoved:
    """A cluster's maps moved: `maps` {sync type: the version (epoch) now held}; the health
    status ("HEALTH_OK" ...) as of this move, None before its first health map."""
    topic: ClassVar[str] = "cluster"
    fsid: str
    maps: dict
    health_status: str | None


@dataclass(frozen=True)
class ServerChanged:
    """A server became MANAGED (its agent's first heartbeat), went LATE, REGAINED contact, or
    was REMOVED (forgotten through the API). `fsid`: its cluster when all its services belong
    to one, else None."""
    topic: ClassVar[str] = "server"
    fqdn: str
    fsid: str | None
    change: str


@dataclass(frozen=True)
class UsageMoved:
    """A cluster's capacity and IO figures as its GET fleet row shows them (USAGE_FIGURES), when
    any of them moved."""
    topic: ClassVar[str] = "usage"
    fsid: str
    usage: dict


@dataclass(frozen=True)
class CredentialsEnded:
    """A session ended, an API token was revoked, or an account was deleted or changed: whoever
    holds a credential open (a live stream) checks it again now. `reason` is for logs."""
    topic: ClassVar[str | None] = None
    reason: str


# The fleet row's fields a UsageMoved carries (actors/cluster/views/fleet.py fleet_row).
USAGE_FIGURES = ("total_bytes", "used_bytes", "used_ratio", "days_until_full", "pgs", "client_io")


def event_as_listed(event_id: int, event: Event) -> dict:
    """An event as GET event lists it (ISO time, severity name), with its id and what it is about."""
    return {"id": event_id, "when": iso(event.when),
            "severity": SEVERITY_NAMES.get(event.severity, str(event.severity)),
            "message": event.message, "fsid": event.fsid, "fqdn": event.fqdn}


class Notices:
    """subscribe(callback) -> unsubscribe(); publish(notice) calls every callback in turn. A
    callback that raises is logged and does not stop the others."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._subscribers: tuple[Callable[[Any], None], ...] = ()   # replaced whole: read without the lock

    @property
    def active(self) -> bool:
        """Someone listens: worth building a notice."""
        return bool(self._subscribers)

    def subscribe(self, callback: Callable[[Any], None]) -> Callable[[], None]:
        with self._lock:
            self._subscribers += (callback,)

        def unsubscribe() -> None:
            with self._lock:
                self._subscribers = tuple(s for s in self._subscribers if s is not callback)
        return unsubscribe

    def publish(self, notice) -> None:
        for callback in self._subscribers:
            try:
                callback(notice)
            except Exception:  # noqa: BLE001 - one bad listener must not cost the publisher or the others
                log.exception("notice %s: a subscriber failed", type(notice).__name__)
