"""`?dry_run=1`: the preview of a planned change, built from its Plan and never submitted.

{"commands": [{"prefix", **args}] in the order the job would send them, "changes": the plan's
{field: [before, after]}, "steps": the pg_num/pgp_num goals of a PG growth, "warnings": [text],
"checks": [verdict]}. The checks are Ceph's own: `osd ok-to-stop` and `osd safe-to-destroy` for
OSD changes that take data away from OSDs (out, down, a lower reweight), asked of a mon host's
agent; and the data at stake (from the usage resource) for a pool deletion or size reduction.
A check that cannot be asked (no agent answers, no usage yet) says so with `ok` null: the
preview is still answered.
"""
from __future__ import annotations

import json
from concurrent.futures import Future
from typing import Callable

from actors.cluster.queries import Query
from actors.requests.plans import Plan
from actors.runtime.futures import done, then

OK_TO_STOP, SAFE_TO_DESTROY, DATA_AT_STAKE = "ok-to-stop", "safe-to-destroy", "data-at-stake"


# --- pure: what the preview says ------------------------------------------------------------------
def growth_steps(plan: Plan) -> list[dict]:
    """Each step of a PG growth: its pg_num goal (block by block), then the pgp_num goal."""
    growth = plan.pg_growth
    if growth is None:
        return []
    steps, goal = [], growth.initial
    while goal < growth.final:
        goal = min(growth.final, goal + growth.block)
        steps.append({"pg_num": goal})
    steps.append({"pgp_num": growth.pgp_num})
    return steps


def debug_job_preview(function: str, args: dict, fqdn: str) -> dict:
    """A self-test's dry run: one job on that server's agent, no Ceph command, nothing changed."""
    return {"commands": [], "changes": {}, "steps": [{"job": function, "args": args, "server": fqdn}],
            "warnings": [], "checks": []}


def wire_commands(plan: Plan) -> list[dict]:
    return [{"prefix": prefix, **args} for prefix, args in plan.commands]


def stopped_osds(plan: Plan) -> list[int]:
    """The OSDs the plan takes data from: marked out or down, or re-weighted lower."""
    ids: list[int] = []
    for prefix, args in plan.commands:
        if prefix in ("osd out", "osd down"):
            ids += [int(i) for i in args["ids"]]
    lower = plan.changes.get("reweight")
    if lower and lower[1] < lower[0]:
        ids += [int(args["id"]) for prefix, args in plan.commands if prefix == "osd reweight"]
    return sorted(set(ids))


def pools_at_stake(plan: Plan) -> list[str]:
    """Pools whose data the plan deletes, or keeps in fewer copies (a size reduction)."""
    names = [args["pool"] for prefix, args in plan.commands if prefix == "osd pool delete"]
    size = plan.changes.get("size")
    if size and None not in size and size[1] < size[0]:
        names += [args["pool"] for prefix, args in plan.commands
                  if prefix == "osd pool set" and args.get("var") == "size"]
    return names


def ok_to_stop_check(ids: list[int], answer: dict) -> dict:
    """`osd ok-to-stop <ids> --format json` ({out, err, status}) as a check. Pacific prints its
    report whether it says yes (status 0) or no (EBUSY): `ok_become_degraded` and
    `ok_become_more_degraded` list the PGs that would go (more) degraded, `num_not_ok_pgs` counts
    those that would go offline; a list Ceph has nothing for is left out."""
    report = _json(answer.get("out"))
    report = report if isinstance(report, dict) else {}
    degraded = len(report.get("ok_become_degraded") or ()) + len(report.get("ok_become_more_degraded") or ())
    ok = report.get("ok_to_stop")
    return {"check": OK_TO_STOP, "osds": ids, "ok": bool(ok) if ok is not None else answer.get("status") == 0,
            "pgs_degraded": degraded if report else None,
            "pgs_offline": report.get("num_not_ok_pgs"),
            "message": _message(answer, f"OSD(s) {_ids(ids)} are ok to stop")}


def safe_to_destroy_check(ids: list[int], answer: dict) -> dict:
    """`osd safe-to-destroy <ids> --format json`: Pacific answers status 0 with its verdict in the
    JSON ({safe_to_destroy, active, missing_stats, stored_pgs}: lists of OSD ids)."""
    report = _json(answer.get("out"))
    if not isinstance(report, dict):
        return {"check": SAFE_TO_DESTROY, "osds": ids, "ok": answer.get("status") == 0,
                "message": _message(answer, f"OSD(s) {_ids(ids)} are safe to destroy")}
    ok = set(ids) <= set(report.get("safe_to_destroy") or ())
    reasons = [f"OSD(s) {_ids(report[key])} {why}" for key, why in (
        ("active", "have PGs active on them"), ("stored_pgs", "still store PGs"),
        ("missing_stats", "have not reported their PG stats")) if report.get(key)]
    return {"check": SAFE_TO_DESTROY, "osds": ids, "ok": ok,
            "message": "; ".join(reasons) if not ok and reasons
            else f"OSD(s) {_ids(ids)} are {'' if ok else 'not '}safe to destroy"}


def unasked_check(name: str, ids: list[int], exc: BaseException) -> dict:
    return {"check": name, "osds": ids, "ok": None, "message": f"Ceph could not be asked: {exc}"}


def data_at_stake_check(name: str, usage: dict | None) -> dict:
    pool = next((p for p in (usage or {}).get("pools") or () if p.get("name") == name), None)
    if pool is None:
        return {"check": DATA_AT_STAKE, "pool": name, "ok": None, "stored_bytes": None,
                "objects": None, "message": f"The usage of pool '{name}' is not known yet"}
    stored, objects = int(pool["stored_bytes"]), int(pool["objects"])
    empty = stored == 0 and objects == 0
    return {"check": DATA_AT_STAKE, "pool": name, "ok": empty, "stored_bytes": stored,
            "objects": objects,
            "message": f"Pool '{name}' is empty" if empty
            else f"Pool '{name}' stores {stored} bytes in {objects} objects"}


def warnings_of(checks: list[dict]) -> list[str]:
    return [check["message"] for check in checks if check["ok"] is False]


def _json(text):
    try:
        return json.loads(text) if text else None
    except (TypeError, ValueError):
        return None


def _ids(ids: list[int]) -> str:
    return ",".join(map(str, ids))


def _message(answer: dict, fallback: str) -> str:
    return (answer.get("err") or "").strip() or fallback


# --- asking -----------------------------------------------------------------------------------
class Previews:
    def __init__(self, mon_command: Callable[[str, dict], Future],
                 cluster_query: Callable[..., Future]):
        """mon_command(fsid, command) -> Future of {out, err, status} (AgentCalls.run_cli);
        cluster_query(fsid, query) -> Future of the query's answer (Reads.cluster_query)."""
        self._mon_command = mon_command
        self._cluster_query = cluster_query

    def preview(self, fsid: str, planned: Future) -> Future:
        """Future of the preview of a Future Plan (None stays None: the no-op's 304)."""
        return then(planned, lambda plan: None if plan is None else self._preview(fsid, plan))

    def _preview(self, fsid: str, plan: Plan) -> Future:
        def answer(checks: list[dict]) -> dict:
            return {"commands": wire_commands(plan), "changes": plan.changes,
                    "steps": growth_steps(plan), "warnings": [*plan.warnings, *warnings_of(checks)],
                    "checks": checks}
        return then(self.osd_checks(fsid, plan), lambda osd: then(
            self._data_checks(fsid, plan), lambda data: answer(osd + data)))

    def osd_checks(self, fsid: str, plan: Plan) -> Future:
        """Future of the ok-to-stop and safe-to-destroy checks of a plan ([] when it takes no
        data away from any OSD). Never fails: an unanswered check has `ok` None."""
        ids = stopped_osds(plan)
        if not ids:
            return done([])
        return then(self._ask(fsid, OK_TO_STOP, ids, ok_to_stop_check), lambda stop: then(
            self._ask(fsid, SAFE_TO_DESTROY, ids, safe_to_destroy_check), lambda destroy: [stop, destroy]))

    def _ask(self, fsid: str, name: str, ids: list[int], verdict) -> Future:
        command = {"prefix": f"osd {name}", "ids": [str(i) for i in ids], "format": "json"}
        return _settled(self._mon_command(fsid, command), lambda answer: verdict(ids, answer),
                        lambda exc: unasked_check(name, ids, exc))

    def _data_checks(self, fsid: str, plan: Plan) -> Future:
        names = pools_at_stake(plan)
        if not names:
            return done([])
        return _settled(self._cluster_query(fsid, Query.USAGE),
                        lambda usage: [data_at_stake_check(name, _json(usage) if isinstance(usage, bytes)
                                                           else usage) for name in names],
                        lambda exc: [data_at_stake_check(name, None) for name in names])


def _settled(future: Future, on_result, on_error) -> Future:
    """A Future of on_result(result), or of on_error(exception): never a failed one."""
    out: Future = Future()

    def settle(f: Future) -> None:
        exc = f.exception()
        out.set_result(on_error(exc) if exc is not None else on_result(f.result()))
    future.add_done_callback(settle)
    return out
