"""The pure parts of people-and-programs security: roles, lockout, API tokens, audit events."""
from __future__ import annotations

import pytest

from actors.accounts import api_tokens, roles
from actors.accounts.audit import audit_event
from actors.errors import Invalid
from actors.events import ERROR, INFO, WARNING
from actors.accounts.lockout import LoginOutcome, LoginState, after_login


# roles ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("role, required, allowed", [
    ("admin", "admin", True), ("admin", "operator", True), ("admin", "read-only", True),
    ("operator", "admin", False), ("operator", "operator", True), ("operator", "read-only", True),
    ("read-only", "operator", False), ("read-only", "read-only", True),
    (None, "read-only", False), ("superuser", "read-only", False), ("", "read-only", False)])
def test_roles_are_ranked_and_unknown_ones_may_do_nothing(role, required, allowed):
    assert roles.allows(role, required) is allowed


def test_reads_need_any_role_and_changes_an_operator():
    assert [roles.default_required(m) for m in ("GET", "HEAD", "OPTIONS")] == ["read-only"] * 3
    assert [roles.default_required(m) for m in ("POST", "PUT", "PATCH", "DELETE")] == ["operator"] * 4


def test_rows_older_than_roles_map_from_is_admin():
    assert roles.stored_role(None, True) == "admin"
    assert roles.stored_role(None, False) == "operator"
    assert roles.stored_role("read-only", True) == "read-only"      # the column wins once set
    assert roles.public_user({"id": 1, "username": "u", "email": None, "is_admin": 0, "role": "admin",
                              "password_hash": "x"}) == {
        "id": 1, "username": "u", "email": "", "is_admin": True, "role": "admin"}


# lockout --------------------------------------------------------------------------------------------

def fail(state, now, max_failures=3, lockout_s=60.0):
    return after_login(state, False, now, max_failures, lockout_s)


def test_the_third_consecutive_failure_locks():
    state = LoginState()
    for expected in (1, 2):
        state, outcome = fail(state, 0.0)
        assert outcome == LoginOutcome(allowed=False, failures=expected)
    state, outcome = fail(state, 1.0)
    assert outcome.locked_now and state == LoginState(3, 61.0)


def test_locked_refuses_everything_without_counting_or_extending():
    locked = LoginState(3, 61.0)
    assert after_login(locked, True, 30.0, 3, 60.0) == (locked, LoginOutcome(allowed=False, failures=3))
    assert fail(locked, 60.9)[0] == locked


def test_expired_lock_is_cleared_and_reported_by_the_next_attempt():
    state, outcome = after_login(LoginState(3, 61.0), True, 61.0, 3, 60.0)
    assert (state, outcome) == (LoginState(), LoginOutcome(allowed=True, unlocked=True))
    state, outcome = fail(LoginState(3, 61.0), 62.0)
    assert (state, outcome.unlocked, outcome.failures) == (LoginState(1), True, 1)


def test_success_resets_the_count_and_zero_disables_locking():
    assert after_login(LoginState(2), True, 5.0, 3, 60.0)[0] == LoginState()
    state = LoginState()
    for _ in range(50):
        state, outcome = fail(state, 1.0, max_failures=0)
    assert state.locked_until is None and not outcome.locked_now


# API tokens -----------------------------------------------------------------------------------------

def test_a_new_token_parses_back_to_its_id_and_hash_only():
    token_id, secret_hash, token = api_tokens.new_token()
    assert token.startswith(f"cal_{token_id}_") and len(token) == 4 + 12 + 1 + 43
    assert api_tokens.parse(token) == (token_id, secret_hash)
    assert secret_hash not in token and token.split("_", 2)[2] not in secret_hash
    assert api_tokens.token_id(token) == token_id
    assert api_tokens.new_token()[2] != token


@pytest.mark.parametrize("bad", ["", "cal_", "cal_0123456789ab", "cal_0123456789ab_short",
                                 "xyz_0123456789ab_" + "a" * 43, "cal_0123456789AB_" + "a" * 43,
                                 "cal_0123456789ab_" + "a" * 43 + "\n", None, 7])
def test_malformed_tokens_do_not_parse(bad):
    assert api_tokens.parse(bad) is None


def test_secret_comparison():
    assert api_tokens.secret_matches("ab" * 32, "ab" * 32)
    assert not api_tokens.secret_matches("ab" * 32, "ac" * 32)


def test_creation_body_is_checked():
    assert api_tokens.check_new({"name": "ci"}, 10.0) == ("ci", None)
    assert api_tokens.check_new({"name": "ci", "expires_in_s": 5}, 10.0) == ("ci", 15.0)
    for body, field in (({}, "name"), ({"name": " "}, "name"), ({"name": "x" * 101}, "name"),
                        ({"name": 3}, "name"), ({"name": "a", "expires_in_s": 0}, "expires_in_s"),
                        ({"name": "a", "expires_in_s": True}, "expires_in_s"),
                        ({"name": "a", "expires_in_s": "5"}, "expires_in_s"),
                        ({"name": "a", "expires_in_s": 1e300}, "expires_in_s"),
                        ({"name": "a", "scope": "all"}, "scope")):
        with pytest.raises(Invalid) as caught:
            api_tokens.check_new(body, 10.0)
        assert field in caught.value.errors, body
    with pytest.raises(Invalid):
        api_tokens.check_new(["ci"], 10.0)


def test_listed_token_has_no_secret_and_says_whether_it_expired():
    row = {"id": "0123456789ab", "name": "ci", "created_at": 0.0, "expires_at": 10.0, "last_used_at": None}
    listed = api_tokens.public(row, 10.0)
    assert listed == {"id": "0123456789ab", "name": "ci", "created_at": "1970-01-01T00:00:00+00:00",
                      "expires_at": "1970-01-01T00:00:10+00:00", "last_used_at": None, "expired": True}
    assert api_tokens.public(row, 9.0)["expired"] is False


# audit ----------------------------------------------------------------------------------------------

def test_audit_event_names_who_what_outcome_and_request():
    event = audit_event(5.0, "alice", "POST", "/api/v2/cluster/f1/pool", 202, "r-1", fsid="f1")
    assert event.message == "Audit: alice POST /api/v2/cluster/f1/pool -> 202 (request r-1)"
    assert (event.when, event.severity, event.fsid, event.fqdn) == (5.0, INFO, "f1", None)
    assert audit_event(0.0, None, "DELETE", "/api/v2/user/2", 401).message == \
        "Audit: anonymous DELETE /api/v2/user/2 -> 401"


def test_audit_severity_and_hostile_text():
    assert [audit_event(0.0, "u", "POST", "/", s).severity for s in (200, 400, 403, 401, 500)] == \
        [INFO, INFO, WARNING, WARNING, ERROR]
    event = audit_event(0.0, "eve\nINFO forged line", "POST", "/x" * 1000, 400)
    assert "\n" not in event.message and "eve?INFO forged line" in event.message
    assert len(event.message) < 600
