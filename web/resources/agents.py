"""Synchronous calls through the agents: `cluster/<fsid>/cli` and the log tails
(`cluster/<fsid>/log`, `server/<fqdn>/log[/<path>]`). The Api picks the agent; no answer -> 503.

The web tier checks the shape of what is asked (a ceph command, a line count, a relative log
path); the agent checks again on its side. A cli command is parsed against the cluster's own
command signatures and checked against the caller's role (actors/facade/cli) before anything runs.
"""
from __future__ import annotations

import shlex

from actors.facade.cli import policy
from actors.facade.cli.signatures import unknown_command_answer
from actors.fields import Body, array, either, integer, string
from web.apidoc import answers
from web.base import BaseHandler
from web.contract import OK, Write
from web.errors import ApiError, invalid_field
from web.pagination import query_int

DEFAULT_LINES = 40
MAX_LINES = 10000
FOREIGN_TOOLS = ("rbd", "radosgw-admin")
FORMATS = ("json", "json-pretty", "plain", "xml", "xml-pretty")
# A command line is short; the bound also keeps shlex (pure Python, on the event loop) quick.
MAX_COMMAND_TEXT = 4096
MAX_WORDS = 64
CLI = Body({"command": either(string(max_length=MAX_COMMAND_TEXT), array(of=string(max_length=MAX_COMMAND_TEXT))),
            "format": string(*FORMATS)},
           required=("command",))
LOG_QUERY = {"lines": integer(minimum=1, maximum=MAX_LINES)}


def parse_command(body: dict) -> tuple[list[str], str | None]:
    """{"command": "osd dump"} or {"command": ["osd", "dump"]} (and an optional "format") ->
    the command words and the output format. A word starting with `-` is refused: those are the
    `ceph` tool's own options (`-i FILE`, `-o FILE`, `--keyring`), which have no place here;
    the output format is the body's `format`."""
    checked = CLI.check(body, "POST")
    command = checked["command"]
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
    if len(words) > MAX_WORDS:
        raise invalid_field("command", f"At most {MAX_WORDS} words.")
    option = next((w for w in words if w.startswith("-")), None)
    if option is not None:
        raise invalid_field("command", f"Options such as {option[:40]!r} are not accepted: words may "
                                       "not start with '-' (give the output format as \"format\")")
    return words, checked.get("format")


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
    """Words -> the cluster's own command signatures -> the caller's role -> one mon command.
    Refused words answer 403 naming the command; words the cluster does not know answer 200
    with Ceph's message and status 22, as `ceph` would."""
    writes = {"post": Write(CLI, answer=OK, returns=answers.CLI_ANSWER)}

    async def post(self, fsid: str) -> None:
        self.set_header("Cache-Control", "no-store")       # an answer may hold anything the cluster keeps
        words, fmt = parse_command(self.json_object())
        role = self.current_user.get("role")
        refused = policy.refused_words(words, role)
        self.audit_detail = policy.audit_text(None, words, len(refused.split()) if refused else 0)
        if refused:
            raise ApiError(403, f"'{refused}' is for administrators only")
        signatures = await self.ask(self.api.cli_signatures(fsid))
        parsed = signatures.parse(words)
        if parsed is None:
            self.audit_detail = policy.audit_text(None, words, signatures.known_words(words))
            self.send_json(unknown_command_answer(signatures, words))
            return
        self.audit_detail = policy.audit_text(parsed, words)
        reason = policy.refused_command(parsed, role)
        if reason:
            raise ApiError(403, reason)
        command = {**parsed.command, **({"format": fmt} if fmt else {})}
        self.send_json(await self.ask(self.api.run_cli(fsid, command)))


class ClusterLogHandler(BaseHandler):
    query = LOG_QUERY
    answer_schema = answers.LOG_LINES

    async def get(self, fsid: str) -> None:
        lines = parse_lines(self.query_args())
        self.send_json(await self.ask(self.api.cluster_log(fsid, lines)))


class ServerLogListHandler(BaseHandler):
    answer_schema = answers.array(answers.STR)    # paths under the log directory

    async def get(self, fqdn: str) -> None:
        self.send_json(await self.ask(self.api.server_logs(fqdn)))


class ServerLogHandler(BaseHandler):
    query = LOG_QUERY
    answer_schema = answers.LOG_LINES

    async def get(self, fqdn: str, log_path: str) -> None:
        path = check_log_path(log_path)
        lines = parse_lines(self.query_args())
        self.send_json(await self.ask(self.api.server_log(fqdn, path, lines)))
