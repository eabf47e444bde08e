"""GcSteward: collection pauses counted per generation; survivors frozen every period."""
from __future__ import annotations

import gc

from actors.runtime.gc_steward import GcSteward


class Clock:
    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now


def test_collections_are_counted_per_generation_with_their_longest_pause():
    steward = GcSteward().install()
    try:
        before = steward.counters()
        gc.collect(0)
        gc.collect(2)
        after = steward.counters()
    finally:
        steward.uninstall()
    assert after["gc_gen0_collections"] >= before["gc_gen0_collections"] + 1
    assert after["gc_gen2_collections"] >= before["gc_gen2_collections"] + 1
    assert after["gc_gen2_max_pause_ms"] >= 0.0
    gc.collect(2)
    assert steward.counters()["gc_gen2_collections"] == after["gc_gen2_collections"]   # uninstalled


def test_survivors_are_frozen_once_per_period():
    clock = Clock()
    steward = GcSteward(clock=clock, freeze_every_s=60.0)
    kept = [[n] for n in range(1000)]
    try:
        clock.now = 59.0
        steward.tick()
        assert steward.counters()["gc_freezes"] == 0
        clock.now = 61.0
        steward.tick()
        counters = steward.counters()
        assert counters["gc_freezes"] == 1 and counters["gc_frozen_objects"] >= len(kept)
        clock.now = 62.0
        steward.tick()
        assert steward.counters()["gc_freezes"] == 1
    finally:
        gc.unfreeze()
