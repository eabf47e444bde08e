"""The network between agents and manager misbehaves: partitions, reordering, floods."""
from __future__ import annotations

import time
from pathlib import Path

from tests.helpers import wait_until
from tests.system.conftest import HEARTBEAT_S
from tests.system.cluster_helpers import synced_cluster


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise AssertionError("no VmRSS")


def test_after_a_partition_heals_the_api_converges_and_delayed_heartbeats_lose(api, fleet):
    fsid = synced_cluster(api, fleet)
    cluster = fleet.clusters[0]
    for backend in fleet.backends.values():
        backend.drop_rate = 1.0                        # partitioned: everything sent is lost
    cluster.set_osd(5, up=False)
    wait_until(lambda: all(m.stats["send_partitioned"] > 3 for m in fleet.host.minions), timeout_s=10)
    assert api.get(f"cluster/{fsid}/osd/5").json()["up"] is True   # it cannot know yet
    for backend in fleet.backends.values():        # healing, slowly: everything arrives 1 s late
        backend.drop_rate, backend.delay_s = 0.0, 1.0
    wait_until(lambda: api.get(f"cluster/{fsid}/osd/5").json()["up"] is False, timeout_s=15)
    for backend in fleet.backends.values():        # healed: new messages overtake the delayed ones
        backend.delay_s = 0.0
    cluster.set_osd(5, up=True)
    wait_until(lambda: api.get(f"cluster/{fsid}/osd/5").json()["up"] is True, timeout_s=15)
    wait_until(lambda: api.get("bus").json()["heartbeats_stale"] > 0, timeout_s=5)
    # The delayed heartbeats and fetch answers have all arrived by now: nothing rolled back.
    wait_until(lambda: all(m.stats["heartbeats_sent"] > 0 for m in fleet.host.minions))
    assert api.get(f"cluster/{fsid}/osd/5").json()["up"] is True
    servers = api.get("server").json()
    assert all(s["last_contact"] is not None for s in servers)


def test_a_heartbeat_flood_is_coalesced_and_memory_stays_bounded(daemon, api, fleet):
    fsid = synced_cluster(api, fleet)
    baseline = rss_mib(daemon.proc.pid)
    for minion in fleet.host.minions:      # read at every beat: 100x the expected rate from now
        minion.heartbeat_s = HEARTBEAT_S / 100
    try:
        deadline = time.monotonic() + 5.0
        peak, slowest = baseline, 0.0
        while time.monotonic() < deadline:
            started = time.monotonic()
            assert api.get(f"cluster/{fsid}/osd").status_code == 200
            slowest = max(slowest, time.monotonic() - started)
            peak = max(peak, rss_mib(daemon.proc.pid))
        stats = api.get("bus").json()
    finally:
        for minion in fleet.host.minions:
            minion.heartbeat_s = HEARTBEAT_S
    print(f"flood: RSS {baseline:.0f} -> peak {peak:.0f} MiB, slowest read {slowest * 1000:.0f} ms, {stats}")
    assert peak < baseline + 64, (baseline, peak)
    assert slowest < 2.0
    assert stats["heartbeats_coalesced"] > 0, stats
