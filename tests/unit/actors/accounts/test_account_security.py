"""Issue 12's account hardening, in its pure parts and the facade against a real store: lockout
per (account, address) and per account, the per-address login throttle, password strength,
Argon2 rehash of legacy hashes, unknown usernames in events, wrong current_password counting."""
from __future__ import annotations

import base64
import hashlib

import pytest

from actors.storage import messages as m
from actors.runtime.base import ask
from actors.errors import Invalid
from actors.facade.accounts import check_password
from actors.accounts.lockout import AttemptOutcome, Limits, LoginState, after_attempt
from actors.accounts.password_strength import weakness
from actors.accounts.roles import unknown_user
from tests.helpers import wait_until
from tests.unit.facade_fixtures import PASSWORD, get, user
from web.login_throttle import LoginThrottle, Throttled

LIMITS = Limits(client_failures=3, account_failures=5, lockout_s=60.0)


# lockout: per (account, address) and per account ------------------------------------------------------

def test_one_address_locks_only_itself_out():
    account, client = LoginState(), LoginState()
    for now in (1.0, 2.0, 3.0):
        account, client, outcome = after_attempt(account, client, False, now, LIMITS)
    assert outcome.client_locked_now and not outcome.account_locked_now
    assert client == LoginState(3, 63.0) and account == LoginState(3)
    # The owner from another address (a fresh client state) gets in, and resets the account count.
    account, other, outcome = after_attempt(account, LoginState(), True, 4.0, LIMITS)
    assert outcome.allowed and account == LoginState()


def test_while_either_is_locked_nothing_counts_and_the_right_password_fails():
    locked = LoginState(3, 63.0)
    assert after_attempt(LoginState(1), locked, True, 10.0, LIMITS) == (
        LoginState(1), locked, AttemptOutcome(False, client_failures=3, account_failures=1))
    assert after_attempt(LoginState(5, 70.0), LoginState(), True, 10.0, LIMITS)[2].allowed is False


def test_the_account_cap_counts_every_address():
    account = LoginState()
    for now in range(5):
        account, _, outcome = after_attempt(account, LoginState(), False, float(now), LIMITS)
    assert outcome.account_locked_now and account.locked(10.0)
    account, _, outcome = after_attempt(account, LoginState(), True, 64.0, LIMITS)
    assert outcome.allowed and outcome.account_unlocked


# the per-address throttle -------------------------------------------------------------------------------

def test_in_flight_logins_are_capped_per_address_only():
    throttle = LoginThrottle(max_in_flight=2, failures_per_minute=60, burst=10)
    throttle.admit("attacker", 0.0)
    throttle.admit("attacker", 0.0)
    with pytest.raises(Throttled):
        throttle.admit("attacker", 0.0)
    throttle.admit("owner", 0.0)                     # another address is not affected
    throttle.release("attacker")
    throttle.admit("attacker", 0.0)


def test_failures_spend_a_refilling_budget_and_say_when_to_retry():
    throttle = LoginThrottle(max_in_flight=4, failures_per_minute=6, burst=2)   # one per 10 s
    for _ in range(2):
        throttle.admit("a", 0.0)
        throttle.failed("a", 0.0)
        throttle.release("a")
    with pytest.raises(Throttled) as refused:
        throttle.admit("a", 1.0)
    assert refused.value.retry_after_s == 9
    throttle.admit("a", 10.0)                        # refilled
    for _ in range(20):                              # successes spend nothing
        throttle.admit("b", 0.0)
        throttle.release("b")


def test_the_table_of_addresses_is_bounded():
    throttle = LoginThrottle(max_in_flight=1, failures_per_minute=60, burst=1, max_clients=2)
    throttle.admit("a", 0.0)
    throttle.admit("b", 0.0)
    with pytest.raises(Throttled):
        throttle.admit("c", 0.0)                     # both busy: no room
    throttle.release("a")
    throttle.admit("c", 0.0)                         # "a" was idle and full: forgotten


# password strength ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("password", ["password1", "bobs-password", "qwertyuiop", "11111111", "bob@example.com"])
def test_weak_passwords_are_refused_naming_the_field_with_zxcvbns_feedback(password):
    problems = check_password(password, "bob", "bob@example.com")
    assert list(problems) == ["password"] and "too easy to guess" in problems["password"][0]


def test_the_account_name_and_email_count_as_known_words():
    assert weakness("zebulon-mauritius", []) == []
    assert weakness("zebulon-mauritius", ["zebulon-mauritius"]) != []
    assert check_password("correct horse battery staple", "bob") == {}
    assert check_password("x" * 2000, "bob")["password"] == ["must be at most 1024 characters"]


# unknown usernames in events -----------------------------------------------------------------------------

def test_unknown_usernames_are_named_only_by_a_short_hash():
    assert unknown_user("hunter2") == "unknown user #" + hashlib.sha256(b"hunter2").hexdigest()[:12]


def test_login_subject_names_accounts_and_hashes_the_rest(api, store, password_hash):  # noqa: F811
    user(store, password_hash)
    assert get(api.login_subject("bob")) == "bob"
    assert get(api.login_subject("hunter2")) == unknown_user("hunter2")


# Argon2 rehash and current_password guesses (facade against a real store) --------------------------------

def legacy_hash(password: str) -> str:
    salt = b"0123456789abcdef"
    digest = hashlib.scrypt(password.encode(), salt=salt, n=2 ** 14, r=8, p=1, dklen=32)
    return f"scrypt$16384$8$1${base64.b64encode(salt).decode()}${base64.b64encode(digest).decode()}"


def stored_hash(store, name="bob") -> str:
    return ask(store, lambda r: m.GetUserByName(name, r)).result(10)["password_hash"]


def test_a_legacy_scrypt_hash_is_replaced_by_argon2id_at_login(api, store):  # noqa: F811
    user(store, legacy_hash(PASSWORD))
    assert get(api.authenticate("bob", "wrong-password", "10.0.0.1")) is None
    assert stored_hash(store).startswith("scrypt$")          # a failure changes nothing
    assert get(api.authenticate("bob", PASSWORD, "10.0.0.1"))["username"] == "bob"
    wait_until(lambda: stored_hash(store).startswith("$argon2id$"), timeout_s=10, what="the rehash")
    assert get(api.authenticate("bob", PASSWORD, "10.0.0.1")) is not None


def test_wrong_current_passwords_count_towards_the_lockout(api, store, events, password_hash):  # noqa: F811
    bob = user(store, password_hash)
    change = {"password": "brand-new-Secret-77", "current_password": "wrong-guess"}
    for _ in range(3):
        with pytest.raises(Invalid) as refused:
            get(api.update_user(bob["id"], change, bob, client="10.0.0.9"))
        assert refused.value.errors == {"current_password": ["does not match"]}
    assert "Account 'bob' locked for logins from 10.0.0.9 for 60 s after 3 failed logins" in events.messages
    assert get(api.authenticate("bob", PASSWORD, "10.0.0.9")) is None          # the same counters
    with pytest.raises(Invalid):                                              # even the right one now
        get(api.update_user(bob["id"], dict(change, current_password=PASSWORD), bob, client="10.0.0.9"))
    assert get(api.authenticate("bob", PASSWORD, "10.0.0.1")) is not None      # another address


def test_an_admin_unlock_and_a_password_reset_clear_locks(api, store, events, password_hash):  # noqa: F811
    bob, root = user(store, password_hash), user(store, password_hash, "root", "admin")
    for _ in range(3):
        get(api.authenticate("bob", "wrong-guess", "10.0.0.9"))
    get(api.unlock_user(bob["id"], root))
    assert "Account 'bob' unlocked by administrator 'root'" in events.messages
    assert get(api.authenticate("bob", PASSWORD, "10.0.0.9")) is not None
    for _ in range(3):
        get(api.authenticate("bob", "wrong-guess", "10.0.0.9"))
    get(api.update_user(bob["id"], {"password": "reset-by-Admin-99"}, root))
    assert get(api.authenticate("bob", "reset-by-Admin-99", "10.0.0.9")) is not None
