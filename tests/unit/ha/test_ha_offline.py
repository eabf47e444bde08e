"""ha/ without a database: role changes delivered in order and only when they change, a lease
that cannot reach its database never active and never logging its password, a damaged stored
key pair refused."""
from __future__ import annotations

import logging
import socket
import threading

import pytest

from bus.curve import BadKey, new_keypair
from ha.lease import Lease
from ha.notifier import Notifier
from ha.shared_keys import checked
from tests.helpers import wait_until


def test_changes_are_delivered_in_order_once_each_and_a_failing_callback_does_not_stop_them():
    seen, release = [], threading.Event()

    def callback(term):
        release.wait(5)          # slow: the sender is never held up by it
        seen.append(term)
        if term == 2:
            raise RuntimeError("the owner's bug")
    notifier = Notifier(callback, "test-notify")
    notifier.start()
    for term in (1, 1, None, None, 2, None, 3):
        notifier.send(term)
    release.set()
    assert notifier.flush(5) and seen == [1, None, 2, None, 3]   # a clean stop waits for this
    notifier.close(5)


def free_port() -> int:
    with socket.socket() as probe:       # bound, then closed: nothing listens there
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_a_member_without_its_database_is_never_active_and_never_logs_the_password(caplog, no_thread_leak):
    changes = []
    url = f"postgresql://calamari:s3cret-pw@127.0.0.1:{free_port()}/calamari"
    lease = Lease(url, "m1", "http://m1:8002", lease_s=0.3, on_change=changes.append)
    with caplog.at_level(logging.INFO, logger="ha"):
        lease.start()
        try:
            record = wait_until(lambda: [r for r in caplog.records if "database connection lost" in r.getMessage()])
            assert lease.fence() is None and lease.leader() is None
        finally:
            lease.stop()
    assert "calamari:***@127.0.0.1" in record[0].getMessage()
    assert not any("s3cret-pw" in r.getMessage() for r in caplog.records)
    assert changes == []
    lease.stop()     # twice: harmless


def test_a_stopped_lease_that_never_started_is_fenced():
    lease = Lease("postgresql://u@127.0.0.1:1/x", "m1", "http://m1:8002")
    assert lease.fence() is None
    lease.stop()
    with pytest.raises(ValueError):
        Lease("postgresql://u@127.0.0.1:1/x", "m1", "http://m1:8002", lease_s=0)


def test_a_damaged_stored_pair_is_refused():
    pair, other = new_keypair(), new_keypair()
    assert checked(pair.public, pair.secret) == pair
    with pytest.raises(BadKey, match="public half"):
        checked(other.public, pair.secret)
    with pytest.raises(BadKey, match="z85"):
        checked("short", pair.secret)
