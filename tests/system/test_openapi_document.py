"""The served OpenAPI document against the real daemon's answers (a simulated 3-server cluster over
ZeroMQ): every GET route, with real ids, in each of its shapes (plain list, page, `?defaults`),
and the bodies the writes answer, must conform to the schemas the document gives for their
status. The schemas' records are strict, so a key a view adds without its schema fails here.

Also: the document is valid OpenAPI 3.0, and `GET /api/v2/` points a newcomer the way in."""
from __future__ import annotations

import httpx
import pytest
from openapi_spec_validator import validate

from tests.helpers import wait_until
from tests.openapi_answers import conformance_errors
from tests.system.live_target import admin_client, live_target
from web.app import ROUTES
from web.apidoc.openapi import operations

# GETs not checked as JSON: the live stream (text/event-stream, checked by the stream's tests)
# and the HTML rendering of the document.
NOT_JSON = {"/stream", "/docs"}
# The shapes a GET has beyond its plain answer, by route.
VARIANTS = {
    "/cluster/{fsid}/pool": ["page=1&page_size=2", "defaults"],
    "/cluster/{fsid}/osd": ["page=2&page_size=5", "pool=1"],
    "/cluster/{fsid}/osd_usage": ["page=1&page_size=3"],
    "/server": ["page=1&page_size=2"],
    "/cluster/{fsid}/history": ["series=used_bytes,write_bytes_sec"],
    "/event": ["page=1&page_size=3&severity=WARNING"],
    "/request": ["state=complete", "requested_by=admin&kind=update_osd&since=2020-01-01T00:00:00Z"],
    "/cluster/{fsid}/changes": ["page=1&page_size=1"],
    "/fleet": ["ordering=-used_ratio"],
}
# Routes whose plain GET is a 400 (a parameter is required): only their variants are checked.
NEEDS_PARAMETERS = {"/cluster/{fsid}/history"}


@pytest.fixture(scope="module")
def target(tmp_path_factory):
    with live_target(tmp_path_factory.mktemp("document") / "data") as running:
        yield running


@pytest.fixture(scope="module")
def api(target):
    with admin_client(target) as client:
        yield client


@pytest.fixture(scope="module")
def doc(target):
    return httpx.get(target.base_url + "/openapi.json", timeout=10).json()


@pytest.fixture(scope="module")
def written(target, api, doc) -> dict:
    """A few writes whose answers are checked too, leaving a request and a token to read."""
    answers = {}
    change = api.patch(f"cluster/{target.fsid}/osd/1", json={"in": False})
    answers[("patch", "/cluster/{fsid}/osd/{osd_id}")] = change
    request_id = change.json()["request_id"]
    wait_until(lambda: api.get(f"request/{request_id}").json()["state"] == "complete",
               what="the OSD change to complete")
    answers[("post", "/request/{request_id}/revert", "dry run")] = api.post(
        f"request/{request_id}/revert", params={"dry_run": 1})
    answers[("post", "/request/{request_id}/revert")] = api.post(f"request/{request_id}/revert")
    token = api.post("user/me/token", json={"name": "document test"})
    answers[("post", "/user/{user_id}/token")] = token
    answers[("post", "/cluster/{fsid}/cli")] = api.post(f"cluster/{target.fsid}/cli",
                                                        json={"command": "status"})
    answers[("put", "/user/{user_id}")] = api.put("user/me", json={"email": "admin@example.com"})
    always = [{"days": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"], "from": "00:00", "to": "24:00"}]
    answers[("put", "/cluster/{fsid}/guardrails")] = api.put(f"cluster/{target.fsid}/guardrails", json={
        "refuse_unsafe_osd_changes": False, "refuse_deleting_pools_with_data": False, "change_window": always})
    return {"request_id": request_id, "token_id": token.json()["id"], "answers": answers}


def real_ids(target, api, written) -> dict:
    fqdn = target.fqdns[0]
    return {"fsid": target.fsid, "fqdn": fqdn, "minion_id": fqdn,
            "mon_id": api.get(f"cluster/{target.fsid}/mon").json()[0]["name"], "pool_id": 1,
            "osd_id": 1, "type_id": 1, "node_id": -1, "rule_id": 0, "sync_type": "osd_map",
            "key": "fsid", "command": "scrub", "user_id": "me", "log_path": "ceph/ceph.log",
            "request_id": written["request_id"], "token_id": written["token_id"]}


def get_routes():
    return [template for template, verb, _ in operations(ROUTES) if verb == "get"]


def test_the_served_document_is_valid_openapi(doc):
    validate(doc)


def test_every_get_answer_conforms_to_the_document(target, api, doc, written):
    ids = real_ids(target, api, written)
    problems, checked = [], set()
    for template in get_routes():
        if template in NOT_JSON or template == "/auth/logout":    # logging out ends the session
            continue
        path = template.format(**ids).lstrip("/")
        queries = ([] if template in NEEDS_PARAMETERS else [""]) + VARIANTS.get(template, [])
        for query in queries:
            response = api.get(f"{path}?{query}" if query else path)
            assert response.status_code == 200, (template, query, response.text[:300])
            problems += conformance_errors(doc, template, "get", 200, response.json())
        checked.add(template)
    anonymous = httpx.get(target.base_url + "/auth/logout", timeout=10)
    problems += conformance_errors(doc, "/auth/logout", "get", 200, anonymous.json())
    checked.add("/auth/logout")
    assert not problems, "\n".join(problems[:40])
    assert checked == set(get_routes()) - NOT_JSON


def test_write_answers_conform_to_the_document(doc, written):
    problems = []
    for (verb, template, *_), response in written["answers"].items():
        assert response.status_code < 300, (verb, template, response.text[:300])
        problems += conformance_errors(doc, template, verb, response.status_code, response.json())
    assert not problems, "\n".join(problems)


def test_error_answers_conform_to_the_document(target, api, doc):
    cases = [(api.get(f"cluster/{target.fsid}/osd/999"), "/cluster/{fsid}/osd/{osd_id}", "get"),
             (api.get(f"cluster/{target.fsid}/osd?page=0"), "/cluster/{fsid}/osd", "get"),
             (api.patch(f"cluster/{target.fsid}/pool/1", json={"size": "big"}),
              "/cluster/{fsid}/pool/{pool_id}", "patch"),
             (httpx.get(target.base_url + "/cluster", timeout=10), "/cluster", "get")]
    problems = []
    for response, template, verb in cases:
        assert response.status_code in (400, 401, 404), (template, response.text)
        problems += conformance_errors(doc, template, verb, response.status_code, response.json())
    assert not problems, "\n".join(problems)


def test_the_api_root_points_a_newcomer_the_way_in(target, doc):
    response = httpx.get(target.base_url + "/", timeout=10)
    assert response.status_code == 200
    links = response.json()
    assert set(links) == {"docs", "openapi.json", "auth/login"}
    assert not conformance_errors(doc, "/", "get", 200, links)
    for name, url in links.items():
        assert url == f"{target.base_url}/{name}"
        assert httpx.get(url, timeout=10).status_code == 200, name
