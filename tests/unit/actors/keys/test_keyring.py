"""KeyRing (the bus's gate) against a store double that answers when the test says; and the key
rules shared by the API and `run.py key` (actors/keys/key_admin.py) against the real store actor."""
from __future__ import annotations

from concurrent.futures import Future

import pytest

from actors.keys import key_admin
from actors.storage import messages as m
from actors.runtime.base import ask
from actors.errors import Invalid, NotFound
from actors.events import INFO, WARNING
from actors.keys.keyring import MAX_PENDING, MISS_RELOAD_S, RELOAD_S, WARN_EVERY_S, KeyRing
from bus.curve import fingerprint, new_keypair
from bus.gate import BAD_ID, OTHER_KEY, SENDER_MISMATCH, UNACCEPTED

A, B = new_keypair().public, new_keypair().public


class FakeStore:
    """Records writes; LoadKeys replies wait in `loads` until the test answers them."""

    def __init__(self):
        self.saved: list[m.SaveKey] = []
        self.loads: list[Future] = []

    def tell(self, message):
        if isinstance(message, m.LoadKeys):
            self.loads.append(message.reply)
        else:
            self.saved.append(message)

    def answer(self, rows: list[dict]) -> None:
        self.loads.pop(0).set_result(rows)


class Events:
    def __init__(self):
        self.events = []

    def tell(self, message):
        self.events.extend(message.events)

    def messages(self, severity=None) -> list[str]:
        return [e.message for e in self.events if severity is None or e.severity == severity]


def settled(decision) -> bool:
    """A decision the ring made at once, or with a reload it did not need (read recently)."""
    return decision.result(0) if isinstance(decision, Future) else decision


def row(minion_id, status, key):
    return {"id": minion_id, "status": status, "public_key": key, "fingerprint": fingerprint(key)}


@pytest.fixture
def clock():
    return [1000.0]


@pytest.fixture
def ring(clock):
    keyring = KeyRing(FakeStore(), Events(), clock=lambda: clock[0])
    keyring.restore([])
    return keyring


def test_a_new_key_connects_once_names_itself_and_is_then_pending(ring, clock):
    assert ring.admit(A) is True                          # provisionally: it must say who it is
    assert ring.authorize(A, "node1.example") == UNACCEPTED
    assert ring._store.saved == [m.SaveKey("node1.example", "pre", A, fingerprint(A))]
    assert ring._eventer.messages(INFO) == [
        f"New agent key of node1.example is waiting for acceptance (fingerprint {fingerprint(A)})"]
    assert ring.authorize(A, "node1.example") == UNACCEPTED and len(ring._store.saved) == 1
    assert settled(ring.admit(A)) is False                # pending: refused (the store read is fresh)
    clock[0] += MISS_RELOAD_S
    later = ring.admit(A)                                 # ... or after a fresh look
    ring._store.answer([row("node1.example", "pre", A)])
    assert later.result(1) is False
    assert not ring.accepted(A)


def test_a_key_accepted_elsewhere_is_let_in_after_a_fresh_look_at_the_store(ring, clock):
    ring.authorize(A, "node1.example")
    clock[0] += MISS_RELOAD_S
    decision = ring.admit(A)
    assert isinstance(decision, Future) and not decision.done()
    ring._store.answer([row("node1.example", "accepted", A)])    # `run.py key accept` meanwhile
    assert decision.result(1) is True
    assert ring.authorize(A, "node1.example") is None


def test_an_accepted_key_speaks_only_for_its_own_minion(ring):
    ring.put("node1.example", "accepted", A, fingerprint(A))
    assert ring.accepted(A) and ring.admit(A) is True
    assert ring.authorize(A, "node1.example") is None
    assert ring.authorize(A, "node2.example") == SENDER_MISMATCH


def test_a_different_key_for_a_known_minion_is_refused_reported_once_and_shown(ring, clock):
    ring.put("node1.example", "accepted", A, fingerprint(A))
    impostor, another = B, new_keypair().public
    assert ring.admit(impostor) is True                  # unknown so far: it may name itself
    assert ring.authorize(impostor, "node1.example") == OTHER_KEY
    assert ring.authorize(another, "node1.example") == OTHER_KEY   # within WARN_EVERY_S: no event
    [warning] = ring._eventer.messages(WARNING)
    assert "claiming to be node1.example" in warning and fingerprint(impostor) in warning
    assert ring.refused_fingerprint("node1.example") == fingerprint(another)
    assert settled(ring.admit(impostor)) is False         # from now on refused at the handshake
    assert ring.authorize(A, "node1.example") is None     # the real one is untouched
    ring.forget("node1.example")                          # the operator deletes the old key
    assert ring.admit(impostor) is True and ring.refused_fingerprint("node1.example") is None
    clock[0] += WARN_EVERY_S
    assert ring.authorize(impostor, "node1.example") == UNACCEPTED   # now simply a new, pending key


def test_with_auto_accept_new_and_pending_keys_are_accepted_but_not_impostors(clock):
    ring = KeyRing(FakeStore(), Events(), auto_accept=True, clock=lambda: clock[0])
    ring.restore([row("pending.example", "pre", B)])
    assert ring.authorize(A, "node1.example") is None
    assert ring._store.saved[-1] == m.SaveKey("node1.example", "accepted", A, fingerprint(A))
    assert ring.admit(B) is True and ring.accepted(B)
    assert ring.authorize(new_keypair().public, "node1.example") == OTHER_KEY
    assert len(ring._eventer.messages(INFO)) == 2


def test_rejected_keys_stay_out_and_odd_names_are_not_recorded(ring):
    ring.restore([row("bad.example", "rejected", A)])
    assert settled(ring.admit(A)) is False
    assert ring.authorize(A, "bad.example") == UNACCEPTED
    for name in ("", "../etc", "a" * 300, "with space", "-leading-dash", "node1\n", "nöde"):
        assert ring.authorize(B, name) == BAD_ID
    assert ring._store.saved == []


def test_new_keys_beyond_the_pending_limit_are_refused(clock):
    ring = KeyRing(FakeStore(), Events(), clock=lambda: clock[0], max_pending=2)
    ring.restore([row("p1.example", "pre", new_keypair().public), row("p2.example", "pre", new_keypair().public)])
    assert settled(ring.admit(A)) is False
    assert ring.authorize(A, "p3.example") == UNACCEPTED and ring._store.saved == []
    assert MAX_PENDING >= 100


def test_a_reload_keeps_what_changed_here_while_it_was_on_its_way(ring, clock):
    clock[0] += RELOAD_S + 1
    ring.authorize(B, "other.example")                   # stale: starts a reload (and records B)
    ring.put("node1.example", "accepted", A, fingerprint(A))   # an API change, after the read
    ring._store.answer([])                                # the read saw neither
    assert ring.accepted(A)
    assert ring.authorize(B, "other.example") == UNACCEPTED   # still pending, not new again
    assert len(ring._store.saved) == 1


# ---- the rules of key changes, against the real store ------------------------------------------

def saved_key(store, minion_id):
    ask(store, m.Flush).result(5)
    return ask(store, lambda r: m.GetKey(minion_id, r)).result(5)


def test_a_pending_key_is_accepted_or_rejected_once_and_each_change_is_an_event(store):
    emitted, followed = [], []
    store.tell(m.SaveKey("node1.example", "pre", A, fingerprint(A)))
    saved = key_admin.update_key(store, "node1.example", "accepted", emitted.extend, followed.append).result(5)
    assert saved["status"] == "accepted" and followed == [saved]
    assert saved_key(store, "node1.example")["status"] == "accepted"
    assert [e.message for e in emitted] == [f"Agent key of node1.example accepted (fingerprint {fingerprint(A)})"]
    with pytest.raises(Invalid) as bad:
        key_admin.update_key(store, "node1.example", "rejected", emitted.extend).result(5)
    assert bad.value.errors == {"status": ["Transition accepted->rejected is invalid"]}
    with pytest.raises(Invalid):
        key_admin.update_key(store, "node1.example", "pre", emitted.extend).result(5)
    with pytest.raises(NotFound):
        key_admin.update_key(store, "nope", "accepted", emitted.extend).result(5)


def test_any_key_can_be_deleted_and_is_then_gone(store):
    emitted, forgotten = [], []
    store.tell(m.SaveKey("node1.example", "accepted", A, fingerprint(A)))
    assert key_admin.delete_key(store, "node1.example", emitted.extend, forgotten.append).result(5) is None
    assert saved_key(store, "node1.example") is None and forgotten == ["node1.example"]
    assert "deleted" in emitted[0].message
    with pytest.raises(NotFound):
        key_admin.delete_key(store, "node1.example", emitted.extend).result(5)


def test_the_api_shows_the_reference_fields_and_the_fingerprints():
    view = key_admin.public_view(row("node1.example", "pre", A), fingerprint(B))
    assert view == {"id": "node1.example", "status": "pre", "fingerprint": fingerprint(A),
                    "refused_fingerprint": fingerprint(B)}


# --- issue 12: a key flood -----------------------------------------------------------------------

def flood_ring(clock, **limits) -> KeyRing:
    keyring = KeyRing(FakeStore(), Events(), clock=lambda: clock[0], **limits)
    keyring.restore([])
    return keyring


def introduce(ring: KeyRing, minion_id: str, address: str) -> str:
    """A fresh key that connects from `address` and names itself: pending (or refused)."""
    key = new_keypair().public
    if settled(ring.admit(key, address)):
        assert ring.authorize(key, minion_id) == UNACCEPTED
    return key


def pending_ids(ring: KeyRing) -> list[str]:
    return sorted(k.minion_id for k in ring._keys.values() if k.status == "pre")


def test_one_address_cannot_fill_the_pending_keys_of_everyone(clock):
    ring = flood_ring(clock, max_pending_per_address=5)
    for n in range(50):
        introduce(ring, f"fake{n}.example", "203.0.113.9")
    assert len(pending_ids(ring)) == 5
    key = new_keypair().public                              # a real agent elsewhere
    assert ring.admit(key, "198.51.100.7") is True
    assert ring.authorize(key, "ceph1.example") == UNACCEPTED
    assert "ceph1.example" in pending_ids(ring)


def test_a_burst_is_one_event_then_one_summary(clock):
    ring = flood_ring(clock, max_pending_per_address=5)
    events = ring._eventer
    for n in range(50):
        introduce(ring, f"fake{n}.example", "203.0.113.9")
    assert len(events.events) == 2, events.messages()        # the first new key, the first refusal
    clock[0] += WARN_EVERY_S
    ring.tick()
    summaries = events.messages()[2:]
    assert summaries == ["4 more new agent keys from 203.0.113.9 are waiting for acceptance "
                         f"(within {WARN_EVERY_S:g} s of the last one reported)",
                         f"Refused 44 more new agent keys from 203.0.113.9 within {WARN_EVERY_S:g} s "
                         "(too many keys waiting for acceptance)"]


def test_pending_keys_expire(clock):
    ring = flood_ring(clock, pending_max_age_s=100.0)
    introduce(ring, "old.example", "203.0.113.9")
    clock[0] += 60
    introduce(ring, "young.example", "203.0.113.9")
    clock[0] += 50                                           # old: 110 s, young: 50 s
    ring.tick()
    assert pending_ids(ring) == ["young.example"]
    assert m.DeleteKey("old.example") in ring._store.saved
    assert any(e.startswith("Forgot 1 agent keys not accepted within") for e in ring._eventer.messages())
    # Keys restored from the store age from when they were saved.
    restored = flood_ring(clock, pending_max_age_s=100.0)
    restored.restore([{**row("stored.example", "pre", A), "updated_at": clock[0] - 101}])
    restored.tick()
    assert pending_ids(restored) == []
