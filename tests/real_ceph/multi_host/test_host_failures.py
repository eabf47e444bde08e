"""A host failing on a real three-host cluster (issue 19), there and back in one test each: its
mon stopped (quorum events, the favourite mon host moves, a write sent to it as its mon stopped
and one made after the move both complete), its OSDs stopped (down, health warning, events, then
recovery), its agent stopped while its daemons run (the server late, the cluster still served,
then regained).

Which agent the daemon trusts (the favourite mon host, actors/cluster/actor.py) is not in the
API: it is read from the daemon's own log line "favourite mon host is now X (was Y)", which the
daemon writes exactly when it changes the agent its map fetches and requests go to.
"""
from __future__ import annotations

import re
from datetime import datetime, timezone

from tests.helpers import wait_until
from tests.real_ceph.api_helpers import (all_pgs_active_clean, mon_json, newest_event_time,
                                         pool_ioctx, unique, wait_for_event)
from tests.system.requests_helpers import finished, run, submit

# Flags set and cleared through the API as "a write": one mon command and one OSD map epoch each,
# so a write takes well under a second and leaves nothing to clean up but the flag itself.
FLAG = "noscrub"
OBJECTS = 16   # written while a host's OSDs are down, then recovered to them


def favourite(multi) -> str | None:
    """The FQDN the daemon last chose as the cluster's favourite mon host (its log says so)."""
    chosen = re.compile(rf"cluster {re.escape(multi.fsid)}: favourite mon host is now (\S+) \(was")
    found = [m.group(1) for line in list(multi.daemon.output) if (m := chosen.search(line))]
    return found[-1] if found else None


def favourite_host(multi):
    fqdn = wait_until(lambda: favourite(multi), timeout_s=10, every_s=0.1, what="a favourite mon host")
    return multi.host(fqdn)


def moved_favourite(multi, away_from) -> str:
    """Wait until the favourite is another host's agent; its FQDN."""
    others = {h.fqdn for h in multi.cluster.hosts} - {away_from.fqdn}
    return wait_until(lambda: (lambda f: f if f in others else None)(favourite(multi)), timeout_s=15,
                      every_s=0.1, what=f"the favourite moved from {away_from.fqdn} to one of {sorted(others)}")


def flag_set(cluster) -> bool:
    return FLAG in mon_json(cluster, "osd dump")["flags"].split(",")


def toggle_flag_through_the_api(multi) -> None:
    """A write made through the API: set the flag, then clear it; each completes and Ceph shows it."""
    for value in (True, False):
        run(multi.api, "PATCH", multi.url("osd_config"), {FLAG: value}, timeout_s=20)
        assert flag_set(multi.cluster) is value, f"{FLAG} {'set' if value else 'cleared'} in Ceph's OSD map"


def api_quorum(multi) -> set[str]:
    return {m["name"] for m in multi.api.get(multi.url("mon")).json() if m["in_quorum"]}


def ceph_quorum(multi) -> set[str]:
    return set(mon_json(multi.cluster, "quorum_status")["quorum_names"])


def clean_in_api(multi) -> bool:
    summary = multi.api.get(multi.url("sync_object/pg_summary")).json()["all"]
    return set(summary) == {"active+clean"} and multi.api.get(multi.url("health")).json()["status"] == "HEALTH_OK"


def test_the_favourite_hosts_mon_stops_the_favourite_moves_and_writes_still_complete(multi):
    cluster, api = multi.cluster, multi.api
    all_mons = {h.mon_id for h in cluster.hosts}
    host = favourite_host(multi)
    others = all_mons - {host.mon_id}
    moment = newest_event_time(api)
    try:
        cluster.stop_daemon(f"mon.{host.mon_id}")
        # submitted at once: its job goes to the favourite, whose mon is gone; the agent's
        # librados session turns to the other mons
        during_election = submit(api, "PATCH", multi.url("osd_config"), {FLAG: True})
        assert favourite(multi) == host.fqdn, "the write sent to the favourite whose mon just stopped"
        wait_until(lambda: ceph_quorum(multi) == others, timeout_s=20, every_s=0.2,
                   what=f"Ceph's quorum {sorted(others)}")
        wait_for_event(api, moment, "WARNING", rf"^Mon '[^']+\.{host.mon_id}' left quorum \(on {host.fqdn}\)$")
        wait_until(lambda: api_quorum(multi) == others, timeout_s=10, every_s=0.1,
                   what=f"the API's mon list: {sorted(others)} in quorum")
        moved_favourite(multi, host)
        # Ceph has no quorum for ~5 s (the others notice when a paxos lease or its ack times out,
        # mon_lease 2 s x 2, cluster.py); the agent's mon command waits for it (10 s at most)
        request = finished(api, during_election, timeout_s=20)
        assert request["error"] is False, f"the write made as the mon stopped: {request}"
        assert flag_set(cluster), f"{FLAG} set in Ceph's OSD map by the write made as the mon stopped"
        # and one made once the favourite moved
        run(api, "PATCH", multi.url("osd_config"), {FLAG: False}, timeout_s=20)
        assert not flag_set(cluster), f"{FLAG} cleared in Ceph's OSD map by the write made after the move"

        moment = newest_event_time(api)
        cluster.start_daemon(f"mon.{host.mon_id}")
        wait_until(lambda: ceph_quorum(multi) == all_mons, timeout_s=20, every_s=0.2,
                   what="Ceph's quorum of three again")
        wait_for_event(api, moment, "RECOVERY", rf"^Mon '[^']+\.{host.mon_id}' joined quorum \(on {host.fqdn}\)$")
        wait_until(lambda: api_quorum(multi) == all_mons, timeout_s=10, every_s=0.1,
                   what="the API's mon list: all three in quorum")
    finally:
        if cluster.procs[f"mon.{host.mon_id}"].poll() is not None:
            cluster.start_daemon(f"mon.{host.mon_id}")
        if flag_set(cluster):
            cluster.ceph("osd", "unset", FLAG)


def test_a_hosts_osds_stop_go_down_with_a_warning_and_recover_when_started(multi):
    cluster, api = multi.cluster, multi.api
    host = cluster.hosts[2]
    down = set(host.osd_ids)
    name = unique("failing")
    cluster.ceph("osd", "pool", "create", name, "8", "8")
    try:
        # else writing to it raises POOL_APP_NOT_ENABLED, and health never gets back to HEALTH_OK
        cluster.ceph("osd", "pool", "application", "enable", name, "test")
        wait_until(lambda: all_pgs_active_clean(cluster) and clean_in_api(multi), timeout_s=20, every_s=0.2,
                   what="the pool's PGs active+clean, HEALTH_OK in the API")
        moment = newest_event_time(api)
        for i in host.osd_ids:
            cluster.stop_daemon(f"osd.{i}")

        def osds_up() -> dict:
            return {o["id"]: o["up"] for o in api.get(multi.url("osd")).json()}
        wait_until(lambda: {i for i, up in osds_up().items() if not up} == down, timeout_s=15, every_s=0.1,
                   what=f"OSDs {sorted(down)} down in the API, the others up")
        assert {o["osd"] for o in mon_json(cluster, "osd dump")["osds"] if not o["up"]} == down

        def checks() -> set[str]:
            return {c["name"] for c in api.get(multi.url("health")).json()["checks"]}
        wait_until(lambda: {"OSD_DOWN", "OSD_HOST_DOWN"} <= checks(), timeout_s=15, every_s=0.1,
                   what="OSD_DOWN and OSD_HOST_DOWN in the API's health")
        for i in host.osd_ids:
            wait_for_event(api, moment, "WARNING", rf"^OSD [^ ]+\.{i} went down \(on {host.fqdn}\)$")
        wait_for_event(api, moment, "WARNING", r"^Health of cluster '[^']+' degraded from HEALTH_OK to HEALTH_WARN$")

        # written with one host down: two replicas each, recovered to the third once it is back
        with pool_ioctx(cluster, name) as ioctx:
            for n in range(OBJECTS):
                ioctx.write_full(f"object-{n}", b"x" * 4096)
        wait_until(lambda: "PG_DEGRADED" in checks(), timeout_s=15, every_s=0.1,
                   what="PG_DEGRADED in the API's health: one replica of three missing")

        moment = newest_event_time(api)
        for i in host.osd_ids:
            cluster.start_daemon(f"osd.{i}")
        wait_until(lambda: all(osds_up().values()), timeout_s=20, every_s=0.1, what="every OSD up in the API")
        for i in host.osd_ids:
            wait_for_event(api, moment, "RECOVERY", rf"^OSD [^ ]+\.{i} came up \(on {host.fqdn}\)$")
        wait_until(lambda: all_pgs_active_clean(cluster), timeout_s=20, every_s=0.2,
                   what="Ceph's PGs active+clean after recovery")
        wait_until(lambda: clean_in_api(multi), timeout_s=15, every_s=0.1,
                   what="every PG active+clean and HEALTH_OK in the API again")
        wait_for_event(api, moment, "RECOVERY", r"^Health of cluster '[^']+' recovered from HEALTH_WARN to HEALTH_OK$")

        # Ceph's own count: each object written while the host was down was copied to it once
        def recovered() -> tuple[int, int]:
            stats = [pg["stat_sum"] for pg in mon_json(cluster, "pg ls-by-pool", poolstr=name)["pg_stats"]]
            return sum(s["num_objects"] for s in stats), sum(s["num_objects_recovered"] for s in stats)
        wait_until(lambda: recovered() == (OBJECTS, OBJECTS), timeout_s=10, every_s=0.2,
                   what=f"(objects, objects recovered) = ({OBJECTS}, {OBJECTS}) in the pool's PG stats")
    finally:
        for i in host.osd_ids:
            if cluster.procs[f"osd.{i}"].poll() is not None:
                cluster.start_daemon(f"osd.{i}")
        cluster.ceph("osd", "pool", "delete", name, name, "--yes-i-really-really-mean-it")


def test_a_stopped_agent_makes_its_server_late_the_others_serve_and_it_is_regained(multi):
    cluster, api = multi.cluster, multi.api
    host = favourite_host(multi)   # the hardest one to lose: requests and fetches go to it
    moment = newest_event_time(api)
    try:
        multi.stop_agent(host)
        stopped_at = datetime.now(timezone.utc)   # its process has exited: it sends nothing more
        wait_for_event(api, moment, "WARNING", rf"^Server {re.escape(host.fqdn)} is late reporting in")
        server = api.get(f"server/{host.fqdn}").json()
        assert datetime.fromisoformat(server["last_contact"]) <= stopped_at, \
            f"{host.fqdn}'s last_contact {server['last_contact']} before its agent stopped at {stopped_at}"
        row = api.get("fleet").json()["results"][0]
        assert row["servers"] == {"managed": 3, "late": 1}, row["servers"]
        # its daemons keep running and the cluster is served through the other agents
        assert cluster.at_rest()
        moved_favourite(multi, host)
        toggle_flag_through_the_api(multi)

        moment = newest_event_time(api)
        multi.start_agent(host)
        wait_for_event(api, moment, "RECOVERY", rf"^Server {re.escape(host.fqdn)} regained contact$")
        wait_until(lambda: api.get("fleet").json()["results"][0]["servers"] == {"managed": 3, "late": 0},
                   timeout_s=10, every_s=0.1, what="no server late in the fleet row")
        assert datetime.fromisoformat(api.get(f"server/{host.fqdn}").json()["last_contact"]) > stopped_at
    finally:
        if multi.agents[host.name].proc.poll() is not None:
            multi.start_agent(host)
        if flag_set(cluster):
            cluster.ceph("osd", "unset", FLAG)
