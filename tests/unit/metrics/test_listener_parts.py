"""The listener's pure parts: which Accept-Encoding allows gzip, the bearer check, the token
flags, and one render shared by the scrapes that arrive while it runs."""
from __future__ import annotations

import threading

import pytest

from metrics.listener import accepts_gzip, bearer_matches
from metrics.render_thread import SharedRender
from metrics.settings import metrics_token
from tests.helpers import wait_until


@pytest.mark.parametrize("header, gzip", [
    ("gzip", True), ("identity, gzip", True), ("gzip;q=0.5", True), ("GZIP", True), ("*", True),
    ("", False), ("identity", False), ("gzip;q=0", False), ("gzip; q=0.0", False), ("deflate, br", False),
    ("gzip;q=x", False)])
def test_accepts_gzip(header, gzip):
    assert accepts_gzip(header) is gzip


@pytest.mark.parametrize("authorization, ok", [
    ("Bearer s3cret", True), ("bearer s3cret", True), ("Bearer  s3cret ", True), ("Bearer s3cre", False),
    ("Bearer s3cret2", False), ("Basic s3cret", False), ("s3cret", False), ("", False), (None, False)])
def test_bearer_matches(authorization, ok):
    assert bearer_matches(authorization, "s3cret") is ok


def test_the_token_from_a_flag_or_a_file(tmp_path):
    assert metrics_token(None, None) is None
    assert metrics_token("abc", None) == "abc"
    path = tmp_path / "token"
    path.write_text("from-file\nsecond line\n")
    assert metrics_token(None, str(path)) == "from-file"
    for token, file, why in ((" ", None, "non-empty"), ("a b", None, "without spaces"),
                             ("abc", str(path), "give one of them"),
                             (None, str(tmp_path / "missing"), "cannot read"),
                             (None, str(tmp_path), "cannot read")):
        with pytest.raises(ValueError, match=why) as raised:
            metrics_token(token, file)
        assert "from-file" not in str(raised.value)
    (tmp_path / "empty").write_text("\n")
    with pytest.raises(ValueError, match="holds no token"):
        metrics_token(None, str(tmp_path / "empty"))


def test_scrapes_arriving_during_a_render_share_it_and_a_fresh_one_is_served_at_once():
    started, release, calls = threading.Event(), threading.Event(), []

    def render():
        calls.append(1)
        started.set()
        release.wait(5)
        return len(calls)
    renders = SharedRender(render, refresh_s=60, max_age_s=60)
    try:
        first = renders.latest()
        assert started.wait(5)
        second = renders.latest()
        assert not first.done() and not second.done()
        release.set()
        assert first.result(5) == second.result(5) == 1
        third = renders.latest()
        assert third.done() and third.result() == 1 and len(calls) == 1   # fresh: no render of its own
    finally:
        renders.close()


def test_while_scraped_it_renders_ahead_and_stops_when_nobody_scrapes():
    now, calls = [0.0], []
    renders = SharedRender(lambda: calls.append(now[0]) or len(calls), refresh_s=5, max_age_s=15, idle_s=300,
                           clock=lambda: now[0])
    try:
        assert renders.latest().result(5) == 1
        now[0] = 6.0                        # a refresh is due: the next scrape still gets the latest at once...
        assert renders.latest().result(0) == 1
        wait_until(lambda: len(calls) == 2, what="a render ahead")    # ...and wakes the thread to render
        assert renders.rendering_ahead()
        now[0] = 400.0                      # nobody scraped for longer than idle_s
        assert not renders.rendering_ahead()
        late = renders.latest()             # too old to serve: this scrape waits for a new render
        assert late.result(5) == 3 and calls == [0.0, 6.0, 400.0]
    finally:
        renders.close()


def test_rendering_at_start_serves_the_first_scrape_from_a_render_made_before_it():
    now, calls = [0.0], []
    renders = SharedRender(lambda: calls.append(now[0]) or len(calls), refresh_s=5, max_age_s=15, idle_s=300,
                           clock=lambda: now[0], render_at_start=True)
    try:
        wait_until(lambda: calls == [0.0], what="a render before any scrape")
        now[0] = 10.0
        first = renders.latest()
        assert first.done() and first.result() == 1   # at once: rendered before it asked
    finally:
        renders.close()


def test_a_failed_render_fails_the_scrapes_waiting_and_the_next_one_renders_again():
    outcomes = iter([RuntimeError("odd map"), "fine"])

    def render():
        outcome = next(outcomes)
        if isinstance(outcome, Exception):
            raise outcome
        return outcome
    renders = SharedRender(render, refresh_s=60)
    try:
        with pytest.raises(RuntimeError, match="odd map"):
            renders.latest().result(5)
        assert renders.latest().result(5) == "fine"
    finally:
        renders.close()
