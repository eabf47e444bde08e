"""What a request did, for `request/<id>` (issue 20): the Ceph commands it sent, each with its
outcome, and the phases it went through, with times. Pure functions of RequestState: the
tracker notes each transition (`noted`) and each job answer (`answered`); the notes live in the
state itself, so they are persisted with it (Request.data) and survive a restart.

Phases, in order as they happen (a PG growth repeats the middle ones, step by step):
  submitted, job sent, job answered, map seen, pgs created, complete
A command entry: {"prefix", "args", "return_code", "message"}; return_code and message are null
until the job answers (and stay null for commands after a failed one: never run). The agent
reports no code per command, only which ran (one result each) and the first failure as the CLI
words it ("Error EEXIST: ..."); the code is read back from that errno name.
"""
from __future__ import annotations

import errno
from dataclasses import replace
from typing import Any

from actors.timefmt import iso

SUBMITTED, JOB_SENT, JOB_ANSWERED = "submitted", "job sent", "job answered"
MAP_SEEN, PGS_CREATED, COMPLETE = "map seen", "pgs created", "complete"
_WAITING_FOR_MAP = ("osd_map", "verify")   # machine.PHASE_OSD_MAP, PHASE_VERIFY
_WAITING_FOR_PGS = "pgs"                   # machine.PHASE_PGS


def phase(state, name: str, now: float):
    """`state` with phase `name` reached at `now`."""
    return replace(state, phases=tuple(state.phases) + ((name, now),))


def noted(old, new, now: float):
    """`new` (the state a transition made of `old`) with what the transition shows noted: a job
    sent (its commands logged, outcomes pending), the awaited map seen, the PGs created, the
    request complete. An answer is noted apart (`answered`): the transition cannot tell it."""
    if new is old:
        return new
    if new.job_id is not None and new.job_id != old.job_id:
        new = phase(new, JOB_SENT, now)
        if new.function == "rados_commands":
            sent = tuple({"prefix": prefix, "args": dict(args), "return_code": None, "message": None}
                         for prefix, args in new.commands)
            new = replace(new, command_log=tuple(new.command_log) + sent)
    failed = new.state == "complete" and new.error
    if old.phase in _WAITING_FOR_MAP and new.phase != old.phase and not failed:
        new = phase(new, MAP_SEEN, now)
    if old.phase == _WAITING_FOR_PGS and new.phase != old.phase and not failed:
        new = phase(new, PGS_CREATED, now)
    if old.state != "complete" and new.state == "complete":
        new = phase(new, COMPLETE, now)
    return new


def answered(state, result, now: float):
    """`state` with the answer (bus.protocol.JobResult) of its job out noted: the phase, and
    each of that job's commands' outcome as the rados_commands answer reports it."""
    if state.job_id is None or result.job_id != state.job_id:
        return state
    state = phase(state, JOB_ANSWERED, now)
    body = result.result if result.success else None
    if state.function != "rados_commands" or not isinstance(body, dict):
        return state
    count = len(state.commands)
    log = [dict(entry) for entry in state.command_log]
    first = len(log) - count
    if first < 0:
        return state
    outputs = body.get("results") if isinstance(body.get("results"), list) else []
    for index, output in enumerate(outputs[:count]):
        log[first + index].update(return_code=0, message=output if isinstance(output, str) else None)
    failed_at = first + len(outputs)
    if body.get("error") and failed_at < len(log):
        message = str(body.get("error_status") or "")
        log[failed_at].update(return_code=return_code(message), message=message)
    return replace(state, command_log=tuple(log))


def return_code(message: str) -> int | None:
    """-errno of a CLI-worded failure ("Error EEXIST: ..." -> -17); None when it names none."""
    words = message.split()
    if len(words) >= 2 and words[0] == "Error":
        name = words[1].rstrip(":")
        code = getattr(errno, name, None)
        if isinstance(code, int):
            return -code
        if name.lstrip("-").isdigit():
            return -abs(int(name))
    return None


def shown(state) -> dict[str, Any]:
    """The history fields of `request/<id>`."""
    return {"requested_by": state.requested_by, "kind": state.kind,
            "changes": {field: list(pair) for field, pair in (state.changes or {}).items()},
            "commands": [dict(entry) for entry in state.command_log],
            "phases": [{"phase": name, "at": iso(at)} for name, at in state.phases],
            "reverts": state.reverts, "reverted_by": state.reverted_by}


def stored(data: dict) -> dict:
    """The history fields of a stored state (msgpack lists) as RequestState holds them."""
    return {"phases": tuple(tuple(p) for p in data.get("phases") or ()),
            "command_log": tuple(dict(e) for e in data.get("command_log") or ()),
            "changes": None if data.get("changes") is None else dict(data["changes"])}
