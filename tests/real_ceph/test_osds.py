"""OSDs and OSD map flags through the 202 workflow on the real cluster, checked in `ceph osd dump`.

Each test puts back what it changed (in, reweight, flags), through `ceph` if the API failed.
"""
from __future__ import annotations

import pytest

from tests.helpers import wait_until
from tests.real_ceph.api_helpers import all_pgs_active_clean, dump_flags, dump_osd, synced
from tests.system.requests_helpers import run, xsrf

FLAGS = ("pause", "noup", "nodown", "noout", "noin", "nobackfill", "norecover", "noscrub", "nodeep-scrub")
# What `ceph osd dump` shows for each API flag.
DUMP_FLAGS = {"pause": {"pauserd", "pausewr"}}


@pytest.fixture
def osd1(managed):
    """OSD 1, restored to up, in and reweight 1 afterwards, with its PGs active+clean again."""
    synced(managed)
    cluster = managed.cluster
    try:
        yield 1
    finally:
        osd = dump_osd(cluster, 1)
        if not osd["in"]:
            cluster.ceph("osd", "in", "1")
        if dump_osd(cluster, 1)["weight"] != 1:
            cluster.ceph("osd", "reweight", "1", "1")
        wait_until(lambda: dump_osd(cluster, 1)["up"], timeout_s=60, every_s=0.2, what="osd.1 up")
        wait_until(lambda: all_pgs_active_clean(cluster), timeout_s=60, every_s=0.2,
                   what="every PG active+clean")


def test_out_in_and_reweight(managed, osd1):
    api, cluster = managed.api, managed.cluster
    path = managed.url("osd/1")
    request = run(api, "PATCH", path, {"in": False})
    assert request["headline"] == "Marking ceph-osd.1 out"
    assert api.get(path).json()["in"] is False
    assert dump_osd(cluster, 1)["in"] == 0
    run(api, "PATCH", path, {"in": True})
    assert api.get(path).json()["in"] is True
    assert dump_osd(cluster, 1)["in"] == 1

    request = run(api, "PATCH", path, {"reweight": 0.5})
    assert request["headline"] == "Re-weighting ceph-osd.1 to 50.0%"
    assert api.get(path).json()["reweight"] == 0.5
    assert dump_osd(cluster, 1)["weight"] == 0.5
    run(api, "PATCH", path, {"reweight": 1.0})
    assert api.get(path).json()["reweight"] == 1.0
    assert dump_osd(cluster, 1)["weight"] == 1

    patch = lambda body: api.patch(path, json=body, headers=xsrf(api))  # noqa: E731
    for no_op in ({"in": True}, {"up": True}, {"reweight": 1.0}):
        assert patch(no_op).status_code == 304, no_op
    for body, field in (({"reweight": 2}, "reweight"), ({"in": "yes"}, "in"), ({"colour": "red"}, "colour")):
        response = patch(body)
        assert response.status_code == 400 and field in response.json()["errors"], (body, response.text)
    assert api.patch(managed.url("osd/99"), json={"in": False}, headers=xsrf(api)).status_code == 404


def test_marked_down_it_comes_back_up_by_itself(managed, osd1):
    api, cluster = managed.api, managed.cluster
    before = dump_osd(cluster, 1)["up_from"]
    request = run(api, "PATCH", managed.url("osd/1"), {"up": False})
    assert request["headline"] == "Marking ceph-osd.1 down"
    # The running daemon asserts itself again: a new up interval starts.
    wait_until(lambda: dump_osd(cluster, 1)["up"] and dump_osd(cluster, 1)["up_from"] > before,
               timeout_s=30, every_s=0.1, what="osd.1 up again in ceph")
    wait_until(lambda: api.get(managed.url("osd/1")).json()["up"] is True, timeout_s=10, every_s=0.1,
               what="osd.1 up again in the API")
    # No check of a "went down" event: the daemon may fetch only a map where it is up again.


def test_scrub_deep_scrub_and_repair(managed):
    synced(managed)
    api = managed.api
    headlines = {"scrub": "scrub", "deep_scrub": "deep-scrub", "repair": "repair"}
    for command, word in headlines.items():
        request = run(api, "POST", managed.url(f"osd/0/command/{command}"))
        assert request["headline"] == f"Initiating {word} on ceph-osd.0"
        assert request["status"] == "Completed successfully"     # `ceph` accepted it
    response = api.post(managed.url("osd/0/command/explode"), headers=xsrf(api))
    assert response.status_code == 404


def test_osd_map_flags_set_and_unset(managed):
    synced(managed)
    api, cluster = managed.api, managed.cluster
    assert api.get(managed.url("osd_config")).json() == {flag: False for flag in FLAGS}
    try:
        for flag in FLAGS:
            shown = DUMP_FLAGS.get(flag, {flag})
            run(api, "PATCH", managed.url("osd_config"), {flag: True})
            assert api.get(managed.url("osd_config")).json()[flag] is True, flag
            assert shown <= dump_flags(cluster), flag
            run(api, "PATCH", managed.url("osd_config"), {flag: False})
            assert api.get(managed.url("osd_config")).json()[flag] is False, flag
            assert not shown & dump_flags(cluster), flag
        run(api, "PATCH", managed.url("osd_config"), {"noout": True, "noscrub": True})
        assert {"noout", "noscrub"} <= dump_flags(cluster)
        patch = lambda body: api.patch(managed.url("osd_config"), json=body, headers=xsrf(api))  # noqa: E731
        assert patch({"noout": True}).status_code == 304
        for body, field in (({"bogus": True}, "bogus"), ({"noout": "yes"}, "noout")):
            response = patch(body)
            assert response.status_code == 400 and field in response.json()["errors"], response.text
        run(api, "PATCH", managed.url("osd_config"), {"noout": False, "noscrub": False})
        assert api.get(managed.url("osd_config")).json() == {flag: False for flag in FLAGS}
    finally:
        left = dump_flags(cluster)
        for flag in FLAGS:
            if DUMP_FLAGS.get(flag, {flag}) & left:
                cluster.ceph("osd", "unset", flag)
