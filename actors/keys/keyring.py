"""KeyRing: which agent keys may use the bus, held in memory and kept in step with the store.

It is the bus's gate (bus/gate.py). The bus proves who holds a key (CurveZMQ); the key ring
says what that key may do:

- accepted key: connects; its messages are delivered if they speak for the minion it was
  accepted as (an accepted key claiming another minion is refused);
- key never seen: connects once, provisionally, so that its first message can say which minion
  it is; it is then recorded as `pre` (with its fingerprint, and an event) and delivers nothing;
  with `auto_accept` it is accepted instead and delivers at once;
- a key generator (issue 12: 1,000 fresh keys in 6 s filled the pending cap and locked real
  agents out) is bounded three ways: at most `max_pending_per_address` pending keys per source
  address (ZAP tells the peer's address), pending keys not accepted within `pending_max_age_s`
  are forgotten, and new-key events come one per address and minute, then one summary
  (actors/bursts.py);
- pending (`pre`) or rejected key: refused at the handshake; the agent retries, so once an
  operator accepts it, it is in at its next attempt;
- a key claiming a minion id already known under another key: refused, with a WARNING event,
  and remembered (in memory) so that its next attempts are refused at the handshake. Nothing
  replaces a recorded key but deleting it (API or `run.py key delete`).

The store is the truth (the API and `run.py key` change it, the latter from another process),
so the ring reloads it: before refusing a key at the handshake and when a pending key's message
is dropped (it may have been accepted offline a moment ago), at most every MISS_RELOAD_S; and
every RELOAD_S while messages flow (offline rejections and deletions).

Thread-safety: the bus thread, the web tier (through the facade) and store replies all call in;
one lock guards the maps, and store writes and events are told outside it.
"""
from __future__ import annotations

import logging
import re
import threading
import time
from collections import OrderedDict
from concurrent.futures import Future
from dataclasses import dataclass, replace

from actors.runtime.base import ask
from actors.bursts import Bursts
from actors.events import INFO, WARNING, Event
from actors.runtime.futures import done, then
from actors.messages import EmitEvents
from actors.storage.messages import DeleteKey, LoadKeys, SaveKey
from bus.curve import fingerprint
from bus.gate import BAD_ID, OTHER_KEY, SENDER_MISMATCH, UNACCEPTED

log = logging.getLogger(__name__)

PRE, ACCEPTED = "pre", "accepted"
MINION_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9.-]{0,252}")   # what api/v2/key/<id> can name
MAX_PENDING = 1000        # new keys beyond this many pending ones are refused (a key flood)
MAX_PENDING_PER_ADDRESS = 100   # ... and beyond this many from one source address
PENDING_MAX_AGE_S = 86_400.0    # a pending key not accepted within this is forgotten
MAX_SOURCES = 10_000      # new keys whose source address is remembered until they speak
EXPIRE_EVERY_S = 1.0      # pending keys are checked for age at most this often
MAX_IMPOSTORS = 10_000    # refused impostor keys remembered, the oldest forgotten first
MISS_RELOAD_S = 1.0       # a refusal re-reads the store at most this often
RELOAD_S = 10.0           # while messages flow, the store is re-read this often
WARN_EVERY_S = 60.0       # at most one impostor event per minion id this often


@dataclass(frozen=True)
class AgentKey:
    minion_id: str
    status: str
    public_key: str | None
    fingerprint: str | None
    since: float | None = None      # when it was recorded (a pending key's age)
    address: str | None = None      # where a pending key came from (since this start only)


def valid_minion_id(text) -> bool:
    return isinstance(text, str) and MINION_ID.fullmatch(text) is not None


class KeyRing:
    def __init__(self, store, eventer, *, auto_accept: bool = False, clock=time.time,
                 max_pending: int = MAX_PENDING, max_pending_per_address: int = MAX_PENDING_PER_ADDRESS,
                 pending_max_age_s: float = PENDING_MAX_AGE_S):
        self._store, self._eventer = store, eventer
        self.auto_accept = auto_accept
        self._clock = clock
        self._max_pending = max_pending
        self._max_per_address = max_pending_per_address
        self._pending_max_age_s = pending_max_age_s
        self._sources: OrderedDict[str, str | None] = OrderedDict()   # new key -> its address
        self._bursts = Bursts(WARN_EVERY_S)
        self._expired_at = float("-inf")
        self._lock = threading.Lock()
        self._keys: dict[str, AgentKey] = {}               # minion id -> key
        self._ids: dict[str, str] = {}                      # public key -> minion id
        self._impostors: OrderedDict[str, str] = OrderedDict()   # public key -> id it claimed
        self._loaded_at = float("-inf")
        self._loading: Future | None = None
        self._touched: set[str] = set()    # ids changed here while a reload is on its way
        self._warned: dict[str, float] = {}  # minion id -> when an impostor was last reported

    # --- loading ---------------------------------------------------------------------------------
    def restore(self, rows: list[dict]) -> None:
        """rows: {id, status, public_key, fingerprint} as the store keeps them."""
        with self._lock:
            self._replace(rows)
            self._loaded_at = self._clock()

    def reload(self, max_age_s: float = 0.0) -> Future:
        """A Future done once the ring reflects a read of the store at most `max_age_s` old."""
        with self._lock:
            if self._loading is not None:
                return self._loading
            if self._clock() - self._loaded_at < max_age_s:
                return done(None)
            self._loading = loading = Future()
            self._touched = set()
        ask(self._store, LoadKeys).add_done_callback(lambda reply: self._loaded(reply, loading))
        return loading

    def _loaded(self, reply: Future, loading: Future) -> None:
        with self._lock:
            self._loading = None
            if reply.exception() is None:
                self._replace(reply.result(), keep=self._touched)
                self._loaded_at = self._clock()
        if reply.exception() is not None:
            log.warning("key ring: reloading keys failed: %s", reply.exception())
            loading.set_exception(reply.exception())
        else:
            loading.set_result(None)

    def _replace(self, rows: list[dict], keep: set[str] = frozenset()) -> None:
        """Under the lock. `keep`: ids whose in-memory state is newer than `rows`."""
        keys = {row["id"]: AgentKey(row["id"], row["status"], row.get("public_key"),
                                    row.get("fingerprint"), row.get("updated_at"),
                                    self._address_of(row)) for row in rows}
        for minion_id in keep:
            if minion_id in self._keys:
                keys[minion_id] = self._keys[minion_id]
            else:
                keys.pop(minion_id, None)
        self._keys = keys
        self._ids = {k.public_key: k.minion_id for k in keys.values() if k.public_key}

    # --- changes made elsewhere (the API, the embedded simulator) -------------------------------
    def put(self, minion_id: str, status: str, public_key: str | None, fingerprint_: str | None) -> None:
        """The store now holds this key (the caller told it)."""
        with self._lock:
            self._set(AgentKey(minion_id, status, public_key, fingerprint_))

    def forget(self, minion_id: str) -> None:
        """The store no longer holds this key: an agent using it starts over as a new key."""
        with self._lock:
            old = self._keys.pop(minion_id, None)
            if old is not None and self._ids.get(old.public_key) == minion_id:
                del self._ids[old.public_key]
            for key in [k for k, claimed in self._impostors.items() if claimed == minion_id]:
                del self._impostors[key]
            self._touched.add(minion_id)

    def trust(self, minion_id: str, public_key: str) -> None:
        """Accept this key as this minion's, replacing any other (the daemon's own simulator)."""
        with self._lock:
            old = self._keys.get(minion_id)
            if old is not None and old.status == ACCEPTED and old.public_key == public_key:
                return
            key = AgentKey(minion_id, ACCEPTED, public_key, fingerprint(public_key))
            self._set(key)
        self._save(key, f"Agent key of {minion_id} accepted (the daemon's simulator)")

    def refused_fingerprint(self, minion_id: str) -> str | None:
        """The fingerprint of the last key refused for claiming this minion id (since start)."""
        with self._lock:
            refused = [k for k, claimed in self._impostors.items() if claimed == minion_id]
        return fingerprint(refused[-1]) if refused else None

    def _set(self, key: AgentKey) -> None:
        old = self._keys.get(key.minion_id)
        if old is not None and self._ids.get(old.public_key) == key.minion_id:
            del self._ids[old.public_key]
        self._keys[key.minion_id] = key
        if key.public_key:
            self._ids[key.public_key] = key.minion_id
            self._impostors.pop(key.public_key, None)
        self._touched.add(key.minion_id)

    # --- the gate (bus thread) ------------------------------------------------------------------
    def accepted(self, public_key: str) -> bool:
        with self._lock:
            return self._status_of(public_key) == ACCEPTED

    def admit(self, public_key: str, address: str | None = None) -> bool | Future:
        self.tick()
        if self._decide(self._admit_locked, public_key, address, False):
            return True
        # About to refuse: the store may say otherwise since we last read it (`run.py key accept`).
        # Only this second look reports a refusal, so that each counts once.
        return then(self.reload(MISS_RELOAD_S),
                    lambda _: self._decide(self._admit_locked, public_key, address, True))

    def authorize(self, public_key: str, sender: str) -> str | None:
        if self._clock() - self._loaded_at > RELOAD_S:
            self.reload(RELOAD_S)
        return self._decide(self._authorize_locked, public_key, sender)

    def _decide(self, judge, *args):
        """judge(*args) under the lock -> (verdict, effect or None); the effect (store writes,
        events, reloads) runs once the lock is released."""
        with self._lock:
            verdict, effect = judge(*args)
        if effect is not None:
            effect()
        return verdict

    def _admit_locked(self, public_key: str, address: str | None = None, report: bool = True):
        minion_id = self._ids.get(public_key)
        if minion_id is not None:
            key = self._keys[minion_id]
            if key.status == PRE and self.auto_accept:
                key = replace(key, status=ACCEPTED)
                self._set(key)
                return True, lambda: self._save(key, f"Agent key of {minion_id} accepted automatically")
            return key.status == ACCEPTED, None
        claimed = self._impostors.get(public_key)
        if claimed is not None and claimed not in self._keys:
            del self._impostors[public_key]   # the key it contradicted was deleted since
            claimed = None
        if claimed is not None:
            return False, None
        # A new key connects provisionally: its first message names the minion it is.
        full = self._over_cap(address)
        if full is not None:
            return False, (self._refusal_effect(address, full) if report else None)
        self._sources[public_key] = address
        self._sources.move_to_end(public_key)
        if len(self._sources) > MAX_SOURCES:
            self._sources.popitem(last=False)
        return True, None

    def _authorize_locked(self, public_key: str, sender: str):
        minion_id = self._ids.get(public_key)
        if minion_id is not None:
            if self._keys[minion_id].status == ACCEPTED:
                return (None if sender == minion_id else SENDER_MISMATCH), None
            return UNACCEPTED, lambda: self.reload(MISS_RELOAD_S)   # accepted offline, maybe
        if not valid_minion_id(sender):
            return BAD_ID, None
        if public_key in self._impostors:
            return OTHER_KEY, None
        known = self._keys.get(sender)
        if known is not None:
            self._remember_impostor(public_key, sender)
            return OTHER_KEY, lambda: self._refused(sender, public_key, known)
        address = self._sources.pop(public_key, None)
        if not self.auto_accept and self._over_cap(address) is not None:
            return UNACCEPTED, None
        key = AgentKey(sender, ACCEPTED if self.auto_accept else PRE, public_key, fingerprint(public_key),
                       self._clock(), address)
        self._set(key)
        if key.status == ACCEPTED:
            return None, lambda: self._save(
                key, f"Agent key of {sender} accepted automatically (fingerprint {key.fingerprint})")
        return UNACCEPTED, lambda: self._save_pending(key)

    def _status_of(self, public_key: str) -> str | None:
        minion_id = self._ids.get(public_key)
        return None if minion_id is None else self._keys[minion_id].status

    def pending_count(self) -> int:
        """Keys waiting for an operator (the metrics' agents in state pending_key)."""
        with self._lock:
            return self._pending()

    def _pending(self) -> int:
        return sum(1 for key in self._keys.values() if key.status == PRE)

    def _over_cap(self, address: str | None) -> str | None:
        """Under the lock: why a new key from `address` cannot be let in, or None."""
        if self._pending() >= self._max_pending:
            return f"{self._max_pending} keys are waiting for acceptance"
        if address is not None and sum(1 for key in self._keys.values()
                                       if key.status == PRE and key.address == address) >= self._max_per_address:
            return f"{address} already has {self._max_per_address} keys waiting for acceptance"
        return None

    def _address_of(self, row: dict) -> str | None:
        """A reloaded key keeps the address it came from (the store does not hold it)."""
        old = self._keys.get(row["id"])
        return old.address if old is not None and old.public_key == row.get("public_key") else None

    # --- housekeeping: expiry of pending keys, burst summaries (the ticker, and each handshake) ---
    def tick(self) -> None:
        now = self._clock()
        with self._lock:
            if now - self._expired_at < EXPIRE_EVERY_S:
                return
            self._expired_at = now
            cutoff = now - self._pending_max_age_s
            expired = [key for key in self._keys.values()
                       if key.status == PRE and key.since is not None and key.since < cutoff]
            for key in expired:
                del self._keys[key.minion_id]
                self._ids.pop(key.public_key, None)
                self._touched.add(key.minion_id)
            summaries = self._bursts.due(now)
        for key in expired:
            self._store.tell(DeleteKey(key.minion_id))
        if expired:
            names = ", ".join(key.minion_id for key in expired[:5]) + (", …" if len(expired) > 5 else "")
            self._event(WARNING, f"Forgot {len(expired)} agent keys not accepted within "
                                 f"{self._pending_max_age_s / 3600:g} h ({names}); their agents "
                                 "come back as new keys if they are still running", None)
        for (kind, address), count in summaries:
            self._summarise(kind, address, count)

    def _save_pending(self, key: AgentKey) -> None:
        self._store.tell(SaveKey(key.minion_id, key.status, key.public_key, key.fingerprint))
        with self._lock:
            first, ended = self._bursts.note(("new", key.address), self._clock())
        if ended:
            self._summarise("new", key.address, ended)
        if first:
            self._event(INFO, f"New agent key of {key.minion_id} is waiting for acceptance "
                              f"(fingerprint {key.fingerprint}{_source(key.address)})", key.minion_id)

    def _refusal_effect(self, address: str | None, why: str):
        def effect() -> None:
            with self._lock:
                first, ended = self._bursts.note(("refused", address), self._clock())
            if ended:
                self._summarise("refused", address, ended)
            if first:
                self._event(WARNING, f"Refused a new agent key{_source(address)}: {why}", None)
        return effect

    def _summarise(self, kind: str, address: str | None, count: int) -> None:
        if kind == "new":
            text = (f"{count} more new agent keys{_source(address)} are waiting for acceptance "
                    f"(within {WARN_EVERY_S:g} s of the last one reported)")
        else:
            text = (f"Refused {count} more new agent keys{_source(address)} within {WARN_EVERY_S:g} s "
                    "(too many keys waiting for acceptance)")
        self._event(WARNING, text, None)

    def _remember_impostor(self, public_key: str, claimed: str) -> None:
        self._impostors[public_key] = claimed
        if len(self._impostors) > MAX_IMPOSTORS:
            self._impostors.popitem(last=False)

    # --- effects, outside the lock ------------------------------------------------------------------
    def _save(self, key: AgentKey, message: str) -> None:
        self._store.tell(SaveKey(key.minion_id, key.status, key.public_key, key.fingerprint))
        self._event(INFO, message, key.minion_id)

    def _refused(self, minion_id: str, public_key: str, known: AgentKey) -> None:
        now = self._clock()
        with self._lock:   # a key generator must not be able to flood the event log
            if now - self._warned.get(minion_id, float("-inf")) < WARN_EVERY_S:
                return
            self._warned[minion_id] = now
        self._event(WARNING, f"Refused an agent claiming to be {minion_id}: its key (fingerprint "
                             f"{fingerprint(public_key)}) is not the {known.status} key of {minion_id} "
                             f"(fingerprint {known.fingerprint}); delete that key to let the new one in",
                    minion_id)

    def _event(self, severity: int, message: str, minion_id: str | None) -> None:
        self._eventer.tell(EmitEvents((Event(self._clock(), severity, message, fqdn=minion_id),)))


def _source(address: str | None) -> str:
    return "" if address is None else f" from {address}"
