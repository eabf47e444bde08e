"""One librados session, kept open for the agent's lifetime and re-opened with backoff.

Every Ceph call of the agent goes through here: a mon command costs ~0.4 ms over an open session
against ~0.2 s for a `ceph` process. librados' `mon_command` is thread-safe, so job and heartbeat
threads share the session; only connecting and dropping it take the lock. When the cluster goes
away, calls fail fast (`ClusterUnavailable`) during the backoff instead of each blocking for a
full connect timeout, and the next call after the backoff tries again.
"""
from __future__ import annotations

import errno
import json
import logging
import threading
import time
from typing import Any

from agent.backend import JobError
from agent.ceph.rados_loader import load_rados

log = logging.getLogger(__name__)

CONNECT_TIMEOUT_S = 5
COMMAND_TIMEOUT_S = 10
# librados waits forever for an absent mon unless told otherwise (mon_command's own timeout
# argument does not bound it): these make every op fail with ETIMEDOUT instead.
OP_TIMEOUTS = {"rados_mon_op_timeout": str(COMMAND_TIMEOUT_S),
               "rados_osd_op_timeout": str(COMMAND_TIMEOUT_S),
               "client_mount_timeout": str(CONNECT_TIMEOUT_S)}
BACKOFF_FIRST_S = 1.0
BACKOFF_MAX_S = 30.0


class ClusterUnavailable(JobError):
    """No session to the cluster (cannot connect, or in backoff after a failure)."""


class CephCommandError(JobError):
    """Ceph refused a command: carries its return code and message, worded as the CLI does."""

    def __init__(self, prefix: str, ret: int, outs: str):
        self.prefix, self.ret, self.outs = prefix, ret, outs
        super().__init__(cli_error_text(ret, outs))


def cli_error_text(ret: int, outs: str) -> str:
    """'Error EEXIST: pool 'x' already exists', as `ceph` prints a failed command."""
    name = errno.errorcode.get(-ret, str(-ret)) if ret < 0 else str(ret)
    return f"Error {name}: {outs}".rstrip()


class RadosSession:
    def __init__(self, conffile: str, keyring: str | None = None, client_name: str = "client.admin",
                 clock=time.monotonic):
        self.conffile, self.keyring, self.client_name = conffile, keyring, client_name
        self._clock = clock
        self._lock = threading.Lock()
        self._cluster = None
        self._fsid: str | None = None
        self._retry_at = 0.0
        self._backoff_s = BACKOFF_FIRST_S
        self._last_error = ""

    def __repr__(self) -> str:
        return f"RadosSession({self.conffile!r})"

    @property
    def fsid(self) -> str | None:
        """The cluster's fsid once a session was ever opened (kept across reconnects)."""
        return self._fsid

    def connected(self) -> bool:
        return self._cluster is not None

    def command(self, prefix: str, inbuf: bytes = b"", timeout_s: float = COMMAND_TIMEOUT_S,
                **args: Any) -> tuple[int, bytes, str]:
        """Run one mon command (mgr commands are forwarded by the mon): (ret, outbuf, outs)."""
        cluster = self._session()
        rados = load_rados()
        body = json.dumps({"prefix": prefix, **args})
        try:
            ret, out, outs = cluster.mon_command(body, inbuf, timeout=int(max(1, timeout_s)))
        except (rados.TimedOut, rados.IOError, rados.ConnectionShutdown, rados.Error) as exc:
            self._drop(f"{prefix}: {exc}")
            raise ClusterUnavailable(f"error talking to the cluster: {exc}") from None
        if ret == -errno.ETIMEDOUT:   # no mon answered: treat the session as lost
            self._drop(f"{prefix}: {outs or 'timed out'}")
            raise ClusterUnavailable(f"error talking to the cluster: {cli_error_text(ret, outs)}")
        return ret, out, outs

    def json_command(self, prefix: str, timeout_s: float = COMMAND_TIMEOUT_S, **args: Any) -> Any:
        """The parsed JSON output of a command that must succeed."""
        ret, out, outs = self.command(prefix, timeout_s=timeout_s, format="json", **args)
        if ret != 0:
            raise CephCommandError(prefix, ret, outs)
        return json.loads(out) if out else None

    def close(self) -> None:
        with self._lock:
            cluster, self._cluster = self._cluster, None
        if cluster is not None:
            cluster.shutdown()

    # ---- connecting ---------------------------------------------------------------------------

    def _session(self):
        cluster = self._cluster
        if cluster is not None:
            return cluster
        with self._lock:
            if self._cluster is not None:
                return self._cluster
            if self._clock() < self._retry_at:
                raise ClusterUnavailable(f"error connecting to the cluster: {self._last_error} "
                                         f"(next attempt in {self._retry_at - self._clock():.0f}s)")
            return self._connect_locked()

    def _connect_locked(self):
        rados = load_rados()
        conf = {**OP_TIMEOUTS, **({"keyring": self.keyring} if self.keyring else {})}
        cluster = None
        try:
            cluster = rados.Rados(conffile=self.conffile, name=self.client_name, conf=conf)
            cluster.connect(timeout=CONNECT_TIMEOUT_S)
            fsid = cluster.get_fsid()
        except Exception as exc:  # noqa: BLE001 - rados raises its own types, OSError, ...
            if cluster is not None:
                _quiet_shutdown(cluster)
            self._fail_locked(str(exc) or type(exc).__name__)
            raise ClusterUnavailable(f"error connecting to the cluster: {self._last_error}") from None
        if self._fsid is not None and fsid != self._fsid:
            log.warning("ceph session: %s now reaches cluster %s (was %s)", self.conffile, fsid, self._fsid)
        self._cluster, self._fsid = cluster, fsid
        self._backoff_s = BACKOFF_FIRST_S
        log.info("ceph session: connected to cluster %s (%s)", fsid, self.conffile)
        return cluster

    def _fail_locked(self, reason: str) -> None:
        self._last_error = reason
        self._retry_at = self._clock() + self._backoff_s
        log.warning("ceph session: %s; retrying in %.0fs", reason, self._backoff_s)
        self._backoff_s = min(self._backoff_s * 2, BACKOFF_MAX_S)

    def _drop(self, reason: str) -> None:
        with self._lock:
            cluster, self._cluster = self._cluster, None
            self._fail_locked(reason)
        if cluster is not None:
            _quiet_shutdown(cluster)


def _quiet_shutdown(cluster) -> None:
    try:
        cluster.shutdown()
    except Exception:  # noqa: BLE001 - already failing; nothing to report
        pass
