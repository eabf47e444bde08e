"""Mon commands on a SimCluster: the dispatch table and the `rados_commands` loop.

`apply_commands(cluster, [[prefix, args], ...])` runs the commands in order (under the
cluster's lock, which the caller holds) and stops at the first failure; nothing is rolled back.
Each successful command adds one results entry, as the real agent does: its JSON output, else
Ceph's status text ("pool 'x' created", or for an idempotent no-op "pool 'x' already exists"),
else None. Arguments are read with the types a Pacific mon demands (sim/commands/args.py). A command
that changed the OSD map commits exactly one new epoch (and one new crush_version when it
changed CRUSH); one that changed nothing leaves both alone. The `format` argument is ignored
(output is always JSON). A prefix not in COMMANDS fails with "Error EINVAL: command not known".

Handlers live in sim/commands/pool.py, sim/commands/crush.py, sim/commands/crush_rules.py and
sim/commands/osd.py. They, this module and the cli use only the model's public surface
(sim/surface.py, and the reads and log writers of sim/sync.py and sim/cluster_log.py).
"""
from __future__ import annotations

from sim.commands.crush import CRUSH_COMMANDS
from sim.commands.osd import OSD_COMMANDS
from sim.commands.pool import POOL_COMMANDS
from sim.commands.util import Done
from sim.errors import CommandError

COMMANDS = {**POOL_COMMANDS, **CRUSH_COMMANDS, **OSD_COMMANDS}


def validate(commands) -> list[tuple[str, dict]]:
    """[(prefix, args)] from a list of [str, dict] pairs; ValueError for anything else."""
    if not isinstance(commands, (list, tuple)):
        raise ValueError(f"commands must be a list of [prefix, args] pairs, got "
                         f"{type(commands).__name__}")
    pairs = []
    for index, entry in enumerate(commands):
        if not (isinstance(entry, (list, tuple)) and len(entry) == 2
                and isinstance(entry[0], str) and isinstance(entry[1], dict)):
            raise ValueError(f"command {index} is not a [prefix, args] pair: {entry!r}")
        pairs.append((entry[0], dict(entry[1])))
    return pairs


def apply_commands(cluster, commands) -> dict:
    """{"error", "results", "error_status"} (the caller adds fsid and versions)."""
    results: list = []
    for prefix, args in validate(commands):
        try:
            done = apply_command(cluster, prefix, args)
        except CommandError as exc:
            return {"error": True, "results": results, "error_status": str(exc)}
        results.append(done.output if done.output is not None else done.status or None)
    return {"error": False, "results": results, "error_status": ""}


def apply_command(cluster, prefix: str, args: dict) -> Done:
    """One mon command, committed; CommandError (logged as the mon would) when Ceph refuses it."""
    args = dict(args)
    args.pop("format", None)
    cluster.audit_command(prefix, args, finished=False)
    handler = COMMANDS.get(prefix)
    try:
        if handler is None:
            raise CommandError("EINVAL", "command not known")
        done = handler(cluster, args)
    except CommandError as exc:
        cluster.log_command_failed(prefix, exc)
        raise
    _commit(cluster, done)
    cluster.audit_command(prefix, args, finished=True)
    cluster.log_changes()  # the new epoch's and health's log lines, per command
    return done


def _commit(cluster, done: Done) -> None:
    if not done.osd_map:
        return
    cluster.commit_osd_map_change(crush=done.crush)
    if done.status:
        cluster.log_cluster("INF", done.status if not done.crush or not done.status.isdigit()
                            else f"set crush map (crush_version {done.status})")
