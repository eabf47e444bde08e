"""A simulated cluster's state on disk, so that it outlives the process running it.

A SimCluster is a cluster: pools created, OSDs marked out, epochs reached must still be there
when the daemon (or `run.py sim`) restarts, exactly as a real cluster does not forget its pools
when its manager restarts. Each cluster is one JSON file, `cluster-<index>.json`, in a state dir
(mode 700, files 600), replaced atomically: written to a temporary file, fsynced, renamed over
the old one, and the directory fsynced, so a crash leaves the previous or the new file, never a
torn one.

The codec is generic over the model's attributes (new attributes are persisted without edits
here) but decodes only the classes listed in CLASSES: no pickle, nothing in the file can make
the loader run code. Logs keep their last LOG_LINES_KEPT lines per file.
"""
from __future__ import annotations

import contextlib
import json
import os
import random
import tempfile
from collections import deque
from pathlib import Path

from sim.crush.text_map import Bucket, CrushMap
from sim.pgs import PG, PgTable
from sim.state import Host, Mon, Osd, Pool

FORMAT = 1
TAG = "__sim__"
LOG_LINES_KEPT = 500
CLASSES = {c.__name__: c for c in (Host, Osd, Mon, Pool, PG, PgTable, Bucket, CrushMap)}


def encode(value):
    """Plain JSON for JSON's own types; everything else tagged {TAG: kind, "v": ...}."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, list):
        return [encode(v) for v in value]
    if isinstance(value, dict):
        if all(isinstance(k, str) for k in value) and TAG not in value:
            return {k: encode(v) for k, v in value.items()}
        return {TAG: "dict", "v": [[encode(k), encode(v)] for k, v in value.items()]}
    if isinstance(value, tuple):
        return {TAG: "tuple", "v": [encode(v) for v in value]}
    if isinstance(value, (set, frozenset)):
        return {TAG: "set", "v": [encode(v) for v in sorted(value)]}
    if isinstance(value, deque):
        return {TAG: "deque", "maxlen": value.maxlen, "v": list(value)[-LOG_LINES_KEPT:]}
    if isinstance(value, random.Random):
        return {TAG: "random", "v": encode(value.getstate())}
    name = type(value).__name__
    if CLASSES.get(name) is type(value):
        return {TAG: name, "v": encode(vars(value))}
    raise TypeError(f"cannot persist a {name}")   # a new kind of model attribute: add it above


def decode(value):
    if isinstance(value, list):
        return [decode(v) for v in value]
    if not isinstance(value, dict):
        return value
    kind = value.get(TAG)
    if kind is None:
        return {k: decode(v) for k, v in value.items()}
    inner = value["v"]
    if kind == "dict":
        return {decode(k): decode(v) for k, v in inner}
    if kind == "tuple":
        return tuple(decode(v) for v in inner)
    if kind == "set":
        return {decode(v) for v in inner}
    if kind == "deque":
        return deque(inner, maxlen=value["maxlen"])
    if kind == "random":
        rng = random.Random()
        rng.setstate(decode(inner))
        return rng
    cls = CLASSES[kind]            # KeyError: a file from a newer model; refused by load()
    obj = cls.__new__(cls)
    obj.__dict__.update(decode(inner))
    return obj


def write_atomically(path: Path, data: bytes) -> None:
    """`path` holds either its old content or `data`, whatever happens (mode 600)."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as out:      # mkstemp makes it 600
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    dir_fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)                        # the rename itself survives a crash
    finally:
        os.close(dir_fd)


class SimStateDir:
    """The clusters of one fleet in one directory. save() is called by a cluster, under its lock,
    after every change (SimCluster.saver), so a saved file never lags behind an epoch that a
    heartbeat has already reported."""

    def __init__(self, directory: str | os.PathLike):
        self.path = Path(directory)
        self.path.mkdir(mode=0o700, parents=True, exist_ok=True)
        os.chmod(self.path, 0o700)

    def file_of(self, index: int) -> Path:
        return self.path / f"cluster-{index}.json"

    def save(self, cluster) -> None:
        state = {"format": FORMAT, "cluster": encode(cluster.state())}
        write_atomically(self.file_of(cluster.index), json.dumps(state, separators=(",", ":")).encode())

    def load(self, index: int) -> dict | None:
        """The saved state of cluster `index`, None if there is none; a file that cannot be
        used is an error (starting a fresh cluster under the old fsid would hide the loss)."""
        path = self.file_of(index)
        try:
            raw = path.read_bytes()
        except FileNotFoundError:
            return None
        try:
            saved = json.loads(raw)
            if saved.get("format") != FORMAT:
                raise ValueError(f"format {saved.get('format')!r}, this release reads {FORMAT}")
            return decode(saved["cluster"])
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise ValueError(f"cannot read simulated cluster state {path}: {exc}") from None
