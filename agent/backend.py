"""What an agent needs from the Ceph server it runs on.

The minion loop (agent/minion.py) is transport and scheduling only; everything Ceph-specific
goes through this interface. The simulator (sim/backend.py) is one implementation; the real
backend (librados, admin sockets, /var/log/ceph) is another. Methods are blocking and may be
slow (real Ceph commands), so the minion calls them off its I/O thread.
"""
from __future__ import annotations

import re

from typing import Any, Protocol

from bus.protocol import OSD_DF_KEYS, OSD_METADATA_KEYS, OSD_PERF_KEYS, SYNC_TYPES

__all__ = ["SYNC_TYPES", "CephBackend", "JobError", "UnknownFunction", "selftest_seconds", "trim_osd_stats",
           "SELFTEST_WAIT_MAX_S", "SELFTEST_BLOCK_MAX_S"]

SELFTEST_WAIT_MAX_S = 60.0
SELFTEST_BLOCK_MAX_S = 600.0   # even a forgotten blocked job frees its thread eventually


class JobError(Exception):
    """A job that failed cleanly: the agent reports {"type": <name>, "message": str(exc)}."""


class UnknownFunction(JobError):
    pass


def trim_osd_metadata(entries: Any) -> list:
    """`osd metadata` entries with only the keys the manager reads (bus.protocol.OSD_METADATA_KEYS)."""
    return [_only(entry, OSD_METADATA_KEYS) for entry in entries or () if isinstance(entry, dict)]


def trim_osd_stats(answer: dict) -> dict:
    """A `get_cluster_stats` answer with only what the daemon reads of each OSD
    (bus.protocol.OSD_DF_KEYS, OSD_PERF_KEYS): about half the bytes and objects at any size."""
    osd_df, osd_perf = answer.get("osd_df"), answer.get("osd_perf")
    if isinstance(osd_df, dict):
        osd_df = {**osd_df, **{part: [_only(node, OSD_DF_KEYS) for node in osd_df.get(part) or ()]
                               for part in ("nodes", "stray")}}
    stats = osd_perf.get("osdstats") if isinstance(osd_perf, dict) else None
    if isinstance(stats, dict):
        infos = [{"id": info.get("id"), "perf_stats": _only(info.get("perf_stats"), OSD_PERF_KEYS)}
                 for info in stats.get("osd_perf_infos") or () if isinstance(info, dict)]
        osd_perf = {**osd_perf, "osdstats": {**stats, "osd_perf_infos": infos}}
    return {**answer, "osd_df": osd_df, "osd_perf": osd_perf}


def _only(entry, keys: tuple) -> dict:
    return {key: entry[key] for key in keys if key in entry} if isinstance(entry, dict) else {}


def selftest_seconds(seconds) -> float:
    """How long a selftest_wait job waits: its non-negative number, capped; JobError otherwise."""
    if isinstance(seconds, bool) or not isinstance(seconds, (int, float)) or seconds < 0:
        raise JobError(f"selftest_wait takes a non-negative number of seconds, got {seconds!r}")
    return min(float(seconds), SELFTEST_WAIT_MAX_S)


class CephBackend(Protocol):
    fqdn: str
    hostname: str

    def server_heartbeat(self) -> dict:
        """Fields of bus.protocol.ServerHeartbeat: fqdn, hostname, boot_time (epoch s),
        ceph_version, services [{fsid, type, id, running, status, version}], grains."""

    def cluster_heartbeats(self) -> list[dict]:
        """One {fsid, name, versions, stats?} per cluster whose local mon is in quorum ([]
        otherwise). versions: osd_map, mon_map, mds_map (epochs), mon_status, quorum_status
        (election epochs), pg_summary, health, config (md5 hex digests of the content).
        stats (bus.protocol.HEARTBEAT_STATS, docs/sync-objects.md "Stats"): {"taken_at": epoch
        s, "pgmap": `status`["pgmap"], "df": `df detail`, "pool_stats": `osd pool stats`}, as
        Ceph prints them, all of one moment. Usage and rates move all the time, so they never
        enter the versions nor decide whether a changed-cluster beat is sent; a backend that
        cannot read them sends the beat without `stats` rather than no beat."""

    def run_job(self, function: str, args: dict) -> Any:
        """Run one job and return its result (msgpack-able, string map keys).

        Functions every backend serves:
          get_cluster_object(fsid, sync_type) -> {"fsid", "type", "version", "data"}
          get_cluster_stats(fsid) -> {"fsid", "taken_at": epoch s, "osd_df": `osd df`,
              "osd_perf": `osd perf`} (bus.protocol.STATS_OBJECTS): the per-OSD figures, too big
              for every heartbeat, asked by the daemon on its own period
          rados_commands(fsid, commands: [[prefix, {args}], ...]) -> {"fsid", "error": bool,
              "results": [output per successful command], "error_status": "" or Ceph's message
              for the first failing command (e.g. "Error EEXIST: pool 'x' already exists"),
              "versions": the heartbeat version vector *after* the commands}. Runs the commands
              in order as mon commands (format json), stops at the first failure, no rollback.
              `osd setcrushmap` carries the CRUSH map *text* in args["data"].
          mon_command(fsid, command: {"prefix", "format"?, **arguments}) -> {"out", "err",
              "status"}: one command the daemon parsed from a cli request, run over the librados
              session (never a `ceph` process), answered as `ceph` prints it: stdout, stderr
              (Ceph's status text, "Error ENAME: ..." on failure), exit status (errno or 0).
          command_descriptions(fsid) -> the mon's `get_command_descriptions` answer
          list_logs() -> [paths relative to /var/log (e.g. "ceph/ceph.log"), sorted]
          tail_log(path, lines) -> str  (last `lines` lines of /var/log/<path>; JobError for paths
              outside /var/log or that are not regular files)
          grains() -> the host facts of the server heartbeat (fqdn, host, kernel, os, ...)
          selftest_wait(seconds) -> None; selftest_block() (never returns);
          selftest_exception() (raises RuntimeError("This is a self-test exception"))
        Raise UnknownFunction for a function it does not serve, JobError for clean failures;
        any other exception is reported as a failed job too.

        The job `cancel_job(job_id)` is handled by the minion itself: a queued job never starts,
        and a running one is stopped if the backend has `cancel_job(job_id) -> bool`.
        """


CLI_PREFIX = re.compile(r"[a-z_][a-z0-9_-]*( [a-z_][a-z0-9_-]*)*")
CLI_SCALARS = (str, int, float, bool)


def checked_command(command) -> dict:
    """A mon_command job's command, checked: JSON scalars (or lists of them) under argument
    names, a prefix of command words. The agent checks this itself rather than trusting that
    the daemon did; what runs it is a mon command, so no local file can be named anyway."""
    if not isinstance(command, dict) or not isinstance(command.get("prefix"), str) \
            or not CLI_PREFIX.fullmatch(command["prefix"]):
        raise JobError(f"mon_command needs a command with a prefix of command words, got {command!r}")
    for name, value in command.items():
        values = value if isinstance(value, list) else [value]
        if not isinstance(name, str) or not re.fullmatch(r"[a-z_][a-z0-9_]*", name) or \
                not all(isinstance(v, CLI_SCALARS) for v in values):
            raise JobError(f"mon_command argument {name!r} is not a named JSON value")
    return dict(command)
