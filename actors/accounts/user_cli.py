"""`run.py user unlock USERNAME…`: clear an account's failed-login counts and locks on the
manager's host, without the web API (e.g. when every administrator is locked out).

It works on the data dir through the same store actor as the daemon, and may run while the
daemon runs: the daemon reads the lock state from the database at every login.
"""
from __future__ import annotations

import sys
import time
from pathlib import Path

from actors.keys.cli import add_data_args
from store.db import missing_database


def add_user_parser(sub) -> None:
    user = sub.add_parser("user", help="account administration on the manager's host")
    add_data_args(user)
    actions = user.add_subparsers(dest="user_command", required=True, metavar="{unlock}")
    add_data_args(actions.add_parser("unlock", help="clear failed-login counts and locks of accounts")).add_argument(
        "usernames", nargs="+", metavar="USERNAME")


def run_user_command(args) -> int:
    import pykka

    from actors.runtime.base import ask
    from actors.events import INFO, Event
    from actors.storage.actor import StoreActor
    from actors.storage.messages import Flush, GetUserByName, SaveEvents, UnlockUser

    db = args.db or str(Path(args.data_dir) / "calamari.sqlite3")
    problem = missing_database(db)
    if problem:
        print(f"calamari user: {problem}", file=sys.stderr)
        return 2
    store = StoreActor.start(db)
    failures = 0
    try:
        for username in args.usernames:
            user = ask(store, lambda r: GetUserByName(username, r)).result(30)
            if user is None:
                failures += 1
                print(f"{username}: no such account", file=sys.stderr)
                continue
            was_locked = ask(store, lambda r: UnlockUser(user["id"], r)).result(30)
            if was_locked:   # the same event an administrator's unlock makes, for the record
                store.tell(SaveEvents((Event(time.time(), INFO,
                                             f"Account '{username}' unlocked from the command line"),)))
            print(f"{username}: {'unlocked' if was_locked else 'was not locked (counts cleared)'}")
        ask(store, Flush).result(30)
    finally:
        pykka.ActorRegistry.stop_all(block=True, timeout=10)
    return 1 if failures else 0
