"""What the facade's parts share: the clusters it asks (the Dispatcher, as `Clusters`), the
unknown-cluster and unknown-server answers, durable answers and event emission."""
from __future__ import annotations

from concurrent.futures import Future
from typing import Callable, Protocol

import pykka

from actors.errors import NotFound
from actors.messages import EmitEvents
from actors.runtime.base import ask
from actors.runtime.futures import failed, then
from actors.storage.messages import Flush


class Clusters(Protocol):
    """What the facade asks of the dispatcher (actors/dispatch/dispatcher.py); all thread-safe."""
    def cluster_ref(self, fsid: str) -> pykka.ActorRef | None: ...
    def server_ref(self, fqdn: str) -> pykka.ActorRef | None: ...
    def cluster_summaries(self) -> list[dict]: ...
    def cluster_summary(self, fsid: str) -> dict | None: ...
    def query_cache(self, fsid: str): ...
    def fleet_rows(self) -> list[dict]: ...
    def server_contact(self, fqdn: str) -> float | None: ...
    def contact_times(self) -> list[float]: ...
    def forget_cluster(self, fsid: str) -> bool: ...
    def forget_server_actor(self, fqdn: str) -> None: ...
    def call(self, agent_id: str, function: str, args: dict, timeout_s: float) -> Future: ...


def durable(store: pykka.ActorRef, answer: Future) -> Future:
    """`answer`, released only once the store has applied every write queued before it.

    The request tracker tells the store to save a request before it answers, so a Flush
    asked after that answer completes only when the row is committed: a request id handed
    out (202) or a request state shown survives a kill -9 (about one store round trip)."""
    return then(answer, lambda value: then(ask(store, Flush), lambda _: value))


def with_cluster(clusters: Clusters, fsid: str, make: Callable[[pykka.ActorRef], Future]) -> Future:
    """make(the cluster's actor) for a known fsid, else a Future failing with 404."""
    ref = clusters.cluster_ref(fsid)
    return failed(NotFound.of("cluster", fsid)) if ref is None else make(ref)


def with_agent(clusters: Clusters, fqdn: str, make: Callable[[], Future]) -> Future:
    """make() for a server whose agent reports to us, else a Future failing with 404."""
    return failed(NotFound.of("server", fqdn)) if clusters.server_ref(fqdn) is None else make()


def emitter(eventer: pykka.ActorRef | None) -> Callable[..., None]:
    """emit(*events): tell them to the eventer (nothing when there are none)."""
    def emit(*events) -> None:
        if events:
            eventer.tell(EmitEvents(tuple(events)))
    return emit
