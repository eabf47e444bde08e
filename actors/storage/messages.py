"""Messages of the StoreActor, the only owner of the database.

Writes are fire-and-forget commands (`tell`; no reply): a failure is logged with its entity id
and the store carries on. Queries carry `reply: Future` as their last field; the actor completes
it with the value documented on each class. `Flush` answers once every earlier message has been
applied (the inbox is processed in order), so tests and shutdown can wait for pending writes.
Times are UTC epoch seconds.
"""
from __future__ import annotations

from concurrent.futures import Future
from dataclasses import dataclass
from typing import Any

from actors.events import Event
from actors.storage.retention import Retention, SeriesTiers

RECENT_S = 3 * 86_400.0     # the time series a restored cluster gets back (LoadState)


# Replies -------------------------------------------------------------------------------------

@dataclass(frozen=True)
class StoredCluster:
    fsid: str
    name: str
    update_time: float | None
    sync_objects: dict    # sync_type -> (version: int | str, data)
    late: bool = False
    capacity_levels: dict | None = None   # as saved by SaveCluster
    guardrails: dict | None = None        # as saved by SaveGuardrails (None: all off)
    recent_points: tuple = ()   # its time series since LoadState.recent_s ago (see there):
                                # ((t, {series: value}), ...) oldest first


@dataclass(frozen=True)
class StoredState:
    """Everything the daemon restores at startup."""
    servers: list         # [{fqdn, hostname, managed, last_contact, boot_time, ceph_version,
                          #   grains, services: [{fsid, type, id, running, status}]}] by fqdn
    clusters: list        # [StoredCluster] by fsid
    keys: list            # [{id, status, public_key, fingerprint}] by id


# Writes: servers, clusters, maps, events --------------------------------------------------------

@dataclass(frozen=True)
class SaveServer:
    """Upsert by fqdn. Keys as in StoredState.servers; unknown keys are ignored."""
    server: dict


@dataclass(frozen=True)
class DeleteServer:
    fqdn: str


@dataclass(frozen=True)
class SaveCluster:
    fsid: str
    name: str
    update_time: float | None
    late: bool = False
    capacity_levels: dict | None = None   # the capacity alarms raised (capacity_alarms.py)


@dataclass(frozen=True)
class SaveGuardrails:
    """A cluster's guardrails as PUT set them (actors/cluster/guardrails.py as_json)."""
    fsid: str
    settings: dict
    saved_at: float


@dataclass(frozen=True)
class SaveSyncObject:
    """Upsert: only the latest map per (fsid, sync_type) is kept."""
    fsid: str
    cluster_name: str
    sync_type: str
    version: int | str    # an epoch or a digest; restored with the same type
    data: object          # msgpack-able, string map keys
    saved_at: float


@dataclass(frozen=True)
class DeleteCluster:
    """Removes the cluster row, its maps, guardrails and time series; its events are kept."""
    fsid: str


@dataclass(frozen=True)
class RecordSample:
    """One heartbeat's figures of a cluster, a raw point of its time series (store/history.py); the
    same fsid and t again replaces it. values: series name -> number ("used_bytes",
    "pool.3.stored_bytes", ...: names are not checked); anything but a finite number is left out."""
    fsid: str
    t: float
    values: dict


@dataclass(frozen=True)
class SaveEvents:
    """All events of one message are written in one transaction."""
    events: tuple[Event, ...]


# Writes: agent keys ----------------------------------------------------------------------------

@dataclass(frozen=True)
class SaveKey:
    """Upsert; public_key/fingerprint left None keep the stored values."""
    minion_id: str
    status: str                       # "pre" | "accepted" | "rejected"
    public_key: str | None = None
    fingerprint: str | None = None
    updated_at: float | None = None   # None: the store's clock


@dataclass(frozen=True)
class DeleteKey:
    minion_id: str


# Writes: sessions ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class SaveSession:
    token_hash: str                   # sha256 hex of the token; the token is never stored
    user_id: int
    created_at: float
    expires_at: float


@dataclass(frozen=True)
class TouchSession:
    token_hash: str
    now: float


@dataclass(frozen=True)
class DeleteSession:
    token_hash: str


@dataclass(frozen=True)
class DeleteUserSessions:
    user_id: int


# Writes: requests ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class SaveRequest:
    """Upsert by id. row: {id, fsid, state ("submitted" | "complete"), error, error_message,
    headline, status, requested_at, completed_at, requested_by, data (msgpack-able: the request
    state machine's state, so an in-flight request can be resumed after a restart)}."""
    row: dict


# Retention ---------------------------------------------------------------------------------------

@dataclass(frozen=True)
class PruneHistory:
    """Deletes at most batch_rows events and batch_rows completed requests beyond their
    retention, oldest first, in one transaction -> (events deleted, requests deleted). When a
    batch was full the store tells itself the same message again (same `now`, no reply), so a
    backlog goes a batch at a time with other messages in between. now None: the store's clock."""
    events: Retention
    requests: Retention
    batch_rows: int
    now: float | None = None
    reply: Future | None = None
    audit: Retention = Retention()    # audit entries: their own limits (none unless given)
    # Then the time series are rolled up and pruned (RollUpSeries, told by the store to itself).
    # None: not (the batches that go on with a backlog of events or requests).
    series: SeriesTiers | None = SeriesTiers()


@dataclass(frozen=True)
class RollUpSeries:
    """Rolls the time series up a tier and prunes each tier (store/history_upkeep.py) in one
    transaction touching about batch_rows rows -> store.history_upkeep.Upkeep (points written and
    deleted per tier, done). Until done, the store tells itself the same message again (same
    `now`, no reply), so a backlog goes a batch at a time with other messages in between."""
    now: float
    batch_rows: int
    tiers: SeriesTiers = SeriesTiers()
    reply: Future | None = None


# Queries ----------------------------------------------------------------------------------------

@dataclass(frozen=True)
class LoadState:
    """-> StoredState; each cluster with its time series of the last recent_s (0: none): hourly
    means until recent_five_minute_s ago (None: none), 5-minute means until recent_raw_s ago,
    then raw points, and raw points anyway where not rolled up yet (store/history.py
    recent_points). recent_series: only the series matching these globs (e.g. "used_bytes",
    "pool.*.stored_bytes"; none: all). Points and series cost start-up time: bench/history.py."""
    reply: Future
    recent_s: float = RECENT_S
    recent_raw_s: float = 0.0
    recent_five_minute_s: float | None = None
    recent_series: tuple[str, ...] = ()
    tiers: SeriesTiers = SeriesTiers()


@dataclass(frozen=True)
class ReadHistory:
    """-> {"step_s", "series": {name: [[ISO 8601 time, value], ...]}}: the points of one cluster's
    series with from_t <= t <= to_t, oldest first, from the finest tier holding from_t (raw within
    tiers.raw_s of now: step_s = raw_step_s, the heartbeat period; then 5-minute means: 300; then
    hourly: 3600). A series with no point there, or never recorded, gives []. Answered by the
    EventReader (actors/storage/event_reader.py) on its own connection, and by the StoreActor."""
    fsid: str
    series: tuple[str, ...]
    from_t: float
    to_t: float
    now: float
    raw_step_s: float
    reply: Future
    tiers: SeriesTiers = SeriesTiers()


@dataclass(frozen=True)
class ListEvents:
    """-> (count, [{when, severity, message}]) newest first, ties newest id first; None filters
    mean "any"; limit None: to the end. count is exact.

    max_severity keeps events at least that severe (severity <= max_severity). Answered by the
    StoreActor and by the EventReader (actors/storage/event_reader.py), which the web tier asks.
    """
    fsid: str | None
    fqdn: str | None
    max_severity: int | None
    offset: int
    limit: int | None
    reply: Future


@dataclass(frozen=True)
class CountUsers:
    """-> int."""
    reply: Future


@dataclass(frozen=True)
class CreateUser:
    """-> {id, username, email, is_admin, role}; a taken username fails with errors.Conflict.
    (`role` as stored: None in rows older than roles; actors.accounts.roles.public_user reads it.)"""
    username: str
    email: str
    password_hash: str
    role: str                         # actors/accounts/roles.py; is_admin is stored as role == "admin"
    now: float
    reply: Future


@dataclass(frozen=True)
class GetUserByName:
    """-> {id, username, email, is_admin, password_hash} or None."""
    username: str
    reply: Future


@dataclass(frozen=True)
class GetUser:
    """-> {id, username, email, is_admin} or None."""
    user_id: int
    reply: Future


@dataclass(frozen=True)
class ListUsers:
    """-> [{id, username, email, is_admin}] by id."""
    reply: Future


@dataclass(frozen=True)
class SetPasswordHash:
    """-> None; an unknown user fails with errors.NotFound."""
    user_id: int
    password_hash: str
    reply: Future


@dataclass(frozen=True)
class UpdateUserEmail:
    """-> None; an unknown user fails with errors.NotFound."""
    user_id: int
    email: str
    reply: Future


@dataclass(frozen=True)
class DeleteUser:
    """-> None, removing the user's sessions too; an unknown user fails with errors.NotFound."""
    user_id: int
    reply: Future


@dataclass(frozen=True)
class SetUserRole:
    """-> None; an unknown user fails with errors.NotFound."""
    user_id: int
    role: str
    reply: Future


@dataclass(frozen=True)
class RecordLogin:
    """-> actors.accounts.lockout.AttemptOutcome, after applying actors.accounts.lockout.after_attempt to the
    user's stored failures and lock, account-wide and from `client`, in one transaction (None
    for an unknown user)."""
    user_id: int
    password_ok: bool
    client: str
    now: float
    limits: Any             # actors.accounts.lockout.Limits
    reply: Future


@dataclass(frozen=True)
class ExpireLockouts:
    """-> ([(username, client address or None for the whole account) whose lock ran out and is
    now cleared], end of the next lock or None). Per-address counts untouched since
    `forget_before` are forgotten."""
    now: float
    forget_before: float | None
    reply: Future


@dataclass(frozen=True)
class UnlockUser:
    """-> whether a lock was cleared: every failure count and lock of the user goes; an unknown
    user fails with errors.NotFound."""
    user_id: int
    reply: Future


@dataclass(frozen=True)
class RehashPassword:
    """-> None: replace the user's password hash by a stronger one of the same password, unless
    it changed meanwhile (`old_hash` no longer stored)."""
    user_id: int
    old_hash: str
    new_hash: str
    reply: Future


@dataclass(frozen=True)
class GetSession:
    """-> {"user": {id, username, email, is_admin, role}, "expires_at"} of a live session, which
    counts as used at `now`; None for a missing one, and for one past its expiry or unused for
    more than idle_s (None: no idle limit), which is deleted."""
    token_hash: str
    now: float
    idle_s: float | None
    reply: Future


@dataclass(frozen=True)
class CreateToken:
    """-> {id, name, created_at, expires_at, last_used_at}; a name the user already gave another
    token fails with errors.Conflict, an unknown user with errors.NotFound."""
    token_id: str
    user_id: int
    name: str
    secret_hash: str                  # sha256 of the secret; the token itself is never stored
    created_at: float
    expires_at: float | None
    reply: Future


@dataclass(frozen=True)
class ListTokens:
    """-> [{id, name, created_at, expires_at, last_used_at}] of one user, oldest first."""
    user_id: int
    reply: Future


@dataclass(frozen=True)
class DeleteToken:
    """-> None; a token the user does not have fails with errors.NotFound."""
    user_id: int
    token_id: str
    reply: Future


@dataclass(frozen=True)
class GetTokenUser:
    """-> {"user", "expires_at"} when the token exists, its secret matches (constant-time
    comparison) and it has not expired, marking it used at `now`; else None."""
    token_id: str
    secret_hash: str
    now: float
    reply: Future


@dataclass(frozen=True)
class ListKeys:
    """-> [{id, status}] by id."""
    reply: Future


@dataclass(frozen=True)
class GetKey:
    """-> {id, status, public_key, fingerprint, updated_at} or None."""
    minion_id: str
    reply: Future


@dataclass(frozen=True)
class LoadKeys:
    """-> [{id, status, public_key, fingerprint}] by id (the agent key ring's reload)."""
    reply: Future


@dataclass(frozen=True)
class LoadRequests:
    """-> [request rows] newest first, at most the newest 10,000 (see SaveRequest for the keys;
    an undecodable `data` comes back as None)."""
    reply: Future


@dataclass(frozen=True)
class Flush:
    """-> None, once every earlier message has been applied."""
    reply: Future
