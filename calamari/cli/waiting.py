"""The 202 workflow on the command line: print the request id, or with --wait follow the request
(GET request/<id>) with a one-line progress bar fed by its status until it completes.

The status says what the request waits for ("Waiting for OSD map epoch 12", "Creating PGs of
pool 'rbd' (96/128), step 2 of 3"); a fraction in it fills the bar. On a terminal the line is
redrawn in place; otherwise (a pipe, a log) each new status is one line, on stderr either way, so
stdout holds only the result.
"""
from __future__ import annotations

import json
import re
import shutil
import time

import click

from calamari.cli.context import State
from calamari.errors import RequestFailed
from calamari.output import as_json

FRACTION = re.compile(r"\((\d+)/(\d+)\)")
BAR_WIDTH = 20
SPINNER = "|/-\\"


def progress_line(request: dict, spinner: str = "") -> str:
    """`[#####-----]  50% Creating pool 'x': Creating PGs (64/128)`; the spinner (if any) when the
    status has no fraction."""
    status = request.get("status") or request.get("state") or ""
    found = FRACTION.search(status)
    gauge = spinner
    if found and int(found.group(2)) > 0:
        done = min(1.0, int(found.group(1)) / int(found.group(2)))
        filled = round(done * BAR_WIDTH)
        gauge = f"[{'#' * filled}{'-' * (BAR_WIDTH - filled)}] {done * 100:3.0f}%"
    return f"{gauge + ' ' if gauge else ''}{request.get('headline', '')}: {status}"


class StatusLine:
    """One line on stderr, redrawn in place on a terminal, else a new line per change."""

    def __init__(self) -> None:
        self.live = click.get_text_stream("stderr").isatty()
        self.last, self.tick = "", 0

    def show(self, request: dict) -> None:
        if self.live:
            self.tick += 1
            line = progress_line(request, SPINNER[self.tick % len(SPINNER)])
            width = shutil.get_terminal_size().columns - 1
            click.echo("\r" + line[:width].ljust(min(width, max(len(self.last), len(line)))), nl=False, err=True)
        else:
            line = progress_line(request)
            if line != self.last:
                click.echo(line, err=True)
        self.last = line

    def end(self) -> None:
        if self.live and self.last:
            click.echo(err=True)


def follow(state: State, request_id: str, timeout_s: float) -> dict:
    """Follow a request until complete; its last record. RequestFailed when it failed or the
    time ran out."""
    line, deadline = StatusLine(), time.monotonic() + timeout_s
    request: dict = {}
    try:
        for request in state.client().follow_request(request_id):
            line.show(request)
            if request.get("state") != "complete" and time.monotonic() > deadline:
                raise RequestFailed(f"request {request_id} still running after {timeout_s:g} s "
                                    f"(`calamari request wait {request_id}` follows it further)")
    finally:
        line.end()
    return request


def report(state: State, request_id: str | dict | None, wait: bool, timeout_s: float) -> None:
    """What a change prints: nothing to do, its request id, (--wait) how it ended, or
    (--dry-run) its preview."""
    if request_id is None:
        click.echo("Nothing to change.", err=True)
        return
    if isinstance(request_id, dict):
        click.echo(as_json(request_id) if state.output == "json" else preview_text(request_id))
        return
    if not wait:
        click.echo(as_json({"request_id": request_id}) if state.output == "json" else request_id)
        return
    finished(state, follow(state, request_id, timeout_s))


def preview_text(preview: dict) -> str:
    """A dry run for people: what would be sent, changed, checked and warned about."""
    lines = ["Dry run: nothing was changed.", "Would send:"]
    lines += [f"  {c['prefix']}" + "".join(f" {k}={json.dumps(v)}" for k, v in c.items() if k != "prefix")
              for c in preview.get("commands", [])] or ["  (no Ceph command)"]
    if preview.get("changes"):
        lines.append("Changes:")
        lines += [f"  {field}: {json.dumps(pair[0])} -> {json.dumps(pair[1])}" for field, pair in preview["changes"].items()]
    if preview.get("steps"):
        lines.append("Steps:")
        lines += [f"  {json.dumps(step)}" for step in preview["steps"]]
    if preview.get("checks"):
        lines.append("Checks:")
        verdict = {True: "ok", False: "NOT OK", None: "unknown"}
        lines += [f"  {c['check']}: {verdict[c.get('ok')]}: {' '.join(str(c.get('message', '')).split())}"
                  for c in preview["checks"]]
    lines += [f"Warning: {w}" for w in preview.get("warnings", [])]
    return "\n".join(lines)


def finished(state: State, request: dict) -> None:
    """Print a completed request; exit 1 (RequestFailed) when it failed."""
    if state.output == "json":
        click.echo(as_json(request))
    elif not request.get("error"):
        click.echo(f"Done: {request.get('headline', request.get('id'))}")
    if request.get("error"):
        raise RequestFailed(f"request {request.get('id')} failed: {request.get('error_message') or 'no reason given'}")
