"""`health detail` in Pacific's shape: {"status", "checks": {code: check}, "mutes"}.

Checks raised (HEALTH_WARN unless said, as Ceph raises them):
  OSDMAP_FLAGS      "noout flag(s) set"                  flags that change cluster behaviour
  OSD_DOWN          "N osds down"                        down OSDs that are still in
  OSD_HOST_DOWN     "N host (M osds) down"               hosts whose OSDs are all down and in
  PG_AVAILABILITY   "Reduced data availability: ..."     PGs not active (creating, peered) or stale
  PG_DEGRADED       "Degraded data redundancy: N pgs degraded"
  PG_BACKFILLING    "Data movement: N pgs remapped+backfilling"   (see note)
  OSD_FULL          "N full osd(s)" (HEALTH_ERR), OSD_BACKFILLFULL "N backfillfull osd(s)",
  OSD_NEARFULL      "N nearfull osd(s)": from each OSD's fullness state in the map
  POOL_FULL         "N pool(s) full" ("... is full (running out of quota)" or "(no space)"),
  POOL_BACKFILLFULL "N pool(s) backfillfull", POOL_NEARFULL "N pool(s) nearfull": from the
                    pool flags the model sets (sim/usage/driver.py). As on Pacific with its
                    default mon_pool_quota_warn_threshold (0), a quota raises nothing until it is
                    reached.

Note: Pacific itself stays HEALTH_OK while PGs only backfill misplaced data. The simulator keeps
HEALTH_WARN until every PG is active+clean (PG_BACKFILLING, a simulator-only code), so that every
PG state change is visible in the health digest and HEALTH_OK means "fully recovered".
A down OSD that is out raises nothing (as in Ceph, once the mon has marked it out).
"""
from __future__ import annotations

from typing import Collection, Iterable, Mapping, Sequence

from sim.ceph_json import POOL_BACKFILLFULL, POOL_FULL, POOL_FULL_QUOTA, POOL_NEARFULL, flag_names
from sim.pgs import BACKFILLING, CLEAN, PG, OsdView
from sim.state import Host, Osd, Pool

MAX_DETAIL = 50  # mon_health_max_detail
WARN_FLAGS = frozenset({"pauserd", "pausewr", "pauserec", "noup", "nodown", "noin", "noout",
                        "nobackfill", "norecover", "noscrub", "nodeep-scrub", "notieragent",
                        "nosnaptrim", "norebalance"})


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def _check(message: str, count: int, detail: list[str], severity: str = "HEALTH_WARN") -> dict:
    return {"severity": severity, "summary": {"message": message, "count": count},
            "detail": [{"message": line} for line in detail[:MAX_DETAIL]], "muted": False}


def _pg_line(pg: PG, view: OsdView) -> str:
    acting = ",".join(str(o) for o in view.reported_acting(pg))
    return f"pg {pg.pgid} is {pg.state}, acting [{acting}]"


# (OSD fullness, check code, severity, summary word, detail words), worst first.
OSD_FULLNESS = (("full", "OSD_FULL", "HEALTH_ERR", "full", "is full"),
                ("backfillfull", "OSD_BACKFILLFULL", "HEALTH_WARN", "backfillfull", "is backfill full"),
                ("nearfull", "OSD_NEARFULL", "HEALTH_WARN", "nearfull", "is near full"))


def _fullness_checks(osds: Mapping[int, Osd], pools: Mapping[int, Pool]) -> dict[str, dict]:
    """OSD_FULL/BACKFILLFULL/NEARFULL and POOL_* from the map's fullness states and flags, as
    Pacific's OSDMap::check_health words them."""
    checks: dict[str, dict] = {}
    by_id = sorted(osds.values(), key=lambda o: o.id)
    for level, code, severity, word, state in OSD_FULLNESS:
        ids = [o.id for o in by_id if o.fullness == level]
        if ids:
            checks[code] = _check(f"{len(ids)} {word} osd(s)", len(ids),
                                  [f"osd.{i} {state}" for i in ids], severity)
    full, backfillfull, nearfull = [], [], []
    for pool in sorted(pools.values(), key=lambda p: p.id):
        if pool.flags & POOL_FULL_QUOTA:
            full.append(f"pool '{pool.name}' is full (running out of quota)")
        elif pool.flags & POOL_FULL:
            full.append(f"pool '{pool.name}' is full (no space)")
        if pool.flags & POOL_BACKFILLFULL:
            backfillfull.append(f"pool '{pool.name}' is backfillfull")
        if pool.flags & POOL_NEARFULL:
            nearfull.append(f"pool '{pool.name}' is nearfull")
    for code, word, lines in (("POOL_FULL", "full", full), ("POOL_BACKFILLFULL", "backfillfull", backfillfull),
                              ("POOL_NEARFULL", "nearfull", nearfull)):
        if lines:
            checks[code] = _check(f"{len(lines)} pool(s) {word}", len(lines), lines)
    return checks


def health_detail(hosts: Sequence[Host], osds: Mapping[int, Osd], pgs: Iterable[PG],
                  view: OsdView, flags: Collection[str] = (),
                  pools: Mapping[int, Pool] | None = None) -> dict:
    checks: dict[str, dict] = {}
    warn = flag_names(WARN_FLAGS.intersection(flags))
    if warn:
        # Pacific's count here is the length of the flag text ("noout,noscrub" -> 13).
        text = ",".join(warn)
        checks["OSDMAP_FLAGS"] = _check(f"{text} flag(s) set", len(text), [])
    down_in = [o for o in sorted(osds.values(), key=lambda o: o.id) if not o.up and o.in_]
    if down_in:
        lines = [f"osd.{o.id} (root=default,host={hosts[o.host].hostname}) is down" for o in down_in]
        checks["OSD_DOWN"] = _check(f"{len(down_in)} osds down", len(down_in), lines)
    down_ids = {o.id for o in down_in}
    dead_hosts = [h for h in hosts if h.osd_ids and all(i in down_ids for i in h.osd_ids)]
    if dead_hosts:
        n_osds = sum(len(h.osd_ids) for h in dead_hosts)
        lines = [f"host {h.hostname} (root=default) ({len(h.osd_ids)} osds) is down"
                 for h in dead_hosts]
        checks["OSD_HOST_DOWN"] = _check(
            f"{_plural(len(dead_hosts), 'host')} ({n_osds} osds) down", len(dead_hosts), lines)

    inactive, stale, degraded, backfilling = [], [], [], []
    for pg in pgs:
        if pg.state == CLEAN:
            continue
        parts = pg.state.split("+")
        if "active" not in parts:
            inactive.append(pg)
        if "stale" in parts:
            stale.append(pg)
        if "degraded" in parts:
            degraded.append(pg)
        if pg.state == BACKFILLING:
            backfilling.append(pg)
    if inactive or stale:
        reasons = ([_plural(len(inactive), "pg") + " inactive"] if inactive else []) + \
                  ([_plural(len(stale), "pg") + " stale"] if stale else [])
        unavailable = {pg.pgid: pg for pg in inactive + stale}
        checks["PG_AVAILABILITY"] = _check(
            "Reduced data availability: " + ", ".join(reasons), len(unavailable),
            [_pg_line(pg, view) for pg in sorted(unavailable.values(), key=lambda p: (p.pool, p.seq))])
    if degraded:
        checks["PG_DEGRADED"] = _check(
            f"Degraded data redundancy: {_plural(len(degraded), 'pg')} degraded", len(degraded),
            [_pg_line(pg, view) for pg in degraded])
    if backfilling:
        checks["PG_BACKFILLING"] = _check(
            f"Data movement: {_plural(len(backfilling), 'pg')} remapped+backfilling",
            len(backfilling), [_pg_line(pg, view) for pg in backfilling])
    checks.update(_fullness_checks(osds, pools or {}))
    severities = {check["severity"] for check in checks.values()}
    status = "HEALTH_ERR" if "HEALTH_ERR" in severities else "HEALTH_WARN" if checks else "HEALTH_OK"
    return {"status": status, "checks": checks, "mutes": []}
