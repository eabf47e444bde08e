"""actors/facade/fleet.py and actors/cluster/views/fleet.py: the fleet rows, their servers
counted from contact times, filtered, ordered (unknown values last) and paged."""
from __future__ import annotations

import json

import pytest

from actors.cluster.stats import ClusterStats
from actors.cluster.views.fleet import fleet_row
from actors.errors import Invalid
from actors.facade.fleet import Fleet

LATE_S = 30.0
NOW = 10_000.0
PGMAP = {"pgs_by_state": [{"state_name": "active+clean", "count": 85},
                          {"state_name": "active+clean+scrubbing", "count": 5},
                          {"state_name": "active+undersized+degraded", "count": 10}],
         "num_pgs": 100, "bytes_total": 1000, "bytes_used": 250, "write_bytes_sec": 5}


def row(fsid: str, name: str, *, status="HEALTH_OK", used=250, days=None, fqdns=("a", "b"), stats=True):
    pgmap = {**PGMAP, "bytes_used": used}
    held = ClusterStats().with_heartbeat({"taken_at": 1.0, "pgmap": pgmap, "df": {}, "pool_stats": []}) \
        if stats else ClusterStats()
    checks = {"OSD_DOWN": {"severity": "HEALTH_WARN"}, "PG_DAMAGED": {"severity": "HEALTH_ERR"},
              "X": {"severity": "HEALTH_WARN"}} if status != "HEALTH_OK" else {}
    return fleet_row(fsid=fsid, name=name, update_time=NOW, health={"status": status, "checks": checks},
                     osds={"total": 3, "up": 3, "in": 3}, mon_map={"mons": [{}, {}, {}]},
                     quorum_status={"quorum": [0, 1]}, stats=held, days_until_full=days, fqdns=fqdns)


class FakeClusters:
    def __init__(self, rows, contacts):
        self.rows, self.contacts = rows, contacts

    def fleet_rows(self):
        return list(self.rows)

    def server_contact(self, fqdn):
        return self.contacts.get(fqdn)


def page(fleet: Fleet, ordering="name", health=None, offset=0, limit=10):
    count, body = fleet.fleet_page(ordering=ordering, health=health, offset=offset, limit=limit).result()
    return count, json.loads(body)


def test_a_row_says_health_capacity_osds_mons_pgs_and_io():
    shown = row("f1", "alpha", status="HEALTH_ERR", days=12.5)
    assert shown["health"] == "HEALTH_ERR" and shown["checks"] == {"HEALTH_ERR": 1, "HEALTH_WARN": 2}
    assert (shown["total_bytes"], shown["used_bytes"], shown["used_ratio"]) == (1000, 250, 0.25)
    assert shown["days_until_full"] == 12.5
    assert shown["mons"] == {"total": 3, "in_quorum": 2}
    assert shown["pgs"] == {"total": 100, "active_clean": 90}
    assert shown["client_io"] == {"read_bytes_sec": 0, "write_bytes_sec": 5, "read_op_per_sec": 0,
                                  "write_op_per_sec": 0}


def test_before_any_stats_the_figures_are_null():
    shown = row("f1", "alpha", stats=False)
    assert shown["used_ratio"] is None and shown["client_io"] is None and shown["pgs"]["total"] is None


def test_servers_are_counted_managed_and_late_and_the_private_list_stays_private():
    clusters = FakeClusters([row("f1", "alpha", fqdns=("a", "b", "unmanaged"))],
                            {"a": NOW - 1, "b": NOW - LATE_S - 1})
    times = iter([NOW - 1000, NOW])   # started long ago
    count, rows = page(Fleet(clusters, LATE_S, clock=lambda: next(times)))
    assert count == 1 and rows[0]["servers"] == {"managed": 2, "late": 1}
    assert "_fqdns" not in rows[0]


def test_no_server_is_late_in_the_first_period_after_a_restart():
    clusters = FakeClusters([row("f1", "alpha")], {"a": 0.0, "b": 0.0})
    times = iter([NOW, NOW + 1])   # built at NOW, asked a second later: agents have not beaten yet
    assert page(Fleet(clusters, LATE_S, clock=lambda: next(times)))[1][0]["servers"]["late"] == 0


def test_ordering_by_a_figure_puts_unknown_values_last_in_both_directions():
    clusters = FakeClusters([row("f1", "a", days=30.0), row("f2", "b", days=None), row("f3", "c", days=3.0)], {})
    fleet = Fleet(clusters, LATE_S, clock=lambda: NOW)
    assert [r["name"] for r in page(fleet, "days_until_full")[1]] == ["c", "a", "b"]
    assert [r["name"] for r in page(fleet, "-days_until_full")[1]] == ["a", "c", "b"]


def test_ordering_by_health_ranks_error_worst_and_filter_keeps_one_status():
    clusters = FakeClusters([row("f1", "a", status="HEALTH_WARN"), row("f2", "b"),
                             row("f3", "c", status="HEALTH_ERR")], {})
    fleet = Fleet(clusters, LATE_S, clock=lambda: NOW)
    assert [r["name"] for r in page(fleet, "-health")[1]] == ["c", "a", "b"]
    assert [r["name"] for r in page(fleet, health="HEALTH_WARN")[1]] == ["a"]


def test_pages_are_slices_of_one_stable_order_and_count_the_whole_selection():
    clusters = FakeClusters([row(f"f{i}", f"c{i:02d}", used=100 + i % 3) for i in range(25)], {})
    fleet = Fleet(clusters, LATE_S, clock=lambda: NOW)
    seen = [r["fsid"] for offset in (0, 10, 20) for r in page(fleet, "-used_ratio", offset=offset)[1]]
    assert len(seen) == len(set(seen)) == 25
    assert page(fleet, "-used_ratio", offset=20)[0] == 25


def test_an_unknown_ordering_is_a_400_naming_it():
    with pytest.raises(Invalid) as refused:
        Fleet(FakeClusters([], {}), LATE_S).fleet_page(ordering="size", health=None, offset=0, limit=10).result()
    assert "ordering" in refused.value.errors


def test_the_table_is_built_at_most_once_a_second():
    clusters = FakeClusters([row("f1", "a")], {"a": NOW, "b": NOW})
    now = [NOW - 1000]
    fleet = Fleet(clusters, LATE_S, clock=lambda: now[0])
    now[0] = NOW
    assert page(fleet)[0] == 1
    clusters.rows.append(row("f2", "b"))
    clusters.contacts["a"] = NOW - 2 * LATE_S
    now[0] = NOW + 0.5
    count, rows = page(fleet)
    assert count == 1 and rows[0]["servers"]["late"] == 0          # the same table, half a second on
    now[0] = NOW + 1.0
    count, rows = page(fleet)
    assert count == 2 and rows[0]["servers"]["late"] == 1          # built again: the new row, a late server
