"""Owner-only modes for what the data dir holds: the database (password, session and token
hashes, agent keys), its -wal/-shm companions, the bus key pair and the cookie secret.

New files are created 0600 (the SQLite file before SQLite opens it: SQLite gives its -wal and
-shm files the mode of the database file). Data dirs made by older releases, or by hand, are
tightened at every start: the directory to 0700, those files to 0600. Only modes that are too
open change; a file we cannot chmod (someone else's) is reported, not fatal, since reading it
may still be legitimate.
"""
from __future__ import annotations

import logging
import os
import stat
from pathlib import Path

log = logging.getLogger(__name__)

DIR_MODE = 0o700
FILE_MODE = 0o600
SQLITE_COMPANIONS = ("-wal", "-shm", "-journal")
# Besides the database: the bus key pair (bus/curve.py) and the cookie secret (run.py).
DATA_DIR_FILES = ("bus.key", "bus.key_secret", "cookie_secret")


def restrict(path: Path, mode: int) -> bool:
    """chmod `path` to `mode` if it grants more than `mode` does; True if it changed."""
    try:
        current = stat.S_IMODE(os.stat(path).st_mode)
    except FileNotFoundError:
        return False
    if current & ~mode == 0:
        return False
    try:
        os.chmod(path, current & mode)
    except OSError as exc:
        log.warning("cannot make %s owner-only (mode %o): %s", path, current, exc.strerror)
        return False
    log.info("made %s owner-only (mode %o, was %o)", path, current & mode, current)
    return True


def sqlite_files(db_path: Path | str) -> list[Path]:
    path = Path(db_path)
    return [path, *(path.with_name(path.name + suffix) for suffix in SQLITE_COMPANIONS)]


def create_private(path: Path) -> None:
    """Create an empty file 0600 unless it exists (a database SQLite will then fill)."""
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE))
    except FileExistsError:
        pass


def secure_data_dir(data_dir: Path, db_path: Path | str | None) -> None:
    """The data dir 0700, and the files it (and an SQLite database elsewhere) keeps 0600."""
    restrict(data_dir, DIR_MODE)
    files = [data_dir / name for name in DATA_DIR_FILES]
    if db_path is not None:
        files += sqlite_files(db_path)
    for path in files:
        restrict(path, FILE_MODE)
