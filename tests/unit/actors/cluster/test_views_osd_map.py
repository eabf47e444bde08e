"""OsdMapView derivations and the OSD-map API serialisers, over hand-built Ceph 16 maps."""
from __future__ import annotations

import copy
import json

import pytest

from actors.errors import NotFound, Unavailable
from actors.cluster.views.api_osd_map import (
    OSD_COMMANDS, api_crush_map, api_crush_node, api_crush_nodes, api_crush_rule,
    api_crush_rule_sets, api_crush_rules, api_crush_type, api_crush_types, api_osd,
    api_osd_command, api_osd_commands, api_osd_config, api_osds, api_pool, api_pool_defaults,
    api_pools)
from actors.cluster.views.config import api_config, api_config_key
from actors.cluster.views.osd_map import FLAG_NAMES, OsdMapView
from tests.unit import ceph_fixtures as fx

ALL_OSDS = frozenset(range(6))


def view(**kwargs) -> OsdMapView:
    return OsdMapView(fx.osd_map(**kwargs))


def view_with_rules(*rules, pools=()) -> OsdMapView:
    data = fx.osd_map()
    data["crush"]["rules"].extend(rules)
    data["pools"].extend(pools)
    return OsdMapView(data)


# -- indexes -------------------------------------------------------------------------------------

def test_indexes_are_keyed_by_integer_ids():
    v = view(erasure=True)
    assert v.epoch == 42
    assert sorted(v.osds_by_id) == [0, 1, 2, 3, 4, 5]
    assert v.osds_by_id[3]["uuid"] == "00000000-0000-4000-8000-000000000003"
    assert sorted(v.pools_by_id) == [1, 2, 3]
    assert v.pools_by_id[2]["pool_name"] == "cephfs_data"
    assert sorted(v.tree_nodes_by_id) == [-7, -5, -3, -1, 0, 1, 2, 3, 4, 5]
    assert sorted(v.crush_rules_by_id) == [0, 1]
    assert sorted(v.crush_buckets_by_id) == [-7, -5, -3, -1]
    assert v.crush_types_by_id[11]["name"] == "root"
    assert v.metadata_by_id[0]["bluestore_bdev_dev_node"] == "/dev/dm-0"
    assert v.metadata_by_id[5] == {}


def test_parents_come_from_the_tree():
    assert view().parents_by_node_id == {-3: [-1], -5: [-1], -7: [-1], 0: [-3], 1: [-3],
                                         2: [-5], 3: [-5], 4: [-7], 5: [-7]}


def test_metadata_keyed_by_osd_as_calamari_1_3_wrote_it():
    data = fx.osd_map()
    data["osd_metadata"] = [{"osd": 2, "osd_data": "/x"}]
    assert OsdMapView(data).metadata_by_id[2] == {"osd": 2, "osd_data": "/x"}


@pytest.mark.parametrize("data", [None, {}])
def test_empty_view(data):
    v = OsdMapView(data)
    assert v.epoch == 0
    for index in (v.osds_by_id, v.pools_by_id, v.tree_nodes_by_id, v.parents_by_node_id,
                  v.crush_rules_by_id, v.crush_buckets_by_id, v.crush_types_by_id,
                  v.metadata_by_id, v.osds_by_rule_id, v.osds_by_pool_id, v.pools_by_osd_id):
        assert index == {}
    assert v.flags == {name: False for name in FLAG_NAMES}
    assert v.ancestry(0) == []


@pytest.mark.parametrize("data", [None, {}])
def test_every_serialiser_answers_empty_before_the_first_map(data):
    v = OsdMapView(data)
    assert api_pools(v) == [] and api_osds(v, {}) == [] and api_crush_nodes(v) == []
    assert api_crush_rules(v) == [] and api_crush_rule_sets(v) == [] and api_crush_types(v) == []
    assert api_crush_map(v) == ""
    assert api_osd_config(v) == {name: False for name in FLAG_NAMES}
    with pytest.raises(NotFound):
        api_pool(v, 1)
    with pytest.raises(NotFound):
        api_osd(v, {}, 0)
    with pytest.raises(Unavailable, match="No CRUSH rules exist, pool creation is impossible"):
        api_pool_defaults(v, fx.config())


# -- flags ---------------------------------------------------------------------------------------

def test_flags_default_all_false():
    assert api_osd_config(view()) == {name: False for name in FLAG_NAMES}
    assert len(FLAG_NAMES) == 9


def test_pause_needs_both_pauserd_and_pausewr():
    flags = api_osd_config(view(flags="sortbitwise,pauserd,pausewr,noout,nodeep-scrub"))
    assert flags == {**{name: False for name in FLAG_NAMES},
                     "pause": True, "noout": True, "nodeep-scrub": True}
    assert api_osd_config(view(flags="pauserd"))["pause"] is False
    assert api_osd_config(view(flags="pausewr"))["pause"] is False


@pytest.mark.parametrize("flag", ["noup", "nodown", "noout", "noin", "nobackfill", "norecover",
                                  "noscrub", "nodeep-scrub"])
def test_each_flag_parsed_on_its_own(flag):
    flags = api_osd_config(view(flags=f"sortbitwise,{flag}"))
    assert [name for name, value in flags.items() if value] == [flag]


def test_osd_config_is_a_fresh_copy():
    v = view(flags="noout")
    api_osd_config(v)["noout"] = False
    assert api_osd_config(v)["noout"] is True


# -- rule evaluation -----------------------------------------------------------------------------

def take(item, name):
    return {"op": "take", "item": item, "item_name": name}


def step(op, type_name, num=0):
    return {"op": op, "num": num, "type": type_name}


EMIT = {"op": "emit"}


def rule_osds(*steps) -> frozenset[int]:
    return view_with_rules(fx.rule(7, "test", list(steps))).osds_by_rule_id[7]


def test_chooseleaf_by_host_reaches_every_osd():
    assert view().osds_by_rule_id == {0: ALL_OSDS}


def test_choose_firstn_osd_within_one_host():
    assert rule_osds(take(-3, "node1"), step("choose_firstn", "osd"), EMIT) == {0, 1}


def test_choose_firstn_hosts_then_chooseleaf_osds():
    assert rule_osds(take(-1, "default"), step("choose_firstn", "host", 2),
                     step("chooseleaf_firstn", "osd", 1), EMIT) == ALL_OSDS


def test_choose_indep_and_chooseleaf_indep():
    assert rule_osds(take(-5, "node2"), step("choose_indep", "osd"), EMIT) == {2, 3}
    assert rule_osds(take(-7, "node3"), step("chooseleaf_indep", "host"), EMIT) == set()
    assert rule_osds(take(-1, "default"), step("chooseleaf_indep", "host"), EMIT) == ALL_OSDS


def test_emitting_buckets_chooses_no_osds():
    assert rule_osds(take(-1, "default"), step("choose_firstn", "host"), EMIT) == set()


def test_two_take_emit_sequences_add_up():
    assert rule_osds(take(-3, "node1"), step("choose_firstn", "osd"), EMIT,
                     take(-7, "node3"), step("chooseleaf_firstn", "osd"), EMIT) == {0, 1, 4, 5}


def test_take_of_a_single_osd():
    assert rule_osds(take(3, "osd.3"), EMIT) == {3}


def test_device_class_shadow_bucket_keeps_only_that_class():
    by_host = step("chooseleaf_firstn", "host")
    assert rule_osds(take(-2, "default~hdd"), by_host, EMIT) == {0, 1, 2, 3, 4}
    assert rule_osds(take(-4, "default~ssd"), by_host, EMIT) == {5}


def test_unknown_take_item_chooses_nothing():
    assert rule_osds(take(-99, "nowhere"), step("chooseleaf_firstn", "host"), EMIT) == set()
    assert rule_osds(step("chooseleaf_firstn", "host"), EMIT) == set()


def test_down_and_out_osds_can_still_be_chosen():
    assert view(down=[1], out=[2]).osds_by_rule_id[0] == ALL_OSDS


# -- pools <-> osds ------------------------------------------------------------------------------

def test_pool_osds_follow_the_pool_rule():
    v = view(erasure=True)
    assert v.osds_by_pool_id == {1: ALL_OSDS, 2: ALL_OSDS, 3: {0, 1, 2, 3, 4}}
    assert v.pools_by_osd_id == {0: (1, 2, 3), 1: (1, 2, 3), 2: (1, 2, 3), 3: (1, 2, 3),
                                 4: (1, 2, 3), 5: (1, 2)}


def test_pool_with_unknown_rule_uses_every_osd():
    v = view_with_rules(pools=[fx.pool(9, "lost", crush_rule=42)])
    assert v.osds_by_pool_id[9] == ALL_OSDS
    assert v.pools_by_osd_id[0] == (1, 2, 9)


def test_legacy_crush_ruleset_picks_the_last_rule_whose_size_range_fits():
    narrow = fx.rule(4, "node1", [take(-3, "node1"), step("choose_firstn", "osd"), EMIT],
                     ruleset=5, min_size=1, max_size=2)
    wide = fx.rule(3, "node2", [take(-5, "node2"), step("choose_firstn", "osd"), EMIT],
                   ruleset=5, min_size=1, max_size=10)
    legacy = [{**fx.pool(pool_id, f"p{pool_id}", size=size), "crush_ruleset": 5}
              for pool_id, size in ((10, 2), (11, 3), (12, 20))]
    for p in legacy:
        del p["crush_rule"]
    v = view_with_rules(narrow, wide, pools=legacy)
    assert v.osds_by_pool_id[10] == {0, 1}        # both fit, rule 4 is the last
    assert v.osds_by_pool_id[11] == {2, 3}        # only rule 3 fits
    assert v.osds_by_pool_id[12] == ALL_OSDS      # none fits
    assert api_pool(v, 10)["crush_ruleset"] == 5


def test_osds_in_crush_but_not_in_the_osd_map_are_skipped():
    data = fx.osd_map()
    data["osds"] = [osd for osd in data["osds"] if osd["osd"] != 4]
    v = OsdMapView(data)
    assert v.osds_by_rule_id[0] == ALL_OSDS
    assert v.osds_by_pool_id[1] == {0, 1, 2, 3, 5}
    assert 4 not in v.pools_by_osd_id
    assert [osd["id"] for osd in api_osds(v, {}, pool=1)] == [0, 1, 2, 3, 5]


def test_osd_outside_every_rule_has_no_pools():
    data = fx.osd_map()
    data["crush"]["rules"][0]["steps"] = [take(-3, "node1"), step("chooseleaf_firstn", "osd"), EMIT]
    assert OsdMapView(data).pools_by_osd_id == {0: (1, 2), 1: (1, 2), 2: (), 3: (), 4: (), 5: ()}


# -- ancestry ------------------------------------------------------------------------------------

def test_ancestry_of_an_osd_with_one_parent():
    assert view().ancestry(3) == [[-5, -1]]


def test_ancestry_with_two_parents_follows_first_parents_up():
    data = fx.osd_map()
    data["tree"]["nodes"] += [
        {"id": -9, "name": "fast", "type": "root", "type_id": 11, "children": [-11]},
        {"id": -11, "name": "node1-fast", "type": "host", "type_id": 1, "children": [0]},
        {"id": -13, "name": "other", "type": "root", "type_id": 11, "children": [-11]}]
    v = OsdMapView(data)
    assert v.parents_by_node_id[0] == [-3, -11]
    assert v.parents_by_node_id[-11] == [-9, -13]
    assert v.ancestry(0) == [[-3, -1], [-11, -9]]
    assert api_osd(v, {}, 0)["crush_node_ancestry"] == [[-3, -1], [-11, -9]]


def test_ancestry_of_unknown_or_unplaced_osd_is_empty():
    assert view().ancestry(99) == []


def test_ancestry_is_a_fresh_list():
    v = view()
    v.ancestry(0)[0].append(123)
    assert v.ancestry(0) == [[-3, -1]]


# -- raw data stays untouched --------------------------------------------------------------------

def test_weights_divided_once_and_raw_data_unchanged():
    data = fx.osd_map(erasure=True)
    pristine = copy.deepcopy(data)
    for _ in range(2):
        v = OsdMapView(data)
        nodes = api_crush_nodes(v)
        assert nodes[0]["weight"] == 5.25
        assert api_crush_node(v, -5)["items"] == [{"id": 2, "weight": 1.5, "pos": 0},
                                                  {"id": 3, "weight": 0.5, "pos": 1}]
        for serialise in (api_pools, api_crush_rules, api_crush_rule_sets, api_crush_types):
            serialise(v)
        api_osds(v, fx.osd_servers())
        api_crush_rule(v, 1)["steps"][0]["op"] = "mutated"
        api_osd(v, {}, 0)["crush_node_ancestry"].clear()
    assert data == pristine
    assert data["crush"]["buckets"][0]["weight"] == 0x54000


def test_outputs_are_json_ready():
    v = view(erasure=True)
    for output in (api_pools(v), api_osds(v, fx.osd_servers()), api_crush_nodes(v),
                   api_crush_rule_sets(v), api_crush_types(v), api_osd_commands(v, 0)):
        assert json.loads(json.dumps(output)) == output


# -- pools ---------------------------------------------------------------------------------------

def test_api_pools_every_field():
    assert api_pools(view(erasure=True)) == [
        {"id": 1, "name": "rbd", "size": 3, "min_size": 2, "crush_ruleset": 0,
         "crash_replay_interval": 0, "pg_num": 32, "pgp_num": 32, "hashpspool": True,
         "full": False, "quota_max_objects": 0, "quota_max_bytes": 0, "type": "replicated",
         "erasure_code_profile": ""},
        {"id": 2, "name": "cephfs_data", "size": 2, "min_size": 1, "crush_ruleset": 0,
         "crash_replay_interval": 0, "pg_num": 64, "pgp_num": 48, "hashpspool": True,
         "full": True, "quota_max_objects": 1000, "quota_max_bytes": 1073741824,
         "type": "replicated", "erasure_code_profile": ""},
        {"id": 3, "name": "ecpool", "size": 3, "min_size": 2, "crush_ruleset": 1,
         "crash_replay_interval": 0, "pg_num": 16, "pgp_num": 16, "hashpspool": True,
         "full": False, "quota_max_objects": 0, "quota_max_bytes": 0, "type": "erasure",
         "erasure_code_profile": "ec21"}]


def test_api_pool_one_and_unknown():
    v = view()
    assert api_pool(v, 2)["name"] == "cephfs_data"
    with pytest.raises(NotFound, match="pool 7 not found"):
        api_pool(v, 7)


def test_pool_with_absent_keys_gives_nulls():
    v = view_with_rules(pools=[{"pool": 9}])
    assert api_pool(v, 9) == {
        "id": 9, "name": None, "size": None, "min_size": None, "crush_ruleset": None,
        "crash_replay_interval": 0, "pg_num": None, "pgp_num": None, "hashpspool": None,
        "full": None, "quota_max_objects": None, "quota_max_bytes": None, "type": None,
        "erasure_code_profile": ""}


def test_crush_ruleset_maps_the_rule_id_through_the_rule():
    odd = fx.rule(5, "odd", [take(-1, "default"), step("chooseleaf_firstn", "host"), EMIT],
                  ruleset=2)
    other = {**fx.pool(11, "other", pool_type=2), "crash_replay_interval": 45}
    v = view_with_rules(odd, pools=[fx.pool(9, "odd", crush_rule=5),
                                    fx.pool(10, "dangling", crush_rule=8), other])
    assert api_pool(v, 9)["crush_ruleset"] == 2
    assert api_pool(v, 10)["crush_ruleset"] == 8
    assert api_pool(v, 11)["type"] == 2
    assert api_pool(v, 11)["crash_replay_interval"] == 45


def test_full_flag_without_hashpspool():
    v = view_with_rules(pools=[fx.pool(9, "f", flags=2)])
    assert (api_pool(v, 9)["hashpspool"], api_pool(v, 9)["full"]) == (False, True)


# -- pool defaults -------------------------------------------------------------------------------

DEFAULTS_NULLS = {"id": None, "name": None, "pg_num": None, "pgp_num": None, "full": None,
                  "type": None, "erasure_code_profile": None}


def test_pool_defaults_from_ceph_16_config():
    assert api_pool_defaults(view(erasure=True), fx.config()) == {
        **DEFAULTS_NULLS, "size": 3, "min_size": 2, "crush_ruleset": 0,
        "crash_replay_interval": 0, "hashpspool": True, "quota_max_objects": 0,
        "quota_max_bytes": 0}


@pytest.mark.parametrize("size, min_size, expected", [
    ("3", "0", 2), ("4", "0", 2), ("5", "0", 3), ("1", "0", 1), ("2", "0", 1),
    ("3", "1", 1), ("3", "3", 3), ("3", "7", 3)])
def test_pool_defaults_min_size(size, min_size, expected):
    config = fx.config(osd_pool_default_size=size, osd_pool_default_min_size=min_size)
    defaults = api_pool_defaults(view(), config)
    assert (defaults["size"], defaults["min_size"]) == (int(size), expected)


def test_pool_defaults_ints_are_decimal():
    defaults = api_pool_defaults(view(), fx.config(osd_pool_default_size="010"))
    assert defaults["size"] == 10


def test_pool_defaults_hashpspool_is_case_insensitive():
    for value, expected in (("True", True), ("true", True), ("false", False), ("0", False)):
        config = fx.config(osd_pool_default_flag_hashpspool=value)
        assert api_pool_defaults(view(), config)["hashpspool"] is expected


def _rules(*pairs):
    """(rule_id, type) pairs of otherwise identical rules."""
    return [fx.rule(rule_id, f"r{rule_id}", [take(-1, "default"),
                                             step("chooseleaf_firstn", "host"), EMIT],
                    rule_type=rule_type) for rule_id, rule_type in pairs]


def view_with_only_rules(*rules) -> OsdMapView:
    data = fx.osd_map()
    data["crush"]["rules"] = list(rules)
    return OsdMapView(data)


@pytest.mark.parametrize("options, expected", [
    ({"osd_pool_default_crush_rule": "-1"}, 2),      # unset: lowest (replicated) ruleset
    ({"osd_pool_default_crush_rule": "4"}, 4),       # names an existing ruleset
    ({"osd_pool_default_crush_rule": "9"}, 2),       # names a missing ruleset
    ({"osd_pool_default_crush_rule": "-1",            # pre-Luminous option
      "osd_pool_default_crush_replicated_ruleset": "4"}, 4),
    ({"osd_pool_default_crush_rule": "junk"}, 2),
])
def test_pool_defaults_ruleset(options, expected):
    v = view_with_only_rules(*_rules((4, 1), (2, 1), (6, 1)))
    assert api_pool_defaults(v, fx.config(**options))["crush_ruleset"] == expected


def test_pool_defaults_unset_rule_prefers_a_replicated_ruleset():
    v = view_with_only_rules(*_rules((0, 3), (1, 1)))
    assert api_pool_defaults(v, fx.config())["crush_ruleset"] == 1
    only_erasure = view_with_only_rules(*_rules((3, 3), (2, 3)))
    assert api_pool_defaults(only_erasure, fx.config())["crush_ruleset"] == 2


def test_pool_defaults_need_config():
    with pytest.raises(Unavailable, match="Cluster configuration unavailable"):
        api_pool_defaults(view(), None)


def test_pool_defaults_need_crush_rules():
    with pytest.raises(Unavailable, match="No CRUSH rules exist, pool creation is impossible"):
        api_pool_defaults(view_with_only_rules(), fx.config())


def test_pool_defaults_missing_options_use_ceph_defaults():
    assert api_pool_defaults(view(), {"fsid": fx.FSID}) == {
        **DEFAULTS_NULLS, "size": 3, "min_size": 2, "crush_ruleset": 0,
        "crash_replay_interval": 0, "hashpspool": True, "quota_max_objects": 0,
        "quota_max_bytes": 0}


# -- osds ----------------------------------------------------------------------------------------

def test_api_osd_bluestore_every_field():
    assert api_osd(view(erasure=True), fx.osd_servers(), 0) == {
        "id": 0, "uuid": "00000000-0000-4000-8000-000000000000", "up": True, "in": True,
        "reweight": 1.0, "server": "node1.example", "pools": [1, 2, 3],
        "valid_commands": ["scrub", "deep_scrub", "repair"],
        "public_addr": "10.0.0.1:6800/1234", "cluster_addr": "10.1.0.1:6900/1234",
        "crush_node_ancestry": [[-3, -1]], "backend_device_node": "/dev/dm-0",
        "backend_partition_path": "/dev/ceph-0/block",
        "osd_data": "/var/lib/ceph/osd/ceph-0", "osd_journal": None}


def test_api_osd_filestore_every_field():
    assert api_osd(view(), fx.osd_servers(), 4) == {
        "id": 4, "uuid": "00000000-0000-4000-8000-000000000004", "up": True, "in": True,
        "reweight": 1.0, "server": "node3.example", "pools": [1, 2],
        "valid_commands": ["scrub", "deep_scrub", "repair"],
        "public_addr": "10.0.0.3:6804/1234", "cluster_addr": "10.1.0.3:6904/1234",
        "crush_node_ancestry": [[-7, -1]], "backend_device_node": "sdc",
        "backend_partition_path": "/dev/sdc1", "osd_data": "/var/lib/ceph/osd/ceph-4",
        "osd_journal": "/var/lib/ceph/osd/ceph-4/journal"}


def test_api_osd_down_out_without_metadata_or_server():
    assert api_osd(view(erasure=True, down=[5], out=[5]), {}, 5) == {
        "id": 5, "uuid": "00000000-0000-4000-8000-000000000005", "up": False, "in": False,
        "reweight": 0.0, "server": None, "pools": [1, 2], "valid_commands": [],
        "public_addr": "10.0.0.3:6805/1234", "cluster_addr": "10.1.0.3:6905/1234",
        "crush_node_ancestry": [[-7, -1]], "backend_device_node": None,
        "backend_partition_path": None, "osd_data": None, "osd_journal": None}


def test_reweight_comes_from_the_tree_then_the_osd_weight():
    data = fx.osd_map()
    assert api_osd(OsdMapView(data), {}, 2)["reweight"] == 0.5
    data["tree"]["nodes"] = [node for node in data["tree"]["nodes"] if node["id"] not in (2, 3)]
    data["osds"][2]["weight"] = 0.75
    del data["osds"][3]["weight"]
    v = OsdMapView(data)
    assert api_osd(v, {}, 2)["reweight"] == 0.75
    assert api_osd(v, {}, 3)["reweight"] == 0.0
    assert isinstance(api_osd(v, {}, 0)["reweight"], float)


def test_stray_osd_reweight_and_no_ancestry():
    data = fx.osd_map()
    data["tree"]["stray"] = [{"id": 6, "name": "osd.6", "type": "osd", "type_id": 0,
                              "reweight": 0.25, "status": "down"}]
    data["osds"].append({**data["osds"][0], "osd": 6, "up": 0})
    v = OsdMapView(data)
    osd = api_osd(v, {}, 6)
    assert (osd["reweight"], osd["crush_node_ancestry"], osd["pools"]) == (0.25, [], [])


def test_addresses_fall_back_to_the_addrvec():
    data = fx.osd_map()
    del data["osds"][1]["public_addr"], data["osds"][1]["cluster_addr"]
    osd = api_osd(OsdMapView(data), {}, 1)
    assert (osd["public_addr"], osd["cluster_addr"]) == ("10.0.0.1:6801", "10.1.0.1:6901")


def test_api_osds_filters():
    v = view(erasure=True)
    servers = fx.osd_servers()
    assert [osd["id"] for osd in api_osds(v, servers)] == [0, 1, 2, 3, 4, 5]
    assert [osd["id"] for osd in api_osds(v, servers, pool=3)] == [0, 1, 2, 3, 4]
    assert [osd["id"] for osd in api_osds(v, servers, ids=[5, 1, 99])] == [1, 5]
    assert [osd["id"] for osd in api_osds(v, servers, pool=3, ids=[5, 1])] == [1]
    assert api_osds(v, servers, ids=[]) == []
    assert api_osds(v, servers)[2] == api_osd(v, servers, 2)


def test_api_osds_unknown_pool_and_osd():
    v = view()
    with pytest.raises(NotFound, match="pool 9 not found"):
        api_osds(v, {}, pool=9)
    with pytest.raises(NotFound, match="osd 9 not found"):
        api_osd(v, {}, 9)


def test_osd_commands():
    v = view(down=[3])
    assert OSD_COMMANDS == ["scrub", "deep_scrub", "repair"]
    assert api_osd_commands(v, 0) == {"0": {"valid_commands": ["scrub", "deep_scrub", "repair"]}}
    assert api_osd_commands(v, 3) == {"3": {"valid_commands": []}}
    assert api_osd_command(v, 0, "deep_scrub") == {"valid": True}
    assert api_osd_command(v, 0, "explode") == {"valid": False}
    assert api_osd_command(v, 3, "scrub") == {"valid": False}
    with pytest.raises(NotFound):
        api_osd_commands(v, 9)
    with pytest.raises(NotFound):
        api_osd_command(v, 9, "scrub")


# -- crush ---------------------------------------------------------------------------------------

def test_api_crush_map_text():
    assert api_crush_map(view()) == fx.CRUSH_MAP_TEXT


def test_api_crush_nodes_every_field():
    assert api_crush_nodes(view()) == [
        {"bucket_type": "root", "name": "default", "id": -1, "weight": 5.25, "alg": "straw2",
         "hash": "rjenkins1", "items": [{"id": -3, "weight": 2.0, "pos": 0},
                                        {"id": -5, "weight": 2.0, "pos": 1},
                                        {"id": -7, "weight": 1.25, "pos": 2}]},
        {"bucket_type": "host", "name": "node1", "id": -3, "weight": 2.0, "alg": "straw2",
         "hash": "rjenkins1", "items": [{"id": 0, "weight": 1.0, "pos": 0},
                                        {"id": 1, "weight": 1.0, "pos": 1}]},
        {"bucket_type": "host", "name": "node2", "id": -5, "weight": 2.0, "alg": "straw2",
         "hash": "rjenkins1", "items": [{"id": 2, "weight": 1.5, "pos": 0},
                                        {"id": 3, "weight": 0.5, "pos": 1}]},
        {"bucket_type": "host", "name": "node3", "id": -7, "weight": 1.25, "alg": "straw2",
         "hash": "rjenkins1", "items": [{"id": 4, "weight": 1.0, "pos": 0},
                                        {"id": 5, "weight": 0.25, "pos": 1}]}]


def test_api_crush_node_one_and_unknown():
    v = view()
    assert api_crush_node(v, -7)["name"] == "node3"
    with pytest.raises(NotFound, match="crush node -2 not found"):
        api_crush_node(v, -2)


def test_crush_node_type_name_from_the_bucket_when_types_are_missing():
    data = fx.osd_map()
    data["crush"]["types"] = []
    assert api_crush_node(OsdMapView(data), -3)["bucket_type"] == "host"


def test_api_crush_rules_every_field():
    assert api_crush_rules(view(erasure=True)) == [
        {"id": 0, "name": "replicated_rule", "ruleset": 0, "type": "replicated",
         "min_size": 1, "max_size": 10, "osd_count": 6,
         "steps": [{"op": "take", "item": -1, "item_name": "default"},
                   {"op": "chooseleaf_firstn", "num": 0, "type": "host"}, {"op": "emit"}]},
        {"id": 1, "name": "ecpool", "ruleset": 1, "type": "erasure", "min_size": 3,
         "max_size": 3, "osd_count": 5,
         "steps": [{"op": "set_chooseleaf_tries", "num": 5},
                   {"op": "set_choose_tries", "num": 100},
                   {"op": "take", "item": -2, "item_name": "default~hdd"},
                   {"op": "chooseleaf_indep", "num": 0, "type": "host"}, {"op": "emit"}]}]


def test_api_crush_rule_one_and_unknown():
    v = view(erasure=True)
    assert api_crush_rule(v, 1)["name"] == "ecpool"
    with pytest.raises(NotFound, match="crush rule 5 not found"):
        api_crush_rule(v, 5)


def test_rule_without_ruleset_uses_its_id():
    data = fx.osd_map()
    del data["crush"]["rules"][0]["ruleset"]
    assert api_crush_rule(OsdMapView(data), 0)["ruleset"] == 0


def test_api_crush_rule_sets_group_by_ruleset():
    steps = [take(-3, "node1"), step("choose_firstn", "osd"), EMIT]
    extra = [fx.rule(rule_id, f"r{rule_id}", copy.deepcopy(steps), ruleset=ruleset)
             for rule_id, ruleset in ((3, 7), (2, 7), (4, 1))]
    sets = api_crush_rule_sets(view_with_rules(*extra))
    assert [(s["id"], [rule["id"] for rule in s["rules"]]) for s in sets] == [
        (0, [0]), (1, [4]), (7, [2, 3])]
    assert sets[2]["rules"][0] == {
        "id": 2, "name": "r2", "ruleset": 7, "type": "replicated", "min_size": 1,
        "max_size": 10, "osd_count": 2,
        "steps": [{"op": "take", "item": -3, "item_name": "node1"},
                  {"op": "choose_firstn", "num": 0, "type": "osd"}, {"op": "emit"}]}


def test_api_crush_types():
    v = view()
    assert api_crush_types(v) == [{"id": i, "name": name} for i, name in enumerate(fx.CRUSH_TYPES)]
    assert api_crush_type(v, 1) == {"id": 1, "name": "host"}
    with pytest.raises(NotFound, match="crush type 12 not found"):
        api_crush_type(v, 12)


# -- config (§5.9; lives here beside the pool defaults that read it) -----------------------------

def test_api_config_lists_keys_in_order():
    config = {"fsid": fx.FSID, "osd_pool_default_size": "3", "public_network": ""}
    assert api_config(config) == [{"key": "fsid", "value": fx.FSID},
                                  {"key": "osd_pool_default_size", "value": "3"},
                                  {"key": "public_network", "value": ""}]


def test_api_config_key():
    assert api_config_key(fx.config(), "mon_max_pg_per_osd") == {"key": "mon_max_pg_per_osd",
                                                                 "value": "250"}
    with pytest.raises(NotFound, match="config key 'nope' not found"):
        api_config_key(fx.config(), "nope")


def test_config_unavailable_before_the_first_copy():
    with pytest.raises(Unavailable, match="Cluster configuration unavailable"):
        api_config(None)
    with pytest.raises(Unavailable, match="Cluster configuration unavailable"):
        api_config_key(None, "fsid")


def test_device_class_shadow_buckets_are_not_crush_nodes():
    data = fx.osd_map()
    data["crush"]["buckets"].append({"id": -2, "name": "default~hdd", "type_id": 11, "type_name": "root",
                                     "weight": 0, "alg": "straw2", "hash": "rjenkins1", "items": []})
    shadowed = OsdMapView(data)
    assert -2 in shadowed.crush_buckets_by_id          # rules that take a class still see it
    assert -2 not in shadowed.crush_nodes_by_id
    assert "default~hdd" not in {node["name"] for node in api_crush_nodes(shadowed)}
    with pytest.raises(NotFound):
        api_crush_node(shadowed, -2)


def test_every_osd_metadata_key_the_views_read_is_one_agents_send():
    from actors.cluster.views.api_osds import METADATA_FIELDS
    from bus.protocol import OSD_METADATA_KEYS
    read = {key for keys in METADATA_FIELDS.values() for key in keys}
    assert read <= set(OSD_METADATA_KEYS)
