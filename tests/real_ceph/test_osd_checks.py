"""Ceph's own safety verdicts in a dry run's `checks` (issue 20), on the real dev cluster.

The session's cluster is one node with 3 OSDs and size-1 pools: every PG has its only copy on
one OSD. So for the OSD holding PG 1.0 (the device_health_metrics pool's one PG) Pacific says
no to both: `osd ok-to-stop` answers EBUSY with the PGs that would go offline (none merely
degraded: there is no other copy), and `osd safe-to-destroy` lists it as `active`. The API's
verdict must be Ceph's (asked through the real agent, which runs as the narrow user of
actors/cluster/commands/agent_caps.py: its mon and mgr `allow r` cover both reads), and nothing is submitted.
"""
from __future__ import annotations

from tests.real_ceph.api_helpers import dump_osd, mon_json, synced
from tests.system.requests_helpers import xsrf


def _holder_of_pg_1_0(cluster) -> int:
    return mon_json(cluster, "pg map", pgid="1.0")["acting"][0]


def test_marking_out_the_only_copy_is_neither_ok_to_stop_nor_safe_to_destroy(managed):
    synced(managed)
    api, cluster = managed.api, managed.cluster
    osd_id = _holder_of_pg_1_0(cluster)
    requests_before = api.get("request", params={"page_size": 1000}).json()["count"]

    answer = api.patch(managed.url(f"osd/{osd_id}"), json={"in": False}, params={"dry_run": "1"},
                       headers=xsrf(api))
    assert answer.status_code == 200, answer.text
    preview = answer.json()
    assert preview["commands"] == [{"prefix": "osd out", "ids": [str(osd_id)]}]
    assert preview["changes"]["in"] == [True, False]
    stop, destroy = preview["checks"]
    assert (stop["check"], stop["osds"], stop["ok"]) == ("ok-to-stop", [osd_id], False)
    assert stop["pgs_offline"] >= 1 and stop["pgs_degraded"] == 0
    assert stop["message"].startswith("Error EBUSY: unsafe to stop osd(s) at this time")
    assert (destroy["check"], destroy["ok"]) == ("safe-to-destroy", False)
    assert destroy["message"] == f"OSD(s) {osd_id} have PGs active on them"
    assert len(preview["warnings"]) == 2

    assert dump_osd(cluster, osd_id)["in"] == 1                   # nothing was sent
    assert api.get("request", params={"page_size": 1000}).json()["count"] == requests_before


def test_marking_back_in_needs_no_verdict(managed):
    synced(managed)
    api = managed.api
    answer = api.patch(managed.url("osd/0"), json={"reweight": 1.0, "in": True}, params={"dry_run": "1"},
                       headers=xsrf(api))
    assert answer.status_code == 304, answer.text                # already in at 1.0: a no-op
