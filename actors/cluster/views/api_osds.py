"""OSD resources (calamari-internals §5.3, §5.4, Appendix A.2): `/osd…` and `/osd_config`."""
from __future__ import annotations

from collections.abc import Iterable, Mapping

from actors.errors import NotFound
from actors.cluster.views.osd_map import OsdMapView

OSD_COMMANDS = ["scrub", "deep_scrub", "repair"]

# API field -> metadata keys, first present wins (filestore, then bluestore).
METADATA_FIELDS = {
    "backend_device_node": ("backend_filestore_dev_node", "bluestore_bdev_dev_node"),
    "backend_partition_path": ("backend_filestore_partition_path",
                               "bluestore_bdev_partition_path"),
    "osd_data": ("osd_data",),
    "osd_journal": ("osd_journal",),
}


def _first(record: dict, keys: tuple[str, ...]):
    for key in keys:
        if record.get(key) is not None:
            return record[key]
    return None


def _addr(osd: dict, key: str) -> str | None:
    """`public_addr`/`cluster_addr`, else the first address of the `…_addrs` vector."""
    if osd.get(key) is not None:
        return osd[key]
    addrvec = (osd.get(key + "s") or {}).get("addrvec") or ()
    return addrvec[0].get("addr") if addrvec else None


def _reweight(view: OsdMapView, osd: dict) -> float:
    node = view.tree_nodes_by_id.get(osd["osd"]) or {}
    value = node.get("reweight", osd.get("weight"))
    return float(value) if value is not None else 0.0


def _valid_commands(osd: dict) -> list[str]:
    return list(OSD_COMMANDS) if osd.get("up") else []


def _osd(view: OsdMapView, osd_servers: Mapping[int, str], osd: dict) -> dict:
    osd_id = osd["osd"]
    metadata = view.metadata_by_id.get(osd_id) or {}
    result = {
        "id": osd_id,
        "uuid": osd.get("uuid"),
        "up": bool(osd.get("up")),
        "in": bool(osd.get("in")),
        "reweight": _reweight(view, osd),
        "server": osd_servers.get(osd_id),
        "pools": list(view.pools_by_osd_id.get(osd_id, ())),
        "valid_commands": _valid_commands(osd),
        "public_addr": _addr(osd, "public_addr"),
        "cluster_addr": _addr(osd, "cluster_addr"),
        "crush_node_ancestry": view.ancestry(osd_id),
    }
    for field, keys in METADATA_FIELDS.items():
        result[field] = _first(metadata, keys)
    return result


def _get_osd(view: OsdMapView, osd_id: int) -> dict:
    osd = view.osds_by_id.get(osd_id)
    if osd is None:
        raise NotFound.of("osd", osd_id)
    return osd


def osd_ids(view: OsdMapView, pool: int | None = None, ids: Iterable[int] | None = None) -> list[int]:
    """The ids of the OSD list, ascending: `pool` keeps those the pool's rule can use, `ids`
    keeps those ids. Unknown ids in `ids` are skipped; an unknown pool raises NotFound."""
    selected: Iterable[int] = view.osds_by_id.keys()
    if pool is not None:
        if pool not in view.pools_by_id:
            raise NotFound.of("pool", pool)
        selected = view.osds_by_pool_id[pool]
    if ids is not None:
        selected = set(selected) & set(ids)
    return sorted(selected)


def api_osds(view: OsdMapView, osd_servers: Mapping[int, str], pool: int | None = None,
             ids: list[int] | None = None) -> list[dict]:
    """OSDs by id, filtered as `osd_ids` says."""
    return [_osd(view, osd_servers, view.osds_by_id[osd_id]) for osd_id in osd_ids(view, pool, ids)]


def api_osd(view: OsdMapView, osd_servers: Mapping[int, str], osd_id: int) -> dict:
    """One OSD; NotFound if the map has no such id."""
    return _osd(view, osd_servers, _get_osd(view, osd_id))


def api_osd_commands(view: OsdMapView, osd_id: int) -> dict:
    """`{"<id>": {"valid_commands": [...]}}` (the key is a string, as on the wire)."""
    return {str(osd_id): {"valid_commands": _valid_commands(_get_osd(view, osd_id))}}


def api_osd_command(view: OsdMapView, osd_id: int, command: str) -> dict:
    """`{"valid": bool}`: whether the command may be sent to that OSD now."""
    return {"valid": command in _valid_commands(_get_osd(view, osd_id))}


def api_osd_config(view: OsdMapView) -> dict[str, bool]:
    """The 9 OSD map flags (all false before the first map)."""
    return dict(view.flags)
