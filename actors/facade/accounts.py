"""The facade's user management (agent keys are keys.py's, logins logins.py's).

Admins manage every account and its role; anyone else may change only their own email and
password, and must give the current password to change the password. A password change ends
every session of that user (the cached ones too); API tokens stay (they are revoked one by one).
An administrator cannot change their own role, nor delete their own account, so the acting
administrator always remains one: there is always an admin.
"""
from __future__ import annotations

import re
from concurrent.futures import Executor, Future
from typing import Callable

import pykka

from actors.accounts import password_strength, passwords, roles
from actors.accounts.auth_cache import AuthCache
from actors.runtime.base import ask
from actors.fields import Body, convert, string
from actors.errors import Conflict, Forbidden, Invalid, NotFound
from actors.runtime.futures import done, failed, then
from actors.events import INFO, Event
from actors.storage.messages import (CreateUser, DeleteUser, DeleteUserSessions, GetUser, GetUserByName,
                                   SetPasswordHash, SetUserRole, UnlockUser, UpdateUserEmail)

USERNAME = re.compile(r"^[A-Za-z0-9@.+_-]{1,150}$")
MIN_PASSWORD = 8
MAX_PASSWORD = 1024      # scrypt's cost grows with the input: no megabyte passwords
# The bodies' fields, for the OpenAPI document; the checks below take field names from here.
USER_CREATE = Body({"username": string(max_length=150), "password": string(max_length=MAX_PASSWORD),
                    "email": string(blank=True, name=True), "role": string(*roles.ROLES)},
                   required=("username", "password"))
USER_UPDATE = Body({"email": string(blank=True, name=True), "password": string(max_length=MAX_PASSWORD),
                    "current_password": string(), "role": string(*roles.ROLES)})


def valid_user_id(user_id) -> bool:
    """Ids the database can hold (larger ones cannot exist: 404, not an overflow)."""
    return isinstance(user_id, int) and 0 < user_id < 2**63


def check_password(password, username: str, email: str = "", field: str = "password") -> dict:
    """Problems of a new password, by field; {} when it may be used. Strength is zxcvbn's
    (actors/accounts/password_strength.py), told the account's name and email."""
    if not isinstance(password, str):
        return {field: ["must be a string"]}
    if len(password) < MIN_PASSWORD:
        return {field: [f"must be at least {MIN_PASSWORD} characters"]}
    if len(password) > MAX_PASSWORD:
        return {field: [f"must be at most {MAX_PASSWORD} characters"]}
    if password == username:
        return {field: ["must differ from the username"]}
    reasons = password_strength.weakness(password, [username, email, *username.split("@"), *email.split("@")])
    return {field: reasons} if reasons else {}


def check_user_fields(attrs, body: Body, also_allowed: tuple = ()) -> dict:
    """Unknown, missing and wrongly typed fields of `body` (every declared field present is
    checked, e.g. a current_password that is not a string even when no password is given)."""
    if not isinstance(attrs, dict):
        raise Invalid("Request body must be a JSON object")
    errors = {k: ["Not allowed"] for k in attrs if k not in body.fields and k not in also_allowed}
    errors.update({k: ["Required"] for k in body.required if k not in attrs})
    for name, field in body.fields.items():
        if name in attrs:
            try:
                convert(field, attrs[name])
            except ValueError as exc:
                errors[name] = [str(exc)]
    return errors


class Accounts:
    def __init__(self, store: pykka.ActorRef, kdf: Executor, auth_cache: AuthCache,
                 record_login: Callable[[dict, bool, str], Future], emit: Callable[..., None], clock):
        """kdf: where the slow password hashing runs; auth_cache: the credentials Sessions
        trusts for a while (a changed account leaves it); record_login(user, password_ok,
        client): Logins' lockout rules, which a current_password check counts towards."""
        self._store = store
        self._kdf = kdf
        self._auth_cache = auth_cache
        self._record_login = record_login
        self._emit = emit
        self._clock = clock

    def _hash(self, password: str) -> Future:
        return self._kdf.submit(passwords.hash_password, password)

    def _forget_sessions(self, user_id: int) -> None:
        self._store.tell(DeleteUserSessions(user_id))
        self._forget_cached(user_id)

    def _forget_cached(self, user_id: int) -> None:
        self._auth_cache.drop_user(user_id)

    # --- users -----------------------------------------------------------------------------------
    def create_user(self, attrs: dict, actor: dict) -> Future:
        if not actor.get("is_admin"):
            return failed(Forbidden("Only administrators manage users"))
        try:
            errors = check_user_fields(attrs, USER_CREATE)
        except Invalid as exc:
            return failed(exc)
        username = attrs.get("username")
        if isinstance(username, str) and not USERNAME.match(username):
            errors["username"] = ["letters, digits and @.+-_ only, at most 150"]
        elif not isinstance(username, str) and "username" not in errors:
            errors["username"] = ["must be a string"]
        if "password" not in errors:
            email = attrs.get("email") if isinstance(attrs.get("email"), str) else ""
            errors.update(check_password(attrs["password"], str(username), email))
        if errors:
            return failed(Invalid("Invalid user", errors))
        role = attrs.get("role", roles.DEFAULT_NEW_USER)
        return then(self._hash(attrs["password"]), lambda hashed: then(ask(self._store, lambda r: CreateUser(
            username, attrs.get("email", ""), hashed, role, self._clock(), r)), roles.public_user))

    def update_user(self, user_id: int, attrs: dict, actor: dict, client: str = "") -> Future:
        """client: the asker's address; a wrong current_password counts towards the lockout
        from there like a failed login (actors/accounts/lockout.py)."""
        if not valid_user_id(user_id):
            return failed(NotFound.of("user", user_id))
        if actor["id"] != user_id and not actor.get("is_admin"):
            return failed(Forbidden("You may change only your own account"))
        try:
            # `username` passes here only to be compared with the stored one in apply(): a PUT
            # carries the whole representation, so the unchanged name is fine, another refused.
            errors = check_user_fields(attrs, USER_UPDATE, also_allowed=REPRESENTATION_ONLY)
        except Invalid as exc:
            return failed(exc)
        if errors:
            return failed(Invalid("Invalid user", errors))

        def apply(user):
            """Everything is checked (the current password too) before anything is written."""
            if user is None:
                raise NotFound.of("user", user_id)
            changes = _changes_of_representation(attrs, user)
            if "role" in changes and not actor.get("is_admin"):
                raise Forbidden("Only administrators change roles")
            if "role" in changes and actor["id"] == user_id:
                raise Conflict("You cannot change your own role", {"role": ["not for your own account"]})
            checked = self._check_password_change(user, attrs, own, client) if "password" in attrs else done(None)
            return then(checked, lambda _: self._run_steps(self._writes(user_id, changes),
                                                          lambda: ask(self._store, lambda r: GetUser(user_id, r))))
        own = actor["id"] == user_id   # then the stored hash is needed to check the current password
        lookup = (ask(self._store, lambda r: GetUserByName(actor["username"], r)) if own
                  else ask(self._store, lambda r: GetUser(user_id, r)))
        return then(lookup, apply)

    def _check_password_change(self, user: dict, attrs: dict, own: bool, client: str) -> Future:
        email = attrs["email"] if isinstance(attrs.get("email"), str) else user.get("email", "")
        problems = check_password(attrs["password"], user["username"], email)
        if problems:
            return failed(Invalid("Invalid password", problems))
        if not own:
            return done(None)   # an administrator resetting someone else's password
        current = attrs.get("current_password")
        if not isinstance(current, str):
            return failed(Invalid("The current password is required", {"current_password": ["Required"]}))

        def allowed(user_if_allowed):
            # A locked account answers like a wrong password, as at login.
            if user_if_allowed is None:
                raise Invalid("The current password is wrong", {"current_password": ["does not match"]})
        verified = self._kdf.submit(passwords.verify_password, current[:MAX_PASSWORD + 1], user.get("password_hash", ""))
        return then(then(verified, lambda ok: self._record_login(user, ok, client)), allowed)

    def _writes(self, user_id: int, attrs: dict) -> list:
        steps = []
        if "role" in attrs:
            steps.append(lambda: ask(self._store, lambda r: SetUserRole(user_id, attrs["role"], r)))
        if "email" in attrs:
            steps.append(lambda: ask(self._store, lambda r: UpdateUserEmail(user_id, attrs["email"], r)))
        if "password" in attrs:
            steps.append(lambda: then(self._hash(attrs["password"]), lambda hashed: ask(
                self._store, lambda r: SetPasswordHash(user_id, hashed, r))))
            steps.append(lambda: done(self._forget_sessions(user_id)))
            # A new password is a fresh start: counts and locks earned against the old one go
            # (so an administrator's reset also lets a locked-out owner back in).
            steps.append(lambda: ask(self._store, lambda r: UnlockUser(user_id, r)))
        else:
            steps.append(lambda: done(self._forget_cached(user_id)))   # cached user/me shows the new email, role
        return steps

    def _run_steps(self, steps: list, finish) -> Future:
        if not steps:
            return then(finish(), _public_or_404)
        first, rest = steps[0], steps[1:]
        return then(first(), lambda _: self._run_steps(rest, finish))

    def unlock_user(self, user_id: int, actor: dict) -> Future:
        """Clear every failure count and lock of an account (administrators only)."""
        if not actor.get("is_admin"):
            return failed(Forbidden("Only administrators unlock accounts"))
        if not valid_user_id(user_id):
            return failed(NotFound.of("user", user_id))

        def unlocked(user):
            if user is None:
                raise NotFound.of("user", user_id)
            return then(ask(self._store, lambda r: UnlockUser(user_id, r)),
                        lambda was_locked: self._emit(*unlock_events(self._clock(), user, actor, was_locked)))
        return then(ask(self._store, lambda r: GetUser(user_id, r)), unlocked)

    def delete_user(self, user_id: int, actor: dict) -> Future:
        if not actor.get("is_admin"):
            return failed(Forbidden("Only administrators manage users"))
        if not valid_user_id(user_id):
            return failed(NotFound.of("user", user_id))
        if actor["id"] == user_id:
            return failed(Conflict("You cannot delete your own account"))
        # The store deletes sessions and tokens with the user; the cache forgets them after that,
        # so no lookup answered in between can put them back (see AuthCache).
        return then(ask(self._store, lambda r: DeleteUser(user_id, r)), lambda _: self._forget_cached(user_id))


def _public_or_404(user):
    if user is None:
        raise NotFound("user not found")
    return roles.public_user(user)



def unlock_events(now: float, user: dict, actor: dict, was_locked: bool) -> list[Event]:
    if not was_locked:
        return []
    return [Event(now, INFO, f"Account '{user['username']}' unlocked by administrator '{actor['username']}'")]


# Fields a GET shows that a PUT may carry back unchanged: a PUT sends the whole representation.
REPRESENTATION_ONLY = ("username", "id", "is_admin")


def _changes_of_representation(attrs: dict, user: dict) -> dict:
    """attrs less the shown fields it carries back unchanged (id, username, is_admin, the same
    role); a changed one of those that cannot change is a 400 naming it."""
    role = roles.stored_role(user.get("role"), bool(user.get("is_admin")))
    current = {"id": user["id"], "username": user["username"], "is_admin": role == roles.ADMIN}
    wrong = {name: ["cannot be changed"] for name in REPRESENTATION_ONLY
             if name in attrs and attrs[name] != current[name]}
    if wrong:
        raise Invalid("Invalid user", wrong)
    changes = {name: value for name, value in attrs.items() if name not in REPRESENTATION_ONLY}
    if changes.get("role") == role:
        del changes["role"]
    return changes
