"""A simulated cluster of 10,000 OSDs (100 servers x 100) served whole and in pages by the real
daemon: the plain list as the reference has it, pages that concatenate to it, filters with
pages, and a change through the request workflow showing in both (not timed: bench/ times)."""
from __future__ import annotations

import pytest

from tests.helpers import wait_until
from tests.system.conftest import start_fleet
from tests.system.daemon_process import DaemonProcess, logged_in_client
from tests.system.requests_helpers import run
from tests.system.cluster_helpers import example_keys

SERVERS, OSDS_PER_SERVER = 100, 100
OSDS = SERVERS * OSDS_PER_SERVER
HEARTBEAT_S = 1.0     # 100 agents, each reporting 100 OSDs: slower beats than the small tests'


def follow(api, url: str) -> tuple[list, list]:
    """Every page from `url` on, by the `next` links: (the results concatenated, the counts)."""
    results, counts = [], []
    while url:
        response = api.get(url)
        assert response.status_code == 200, response.text
        page = response.json()
        assert set(page) == {"count", "next", "previous", "results"}
        results += page["results"]
        counts.append(page["count"])
        url = page["next"]
    return results, counts


@pytest.mark.timeout(300)   # about 30 s alone on two cores; far more beside other heavy work
def test_a_10000_osd_cluster_is_served_whole_and_in_pages(tmp_path):
    daemon = DaemonProcess(tmp_path / "data", heartbeat_s=HEARTBEAT_S).start()
    fleet = start_fleet(daemon, servers=SERVERS, osds_per_server=OSDS_PER_SERVER,
                        heartbeat_s=HEARTBEAT_S)
    try:
        with logged_in_client(daemon.http_url) as api:
            api.timeout = 30.0
            fsid = fleet.clusters[0].fsid
            osd_url = f"cluster/{fsid}/osd"

            def located():   # the map has arrived and every OSD's server is its agent's
                first = api.get(osd_url, params={"page_size": 1})
                if first.status_code != 200 or first.json()["count"] != OSDS:
                    return False
                # (until a server's agent is heard, the map places its OSDs on an inferred one)
                return all(o["server"] in fleet.backends for o in api.get(osd_url).json())
            wait_until(located, timeout_s=120, every_s=0.5, what="10,000 OSDs with their servers")

            # the plain list: the reference's shape and fields, by id
            full = api.get(osd_url).json()
            assert isinstance(full, list) and [o["id"] for o in full] == list(range(OSDS))
            fields = set(full[0])
            assert example_keys("api/v2/cluster/<fsid>/osd") <= fields
            assert all(set(o) == fields for o in full)
            assert {o["server"] for o in full} == set(fleet.backends)
            assert api.get(f"{osd_url}/1234").json() == full[1234]

            # pages, by their links, concatenate to it; any page is its slice of it
            pages, counts = follow(api, api.build_request("GET", osd_url, params={"page_size": 1000}).url)
            assert pages == full and counts == [OSDS] * 10
            for number in (1, 44, 100):
                page = api.get(osd_url, params={"page": number, "page_size": 100}).json()
                assert page["count"] == OSDS
                assert page["results"] == full[(number - 1) * 100:number * 100]
                assert (page["next"] is None) == (number == 100)
            assert api.get(osd_url, params={"page": 11, "page_size": 1000}).status_code == 400

            # filters, then pages
            pool = next(p["id"] for p in api.get(f"cluster/{fsid}/pool").json() if p["name"] == "rbd")
            ids = [("id__in[]", i) for i in (9999, 17, 5000, 17, 12345, 4321, 2, 7777, 600)]
            filtered = api.get(osd_url, params=[("pool", pool), *ids]).json()
            expected = [o for o in full if o["id"] in {i for _, i in ids} and pool in o["pools"]]
            assert filtered == expected and len(filtered) == 7
            page = api.get(osd_url, params=[("pool", pool), *ids, ("page", 2), ("page_size", 3)]).json()
            assert page["count"] == 7 and page["results"] == filtered[3:6]
            assert follow(api, page["previous"])[0] == filtered
            by_pool = api.get(osd_url, params={"pool": pool, "page": 3, "page_size": 1000}).json()
            in_pool = [o for o in full if pool in o["pools"]]
            assert by_pool["count"] == len(in_pool) and by_pool["results"] == in_pool[2000:3000]

            # the server list in pages covers every server, by FQDN
            servers = api.get("server").json()
            assert [s["fqdn"] for s in servers] == sorted(fleet.backends)
            paged, counts = follow(api, api.build_request("GET", "server", params={"page_size": 30}).url)
            assert [s["fqdn"] for s in paged] == [s["fqdn"] for s in servers]
            assert set(counts) == {SERVERS} and len(counts) == 4

            # a change shows in the whole list and in the page that holds the OSD, both read
            # (and so cached) before it
            page_url = f"{osd_url}?page=44&page_size=100"
            before = api.get(page_url).json()["results"]
            assert before[21]["id"] == 4321 and before[21]["in"] is True
            run(api, "PATCH", f"{osd_url}/4321", {"in": False}, timeout_s=60)

            def shows_out(osds):
                return next(o for o in osds if o["id"] == 4321)["in"] is False
            wait_until(lambda: shows_out(api.get(page_url).json()["results"]), timeout_s=30)
            after = api.get(osd_url).json()
            assert shows_out(after) and len(after) == OSDS
            assert sum(not o["in"] for o in after) == 1
            assert api.get(f"{osd_url}/4321").json()["in"] is False
    finally:
        fleet.stop()
        assert daemon.stop() == 0, daemon.log_text()[-3000:]
