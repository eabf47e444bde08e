"""SimCluster.apply_commands: CRUSH buckets, OSD placement, rules and `osd setcrushmap`.

After every change the three CRUSH views (crush dump, osd tree, decompiled text) must agree.
"""
from __future__ import annotations

import pytest

from sim.crush.model import fixed
from sim.crush.parse import parse_crush_text
from sim.model import SimCluster
from sim.state import Osd
from tests.unit.sim_helpers import epoch, fail, make, noop, ok, osd_map


W = fixed(Osd.crush_weight)           # every simulated OSD's CRUSH weight, 16.16
W_TEXT = f"{W / 0x10000:.5f}"         # ...as the decompiled map writes it


@pytest.fixture
def cluster() -> SimCluster:
    return make()


def crush(cluster: SimCluster) -> dict:
    """The crush dump without its device-class shadow buckets (assert_shadows checks those)."""
    dump = osd_map(cluster)["crush"]
    return {**dump, "buckets": [b for b in dump["buckets"] if "~" not in b["name"]]}


def bucket(cluster: SimCluster, name: str) -> dict:
    (found,) = [b for b in crush(cluster)["buckets"] if b["name"] == name]
    return found


def item_ids(cluster: SimCluster, name: str) -> list[int]:
    return [i["id"] for i in bucket(cluster, name)["items"]]


def assert_consistent(cluster: SimCluster) -> None:
    """The dump, the tree and the text describe the same map; every bucket has its device-class
    shadows (which the tree leaves out)."""
    data = osd_map(cluster)
    dump, tree = data["crush"], data["tree"]
    assert parse_crush_text(data["crush_map_text"]).dump() == dump
    buckets = {b["id"]: b for b in dump["buckets"] if "~" not in b["name"]}
    assert_shadows(dump, buckets)
    weights = {b["id"]: b["weight"] for b in dump["buckets"]}
    for b in dump["buckets"]:
        assert b["weight"] == sum(i["weight"] for i in b["items"])
        for item in b["items"]:
            if item["id"] < 0:
                assert item["weight"] == weights[item["id"]]
    seen = set()
    for node in tree["nodes"]:
        seen.add(node["id"])
        if node["id"] < 0:
            assert node["children"] == [i["id"] for i in reversed(buckets[node["id"]]["items"])]
            assert node["name"] == buckets[node["id"]]["name"]
    assert seen == set(buckets) | {i["id"] for b in buckets.values() for i in b["items"]}
    assert {n["id"] for n in tree["stray"]} == {o["osd"] for o in data["osds"]} - seen


def assert_shadows(dump: dict, buckets: dict) -> None:
    """One `<name>~<class>` per bucket and class, of its type, holding that class's devices and
    the shadows of its child buckets in the same order."""
    shadows = {b["name"]: b for b in dump["buckets"] if "~" in b["name"]}
    classes = {d["class"] for d in dump["devices"] if d.get("class")}
    device_class = {d["id"]: d.get("class") for d in dump["devices"]}
    assert set(shadows) == {f"{b['name']}~{c}" for b in buckets.values() for c in classes}
    for b in buckets.values():
        for c in classes:
            shadow = shadows[f"{b['name']}~{c}"]
            assert (shadow["type_id"], shadow["alg"]) == (b["type_id"], b["alg"])
            children = [buckets[i["id"]]["name"] + f"~{c}" if i["id"] < 0 else f"osd.{i['id']}"
                        for i in b["items"] if i["id"] < 0 or device_class.get(i["id"]) == c]
            names = {x["id"]: x["name"] for x in shadows.values()}
            assert [names.get(i["id"], f"osd.{i['id']}") for i in shadow["items"]] == children


# ----- buckets ---------------------------------------------------------------------------------

def test_add_bucket(cluster):
    version = osd_map(cluster)["crush_version"]
    assert ok(cluster, "osd crush add-bucket", name="rack1", type="rack") == \
        "added bucket rack1 type rack to crush map"
    rack = bucket(cluster, "rack1")
    assert (rack["id"], rack["type_name"], rack["items"], rack["weight"]) == (-5, "rack", [], 0)
    assert osd_map(cluster)["crush_version"] == version + 1
    nodes = {n["id"]: n for n in osd_map(cluster)["tree"]["nodes"]}
    assert nodes[-5] == {"id": -5, "name": "rack1", "type": "rack", "type_id": 3, "children": []}
    assert_consistent(cluster)
    assert noop(cluster, "osd crush add-bucket", name="rack1", type="rack") == \
        "bucket 'rack1' already exists"
    assert fail(cluster, "osd crush add-bucket", name="x", type="shelf") == \
        "Error EINVAL: type 'shelf' does not exist"
    assert fail(cluster, "osd crush add-bucket", name="x", type="osd") == \
        "Error EINVAL: type 'osd' is for devices, not buckets"
    assert fail(cluster, "osd crush add-bucket", name="a b", type="rack") == \
        "Error EINVAL: error setting bucket name to 'a b'"


def test_add_bucket_at_a_location(cluster):
    ok(cluster, "osd crush add-bucket", name="row1", type="row", args=["root=default"])
    assert item_ids(cluster, "default")[-1] == bucket(cluster, "row1")["id"]
    assert fail(cluster, "osd crush add-bucket", name="r2", type="rack", args=["row=ceph0-node000"]) \
        == "Error EINVAL: (22) Invalid argument"     # a host is not a row: Ceph says no more
    assert_consistent(cluster)


def test_move_unlinks_from_the_old_parent(cluster):
    ok(cluster, "osd crush add-bucket", name="rack1", type="rack")
    ok(cluster, "osd crush move", name="rack1", args=["root=default"])
    ok(cluster, "osd crush move", name="ceph0-node000", args=["rack=rack1"])
    assert item_ids(cluster, "default") == [-3, -4, -5]  # node000 (-2) is gone from the root
    assert item_ids(cluster, "rack1") == [-2]
    assert bucket(cluster, "rack1")["weight"] == 4 * W
    assert bucket(cluster, "default")["weight"] == 12 * W
    depth = {n["id"]: n["depth"] for n in osd_map(cluster)["tree"]["nodes"] if n["id"] >= 0}
    assert (depth[0], depth[4]) == (3, 2)
    assert_consistent(cluster)
    assert noop(cluster, "osd crush move", name="ceph0-node000", args=["rack=rack1"]) == \
        "no need to move item id -2 name 'ceph0-node000' to location {rack=rack1} in crush map"


def test_move_creates_missing_ancestors(cluster):
    ok(cluster, "osd crush move", name="ceph0-node001", args=["rack=rack2", "root=default"])
    rack2 = bucket(cluster, "rack2")
    assert [i["id"] for i in rack2["items"]] == [-3]
    assert rack2["id"] in item_ids(cluster, "default") and -3 not in item_ids(cluster, "default")
    assert_consistent(cluster)


def test_move_errors(cluster):
    ok(cluster, "osd crush add-bucket", name="rack1", type="rack", args=["root=default"])
    assert fail(cluster, "osd crush move", name="nope", args=["root=default"]) == \
        "Error ENOENT: item nope does not exist"
    assert fail(cluster, "osd crush move", name="default", args=["rack=rack1"]) == \
        "Error EINVAL: cannot place 'default' under 'rack1': it would create a loop"
    assert fail(cluster, "osd crush move", name="rack1", args=["rack=ceph0-node000"]) == \
        "Error EINVAL: (22) Invalid argument"
    assert fail(cluster, "osd crush move", name="rack1", args=["shelf=a"]) == \
        "Error EINVAL: invalid location 'shelf=a': unknown type 'shelf'"
    assert fail(cluster, "osd crush move", name="rack1", args=[]) == \
        "Error EINVAL: (22) Invalid argument"
    assert fail(cluster, "osd crush move", name="rack1", args="root=default") == \
        "Error EINVAL: bad or missing field 'args'"


def test_remove_buckets_only_when_empty(cluster):
    ok(cluster, "osd crush add-bucket", name="spare", type="host")
    ok(cluster, "osd crush remove", name="spare")
    assert "spare" not in [b["name"] for b in crush(cluster)["buckets"]]
    assert fail(cluster, "osd crush remove", name="ceph0-node000") == \
        "Error ENOTEMPTY: (39) Directory not empty"
    assert noop(cluster, "osd crush remove", name="spare") == \
        "device 'spare' does not appear in the crush map"
    assert fail(cluster, "osd crush remove", name="osd.1", ancestor="nope") == \
        "Error ENOENT: ancestor item 'nope' does not appear in the crush map"
    ok(cluster, "osd crush add-bucket", name="other", type="root")
    ok(cluster, "osd crush rule create-replicated", name="r", root="other", type="host")
    assert fail(cluster, "osd crush remove", name="other") == \
        "Error EBUSY: (16) Device or resource busy"
    assert_consistent(cluster)


def test_unlink_keeps_the_item_and_answers_as_pacific(cluster):
    """Pacific 16.2.15's answers, including its successes that change nothing."""
    ok(cluster, "osd crush add-bucket", name="rack1", type="rack", args=["root=default"])
    ok(cluster, "osd crush move", name="ceph0-node000", args=["rack=rack1"])
    assert ok(cluster, "osd crush unlink", name="osd.3", ancestor="ceph0-node000") == \
        "removed item id 3 name 'osd.3' from crush map"
    assert 3 not in item_ids(cluster, "ceph0-node000")
    assert {"id": 3, "name": "osd.3", "class": "hdd"} in crush(cluster)["devices"]  # still named
    assert [n["id"] for n in osd_map(cluster)["tree"]["stray"]] == [3]
    assert noop(cluster, "osd crush unlink", name="osd.3", ancestor="ceph0-node000") == \
        "item 3 does not appear in that position"
    assert noop(cluster, "osd crush unlink", name="zzz", ancestor="rack1") == \
        "device 'zzz' does not appear in the crush map"
    assert fail(cluster, "osd crush unlink", name="osd.2", ancestor="zzz") == \
        "Error ENOENT: ancestor item 'zzz' does not appear in the crush map"
    ok(cluster, "osd crush unlink", name="ceph0-node000", ancestor="default")  # under rack1
    assert item_ids(cluster, "rack1") == []
    assert_consistent(cluster)


def test_rename_bucket(cluster):
    ok(cluster, "osd crush add-bucket", name="rack1", type="rack", args=["root=default"])
    assert ok(cluster, "osd crush rename-bucket", srcname="rack1", dstname="rackA") == \
        "renamed bucket rack1 into rackA"
    assert "rackA" in [b["name"] for b in crush(cluster)["buckets"]]
    assert noop(cluster, "osd crush rename-bucket", srcname="rack1", dstname="rackA") == \
        "srcname = 'rack1' does not exist and dstname = 'rackA' already exists"
    assert fail(cluster, "osd crush rename-bucket", srcname="rack1", dstname="rackB") == \
        "Error ENOENT: srcname = 'rack1' does not exist"
    assert fail(cluster, "osd crush rename-bucket", srcname="rackA", dstname="default") == \
        "Error EEXIST: dstname = 'default' already exists"
    assert fail(cluster, "osd crush rename-bucket", srcname="rackA", dstname="bad name!") == \
        "Error EINVAL: dstname = 'bad name!' does not match [-_.0-9a-zA-Z]+"
    assert fail(cluster, "osd crush rename-bucket", srcname="osd.0", dstname="disk0") == \
        "Error ENOTDIR: srcname = 'osd.0' is not a bucket because its id = 0 is >= 0"
    assert_consistent(cluster)


def test_remove_an_osd_from_crush_then_place_it_again(cluster):
    ok(cluster, "osd crush remove", name="osd.3")
    data = osd_map(cluster)
    assert 3 not in item_ids(cluster, "ceph0-node000")
    assert 3 not in [d["id"] for d in data["crush"]["devices"]]
    assert [n["id"] for n in data["tree"]["stray"]] == [3]
    assert data["osds"][3]["up"] == 1  # still in the OSD map
    assert_consistent(cluster)
    ok(cluster, "osd crush add", id=3, weight=0.5, args=["host=ceph0-node001"])
    assert bucket(cluster, "ceph0-node001")["items"][-1] == {"id": 3, "weight": 0x8000, "pos": 4}
    assert {"id": 3, "name": "osd.3", "class": "hdd"} in crush(cluster)["devices"]
    assert osd_map(cluster)["tree"]["stray"] == []
    assert noop(cluster, "osd crush add", id=3, weight=0.5, args=["host=ceph0-node001"]) == \
        "set item id 3 name 'osd.3' weight 0.5 at location {host=ceph0-node001}: no change"
    assert_consistent(cluster)


def test_crush_add_and_set_errors(cluster):
    assert fail(cluster, "osd crush add", id=99, weight=1.0, args=["host=ceph0-node000"]) == \
        "Error ENOENT: osd.99 does not exist. Create it before updating the crush map"
    for weight in ("heavy", 1):     # a CephFloat is a JSON float, nothing else
        assert fail(cluster, "osd crush add", id=1, weight=weight, args=["host=ceph0-node000"]) \
            == "Error EINVAL: bad or missing field 'weight'"
    assert fail(cluster, "osd crush add", id="1", weight=1.0, args=["host=ceph0-node000"]) == \
        "Error EINVAL: bad or missing field 'id'"
    assert fail(cluster, "osd crush add", id=1, weight=-1.0, args=["host=ceph0-node000"]) == \
        "Error EOVERFLOW: (75) Value too large for defined data type"
    ok(cluster, "osd crush unlink", name="osd.1")
    # an OSD CRUSH still names (unlinked: in the tree's stray list) can be set somewhere again
    ok(cluster, "osd crush set", id=1, weight=1.0, args=["host=ceph0-node001"])
    assert 1 in item_ids(cluster, "ceph0-node001")
    ok(cluster, "osd crush remove", name="osd.1")
    assert fail(cluster, "osd crush set", id=1, weight=1.0, args=["host=ceph0-node000"]) == (
        "Error ENOENT: unable to set item id 1 name 'osd.1' weight 1 at location "
        "{host=ceph0-node000}: does not exist")


def test_crush_set_moves_an_osd(cluster):
    ok(cluster, "osd crush set", id=0, weight=2.0, args=["host=ceph0-node002"])
    assert 0 not in item_ids(cluster, "ceph0-node000")
    assert bucket(cluster, "ceph0-node002")["items"][-1] == {"id": 0, "weight": 0x20000, "pos": 4}
    assert_consistent(cluster)


def test_crush_reweight(cluster):
    ok(cluster, "osd crush reweight", name="osd.3", weight=2.5)
    assert bucket(cluster, "ceph0-node000")["weight"] == 3 * W + fixed(2.5)
    assert bucket(cluster, "default")["weight"] == 11 * W + fixed(2.5)
    assert [n["crush_weight"] for n in osd_map(cluster)["tree"]["nodes"] if n["id"] == 3] == [2.5]
    assert noop(cluster, "osd crush reweight", name="osd.3", weight=2.5) == \
        "reweighted item id 3 name 'osd.3' to 2.5 in crush map"
    assert fail(cluster, "osd crush reweight", name="ceph0-node000", weight=1.0) == \
        "Error EINVAL: device 'ceph0-node000' is not a leaf in the crush map"
    assert fail(cluster, "osd crush reweight", name="osd.99", weight=1.0) == \
        "Error ENOENT: device 'osd.99' does not appear in the crush map"
    assert fail(cluster, "osd crush reweight", name="osd.3", weight=-1.0) == \
        "Error EOVERFLOW: (75) Value too large for defined data type"
    assert_consistent(cluster)


# ----- rules -----------------------------------------------------------------------------------

def test_rule_create_replicated(cluster):
    ok(cluster, "osd crush rule create-replicated", name="by-rack", root="default", type="rack")
    rule = crush(cluster)["rules"][1]
    assert (rule["rule_id"], rule["ruleset"], rule["rule_name"], rule["type"]) == (1, 1, "by-rack", 1)
    assert rule["steps"] == [{"op": "take", "item": -1, "item_name": "default"},
                             {"op": "chooseleaf_firstn", "num": 0, "type": "rack"}, {"op": "emit"}]
    ok(cluster, "osd crush rule create-replicated", name="hdd", root="default", type="host",
       **{"class": "hdd"})
    assert crush(cluster)["rules"][2]["steps"][0]["item_name"] == "default~hdd"
    assert "\tstep take default class hdd\n" in osd_map(cluster)["crush_map_text"]
    assert_consistent(cluster)
    assert noop(cluster, "osd crush rule create-replicated", name="hdd", root="default",
                type="host") == "rule hdd already exists"
    assert fail(cluster, "osd crush rule create-replicated", name="x", root="nope", type="host") == \
        "Error ENOENT: root item nope does not exist"
    assert fail(cluster, "osd crush rule create-replicated", name="x", root="default", type="shelf") \
        == "Error EINVAL: unknown type shelf"
    assert fail(cluster, "osd crush rule create-replicated", name="x", root="default", type="host",
                **{"class": "ssd"}) == "Error EINVAL: device class ssd does not exist"


def test_rule_create_erasure(cluster):
    ok(cluster, "osd crush rule create-erasure", name="ec", profile="default")
    rule = crush(cluster)["rules"][1]
    assert (rule["type"], rule["min_size"], rule["max_size"]) == (3, 3, 4)
    assert rule["steps"][2:] == [{"op": "take", "item": -1, "item_name": "default"},
                                 {"op": "chooseleaf_indep", "num": 0, "type": "host"},
                                 {"op": "emit"}]
    assert_consistent(cluster)
    assert fail(cluster, "osd crush rule create-erasure", name="ec2", profile="nope") == \
        "Error ENOENT: erasure code profile nope does not exist"


def test_rule_rm(cluster):
    assert fail(cluster, "osd crush rule rm", name="replicated_rule") == \
        "Error EBUSY: crush ruleset replicated_rule 0 is in use"
    ok(cluster, "osd crush rule create-replicated", name="tmp", root="default", type="host")
    ok(cluster, "osd crush rule rm", name="tmp")
    assert [r["rule_name"] for r in crush(cluster)["rules"]] == ["replicated_rule"]
    assert noop(cluster, "osd crush rule rm", name="tmp") == "rule tmp does not exist"
    assert_consistent(cluster)


def test_rule_rename(cluster):
    ok(cluster, "osd crush rule rename", srcname="replicated_rule", dstname="three_hosts")
    assert crush(cluster)["rules"][0]["rule_name"] == "three_hosts"
    assert noop(cluster, "osd crush rule rename", srcname="replicated_rule", dstname="three_hosts") \
        == "already renamed to 'three_hosts'"
    assert fail(cluster, "osd crush rule rename", srcname="nope", dstname="other") == \
        "Error ENOENT: source rule name 'nope' does not exist"
    ok(cluster, "osd crush rule create-replicated", name="r2", root="default", type="host")
    assert fail(cluster, "osd crush rule rename", srcname="r2", dstname="three_hosts") == \
        "Error EEXIST: destination rule name 'three_hosts' already exists"
    assert_consistent(cluster)


# ----- osd setcrushmap -------------------------------------------------------------------------

def test_setcrushmap_of_the_current_text_still_commits(cluster):
    """Pacific commits an uploaded map even when nothing in it changed."""
    ok(cluster, "osd crush add-bucket", name="rack1", type="rack", args=["root=default"])
    data = osd_map(cluster)
    assert ok(cluster, "osd setcrushmap", data=data["crush_map_text"]) == \
        str(data["crush_version"] + 1)
    assert osd_map(cluster)["crush"] == data["crush"]


def test_setcrushmap_replaces_buckets_and_rules(cluster):
    text = osd_map(cluster)["crush_map_text"]
    text = text.replace("# rules\n", "# rules\nrule fast {\n\tid 5\n\ttype replicated\n"
                        "\tstep take default\n\tstep chooseleaf firstn 0 type osd\n\tstep emit\n}\n")
    text = text.replace(f"\titem osd.0 weight {W_TEXT}", "\titem osd.0 weight 3.00000")
    version = osd_map(cluster)["crush_version"]
    assert ok(cluster, "osd setcrushmap", data=text) == str(version + 1)  # Ceph's status
    data = osd_map(cluster)
    assert data["crush_version"] == version + 1
    assert [(r["rule_id"], r["rule_name"]) for r in data["crush"]["rules"]] == [(0, "replicated_rule"),
                                                                                (5, "fast")]
    assert bucket(cluster, "ceph0-node000")["weight"] == 3 * W + fixed(3.0)
    assert [n["crush_weight"] for n in data["tree"]["nodes"] if n["id"] == 0] == [3.0]
    assert_consistent(cluster)


def test_setcrushmap_rejections(cluster):
    text = osd_map(cluster)["crush_map_text"]
    line = text.splitlines().index("\talg straw2") + 1
    assert fail(cluster, "osd setcrushmap", data=text.replace("alg straw2", "alg fancy", 1)) == \
        f"Error EINVAL: failed to parse crush map: line {line}: unknown bucket algorithm 'fancy'"
    assert fail(cluster, "osd setcrushmap", data="rule {") == \
        "Error EINVAL: failed to parse crush map: line 1: unexpected end of map, expected '{'"
    dropped = text.replace("device 11 osd.11 class hdd\n", "").replace(
        f"\titem osd.11 weight {W_TEXT}\n", "")
    assert fail(cluster, "osd setcrushmap", data=dropped) == (
        "Error EINVAL: the new crush map drops osd.11, which still exists (remove it with 'osd "
        "crush remove osd.11' first)")
    extra = text.replace("device 11 osd.11 class hdd\n", "device 11 osd.11 class hdd\ndevice 12 osd.12\n")
    assert fail(cluster, "osd setcrushmap", data=extra) == \
        "Error ERANGE: crushmap max_devices 13 > osdmap max_osd 12"
    no_rule = text.replace("rule replicated_rule {", "rule other {").replace("\tid 0\n", "\tid 1\n")
    assert fail(cluster, "osd setcrushmap", data=no_rule) == \
        "Error EINVAL:  the crush rule no 0 for pool id 1 is in use"
    assert fail(cluster, "osd setcrushmap", data="") == "Error EINVAL: no crush map text in 'data'"


def test_crush_read_commands(cluster):
    result = cluster.apply_commands([["osd crush rule ls", {}], ["osd crush dump", {}],
                                     ["osd tree", {}], ["osd dump", {}]])
    data = osd_map(cluster)
    assert result["results"][0] == ["replicated_rule"]
    assert result["results"][1] == data["crush"] and result["results"][2] == data["tree"]
    assert result["results"][3]["epoch"] == epoch(cluster) and "tree" not in result["results"][3]
