"""RealCephBackend: the CephBackend of a real Ceph server (librados, admin sockets, log files).

Jobs served (agent/backend.py): get_cluster_object, get_cluster_stats, rados_commands,
mon_command, command_descriptions, list_logs, tail_log, grains, selftest_wait, selftest_block,
selftest_exception.

Change visibility: besides the periodic beats, the minion asks `changed_cluster_heartbeats()`
every `watch_s`. That costs one `status` mon command (~0.4 ms); only when a map epoch, the
health or the PG states moved does the backend compute the whole version vector and hand a
cluster heartbeat over, so an external change reaches the manager in about `watch_s`.

Every cluster heartbeat sent also carries `stats` (agent/ceph/stats.py): `df detail`,
`osd pool stats` and the pgmap of the same `status`. Two more commands, only when a beat goes
out; they stay out of the versions and the fingerprint, so IO alone never sends a beat.
"""
from __future__ import annotations

import logging
import subprocess
import threading
from pathlib import Path
from typing import Any

from agent.backend import SELFTEST_BLOCK_MAX_S, JobError, UnknownFunction, selftest_seconds, trim_osd_stats
from agent.ceph import commands, logs
from agent.ceph.admin_socket import AdminSocketError
from agent.ceph.services import IN_QUORUM_STATES, LocalServices
from agent.ceph.session import ClusterUnavailable, RadosSession
from agent.ceph.stats import StatsReader, cluster_stats
from agent.ceph.sync_objects import ClusterMaps, canonical_digest
from agent.grains import local_grains

log = logging.getLogger(__name__)

DEFAULT_CONF = "/etc/ceph/ceph.conf"
DEFAULT_RUN_DIR = "/var/run/ceph"
DEFAULT_LOG_DIR = "/var/log/ceph"
DEFAULT_WATCH_S = 0.5


class RealCephBackend:
    def __init__(self, ceph_conf: str = DEFAULT_CONF, keyring: str | None = None,
                 admin_socket_dir: str = DEFAULT_RUN_DIR, log_dir: str = DEFAULT_LOG_DIR,
                 fqdn: str | None = None, watch_s: float | None = DEFAULT_WATCH_S,
                 client_name: str = "client.admin"):
        self.ceph_conf, self.keyring = ceph_conf, keyring
        self.log_dir = Path(log_dir)
        self.grains = local_grains()
        self.fqdn = fqdn or self.grains["fqdn"]
        self.hostname = self.fqdn.split(".")[0]
        self.grains = {**self.grains, "fqdn": self.fqdn, "host": self.hostname}
        self.watch_s = watch_s
        self.services = LocalServices(admin_socket_dir)
        self.session = RadosSession(ceph_conf, keyring, client_name)
        self.maps = ClusterMaps(self.session, self.services.mon)
        self.stats = StatsReader(self.session)
        self.installed_version = installed_ceph_version()
        self.boot_time = boot_time()
        self._reported: str | None = None   # fingerprint of the last cluster heartbeat's status
        self._cancel = threading.Condition()
        self._cancelled_count = 0

    def __repr__(self) -> str:
        return f"RealCephBackend({self.fqdn!r}, conf={self.ceph_conf!r})"

    @property
    def fsid(self) -> str | None:
        return self.session.fsid

    def close(self) -> None:
        self.session.close()

    # ---- heartbeats ---------------------------------------------------------------------------

    def server_heartbeat(self) -> dict:
        return {"fqdn": self.fqdn, "hostname": self.hostname, "boot_time": self.boot_time,
                "ceph_version": self.installed_version, "services": self.services.scan(),
                "grains": self.grains}

    def cluster_heartbeats(self) -> list[dict]:
        """The version vector and stats, when this server's mon is in quorum; [] otherwise."""
        return self._heartbeat(only_if_moved=False)

    def changed_cluster_heartbeats(self) -> list[dict]:
        """A cluster heartbeat only if the cluster moved since the last one ([] otherwise)."""
        return self._heartbeat(only_if_moved=True)

    def _heartbeat(self, only_if_moved: bool) -> list[dict]:
        """One mon-socket ask and one `status`; the whole vector and the stats only when it is
        to be sent. A beat whose stats cannot be read goes without them."""
        name = self._quorum_mon_cluster()
        if name is None:
            return []
        try:
            status = self.maps.status()
            fingerprint = _fingerprint(status)
            if only_if_moved and fingerprint == self._reported:
                return []
            versions = self.maps.versions(status)
        except ClusterUnavailable as exc:   # the server beat still goes out
            log.info("%s: no cluster heartbeat: %s", self.fqdn, exc)
            return []
        self._reported = fingerprint
        beat = {"fsid": status["fsid"], "name": name, "versions": versions}
        stats = self.stats.read(status)
        return [beat if stats is None else {**beat, "stats": stats}]

    def _quorum_mon_cluster(self) -> str | None:
        """The cluster name of the local mon if it is in quorum."""
        mon = self.services.mon()
        if mon is None:
            return None
        try:
            state = mon.ask({"prefix": "mon_status"}).get("state")
        except AdminSocketError:
            return None
        return mon.cluster if state in IN_QUORUM_STATES else None

    # ---- jobs ---------------------------------------------------------------------------------

    def run_job(self, function: str, args: dict) -> Any:
        job = self._JOBS.get(function)
        if job is None:
            raise UnknownFunction(f"{self.fqdn} does not serve function {function!r}")
        if not isinstance(args, dict):
            raise JobError(f"{function} takes keyword arguments, got {type(args).__name__}")
        return job(self, args)

    def _check_fsid(self, args: dict) -> None:
        fsid = args.get("fsid")
        if self.session.fsid is None:
            self.maps.status()  # connects (or raises ClusterUnavailable)
        if fsid != self.session.fsid:
            raise JobError(f"{self.fqdn} serves cluster {self.session.fsid}, not fsid {fsid!r}")

    def _get_cluster_object(self, args: dict) -> dict:
        self._check_fsid(args)
        return self.maps.get(args.get("sync_type"))

    def _get_cluster_stats(self, args: dict) -> dict:
        self._check_fsid(args)
        return trim_osd_stats(cluster_stats(self.session))

    def _rados_commands(self, args: dict) -> dict:
        self._check_fsid(args)
        result = commands.run_commands(self.session, args.get("commands"))
        # the commands went to any mon librados reached: this host's own may be gone by now
        return {"fsid": self.session.fsid, **result, "versions": self.maps.versions(local_mon_optional=True)}

    def _mon_command(self, args: dict) -> dict:
        self._check_fsid(args)
        return commands.run_mon_command(self.session, args.get("command"))

    def _command_descriptions(self, args: dict) -> dict:
        self._check_fsid(args)
        return commands.command_descriptions(self.session)

    def _list_logs(self, args: dict) -> list[str]:
        return logs.list_logs(self.log_dir)

    def _tail_log(self, args: dict) -> str:
        return logs.tail_log(self.log_dir, args.get("path"), args.get("lines"))

    def _grains(self, args: dict) -> dict:
        return self.grains

    def _selftest_wait(self, args: dict) -> None:
        self._wait(selftest_seconds(args.get("seconds")))

    def _selftest_block(self, args: dict) -> None:
        self._wait(SELFTEST_BLOCK_MAX_S)

    def _selftest_exception(self, args: dict) -> None:
        raise RuntimeError("This is a self-test exception")

    def cancel_job(self, job_id: str) -> bool:
        """Only self-tests can be stopped part-way; Ceph commands run to their end."""
        with self._cancel:
            self._cancelled_count += 1
            self._cancel.notify_all()
        return True

    def _wait(self, seconds: float) -> None:
        with self._cancel:
            start = self._cancelled_count
            self._cancel.wait_for(lambda: self._cancelled_count != start, timeout=seconds)

    _JOBS = {"get_cluster_object": _get_cluster_object, "get_cluster_stats": _get_cluster_stats,
             "rados_commands": _rados_commands, "mon_command": _mon_command,
             "command_descriptions": _command_descriptions, "list_logs": _list_logs, "tail_log": _tail_log,
             "grains": _grains, "selftest_wait": _selftest_wait, "selftest_block": _selftest_block,
             "selftest_exception": _selftest_exception}


def _fingerprint(status: dict) -> str:
    """What in `ceph status` signals a change worth a heartbeat: epochs, health, PG states.
    Never the pgmap's usage or rates: those move with every client write."""
    return canonical_digest([ClusterMaps.epochs(status), status.get("health"),
                             status.get("pgmap", {}).get("pgs_by_state")])


def installed_ceph_version() -> str | None:
    """The installed Ceph packages' version ("16.2.15"), asked once at start."""
    try:
        out = subprocess.run(["ceph", "--version"], capture_output=True, text=True, timeout=30).stdout
    except (OSError, subprocess.TimeoutExpired):
        return None
    words = out.split()   # "ceph version 16.2.15 (<sha>) pacific (stable)"
    return words[2] if len(words) > 2 and words[:2] == ["ceph", "version"] else None


def boot_time() -> float | None:
    try:
        for line in Path("/proc/stat").read_text().splitlines():
            if line.startswith("btime "):
                return float(line.split()[1])
    except OSError:
        pass
    return None
