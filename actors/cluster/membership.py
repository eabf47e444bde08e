"""Where a cluster's daemons live according to its maps (pure; feeds the server directory)."""
from __future__ import annotations

from actors.messages import ClusterMembership


def ip_of(addr: str | None) -> str | None:
    """'10.0.0.1:6800/1234' -> '10.0.0.1'; '[::1]:6789/0' -> '::1'; '' or None -> None."""
    if not addr:
        return None
    host = addr.split("/", 1)[0]
    if host.startswith("["):
        return host[1:].split("]", 1)[0] or None
    return host.rsplit(":", 1)[0] or None


def osd_hosts(osd_map: dict) -> dict:
    """CRUSH host bucket name -> ((osd_id, up), ...) from the OSD tree."""
    up = {o["osd"]: bool(o.get("up")) for o in osd_map.get("osds", ())}
    nodes = {n["id"]: n for n in osd_map.get("tree", {}).get("nodes", ())}
    hosts = {}
    for node in nodes.values():
        if node.get("type") != "host":
            continue
        osds = tuple((child, up.get(child, False)) for child in node.get("children", ())
                     if child >= 0 and child in up)
        hosts[node["name"]] = osds
    return hosts


def mds_names(fs_map: dict | None) -> frozenset | None:
    if fs_map is None:
        return None
    names = {s.get("name") for s in fs_map.get("standbys", ())}
    for fs in fs_map.get("filesystems", ()):
        names.update(info.get("name") for info in fs.get("mdsmap", {}).get("info", {}).values())
    return frozenset(n for n in names if n)


def membership(fsid: str, osd_map: dict | None, mon_map: dict | None,
               fs_map: dict | None) -> ClusterMembership:
    osd_map = osd_map or {}
    mons = (mon_map or {}).get("mons", ())
    return ClusterMembership(
        fsid=fsid,
        osd_hosts=osd_hosts(osd_map),
        mon_names=frozenset(m["name"] for m in mons),
        mds_names=mds_names(fs_map),
        mon_addrs={m["name"]: ip_of(m.get("addr") or m.get("public_addr")) for m in mons},
        osd_addrs={o["osd"]: (ip_of(o.get("public_addr")), ip_of(o.get("cluster_addr")))
                   for o in osd_map.get("osds", ())},
    )
