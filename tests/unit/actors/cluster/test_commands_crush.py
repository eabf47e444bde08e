"""CRUSH node, rule and map plans."""
from __future__ import annotations

import pytest

from actors.cluster.commands import (
    plan_crush_map, plan_crush_node_create, plan_crush_node_delete, plan_crush_node_update,
    plan_crush_rule_create, plan_crush_rule_delete, plan_crush_rule_update)
from actors.errors import Conflict, Invalid, NotFound, Unavailable
from actors.requests.plans import OSD_MAP
from actors.cluster.views.osd_map import OsdMapView
from tests.unit import ceph_fixtures as fx

CLUSTER = fx.CLUSTER

# crushtool -d of the fixture cluster with the erasure rule (ceph_fixtures.osd_map(erasure=True)).
MAP_HEAD = """\
# begin crush map
tunable choose_total_tries 50
tunable chooseleaf_vary_r 1

# devices
device 0 osd.0 class hdd
device 1 osd.1 class hdd
device 2 osd.2 class hdd
device 3 osd.3 class hdd
device 4 osd.4 class hdd
device 5 osd.5 class ssd

# types
""" + "".join(f"type {i} {name}\n" for i, name in enumerate(fx.CRUSH_TYPES)) + """
# buckets
host node1 {
\tid -3\t\t# do not change unnecessarily
\tid -4 class hdd\t\t# do not change unnecessarily
\t# weight 2.00000
\talg straw2
\thash 0\t# rjenkins1
\titem osd.0 weight 1.00000
\titem osd.1 weight 1.00000
}
host node2 {
\tid -5\t\t# do not change unnecessarily
\t# weight 2.00000
\talg straw2
\thash 0\t# rjenkins1
\titem osd.2 weight 1.50000
\titem osd.3 weight 0.50000
}
host node3 {
\tid -7\t\t# do not change unnecessarily
\t# weight 1.25000
\talg straw2
\thash 0\t# rjenkins1
\titem osd.4 weight 1.00000
\titem osd.5 weight 0.25000
}
root default {
\tid -1\t\t# do not change unnecessarily
\tid -2 class hdd\t\t# do not change unnecessarily
\t# weight 5.25000
\talg straw2
\thash 0\t# rjenkins1
\titem node1 weight 2.00000
\titem node2 weight 2.00000
\titem node3 weight 1.25000
}

# rules
"""
REPLICATED_BLOCK = """\
rule replicated_rule {
\tid 0
\ttype replicated
\tmin_size 1
\tmax_size 10
\tstep take default
\tstep chooseleaf firstn 0 type host
\tstep emit
}"""
ECPOOL_BLOCK = """\
rule ecpool {
\tid 1
\ttype erasure
\tmin_size 3
\tmax_size 3
\tstep set_chooseleaf_tries 5
\tstep set_choose_tries 100
\tstep take default class hdd
\tstep chooseleaf indep 0 type host
\tstep emit
}"""
MAP_TAIL = "\n\n# end crush map\n"
MAP_TEXT = MAP_HEAD + REPLICATED_BLOCK + "\n" + ECPOOL_BLOCK + MAP_TAIL

TAKE_DEFAULT = [{"op": "take", "item_name": "default"},
                {"op": "chooseleaf_firstn", "num": 0, "type": "host"}, {"op": "emit"}]
FAST_RULE = {"name": "fast", "type": "replicated", "min_size": 1, "max_size": 10,
             "steps": TAKE_DEFAULT}


def fast_block(rule_id: int, name: str = "fast", take: str = "default") -> str:
    return (f"rule {name} {{\n\tid {rule_id}\n\ttype replicated\n\tmin_size 1\n\tmax_size 10\n"
            f"\tstep take {take}\n\tstep chooseleaf firstn 0 type host\n\tstep emit\n}}")


def view(text: str = MAP_TEXT, extra_rules=(), pools=(), empty_buckets=(),
         erasure: bool = True) -> OsdMapView:
    data = fx.osd_map(erasure=erasure)
    data["crush_map_text"] = text
    data["crush"]["rules"].extend(extra_rules)
    data["pools"].extend(pools)
    for bucket_id, name, type_id in empty_buckets:
        data["crush"]["buckets"].append({"id": bucket_id, "name": name, "type_id": type_id,
                                         "type_name": fx.CRUSH_TYPES[type_id], "weight": 0,
                                         "alg": "straw2", "hash": "rjenkins1", "items": []})
    return OsdMapView(data)


def uploaded(plan) -> str:
    ((prefix, args),) = plan.commands
    assert prefix == "osd setcrushmap" and plan.completion == OSD_MAP
    return args["data"]


# -- CRUSH nodes ------------------------------------------------------------------------------

def test_create_node_with_a_bucket_and_osd_children():
    plan = plan_crush_node_create(view(), CLUSTER, {
        "name": "rack1", "bucket_type": "rack",
        "items": [{"id": -3, "weight": 2.0, "pos": 0}, {"id": 5, "weight": 0.25, "pos": 1},
                  {"id": 2}]})
    assert plan.headline == "Creating CRUSH node 'rack1' in ceph"
    assert plan.completion == OSD_MAP
    assert plan.commands == (
        ("osd crush add-bucket", {"name": "rack1", "type": "rack"}),
        ("osd crush move", {"name": "node1", "args": ["rack=rack1"]}),
        ("osd crush set", {"id": 5, "weight": 0.25, "args": ["rack=rack1"]}),
        ("osd crush set", {"id": 2, "weight": 1.5, "args": ["rack=rack1"]}))   # its weight


def test_create_empty_node():
    plan = plan_crush_node_create(view(), CLUSTER, {"name": "dc1", "bucket_type": "datacenter"})
    assert plan.commands == (("osd crush add-bucket", {"name": "dc1", "type": "datacenter"}),)


@pytest.mark.parametrize("item_id", [-2000, 99])
def test_unknown_child_is_not_found(item_id):
    with pytest.raises(NotFound) as excinfo:
        plan_crush_node_create(view(), CLUSTER, {"name": "r", "bucket_type": "rack",
                                                 "items": [{"id": -3}, {"id": item_id}]})
    assert excinfo.value.status == 404
    assert excinfo.value.errors == {"items": [f"item {item_id} not found"]}


@pytest.mark.parametrize("name", ["node1", "default", "osd.3"])
def test_duplicate_node_name_is_a_conflict(name):
    with pytest.raises(Conflict) as excinfo:
        plan_crush_node_create(view(), CLUSTER, {"name": name, "bucket_type": "rack"})
    assert list(excinfo.value.errors) == ["name"]


@pytest.mark.parametrize("attrs, errors", [
    ({}, {"name": ["Required during POST"], "bucket_type": ["Required during POST"]}),
    ({"name": "r", "bucket_type": "shelf"}, {"bucket_type": ["unknown CRUSH type 'shelf'"]}),
    ({"name": "r", "bucket_type": "osd"},
     {"bucket_type": ["'osd' is the device type, not a bucket type"]}),
    ({"name": "r 1", "bucket_type": "rack"},
     {"name": ["Must contain only letters, digits, '_', '-' and '.'."]}),
    ({"name": "r", "bucket_type": "rack", "id": -20},
     {"id": ["CRUSH bucket ids are assigned by Ceph"]}),
    ({"name": "r", "bucket_type": "rack", "items": [{"id": 1}, {"id": 1}]},
     {"items": ["item 1: id 1 is listed twice"]}),
    ({"name": "r", "bucket_type": "rack", "items": [{"weight": 1}, {"id": 0, "x": 1}]},
     {"items": ["item 0: id: required", "item 1: unexpected key 'x'"]}),
    ({"name": "r", "bucket_type": "rack", "items": {"id": 1}}, {"items": ["Must be a list."]}),
    ({"name": "r", "bucket_type": "rack", "alg": "straw"}, {"alg": ["Not allowed during POST"]}),
])
def test_invalid_node_bodies(attrs, errors):
    with pytest.raises(Invalid) as excinfo:
        plan_crush_node_create(view(), CLUSTER, attrs)
    assert excinfo.value.errors == errors


def test_update_drops_items_by_unlinking_them():
    plan = plan_crush_node_update(view(), CLUSTER, -1, {"items": [{"id": -3}, {"id": -5}]})
    assert plan.headline == "Updating CRUSH node 'default' in ceph"
    assert plan.commands == (("osd crush unlink", {"name": "node3", "ancestor": "default"}),)
    plan = plan_crush_node_update(view(), CLUSTER, -3, {"items": [{"id": 0}]})
    assert plan.commands == (("osd crush unlink", {"name": "osd.1", "ancestor": "node1"}),)


def test_update_adds_new_items_and_reweights_changed_osds():
    plan = plan_crush_node_update(view(), CLUSTER, -3, {
        "name": "node1", "bucket_type": "host",
        "items": [{"id": 0, "weight": 1.0}, {"id": 1, "weight": 0.75}, {"id": 4}]})
    assert plan.commands == (
        ("osd crush set", {"id": 1, "weight": 0.75, "args": ["host=node1"]}),
        ("osd crush set", {"id": 4, "weight": 1.0, "args": ["host=node1"]}))


def test_update_moves_a_host_into_a_rack_and_renames_last():
    v = view(empty_buckets=[(-9, "rack1", 3)])
    plan = plan_crush_node_update(v, CLUSTER, -9, {"name": "rack-a", "items": [{"id": -5}]})
    assert plan.headline == "Updating CRUSH node 'rack1' in ceph"
    assert plan.commands == (
        ("osd crush move", {"name": "node2", "args": ["rack=rack1"]}),
        ("osd crush rename-bucket", {"srcname": "rack1", "dstname": "rack-a"}))


@pytest.mark.parametrize("attrs", [
    {}, {"name": "node2"}, {"bucket_type": "host"},
    {"items": [{"id": 3, "weight": 0.5, "pos": 1}, {"id": 2, "weight": 1.5, "pos": 0}]},
    {"items": [{"id": 2}, {"id": 3}]},
])
def test_update_without_changes_is_a_no_op(attrs):
    assert plan_crush_node_update(view(), CLUSTER, -5, attrs) is None


def test_update_errors():
    with pytest.raises(Invalid) as excinfo:
        plan_crush_node_update(view(), CLUSTER, -5, {"bucket_type": "rack"})
    assert excinfo.value.errors == {"bucket_type": ["bucket_type cannot change"]}
    with pytest.raises(Conflict):
        plan_crush_node_update(view(), CLUSTER, -5, {"name": "node1"})
    with pytest.raises(Invalid) as excinfo:
        plan_crush_node_update(view(), CLUSTER, -5, {"items": [{"id": -1}, {"id": -5}]})
    assert excinfo.value.errors == {"items": ["item 0: -1 contains this node",
                                              "item 1: -5 contains this node"]}
    with pytest.raises(Invalid) as excinfo:
        plan_crush_node_update(view(), CLUSTER, -5, {"id": -5})
    assert excinfo.value.errors == {"id": ["Not allowed during PATCH"]}


def test_update_unknown_node_or_child_is_not_found():
    with pytest.raises(NotFound):
        plan_crush_node_update(view(), CLUSTER, -99, {"name": "x"})
    with pytest.raises(NotFound):
        plan_crush_node_update(view(), CLUSTER, -5, {"items": [{"id": -2000}]})


def test_delete_empty_node():
    plan = plan_crush_node_delete(view(empty_buckets=[(-9, "rack1", 3)]), CLUSTER, -9)
    assert plan.headline == "Removing CRUSH node 'rack1' in ceph"
    assert plan.commands == (("osd crush remove", {"name": "rack1"}),)


def test_delete_non_empty_node_is_a_conflict_and_unknown_is_not_found():
    with pytest.raises(Conflict) as excinfo:
        plan_crush_node_delete(view(), CLUSTER, -3)
    assert excinfo.value.detail == "Cannot delete a bucket that still contains items"
    with pytest.raises(NotFound):
        plan_crush_node_delete(view(), CLUSTER, -99)


# -- CRUSH rules: create ----------------------------------------------------------------------

def test_create_rule_inserts_it_after_the_last_rule():
    plan = plan_crush_rule_create(view(), CLUSTER, FAST_RULE)
    assert plan.headline == "Creating CRUSH rule 'fast' in ceph"
    assert uploaded(plan) == MAP_TEXT.replace(ECPOOL_BLOCK, ECPOOL_BLOCK + "\n" + fast_block(2))


def small_osd3_view(text: str) -> OsdMapView:
    """The fixture cluster with osd.3 weighing 26/65536 (a 384 MiB OSD), which Pacific's
    crushtool -d prints as "0.000"."""
    data = fx.osd_map(erasure=True)
    data["crush_map_text"] = text.replace("item osd.3 weight 0.50000", "item osd.3 weight 0.000")
    node2 = next(b for b in data["crush"]["buckets"] if b["name"] == "node2")
    next(i for i in node2["items"] if i["id"] == 3)["weight"] = 26
    return OsdMapView(data)


def test_a_rule_change_sends_the_map_back_with_the_weights_it_had():
    """Compiled back as crushtool -d printed it, a rule created or changed would move every
    CRUSH weight (osd.3's to 0). The map sent back carries the crush dump's weights; a weight
    text already right stays as it was."""
    for plan in (plan_crush_rule_create(small_osd3_view(MAP_TEXT), CLUSTER, FAST_RULE),
                 plan_crush_rule_update(small_osd3_view(MAP_TEXT), CLUSTER, 0, {"max_size": 9})):
        text = uploaded(plan)
        assert "\titem osd.3 weight 0.000396728515625\n" in text and "weight 0.000\n" not in text
        assert "\titem osd.2 weight 1.50000\n" in text and "\titem osd.0 weight 1.00000\n" in text


def test_a_crush_map_written_back_as_read_keeps_its_weights_and_takes_changed_ones():
    v = small_osd3_view(MAP_TEXT)
    text = uploaded(plan_crush_map(CLUSTER, v.crush_map_text, v.raw["crush"]))
    assert "\titem osd.3 weight 0.000396728515625\n" in text
    changed = v.crush_map_text.replace("item osd.3 weight 0.000", "item osd.3 weight 0.002")
    assert uploaded(plan_crush_map(CLUSTER, changed, v.raw["crush"])) == changed


def test_create_rule_with_explicit_ruleset_and_take_by_item_id():
    plan = plan_crush_rule_create(view(), CLUSTER, {
        **FAST_RULE, "ruleset": "17",
        "steps": [{"op": "take", "item": -3}, {"op": "chooseleaf_firstn", "num": 0,
                                               "type": "host"}, {"op": "emit"}]})
    assert fast_block(17, take="node1") in uploaded(plan)


def test_default_ruleset_is_the_lowest_free_id_never_a_collision():
    # Two rules, ids 0 and 2: the original's "number of rules" default (2) would collide.
    v = view(text=MAP_HEAD + REPLICATED_BLOCK + "\n" + fast_block(2, "other") + MAP_TAIL,
             extra_rules=[fx.rule(2, "other", TAKE_DEFAULT)], erasure=False)
    assert fast_block(1) in uploaded(plan_crush_rule_create(v, CLUSTER, FAST_RULE))
    v2 = view(extra_rules=[fx.rule(2, "other", TAKE_DEFAULT, ruleset=3)])
    assert fast_block(4) in uploaded(plan_crush_rule_create(v2, CLUSTER, FAST_RULE))


def test_explicit_ruleset_in_use_and_duplicate_name_are_conflicts():
    with pytest.raises(Conflict) as excinfo:
        plan_crush_rule_create(view(), CLUSTER, {**FAST_RULE, "ruleset": 1})
    assert excinfo.value.errors == {"ruleset": ["CRUSH ruleset 1 already in use"]}
    with pytest.raises(Conflict) as excinfo:
        plan_crush_rule_create(view(), CLUSTER, {**FAST_RULE, "name": "ecpool"})
    assert excinfo.value.errors == {"name": ["CRUSH rule ecpool already exists"]}


def test_create_rule_requires_its_fields():
    with pytest.raises(Invalid) as excinfo:
        plan_crush_rule_create(view(), CLUSTER, {"ruleset": 300, "id": 3})
    assert excinfo.value.errors == {
        "ruleset": ["Ensure this value is less than or equal to 255."],
        "id": ["Not allowed during POST"],
        **{field: ["Required during POST"]
           for field in ("name", "type", "min_size", "max_size", "steps")}}


@pytest.mark.parametrize("steps, problem", [
    ([], "a rule needs at least one step"),
    ([{"op": "take"}], "step 0: item_name or item: required"),
    ([{"op": "take", "item_name": "nowhere"}], "step 0: unknown CRUSH item 'nowhere'"),
    ([{"op": "take", "item_name": "default~nvme"}], "step 0: unknown device class 'nvme'"),
    ([{"op": "take", "item": -2000}], "step 0: unknown CRUSH item -2000"),
    ([{"op": "emit", "num": 1}], "step 0: 'num' not valid for emit"),
    ([{"op": "chooseleaf_firstn", "num": 0}], "step 0: type: required"),
    ([{"op": "choose_indep", "num": 0, "type": "shelf"}], "step 0: unknown CRUSH type 'shelf'"),
    ([{"op": "set_choose_tries"}], "step 0: num: required"),
    ([{"emit": True}], "step 0: unexpected key 'emit'"),
    ([{"op": "emit"}, {"op": "noop"}], "step 1: unknown op 'noop'"),
    (["emit"], "step 0: must be an object"),
])
def test_invalid_steps(steps, problem):
    with pytest.raises(Invalid) as excinfo:
        plan_crush_rule_create(view(), CLUSTER, {**FAST_RULE, "steps": steps})
    assert problem in excinfo.value.errors["steps"]


def test_min_size_above_max_size_is_invalid():
    with pytest.raises(Invalid) as excinfo:
        plan_crush_rule_create(view(), CLUSTER, {**FAST_RULE, "min_size": 11})
    assert excinfo.value.errors == {"min_size": ["must be <= max_size"]}


def test_rule_edits_need_the_map_text():
    with pytest.raises(Unavailable):
        plan_crush_rule_create(view(text=""), CLUSTER, FAST_RULE)


# -- CRUSH rules: update ----------------------------------------------------------------------

def test_patch_steps_replaces_only_that_rule():
    plan = plan_crush_rule_update(view(), CLUSTER, 0, {"steps": [
        {"op": "take", "item_name": "default~hdd"},
        {"op": "chooseleaf_firstn", "num": 0, "type": "host"}, {"op": "emit"}]})
    assert plan.headline == "Updating CRUSH rule 'replicated_rule' in ceph"
    new_block = REPLICATED_BLOCK.replace("take default", "take default class hdd")
    assert uploaded(plan) == MAP_TEXT.replace(REPLICATED_BLOCK, new_block)


def test_patch_merges_the_current_rule_with_the_body():
    plan = plan_crush_rule_update(view(), CLUSTER, 1, {"max_size": 4, "name": "ec"})
    new_block = ECPOOL_BLOCK.replace("rule ecpool", "rule ec").replace("max_size 3", "max_size 4")
    assert uploaded(plan) == MAP_TEXT.replace(ECPOOL_BLOCK, new_block)


def test_patch_matches_the_exact_rule_name_not_a_prefix():
    # `foobar` comes first and a comment line follows `foo`.
    text = (MAP_HEAD + REPLICATED_BLOCK + "\n" + fast_block(5, "foobar") + "\n"
            + fast_block(6, "foo") + "\n# keep this comment\n" + ECPOOL_BLOCK + MAP_TAIL)
    v = view(text=text, extra_rules=[fx.rule(5, "foobar", TAKE_DEFAULT),
                                     fx.rule(6, "foo", TAKE_DEFAULT)])
    plan = plan_crush_rule_update(v, CLUSTER, 6, {"max_size": 5})
    assert uploaded(plan) == text.replace(
        fast_block(6, "foo"), fast_block(6, "foo").replace("max_size 10", "max_size 5"))


@pytest.mark.parametrize("attrs", [{}, {"name": "ecpool"}, {"min_size": "3", "ruleset": 1}])
def test_patch_without_changes_is_a_no_op(attrs):
    assert plan_crush_rule_update(view(), CLUSTER, 1, attrs) is None


def test_patch_ruleset_of_a_rule_used_by_a_pool_is_a_conflict_naming_it():
    with pytest.raises(Conflict) as excinfo:
        plan_crush_rule_update(view(), CLUSTER, 1, {"ruleset": 9})
    assert excinfo.value.errors == {"ruleset": ["rule ecpool is used by pool ecpool"]}
    v = view(extra_rules=[fx.rule(2, "spare", TAKE_DEFAULT)])
    with pytest.raises(Conflict):
        plan_crush_rule_update(v, CLUSTER, 2, {"ruleset": 0})


def test_patch_ruleset_of_an_unused_rule():
    text = MAP_HEAD + REPLICATED_BLOCK + "\n" + ECPOOL_BLOCK + "\n" + fast_block(2, "spare") \
        + MAP_TAIL
    v = view(text=text, extra_rules=[fx.rule(2, "spare", TAKE_DEFAULT)])
    plan = plan_crush_rule_update(v, CLUSTER, 2, {"ruleset": 7})
    assert uploaded(plan) == text.replace(fast_block(2, "spare"), fast_block(7, "spare"))


def test_patch_errors():
    with pytest.raises(NotFound):
        plan_crush_rule_update(view(), CLUSTER, 9, {"max_size": 4})
    with pytest.raises(Invalid) as excinfo:
        plan_crush_rule_update(view(), CLUSTER, 0, {"type": "erasure", "id": 0})
    assert excinfo.value.errors == {"type": ["Not allowed during PATCH"],
                                    "id": ["Not allowed during PATCH"]}
    with pytest.raises(Conflict):
        plan_crush_rule_update(view(), CLUSTER, 0, {"name": "ecpool"})


def test_patch_of_a_rule_missing_from_the_text_is_unavailable():
    with pytest.raises(Unavailable):
        plan_crush_rule_update(view(text=MAP_HEAD + REPLICATED_BLOCK + MAP_TAIL), CLUSTER, 1,
                               {"max_size": 4})


# -- CRUSH rules: delete ----------------------------------------------------------------------

def test_delete_unused_rule():
    plan = plan_crush_rule_delete(view(extra_rules=[fx.rule(2, "spare", TAKE_DEFAULT)]),
                                  CLUSTER, 2)
    assert plan.headline == "Removing CRUSH rule 'spare' in ceph"
    assert plan.commands == (("osd crush rule rm", {"name": "spare"}),)
    assert plan.completion == OSD_MAP


def test_delete_rule_in_use_is_a_conflict_naming_the_pools():
    with pytest.raises(Conflict) as excinfo:
        plan_crush_rule_delete(view(), CLUSTER, 0)
    assert excinfo.value.detail == "CRUSH rule 'replicated_rule' is in use by pool(s) " \
                                   "'rbd', 'cephfs_data'"


def test_delete_unknown_rule_is_not_found():
    with pytest.raises(NotFound) as excinfo:
        plan_crush_rule_delete(view(), CLUSTER, 9)
    assert excinfo.value.status == 404


# -- CRUSH map --------------------------------------------------------------------------------

def test_replace_crush_map():
    plan = plan_crush_map(CLUSTER, MAP_TEXT)
    assert plan.headline == "Replacing CRUSH map in ceph"
    assert plan.commands == (("osd setcrushmap", {"data": MAP_TEXT}),)
    assert plan.completion == OSD_MAP


@pytest.mark.parametrize("text", [
    "", "  \n", None, b"rule x {}", {"data": MAP_TEXT}, "# only comments\n",
    MAP_TEXT.replace("}", "", 1), "rule x { id 0 ] }", "bogus 1 2\n",
])
def test_malformed_crush_maps_are_invalid(text):
    with pytest.raises(Invalid) as excinfo:
        plan_crush_map(CLUSTER, text)
    assert excinfo.value.status == 400
    assert list(excinfo.value.errors) == ["crush_map"]
