"""The jobs that change or query a cluster by command: `rados_commands` and `ceph_command`."""
from __future__ import annotations

import json
import logging
import subprocess

from agent.backend import JobError
from agent.ceph import crushtool
from agent.ceph.session import RadosSession, cli_error_text

log = logging.getLogger(__name__)

CLI_TIMEOUT_S = 60
CLI_CONNECT_TIMEOUT_S = 10


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


def run_cli(conffile: str, keyring: str | None, words) -> dict:
    """The `ceph` CLI with the words given (e.g. ["osd", "tree", "-f", "json"]): out/err/status."""
    if not isinstance(words, (list, tuple)) or not all(isinstance(w, str) for w in words):
        raise JobError(f"ceph_command args must be a list of strings, got {words!r}")
    command = ["ceph", "--conf", conffile, "--connect-timeout", str(CLI_CONNECT_TIMEOUT_S)]
    if keyring:
        command += ["--keyring", keyring]
    try:
        # errors="replace": some commands print binary (`osd getcrushmap`), which must not
        # turn a command that ran into a failed job.
        done = subprocess.run([*command, *words], capture_output=True, text=True, errors="replace",
                              stdin=subprocess.DEVNULL, timeout=CLI_TIMEOUT_S)
    except FileNotFoundError:
        raise JobError("the ceph command is not installed (package ceph-common)") from None
    except subprocess.TimeoutExpired:
        raise JobError(f"ceph {' '.join(words)} took longer than {CLI_TIMEOUT_S}s") from None
    return {"out": done.stdout, "err": done.stderr, "status": done.returncode}
