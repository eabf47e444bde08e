"""Building simulated clusters for tests: a fixed clock, so timestamps and digests repeat."""
from __future__ import annotations

from sim.model import SimCluster

NOW = 1_800_000_000.0


def make(**kwargs) -> SimCluster:
    kwargs.setdefault("clock", lambda: NOW)
    return SimCluster(**kwargs)
