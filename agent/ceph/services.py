"""The Ceph daemons running on this server, found from their admin sockets.

Each beat asks every socket for its version (which is also the liveness check); a daemon's fsid
is asked once per socket file (a new file, e.g. after a restart, is asked again). A socket whose
daemon does not answer is skipped: it is a stale file or a dying daemon, not an agent failure.
"""
from __future__ import annotations

import logging
import threading
from pathlib import Path

from agent.ceph.admin_socket import AdminSocket, AdminSocketError, find_sockets

log = logging.getLogger(__name__)

IN_QUORUM_STATES = ("leader", "peon")


class LocalServices:
    def __init__(self, run_dir: str | Path):
        self.run_dir = Path(run_dir)
        self._fsids: dict[tuple, str] = {}   # (path, inode, mtime) -> fsid
        self._lock = threading.Lock()

    def scan(self) -> list[dict]:
        """[{fsid, type, id, running, status, version}] for every answering daemon."""
        services = []
        for sock in find_sockets(self.run_dir):
            try:
                services.append(self._describe(sock))
            except AdminSocketError as exc:
                log.debug("admin socket %s skipped: %s", sock.path, exc)
        return services

    def mon(self) -> AdminSocket | None:
        """This server's mon socket, if one answers."""
        for sock in find_sockets(self.run_dir):
            if sock.type == "mon":
                return sock
        return None

    def _describe(self, sock: AdminSocket) -> dict:
        version = sock.ask({"prefix": "version"}).get("version")
        status = sock.ask({"prefix": "mon_status"}) if sock.type == "mon" else None
        return {"fsid": self._fsid(sock), "type": sock.type, "id": sock.id, "running": True,
                "status": status, "version": version}

    def _fsid(self, sock: AdminSocket) -> str:
        try:
            stat = sock.path.stat()
            key = (str(sock.path), stat.st_ino, stat.st_mtime_ns)
        except OSError as exc:
            raise AdminSocketError(f"{sock.path}: {exc}") from None
        with self._lock:
            fsid = self._fsids.get(key)
        if fsid is None:
            fsid = sock.ask({"prefix": "config get", "var": "fsid"})["fsid"]
            with self._lock:
                self._fsids = {k: v for k, v in self._fsids.items() if k[0] != key[0]}
                self._fsids[key] = fsid
        return fsid
