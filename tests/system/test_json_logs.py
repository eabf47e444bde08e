"""`--log-format json`: the real daemon, a simulated fleet over real sockets and API requests;
every log line it writes is one JSON object with the four fields, an API request's access line
carries the request_id of its X-Request-Id answer header, a cluster actor's lines its fsid, an
event's its fsid and fqdn."""
from __future__ import annotations

import json
import re

from sim.fleet import SimFleet
from tests.helpers import wait_until
from tests.system.daemon_process import ADMIN_PASSWORD, DaemonProcess, logged_in_client

HEARTBEAT_S = 0.3
REQUIRED = {"time", "level", "logger", "message"}
# What a text-format log line or a stray traceback looks like: neither may reach the output.
TEXT_LOG_LINE = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} [A-Z]+ |^Traceback|^\s+File \"")
GENERATED_ID = re.compile(r"[0-9a-f]{12}")


def json_lines(daemon: DaemonProcess) -> list[dict]:
    return [json.loads(line) for line in list(daemon.output) if line.startswith("{")]


def access_line(daemon: DaemonProcess, request_id: str) -> dict:
    """The access line of a request, once the daemon's output has reached us."""
    return wait_until(lambda: next((line for line in json_lines(daemon)
                                    if line["logger"] == "tornado.access" and line.get("request_id") == request_id),
                                   None), what=f"the access line of {request_id}")


def test_every_line_is_json_and_names_its_request_and_cluster(tmp_path):
    daemon = DaemonProcess(tmp_path / "data", heartbeat_s=HEARTBEAT_S, extra_args=["--log-format", "json"]).start()
    fleet = None
    try:
        fleet = SimFleet(daemon.bus_endpoint, server_key=daemon.bus_key, heartbeat_s=HEARTBEAT_S,
                         advance_every_s=None).start()
        fsid = fleet.clusters[0].fsid
        with logged_in_client(daemon.http_url) as api:
            wait_until(lambda: api.get(f"cluster/{fsid}").status_code == 200, timeout_s=30, what="the cluster")
            mine = api.get("cluster?page_size=1", headers={"X-Request-Id": "lb-7f3a-0001"})
            generated = api.get(f"cluster/{fsid}")
            hostile = api.get("server", headers={"X-Request-Id": "x" * 65})
            missing = api.get("cluster/no-such-fsid")
        assert mine.headers["X-Request-Id"] == "lb-7f3a-0001"
        assert GENERATED_ID.fullmatch(generated.headers["X-Request-Id"])
        assert GENERATED_ID.fullmatch(hostile.headers["X-Request-Id"])
        assert missing.status_code == 404 and GENERATED_ID.fullmatch(missing.headers["X-Request-Id"])

        line = access_line(daemon, "lb-7f3a-0001")
        assert (line["method"], line["path"], line["status"]) == ("GET", "/api/v2/cluster", 200)
        assert isinstance(line["duration_ms"], float) and "page_size" not in line["message"]
        assert access_line(daemon, generated.headers["X-Request-Id"])["path"] == f"/api/v2/cluster/{fsid}"
        assert access_line(daemon, missing.headers["X-Request-Id"])["level"] == "WARNING"
        cluster_line = wait_until(lambda: next((li for li in json_lines(daemon) if li.get("fsid") == fsid), None),
                                  what="a record carrying the cluster's fsid")
        assert cluster_line["logger"].startswith("actors.")
        fqdns = set(fleet.backends)
        wait_until(lambda: any(li.get("fqdn") in fqdns and li.get("fsid") == fsid for li in json_lines(daemon)),
                   what="an event's record carrying a server's fqdn and its cluster's fsid")
    finally:
        if fleet is not None:
            fleet.stop()
        code = daemon.stop()
    assert code == 0, daemon.log_text()[-4000:]

    records = json_lines(daemon)
    assert len(records) >= 5
    for record in records:
        assert REQUIRED <= set(record), record
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", record["time"]), record
    # Standard output's banner lines share the pipe; nothing else is outside JSON.
    others = [line for line in daemon.output if not line.startswith("{")]
    assert not [line for line in others if TEXT_LOG_LINE.search(line)], others
    assert len(others) <= 10, others
    assert not [line for line in daemon.output if ADMIN_PASSWORD in line]
