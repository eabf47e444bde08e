"""The facade (actors/facade/daemon_api.py DaemonApi) against a real store with a fake clock and an event
sink: fixtures for the facade's unit tests, made visible to them by tests/unit/conftest.py."""
from __future__ import annotations

import pytest

from actors.accounts import passwords
from actors.storage import messages as m
from actors.accounts.auth_settings import AuthSettings
from actors.runtime.base import ask
from actors.facade.daemon_api import DaemonApi
from actors.messages import EmitEvents

PASSWORD = "right-password-1"


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


class Events:
    """Stands in for the eventer actor: keeps every event told to it."""
    def __init__(self):
        self.messages: list[str] = []

    def tell(self, message):
        assert isinstance(message, EmitEvents)
        self.messages.extend(event.message for event in message.events)


@pytest.fixture(scope="module")
def password_hash():
    return passwords.hash_password(PASSWORD)


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def events():
    return Events()


@pytest.fixture
def api(store, clock, events):
    daemon = DaemonApi(None, None, store, None, eventer=events, clock=clock,
                       auth=AuthSettings(session_idle_s=10.0, session_max_s=100.0, lockout_failures=3,
                                         lockout_s=60.0))
    yield daemon
    daemon.close()


def user(store, password_hash, name="bob", role="operator"):
    return ask(store, lambda r: m.CreateUser(name, "", password_hash, role, 1.0, r)).result(10)


def get(future):
    return future.result(timeout=10)
