"""The one bus key pair every member of an HA group uses, kept in the database.

Agents authenticate the manager by its public key (`--server-key`); with one pair for the whole
group, an agent trusts whichever member is active, and moving to another member changes nothing
for it. The first member to start stores a pair (`INSERT ... ON CONFLICT DO NOTHING`) and every
member then reads the stored one: concurrent first starts end with the same pair. The secret half
sits in the database (protect its backups as the data dir's `bus.key_secret`).
"""
from __future__ import annotations

import time

import zmq

from bus.curve import BadKey, KeyPair, is_public_key, new_keypair
from ha import pg


def shared_bus_keys(db_url: str, proposed: KeyPair | None = None) -> KeyPair:
    """The group's bus key pair, stored first if the database holds none: `proposed` (say the
    data dir's pair of a manager that ran alone before, whose agents already trust it), else a
    new one. Raises BadKey if the stored pair is damaged, psycopg2.Error if the database fails."""
    conn = pg.connect(db_url, 10.0, "calamari-ha keys")
    try:
        pg.ensure_tables(conn)
        pair = proposed or new_keypair()
        cursor = conn.cursor()
        cursor.execute(f"INSERT INTO {pg.KEYS_TABLE} (id, public, secret, created_at) "
                       "VALUES (1, %s, %s, %s) ON CONFLICT (id) DO NOTHING",
                       (pair.public, pair.secret, time.time()))
        cursor.execute(f"SELECT public, secret FROM {pg.KEYS_TABLE} WHERE id = 1")
        public, secret = cursor.fetchone()
    finally:
        conn.close()
    return checked(public, secret)


def checked(public: str, secret: str) -> KeyPair:
    """The stored pair, if its halves are keys and belong together (a hand-edited row must not
    become a bus identity nobody's agents trust)."""
    if not (is_public_key(public) and is_public_key(secret)):
        raise BadKey(f"{pg.KEYS_TABLE} does not hold 40-character z85 CurveZMQ keys")
    if zmq.curve_public(secret.encode("ascii")).decode("ascii") != public:
        raise BadKey(f"{pg.KEYS_TABLE}: the public key is not the secret key's public half")
    return KeyPair(public, secret)
