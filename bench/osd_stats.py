"""The cost of one `osd df` of a big cluster, end to end, in one process without sockets (issue 14).

    python bench/osd_stats.py [--servers 100] [--osds-per-server 100] [--repeat 5]

Each step is what the real path does, called the same way:

1. sim: the simulated cluster builds its get_cluster_stats answer (`osd df` + `osd perf`);
2. encode: the agent packs it as a JobResult (bus/protocol.py `encode`);
3. decode: the daemon's bus unpacks and checks it (bus/protocol.py `decode`);
4. apply: ClusterStats.with_osd_stats (actors/cluster/stats.py);
5. rows: osd_usage_rows (actors/cluster/views/osd_usage.py), once per osd df in the QueryCache;
6. JSON of a page of 100 rows and of the whole list, as actors/cluster/queries.py encodes them;
7. per heartbeat while that osd df is held: the usage answer (api_usage, what the capacity
   alarms assess on every favourite heartbeat) and the io answer (api_io, with osd perf).

Times are the median and the worst of `--repeat` runs (the cycle collector tuned as the daemon
tunes it). Peak memory is tracemalloc's peak above the step's start, in a separate pass (tracing
slows Python down several times, so it never runs during the timed passes); "kept" is what the
step's result holds once the step's temporaries are gone. The OSD map view (OsdMapView, built
once per map version, not per osd df) is built before and not counted.
"""
from __future__ import annotations

import argparse
import gc
import json
import statistics
import sys
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from actors.cluster.stats import ClusterStats  # noqa: E402
from actors.cluster.views.io import api_io  # noqa: E402
from actors.cluster.views.osd_map import OsdMapView  # noqa: E402
from actors.cluster.views.osd_usage import osd_usage_rows, select_osd_usage  # noqa: E402
from actors.cluster.views.usage import api_usage  # noqa: E402
from bus.protocol import JobResult, decode, encode, tune_gc_for_large_messages  # noqa: E402
from sim.model import SimCluster  # noqa: E402

PAGE = 100


def steps(cluster: SimCluster, view: OsdMapView, held: ClusterStats) -> list[tuple[str, str, object]]:
    """[(label, name of its result, step)]: a step reads earlier results from the dict it is given."""
    return [
        ("sim: get_cluster_stats answer", "answer", lambda r: cluster.get_cluster_stats()),
        ("agent: encode JobResult", "frames", lambda r: encode(JobResult("job-1", True, r["answer"]), "mon-host")),
        ("daemon: decode", "envelope", lambda r: decode(r["frames"])),
        ("daemon: ClusterStats.with_osd_stats", "stats", lambda r: held.with_osd_stats(r["envelope"].body.result)),
        ("daemon: osd_usage_rows", "rows", lambda r: osd_usage_rows(r["stats"], view)),
        (f"daemon: JSON of a page ({PAGE})", "page", lambda r: json.dumps(select_osd_usage(r["rows"])[:PAGE]).encode()),
        ("daemon: JSON of the whole list", "whole", lambda r: json.dumps(r["rows"]).encode()),
        ("per heartbeat: api_usage (capacity alarms)", "usage", lambda r: api_usage(r["stats"], view, {})),
        ("per heartbeat: api_io as JSON", "io", lambda r: json.dumps(api_io(r["stats"], view, None)).encode()),
    ]


END_TO_END = 7   # the first seven steps: one osd df from the agent to both osd_usage answers


def size_of(result) -> str:
    """The bytes a step hands on, where they are bytes (a message, a JSON answer)."""
    if isinstance(result, list) and result and isinstance(result[-1], bytes):
        return f"{len(result[-1]):,} B msgpack"
    if isinstance(result, bytes):
        return f"{len(result):,} B JSON"
    return ""


def timed(pipeline) -> tuple[list[float], dict]:
    """([seconds per step], {name: result})."""
    seconds, results = [], {}
    for _, name, step in pipeline:
        started = time.perf_counter()
        results[name] = step(results)
        seconds.append(time.perf_counter() - started)
    return seconds, results


def traced(pipeline) -> list[tuple[int, int]]:
    """[(peak bytes above the step's start, bytes its result still holds after it)] per step."""
    out, results = [], {}
    tracemalloc.start()
    for _, name, step in pipeline:
        gc.collect()
        before = tracemalloc.get_traced_memory()[0]
        tracemalloc.reset_peak()
        results[name] = step(results)
        gc.collect()
        current, peak = tracemalloc.get_traced_memory()
        out.append((peak - before, current - before))
    tracemalloc.stop()
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--servers", type=int, default=100)
    parser.add_argument("--osds-per-server", type=int, default=100)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    tune_gc_for_large_messages()   # as run.py and the simulator do
    started = time.perf_counter()
    cluster = SimCluster(hosts=args.servers, osds_per_host=args.osds_per_server)
    cluster.advance(10.0)   # some client load written, rates non-zero
    view = OsdMapView(cluster.get_cluster_object("osd_map")["data"])
    held = ClusterStats().with_heartbeat(cluster.heartbeat_stats())
    print(f"{len(view.osds_by_id):,} OSDs on {args.servers} servers; cluster and OSD map view built in "
          f"{time.perf_counter() - started:.1f} s (not counted)")
    pipeline = steps(cluster, view, held)
    runs = []
    for _ in range(args.repeat):
        seconds, results = timed(pipeline)   # only the last run's results are kept (for the sizes)
        runs.append(seconds)
    memory = traced(pipeline)
    print(f"{'step':44} {'median':>9} {'worst':>9} {'peak +':>10} {'kept':>10}  size")
    for n, (label, _, _) in enumerate(pipeline):
        ms = [run[n] * 1000 for run in runs]
        peak, kept = memory[n]
        print(f"{label:44} {statistics.median(ms):7.1f}ms {max(ms):7.1f}ms "
              f"{peak / 2**20:8.1f}MiB {kept / 2**20:8.1f}MiB  {size_of(results[pipeline[n][1]])}")
    end_to_end = [sum(run[:END_TO_END]) * 1000 for run in runs]
    print(f"one osd df, answer built -> both JSON answers (steps 1-7): median {statistics.median(end_to_end):.0f} ms, "
          f"worst {max(end_to_end):.0f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
