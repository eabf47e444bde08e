"""The OpenAPI document describes every answer: it is a valid OpenAPI 3.0 document
(openapi-spec-validator), every GET and every write that answers a body says what that body is,
the records are strict (so a key a view adds without its schema is caught by the system test
that checks real answers), and the error answers are the one error shape.

And the API root: anyone gets the way in (docs, openapi.json, auth/login), a logged-in caller also
the reference's `user` and `cluster` links."""
from __future__ import annotations

import copy

import pytest
from openapi_spec_validator import validate

from tests.openapi_answers import conforms as answer_conforms
from tests.unit.fake_api import ADMIN, WebTestCase
from web.app import ROUTES
from web.apidoc.docs_page import render
from web.apidoc.openapi import UNSAFE, document
from web.apidoc.openapi import operations as document_operations
from web.contract import CREATED, OK
from web.settings import WebSettings

DOC = document(ROUTES, WebSettings(cookie_secret=b"x"))
SCHEMAS = DOC["components"]["schemas"]


def conforms(schema: dict, body) -> bool:
    return answer_conforms(schema, body, SCHEMAS)


def operations():
    return document_operations(ROUTES)


def test_the_document_is_valid_openapi():
    validate(copy.deepcopy(DOC))


def test_every_get_says_what_it_answers():
    empty = [f"{handler.__module__}.{handler.__name__}" for template, verb, handler in operations()
             if verb == "get" and not handler.__dict__.get("answer_schema")]
    assert not empty, "declare `answer_schema` (web/apidoc/answers.py) on: " + ", ".join(empty)
    for template, verb, _ in operations():
        if verb == "get":
            content = DOC["paths"][template]["get"]["responses"]["200"]["content"]
            assert all(media["schema"] for media in content.values()), template


def test_every_write_answering_a_body_says_what_it_is():
    missing = [f"{template} {verb}" for template, verb, handler in operations()
               if verb in UNSAFE and handler.writes[verb].answer in (OK, CREATED)
               and handler.writes[verb].returns is None]
    assert not missing, "declare Write(returns=...) for: " + ", ".join(missing)
    created = DOC["paths"]["/user/{user_id}/token"]["post"]["responses"]["201"]
    assert created["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/NewToken"}


def strict_objects(schema, where=""):
    """Paths of the object schemas with named properties that still allow other keys."""
    found = []
    if isinstance(schema, dict):
        if schema.get("properties") and schema.get("additionalProperties") is not False:
            found.append(where)
        for key, value in schema.items():
            found += strict_objects(value, f"{where}/{key}")
    elif isinstance(schema, list):
        for index, value in enumerate(schema):
            found += strict_objects(value, f"{where}/{index}")
    return found


def test_answer_records_allow_no_undeclared_keys():
    answers = {name: schema for name, schema in SCHEMAS.items() if name not in ("Page", "RequestId")}
    assert strict_objects(answers) == []
    for template, verb, _ in operations():
        if verb == "get":
            assert strict_objects(DOC["paths"][template]["get"]["responses"]["200"], template) == [] \
                or template == "/stream", template    # the stream's frames are not JSON objects


def test_a_key_a_view_adds_without_its_schema_does_not_conform():
    pool = {"id": 1, "name": "rbd", "size": 3, "min_size": 2, "crush_ruleset": 0,
            "crash_replay_interval": 0, "pg_num": 64, "pgp_num": 64, "hashpspool": True,
            "full": False, "quota_max_objects": 0, "quota_max_bytes": 0, "type": "replicated",
            "erasure_code_profile": ""}
    pools = DOC["paths"]["/cluster/{fsid}/pool"]["get"]["responses"]["200"]["content"][
        "application/json"]["schema"]
    assert conforms(pools, [pool])
    assert conforms(pools, {"count": 1, "next": None, "previous": None, "results": [pool]})
    assert not conforms(pools, [{**pool, "new_field": 1}])
    assert not conforms(pools, [{key: value for key, value in pool.items() if key != "pg_num"}])
    assert not conforms(pools, [{**pool, "size": "3"}])


@pytest.mark.parametrize("status,name", [("401", "Unauthorized"), ("404", "NotFound"),
                                         ("503", "Unavailable"), ("4XX", "ClientSide")])
def test_errors_are_the_one_error_shape(status, name):
    responses = DOC["paths"]["/cluster/{fsid}/osd/{osd_id}"]["patch"]["responses"]
    assert responses[status] == {"$ref": f"#/components/responses/{name}"}
    answer = DOC["components"]["responses"][name]["content"]["application/json"]["schema"]
    assert conforms(answer, {"detail": "Not found", "errors": {}})
    assert not conforms(answer, {"detail": "Not found"})
    patch = DOC["paths"]["/cluster/{fsid}/osd/{osd_id}"]["patch"]["responses"]
    assert {"202", "304", "400", "403", "409", "413", "415"} <= set(patch)


def test_conditional_gets_and_their_304():
    one = DOC["paths"]["/cluster/{fsid}/osd/{osd_id}"]["get"]["responses"]
    assert "304" in one and "ETag" in one["200"]["headers"]
    assert "304" not in DOC["paths"]["/user"]["get"]["responses"]


def test_the_root_is_documented_as_open_with_its_links():
    root = DOC["paths"]["/"]["get"]
    assert root["security"] == []
    schema = root["responses"]["200"]["content"]["application/json"]["schema"]
    anonymous = {"docs": "http://x/api/v2/docs", "openapi.json": "http://x/api/v2/openapi.json",
                 "auth/login": "http://x/api/v2/auth/login"}
    assert conforms(schema, anonymous)
    assert conforms(schema, {**anonymous, "user": "http://x/api/v2/user", "cluster": "http://x/api/v2/cluster"})
    assert not conforms(schema, {"user": "http://x/api/v2/user", "cluster": "http://x/api/v2/cluster"})


class AnonymousRootTest(WebTestCase):
    login_first = False

    def test_anonymous_caller_gets_the_way_in_without_a_session(self):
        base = self.get_url("")
        response = self.get("/api/v2/")
        self.assertEqual(response.code, 200)
        self.assertEqual(self.body(response), {"docs": f"{base}/api/v2/docs",
                                               "openapi.json": f"{base}/api/v2/openapi.json",
                                               "auth/login": f"{base}/api/v2/auth/login"})
        self.assertEqual({name for name, _, _ in self.api.calls}, set())   # no lookup at all

    def test_a_stale_cookie_or_token_is_answered_as_anonymous(self):
        self.jar["calamari_sessionid"] = "stale"
        self.assertNotIn("user", self.body(self.get("/api/v2/")))
        self.jar.clear()
        answer = self.body(self.get("/api/v2/", headers={"Authorization": "Bearer nope"}))
        self.assertNotIn("user", answer)
        self.assertEqual(self.get("/api/v2/cluster", headers={"Authorization": "Bearer nope"}).code, 401)

    def test_after_login_the_reference_links_are_there_too(self):
        self.login()
        self.assertEqual(set(self.body(self.get("/api/v2/"))),
                         {"user", "cluster", "docs", "openapi.json", "auth/login"})

    def test_a_scripts_token_is_recognised_too(self):
        self.api.tokens["calamari_token"] = dict(ADMIN)
        answer = self.body(self.get("/api/v2/", headers={"Authorization": "Bearer calamari_token"}))
        self.assertEqual(set(answer), {"user", "cluster", "docs", "openapi.json", "auth/login"})


def test_the_docs_page_shows_each_answer_and_the_schemas():
    page = render(DOC)
    assert "answer: list of Pool or {count*: integer 0.., next*: string or null" in page
    assert "<td id='schema-Pool'><code>Pool</code></td><td>{<code>id</code>*: integer" in page
    assert "<code>crush_ruleset</code>*: integer or null" in page
