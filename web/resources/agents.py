"""Synchronous calls through the agents: `cluster/<fsid>/cli` and the log tails
(`cluster/<fsid>/log`, `server/<fqdn>/log[/<path>]`). The Api picks the agent; no answer -> 503.

The web tier checks the shape of what is asked (a ceph command, a line count, a relative log
path); the agent checks again on its side.
"""
from __future__ import annotations

import shlex

from web.base import BaseHandler
from web.errors import invalid_field

DEFAULT_LINES = 40
MAX_LINES = 10000
FOREIGN_TOOLS = ("rbd", "radosgw-admin")


def parse_command(body: dict) -> list[str]:
    """{"command": "osd dump"} or {"command": ["osd", "dump"]} -> ceph arguments."""
    if "command" not in body:
        raise invalid_field("command", "This field is required.")
    command = body["command"]
    if isinstance(command, str):
        try:
            words = shlex.split(command)
        except ValueError as exc:                    # e.g. an unbalanced quote
            raise invalid_field("command", f"Cannot split the command: {exc}") from None
    elif isinstance(command, list) and all(isinstance(word, str) for word in command):
        words = list(command)
    else:
        raise invalid_field("command", "Must be a string or a list of strings.")
    if words and words[0] in FOREIGN_TOOLS:
        raise invalid_field("command", "only ceph commands are supported")
    if words and words[0] == "ceph":
        words = words[1:]
    if not words:
        raise invalid_field("command", "The command is empty.")
    return words


def parse_lines(args: dict[str, list[str]]) -> int:
    """`?lines=N` (default 40), 1..10000."""
    if "lines" not in args:
        return DEFAULT_LINES
    raw = args["lines"][-1]
    try:
        lines = int(raw.strip())
    except ValueError:
        raise invalid_field("lines", f"Must be an integer (got {raw!r}).") from None
    if not 1 <= lines <= MAX_LINES:
        raise invalid_field("lines", f"Must be between 1 and {MAX_LINES}.")
    return lines


def check_log_path(path: str) -> str:
    """A path relative to the server's log directory, never leaving it."""
    if path.startswith("/") or "\0" in path:
        raise invalid_field("path", "Must be a relative path under the log directory.")
    if ".." in path.split("/"):
        raise invalid_field("path", "Must not contain a '..' segment.")
    return path


class CliHandler(BaseHandler):
    async def post(self, fsid: str) -> None:
        command = parse_command(self.json_object())
        self.send_json(await self.ask(self.api.cli(fsid, command)))


class ClusterLogHandler(BaseHandler):
    async def get(self, fsid: str) -> None:
        lines = parse_lines(self.query_args())
        self.send_json(await self.ask(self.api.cluster_log(fsid, lines)))


class ServerLogListHandler(BaseHandler):
    async def get(self, fqdn: str) -> None:
        self.send_json(await self.ask(self.api.server_logs(fqdn)))


class ServerLogHandler(BaseHandler):
    async def get(self, fqdn: str, log_path: str) -> None:
        path = check_log_path(log_path)
        lines = parse_lines(self.query_args())
        self.send_json(await self.ask(self.api.server_log(fqdn, path, lines)))
