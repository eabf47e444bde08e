"""The ClusterActor's part in guardrails (a mixin): it holds the cluster's guardrails, answers
GET/PUT guardrails, and judges each planned change in plan_change, where the current maps and
usage are at hand (actors/cluster/guardrail_checks.py decides; this only gathers the facts).

The settings are saved through the store (one row per cluster, store/guardrails.py), restored
with the cluster at start, and deleted with it when it is forgotten.
"""
from __future__ import annotations

import time
from concurrent.futures import Future
from dataclasses import dataclass

from actors.cluster import guardrail_checks as checks
from actors.cluster.guardrails import OFF, Guardrails, from_stored
from actors.runtime.base import handles
from actors.storage.messages import SaveGuardrails


@dataclass(frozen=True)
class GetGuardrails:
    reply: Future


@dataclass(frozen=True)
class SetGuardrails:
    """A PUT's guardrails, already checked (actors/cluster/guardrails.py parse)."""
    guardrails: Guardrails
    reply: Future


class Overridden(dict):
    """A 202 answer ({"request_id"}) that overrode guardrails with force: the web tier adds
    `audit_detail` to the write's audit event (web/base.py accepted); the body is the dict alone."""
    def __init__(self, answer: dict, audit_detail: str):
        super().__init__(answer)
        self.audit_detail = audit_detail


class GuardrailKeeper:
    guardrails: Guardrails = OFF

    def restore_guardrails(self, stored) -> None:
        self.guardrails = from_stored(stored)

    @handles(GetGuardrails)
    def get_guardrails(self, message: GetGuardrails):
        return self.guardrails.as_json()

    @handles(SetGuardrails)
    def set_guardrails(self, message: SetGuardrails):
        self.guardrails = message.guardrails
        if not self.forgotten:
            self.peers.store.tell(SaveGuardrails(self.fsid, self.guardrails.as_json(), time.time()))
        return self.guardrails.as_json()

    def judge_change(self, message) -> tuple[list[str], Future]:
        """(warnings for a dry run, the reply to hand the tracker) for a planned change; raises
        Conflict (409) when the guardrails refuse it. When `force` overrode a refusal, the reply
        handed on is a Future whose answer tells the audit (Overridden) before it reaches the
        caller's."""
        judgement = checks.judge(self.guardrails, message.op, message.kind, message.ident, message.attrs,
                                 df=self.stats.df, osd_unsafe=message.osd_unsafe, now=time.time())
        options = message.options
        warnings, overrides = checks.enforce(judgement, force=options.force, dry_run=options.dry_run)
        detail = checks.override_text(overrides)
        if detail is None:
            return warnings, message.reply
        submitted: Future = Future()
        submitted.add_done_callback(lambda f: _answer_overridden(f, message.reply, detail))
        return warnings, submitted


def _answer_overridden(submitted: Future, reply: Future, detail: str) -> None:
    if reply.done():
        return
    if submitted.exception() is not None:
        reply.set_exception(submitted.exception())
        return
    answer = submitted.result()
    reply.set_result(Overridden(answer, detail) if isinstance(answer, dict) else answer)
