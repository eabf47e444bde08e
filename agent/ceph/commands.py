"""The jobs that change or query a cluster by command: `rados_commands`, `mon_command` (the cli) and
`command_descriptions`. All run as mon commands over the librados session: no `ceph` process."""
from __future__ import annotations

import json
import logging

from agent.backend import JobError, checked_command
from agent.ceph import crushtool
from agent.ceph.session import RadosSession, cli_error_text

log = logging.getLogger(__name__)

CLI_TIMEOUT_S = 30


def run_commands(session: RadosSession, commands) -> dict:
    """Run `[prefix, args]` mon commands in order and stop at the first failure (no rollback).

    {"error", "results", "error_status"}: one result per successful command (its JSON output,
    else Ceph's status text, else None); error_status is the first failure worded as the CLI
    does ("Error EEXIST: ..."). `osd setcrushmap` carries the map's text in args["data"]; it is
    compiled here with crushtool and sent as the command's input buffer.
    """
    results: list = []
    for index, (prefix, args) in enumerate(_pairs(commands)):
        inbuf = b""
        if prefix == "osd setcrushmap":
            inbuf = crushtool.compile_text(str(args.pop("data", "")))
        ret, out, outs = session.command(prefix, inbuf, **{"format": "json", **args})
        if ret != 0:
            log.info("ceph command %d %r failed: %s", index, prefix, cli_error_text(ret, outs))
            return {"error": True, "results": results, "error_status": cli_error_text(ret, outs)}
        results.append(_output(out, outs))
    return {"error": False, "results": results, "error_status": ""}


def _pairs(commands) -> list[tuple[str, dict]]:
    if not isinstance(commands, (list, tuple)) or not all(
            isinstance(c, (list, tuple)) and len(c) == 2 and isinstance(c[0], str)
            and isinstance(c[1], dict) for c in commands):
        raise JobError(f"commands must be a list of [prefix, {{args}}] pairs, got {commands!r}")
    return [(prefix, dict(args)) for prefix, args in commands]


def _output(out: bytes, outs: str):
    if out:
        try:
            return json.loads(out)
        except ValueError:
            return out.decode(errors="replace")
    return outs or None


def run_mon_command(session: RadosSession, command: dict) -> dict:
    """One command parsed by the daemon from a cli request, over the librados session:
    {"out", "err", "status"} as `ceph` would print it. No input buffer is ever sent (a cli
    command cannot upload a file) and nothing is written anywhere but the answer."""
    args = checked_command(command)
    prefix = args.pop("prefix")
    ret, out, outs = session.command(prefix, b"", timeout_s=CLI_TIMEOUT_S, **args)
    text = out.decode("utf-8", errors="replace")   # `osd getcrushmap` answers binary
    if ret != 0:
        return {"out": text, "err": cli_error_text(ret, outs) + "\n", "status": -ret if ret < 0 else ret}
    return {"out": text, "err": f"{outs}\n" if outs else "", "status": 0}


def command_descriptions(session: RadosSession) -> dict:
    """The signatures of every command the cluster serves (the mon adds its mgr's)."""
    ret, out, outs = session.command("get_command_descriptions", b"")
    if ret != 0:
        raise JobError(cli_error_text(ret, outs))
    return json.loads(out)
