"""SimBackend: the CephBackend of one host of a SimCluster (what a real agent would see there).

Jobs served (agent/backend.py): get_cluster_object, get_cluster_stats, rados_commands,
mon_command, command_descriptions, list_logs, tail_log, grains, selftest_wait, selftest_block,
selftest_exception. Every cluster heartbeat carries the cluster's stats of the moment
(SimCluster.heartbeat_stats), as the real agent's do.

Failure knobs for tests, read at the moment they matter:
  job_latency_s     the minion waits this long before running each job
  dark              the minion sends nothing (heartbeats, results); jobs still run
  fail_functions    jobs of these functions raise RuntimeError("simulated failure of <fn>")
  mute_functions    jobs of these functions run but their result is never sent (`mutes(fn)`,
                    asked by the minion): the job that never answers / the lost result
  lose_functions    jobs of these functions do nothing and answer nothing: the job lost on its
                    way (for the manager, never applied and never answered)
  drop_rate         the fraction of the messages this agent sends that the network loses
  delay_s           every message this agent sends arrives this much later (messages sent
                    while it was high arrive after later ones sent when it is lower: reordering)
`watch_s` (None: off) turns on the change watch the real agent has (agent/ceph/backend.py): the
minion asks `changed_cluster_heartbeats()` every watch_s and sends a cluster heartbeat at once
when this mon host's view of the versions moved, instead of at the next beat.
`release()` wakes every selftest_block (and cuts short every selftest_wait) on this backend.

Every job that runs is recorded with the manager's lease term and the time (`runs`, told by the
minion through `record_job_run`), and a job of an HA manager (term > 0) is logged as one line
"... term=N at=EPOCH", so a test can check that no job of a deposed manager ran after the
takeover, also with the fleet in a process of its own.
"""
from __future__ import annotations

import logging
import random
import threading
import time
from collections import Counter, deque
from typing import Any, NamedTuple

from agent.backend import (SELFTEST_BLOCK_MAX_S, SYNC_TYPES, JobError, UnknownFunction, checked_command,
                           selftest_seconds, trim_osd_stats)
from sim.model import SimCluster

NO_CLUSTER = "error connecting to the cluster: [errno 110] RADOS timed out"
RUNS_KEPT = 10_000   # per backend: a long-lived fleet keeps the latest runs only

log = logging.getLogger(__name__)


class JobRun(NamedTuple):
    at: float       # epoch s, when it started running
    job_id: str
    function: str
    term: int       # the lease term of the manager that sent it (0: no HA)


class SimBackend:
    def __init__(self, cluster: SimCluster, fqdn: str):
        if fqdn not in cluster.host_fqdns:
            raise KeyError(f"no host {fqdn!r} in cluster {cluster.name} ({cluster.fsid})")
        self.cluster = cluster
        self.fqdn = fqdn
        self.hostname = fqdn.split(".")[0]
        self.job_latency_s = 0.0
        self.dark = False
        self.fail_functions: set[str] = set()
        self.mute_functions: set[str] = set()
        self.lose_functions: set[str] = set()
        self.jobs_run: Counter = Counter()   # by function: what reached this agent and ran
        self.runs: deque[JobRun] = deque(maxlen=RUNS_KEPT)   # each run, with its term (appends are atomic)
        self.drop_rate = 0.0
        self.delay_s = 0.0
        self.watch_s: float | None = None
        self._watched: dict | None = None    # versions last sent by a beat or the watch
        self._network = random.Random(fqdn)   # reproducible losses
        self._released = threading.Condition()
        self._release_count = 0
        self._closed = False   # once closed, no job blocks any more (a clean fleet shutdown)

    def __repr__(self) -> str:
        return f"SimBackend({self.fqdn!r}, fsid={self.cluster.fsid!r})"

    def server_heartbeat(self) -> dict:
        return self.cluster.server_heartbeat(self.fqdn)

    def cluster_heartbeats(self) -> list[dict]:
        heartbeat = self.cluster.cluster_heartbeat(self.fqdn)
        self._watched = heartbeat and heartbeat["versions"]
        return [] if heartbeat is None else [heartbeat]

    def changed_cluster_heartbeats(self) -> list[dict]:
        """The cluster heartbeat if its versions moved since the last one sent, else none (usage
        moving alone sends nothing: the stats are not asked for the comparison)."""
        heartbeat = self.cluster.cluster_heartbeat(self.fqdn, with_stats=False)
        if heartbeat is None or heartbeat["versions"] == self._watched:
            return []
        return self.cluster_heartbeats()

    # ----- knobs ------------------------------------------------------------------------------

    def mutes(self, function: str) -> bool:
        """True if the result of a `function` job must not be sent (asked by the minion)."""
        return function in self.mute_functions or function in self.lose_functions

    def outbound_delay(self) -> float | None:
        """Asked by the minion for each message it sends: None drops it, else the delay."""
        if self.drop_rate and self._network.random() < self.drop_rate:
            return None
        return self.delay_s

    def release(self) -> None:
        """Wake every job blocked in selftest_block or waiting in selftest_wait."""
        with self._released:
            self._release_count += 1
            self._released.notify_all()

    def close(self) -> None:
        """Release every waiting job, and every job that would start waiting later."""
        with self._released:
            self._closed = True
        self.release()

    def _wait(self, seconds: float) -> bool:
        """Wait up to `seconds`; True if release() was called meanwhile (or the backend closed)."""
        deadline = time.monotonic() + seconds
        with self._released:
            if self._closed:
                return True
            start = self._release_count
            while self._release_count == start:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._released.wait(left)
            return True

    # ----- jobs -------------------------------------------------------------------------------

    def record_job_run(self, job_id: str, function: str, term: int) -> None:
        """Told by the minion right before a job runs (on its pool thread)."""
        run = JobRun(time.time(), job_id, function, term)
        self.runs.append(run)
        if term:   # HA only: a non-HA fleet's logs stay as they were
            log.info("sim %s: running job %s (%s) term=%d at=%.3f", self.fqdn, job_id, function,
                     term, run.at)

    def run_job(self, function: str, args: dict) -> Any:
        self.jobs_run[function] += 1
        if function in self.lose_functions:
            return None   # muted too (mutes): nothing happened, nothing is said
        if function in self.fail_functions:
            raise RuntimeError(f"simulated failure of {function}")
        job = self._JOBS.get(function)
        if job is None:
            raise UnknownFunction(f"{self.fqdn} does not serve function {function!r}")
        return job(self, args)

    def _args(self, function: str, args: Any, required: tuple, optional: tuple = ()) -> dict:
        if not isinstance(args, dict) or not set(required) <= set(args) or \
                not set(args) <= set(required) | set(optional):
            got = sorted(args) if isinstance(args, dict) else type(args).__name__
            wanted = " and ".join(required) if required else "no arguments"
            extra = f" (optionally {', '.join(optional)})" if optional else ""
            raise JobError(f"{function} takes arguments {wanted}{extra}, got {got}")
        return args

    def _check_fsid(self, fsid: Any) -> None:
        if fsid != self.cluster.fsid:
            raise JobError(f"{self.fqdn} serves cluster {self.cluster.fsid}, not fsid {fsid!r}")

    def _get_cluster_object(self, args: dict) -> dict:
        args = self._args("get_cluster_object", args, ("fsid", "sync_type"))
        fsid, sync_type = args["fsid"], args["sync_type"]
        self._check_fsid(fsid)
        if sync_type not in SYNC_TYPES:
            raise JobError(f"unknown sync_type {sync_type!r}; expected one of {', '.join(SYNC_TYPES)}")
        return self.cluster.get_cluster_object(sync_type, fqdn=self.fqdn)

    def _get_cluster_stats(self, args: dict) -> dict:
        args = self._args("get_cluster_stats", args, ("fsid",))
        self._check_fsid(args["fsid"])
        return trim_osd_stats(self.cluster.get_cluster_stats())

    def _rados_commands(self, args: dict) -> dict:
        args = self._args("rados_commands", args, ("fsid", "commands"))
        self._check_fsid(args["fsid"])
        commands = args["commands"]
        if not isinstance(commands, (list, tuple)) or not all(
                isinstance(c, (list, tuple)) and len(c) == 2 and isinstance(c[0], str)
                and isinstance(c[1], dict) for c in commands):
            raise JobError(f"commands must be a list of [prefix, {{args}}] pairs, got {commands!r}")
        if not self.cluster.quorum:
            raise JobError(NO_CLUSTER)
        return self.cluster.apply_commands([list(c) for c in commands])

    def _mon_command(self, args: dict) -> dict:
        args = self._args("mon_command", args, ("fsid", "command"))
        self._check_fsid(args["fsid"])
        return self.cluster.mon_command(checked_command(args["command"]))

    def _command_descriptions(self, args: dict) -> dict:
        args = self._args("command_descriptions", args, ("fsid",))
        self._check_fsid(args["fsid"])
        return self.cluster.command_descriptions()

    def _list_logs(self, args: dict) -> list[str]:
        self._args("list_logs", args, ())
        return self.cluster.list_logs(self.fqdn)

    def _tail_log(self, args: dict) -> str:
        args = self._args("tail_log", args, ("path", "lines"))
        try:
            return self.cluster.tail_log(self.fqdn, args["path"], args["lines"])
        except (ValueError, LookupError) as exc:
            raise JobError(str(exc)) from None

    def _grains(self, args: dict) -> dict:
        self._args("grains", args, ())
        return self.server_heartbeat()["grains"]

    def _selftest_wait(self, args: dict) -> None:
        args = self._args("selftest_wait", args, ("seconds",))
        self._wait(selftest_seconds(args["seconds"]))
        return None

    def _selftest_block(self, args: dict) -> None:
        self._args("selftest_block", args, ())
        self._wait(SELFTEST_BLOCK_MAX_S)
        return None

    def cancel_job(self, job_id: str) -> bool:
        """Called by the minion for a running job. A simulated agent cannot tell its blocked
        jobs apart: cancelling one wakes every blocked self-test (they are test jobs)."""
        self.release()
        return True

    def _selftest_exception(self, args: dict) -> None:
        self._args("selftest_exception", args, ())
        raise RuntimeError("This is a self-test exception")

    _JOBS = {"get_cluster_object": _get_cluster_object, "get_cluster_stats": _get_cluster_stats,
             "rados_commands": _rados_commands,
             "mon_command": _mon_command,
             "command_descriptions": _command_descriptions, "list_logs": _list_logs, "tail_log": _tail_log,
             "grains": _grains, "selftest_wait": _selftest_wait, "selftest_block": _selftest_block,
             "selftest_exception": _selftest_exception}
