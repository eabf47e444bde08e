"""The real thing: Debian's Prometheus server scrapes the daemon (two simulated clusters, a bearer
token) every second, and its own query API shows what the daemon's API shows."""
from __future__ import annotations

import shutil
import signal
import socket
import subprocess
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from tests.helpers import wait_until
from tests.system.daemon_process import DaemonProcess, logged_in_client

PROMETHEUS = shutil.which("prometheus") or "/usr/bin/prometheus"
TOKEN = "prometheus-test-Token-42"
JOB = "calamari"

pytestmark = pytest.mark.skipif(not Path(PROMETHEUS).exists(), reason="Prometheus is not installed (.ci/run installs it)")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def scrape_config(metrics_url: str, token_file: Path) -> str:
    target = metrics_url.removeprefix("http://").removesuffix("/metrics")
    return (f"global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\n"
            f"scrape_configs:\n  - job_name: {JOB}\n    authorization:\n      credentials_file: {token_file}\n"
            f"    static_configs:\n      - targets: ['{target}']\n")


@contextmanager
def prometheus(tmp_path: Path, config: str):
    """A Prometheus server on a free port with its data in tmp_path; its base URL. Always stopped."""
    (tmp_path / "prometheus.yml").write_text(config)
    port = free_port()
    log = open(tmp_path / "prometheus.log", "w")
    server = subprocess.Popen([PROMETHEUS, f"--config.file={tmp_path / 'prometheus.yml'}",
                               f"--storage.tsdb.path={tmp_path / 'tsdb'}", f"--web.listen-address=127.0.0.1:{port}"],
                              stdout=log, stderr=subprocess.STDOUT)
    try:
        yield f"http://127.0.0.1:{port}", tmp_path / "prometheus.log"
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(20)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(10)
        log.close()


def query(base: str, expression: str) -> dict:
    """{frozenset of label items: value} of an instant query; {} while Prometheus is not up yet."""
    try:
        answer = httpx.get(f"{base}/api/v1/query", params={"query": expression}, timeout=5).json()
    except httpx.HTTPError:
        return {}
    if answer.get("status") != "success":
        return {}
    return {frozenset(series["metric"].items()): float(series["value"][1]) for series in answer["data"]["result"]}


def up_osds_by_cluster(api) -> dict:
    counts = {}
    for cluster in api.get("cluster").json():
        osds = api.get(f"cluster/{cluster['id']}/osd")
        if osds.status_code != 200:
            return {}
        counts[cluster["id"]] = sum(1 for osd in osds.json() if osd["up"])
    return counts


def test_prometheus_scrapes_every_cluster_with_the_apis_figures(tmp_path):
    (tmp_path / "token").write_text(TOKEN)
    daemon = DaemonProcess(tmp_path / "data", heartbeat_s=0.5, embedded_sim=True,
                           extra_args=["--sim-clusters", "2", "--sim-servers", "3", "--sim-osds-per-server", "2",
                                       "--metrics-token-file", str(tmp_path / "token")]).start()
    try:
        with logged_in_client(daemon.http_url) as api, \
                prometheus(tmp_path, scrape_config(daemon.metrics_url, tmp_path / "token")) as (base, log):
            fsids = wait_until(lambda: len(api.get("cluster").json()) == 2
                               and {c["id"] for c in api.get("cluster").json()}, timeout_s=60, what="two clusters")
            assert wait_until(lambda: query(base, f'up{{job="{JOB}"}}'), timeout_s=60,
                              what="a first scrape").popitem()[1] == 1, log.read_text()[-2000:]
            health = wait_until(lambda: (lambda r: len(r) == 2 and r)(query(base, "ceph_health_status")),
                                timeout_s=60, what="a health series per cluster")
            assert {dict(labels)["cluster"] for labels in health} == fsids

            def same_up_counts():
                ours = {dict(labels)["cluster"]: value for labels, value in
                        query(base, "sum by (cluster) (ceph_osd_up)").items()}
                theirs = up_osds_by_cluster(api)
                return len(ours) == 2 and ours == theirs and (ours, theirs)
            ours, theirs = wait_until(same_up_counts, timeout_s=60, every_s=0.5, what="OSD up counts as the API's")
            assert sum(theirs.values()) > 0
            assert query(base, f'up{{job="{JOB}"}}').popitem()[1] == 1
            samples = query(base, f'scrape_samples_scraped{{job="{JOB}"}}').popitem()[1]
            assert samples > 2 * 6 * 10   # every OSD family of both clusters at least
    finally:
        assert daemon.stop() == 0, daemon.log_text()[-3000:]
