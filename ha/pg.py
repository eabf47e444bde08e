"""The HA group's own PostgreSQL connections and tables.

The tables live in a schema of their own, `calamari_ha`, beside the store's tables in `public`:
the store's migrations (store/migrations.py) take a database that holds tables but no
`schema_version` for one made before versioning, and `run.py key server --db` may create the
shared key pair before the daemon's first start (that start must not look like an upgrade). They
are plain SQL, not peewee models: two fixed one-row tables, read and written only by this
package, on connections of its own (the lease needs a dedicated one: its advisory lock lives and
dies with the session).
"""
from __future__ import annotations

import math
from contextlib import contextmanager
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import psycopg2

SCHEMA = "calamari_ha"
LEASE_TABLE = f"{SCHEMA}.lease"
KEYS_TABLE = f"{SCHEMA}.bus_keys"
# Advisory lock keys are per database, so one group per database. "calamari" in ASCII, a
# positive bigint; the next key serialises the creation of the tables.
LEASE_LOCK_KEY = int.from_bytes(b"calamari", "big")
SCHEMA_LOCK_KEY = LEASE_LOCK_KEY + 1
# The database's clock, never a member's: members' clocks may disagree, the database has one.
DB_NOW = "extract(epoch from clock_timestamp())::float8"

DDL = (
    f"CREATE SCHEMA IF NOT EXISTS {SCHEMA}",
    # term only ever grows: it is the fencing token a job carries. backend_pid: the session that
    # took it, for the last-resort termination of a holder that stopped renewing (ha/lease.py).
    f"""CREATE TABLE IF NOT EXISTS {LEASE_TABLE} (
          id integer PRIMARY KEY CHECK (id = 1),
          term bigint NOT NULL,
          member_id text,
          advertise_url text,
          expires_at double precision NOT NULL,
          backend_pid integer)""",
    f"INSERT INTO {LEASE_TABLE} (id, term, expires_at) VALUES (1, 0, 0) ON CONFLICT DO NOTHING",
    f"""CREATE TABLE IF NOT EXISTS {KEYS_TABLE} (
          id integer PRIMARY KEY CHECK (id = 1),
          public text NOT NULL,
          secret text NOT NULL,
          created_at double precision NOT NULL)""",
)


def is_postgres(url: str) -> bool:
    return str(url).startswith(("postgresql://", "postgres://"))


def connect(url: str, timeout_s: float, application_name: str):
    """An autocommit connection whose dead peer is noticed within about `timeout_s`: TCP
    keepalives, and tcp_user_timeout for data sent but never acknowledged (a partition)."""
    probe_s = max(1, int(timeout_s / 3))
    conn = psycopg2.connect(url, connect_timeout=max(2, math.ceil(timeout_s)), keepalives=1,
                            keepalives_idle=probe_s, keepalives_interval=probe_s, keepalives_count=3,
                            tcp_user_timeout=max(1000, int(timeout_s * 1000)),
                            application_name=application_name[:63])
    conn.autocommit = True
    return conn


def store_url(url: str, lease_s: float) -> str:
    """The URL a member's store connects with: the server ends any of its transactions left
    idle for a lease. A member paused (or cut off) inside a store transaction would otherwise
    keep its locks, and the member taking over would wait on them (its schema check at start,
    its first writes of the same rows) until the paused one came back. A live member holds no
    transaction open nearly that long. Added to the URL's own `options`, if it has any."""
    parts = urlsplit(url)
    query = parse_qsl(parts.query, keep_blank_values=True)
    setting = f"-c idle_in_transaction_session_timeout={max(1, int(lease_s * 1000))}"
    own = [value for key, value in query if key == "options"]
    rest = [(key, value) for key, value in query if key != "options"]
    options = " ".join([*own, setting])
    return urlunsplit(parts._replace(query=urlencode([*rest, ("options", options)])))


@contextmanager
def transaction(conn):
    """BEGIN ... COMMIT on an autocommit connection (ROLLBACK if the block raises); yields a cursor."""
    cursor = conn.cursor()
    cursor.execute("BEGIN")
    try:
        yield cursor
    except BaseException:
        if not conn.closed:
            try:
                cursor.execute("ROLLBACK")
            except psycopg2.Error:
                pass       # the connection is gone: the server rolls back by itself
        raise
    cursor.execute("COMMIT")


def ensure_tables(conn) -> None:
    """Create the schema and tables unless present. Concurrent first starts queue on an advisory
    lock: two concurrent CREATE ... IF NOT EXISTS may both fail with a unique violation."""
    cursor = conn.cursor()
    cursor.execute("SELECT to_regclass(%s) IS NOT NULL AND to_regclass(%s) IS NOT NULL",
                   (LEASE_TABLE, KEYS_TABLE))
    if cursor.fetchone()[0]:
        return      # the common case: no DDL, no lock
    with transaction(conn) as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", (SCHEMA_LOCK_KEY,))
        for statement in DDL:
            cursor.execute(statement)
