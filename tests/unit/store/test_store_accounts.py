"""The store's side of roles, idle sessions, login lockout and API tokens."""
from __future__ import annotations

import sqlite3

import pytest

from actors.storage import messages as m
from actors.errors import Conflict, NotFound
from actors.accounts.lockout import AttemptOutcome, Limits
from actors.accounts.roles import public_user
from actors.storage.actor import StoreActor
from tests import db_backends
from tests.db_backends import rows
from tests.unit.actors.storage.store_helpers import call, sqlite_rows

store = db_backends.store_on_each_backend    # every `store` test here runs on each backend
LIMITS = Limits(client_failures=3, account_failures=5, lockout_s=60.0)


@pytest.fixture
def bob(store):
    return call(store, m.CreateUser, "bob", "", "h", "read-only", 1.0)


def test_role_is_stored_and_changed_with_is_admin_kept_equal(store, bob, db_url):
    assert (bob["role"], bob["is_admin"]) == ("read-only", False)
    assert call(store, m.SetUserRole, bob["id"], "admin") is None
    assert call(store, m.GetUser, bob["id"])["role"] == "admin"
    assert rows(db_url, "SELECT is_admin FROM users") == [(1,)]
    with pytest.raises(NotFound):
        call(store, m.SetUserRole, 999, "admin")


def test_users_of_a_database_older_than_roles_keep_what_they_could_do(tmp_path):
    path = tmp_path / "old.db"
    with sqlite3.connect(path) as old:
        old.execute("CREATE TABLE users (id INTEGER PRIMARY KEY, username TEXT UNIQUE NOT NULL, "
                    "email TEXT NOT NULL, password_hash TEXT NOT NULL, is_admin INTEGER NOT NULL, "
                    "created_at REAL NOT NULL)")
        old.execute("INSERT INTO users VALUES (1, 'admin', '', 'h', 1, 1.0), (2, 'ops', '', 'h', 0, 1.0)")
    store = StoreActor.start(str(path))
    users = [public_user(row) for row in call(store, m.ListUsers)]
    assert [(u["username"], u["role"], u["is_admin"]) for u in users] == [
        ("admin", "admin", True), ("ops", "operator", False)]
    assert call(store, m.RecordLogin, 2, False, "a", 5.0, LIMITS).account_failures == 1   # counters exist too
    store.stop()
    assert sqlite_rows(path, "PRAGMA integrity_check") == [("ok",)]


def test_sessions_end_when_idle_and_each_lookup_counts_as_use(store, bob):
    store.tell(m.SaveSession("t", bob["id"], 10.0, 1000.0))
    assert call(store, m.GetSession, "t", 15.0, 10.0)["user"] == bob     # 5 s idle: fine, now used
    assert call(store, m.GetSession, "t", 24.0, 10.0) is not None        # 9 s after that use
    store.tell(m.TouchSession("t", 30.0))                                # activity seen by the cache
    assert call(store, m.GetSession, "t", 39.0, 10.0) is not None
    assert call(store, m.GetSession, "t", 49.5, 10.0) is None            # 10.5 s idle: ended ...
    assert call(store, m.GetSession, "t", 49.6, None) is None            # ... and deleted


def test_lockout_after_consecutive_failures_and_reset_by_success(store, bob):
    def login(ok, now, client="10.0.0.1"):
        return call(store, m.RecordLogin, bob["id"], ok, client, now, LIMITS)
    assert login(False, 1.0) == AttemptOutcome(allowed=False, client_failures=1, account_failures=1)
    assert login(True, 2.0) == AttemptOutcome(allowed=True)                 # resets the count
    assert [login(False, 3.0 + i).client_locked_now for i in range(3)] == [False, False, True]
    assert login(True, 10.0).allowed is False                             # locked: even the right one
    assert login(True, 10.0, "10.0.0.2").allowed is True                  # ... but only from there
    assert call(store, m.ExpireLockouts, 62.0, None) == ([], 65.0)        # not yet; ends at 65
    assert call(store, m.ExpireLockouts, 65.0, None) == ([("bob", "10.0.0.1")], None)
    assert call(store, m.ExpireLockouts, 66.0, None) == ([], None)        # reported once
    assert login(True, 66.0) == AttemptOutcome(allowed=True)
    assert call(store, m.RecordLogin, 999, True, "x", 1.0, LIMITS) is None


def test_many_addresses_together_lock_the_account_everywhere(store, bob):
    outcomes = [call(store, m.RecordLogin, bob["id"], False, f"10.0.0.{i}", float(i), LIMITS) for i in range(5)]
    assert [o.account_locked_now for o in outcomes] == [False, False, False, False, True]
    assert call(store, m.RecordLogin, bob["id"], True, "10.9.9.9", 6.0, LIMITS).allowed is False
    assert call(store, m.ExpireLockouts, 64.0, None) == ([("bob", None)], None)


def test_an_admin_unlock_clears_every_count_and_lock(store, bob):
    for i in range(5):
        call(store, m.RecordLogin, bob["id"], False, "10.0.0.1" if i < 3 else "10.0.0.2", float(i), LIMITS)
    assert call(store, m.UnlockUser, bob["id"]) is True
    assert call(store, m.UnlockUser, bob["id"]) is False                  # nothing left to clear
    assert call(store, m.RecordLogin, bob["id"], True, "10.0.0.1", 6.0, LIMITS).allowed
    with pytest.raises(NotFound):
        call(store, m.UnlockUser, 999)


def test_stale_per_address_counts_are_forgotten(store, bob):
    call(store, m.RecordLogin, bob["id"], False, "10.0.0.1", 1.0, LIMITS)
    assert call(store, m.ExpireLockouts, 30.0, 0.5) == ([], None)         # recent: kept ...
    assert call(store, m.RecordLogin, bob["id"], False, "10.0.0.1", 31.0, LIMITS).client_failures == 2
    call(store, m.ExpireLockouts, 100.0, 50.0)                            # ... untouched since 31: gone
    assert call(store, m.RecordLogin, bob["id"], False, "10.0.0.1", 101.0, LIMITS).client_failures == 1


def test_an_attempt_after_the_lock_ran_out_reports_the_unlock(store, bob):
    for i in range(3):
        call(store, m.RecordLogin, bob["id"], False, "a", float(i), LIMITS)
    outcome = call(store, m.RecordLogin, bob["id"], False, "a", 100.0, LIMITS)
    assert (outcome.client_unlocked, outcome.client_failures, outcome.allowed) == (True, 1, False)
    assert call(store, m.ExpireLockouts, 101.0, None) == ([], None)


def test_a_rehash_never_overwrites_a_password_changed_meanwhile(store, bob):
    stored = call(store, m.GetUserByName, "bob")["password_hash"]
    call(store, m.RehashPassword, bob["id"], "not-the-stored-hash", "new-1")
    assert call(store, m.GetUserByName, "bob")["password_hash"] == stored
    call(store, m.RehashPassword, bob["id"], stored, "new-2")
    assert call(store, m.GetUserByName, "bob")["password_hash"] == "new-2"


def test_tokens_are_found_by_id_and_secret_hash_only_until_they_expire(store, bob):
    row = call(store, m.CreateToken, "aaaaaaaaaaaa", bob["id"], "ci", "f" * 64, 5.0, 50.0)
    assert row == {"id": "aaaaaaaaaaaa", "name": "ci", "created_at": 5.0, "expires_at": 50.0,
                   "last_used_at": None}
    assert call(store, m.GetTokenUser, "aaaaaaaaaaaa", "f" * 64, 10.0) == {"user": bob, "expires_at": 50.0}
    assert call(store, m.ListTokens, bob["id"])[0]["last_used_at"] == 10.0
    assert call(store, m.GetTokenUser, "aaaaaaaaaaaa", "e" * 64, 10.0) is None    # wrong secret
    assert call(store, m.GetTokenUser, "bbbbbbbbbbbb", "f" * 64, 10.0) is None    # unknown id
    assert call(store, m.GetTokenUser, "aaaaaaaaaaaa", "f" * 64, 50.0) is None    # expired


def test_token_names_are_unique_per_user_and_deleting_checks_the_owner(store, bob):
    call(store, m.CreateToken, "aaaaaaaaaaaa", bob["id"], "ci", "f" * 64, 5.0, None)
    with pytest.raises(Conflict):
        call(store, m.CreateToken, "bbbbbbbbbbbb", bob["id"], "ci", "f" * 64, 6.0, None)
    with pytest.raises(NotFound):
        call(store, m.CreateToken, "cccccccccccc", 999, "ci", "f" * 64, 6.0, None)
    other = call(store, m.CreateUser, "eve", "", "h", "admin", 1.0)
    with pytest.raises(NotFound):
        call(store, m.DeleteToken, other["id"], "aaaaaaaaaaaa")                 # not eve's
    assert call(store, m.DeleteToken, bob["id"], "aaaaaaaaaaaa") is None
    assert call(store, m.ListTokens, bob["id"]) == []


def test_deleting_a_user_deletes_their_tokens(store, bob, db_url):
    call(store, m.CreateToken, "aaaaaaaaaaaa", bob["id"], "ci", "f" * 64, 5.0, None)
    call(store, m.DeleteUser, bob["id"])
    assert rows(db_url, "SELECT count(*) FROM api_tokens") == [(0,)]
