"""`calamari osd ls|out|in|down|reweight|scrub` and `calamari flag ls|set|unset` (the cluster-wide
OSD map flags of `osd_config`). Changes answer a request id; --wait follows it."""
from __future__ import annotations

import click

from calamari.cli.context import State, fsid_option, pass_state, wait_options
from calamari.cli.waiting import report
from calamari.output import column, emit, table

OSD_COLUMNS = [column("ID"), column("Up"), column("In"), column("Reweight"), column("Server"),
               column("Pools")]
# The nine flags `osd_config` offers (the API refuses any other with a 400 naming it).
FLAGS = ("pause", "noup", "nodown", "noout", "noin", "nobackfill", "norecover", "noscrub", "nodeep-scrub")


@click.group()
def osd() -> None:
    """A cluster's OSDs."""


@osd.command("ls")
@fsid_option
@pass_state
def osd_ls(state: State, fsid: str | None) -> None:
    """List the OSDs: up, in, reweight, server, pools."""
    emit(state.output, state.client().osds(state.cluster(fsid)), lambda osds: table(osds, OSD_COLUMNS))


def _update(state: State, fsid, osd_id: int, changes: dict, wait: bool, timeout_s: float) -> None:
    report(state, state.client().update_osd(state.cluster(fsid), osd_id, changes), wait, timeout_s)


def osd_state_command(name: str, changes: dict, summary: str) -> None:
    """`osd out|in|down ID`: one PATCH of the OSD's `in` or `up`."""
    @osd.command(name, help=summary)
    @click.argument("osd_id", type=click.IntRange(min=0), metavar="ID")
    @fsid_option
    @wait_options
    @pass_state
    def command(state: State, osd_id: int, fsid, wait, timeout_s) -> None:
        _update(state, fsid, osd_id, changes, wait, timeout_s)


for _name, _changes, _summary in (("out", {"in": False}, "Mark an OSD out (its data moves to the others)."),
                                  ("in", {"in": True}, "Mark an OSD in."),
                                  ("down", {"up": False}, "Mark an OSD down (a running one marks itself up again).")):
    osd_state_command(_name, _changes, _summary)


@osd.command("reweight")
@click.argument("osd_id", type=click.IntRange(min=0), metavar="ID")
@click.argument("weight", type=float)
@fsid_option
@wait_options
@pass_state
def osd_reweight(state: State, osd_id: int, weight: float, fsid, wait, timeout_s) -> None:
    """Set an OSD's reweight (0..1)."""
    _update(state, fsid, osd_id, {"reweight": weight}, wait, timeout_s)


@osd.command("scrub")
@click.argument("osd_id", type=click.IntRange(min=0), metavar="ID")
@click.option("--deep", "command", flag_value="deep_scrub", help="A deep scrub (reads all data).")
@click.option("--repair", "command", flag_value="repair", help="Repair what a scrub finds.")
@fsid_option
@wait_options
@pass_state
def osd_scrub(state: State, osd_id: int, command: str | None, fsid, wait, timeout_s) -> None:
    """Scrub an OSD's placement groups (--deep, --repair)."""
    report(state, state.client().osd_command(state.cluster(fsid), osd_id, command or "scrub"), wait, timeout_s)


@click.group()
def flag() -> None:
    """The cluster-wide OSD flags (noout, noscrub, pause, ...)."""


@flag.command("ls")
@fsid_option
@pass_state
def flag_ls(state: State, fsid: str | None) -> None:
    """Each flag and whether it is set."""
    emit(state.output, state.client().osd_flags(state.cluster(fsid)),
         lambda flags: table([{"flag": k, "set": v} for k, v in flags.items()], [column("Flag"), column("Set")]))


def flag_command(name: str, value: bool, summary: str) -> None:
    """`flag set|unset FLAG...`: one PATCH of osd_config."""
    @flag.command(name, help=summary)
    @click.argument("names", nargs=-1, required=True, type=click.Choice(FLAGS), metavar="FLAG...")
    @fsid_option
    @wait_options
    @pass_state
    def command(state: State, names, fsid, wait, timeout_s) -> None:
        report(state, state.client().set_osd_flags(state.cluster(fsid), {name: value for name in names}),
               wait, timeout_s)


flag_command("set", True, "Set flags, e.g. `calamari flag set noout` before maintenance.")
flag_command("unset", False, "Clear flags.")
