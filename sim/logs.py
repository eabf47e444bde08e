"""The log files of one simulated cluster, as they would sit under /var/log.

    ceph/<cluster>.log              the cluster log (mon hosts): one line per notable change
    ceph/<cluster>.audit.log        the audit log (mon hosts): every mon command dispatched
    ceph/<cluster>-mon.<name>.log   a mon daemon's log
    ceph/<cluster>-osd.<id>.log     an OSD daemon's log

Cluster and audit lines have Ceph's clog format
    2026-11-26T10:00:00.000000+0000 mon.node1 (mon.0) 123 : cluster [INF] <text>
and daemon lines Ceph's debug log format
    2026-11-26T10:00:00.000+0000 7f3a5c8e2700  0 <text>
Daemon logs start with a few startup lines made on first read by `startup(daemon)`; only the
lines of later events are stored. Every file keeps its last `max_lines` lines.
"""
from __future__ import annotations

import hashlib
import time
from collections import deque
from typing import Callable

from sim.state import timestamp

CLUSTER_MAX_LINES = 10_000
DAEMON_MAX_LINES = 1_000


def daemon_stamp(epoch_s: float) -> str:
    whole = int(epoch_s)
    millis = min(999, int(round((epoch_s - whole) * 1000)))
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(whole)) + f".{millis:03d}+0000"


def thread_id(daemon: str) -> str:
    """A stable pthread id per daemon, printed the way Ceph prints it."""
    return "7f" + hashlib.md5(daemon.encode()).hexdigest()[:8] + "00"


class ClusterLogs:
    def __init__(self, cluster_name: str, clock: Callable[[], float],
                 startup: Callable[[str], list[tuple[float, str]]]):
        self.cluster_name = cluster_name
        self._clock = clock
        self._startup = startup  # daemon ("mon.a", "osd.3") -> [(stamp, text)] at its start
        self._channels = {"cluster": deque(maxlen=CLUSTER_MAX_LINES),
                          "audit": deque(maxlen=CLUSTER_MAX_LINES)}
        self._daemons: dict[str, deque] = {}
        self._seq = 0

    # ----- paths ------------------------------------------------------------------------------

    def channel_path(self, channel: str) -> str:
        suffix = "" if channel == "cluster" else f".{channel}"
        return f"ceph/{self.cluster_name}{suffix}.log"

    def daemon_path(self, daemon: str) -> str:
        return f"ceph/{self.cluster_name}-{daemon}.log"

    def channel_paths(self) -> list[str]:
        return [self.channel_path(c) for c in self._channels]

    # ----- writing ----------------------------------------------------------------------------

    def clog(self, source: str, channel: str, level: str, text: str) -> None:
        """A cluster/audit channel line from `source` ("mon.a (mon.0)", "osd.3 (osd.3)")."""
        self._seq += 1
        self._channels[channel].append(
            f"{timestamp(self._clock())} {source} {self._seq} : {channel} [{level}] {text}")

    def daemon(self, daemon: str, text: str, level: int = 0) -> None:
        lines = self._daemon_lines(daemon)
        lines.append(f"{daemon_stamp(self._clock())} {thread_id(daemon)} {level:>2} {text}")

    def _daemon_lines(self, daemon: str) -> deque:
        lines = self._daemons.get(daemon)
        if lines is None:
            lines = deque((f"{daemon_stamp(stamp)} {thread_id(daemon)}  0 {text}"
                           for stamp, text in self._startup(daemon)), maxlen=DAEMON_MAX_LINES)
            self._daemons[daemon] = lines
        return lines

    # ----- persistence (sim/persist.py keeps each file's last lines) --------------------------

    def state(self) -> dict:
        return {"channels": self._channels, "daemons": self._daemons, "seq": self._seq}

    def restore(self, state: dict) -> None:
        self._channels.update(state["channels"])
        self._daemons.update(state["daemons"])
        self._seq = state["seq"]

    # ----- reading ----------------------------------------------------------------------------

    def tail(self, path: str, lines: int, daemons: list[str]) -> str:
        """The last `lines` lines of one of the channel files or of one of `daemons`' logs."""
        for channel in self._channels:
            if path == self.channel_path(channel):
                content = self._channels[channel]
                break
        else:
            daemon = next(d for d in daemons if self.daemon_path(d) == path)
            content = self._daemon_lines(daemon)
        selected = list(content)[-lines:] if lines > 0 else []
        return "".join(line + "\n" for line in selected)
