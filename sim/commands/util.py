"""What every mon command handler shares: its outcome and the model lookups it needs.

A handler is `handler(cluster, args) -> Done`. It reads its arguments with sim/commands/args.py,
validates everything first and raises CommandError before touching the model, then makes its
change through the model's command surface (sim/surface.py); the caller
(sim/commands/executor.py) commits one new OSD map epoch if `Done.osd_map` says the map changed.
A handler that needs the epoch its change lands in reads `cluster.pending_osd_epoch`.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from sim.errors import CommandError
from sim.state import Osd, Pool


@dataclass
class Done:
    status: str = ""      # Ceph's status text ("pool 'x' created"): the results entry...
    output: Any = None    # ...unless there is JSON output
    osd_map: bool = False  # the OSD map changed: one new epoch
    crush: bool = False   # ...and CRUSH changed with it: crush_version + 1


def changed(status: str, *, crush: bool = False) -> Done:
    return Done(status=status, osd_map=True, crush=crush)


def unchanged(status: str) -> Done:
    return Done(status=status)


def output(data: Any, status: str = "") -> Done:
    return Done(status=status, output=data)


def num(value: float) -> str:
    """A float the way a C++ ostream prints it by default (0.5, 1, 2.25)."""
    return f"{value:g}"


def config_int(cluster, option: str) -> int:
    return int(cluster.config[option])


def config_bool(cluster, option: str) -> bool:
    return cluster.config.get(option, "false") == "true"


def pool_named(cluster, name: str) -> Pool:
    """The pool called `name`; ENOENT as Ceph words it if there is none."""
    pool = cluster.pool_by_name(name)
    if pool is None:
        raise CommandError("ENOENT", f"unrecognized pool '{name}'")
    return pool


def osd_id(value: Any) -> int:
    """An OSD named 3, "3" or "osd.3" (Ceph's parse_osd_id); EINVAL otherwise."""
    text = str(value)
    match = re.fullmatch(r"(?:osd\.)?(\d+)", text) if not isinstance(value, bool) else None
    if match is None:
        raise CommandError("EINVAL", "invalid osd id-1")
    return int(match.group(1))


def existing_osd(cluster, value: Any) -> Osd:
    osd = cluster.osds.get(osd_id(value))
    if osd is None:
        raise CommandError("ENOENT", f"osd.{osd_id(value)} does not exist")
    return osd


def default_min_size(cluster, size: int) -> int:
    """get_osd_pool_default_min_size: the configured value capped at size, else a majority."""
    configured = config_int(cluster, "osd_pool_default_min_size")
    return min(configured, size) if configured else size - size // 2


def check_pg_num(cluster, pool: Pool | None, pg_num: int, size: int) -> None:
    """OSDMonitor::check_pg_num: the projected PG instances must fit mon_max_pg_per_osd
    times the in OSDs (at least 3)."""
    projected = sum(p.pg_num * p.size for p in cluster.pools.values()
                    if pool is None or p.id != pool.id)
    projected += pg_num * size
    per_osd = config_int(cluster, "mon_max_pg_per_osd")
    num_osds = max(sum(1 for o in cluster.osds.values() if o.in_), 3)
    if projected > per_osd * num_osds:
        prefix = f"pool id {pool.id}" if pool is not None else ""
        raise CommandError("ERANGE", f"{prefix} pg_num {pg_num} size {size} would mean "
                           f"{projected} total pgs, which exceeds max {per_osd * num_osds} "
                           f"(mon_max_pg_per_osd {per_osd} * num_in_osds {num_osds})")
