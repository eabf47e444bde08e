"""Helpers of the HA lease tests: a log of role changes with the check that no two members were
ever active at once, a sampler of fence() doing the same check continuously, and a PostgreSQL
server of the test's own (`.ci/postgres`) that it can stop and start again."""
from __future__ import annotations

import shutil
import subprocess
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit

from tests.child_process import ROOT
from tests.db_backends import rows
from tests.helpers import skip_or_fail


class RoleLog:
    """`log.callback(member)` is a Lease's on_change; every call is kept with time.monotonic()."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.changes: list[tuple[float, str, int | None]] = []

    def callback(self, member: str):
        def on_change(term: int | None) -> None:
            with self._lock:
                self.changes.append((time.monotonic(), member, term))
        return on_change

    def of(self, member: str) -> list[int | None]:
        with self._lock:
            return [term for _, who, term in self.changes if who == member]

    def active(self) -> dict[str, int]:
        """Members whose last change made them active, with their term."""
        last: dict[str, int | None] = {}
        with self._lock:
            for _, who, term in self.changes:
                last[who] = term
        return {who: term for who, term in last.items() if term is not None}

    def intervals(self, until: float | None = None) -> list[tuple[float, float, str, int]]:
        """(start, end, member, term) of every active spell; one still open ends at `until`."""
        until = time.monotonic() if until is None else until
        found, open_ = [], {}
        with self._lock:
            for at, who, term in self.changes:
                if who in open_:
                    start, held = open_.pop(who)
                    found.append((start, at, who, held))
                if term is not None:
                    open_[who] = (at, term)
        found += [(start, until, who, term) for who, (start, term) in open_.items()]
        return sorted(found)

    def assert_never_two_active(self) -> None:
        spells = self.intervals()
        for (s1, e1, w1, t1), (s2, e2, w2, t2) in zip(spells, spells[1:]):
            assert e1 <= s2, f"{w1} (term {t1}) active until {e1:.3f}, {w2} (term {t2}) from {s2:.3f}"
            assert t2 > t1, f"term {t2} of {w2} after term {t1} of {w1}"


class Sampler:
    """A thread calling `sample()` every `every_s` until the `with` block ends."""
    every_s = 0.001

    def __init__(self) -> None:
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join(5)

    def _run(self) -> None:
        while not self._stop.wait(self.every_s):
            self.sample()

    def sample(self) -> None:
        raise NotImplementedError


class FenceSampler(Sampler):
    """Every lease's fence() every millisecond or so: any moment at which two members may act is
    recorded in `overlaps`; every term seen in `terms`."""

    def __init__(self, leases) -> None:
        super().__init__()
        self.leases = list(leases)
        self.overlaps: list[dict] = []
        self.terms: set[int] = set()

    def sample(self) -> None:
        fenced = {lease.member_id: lease.fence() for lease in self.leases}
        acting = {who: term for who, term in fenced.items() if term is not None}
        self.terms.update(acting.values())
        if len(acting) > 1:
            self.overlaps.append(acting)


class OwnPostgres:
    """A PostgreSQL server in a temporary directory (`.ci/postgres start`), for a test that stops
    and starts it under running members. The directory is under /tmp: the server runs as the
    `postgres` user, which cannot enter pytest's (root's, 0700) tmp_path."""

    def __init__(self) -> None:
        reason = None if shutil.which("runuser") and list(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl")) \
            else "no PostgreSQL server binaries (/usr/lib/postgresql/*/bin) or runuser"
        skip_or_fail(reason, "CALAMARI_REQUIRE_POSTGRES", "the database restart test")
        self.dir = Path(tempfile.mkdtemp(prefix="calamari-ha-pg-", dir="/tmp"))
        self.bin = sorted(Path("/usr/lib/postgresql").glob("*/bin"), key=lambda p: int(p.parent.name))[-1]
        server = subprocess.run([str(ROOT / ".ci/postgres"), "start", str(self.dir)], check=True,
                                capture_output=True, text=True, timeout=60).stdout.strip()
        rows(server, "CREATE DATABASE calamari")     # the role's own, as the README asks
        self.url = urlsplit(server)._replace(path="/calamari").geturl()
        self.port = urlsplit(server).port

    def stop(self) -> None:
        subprocess.run([str(ROOT / ".ci/postgres"), "stop", str(self.dir)], check=True, timeout=60)

    def start(self) -> None:
        """Again, on the same port, as `.ci/postgres start` first did."""
        options = (f"-c listen_addresses=127.0.0.1 -p {self.port} -k {self.dir} -c fsync=off "
                   "-c full_page_writes=off")
        subprocess.run(["runuser", "-u", "postgres", "--", str(self.bin / "pg_ctl"), "-D", str(self.dir / "data"),
                        "-l", str(self.dir / "server.log"), "-w", "-o", options, "start"],
                       check=True, cwd="/", capture_output=True, timeout=60)

    def remove(self) -> None:
        try:
            self.stop()
        except subprocess.CalledProcessError:
            pass       # already stopped
        shutil.rmtree(self.dir, ignore_errors=True)
