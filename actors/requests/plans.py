"""What a change to a cluster is: the output of the pure command builders (actors/cluster/commands/) and
the input of the request tracker. Built from the current maps; carries no threads or clocks."""
from __future__ import annotations

from dataclasses import dataclass, field

# How a request knows it is finished.
JOB = "job"                    # when its job returns (OSD scrub/repair, debug jobs)
OSD_MAP = "osd_map"            # when the OSD map epoch reported by the job has arrived
POOL_CREATED = "pool_created"  # OSD_MAP, then the pool `pool_name` exists and its PGs left `creating`
PG_GROWTH = "pg_growth"        # pg_num raised block by block as PGs finish creating, then pgp_num


@dataclass(frozen=True)
class PgGrowth:
    pool_id: int
    pool_name: str
    initial: int      # pg_num before the request
    final: int        # requested pg_num
    block: int        # at most this many PGs created per step (split limit)
    pgp_num: int      # pgp_num set once every PG exists

    def first_goal(self) -> int:
        return min(self.final, self.initial + self.block)


@dataclass(frozen=True)
class Plan:
    headline: str                    # e.g. "Creating pool 'x'"
    commands: tuple                  # ((prefix, {args}), ...) sent as one rados_commands job
    completion: str = OSD_MAP        # JOB, OSD_MAP, POOL_CREATED or PG_GROWTH
    pool_name: str | None = None     # POOL_CREATED: the pool to wait for
    pg_growth: PgGrowth | None = None  # PG_GROWTH: commands end with `osd pool set pg_num=<first goal>`
    associate: bool = True           # events of the request carry the cluster's fsid
    # {field: [before, after]}: what the change alters (actors/cluster/diffs.py); set by
    # actors/cluster/changes.plan on every plan, empty for commands that alter no field (scrub)
    changes: dict = field(default_factory=dict)
    warnings: tuple = ()             # a dry run's: what the cluster's guardrails would refuse
