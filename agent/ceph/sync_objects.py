"""The sync objects of a real cluster: the version vector and `get_cluster_object`.

Shapes follow docs/sync-objects.md, the same the simulator produces. Epoch-versioned maps come
from mon commands; digest-versioned objects (pg_summary, health, config) are versioned by the md5
of their canonical JSON, so the heartbeat's version and the fetched object's always agree.
`mon_status` and `config` are the local mon's own view, asked over its admin socket.
"""
from __future__ import annotations

import hashlib
import json
from collections import Counter, defaultdict

from agent.backend import SYNC_TYPES, JobError, trim_osd_metadata
from agent.ceph import crushtool
from agent.ceph.admin_socket import AdminSocket, AdminSocketError
from agent.ceph.session import CephCommandError, RadosSession


def canonical_digest(data) -> str:
    return hashlib.md5(json.dumps(data, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


class ClusterMaps:
    """Reads the cluster through `session`; `local_mon()` gives this host's mon socket or None."""

    def __init__(self, session: RadosSession, local_mon):
        self.session = session
        self.local_mon = local_mon

    # ---- versions -----------------------------------------------------------------------------

    def status(self) -> dict:
        """`ceph status`: one cheap command holding every map epoch."""
        return self.session.json_command("status")

    @staticmethod
    def epochs(status: dict) -> dict:
        return {"osd_map": status["osdmap"]["epoch"], "mon_map": status["monmap"]["epoch"],
                "mds_map": status["fsmap"]["epoch"], "mon_status": status["election_epoch"],
                "quorum_status": status["election_epoch"]}

    def versions(self, status: dict | None = None, local_mon_optional: bool = False) -> dict:
        """The version vector. `local_mon_optional`: for the answer of a change already made,
        which must not fail because this host's own mon (the only source of `config`) stopped
        after the daemon sent the job here; the vector then goes without `config` (the daemon
        reads only the OSD map epoch of such an answer)."""
        versions = self.epochs(status or self.status())
        for sync_type in ("pg_summary", "health"):
            versions[sync_type] = canonical_digest(self._READERS[sync_type](self))
        try:
            versions["config"] = canonical_digest(self.config())
        except (JobError, AdminSocketError):
            if not local_mon_optional:
                raise
        return versions

    # ---- objects ------------------------------------------------------------------------------

    def get(self, sync_type: str) -> dict:
        """{"fsid", "type", "version", "data"} for one sync type."""
        if sync_type not in SYNC_TYPES:
            raise JobError(f"unknown sync_type {sync_type!r}; expected one of {', '.join(SYNC_TYPES)}")
        data = self._READERS[sync_type](self)
        if sync_type in ("pg_summary", "health", "config"):
            version = canonical_digest(data)
        elif sync_type in ("mon_status", "quorum_status"):
            version = data["election_epoch"]
        else:
            version = data["epoch"]
        return {"fsid": self.session.fsid, "type": sync_type, "version": version, "data": data}

    def osd_map(self) -> dict:
        """`osd dump` plus tree, crush, crush_map_text and osd_metadata (trimmed), all of one epoch."""
        data = self.session.json_command("osd dump")
        epoch = data["epoch"]
        data["tree"] = self.session.json_command("osd tree", epoch=epoch)
        data["crush"] = self.session.json_command("osd crush dump")
        ret, binary, outs = self.session.command("osd getcrushmap", epoch=epoch)
        if ret != 0:
            raise CephCommandError("osd getcrushmap", ret, outs)
        data["crush_map_text"] = crushtool.decompile(binary)
        data["osd_metadata"] = trim_osd_metadata(self.session.json_command("osd metadata"))
        return data

    def mon_map(self) -> dict:
        return self.session.json_command("mon dump")

    def mds_map(self) -> dict:
        return self.session.json_command("fs dump")

    def quorum_status(self) -> dict:
        return self.session.json_command("quorum_status")

    def mon_status(self) -> dict:
        return self._local_mon().ask({"prefix": "mon_status"})

    def config(self) -> dict:
        """The local mon's effective configuration: a flat {option: string value}."""
        data = self._local_mon().ask({"prefix": "config show"})
        return {key: value if isinstance(value, str) else json.dumps(value)
                for key, value in data.items()}

    def health(self) -> dict:
        return self.session.json_command("health", detail="detail")

    def pg_summary(self) -> dict:
        brief = self.session.json_command("pg dump", dumpcontents=["pgs_brief"])
        return summarise_pgs(brief.get("pg_stats", []) if isinstance(brief, dict) else brief)

    def _local_mon(self) -> AdminSocket:
        mon = self.local_mon()
        if mon is None:
            raise JobError("no mon runs on this server: mon_status and config come from a local mon")
        return mon

    _READERS = {"osd_map": osd_map, "mon_map": mon_map, "mds_map": mds_map,
                "quorum_status": quorum_status, "mon_status": mon_status, "config": config,
                "health": health, "pg_summary": pg_summary}


def summarise_pgs(pgs: list[dict]) -> dict:
    """pg_summary: PG state counts by OSD (each member of the acting set), by pool, overall."""
    by_osd: dict[str, Counter] = defaultdict(Counter)
    by_pool: dict[str, Counter] = defaultdict(Counter)
    total: Counter = Counter()
    for pg in pgs:
        state = pg["state"]
        total[state] += 1
        by_pool[pg["pgid"].split(".", 1)[0]][state] += 1
        for osd in pg.get("acting", []):
            by_osd[str(osd)][state] += 1
    return {"by_osd": {k: dict(v) for k, v in by_osd.items()},
            "by_pool": {k: dict(v) for k, v in by_pool.items()}, "all": dict(total)}
