"""The README's first walkthrough ("Logging in"), pasted into a shell right after the daemon says
READY, must work as written: it once failed because `GET cluster` is `[]` until the simulated
cluster's first maps arrive. The block is read from README.md, so an edit that breaks it fails here."""
from __future__ import annotations

import re
import subprocess

from tests.child_process import ROOT
from tests.system.daemon_process import ADMIN_PASSWORD, DaemonProcess

README_URL = "http://127.0.0.1:8002"


def walkthrough_block() -> str:
    """The first ```bash block after the "## Logging in" heading."""
    text = (ROOT / "README.md").read_text()
    section = text[text.index("## Logging in"):]
    return re.search(r"```bash\n(.*?)```", section, re.S).group(1)


def test_the_logging_in_walkthrough_works_pasted_right_after_ready(tmp_path):
    script = walkthrough_block()
    assert README_URL in script and "YOUR-PASSWORD" in script, "the walkthrough's placeholders moved"
    daemon = DaemonProcess(tmp_path / "data", embedded_sim=True, heartbeat_s=2.0,
                           extra_args=["--sim-client-load", "0"]).start()
    try:
        script = script.replace(README_URL, daemon.http_url).replace("YOUR-PASSWORD", ADMIN_PASSWORD)
        done = subprocess.run(["bash", "-euo", "pipefail", "-c", script], cwd=tmp_path, capture_output=True,
                              text=True, timeout=150)
    finally:
        daemon.stop()
    assert done.returncode == 0, done.stderr + done.stdout
    assert re.search(r"^cluster [0-9a-f-]{36}$", done.stdout, re.M), done.stdout
    assert re.search(r"^request [0-9a-f-]+: complete False$", done.stdout, re.M), done.stdout
