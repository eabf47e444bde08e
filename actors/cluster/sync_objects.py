"""Version tracking of a cluster's sync objects (calamari-internals §2.6), as a pure state machine.

Per type we hold the current (version, data), the newest version any heartbeat reported, and when
a fetch was issued. Epoch types compare as ints; digest types are "newer" when merely different.
At most one fetch per type is in flight; one older than `fetch_timeout_s` counts as lost.
Fetches are numbered: a digest type cannot tell an old copy from a new one by its version, so
the answer of a fetch issued before the one whose copy we hold (delayed past its timeout) is
dropped instead of rolling the copy back.

Epochs never go back within one cluster's history, so an older epoch in a heartbeat is normally
a straggler and ignored. But a cluster can be rebuilt under the same fsid, or its mons restored
from an older store: then every heartbeat reports epochs below the held ones, and holding on to
the old maps would hide the real cluster for ever. After REPLACE_AFTER such heartbeats in a row
the held copy is refetched and replaced by whatever the cluster answers (`take_replacements`
lists the types so condemned, for the caller's event).
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from bus.protocol import SYNC_TYPES

EPOCH_TYPES = frozenset({"osd_map", "mon_map", "mds_map", "mon_status", "quorum_status"})
# Consecutive heartbeats with an older epoch before the held copy is given up: one or two may be
# a lagging mon just after a favourite change; three at the heartbeat period are a pattern.
REPLACE_AFTER = 3


def is_newer(sync_type: str, candidate, held) -> bool:
    if candidate is None:
        return False
    if held is None:
        return True
    if sync_type in EPOCH_TYPES:
        try:
            return int(candidate) > int(held)
        except (TypeError, ValueError):
            return False
    return candidate != held


def is_older(sync_type: str, candidate, held) -> bool:
    """An epoch below the held one (digest types have no order: never older)."""
    if sync_type not in EPOCH_TYPES or candidate is None or held is None:
        return False
    try:
        return int(candidate) < int(held)
    except (TypeError, ValueError):
        return False


@dataclass(frozen=True)
class TypeState:
    version: Any = None
    data: Any = None
    known_version: Any = None
    fetching_since: float | None = None
    held_fetch: int = 0        # number of the fetch whose answer is held (0: restored or none)
    older_reports: int = 0     # heartbeats in a row reporting an epoch below `version`
    replacing: bool = False    # the held copy is condemned: the next answer replaces it


class SyncState:
    """Mutable holder of one immutable TypeState per sync type (owned by one ClusterActor)."""

    def __init__(self, fetch_timeout_s: float = 10.0):
        self.fetch_timeout_s = fetch_timeout_s
        self.types: dict[str, TypeState] = {t: TypeState() for t in SYNC_TYPES}
        self._fetches = 0
        self._replacements: list[tuple[str, Any, Any]] = []   # (type, held, reported) not yet taken

    def fetch_number(self) -> int:
        """A number for a fetch being sent, higher than every earlier one's (see on_fetched)."""
        self._fetches += 1
        return self._fetches

    def restore(self, sync_type: str, version, data) -> None:
        """A copy from the database: served at once, but a heartbeat with any other digest refetches."""
        self.types[sync_type] = TypeState(version=version, data=data, known_version=version)

    def on_version(self, sync_type: str, version, now: float) -> bool:
        """A heartbeat reported `version`; True when the caller must fetch now."""
        state = self.types.get(sync_type)
        if state is None:
            return False
        if is_older(sync_type, version, state.version):
            return self._older_reported(sync_type, state, version, now)
        if state.older_reports and not state.replacing:
            state = self.types[sync_type] = replace(state, older_reports=0)   # not in a row
        if not is_newer(sync_type, version, state.version):
            return False
        if is_newer(sync_type, version, state.known_version):
            state = replace(state, known_version=version)
        if state.fetching_since is not None and now - state.fetching_since < self.fetch_timeout_s:
            self.types[sync_type] = state
            return False
        self.types[sync_type] = replace(state, fetching_since=now)
        return True

    def _older_reported(self, sync_type: str, state: TypeState, version, now: float) -> bool:
        count = state.older_reports + 1
        if count == REPLACE_AFTER:
            self._replacements.append((sync_type, state.version, version))
            state = replace(state, replacing=True, known_version=version)
        state = replace(state, older_reports=count)
        if not state.replacing or (state.fetching_since is not None
                                   and now - state.fetching_since < self.fetch_timeout_s):
            self.types[sync_type] = state
            return False
        self.types[sync_type] = replace(state, fetching_since=now)
        return True

    def take_replacements(self) -> list[tuple[str, Any, Any]]:
        """(sync_type, held version, reported version) of each copy condemned since last asked."""
        taken, self._replacements = self._replacements, []
        return taken

    def on_fetch_failed(self, sync_type: str) -> None:
        state = self.types.get(sync_type)
        if state is not None:
            self.types[sync_type] = replace(state, fetching_since=None)

    def on_fetched(self, sync_type: str, version, data, now: float,
                   fetch: int | None = None) -> tuple[bool, bool]:
        """Fetch number `fetch` answered. Returns (is_new, fetch_again)."""
        state = self.types[sync_type]
        if fetch is not None and fetch < state.held_fetch and sync_type not in EPOCH_TYPES:
            return False, False   # older than the copy held: a late answer, not a change
        state = replace(state, fetching_since=None)
        if state.replacing and version is not None and not is_newer(sync_type, version, state.version):
            # The cluster's own copy, from a history other than the held one's: it wins.
            self.types[sync_type] = replace(state, version=version, data=data, known_version=version,
                                            held_fetch=fetch or state.held_fetch, older_reports=0,
                                            replacing=False)
            return True, False
        state = replace(state, older_reports=0, replacing=False) if state.replacing else state
        if is_newer(sync_type, version, state.known_version):
            state = replace(state, known_version=version)
        if not is_newer(sync_type, version, state.version):
            self.types[sync_type] = state
            return False, False
        state = replace(state, version=version, data=data, held_fetch=fetch or state.held_fetch)
        fetch_again = is_newer(sync_type, state.known_version, version)
        if fetch_again:
            state = replace(state, fetching_since=now)
        self.types[sync_type] = state
        return True, fetch_again

    def current(self) -> bool:
        """No type's reported version is newer than the copy held: nothing is left to fetch."""
        return not any(is_newer(sync_type, state.known_version, state.version)
                       for sync_type, state in self.types.items())

    def data(self, sync_type: str):
        return self.types[sync_type].data

    def version(self, sync_type: str):
        return self.types[sync_type].version


def choose_favourite(favourite: str | None, last_heard: dict[str, float], minion: str,
                     now: float, timeout_s: float) -> str:
    """The mon host whose heartbeats we trust (§2.7): the first one heard, replaced when silent."""
    if favourite is None or favourite == minion:
        return minion
    if now - last_heard.get(favourite, float("-inf")) > timeout_s:
        return minion
    return favourite
