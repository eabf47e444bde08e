"""The facade's guardrails: GET/PUT `cluster/<fsid>/guardrails` (held by the cluster's actor,
actors/cluster/guardrail_keeper.py), and Ceph's ok-to-stop verdict gathered before an OSD
change is planned for real, which the cluster's actor then judges with the rest."""
from __future__ import annotations

from concurrent.futures import Future

import pykka

from actors.change_options import ChangeOptions
from actors.cluster.guardrail_checks import stops_osd
from actors.cluster.guardrail_keeper import GetGuardrails, SetGuardrails
from actors.cluster.guardrails import parse
from actors.errors import DomainError, Forbidden
from actors.facade.base import Clusters, durable, with_cluster
from actors.requests.previews import OK_TO_STOP, Previews
from actors.messages import PlanChange
from actors.runtime.base import ask
from actors.runtime.futures import done, failed, then


class GuardrailSettings:
    def __init__(self, clusters: Clusters, store: pykka.ActorRef):
        self._clusters = clusters
        self._store = store

    def get_guardrails(self, fsid: str) -> Future:
        return with_cluster(self._clusters, fsid, lambda ref: ask(ref, GetGuardrails))

    def set_guardrails(self, fsid: str, body, user: dict) -> Future:
        """The guardrails as now set; Invalid naming bad fields, Forbidden for non-admins (the
        web tier refuses them first: this is the facade's own guard)."""
        if not (user or {}).get("is_admin"):
            return failed(Forbidden("Only administrators change a cluster's guardrails"))
        try:
            guardrails = parse(body)
        except DomainError as exc:
            return failed(exc)
        return with_cluster(self._clusters, fsid, lambda ref: durable(self._store, ask(
            ref, lambda r: SetGuardrails(guardrails, r))))


def osd_unsafe(ref: pykka.ActorRef, previews: Previews, fsid: str, change: PlanChange) -> Future:
    """Future of why Ceph's `osd ok-to-stop` says the change's OSD must not stop, or None (it
    may, the change stops no OSD, or the cluster does not refuse unsafe OSD changes). Planned as
    a dry run first, so bad input answers exactly as the real call; a verdict Ceph could not
    give (no mon answered) refuses nothing here: the change itself would fail the same way."""
    if not stops_osd(change.op, change.kind, change.attrs):
        return done(None)

    def when_refusing(guardrails: dict) -> Future:
        if not guardrails.get("refuse_unsafe_osd_changes"):
            return done(None)
        dry = ChangeOptions(dry_run=True, force=change.options.force)
        planned = ask(ref, lambda r: PlanChange(change.op, change.kind, change.ident, change.attrs,
                                                change.requested_by, r, dry))
        return then(planned, lambda plan: done(None) if plan is None else then(
            previews.osd_checks(fsid, plan), _refusal))
    return then(ask(ref, GetGuardrails), when_refusing)


def _refusal(osd_checks: list[dict]) -> str | None:
    verdict = next((c for c in osd_checks if c.get("check") == OK_TO_STOP), None)
    return verdict["message"] if verdict is not None and verdict.get("ok") is False else None
