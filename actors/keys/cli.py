"""`run.py key list|accept|reject|delete|server`: agent keys on the manager's host, no web API.

It works on the data dir through the same store actor and the same rules (actors/keys/key_admin.py)
as the daemon, and may run while the daemon runs (SQLite lets both at the database). A running
daemon re-reads the keys before refusing an agent and when a pending agent speaks, so an agent
accepted here is in within about one of its heartbeat periods; a rejection or deletion here
reaches a running daemon within actors/keys/keyring.py RELOAD_S.

`key server` prints the data dir's bus key, or with a PostgreSQL `--db` the key every member of
an HA group on that database shares (ha/shared_keys.py; stored first as this data dir's pair).
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from store.db import missing_database, redact, sqlite_path

VERBS = {"accept": "accept pending keys (their agents get in at their next attempt)",
         "reject": "reject pending keys (their agents stay out)",
         "delete": "forget keys (an agent still running comes back as pending)"}
DONE = {"accept": "accepted", "reject": "rejected", "delete": "deleted"}


def add_key_parser(sub) -> None:
    key = sub.add_parser("key", help="list, accept, reject or delete agent keys; print the bus key")
    add_data_args(key)
    actions = key.add_subparsers(dest="key_command", required=True, metavar="{list,accept,reject,delete,server}")
    add_data_args(actions.add_parser("list", help="every agent key: id, status, fingerprint"))
    for verb, text in VERBS.items():
        add_data_args(actions.add_parser(verb, help=text)).add_argument("ids", nargs="+", metavar="ID")
    add_data_args(actions.add_parser("server", help="print the manager's public bus key (an agent's --server-key); with a "
                                                    "postgresql --db, the one its HA group shares"))


def add_data_args(parser):
    """--data-dir / --db, wherever they come on the command line (`key --data-dir D list` as
    `key list --data-dir D`). SUPPRESS: not given here, the daemon's own flags (or its
    configuration file's data_dir / db, or the defaults) apply."""
    parser.add_argument("--data-dir", default=argparse.SUPPRESS,
                        help="the daemon's data dir (default: data_dir in its configuration file, else data)")
    parser.add_argument("--db", default=argparse.SUPPRESS, help="its database, if not in the data dir")
    return parser


def run_key_command(args) -> int:
    from bus.curve import BadKey, load_or_create

    data_dir = Path(args.data_dir)
    if args.key_command == "server":   # made here if the daemon never ran: agents can be set up first
        try:
            data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
            pair = load_or_create(data_dir, "bus")[0]
        except (BadKey, OSError) as exc:
            print(f"cannot use the bus key pair in {data_dir}: {exc}", file=sys.stderr)
            return 1
        if args.db and is_postgres(args.db):   # perhaps an HA group's database: its shared key
            return print_shared_key(args.db, pair)
        print(pair.public)
        return 0
    db = args.db or str(data_dir / "calamari.sqlite3")
    problem = missing_database(db)
    if problem:
        print(f"calamari key: {problem}", file=sys.stderr)
        return 2
    return _with_store(db, args)


def is_postgres(db: str) -> bool:
    try:
        return sqlite_path(db) is None
    except ValueError:
        return False


def print_shared_key(db: str, data_dir_pair) -> int:
    """The HA group's key (ha/shared_keys.py), which every member on this database uses; stored
    first as this data dir's pair if the database has none, so the key of a manager that ran
    alone stays the one its agents trust."""
    import psycopg2

    from bus.curve import BadKey
    from ha.shared_keys import shared_bus_keys
    try:
        print(shared_bus_keys(db, proposed=data_dir_pair).public)
    except (BadKey, psycopg2.Error) as exc:
        print(f"cannot use the shared bus key pair in {redact(db)}: {' '.join(str(exc).split())}", file=sys.stderr)
        return 1
    return 0


def _with_store(db: str, args) -> int:
    import pykka

    from actors.keys import key_admin
    from actors.runtime.base import ask
    from actors.errors import DomainError
    from actors.storage.actor import StoreActor
    from actors.storage.messages import Flush, LoadKeys, SaveEvents

    store = StoreActor.start(db)
    emit = lambda events: store.tell(SaveEvents(events))  # noqa: E731 - no eventer offline
    failures = 0
    try:
        if args.key_command == "list":
            for row in ask(store, LoadKeys).result(30):
                print(f"{row['id']:<40} {row['status']:<9} {row['fingerprint'] or '-'}")
            return 0
        for minion_id in args.ids:
            if already(store, minion_id, DONE[args.key_command]):
                print(f"{minion_id}: already {DONE[args.key_command]}")
                continue
            if args.key_command == "delete":
                change = key_admin.delete_key(store, minion_id, emit)
            else:
                change = key_admin.update_key(store, minion_id, DONE[args.key_command], emit)
            try:
                change.result(30)
                print(f"{minion_id}: {DONE[args.key_command]}")
            except DomainError as exc:
                failures += 1
                errors = "; ".join(m for messages in exc.errors.values() for m in messages)
                print(f"{minion_id}: {exc.detail}{': ' + errors if errors else ''}", file=sys.stderr)
        ask(store, Flush).result(30)
    finally:
        pykka.ActorRegistry.stop_all(block=True, timeout=10)
    return 1 if failures else 0


def already(store, minion_id: str, status: str) -> bool:
    """The key is in the state asked for: done, not an error (a script may run twice)."""
    from actors.runtime.base import ask
    from actors.storage.messages import GetKey
    key = ask(store, lambda r: GetKey(minion_id, r)).result(30)
    return key is not None and key["status"] == status
