"""first_answer: the first agent that answers wins; silent ones are skipped; a clean failure is
the caller's error, of the kind the caller chose."""
from __future__ import annotations

from concurrent.futures import Future

import pytest

from actors.facade.agent_calls import first_answer
from actors.errors import NotFound, Unavailable
from bus.protocol import JobResult


def answered(result: JobResult) -> Future:
    future: Future = Future()
    future.set_result(result)
    return future


def test_a_silent_agent_is_skipped_for_the_next():
    results = {"a": JobResult("1", False, error={"type": "Timeout", "message": "no answer"}),
               "b": JobResult("2", True, result="ok")}
    assert first_answer(lambda agent: answered(results[agent]), ["a", "b"], "x").result() == "ok"


def test_no_agent_answering_is_unavailable():
    silent = JobResult("1", False, error={"type": "Unreachable", "message": "gone"})
    with pytest.raises(Unavailable):
        first_answer(lambda agent: answered(silent), ["a", "b"], "x").result()


@pytest.mark.parametrize("kind", [NotFound, Unavailable])
def test_a_clean_failure_is_the_callers_error_of_the_chosen_kind(kind):
    failure = JobResult("1", False, error={"type": "JobError", "message": "no such log"})
    calls = []

    def call(agent):
        calls.append(agent)
        return answered(failure)
    with pytest.raises(kind, match="no such log"):
        first_answer(call, ["a", "b"], "x", clean_failure=kind).result()
    assert calls == ["a"]                   # an answer, even a failed one, ends the search


def test_command_signatures_are_fetched_once_and_shared_while_asked():
    from actors.facade.agent_calls import AgentCalls
    from actors.facade.cli.signatures import Signatures
    calls = AgentCalls(clusters=None, directory=None, clock=lambda: 0.0, call_timeout_s=1.0)
    asked: list[Future] = []

    def ask_mons(fsid, function, args, what, clean_failure=None):
        asked.append(Future())
        return asked[-1]
    calls._ask_mons = ask_mons
    first, second = calls.cli_signatures("f"), calls.cli_signatures("f")
    assert len(asked) == 1                                   # the second request shares the fetch
    asked[0].set_result({"c": {"sig": ["status"], "perm": "r", "module": "mon", "flags": 0}})
    assert isinstance(first.result(1), Signatures) and second.result(1) is first.result(1)
    assert calls.cli_signatures("f") is first and len(asked) == 1      # kept for SIGNATURES_TTL_S
    calls.cli_signatures("g")
    asked[1].set_exception(Unavailable("no mon answers"))
    calls.cli_signatures("g")
    assert len(asked) == 3                                   # a failed fetch is not kept
