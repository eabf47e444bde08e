"""OSD update, OSD command and OSD flag plans."""
from __future__ import annotations

import pytest

from actors.cluster.commands import plan_osd_command, plan_osd_config, plan_osd_update
from actors.errors import Conflict, Invalid, NotFound
from actors.requests.plans import JOB, OSD_MAP
from actors.cluster.views.osd_map import OsdMapView
from tests.unit import ceph_fixtures as fx


def view(**kwargs) -> OsdMapView:
    return OsdMapView(fx.osd_map(**kwargs))


def update(osd_id, attrs, v=None):
    return plan_osd_update(v or view(), fx.CLUSTER, osd_id, attrs)


# -- PATCH /osd/<id> --------------------------------------------------------------------------

def test_mark_out():
    plan = update(3, {"in": False})
    assert plan.headline == "Marking ceph-osd.3 out"
    assert plan.commands == (("osd out", {"ids": ["3"]}),)
    assert plan.completion == OSD_MAP and plan.associate is True


def test_mark_in():
    plan = update(3, {"in": True}, view(out=[3]))
    assert plan.headline == "Marking ceph-osd.3 in"
    assert plan.commands == (("osd in", {"ids": ["3"]}),)


def test_mark_down():
    plan = update(0, {"up": False})
    assert plan.headline == "Marking ceph-osd.0 down"
    assert plan.commands == (("osd down", {"ids": ["0"]}),)


def test_reweight():
    plan = update(3, {"reweight": 0.5})
    assert plan.headline == "Re-weighting ceph-osd.3 to 50.0%"
    assert plan.commands == (("osd reweight", {"id": 3, "weight": 0.5}),)
    assert update(3, {"reweight": "0.125"}).headline == "Re-weighting ceph-osd.3 to 12.5%"


def test_several_changes_are_listed_sorted():
    plan = update(3, {"up": False, "in": False})
    assert plan.headline == "Modifying ceph-osd.3 (in=False, up=False)"
    assert plan.commands == (("osd out", {"ids": ["3"]}), ("osd down", {"ids": ["3"]}))


@pytest.mark.parametrize("attrs", [
    {}, {"in": True}, {"up": True}, {"reweight": 1.0}, {"reweight": 1},
    {"in": True, "up": True, "reweight": 1.0}, {"reweight": 1.0 - 1e-7},
])
def test_no_op_updates_give_none(attrs):
    assert update(0, attrs) is None


def test_no_op_on_a_down_out_reweighted_osd():
    v = view(down=[2], out=[4])
    assert update(2, {"up": False, "reweight": 0.5}, v) is None
    assert update(4, {"in": False, "reweight": 0.0}, v) is None


def test_marking_in_resets_the_reweight_to_one():
    v = view(out=[3])
    assert update(3, {"in": True, "reweight": 1.0}, v).commands == (("osd in", {"ids": ["3"]}),)
    assert update(3, {"in": True, "reweight": 0.5}, v).commands == (
        ("osd in", {"ids": ["3"]}), ("osd reweight", {"id": 3, "weight": 0.5}))


def test_marking_a_down_osd_up_is_invalid_not_a_server_error():
    with pytest.raises(Invalid) as excinfo:
        update(2, {"up": True}, view(down=[2]))
    assert excinfo.value.status == 400
    assert excinfo.value.errors == {
        "up": ["cannot mark an OSD up: it comes up by itself when its daemon runs"]}


def test_reweighting_while_marking_out_is_invalid():
    with pytest.raises(Invalid) as excinfo:
        update(3, {"in": False, "reweight": 0.5})
    assert list(excinfo.value.errors) == ["reweight"]


@pytest.mark.parametrize("attrs, field", [
    ({"reweight": 1.5}, "reweight"), ({"reweight": -0.1}, "reweight"),
    ({"reweight": True}, "reweight"), ({"reweight": "half"}, "reweight"),
    ({"reweight": float("nan")}, "reweight"), ({"in": "true"}, "in"), ({"up": 0}, "up"),
    ({"reweight": 10**400}, "reweight"),        # float() of it overflows: once a 500
    ({"uuid": "x"}, "uuid"), ({"id": 3}, "id"),
])
def test_invalid_osd_fields(attrs, field):
    with pytest.raises(Invalid) as excinfo:
        update(3, attrs)
    assert list(excinfo.value.errors) == [field]


def test_unknown_osd_is_not_found():
    with pytest.raises(NotFound):
        update(42, {"in": False})


# -- POST /osd/<id>/command/<command> ---------------------------------------------------------

@pytest.mark.parametrize("command, prefix, headline", [
    ("scrub", "osd scrub", "Initiating scrub on ceph-osd.4"),
    ("deep_scrub", "osd deep-scrub", "Initiating deep-scrub on ceph-osd.4"),
    ("repair", "osd repair", "Initiating repair on ceph-osd.4"),
])
def test_osd_commands(command, prefix, headline):
    plan = plan_osd_command(view(), fx.CLUSTER, 4, command)
    assert plan.headline == headline
    assert plan.commands == ((prefix, {"who": "4"}),)
    assert plan.completion == JOB and plan.associate is False


def test_unknown_command_is_not_found():
    with pytest.raises(NotFound) as excinfo:
        plan_osd_command(view(), fx.CLUSTER, 4, "deep-scrub")
    assert excinfo.value.detail == "unknown OSD command 'deep-scrub'"


def test_command_on_a_down_osd_is_a_conflict():
    with pytest.raises(Conflict) as excinfo:
        plan_osd_command(view(down=[3]), fx.CLUSTER, 3, "scrub")
    assert excinfo.value.detail == "scrub not valid on OSD 3: it is down"


def test_command_on_an_unknown_osd_is_not_found():
    with pytest.raises(NotFound):
        plan_osd_command(view(), fx.CLUSTER, 9, "scrub")


# -- PATCH /osd_config ------------------------------------------------------------------------

def test_set_a_flag():
    plan = plan_osd_config(view(), fx.CLUSTER, {"noout": True, "noscrub": False})
    assert plan.headline == "Modifying OSD config ceph (noout=True)"
    assert plan.commands == (("osd set", {"key": "noout"}),)
    assert plan.completion == OSD_MAP


def test_flags_diff_against_the_map_and_pause_is_one_flag():
    v = view(flags="sortbitwise,noout,pauserd,pausewr,nodeep-scrub")
    plan = plan_osd_config(v, fx.CLUSTER, {"pause": False, "noout": False, "noin": True,
                                           "nodeep-scrub": True, "nodown": False})
    assert plan.headline == "Modifying OSD config ceph (noin=True, noout=False, pause=False)"
    assert plan.commands == (("osd unset", {"key": "pause"}), ("osd unset", {"key": "noout"}),
                             ("osd set", {"key": "noin"}))       # in FLAG_NAMES order


def test_pause_needs_both_pause_flags_to_count_as_set():
    plan = plan_osd_config(view(flags="pauserd"), fx.CLUSTER, {"pause": True})
    assert plan.commands == (("osd set", {"key": "pause"}),)


@pytest.mark.parametrize("attrs", [{}, {"noout": False}, {"pause": False, "noup": False}])
def test_unchanged_flags_give_none(attrs):
    assert plan_osd_config(view(), fx.CLUSTER, attrs) is None


@pytest.mark.parametrize("attrs, field", [
    ({"sortbitwise": True}, "sortbitwise"), ({"noout": 1}, "noout"),
    ({"noout": "true"}, "noout"), ({"pauserd": True}, "pauserd"),
])
def test_invalid_flags_are_400_not_403(attrs, field):
    with pytest.raises(Invalid) as excinfo:
        plan_osd_config(view(), fx.CLUSTER, attrs)
    assert excinfo.value.status == 400
    assert list(excinfo.value.errors) == [field]
