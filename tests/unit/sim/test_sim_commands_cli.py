"""SimCluster.mon_command (cli commands, parsed with the daemon's own parser against the
simulator's command table) and the log files (list_logs / tail_log)."""
from __future__ import annotations

import json
import re

import pytest

from actors.facade.cli.signatures import Signatures
from sim.model import SimCluster
from tests.unit.sim_helpers import NOW, make

MON_HOST, OSD_HOST = "ceph0-node000.sim.test", "ceph0-node003.sim.test"
CLOG = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}\+0000 (mon\.\S+ \(mon\.\d+\)|osd\.\d+ "
                  r"\(osd\.\d+\)) \d+ : (cluster|audit) \[(DBG|INF|WRN|ERR)\] .+")


@pytest.fixture
def cluster() -> SimCluster:
    return make(hosts=4, osds_per_host=2)


SIGNATURES = Signatures.from_descriptions(SimCluster.command_descriptions())


def run(cluster: SimCluster, *words: str, fmt: str | None = None) -> dict:
    parsed = SIGNATURES.parse(list(words))
    assert parsed is not None, words
    return cluster.mon_command({**parsed.command, **({"format": fmt} if fmt else {})})


def cli(cluster: SimCluster, *words: str, fmt: str | None = None) -> str:
    result = run(cluster, *words, fmt=fmt)
    assert (result["status"], result["err"]) == (0, ""), result
    return result["out"]


def obj(cluster: SimCluster, sync_type: str) -> dict:
    return cluster.get_cluster_object(sync_type)["data"]


# ----- mon_command ---------------------------------------------------------------------------

def test_status_text(cluster):
    out = cli(cluster, "status")
    assert f"    id:     {cluster.fsid}\n    health: HEALTH_OK\n" in out
    assert "    mon: 3 daemons, quorum ceph0-node000,ceph0-node001,ceph0-node002 (age 60m)\n" in out
    assert "    osd: 8 osds: 8 up (since 0s), 8 in (since 0s)\n" in out
    assert "    pools:   3 pools, 97 pgs\n" in out and "    pgs:     97 active+clean\n" in out
    assert re.search(r"^    objects: \d+(\.\d+)?k objects, \d+(\.\d)? [GT]iB\n", out, re.M)
    assert "  io:\n    client:   5.7 MiB/s rd, 3.8 MiB/s wr, 366 op/s rd, 61 op/s wr\n" in out
    cluster.set_osd(2, up=False)
    out = cli(cluster, "status")
    assert "    health: HEALTH_WARN\n            1 osds down\n" in out
    assert re.search(r"    pgs:     \d+ active\+clean\n             \d+ ", out)


def test_status_json(cluster):
    status = json.loads(cli(cluster, "status", fmt="json"))
    assert status["fsid"] == cluster.fsid
    assert status["health"]["status"] == "HEALTH_OK"
    assert status["osdmap"]["num_osds"] == status["osdmap"]["num_up_osds"] == 8
    assert status["pgmap"]["pgs_by_state"] == [{"state_name": "active+clean", "count": 97}]
    assert status["pgmap"] == cluster.heartbeat_stats()["pgmap"]     # the model's usage and IO
    assert status["quorum_names"] == ["ceph0-node000", "ceph0-node001", "ceph0-node002"]
    pretty = cli(cluster, "status", fmt="json-pretty")
    assert json.loads(pretty) == status and pretty.startswith('{\n    "')


def test_health_and_health_detail(cluster):
    assert cli(cluster, "health") == "HEALTH_OK\n"
    cluster.set_osd(5, up=False)
    health = obj(cluster, "health")
    summaries = "; ".join(c["summary"]["message"] for c in health["checks"].values())
    assert cli(cluster, "health") == f"HEALTH_WARN {summaries}\n"
    detail = cli(cluster, "health", "detail")
    assert "[WRN] OSD_DOWN: 1 osds down\n    osd.5 (root=default,host=ceph0-node002) is down\n" in detail
    assert json.loads(cli(cluster, "health", "detail", fmt="json")) == health
    brief = json.loads(cli(cluster, "health", fmt="json"))
    assert all("detail" not in c for c in brief["checks"].values())
    assert set(brief["checks"]) == set(health["checks"])


def test_osd_tree(cluster):
    out = cli(cluster, "osd", "tree").splitlines()
    assert out[0].split() == ["ID", "CLASS", "WEIGHT", "TYPE", "NAME", "STATUS", "REWEIGHT", "PRI-AFF"]
    assert out[1].split() == ["-1", "14.55518", "root", "default"]    # 8 OSDs of 1.81940
    assert out[2].split() == ["-2", "3.63879", "host", "ceph0-node000"]
    assert out[3].split() == ["0", "hdd", "1.81940", "osd.0", "up", "1.00000", "1.00000"]
    assert out[3].index("osd.0") > out[2].index("host") > out[1].index("root")
    assert json.loads(cli(cluster, "osd", "tree", fmt="json")) == obj(cluster, "osd_map")["tree"]


def test_osd_dump_and_stat(cluster):
    osd_map = obj(cluster, "osd_map")
    out = cli(cluster, "osd", "dump")
    assert out.startswith(f"epoch {osd_map['epoch']}\nfsid {cluster.fsid}\n")
    assert ("pool 2 'rbd' replicated size 3 min_size 2 crush_rule 0 object_hash rjenkins pg_num 64 "
            "pgp_num 64 autoscale_mode on") in out
    assert re.search(r"^osd\.7 up   in  weight 1 up_from \d+ .* exists,up [0-9a-f-]{36}$", out, re.M)
    dump = json.loads(cli(cluster, "osd", "dump", fmt="json"))
    assert dump == {k: v for k, v in osd_map.items()
                    if k not in ("tree", "crush", "crush_map_text", "osd_metadata")}
    assert cli(cluster, "osd", "stat") == f"8 osds: 8 up (since 0s), 8 in (since 0s); epoch: e{osd_map['epoch']}\n"


def test_df(cluster):
    df = json.loads(cli(cluster, "df", fmt="json"))
    total, used = df["stats"]["total_bytes"], df["stats"]["total_used_bytes"]
    assert total == 8 * cluster.osd_bytes and 0 < used < total / 2    # seeded data, not full
    assert [p["name"] for p in df["pools"]] == ["device_health_metrics", "rbd", "data"]
    assert set(df["pools"][1]["stats"]) == {"stored", "objects", "kb_used", "bytes_used", "percent_used",
                                            "max_avail"}
    detail = json.loads(cli(cluster, "df", "detail", fmt="json"))
    assert detail == cluster.heartbeat_stats()["df"] and "rd_bytes" in detail["pools"][1]["stats"]
    out = cli(cluster, "df")
    assert out.startswith("--- RAW STORAGE ---\nCLASS  ")
    raw = rf"{used / 2**40:.1f} TiB"
    assert re.search(rf"^TOTAL\s+15 TiB\s+\d+ TiB\s+{raw}\s+{raw}\s+{100 * used / total:.2f}$", out, re.M)
    assert re.search(r"^rbd\s+2\s+64\s+\d+(\.\d)? [GT]iB\s+\d+k\s+\d+(\.\d)? [GT]iB\s+\d+\.\d\d\s+\d+(\.\d)? TiB$",
                     out, re.M)
    assert re.search(r"^device_health_metrics\s+1\s+1\s+0 B\s+0\s+0 B\s+0\s+", out, re.M)


def test_pool_ls(cluster):
    assert cli(cluster, "osd", "pool", "ls") == "device_health_metrics\nrbd\ndata\n"
    detail = cli(cluster, "osd", "pool", "ls", "detail").splitlines()
    assert len(detail) == 3 and detail[0].startswith("pool 1 'device_health_metrics' replicated size 3")
    assert json.loads(cli(cluster, "osd", "pool", "ls", fmt="json")) == ["device_health_metrics", "rbd",
                                                                          "data"]
    assert json.loads(cli(cluster, "osd", "pool", "ls", "detail", fmt="json")) == obj(cluster, "osd_map")["pools"]


def test_mon_stat_and_versions(cluster):
    assert cli(cluster, "mon", "stat") == (
        "e3: 3 mons at {ceph0-node000=[v2:10.0.0.1:3300/0,v1:10.0.0.1:6789/0],"
        "ceph0-node001=[v2:10.0.0.2:3300/0,v1:10.0.0.2:6789/0],"
        "ceph0-node002=[v2:10.0.0.3:3300/0,v1:10.0.0.3:6789/0]}, election epoch 8, leader 0 "
        "ceph0-node000, quorum 0,1,2 ceph0-node000,ceph0-node001,ceph0-node002\n")
    assert json.loads(cli(cluster, "mon", "stat", fmt="json"))["leader"] == "ceph0-node000"
    version = "ceph version 16.2.15 (618f440892089921c3e944a991122ddc44e60516) pacific (stable)\n"
    assert cli(cluster, "version") == version
    assert json.loads(cli(cluster, "version", fmt="json")) == {"version": version.strip()}


def test_changes_run_as_a_request_would_and_answer_with_cephs_status_text(cluster):
    epoch = cluster.versions()["osd_map"]
    assert run(cluster, "osd", "set", "noout") == {"out": "", "err": "noout is set\n", "status": 0}
    assert cluster.versions()["osd_map"] == epoch + 1
    failed = run(cluster, "osd", "pool", "create", "rbd", "8")          # exists: idempotent in Ceph
    assert failed["status"] == 0 and "already exists" in failed["err"]
    missing = run(cluster, "osd", "pool", "get", "no-such-pool", "size")
    assert missing["status"] == 2 and missing["err"].startswith("Error ENOENT: ")
    assert json.loads(cli(cluster, "osd", "pool", "get", "rbd", "size", fmt="json"))["size"] == 3


def test_commands_the_simulator_does_not_model(cluster):
    result = cluster.mon_command({"prefix": "auth ls"})
    assert (result["status"], result["out"]) == (22, "")
    assert result["err"] == "Error EINVAL: the simulator does not model 'auth ls'\n"


def test_the_table_parses_with_the_daemons_parser():
    assert len(SIGNATURES) == len(SimCluster.command_descriptions()) > 40
    assert SIGNATURES.parse(["osd", "frobnicate"]) is None


def test_no_quorum_means_no_cluster(cluster):
    cluster.stop_mon("ceph0-node000")
    cluster.stop_mon("ceph0-node001")
    assert run(cluster, "status") == {
        "out": "", "err": "[errno 110] RADOS timed out (error connecting to the cluster)\n", "status": 110}


# ----- logs ----------------------------------------------------------------------------------

def test_list_logs_per_host(cluster):
    assert cluster.list_logs(MON_HOST) == ["ceph/ceph-mon.ceph0-node000.log", "ceph/ceph-osd.0.log",
                                           "ceph/ceph-osd.1.log", "ceph/ceph.audit.log", "ceph/ceph.log"]
    assert cluster.list_logs(OSD_HOST) == ["ceph/ceph-osd.6.log", "ceph/ceph-osd.7.log"]
    named = SimCluster(clock=lambda: NOW, name="prod", hosts=1, osds_per_host=1)
    assert named.list_logs("ceph0-node000.sim.test") == [
        "ceph/prod-mon.ceph0-node000.log", "ceph/prod-osd.0.log", "ceph/prod.audit.log", "ceph/prod.log"]


def test_cluster_log_records_commands_osd_changes_and_health(cluster):
    cluster.apply_commands([["osd pool create", {"pool": "images", "pg_num": 8}]])
    cluster.apply_commands([["osd down", {"ids": ["3"]}]])
    cluster.advance(5.0)  # osd.3 boots, the PGs are created
    cluster.advance(5.0)
    lines = cluster.tail_log(MON_HOST, "ceph/ceph.log", 1000).splitlines()
    assert all(CLOG.fullmatch(line) for line in lines), lines
    texts = [line.split("] ", 1)[1] for line in lines]
    assert texts[0] == ("mon.ceph0-node000 is new leader, mons ceph0-node000,ceph0-node001,"
                        "ceph0-node002 in quorum (ranks 0,1,2)")
    expected = ["pool 'images' created",
                "Health check failed: Reduced data availability: 8 pgs inactive (PG_AVAILABILITY)",
                "Monitor daemon marked osd.3 down, but it is still running",
                "marked down osd.3.",
                "Health check failed: 1 osds down (OSD_DOWN)",
                "Health check update: Reduced data availability: 8 pgs inactive, ",  # + stale PGs
                "Health check cleared: OSD_DOWN (was: 1 osds down)",
                "Health check cleared: PG_AVAILABILITY (was: Reduced data availability: 8 pgs inactive",
                "Cluster is now healthy"]
    positions = [next(i for i, t in enumerate(texts) if t.startswith(prefix)) for prefix in expected]
    assert positions == sorted(positions)
    assert texts[-1] == "Cluster is now healthy"
    assert any(re.fullmatch(r"osd\.3 \[v2:10\.0\.0\.2:6808/\d+,v1:10\.0\.0\.2:6809/\d+\] boot", t)
               for t in texts)
    assert any(re.fullmatch(r"osdmap e\d+: 8 total, 7 up, 8 in", t) for t in texts)
    audit = cluster.tail_log(MON_HOST, "ceph/ceph.audit.log", 2).splitlines()
    assert audit[0].endswith(""" : audit [INF] from='client.admin' entity='client.admin' """
                             """cmd=[{"prefix": "osd down", "ids": ["3"]}]: dispatch""")
    assert audit[1].endswith("""cmd='[{"prefix": "osd down", "ids": ["3"]}]': finished""")


def test_daemon_logs(cluster):
    cluster.set_osd(7, up=False)
    lines = cluster.tail_log(OSD_HOST, "ceph/ceph-osd.7.log", 100).splitlines()
    assert all(re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+0000 7f[0-9a-f]{10} +-?\d+ .+", line)
               for line in lines)
    assert "ceph version 16.2.15 (" in lines[0] and ", process ceph-osd, pid " in lines[0]
    assert lines[-1].endswith("log_channel(cluster) log [WRN] : Monitor daemon marked osd.7 down, "
                              "but it is still running")
    mon_log = cluster.tail_log(MON_HOST, "ceph/ceph-mon.ceph0-node000.log", 100)
    assert "process ceph-mon" in mon_log and "log_channel(cluster) log [INF] : " in mon_log


def test_tail_returns_the_last_lines(cluster):
    full = cluster.tail_log(MON_HOST, "ceph/ceph.log", 1000).splitlines()
    cluster.apply_commands([["osd set", {"key": "noout"}]])
    last = cluster.tail_log(MON_HOST, "ceph/ceph.log", 2)
    assert last.endswith("\n") and len(last.splitlines()) == 2
    assert len(cluster.tail_log(MON_HOST, "ceph/ceph.log", 1000).splitlines()) > len(full)
    assert cluster.tail_log(MON_HOST, "ceph/ceph.log", 0) == ""


@pytest.mark.parametrize("path", ["../etc/passwd", "/var/log/ceph/ceph.log", "ceph/../ceph/ceph.log",
                                  "ceph//ceph.log", "./ceph/ceph.log", "", 7])
def test_tail_refuses_paths_outside_the_log_directory(cluster, path):
    with pytest.raises(ValueError, match="invalid log path"):
        cluster.tail_log(MON_HOST, path, 10)


def test_tail_refuses_unknown_files_and_bad_counts(cluster):
    with pytest.raises(LookupError, match="no log file 'ceph/ceph.log' on ceph0-node003.sim.test"):
        cluster.tail_log(OSD_HOST, "ceph/ceph.log", 10)  # no mon there
    with pytest.raises(LookupError):
        cluster.tail_log(MON_HOST, "ceph/ceph-osd.7.log", 10)  # another host's daemon
    with pytest.raises(ValueError, match="lines must be a non-negative integer"):
        cluster.tail_log(MON_HOST, "ceph/ceph.log", -1)
    with pytest.raises(ValueError):
        cluster.tail_log(MON_HOST, "ceph/ceph.log", "ten")
    assert len(cluster.tail_log(MON_HOST, "ceph/ceph.log", "1").splitlines()) == 1
