"""The facade's changes: cluster changes go to the owning ClusterActor, which plans them against
its current maps and hands them to the request tracker (the 202 workflow); debug jobs and
cancelling go to the tracker; forgetting clusters and servers to the dispatcher and directory."""
from __future__ import annotations

import json
from concurrent.futures import Future
from dataclasses import replace
from typing import TYPE_CHECKING

import pykka

from actors.change_options import NO_OPTIONS, ChangeOptions
from actors.errors import Forbidden, Invalid, NotFound
from actors.facade.base import Clusters, durable, with_agent, with_cluster
from actors.facade.guardrails import osd_unsafe
from actors.cluster.queries import Query
from actors.messages import ChangeKind, ChangeOp, ClusterQuery, ForgetServer, PlanChange
from actors.requests import revert
from actors.requests.messages import CancelRequest, GetRequestState, SubmitJob
from actors.requests.previews import debug_job_preview
from actors.runtime.base import ask
from actors.runtime.futures import done, failed, then

from bus.protocol import SELFTESTS as DEBUG_FUNCTIONS

if TYPE_CHECKING:
    from actors.requests.previews import Previews


class Changes:
    def __init__(self, clusters: Clusters, directory: pykka.ActorRef, store: pykka.ActorRef,
                 tracker: pykka.ActorRef, previews: "Previews"):
        self._clusters = clusters
        self._previews = previews
        self._directory = directory
        self._store = store
        self._tracker = tracker

    # --- the 202 workflow ---------------------------------------------------------------------
    def _plan(self, fsid: str, op: ChangeOp, kind: ChangeKind, ident, attrs, user: dict,
              options: ChangeOptions, expect: dict | None = None, reverts: str | None = None) -> Future:
        """{"request_id"} (None for a no-op); with options.dry_run the preview instead
        (actors/requests/previews.py), nothing submitted. expect, reverts: see PlanChange."""
        change = PlanChange(op, kind, ident, attrs, (user or {}).get("username"), None, options,
                            expect=expect, reverts=reverts)

        def plan(ref) -> Future:   # with Ceph's ok-to-stop verdict when the guardrails want it
            return then(osd_unsafe(ref, self._previews, fsid, change), lambda unsafe: ask(
                ref, lambda r: replace(change, reply=r, osd_unsafe=unsafe)))
        planned = with_cluster(self._clusters, fsid, plan)
        if options.dry_run:
            return self._previews.preview(fsid, planned)
        return durable(self._store, planned)

    def create(self, fsid: str, kind: ChangeKind, attrs: dict, user: dict, /,
               options: ChangeOptions = NO_OPTIONS) -> Future:
        return self._plan(fsid, ChangeOp.CREATE, kind, None, attrs, user, options)

    def update(self, fsid: str, kind: ChangeKind, ident, attrs: dict, user: dict, /,
               options: ChangeOptions = NO_OPTIONS) -> Future:
        return self._plan(fsid, ChangeOp.UPDATE, kind, ident, attrs, user, options)

    def delete(self, fsid: str, kind: ChangeKind, ident, user: dict, /,
               options: ChangeOptions = NO_OPTIONS) -> Future:
        return self._plan(fsid, ChangeOp.DELETE, kind, ident, {}, user, options)

    def osd_command(self, fsid: str, osd_id: int, command: str, user: dict,
                    options: ChangeOptions = NO_OPTIONS) -> Future:
        return self._plan(fsid, ChangeOp.COMMAND, ChangeKind.OSD, osd_id, {"command": command}, user,
                          options)

    def replace_crush_map(self, fsid: str, text: str, user: dict,
                          options: ChangeOptions = NO_OPTIONS) -> Future:
        return self._plan(fsid, ChangeOp.UPDATE, ChangeKind.CRUSH_MAP, None, {"text": text}, user,
                          options)

    def debug_job(self, fqdn: str, cmd: str, args, user: dict, options: ChangeOptions = NO_OPTIONS) -> Future:
        if not (user or {}).get("is_admin"):
            return failed(Forbidden("Only administrators run debug jobs"))
        function = cmd.removeprefix("ceph.")
        if function not in DEBUG_FUNCTIONS:
            return failed(Invalid(f"{cmd!r} is not a self-test command", {"cmd": [f"must be one of {', '.join(DEBUG_FUNCTIONS)}"]}))
        kwargs = {"seconds": args[0]} if function == "selftest_wait" and isinstance(args, list) and args else \
            (dict(args) if isinstance(args, dict) else {})
        headline = f"Debug job {function} on {fqdn}"
        if options.dry_run:    # validated as the real call is; a self-test sends no Ceph command
            return with_agent(self._clusters, fqdn, lambda: done(debug_job_preview(function, kwargs, fqdn)))
        return with_agent(self._clusters, fqdn, lambda: durable(self._store, ask(self._tracker, lambda r: SubmitJob(
            function, kwargs, fqdn, headline, (user or {}).get("username"), r))))

    def revert(self, request_id: str, user: dict, options: ChangeOptions = NO_OPTIONS) -> Future:
        """`POST request/<id>/revert`: the inverse of a completed change (actors/requests/revert.py),
        an update planned like any other; the cluster's actor refuses it (409 naming the field)
        when the cluster has moved on, on the very maps it plans from; submitted, both records
        name each other."""
        def planned(state):
            if state.fsid is not None and self._clusters.cluster_ref(state.fsid) is None:
                raise NotFound.of("cluster", state.fsid)
            nodes = done(None)
            if state.kind == "update_crush_node" and state.state == "complete" and not state.error:
                nodes = with_cluster(self._clusters, state.fsid, lambda ref: ask(
                    ref, lambda r: ClusterQuery(Query.CRUSH_NODES, {}, r)))
            return then(nodes, lambda found: self._revert(state, revert.inverse_of(state, _decoded(found)),
                                                          user, options))
        return then(ask(self._tracker, lambda r: GetRequestState(request_id, r)), planned)

    def _revert(self, state, inverse: revert.Inverse, user: dict, options: ChangeOptions) -> Future:
        return self._plan(state.fsid, ChangeOp.UPDATE, inverse.kind, inverse.ident, inverse.attrs, user,
                          options, expect=inverse.expect, reverts=state.id)

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


def _decoded(answer):
    """A cluster query's answer as data (big ones come encoded: JsonBytes)."""
    return json.loads(answer) if isinstance(answer, (bytes, bytearray)) else answer
