"""The dry-run preview (actors/requests/previews.py) and the write options (actors/change_options.py):
the pure parts, and the asking with stand-ins for the agent and the usage read."""
from __future__ import annotations

import json

import pytest

from actors.change_options import ChangeOptions, parse_change_options
from actors.errors import Invalid, Unavailable
from actors.requests import previews as p
from actors.requests.plans import PG_GROWTH, PgGrowth, Plan
from actors.runtime.futures import done, failed

# As a real Pacific single-OSD cluster prints them (size-1 pools).
OK_TO_STOP_NO = {"out": '{"ok_to_stop":false,"osds":[0],"num_ok_pgs":0,"num_not_ok_pgs":1,'
                        '"bad_become_inactive":["1.0"]}\n',
                 "err": "Error EBUSY: unsafe to stop osd(s) at this time (1 PGs are or would become offline)\n",
                 "status": 16}
SAFE_TO_DESTROY_NO = {"out": '{"safe_to_destroy":[],"active":[0],"missing_stats":[],"stored_pgs":[]}',
                      "err": "", "status": 0}
OUT = Plan("Marking osd.0 out", (("osd out", {"ids": ["0"]}),), changes={"in": [True, False]})


@pytest.mark.parametrize("query, options", [
    ({}, ChangeOptions()), ({"dry_run": ["1"]}, ChangeOptions(dry_run=True)),
    ({"dry_run": ["TRUE"], "force": ["0"]}, ChangeOptions(dry_run=True)),
    ({"force": ["true", "1"]}, ChangeOptions(force=True)), ({"other": ["x"]}, ChangeOptions())])
def test_write_options(query, options):
    assert parse_change_options(query) == options


@pytest.mark.parametrize("query, name", [({"dry_run": ["yes"]}, "dry_run"), ({"force": [""]}, "force"),
                                         ({"dry_run": ["1", "false"]}, "dry_run")])
def test_bad_write_options_name_the_parameter(query, name):
    with pytest.raises(Invalid) as raised:
        parse_change_options(query)
    assert list(raised.value.errors) == [name]


def test_growth_steps_go_block_by_block_then_pgp_num():
    growth = PgGrowth(pool_id=1, pool_name="rbd", initial=8, final=40, block=12, pgp_num=40)
    plan = Plan("Growing", (("osd pool set", {"pool": "rbd", "var": "pg_num", "val": "20"}),),
                completion=PG_GROWTH, pg_growth=growth)
    assert p.growth_steps(plan) == [{"pg_num": 20}, {"pg_num": 32}, {"pg_num": 40}, {"pgp_num": 40}]
    assert p.growth_steps(OUT) == []


def test_which_osds_and_pools_are_checked():
    lower = Plan("w", (("osd reweight", {"id": 4, "weight": 0.5}),), changes={"reweight": [1.0, 0.5]})
    higher = Plan("w", (("osd reweight", {"id": 4, "weight": 0.9}),), changes={"reweight": [0.5, 0.9]})
    down = Plan("d", (("osd out", {"ids": ["2"]}), ("osd down", {"ids": ["2"]})), changes={})
    assert (p.stopped_osds(lower), p.stopped_osds(higher), p.stopped_osds(down)) == ([4], [], [2])
    delete = Plan("x", (("osd pool delete", {"pool": "a", "pool2": "a"}),))
    smaller = Plan("x", (("osd pool set", {"pool": "b", "var": "size", "val": "1"}),), changes={"size": [3, 1]})
    bigger = Plan("x", (("osd pool set", {"pool": "b", "var": "size", "val": "3"}),), changes={"size": [2, 3]})
    assert (p.pools_at_stake(delete), p.pools_at_stake(smaller), p.pools_at_stake(bigger)) == (["a"], ["b"], [])


def test_ceph_verdicts_read_as_pacific_prints_them():
    stop = p.ok_to_stop_check([0], OK_TO_STOP_NO)
    assert (stop["ok"], stop["pgs_degraded"], stop["pgs_offline"]) == (False, 0, 1)
    assert stop["message"].startswith("Error EBUSY: unsafe to stop")
    fine = p.ok_to_stop_check([2], {"out": json.dumps({"ok_to_stop": True, "osds": [2], "num_ok_pgs": 3,
                                                        "num_not_ok_pgs": 0, "ok_become_degraded": ["1.0", "1.1"],
                                                        "ok_become_more_degraded": ["1.2"]}),
                                    "err": "", "status": 0})
    assert (fine["ok"], fine["pgs_degraded"], fine["pgs_offline"]) == (True, 3, 0)
    destroy = p.safe_to_destroy_check([0], SAFE_TO_DESTROY_NO)
    assert destroy["ok"] is False and destroy["message"] == "OSD(s) 0 have PGs active on them"
    safe = p.safe_to_destroy_check([5], {"out": '{"safe_to_destroy":[5],"active":[],"missing_stats":[],'
                                                '"stored_pgs":[]}', "err": "", "status": 0})
    assert safe["ok"] is True


def test_a_preview_asks_both_verdicts_and_never_fails_for_them():
    asked = []

    def mon_command(fsid, command):
        asked.append(command)
        return done(OK_TO_STOP_NO if command["prefix"] == "osd ok-to-stop" else SAFE_TO_DESTROY_NO)
    preview = p.Previews(mon_command, lambda fsid, query: failed(Unavailable("no usage"))).preview(
        "f", done(OUT)).result()
    assert [c["prefix"] for c in asked] == ["osd ok-to-stop", "osd safe-to-destroy"]
    assert asked[0] == {"prefix": "osd ok-to-stop", "ids": ["0"], "format": "json"}
    assert preview["commands"] == [{"prefix": "osd out", "ids": ["0"]}]
    assert [c["ok"] for c in preview["checks"]] == [False, False] and len(preview["warnings"]) == 2
    unreachable = p.Previews(lambda fsid, c: failed(Unavailable("No mon servers are responding")),
                             None).osd_checks("f", OUT).result()
    assert [c["ok"] for c in unreachable] == [None, None]
    assert p.Previews(None, None).preview("f", done(None)).result() is None   # the no-op's 304


def test_data_at_stake_comes_from_the_usage():
    usage = json.dumps({"pools": [{"name": "a", "stored_bytes": 4096, "objects": 2}]}).encode()
    delete = Plan("x", (("osd pool delete", {"pool": "a", "pool2": "a"}),))
    preview = p.Previews(None, lambda fsid, query: done(usage)).preview("f", done(delete)).result()
    assert preview["checks"] == [{"check": "data-at-stake", "pool": "a", "ok": False, "stored_bytes": 4096,
                                  "objects": 2, "message": "Pool 'a' stores 4096 bytes in 2 objects"}]
    assert preview["warnings"] == ["Pool 'a' stores 4096 bytes in 2 objects"]
