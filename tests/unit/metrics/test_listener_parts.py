"""The listener's pure parts: which Accept-Encoding allows gzip, the bearer check, the token
flags, and one render shared by the scrapes that arrive while it runs."""
from __future__ import annotations

import threading

import pytest

from metrics.listener import accepts_gzip, bearer_matches
from metrics.render_thread import SharedRender
from metrics.settings import metrics_token


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


def test_scrapes_arriving_during_a_render_share_it_and_the_next_starts_a_new_one():
    started, release, calls = threading.Event(), threading.Event(), []

    def render():
        calls.append(1)
        started.set()
        release.wait(5)
        return len(calls)
    renders = SharedRender(render)
    try:
        first = renders.latest()
        assert started.wait(5)
        assert renders.latest() is first and renders.latest() is first
        release.set()
        assert first.result(5) == 1
        second = renders.latest()
        assert second is not first and second.result(5) == 2
    finally:
        renders.close()
