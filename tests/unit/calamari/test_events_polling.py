"""`calamari events --follow` against a server without the live stream (an older daemon, which
cannot run here: a small HTTP server on a real socket plays it): it polls instead."""
from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from click.testing import CliRunner

from calamari.cli import cli, events

OLD = {"when": "2026-12-06T10:00:00+00:00", "severity": "INFO", "message": "old news"}
NEW = {"when": "2026-12-06T10:00:05+00:00", "severity": "WARNING", "message": "fresh news"}


class OlderServer(BaseHTTPRequestHandler):
    event_reads = 0

    def do_GET(self) -> None:
        path = self.path.split("?")[0]
        if path == "/api/v2/cluster":
            self.answer(200, [{"id": "f5", "name": "ceph", "update_time": OLD["when"]}])
        elif path == "/api/v2/event":
            type(self).event_reads += 1
            results = [OLD] if self.event_reads == 1 else [NEW, OLD]
            self.answer(200, {"count": len(results), "next": None, "previous": None, "results": results})
        else:
            self.answer(404, {"detail": "Not found", "errors": {}})

    def answer(self, status: int, body) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def older_server():
    server = ThreadingHTTPServer(("127.0.0.1", 0), OlderServer)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_follow_polls_when_the_stream_answers_404_and_shows_each_event_once(older_server, monkeypatch, tmp_path):
    monkeypatch.setattr(events, "POLL_EVERY_S", 0.05)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    result = CliRunner().invoke(cli, ["--url", older_server, "--token", "t", "events", "--follow", "--max-s", "0.5"])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert [line.split("  ")[-1].strip() for line in lines] == ["old news", "fresh news"]
    assert "Following new events" in result.stderr
