"""Version tracking of sync objects and the favourite mon choice (pure)."""
from actors.cluster.sync_objects import SyncState, choose_favourite, is_newer


def test_epochs_compare_as_numbers_and_digests_by_difference():
    assert is_newer("osd_map", 10, 9) and not is_newer("osd_map", 9, 10) and not is_newer("osd_map", 9, 9)
    assert is_newer("osd_map", 1, None) and not is_newer("osd_map", None, 1)
    assert is_newer("health", "abc", "def") and not is_newer("health", "abc", "abc")
    assert not is_newer("osd_map", "garbage", 3)


def test_a_newer_version_fetches_once_until_the_fetch_times_out():
    sync = SyncState(fetch_timeout_s=10)
    assert sync.on_version("osd_map", 5, now=100.0) is True
    assert sync.on_version("osd_map", 6, now=105.0) is False          # one fetch in flight
    assert sync.types["osd_map"].known_version == 6
    assert sync.on_version("osd_map", 6, now=111.0) is True            # the first counts as lost


def test_a_fetch_answer_older_than_known_triggers_another_fetch():
    sync = SyncState()
    sync.on_version("osd_map", 5, now=0.0)
    sync.on_version("osd_map", 7, now=1.0)
    assert sync.on_fetched("osd_map", 5, {"epoch": 5}, now=2.0) == (True, True)
    assert sync.data("osd_map") == {"epoch": 5}
    assert sync.on_fetched("osd_map", 7, {"epoch": 7}, now=3.0) == (True, False)
    assert sync.on_fetched("osd_map", 6, {"epoch": 6}, now=4.0) == (False, False)   # stale answer
    assert sync.version("osd_map") == 7


def test_same_digest_is_not_refetched_and_restored_copies_count_as_held():
    sync = SyncState()
    sync.restore("health", "d1", {"status": "HEALTH_OK"})
    assert sync.on_version("health", "d1", now=0.0) is False
    assert sync.on_version("health", "d2", now=0.0) is True
    sync.on_fetch_failed("health")
    assert sync.on_version("health", "d2", now=0.1) is True             # a failed fetch is retried


def test_a_digest_answer_from_an_earlier_fetch_than_the_held_copy_is_dropped():
    sync = SyncState(fetch_timeout_s=10)
    assert sync.on_version("health", "d1", now=0.0)
    first = sync.fetch_number()                                          # its answer is delayed
    assert sync.on_version("health", "d2", now=11.0)                     # first counted as lost
    second = sync.fetch_number()
    assert sync.on_fetched("health", "d2", {"status": "HEALTH_WARN"}, now=12.0, fetch=second) == (True, False)
    assert sync.on_fetched("health", "d1", {"status": "HEALTH_OK"}, now=13.0, fetch=first) == (False, False)
    assert sync.version("health") == "d2" and sync.data("health") == {"status": "HEALTH_WARN"}
    assert sync.on_version("health", "d2", now=14.0) is False            # nothing more to fetch


def test_a_late_answer_still_counts_when_no_later_fetch_was_answered():
    sync = SyncState(fetch_timeout_s=10)
    sync.restore("health", "d0", {"status": "HEALTH_OK"})
    sync.on_version("health", "d1", now=0.0)
    first = sync.fetch_number()
    assert sync.on_fetched("health", "d1", {"status": "HEALTH_WARN"}, now=30.0, fetch=first) == (True, False)


def test_unknown_sync_types_are_ignored():
    assert SyncState().on_version("bogus", 1, now=0.0) is False


def test_favourite_is_the_first_heard_and_replaced_only_when_silent():
    heard = {"a": 100.0, "b": 101.0}
    assert choose_favourite(None, heard, "a", 100.0, 30.0) == "a"
    assert choose_favourite("a", heard, "b", 110.0, 30.0) == "a"
    assert choose_favourite("a", heard, "b", 131.0, 30.0) == "b"


def test_older_epochs_three_heartbeats_in_a_row_condemn_the_held_copy():
    sync = SyncState(fetch_timeout_s=10)
    sync.restore("osd_map", 37, {"epoch": 37})
    assert sync.on_version("osd_map", 28, now=0.0) is False
    assert sync.on_version("osd_map", 37, now=1.0) is False           # not in a row: start again
    assert [sync.on_version("osd_map", 28, now=t) for t in (2.0, 3.0)] == [False, False]
    assert sync.take_replacements() == []
    assert sync.on_version("osd_map", 28, now=4.0) is True            # the third in a row: refetch
    assert sync.take_replacements() == [("osd_map", 37, 28)] and sync.take_replacements() == []
    assert sync.on_version("osd_map", 28, now=5.0) is False           # that fetch is in flight
    assert sync.on_fetched("osd_map", 28, {"epoch": 28}, now=6.0) == (True, False)
    assert sync.version("osd_map") == 28 and sync.data("osd_map") == {"epoch": 28}
    assert sync.on_version("osd_map", 28, now=7.0) is False           # settled: nothing more
    assert sync.on_version("osd_map", 29, now=8.0) is True            # and it moves on from there


def test_a_straggler_answer_older_than_the_held_copy_replaces_nothing_unless_condemned():
    sync = SyncState()
    sync.restore("osd_map", 37, {"epoch": 37})
    assert sync.on_fetched("osd_map", 28, {"epoch": 28}, now=0.0) == (False, False)
    sync.restore("health", "d1", {})
    for t in range(5):
        assert sync.on_version("health", "d0", now=float(t)) == (t == 0)   # digests have no order
    assert sync.take_replacements() == []
