"""The OpenAPI document is generated from the route table and the validators' declarations: it
lists every route and verb, types path parameters by their regexes, and its request bodies are
exactly what the validators accept (bodies drawn from the document pass them)."""
from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode

from actors.cluster.commands.crush_rules import RULE_CREATE
from actors.cluster.commands.pool_attrs import PATCH_FIELDS, POOL_CREATE, POOL_FIELDS
from actors.errors import Invalid
from web.app import ROUTES
from web.apidoc.openapi import UNSAFE, document, path_template
from web.apidoc.openapi import operations as document_operations
from web.apidoc.schemas import split_alternatives
from web.settings import WebSettings

DOC = document(ROUTES, WebSettings(cookie_secret=b"x", max_body_bytes=1234))
PUBLIC = {"/", "/info", "/auth/login", "/auth/logout", "/openapi.json", "/docs"}


def operations():
    return document_operations(ROUTES)


def test_every_route_and_verb_is_an_operation():
    expected = {(template, verb) for template, verb, _ in operations()}
    documented = {(path, verb) for path, item in DOC["paths"].items() for verb in item
                  if verb != "parameters"}
    assert documented == expected
    assert len(DOC["paths"]) == len(ROUTES)
    assert ("/cluster/{fsid}/pool/{pool_id}", "delete") in documented
    assert ("/cluster/{fsid}/pool/{pool_id}", "put") not in documented     # 405 there


def test_every_unsafe_verb_declares_what_it_takes_and_answers():
    missing = [f"{handler.__module__}.{handler.__name__}: writes[{verb!r}]"
               for _, verb, handler in operations()
               if verb in UNSAFE and verb not in handler.writes]
    assert not missing, ("declare these in the handler's `writes` (web/contract.py), using the "
                         "Body its validator checks with: " + "; ".join(missing))


def parameter(path: str, name: str) -> dict:
    return next(p for p in DOC["paths"][path]["parameters"] if p["name"] == name)


def test_path_parameters_are_typed_by_the_route_regexes():
    fsid = parameter("/cluster/{fsid}/osd/{osd_id}", "fsid")
    assert fsid["required"] and fsid["in"] == "path"
    assert fsid["schema"] == {"type": "string", "pattern": "^(?:[a-zA-Z0-9-]+)$", "format": "uuid"}
    assert parameter("/cluster/{fsid}/osd/{osd_id}", "osd_id")["schema"] == {
        "type": "integer", "minimum": 0}
    assert parameter("/cluster/{fsid}/crush_node/{node_id}", "node_id")["schema"] == {
        "type": "integer"}
    assert parameter("/user/{user_id}", "user_id")["schema"] == {"anyOf": [
        {"type": "integer", "minimum": 0}, {"type": "string", "enum": ["me"]}]}
    assert parameter("/server/{fqdn}", "fqdn")["schema"]["format"] == "hostname"
    assert parameter("/cluster/{fsid}/config/{key}", "key")["schema"]["pattern"] == \
        "^(?:[a-zA-Z0-9_]+)$"
    assert parameter("/server/{fqdn}/log/{log_path}", "log_path")["schema"]["pattern"] == "^(?:.+)$"


def test_route_patterns_become_templates():
    assert path_template("")[0] == "/"
    assert path_template(r"a/(?P<x>\d+|me)/b/(?P<y>(a|b)c)")[0] == "/a/{x}/b/{y}"
    assert split_alternatives(r"\d+|me") == [r"\d+", "me"]
    assert split_alternatives(r"(a|b)|[|]|\|") == ["(a|b)", "[|]", r"\|"]


def body_of(path: str, verb: str) -> dict:
    return DOC["paths"][path][verb]["requestBody"]["content"]["application/json"]["schema"]


def test_request_bodies_are_the_validators_declarations():
    create = body_of("/cluster/{fsid}/pool", "post")
    assert set(create["properties"]) == set(POOL_FIELDS)
    assert create["required"] == list(POOL_CREATE.required) == ["name", "pg_num"]
    assert create["additionalProperties"] is False
    assert create["properties"]["pg_num"] == {"type": "integer", "minimum": 1, "maximum": 2**31 - 1}
    assert create["properties"]["type"] == {"type": "string", "enum": ["replicated", "erasure"]}
    assert set(body_of("/cluster/{fsid}/pool/{pool_id}", "patch")["properties"]) == \
        set(PATCH_FIELDS)
    rule = body_of("/cluster/{fsid}/crush_rule", "post")
    assert rule["required"] == list(RULE_CREATE.required)
    assert rule["properties"]["steps"]["items"]["required"] == ["op"]
    assert rule["properties"]["ruleset"] == {"type": "integer", "minimum": 0, "maximum": 255}
    cli = body_of("/cluster/{fsid}/cli", "post")["properties"]["command"]
    assert cli == {"anyOf": [{"type": "string", "minLength": 1, "maxLength": 4096},
                             {"type": "array", "items": {"type": "string", "minLength": 1, "maxLength": 4096}}]}
    crush_map = DOC["paths"]["/cluster/{fsid}/crush_map"]["post"]["requestBody"]["content"]
    assert set(crush_map) == {"application/json", "text/plain"}


def test_answers_and_errors_are_documented():
    pool_post = DOC["paths"]["/cluster/{fsid}/pool"]["post"]["responses"]
    assert pool_post["202"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/RequestId"}
    assert {"304", "401", "403", "404", "413", "4XX", "5XX"} <= set(pool_post)
    assert set(DOC["paths"]["/cluster/{fsid}"]["delete"]["responses"]) >= {"204"}
    events = DOC["paths"]["/event"]["get"]
    page = events["responses"]["200"]["content"]["application/json"]["schema"]
    assert page["required"] == DOC["components"]["schemas"]["Page"]["required"]
    assert page["properties"]["results"]["items"] == {"$ref": "#/components/schemas/Event"}
    assert {p["name"] for p in events["parameters"]} == {"page", "page_size", "severity"}
    error = DOC["components"]["schemas"]["Error"]
    assert error["required"] == ["detail", "errors"]
    assert "1234 bytes" in DOC["info"]["description"]


def test_security_follows_requires_session():
    for template, verb, handler in operations():
        security = DOC["paths"][template][verb]["security"]
        if template in PUBLIC:
            assert security == [] and not handler.requires_session, (template, verb)
        elif verb in UNSAFE:
            assert {"session": [], "xsrf": []} in security, (template, verb)
        else:
            assert {"session": []} in security, (template, verb)


# Each JSON body the document declares, drawn in positive mode, passes the Body's own check.
SCHEMA = schemathesis.openapi.from_dict(DOC)
BODY_OPERATIONS = [(template, verb, handler.writes[verb]) for template, verb, handler in operations()
                   if verb in UNSAFE and verb in handler.writes
                   and handler.writes[verb].body is not None]


@pytest.mark.parametrize("template,verb,write", BODY_OPERATIONS,
                         ids=[f"{v} {t}" for t, v, _ in BODY_OPERATIONS])
def test_bodies_drawn_from_the_document_pass_the_validator(template, verb, write):
    operation = SCHEMA[template][verb.upper()]
    strategy = operation.as_strategy(generation_mode=GenerationMode.POSITIVE)

    @settings(max_examples=25, derandomize=True, database=None, deadline=None,
              suppress_health_check=list(HealthCheck))
    @given(strategy)
    def check(case):
        if isinstance(case.body, dict):
            try:
                write.body.check(case.body, verb.upper())
            except Invalid as exc:
                pytest.fail(f"{verb} {template}: {case.body!r} is valid by the document but "
                            f"refused: {exc.errors}")
    check()


def test_cluster_resources_document_conditional_gets():
    conditional = {template for template, verb, _ in operations()
                   if verb == "get" and template.startswith("/cluster/{fsid}")}
    assert {"/cluster/{fsid}", "/cluster/{fsid}/osd", "/cluster/{fsid}/usage"} <= conditional
    for template, verb, handler in operations():
        if verb != "get":
            continue
        op = DOC["paths"][template]["get"]
        header_names = [p["name"] for p in op.get("parameters", ()) if p["in"] == "header"]
        if template in conditional:
            assert header_names == ["If-None-Match"], template
            assert "ETag" in op["responses"]["200"]["headers"], template
            assert "ETag" in op["responses"]["304"]["headers"] and "content" not in op["responses"]["304"]
        else:
            declared = [h["name"] for h in getattr(handler, "header_parameters", ())]   # the stream's
            assert header_names == declared and "304" not in op["responses"], template
    osd_list = {p["name"] for p in DOC["paths"]["/cluster/{fsid}/osd"]["get"]["parameters"]}
    assert osd_list == {"pool", "id__in[]", "page", "page_size", "If-None-Match"}   # beside the query
    assert "If-None-Match" in DOC["info"]["description"]
