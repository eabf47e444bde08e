"""What a request did, over HTTP against the simulator (issue 20): request/<id>'s history (who,
kind, the diff, every Ceph command with its outcome, phases with times) for a pool update and a
pg_num growth; the request lists' filters; cluster/<fsid>/changes newest first."""
from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from tests.system.cli_helpers import live_cluster_client
from tests.system.daemon_process import logged_in_client
from tests.system.requests_helpers import add_user, run, xsrf


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """(daemon, api, fsid): one live simulated cluster for the module."""
    with live_cluster_client(tmp_path_factory.mktemp("history") / "data") as running:
        yield running


def pool(api, fsid: str, name: str) -> dict:
    return next(p for p in api.get(f"cluster/{fsid}/pool").json() if p["name"] == name)


def phases(request: dict) -> list[str]:
    return [p["phase"] for p in request["phases"]]


def times(request: dict) -> list[datetime]:
    return [datetime.fromisoformat(p["at"]) for p in request["phases"]]


def test_a_pool_update_shows_who_what_its_commands_and_phases(server):
    _, api, fsid = server
    rbd = pool(api, fsid, "rbd")
    done = run(api, "PATCH", f"cluster/{fsid}/pool/{rbd['id']}", {"size": 2})
    request = api.get(f"request/{done['id']}").json()
    assert (request["requested_by"], request["kind"]) == ("admin", "update_pool")
    assert request["changes"]["size"] == [rbd["size"], 2]
    assert [(c["prefix"], c["args"]["var"], c["return_code"]) for c in request["commands"]] == [
        ("osd pool set", field, 0) for field in request["changes"]]
    assert request["commands"][0]["message"].startswith("set pool")   # Ceph's own status text
    assert phases(request) == ["submitted", "job sent", "job answered", "map seen", "complete"]
    assert times(request) == sorted(times(request))
    assert times(request)[0] == datetime.fromisoformat(request["requested_at"])
    assert times(request)[-1] == datetime.fromisoformat(request["completed_at"])
    assert (request["reverts"], request["reverted_by"]) == (None, None)
    listed = api.get("request").json()["results"][0]
    assert listed["id"] == done["id"] and "commands" not in listed      # lists keep their shape


def test_a_pg_num_growth_shows_every_step_and_its_pgs_created(server):
    _, api, fsid = server
    run(api, "POST", f"cluster/{fsid}/pool", {"name": "growing", "pg_num": 2})
    data = pool(api, fsid, "growing")
    # Blocks of mon_osd_max_split_count (32 at most here) x pg_num: at least three steps.
    target = data["pg_num"] + 2 * 32 * data["pg_num"] + 1
    done = run(api, "PATCH", f"cluster/{fsid}/pool/{data['id']}", {"pg_num": target}, timeout_s=60)
    request = api.get(f"request/{done['id']}").json()
    assert request["changes"]["pg_num"] == [data["pg_num"], target]
    steps = [c["args"] for c in request["commands"]]
    assert [s["var"] for s in steps[-2:]] == ["pg_num", "pgp_num"] and steps[-2]["val"] == str(target)
    assert len(steps) > 2 and all(c["return_code"] == 0 for c in request["commands"])
    assert phases(request).count("pgs created") == len(steps) - 1
    assert phases(request).count("job sent") == phases(request).count("job answered") == len(steps)
    assert phases(request)[0] == "submitted" and phases(request)[-1] == "complete"
    assert times(request) == sorted(times(request))


def test_request_lists_filter_by_who_kind_cluster_and_time(server):
    daemon, api, fsid = server
    add_user(api, "olga", "operator")
    with logged_in_client(daemon.http_url, "olga", "pass-word-1") as olga:
        hers = run(olga, "PATCH", f"cluster/{fsid}/osd_config", {"noscrub": True})
    mine = run(api, "PATCH", f"cluster/{fsid}/osd_config", {"noscrub": False})

    def listed(**params) -> list[str]:
        response = api.get("request", params={"page_size": 1000, **params})
        assert response.status_code == 200, response.text
        return [r["id"] for r in response.json()["results"]]
    everything = listed()
    assert hers["id"] in everything and mine["id"] in everything
    assert listed(requested_by="olga") == [hers["id"]], api.get(f"request/{hers['id']}").json()
    assert mine["id"] in listed(requested_by="admin") and hers["id"] not in listed(requested_by="admin")
    updates = listed(kind="update_osd_config")
    assert updates == [mine["id"], hers["id"]]
    assert set(listed(kind="update_pool")).isdisjoint(updates) and listed(kind="update_pool")
    assert listed(fsid=fsid) == everything and listed(fsid="no-such-fsid") == []
    assert listed(kind="update_osd_config", fsid=fsid) == updates
    at = datetime.fromisoformat(api.get(f"request/{mine['id']}").json()["requested_at"])
    assert listed(kind="update_osd_config", since=at.isoformat()) == [mine["id"]]
    assert listed(kind="update_osd_config", until=(at - timedelta(microseconds=1)).isoformat()) == [hers["id"]]
    assert api.get(f"cluster/{fsid}/request", params={"requested_by": "olga"}).json()["count"] == 1
    for params, field in (({"since": "soon"}, "since"), ({"until": "1"}, "until"),
                          ({"since": "2026-02-01T00:00:00Z", "until": "2026-01-01T00:00:00Z"}, "since")):
        response = api.get("request", params=params)
        assert response.status_code == 400 and field in response.json()["errors"], response.text


def test_the_clusters_changes_are_its_completed_ones_newest_first(server):
    _, api, fsid = server
    first = run(api, "PATCH", f"cluster/{fsid}/osd/3", {"reweight": 0.75})
    second = run(api, "PATCH", f"cluster/{fsid}/osd/3", {"reweight": 1.0})
    fqdn = next(s["fqdn"] for s in api.get("server").json() if s["managed"])
    job = api.post(f"server/{fqdn}/debug_job", json={"cmd": "selftest_wait", "args": [0]}, headers=xsrf(api))
    assert job.status_code == 202, job.text
    page = api.get(f"cluster/{fsid}/changes", params={"page_size": 1000}).json()
    ids = [c["request_id"] for c in page["results"]]
    assert ids[:2] == [second["id"], first["id"]] and job.json()["request_id"] not in ids
    assert page["count"] == len(ids) and len(ids) >= 4          # with the earlier tests' changes
    completed = [c["completed_at"] for c in page["results"]]
    assert completed == sorted(completed, reverse=True)
    entry = page["results"][1]
    assert entry == {"request_id": first["id"], "headline": first["headline"], "kind": "update_osd",
                     "requested_by": "admin", "changes": {"reweight": [1.0, 0.75]},
                     "requested_at": first["requested_at"], "completed_at": first["completed_at"],
                     "duration_s": entry["duration_s"]}
    spent = datetime.fromisoformat(first["completed_at"]) - datetime.fromisoformat(first["requested_at"])
    assert abs(entry["duration_s"] - spent.total_seconds()) < 0.01
    one = api.get(f"cluster/{fsid}/changes", params={"page_size": 1, "page": 2}).json()
    assert [c["request_id"] for c in one["results"]] == [first["id"]] and one["next"] and one["previous"]
    assert api.get("cluster/no-such-fsid/changes").status_code == 404


def test_history_survives_a_restart(server):
    """Last in the module: the daemon restarts on the same data directory."""
    daemon, api, fsid = server
    ids = [r["id"] for r in api.get("request", params={"page_size": 1000}).json()["results"]]
    shown = {request_id: api.get(f"request/{request_id}").json() for request_id in ids}
    changes = api.get(f"cluster/{fsid}/changes", params={"page_size": 1000}).json()
    assert daemon.stop() == 0
    daemon.start()
    with logged_in_client(daemon.http_url) as again:
        assert {request_id: again.get(f"request/{request_id}").json() for request_id in ids} == shown
        assert any(r["commands"] and len(r["phases"]) > 4 for r in shown.values())
        assert again.get(f"cluster/{fsid}/changes", params={"page_size": 1000}).json()["results"] == \
            changes["results"]
