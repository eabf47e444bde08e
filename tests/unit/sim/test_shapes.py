"""The sync-object shape comparator of the real-Ceph fidelity tests (tests/real_ceph/shapes.py)."""
from __future__ import annotations

import pytest

from agent.backend import SYNC_TYPES
from tests.real_ceph.shapes import ALSO_COMPARED, DAEMON_READS, kind, shape_differences

REAL = {
    "epoch": 12,
    "created": "2026-11-27T01:06:14.027320+0000",
    "pools": [{"pool": 1, "pool_name": "rbd", "flags": 1, "options": {}},
              {"pool": 2, "pool_name": "data", "flags": 1, "options": {"pg_num_min": 1}}],
    "osds": [{"osd": 0, "up": 1, "weight": 1}, {"osd": 1, "up": 0, "weight": 0.5}],
    "tree": {"nodes": [{"id": -1, "children": [0, 1]}, {"id": 0, "crush_weight": 0.0009918}],
             "stray": []},
    "by_pool": {"1": {"active+clean": 8}, "2": {"active+clean": 4, "creating": 4}},
}


def sim(**changes) -> dict:
    """REAL with top-level keys replaced (a deep copy, so tests may edit nested parts)."""
    import copy
    data = copy.deepcopy(REAL)
    data.update(changes)
    return data


def test_identical_objects_have_no_differences():
    paths = ["epoch", "created", "pools[].pool_name", "pools[].options{}", "osds[].up",
             "tree.nodes[].children[]", "tree.nodes[].crush_weight", "tree.stray", "by_pool{}.{}"]
    assert shape_differences(REAL, sim(), paths) == []


def test_a_missing_key_on_either_side():
    data = sim()
    del data["epoch"]
    assert shape_differences(REAL, data, ["epoch"]) == ["epoch: missing in simulated"]
    assert shape_differences(data, REAL, ["epoch"]) == ["epoch: missing in real"]


def test_a_key_missing_from_every_list_element():
    data = sim()
    for pool in data["pools"]:
        del pool["pool_name"]
    assert shape_differences(REAL, data, ["pools[].pool_name"]) == \
        ["pools[].pool_name: missing in simulated"]


def test_an_optional_key_present_in_some_elements_is_fine():
    """Only buckets have `children`, only devices `crush_weight`: both sides have some."""
    data = sim()
    data["tree"]["nodes"].append({"id": 1, "crush_weight": 2.5})
    assert shape_differences(REAL, data, ["tree.nodes[].children", "tree.nodes[].crush_weight"]) \
        == []


def test_a_type_difference_inside_list_elements():
    data = sim()
    data["pools"][1]["pool_name"] = 2
    assert shape_differences(REAL, data, ["pools[].pool_name"]) == \
        ["pools[].pool_name: real string, simulated int/string"]


def test_bool_is_not_int():
    data = sim()
    data["osds"][0]["up"] = True
    assert shape_differences(REAL, data, ["osds[].up"]) == \
        ["osds[].up: real int, simulated bool/int"]


def test_whole_floats_are_ints_but_fractions_must_match():
    """Ceph prints 1.0 as 1: whole floats and ints are one shape; a fraction on one side only
    is a difference (weights the simulator would print as whole numbers, or the reverse)."""
    data = sim()
    data["osds"][0]["weight"] = 1.0
    assert shape_differences(REAL, data, ["osds[].weight"]) == []
    data["tree"]["nodes"][1]["crush_weight"] = 1
    assert shape_differences(REAL, data, ["tree.nodes[].crush_weight"]) == [
        "tree.nodes[].crush_weight: real has fractional numbers, simulated only whole ones"]
    assert shape_differences(data, REAL, ["tree.nodes[].crush_weight"]) == [
        "tree.nodes[].crush_weight: simulated has fractional numbers, real only whole ones"]


def test_timestamp_spellings_are_different_shapes():
    data = sim(created="2026-11-27T01:06:14.027320Z")
    assert shape_differences(REAL, data, ["created"]) == \
        ["created: real string(time+0000), simulated string(timeZ)"]
    assert kind("ceph version 16.2.15 (618f440892089921c3e944a991122ddc44e60516) pacific "
                "(stable)") == "string(ceph-version)"
    assert kind("") == "string" and kind(None) == "null"


def test_container_kinds_differ():
    assert shape_differences(REAL, sim(pools={}), ["pools[].pool"]) == \
        ["pools: real list, simulated object"]


def test_elements_real_has_and_the_simulator_lacks():
    assert shape_differences(REAL, sim(pools=[]), ["pools[].pool_name", "pools[].flags"]) == \
        ["pools: real has 2 elements, simulated none"]
    assert shape_differences(REAL, sim(by_pool={}), ["by_pool{}.{}"]) == \
        ["by_pool: real has 2 elements, simulated none"]


def test_nothing_real_to_compare_against_is_no_difference():
    """An empty list or map on the real side (no pg_temp today) says nothing about shapes."""
    real = sim(pools=[], by_pool={})
    assert shape_differences(real, REAL, ["pools[].pool_name", "by_pool{}.{}", "tree.stray[].id",
                                          "pools[].options{}"]) == []
    assert shape_differences({"a": {}}, {"a": {}}, ["a.b.c"]) == []


def test_map_values_and_nested_maps():
    data = sim()
    data["by_pool"]["2"]["creating"] = "4"
    assert shape_differences(REAL, data, ["by_pool{}.{}"]) == \
        ["by_pool{}.{}: real int, simulated int/string"]
    data = sim()
    data["pools"][1]["options"] = {"pg_num_min": "1"}
    assert shape_differences(REAL, data, ["pools[].options{}"]) == \
        ["pools[].options{}: real int, simulated string"]


def test_only_the_first_difference_along_a_path_is_reported_once():
    data = sim(tree={"nodes": "none", "stray": []})
    assert shape_differences(REAL, data, ["tree.nodes[].id", "tree.nodes[].children"]) == \
        ["tree.nodes: real list, simulated string"]


def test_bad_paths_are_refused():
    for bad in ("a..b", "a[]x", "a[", ""):
        with pytest.raises(ValueError):
            shape_differences(REAL, REAL, [bad])


def test_the_path_tables_cover_every_sync_type_and_parse():
    assert set(DAEMON_READS) == set(SYNC_TYPES)
    assert set(ALSO_COMPARED) <= set(SYNC_TYPES)
    for sync_type, paths in {**DAEMON_READS, **ALSO_COMPARED}.items():
        assert shape_differences({}, {}, paths) == [], sync_type
