"""Clusters' time series (issue 14): roll-up and pruning, reads, the store's insert rate.

    python bench/history.py [--clusters 100] [--pools 10] [--hours 6] [--month-clusters N]
                            [--samples 50] [--inserts 20000] [--db postgresql://…] [--data-dir DIR]

1. Fills a database straight through store/history.py (no daemon): per cluster, `--hours` of raw
   points at a 10 s heartbeat, each with 20 cluster figures and 7 per pool (90 values with 10
   pools), and for `--month-clusters` of them (default: all) 30 days of 5-minute and hourly
   means before that, as the roll-up leaves them. Timed: that is also the direct insert rate.
2. Upkeep (store/history_upkeep.py) in batches of RetentionSettings.batch_rows, as the store runs
   it: the first run rolls the whole raw backlog up (what a restart after a long stop meets);
   then the run a minute later (one more heartbeat per cluster: every minute's cost); then a run
   6 h later, which deletes every raw point of the fill. Total time and the longest batch (what
   other store messages wait behind at most).
3. Reads of 3 series of one cluster: the last 6 h (raw: 2,160 points) and the last 30 days
   (5-minute means: 8,640 points), `--samples` each, through the reader actor (the facade's path)
   and straight on a connection (reference).
4. LoadState of every cluster with its last 3 days of points (what the daemon's start-up reads):
   every series or only those a trend needs, raw points only where not rolled up or for 6 h,
   hourly means before the last day; against LoadState without them.
5. The store actor's insert rate: `--inserts` RecordSample messages of 90 values told at once,
   then Flush (100 clusters at a 10 s heartbeat send 10 a second).
PostgreSQL: `bash .ci/postgres start DIR` prints a URL of a throwaway server (stop it after).
"""
from __future__ import annotations

import argparse
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from actors.runtime.base import ask  # noqa: E402
from actors.storage import messages as m  # noqa: E402
from actors.storage.actor import StoreActor  # noqa: E402
from actors.storage.event_reader import EventReader  # noqa: E402
from actors.storage.retention import RetentionSettings, SeriesTiers  # noqa: E402
from store import queries as q  # noqa: E402
from store.db import create_schema, open_database  # noqa: E402
from store.history import FIVE_MINUTES, HOURLY, History  # noqa: E402
from store.history_codec import encode  # noqa: E402
from store.history_upkeep import upkeep  # noqa: E402
from store.models import ALL_MODELS  # noqa: E402

HOUR, DAY = 3600.0, 86_400.0
BEAT = 10.0
NOW = float(int(time.time() // HOUR * HOUR))
CLUSTER_SERIES = ("total_bytes", "used_bytes", "avail_bytes", "used_ratio", "read_bytes_sec",
                  "write_bytes_sec", "read_op_per_sec", "write_op_per_sec", "recovering_bytes_per_sec",
                  "recovering_objects_per_sec", "degraded_objects", "misplaced_objects", "unfound_objects",
                  "num_objects", "num_pgs", "pgs_active_clean", "num_osds", "num_up_osds", "num_in_osds",
                  "mons_in_quorum")
POOL_SERIES = ("stored_bytes", "objects", "used_bytes", "read_bytes_sec", "write_bytes_sec",
               "read_op_per_sec", "write_op_per_sec")
READ_SERIES = ("used_bytes", "read_bytes_sec", "pool.1.stored_bytes")
TREND_SERIES = ("used_bytes", "pool.*.stored_bytes")     # what days_until_full needs
TIERS = SeriesTiers()


def fsid_of(c: int) -> str:
    return f"00000000-0000-4000-8000-{c:012d}"


def sample(rng: random.Random, c: int, t: float, pools: int) -> dict:
    """A heartbeat's figures: usage growing with time, rates and counters noisy."""
    grown = (t - NOW + 40 * DAY) * 1e4 * (1 + c % 7)
    values = {name: rng.random() * 1e9 for name in CLUSTER_SERIES}
    values.update(total_bytes=1e15, used_bytes=1e14 + grown, num_osds=1000, num_up_osds=1000, num_pgs=4096)
    for pool in range(1, pools + 1):
        for name in POOL_SERIES:
            values[f"pool.{pool}.{name}"] = float(int(rng.random() * 1e12)) if "bytes" in name else rng.random() * 1e4
        values[f"pool.{pool}.stored_bytes"] = float(int(grown / pools))
    return values


def fill(target: str, clusters: int, pools: int, hours: float, month_clusters: int) -> None:
    db = open_database(target)
    db.connect()
    create_schema(db)
    rng = random.Random(7)
    try:
        with db.bind_ctx(ALL_MODELS):
            history = History(db)
            started = time.perf_counter()
            raw = 0
            for c in range(clusters):
                with db.atomic():
                    q.save_cluster(fsid_of(c), f"ceph-{c}", NOW)
                    for i in range(int(hours * HOUR / BEAT)):
                        t = NOW - hours * HOUR + i * BEAT
                        history.record_sample(fsid_of(c), t, sample(rng, c, t, pools))
                        raw += 1
            took = time.perf_counter() - started
            print(f"filled {raw:,} raw points ({clusters} clusters × {hours:g} h at {BEAT:g} s, "
                  f"{len(sample(rng, 0, NOW, pools))} values): {took:.1f} s, {raw / took:,.0f} points/s direct",
                  flush=True)
            started = time.perf_counter()
            ids = history.ids(sample(rng, 0, NOW, pools))
            month = 0
            for c in range(month_clusters):
                for tier, step, count in ((FIVE_MINUTES, 300.0, 30), (HOURLY, HOUR, 360)):
                    first, end = NOW - hours * HOUR - 30 * DAY, NOW - hours * HOUR
                    points = [(t, count, encode({ids[k]: v for k, v in sample(rng, c, t, pools).items()}))
                              for t in (first + i * step for i in range(int((end - first) / step)))]
                    with db.atomic():
                        history.insert_points(fsid_of(c), tier, points)
                    month += len(points)
            print(f"filled {month:,} five-minute and hourly means (30 days × {month_clusters} clusters): "
                  f"{time.perf_counter() - started:.1f} s", flush=True)
        if "://" in target:
            db.execute_sql("VACUUM ANALYZE history_points")
        else:
            db.execute_sql("ANALYZE")
            db.execute_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        db.close()


def size_of(target: str) -> str:
    if "://" not in target:
        return f"{os.path.getsize(target) / 2**20:,.0f} MiB file"
    db = open_database(target)
    db.connect()
    try:
        size = db.execute_sql("SELECT pg_total_relation_size('history_points')").fetchone()[0]
    finally:
        db.close()
    return f"{size / 2**20:,.0f} MiB (history_points with its index)"


def run_upkeep(target: str, now: float, label: str, batch_rows: int) -> None:
    """As the store does: batch after batch, each its own transaction, until done."""
    db = open_database(target)
    db.connect()
    try:
        with db.bind_ctx(ALL_MODELS):
            history = History(db)
            batches, longest, written, deleted = 0, 0.0, [0, 0, 0], [0, 0, 0]
            started = time.perf_counter()
            while True:
                began = time.perf_counter()
                with db.atomic():
                    result = upkeep(history, now, TIERS.ages, batch_rows)
                longest = max(longest, time.perf_counter() - began)
                batches += 1
                written = [a + b for a, b in zip(written, result.written)]
                deleted = [a + b for a, b in zip(deleted, result.deleted)]
                if result.done:
                    break
            took = time.perf_counter() - started
    finally:
        db.close()
    print(f"upkeep, {label}: {took:.2f} s in {batches} batches of {batch_rows:,} rows "
          f"(longest {longest * 1000:.0f} ms); "
          f"written 5-min/hourly {written[1]:,}/{written[2]:,}, deleted raw/5-min/hourly "
          f"{deleted[0]:,}/{deleted[1]:,}/{deleted[2]:,}", flush=True)


def add_heartbeat(target: str, clusters: int, pools: int, t: float) -> None:
    db = open_database(target)
    db.connect()
    rng = random.Random(11)
    try:
        with db.bind_ctx(ALL_MODELS), db.atomic():
            history = History(db)
            for c in range(clusters):
                history.record_sample(fsid_of(c), t, sample(rng, c, t, pools))
    finally:
        db.close()


def percentiles(timings: list[float]) -> str:
    timings = sorted(timings)
    p99 = timings[min(len(timings) - 1, int(len(timings) * 0.99))]
    return f"p50 {statistics.median(timings) * 1000:.1f} ms, p99 {p99 * 1000:.1f} ms"


def time_reads(read, samples: int) -> dict[str, tuple[str, int]]:
    """{case: (percentiles, points per series)}; `read(from_t)` -> the answer."""
    figures = {}
    for label, span in (("6 h (raw)", 6 * HOUR - 60), ("30 d (5-minute)", 30 * DAY)):
        timings, points = [], 0
        for _ in range(samples):
            started = time.perf_counter()
            answer = read(NOW + 60 - span)
            timings.append(time.perf_counter() - started)
            points = len(answer["series"][READ_SERIES[0]])
        figures[label] = (percentiles(timings), points)
    return figures


def reads(target: str, store, samples: int) -> None:
    reader = EventReader.start(target, store=store, warm=False)
    try:
        def through_reader(from_t):
            return ask(reader, lambda r: m.ReadHistory(fsid_of(1), READ_SERIES, from_t, NOW + 60, NOW + 60,
                                                       BEAT, r)).result(30)
        for label, (figure, points) in time_reads(through_reader, samples).items():
            print(f"read {label}, 3 series × {points:,} points, through the reader actor: {figure}", flush=True)
    finally:
        reader.stop()
    db = open_database(target)
    db.connect()
    try:
        with db.bind_ctx(ALL_MODELS):
            history = History(db)

            def direct(from_t):
                with db.atomic():
                    return history.read_history(fsid_of(1), READ_SERIES, from_t, NOW + 60, NOW + 60, BEAT,
                                                TIERS.ages, stamp=float)
            for label, (figure, points) in time_reads(direct, samples).items():
                print(f"  reference, read {label} on a direct connection, epoch times: {figure}", flush=True)
    finally:
        db.close()


def load_state(store) -> None:
    trend = f"only {' and '.join(TREND_SERIES)}"
    cases = ((0, 0.0, None, (), "without time series"),
             (m.RECENT_S, 0.0, None, (), "3 days of 5-minute means and the raw points not rolled up, every series"),
             (m.RECENT_S, 0.0, None, TREND_SERIES, f"the same, {trend}"),
             (m.RECENT_S, 0.0, DAY, TREND_SERIES, f"hourly means before the last day, {trend}"),
             (m.RECENT_S, 6 * HOUR, None, (), "3 days, the last 6 h as raw points, every series"))
    for recent_s, raw_s, five_minute_s, series, label in cases:
        started = time.perf_counter()
        state = ask(store, lambda r: m.LoadState(r, recent_s, raw_s, five_minute_s, series)).result(300)
        took = time.perf_counter() - started
        points = sum(len(c.recent_points) for c in state.clusters)
        values = sum(len(values) for c in state.clusters for _, values in c.recent_points)
        print(f"LoadState of {len(state.clusters)} clusters {label}: {took:.2f} s "
              f"({points:,} points, {values:,} values)", flush=True)


def insert_rate(store, count: int, clusters: int, pools: int) -> None:
    rng = random.Random(13)
    messages = [m.RecordSample(fsid_of(i % clusters), NOW + 120 + (i // clusters) * BEAT,
                               sample(rng, i % clusters, NOW, pools)) for i in range(count)]
    ask(store, m.Flush).result(60)
    started = time.perf_counter()
    for message in messages:
        store.tell(message)
    ask(store, m.Flush).result(600)
    took = time.perf_counter() - started
    print(f"store actor: {count:,} RecordSample told at once, all committed in {took:.2f} s: "
          f"{count / took:,.0f} samples/s ({took / count * 1e6:.0f} µs each; 100 clusters at 10 s send 10/s)",
          flush=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--clusters", type=int, default=100)
    parser.add_argument("--pools", type=int, default=10, help="7 series each, beside 20 of the cluster")
    parser.add_argument("--hours", type=float, default=6.0, help="raw points per cluster, up to now")
    parser.add_argument("--month-clusters", type=int, default=None, help="with 30 days of means (default: all)")
    parser.add_argument("--samples", type=int, default=50, help="reads per case")
    parser.add_argument("--inserts", type=int, default=20_000)
    parser.add_argument("--data-dir", default=None, help="keep the SQLite database here")
    parser.add_argument("--db", default=None, help="postgresql://… (emptied first)")
    args = parser.parse_args()
    month_clusters = args.clusters if args.month_clusters is None else min(args.month_clusters, args.clusters)
    data_dir = args.data_dir or tempfile.mkdtemp(prefix="bench-history-")
    target = args.db or str(Path(data_dir) / "calamari.sqlite3")
    batch_rows = RetentionSettings().batch_rows
    try:
        if args.db:
            db = open_database(args.db)
            db.connect()
            db.execute_sql("DROP TABLE IF EXISTS history_points, history_series")
            db.close()
        print(f"{'PostgreSQL' if args.db else 'SQLite'}; {os.cpu_count()} cores", flush=True)
        fill(target, args.clusters, args.pools, args.hours, month_clusters)
        print(f"size after the fill: {size_of(target)}", flush=True)
        run_upkeep(target, NOW + 60, f"first run, {args.hours:g} h of raw points to roll up", batch_rows)
        add_heartbeat(target, args.clusters, args.pools, NOW + 60)
        run_upkeep(target, NOW + 120, "a minute later (steady state)", batch_rows)
        store = StoreActor.start(target)
        try:
            ask(store, m.Flush).result(60)
            reads(target, store, args.samples)
            load_state(store)
            insert_rate(store, args.inserts, args.clusters, args.pools)
        finally:
            store.stop()
        run_upkeep(target, NOW + 6 * HOUR + 600, "6 h later (every raw point of the fill expires)", batch_rows)
        print(f"size at the end: {size_of(target)}", flush=True)
    finally:
        if args.data_dir is None:
            shutil.rmtree(data_dir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
