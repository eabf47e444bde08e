import logging

import peewee
import pytest

from actors.storage import messages as m
from actors.errors import Conflict, NotFound
from actors.events import CRITICAL, ERROR, INFO, RECOVERY, WARNING, Event
from actors.storage.actor import StoreActor
from store.db import open_database
from store.models import User
from tests import db_backends
from tests.db_backends import rows
from tests.unit.actors.storage.store_helpers import call, sqlite_rows

FSID = "d5ee9ec2-1111-4c0e-9c3e-5b5c3a3f0001"
OTHER_FSID = "d5ee9ec2-2222-4c0e-9c3e-5b5c3a3f0002"
store = db_backends.store_on_each_backend    # every `store` test here runs on each backend


def flush(ref):
    assert call(ref, m.Flush) is None


def load(ref) -> m.StoredState:
    return call(ref, m.LoadState)


def server(fqdn="node1.example.com", **overrides):
    record = {
        "fqdn": fqdn, "hostname": fqdn.split(".")[0], "managed": True,
        "last_contact": 1700000000.5, "boot_time": 1690000000.0,
        "ceph_version": "16.2.11",
        "grains": {"os": "Ubuntu", "cpus": 4, "ipv4": ["10.0.0.1", "127.0.0.1"]},
        "services": [
            {"fsid": FSID, "type": "mon", "id": "node1", "running": True,
             "status": {"rank": 0, "state": "leader", "quorum": [0]}},
            {"fsid": FSID, "type": "osd", "id": "0", "running": False, "status": None},
        ],
        "late": False,
    }
    record.update(overrides)
    return record


# schema and opening --------------------------------------------------------------------------------

def test_fresh_path_gets_every_table_and_index(tmp_path):
    path = tmp_path / "nested" / "dir" / "test.db"
    ref = StoreActor.start(str(path))
    flush(ref)
    tables = {name for (name,) in sqlite_rows(path, "SELECT name FROM sqlite_master WHERE type='table'")}
    assert {"users", "sessions", "servers", "clusters", "sync_objects", "events",
            "minion_keys"} <= tables
    index_sql = " ".join(sql for (sql,) in sqlite_rows(
        path, "SELECT sql FROM sqlite_master WHERE type='index' AND tbl_name='events' AND sql IS NOT NULL"))
    for columns in ('("when", "id", "severity")', '("fsid", "when", "id", "severity")',
                    '("fqdn", "when", "id", "severity")'):
        assert columns in index_sql
    assert sqlite_rows(path, "PRAGMA journal_mode") == [("wal",)]


def test_sqlite_url_and_postgres_url_are_routed(tmp_path):
    db = open_database(f"sqlite:///{tmp_path}/a/b.db")
    assert isinstance(db, peewee.SqliteDatabase)
    assert db.database == f"{tmp_path}/a/b.db" and (tmp_path / "a").is_dir()
    assert db.autoconnect is False
    assert db._pragmas and dict(db._pragmas)["foreign_keys"] == 1
    pg = open_database("postgresql://calamari:pw@db.example.com:5433/calamari")
    assert isinstance(pg, peewee.PostgresqlDatabase)
    assert pg.database == "calamari" and pg.connect_params["port"] == 5433
    assert pg.autoconnect is False
    with pytest.raises(ValueError):
        open_database("mysql://x@y/z")


def test_only_the_actor_thread_has_a_connection(store):
    flush(store)
    with pytest.raises(peewee.InterfaceError):
        User.select().count()


# servers ----------------------------------------------------------------------------------------------

def test_server_round_trip_with_services_and_grains(store):
    store.tell(m.SaveServer(server()))
    state = load(store)
    assert state.servers == [server()]


def test_server_upsert_replaces_by_fqdn_and_delete_removes(store, db_url):
    store.tell(m.SaveServer(server()))
    store.tell(m.SaveServer(server("node2.example.com")))
    store.tell(m.SaveServer(server(last_contact=1700000100.0, services=[],
                                   grains={"os": "Debian"})))
    flush(store)
    assert rows(db_url, "SELECT count(*) FROM servers") == [(2,)]
    servers = {s["fqdn"]: s for s in load(store).servers}
    assert servers["node1.example.com"]["last_contact"] == 1700000100.0
    assert servers["node1.example.com"]["services"] == []
    assert servers["node1.example.com"]["grains"] == {"os": "Debian"}
    store.tell(m.DeleteServer("node1.example.com"))
    assert [s["fqdn"] for s in load(store).servers] == ["node2.example.com"]


# clusters and sync objects --------------------------------------------------------------------------

def test_sync_object_upsert_keeps_only_the_latest(store, db_url):
    for epoch in (10, 11, 12):
        store.tell(m.SaveSyncObject(FSID, "ceph", "osd_map", epoch, {"epoch": epoch}, 100.0 + epoch))
    store.tell(m.SaveSyncObject(FSID, "ceph", "health", "aa11", {"status": "HEALTH_WARN"}, 101.0))
    store.tell(m.SaveSyncObject(FSID, "ceph", "health", "bb22", {"status": "HEALTH_OK"}, 102.0))
    flush(store)
    assert rows(db_url, "SELECT sync_type, version FROM sync_objects ORDER BY sync_type") == [
        ("health", "bb22"), ("osd_map", "12")]
    (cluster,) = load(store).clusters
    assert cluster.sync_objects == {"osd_map": (12, {"epoch": 12}),
                                    "health": ("bb22", {"status": "HEALTH_OK"})}
    assert isinstance(cluster.sync_objects["osd_map"][0], int)


def test_clusters_and_maps_are_restored(store):
    data = {"epoch": 3, "pools": [{"pool": 1, "pool_name": "rbd"}], "blob": b"\x00\x01",
            "by_osd": {"0": {"active+clean": 64}}}
    store.tell(m.SaveCluster(FSID, "ceph", 1700000000.0))
    store.tell(m.SaveSyncObject(FSID, "ceph", "osd_map", 3, data, 1700000000.0))
    store.tell(m.SaveSyncObject(FSID, "ceph", "config", "d41d8cd9", {"osd_pool_default_size": "3"},
                                1700000001.0))
    store.tell(m.SaveCluster(OTHER_FSID, "backup", 1700000050.0))
    store.tell(m.SaveCluster(FSID, "ceph-renamed", 1700000060.0))
    state = load(store)
    assert state.clusters == [
        m.StoredCluster(FSID, "ceph-renamed", 1700000060.0,
                        {"osd_map": (3, data), "config": ("d41d8cd9", {"osd_pool_default_size": "3"})}),
        m.StoredCluster(OTHER_FSID, "backup", 1700000050.0, {}),
    ]


def test_maps_without_a_cluster_row_still_restore_a_cluster(store):
    store.tell(m.SaveSyncObject(FSID, "ceph", "health", "x", {}, 50.0))
    store.tell(m.SaveSyncObject(FSID, "ceph", "mon_map", 2, {"epoch": 2}, 70.0))
    (cluster,) = load(store).clusters
    assert (cluster.fsid, cluster.name, cluster.update_time) == (FSID, "ceph", 70.0)


def test_delete_cluster_removes_cluster_and_maps_but_keeps_events(store):
    store.tell(m.SaveCluster(FSID, "ceph", 1.0))
    store.tell(m.SaveSyncObject(FSID, "ceph", "osd_map", 1, {"epoch": 1}, 1.0))
    store.tell(m.SaveCluster(OTHER_FSID, "other", 2.0))
    store.tell(m.SaveSyncObject(OTHER_FSID, "other", "osd_map", 7, {"epoch": 7}, 2.0))
    store.tell(m.SaveEvents((Event(5.0, WARNING, "osd.0 down", fsid=FSID),)))
    store.tell(m.DeleteCluster(FSID))
    state = load(store)
    assert [c.fsid for c in state.clusters] == [OTHER_FSID]
    assert state.clusters[0].sync_objects == {"osd_map": (7, {"epoch": 7})}
    assert call(store, m.ListEvents, FSID, None, None, 0, 10) == (
        1, [{"when": 5.0, "severity": WARNING, "message": "osd.0 down"}])


def test_undecodable_map_is_skipped_at_load(store, caplog):
    store.tell(m.SaveSyncObject(FSID, "ceph", "osd_map", 1, {1: "integer key"}, 1.0))
    store.tell(m.SaveSyncObject(FSID, "ceph", "mon_map", 1, {"epoch": 1}, 1.0))
    with caplog.at_level(logging.ERROR):
        (cluster,) = load(store).clusters
    assert cluster.sync_objects == {"mon_map": (1, {"epoch": 1})}
    assert "osd_map" in caplog.text and FSID in caplog.text


# events -------------------------------------------------------------------------------------------------

def _seed_events(store):
    events = (
        Event(10.0, INFO, "a", fsid=FSID, fqdn="n1"),
        Event(20.0, WARNING, "b", fsid=FSID, fqdn="n2", service_type="osd", service_id="3"),
        Event(30.0, ERROR, "c", fsid=OTHER_FSID, fqdn="n1"),
        Event(30.0, RECOVERY, "d", fsid=FSID),          # same time as "c", written later
        Event(40.0, CRITICAL, "e", fqdn="n2"),
        Event(5.0, INFO, "f", fsid=OTHER_FSID),
    )
    store.tell(m.SaveEvents(events))


def _messages(result):
    count, page = result
    return count, [e["message"] for e in page]


def test_events_are_newest_first_with_ties_by_insertion(store):
    _seed_events(store)
    count, page = call(store, m.ListEvents, None, None, None, 0, 100)
    assert count == 6
    assert [e["message"] for e in page] == ["e", "d", "c", "b", "a", "f"]
    assert page[0] == {"when": 40.0, "severity": CRITICAL, "message": "e"}


def test_events_pagination(store):
    _seed_events(store)
    assert _messages(call(store, m.ListEvents, None, None, None, 0, 2)) == (6, ["e", "d"])
    assert _messages(call(store, m.ListEvents, None, None, None, 2, 2)) == (6, ["c", "b"])
    assert _messages(call(store, m.ListEvents, None, None, None, 4, 10)) == (6, ["a", "f"])
    assert _messages(call(store, m.ListEvents, None, None, None, 10, 10)) == (6, [])


def test_event_filters_combine(store):
    _seed_events(store)
    assert _messages(call(store, m.ListEvents, FSID, None, None, 0, 10)) == (3, ["d", "b", "a"])
    assert _messages(call(store, m.ListEvents, None, "n1", None, 0, 10)) == (2, ["c", "a"])
    assert _messages(call(store, m.ListEvents, None, None, WARNING, 0, 10)) == (3, ["e", "c", "b"])
    assert _messages(call(store, m.ListEvents, None, None, RECOVERY, 0, 10)) == (4, ["e", "d", "c", "b"])
    assert _messages(call(store, m.ListEvents, FSID, "n2", WARNING, 0, 10)) == (1, ["b"])
    assert _messages(call(store, m.ListEvents, FSID, "n2", ERROR, 0, 10)) == (0, [])
    assert _messages(call(store, m.ListEvents, "unknown", None, None, 0, 10)) == (0, [])


def test_an_event_batch_is_one_transaction(store, caplog):
    good = tuple(Event(float(i), INFO, f"event {i}", fsid=FSID) for i in range(150))
    bad = Event(200.0, INFO, None, fsid=FSID)           # message is NOT NULL
    with caplog.at_level(logging.ERROR):
        store.tell(m.SaveEvents(good + (bad,)))
        assert call(store, m.ListEvents, None, None, None, 0, 10) == (0, [])
    assert "SaveEvents" in caplog.text and FSID in caplog.text
    store.tell(m.SaveEvents(good))
    assert call(store, m.ListEvents, None, None, None, 0, 1)[0] == 150


# users and sessions -----------------------------------------------------------------------------------

def test_users_create_get_list(store):
    assert call(store, m.CountUsers) == 0
    admin = call(store, m.CreateUser, "admin", "admin@example.com", "hash-a", "admin", 1.0)
    bob = call(store, m.CreateUser, "bob", "", "hash-b", "operator", 2.0)
    assert admin == {"id": admin["id"], "username": "admin", "email": "admin@example.com",
                     "is_admin": True, "role": "admin"}
    assert (bob["is_admin"], bob["role"]) == (False, "operator")
    assert bob["id"] != admin["id"]
    assert call(store, m.CountUsers) == 2
    assert call(store, m.GetUser, bob["id"]) == bob
    assert call(store, m.GetUser, 999) is None
    assert call(store, m.GetUserByName, "admin") == dict(admin, password_hash="hash-a")
    assert call(store, m.GetUserByName, "nobody") is None
    assert call(store, m.ListUsers) == [admin, bob]


def test_duplicate_username_is_a_conflict(store):
    call(store, m.CreateUser, "admin", "a@example.com", "h", "admin", 1.0)
    with pytest.raises(Conflict):
        call(store, m.CreateUser, "admin", "other@example.com", "h2", "operator", 2.0)
    assert call(store, m.CountUsers) == 1
    assert call(store, m.GetUserByName, "admin")["email"] == "a@example.com"


def test_password_change_and_user_delete(store):
    user = call(store, m.CreateUser, "bob", "", "old", "operator", 1.0)
    assert call(store, m.SetPasswordHash, user["id"], "new") is None
    assert call(store, m.GetUserByName, "bob")["password_hash"] == "new"
    store.tell(m.SaveSession("tok", user["id"], 1.0, 100.0))
    assert call(store, m.DeleteUser, user["id"]) is None
    assert call(store, m.GetUser, user["id"]) is None
    assert call(store, m.GetSession, "tok", 2.0, None) is None
    with pytest.raises(NotFound):
        call(store, m.DeleteUser, user["id"])
    with pytest.raises(NotFound):
        call(store, m.SetPasswordHash, user["id"], "x")


def test_sessions_lookup_touch_expiry_and_delete(store, db_url):
    user = call(store, m.CreateUser, "bob", "b@example.com", "h", "operator", 1.0)
    live = {"user": user, "expires_at": 100.0}
    store.tell(m.SaveSession("t1", user["id"], 10.0, 100.0))
    store.tell(m.SaveSession("t2", user["id"], 10.0, 50.0))
    store.tell(m.SaveSession("t3", user["id"], 10.0, 100.0))
    assert call(store, m.GetSession, "t1", 20.0, None) == live
    assert call(store, m.GetSession, "missing", 20.0, None) is None
    store.tell(m.TouchSession("t1", 42.0))
    flush(store)
    assert rows(db_url, "SELECT last_seen_at FROM sessions WHERE token_hash='t1'") == [(42.0,)]
    assert call(store, m.GetSession, "t2", 50.0, None) is None           # expired ...
    assert rows(db_url, "SELECT count(*) FROM sessions WHERE token_hash='t2'") == [(0,)]
    store.tell(m.DeleteSession("t1"))
    assert call(store, m.GetSession, "t1", 20.0, None) is None
    assert call(store, m.GetSession, "t3", 20.0, None) == live
    store.tell(m.DeleteUserSessions(user["id"]))
    assert call(store, m.GetSession, "t3", 20.0, None) is None


def test_session_of_unknown_user_is_refused(store, caplog):
    with caplog.at_level(logging.ERROR):
        store.tell(m.SaveSession("abcdef0123456789", 12345, 1.0, 100.0))
        assert call(store, m.GetSession, "abcdef0123456789", 2.0, None) is None
    assert "SaveSession" in caplog.text and "abcdef01" in caplog.text
    assert "abcdef0123456789" not in caplog.text


# keys --------------------------------------------------------------------------------------------------

def test_keys_save_list_get_delete(store):
    store.tell(m.SaveKey("node2.example.com", "pre", "PUB2", "fp2", updated_at=1.0))
    store.tell(m.SaveKey("node1.example.com", "pre", "PUB1", "fp1", updated_at=1.0))
    assert call(store, m.ListKeys) == [{"id": "node1.example.com", "status": "pre"},
                                       {"id": "node2.example.com", "status": "pre"}]
    store.tell(m.SaveKey("node1.example.com", "accepted", updated_at=2.0))
    assert call(store, m.GetKey, "node1.example.com") == {
        "id": "node1.example.com", "status": "accepted", "public_key": "PUB1",
        "fingerprint": "fp1", "updated_at": 2.0}
    assert call(store, m.GetKey, "nope") is None
    store.tell(m.DeleteKey("node2.example.com"))
    assert call(store, m.ListKeys) == [{"id": "node1.example.com", "status": "accepted"}]
    assert load(store).keys == [{"id": "node1.example.com", "status": "accepted",
                                 "public_key": "PUB1", "fingerprint": "fp1", "updated_at": 2.0}]


def test_bad_key_status_is_refused(store, caplog):
    store.tell(m.SaveKey("node1.example.com", "pre", "PUB1"))
    with caplog.at_level(logging.ERROR):
        store.tell(m.SaveKey("node1.example.com", "maybe"))
        assert call(store, m.ListKeys) == [{"id": "node1.example.com", "status": "pre"}]
    assert "node1.example.com" in caplog.text


# failures and restarts ----------------------------------------------------------------------------------

def test_malformed_write_is_logged_and_the_actor_keeps_answering(store, caplog):
    store.tell(m.SaveServer(server("good.example.com")))
    with caplog.at_level(logging.ERROR, logger="actors.storage.actor"):
        store.tell(m.SaveServer(server("bad.example.com", grains={"when": object()})))
        state = load(store)
    assert [s["fqdn"] for s in state.servers] == ["good.example.com"]
    assert "SaveServer" in caplog.text and "bad.example.com" in caplog.text
    assert store.is_alive()
    assert store.proxy().failed_writes.get(timeout=5) == 1


def test_data_survives_closing_and_reopening(db_url):
    first = StoreActor.start(db_url)
    user = call(first, m.CreateUser, "admin", "", "h", "admin", 1.0)
    first.tell(m.SaveSession("tok", user["id"], 1.0, 1000.0))
    first.tell(m.SaveServer(server()))
    first.tell(m.SaveCluster(FSID, "ceph", 9.0))
    first.tell(m.SaveSyncObject(FSID, "ceph", "osd_map", 4, {"epoch": 4}, 9.0))
    first.tell(m.SaveEvents((Event(9.0, INFO, "hello", fsid=FSID),)))
    first.tell(m.SaveKey("node1.example.com", "accepted", "PUB", updated_at=9.0))
    before = load(first)
    first.stop()

    second = StoreActor.start(db_url if "://" in db_url else f"sqlite:///{db_url}")
    after = load(second)
    assert after == before
    assert after.servers == [server()]
    assert after.clusters == [m.StoredCluster(FSID, "ceph", 9.0, {"osd_map": (4, {"epoch": 4})})]
    assert call(second, m.GetSession, "tok", 2.0, None) == {"user": user, "expires_at": 1000.0}
    assert call(second, m.ListEvents, FSID, None, None, 0, 10)[0] == 1
    assert call(second, m.ListKeys) == [{"id": "node1.example.com", "status": "accepted"}]
