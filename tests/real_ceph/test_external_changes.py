"""Changes made behind the API's back reach it: a pool created with `ceph`, an OSD daemon stopped
and started again (with their events). Timing goals are measured in bench/; the deadlines here
only keep a broken change watch from passing."""
from __future__ import annotations

import time

import pytest

from tests.helpers import wait_until
from tests.real_ceph.api_helpers import (
    all_pgs_active_clean, dump_osd, newest_event_time, pool_names, synced, unique, wait_for_event)
from tests.system.cluster_helpers import pools_by_name

VISIBLE_WITHIN_S = 4.0     # the goal is ~2 s; a loaded CI machine gets some slack


def test_a_pool_created_with_ceph_is_soon_in_the_api(managed):
    synced(managed)
    api, cluster = managed.api, managed.cluster
    name = unique("external")
    moment = newest_event_time(api)
    cluster.ceph("osd", "pool", "create", name, "8")
    created = time.monotonic()
    try:
        pool = wait_until(lambda: pools_by_name(api, managed.fsid).get(name), timeout_s=VISIBLE_WITHIN_S,
                          every_s=0.05, what=f"pool {name} in GET pool")
        assert time.monotonic() - created < VISIBLE_WITHIN_S
        assert pool["pg_num"] == 8
        wait_for_event(api, moment, "INFO", rf"^Pool '{name}' \(ceph\.{pool['id']}\) added to cluster")
        cluster.ceph("osd", "pool", "delete", name, name, "--yes-i-really-really-mean-it")
        wait_until(lambda: name not in pools_by_name(api, managed.fsid), timeout_s=VISIBLE_WITHIN_S,
                   every_s=0.05, what=f"pool {name} gone from GET pool")
    finally:
        if name in pool_names(cluster):
            cluster.ceph("osd", "pool", "delete", name, name, "--yes-i-really-really-mean-it")


@pytest.fixture
def osd2_restarted(managed):
    """Makes sure osd.2 runs again, up and with every PG active+clean, whatever the test did."""
    synced(managed)
    cluster = managed.cluster
    try:
        yield
    finally:
        service = next(s for s in managed.api.get(f"server/{managed.agent.fqdn}").json()["services"]
                       if (s["type"], s["id"]) == ("osd", "2"))
        if not dump_osd(cluster, 2)["up"] or not service["running"]:
            cluster.daemon_start("osd.2")
        wait_until(lambda: all_pgs_active_clean(cluster), timeout_s=60, every_s=0.2,
                   what="every PG active+clean")


def test_an_osd_stopped_is_down_with_a_warning_and_back_up_with_a_recovery(managed, osd2_restarted):
    api, cluster = managed.api, managed.cluster
    osd = managed.url("osd/2")
    assert api.get(osd).json()["up"] is True
    moment = newest_event_time(api)
    cluster.daemon_stop("osd.2")
    wait_until(lambda: api.get(osd).json()["up"] is False, timeout_s=15, every_s=0.1, what="osd.2 down in the API")
    assert api.get(osd).json()["valid_commands"] == []
    wait_for_event(api, moment, "WARNING", r"^OSD ceph\.2 went down")
    wait_until(lambda: not next(s for s in api.get(f"server/{managed.agent.fqdn}").json()["services"]
                                if (s["type"], s["id"]) == ("osd", "2"))["running"],
               timeout_s=10, every_s=0.1, what="osd.2's service not running")

    moment = newest_event_time(api)
    cluster.daemon_start("osd.2")
    wait_until(lambda: api.get(osd).json()["up"] is True, timeout_s=15, every_s=0.1, what="osd.2 up in the API")
    wait_for_event(api, moment, "RECOVERY", r"^OSD ceph\.2 came up")
    assert dump_osd(cluster, 2)["up"] == 1
