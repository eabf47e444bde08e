"""The inverse of a completed change (actors/requests/revert.py): what it sets, what it expects
the cluster to still show, and the changes it refuses."""
from __future__ import annotations

import pytest

from actors.errors import Conflict, Invalid
from actors.messages import ChangeKind
from actors.requests.machine import RequestState
from actors.requests.revert import check_not_moved_on, inverse_of

FSID = "f" * 8


def done(kind: str, changes: dict, ident=1, **fields) -> RequestState:
    return RequestState(id="r1", headline="h", requested_at=1.0, fsid=FSID, kind=kind, ident=ident,
                        changes={k: tuple(v) for k, v in changes.items()}, state="complete",
                        completed_at=2.0, **fields)


@pytest.mark.parametrize("kind, changes, expected_kind", [
    ("update_pool", {"size": [3, 2], "min_size": [2, 1], "name": ["a", "b"]}, ChangeKind.POOL),
    ("update_pool", {"quota_max_objects": [0, 42]}, ChangeKind.POOL),
    ("update_osd", {"in": [True, False], "reweight": [0.8, 0.0]}, ChangeKind.OSD),
    ("update_osd_config", {"noout": [False, True]}, ChangeKind.OSD_CONFIG),
    ("update_crush_rule", {"min_size": [1, 2], "steps": [[{"op": "emit"}], [{"op": "take"}]]},
     ChangeKind.CRUSH_RULE),
    ("update_crush_node", {"name": ["rack1", "rack2"]}, ChangeKind.CRUSH_NODE),
])
def test_the_inverse_sets_each_field_back_and_expects_its_after(kind, changes, expected_kind):
    inverse = inverse_of(done(kind, changes, ident=7))
    assert (inverse.kind, inverse.ident) == (expected_kind, 7)
    assert inverse.attrs == {field: pair[0] for field, pair in changes.items()}
    assert inverse.expect == {field: pair[1] for field, pair in changes.items()}


@pytest.mark.parametrize("state, why", [
    (done("create_pool", {"name": [None, "p"]}), "create_pool change has no inverse"),
    (done("delete_pool", {"name": ["p", None]}), "delete_pool change has no inverse"),
    (done("command_osd", {}), "command_osd change has no inverse"),
    (done("update_crush_map", {"crush_map": ["a", "b"]}), "update_crush_map change has no inverse"),
    (done("create_crush_node", {"name": [None, "n"]}), "create_crush_node change has no inverse"),
    (done("delete_crush_rule", {"name": ["r", None]}), "delete_crush_rule change has no inverse"),
    (done("job", {}, ident=None), "job change has no inverse"),
    (done("update_pool", {"pg_num": [8, 16]}), "pg_num"),
    (done("update_osd", {"up": [True, False]}), "up"),
    (done("update_pool", {}), "recorded no changes"),
    (done("update_pool", {"size": [3, 2]}, error=True, error_message="x"), "did not succeed"),
    (RequestState(id="r1", headline="h", requested_at=1.0, fsid=FSID, kind="update_pool",
                  changes={"size": (3, 2)}), "has not completed"),
])
def test_changes_without_an_inverse_are_refused_naming_why(state, why):
    with pytest.raises(Invalid) as refused:
        inverse_of(state)
    assert why in refused.value.detail and "request" in refused.value.errors


NODES = [{"id": -1, "name": "default", "items": [{"id": -2, "weight": 1.0, "pos": 0}]},
         {"id": -5, "name": "other", "items": [{"id": -3, "weight": 2.0, "pos": 0}]},
         {"id": -2, "name": "host-a", "items": []}, {"id": -3, "name": "host-b", "items": []}]


def test_a_crush_move_is_undone_by_linking_the_child_back_into_its_old_parent():
    moved = done("update_crush_node", {
        "items": [[], [{"id": -3, "weight": 2.0}, {"id": 4, "weight": 0.5}]],
        "parent:host-b": ["default", "other"], "parent:osd.4": ["default", "other"]}, ident=-5)
    inverse = inverse_of(moved, NODES)
    assert (inverse.kind, inverse.ident) == (ChangeKind.CRUSH_NODE, -1)
    assert inverse.attrs == {"items": [{"id": -2, "weight": 1.0}, {"id": -3, "weight": 2.0},
                                       {"id": 4, "weight": 0.5}]}
    assert inverse.expect == {"parent:host-b": "other", "parent:osd.4": "other"}


def test_a_crush_move_is_refused_when_its_old_parent_is_gone_or_it_did_more():
    moved = done("update_crush_node", {"items": [[], [{"id": -3, "weight": 2.0}]],
                                       "parent:host-b": ["gone", "other"]}, ident=-5)
    with pytest.raises(Conflict) as gone:
        inverse_of(moved, NODES)
    assert "parent:host-b" in gone.value.errors
    renamed = done("update_crush_node", {"name": ["o", "other"], "parent:host-b": ["default", "other"]})
    with pytest.raises(Invalid, match="name"):
        inverse_of(renamed, NODES)
    from_nowhere = done("update_crush_node", {"parent:host-b": [None, "other"]})
    with pytest.raises(Invalid, match="one parent"):
        inverse_of(from_nowhere, NODES)


def test_moved_on_names_the_first_field_no_longer_as_the_change_left_it():
    check_not_moved_on({"size": 2, "name": "b"}, {"size": [2, 3], "name": ["b", "a"]})
    check_not_moved_on({"reweight": 0.8}, {"reweight": [0.80000001, 1.0]})   # read back as a float
    with pytest.raises(Conflict) as moved:
        check_not_moved_on({"size": 2, "name": "b"}, {"size": [2, 3], "name": ["c", "a"]})
    assert list(moved.value.errors) == ["name"] and 'name is now "c", not "b"' in moved.value.detail
    with pytest.raises(Conflict) as back:                # set back by hand: nothing to undo
        check_not_moved_on({"size": 2}, {})
    assert list(back.value.errors) == ["size"]
    with pytest.raises(Conflict):
        check_not_moved_on({"size": 2}, None)            # the inverse would change nothing
