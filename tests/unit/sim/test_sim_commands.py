"""SimCluster.apply_commands: pool, OSD, flag and config-key mon commands with Ceph's semantics."""
from __future__ import annotations

import pytest

from sim.model import SimCluster
from tests.unit.sim_helpers import NOW, epoch, fail, make, noop, ok, osd_map

SURE = {"yes_i_really_really_mean_it": True}


@pytest.fixture
def cluster() -> SimCluster:
    return make()


def pool(cluster: SimCluster, name: str) -> dict:
    (found,) = [p for p in osd_map(cluster)["pools"] if p["pool_name"] == name]
    return found


def by_pool(cluster: SimCluster, pool_id: int) -> dict:
    return cluster.get_cluster_object("pg_summary")["data"]["by_pool"].get(str(pool_id), {})


# ----- the rados_commands envelope -----------------------------------------------------------

def test_result_shape_and_versions_after_the_commands(cluster):
    result = cluster.apply_commands([["osd pool create", {"pool": "a", "pg_num": 8}],
                                     ["config-key put", {"key": "k", "val": "v"}]])
    assert set(result) == {"fsid", "error", "results", "error_status", "versions"}
    assert (result["fsid"], result["error"], result["error_status"]) == (cluster.fsid, False, "")
    assert result["results"] == ["pool 'a' created", "set k"]   # Ceph's status texts
    assert result["versions"] == cluster.versions()


def test_stops_at_the_first_failure_without_rollback(cluster):
    before = epoch(cluster)
    result = cluster.apply_commands([
        ["osd pool create", {"pool": "first", "pg_num": 8}],
        ["osd pool set", {"pool": "first", "var": "bogus", "val": "1"}],
        ["osd pool create", {"pool": "never", "pg_num": 8}]])
    assert result["error"] is True
    assert result["results"] == ["pool 'first' created"]
    assert result["error_status"] == "Error EINVAL: unrecognized variable 'bogus'"
    names = [p["pool_name"] for p in osd_map(cluster)["pools"]]
    assert "first" in names and "never" not in names
    assert epoch(cluster) == before + 1 == result["versions"]["osd_map"]


def test_unknown_prefix_is_refused_honestly(cluster):
    assert fail(cluster, "osd pool mksnap", pool="rbd", snap="s") == "Error EINVAL: command not known"


def test_each_changing_command_is_one_epoch(cluster):
    before = epoch(cluster)
    result = cluster.apply_commands([["osd set", {"key": "noout"}],
                                     ["osd set", {"key": "noout"}],  # no-op
                                     ["osd out", {"ids": ["1"]}],
                                     ["osd pool set", {"pool": "rbd", "var": "size", "val": "2"}]])
    assert not result["error"]
    assert epoch(cluster) == before + 3


def test_malformed_command_lists_are_value_errors(cluster):
    for bad in ("osd dump", [["osd dump"]], [["osd dump", "x"]], [[1, {}]]):
        with pytest.raises(ValueError):
            cluster.apply_commands(bad)


def test_the_format_argument_is_accepted_and_ignored(cluster):
    assert ok(cluster, "osd pool create", pool="fmt", pg_num=4, format="json") == \
        "pool 'fmt' created"


# ----- pool create -------------------------------------------------------------------------------

def test_pool_create_replicated(cluster):
    assert ok(cluster, "osd pool create", pool="images", pg_num=64) == "pool 'images' created"
    created = pool(cluster, "images")
    assert (created["pool"], created["type"], created["size"], created["min_size"]) == (4, 1, 3, 2)
    assert (created["pg_num"], created["pg_placement_num"], created["crush_rule"]) == (64, 64, 0)
    assert (created["flags"], created["flags_names"]) == (1, "hashpspool")
    assert created["last_change"] == str(epoch(cluster))
    assert by_pool(cluster, 4) == {"creating": 64}


def test_created_pgs_complete_over_advance_at_the_create_rate(cluster):
    ok(cluster, "osd pool create", pool="images", pg_num=64)
    cluster.advance(1.0)
    assert by_pool(cluster, 4) == {"creating": 44, "active+clean": 20}
    cluster.advance(2.5)
    assert by_pool(cluster, 4) == {"active+clean": 64}
    assert cluster.get_cluster_object("health")["data"]["status"] == "HEALTH_OK"
    slow = make(pg_create_rate=4.0)
    ok(slow, "osd pool create", pool="slow", pg_num=10)
    slow.advance(1.0)
    assert by_pool(slow, 4) == {"creating": 6, "active+clean": 4}


def test_pool_create_stores_pgp_num_and_takes_defaults(cluster):
    ok(cluster, "osd pool create", pool="p", pg_num=64, pgp_num=32)
    assert (pool(cluster, "p")["pg_num"], pool(cluster, "p")["pg_placement_num"]) == (64, 32)
    ok(cluster, "osd pool create", pool="d")  # osd_pool_default_pg_num
    assert pool(cluster, "d")["pg_num"] == 32


def test_pool_create_of_an_existing_pool_succeeds_as_in_ceph(cluster):
    assert noop(cluster, "osd pool create", pool="rbd", pg_num=8) == "pool 'rbd' already exists"
    assert fail(cluster, "osd pool create", pool="rbd", pg_num=8, pool_type="erasure") == \
        "Error EINVAL: pool 'rbd' cannot change to type erasure"


def test_pool_create_erasure(cluster):
    crush_version = osd_map(cluster)["crush_version"]
    ok(cluster, "osd pool create", pool="ec", pg_num=16, pool_type="erasure",
       erasure_code_profile="default")
    created = pool(cluster, "ec")
    assert (created["type"], created["size"], created["min_size"]) == (3, 4, 3)
    assert (created["erasure_code_profile"], created["stripe_width"]) == ("default", 8192)
    crush = osd_map(cluster)["crush"]
    rule = next(r for r in crush["rules"] if r["rule_id"] == created["crush_rule"])
    # Pacific names the implicit rule of the default profile "erasure-code"
    assert (rule["rule_name"], rule["type"], rule["max_size"]) == ("erasure-code", 3, 4)
    assert [s["op"] for s in rule["steps"]] == ["set_chooseleaf_tries", "set_choose_tries", "take",
                                                "chooseleaf_indep", "emit"]
    assert osd_map(cluster)["crush_version"] == crush_version + 1
    assert by_pool(cluster, created["pool"]) == {"creating": 16}


def test_pool_create_errors(cluster):
    assert fail(cluster, "osd pool create", pool="x", pg_num=8, pool_type="mirrored") == \
        "Error EINVAL: unknown pool type 'mirrored'"
    assert fail(cluster, "osd pool create", pool="x", pg_num=70000) == (
        "Error ERANGE: 'pg_num' must be greater than 0 and less than or equal to 65536 (you may "
        "adjust 'mon max pool pg num' for higher values)")
    assert fail(cluster, "osd pool create", pool="x", pg_num=8, pgp_num=16) == (
        "Error ERANGE: 'pgp_num' must be greater than 0 and lower or equal than 'pg_num', which "
        "in this case is 8")
    assert fail(cluster, "osd pool create", pool="x", pg_num=8, rule="nope") == \
        "Error ENOENT: specified rule nope doesn't exist"
    assert fail(cluster, "osd pool create", pool="x", pg_num=8, pool_type="erasure",
                erasure_code_profile="nope") == (
        "Error EINVAL: cannot determine the erasure code plugin because there is no 'plugin' "
        "entry in the erasure_code_profile {}")
    assert fail(cluster, "osd pool create", pool="", pg_num=8) == \
        "Error EINVAL: (22) Invalid argument"
    assert fail(cluster, "osd pool create", pg_num=8) == "Error EINVAL: missing required parameter pool"
    # a CephInt given as a string (or a float) is another type: the mon cannot read it
    assert fail(cluster, "osd pool create", pool="x", pg_num="8") == \
        "Error EINVAL: bad or missing field 'pg_num'"
    assert fail(cluster, "osd pool create", pool="x", pg_num=8.0) == \
        "Error EINVAL: bad or missing field 'pg_num'"


def test_pool_create_respects_mon_max_pg_per_osd(cluster):
    # 97 PGs x 3 exist; 1024 x 3 more exceed 250 per OSD x 12 OSDs
    assert fail(cluster, "osd pool create", pool="huge", pg_num=1024) == (
        "Error ERANGE:  pg_num 1024 size 3 would mean 3363 total pgs, which exceeds max 3000 "
        "(mon_max_pg_per_osd 250 * num_in_osds 12)")


# ----- pool set ------------------------------------------------------------------------------

def test_pool_set_size_and_min_size(cluster):
    ok(cluster, "osd pool set", pool="rbd", var="size", val="2")
    rbd = pool(cluster, "rbd")
    assert (rbd["size"], rbd["min_size"], rbd["last_change"]) == (2, 1, str(epoch(cluster)))
    assert all(len(pg["acting"]) == 2 for pg in cluster.pgs_brief() if pg["pgid"].startswith("2."))
    assert noop(cluster, "osd pool set", pool="rbd", var="size", val="2") == "set pool 2 size to 2"
    ok(cluster, "osd pool set", pool="rbd", var="min_size", val="2")
    assert pool(cluster, "rbd")["min_size"] == 2
    assert fail(cluster, "osd pool set", pool="rbd", var="min_size", val="3") == \
        "Error EINVAL: pool min_size must be between 1 and size, which is set to 2"
    assert fail(cluster, "osd pool set", pool="rbd", var="size", val="11") == \
        "Error EINVAL: pool size must be between 1 and 10"
    assert fail(cluster, "osd pool set", pool="rbd", var="size", val="1") == \
        "Error EPERM: configuring pool size as 1 is disabled by default."
    assert fail(cluster, "osd pool set", pool="rbd", var="size", val="big") == (
        "Error EINVAL: error parsing integer value 'big': Expected option value to be integer, "
        "got 'big'")
    assert fail(cluster, "osd pool set", pool="rbd", var="size") == (
        "Error EINVAL: error parsing integer value '': Expected option value to be integer, "
        "got ''")


def test_pool_set_val_must_be_a_string(cluster):
    """`val` is a CephString: Pacific refuses a JSON number (or bool) outright."""
    for val in (2, 2.0, True):
        assert fail(cluster, "osd pool set", pool="rbd", var="size", val=val) == \
            "Error EINVAL: bad or missing field 'val'"


def test_pool_size_one_needs_the_confirmation(cluster):
    cluster._config["mon_allow_pool_size_one"] = "true"
    assert fail(cluster, "osd pool set", pool="rbd", var="size", val="1") == (
        "Error EPERM: WARNING: setting pool size 1 could lead to data loss without recovery. "
        "If you are *ABSOLUTELY CERTAIN* that is what you want, pass the flag "
        "--yes-i-really-mean-it.")
    ok(cluster, "osd pool set", pool="rbd", var="size", val="1", yes_i_really_mean_it=True)
    assert pool(cluster, "rbd")["size"] == 1


def test_pool_set_size_grows_then_recovers(cluster):
    ok(cluster, "osd pool set", pool="data", var="size", val="4")
    assert pool(cluster, "data")["min_size"] == 2
    assert set(by_pool(cluster, 3)) == {"active+undersized+degraded"}  # 3 hosts, 4 replicas
    for _ in range(20):
        cluster.advance(1.0)
    assert set(by_pool(cluster, 3)) == {"active+undersized+degraded"}  # chooseleaf host


def test_pool_set_on_an_erasure_pool(cluster):
    ok(cluster, "osd pool create", pool="ec", pg_num=8, pool_type="erasure")
    assert fail(cluster, "osd pool set", pool="ec", var="size", val="5") == \
        "Error ENOTSUP: can not change the size of an erasure-coded pool"
    assert fail(cluster, "osd pool set", pool="ec", var="min_size", val="1") == \
        "Error EINVAL: pool min_size must be between 2 and size, which is set to 4"


def test_pg_num_growth_creates_pgs_even_while_creating(cluster):
    """Pacific records the new pg_num at once, PGs being created or not."""
    ok(cluster, "osd pool create", pool="grow", pg_num=8, pgp_num=4)
    ok(cluster, "osd pool set", pool="grow", var="pg_num", val="12")
    cluster.advance(1.0)
    ok(cluster, "osd pool set", pool="grow", var="pg_num", val="16")
    grown = pool(cluster, "grow")
    assert (grown["pg_num"], grown["pg_placement_num"]) == (16, 4)
    assert by_pool(cluster, 4) == {"active+clean": 12, "creating": 4}
    assert {pg["pgid"] for pg in cluster.pgs_brief() if pg["state"] == "creating"} == \
        {f"4.{i:x}" for i in range(12, 16)}
    cluster.advance(1.0)
    assert by_pool(cluster, 4) == {"active+clean": 16}
    ok(cluster, "osd pool set", pool="grow", var="pgp_num", val="16")
    assert pool(cluster, "grow")["pg_placement_num"] == 16
    assert noop(cluster, "osd pool set", pool="grow", var="pg_num", val="16") == \
        "set pool 4 pg_num to 16"
    assert fail(cluster, "osd pool set", pool="grow", var="pg_num", val="8") == \
        "Error EINVAL: specified pg_num 8 < current 16 (the simulator does not merge PGs)"
    assert fail(cluster, "osd pool set", pool="grow", var="pg_num", val="70000").startswith(
        "Error ERANGE: 'pg_num' must be greater than 0")


def test_pg_num_growth_has_no_split_limit_and_pgp_num_follows(cluster):
    # Pacific dropped mon_osd_max_split_count: 1 -> 40 PGs in one step is fine
    ok(cluster, "osd pool set", pool="device_health_metrics", var="pg_num", val="40")
    grown = pool(cluster, "device_health_metrics")
    assert (grown["pg_num"], grown["pg_placement_num"]) == (40, 40)   # pgp_num equalled pg_num
    assert "mon_osd_max_split_count" not in cluster.get_cluster_object("config")["data"]


def test_pgp_num(cluster):
    assert fail(cluster, "osd pool set", pool="rbd", var="pgp_num", val="65") == \
        "Error EINVAL: specified pgp_num 65 > pg_num 64"
    assert fail(cluster, "osd pool set", pool="rbd", var="pgp_num", val="0") == \
        "Error EINVAL: specified pgp_num must > 0, but you set to 0"
    ok(cluster, "osd pool set", pool="rbd", var="pgp_num", val="48")
    assert pool(cluster, "rbd")["pg_placement_num"] == 48


def test_pool_set_crush_rule_by_name(cluster):
    ok(cluster, "osd crush rule create-replicated", name="fast", root="default", type="host")
    ok(cluster, "osd pool set", pool="rbd", var="crush_rule", val="fast")
    assert pool(cluster, "rbd")["crush_rule"] == 1
    # Pacific has no `crush_ruleset` variable any more, and `crush_rule` takes names only
    assert fail(cluster, "osd pool set", pool="rbd", var="crush_ruleset", val="0") == \
        "Error EINVAL: unrecognized variable 'crush_ruleset'"
    assert fail(cluster, "osd pool set", pool="rbd", var="crush_rule", val="0") == \
        "Error ENOENT: crush rule 0 does not exist"
    assert fail(cluster, "osd pool set", pool="rbd", var="crush_rule", val="nope") == \
        "Error ENOENT: crush rule nope does not exist"
    ok(cluster, "osd crush rule create-erasure", name="ecr")
    assert fail(cluster, "osd pool set", pool="rbd", var="crush_rule", val="ecr") == \
        "Error EINVAL: crush rule ecr is a erasure rule, pool 'rbd' is replicated"


def test_pool_set_hashpspool_needs_the_confirmation(cluster):
    assert fail(cluster, "osd pool set", pool="rbd", var="hashpspool", val="maybe") == (
        "Error EPERM: are you SURE?  this will remap all placement groups in this pool, this "
        "triggers large data movement, pass --yes-i-really-mean-it if you really do.")
    ok(cluster, "osd pool set", pool="rbd", var="hashpspool", val="0", yes_i_really_mean_it=True)
    assert (pool(cluster, "rbd")["flags"], pool(cluster, "rbd")["flags_names"]) == (0, "")
    ok(cluster, "osd pool set", pool="rbd", var="hashpspool", val="true",
       yes_i_really_mean_it=True)
    assert pool(cluster, "rbd")["flags"] == 1
    assert fail(cluster, "osd pool set", pool="rbd", var="hashpspool", val="maybe",
                yes_i_really_mean_it=True) == \
        "Error EINVAL: expecting value 'true', 'false', '0', or '1'"


def test_pool_set_crash_replay_interval_is_unknown_in_pacific(cluster):
    assert fail(cluster, "osd pool set", pool="rbd", var="crash_replay_interval", val="0") == \
        "Error EINVAL: unrecognized variable 'crash_replay_interval'"


def test_pool_set_unknowns(cluster):
    assert fail(cluster, "osd pool set", pool="nope", var="size", val="2") == \
        "Error ENOENT: unrecognized pool 'nope'"
    assert fail(cluster, "osd pool set", pool="rbd", var="colour", val="red") == \
        "Error EINVAL: unrecognized variable 'colour'"


# ----- quota, rename, delete -------------------------------------------------------------------

def test_set_quota(cluster):
    ok(cluster, "osd pool set-quota", pool="rbd", field="max_objects", val="42")
    ok(cluster, "osd pool set-quota", pool="rbd", field="max_bytes", val="42000000")
    rbd = pool(cluster, "rbd")
    assert (rbd["quota_max_objects"], rbd["quota_max_bytes"]) == (42, 42000000)
    ok(cluster, "osd pool set-quota", pool="rbd", field="max_bytes", val="10G")
    assert pool(cluster, "rbd")["quota_max_bytes"] == 10 << 30
    assert noop(cluster, "osd pool set-quota", pool="rbd", field="max_objects", val="42") == \
        "set-quota max_objects = 42 for pool rbd"
    assert fail(cluster, "osd pool set-quota", pool="rbd", field="max_objects", val=42) == \
        "Error EINVAL: bad or missing field 'val'"
    assert fail(cluster, "osd pool set-quota", pool="rbd", field="max_pgs", val="1") == \
        "Error EINVAL: unrecognized field 'max_pgs'; should be 'max_bytes' or 'max_objects'"
    assert fail(cluster, "osd pool set-quota", pool="nope", field="max_bytes", val="1") == \
        "Error ENOENT: unrecognized pool 'nope'"


@pytest.mark.parametrize("field, val, expected", [
    ("max_bytes", "1M", 1 << 20), ("max_bytes", "1Mi", 1 << 20), ("max_bytes", "1MB", 1 << 20),
    ("max_bytes", "1K", 1024), ("max_bytes", "5B", 5), ("max_bytes", "+5", 5),
    ("max_objects", "2K", 2000), ("max_objects", "7", 7),
    ("max_bytes", "", "strict_iecstrtoll: value not specified"),
    ("max_bytes", "1k", "strict_iecstrtoll: unit prefix not recognized"),
    ("max_bytes", "5 ", "strict_iecstrtoll: unit prefix not recognized"),
    ("max_bytes", "1.5M", "strict_iecstrtoll: illegal prefix (length > 2)"),
    ("max_bytes", "1KiB", "strict_iecstrtoll: illegal prefix (length > 2)"),
    ("max_bytes", "1Bi", 'strict_iecstrtoll: illegal prefix "Bi"'),
    ("max_bytes", "-5", "strict_iecstrtoll: value should not be negative"),
    ("max_bytes", "K", "Expected option value to be integer, got ''"),
    ("max_objects", "", "strict_sistrtoll: value not specified"),
    ("max_objects", "1k", "strict_si_cast: unit prefix not recognized"),
    ("max_objects", "5B", "Expected option value to be integer, got '5B'"),
    ("max_objects", "-1", "strict_sistrtoll: value should not be negative"),
])
def test_set_quota_values_as_ceph_parses_them(cluster, field, val, expected):
    """Pacific 16.2.15's answers: bytes take 1024-based units, objects 1000-based ones."""
    result = cluster.apply_commands([["osd pool set-quota",
                                      {"pool": "rbd", "field": field, "val": val}]])
    if isinstance(expected, int):
        assert not result["error"] and pool(cluster, "rbd")[f"quota_{field}"] == expected
    else:
        assert result["error_status"] == f"Error EINVAL: error parsing value '{val}': {expected}"


def test_rename(cluster):
    ok(cluster, "osd pool rename", srcpool="data", destpool="archive")
    assert pool(cluster, "archive")["pool"] == 3
    assert fail(cluster, "osd pool rename", srcpool="archive", destpool="rbd") == \
        "Error EEXIST: pool 'rbd' already exists"
    assert fail(cluster, "osd pool rename", srcpool="nope", destpool="other") == \
        "Error ENOENT: unrecognized pool 'nope'"
    assert noop(cluster, "osd pool rename", srcpool="data", destpool="archive") == \
        "pool 'data' does not exist; pool 'archive' does -- assuming successful rename"


def test_delete_removes_the_pool_and_its_pgs(cluster):
    warning = fail(cluster, "osd pool delete", pool="rbd", pool2="rbd")
    assert warning == ("Error EPERM: WARNING: this will *PERMANENTLY DESTROY* all data stored in "
                       "pool rbd.  If you are *ABSOLUTELY CERTAIN* that is what you want, pass the "
                       "pool name *twice*, followed by --yes-i-really-really-mean-it.")
    assert fail(cluster, "osd pool delete", pool="rbd", pool2="data", **SURE) == warning
    # the pre-Luminous confirmation string means nothing to Pacific
    assert fail(cluster, "osd pool delete", pool="rbd", pool2="rbd",
                sure="--yes-i-really-really-mean-it") == warning
    ok(cluster, "osd pool delete", pool="rbd", pool2="rbd", **SURE)
    assert [p["pool_name"] for p in osd_map(cluster)["pools"]] == ["device_health_metrics", "data"]
    assert not any(pg["pgid"].startswith("2.") for pg in cluster.pgs_brief())
    assert "2" not in cluster.get_cluster_object("pg_summary")["data"]["by_pool"]
    assert noop(cluster, "osd pool delete", pool="rbd") == "pool 'rbd' does not exist"
    cluster._config["mon_allow_pool_delete"] = "false"
    assert fail(cluster, "osd pool delete", pool="data", pool2="data", **SURE) == (
        "Error EPERM: pool deletion is disabled; you must first set the mon_allow_pool_delete "
        "config option to true before you can destroy a pool")


def test_pool_read_commands(cluster):
    result = cluster.apply_commands([["osd pool ls", {}], ["osd pool get", {"pool": "rbd", "var": "size"}]])
    assert result["results"] == [["device_health_metrics", "rbd", "data"],
                                 {"pool": "rbd", "pool_id": 2, "size": 3}]


# ----- OSDs ----------------------------------------------------------------------------------

def test_osd_out_and_in(cluster):
    assert ok(cluster, "osd out", ids=["3"]) == "marked out osd.3. "   # sic: Ceph's spacing
    osd3 = osd_map(cluster)["osds"][3]
    assert (osd3["in"], osd3["weight"]) == (0, 0.0)
    assert noop(cluster, "osd out", ids=["3"]) == "osd.3 is already out. "
    assert noop(cluster, "osd out", ids=["99"]) == "osd.99 does not exist. "
    ok(cluster, "osd in", ids=["osd.3"])
    assert osd_map(cluster)["osds"][3]["in"] == 1
    assert fail(cluster, "osd in", ids=["three"]) == "Error EINVAL: invalid osd id-1"
    for ids in ("3", [3]):     # a list of strings, nothing else
        assert fail(cluster, "osd out", ids=ids) == "Error EINVAL: bad or missing field 'ids'"


def test_osd_down_is_followed_by_a_boot_after_the_delay(cluster):
    ok(cluster, "osd down", ids=["5"])
    down_epoch = epoch(cluster)
    data = osd_map(cluster)
    assert (data["osds"][5]["up"], data["osds"][5]["down_at"]) == (0, down_epoch)
    assert [n["status"] for n in data["tree"]["nodes"] if n["id"] == 5] == ["down"]
    health = cluster.get_cluster_object("health")["data"]
    assert health["checks"]["OSD_DOWN"]["summary"]["message"] == "1 osds down"
    assert noop(cluster, "osd down", ids=["5"]) == "osd.5 is already down. "
    cluster.advance(4.9)
    assert osd_map(cluster)["osds"][5]["up"] == 0
    cluster.advance(0.1)  # osd_boot_delay_s: 5 s of simulated time
    osd5 = osd_map(cluster)["osds"][5]
    assert (osd5["up"], osd5["up_from"]) == (1, down_epoch + 1)
    assert "OSD_DOWN" not in cluster.get_cluster_object("health")["data"]["checks"]


def test_stopped_or_noup_osds_do_not_boot_by_themselves(cluster):
    cluster.stop_osd(2)
    ok(cluster, "osd set", key="noup")
    ok(cluster, "osd down", ids=["6"])
    cluster.advance(60.0)
    osds = osd_map(cluster)["osds"]
    assert (osds[2]["up"], osds[6]["up"]) == (0, 0)
    ok(cluster, "osd unset", key="noup")
    cluster.advance(0.0)
    osds = osd_map(cluster)["osds"]
    assert (osds[2]["up"], osds[6]["up"]) == (0, 1)
    never = make(osd_boot_delay_s=None)
    ok(never, "osd down", ids=["1"])
    never.advance(3600.0)
    assert osd_map(never)["osds"][1]["up"] == 0


def test_osd_reweight(cluster):
    ok(cluster, "osd reweight", id=4, weight=0.5)
    data = osd_map(cluster)
    assert data["osds"][4]["weight"] == 0.5
    assert [n["reweight"] for n in data["tree"]["nodes"] if n["id"] == 4] == [0.5]
    assert noop(cluster, "osd reweight", id=4, weight=0.5) == "reweighted osd.4 to 0.5 (8000)"
    assert fail(cluster, "osd reweight", id=4, weight=-0.5) == "Error EINVAL: weight must be >= 0"
    assert fail(cluster, "osd reweight", id=99, weight=0.5) == "Error ENOENT: osd.99 does not exist"
    # `id` is a JSON integer and `weight` a JSON float, exactly
    assert fail(cluster, "osd reweight", id="4", weight=0.5) == \
        "Error EINVAL: bad or missing field 'id'"
    assert fail(cluster, "osd reweight", id=4, weight=1) == \
        "Error EINVAL: bad or missing field 'weight'"
    ok(cluster, "osd reweight", id=4, weight=0.0)
    assert osd_map(cluster)["osds"][4]["in"] == 0


@pytest.mark.parametrize("prefix,kind", [("osd scrub", "scrub"), ("osd deep-scrub", "deep-scrub"),
                                         ("osd repair", "repair")])
def test_scrub_deep_scrub_repair(cluster, prefix, kind):
    result = cluster.apply_commands([[prefix, {"who": "3"}]])
    assert (result["error"], result["results"]) == (False, [f"instructed osd(s) 3 to {kind}"])
    attr = {"scrub": "last_scrub", "deep-scrub": "last_deep_scrub", "repair": "last_repair"}[kind]
    assert getattr(cluster.osds[3], attr) == NOW
    assert f" {kind} ok" in cluster.tail_log(cluster.host_fqdns[0], "ceph/ceph.log", 5)
    assert fail(cluster, prefix, who="99") == "Error EAGAIN: osd.99 is not up"
    assert fail(cluster, prefix, who=3) == "Error EINVAL: bad or missing field 'who'"
    cluster.set_osd(3, up=False)
    assert fail(cluster, prefix, who="3") == "Error EAGAIN: osd.3 is not up"


# ----- flags -----------------------------------------------------------------------------------

def test_flags_merge_and_pause_sets_both(cluster):
    base = "sortbitwise,recovery_deletes,purged_snapdirs,pglog_hardlimit"
    ok(cluster, "osd set", key="noout")
    assert osd_map(cluster)["flags"] == "noout," + base
    ok(cluster, "osd set", key="pause")
    data = osd_map(cluster)
    assert data["flags"] == "pauserd,pausewr,noout," + base
    assert data["flags_num"] == 5799936 + 4 + 8 + 128
    assert noop(cluster, "osd set", key="noout") == "noout is set"
    health = cluster.get_cluster_object("health")["data"]
    assert health["checks"]["OSDMAP_FLAGS"]["summary"]["message"] == "pauserd,pausewr,noout flag(s) set"
    ok(cluster, "osd unset", key="pause")
    assert osd_map(cluster)["flags"] == "noout," + base
    assert noop(cluster, "osd unset", key="pause") == "pauserd,pausewr is unset"
    ok(cluster, "osd unset", key="noout")
    assert osd_map(cluster)["flags"] == base
    assert "OSDMAP_FLAGS" not in cluster.get_cluster_object("health")["data"]["checks"]


def test_unknown_flags(cluster):
    assert fail(cluster, "osd set", key="nosuch") == "Error EINVAL: unrecognized flag 'nosuch'"
    assert fail(cluster, "osd unset", key="sortbitwise") == \
        "Error EINVAL: unrecognized flag 'sortbitwise'"


# ----- config-key and erasure code profiles ----------------------------------------------------

def test_config_key_put_and_get(cluster):
    key = "daemon-private/osd.3/v1/calamari/osd_crush_location"
    before = epoch(cluster)
    result = cluster.apply_commands([["config-key put", {"key": key, "val": '{"a": 1}'}],
                                     ["config-key get", {"key": key}], ["config-key ls", {}]])
    assert result["results"] == [f"set {key}", '{"a": 1}', [key]]
    assert epoch(cluster) == before
    assert fail(cluster, "config-key get", key="nope") == \
        "Error ENOENT: error obtaining 'nope': (2) No such file or directory"


def test_erasure_code_profiles(cluster):
    ok(cluster, "osd erasure-code-profile set", name="k4m2", profile=["k=4", "m=2"])
    assert osd_map(cluster)["erasure_code_profiles"]["k4m2"] == {
        "k": "4", "m": "2", "plugin": "jerasure", "technique": "reed_sol_van"}
    ok(cluster, "osd pool create", pool="wide", pg_num=8, pool_type="erasure",
       erasure_code_profile="k4m2")
    assert (pool(cluster, "wide")["size"], pool(cluster, "wide")["min_size"]) == (6, 5)
    assert fail(cluster, "osd erasure-code-profile set", name="k4m2", profile=["k=3"]) == (
        "Error EPERM: will not override erasure code profile k4m2 because the existing profile "
        "{k=4,m=2,plugin=jerasure,technique=reed_sol_van} is different from the proposed profile "
        "{k=3,m=2,plugin=jerasure,technique=reed_sol_van}")
    assert fail(cluster, "osd erasure-code-profile rm", name="k4m2") == \
        "Error EBUSY: k4m2: (16) Device or resource busy"
