"""Scale (issue 7): one daemon managing a large simulated fleet, with the API in use meanwhile.

    python bench/fleet.py --clusters C --servers-per-cluster S --osds-per-server O
                          [--heartbeat-s 10] [--fleet-processes P] [--seconds 60] [--connections 4]

Starts the daemon (`run.py --no-sim --auto-accept`, its own process) and the fleet as P child
processes (bench/fleet_procs.py; default: as many as keep each at or under ~2,500 agents, whole
clusters per process), so the agents share neither the daemon's GIL nor one process's I/O loop.
Then it measures:

- intake: seconds from spawning the fleet until every one of the C*S servers is listed as
  managed (GET `server`, polled every second, less often once a poll takes over 250 ms) and
  then every cluster's OSD list (GET `cluster/<fsid>/osd`, once all servers are in) holds its
  S*O OSDs;
- ingestion while held, over the measuring window (`--seconds`, while the GETs below run):
  messages the bus `delivered` per second (admin GET `bus`, before and after), less the job
  results the fleet sent meanwhile (its counters), beside the expected C*S/heartbeat_s server
  heartbeats plus one cluster heartbeat per quorum mon (min(3, S) per cluster) per period;
  heartbeats the daemon replaced while queued (`heartbeats_coalesced`) show it falling behind;
- the daemon's VmRSS, threads and open descriptors when all is managed and at the end; the
  fleet processes' VmRSS at the end;
- GET latencies under that load: cluster list, one cluster, one pool, one OSD, the server list
  (a page of 100 if the API answers `?page_size` with a page, else all of it), one cluster's
  whole OSD list and an event page of 50, taken in turn on each of `--connections` keep-alive
  connections (closed loop, no pause unless `--think-ms`) for `--seconds`; p50/p99/max and
  count per endpoint; where the daemon serves them (issue 14), also the whole fleet table
  (`fleet`, sorted by -used_ratio) and one cluster's `usage`, `io` and a page of `osd_usage`;
- lost messages, as bench/soak.py counts them: after the window every fleet goes silent
  (`dark`), and after `--quiet-s` lost = unsent + (sent − the bus's delivered), since start.

- with `--scrape-every-s S` (issue 15), a second window of the same length follows the first,
  the same GETs with `/metrics` scraped as Prometheus does (gzip, a new connection) every S
  seconds beside them (and once before it: the first render, every line), so the two windows
  compare the daemon's RSS, CPU and GET latencies without and with scraping under the same
  load; each scrape's time to the last byte, its size gzip-encoded and as text, its series
  (bench/metrics_scrape.py).

It ends with the issue's goals (100 clusters × 100 servers × 10 OSDs at 10 s heartbeats,
daemon RSS < 2 GB, API p99 < 100 ms while it runs; issue 14: GET fleet p99 < 20 ms at 100
clusters; issue 15: a scrape answers in < 2 s) beside this run's figures, and a summary of
the WARNING/ERROR lines in the daemon's and the fleets' logs.
"""
from __future__ import annotations

import argparse
import os
import re
import resource
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from agent.host import raise_open_files_limit  # noqa: E402
from bench.fleet_procs import (UNSENT, Api, ask_fleets, cpu_s, fleet_stats, lost_messages,  # noqa: E402
                               proc_status, rss_kib, spawn_fleet, start_daemon, stop_all, wait_fleet_ready,
                               wait_managed)
from bench.httpload import run_mix  # noqa: E402
from bench.metrics_scrape import Scraper, scrape_once  # noqa: E402
from bench.read_api import login  # noqa: E402

AGENTS_PER_PROCESS = 2500        # one fleet process's I/O loop and GIL keep up with about this many
MAX_CLUSTERS = 156               # SimCluster indexes are 0..155 (its networks are 10.<index>.x.x)
FDS_PER_AGENT = 6                # what SimFleet reserves per agent (socket, TCP, mailboxes)
QUORUM_MONS = 3                  # the first three servers of a simulated cluster run its mons
GOAL_SIZE = (100, 100, 10, 10.0)    # clusters, servers per cluster, OSDs per server, heartbeat s
GOAL_RSS_BYTES = 2_000_000_000
GOAL_P99_MS = 100.0
SERVER_PAGE = 100                # servers per page, where the API pages the server list
KEEPS_UP = 0.95                  # delivered / sent heartbeats below this: the daemon falls behind
GOAL_FLEET_P99_MS = 20.0         # issue 14: GET fleet at 100 clusters under this bench
GOAL_SCRAPE_S = 2.0              # issue 15: a scrape of /metrics answers within this
FLEET_PAGE = 1000                # the whole fleet table in one page (the API's largest)
FLEET_LABEL = "fleet (all, by -used)"
CAPACITY_WAIT_S = 120.0          # for the first osd df of the cluster read


# set-up ------------------------------------------------------------------------------------------

def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="one daemon, a simulated fleet in several processes: "
                                     "intake time, ingestion rate, RSS, GET latencies under load, losses")
    parser.add_argument("--clusters", type=int, required=True, help=f"simulated clusters (1..{MAX_CLUSTERS})")
    parser.add_argument("--servers-per-cluster", type=int, required=True,
                        help="servers (agents) per cluster; the first three run its mons")
    parser.add_argument("--osds-per-server", type=int, required=True, help="OSDs on each server")
    parser.add_argument("--heartbeat-s", type=float, default=10.0,
                        help="agents' heartbeat period, also told to the daemon (default 10)")
    parser.add_argument("--fleet-processes", type=int, default=None,
                        help=f"fleet child processes (default: enough for <= {AGENTS_PER_PROCESS:,} agents "
                             "each; whole clusters per process, so at most --clusters)")
    parser.add_argument("--seconds", type=float, default=60.0,
                        help="measuring window: GETs timed and ingestion counted over it (default 60)")
    parser.add_argument("--connections", type=int, default=4, help="keep-alive GET connections (default 4)")
    parser.add_argument("--no-capacity-reads", action="store_true",
                        help="leave out issue 14's reads (fleet, usage, io, osd_usage): issue 7's mix, "
                             "for a before/after comparison of the same GETs")
    parser.add_argument("--scrape-every-s", type=float, default=0.0,
                        help="scrape /metrics this often during the window, as Prometheus does (default 0: never)")
    parser.add_argument("--think-ms", type=float, default=0.0,
                        help="pause after each GET on a connection (default 0: closed loop)")
    parser.add_argument("--quiet-s", type=float, default=15.0,
                        help="silence before the lost-message count, for in-flight messages (default 15)")
    parser.add_argument("--intake-timeout-s", type=float, default=1800.0,
                        help="give up when the fleet is not all managed by then (default 1800)")
    parser.add_argument("--log-dir", default=None,
                        help="keep the daemon's and the fleets' logs here (default: a temp dir, removed)")
    args = parser.parse_args(argv)
    if not 1 <= args.clusters <= MAX_CLUSTERS:
        parser.error(f"--clusters must be 1..{MAX_CLUSTERS}")
    if args.servers_per_cluster < 1 or args.osds_per_server < 0 or args.heartbeat_s <= 0:
        parser.error("need >= 1 server per cluster, >= 0 OSDs per server and a positive heartbeat")
    args.agents = args.clusters * args.servers_per_cluster
    args.fleet_processes = min(args.clusters, args.fleet_processes or -(-args.agents // AGENTS_PER_PROCESS))
    biggest = -(-args.clusters // args.fleet_processes) * args.servers_per_cluster
    hard = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
    if hard != resource.RLIM_INFINITY and FDS_PER_AGENT * biggest > hard:
        # SimFleet raises its soft limit only up to the hard one: the rest would fail to connect
        parser.error(f"{biggest:,} agents in one fleet process need ~{FDS_PER_AGENT * biggest:,} descriptors, "
                     f"over the hard limit {hard:,}: use more --fleet-processes")
    return args


def cluster_ranges(clusters: int, processes: int) -> list[tuple[int, int]]:
    """[(first cluster index, count)] per process, counts differing by at most one."""
    base, extra = divmod(clusters, processes)
    ranges, first = [], 0
    for p in range(processes):
        count = base + (1 if p < extra else 0)
        ranges.append((first, count))
        first += count
    return ranges


def open_files_limit(pid: int) -> int:
    """The soft RLIMIT_NOFILE of a running process (from /proc/PID/limits)."""
    for line in Path(f"/proc/{pid}/limits").read_text().splitlines():
        if line.startswith("Max open files"):
            return int(line.split()[3])
    raise RuntimeError(f"no open files limit for {pid}")


def open_fds(pid: int) -> int:
    return len(os.listdir(f"/proc/{pid}/fd"))


def start_fleets(args, parts: dict, log_dir: Path) -> list[subprocess.Popen]:
    fleets = []
    for n, (first, count) in enumerate(cluster_ranges(args.clusters, args.fleet_processes)):
        with open(log_dir / f"fleet{n}.log", "w") as log:   # the child keeps its own descriptor
            fleets.append(spawn_fleet(parts["bus"], parts["key"], clusters=count, first_cluster=first,
                                      servers=args.servers_per_cluster, osds_per_server=args.osds_per_server,
                                      heartbeat_s=args.heartbeat_s, stderr=log))
    return fleets


def every_10_s():
    """A progress printer for the intake wait (stderr, at most every 10 s): 10,000 agents take a while."""
    last = [time.monotonic()]

    def progress(line: str) -> None:
        if time.monotonic() - last[0] >= 10.0:
            last[0] = time.monotonic()
            print(f"  intake {line}", file=sys.stderr, flush=True)
    return progress


# the measuring window ----------------------------------------------------------------------------

def endpoints(api: Api, capacity: bool = True) -> dict[str, str]:
    """{label: path under api/v2/} of the GETs timed; ids are the first of each list."""
    fsid = api.get("cluster")[1][0]["id"]
    pool = api.get(f"cluster/{fsid}/pool")[1][0]["id"]
    osd = api.get(f"cluster/{fsid}/osd")[1][0]["id"]
    return {"cluster list": "cluster", "one cluster": f"cluster/{fsid}", "one pool": f"cluster/{fsid}/pool/{pool}",
            "one OSD": f"cluster/{fsid}/osd/{osd}", **server_list(api),
            "OSD list (1 cluster)": f"cluster/{fsid}/osd", "event page (50)": "event?page_size=50",
            **(capacity_reads(api, fsid) if capacity else {})}


def capacity_reads(api: Api, fsid: str) -> dict[str, str]:
    """Issue 14's reads where the API serves them (none on an older daemon, so the bench still
    measures one): the whole fleet table as a dashboard sorts it, and one cluster's usage, IO
    and a page of its OSD usage. Waits for that cluster's first `osd df` (a 503 until then)."""
    try:
        api.get("fleet")
    except RuntimeError:   # 404: a daemon from before issue 14
        return {}
    deadline = time.monotonic() + CAPACITY_WAIT_S
    while True:
        try:
            api.get(f"cluster/{fsid}/osd_usage?page_size=1")
            break
        except RuntimeError:
            if time.monotonic() > deadline:
                raise
            time.sleep(1.0)   # a benchmark's set-up wait for the first get_cluster_stats answer
    return {FLEET_LABEL: f"fleet?page_size={FLEET_PAGE}&ordering=-used_ratio",
            "usage (1 cluster)": f"cluster/{fsid}/usage", "io (1 cluster)": f"cluster/{fsid}/io",
            f"OSD usage page ({SERVER_PAGE})": f"cluster/{fsid}/osd_usage?page_size={SERVER_PAGE}"}


def server_list(api: Api) -> dict[str, str]:
    """A page of the server list where the API pages it (answers `page_size` with an envelope),
    else the whole list, which is what a dashboard then has to fetch."""
    path = f"server?page_size={SERVER_PAGE}"
    if isinstance(api.get(path)[1], dict):
        return {f"server list ({SERVER_PAGE})": path}
    return {"server list (all)": "server"}


def counters_now(api: Api, daemon, fleets: list) -> tuple[float, dict, dict, float, float]:
    """(monotonic time, bus counters, fleets' summed counters, daemon CPU s, fleets' CPU s),
    read together."""
    bus = api.get("bus")[1]
    return (time.monotonic(), bus, fleet_stats(fleets), cpu_s(daemon.pid),
            sum(cpu_s(fleet.pid) for fleet in fleets))


def measure(args, api: Api, base: str, cookie: str, daemon, fleets: list) -> dict:
    """GETs for --seconds on --connections; the counters before and after, for the rates."""
    paths = endpoints(api, capacity=not args.no_capacity_reads)
    before = counters_now(api, daemon, fleets)
    results = run_mix(base + "/api/v2/", paths, seconds=args.seconds, connections=args.connections,
                      cookie=cookie, think_s=args.think_ms / 1000)
    after = counters_now(api, daemon, fleets)
    return {"results": results, "before": before, "after": after}


def rates(args, window: dict) -> dict[str, float]:
    """Per-second figures over the window, and the expected heartbeat rate."""
    (t0, bus0, fleet0, daemon_cpu0, fleets_cpu0), (t1, bus1, fleet1, daemon_cpu1, fleets_cpu1) = \
        window["before"], window["after"]
    per_s = lambda new, old, key: (new.get(key, 0) - old.get(key, 0)) / (t1 - t0)  # noqa: E731
    delivered = per_s(bus1, bus0, "delivered")
    results = per_s(fleet1, fleet0, "results_sent")
    cluster_beats = args.clusters * min(QUORUM_MONS, args.servers_per_cluster) / args.heartbeat_s
    sent_server = per_s(fleet1, fleet0, "heartbeats_sent")
    sent_cluster = per_s(fleet1, fleet0, "cluster_heartbeats_sent")
    return {"seconds": t1 - t0, "delivered": delivered, "results": results, "heartbeats": delivered - results,
            "sent_server": sent_server, "sent_cluster": sent_cluster, "sent": sent_server + sent_cluster,
            "expected_server": args.agents / args.heartbeat_s, "expected_cluster": cluster_beats,
            "expected": args.agents / args.heartbeat_s + cluster_beats,
            "coalesced": bus1.get("heartbeats_coalesced", 0) - bus0.get("heartbeats_coalesced", 0),
            "stale": bus1.get("heartbeats_stale", 0) - bus0.get("heartbeats_stale", 0),
            "daemon_cores": (daemon_cpu1 - daemon_cpu0) / (t1 - t0),
            "fleets_cores": (fleets_cpu1 - fleets_cpu0) / (t1 - t0)}


def daemon_state(pid: int) -> dict[str, int]:
    return {"rss_kib": rss_kib(pid), "threads": proc_status(pid, "Threads"), "fds": open_fds(pid)}


def count_losses(args, api: Api, fleets: list) -> dict:
    """Silence every fleet, let in-flight messages land, compare the counters since start."""
    ask_fleets(fleets, "dark")
    time.sleep(args.quiet_s)
    totals, bus = fleet_stats(fleets), api.get("bus")[1]
    sent, unsent, lost = lost_messages(totals, bus)
    return {"sent": sent, "unsent": unsent, "lost": lost, "bus": bus}


# the report --------------------------------------------------------------------------------------

def mib(kib: int) -> str:
    return f"{kib / 1024:,.1f} MiB"


def report_setup(args, ranges, fd_limit: int, ready_s: float, managed_s: float, at_managed: dict) -> None:
    c, s, o = args.clusters, args.servers_per_cluster, args.osds_per_server
    print(f"fleet: {c} clusters x {s} servers x {o} OSDs = {args.agents:,} servers, {c * s * o:,} OSDs, "
          f"heartbeats every {args.heartbeat_s:g} s; {len(ranges)} fleet processes "
          f"({', '.join(str(n) for _, n in ranges)} clusters); {os.cpu_count()} cores")
    low = "" if fd_limit > args.agents + 1024 else "  TOO LOW: agents will fail to connect"
    print(f"daemon open-files limit {fd_limit:,} (inherited: run.py does not raise it; one descriptor "
          f"per agent connection, {args.agents:,} here){low}")
    print(f"intake: fleet processes connecting after {ready_s:.1f} s; all {args.agents:,} servers managed "
          f"and {c} OSD maps ({c * s * o:,} OSDs) in after {managed_s:.1f} s (from spawning the fleet)")
    print(f"daemon when all managed: RSS {mib(at_managed['rss_kib'])}, {at_managed['threads']:,} threads, "
          f"{at_managed['fds']:,} open descriptors")


def report_ingestion(args, r: dict) -> None:
    print(f"ingestion over {r['seconds']:.1f} s: bus delivered {r['delivered']:,.1f} msg/s, of which job results "
          f"{r['results']:,.1f}/s -> heartbeats {r['heartbeats']:,.1f}/s; fleet sent {r['sent']:,.1f}/s "
          f"({r['sent_server']:,.1f} server + {r['sent_cluster']:,.1f} cluster); expected {r['expected']:,.1f}/s "
          f"({r['expected_server']:,.1f} + {r['expected_cluster']:,.1f}); daemon replaced {r['coalesced']:,} "
          f"queued heartbeats (coalesced), dropped {r['stale']:,} stale")
    print(f"CPU over the window (GETs included): daemon {r['daemon_cores']:.2f} cores, fleet processes "
          f"{r['fleets_cores']:.2f} cores, of {os.cpu_count()}")
    if r["seconds"] < 3 * args.heartbeat_s:
        # beats are spread over the period, so a window of few periods counts a few more or less
        print(f"  (window under 3 heartbeat periods: rates may be off by up to {args.heartbeat_s / r['seconds']:.0%})")


def report_latencies(args, results: dict) -> None:
    print(f"GET under load: {args.connections} keep-alive connections, {args.seconds:g} s, "
          f"think {args.think_ms:g} ms")
    for label, r in results.items():
        if not r.latencies_ms:
            print(f"  {label:22} no answer; errors {r.errors} {r.last_error}")
            continue
        print(f"  {label:22} n={r.requests:6,}  p50 {r.percentile(50):8.2f} ms  p99 {r.percentile(99):8.2f} ms  "
              f"max {max(r.latencies_ms):8.2f} ms  {r.last_bytes:>10,} B  errors {r.errors}"
              + (f" ({r.last_error})" if r.errors else ""))


def report_memory(at_managed: dict, at_end: dict, fleets_kib: list[int]) -> None:
    print(f"daemon RSS: when all managed {mib(at_managed['rss_kib'])}, at end {mib(at_end['rss_kib'])} "
          f"({at_end['threads']:,} threads, {at_end['fds']:,} descriptors); fleet processes RSS "
          f"{', '.join(mib(k) for k in fleets_kib)} (sum {mib(sum(fleets_kib))})")


def report_losses(losses: dict, unsent_in_setup: int) -> None:
    bus = losses["bus"]
    drops = {k: v for k, v in bus.items() if k.startswith("dropped_") and v}
    print(f"messages sent by agents {losses['sent']:,} (+{losses['unsent']:,} unsent), bus received "
          f"{bus['received']:,}, delivered {bus['delivered']:,}, drops {drops or 0}, "
          f"callback errors {bus['callback_errors']}")
    print(f"LOST MESSAGES: {losses['lost']:,} (of which unsent before all agents were managed: {unsent_in_setup:,})")


def report_scrapes(args, first_s: float | None, scrapes) -> None:
    """The /metrics figures (issue 15), where scraped."""
    if scrapes is None:
        return
    times = sorted(scrapes.seconds)
    text_bytes, series = scrapes.text_figures()
    window = (f"{len(times)} scrapes every {args.scrape_every_s:g} s: p50 {times[len(times) // 2]:.3f} s, "
              f"max {times[-1]:.3f} s" if times else "no scrape answered in the window")
    print(f"metrics: first scrape (every line rendered) {first_s:.3f} s; {window}; answer {scrapes.gzip_bytes:,} B "
          f"gzip, {text_bytes:,} B of text, {series:,} series; errors {len(scrapes.errors)}"
          + (f" ({scrapes.errors[-1]})" if scrapes.errors else ""))


def scrape_goal(scraped: dict | None) -> list[tuple[str, str, str]]:
    """Issue 15's rows, where scraped: the scrapes' time, and the GETs' p99 beside them."""
    if scraped is None:
        return []
    scrapes = scraped["scrapes"]
    worst = max(scrapes.seconds, default=float("inf"))
    label, p99 = worst_p99(scraped["window"]["results"])
    return [(f"scrape < {GOAL_SCRAPE_S:g} s (issue 15)", f"max {worst:.3f} s in the 2nd window",
             verdict(worst < GOAL_SCRAPE_S and not scrapes.errors)),
            (f"API p99 < {GOAL_P99_MS:g} ms while scraped", f"worst {p99:.1f} ms ({label})", verdict(p99 < GOAL_P99_MS))]


def worst_p99(results: dict) -> tuple[str, float]:
    label, worst = max(results.items(),
                       key=lambda item: item[1].percentile(99) if item[1].latencies_ms else float("inf"))
    return label, worst.percentile(99) if worst.latencies_ms else float("inf")


def report_goals(args, rss_max_kib: int, results: dict, r: dict, lost: int, scraped=None) -> None:
    c, s, o, hb = GOAL_SIZE
    at_size = (args.agents >= c * s and args.agents * args.osds_per_server >= c * s * o
               and args.heartbeat_s <= hb)
    worst_label, p99 = worst_p99(results)
    rows = [
        (f"size {c} x {s} x {o} at {hb:g} s heartbeats",
         f"{args.clusters} x {args.servers_per_cluster} x {args.osds_per_server} at {args.heartbeat_s:g} s",
         "at goal size" if at_size else f"below ({args.agents / (c * s):.1%} of the servers)"),
        ("daemon RSS < 2 GB", f"max {mib(rss_max_kib)}", verdict(rss_max_kib * 1024 < GOAL_RSS_BYTES)),
        (f"API p99 < {GOAL_P99_MS:g} ms", f"worst {p99:.1f} ms ({worst_label})",
         verdict(p99 < GOAL_P99_MS and not any(x.errors for x in results.values()))),
        ("no lost messages (soak.py's)", f"{lost:,} lost", verdict(lost == 0)),
        *fleet_goal(results),
        *scrape_goal(scraped),
        ("heartbeats delivered as sent (ours)", f"{r['heartbeats']:,.1f} of {r['sent']:,.1f}/s",
         verdict(r["heartbeats"] >= KEEPS_UP * r["sent"])),
    ]
    print("goals (issues 7, 14, 15)               this run                          ")
    for goal, figure, result in rows:
        print(f"  {goal:38} {figure:34} {result}")


def fleet_goal(results: dict) -> list[tuple[str, str, str]]:
    """Issue 14's row, where GET fleet was measured."""
    fleet = results.get(FLEET_LABEL)
    if fleet is None or not fleet.latencies_ms:
        return []
    p99 = fleet.percentile(99)
    return [(f"GET fleet p99 < {GOAL_FLEET_P99_MS:g} ms (issue 14)", f"{p99:.1f} ms",
             verdict(p99 < GOAL_FLEET_P99_MS and not fleet.errors))]


def verdict(met: bool) -> str:
    return "met" if met else "NOT MET"


TIMESTAMP = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d+ ")


def report_log(name: str, path: Path) -> None:
    """Counts of the log's lines (WARNING+ only: the daemon logs at WARNING, a fleet child has no
    logging set up so Python prints only WARNING+), and the most frequent ones sans timestamp."""
    lines = [TIMESTAMP.sub("", line)[:160] for line in path.read_text(errors="replace").splitlines() if line.strip()]
    print(f"{name} log ({path.name}): {len(lines):,} lines, {sum('ERROR' in x for x in lines):,} with ERROR, "
          f"{sum(x.startswith('Traceback') for x in lines):,} tracebacks")
    for line, count in Counter(lines).most_common(5):
        print(f"    {count:6,} x {line}")


# the run -----------------------------------------------------------------------------------------

def run(args, data_dir: str, log_dir: Path, procs: list) -> None:
    raise_open_files_limit(args.agents + 4096)   # inherited by the daemon: one descriptor per agent
    with open(log_dir / "daemon.log", "w") as log:
        daemon, parts = start_daemon(data_dir, args.heartbeat_s, stderr=log)
    procs.append(daemon)
    ranges = cluster_ranges(args.clusters, args.fleet_processes)
    spawned = time.monotonic()
    fleets = start_fleets(args, parts, log_dir)
    procs.extend(fleets)
    for fleet in fleets:
        wait_fleet_ready(fleet)
    ready_s = time.monotonic() - spawned
    base = parts["http"]
    cookie = login(base)
    api = Api(base, cookie)
    wait_managed(api, args.agents, args.clusters, args.intake_timeout_s,
                 osds_per_cluster=args.servers_per_cluster * args.osds_per_server, progress=every_10_s())
    managed_s = time.monotonic() - spawned
    at_managed = daemon_state(daemon.pid)
    report_setup(args, ranges, open_files_limit(daemon.pid), ready_s, managed_s, at_managed)
    load_start = os.getloadavg()
    unsent_in_setup = sum(fleet_stats(fleets).get(k, 0) for k in UNSENT)   # told apart in the report
    window = measure(args, api, base, cookie, daemon, fleets)
    at_end, fleets_kib = daemon_state(daemon.pid), [rss_kib(f.pid) for f in fleets]
    load_end = os.getloadavg()
    scraped = scraped_window(args, parts["metrics"], api, base, cookie, daemon, fleets) \
        if args.scrape_every_s > 0 else None
    losses = count_losses(args, api, fleets)
    r = rates(args, window)
    print(f"load average at start of the window {load_start[0]:.2f}, at end {load_end[0]:.2f}")
    report_ingestion(args, r)
    report_latencies(args, window["results"])
    report_memory(at_managed, at_end, fleets_kib)
    report_scraped_window(args, scraped)
    report_losses(losses, unsent_in_setup)
    rss_max = max(at_managed["rss_kib"], at_end["rss_kib"], scraped["state"]["rss_kib"] if scraped else 0)
    report_goals(args, rss_max, window["results"], r, losses["lost"], scraped)


def scraped_window(args, metrics_url: str, api: Api, base: str, cookie: str, daemon, fleets) -> dict:
    """The first scrape (every line rendered), then a window like the first with scrapes beside."""
    first_s = scrape_once(metrics_url)[0]
    scraper = Scraper(metrics_url, args.scrape_every_s)
    scraper.start()
    try:
        window = measure(args, api, base, cookie, daemon, fleets)
    finally:
        scrapes = scraper.stop()
    return {"first_s": first_s, "scrapes": scrapes, "window": window, "state": daemon_state(daemon.pid),
            "load": os.getloadavg()[0]}


def report_scraped_window(args, scraped: dict | None) -> None:
    if scraped is None:
        return
    r = rates(args, scraped["window"])
    print(f"--- a second window of {args.seconds:g} s, /metrics scraped every {args.scrape_every_s:g} s "
          f"(load average at its end {scraped['load']:.2f}) ---")
    report_ingestion(args, r)
    report_latencies(args, scraped["window"]["results"])
    print(f"daemon RSS at the end of it {mib(scraped['state']['rss_kib'])} ({scraped['state']['threads']:,} threads)")
    report_scrapes(args, scraped["first_s"], scraped["scrapes"])


def main() -> int:
    args = parse_args()
    sys.stdout.reconfigure(line_buffering=True)   # a long run shows its lines as they come, also through tee
    procs: list = []
    with tempfile.TemporaryDirectory() as data_dir:
        log_dir = Path(args.log_dir or data_dir)
        log_dir.mkdir(parents=True, exist_ok=True)
        try:
            run(args, data_dir, log_dir, procs)
        finally:
            stop_all(procs)
            for path in sorted(log_dir.glob("*.log")):
                report_log(path.stem, path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
