"""The diff every plan carries (actors/cluster/diffs.py, set by changes.plan): {field: [before,
after]} for each (op, kind) the API plans, from the same view as the planner."""
from __future__ import annotations

from actors.cluster.changes import PLANNERS, plan
from actors.cluster import diffs
from actors.cluster.diffs import DIFFS, text_digest
from actors.cluster.views.osd_map import OsdMapView
from actors.messages import ChangeKind as K, ChangeOp as Op, PlanChange
from tests.unit import ceph_fixtures as fx

STEPS = [{"op": "take", "item_name": "default"}, {"op": "chooseleaf_firstn", "num": 0, "type": "host"},
         {"op": "emit"}]


def changes(op, kind, ident=None, attrs=None, view=None) -> dict:
    planned = plan(view or OsdMapView(fx.osd_map()), fx.config(), fx.CLUSTER,
                   PlanChange(op, kind, ident, attrs or {}, "admin", None))
    return planned.changes


def test_every_planned_pair_has_a_diff():
    assert set(DIFFS) == set(PLANNERS)


def test_pool_create_lists_every_attribute_from_nothing():
    diff = changes(Op.CREATE, K.POOL, None, {"name": "new", "pg_num": 16, "size": 2})
    assert diff["name"] == [None, "new"] and diff["pg_num"] == [None, 16] and diff["pgp_num"] == [None, 16]
    assert diff["size"] == [None, 2] and diff["min_size"] == [None, 1] and diff["type"] == [None, "replicated"]


def test_pool_update_lists_only_what_changes_with_the_min_size_ceph_will_have():
    diff = changes(Op.UPDATE, K.POOL, 1, {"size": 3, "quota_max_bytes": 10, "name": "rbd2"})
    assert diff == {"quota_max_bytes": [0, 10], "name": ["rbd", "rbd2"]}
    assert changes(Op.UPDATE, K.POOL, 1, {"size": 1}) == {"size": [3, 1], "min_size": [2, 1]}


def test_pool_delete_lists_what_is_lost():
    diff = changes(Op.DELETE, K.POOL, 2)
    assert diff["name"] == ["cephfs_data", None] and diff["quota_max_objects"] == [1000, None]
    assert "id" not in diff and "full" not in diff


def test_osd_out_and_in_move_the_reweight_as_ceph_does():
    assert changes(Op.UPDATE, K.OSD, 3, {"in": False}) == {"in": [True, False], "reweight": [1.0, 0.0]}
    out = OsdMapView(fx.osd_map(out={3}))
    assert changes(Op.UPDATE, K.OSD, 3, {"in": True, "reweight": 0.5}, out) == \
        {"in": [False, True], "reweight": [0.0, 0.5]}
    assert changes(Op.UPDATE, K.OSD, 0, {"up": False}) == {"up": [True, False]}


def test_osd_commands_change_no_field_and_flags_say_before_and_after():
    assert changes(Op.COMMAND, K.OSD, 4, {"command": "scrub"}) == {}
    assert changes(Op.UPDATE, K.OSD_CONFIG, None, {"noout": True, "pause": False}) == {"noout": [False, True]}


def test_crush_node_create_update_and_delete():
    created = changes(Op.CREATE, K.CRUSH_NODE, None, {"name": "rack1", "bucket_type": "rack",
                                                      "items": [{"id": -3}]})
    assert created["name"] == [None, "rack1"] and created["items"] == [None, [{"id": -3, "weight": 2.0}]]
    assert created["parent:node1"] == ["default", "rack1"]
    updated = changes(Op.UPDATE, K.CRUSH_NODE, -3, {"items": [{"id": 0, "weight": 0.5}], "name": "n1"})
    assert updated["name"] == ["node1", "n1"]
    assert updated["items"] == [[{"id": 0, "weight": 1.0}, {"id": 1, "weight": 1.0}], [{"id": 0, "weight": 0.5}]]
    moved = changes(Op.UPDATE, K.CRUSH_NODE, -3, {"items": [{"id": 0}, {"id": 1}, {"id": 2}]})
    assert moved["parent:osd.2"] == ["node2", "node1"]
    empty = OsdMapView(fx.osd_map())
    empty.crush_nodes_by_id[-7]["items"] = []
    deleted = changes(Op.DELETE, K.CRUSH_NODE, -7, view=empty)
    assert deleted["name"] == ["node3", None] and deleted["parent:node3"] == ["default", None]


def test_crush_rules_and_the_whole_map():
    rule = {"name": "fast", "ruleset": 5, "type": "replicated", "min_size": 1, "max_size": 10, "steps": STEPS}
    assert changes(Op.CREATE, K.CRUSH_RULE, None, rule)["ruleset"] == [None, 5]
    unnamed = {key: value for key, value in rule.items() if key != "ruleset"}
    assert changes(Op.CREATE, K.CRUSH_RULE, None, unnamed)["ruleset"] == [None, 1]   # the first free one
    # (the fixture's map text names its rule otherwise, so the planner refuses: the diff alone)
    assert diffs.crush_rule_update(OsdMapView(fx.osd_map()), 0, {"max_size": 5, "min_size": 1}) == \
        {"max_size": [10, 5]}
    assert changes(Op.DELETE, K.CRUSH_RULE, 0, view=OsdMapView({**fx.osd_map(), "pools": []}))["name"] == \
        ["replicated_rule", None]
    replaced = changes(Op.UPDATE, K.CRUSH_MAP, None, {"text": fx.CRUSH_MAP_TEXT})["crush_map"]
    assert replaced[0] == text_digest(fx.CRUSH_MAP_TEXT) and replaced[1].startswith("sha256:")
    assert text_digest("") is None
