"""One HA group member in a process of its own, for the SIGSTOP test (tests/system/test_ha_lease.py):
`python -m tests.system.ha_member DB_URL MEMBER_ID LEASE_S`.

It prints `change TERM` (or `change None`) on every role change, and `resumed fence=TERM|None`
when continued after SIGSTOP (from the main thread's signal handler; whether or not the lease
thread has run by then, a lease that ran out while stopped must read None); SIGTERM stops the
lease (a clean handover) and exits 0.
"""
from __future__ import annotations

import signal
import sys
import threading

from ha.lease import Lease


_OUT = threading.RLock()    # re-entrant: the signal handlers run on the main thread too


def say(line: str) -> None:
    """One whole line (print() from two threads may interleave text and newline)."""
    with _OUT:
        sys.stdout.write(line + "\n")
        sys.stdout.flush()


def main() -> int:
    url, member_id, lease_s = sys.argv[1], sys.argv[2], float(sys.argv[3])
    lease = Lease(url, member_id, f"http://{member_id}.example:8002", lease_s=lease_s,
                  on_change=lambda term: say(f"change {term}"))
    stopping = []
    signal.signal(signal.SIGCONT, lambda *_: say(f"resumed fence={lease.fence()}"))
    signal.signal(signal.SIGTERM, lambda *_: stopping.append(True))
    # The lease's threads inherit a mask without these signals, so the kernel hands them to the
    # main thread, whose pause() they end (one delivered to another thread would leave it paused).
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGCONT, signal.SIGTERM})
    lease.start()
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGCONT, signal.SIGTERM})
    say("started")
    while not stopping:
        signal.pause()
    lease.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
