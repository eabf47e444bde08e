"""Guardrails: the PUT body's checks, the change window, and judging a change (pure)."""
from __future__ import annotations

import calendar

import pytest

from actors.cluster import guardrail_checks as checks
from actors.cluster.guardrails import OFF, Guardrails, from_stored, parse, window_open, window_text
from actors.errors import Conflict, Invalid
from actors.messages import ChangeKind, ChangeOp

# Monday 7 December 2026, 10:30 UTC
MONDAY_1030 = calendar.timegm((2026, 12, 7, 10, 30, 0))


def body(**overrides) -> dict:
    return {"refuse_unsafe_osd_changes": False, "refuse_deleting_pools_with_data": False,
            "change_window": None, **overrides}


def window(*ranges) -> Guardrails:
    return parse(body(change_window=[{"days": d, "from": f, "to": t} for d, f, t in ranges]))


def errors_of(put) -> dict:
    with pytest.raises(Invalid) as raised:
        parse(put)
    return raised.value.errors


def test_all_off_by_default_and_a_put_round_trips():
    assert OFF.as_json() == body()
    put = body(refuse_unsafe_osd_changes=True,
               change_window=[{"days": ["fri", "mon"], "from": "09:00", "to": "24:00"}])
    parsed = parse(put)
    assert parsed.as_json() == {**put, "change_window": [{"days": ["mon", "fri"], "from": "09:00", "to": "24:00"}]}
    assert from_stored(parsed.as_json()) == parsed
    assert from_stored(None) == OFF and from_stored({"junk": 1}) == OFF


@pytest.mark.parametrize("put, field", [
    ({}, "refuse_unsafe_osd_changes"),                                  # a PUT gives every field
    (body(extra=1), "extra"),
    (body(refuse_unsafe_osd_changes="yes"), "refuse_unsafe_osd_changes"),
    (body(refuse_deleting_pools_with_data=1), "refuse_deleting_pools_with_data"),
    (body(change_window="always"), "change_window"),
    (body(change_window=[]), "change_window"),
    (body(change_window=[7]), "change_window[0]"),
    (body(change_window=[{"days": ["mon"], "from": "09:00", "to": "17:00", "tz": "CET"}]), "change_window[0].tz"),
    (body(change_window=[{"days": ["monday"], "from": "09:00", "to": "17:00"}]), "change_window[0].days"),
    (body(change_window=[{"days": [], "from": "09:00", "to": "17:00"}]), "change_window[0].days"),
    (body(change_window=[{"days": ["mon", "mon"], "from": "09:00", "to": "17:00"}]), "change_window[0].days"),
    (body(change_window=[{"days": ["mon"], "from": "9:00", "to": "17:00"}]), "change_window[0].from"),
    (body(change_window=[{"days": ["mon"], "from": "24:00", "to": "24:00"}]), "change_window[0].from"),
    (body(change_window=[{"days": ["mon"], "from": "09:00", "to": "17:60"}]), "change_window[0].to"),
    (body(change_window=[{"days": ["mon"], "from": "22:00", "to": "06:00"}]), "change_window[0].to"),
    (body(change_window=[{"days": ["mon"], "from": "09:00", "to": "09:00"}]), "change_window[0].to"),
    (body(change_window=[{"days": ["mon"], "from": "09:00"}]), "change_window[0].to"),
    (body(change_window=[{"days": ["mon"], "from": "09:00", "to": "10:00"},
                         {"days": ["tue"], "from": 9, "to": "10:00"}]), "change_window[1].from"),
])
def test_bad_puts_are_400s_naming_the_field(put, field):
    assert field in errors_of(put)


def test_the_window_is_open_from_included_to_excluded_on_the_listed_days_utc():
    weekdays = window((["mon", "tue"], "10:30", "11:00"))
    assert window_open(weekdays.change_window, MONDAY_1030)
    assert window_open(weekdays.change_window, MONDAY_1030 + 29 * 60 + 59)
    assert not window_open(weekdays.change_window, MONDAY_1030 + 30 * 60)     # 11:00: `to` excluded
    assert not window_open(weekdays.change_window, MONDAY_1030 - 1)           # 10:29:59
    assert not window_open(weekdays.change_window, MONDAY_1030 + 2 * 86400)   # wednesday
    assert window_open(None, MONDAY_1030)                                     # no window: always


def test_a_range_over_midnight_is_two_ranges_and_24_00_ends_the_day():
    overnight = window((["sun"], "22:00", "24:00"), (["mon"], "00:00", "06:00"))
    sunday_2359 = MONDAY_1030 - (10 * 60 + 31) * 60 + 30    # sunday 23:59:30
    assert window_open(overnight.change_window, sunday_2359)
    assert window_open(overnight.change_window, MONDAY_1030 - (4 * 60 + 31) * 60)       # monday 05:59
    assert not window_open(overnight.change_window, MONDAY_1030 - (4 * 60 + 30) * 60)   # monday 06:00
    assert window_text(overnight.change_window) == "sun 22:00-24:00 UTC; mon 00:00-06:00 UTC"


def judged(guardrails, op, kind, ident=3, attrs=None, *, df=None, osd_unsafe=None, now=MONDAY_1030):
    return checks.judge(guardrails, op, kind, ident, attrs or {}, df=df, osd_unsafe=osd_unsafe, now=now)


DF = {"pools": [{"id": 3, "name": "data", "stats": {"stored": 4096, "objects": 2}},
                {"id": 4, "name": "empty", "stats": {"stored": 0, "objects": 0}}]}


def test_pool_deletion_with_data_is_refused_unless_forced_and_the_override_is_told():
    on = parse(body(refuse_deleting_pools_with_data=True))
    refused = judged(on, ChangeOp.DELETE, ChangeKind.POOL, 3, df=DF)
    with pytest.raises(Conflict) as conflict:
        checks.enforce(refused, force=False, dry_run=False)
    assert "refuse_deleting_pools_with_data" in conflict.value.errors and "2 objects" in conflict.value.detail
    warnings, overrides = checks.enforce(refused, force=True, dry_run=False)
    assert warnings == [] and [r.guardrail for r in overrides] == ["refuse_deleting_pools_with_data"]
    assert "overridden" in checks.override_text(overrides)
    warnings, overrides = checks.enforce(refused, force=False, dry_run=True)
    assert overrides == [] and "would be refused" in warnings[0]
    assert judged(on, ChangeOp.DELETE, ChangeKind.POOL, 4, df=DF).refusals == ()      # empty pool
    assert judged(on, ChangeOp.DELETE, ChangeKind.POOL, 3, df=None).refusals == ()    # no usage yet
    assert judged(OFF, ChangeOp.DELETE, ChangeKind.POOL, 3, df=DF).refusals == ()     # guardrail off


def test_osd_changes_that_stop_an_osd_are_refused_on_a_negative_verdict():
    on = parse(body(refuse_unsafe_osd_changes=True))
    for attrs in ({"in": False}, {"up": False}):
        assert judged(on, ChangeOp.UPDATE, ChangeKind.OSD, 1, attrs, osd_unsafe="pg 1.0 would be inactive").refusals
    assert not judged(on, ChangeOp.UPDATE, ChangeKind.OSD, 1, {"in": False}).refusals        # Ceph said yes
    assert not judged(on, ChangeOp.UPDATE, ChangeKind.OSD, 1, {"reweight": 0.5}, osd_unsafe="x").refusals
    assert not judged(OFF, ChangeOp.UPDATE, ChangeKind.OSD, 1, {"in": False}, osd_unsafe="x").refusals


def test_outside_the_window_every_write_is_refused_even_forced_but_a_dry_run_answers_with_a_warning():
    closed = window((["tue"], "09:00", "17:00"))
    judgement = judged(closed, ChangeOp.CREATE, ChangeKind.POOL, None, {"name": "x"})
    for force in (False, True):
        with pytest.raises(Conflict) as conflict:
            checks.enforce(judgement, force=force, dry_run=False)
        assert "tue 09:00-17:00 UTC" in conflict.value.detail and "change_window" in conflict.value.errors
    warnings, _ = checks.enforce(judgement, force=False, dry_run=True)
    assert "tue 09:00-17:00 UTC" in warnings[0] and "409" in warnings[0]
    assert judged(window((["mon"], "10:00", "11:00")), ChangeOp.CREATE, ChangeKind.POOL).window is None
