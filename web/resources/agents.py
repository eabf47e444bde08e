"""Synchronous calls through the agents: `cluster/<fsid>/cli` and the log tails
(`cluster/<fsid>/log`, `server/<fqdn>/log[/<path>]`). The Api picks the agent; no answer -> 503.

The web tier checks the shape of what is asked (a ceph command, a line count, a relative log
path); the agent checks again on its side.
"""
from __future__ import annotations

import shlex

from actors.commands.fields import Body, array, either, integer, string
from web.base import BaseHandler
from web.contract import OK, Write
from web.errors import invalid_field
from web.pagination import query_int

DEFAULT_LINES = 40
MAX_LINES = 10000
FOREIGN_TOOLS = ("rbd", "radosgw-admin")
# A command line is short; the bound also keeps shlex (pure Python, on the event loop) quick.
MAX_COMMAND_TEXT = 4096
CLI = Body({"command": either(string(max_length=MAX_COMMAND_TEXT), array(of=string()))},
           required=("command",))
LOG_QUERY = {"lines": integer(minimum=1, maximum=MAX_LINES)}


def parse_command(body: dict) -> list[str]:
    """{"command": "osd dump"} or {"command": ["osd", "dump"]} -> ceph arguments."""
    command = CLI.check(body, "POST")["command"]
    if isinstance(command, str):
        try:
            words = shlex.split(command)
        except ValueError as exc:                    # e.g. an unbalanced quote
            raise invalid_field("command", f"Cannot split the command: {exc}") from None
    else:
        words = list(command)
    if words and words[0] in FOREIGN_TOOLS:
        raise invalid_field("command", "only ceph commands are supported")
    if words and words[0] == "ceph":
        words = words[1:]
    if not words:
        raise invalid_field("command", "The command is empty.")
    return words


def parse_lines(args: dict[str, list[str]]) -> int:
    """`?lines=N` (default 40), within LOG_QUERY's bounds."""
    return query_int(args, "lines", LOG_QUERY["lines"], DEFAULT_LINES)


def check_log_path(path: str) -> str:
    """A path relative to the server's log directory, never leaving it."""
    if path.startswith("/") or "\0" in path:
        raise invalid_field("path", "Must be a relative path under the log directory.")
    if ".." in path.split("/"):
        raise invalid_field("path", "Must not contain a '..' segment.")
    return path


class CliHandler(BaseHandler):
    writes = {"post": Write(CLI, answer=OK)}

    async def post(self, fsid: str) -> None:
        command = parse_command(self.json_object())
        self.send_json(await self.ask(self.api.cli(fsid, command)))


class ClusterLogHandler(BaseHandler):
    query = LOG_QUERY

    async def get(self, fsid: str) -> None:
        lines = parse_lines(self.query_args())
        self.send_json(await self.ask(self.api.cluster_log(fsid, lines)))


class ServerLogListHandler(BaseHandler):
    async def get(self, fqdn: str) -> None:
        self.send_json(await self.ask(self.api.server_logs(fqdn)))


class ServerLogHandler(BaseHandler):
    query = LOG_QUERY

    async def get(self, fqdn: str, log_path: str) -> None:
        path = check_log_path(log_path)
        lines = parse_lines(self.query_args())
        self.send_json(await self.ask(self.api.server_log(fqdn, path, lines)))
