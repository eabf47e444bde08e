"""The OpenAPI 3 document of api/v2, generated at start-up from the route table and what each
handler declares, so it cannot disagree with the server:

* paths and path parameters from web.app.ROUTES (their types from the route regexes);
* verbs from the handler classes (BaseHandler.allowed_methods, the same list 405 answers use);
* query parameters from `handler.query` and bodies/answers from `handler.writes`
  (web/contract.py), whose Fields and Bodies are those the parsers and validators check with;
* what a GET answers from `handler.answer_schema` and what a write answers from its
  `Write.returns`: the named schemas of web/apidoc/answers.py, built from the views' own key
  lists and checked against a real daemon's answers by tests/system/test_openapi_document.py;
* the error answers each operation can give (the one error shape, web/errors.py);
* security from `handler.requires_session`;
* a GET's other media type, descriptions of its query parameters and the request headers it
  reads from `media_type`, `parameter_docs` and `header_parameters` (the live stream);
* conditional GETs (web/conditional.py) on the cluster resources: the ETag of a 200, the
  If-None-Match header and the 304 it may bring.

    doc = document(ROUTES, settings)      # a JSON-ready dict, served by web/resources/docs.py
"""
from __future__ import annotations

import copy
import inspect
import re

from web import auth, limits
from web.contract import ACCEPTED, NO_CONTENT, Write
from web.apidoc import preview_answers
from web.apidoc.answers import COMPONENTS
from web.apidoc.schemas import (
    ERROR, PAGE, REQUEST_ID, body_schema, field_schema, regex_schema)

OPENAPI = "3.0.3"
UNSAFE = ("post", "put", "patch", "delete")

# What a route regex cannot say: a format hint and a description per path parameter name.
PARAMETERS = {
    "fsid": ("uuid", "the cluster's FSID"),
    "fqdn": ("hostname", "a server's fully qualified domain name"),
    "minion_id": ("hostname", "an agent's minion id (its server's FQDN)"),
    "mon_id": (None, "a monitor's name"),
    "pool_id": (None, "a pool's id"),
    "osd_id": (None, "an OSD's id"),
    "type_id": (None, "a CRUSH type's id"),
    "node_id": (None, "a CRUSH node's id (buckets are negative)"),
    "rule_id": (None, "a CRUSH rule's id"),
    "sync_type": (None, "a cluster map's name, e.g. osd_map"),
    "key": (None, "a configuration option's name"),
    "command": (None, "an OSD command: scrub, deep_scrub or repair"),
    "user_id": (None, "a user's id, or `me`"),
    "request_id": (None, "a request's id"),
    "log_path": (None, "a log file's path under the server's log directory, e.g. ceph/ceph.log"),
}

SECURITY_SCHEMES = {
    "session": {"type": "apiKey", "in": "cookie", "name": auth.SESSION_COOKIE,
                "description": "set by POST auth/login"},
    "xsrf": {"type": "apiKey", "in": "header", "name": auth.XSRF_HEADER,
             "description": f"the value of the {auth.XSRF_COOKIE} cookie any GET sets; required "
                            "on POST, PUT, PATCH and DELETE with a session cookie"},
}
# Schemes here are offered as alternatives to the cookie session on every protected verb, with
# no XSRF header (web/auth.py: a Bearer header wins over cookies).
TOKEN_SCHEMES: dict[str, dict] = {
    "bearer": {"type": "http", "scheme": "bearer",
               "description": "an API token (POST user/me/token), as `Authorization: Bearer "
                              "<token>`"},
}

# The GETs documented as conditional: the cluster resources, whose ETags come from the versions of
# the cluster's maps (and stats) and so answer 304 before any answer is built. (Tornado gives
# every other complete GET answer an ETag too, a hash of its body.)
CONDITIONAL_PATHS = "/cluster/{fsid}"
ETAG_HEADER = {"description": "an opaque tag of this answer: send it back in If-None-Match to be "
                              "answered 304 while the answer is unchanged",
               "schema": {"type": "string"}}
IF_NONE_MATCH = {
    "name": "If-None-Match", "in": "header", "required": False, "schema": {"type": "string"},
    "description": "one or more ETags of earlier answers (comma-separated, weak comparison), or "
                   "`*`: 304 with no body while the answer would be the same"}
NOT_MODIFIED = {"description": "not modified: the answer is the one of the ETag sent",
                "headers": {"ETag": ETAG_HEADER}}

_GROUP = re.compile(r"\(\?P<(\w+)>")
# The error answers, each the one error shape (components/responses).
ERRORS = {
    "BadInput": "bad input: the offending fields or parameters are named in `errors`",
    "Unauthorized": "no valid session",
    "Forbidden": "the XSRF header is missing or wrong, or the action is not permitted",
    "NotFound": "no such object",
    "Conflict": "the change conflicts with the cluster's or the store's state",
    "TooLarge": "the body is larger than the server accepts",
    "UnsupportedMediaType": "a body that is not sent as application/json",
    "Unavailable": "the cluster (or the agent that must answer) cannot answer now",
    "Timeout": "no answer in time",
    "ClientSide": "another client error: 405 for a verb the resource does not offer, 429 for "
                  "too many logins from one address",
    "ServerSide": "another server error",
}
ERROR_STATUSES = {"BadInput": "400", "Unauthorized": "401", "Forbidden": "403", "NotFound": "404",
                  "Conflict": "409", "TooLarge": "413", "UnsupportedMediaType": "415",
                  "Unavailable": "503", "Timeout": "504",
                  "ClientSide": "4XX", "ServerSide": "5XX"}


# The tags of the paths outside /api/v2 (web/ops: each path item has its own `servers`).
OPS_TAGS = {"probes": "Health probes for a supervisor or load balancer: no login, no cluster named.",
            "bootstrap": "Onboarding a Ceph server: the install script and this manager's wheel."}


def document(routes, settings, extra_paths: dict | None = None) -> dict:
    """extra_paths: path items outside /api/v2 (web/ops.openapi_paths()), tagged from OPS_TAGS."""
    paths, tags = {}, {}
    for pattern, handler in routes:
        template, parameters = path_template(pattern)
        item = {"parameters": parameters} if parameters else {}
        for verb in handler.allowed_methods():
            if verb.lower() in ("get", *UNSAFE):
                item[verb.lower()] = operation(handler, verb.lower(), template, bool(parameters))
        paths[template] = item
        module = inspect.getmodule(handler)
        tags.setdefault(tag_of(handler), _first_paragraph(module.__doc__ if module else None))
    for template, item in (extra_paths or {}).items():
        paths[template] = item
        for operation_ in item.values():
            for tag in operation_.get("tags", ()) if isinstance(operation_, dict) else ():
                tags.setdefault(tag, OPS_TAGS.get(tag, ""))
    return {
        "openapi": OPENAPI,
        "info": {"title": "Calamari-compatible Ceph management API", "version": settings.version,
                 "description": _description(settings)},
        "servers": [{"url": "/api/v2"}],
        "tags": [{"name": name, "description": text} for name, text in sorted(tags.items())],
        "paths": paths,
        "components": {
            "schemas": {"Error": ERROR, "RequestId": REQUEST_ID, "Page": PAGE,
                        **copy.deepcopy(COMPONENTS), **copy.deepcopy(preview_answers.COMPONENTS)},
            "responses": {name: {"description": text,
                                 "content": _json({"$ref": "#/components/schemas/Error"})}
                          for name, text in ERRORS.items()},
            "securitySchemes": {**SECURITY_SCHEMES, **TOKEN_SCHEMES},
        },
    }


def operations(routes):
    """(template, verb, handler) of each operation the document describes, in route order."""
    for pattern, handler in routes:
        template, _ = path_template(pattern)
        for verb in handler.allowed_methods():
            if verb.lower() in ("get", *UNSAFE):
                yield template, verb.lower(), handler


def path_template(pattern: str) -> tuple[str, list[dict]]:
    """`cluster/(?P<fsid>[a-z-]+)/pool` -> ("/cluster/{fsid}/pool", [the fsid parameter])."""
    template, parameters, index = "", [], 0
    while (match := _GROUP.search(pattern, index)) is not None:
        end = _group_end(pattern, match.end())
        name = match.group(1)
        template += pattern[index:match.start()] + "{" + name + "}"
        parameters.append(path_parameter(name, pattern[match.end():end]))
        index = end + 1
    return "/" + template + pattern[index:], parameters


def _group_end(pattern: str, index: int) -> int:
    """The index of the parenthesis closing the group whose body starts at `index`."""
    depth = 0
    while index < len(pattern):
        char = pattern[index]
        if char == "\\":
            index += 2
            continue
        if char == "(":
            depth += 1
        elif char == ")":
            if depth == 0:
                return index
            depth -= 1
        index += 1
    raise ValueError(f"unbalanced group in route {pattern!r}")


def path_parameter(name: str, regex: str) -> dict:
    schema = regex_schema(regex)
    fmt, description = PARAMETERS.get(name, (None, None))
    if fmt:
        schema["format"] = fmt
    parameter = {"name": name, "in": "path", "required": True, "schema": schema}
    if description:
        parameter["description"] = description
    return parameter


def operation(handler, verb: str, template: str, has_path_parameters: bool) -> dict:
    unsafe = verb in UNSAFE
    op = {"operationId": f"{verb}{re.sub(r'[^A-Za-z0-9]+', '_', template).rstrip('_')}",
          "tags": [tag_of(handler)],
          "security": security(unsafe, verb.upper() in handler.session_only) if handler.requires_session else []}
    doc = _first_paragraph(handler.__doc__)
    if doc:
        op["description"] = doc
    responses = write_answers(handler, verb, op) if unsafe else read_answers(handler, template, op)
    responses.update(error_answers(handler, verb, has_path_parameters))
    op["responses"] = responses
    return op


def write_answers(handler, verb: str, op: dict) -> dict:
    """The request body of a write (into `op`) and its answers: what it returns, or 202/204/304,
    and the errors a body can bring."""
    write = handler.writes.get(verb, Write())
    responses = answers(write.answer, write.returns)
    if write.answer == ACCEPTED:       # every 202 write takes ?dry_run (200 preview) and ?force
        op["parameters"] = [*op.get("parameters", ()), *copy.deepcopy(preview_answers.WRITE_OPTIONS)]
        responses["200"] = copy.deepcopy(preview_answers.PREVIEW_ANSWER)
        responses[ERROR_STATUSES["BadInput"]] = _error("BadInput")    # a bad ?dry_run or ?force
        responses[ERROR_STATUSES["Conflict"]] = _error("Conflict")    # the cluster's guardrails refuse it
    if write.body is not None or write.bulk is not None:
        op["requestBody"] = request_body(write)
        for name in ("BadInput", "Conflict", "TooLarge", "UnsupportedMediaType"):
            responses[ERROR_STATUSES[name]] = _error(name)
    return responses


def read_answers(handler, template: str, op: dict) -> dict:
    """A GET's parameters (into `op`) and its answers: the handler's answer_schema, the ETag and
    304 of a conditional GET, 400 for a bad parameter."""
    if handler.query:
        described = getattr(handler, "parameter_docs", {})
        op["parameters"] = [query_parameter(name, field, described.get(name))
                            for name, field in handler.query.items()]
    # Request headers a GET reads (e.g. the stream's Last-Event-ID): {name, schema, description}.
    for header in getattr(handler, "header_parameters", ()):
        op.setdefault("parameters", []).append({"in": "header", "required": False, **copy.deepcopy(header)})
    # Every GET declares one (tests/unit/web/test_openapi_responses.py names those that do not).
    schema = copy.deepcopy(getattr(handler, "answer_schema", None)) or {}
    media_type = getattr(handler, "media_type", "application/json")
    responses = {"200": {"description": "OK", "content": {media_type: {"schema": schema}}}}
    if "parameters" in op:
        responses["400"] = _error("BadInput")
    if template.startswith(CONDITIONAL_PATHS):
        conditional_get(op, responses)
    return responses


def error_answers(handler, verb: str, has_path_parameters: bool) -> dict:
    """The error answers an operation can give besides those of its body or parameters."""
    unsafe = verb in UNSAFE
    responses = {}
    if handler.requires_session:
        responses["401"] = _error("Unauthorized")
        if unsafe or verb.upper() in handler.required_roles:
            responses["403"] = _error("Forbidden")
    if has_path_parameters:
        responses["404"] = _error("NotFound")
    if has_path_parameters or unsafe:     # a cluster or an agent asked, or a write waited on
        responses["503"] = _error("Unavailable")
        responses["504"] = _error("Timeout")
    responses["4XX"] = _error("ClientSide")
    responses["5XX"] = _error("ServerSide")
    return responses


def conditional_get(op: dict, responses: dict) -> None:
    op["parameters"] = [*op.get("parameters", ()), copy.deepcopy(IF_NONE_MATCH)]
    responses["200"]["headers"] = {"ETag": copy.deepcopy(ETAG_HEADER)}
    responses["304"] = copy.deepcopy(NOT_MODIFIED)


def security(unsafe: bool, session_only: bool = False) -> list[dict]:
    """Session-only verbs (account and token administration) offer no token scheme."""
    cookie = {"session": [], "xsrf": []} if unsafe else {"session": []}
    return [cookie] + ([] if session_only else [{name: []} for name in TOKEN_SCHEMES])


def request_body(write: Write) -> dict:
    schema = (body_schema(write.body) if write.body is not None
              else {"type": "array", "items": body_schema(write.bulk)})
    content = _json(schema)
    if write.text:
        content["text/plain"] = {"schema": {"type": "string", "minLength": 1}}
    return {"required": not write.optional, "content": content}


def answers(status: int, returns: dict | None = None) -> dict:
    if status == ACCEPTED:
        return {"202": {"description": "accepted: poll request/{request_id}",
                        "content": _json({"$ref": "#/components/schemas/RequestId"})},
                "304": {"description": "nothing would change"}}
    if status == NO_CONTENT:
        return {"204": {"description": "done"}}
    return {str(status): {"description": "OK" if status == 200 else "created",
                          "content": _json(copy.deepcopy(returns) if returns is not None else {})}}


def query_parameter(name: str, field, description: str | None = None) -> dict:
    parameter = {"name": name, "in": "query", "required": False, "schema": field_schema(field)}
    if description:
        parameter["description"] = description
    if parameter["schema"].get("type") == "array":
        parameter.update(style="form", explode=True)
    if parameter["schema"].get("type") == "string" and "minLength" not in parameter["schema"] \
            and "enum" not in parameter["schema"]:
        parameter["allowEmptyValue"] = True
    return parameter


def tag_of(handler) -> str:
    return handler.__module__.rsplit(".", 1)[-1]


def _json(schema: dict) -> dict:
    return {"application/json": {"schema": schema}}


def _error(name: str) -> dict:
    return {"$ref": f"#/components/responses/{name}"}


def _first_paragraph(text: str | None) -> str:
    return " ".join(inspect.cleandoc(text).split("\n\n")[0].split()) if text else ""


def _description(settings) -> str:
    return (
        "Every answer is JSON. Errors have one shape, {\"detail\": str, \"errors\": {field: "
        "[messages]}}: 400 names the offending fields or parameters, 401 without a session, 403 "
        "when forbidden or the XSRF header is missing, 404 for unknown objects, 405 for verbs a "
        "resource does not offer, 409 for conflicts, 413 for bodies over "
        f"{settings.max_body_bytes} bytes ({settings.max_crush_map_bytes} for the CRUSH map "
        f"text), 503 when a cluster cannot answer, 504 on timeouts. JSON bodies are strict "
        f"(no NaN) and at most {limits.MAX_JSON_DEPTH} levels deep. Log in with POST "
        "auth/login; every POST, PUT, PATCH and DELETE with the session cookie must echo the "
        "XSRF-TOKEN cookie in the X-XSRF-TOKEN header. Scripts may instead send an API token "
        "as Authorization: Bearer (no cookie, no XSRF header). GET / needs no login: it links to "
        "docs, openapi.json and auth/login (and, logged in, to user and cluster). Changes answer 202 "
        "{\"request_id\"}: poll request/{request_id} until its state is complete. A cluster's "
        "resources carry an ETag derived from the versions of the maps (and stats) they come "
        "from: sent back in If-None-Match, it is answered 304 with no body while unchanged.")
