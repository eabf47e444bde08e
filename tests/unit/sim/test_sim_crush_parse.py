"""sim.crush.parse: crushtool's text map back into the model (round trips and rejections)."""
from __future__ import annotations

import pytest

from sim.crush.model import crush_text
from sim.crush.parse import CrushParseError, parse_crush_text
from sim.model import SimCluster

NOW = 1_800_000_000.0

CALAMARI_STYLE = """
# begin crush map
tunable choose_local_tries 0
tunable choose_total_tries 50

# devices
device 0 osd.0
device 1 osd.1 class ssd
device 2 osd.2

# types
type 0 osd
type 1 host
type 2 rack
type 3 root

# buckets
host a {
    id -2
    weight 2.000
    alg straw
    hash 0  # rjenkins1
    item osd.0 weight 1.000
    item osd.1 weight 0.500 pos 1
}
host b{
    alg straw2
    hash rjenkins1
    item osd.2
}
rack r1 {
    id -4
    item a weight 99.0
    item b
}
root default {
    id -1
    item r1
}

# rules
rule data {
    ruleset 3
    type replicated
    min_size 1
    max_size 10
    step take default
    step chooseleaf firstn 0 type host
    step emit
}
rule ec {
    type erasure
    step set_chooseleaf_tries 5
    step take r1 class ssd
    step choose indep 0 type osd
    step emit
}
# end crush map
"""


def cluster_text(cluster: SimCluster) -> tuple[dict, str]:
    data = cluster.get_cluster_object("osd_map")["data"]
    return data["crush"], data["crush_map_text"]


def test_round_trip_of_a_fresh_cluster():
    crush, text = cluster_text(SimCluster(clock=lambda: NOW))
    parsed = parse_crush_text(text)
    assert parsed.dump() == crush
    assert crush_text(parsed.dump()) == text


def test_round_trip_after_many_changes():
    cluster = SimCluster(clock=lambda: NOW, hosts=4, osds_per_host=3)
    result = cluster.apply_commands([
        ["osd crush add-bucket", {"name": "dc1", "type": "datacenter", "args": ["root=default"]}],
        ["osd crush move", {"name": "ceph0-node001", "args": ["rack=r9", "datacenter=dc1"]}],
        ["osd crush reweight", {"name": "osd.4", "weight": 0.12345}],
        ["osd crush remove", {"name": "osd.7"}],
        ["osd crush add-bucket", {"name": "empty", "type": "host"}],
        ["osd crush rule create-replicated", {"name": "hdd", "root": "dc1", "type": "rack",
                                              "class": "hdd"}],
        ["osd crush rule create-erasure", {"name": "ec"}],
        ["osd crush rule rm", {"name": "hdd"}],
        ["osd crush rule create-replicated", {"name": "again", "root": "default", "type": "host"}],
    ])
    assert not result["error"], result["error_status"]
    crush, text = cluster_text(cluster)
    assert [r["rule_id"] for r in crush["rules"]] == [0, 1, 2]
    assert parse_crush_text(text).dump() == crush


def test_a_hand_written_map():
    dump = parse_crush_text(CALAMARI_STYLE).dump()
    assert dump["devices"] == [{"id": 0, "name": "osd.0"}, {"id": 1, "name": "osd.1", "class": "ssd"},
                               {"id": 2, "name": "osd.2"}]
    assert dump["types"] == [{"type_id": 0, "name": "osd"}, {"type_id": 1, "name": "host"},
                             {"type_id": 2, "name": "rack"}, {"type_id": 3, "name": "root"}]
    buckets = {b["name"]: b for b in dump["buckets"]}
    assert [b["id"] for b in dump["buckets"] if "~" not in b["name"]] == [-1, -2, -4, -5]  # b got the next free id
    assert buckets["a~ssd"]["items"] == [{"id": 1, "weight": 0x8000, "pos": 0}]   # its ssd device
    assert buckets["b"]["id"] == -5
    assert (buckets["a"]["alg"], buckets["a"]["hash"], buckets["a"]["weight"]) == ("straw", "rjenkins1",
                                                                                   0x18000)
    assert buckets["a"]["items"] == [{"id": 0, "weight": 0x10000, "pos": 0},
                                     {"id": 1, "weight": 0x8000, "pos": 1}]
    assert buckets["b"]["items"] == [{"id": 2, "weight": 0x10000, "pos": 0}]  # default weight 1
    # a sub-bucket's weight is derived, whatever the text says
    assert buckets["r1"]["items"] == [{"id": -2, "weight": 0x18000, "pos": 0},
                                      {"id": -5, "weight": 0x10000, "pos": 1}]
    assert buckets["default"]["weight"] == 0x28000
    ec, data = dump["rules"]  # by id: ec got the first free id, 0
    assert (data["rule_id"], data["ruleset"], data["rule_name"], data["type"]) == (3, 3, "data", 1)
    assert (ec["rule_id"], ec["type"], ec["min_size"], ec["max_size"]) == (0, 3, 1, 10)
    assert ec["steps"] == [{"op": "set_chooseleaf_tries", "num": 5},
                           {"op": "take", "item": -4, "item_name": "r1~ssd"},
                           {"op": "choose_indep", "num": 0, "type": "osd"}, {"op": "emit"}]
    assert dump["tunables"]["choose_total_tries"] == 50
    assert parse_crush_text(crush_text(dump)).dump() == dump


def test_changed_tunables_are_no_longer_the_jewel_profile():
    crush, text = cluster_text(SimCluster(clock=lambda: NOW))
    assert crush["tunables"]["profile"] == "jewel"
    tunables = parse_crush_text(text.replace("choose_total_tries 50", "choose_total_tries 19")).tunables
    assert (tunables["choose_total_tries"], tunables["profile"], tunables["optimal_tunables"]) == (
        19, "unknown", 0)


MINIMAL = "device 0 osd.0\ntype 0 osd\ntype 1 host\nhost h {\n\tid -1\n\titem osd.0\n}\n"


@pytest.mark.parametrize("text,message", [
    ("frobnicate 1", "line 1: unknown keyword or bucket type 'frobnicate'"),
    ("tunable chooseleaf_magic 1", "line 1: unknown tunable 'chooseleaf_magic'"),
    ("device 0 disk0", "line 1: device 0 must be named osd.0, not 'disk0'"),
    ("device x osd.0", "line 1: expected an integer device id, got 'x'"),
    ("device 0 osd.0\ndevice 0 osd.0", "line 2: invalid or duplicate device id 0"),
    (MINIMAL + "host h {\n}\n", "line 8: name 'h' is defined twice"),
    (MINIMAL.replace("item osd.0", "item osd.1"), "line 6: item 'osd.1' in bucket 'h' is not defined"),
    (MINIMAL.replace("item osd.0", "item osd.0 weight heavy"), "line 6: invalid weight 'heavy'"),
    (MINIMAL.replace("\tid -1", "\tcolour red"), "line 5: unknown bucket field 'colour'"),
    (MINIMAL.replace("\tid -1", "\tid 3"), "line 5: invalid or duplicate bucket id 3"),
    (MINIMAL.replace("\tid -1", "\thash 7"), "line 5: unknown hash '7'"),
    (MINIMAL[:-3], "line 6: unexpected end of map, expected a bucket field or '}'"),
    (MINIMAL + "rule r {\n\ttype replicated\n\tstep take nowhere\n}\n",
     "line 10: take: item 'nowhere' is not defined"),
    (MINIMAL + "rule r {\n\ttype replicated\n\tstep chooseleaf firstn 0 type rack\n}\n",
     "line 10: unknown type 'rack'"),
    (MINIMAL + "rule r {\n\ttype replicated\n\tstep chooseleaf sideways 0 type host\n}\n",
     "line 10: expected firstn or indep, got 'sideways'"),
    (MINIMAL + "rule r {\n\ttype replicated\n\tstep jump\n}\n", "line 10: unknown step 'jump'"),
    (MINIMAL + "rule r {\n\ttype mirrored\n}\n", "line 9: unknown rule type 'mirrored'"),
    (MINIMAL + "rule r {\n\tid 1\n}\n", "line 10: rule 'r' has no type"),
    (MINIMAL + "rule r {\n\tid 1\n\truleset 2\n\ttype replicated\n}\n",
     "line 12: rule 'r': id 1 != ruleset 2"),
    (MINIMAL + "rule r {\n\tid 1\n\ttype replicated\n}\nrule s {\n\tid 1\n\ttype replicated\n}\n",
     "line 15: invalid or duplicate rule id 1"),
    (MINIMAL + "choose_args 0 {\n}\n", "line 8: choose_args sections are not supported"),
])
def test_malformed_maps_are_rejected_with_a_line_number(text, message):
    with pytest.raises(CrushParseError) as info:
        parse_crush_text(text)
    assert str(info.value) == message


def test_comments_and_blank_lines_are_ignored():
    crush = parse_crush_text("# nothing here\n\n   # at all\n").dump()
    assert (crush["devices"], crush["buckets"], crush["rules"]) == ([], [], [])
