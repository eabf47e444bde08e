"""The simulator's `osd ok-to-stop` and `osd safe-to-destroy` (sim/commands/verdicts.py), through
the cli path the agent's mon_command takes, in Pacific's JSON shapes."""
from __future__ import annotations

import json

from sim.model import SimCluster

NOW = 1_000_000.0


def ask(cluster, prefix: str, *ids: int) -> tuple[dict, dict]:
    answer = cluster.mon_command({"prefix": prefix, "ids": [str(i) for i in ids], "format": "json"})
    return answer, json.loads(answer["out"])


def test_one_osd_with_size_one_pools_is_neither_ok_to_stop_nor_safe_to_destroy():
    cluster = SimCluster(clock=lambda: NOW, hosts=1, osds_per_host=1)
    answer, report = ask(cluster, "osd ok-to-stop", 0)
    assert answer["status"] == 16 and answer["err"].startswith("Error EBUSY: unsafe to stop osd(s)")
    assert report["ok_to_stop"] is False and report["num_not_ok_pgs"] == len(report["bad_become_inactive"]) > 0
    answer, report = ask(cluster, "osd safe-to-destroy", 0)
    assert answer["status"] == 0
    assert report == {"safe_to_destroy": [], "active": [0], "missing_stats": [], "stored_pgs": []}


def test_three_hosts_lose_one_osd_degraded_but_not_two_hosts_at_once():
    cluster = SimCluster(clock=lambda: NOW, hosts=3, osds_per_host=2)
    answer, report = ask(cluster, "osd ok-to-stop", 0)
    assert answer["status"] == 0 and report["ok_to_stop"] is True
    assert report["num_ok_pgs"] == len(report["ok_become_degraded"]) > 0 and "bad_become_inactive" not in report
    answer, report = ask(cluster, "osd ok-to-stop", 0, 1, 2, 3)
    assert answer["status"] == 16 and report["num_not_ok_pgs"] > 0
    _, report = ask(cluster, "osd safe-to-destroy", 0, 99)
    assert report["safe_to_destroy"] == [99] and report["active"] == [0]
