"""What the daemon and the agent tell systemd under `Type=notify` (sd_notify(3)): READY=1 once
serving, STATUS= lines for `systemctl status`, WATCHDOG=1 from the event loop, STOPPING=1.

The protocol is one datagram of newline-separated KEY=VALUE lines to the unix socket named by
$NOTIFY_SOCKET (a leading '@' names an abstract socket). That is a dozen lines, so no library:
`sdnotify` has had no release since 2017, and `systemd-python` needs libsystemd's headers to
build. Outside systemd (no $NOTIFY_SOCKET) every call here does nothing.

The watchdog is fed by a task on the process's own asyncio loop (Tornado's too) every half of
$WATCHDOG_USEC: a loop that blocks stops feeding it, and systemd restarts the service
(Restart=on-failure), which is what the watchdog is for. The variables are taken out of the
environment once read, so the `ceph` commands the agent runs do not inherit them.
"""
from __future__ import annotations

import asyncio
import logging
import os
import socket
from typing import Callable

log = logging.getLogger(__name__)

STATUS_EVERY_S = 5.0   # how often STATUS follows readiness when there is no watchdog to ride on


def socket_address(name: str) -> str | None:
    """$NOTIFY_SOCKET as an AF_UNIX address; None for a kind this does not speak (vsock:...)."""
    if name.startswith("@"):
        return "\0" + name[1:]
    return name if name.startswith("/") else None


def watchdog_period_s(environ) -> float | None:
    """Half of $WATCHDOG_USEC, when it is meant for this process ($WATCHDOG_PID, if set, is ours)."""
    usec, pid = environ.get("WATCHDOG_USEC", ""), environ.get("WATCHDOG_PID", "")
    if not usec.isdigit() or int(usec) == 0 or (pid and pid != str(os.getpid())):
        return None
    return int(usec) / 2e6


class Notifier:
    """One datagram socket to systemd; `send` never raises and never blocks."""

    def __init__(self, address: str):
        self._address = address
        self._sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM | socket.SOCK_CLOEXEC)
        self._sock.setblocking(False)
        self._failed = False

    def send(self, *lines: str) -> bool:
        try:
            self._sock.sendto("\n".join(lines).encode(), self._address)
            return True
        except OSError as exc:   # systemd gone or its queue full: the next message tries again
            if not self._failed:
                log.warning("cannot notify systemd at %r: %s", self._address.lstrip("\0"), exc)
            self._failed = True
            return False

    def close(self) -> None:
        self._sock.close()


class Service:
    """run.py's side: `status` while starting, `ready` once serving, `stopping` on the way out."""

    def __init__(self, notifier: Notifier | None, watchdog_s: float | None = None):
        self._notifier, self._watchdog_s = notifier, watchdog_s
        self._keep_alive: asyncio.Task | None = None
        self._told: str | None = None

    @classmethod
    def from_environment(cls, environ=None) -> Service:
        """From $NOTIFY_SOCKET and $WATCHDOG_USEC (removed from `environ`, os.environ by default)."""
        environ = os.environ if environ is None else environ
        address = socket_address(environ.get("NOTIFY_SOCKET", ""))
        watchdog_s = watchdog_period_s(environ)
        for name in ("NOTIFY_SOCKET", "WATCHDOG_USEC", "WATCHDOG_PID"):
            environ.pop(name, None)
        return cls(Notifier(address) if address else None, watchdog_s)

    @property
    def active(self) -> bool:
        return self._notifier is not None

    def status(self, text: str) -> None:
        if self._notifier is not None:
            self._notifier.send(f"STATUS={text}")

    def ready(self, serving: str, readiness: Callable[[], list[str]] | None = None) -> None:
        """READY=1 and STATUS=`serving`, then (on the running loop) WATCHDOG=1 every half
        watchdog period, and STATUS again whenever readiness() changes its reasons."""
        if self._notifier is None:
            return
        self._told = self._status(serving, readiness)
        self._notifier.send("READY=1", f"STATUS={self._told}")
        if self._watchdog_s is not None or readiness is not None:
            self._keep_alive = asyncio.get_running_loop().create_task(self._beat(serving, readiness))

    def stopping(self) -> None:
        if self._notifier is None:
            return
        if self._keep_alive is not None:
            self._keep_alive.cancel()
        self._notifier.send("STOPPING=1", "STATUS=stopping")
        self._notifier.close()
        self._notifier = None

    async def _beat(self, serving: str, readiness: Callable[[], list[str]] | None) -> None:
        period = self._watchdog_s or STATUS_EVERY_S
        while self._notifier is not None:
            await asyncio.sleep(period)
            lines = ["WATCHDOG=1"] if self._watchdog_s is not None else []
            status = self._status(serving, readiness)
            if status != self._told:
                self._told = status
                lines.append(f"STATUS={status}")
            if lines and self._notifier is not None:
                self._notifier.send(*lines)

    @staticmethod
    def _status(serving: str, readiness: Callable[[], list[str]] | None) -> str:
        reasons = readiness() if readiness is not None else []
        return f"{serving}; not ready: {', '.join(reasons)}" if reasons else serving
