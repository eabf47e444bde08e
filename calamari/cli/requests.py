"""`calamari request ls|show|wait|cancel`: the tracked requests every change runs as."""
from __future__ import annotations

import click

from calamari.cli.context import State, pass_state, timeout_option
from calamari.cli.waiting import finished, follow
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
@pass_state
def request_ls(state: State, state_filter, limit: int) -> None:
    """List requests, newest first."""
    emit(state.output, state.client().requests(state=state_filter, page_size=limit),
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
