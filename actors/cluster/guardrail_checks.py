"""Judging one planned change against its cluster's guardrails (actors/cluster/guardrails.py).
Pure: the caller (ClusterActor.plan_change) hands in the maps' and usage's facts and the time.

    judgement = judge(guardrails, change, pool_data, osd_verdict, now)
    warnings, overrides = enforce(judgement, force=..., dry_run=...)   # or raises Conflict (409)

A change outside the window is refused whatever `force` says (the window is an administrator's
decision, changed with PUT guardrails); the other refusals give way to `force`, and each one
overridden is returned so the audit can say so. A dry run is never refused: it answers what it
would do, with a warning per refusal the real call would meet.
"""
from __future__ import annotations

from dataclasses import dataclass

from actors.cluster.guardrails import Guardrails, window_open, window_text
from actors.cluster.views.stats_fields import df_pools, number
from actors.errors import Conflict
from actors.messages import ChangeKind, ChangeOp

UNSAFE_OSD = "refuse_unsafe_osd_changes"
POOL_WITH_DATA = "refuse_deleting_pools_with_data"
WINDOW = "change_window"


@dataclass(frozen=True)
class Refusal:
    guardrail: str     # UNSAFE_OSD, POOL_WITH_DATA or WINDOW
    reason: str


@dataclass(frozen=True)
class Judgement:
    window: Refusal | None = None        # the change comes outside the change window
    refusals: tuple[Refusal, ...] = ()   # what `force` overrides


def stops_osd(op: str, kind: str, attrs) -> bool:
    """Whether the change takes an OSD out of service (out, or marked down): what Ceph's
    `osd ok-to-stop` judges. Re-weighting and scrubs leave its PGs where they are."""
    return (op == ChangeOp.UPDATE and kind == ChangeKind.OSD and isinstance(attrs, dict)
            and (attrs.get("in") is False or attrs.get("up") is False))


def deletes_pool(op: str, kind: str) -> bool:
    return op == ChangeOp.DELETE and kind == ChangeKind.POOL


def pool_data(df, pool_id) -> tuple[int, int] | None:
    """(stored bytes, objects) of a pool from the `df detail` the cluster last reported, None
    when it reported none for that pool."""
    for found_id, _, stats in df_pools(df):
        if found_id == pool_id:
            return int(number(stats, "stored")), int(number(stats, "objects"))
    return None


def judge(guardrails: Guardrails, op: str, kind: str, ident, attrs, *, df, osd_unsafe: str | None,
          now: float) -> Judgement:
    """`osd_unsafe`: why Ceph's ok-to-stop said no for this OSD (None: it said yes, or was not
    asked). `df`: the usage figures held (stats.df)."""
    window = None
    if not window_open(guardrails.change_window, now):
        window = Refusal(WINDOW, f"writes to this cluster are allowed only within its change window "
                                 f"({window_text(guardrails.change_window)})")
    refusals = []
    if guardrails.refuse_unsafe_osd_changes and osd_unsafe and stops_osd(op, kind, attrs):
        refusals.append(Refusal(UNSAFE_OSD, f"Ceph says osd.{ident} is not ok to stop: {osd_unsafe}"))
    if guardrails.refuse_deleting_pools_with_data and deletes_pool(op, kind):
        stored_objects = pool_data(df, ident)
        if stored_objects is not None and any(stored_objects):
            stored, objects = stored_objects
            refusals.append(Refusal(POOL_WITH_DATA, f"pool {ident} holds data ({objects} objects, "
                                                    f"{stored} bytes stored)"))
    return Judgement(window, tuple(refusals))


def enforce(judgement: Judgement, *, force: bool, dry_run: bool) -> tuple[list[str], list[Refusal]]:
    """(warnings for a dry run, the refusals `force` overrode); raises Conflict for a real call
    the guardrails refuse, naming the guardrail as the field."""
    warnings: list[str] = []
    if judgement.window is not None:
        if not dry_run:
            raise Conflict(f"Refused: {judgement.window.reason}", {WINDOW: [judgement.window.reason]})
        warnings.append(f"The real call would be refused (409): {judgement.window.reason}")
    if force:
        if dry_run:
            warnings.extend(f"Guardrail {r.guardrail} would be overridden (force): {r.reason}"
                            for r in judgement.refusals)
        return warnings, [] if dry_run else list(judgement.refusals)
    if judgement.refusals and not dry_run:
        detail = "; ".join(r.reason for r in judgement.refusals)
        raise Conflict(f"Refused by the cluster's guardrails: {detail} (add ?force=1 to override)",
                       {r.guardrail: [f"{r.reason} (add ?force=1 to override)"] for r in judgement.refusals})
    warnings.extend(f"The real call would be refused (409) unless ?force=1: {r.reason}"
                    for r in judgement.refusals)
    return warnings, []


def override_text(overrides: list[Refusal]) -> str | None:
    """What the audit event adds when `force` overrode guardrails, None when it did not."""
    if not overrides:
        return None
    return "guardrails overridden with force: " + "; ".join(f"{r.guardrail} ({r.reason})" for r in overrides)
