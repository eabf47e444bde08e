"""Fixtures shared by the unit tests."""
from __future__ import annotations

import threading

import pykka
import pytest

from actors.storage.actor import StoreActor
from tests.helpers import wait_until
# The facade's fixtures (api, clock, events, password_hash), for every unit test module.
from tests.unit.facade_fixtures import api, clock, events, password_hash  # noqa: F401


@pytest.fixture(autouse=True)
def stop_actors():
    """Every pykka actor a unit test started is stopped after it."""
    yield
    pykka.ActorRegistry.stop_all()


@pytest.fixture
def db_path(tmp_path):
    return tmp_path / "test.db"   # a file: `:memory:` would differ per connection


@pytest.fixture
def store(db_path):
    return StoreActor.start(str(db_path))


@pytest.fixture
def no_thread_leak():
    """Fails a test that leaves threads behind (sockets, loops and pools must all stop)."""
    before = set(threading.enumerate())
    yield
    wait_until(lambda: not (set(threading.enumerate()) - before) or None, timeout_s=2,
               what="threads started by the test to end")
