"""The tables. Models bind to `database_proxy`; the store actor points it at the real database.

Times are UTC epoch seconds in DoubleFields (no DateTimeField: its SQLite round trip is lossy; not
FloatField: on PostgreSQL that is a 4-byte REAL, which rounds today's epoch to minutes).
Maps (sync objects) are msgpack blobs; small structured columns (grains, services) are JSON text.
Only the store actor (through store/queries.py, store/history.py) and its readers touch these classes.
"""
from __future__ import annotations

import peewee as pw

database_proxy = pw.DatabaseProxy()

KEY_STATUSES = ("pre", "accepted", "rejected")


class BaseModel(pw.Model):
    class Meta:
        database = database_proxy


class User(BaseModel):
    id = pw.AutoField()
    username = pw.TextField(unique=True)
    email = pw.TextField(default="")
    password_hash = pw.TextField()
    is_admin = pw.BooleanField(default=False)   # kept equal to role == "admin" (older data dirs)
    created_at = pw.DoubleField()
    role = pw.TextField(null=True)              # actors/accounts/roles.py; NULL in rows made before roles
    failed_logins = pw.IntegerField(default=0)  # consecutive failures (actors/accounts/lockout.py)
    locked_until = pw.DoubleField(null=True)    # no index: create_tables would index a column
                                                # an older table does not have yet (SQLite quirk)

    class Meta:
        table_name = "users"


class LoginFailure(BaseModel):
    """Consecutive failed logins into one account from one client address (actors/accounts/lockout.py);
    a row exists only while there is something to remember."""
    user = pw.ForeignKeyField(User, backref="login_failures", on_delete="CASCADE")
    client = pw.TextField()
    failures = pw.IntegerField(default=0)
    locked_until = pw.DoubleField(null=True)
    updated_at = pw.DoubleField()           # rows left alone for a lockout period are forgotten

    class Meta:
        table_name = "login_failures"
        indexes = ((("user", "client"), True),)


class Session(BaseModel):
    # The token itself is never stored, only its sha256 (a stolen table grants no login).
    token_hash = pw.TextField(primary_key=True)
    user = pw.ForeignKeyField(User, backref="sessions", on_delete="CASCADE")
    created_at = pw.DoubleField()
    last_seen_at = pw.DoubleField()
    expires_at = pw.DoubleField(index=True)

    class Meta:
        table_name = "sessions"


class ApiToken(BaseModel):
    # Only sha256 of the secret is kept (actors/accounts/api_tokens.py); the id is public.
    id = pw.TextField(primary_key=True)
    user = pw.ForeignKeyField(User, backref="tokens", on_delete="CASCADE")
    name = pw.TextField()
    secret_hash = pw.TextField()
    created_at = pw.DoubleField()
    expires_at = pw.DoubleField(null=True)
    last_used_at = pw.DoubleField(null=True)

    class Meta:
        table_name = "api_tokens"
        indexes = ((("user", "name"), True),)


class Server(BaseModel):
    id = pw.BigAutoField()                   # upserted often: PostgreSQL spends a sequence number on
                                             # every ON CONFLICT, so 2**31 would run out
    fqdn = pw.TextField(unique=True)
    hostname = pw.TextField()
    managed = pw.BooleanField(default=False)
    last_contact = pw.DoubleField(null=True)
    boot_time = pw.DoubleField(null=True)
    ceph_version = pw.TextField(null=True)
    grains = pw.TextField(default="{}")      # JSON object
    services = pw.TextField(default="[]")    # JSON list of {fsid, type, id, running, status}
    late = pw.BooleanField(default=False)    # "late reporting" was announced (not again after restart)

    class Meta:
        table_name = "servers"


class Cluster(BaseModel):
    fsid = pw.TextField(primary_key=True)
    name = pw.TextField()
    update_time = pw.DoubleField(null=True)
    late = pw.BooleanField(default=False)   # "late reporting" was announced (not again after restart)
    # The capacity alarms raised (actors/cluster/capacity_alarms.py), as JSON: announced once,
    # so a restart must neither repeat nor forget them.
    capacity_levels = pw.TextField(null=True)

    class Meta:
        table_name = "clusters"


class ClusterGuardrails(BaseModel):
    """A cluster's guardrails (actors/cluster/guardrails.py) as its PUT set them, JSON; no row:
    all off. Forgotten with the cluster (store/guardrails.py)."""
    fsid = pw.TextField(primary_key=True)
    settings = pw.TextField()
    updated_at = pw.DoubleField()

    class Meta:
        table_name = "cluster_guardrails"


class SyncObject(BaseModel):
    """The latest copy of one cluster map; older copies are overwritten, not kept."""
    id = pw.BigAutoField()                   # upserted often (see Server.id)
    fsid = pw.TextField()
    sync_type = pw.TextField()
    cluster_name = pw.TextField()
    version = pw.TextField()                 # an epoch (as text) or a digest
    version_is_int = pw.BooleanField()
    data = pw.BlobField()                    # msgpack
    saved_at = pw.DoubleField()

    class Meta:
        table_name = "sync_objects"
        indexes = ((("fsid", "sync_type"), True),)


class Event(BaseModel):
    id = pw.BigAutoField()                   # 2**31 events is within reach of a long-lived PostgreSQL
    when = pw.DoubleField()
    severity = pw.IntegerField()
    message = pw.TextField()
    fsid = pw.TextField(null=True)
    fqdn = pw.TextField(null=True)
    service_type = pw.TextField(null=True)
    service_id = pw.TextField(null=True)
    # Kept under its own retention (store/pruning.py). A database-side default too: rows written
    # by older code or by hand are not audit entries.
    audit = pw.BooleanField(default=False, constraints=[pw.SQL("DEFAULT FALSE")])

    class Meta:
        table_name = "events"
        # Newest-first lists: every filter of store/event_pages.py seeks and counts on one of
        # these alone (severity is carried so `?severity=` never reads the table); retention
        # walks the first oldest-first. Older narrower ones: dropped by migration 2.
        indexes = (
            (("when", "id", "severity"), False),
            (("fsid", "when", "id", "severity"), False),
            (("fqdn", "when", "id", "severity"), False),
            (("audit", "when", "id"), False),   # retention's oldest-first walk of each kind
        )


class EventPruneMark(BaseModel):
    """The newest (when, id) retention ever deleted: store/event_pages.py re-ranks its anchors
    at or below it when it moves (audit and other events are pruned apart, so a deletion is not
    always the oldest rows of every list)."""
    id = pw.IntegerField(primary_key=True)    # always 1
    when = pw.DoubleField()
    row_id = pw.BigIntegerField()

    class Meta:
        table_name = "event_prune_mark"


class MinionKey(BaseModel):
    minion_id = pw.TextField(primary_key=True)
    status = pw.TextField()                  # one of KEY_STATUSES
    public_key = pw.TextField(null=True)
    fingerprint = pw.TextField(null=True)
    updated_at = pw.DoubleField()

    class Meta:
        table_name = "minion_keys"
        constraints = [pw.Check("status IN ('pre', 'accepted', 'rejected')")]


class Request(BaseModel):
    """One request of the 202 workflow; `data` holds the state machine's state (msgpack) so an
    in-flight request can be resumed, or failed honestly, after a restart."""
    id = pw.TextField(primary_key=True)
    fsid = pw.TextField(null=True)
    state = pw.TextField()                   # "submitted" | "complete"
    error = pw.BooleanField(default=False)
    error_message = pw.TextField(default="")
    headline = pw.TextField()
    status = pw.TextField(default="")
    requested_at = pw.DoubleField(index=True)
    completed_at = pw.DoubleField(null=True)
    requested_by = pw.TextField(null=True)
    data = pw.BlobField(null=True)           # msgpack

    class Meta:
        table_name = "requests"


class HistorySeries(BaseModel):
    """The names of time series (e.g. "used_bytes", "pool.3.stored_bytes"), shared by every
    cluster: a point stores small ids instead of the names (store/history.py)."""
    id = pw.AutoField()
    name = pw.TextField(unique=True)

    class Meta:
        table_name = "history_series"


class HistoryPoint(BaseModel):
    """One moment of a cluster's time series: every series' value at `t` (tier 0: a heartbeat),
    or their means over the bucket starting at `t` (tier 1: 5 minutes, tier 2: an hour).
    Rolled up and pruned by store/history_upkeep.py."""
    fsid = pw.TextField()
    tier = pw.SmallIntegerField()
    t = pw.DoubleField()
    count = pw.IntegerField()    # heartbeats behind the point: the weight of a mean of means
    data = pw.BlobField()        # msgpack {HistorySeries.id: value}

    class Meta:
        table_name = "history_points"
        primary_key = pw.CompositeKey("fsid", "tier", "t")   # every query seeks (fsid, tier) then t


ALL_MODELS = (User, LoginFailure, Session, ApiToken, Server, Cluster, ClusterGuardrails, SyncObject, Event,
              EventPruneMark, MinionKey, Request, HistorySeries, HistoryPoint)
