"""Every route of the API, with real and bogus ids and every verb: never a 500."""
from __future__ import annotations

from tests.system.cluster_helpers import fill, synced_cluster
from tests.system.requests_helpers import xsrf
from web.app import ROUTES

VERBS = ("GET", "POST", "PUT", "PATCH", "DELETE")
# Verbs whose effects would end the session or the sweep itself: checked elsewhere.
SKIP = {("auth/logout", "GET"), ("auth/logout", "POST"), ("auth/login", "POST")}
# Routes that would answer for ever without a bound: the live stream ends after max_s.
BOUNDED = {"stream": {"max_s": "0.1"}}


def test_no_route_answers_500_to_real_or_bogus_ids_or_any_verb(api, fleet):
    fsid = synced_cluster(api, fleet)
    fqdn = sorted(fleet.backends)[0]
    mon = api.get(f"cluster/{fsid}/mon").json()[0]["name"]
    real = {"fsid": fsid, "fqdn": fqdn, "mon_id": mon, "minion_id": fqdn, "pool_id": 1, "osd_id": 0,
            "type_id": 1, "node_id": -1, "rule_id": 0, "sync_type": "osd_map", "key": "fsid",
            "command": "scrub", "user_id": "me", "request_id": "no-such-request",
            "log_path": "ceph/ceph.log", "token_id": "0123456789ab"}
    bogus = {"fsid": "bogus-fsid", "fqdn": "bogus.example", "mon_id": "bogus", "minion_id": "bogus.example",
             "pool_id": 999, "osd_id": 999, "type_id": 999, "node_id": -999, "rule_id": 999,
             "sync_type": "bogus", "key": "bogus", "command": "bogus", "user_id": 999,
             "request_id": "bogus", "log_path": "bogus/../../etc/passwd", "token_id": "f" * 64}
    seen = []
    for pattern, _handler in ROUTES:
        for values in (bogus, real):
            path = fill(pattern, values)
            for verb in VERBS:
                if (pattern, verb) in SKIP or (values is real and verb == "DELETE"):
                    continue   # deleting real objects would change what the rest of the sweep sees
                body = {"status": "accepted"} if verb in ("PATCH", "PUT", "POST") else None
                response = api.request(verb, path, json=body, headers=xsrf(api), params=BOUNDED.get(pattern))
                seen.append((verb, path, response.status_code))
                assert response.status_code != 500 and response.status_code < 600, (verb, path, response.text)
                if response.status_code >= 400:
                    assert "detail" in response.json(), (verb, path, response.text)
    assert len(seen) > 300
    assert {code for _, _, code in seen} >= {200, 400, 404, 405}


def test_ids_and_pages_too_large_for_the_database_are_404_or_400(api):
    huge = "9" * 20
    assert api.get(f"user/{huge}").status_code == 404
    assert api.patch(f"user/{huge}", json={"email": "x@y"}, headers=xsrf(api)).status_code == 404
    assert api.delete(f"user/{huge}", headers=xsrf(api)).status_code == 404
    assert api.get("event", params={"page": huge}).status_code == 400
    assert api.get("request", params={"page": huge}).status_code == 400
