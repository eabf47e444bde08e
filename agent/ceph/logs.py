"""Log files of the server's Ceph daemons, named as paths under /var/log ("ceph/ceph.log").

The API names logs relative to /var/log as Calamari did; on this agent "ceph/" maps onto its
log directory (by default /var/log/ceph, or the dev cluster's own). Nothing outside that
directory can be read: a path is resolved (symlinks and "..") before it is checked.
"""
from __future__ import annotations

import os
from pathlib import Path

from agent.backend import JobError

PREFIX = "ceph"
MAX_LINES = 10_000
BLOCK = 64 * 1024


def list_logs(log_dir: str | Path) -> list[str]:
    root = Path(log_dir)
    found = []
    for directory, _dirs, files in os.walk(root):
        for name in files:
            path = Path(directory) / name
            if path.is_file() and not path.is_symlink():
                found.append(f"{PREFIX}/{path.relative_to(root).as_posix()}")
    return sorted(found)


def tail_log(log_dir: str | Path, path, lines) -> str:
    if isinstance(lines, str) and lines.strip().isdigit():
        lines = int(lines)  # as `tail -n` takes it
    if isinstance(lines, bool) or not isinstance(lines, int) or lines < 0:
        raise JobError(f"lines must be a non-negative integer, got {lines!r}")
    file = resolve(log_dir, path)
    return _tail(file, min(lines, MAX_LINES))


def resolve(log_dir: str | Path, path) -> Path:
    """The file `path` names inside the log directory; JobError for anything else."""
    if not isinstance(path, str) or not path.startswith(PREFIX + "/"):
        raise JobError(f"{path!r} is not a Ceph log: paths are like 'ceph/ceph.log'")
    root = Path(log_dir).resolve()
    file = (root / path[len(PREFIX) + 1:]).resolve()
    if root not in file.parents:
        raise JobError(f"{path!r} is outside the log directory")
    if not file.is_file():
        raise JobError(f"{path!r} is not a log file on this server")
    return file


def _tail(file: Path, lines: int) -> str:
    """The last `lines` lines, reading backwards in blocks (logs can be gigabytes)."""
    if lines == 0:
        return ""
    with open(file, "rb") as handle:
        handle.seek(0, os.SEEK_END)
        position = handle.tell()
        data = b""
        while position > 0 and data.count(b"\n") <= lines:
            step = min(BLOCK, position)
            position -= step
            handle.seek(position)
            data = handle.read(step) + data
    text = data.decode(errors="replace")
    kept = text.splitlines(keepends=True)[-lines:]
    return "".join(kept)
