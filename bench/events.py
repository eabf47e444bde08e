"""Event list latency with 1,000,000 stored events (issue 7: any page, p99 < 50 ms).

    python bench/events.py [--events 1000000] [--samples 200] [--data-dir DIR] [--backlog 100000]
                           [--db postgresql://…] [--no-busy | --busy-only]

1. Fills a database straight through the store module (no daemon): `--events` recent events
   (the last 20 days: ~100 fsids, ~10,000 fqdns, severities mostly INFO, some timestamps shared
   and a few out of order), plus `--backlog` events 40 days old that only the busy phase prunes.
   A `--data-dir` (SQLite) or `--db` that already holds that mix is reused as it is; one of an
   older schema is migrated first (timed). Without --data-dir a temporary one is removed after.
   PostgreSQL: `bash .ci/postgres start DIR` prints a URL of a throwaway server (stop it after).
2. Idle: starts the real daemon (`run.py --no-sim`, no retention limits so nothing is pruned),
   logs in and times GETs over one keep-alive connection: first, middle and last page of
   `event` (page_size 10 and 100), of one cluster's and one server's events and of
   `?severity=WARNING`/`CRITICAL`. Cases take turns, `--samples` rounds; p50/p99/max per case.
   The first GET of each list after the start is printed apart (it lays that filter's anchors).
3. Reference: the store's own query function (store/queries.py list_events) on a connection of
   this process, same cases, no HTTP and no actors: what those layers add is the difference.
4. Busy (unless --no-busy): starts the daemon again with the default 30-day age limit, so the
   store deletes the backlog batch by batch from its first tick, and times the page_size-10
   cases while it does (the goal says: not stalled behind store writes) until it is done.

The goal is judged on the idle figures; the machine's load average is printed with them.
"""
from __future__ import annotations

import argparse
import io
import os
import random
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from bench.fleet_procs import Api  # noqa: E402 - soak.py's keep-alive client
from bench.read_api import PASSWORD, login, start  # noqa: E402

GOAL_P99_MS = 50.0
CLUSTERS = 100
SERVERS_PER_CLUSTER = 100
DAY_S = 86_400.0
RECENT_DAYS = 20.0
BACKLOG_AGE_DAYS = 40.0
# (severity, share): CRITICAL, ERROR, WARNING, RECOVERY, INFO as in actors/events.py
SEVERITY_MIX = ((1, 0.02), (2, 0.05), (3, 0.13), (4, 0.10), (5, 0.70))
SEED = 7

MESSAGES = {
    1: ("Health of cluster '{c}' changed from HEALTH_WARN to HEALTH_ERR",
        "{n} OSDs are down in cluster '{c}'"),
    2: ("Server {h} stopped reporting", "Request 'Creating pool {p}' failed: timed out"),
    3: ("OSD osd.{o} went down", "Health of cluster '{c}' changed from HEALTH_OK to HEALTH_WARN",
        "Server {h} is late reporting"),
    4: ("OSD osd.{o} came back up", "Server {h} regained contact",
        "Health of cluster '{c}' recovered to HEALTH_OK"),
    5: ("Added OSD osd.{o} on {h}", "Audit: POST /api/v2/cluster/{f}/pool by admin",
        "Pool {p} created", "Monitor mon.{h} joined quorum", "Server {h} registered"),
}


def fsid_of(c: int) -> str:
    return f"{c:08x}-7e57-4e1a-9c3e-{c:012x}"


def fqdn_of(c: int, s: int) -> str:
    return f"node{c:03d}-{s:03d}.example.com"


def generate(count: int, newest: float, days: float, seed: int):
    """Rows (when, severity, message, fsid, fqdn, service_type, service_id), oldest first."""
    rng = random.Random(seed)
    levels = [level for level, _ in SEVERITY_MIX]
    weights = [share for _, share in SEVERITY_MIX]
    start = newest - days * DAY_S
    step = days * DAY_S / max(1, count)
    when = start
    for i in range(count):
        roll = rng.random()
        if roll < 0.05 and i:          # same timestamp as the one before: ties are ordered by id
            stamp = when
        else:
            when = start + i * step + rng.random() * step
            stamp = when - rng.random() * 60.0 if roll > 0.99 else when   # a few arrive late
        severity = rng.choices(levels, weights)[0]
        c = rng.randrange(CLUSTERS)
        s = rng.randrange(SERVERS_PER_CLUSTER)
        kind = rng.random()             # on a server of a cluster / cluster-wide / server only
        fsid = fsid_of(c) if kind < 0.9 else None
        fqdn = fqdn_of(c, s) if kind < 0.6 or kind >= 0.9 else None
        osd = c * 1000 + s * 10 + rng.randrange(10)
        template = rng.choice(MESSAGES[severity])
        message = template.format(c=f"ceph-{c}", f=fsid_of(c), h=f"node{c:03d}-{s:03d}", o=osd,
                                  p=f"pool-{rng.randrange(100)}", n=rng.randrange(2, 9))
        service = ("osd", str(osd)) if "osd." in message else (None, None)
        yield (stamp, severity, message, fsid, fqdn, *service)


# filling the database -----------------------------------------------------------------------------

def open_store(target: str):
    """Connected, its schema created or migrated (an older data dir is upgraded here, timed)."""
    from store.db import create_schema, open_database
    from store.migrations import current_version
    db = open_database(target)
    db.connect()
    before = current_version(db) if db.get_tables() else None
    started = time.perf_counter()
    after = create_schema(db)
    if before is not None and before != after:
        print(f"schema migrated from version {before} to {after} in {time.perf_counter() - started:.1f} s",
              flush=True)
    return db


def stored_mix(db, recent_after: float) -> tuple[int, int]:
    """(recent events, backlog events) in the database."""
    cursor = db.execute_sql(
        f'SELECT count(*), sum(CASE WHEN "when" < {db.param} THEN 1 ELSE 0 END) FROM events',
        (recent_after,))
    total, old = cursor.fetchone()
    return total - (old or 0), old or 0


def fill(db, rows, postgres: bool) -> None:
    columns = '"when", severity, message, fsid, fqdn, service_type, service_id'
    batch = []
    with db.atomic():
        for row in rows:
            batch.append(row)
            if len(batch) == 50_000:
                _insert(db, batch, columns, postgres)
                batch = []
        if batch:
            _insert(db, batch, columns, postgres)


def _insert(db, batch, columns: str, postgres: bool) -> None:
    cursor = db.cursor()
    if postgres:   # COPY: executemany would be one round trip per row
        buffer = io.StringIO()
        for row in batch:
            buffer.write("\t".join(r"\N" if v is None else repr(v) if isinstance(v, float) else str(v)
                                   for v in row) + "\n")
        buffer.seek(0)
        cursor.copy_expert(f"COPY events ({columns}) FROM STDIN", buffer)
    else:
        cursor.executemany(f"INSERT INTO events ({columns}) VALUES (?, ?, ?, ?, ?, ?, ?)", batch)


def prepare(target: str, events: int, backlog: int, now: float) -> dict:
    """Fill `target` with the mix unless it holds it; returns the fsid/fqdn the cases filter by."""
    postgres = "://" in target
    db = open_store(target)
    try:
        recent_after = now - (RECENT_DAYS + 5) * DAY_S
        recent, old = stored_mix(db, recent_after)
        if recent < events:   # (a reused database also holds the events its daemons emitted)
            started = time.perf_counter()
            print(f"filling {events:,} recent events …", flush=True)
            db.execute_sql("DELETE FROM events")
            fill(db, generate(events, now - 3600.0, RECENT_DAYS, SEED), postgres)
            print(f"  {time.perf_counter() - started:.1f} s", flush=True)
            old = 0
        if old < backlog:
            print(f"filling {backlog - old:,} backlog events ({BACKLOG_AGE_DAYS:.0f} days old) …", flush=True)
            fill(db, generate(backlog - old, now - BACKLOG_AGE_DAYS * DAY_S, 1.0, SEED + old + 1), postgres)
        fsid, fqdn = fsid_of(17), fqdn_of(17, 42)
        # The cluster and the server the filtered cases name: the API answers 404 for unknown ones.
        from store import queries as q
        from store.models import ALL_MODELS
        with db.bind_ctx(ALL_MODELS), db.atomic():
            q.save_cluster(fsid, "ceph-17", now)
            q.save_server({"fqdn": fqdn, "managed": False, "last_contact": now})
        if postgres:
            db.execute_sql("VACUUM ANALYZE events")
        else:
            db.execute_sql("ANALYZE")
            db.execute_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        return {"fsid": fsid, "fqdn": fqdn, "recent": max(recent, events), "backlog": backlog}
    finally:
        db.close()


# the cases -----------------------------------------------------------------------------------------

def lists(mix: dict) -> dict[str, tuple[str, dict]]:
    """{name: (API path, what the API asks the store for)}."""
    return {"all": ("event", {}),
            "cluster": (f"cluster/{mix['fsid']}/event", {"fsid": mix["fsid"]}),
            "server": (f"server/{mix['fqdn']}/event", {"fqdn": mix["fqdn"]}),
            "WARNING+": ("event?severity=WARNING", {"max_severity": 3}),
            "CRITICAL": ("event?severity=CRITICAL", {"max_severity": 1})}


def api_totals(api: Api, mix: dict) -> dict[str, int]:
    """Each list's count, from its first page: the first GET of a filter after a start lays its
    anchors (store/event_pages.py), so these are printed, not counted in the figures."""
    totals, firsts = {}, {}
    for name, (path, _) in lists(mix).items():
        firsts[name], body = api.get(path)
        totals[name] = body["count"]
    print_firsts(firsts)
    return totals


def print_firsts(firsts: dict[str, float]) -> None:
    print("first GET of each list after the start (not in the figures): "
          + ", ".join(f"{name} {ms:.1f} ms" for name, ms in firsts.items()), flush=True)


def surviving_totals(target: str, mix: dict, cutoff: float) -> dict[str, int]:
    """What each list will count once retention has deleted everything older than `cutoff`
    (the busy phase's pages must stay within range while it does)."""
    db = open_store(target)
    try:
        totals = {}
        for name, (_, where) in lists(mix).items():
            conditions = [f'"when" >= {db.param}'] + [
                f'"{"severity" if key == "max_severity" else key}" {"<=" if key == "max_severity" else "="} {db.param}'
                for key in where]
            totals[name] = db.execute_sql(f"SELECT count(*) FROM events WHERE {' AND '.join(conditions)}",
                                          (cutoff, *where.values())).fetchone()[0]
        return totals
    finally:
        db.close()


PLAN = (("all", 10, ("first", "middle", "last")), ("all", 100, ("first", "middle", "last")),
        ("cluster", 10, ("first", "middle", "last")), ("server", 10, ("first", "last")),
        ("WARNING+", 10, ("first", "middle", "last")), ("CRITICAL", 10, ("first", "last")))


def cases(mix: dict, totals: dict[str, int], plan=PLAN) -> list[tuple[str, str, dict]]:
    """[(label, path, store args)]: first, middle and last pages of each list."""
    out = []
    for name, size, where in plan:
        path, store_args = lists(mix)[name]
        pages = max(1, -(-totals[name] // size))
        for position in where:
            number = {"first": 1, "middle": max(1, pages // 2), "last": pages}[position]
            joiner = "&" if "?" in path else "?"
            label = f"{name} ({totals[name]:,}) size {size} {position}"
            out.append((label, f"{path}{joiner}page_size={size}&page={number}",
                        dict(store_args, offset=(number - 1) * size, limit=size)))
    return out


def summary(values: list[float]) -> tuple[float, float, float]:
    ordered = sorted(values)
    return (statistics.median(ordered), ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))],
            ordered[-1])


def report(title: str, figures: dict[str, list[float]], goal: bool = True) -> None:
    print(f"\n{title}   (load average {' '.join(f'{x:.2f}' for x in os.getloadavg())})")
    worst = 0.0
    for label, values in figures.items():
        p50, p99, top = summary(values)
        worst = max(worst, p99)
        over = sum(1 for v in values if v >= GOAL_P99_MS)
        mark = (f"{'ok  ' if p99 < GOAL_P99_MS else 'OVER'} ({over} >= {GOAL_P99_MS:.0f} ms)") if goal else ""
        print(f"  {label:<38} n={len(values):4}  p50 {p50:8.2f} ms  p99 {p99:8.2f} ms  "
              f"max {top:8.2f} ms  {mark}")
    if goal:
        print(f"  worst p99 {worst:.2f} ms: goal p99 < {GOAL_P99_MS:.0f} ms "
              f"{'MET' if worst < GOAL_P99_MS else 'NOT MET'}")


def warm_up(api: Api, plan) -> None:
    """One GET of each list's first page, as api_totals does."""
    firsts = {}
    for label, path, _ in plan:
        name = label.split(" (")[0]
        if name not in firsts:
            firsts[name] = api.get(re.sub(r"([?&])page=\d+", r"\1page=1", path))[0]
    print_firsts(firsts)


def time_http(api: Api, plan, rounds: int, until=None) -> dict[str, list[float]]:
    """Rounds of every case in turn (a fresh order each round); `until()` True stops early."""
    figures: dict[str, list[float]] = {label: [] for label, _, _ in plan}
    order = list(plan)
    rng = random.Random(SEED)
    for _ in range(rounds):
        rng.shuffle(order)
        for label, path, _ in order:
            figures[label].append(api.get(path)[0])
        if until is not None and until():
            break
    return figures


def time_reference(target: str, plan, rounds: int) -> dict[str, list[float]]:
    """The store's query function on this process's own connection, one transaction per list as
    the store and the event reader run it (with anchors kept between calls, as they keep them)."""
    from store import queries as q
    from store.db import open_database
    from store.models import ALL_MODELS
    try:
        from store.event_pages import EventPages
        keep = {"pages": EventPages()}
    except ImportError:   # before store/event_pages.py
        keep = {}
    db = open_database(target)
    db.connect()
    if "://" in target:   # as the event reader's connection
        db.execute_sql("SET SESSION CHARACTERISTICS AS TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
    figures: dict[str, list[float]] = {label: [] for label, _, _ in plan}
    order = list(plan)
    rng = random.Random(SEED)
    try:
        with db.bind_ctx(ALL_MODELS):
            for _ in range(rounds):
                rng.shuffle(order)
                for label, _, args in order:
                    started = time.perf_counter()
                    with db.atomic():
                        q.list_events(args.get("fsid"), args.get("fqdn"), args.get("max_severity", 5),
                                      args["offset"], args["limit"], **keep)
                    figures[label].append((time.perf_counter() - started) * 1000)
    finally:
        db.close()
    return figures


# the daemon ------------------------------------------------------------------------------------------

def start_daemon(data_dir: str, db: str | None, retention: list[str]):
    cmd = [sys.executable, "run.py", "--no-sim", "--http-port", "0", "--metrics-port", "0", "--bus-endpoint", "tcp://127.0.0.1:0",
           "--data-dir", data_dir, "--admin-password", PASSWORD, "--log-level", "WARNING", *retention]
    if db:
        cmd += ["--db", db]
    started = time.perf_counter()
    daemon, ready = start(cmd, "READY ")
    parts = dict(p.split("=", 1) for p in ready.split()[1:])
    return daemon, parts["http"], time.perf_counter() - started


def stop_daemon(daemon) -> None:
    daemon.send_signal(signal.SIGTERM)
    try:
        daemon.wait(30)
    except subprocess.TimeoutExpired:
        daemon.kill()
        daemon.wait()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--backlog", type=int, default=100_000,
                        help="old events the busy phase prunes (0 with --no-busy saves filling them)")
    parser.add_argument("--samples", type=int, default=200, help="rounds over every case")
    parser.add_argument("--reference-samples", type=int, default=None, help="default: --samples")
    parser.add_argument("--data-dir", default=None, help="keep (and reuse) the data dir here")
    parser.add_argument("--db", default=None, help="postgresql://… (the data dir still holds keys)")
    parser.add_argument("--no-busy", action="store_true", help="skip the busy (pruning) phase")
    parser.add_argument("--busy-only", action="store_true", help="only the busy phase")
    args = parser.parse_args()
    now = time.time()
    data_dir = args.data_dir or tempfile.mkdtemp(prefix="bench-events-")
    target = args.db or str(Path(data_dir) / "calamari.sqlite3")
    try:
        Path(data_dir).mkdir(parents=True, exist_ok=True)
        mix = prepare(target, args.events, 0 if args.no_busy else args.backlog, now)
        backend = "PostgreSQL" if args.db else "SQLite"
        print(f"{backend}: {mix['recent']:,} events in the last {RECENT_DAYS:.0f} days "
              f"+ {mix['backlog']:,} backlog; {os.cpu_count()} cores")
        if args.busy_only:
            busy(args, data_dir, target, mix)
            return 0
        no_limits = ["--event-max-age-days", "0", "--event-max-count", "0"]
        daemon, base, took = start_daemon(data_dir, args.db, no_limits)
        print(f"daemon ready after {took:.1f} s")
        try:
            api = Api(base, login(base))
            plan = cases(mix, api_totals(api, mix))
            figures = time_http(api, plan, args.samples)
        finally:
            stop_daemon(daemon)
        report(f"HTTP, daemon idle: {args.samples} rounds over {len(plan)} cases, one keep-alive connection",
               figures)
        rounds = args.reference_samples or args.samples
        report(f"reference: store/queries.py list_events on a direct connection, {rounds} rounds",
               time_reference(target, plan, rounds), goal=False)
        if not args.no_busy and mix["backlog"]:
            busy(args, data_dir, target, mix)
    finally:
        if args.data_dir is None:
            shutil.rmtree(data_dir, ignore_errors=True)
    return 0


def busy(args, data_dir: str, target: str, mix: dict) -> None:
    """GETs while the store prunes the backlog (default age limit) a batch at a time."""
    cutoff = time.time() - 30 * DAY_S + 3600.0   # the daemon's cutoff, give or take this run
    plan = cases(mix, surviving_totals(target, mix, cutoff),
                 [(name, size, where) for name, size, where in PLAN if size == 10])
    daemon, base, _ = start_daemon(data_dir, args.db, ["--event-max-count", "0"])
    try:
        api = Api(base, login(base))
        started = time.perf_counter()
        total = [api.get("event")[1]["count"]]

        def pruned() -> bool:   # the backlog is gone: what is left is the recent events
            total[0] = api.get("event")[1]["count"]
            return total[0] <= mix["recent"] + 100
        warm_up(api, plan)
        figures = time_http(api, plan, args.samples, until=pruned)
        took = time.perf_counter() - started
    finally:
        stop_daemon(daemon)
    report(f"HTTP while the store prunes {args.backlog:,} old events (batches of 5,000): "
           f"{took:.1f} s, {total[0]:,} events left (labels: counts once pruned)", figures)


if __name__ == "__main__":
    sys.exit(main())
