"""Guardrails (issue 20) against the real daemon and a simulated cluster, one daemon for the
module: GET/PUT cluster/<fsid>/guardrails (off by default, strict PUT, admins only), the change
window (409 outside it, dry runs warned, open inside it), deleting a pool that holds data and
taking out an OSD Ceph says is not ok to stop (409 unless ?force=1, the override audited), and
the settings surviving a restart of the daemon on the same data dir."""
from __future__ import annotations

import time

import pytest

from tests.helpers import wait_until
from tests.system.cli_helpers import daemon_with_cluster
from tests.system.daemon_process import logged_in_client
from tests.system.requests_helpers import finished, run, submit, xsrf

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
OFF = {"refuse_unsafe_osd_changes": False, "refuse_deleting_pools_with_data": False, "change_window": None}


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """(daemon, fleet, fsid, api as admin, {role: client}), a live cluster for the whole module."""
    with daemon_with_cluster(tmp_path_factory.mktemp("guardrails") / "data", live=True) as (daemon, fleet, fsid):
        fleet.clusters[0].client_load = 0.0    # no client writes: a new pool stays empty until written to
        with logged_in_client(daemon.http_url) as admin:
            for name, role in (("rita", "read-only"), ("olga", "operator")):
                created = admin.post("user", json={"username": name, "password": "pass-word-1", "role": role},
                                     headers=xsrf(admin))
                assert created.status_code == 201, created.text
            with logged_in_client(daemon.http_url, "rita", "pass-word-1") as rita, \
                    logged_in_client(daemon.http_url, "olga", "pass-word-1") as olga:
                yield daemon, fleet, fsid, admin, {"read-only": rita, "operator": olga}


def put(api, fsid: str, expect: int = 200, **settings):
    response = api.put(f"cluster/{fsid}/guardrails", json={**OFF, **settings}, headers=xsrf(api))
    assert response.status_code == expect, response.text
    return response.json()


def today_and_tomorrow() -> list[str]:
    """The UTC days a window must list to be open now, even if the test crosses midnight."""
    today = time.gmtime().tm_wday
    return [DAYS[today], DAYS[(today + 1) % 7]]


def audited(api, *words: str) -> str:
    def found():
        events = api.get("event", params={"page_size": 200}).json()["results"]
        return next((e["message"] for e in events if all(w in e["message"] for w in words)), None)
    return wait_until(found, timeout_s=10, what=f"an audit event with {words}")


def test_off_by_default_strict_puts_and_admins_only(server):
    _, _, fsid, admin, users = server
    for api in (admin, *users.values()):
        assert api.get(f"cluster/{fsid}/guardrails").json() == OFF
    assert admin.get("cluster/no-such-fsid/guardrails").status_code == 404
    for role, api in users.items():
        refused = api.put(f"cluster/{fsid}/guardrails", json=OFF, headers=xsrf(api))
        assert refused.status_code == 403, (role, refused.text)
    window = [{"days": ["mon"], "from": "09:00", "to": "17:00"}]
    for body, field in (({}, "refuse_unsafe_osd_changes"),
                        ({**OFF, "nope": True}, "nope"),
                        ({**OFF, "refuse_deleting_pools_with_data": "yes"}, "refuse_deleting_pools_with_data"),
                        ({**OFF, "change_window": []}, "change_window"),
                        ({**OFF, "change_window": [{**window[0], "days": ["monday"]}]}, "change_window[0].days"),
                        ({**OFF, "change_window": [{**window[0], "from": "9am"}]}, "change_window[0].from"),
                        ({**OFF, "change_window": [{**window[0], "from": "18:00"}]}, "change_window[0].to"),
                        ({**OFF, "change_window": [{**window[0], "tz": "CET"}]}, "change_window[0].tz")):
        bad = admin.put(f"cluster/{fsid}/guardrails", json=body, headers=xsrf(admin))
        assert bad.status_code == 400 and field in bad.json()["errors"], (body, bad.text)
    assert admin.get(f"cluster/{fsid}/guardrails").json() == OFF     # nothing of those was kept


def test_writes_outside_the_window_are_refused_and_allowed_inside_it(server):
    _, _, fsid, admin, _ = server
    open_days = today_and_tomorrow()
    closed = [{"days": [d for d in DAYS if d not in open_days], "from": "00:00", "to": "24:00"}]
    assert put(admin, fsid, change_window=closed)["change_window"] == closed
    pool = {"name": "windowed", "pg_num": 8}
    for query in ("", "?force=1"):      # force does not open the window
        refused = admin.post(f"cluster/{fsid}/pool{query}", json=pool, headers=xsrf(admin))
        assert refused.status_code == 409, refused.text
        assert "change window" in refused.json()["detail"] and "00:00-24:00 UTC" in refused.json()["detail"]
        assert "change_window" in refused.json()["errors"]
    preview = admin.post(f"cluster/{fsid}/pool?dry_run=1", json=pool, headers=xsrf(admin))
    assert preview.status_code == 200, preview.text
    assert any("would be refused" in w and "change window" in w for w in preview.json()["warnings"])
    assert admin.post(f"cluster/{fsid}/pool", json={"name": ""}, headers=xsrf(admin)).status_code == 400
    put(admin, fsid, change_window=[{"days": open_days, "from": "00:00", "to": "24:00"}])
    run(admin, "POST", f"cluster/{fsid}/pool", pool)
    put(admin, fsid)


def pool_id(api, fsid: str, name: str) -> int:
    return wait_until(lambda: next((p["id"] for p in api.get(f"cluster/{fsid}/pool").json() if p["name"] == name), None),
                      what=f"pool {name}")


def test_deleting_a_pool_with_data_needs_force_and_the_override_is_audited(server):
    _, fleet, fsid, admin, _ = server
    put(admin, fsid, refuse_deleting_pools_with_data=True)
    run(admin, "POST", f"cluster/{fsid}/pool", {"name": "holding", "pg_num": 8})
    run(admin, "POST", f"cluster/{fsid}/pool", {"name": "empty", "pg_num": 8})
    holding, empty = pool_id(admin, fsid, "holding"), pool_id(admin, fsid, "empty")
    fleet.clusters[0].write("holding", 40 << 20)
    wait_until(lambda: any(p["name"] == "holding" and p["objects"] > 0
                           for p in admin.get(f"cluster/{fsid}/usage").json()["pools"]), what="the pool's data in usage")
    refused = admin.delete(f"cluster/{fsid}/pool/{holding}", headers=xsrf(admin))
    assert refused.status_code == 409 and "refuse_deleting_pools_with_data" in refused.json()["errors"], refused.text
    assert "holds data" in refused.json()["detail"] and "force=1" in refused.json()["detail"]
    preview = admin.delete(f"cluster/{fsid}/pool/{holding}?dry_run=1", headers=xsrf(admin))
    assert preview.status_code == 200 and any("unless ?force=1" in w for w in preview.json()["warnings"])
    run(admin, "DELETE", f"cluster/{fsid}/pool/{empty}")            # an empty pool goes as ever
    request_id = submit(admin, "DELETE", f"cluster/{fsid}/pool/{holding}?force=1")
    assert finished(admin, request_id)["error"] is False
    message = audited(admin, "Audit: admin DELETE", f"pool/{holding}", request_id)
    assert "overridden" in message and "refuse_deleting_pools_with_data" in message
    put(admin, fsid)


def test_an_osd_ceph_says_is_not_ok_to_stop_stays_in_unless_forced(server):
    _, _, fsid, admin, users = server
    # Every PG of a pool with min_size = size goes inactive when any OSD holding a copy stops.
    run(admin, "POST", f"cluster/{fsid}/pool", {"name": "strict", "pg_num": 16, "size": 3, "min_size": 3})
    put(admin, fsid, refuse_unsafe_osd_changes=True)

    def unsafe_osd():
        for osd in admin.get(f"cluster/{fsid}/osd").json():
            preview = admin.patch(f"cluster/{fsid}/osd/{osd['id']}?dry_run=1", json={"in": False}, headers=xsrf(admin))
            checks = {c["check"]: c for c in preview.json()["checks"]} if preview.status_code == 200 else {}
            if checks.get("ok-to-stop", {}).get("ok") is False:
                assert any("unless ?force=1" in w for w in preview.json()["warnings"]), preview.json()
                return [osd["id"]]     # in a list: osd.0 is an answer too
        return None
    [osd_id] = wait_until(unsafe_osd, what="an OSD Ceph says is not ok to stop")
    operator = users["operator"]
    refused = operator.patch(f"cluster/{fsid}/osd/{osd_id}", json={"in": False}, headers=xsrf(operator))
    assert refused.status_code == 409 and "refuse_unsafe_osd_changes" in refused.json()["errors"], refused.text
    assert admin.get(f"cluster/{fsid}/osd/{osd_id}").json()["in"] is True
    request_id = submit(operator, "PATCH", f"cluster/{fsid}/osd/{osd_id}?force=1", {"in": False})
    assert finished(operator, request_id)["error"] is False
    assert "overridden" in audited(admin, "Audit: olga PATCH", request_id)
    run(operator, "PATCH", f"cluster/{fsid}/osd/{osd_id}", {"in": True})   # back in: stops nothing
    put(admin, fsid)


def test_guardrails_survive_a_restart_and_go_with_a_forgotten_cluster(server):
    """Last in the module: the daemon comes back on the same data dir and bus endpoint (a new
    HTTP port, so the module's clients are done with)."""
    daemon, _, fsid, admin, _ = server
    settings = {"refuse_unsafe_osd_changes": True, "refuse_deleting_pools_with_data": True,
                "change_window": [{"days": ["sat", "sun"], "from": "02:00", "to": "04:30"}]}
    assert put(admin, fsid, **settings) == settings
    assert daemon.stop() == 0
    daemon.start()
    with logged_in_client(daemon.http_url) as api:
        assert api.get(f"cluster/{fsid}/guardrails").json() == settings
        # forgotten with the cluster: rediscovered by its next heartbeat, it starts with none
        assert api.delete(f"cluster/{fsid}", headers=xsrf(api)).status_code == 204
        wait_until(lambda: api.get(f"cluster/{fsid}/guardrails").status_code == 200, what="the cluster back")
        assert api.get(f"cluster/{fsid}/guardrails").json() == OFF
