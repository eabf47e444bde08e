"""`calamari request ls|show|wait|cancel|revert`: the tracked requests every change runs as."""
from __future__ import annotations

import click

from calamari.cli.context import State, pass_state, timeout_option, wait_options
from calamari.cli.waiting import finished, follow, report
from calamari.output import column, emit, fields, table, text, when

REQUEST_COLUMNS = [column("ID"), column("State"), column("Failed", "error"), column("Headline"),
                   column("Status"), column("Requested (UTC)", "requested_at", when)]


def render_request(request: dict) -> str:
    names = ("id", "headline", "state", "status", "error", "error_message", "requested_at", "completed_at")
    return fields([(name, text(request.get(name))) for name in names if name in request])


@click.group()
def request() -> None:
    """The requests changes run as (newest first)."""


@request.command("ls")
@click.option("--state", "state_filter", type=click.Choice(["submitted", "complete"]), help="Only these.")
@click.option("--limit", type=click.IntRange(1, 1000), default=20, help="How many.")
@click.option("--by", "requested_by", metavar="USER", help="Only those this user asked for.")
@click.option("--kind", metavar="KIND", help="Only this kind, e.g. update_pool, create_crush_rule.")
@click.option("--since", metavar="TIME", help="Requested at or after (ISO 8601, UTC if no zone).")
@click.option("--until", metavar="TIME", help="Requested at or before (ISO 8601).")
@pass_state
def request_ls(state: State, state_filter, limit: int, **filters) -> None:
    """List requests, newest first."""
    emit(state.output, state.client().requests(state=state_filter, page_size=limit, **filters),
         lambda page: table(page.get("results", []), REQUEST_COLUMNS))


@request.command("show")
@click.argument("request_id", metavar="ID")
@pass_state
def request_show(state: State, request_id: str) -> None:
    """One request: its state, status and error."""
    emit(state.output, state.client().request(request_id), render_request)


@request.command("wait")
@click.argument("request_id", metavar="ID")
@timeout_option
@pass_state
def request_wait(state: State, request_id: str, timeout_s: float) -> None:
    """Follow a request until it completes (exit 1 if it failed)."""
    finished(state, follow(state, request_id, timeout_s))


@request.command("cancel")
@click.argument("request_id", metavar="ID")
@pass_state
def request_cancel(state: State, request_id: str) -> None:
    """Cancel a running request (its job is asked to stop)."""
    emit(state.output, state.client().cancel_request(request_id), render_request)


@request.command("revert")
@click.argument("request_id", metavar="ID")
@wait_options
@pass_state
def request_revert(state: State, request_id: str, wait: bool, timeout_s: float) -> None:
    """Undo a completed change (the fields it changed set back), if the cluster has not moved on."""
    report(state, state.client().revert_request(request_id), wait, timeout_s)
