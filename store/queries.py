"""Reads and writes on the models, as plain functions returning plain dicts and tuples.

The caller (the store actor) owns the connection and wraps each call in one transaction; nothing
here opens, commits or knows about threads. Values that come back are fresh objects the caller
may hand to other threads.
"""
from __future__ import annotations

import json

import msgpack
import peewee as pw

from store.event_pages import EventPages
from store.models import (KEY_STATUSES, ApiToken, Cluster, Event, LoginFailure, MinionKey, Request, Server,
                          Session, SyncObject, User)

EVENT_BATCH = 100          # rows per INSERT statement (stays far below SQLite's variable limit)
SERVICE_KEYS = ("fsid", "type", "id", "running", "status")
REQUEST_STATES = ("submitted", "complete")
REQUESTS_LOADED = 10_000   # a restart restores at most this many requests, the newest


def pack(data) -> bytes:
    return msgpack.packb(data, use_bin_type=True)


def unpack(blob) -> object:
    return msgpack.unpackb(bytes(blob), raw=False, strict_map_key=True)


# servers ------------------------------------------------------------------------------------------

def save_server(server: dict) -> None:
    """Insert or replace the row of `server["fqdn"]`; unknown keys are ignored."""
    fqdn = server["fqdn"]
    if not isinstance(fqdn, str) or not fqdn:
        raise ValueError(f"bad fqdn {fqdn!r}")
    services = [{key: service.get(key) for key in SERVICE_KEYS}
                for service in server.get("services") or ()]
    row = {
        Server.fqdn: fqdn,
        Server.hostname: server.get("hostname") or fqdn.split(".")[0],
        Server.managed: bool(server.get("managed", False)),
        Server.last_contact: server.get("last_contact"),
        Server.boot_time: server.get("boot_time"),
        Server.ceph_version: server.get("ceph_version"),
        Server.grains: json.dumps(server.get("grains") or {}, sort_keys=True),
        Server.services: json.dumps(services, sort_keys=True),
        Server.late: bool(server.get("late", False)),
    }
    update = {field: value for field, value in row.items() if field is not Server.fqdn}
    Server.insert(row).on_conflict(conflict_target=[Server.fqdn], update=update).execute()


def delete_server(fqdn: str) -> None:
    Server.delete().where(Server.fqdn == fqdn).execute()


def load_servers() -> list[dict]:
    return [{"fqdn": row.fqdn, "hostname": row.hostname, "managed": row.managed,
             "last_contact": row.last_contact, "boot_time": row.boot_time,
             "ceph_version": row.ceph_version, "grains": json.loads(row.grains),
             "services": json.loads(row.services), "late": row.late}
            for row in Server.select().order_by(Server.fqdn)]


# clusters and sync objects ---------------------------------------------------------------------

def save_cluster(fsid: str, name: str, update_time: float | None, late: bool = False,
                 capacity_levels: dict | None = None) -> None:
    levels = None if capacity_levels is None else json.dumps(capacity_levels, sort_keys=True)
    Cluster.insert(fsid=fsid, name=name, update_time=update_time, late=late,
                   capacity_levels=levels).on_conflict(
        conflict_target=[Cluster.fsid],
        update={Cluster.name: name, Cluster.update_time: update_time, Cluster.late: late,
                Cluster.capacity_levels: levels}).execute()


def save_sync_object(fsid: str, cluster_name: str, sync_type: str, version, data,
                     saved_at: float) -> None:
    """Keep only the latest copy per (fsid, sync_type): an upsert, never a history."""
    if version is None:
        raise ValueError("a sync object needs a version")
    is_int = isinstance(version, int) and not isinstance(version, bool)
    row = {SyncObject.fsid: fsid, SyncObject.sync_type: sync_type,
           SyncObject.cluster_name: cluster_name, SyncObject.version: str(version),
           SyncObject.version_is_int: is_int, SyncObject.data: pack(data),
           SyncObject.saved_at: saved_at}
    keys = {SyncObject.fsid.name, SyncObject.sync_type.name}   # fields overload ==: compare names
    update = {field: value for field, value in row.items() if field.name not in keys}
    SyncObject.insert(row).on_conflict(
        conflict_target=[SyncObject.fsid, SyncObject.sync_type], update=update).execute()


def delete_cluster(fsid: str) -> None:
    """The cluster row and its maps go; its events stay (they are history)."""
    SyncObject.delete().where(SyncObject.fsid == fsid).execute()
    Cluster.delete().where(Cluster.fsid == fsid).execute()


def _json_or_none(text: str | None):
    """A JSON column's value; None for none, or for text that is not JSON (it only held alarm
    levels, which start again empty rather than stop a restart)."""
    try:
        return None if text is None else json.loads(text)
    except ValueError:
        return None


def load_clusters(on_bad_row=None) -> list[dict]:
    """Every cluster with its latest maps: {fsid, name, update_time, sync_objects}.

    A cluster that has maps but no cluster row is still returned (name from its maps, update
    time = newest map). A map whose blob cannot be decoded is skipped and reported to
    `on_bad_row(fsid, sync_type, exc)`, so one bad row cannot stop a restart.
    """
    clusters: dict[str, dict] = {}
    for row in Cluster.select().order_by(Cluster.fsid):
        clusters[row.fsid] = {"fsid": row.fsid, "name": row.name, "late": row.late,
                              "update_time": row.update_time, "sync_objects": {},
                              "capacity_levels": _json_or_none(row.capacity_levels)}
    derived: set[str] = set()
    for row in SyncObject.select().order_by(SyncObject.fsid, SyncObject.sync_type):
        if row.fsid not in clusters:
            derived.add(row.fsid)
            clusters[row.fsid] = {"fsid": row.fsid, "name": row.cluster_name,
                                  "update_time": row.saved_at, "sync_objects": {}}
        cluster = clusters[row.fsid]
        try:
            data = unpack(row.data)
            version = int(row.version) if row.version_is_int else row.version
        except Exception as exc:  # noqa: BLE001 - reported, the rest still loads
            if on_bad_row is not None:
                on_bad_row(row.fsid, row.sync_type, exc)
            continue
        cluster["sync_objects"][row.sync_type] = (version, data)
        if row.fsid in derived:
            cluster["update_time"] = max(cluster["update_time"], row.saved_at)
    return [clusters[fsid] for fsid in sorted(clusters)]


# events -----------------------------------------------------------------------------------------

def save_events(events) -> int:
    rows = [{"when": e.when, "severity": e.severity, "message": e.message, "fsid": e.fsid,
             "fqdn": e.fqdn, "service_type": e.service_type,
             "service_id": None if e.service_id is None else str(e.service_id),
             "audit": bool(getattr(e, "audit", False))}
            for e in events]
    for start in range(0, len(rows), EVENT_BATCH):
        Event.insert_many(rows[start:start + EVENT_BATCH]).execute()
    return len(rows)


def list_events(fsid: str | None, fqdn: str | None, max_severity: int | None,
                offset: int, limit: int | None, pages: EventPages | None = None) -> tuple[int, list[dict]]:
    """(total matching, one page newest first, ties newest id first); filters combine, None means
    "any"; limit None: to the end. `pages` keeps the anchors that make deep pages and the count
    cheap (store/event_pages.py); without one every call walks the whole list once."""
    return (pages or EventPages()).list(Event._meta.database, fsid, fqdn, max_severity, offset, limit)


# users and sessions ------------------------------------------------------------------------------

def _public(user: User) -> dict:
    """`role` as stored: None in rows made before roles (the facade reads is_admin then)."""
    return {"id": user.id, "username": user.username, "email": user.email,
            "is_admin": user.is_admin, "role": user.role}


def count_users() -> int:
    return User.select().count()


def create_user(username: str, email: str, password_hash: str, role: str, is_admin: bool,
                now: float) -> dict:
    """Raises peewee.IntegrityError when the username is taken."""
    user = User.create(username=username, email=email or "", password_hash=password_hash,
                       role=role, is_admin=bool(is_admin), created_at=now)
    return _public(user)


def get_user_by_name(username: str) -> dict | None:
    user = User.get_or_none(User.username == username)
    if user is None:
        return None
    return dict(_public(user), password_hash=user.password_hash)


def get_user(user_id: int) -> dict | None:
    user = User.get_or_none(User.id == user_id)
    return None if user is None else _public(user)


def list_users() -> list[dict]:
    return [_public(user) for user in User.select().order_by(User.id)]


def set_email(user_id: int, email: str) -> bool:
    return User.update(email=email).where(User.id == user_id).execute() > 0


def set_password_hash(user_id: int, password_hash: str) -> bool:
    return User.update(password_hash=password_hash).where(User.id == user_id).execute() > 0


def replace_password_hash(user_id: int, old_hash: str, new_hash: str) -> bool:
    """Compare-and-set: a password changed since `old_hash` was read is left alone."""
    return User.update(password_hash=new_hash).where(
        (User.id == user_id) & (User.password_hash == old_hash)).execute() > 0


def set_role(user_id: int, role: str, is_admin: bool) -> bool:
    return User.update(role=role, is_admin=is_admin).where(User.id == user_id).execute() > 0


def login_state(user_id: int) -> tuple[int, float | None] | None:
    """(consecutive failed logins, locked until) of a user, None for an unknown one."""
    row = User.select(User.failed_logins, User.locked_until).where(User.id == user_id).first()
    return None if row is None else (row.failed_logins or 0, row.locked_until)


def set_login_state(user_id: int, failures: int, locked_until: float | None) -> None:
    User.update(failed_logins=failures, locked_until=locked_until).where(User.id == user_id).execute()


def client_login_state(user_id: int, client: str) -> tuple[int, float | None]:
    """(consecutive failed logins, locked until) of a user from one client address."""
    row = (LoginFailure.select(LoginFailure.failures, LoginFailure.locked_until)
           .where((LoginFailure.user == user_id) & (LoginFailure.client == client)).first())
    return (0, None) if row is None else (row.failures, row.locked_until)


def set_client_login_state(user_id: int, client: str, failures: int, locked_until: float | None,
                           now: float) -> None:
    where = (LoginFailure.user == user_id) & (LoginFailure.client == client)
    if failures == 0 and locked_until is None:
        LoginFailure.delete().where(where).execute()
    elif not LoginFailure.update(failures=failures, locked_until=locked_until, updated_at=now).where(where).execute():
        LoginFailure.insert(user=user_id, client=client, failures=failures, locked_until=locked_until,
                            updated_at=now).execute()


def unlock_user(user_id: int) -> bool | None:
    """Clear every failure count and lock of a user: whether any lock was set (None: no such user)."""
    row = User.get_or_none(User.id == user_id)
    if row is None:
        return None
    was_locked = row.locked_until is not None or LoginFailure.select().where(
        (LoginFailure.user == user_id) & LoginFailure.locked_until.is_null(False)).exists()
    User.update(failed_logins=0, locked_until=None).where(User.id == user_id).execute()
    LoginFailure.delete().where(LoginFailure.user == user_id).execute()
    return was_locked


def expire_locks(now: float, forget_before: float | None = None
                 ) -> tuple[list[tuple[str, str | None]], float | None]:
    """Clear every lock that has run out, and forget per-address counts untouched since
    `forget_before`: ([(username, client address, or None for the whole account)], when the
    next remaining lock ends)."""
    expired = User.select(User.username).where(User.locked_until <= now).order_by(User.username)
    unlocked: list[tuple[str, str | None]] = [(row.username, None) for row in expired]
    if unlocked:
        User.update(failed_logins=0, locked_until=None).where(User.locked_until <= now).execute()
    ended = (LoginFailure.select(User.username, LoginFailure.client).join(User)
             .where(LoginFailure.locked_until <= now).order_by(User.username, LoginFailure.client))
    unlocked += [(row.user.username, row.client) for row in ended]
    stale = LoginFailure.locked_until <= now
    if forget_before is not None:
        stale |= LoginFailure.locked_until.is_null() & (LoginFailure.updated_at < forget_before)
    LoginFailure.delete().where(stale).execute()
    ends = [User.select(pw.fn.MIN(User.locked_until)).scalar(),
            LoginFailure.select(pw.fn.MIN(LoginFailure.locked_until)).scalar()]
    return unlocked, min((end for end in ends if end is not None), default=None)


def delete_user(user_id: int) -> bool:
    Session.delete().where(Session.user == user_id).execute()
    ApiToken.delete().where(ApiToken.user == user_id).execute()
    LoginFailure.delete().where(LoginFailure.user == user_id).execute()
    return User.delete().where(User.id == user_id).execute() > 0


def save_session(token_hash: str, user_id: int, created_at: float, expires_at: float) -> None:
    Session.insert(token_hash=token_hash, user=user_id, created_at=created_at,
                   last_seen_at=created_at, expires_at=expires_at).execute()


def touch_session(token_hash: str, now: float) -> None:
    Session.update(last_seen_at=now).where(Session.token_hash == token_hash).execute()


def delete_session(token_hash: str) -> None:
    Session.delete().where(Session.token_hash == token_hash).execute()


def delete_user_sessions(user_id: int) -> int:
    return Session.delete().where(Session.user == user_id).execute()


def session_user(token_hash: str, now: float, idle_s: float | None = None) -> dict | None:
    """{"user", "expires_at"} of a live session, which counts as used now. A session past its
    absolute expiry, or unused for longer than `idle_s`, is deleted and answers None."""
    session = (Session.select(Session, User).join(User)
               .where(Session.token_hash == token_hash).first())
    if session is None:
        return None
    if session.expires_at <= now or (idle_s is not None and now - session.last_seen_at > idle_s):
        session.delete_instance()
        return None
    touch_session(token_hash, now)
    return {"user": _public(session.user), "expires_at": session.expires_at}


# API tokens ---------------------------------------------------------------------------------------

def _token(row: ApiToken) -> dict:
    return {"id": row.id, "name": row.name, "created_at": row.created_at,
            "expires_at": row.expires_at, "last_used_at": row.last_used_at}


def create_token(token_id: str, user_id: int, name: str, secret_hash: str, created_at: float,
                 expires_at: float | None) -> dict:
    """Raises peewee.IntegrityError when the user already has a token of that name."""
    return _token(ApiToken.create(id=token_id, user=user_id, name=name, secret_hash=secret_hash,
                                  created_at=created_at, expires_at=expires_at))


def list_tokens(user_id: int) -> list[dict]:
    return [_token(row) for row in ApiToken.select().where(ApiToken.user == user_id)
            .order_by(ApiToken.created_at, ApiToken.id)]


def delete_token(user_id: int, token_id: str) -> bool:
    return ApiToken.delete().where((ApiToken.id == token_id) & (ApiToken.user == user_id)).execute() > 0


def token_row(token_id: str) -> tuple[dict, dict, str] | None:
    """(token, its user, the stored secret hash), or None."""
    row = ApiToken.select(ApiToken, User).join(User).where(ApiToken.id == token_id).first()
    return None if row is None else (_token(row), _public(row.user), row.secret_hash)


def touch_token(token_id: str, now: float) -> None:
    ApiToken.update(last_used_at=now).where(ApiToken.id == token_id).execute()


# minion keys ---------------------------------------------------------------------------------------

def save_key(minion_id: str, status: str, public_key: str | None, fingerprint: str | None,
             updated_at: float) -> None:
    """Upsert; a public key or fingerprint left as None keeps the stored one."""
    if status not in KEY_STATUSES:
        raise ValueError(f"bad key status {status!r}")
    MinionKey.insert(minion_id=minion_id, status=status, public_key=public_key,
                     fingerprint=fingerprint, updated_at=updated_at).on_conflict(
        conflict_target=[MinionKey.minion_id],
        update={MinionKey.status: status, MinionKey.updated_at: updated_at,
                MinionKey.public_key: pw.fn.COALESCE(pw.EXCLUDED.public_key, MinionKey.public_key),
                MinionKey.fingerprint: pw.fn.COALESCE(pw.EXCLUDED.fingerprint,
                                                      MinionKey.fingerprint)}).execute()


def delete_key(minion_id: str) -> None:
    MinionKey.delete().where(MinionKey.minion_id == minion_id).execute()


def _key(row: MinionKey) -> dict:
    return {"id": row.minion_id, "status": row.status, "public_key": row.public_key,
            "fingerprint": row.fingerprint, "updated_at": row.updated_at}


def list_keys() -> list[dict]:
    return [{"id": row.minion_id, "status": row.status}
            for row in MinionKey.select().order_by(MinionKey.minion_id)]


def load_keys() -> list[dict]:
    # Tuples, not model instances: the key ring re-reads every key every few seconds, and a
    # fleet has 10,000 of them.
    query = MinionKey.select(MinionKey.minion_id, MinionKey.status, MinionKey.public_key,
                             MinionKey.fingerprint, MinionKey.updated_at).order_by(MinionKey.minion_id).tuples()
    return [{"id": minion_id, "status": status, "public_key": public_key, "fingerprint": fp,
             "updated_at": updated_at}   # a pending key's age (actors/keys/keyring.py expiry)
            for minion_id, status, public_key, fp, updated_at in query]


def get_key(minion_id: str) -> dict | None:
    row = MinionKey.get_or_none(MinionKey.minion_id == minion_id)
    return None if row is None else _key(row)


# requests ------------------------------------------------------------------------------------------

def save_request(row: dict) -> None:
    """Insert or replace the request `row["id"]` (keys as load_requests returns; `data` is any
    msgpack-able value, stored as a blob)."""
    request_id = row["id"]
    if not isinstance(request_id, str) or not request_id:
        raise ValueError(f"bad request id {request_id!r}")
    if row["state"] not in REQUEST_STATES:
        raise ValueError(f"bad request state {row['state']!r}")
    values = {
        Request.id: request_id,
        Request.fsid: row.get("fsid"),
        Request.state: row["state"],
        Request.error: bool(row.get("error", False)),
        Request.error_message: row.get("error_message") or "",
        Request.headline: row["headline"],
        Request.status: row.get("status") or "",
        Request.requested_at: float(row["requested_at"]),
        Request.completed_at: row.get("completed_at"),
        Request.requested_by: row.get("requested_by"),
        Request.data: None if row.get("data") is None else pack(row["data"]),
    }
    update = {field: value for field, value in values.items() if field.name != Request.id.name}
    Request.insert(values).on_conflict(conflict_target=[Request.id], update=update).execute()


def load_requests(limit: int | None = None, on_bad_row=None) -> list[dict]:
    """The newest `limit` (default REQUESTS_LOADED) requests, newest `requested_at` first. A
    `data` blob that cannot be decoded comes back as None, reported to `on_bad_row(id, exc)`."""
    limit = REQUESTS_LOADED if limit is None else limit
    rows = []
    query = Request.select().order_by(Request.requested_at.desc(), Request.id).limit(max(0, limit))
    for row in query:
        data = None
        if row.data is not None:
            try:
                data = unpack(row.data)
            except Exception as exc:  # noqa: BLE001 - reported; the columns still restore
                if on_bad_row is not None:
                    on_bad_row(row.id, exc)
        rows.append({"id": row.id, "fsid": row.fsid, "state": row.state, "error": row.error,
                     "error_message": row.error_message, "headline": row.headline,
                     "status": row.status, "requested_at": row.requested_at,
                     "completed_at": row.completed_at, "requested_by": row.requested_by,
                     "data": data})
    return rows
