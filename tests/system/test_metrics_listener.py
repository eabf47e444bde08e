"""The metrics listener of the real daemon over real sockets: its token, its one path and method,
gzip or plain, TLS as the API's, its flags; the figures it serves are the API's."""
from __future__ import annotations

import gzip
import socket
import ssl
import subprocess
import sys

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from sim.fleet import SimFleet
from tests.child_process import ROOT
from tests.helpers import wait_until
from tests.system.daemon_process import DaemonProcess, assert_one_line_error, logged_in_client
from tests.tls import self_signed

HEARTBEAT_S = 0.3
TOKEN = "metrics-Token-0123456789"


@pytest.fixture(scope="module")
def with_token(tmp_path_factory):
    """A daemon whose metrics need TOKEN (from a file), with a simulated cluster reporting."""
    tmp = tmp_path_factory.mktemp("metrics")
    (tmp / "token").write_text(TOKEN + "\n")
    daemon = DaemonProcess(tmp / "data", heartbeat_s=HEARTBEAT_S,
                           extra_args=["--metrics-token-file", str(tmp / "token")]).start()
    fleet = SimFleet(daemon.bus_endpoint, server_key=daemon.bus_key, heartbeat_s=HEARTBEAT_S,
                     advance_every_s=None).start()
    yield daemon, fleet
    fleet.stop()
    assert daemon.stop() == 0, daemon.log_text()[-3000:]


def scrape(url: str, token: str | None = TOKEN, **headers) -> httpx.Response:
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    return httpx.get(url, headers=headers, timeout=10)


def samples(text: str, name: str) -> list:
    return [s for family in text_string_to_metric_families(text) if family.name == name for s in family.samples]


def test_the_token_is_required_and_never_logged(with_token):
    daemon, _ = with_token
    for token in (None, "wrong", TOKEN + "x", TOKEN[:-1]):
        refused = scrape(daemon.metrics_url, token)
        assert refused.status_code == 401 and refused.headers["WWW-Authenticate"].startswith("Bearer")
        assert "ceph_" not in refused.text
    assert scrape(daemon.metrics_url).status_code == 200
    assert TOKEN not in daemon.log_text()


def test_osd_counts_and_cluster_ids_are_the_apis(with_token):
    daemon, fleet = with_token
    fsid = fleet.clusters[0].fsid
    with logged_in_client(daemon.http_url) as api:
        osds = wait_until(lambda: api.get(f"cluster/{fsid}/osd").status_code == 200
                          and api.get(f"cluster/{fsid}/osd").json(), timeout_s=30)
    text = wait_until(lambda: (lambda t: samples(t, "ceph_osd_up") and samples(t, "ceph_osd_stat_bytes") and t)(
        scrape(daemon.metrics_url).text), timeout_s=30, every_s=0.2)
    up = samples(text, "ceph_osd_up")
    assert {s.labels["cluster"] for s in up} == {fsid}
    assert sorted(s.labels["ceph_daemon"] for s in up) == sorted(f"osd.{o['id']}" for o in osds)
    assert sum(s.value for s in up) == sum(1 for o in osds if o["up"])
    assert [s.value for s in samples(text, "ceph_health_status")] == [0]


def test_gzip_when_accepted_else_plain_text_of_the_same_families(with_token):
    daemon, _ = with_token
    plain = scrape(daemon.metrics_url, **{"Accept-Encoding": "identity"})
    assert plain.headers["Content-Type"].startswith("text/plain; version=0.0.4")
    assert "Content-Encoding" not in plain.headers and int(plain.headers["Content-Length"]) == len(plain.content)
    with httpx.stream("GET", daemon.metrics_url, timeout=10,
                      headers={"Authorization": f"Bearer {TOKEN}", "Accept-Encoding": "gzip"}) as zipped:
        assert zipped.headers["Content-Encoding"] == "gzip"
        raw = b"".join(zipped.iter_raw())
    assert int(zipped.headers["Content-Length"]) == len(raw) < len(plain.content)
    names = lambda text: [f.name for f in text_string_to_metric_families(text)]  # noqa: E731
    assert names(gzip.decompress(raw).decode()) == names(plain.text)


def test_one_path_and_one_method(with_token):
    daemon, _ = with_token
    base = daemon.metrics_url.removesuffix("/metrics")
    auth = {"Authorization": f"Bearer {TOKEN}"}
    for path in ("/", "/metrics/", "/metrics/x", "/api/v2/cluster"):
        assert httpx.get(base + path, headers=auth, timeout=10).status_code == 404, path
    for method in ("POST", "PUT", "DELETE"):
        assert httpx.request(method, daemon.metrics_url, headers=auth, timeout=10).status_code == 405


def test_tls_when_the_api_has_it_and_a_free_port(start_daemon, tmp_path):
    cert, key = self_signed(tmp_path)
    daemon = start_daemon("--tls-cert", cert, "--tls-key", key)
    assert daemon.metrics_url.startswith("https://127.0.0.1:") and not daemon.metrics_url.endswith(":9283/metrics")
    verify = ssl.create_default_context(cafile=cert)
    assert httpx.get(daemon.metrics_url, verify=verify, timeout=10).status_code == 200   # no token: none asked
    with pytest.raises(httpx.HTTPError):
        httpx.get(daemon.metrics_url.replace("https://", "http://"), timeout=10)


def test_no_metrics_means_no_listener(start_daemon):
    daemon = start_daemon("--no-metrics")
    assert daemon.metrics_url == ""
    assert "Metrics:" not in daemon.log_text()


def run_py(tmp_path, *flags) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(ROOT / "run.py"), "--no-sim", "--http-port", "0", "--bus-endpoint",
                           "tcp://127.0.0.1:0", "--data-dir", str(tmp_path / "d"), "--admin-password",
                           "metrics-flags-test", *flags], cwd=ROOT, capture_output=True, text=True, timeout=60)


@pytest.mark.parametrize("flag, value", [("--metrics-port", "-1"), ("--metrics-port", "65536"),
                                         ("--metrics-port", "x")])
def test_a_bad_metrics_flag_is_one_usage_line_naming_it(tmp_path, flag, value):
    done = run_py(tmp_path, flag, value)
    assert done.returncode == 2 and "Traceback" not in done.stderr, done.stderr
    assert done.stderr.strip().splitlines()[-1].startswith(f"run.py: error: argument {flag}: "), done.stderr


def test_an_unusable_token_or_a_taken_port_stops_the_daemon_with_one_line(tmp_path):
    assert_one_line_error(run_py(tmp_path, "--metrics-token", ""), "metrics token must be non-empty")
    assert_one_line_error(run_py(tmp_path, "--metrics-token-file", str(tmp_path / "none")), "cannot read")
    assert_one_line_error(run_py(tmp_path, "--metrics-token", "a", "--metrics-token-file", str(tmp_path)),
                          "give one of them")
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        assert_one_line_error(run_py(tmp_path, "--metrics-port", str(port)), f"cannot listen on 127.0.0.1:{port}")
