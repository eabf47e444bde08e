"""The table of changes (actors/cluster/changes.py PLANNERS): keyed by ChangeOp and ChangeKind
members, every member used, and a pair it does not have still refused with NotFound."""
from __future__ import annotations

import pytest

from actors.cluster.changes import PLANNERS, plan
from actors.cluster.views.osd_map import OsdMapView
from actors.errors import NotFound
from actors.messages import ChangeKind, ChangeOp, PlanChange
from tests.unit import ceph_fixtures as fx


def change(op, kind, ident=None, attrs=None) -> PlanChange:
    return PlanChange(op, kind, ident, attrs or {}, "admin", None)


def test_the_table_is_keyed_by_members_and_uses_every_one():
    assert all(type(op) is ChangeOp and type(kind) is ChangeKind for op, kind in PLANNERS)
    assert {op for op, _ in PLANNERS} == set(ChangeOp)
    assert {kind for _, kind in PLANNERS} == set(ChangeKind)


def test_a_change_reaches_its_planner():
    view = OsdMapView(fx.osd_map())
    scrub = plan(view, None, fx.CLUSTER, change(ChangeOp.COMMAND, ChangeKind.OSD, 4, {"command": "scrub"}))
    assert scrub.commands == (("osd scrub", {"who": "4"}),)
    out = plan(view, None, fx.CLUSTER, change(ChangeOp.UPDATE, ChangeKind.OSD, 3, {"in": False}))
    assert out.commands == (("osd out", {"ids": ["3"]}),)


def test_a_pair_without_a_planner_is_not_found():
    with pytest.raises(NotFound) as raised:
        plan(OsdMapView(fx.osd_map()), None, fx.CLUSTER, change(ChangeOp.CREATE, ChangeKind.OSD))
    assert raised.value.detail == "cannot create a osd"     # members format as their value
