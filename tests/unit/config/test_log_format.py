"""--log-format: the JSON lines (their fields, the scope, exceptions, nothing else of a record)
and configure_logging's handler (text as before, replaced when called again)."""
from __future__ import annotations

import io
import json
import logging
import re
import time

import pytest

from bus import log_context
from config.log_format import configure_logging, utc_time

TIME = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z")
TEXT_LINE = re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} WARNING calamari\.test: careful 3")


@pytest.fixture
def logged():
    """(log, lines()): a logger whose records go through configure_logging's JSON handler only."""
    out = io.StringIO()
    root = logging.getLogger()
    before = (root.level, list(root.handlers))
    configure_logging("DEBUG", "json", stream=out)
    ours = [h for h in root.handlers if h not in before[1]]
    for handler in before[1]:          # the test's capture off while we read our own stream
        root.removeHandler(handler)
    yield logging.getLogger("calamari.test"), lambda: [json.loads(line) for line in out.getvalue().splitlines()]
    for handler in ours:
        root.removeHandler(handler)
    for handler in before[1]:
        root.addHandler(handler)
    root.setLevel(before[0])


def test_a_record_without_scope_has_the_four_fields(logged):
    log, lines = logged
    log.info("pool %s made", "rbd")
    [line] = lines()
    assert set(line) == {"time", "level", "logger", "message"}
    assert TIME.fullmatch(line["time"]), line
    assert (line["level"], line["logger"], line["message"]) == ("INFO", "calamari.test", "pool rbd made")


def test_the_time_is_utc_with_milliseconds_whatever_the_local_zone(monkeypatch):
    monkeypatch.setenv("TZ", "Pacific/Auckland")
    time.tzset()
    try:
        assert utc_time(logging.makeLogRecord({"created": 86400.25, "msecs": 250.0})) == "1970-01-02T00:00:00.250Z"
    finally:
        monkeypatch.undo()
        time.tzset()


def test_the_scope_adds_its_fields_while_bound(logged):
    log, lines = logged
    token = log_context.bind(fsid="f00d")
    inner = log_context.bind(request_id="r-1")
    log.warning("inside")
    log_context.unbind(inner)
    log.warning("cluster only")
    log_context.unbind(token)
    log.warning("outside")
    inside, cluster_only, outside = lines()
    assert (inside["fsid"], inside["request_id"]) == ("f00d", "r-1")
    assert cluster_only["fsid"] == "f00d" and "request_id" not in cluster_only
    assert "fsid" not in outside


def test_an_exception_comes_as_its_traceback_text(logged):
    log, lines = logged
    try:
        {}["missing"]
    except KeyError:
        log.exception("lookup failed")
    [line] = lines()
    assert line["level"] == "ERROR" and line["message"] == "lookup failed"
    assert "Traceback" in line["exc_info"] and "KeyError: 'missing'" in line["exc_info"]


def test_nothing_but_the_named_fields_is_written(logged):
    """An `extra=` (which might hold a secret) or any other attribute of the record stays out."""
    log, lines = logged
    log.info("login by %s", "alice", extra={"password": "hunter2", "token": "s3cret"})
    [line] = lines()
    assert "hunter2" not in json.dumps(line) and "s3cret" not in json.dumps(line)
    assert set(line) == {"time", "level", "logger", "message"}


def test_the_access_fields_are_written_when_the_record_has_them(logged):
    log, lines = logged
    log.info("200 GET /x", extra={"method": "GET", "path": "/x", "status": 200, "duration_ms": 1.25,
                                   "request_id": "abc"})
    [line] = lines()
    assert {k: line[k] for k in ("method", "path", "status", "duration_ms", "request_id")} == \
        {"method": "GET", "path": "/x", "status": 200, "duration_ms": 1.25, "request_id": "abc"}


def test_a_message_of_several_lines_is_still_one_line(logged):
    log, lines = logged
    log.error("first\nsecond \"quoted\" \u00e9")
    [line] = lines()
    assert line["message"] == "first\nsecond \"quoted\" \u00e9"


def test_text_is_todays_format_and_a_second_call_replaces_the_first():
    root = logging.getLogger()
    before = (root.level, list(root.handlers))
    first, second = io.StringIO(), io.StringIO()
    try:
        configure_logging("INFO", "json", stream=first)
        configure_logging("warning", "text", stream=second)
        logging.getLogger("calamari.test").info("not at WARNING")
        logging.getLogger("calamari.test").warning("careful %d", 3)
        assert first.getvalue() == ""
        assert TEXT_LINE.fullmatch(second.getvalue().strip()), second.getvalue()
        assert len([h for h in root.handlers if h not in before[1]]) == 1
        assert all(h in root.handlers for h in before[1])    # others' handlers stay
    finally:
        for handler in [h for h in root.handlers if h not in before[1]]:
            root.removeHandler(handler)
        root.setLevel(before[0])


def test_an_unknown_format_or_level_is_refused():
    with pytest.raises(ValueError, match="log format"):
        configure_logging("INFO", "xml")
    with pytest.raises(ValueError):
        configure_logging("VERBOSE", "text")
