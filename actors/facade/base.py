"""What every part of the facade needs: the unknown-cluster and unknown-server answers."""
from __future__ import annotations

from concurrent.futures import Future
from typing import Callable

import pykka

from actors.runtime.base import ask
from actors.errors import NotFound
from actors.runtime.futures import failed, then
from actors.storage.messages import Flush


class FacadeBase:
    dispatcher = None   # set by DaemonApi
    store = None        # set by DaemonApi

    def _durable(self, answer: Future) -> Future:
        """`answer`, released only once the store has applied every write queued before it.

        The request tracker tells the store to save a request before it answers, so a Flush
        asked after that answer completes only when the row is committed: a request id handed
        out (202) or a request state shown survives a kill -9 (about one store round trip)."""
        return then(answer, lambda value: then(ask(self.store, Flush), lambda _: value))

    def _with_cluster(self, fsid: str, make: Callable[[pykka.ActorRef], Future]) -> Future:
        """make(the cluster's actor) for a known fsid, else a Future failing with 404."""
        ref = self.dispatcher.cluster_ref(fsid)
        return failed(NotFound.of("cluster", fsid)) if ref is None else make(ref)

    def _with_agent(self, fqdn: str, make: Callable[[], Future]) -> Future:
        """make() for a server whose agent reports to us, else a Future failing with 404."""
        return failed(NotFound.of("server", fqdn)) if self.dispatcher.server_ref(fqdn) is None else make()
