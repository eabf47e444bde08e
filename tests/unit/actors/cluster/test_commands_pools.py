"""Pool plans: validation, statuses, exact Ceph commands, diffing and PG growth."""
from __future__ import annotations

import pytest

from actors.cluster.commands import plan_pool_create, plan_pool_delete, plan_pool_update
from actors.errors import Conflict, Invalid, NotFound
from actors.requests.plans import OSD_MAP, PG_GROWTH, POOL_CREATED, PgGrowth
from actors.cluster.views.osd_map import OsdMapView
from tests.unit import ceph_fixtures as fx

CONFIG = fx.config()


def view(**kwargs) -> OsdMapView:
    return OsdMapView(fx.osd_map(**kwargs))


def view_with_fast_rule() -> OsdMapView:
    """The default map plus replicated rule 2 `fast` (ruleset 2)."""
    data = fx.osd_map()
    data["crush"]["rules"].append(fx.rule(2, "fast", fx.replicated_rule()["steps"]))
    return OsdMapView(data)


def create(attrs, v=None, config=CONFIG):
    return plan_pool_create(v or view(), config, fx.CLUSTER, attrs)


def update(pool_id, attrs, v=None, config=CONFIG):
    return plan_pool_update(v or view(), config, fx.CLUSTER, pool_id, attrs)


def pool_set(pool, var, val: str, sure: bool = False):
    """An `osd pool set` as Pacific takes it: `val` a string (a JSON number is refused), and
    `yes_i_really_mean_it` where Pacific asks for it (hashpspool, size 1)."""
    args = {"pool": pool, "var": var, "val": val}
    if sure:
        args["yes_i_really_mean_it"] = True
    return ("osd pool set", args)


def errors_of(excinfo) -> dict:
    return excinfo.value.errors


# -- create -----------------------------------------------------------------------------------

def test_create_minimal_pool():
    plan = create({"name": "data", "pg_num": 64})
    assert plan.headline == "Creating pool 'data'"
    assert plan.completion == POOL_CREATED and plan.pool_name == "data"
    assert plan.associate is True and plan.pg_growth is None
    assert plan.commands == (
        ("osd pool create", {"pool": "data", "pg_num": 64, "pgp_num": 64,
                             "pool_type": "replicated", "erasure_code_profile": ""}),
        pool_set("data", "min_size", "2"))


def test_create_with_every_attribute_in_table_order():
    plan = create({"name": "big", "pg_num": 128, "pgp_num": 64, "size": 4, "min_size": 3,
                   "crush_ruleset": 2, "crash_replay_interval": 0, "quota_max_objects": 42,
                   "quota_max_bytes": 42000000, "hashpspool": False},
                  view_with_fast_rule())
    assert plan.commands == (
        ("osd pool create", {"pool": "big", "pg_num": 128, "pgp_num": 64,
                             "pool_type": "replicated", "erasure_code_profile": ""}),
        pool_set("big", "size", "4"),
        pool_set("big", "min_size", "3"),
        pool_set("big", "crush_rule", "fast"),
        pool_set("big", "hashpspool", "false", sure=True),
        ("osd pool set-quota", {"pool": "big", "field": "max_bytes", "val": "42000000"}),
        ("osd pool set-quota", {"pool": "big", "field": "max_objects", "val": "42"}))


def test_create_skips_values_a_new_pool_already_has():
    plan = create({"name": "p", "pg_num": 8, "crash_replay_interval": 0, "quota_max_bytes": 0,
                   "quota_max_objects": 0, "hashpspool": True})
    assert [c[1].get("var") for c in plan.commands[1:]] == ["min_size", "hashpspool"]
    assert plan.commands[-1] == pool_set("p", "hashpspool", "true", sure=True)


@pytest.mark.parametrize("value", [120, "1"])
def test_crash_replay_interval_other_than_0_is_refused(value):
    """Pacific has no such pool setting (`osd pool set` answers "unrecognized variable"), so
    only the reference value 0 is accepted, and it never becomes a command."""
    for attempt in (lambda: create({"name": "p", "pg_num": 8, "crash_replay_interval": value}),
                    lambda: update(1, {"crash_replay_interval": value})):
        with pytest.raises(Invalid) as excinfo:
            attempt()
        assert errors_of(excinfo) == {"crash_replay_interval": [
            "Ceph 16 (Pacific) pools have no crash_replay_interval; only 0 is accepted"]}


def test_size_one_is_sent_with_the_confirmation_pacific_asks_for():
    plan = create({"name": "single", "pg_num": 8, "size": 1})
    assert plan.commands[1:] == (pool_set("single", "size", "1", sure=True),
                                 pool_set("single", "min_size", "1"))


def test_numeric_strings_are_integers():
    plan = create({"name": "data", "pg_num": "64", "pgp_num": " 32 ", "size": "2"})
    assert plan.commands[0][1]["pg_num"] == 64 and plan.commands[0][1]["pgp_num"] == 32
    assert plan.commands[1] == pool_set("data", "size", "2")


@pytest.mark.parametrize("field, value", [
    ("pg_num", True), ("pg_num", 64.5), ("pg_num", 64.0), ("pg_num", "1_000"),
    ("pg_num", "sixty"), ("pg_num", None), ("pg_num", 0), ("size", [3]),
    ("hashpspool", "true"), ("hashpspool", 1), ("name", 7), ("name", ""),
    ("type", "mirrored"), ("quota_max_bytes", -1),
])
def test_type_errors_name_the_field(field, value):
    attrs = {"name": "data", "pg_num": 64, field: value}
    with pytest.raises(Invalid) as excinfo:
        create(attrs)
    assert list(errors_of(excinfo)) == [field]
    assert excinfo.value.status == 400


def test_empty_post_names_both_required_fields():
    with pytest.raises(Invalid) as excinfo:
        create({})
    assert errors_of(excinfo) == {"name": ["Required during POST"],
                                  "pg_num": ["Required during POST"]}


def test_unknown_fields_and_every_error_are_reported_together():
    with pytest.raises(Invalid) as excinfo:
        create({"pg_num": "x", "id": 4, "full": False})
    assert errors_of(excinfo) == {"pg_num": ["Enter a whole number."],
                                  "id": ["Not allowed during POST"],
                                  "full": ["Not allowed during POST"],
                                  "name": ["Required during POST"]}


def test_body_must_be_an_object():
    with pytest.raises(Invalid):
        create(["name"])


def test_duplicate_name_is_a_conflict():
    with pytest.raises(Conflict) as excinfo:
        create({"name": "rbd", "pg_num": 64})
    assert excinfo.value.status == 409
    assert errors_of(excinfo) == {"name": ["Pool with name rbd already exists"]}


def test_conflict_wins_over_other_semantic_errors_and_reports_them_too():
    with pytest.raises(Conflict) as excinfo:
        create({"name": "rbd", "pg_num": 64, "crush_ruleset": 66})
    assert set(errors_of(excinfo)) == {"name", "crush_ruleset"}


def test_pgp_num_above_pg_num_is_invalid():
    with pytest.raises(Invalid) as excinfo:
        create({"name": "data", "pg_num": 64, "pgp_num": 65})
    assert list(errors_of(excinfo)) == ["pgp_num"]


def test_pg_num_above_the_configured_limit_is_invalid():
    config = fx.config(mon_max_pool_pg_num="100")
    assert create({"name": "data", "pg_num": 100}, config=config)
    with pytest.raises(Invalid) as excinfo:
        create({"name": "data", "pg_num": 101}, config=config)
    assert errors_of(excinfo) == {
        "pg_num": ["requested pg_num must be <= than current limit of 100"]}


def test_without_config_the_limit_is_skipped_and_ceph_defaults_apply():
    plan = create({"name": "data", "pg_num": 1000000}, config=None)
    assert plan.commands[1] == pool_set("data", "min_size", "2")


def test_unknown_ruleset_is_invalid():
    with pytest.raises(Invalid) as excinfo:
        create({"name": "data", "pg_num": 64, "crush_ruleset": 66})
    assert errors_of(excinfo) == {"crush_ruleset": ["CRUSH ruleset 66 not found"]}


@pytest.mark.parametrize("size, min_size, expected", [
    (4, 4, 4),      # size -> size
    (4, 5, 4),      # size + 1 -> size
    (4, 3, 3),      # size - 1 -> size - 1
    (4, 0, 2),      # 0 -> size - size // 2
    (5, 0, 3),
    (1, 0, 1),
])
def test_min_size_rules(size, min_size, expected):
    plan = create({"name": "data", "pg_num": 8, "size": size, "min_size": min_size})
    assert plan.commands[1:3] == (pool_set("data", "size", str(size), sure=size == 1),
                                  pool_set("data", "min_size", str(expected)))


@pytest.mark.parametrize("config, expected", [
    (fx.config(), 2),                                              # "0": majority of 3
    (fx.config(osd_pool_default_min_size="1"), 1),
    (fx.config(osd_pool_default_size="5"), 3),
    (fx.config(osd_pool_default_size="2", osd_pool_default_min_size="9"), 2),
    (fx.config(osd_pool_default_size="0x10"), 2),                  # int(), not int(x, 0)
    ({}, 2),
])
def test_min_size_defaults_come_from_config(config, expected):
    plan = create({"name": "data", "pg_num": 8}, config=config)
    assert plan.commands[1] == pool_set("data", "min_size", str(expected))


def test_create_erasure_pool():
    plan = create({"name": "ec", "pg_num": 16, "type": "erasure",
                   "erasure_code_profile": "ec21"}, view(erasure=True))
    assert plan.commands == (
        ("osd pool create", {"pool": "ec", "pg_num": 16, "pgp_num": 16,
                             "pool_type": "erasure", "erasure_code_profile": "ec21"}),)


def test_erasure_pool_defaults_to_the_default_profile_and_caps_min_size_at_k_plus_m():
    plan = create({"name": "ec", "pg_num": 16, "type": "erasure", "min_size": 9,
                   "crush_ruleset": 1}, view(erasure=True))
    assert plan.commands == (
        ("osd pool create", {"pool": "ec", "pg_num": 16, "pgp_num": 16,
                             "pool_type": "erasure", "erasure_code_profile": "default"}),
        pool_set("ec", "min_size", "4"),
        pool_set("ec", "crush_rule", "ecpool"))


def test_erasure_pool_rejects_size_and_unknown_profiles():
    with pytest.raises(Invalid) as excinfo:
        create({"name": "ec", "pg_num": 16, "type": "erasure", "size": 3})
    assert errors_of(excinfo) == {"size": ["Not allowed during POST"]}
    with pytest.raises(Invalid) as excinfo:
        create({"name": "ec", "pg_num": 16, "type": "erasure", "erasure_code_profile": "x"})
    assert errors_of(excinfo) == {"erasure_code_profile": ["Erasure code profile x not found"]}


def test_replicated_pool_rejects_a_profile():
    with pytest.raises(Invalid) as excinfo:
        create({"name": "r", "pg_num": 16, "erasure_code_profile": "default"})
    assert list(errors_of(excinfo)) == ["erasure_code_profile"]


# -- update -----------------------------------------------------------------------------------

def test_update_unknown_pool_is_not_found():
    with pytest.raises(NotFound):
        update(99, {"size": 2})


@pytest.mark.parametrize("attrs", [
    {}, {"name": "rbd"}, {"pg_num": 32}, {"pg_num": "32", "pgp_num": 32}, {"size": 3},
    {"min_size": 2}, {"min_size": 0}, {"hashpspool": True}, {"crush_ruleset": 0},
    {"quota_max_bytes": 0, "crash_replay_interval": 0},
])
def test_update_to_current_values_is_a_no_op(attrs):
    assert update(1, attrs) is None


def test_rename_to_another_pools_name_is_a_conflict():
    with pytest.raises(Conflict) as excinfo:
        update(1, {"name": "cephfs_data"})
    assert errors_of(excinfo) == {"name": ["Pool with name cephfs_data already exists"]}


def test_rename():
    plan = update(1, {"name": "images"})
    assert plan.headline == "Modifying pool 'rbd' (name=images)"
    assert plan.completion == OSD_MAP
    assert plan.commands == (("osd pool rename", {"srcpool": "rbd", "destpool": "images"}),)


def test_modify_sends_only_the_changes_with_sorted_headline_and_rename_last():
    plan = update(2, {"name": "fs", "hashpspool": False, "quota_max_objects": 5, "size": 2,
                      "quota_max_bytes": 2 ** 30})
    assert plan.headline == "Modifying pool 'cephfs_data' (hashpspool=False, name=fs, " \
                            "quota_max_objects=5)"
    assert plan.commands == (
        pool_set("cephfs_data", "hashpspool", "false", sure=True),
        ("osd pool set-quota", {"pool": "cephfs_data", "field": "max_objects", "val": "5"}),
        ("osd pool rename", {"srcpool": "cephfs_data", "destpool": "fs"}))


def test_changing_the_ruleset_sends_the_rule_name():
    plan = update(1, {"crush_ruleset": "2"}, view_with_fast_rule())
    assert plan.commands == (pool_set("rbd", "crush_rule", "fast"),)
    with pytest.raises(Invalid) as excinfo:
        update(1, {"crush_ruleset": 66})
    assert errors_of(excinfo) == {"crush_ruleset": ["CRUSH ruleset 66 not found"]}


@pytest.mark.parametrize("attrs, commands", [
    ({"size": 4}, [("size", 4)]),                                  # min_size 2 stays
    ({"size": 1}, [("size", 1), ("min_size", 1)]),                 # capped at size
    ({"size": 5, "min_size": 0}, [("size", 5), ("min_size", 3)]),  # majority of the new size
    ({"min_size": 7}, [("min_size", 3)]),                          # capped at the current size
    ({"min_size": 1}, [("min_size", 1)]),
])
def test_update_recomputes_min_size(attrs, commands):
    plan = update(1, attrs)
    assert plan.commands == tuple(pool_set("rbd", var, str(val), sure=(var, val) == ("size", 1))
                                  for var, val in commands)


def test_decreasing_pg_num_or_pgp_num_is_invalid():
    with pytest.raises(Invalid) as excinfo:
        update(2, {"pg_num": 32})
    assert errors_of(excinfo) == {"pg_num": ["must be >= than current pg_num"]}
    with pytest.raises(Invalid) as excinfo:
        update(2, {"pgp_num": 40})          # current pgp_num is 48
    assert errors_of(excinfo) == {"pgp_num": ["must be >= than current pgp_num"]}


def test_pgp_num_above_the_resulting_pg_num_is_invalid():
    with pytest.raises(Invalid) as excinfo:
        update(2, {"pgp_num": 65})
    assert list(errors_of(excinfo)) == ["pgp_num"]
    with pytest.raises(Invalid):
        update(2, {"pg_num": 128, "pgp_num": 129})
    with pytest.raises(Invalid):
        update(2, {"pg_num": 100}, config=fx.config(mon_max_pool_pg_num="64"))


def test_raising_pgp_num_alone_is_a_plain_modification():
    plan = update(2, {"pgp_num": 64, "pg_num": 64})
    assert plan.completion == OSD_MAP
    assert plan.commands == (pool_set("cephfs_data", "pgp_num", "64"),)


@pytest.mark.parametrize("field", ["type", "erasure_code_profile", "id", "full", "bogus"])
def test_fields_not_allowed_during_patch(field):
    with pytest.raises(Invalid) as excinfo:
        update(1, {field: "x"})
    assert errors_of(excinfo) == {field: ["Not allowed during PATCH"]}


def test_erasure_pool_size_cannot_be_patched():
    with pytest.raises(Invalid) as excinfo:
        update(3, {"size": 4}, view(erasure=True))
    assert errors_of(excinfo) == {"size": ["Not allowed during PATCH"]}


def test_growth_in_blocks_of_split_count_times_min_pg_num_and_osd_count():
    plan = update(1, {"pg_num": 512})
    # 32 (mon_osd_max_split_count) × min(32 PGs, 6 OSDs) = 192; 32 + 192 = 224
    assert plan.pg_growth == PgGrowth(pool_id=1, pool_name="rbd", initial=32, final=512,
                                      block=192, pgp_num=512)
    assert plan.completion == PG_GROWTH
    assert plan.headline == "Growing pool 'rbd' to 512 PGs"
    assert plan.commands == (pool_set("rbd", "pg_num", "224"),)


def test_growth_smaller_than_a_block_goes_straight_to_the_final_pg_num():
    plan = update(1, {"pg_num": "64", "pgp_num": 48}, config=fx.config())
    assert plan.pg_growth.pgp_num == 48 and plan.pg_growth.first_goal() == 64
    assert plan.commands == (pool_set("rbd", "pg_num", "64"),)


@pytest.mark.parametrize("config, block", [
    (fx.config(mon_osd_max_split_count="2"), 12),
    (fx.config(mon_osd_max_split_count="0"), 1),      # never less than one PG per step
    (None, 192),                                      # default 32
])
def test_growth_block_comes_from_config(config, block):
    plan = update(1, {"pg_num": 1024}, config=config)
    assert plan.pg_growth.block == block
    assert plan.commands[-1] == pool_set("rbd", "pg_num", str(32 + block))


def test_growth_keeps_a_requested_pgp_num_equal_to_the_current_one():
    plan = update(2, {"pg_num": 128, "pgp_num": 48})
    assert plan.pg_growth.pgp_num == 48


def test_growth_with_other_changes_and_a_rename():
    plan = update(1, {"pg_num": 256, "size": 2, "name": "images"})
    assert plan.headline == "Growing pool 'rbd' to 256 PGs"
    assert plan.commands == (
        pool_set("rbd", "size", "2"),
        ("osd pool rename", {"srcpool": "rbd", "destpool": "images"}),
        pool_set("images", "pg_num", "224"))
    assert plan.pg_growth.pool_name == "images"


# -- delete -----------------------------------------------------------------------------------

def test_delete_pool():
    plan = plan_pool_delete(view(), fx.CLUSTER, 2)
    assert plan.headline == "Deleting pool 'cephfs_data'"
    assert plan.completion == OSD_MAP
    # the name twice and the boolean: what Pacific checks (it ignores the old `sure` string)
    assert plan.commands == (("osd pool delete", {
        "pool": "cephfs_data", "pool2": "cephfs_data", "yes_i_really_really_mean_it": True}),)


def test_delete_unknown_pool_is_not_found():
    with pytest.raises(NotFound) as excinfo:
        plan_pool_delete(view(), fx.CLUSTER, 42)
    assert excinfo.value.status == 404
