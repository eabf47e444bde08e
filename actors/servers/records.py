"""ServerRecord helpers shared by the server actor and the directory (pure)."""
from __future__ import annotations

from collections import Counter

from actors.messages import ServerRecord, Service
from actors.timefmt import iso

_SERVICE_NOUNS = {"osd": ("OSD", "OSDs"), "mon": ("monitor service", "monitor services"),
                  "mds": ("MDS", "MDSs")}


def added_message(record: ServerRecord) -> str:
    """'Added server x with 4 OSDs, 1 monitor service' (§6.2); unknown service types by name."""
    counts = Counter(s.type for s in record.services)
    parts = []
    for kind, n in sorted(counts.items()):
        singular, plural = _SERVICE_NOUNS.get(kind, (kind, kind + "s"))
        parts.append(f"{n} {singular if n == 1 else plural}")
    return f"Added server {record.fqdn}" + (f" with {', '.join(parts)}" if parts else "")


def sole_fsid(record: ServerRecord | None) -> str | None:
    """The cluster of a server whose services all belong to one, else None."""
    fsids = {s.fsid for s in record.services} if record else set()
    return fsids.pop() if len(fsids) == 1 else None


def record_to_row(record: ServerRecord, late: bool = False) -> dict:
    return {
        "fqdn": record.fqdn, "hostname": record.hostname, "managed": record.managed,
        "last_contact": record.last_contact, "boot_time": record.boot_time,
        "ceph_version": record.ceph_version, "grains": record.grains, "late": late,
        "services": [{"fsid": s.fsid, "type": s.type, "id": s.id, "running": s.running, "status": s.status}
                     for s in record.services],
    }


def row_to_record(row: dict) -> tuple[ServerRecord, bool]:
    grains = dict(row.get("grains") or {})
    late = bool(row.get("late", False))
    services = tuple(Service(fsid=s["fsid"], type=s["type"], id=str(s["id"]), running=bool(s.get("running", True)),
                             status=s.get("status")) for s in row.get("services") or ())
    return ServerRecord(fqdn=row["fqdn"], hostname=row["hostname"], managed=bool(row["managed"]),
                        last_contact=row.get("last_contact"), boot_time=row.get("boot_time"),
                        ceph_version=row.get("ceph_version"), services=services, grains=grains), late


def api_server(record: ServerRecord, fsid: str | None = None) -> dict:
    services = [s for s in record.services if fsid is None or s.fsid == fsid]
    return {
        "fqdn": record.fqdn, "hostname": record.hostname, "managed": record.managed,
        "last_contact": iso(record.last_contact), "boot_time": iso(record.boot_time),
        "ceph_version": record.ceph_version,
        "services": [{"fsid": s.fsid, "type": s.type, "id": s.id, "running": s.running} for s in services],
    }
