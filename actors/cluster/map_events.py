"""Events from consecutive copies of a sync object (calamari-internals §6.2), as pure diffs.

Each function compares the previous and the new raw data of one sync type and returns the
actors.events.Event records to emit, stamped with `now`. Nothing is produced when there was no
previous copy (the first map after startup or discovery is not news). Changes that happen and
revert between two fetches are invisible, as in the original.

Fixed from the original (§10.4 item 27): a mon that left quorum is named from the old monmap
(it may be gone from the new one), the leader message has a single space, pool events name the
pool and carry no server, and health reads `status` (Luminous+) before `overall_status`.
"""
from __future__ import annotations

from collections.abc import Callable

from actors.events import ERROR, INFO, RECOVERY, WARNING, Event
from actors.cluster.views.config import health_status

HEALTH_ORDER = {"HEALTH_OK": 0, "HEALTH_WARN": 1, "HEALTH_ERR": 2}
_DEGRADED_SEVERITY = {"HEALTH_WARN": WARNING, "HEALTH_ERR": ERROR}


# OSD map flag -> (message when it turns on, message when it turns off)
_OSD_STATE_WORDS = {"up": ("came up", "went down"), "in": ("marked in", "marked out")}


def _on_server(fqdn: str | None) -> str:
    return f" (on {fqdn})" if fqdn else ""


def _index(records, key: str) -> dict:
    return {record[key]: record for record in records or () if record.get(key) is not None}


def diff_osd_map(cluster_name: str, fsid: str, old: dict | None, new: dict,
                 osd_fqdn: Callable[[int], str | None], now: float) -> list[Event]:
    """OSDs removed, added, gone down or come up, marked out or in; pools removed or added."""
    if not old or not new:
        return []
    events = []
    old_osds, new_osds = _index(old.get("osds"), "osd"), _index(new.get("osds"), "osd")

    def osd_event(osd_id: int, severity: int, message: str, fqdn: str | None) -> Event:
        return Event(when=now, severity=severity, message=message, fsid=fsid, fqdn=fqdn,
                     service_type="osd", service_id=str(osd_id))

    for osd_id in sorted(old_osds.keys() - new_osds.keys()):
        fqdn = osd_fqdn(osd_id)
        events.append(osd_event(osd_id, INFO, f"OSD {cluster_name}.{osd_id}{_on_server(fqdn)} "
                                              f"removed from the cluster map", fqdn))
    for osd_id in sorted(new_osds.keys() - old_osds.keys()):
        fqdn = osd_fqdn(osd_id)
        events.append(osd_event(osd_id, INFO, f"OSD {cluster_name}.{osd_id}{_on_server(fqdn)} "
                                              f"added to the cluster map", fqdn))
    for osd_id in sorted(old_osds.keys() & new_osds.keys()):
        for key, (on, off) in _OSD_STATE_WORDS.items():
            was, now_is = bool(old_osds[osd_id].get(key)), bool(new_osds[osd_id].get(key))
            if was == now_is:
                continue
            fqdn = osd_fqdn(osd_id)
            words, severity = (on, RECOVERY) if now_is else (off, WARNING)
            events.append(osd_event(osd_id, severity, f"OSD {cluster_name}.{osd_id} {words}{_on_server(fqdn)}",
                                    fqdn))

    old_pools, new_pools = _index(old.get("pools"), "pool"), _index(new.get("pools"), "pool")
    for verb, pools, ids in (("removed from", old_pools, old_pools.keys() - new_pools.keys()),
                             ("added to", new_pools, new_pools.keys() - old_pools.keys())):
        for pool_id in sorted(ids):
            name = pools[pool_id].get("pool_name")
            events.append(Event(when=now, severity=INFO, fsid=fsid, service_type="pool",
                                service_id=str(pool_id),
                                message=f"Pool '{name}' ({cluster_name}.{pool_id}) {verb} cluster"))
    return events


def _mon_names(status: dict) -> dict[int, str]:
    mons = (status.get("monmap") or {}).get("mons") or ()
    return {mon["rank"]: mon.get("name") for mon in mons if mon.get("rank") is not None}


def _mon_event(cluster_name: str, fsid: str, name: str, severity: int, what: str,
               mon_fqdn: Callable[[str], str | None], now: float) -> Event:
    fqdn = mon_fqdn(name)
    return Event(when=now, severity=severity, fsid=fsid, fqdn=fqdn, service_type="mon",
                 service_id=name,
                 message=f"Mon '{cluster_name}.{name}' {what}{_on_server(fqdn)}")


def diff_mon_status(cluster_name: str, fsid: str, old: dict | None, new: dict,
                    mon_fqdn: Callable[[str], str | None], now: float) -> list[Event]:
    """Mons that left or joined the quorum, each named from its own side's monmap."""
    if not old or not new:
        return []
    old_quorum, new_quorum = set(old.get("quorum") or ()), set(new.get("quorum") or ())
    old_names, new_names = _mon_names(old), _mon_names(new)
    events = []
    for rank in sorted(old_quorum - new_quorum):
        name = old_names.get(rank, str(rank))
        events.append(_mon_event(cluster_name, fsid, name, WARNING, "left quorum", mon_fqdn, now))
    for rank in sorted(new_quorum - old_quorum):
        name = new_names.get(rank, str(rank))
        events.append(_mon_event(cluster_name, fsid, name, RECOVERY, "joined quorum",
                                 mon_fqdn, now))
    return events


def diff_quorum_status(cluster_name: str, fsid: str, old: dict | None, new: dict,
                       mon_fqdn: Callable[[str], str | None], now: float) -> list[Event]:
    """A new quorum leader (nothing when the new status names no leader)."""
    if not old or not new:
        return []
    leader = new.get("quorum_leader_name")
    if not leader or leader == old.get("quorum_leader_name"):
        return []
    return [_mon_event(cluster_name, fsid, leader, INFO, "now quorum leader", mon_fqdn, now)]


def diff_health(cluster_name: str, fsid: str, old: dict | None, new: dict,
                now: float) -> list[Event]:
    """Health got worse (WARNING/ERROR, the new status's severity) or better (RECOVERY)."""
    if not old or not new:
        return []
    before, after = health_status(old), health_status(new)
    if before not in HEALTH_ORDER or after not in HEALTH_ORDER or before == after:
        return []
    if HEALTH_ORDER[after] > HEALTH_ORDER[before]:
        verb, severity = "degraded", _DEGRADED_SEVERITY[after]
    else:
        verb, severity = "recovered", RECOVERY
    return [Event(when=now, severity=severity, fsid=fsid,
                  message=f"Health of cluster '{cluster_name}' {verb} from {before} to {after}")]
