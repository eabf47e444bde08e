"""Conditional GETs of a cluster's resources (issue 15) through the real daemon and a simulated
cluster over real sockets: every resource carries an ETag; sent back in If-None-Match it is a
304 with no body while the answer is unchanged; a change of the cluster (a pool created, an OSD
marked out), or new stats for the stats-derived reads, moves the ETag of what it changed, and
the old one then answers 200 with the new body; parameters give their own ETags; a wrong or
garbled If-None-Match is an ordinary 200."""
from __future__ import annotations

import pytest

from tests.helpers import wait_until
from tests.system.cluster_helpers import synced_cluster
from tests.system.conftest import HEARTBEAT_S, start_fleet
from tests.system.daemon_process import DaemonProcess, logged_in_client
from tests.system.requests_helpers import run, submit

# Built from the maps alone (and where services run): still while the cluster is.
MAP_READS = ["", "/osd", "/osd/3", "/osd?pool=1", "/osd?page_size=5&page=2", "/osd/command",
             "/osd/3/command", "/osd/3/command/scrub", "/osd_config", "/pool", "/pool/1",
             "/mon", "/config", "/config/fsid", "/sync_object", "/sync_object/osd_map",
             "/crush_map", "/crush_node", "/crush_rule", "/crush_rule_set", "/crush_type",
             "/crush_type/1", "/server"]
# Moving with every heartbeat: the health's and cluster's update_time, the stats of the moment.
MOVING_READS = ["/health", "/usage", "/io", "/osd_usage", "/osd_usage?page_size=4"]


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    daemon = DaemonProcess(tmp_path_factory.mktemp("conditional") / "data", heartbeat_s=HEARTBEAT_S).start()
    fleet = start_fleet(daemon)
    try:
        with logged_in_client(daemon.http_url) as api:
            fsid = synced_cluster(api, fleet)
            wait_until(lambda: api.get(f"cluster/{fsid}/osd_usage").status_code == 200, timeout_s=15,
                       what="the first osd stats")
            yield api, fleet, f"cluster/{fsid}"
    finally:
        fleet.stop()
        assert daemon.stop() == 0, daemon.log_text()[-4000:]


def fetched(api, path: str, etag: str | None = None):
    response = api.get(path, headers={"If-None-Match": etag} if etag else {})
    assert response.status_code in (200, 304), (path, response.status_code, response.text)
    return response


def unchanged_is_304(api, path: str) -> bool:
    """A GET, then the same with its ETag: True when that was a 304 (else the answer moved between)."""
    first = fetched(api, path)
    etag = first.headers["ETag"]
    again = fetched(api, path, etag)
    if again.status_code == 200:
        assert again.headers["ETag"] != etag, path   # a 200 for a tag sent means a new answer
        return False
    assert again.content == b"" and again.headers["ETag"] == etag, path
    return True


def test_every_cluster_resource_has_an_etag_and_answers_304_while_unchanged(world):
    api, _, c = world
    for path in MAP_READS:
        assert unchanged_is_304(api, c + path), path
    for path in MOVING_READS:   # retried: a heartbeat may land between the two GETs
        wait_until(lambda: unchanged_is_304(api, c + path), timeout_s=10, every_s=0.05, what=path)
    assert api.get("cluster/no-such-fsid/osd", headers={"If-None-Match": "*"}).status_code == 404


def test_versioned_etags_are_weak_and_the_200_is_the_plain_answer(world):
    api, _, c = world
    plain = fetched(api, c + "/osd")
    assert plain.headers["ETag"].startswith('W/"')
    assert plain.headers["Cache-Control"] == "no-cache"
    for garbled in ("nonsense", "a*b", plain.headers["ETag"][3:-1], 'W/"0123"', '"', "*, *"):
        response = fetched(api, c + "/osd", garbled)
        assert response.status_code == 200 and response.content == plain.content, garbled
        assert response.headers["ETag"] == plain.headers["ETag"]
    listed = fetched(api, c + "/osd", f'W/"older", {plain.headers["ETag"]}')
    assert listed.status_code == 304
    assert fetched(api, c + "/osd", "*").status_code == 304


def test_parameters_and_pages_have_their_own_etags(world):
    api, _, c = world
    paths = ["/osd", "/osd?pool=1", "/osd?pool=2", "/osd?id__in[]=1", "/osd?page_size=5",
             "/osd?page_size=6", "/osd?page_size=5&page=2", "/pool", "/pool/1", "/pool/2", "/osd/1"]
    etags = [fetched(api, c + path).headers["ETag"] for path in paths]
    assert len(set(etags)) == len(etags)


def test_map_etags_stay_put_across_heartbeats(world):
    """Mons report a new quorum_age with every heartbeat of their hosts: only the mons' reads move."""
    api, _, c = world
    paths = ("/osd", "/osd/0", "/pool", "/crush_map", "/config")
    before = {path: fetched(api, c + path).headers["ETag"] for path in paths}
    mon_status = fetched(api, c + "/mon/" + fetched(api, c + "/mon").json()[0]["name"] + "/status")
    wait_until(lambda: fetched(api, mon_status.url.path.split("/api/v2/")[1], mon_status.headers["ETag"]
                               ).status_code == 200, timeout_s=10, what="a mon's new status")
    assert {path: fetched(api, c + path).headers["ETag"] for path in paths} == before


def test_a_new_pool_moves_the_etag_of_the_pool_list(world):
    api, fleet, c = world
    pools = fetched(api, c + "/pool")
    request_id = submit(api, "POST", c + "/pool", {"name": "etagged", "pg_num": 8})

    def names(response) -> set:
        return {p["name"] for p in response.json()}
    moved = wait_until(lambda: (lambda r: r if r.status_code == 200 and "etagged" in names(r) else None)(
        fetched(api, c + "/pool", pools.headers["ETag"])), timeout_s=15, what="the new pool")
    assert moved.headers["ETag"] != pools.headers["ETag"]
    assert names(moved) - names(pools) == {"etagged"}
    # the simulated PGs of the pool are created as the cluster's time moves: the request ends,
    # and the pool list is still again
    wait_until(lambda: fleet.clusters[0].advance(1.0) or
               api.get(f"request/{request_id}").json()["state"] == "complete", timeout_s=20, every_s=0.2)
    wait_until(lambda: unchanged_is_304(api, c + "/pool"), timeout_s=10, what="the pool list still")


def test_an_osd_marked_out_moves_the_etags_of_the_osd_and_the_list(world):
    api, _, c = world
    osd, listing = fetched(api, c + "/osd/3"), fetched(api, c + "/osd")
    assert osd.json()["in"] is True
    run(api, "PATCH", c + "/osd/3", {"in": False})
    try:
        moved = fetched(api, c + "/osd/3", osd.headers["ETag"])
        assert moved.status_code == 200 and moved.json()["in"] is False
        moved_list = fetched(api, c + "/osd", listing.headers["ETag"])
        assert moved_list.status_code == 200 and moved_list.json()[3]["in"] is False
        assert fetched(api, c + "/osd/3", moved.headers["ETag"]).status_code == 304
    finally:
        run(api, "PATCH", c + "/osd/3", {"in": True})


@pytest.mark.parametrize("path,field", [("/usage", "update_time"), ("/io", "update_time"),
                                        ("/osd_usage", None)])
def test_stats_derived_etags_move_with_the_stats(world, path, field):
    """usage and io with every heartbeat's stats; osd_usage with each osd df fetched."""
    api, _, c = world
    first = fetched(api, c + path)

    def newer():
        # io also moves between heartbeats (latencies, PG states): wait for the new stats'
        # answer itself, which must come as a 200 under a new ETag
        answer = fetched(api, c + path, first.headers["ETag"])
        if answer.status_code != 200:
            return None
        return answer if field is None or answer.json()[field] > first.json()[field] else None
    moved = wait_until(newer, timeout_s=15, every_s=HEARTBEAT_S / 3, what=f"new stats behind {path}")
    assert moved.headers["ETag"] != first.headers["ETag"]
