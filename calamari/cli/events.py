"""`calamari events [--follow]`: the newest events, then (--follow) each new one as it happens.

Following uses the live stream (`GET stream?topics=event`, Server-Sent Events), resuming after
the last message seen when the connection drops or the server says `overflow`; a server without
the stream (404) is polled instead. --max-s ends it (for scripts and tests).
"""
from __future__ import annotations

import time

import click

from calamari.cli.context import State, fsid_option, pass_state
from calamari.client import StreamUnavailable
from calamari.errors import NotAuthenticated
from calamari.output import column, emit, json_line, table, when

SEVERITIES = ("CRITICAL", "ERROR", "WARNING", "RECOVERY", "INFO")     # most severe first, as the API ranks them
POLL_EVERY_S = 2.0
EVENT_COLUMNS = [column("When (UTC)", "when", when), column("Severity"), column("Message")]


def severe_enough(event: dict, least: str | None) -> bool:
    severity = event.get("severity")
    return least is None or (severity in SEVERITIES and SEVERITIES.index(severity) <= SEVERITIES.index(least))


def event_line(state: State, event: dict) -> str:
    if state.output == "json":
        return json_line(event)
    return f"{when(event.get('when'))}  {event.get('severity', '-'):<8}  {event.get('message', '')}"


def left(deadline: float | None) -> float | None:
    return None if deadline is None else max(0.1, deadline - time.monotonic())


def following() -> None:
    click.echo("Following new events (Ctrl-C stops).", err=True)


def follow_stream(state: State, fsid: str | None, severity: str | None, deadline: float | None) -> None:
    last_id = None
    while deadline is None or time.monotonic() < deadline:
        ended = False
        for message in state.client().stream(["event"], fsid=fsid, max_s=left(deadline), last_event_id=last_id,
                                             on_open=None if last_id else following):
            last_id = message.id or last_id
            if message.event == "event" and severe_enough(message.data, severity):
                click.echo(event_line(state, message.data))
            elif message.event == "reset":
                click.echo("(the server could not tell what was missed: some events may be missing)", err=True)
            elif message.event == "overflow":     # we fell behind: resume after the last message had
                break
            elif message.event == "end":
                reason = message.data.get("reason") if isinstance(message.data, dict) else None
                if reason == "credentials":
                    raise NotAuthenticated(401, "the stream ended: the token was revoked or expired")
                if reason == "shutdown":
                    click.echo("(the server stopped)", err=True)
                ended = True
                break
        if ended:
            return


def follow_polling(state: State, fsid: str | None, severity: str | None, seen: set, deadline: float | None) -> None:
    following()
    while deadline is None or time.monotonic() < deadline:
        time.sleep(min(POLL_EVERY_S, left(deadline) or POLL_EVERY_S))
        page = state.client().events(fsid=fsid, severity=severity, page_size=100)
        for event in reversed(page.get("results", [])):
            key = (event.get("when"), event.get("message"))
            if key not in seen:
                seen.add(key)
                click.echo(event_line(state, event))


@click.command()
@fsid_option
@click.option("--severity", type=click.Choice(SEVERITIES, case_sensitive=False), help="At least this severe.")
@click.option("--limit", type=click.IntRange(0, 1000), default=20, help="How many past events to show.")
@click.option("--follow", "-f", is_flag=True, help="Then show new events as they happen (until Ctrl-C).")
@click.option("--max-s", type=click.FloatRange(min=0, min_open=True), help="With --follow: stop after this long.")
@pass_state
def events(state: State, fsid, severity, limit, follow, max_s) -> None:
    """The newest events (of one cluster with --fsid), newest last."""
    severity = severity.upper() if severity else None
    cluster = state.cluster(fsid) if fsid else None
    page = state.client().events(fsid=cluster, severity=severity, page_size=limit or 1) if limit or follow else {}
    if not follow:
        emit(state.output, page, lambda p: table(list(reversed(p.get("results", []))), EVENT_COLUMNS))
        return
    past = list(reversed(page.get("results", [])))[-limit:] if limit else []
    for event in past:
        click.echo(event_line(state, event))
    deadline = None if max_s is None else time.monotonic() + max_s
    try:
        try:
            follow_stream(state, cluster, severity, deadline)
        except StreamUnavailable:
            seen = {(e.get("when"), e.get("message")) for e in page.get("results", [])}
            follow_polling(state, cluster, severity, seen, deadline)
    except KeyboardInterrupt:      # Ctrl-C is how a person stops following: not an error
        pass
