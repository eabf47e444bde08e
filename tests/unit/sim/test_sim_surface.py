"""The model's command surface (sim/surface.py): what sim/commands/ may use of a SimCluster."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

from sim.state import Pool
from tests.unit.sim_helpers import make

COMMANDS_DIR = Path(__file__).resolve().parents[3] / "sim" / "commands"


def private_reaches(path: Path) -> list[str]:
    """`x._name` attribute uses and `from m import _name` imports in one file."""
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Attribute) and node.attr.startswith("_") \
                and not node.attr.startswith("__"):
            found.append(f"{path.name}:{node.lineno} .{node.attr}")
        if isinstance(node, ast.ImportFrom):
            found += [f"{path.name}:{node.lineno} import {a.name}" for a in node.names
                      if a.name.startswith("_")]
    return found


def test_the_commands_and_the_cli_use_no_underscore_name_of_another_module():
    files = sorted(COMMANDS_DIR.glob("*.py"))
    assert any(f.name == "cli.py" for f in files)
    assert [r for f in files for r in private_reaches(f)] == []


def test_the_checker_sees_a_reach(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text("from sim.x import _y\n\ndef f(cluster):\n    return cluster._osds\n")
    assert private_reaches(bad) == ["bad.py:1 import _y", "bad.py:4 ._osds"]


@pytest.mark.parametrize("name,key", [("pools", 99), ("osds", 99), ("ec_profiles", "x"),
                                      ("config", "x"), ("config_keys", "x")])
def test_containers_are_handed_out_read_only(name, key):
    container = getattr(make(), name)
    with pytest.raises(TypeError):
        container[key] = None


def test_flags_are_a_snapshot():
    cluster = make()
    flags = cluster.osd_flags
    cluster.set_osd_flags({"noout"}, True)
    assert "noout" not in flags and "noout" in cluster.osd_flags
    cluster.set_osd_flags({"noout"}, False)
    assert "noout" not in cluster.osd_flags


def test_the_epoch_moves_only_when_a_change_is_committed():
    cluster = make()
    epoch, crush_version = cluster.osd_epoch, cluster.crush_version
    assert cluster.pending_osd_epoch == epoch + 1
    cluster.mark_osd(cluster.osds[3], in_=False)
    assert cluster.osd_epoch == epoch and not cluster.osds[3].in_
    assert cluster.commit_osd_map_change(crush=False) == epoch + 1
    assert (cluster.osd_epoch, cluster.crush_version) == (epoch + 1, crush_version)
    cluster.commit_osd_map_change(crush=True)
    assert (cluster.osd_epoch, cluster.crush_version) == (epoch + 2, crush_version + 1)


def test_pools_come_and_go_with_their_pgs():
    cluster = make()
    pool_id = cluster.next_pool_id()
    pool = Pool(id=pool_id, name="p", size=3, min_size=2, crush_rule=0, pg_num=4,
                create_time=0.0, last_change=cluster.pending_osd_epoch, application="")
    cluster.add_pool(pool)
    assert cluster.pool_by_name("p") is pool
    assert cluster.pg_summary()["by_pool"][str(pool_id)] == {"creating": 4}
    pool.pg_num = 6
    cluster.grow_pool_pgs(pool, 4)
    assert cluster.pg_summary()["by_pool"][str(pool_id)] == {"creating": 6}
    cluster.remove_pool(pool_id)
    assert cluster.pool_by_name("p") is None
    assert str(pool_id) not in cluster.pg_summary()["by_pool"]


def test_config_keys_and_ec_profiles():
    cluster = make()
    cluster.put_config_key("k", "v")
    assert cluster.config_keys == {"k": "v"}
    assert cluster.remove_config_key("k") and not cluster.remove_config_key("k")
    cluster.put_ec_profile("ec", {"k": "2", "m": "1"})
    assert cluster.ec_profiles["ec"] == {"k": "2", "m": "1"}
    cluster.remove_ec_profile("ec")
    assert "ec" not in cluster.ec_profiles
