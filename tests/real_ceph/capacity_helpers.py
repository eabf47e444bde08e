"""Capacity and IO helpers of the real-Ceph tests (single host and multi-host): reading the
usage / io / osd_usage resources, and writing objects while a client write rate must show.

`managed` is anything with `.api` (a logged-in httpx client) and `.url(path)`.
"""
from __future__ import annotations

import threading
from contextlib import contextmanager

# Between two writes of the load thread: keeps a client write rate showing in the pgmap without
# taking the CPU the daemon, the agent and the OSDs need (~12 MB/s).
WRITE_PACE_S = 0.02


def answer(managed, path: str, **params):
    response = managed.api.get(managed.url(path), params=params)
    assert response.status_code == 200, (path, response.status_code, response.text)
    return response.json()


def answered(managed, path: str, **params):
    """The body once the resource has its first data (503 until then), else None."""
    response = managed.api.get(managed.url(path), params=params)
    assert response.status_code in (200, 503), (path, response.status_code, response.text)
    return response.json() if response.status_code == 200 else None


def pool_usage(managed, pool_id: int) -> dict | None:
    return next((p for p in answer(managed, "usage")["pools"] if p["id"] == pool_id), None)


def io_pool(io: dict, pool_id: int) -> dict | None:
    return next((p for p in io["pools"] if p["id"] == pool_id), None)


def client_writes_shown(managed, pool_id: int) -> dict | None:
    """The `io` answer once it shows client writes for the cluster and for the pool, else None."""
    io = answer(managed, "io")
    mine = io_pool(io, pool_id)
    return io if io["client"]["write_bytes_sec"] > 0 and mine is not None \
        and mine["client"]["write_bytes_sec"] > 0 else None


def write_objects(ioctx, count: int, size: int, round_: int = 0) -> None:
    """`count` objects of `size` bytes, the same names every round (a round rewrites them)."""
    for index in range(count):
        ioctx.write_full(f"object-{index}", bytes([(index + round_) % 256]) * size)


@contextmanager
def rewriting(ioctx, count: int, size: int):
    """The objects rewritten in a thread while the block runs: their count and bytes stay
    exact while a client write rate shows (Pacific reports a rate only while writes go on)."""
    stop, failures = threading.Event(), []

    def rewrite() -> None:
        try:
            round_ = 1
            while not stop.wait(WRITE_PACE_S):
                write_objects(ioctx, count, size, round_)
                round_ += 1
        except Exception as exc:   # reported by the test: a thread's exception would vanish
            failures.append(exc)

    thread = threading.Thread(target=rewrite, name="rados-writer", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(timeout=35)
    assert not failures, failures
