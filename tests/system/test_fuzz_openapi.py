"""Fuzzing api/v2 from its own OpenAPI document (schemathesis) against the real daemon with a
simulated cluster: every operation of the document, as a logged-in administrator and as nobody.

Each operation gets schemathesis' coverage cases (boundary and invalid values of every
parameter and body field: wrong types, missing required fields, out-of-range numbers, unknown
fields) and a few random ones, positive and negative, derandomized so that a run repeats. Every
answer must be documented (status, media type, body schema), no answer may be a 500 or another
unexpected 5xx, and every 4xx/5xx must be the one error shape.

The document is built in-process from the route table (the same call make_app makes), so the
operations are known when pytest collects; test_served_document_is_the_generated_one checks the
daemon serves exactly that document.

The live stream (GET /stream) would never end: every case the daemon would stream for longer gets
`max_s` (documented: the stream ends with an `end` message) of a fraction of a second.

Half of the generated path parameters (chosen by a hash of the case, so runs repeat) are swapped
for ids of real objects, so that bodies reach the validators behind an existing cluster, pool,
OSD or server instead of stopping at a 404.
"""
from __future__ import annotations

import math
import zlib

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis import GenerationMode
from schemathesis.checks import (
    content_type_conformance, response_schema_conformance, status_code_conformance)

from config.version import version
from tests.system.live_target import ADMIN_PASSWORD, live_target
from web.app import ROUTES
from web.apidoc.openapi import document
from web.ops import openapi_paths
from web.settings import WebSettings

MAX_EXAMPLES = 4          # random cases per operation, on top of the coverage cases
CHECKS = [status_code_conformance, content_type_conformance, response_schema_conformance]
ALLOWED_5XX = {503}       # a cluster whose mon cannot answer now; anything else is a bug
# Real objects stay addressable for the rest of the run: forgetting the cluster or a server
# would turn the cases after it into 404s.
KEEP_REAL = {("DELETE", "/cluster/{fsid}"), ("DELETE", "/server/{fqdn}")}

FUZZ = settings(max_examples=MAX_EXAMPLES, derandomize=True, deadline=None, database=None,
                suppress_health_check=list(HealthCheck))
# The daemon runs with the default WebSettings limits and its package's version, so its
# document is this one.
DOCUMENT = document(ROUTES, WebSettings(cookie_secret=b"unused", version=version()), openapi_paths())
# The probes and /bootstrap live outside /api/v2 (their path items have `servers: [/]`).
OUTSIDE_API = frozenset(openapi_paths())
schema = schemathesis.openapi.from_dict(DOCUMENT)
# Our own session cookie and XSRF header must not be replaced by generated ones.
schema.config.generation.update(modes=[GenerationMode.POSITIVE, GenerationMode.NEGATIVE],
                                with_security_parameters=False)


@pytest.fixture(scope="module")
def target(tmp_path_factory):
    with live_target(tmp_path_factory.mktemp("fuzz") / "data") as running:
        yield running


def test_served_document_is_the_generated_one(target):
    assert requests.get(target.base_url + "/openapi.json", timeout=10).json() == DOCUMENT


@pytest.fixture(scope="module")
def admin_session(target):
    session = requests.Session()
    session.get(target.base_url + "/auth/login").raise_for_status()
    session.post(target.base_url + "/auth/login",
                 json={"username": "admin", "password": ADMIN_PASSWORD},
                 headers={"X-XSRF-TOKEN": session.cookies["XSRF-TOKEN"]}).raise_for_status()
    session.headers["X-XSRF-TOKEN"] = session.cookies["XSRF-TOKEN"]
    return session


@pytest.fixture(scope="module")
def real_ids(target, admin_session) -> dict:
    mon = admin_session.get(f"{target.base_url}/cluster/{target.fsid}/mon").json()[0]["name"]
    fqdn = target.fqdns[0]
    return {"fsid": target.fsid, "fqdn": fqdn, "minion_id": fqdn, "mon_id": mon,
            "sync_type": "osd_map", "key": "fsid", "command": "scrub",
            "log_path": "ceph/ceph.log"}


STREAM_MAX_S = "0.1"


def bound_stream(case) -> None:
    """A stream case the daemon would accept ends after STREAM_MAX_S (an unusable max_s, which it
    answers with a 400 at once, is left to be fuzzed)."""
    if case.path != "/stream" or case.method.upper() != "GET":
        return
    case.query = dict(case.query or {})
    given = case.query.get("max_s")
    last = given[-1] if isinstance(given, list) and given else given
    try:
        usable = given is None or (isinstance(last, (int, float, str)) and not isinstance(last, bool)
                                   and math.isfinite(float(last)) and float(last) >= 0.1)
    except ValueError:
        usable = False
    if usable:
        case.query["max_s"] = STREAM_MAX_S


def aim(case, real_ids: dict) -> None:
    bound_stream(case)
    if (case.method.upper(), case.path) in KEEP_REAL or not case.path_parameters:
        return
    if zlib.crc32(repr(sorted(case.path_parameters.items())).encode()) % 2:
        return
    for name in case.path_parameters:
        if name in real_ids:
            case.path_parameters[name] = real_ids[name]


def call_and_check(case, session, target) -> None:
    base_url = target.base_url.removesuffix("/api/v2") if case.path in OUTSIDE_API else target.base_url
    response = case.call(base_url=base_url, session=session, timeout=30)
    status = response.status_code
    summary = f"{case.method} {case.formatted_path} -> {status}: {response.text[:500]}"
    assert status < 500 or status in ALLOWED_5XX, summary
    if status >= 400:
        body = response.json()
        assert set(body) == {"detail", "errors"} and isinstance(body["detail"], str) \
            and isinstance(body["errors"], dict), summary
    case.validate_response(response, checks=CHECKS)


# Logging out would end the session under test. A login answers the same whoever asks, and
# each costs a password hash even for an unknown name (about 0.1 s): it is fuzzed once, below.
@schema.exclude(path_regex="^/auth/log(out|in)$").parametrize()
@FUZZ
def test_authenticated_fuzz(case, target, admin_session, real_ids):
    aim(case, real_ids)
    call_and_check(case, admin_session, target)


@schema.parametrize()
@FUZZ
def test_anonymous_fuzz(case, target, real_ids):
    aim(case, real_ids)
    call_and_check(case, requests.Session(), target)


def test_daemon_survived_the_fuzzing(target):
    """Last in the module: whatever was sent, the daemon still runs and answers."""
    assert target.alive()
