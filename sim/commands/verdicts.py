"""`osd ok-to-stop` and `osd safe-to-destroy` on a SimCluster: Ceph's own safety verdicts, as
Pacific's mgr prints them with `--format json` (shapes taken from a real 16.2 single-OSD cluster).

ok-to-stop: for every PG with a copy on the OSDs, the copies left without them; fewer than the
pool's min_size makes it `bad_become_inactive` (the answer is then EBUSY), fewer than its size
`ok_become_degraded` (`ok_become_more_degraded` when it already was). Lists print only when
non-empty. An OSD the map lacks is ok to stop.

safe-to-destroy: status 0 with the JSON verdict; an OSD holding a PG copy is `active`, one the
map lacks (or without copies) is `safe_to_destroy`. Without a format the mon answers EBUSY.
"""
from __future__ import annotations

import errno
import json


def _result(out: str = "", err: str = "", status: int = 0) -> dict:
    return {"out": out, "err": err, "status": status}


def _ids(args: dict) -> list[int]:
    return [int(i) for i in args.get("ids") or ()]


def ok_to_stop(cluster, args: dict) -> dict:
    stopping = set(_ids(args))
    report = {"ok_become_degraded": [], "ok_become_more_degraded": [], "bad_become_inactive": []}
    ok_pgs = 0
    for pg in cluster.pgs_brief_unlocked():
        acting = pg["acting"]
        if not stopping & set(acting):
            continue
        pool = cluster.pools[int(pg["pgid"].split(".")[0])]
        left = len([osd for osd in acting if osd not in stopping])
        if left < pool.min_size:
            report["bad_become_inactive"].append(pg["pgid"])
            continue
        ok_pgs += 1
        degraded = "degraded" in pg["state"] or "undersized" in pg["state"]
        report["ok_become_more_degraded" if degraded else "ok_become_degraded"].append(pg["pgid"])
    bad = len(report["bad_become_inactive"])
    body = {"ok_to_stop": bad == 0, "osds": sorted(stopping), "num_ok_pgs": ok_pgs,
            "num_not_ok_pgs": bad, **{key: value for key, value in report.items() if value}}
    out = json.dumps(body, separators=(",", ":")) + "\n"
    if bad:
        return _result(out, f"Error EBUSY: unsafe to stop osd(s) at this time ({bad} PGs are or "
                            "would become offline)\n", errno.EBUSY)
    return _result(out, f"{'osds' if len(stopping) > 1 else 'osd'} "
                        f"{','.join(map(str, sorted(stopping)))} are ok to stop without reducing "
                        "availability or risking data, provided there are no other concurrent "
                        "failures or interventions.\n"
                        f"{ok_pgs} PGs are likely to be degraded (but remain available) as a result.\n")


def safe_to_destroy(cluster, args: dict) -> dict:
    ids = _ids(args)
    holding = {osd for pg in cluster.pgs_brief_unlocked() for osd in pg["acting"]}
    active = sorted(i for i in ids if i in holding and i in cluster.osds)
    body = {"safe_to_destroy": sorted(i for i in ids if i not in active), "active": active,
            "missing_stats": [], "stored_pgs": []}
    if args.get("format") in ("json", "json-pretty"):
        return _result(json.dumps(body, separators=(",", ":")))
    if active:
        return _result(err=f"Error EBUSY: OSD(s) {','.join(map(str, active))} have PGs currently "
                           "mapped to them.\n", status=errno.EBUSY)
    return _result(err=f"OSD(s) {','.join(map(str, ids))} are safe to destroy without reducing "
                       "data durability.\n")


VERDICTS = {"osd ok-to-stop": ok_to_stop, "osd safe-to-destroy": safe_to_destroy}
