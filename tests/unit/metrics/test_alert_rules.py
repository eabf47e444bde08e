"""monitoring/: the alert rules pass `promtool check rules` and their own `promtool test rules`,
the sample prometheus.yml is valid, and every cluster series the rules name is one we serve."""
from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from metrics.cluster_render import FAMILIES

MONITORING = Path(__file__).resolve().parents[3] / "monitoring"
PROMTOOL = shutil.which("promtool") or "/usr/bin/promtool"
needs_promtool = pytest.mark.skipif(not Path(PROMTOOL).exists(), reason="promtool is not installed (.ci/run installs it)")


def promtool(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([PROMTOOL, *args], cwd=MONITORING, capture_output=True, text=True, timeout=60)


@needs_promtool
def test_the_rules_are_valid_and_pass_their_tests():
    checked = promtool("check", "rules", "calamari-alerts.yml")
    assert checked.returncode == 0 and "SUCCESS: 9 rules found" in checked.stdout, checked.stdout + checked.stderr
    tested = promtool("test", "rules", "calamari-alerts.test.yml")
    assert tested.returncode == 0 and "SUCCESS" in tested.stdout, tested.stdout + tested.stderr


@needs_promtool
def test_the_sample_scrape_configuration_is_valid():
    checked = promtool("check", "config", "--syntax-only", "prometheus.yml")
    assert checked.returncode == 0, checked.stdout + checked.stderr


def test_every_cluster_series_the_rules_name_is_served():
    text = (MONITORING / "calamari-alerts.yml").read_text()
    named = set(re.findall(r"\b((?:ceph|calamari_cluster)_[a-z_]+)", text)) - {"ceph_daemon"}   # a label
    served = {family.name for family in FAMILIES}
    assert named and named <= served, named - served
