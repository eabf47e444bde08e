"""The answer of a change (`rados_commands`) on the real agent: once Ceph has made the change, the
job must not fail because this host's own mon stopped meanwhile (found on the real three-host
cluster, issue 19: a write sent to the favourite mon host as its mon stopped was applied, yet
reported failed with "no mon runs on this server"). Heartbeats still need the local mon."""
from __future__ import annotations

import json

import pytest

from agent.backend import JobError
from agent.ceph import backend as backend_module
from agent.ceph.admin_socket import AdminSocketError
from agent.ceph.sync_objects import ClusterMaps

FSID = "6f1b8e26-0000-4000-8000-0000000000cc"


class Session:
    """librados as far as a change and the version vector go; records the commands sent."""
    fsid = FSID

    def __init__(self):
        self.sent: list[str] = []

    def command(self, prefix, inbuf=b"", timeout_s=10, **args):
        self.sent.append(prefix)
        return 0, b"", ""

    def json_command(self, prefix, **args):
        return {"status": {"fsid": FSID, "election_epoch": 7, "osdmap": {"epoch": 21},
                           "monmap": {"epoch": 2}, "fsmap": {"epoch": 1}},
                "health": {"status": "HEALTH_OK", "checks": {}},
                "pg dump": {"pg_stats": []}}[prefix]

    def close(self):
        pass


class StoppedMon:
    """A socket file left by a mon that has exited."""
    cluster = "ceph"

    def ask(self, command):
        raise AdminSocketError("/run/ceph/ceph-mon.a.asok: [Errno 111] Connection refused")


@pytest.fixture
def backend(monkeypatch, tmp_path):
    monkeypatch.setattr(backend_module, "installed_ceph_version", lambda: "16.2.15")
    made = backend_module.RealCephBackend(admin_socket_dir=str(tmp_path), log_dir=str(tmp_path),
                                          fqdn="mon1.test", watch_s=None)
    made.session = Session()
    return made


@pytest.mark.parametrize("local_mon", [lambda: None, lambda: StoppedMon()], ids=["socket gone", "mon exited"])
def test_a_change_made_after_the_local_mon_stopped_is_answered_with_its_osd_map_epoch(backend, local_mon):
    backend.maps = ClusterMaps(backend.session, local_mon)
    answer = backend.run_job("rados_commands", {"fsid": FSID, "commands": [["osd set", {"key": "noscrub"}]]})
    assert backend.session.sent == ["osd set"]
    assert answer["error"] is False and answer["fsid"] == FSID
    assert answer["versions"]["osd_map"] == 21          # what the daemon waits for
    assert "config" not in answer["versions"]           # only the local mon knows it
    json.dumps(answer)


def test_the_heartbeats_vector_still_needs_the_local_mon(backend):
    backend.maps = ClusterMaps(backend.session, lambda: StoppedMon())
    with pytest.raises(AdminSocketError):
        backend.maps.versions()
    backend.maps = ClusterMaps(backend.session, lambda: None)
    with pytest.raises(JobError, match="no mon runs on this server"):
        backend.maps.versions()
