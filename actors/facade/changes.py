"""The facade's changes: cluster changes go to the owning ClusterActor, which plans them against
its current maps and hands them to the request tracker (the 202 workflow); debug jobs and
cancelling go to the tracker; forgetting clusters and servers to the dispatcher and directory."""
from __future__ import annotations

from concurrent.futures import Future

import pykka

from actors.errors import Forbidden, Invalid, NotFound
from actors.facade.base import Clusters, durable, with_agent, with_cluster
from actors.messages import ChangeKind, ChangeOp, ForgetServer, PlanChange
from actors.requests.messages import CancelRequest, SubmitJob
from actors.runtime.base import ask
from actors.runtime.futures import done, failed

from bus.protocol import SELFTESTS as DEBUG_FUNCTIONS


class Changes:
    def __init__(self, clusters: Clusters, directory: pykka.ActorRef, store: pykka.ActorRef,
                 tracker: pykka.ActorRef):
        self._clusters = clusters
        self._directory = directory
        self._store = store
        self._tracker = tracker

    # --- the 202 workflow ---------------------------------------------------------------------
    def _plan(self, fsid: str, op: ChangeOp, kind: ChangeKind, ident, attrs, user: dict) -> Future:
        who = (user or {}).get("username")
        return with_cluster(self._clusters, fsid, lambda ref: durable(self._store, ask(
            ref, lambda r: PlanChange(op, kind, ident, attrs, who, r))))

    def create(self, fsid: str, kind: ChangeKind, attrs: dict, user: dict, /) -> Future:
        return self._plan(fsid, ChangeOp.CREATE, kind, None, attrs, user)

    def update(self, fsid: str, kind: ChangeKind, ident, attrs: dict, user: dict, /) -> Future:
        return self._plan(fsid, ChangeOp.UPDATE, kind, ident, attrs, user)

    def delete(self, fsid: str, kind: ChangeKind, ident, user: dict, /) -> Future:
        return self._plan(fsid, ChangeOp.DELETE, kind, ident, {}, user)

    def osd_command(self, fsid: str, osd_id: int, command: str, user: dict) -> Future:
        return self._plan(fsid, ChangeOp.COMMAND, ChangeKind.OSD, osd_id, {"command": command}, user)

    def replace_crush_map(self, fsid: str, text: str, user: dict) -> Future:
        return self._plan(fsid, ChangeOp.UPDATE, ChangeKind.CRUSH_MAP, None, {"text": text}, user)

    def debug_job(self, fqdn: str, cmd: str, args, user: dict) -> Future:
        if not (user or {}).get("is_admin"):
            return failed(Forbidden("Only administrators run debug jobs"))
        function = cmd.removeprefix("ceph.")
        if function not in DEBUG_FUNCTIONS:
            return failed(Invalid(f"{cmd!r} is not a self-test command", {"cmd": [f"must be one of {', '.join(DEBUG_FUNCTIONS)}"]}))
        kwargs = {"seconds": args[0]} if function == "selftest_wait" and isinstance(args, list) and args else \
            (dict(args) if isinstance(args, dict) else {})
        headline = f"Debug job {function} on {fqdn}"
        return with_agent(self._clusters, fqdn, lambda: durable(self._store, ask(self._tracker, lambda r: SubmitJob(
            function, kwargs, fqdn, headline, (user or {}).get("username"), r))))

    def cancel_request(self, request_id: str) -> Future:
        return durable(self._store, ask(self._tracker, lambda r: CancelRequest(request_id, r)))

    # --- forgetting -----------------------------------------------------------------------------
    def delete_cluster(self, fsid: str) -> Future:
        if not self._clusters.forget_cluster(fsid):
            return failed(NotFound.of("cluster", fsid))
        return done(None)

    def delete_server(self, fqdn: str) -> Future:
        self._clusters.forget_server_actor(fqdn)
        return ask(self._directory, lambda r: ForgetServer(fqdn, r))
