"""Ceph daemons' admin sockets: find them, and ask them a command.

Each local daemon listens on `<run dir>/<cluster>-<type>.<id>.asok`. The protocol: send the
command as JSON followed by a NUL byte; the answer is a 4-byte big-endian length and that many
bytes (JSON for the commands we use). A socket file outlives a daemon killed with SIGKILL, so a
refused connection means "not running" (the file is skipped), never a failure of the agent.
"""
from __future__ import annotations

import json
import re
import socket
import struct
from dataclasses import dataclass
from pathlib import Path

SERVICE_TYPES = ("mon", "mgr", "osd", "mds")
DEFAULT_TIMEOUT_S = 2.0
MAX_ANSWER_BYTES = 64 * 1024 * 1024
_NAME = re.compile(r"^(?P<cluster>[A-Za-z0-9_]+)-(?P<type>[a-z]+)\.(?P<id>[^/]+)\.asok$")


class AdminSocketError(OSError):
    """The daemon behind the socket did not answer (stale socket, dead or hung daemon)."""


@dataclass(frozen=True)
class AdminSocket:
    path: Path
    cluster: str
    type: str
    id: str

    @property
    def name(self) -> str:
        return f"{self.type}.{self.id}"

    def ask(self, command: dict, timeout_s: float = DEFAULT_TIMEOUT_S):
        """The daemon's JSON answer to `command` (e.g. {"prefix": "version"})."""
        raw = ask_raw(self.path, command, timeout_s)
        try:
            return json.loads(raw)
        except ValueError as exc:
            raise AdminSocketError(f"{self.path}: answer is not JSON: {exc}") from None


def find_sockets(run_dir: str | Path) -> list[AdminSocket]:
    """The admin sockets of Ceph services in `run_dir`, sorted by type and id; [] if none."""
    found = []
    try:
        entries = list(Path(run_dir).iterdir())
    except OSError:
        return []
    for path in entries:
        match = _NAME.match(path.name)
        if match and match["type"] in SERVICE_TYPES:
            found.append(AdminSocket(path, match["cluster"], match["type"], match["id"]))
    return sorted(found, key=lambda s: (s.cluster, s.type, s.id))


def ask_raw(path: str | Path, command: dict, timeout_s: float = DEFAULT_TIMEOUT_S) -> bytes:
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
            sock.settimeout(timeout_s)
            sock.connect(str(path))
            sock.sendall(json.dumps(command).encode() + b"\0")
            (length,) = struct.unpack(">I", _read_exactly(sock, 4))
            if length > MAX_ANSWER_BYTES:
                raise AdminSocketError(f"{path}: answer of {length} bytes is too large")
            return _read_exactly(sock, length)
    except AdminSocketError:
        raise
    except OSError as exc:  # refused (stale file), timeout (hung daemon), reset...
        raise AdminSocketError(f"{path}: {exc}") from None


def _read_exactly(sock: socket.socket, count: int) -> bytes:
    chunks, left = [], count
    while left:
        chunk = sock.recv(min(left, 1 << 20))
        if not chunk:
            raise AdminSocketError("connection closed before the whole answer arrived")
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)
