"""The facade's sessions, tokens, lockout and audit against a real store, with a fake clock."""
from __future__ import annotations

import pytest

from actors.storage import messages as m
from actors.accounts.auth_cache import AuthCache
from actors.runtime.base import ask
from actors.errors import Forbidden
from tests.unit.facade_fixtures import PASSWORD, get, user


# sessions ---------------------------------------------------------------------------------------------

def test_logout_ends_a_cached_session_at_once(api, store, password_hash):
    bob = user(store, password_hash)
    token = get(api.create_session(bob["id"]))
    assert get(api.session_user(token))["username"] == "bob"
    assert api.session_user(token).done()                       # now answered from the cache
    get(api.end_session(token))
    assert get(api.session_user(token)) is None


def test_activity_seen_by_the_cache_keeps_an_idle_limited_session_alive(api, store, clock, password_hash):
    token = get(api.create_session(user(store, password_hash)["id"]))
    for clock.now in (1001.0, 1009.0, 1017.0, 1025.0):         # 8 s apart: under the 10 s limit
        assert get(api.session_user(token)) is not None
    clock.now = 1033.0    # past the cache's 30 s: the store must learn of the use at 1025
    assert get(api.session_user(token)) is not None
    clock.now = 1043.5    # 10.5 s without a request
    assert get(api.session_user(token)) is None


def test_sessions_end_at_their_absolute_limit_even_when_busy(api, store, clock, password_hash):
    token = get(api.create_session(user(store, password_hash)["id"]))
    for clock.now in (*range(1005, 1100, 5), 1099.9):
        assert get(api.session_user(token)) is not None, clock.now
    clock.now = 1100.0
    assert get(api.session_user(token)) is None


def test_password_change_and_role_change_apply_to_cached_sessions(api, store, password_hash):
    admin = user(store, password_hash, "root", "admin")
    bob = user(store, password_hash)
    token = get(api.create_session(bob["id"]))
    assert get(api.session_user(token))["role"] == "operator"
    get(api.update_user(bob["id"], {"role": "read-only"}, get(api.get_user(admin["id"]))))
    assert get(api.session_user(token))["role"] == "read-only"
    get(api.update_user(bob["id"], {"password": "a-new-password"}, get(api.get_user(admin["id"]))))
    assert get(api.session_user(token)) is None


def test_a_revocation_during_a_lookup_is_not_undone_by_its_answer():
    cache = AuthCache()
    assert cache.get("k", 0.0) == (None, None)
    asked_at = cache.generation               # a lookup goes to the store ...
    cache.drop_user(7)                        # ... logout or password change meanwhile ...
    cache.put("k", {"id": 7}, 30.0, 0.0, asked_at)   # ... then the (stale) answer arrives
    assert cache.get("k", 1.0) == (None, None)
    cache.put("k", {"id": 7}, 30.0, 0.0, cache.generation)
    assert cache.get("k", 1.0) == ({"id": 7}, None)


# API tokens -------------------------------------------------------------------------------------------

def test_token_lifecycle(api, store, clock, password_hash):
    bob = user(store, password_hash)
    me = get(api.get_user(bob["id"]))
    created = get(api.create_token(bob["id"], {"name": "ci", "expires_in_s": 50}, me))
    token = created.pop("token")
    assert get(api.list_tokens(bob["id"], me)) == [created]
    assert get(api.token_user(token))["username"] == "bob"
    assert get(api.token_user(token[:-1] + ("A" if token[-1] != "A" else "B"))) is None
    get(api.revoke_token(bob["id"], created["id"], me))
    assert get(api.token_user(token)) is None                  # not kept alive by the cache
    expiring = get(api.create_token(bob["id"], {"name": "short", "expires_in_s": 5}, me))["token"]
    assert get(api.token_user(expiring)) is not None
    clock.now += 5.0
    assert get(api.token_user(expiring)) is None


def test_tokens_are_their_owners_but_admins_may_list_and_revoke(api, store, password_hash):
    bob, root = user(store, password_hash), user(store, password_hash, "root", "admin")
    bob_me, root_me = get(api.get_user(bob["id"])), get(api.get_user(root["id"]))
    created = get(api.create_token(bob["id"], {"name": "ci"}, bob_me))
    with pytest.raises(Forbidden):
        get(api.create_token(bob["id"], {"name": "x"}, root_me))
    with pytest.raises(Forbidden):
        get(api.list_tokens(root["id"], bob_me))
    assert [t["name"] for t in get(api.list_tokens(bob["id"], root_me))] == ["ci"]
    get(api.revoke_token(bob["id"], created["id"], root_me))
    assert get(api.token_user(created["token"])) is None


# logins and lockout -----------------------------------------------------------------------------------

def test_lockout_locks_refuses_and_unlocks_with_events(api, store, clock, events, password_hash):
    user(store, password_hash)
    assert get(api.authenticate("bob", "wrong-1")) is None
    assert get(api.authenticate("bob", PASSWORD))["username"] == "bob"   # success resets the count
    for attempt in range(3):
        assert get(api.authenticate("bob", f"wrong-{attempt}")) is None
    assert events.messages == ["Account 'bob' locked for 60 s after 3 failed logins"]
    assert get(api.authenticate("bob", PASSWORD)) is None                # locked

    def tick():          # as the ticker does; the store's Flush waits for the sweep it asked for
        api.tick()
        ask(store, m.Flush).result(10)
    tick()
    clock.now += 59.0
    tick()
    assert len(events.messages) == 1
    clock.now += 1.0
    tick()
    assert events.messages[1:] == ["Account 'bob' unlocked"]
    assert get(api.authenticate("bob", PASSWORD)) is not None


def test_unknown_users_and_absurd_passwords_simply_fail(api, store, password_hash):
    user(store, password_hash)
    assert get(api.authenticate("nobody", PASSWORD)) is None
    assert get(api.authenticate("bob", PASSWORD + "x" * 100_000)) is None
    assert get(api.authenticate("bob", PASSWORD)) is not None


def test_audit_goes_to_the_eventer(api, events):
    get(api.record_audit("bob", "POST", "/api/v2/user", 403))
    assert events.messages == ["Audit: bob POST /api/v2/user -> 403"]


def test_refused_anonymous_writes_cost_one_event_per_address_and_minute(api, events, clock):
    for _ in range(50):
        get(api.record_audit(None, "POST", "/api/v2/cluster/x/pool", 401, client="10.0.0.1"))
    get(api.record_audit(None, "DELETE", "/api/v2/user/2", 401, client="10.0.0.2"))
    get(api.record_audit("bob", "POST", "/api/v2/user", 403, client="10.0.0.1"))     # a user: always listed
    assert events.messages == [
        "Audit: anonymous POST /api/v2/cluster/x/pool -> 401 from 10.0.0.1 (more from there within 60s "
        "are counted, not listed)",
        "Audit: anonymous DELETE /api/v2/user/2 -> 401 from 10.0.0.2 (more from there within 60s are "
        "counted, not listed)",
        "Audit: bob POST /api/v2/user -> 403"]
    api.tick()
    assert len(events.messages) == 3                    # the minute is not over
    clock.now += 61
    api.tick()
    assert events.messages[3:] == ["Audit: 49 more refused anonymous requests from 10.0.0.1 within 60s of the first"]
    get(api.record_audit(None, "POST", "/api/v2/cluster/x/pool", 401, client="10.0.0.1"))
    assert events.messages[4].startswith("Audit: anonymous POST")       # a new minute, a new first


def test_a_flood_from_many_addresses_shares_one_count(api, events, clock):
    from actors.facade.audit import MAX_ANONYMOUS_SOURCES
    for n in range(MAX_ANONYMOUS_SOURCES + 500):
        get(api.record_audit(None, "POST", "/api/v2/cluster/x/pool", 401, client=f"10.1.{n // 256}.{n % 256}"))
    assert len(events.messages) == MAX_ANONYMOUS_SOURCES + 1
    assert "from other addresses" in events.messages[-1]
    clock.now += 61
    api.tick()
    assert events.messages[-1] == "Audit: 499 more refused anonymous requests from other addresses within 60s of the first"


def test_deleting_a_user_ends_their_cached_session_and_token(api, store, password_hash):
    bob, root = user(store, password_hash), user(store, password_hash, "root", "admin")
    session = get(api.create_session(bob["id"]))
    token = get(api.create_token(bob["id"], {"name": "ci"}, get(api.get_user(bob["id"]))))["token"]
    assert get(api.session_user(session)) and get(api.token_user(token))        # both cached now
    get(api.delete_user(bob["id"], get(api.get_user(root["id"]))))
    assert (get(api.session_user(session)), get(api.token_user(token))) == (None, None)
