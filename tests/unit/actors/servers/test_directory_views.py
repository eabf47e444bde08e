"""Unmanaged-server inference, service pruning and server serialisation (pure)."""
from actors.servers.directory_views import api_cluster_server, infer_unmanaged, prune_vanished
from actors.cluster.membership import ip_of, membership
from actors.messages import ClusterMembership, ServerRecord, Service
from actors.servers.records import added_message, record_to_row, row_to_record

FSID = "f" * 8


def members(osd_hosts, mons=("a",), mds=None):
    return ClusterMembership(FSID, osd_hosts, frozenset(mons), mds, {"a": "10.0.0.1"},
                             {0: ("10.0.0.1", "10.1.0.1"), 1: ("10.0.0.2", "10.1.0.2")})


def test_ip_of_handles_ceph_address_forms():
    assert ip_of("10.0.0.1:6800/1234") == "10.0.0.1"
    assert ip_of("[::1]:6789/0") == "::1"
    assert ip_of("") is None and ip_of(None) is None


def test_membership_reads_hosts_from_the_tree_and_addresses_from_the_maps():
    osd_map = {"osds": [{"osd": 0, "up": 1, "public_addr": "10.0.0.1:6800/1", "cluster_addr": "10.1.0.1:6801/1"},
                        {"osd": 1, "up": 0, "public_addr": "", "cluster_addr": ""}],
               "tree": {"nodes": [{"id": -1, "type": "root", "name": "default", "children": [-2]},
                                  {"id": -2, "type": "host", "name": "h1", "children": [0, 1]}]}}
    mon_map = {"mons": [{"name": "a", "addr": "10.0.0.9:6789/0"}]}
    fs_map = {"standbys": [{"name": "s"}], "filesystems": [{"mdsmap": {"info": {"gid_1": {"name": "m"}}}}]}
    m = membership(FSID, osd_map, mon_map, fs_map)
    assert m.osd_hosts == {"h1": ((0, True), (1, False))}
    assert m.mon_addrs == {"a": "10.0.0.9"} and m.mds_names == frozenset({"s", "m"})
    assert m.osd_addrs[0] == ("10.0.0.1", "10.1.0.1") and m.osd_addrs[1] == (None, None)


def test_hosts_without_agents_become_unmanaged_servers_with_osds():
    updates = infer_unmanaged({}, members({"h1": ((0, True), (1, False))}))
    assert len(updates) == 1
    record = updates[0]
    assert (record.fqdn, record.hostname, record.managed) == ("h1", "h1", False)
    assert [(s.id, s.running) for s in record.services] == [("0", True), ("1", False)]


def test_managed_hosts_and_crush_aliases_are_not_inferred():
    managed = ServerRecord("h1.example", "h1", True, services=(Service(FSID, "osd", "0"),))
    records = {"h1.example": managed}
    assert infer_unmanaged(records, members({"h1": ((0, True),)})) == []
    assert infer_unmanaged(records, members({"alias": ((0, True),)})) == []   # its OSD reports elsewhere


def test_prune_forgets_services_the_maps_no_longer_place():
    record = ServerRecord("h1", "h1", False, services=(Service(FSID, "osd", "0"), Service(FSID, "osd", "1"),
                                                        Service(FSID, "mon", "gone"), Service("other", "osd", "9")))
    pruned = prune_vanished({"h1": record}, members({"h1": ((0, True),)}))
    assert [s.key for s in pruned[0].services] == [(FSID, "osd", "0"), ("other", "osd", "9")]


def test_cluster_server_view_has_addresses_and_interfaces():
    record = ServerRecord("h1.example", "h1", True, services=(Service(FSID, "mon", "a"), Service(FSID, "osd", "0")),
                          grains={"ip_interfaces": {"eth0": ["10.0.0.1"], "eth1": ["10.1.0.1"]}})
    out = api_cluster_server(record, FSID, members({}))
    assert (out["frontend_addr"], out["backend_addr"]) == ("10.0.0.1", "10.1.0.1")
    assert (out["frontend_iface"], out["backend_iface"]) == ("eth0", "eth1")
    assert api_cluster_server(record, FSID, None)["frontend_addr"] is None


def test_added_server_message_counts_services():
    record = ServerRecord("h.example", "h", True, services=(Service(FSID, "osd", "0"), Service(FSID, "osd", "1"),
                                                             Service(FSID, "mon", "h")))
    assert added_message(record) == "Added server h.example with 1 monitor service, 2 OSDs"
    assert added_message(ServerRecord("x", "x", True)) == "Added server x"


def test_server_rows_round_trip_with_the_late_flag():
    record = ServerRecord("h.example", "h", True, 1.0, 2.0, "16.2.11",
                          (Service(FSID, "mon", "h", True, {"rank": 0}),), {"os": "Linux"})
    assert row_to_record(record_to_row(record, late=True)) == (record, True)
