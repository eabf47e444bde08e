"""`calamari cluster ls`, `calamari health [FSID]`, `calamari usage [FSID]`."""
from __future__ import annotations

import click

from calamari.cli.context import State, pass_state
from calamari.errors import ApiError
from calamari.output import Column, column, emit, fields, number, percent, size, table, text, when


@click.group()
def cluster() -> None:
    """The clusters the server manages."""


def _osds(row: dict) -> str:
    osds = row.get("osds") or {}
    return f"{osds.get('up', '-')}/{osds.get('in', '-')}/{osds.get('total', '-')}" if osds else "-"


def _servers(row: dict) -> str:
    servers = row.get("servers") or {}
    late = servers.get("late")
    return f"{servers.get('managed', '-')}" + (f" ({late} late)" if late else "") if servers else "-"


CLUSTER_COLUMNS = [
    column("FSID", "id"), column("Name"),
    Column("Health", lambda row: text(row.get("figures", {}).get("health"))),
    Column("OSDs up/in/all", lambda row: _osds(row.get("figures", {}))),
    Column("Used", lambda row: percent(row.get("figures", {}).get("used_ratio"))),
    Column("Servers", lambda row: _servers(row.get("figures", {}))),
    column("Updated", "update_time", when),
]


@cluster.command("ls")
@pass_state
def cluster_ls(state: State) -> None:
    """List the clusters (json: `GET cluster`; the table adds the fleet's figures)."""
    clusters = state.client().clusters()
    if state.output == "json":
        emit("json", clusters, str)
        return
    try:
        figures = {row["fsid"]: row for row in state.client().fleet().get("results", [])}
    except ApiError:        # the figures are a decoration: a server without them still lists its clusters
        figures = {}
    click.echo(table([{**c, "figures": figures.get(c["id"], {})} for c in clusters], CLUSTER_COLUMNS))


CHECK_COLUMNS = [column("Severity"), column("Check", "name"), column("Summary"), column("Count"),
                 column("Muted")]


def render_health(health: dict) -> str:
    head = f"{health.get('status')}  (updated {when(health.get('update_time'))} UTC)"
    checks = health.get("checks") or []
    return head + ("\n\n" + table(checks, CHECK_COLUMNS) if checks else "")


@click.command()
@click.argument("fsid", required=False, metavar="[FSID|NAME]")
@pass_state
def health(state: State, fsid: str | None) -> None:
    """A cluster's health checks, most severe first."""
    emit(state.output, state.client().health(state.cluster(fsid)), render_health)


POOL_USAGE_COLUMNS = [column("ID"), column("Pool", "name"), column("Stored", "stored_bytes", size),
                      column("Used", "used_bytes", size), column("%Used", "percent_used", number),
                      column("Max avail", "max_avail_bytes", size), column("Objects"),
                      column("Days to full", "days_until_full")]


def render_usage(usage: dict) -> str:
    summary = fields([
        ("total", size(usage.get("total_bytes"))),
        ("used", f"{size(usage.get('used_bytes'))} ({percent(usage.get('used_ratio'))})"),
        ("available", size(usage.get("avail_bytes"))),
        ("stored", f"{size(usage.get('stored_bytes'))} in {text(usage.get('objects'))} objects"),
        ("days until full", text(usage.get("days_until_full"))),
        ("updated", when(usage.get("update_time")) + " UTC")])
    return summary + "\n\n" + table(usage.get("pools") or [], POOL_USAGE_COLUMNS)


@click.command()
@click.argument("fsid", required=False, metavar="[FSID|NAME]")
@pass_state
def usage(state: State, fsid: str | None) -> None:
    """A cluster's capacity: raw space, and each pool's."""
    emit(state.output, state.client().usage(state.cluster(fsid)), render_usage)


COMMANDS = (cluster, health, usage)
