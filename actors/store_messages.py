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

from actors.events import Event


# Replies -------------------------------------------------------------------------------------

@dataclass(frozen=True)
class StoredCluster:
    fsid: str
    name: str
    update_time: float | None
    sync_objects: dict    # sync_type -> (version: int | str, data)
    late: bool = False


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
    """Removes the cluster row and its maps; its events are kept."""
    fsid: str


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


# Queries ----------------------------------------------------------------------------------------

@dataclass(frozen=True)
class LoadState:
    """-> StoredState."""
    reply: Future


@dataclass(frozen=True)
class ListEvents:
    """-> (count, [{when, severity, message}]) newest first; None filters mean "any".

    max_severity keeps events at least that severe (severity <= max_severity).
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
    """-> {id, username, email, is_admin}; a taken username fails with errors.Conflict."""
    username: str
    email: str
    password_hash: str
    is_admin: bool
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
class GetSession:
    """-> {id, username, email, is_admin} of a live session, or None (an expired one is deleted)."""
    token_hash: str
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
class LoadRequests:
    """-> [request rows] newest first, at most the newest 10,000 (see SaveRequest for the keys;
    an undecodable `data` comes back as None)."""
    reply: Future


@dataclass(frozen=True)
class Flush:
    """-> None, once every earlier message has been applied."""
    reply: Future
