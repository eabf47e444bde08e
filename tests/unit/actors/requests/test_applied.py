"""actors.requests.applied.shows_applied: does an OSD map show every command of a job?

First per prefix on hand-built maps (tests/unit/ceph_fixtures.py), then how a job's commands
combine (renames, replaced effects, unknown commands), malformed input, and last every builder
against the simulator: before its job the map must not show it, after the job it must.
"""
from __future__ import annotations

import copy
import random

import pytest

from actors.requests.applied import shows_applied
from actors.cluster.commands import (
    plan_crush_map, plan_crush_node_create, plan_crush_node_delete, plan_crush_node_update,
    plan_crush_rule_create, plan_crush_rule_delete, plan_osd_command, plan_osd_config,
    plan_osd_update, plan_pool_create, plan_pool_delete, plan_pool_update)
from actors.cluster.views.osd_map import OsdMapView
from tests.unit import ceph_fixtures as fx
from tests.unit.sim_helpers import make


def judge(commands, osd_map=None):
    return shows_applied(commands, fx.osd_map() if osd_map is None else osd_map)


def one(prefix, osd_map=None, **args):
    return judge([(prefix, args)], osd_map)


def pool_of(osd_map, name) -> dict:
    return next(p for p in osd_map["pools"] if p["pool_name"] == name)


def with_pool(name, osd_map=None, **fields) -> dict:
    osd_map = osd_map or fx.osd_map()
    pool_of(osd_map, name).update(fields)
    return osd_map


def bucket_of(osd_map, name) -> dict:
    return next(b for b in osd_map["crush"]["buckets"] if b["name"] == name)


def with_bucket(name, type_id, items=(), osd_map=None) -> dict:
    """The fixture map with one more CRUSH bucket holding `items` ([(id, weight)])."""
    osd_map = osd_map or fx.osd_map()
    bucket_id = min(b["id"] for b in osd_map["crush"]["buckets"]) - 1
    osd_map["crush"]["buckets"].append({
        "id": bucket_id, "name": name, "type_id": type_id, "type_name": fx.CRUSH_TYPES[type_id],
        "weight": 0, "alg": "straw2", "hash": "rjenkins1",
        "items": [{"id": i, "weight": w, "pos": pos} for pos, (i, w) in enumerate(items)]})
    return osd_map


def without_link(parent, item, osd_map=None) -> dict:
    osd_map = osd_map or fx.osd_map()
    bucket = bucket_of(osd_map, parent)
    bucket["items"] = [i for i in bucket["items"] if i["id"] != item]
    return osd_map


# ----- pools ---------------------------------------------------------------------------------

@pytest.mark.parametrize("args, osd_map, expected", [
    ({"pool": "rbd", "pg_num": 8}, None, True),
    ({"pool": "new", "pg_num": 8}, None, False),
    ({"pool": "rbd", "pool_type": "replicated", "erasure_code_profile": ""}, None, True),
    # Ceph refuses to "create" an existing pool as the other type.
    ({"pool": "rbd", "pool_type": "erasure"}, None, False),
    ({"pool": "ecpool", "pool_type": "erasure"}, fx.osd_map(erasure=True), True),
])
def test_pool_create(args, osd_map, expected):
    assert one("osd pool create", osd_map, **args) is expected


@pytest.mark.parametrize("prefix", ["osd pool delete", "osd pool rm"])
@pytest.mark.parametrize("name, expected", [("cephfs_data", False), ("gone", True)])
def test_pool_delete(prefix, name, expected):
    assert one(prefix, pool=name, pool2=name, yes_i_really_really_mean_it=True) is expected


@pytest.mark.parametrize("osd_map, src, dst, expected", [
    (None, "rbd", "fast", False),                              # not renamed yet
    (with_pool("rbd", pool_name="fast"), "rbd", "fast", True),
    (with_pool("cephfs_data", pool_name="rbd2"), "rbd", "rbd2", False),  # src still there
    (None, "rbd", "rbd", True),                                # Ceph: success, no change
    (None, "nope", "nope", False),
])
def test_pool_rename(osd_map, src, dst, expected):
    assert one("osd pool rename", osd_map, srcpool=src, destpool=dst) is expected


def pool_set(pool, var, val, osd_map=None):
    return one("osd pool set", osd_map, pool=pool, var=var, val=val)


@pytest.mark.parametrize("pool, var, val, expected", [
    ("rbd", "size", "3", True), ("rbd", "size", "2", False),
    ("cephfs_data", "min_size", "1", True), ("cephfs_data", "min_size", "2", False),
    ("rbd", "pg_num", "32", True), ("rbd", "pg_num", "64", False),
    ("cephfs_data", "pgp_num", "64", True),     # the target (pg_placement_num_target)...
    ("cephfs_data", "pgp_num", "48", False),    # ...not the current pg_placement_num
    ("rbd", "hashpspool", "true", True), ("rbd", "hashpspool", "1", True),
    ("rbd", "hashpspool", "false", False), ("rbd", "hashpspool", "0", False),
    ("rbd", "crush_rule", "replicated_rule", True),
    ("missing", "size", "3", False),            # Ceph: ENOENT, nothing changed
])
def test_pool_set(pool, var, val, expected):
    assert pool_set(pool, var, val) is expected


def test_pool_set_pg_num_compares_the_target_not_the_current_count():
    osd_map = with_pool("rbd", pg_num=32, pg_num_target=128)
    assert pool_set("rbd", "pg_num", "128", osd_map) is True
    assert pool_set("rbd", "pg_num", "32", osd_map) is False


def test_pool_set_pg_counts_fall_back_to_the_current_ones_without_targets():
    osd_map = fx.osd_map()
    pool = pool_of(osd_map, "cephfs_data")
    del pool["pg_num_target"], pool["pg_placement_num_target"]
    assert pool_set("cephfs_data", "pg_num", "64", osd_map) is True
    assert pool_set("cephfs_data", "pgp_num", "48", osd_map) is True
    assert pool_set("cephfs_data", "pgp_num", "64", osd_map) is False


def test_pool_set_crush_rule_names_a_rule_and_the_pool_holds_its_id():
    osd_map = fx.osd_map(erasure=True)
    assert pool_set("ecpool", "crush_rule", "ecpool", osd_map) is True
    assert pool_set("rbd", "crush_rule", "ecpool", osd_map) is False
    # A name the map lacks: perhaps renamed since, so not definite.
    assert pool_set("rbd", "crush_rule", "no_such_rule", osd_map) is None


def test_pool_set_hashpspool_reads_the_flag_bit_else_the_flag_names():
    assert pool_set("rbd", "hashpspool", "false", with_pool("rbd", flags=0)) is True
    osd_map = fx.osd_map()
    del pool_of(osd_map, "rbd")["flags"]
    assert pool_set("rbd", "hashpspool", "true", osd_map) is True
    pool_of(osd_map, "rbd")["flags_names"] = ""
    assert pool_set("rbd", "hashpspool", "true", osd_map) is False


@pytest.mark.parametrize("var, val", [
    ("crash_replay_interval", "0"),    # Pacific: unrecognized variable
    ("nodelete", "true"),              # not sent by the builders: not mapped
    ("size", "three"), ("size", ""), ("size", None), ("size", 3),   # Ceph refuses these
    ("hashpspool", "yes"),
])
def test_pool_set_that_cannot_be_judged(var, val):
    assert pool_set("rbd", var, val) is None


@pytest.mark.parametrize("pool, field, val, expected", [
    ("cephfs_data", "max_objects", "1000", True), ("cephfs_data", "max_objects", "999", False),
    ("cephfs_data", "max_bytes", str(2 ** 30), True), ("rbd", "max_bytes", "0", True),
    ("rbd", "max_bytes", "1024", False), ("missing", "max_bytes", "0", False),
    ("cephfs_data", "max_bytes", "1G", None),     # units are not parsed here
    ("rbd", "max_bytes", "-1", None), ("rbd", "max_things", "1", None),
])
def test_pool_set_quota(pool, field, val, expected):
    assert one("osd pool set-quota", pool=pool, field=field, val=val) is expected


# ----- OSDs ----------------------------------------------------------------------------------

@pytest.mark.parametrize("prefix, ids, out, expected", [
    ("osd out", ["3"], [3], True), ("osd out", ["3"], [], False),
    ("osd in", ["3"], [], True), ("osd in", ["3"], [3], False),
    ("osd out", ["osd.3", "4"], [3, 4], True), ("osd out", ["3", "4"], [3], False),
    ("osd in", ["42"], [], None),                  # no such OSD: nothing to see
    ("osd out", ["all"], [0, 1, 2, 3, 4, 5], None),  # wildcards: not judged
])
def test_osd_in_out(prefix, ids, out, expected):
    assert one(prefix, fx.osd_map(out=out), ids=ids) is expected


@pytest.mark.parametrize("osd_id, weight, out, expected", [
    (2, 0.5, [], True), (2, 0.50004, [], True), (2, 0.75, [], False), (0, 0.5, [], False),
    (3, 0.0, [3], True),                           # a reweight of 0 is out
    (3, 0.0, [], False), (42, 1.0, [], None),
])
def test_osd_reweight(osd_id, weight, out, expected):
    assert one("osd reweight", fx.osd_map(out=out), id=osd_id, weight=weight) is expected


@pytest.mark.parametrize("down", [[], [3]])
def test_osd_down_cannot_be_judged_an_osd_comes_back_up_by_itself(down):
    assert one("osd down", fx.osd_map(down=down), ids=["3"]) is None


@pytest.mark.parametrize("prefix", ["osd scrub", "osd deep-scrub", "osd repair"])
def test_scrubs_cannot_be_judged(prefix):
    assert one(prefix, who="3") is None


@pytest.mark.parametrize("prefix, key, flags, expected", [
    ("osd set", "noout", "sortbitwise,noout", True), ("osd set", "noout", "sortbitwise", False),
    ("osd unset", "noout", "sortbitwise", True), ("osd unset", "noout", "noout,sortbitwise", False),
    ("osd set", "pause", "pauserd,pausewr", True), ("osd set", "pause", "pauserd", False),
    ("osd unset", "pause", "sortbitwise", True), ("osd unset", "pause", "pausewr", False),
    ("osd set", "noout", "", False), ("osd set", "nodeep-scrub", "noscrub,nodeep-scrub", True),
])
def test_osd_flags(prefix, key, flags, expected):
    assert one(prefix, fx.osd_map(flags=flags), key=key) is expected


def test_osd_flags_fall_back_to_flags_set():
    osd_map = fx.osd_map()
    del osd_map["flags"]
    osd_map["flags_set"] = ["noout", "sortbitwise"]
    assert one("osd set", osd_map, key="noout") is True
    assert one("osd unset", osd_map, key="noout") is False


# ----- CRUSH ---------------------------------------------------------------------------------

@pytest.mark.parametrize("args, osd_map, expected", [
    ({"name": "rack1", "type": "rack"}, None, False),
    ({"name": "rack1", "type": "rack"}, with_bucket("rack1", 3), True),
    ({"name": "rack1", "type": "row"}, with_bucket("rack1", 3), False),   # name taken
    ({"name": "node1", "type": "host"}, None, True),
    ({"name": "rack1", "type": "rack", "args": ["root=default"]}, with_bucket("rack1", 3), False),
    ({"name": "rack1", "type": "rack", "args": ["room=nowhere"]}, with_bucket("rack1", 3),
     False),
])
def test_crush_add_bucket(args, osd_map, expected):
    assert one("osd crush add-bucket", osd_map, **args) is expected


def test_crush_add_bucket_judges_the_type_by_id_without_type_name():
    osd_map = with_bucket("rack1", 3)
    del bucket_of(osd_map, "rack1")["type_name"]
    assert one("osd crush add-bucket", osd_map, name="rack1", type="rack") is True


def removed_osd5() -> dict:
    osd_map = without_link("node3", 5)
    osd_map["crush"]["devices"] = [d for d in osd_map["crush"]["devices"] if d["id"] != 5]
    return osd_map


@pytest.mark.parametrize("prefix", ["osd crush remove", "osd crush rm"])
@pytest.mark.parametrize("args, osd_map, expected", [
    ({"name": "node1"}, None, False), ({"name": "rack9"}, None, True),
    ({"name": "osd.5"}, None, False), ({"name": "osd.5"}, removed_osd5(), True),
    ({"name": "osd.5"}, without_link("node3", 5), False),   # unlinked but still named
    ({"name": "osd.5", "ancestor": "node3"}, without_link("node3", 5), True),
    ({"name": "osd.5", "ancestor": "node3"}, None, False),
])
def test_crush_remove(prefix, args, osd_map, expected):
    assert one(prefix, osd_map, **args) is expected


def renamed_node1() -> dict:
    osd_map = fx.osd_map()
    bucket_of(osd_map, "node1")["name"] = "n1"
    return osd_map


@pytest.mark.parametrize("osd_map, src, dst, expected", [
    (None, "node1", "n1", False), (renamed_node1(), "node1", "n1", True),
    (with_bucket("n1", 1), "node1", "n1", False), (None, "node1", "node1", True),
])
def test_crush_rename_bucket(osd_map, src, dst, expected):
    assert one("osd crush rename-bucket", osd_map, srcname=src, dstname=dst) is expected


def node1_in_rack1() -> dict:
    osd_map = with_bucket("rack1", 3, [(-3, 0x20000)])
    return without_link("default", -3, osd_map)


@pytest.mark.parametrize("name, location, osd_map, expected", [
    ("node1", ["rack=rack1"], None, False),                    # rack1 does not exist
    ("node1", ["rack=rack1"], with_bucket("rack1", 3), False),
    ("node1", ["rack=rack1"], node1_in_rack1(), True),
    ("node1", ["rack=rack1", "root=default"], node1_in_rack1(), True),  # the lowest type
    ("osd.0", ["host=node1"], None, True), ("osd.0", ["host=node2"], None, False),
    ("ghost", ["host=node1"], None, False),
    ("node1", [], None, None), ("node1", ["planet=earth"], None, None),
])
def test_crush_move(name, location, osd_map, expected):
    assert one("osd crush move", osd_map, name=name, args=location) is expected


@pytest.mark.parametrize("osd_id, weight, location, expected", [
    (0, 1.0, ["host=node1"], True), (0, 1.00001, ["host=node1"], True),
    (0, 0.5, ["host=node1"], False), (0, 1.0, ["host=node2"], False),
    (3, 0.5, ["host=node2", "root=default"], True), (0, 1.0, ["host=node9"], False),
    (0, 1.0, [], None),                     # without a location it only re-weights
])
def test_crush_set(osd_id, weight, location, expected):
    assert one("osd crush set", id=osd_id, weight=weight, args=location) is expected


@pytest.mark.parametrize("args, osd_map, expected", [
    ({"name": "osd.0", "ancestor": "node1"}, None, False),
    ({"name": "osd.0", "ancestor": "node1"}, without_link("node1", 0), True),
    ({"name": "osd.0", "ancestor": "node2"}, None, True),
    ({"name": "osd.0", "ancestor": "default"}, None, False),   # linked within its subtree
    ({"name": "osd.0"}, None, False), ({"name": "osd.0"}, without_link("node1", 0), True),
    ({"name": "node1", "ancestor": "default"}, without_link("default", -3), True),
    ({"name": "ghost", "ancestor": "node1"}, None, True),       # nothing of that name
    ({"name": "osd.0", "ancestor": "nowhere"}, None, None),
])
def test_crush_unlink(args, osd_map, expected):
    assert one("osd crush unlink", osd_map, **args) is expected


@pytest.mark.parametrize("osd_map, expected", [(fx.osd_map(erasure=True), False),
                                               (fx.osd_map(), True)])
def test_crush_rule_rm(osd_map, expected):
    assert one("osd crush rule rm", osd_map, name="ecpool") is expected


def test_setcrushmap_cannot_be_judged():
    assert one("osd setcrushmap", data=fx.CRUSH_MAP_TEXT) is None


# ----- a job: several commands ---------------------------------------------------------------

SHOWN = ("osd pool create", {"pool": "rbd"})
MISSING = ("osd pool create", {"pool": "absent"})
UNKNOWABLE = ("osd down", {"ids": ["1"]})


@pytest.mark.parametrize("commands, expected", [
    ([], True),
    ([SHOWN, SHOWN], True),
    ([SHOWN, UNKNOWABLE], None),
    ([SHOWN, MISSING], False), ([MISSING, SHOWN], False),
    ([UNKNOWABLE, MISSING, SHOWN], False),
    (((SHOWN[0], SHOWN[1]), [UNKNOWABLE[0], UNKNOWABLE[1]]), None),   # tuples and lists
])
def test_verdicts_combine(commands, expected):
    assert judge(commands) is expected


def test_a_partially_applied_job_is_false():
    # The pool exists with its new size, but the quota and rename never happened.
    commands = [("osd pool create", {"pool": "rbd", "pg_num": 32}),
                ("osd pool set", {"pool": "rbd", "var": "size", "val": "3"}),
                ("osd pool set-quota", {"pool": "rbd", "field": "max_objects", "val": "10"}),
                ("osd pool rename", {"srcpool": "rbd", "destpool": "fast"})]
    assert judge(commands) is False
    assert judge(commands[:2]) is True


def test_an_unknown_prefix_is_none():
    assert judge([("osd pool mksnap", {"pool": "rbd", "snap": "s"})]) is None


def test_an_unknown_command_after_a_missing_effect_makes_it_indefinite():
    # It may have undone the effect; before the missing one it cannot have.
    unknown = ("osd pool tweak", {"pool": "absent"})
    assert judge([MISSING, unknown]) is None
    assert judge([unknown, MISSING]) is False


def test_names_are_read_as_they_are_at_the_end_of_the_job():
    # The builders set attributes under the old name, then rename (pools and buckets).
    commands = [("osd pool set", {"pool": "rbd", "var": "size", "val": "2"}),
                ("osd pool rename", {"srcpool": "rbd", "destpool": "fast"})]
    assert judge(commands, with_pool("rbd", pool_name="fast", size=2)) is True
    assert judge(commands, with_pool("rbd", pool_name="fast", size=3)) is False
    assert judge(commands) is False
    crush = [("osd crush set", {"id": 0, "weight": 1.0, "args": ["host=node1"]}),
             ("osd crush unlink", {"name": "osd.1", "ancestor": "node1"}),
             ("osd crush rename-bucket", {"srcname": "node1", "dstname": "n1"})]
    renamed = renamed_node1()
    assert judge(crush, renamed) is False                    # osd.1 still linked
    assert judge(crush, without_link("n1", 1, renamed)) is True


def test_a_rename_chain_is_followed():
    commands = [("osd pool set", {"pool": "rbd", "var": "size", "val": "3"}),
                ("osd pool rename", {"srcpool": "rbd", "destpool": "a"}),
                ("osd pool rename", {"srcpool": "a", "destpool": "b"})]
    # The first rename's source is judged only partly (its destination was renamed again).
    assert judge(commands, with_pool("rbd", pool_name="b")) is None
    assert judge(commands) is False


@pytest.mark.parametrize("commands, osd_map, expected", [
    # The later value wins: only it must show.
    ([("osd pool set", {"pool": "rbd", "var": "size", "val": "2"}),
      ("osd pool set", {"pool": "rbd", "var": "size", "val": "3"})], None, True),
    # `set size` resets min_size: an earlier min_size is not expected to show.
    ([("osd pool set", {"pool": "rbd", "var": "min_size", "val": "1"}),
      ("osd pool set", {"pool": "rbd", "var": "size", "val": "3"})], None, True),
    ([("osd pool set", {"pool": "rbd", "var": "size", "val": "3"}),
      ("osd pool set", {"pool": "rbd", "var": "min_size", "val": "1"})], None, False),
    # Created then deleted: only the deletion shows.
    ([("osd pool create", {"pool": "tmp"}), ("osd pool delete", {"pool": "tmp"})], None, True),
    ([("osd pool set", {"pool": "tmp", "var": "size", "val": "9"}),
      ("osd pool delete", {"pool": "tmp"})], None, True),
    # A reweight after `osd in` decides the weight (and in-ness) of the OSD...
    ([("osd in", {"ids": ["3"]}), ("osd reweight", {"id": 3, "weight": 0.0})],
     fx.osd_map(out=[3]), True),
    # ...`osd out` after a reweight zeroes it...
    ([("osd reweight", {"id": 2, "weight": 0.75}), ("osd out", {"ids": ["2"]})],
     fx.osd_map(out=[2]), True),
    # ...but `osd in` of an OSD already in keeps it.
    ([("osd reweight", {"id": 2, "weight": 0.75}), ("osd in", {"ids": ["2"]})], None, False),
    ([("osd reweight", {"id": 2, "weight": 0.5}), ("osd in", {"ids": ["2"]})], None, True),
    ([("osd set", {"key": "noout"}), ("osd unset", {"key": "noout"})], None, True),
    # A bucket added then renamed: the rename is what shows.
    ([("osd crush add-bucket", {"name": "r", "type": "rack"}),
      ("osd crush rename-bucket", {"srcname": "r", "dstname": "rack1"})],
     with_bucket("rack1", 3), True),
    # A later whole CRUSH map may have replaced anything CRUSH: not definite.
    ([("osd crush add-bucket", {"name": "r", "type": "rack"}),
      ("osd setcrushmap", {"data": "…"})], None, None),
    # Partly replaced: a recreated source name means the rename cannot be told apart.
    ([("osd pool rename", {"srcpool": "rbd", "destpool": "cephfs_data"}),
      ("osd pool create", {"pool": "rbd"})], None, None),
])
def test_effects_replaced_by_later_commands(commands, osd_map, expected):
    assert judge(commands, osd_map) is expected


# ----- malformed input -----------------------------------------------------------------------

SAMPLE_COMMANDS = [
    ("osd pool create", {"pool": "rbd", "pg_num": 8}),
    ("osd pool delete", {"pool": "x", "pool2": "x"}),
    ("osd pool rename", {"srcpool": "rbd", "destpool": "y"}),
    ("osd pool set", {"pool": "rbd", "var": "size", "val": "3"}),
    ("osd pool set", {"pool": "rbd", "var": "crush_rule", "val": "replicated_rule"}),
    ("osd pool set", {"pool": "rbd", "var": "hashpspool", "val": "true"}),
    ("osd pool set-quota", {"pool": "rbd", "field": "max_bytes", "val": "1"}),
    ("osd in", {"ids": ["1"]}), ("osd out", {"ids": ["1"]}),
    ("osd reweight", {"id": 1, "weight": 0.5}),
    ("osd set", {"key": "noout"}), ("osd unset", {"key": "noout"}),
    ("osd crush add-bucket", {"name": "r", "type": "rack"}),
    ("osd crush remove", {"name": "osd.1"}),
    ("osd crush rename-bucket", {"srcname": "node1", "dstname": "n1"}),
    ("osd crush move", {"name": "node1", "args": ["rack=r"]}),
    ("osd crush set", {"id": 1, "weight": 1.0, "args": ["host=node1"]}),
    ("osd crush unlink", {"name": "osd.1", "ancestor": "node1"}),
    ("osd crush rule rm", {"name": "replicated_rule"}),
]


# Every section a judge reads is broken at once, each time differently.
CORRUPTIONS = [
    {"pools": "x", "osds": None, "flags": 7, "crush": []},
    {"pools": [1], "osds": [{"osd": 1, "in": "yes", "weight": "1"}], "flags": None,
     "crush": {"buckets": {}, "rules": "x", "types": None, "devices": 5}},
    {"pools": [{"pool_name": ["x"]}], "osds": [{"osd": "1"}], "flags": ["noout"],
     "crush": {"buckets": [{"name": 5}], "types": "x", "rules": [None], "devices": [7]}},
]


def malformed_maps():
    yield from (None, [], "osd map", 42, {})
    for corruption in CORRUPTIONS:
        osd_map = fx.osd_map()
        osd_map.update(corruption)
        yield osd_map


@pytest.mark.parametrize("osd_map", list(malformed_maps()), ids=repr)
@pytest.mark.parametrize("command", SAMPLE_COMMANDS, ids=lambda c: c[0])
def test_a_malformed_map_is_none(command, osd_map):
    assert shows_applied([command], osd_map) is None


def test_malformed_pool_fields_are_none():
    osd_map = with_pool("rbd", size="3", flags=None, flags_names=None, quota_max_bytes=None,
                        type="1", pg_num_target=32.0)
    for var, val in [("size", "3"), ("hashpspool", "true"), ("pg_num", "32")]:
        assert pool_set("rbd", var, val, osd_map) is None
    assert one("osd pool set-quota", osd_map, pool="rbd", field="max_bytes", val="0") is None
    assert one("osd pool create", osd_map, pool="rbd", pool_type="replicated") is None
    # The other pool is fine.
    assert pool_set("cephfs_data", "size", "2", osd_map) is True


def test_malformed_osd_fields_are_none():
    osd_map = fx.osd_map()
    osd_map["osds"][1].update({"in": "yes", "weight": None})
    assert one("osd in", osd_map, ids=["1"]) is None
    assert one("osd reweight", osd_map, id=1, weight=1.0) is None
    assert one("osd in", osd_map, ids=["0"]) is True


def test_malformed_crush_items_are_none():
    osd_map = fx.osd_map()
    bucket_of(osd_map, "node1")["items"] = "x"
    assert one("osd crush move", osd_map, name="osd.0", args=["host=node1"]) is None
    assert one("osd crush set", osd_map, id=0, weight=1.0, args=["host=node1"]) is None
    assert one("osd crush unlink", osd_map, name="osd.0", ancestor="node1") is None
    assert one("osd crush unlink", osd_map, name="osd.0", ancestor="default") is None
    assert one("osd crush add-bucket", osd_map, name="rack1", type="rack") is False
    osd_map["crush"]["types"] = [{"type_id": "1", "name": "host"}]
    assert one("osd crush move", osd_map, name="osd.2", args=["host=node2"]) is None


@pytest.mark.parametrize("commands", [
    None, "osd set", {"osd set": {}}, 42, [None], [["osd set"]], [["osd set", None]],
    [[1, {}]], [["osd set", {"key": 5}]], [["osd set", {}]], [["osd in", {"ids": 3}]],
    [["osd in", {"ids": []}]], [["osd in", {"ids": [None]}]], [["osd out", {"ids": [True]}]],
    [["osd reweight", {"id": True, "weight": 1.0}]], [["osd reweight", {"id": 1}]],
    [["osd pool set", {"pool": ["rbd"], "var": "size", "val": "3"}]],
    [["osd pool set", {"pool": "rbd", "var": {"size": 1}, "val": "3"}]],
    [["osd pool create", {"pool": "rbd", "pool_type": ["x"]}]],
    [["osd pool rename", {"srcpool": "rbd"}]],
    [["osd crush move", {"name": "node1", "args": "rack"}]],
    [["osd crush move", {"name": "node1", "args": [{"rack": "r"}]}]],
    [["osd crush move", {"name": {"x": 1}, "args": ["rack=r"]}]],
    [["osd crush set", {"id": "osd.x", "weight": 1.0, "args": ["host=node1"]}]],
    [["osd crush set", {"id": 0, "weight": "1", "args": ["host=node1"]}]],
    [["osd crush unlink", {"name": "osd.0", "ancestor": ["node1"]}]],
    [["osd crush rule rm", {}]],
])
def test_malformed_commands_are_none(commands):
    assert shows_applied(commands, fx.osd_map()) is None


def test_random_garbage_never_raises():
    rng = random.Random(7)
    atoms = [None, True, 0, -1, 1.5, "", "rbd", "osd.1", "3", "host=node1", "all", [], {},
             ["1"], ["host=node1"], {"a": 1}, float("nan")]
    keys = ["pool", "pool2", "srcpool", "destpool", "var", "val", "field", "ids", "id", "weight",
            "key", "name", "type", "args", "ancestor", "srcname", "dstname", "who", "data"]
    prefixes = [prefix for prefix, _ in SAMPLE_COMMANDS] + ["osd down", "osd setcrushmap", "x"]
    maps = list(malformed_maps()) + [fx.osd_map(), fx.osd_map(erasure=True)]
    for _ in range(3000):
        commands = [(rng.choice(prefixes), {rng.choice(keys): rng.choice(atoms)
                                            for _ in range(rng.randrange(5))})
                    for _ in range(rng.randrange(4))]
        assert shows_applied(commands, rng.choice(maps)) in (True, False, None)


def test_the_map_and_commands_are_not_modified():
    osd_map, commands = fx.osd_map(), copy.deepcopy(SAMPLE_COMMANDS)
    before = copy.deepcopy((osd_map, commands))
    shows_applied(commands, osd_map)
    assert (osd_map, commands) == before


# ----- every builder against the simulator ---------------------------------------------------

STEPS = [{"op": "take", "item_name": "default"},
         {"op": "chooseleaf_firstn", "num": 0, "type": "host"}, {"op": "emit"}]
RULE = {"name": "fast", "root": "default", "type": "host"}


def sim_map(cluster) -> dict:
    return cluster.get_cluster_object("osd_map")["data"]


def prepare(cluster, *commands) -> None:
    result = cluster.apply_commands([list(command) for command in commands])
    assert not result["error"], result["error_status"]


def host_id(cluster, index: int) -> int:
    return next(b["id"] for b in sim_map(cluster)["crush"]["buckets"]
                if b["name"].endswith(f"node{index:03d}"))


def host_name(cluster, index: int) -> str:
    return next(b["name"] for b in sim_map(cluster)["crush"]["buckets"]
                if b["name"].endswith(f"node{index:03d}"))


def config(cluster) -> dict:
    return cluster.get_cluster_object("config")["data"]


# name -> (setup(cluster), plan(cluster, view), verdict before, verdict after)
SCENARIOS = {
    "pool create": (None, lambda c, v: plan_pool_create(
        v, config(c), "ceph", {"name": "p1", "pg_num": 8}), False, True),
    "pool create, every attribute": (None, lambda c, v: plan_pool_create(v, config(c), "ceph", {
        "name": "p1", "pg_num": 16, "pgp_num": 8, "size": 2, "min_size": 1,
        "quota_max_objects": 5, "quota_max_bytes": 1024, "hashpspool": False,
        "crush_ruleset": 0}), False, True),
    "erasure pool create": (None, lambda c, v: plan_pool_create(
        v, config(c), "ceph", {"name": "ec", "pg_num": 8, "type": "erasure"}), False, True),
    "pool update with rename": (None, lambda c, v: plan_pool_update(v, config(c), "ceph", 2, {
        "size": 2, "min_size": 1, "hashpspool": False, "quota_max_bytes": 4096,
        "quota_max_objects": 9, "name": "rbd2"}), False, True),
    "pool growth with rename": (None, lambda c, v: plan_pool_update(
        v, config(c), "ceph", 2, {"pg_num": 128, "name": "big"}), False, True),
    "pool pgp_num": (
        lambda c: prepare(c, ("osd pool create", {"pool": "q", "pg_num": 16, "pgp_num": 8})),
        lambda c, v: plan_pool_update(v, config(c), "ceph", 4, {"pgp_num": 16}), False, True),
    "pool crush_ruleset": (
        lambda c: prepare(c, ("osd crush rule create-replicated", RULE)),
        lambda c, v: plan_pool_update(v, config(c), "ceph", 2, {"crush_ruleset": 1}),
        False, True),
    "pool delete": (None, lambda c, v: plan_pool_delete(v, "ceph", 3), False, True),
    "osd out": (None, lambda c, v: plan_osd_update(v, "ceph", 0, {"in": False}), False, True),
    "osd in": (lambda c: c.set_osd(0, in_=False),
               lambda c, v: plan_osd_update(v, "ceph", 0, {"in": True}), False, True),
    "osd reweight": (None, lambda c, v: plan_osd_update(v, "ceph", 1, {"reweight": 0.3}),
                     False, True),
    "osd in and reweight": (lambda c: c.set_osd(2, in_=False), lambda c, v: plan_osd_update(
        v, "ceph", 2, {"in": True, "reweight": 0.5}), False, True),
    "osd down": (None, lambda c, v: plan_osd_update(v, "ceph", 3, {"up": False}), None, None),
    "osd scrub": (None, lambda c, v: plan_osd_command(v, "ceph", 3, "deep_scrub"), None, None),
    "osd flags set": (None, lambda c, v: plan_osd_config(
        v, "ceph", {"noout": True, "pause": True, "noscrub": True}), False, True),
    "osd flags unset": (
        lambda c: prepare(c, ("osd set", {"key": "noout"}), ("osd set", {"key": "pause"})),
        lambda c, v: plan_osd_config(v, "ceph", {"noout": False, "pause": False}), False, True),
    "crush node create with a host": (None, lambda c, v: plan_crush_node_create(v, "ceph", {
        "name": "rack1", "bucket_type": "rack", "items": [{"id": host_id(c, 0)}]}),
        False, True),
    "crush node create with osds": (None, lambda c, v: plan_crush_node_create(v, "ceph", {
        "name": "h9", "bucket_type": "host", "items": [{"id": 5, "weight": 0.5}, {"id": 6}]}),
        False, True),
    "crush node update with rename": (None, lambda c, v: plan_crush_node_update(
        v, "ceph", host_id(c, 1), {"name": "renamed", "items": [
            {"id": 5}, {"id": 6, "weight": 0.25}, {"id": 0, "weight": 2.0}]}), False, True),
    "crush node update moving a host": (
        lambda c: prepare(c, ("osd crush add-bucket", {"name": "rack1", "type": "rack"})),
        lambda c, v: plan_crush_node_update(v, "ceph", min(v.crush_nodes_by_id), {
            "name": "rack2", "items": [{"id": host_id(c, 2)}]}), False, True),
    "crush node delete": (
        lambda c: prepare(c, ("osd crush add-bucket", {"name": "empty", "type": "rack"})),
        lambda c, v: plan_crush_node_delete(v, "ceph", min(v.crush_nodes_by_id)),
        False, True),
    "crush rule delete": (
        lambda c: prepare(c, ("osd crush rule create-replicated", RULE)),
        lambda c, v: plan_crush_rule_delete(v, "ceph", 1), False, True),
    "crush rule create": (None, lambda c, v: plan_crush_rule_create(v, "ceph", {
        "name": "r2", "type": "replicated", "min_size": 1, "max_size": 10, "steps": STEPS}),
        None, None),
    "crush map": (None, lambda c, v: plan_crush_map("ceph", v.crush_map_text), None, None),
}


def scenario(name):
    setup, build, before, after = SCENARIOS[name]
    cluster = make()
    if setup is not None:
        setup(cluster)
    plan = build(cluster, OsdMapView(sim_map(cluster)))
    return cluster, [list(command) for command in plan.commands], before, after


@pytest.mark.parametrize("name", SCENARIOS)
def test_builder_jobs_show_after_and_not_before(name):
    cluster, commands, before, after = scenario(name)
    assert shows_applied(commands, sim_map(cluster)) is before
    result = cluster.apply_commands(commands)
    assert not result["error"], result["error_status"]
    assert shows_applied(commands, sim_map(cluster)) is after


@pytest.mark.parametrize("name", [name for name, s in SCENARIOS.items() if s[3] is True])
def test_builder_jobs_cut_short_are_false_unless_nothing_is_left_to_do(name):
    """A job stopped after any of its commands (a failure stops it): False, or True only when
    the commands left would change nothing (the pool create's min_size may be the default)."""
    _, commands, _, _ = scenario(name)
    verdicts = []
    for done in range(len(commands)):
        cluster, _, _, _ = scenario(name)
        prepare(cluster, *commands[:done])
        verdict = shows_applied(commands, sim_map(cluster))
        verdicts.append(verdict)
        assert verdict in (True, False), commands[:done]
        if verdict:
            epoch = cluster.versions()["osd_map"]
            prepare(cluster, *commands[done:])
            assert cluster.versions()["osd_map"] == epoch, commands[done:]
    assert verdicts[0] is False           # nothing applied yet


def test_a_job_failing_midway_in_the_simulator_is_false():
    cluster = make()
    commands = [["osd pool create", {"pool": "first", "pg_num": 8}],
                ["osd pool set", {"pool": "first", "var": "size", "val": "eleven"}],
                ["osd pool create", {"pool": "never", "pg_num": 8}]]
    assert cluster.apply_commands(commands)["error"] is True
    assert shows_applied(commands, sim_map(cluster)) is False
    assert shows_applied(commands[:1], sim_map(cluster)) is True


def test_the_simulators_idempotent_repeats_still_show():
    # Running a whole job twice (a retried job) changes nothing the second time.
    cluster, commands, _, _ = scenario("crush node update with rename")
    prepare(cluster, *commands)
    assert shows_applied(commands, sim_map(cluster)) is True
    cluster.apply_commands(commands)
    assert shows_applied(commands, sim_map(cluster)) is True


def test_marking_an_osd_down_then_booting_is_never_false():
    cluster, commands, _, _ = scenario("osd down")
    prepare(cluster, *commands)
    cluster.advance(10)
    assert shows_applied(commands, sim_map(cluster)) is None


def test_host_names_of_the_simulator():
    # The scenarios rely on hosts named …node000 with ids -2, -3, …
    cluster = make()
    assert host_id(cluster, 0) == -2 and host_name(cluster, 0).endswith("node000")
