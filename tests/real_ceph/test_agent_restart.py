"""The agent killed: its logs answer 503, the server is reported late (WARNING) once the daemon's
late threshold has passed, and regains contact (RECOVERY) when the agent starts again.

The test kills an agent, which no other test expects of the session's (`managed`): it runs its
own daemon and agent against the same dev cluster (`own_managed`), so it may run in any order.
"""
from __future__ import annotations

from datetime import datetime, timezone

import pytest

from tests.helpers import wait_until
from tests.real_ceph.api_helpers import newest_event_time, synced, wait_for_event
from tests.real_ceph.conftest import HEARTBEAT_S, managing

SERVER_LATE_S = 3 * HEARTBEAT_S       # actors/context.py: Timings.server_late_factor periods
parse = datetime.fromisoformat


@pytest.fixture
def own_managed(ceph_cluster, tmp_path):
    """A daemon and agent of this test's own, stopped when it ends."""
    with managing(ceph_cluster, tmp_path / "data") as found:
        yield found


def test_agent_killed_is_late_then_recovers_when_restarted(own_managed):
    managed = own_managed
    synced(managed)
    api, agent, fqdn = managed.api, managed.agent, managed.agent.fqdn
    try:
        moment = newest_event_time(api)
        agent.kill()
        killed = datetime.now(timezone.utc)
        # Meanwhile (this takes the daemon's call timeout): logs are read through the agent.
        response = api.get(f"server/{fqdn}/log")
        assert response.status_code == 503 and response.json()["detail"], response.text
        late = wait_for_event(api, moment, "WARNING", rf"^Server {fqdn} is late reporting in",
                              timeout_s=SERVER_LATE_S + 10)
        # Not before its time: the last beat came at most one period before the kill.
        assert (parse(late["when"]) - killed).total_seconds() >= SERVER_LATE_S - HEARTBEAT_S, late
        assert late["severity"] == "WARNING"
        assert api.get(f"server/{fqdn}").json()["managed"] is True         # late, not forgotten

        moment = newest_event_time(api)
        before = api.get(f"server/{fqdn}").json()["last_contact"]
        agent.start()
        wait_for_event(api, moment, "RECOVERY", rf"^Server {fqdn} regained contact")
        wait_until(lambda: parse(api.get(f"server/{fqdn}").json()["last_contact"]) > parse(before),
                   timeout_s=10, every_s=0.1, what="a new last_contact")
        assert api.get(managed.url("osd")).status_code == 200
    finally:
        if agent.proc is None or agent.proc.poll() is not None:
            agent.start()
    assert agent.proc.poll() is None
