"""Synchronous API calls answered by agents (the cli, its command signatures, logs): try each
candidate host in turn.

The first agent that answers wins; one that does not answer in time (or cannot be reached) is
skipped for the next. A clean failure reported by an agent (e.g. a log file that does not exist)
is an answer too, and becomes the caller's error. Every call ends within AGENT_CALLS_S, before
the web tier stops waiting (actors/context.py).
"""
from __future__ import annotations

import logging
import posixpath
from concurrent.futures import Future
from typing import Callable

import pykka

from actors.context import AGENT_CALLS_S, MIN_AGENT_CALL_S
from actors.errors import DomainError, Invalid, NotFound, Unavailable
from actors.facade.base import Clusters, with_agent, with_cluster
from actors.facade.cli.signatures import Signatures
from actors.messages import ListMonHosts
from actors.runtime.base import ask
from actors.runtime.futures import failed, then
from bus.protocol import JobResult

log = logging.getLogger(__name__)
UNREACHABLE = frozenset({"Timeout", "Unreachable"})
SIGNATURES_TTL_S = 600.0
CEPH_LOG_DIR = "ceph"   # log paths are relative to /var/log, as in Calamari; only Ceph's are served


class AgentCalls:
    def __init__(self, clusters: Clusters, directory: pykka.ActorRef, clock, call_timeout_s: float):
        """clusters: which agents report, and how to call one; directory: where a cluster's
        mons run; call_timeout_s: one agent's time at most (Timings.call_timeout_s)."""
        self._clusters = clusters
        self._directory = directory
        self._clock = clock
        self._call_timeout_s = call_timeout_s
        self._signatures: dict = {}   # fsid -> (Future of Signatures, when asked)

    def cli_signatures(self, fsid: str) -> Future:
        """The cluster's command signatures (actors/facade/cli/signatures.py), asked of a mon host once
        per SIGNATURES_TTL_S: they change only when Ceph is upgraded or a mgr module comes. The
        Future itself is kept, so requests arriving while it is asked share the one fetch; a
        failed fetch is forgotten, the next request asks again."""
        kept = self._signatures.get(fsid)
        if kept is not None and self._clock() - kept[1] < SIGNATURES_TTL_S:
            return kept[0]

        def parsed(descriptions) -> Signatures:
            signatures = Signatures.from_descriptions(descriptions if isinstance(descriptions, dict) else {})
            if not len(signatures):
                raise Unavailable("The cluster described no commands")
            return signatures
        fetch = then(self._ask_mons(fsid, "command_descriptions", {"fsid": fsid}, "command descriptions",
                                    clean_failure=Unavailable), parsed)
        self._signatures[fsid] = (fetch, self._clock())
        fetch.add_done_callback(lambda f: f.exception() is not None and self._forget_signatures(fsid, f))
        return fetch

    def _forget_signatures(self, fsid: str, failed_fetch: Future) -> None:
        if self._signatures.get(fsid, (None,))[0] is failed_fetch:
            self._signatures.pop(fsid, None)

    def run_cli(self, fsid: str, command: dict) -> Future:
        # A command that ran answers 200 whatever its status; a job that failed means the mon
        # host could not reach the cluster at all: 503, not 404.
        return self._ask_mons(fsid, "mon_command", {"fsid": fsid, "command": dict(command)},
                              "ceph " + str(command.get("prefix")), clean_failure=Unavailable)

    def cluster_log(self, fsid: str, lines: int) -> Future:
        answer = self._ask_mons(fsid, "tail_log", {"path": "ceph/ceph.log", "lines": lines}, "cluster log")
        return then(answer, lambda text: {"lines": text})

    def server_logs(self, fqdn: str) -> Future:
        return with_agent(self._clusters, fqdn, lambda: first_answer(
            self._call("list_logs", {}), [fqdn], f"logs of {fqdn}"))

    def server_log(self, fqdn: str, path: str, lines: int) -> Future:
        clean = posixpath.normpath(path)
        if path.startswith("/") or "\0" in path or not clean.startswith(CEPH_LOG_DIR + "/"):
            return failed(Invalid(f"only logs under /var/log/{CEPH_LOG_DIR} can be read",
                                  {"path": [f"must be a path under {CEPH_LOG_DIR}/, relative to /var/log"]}))
        return with_agent(self._clusters, fqdn, lambda: then(
            first_answer(self._call("tail_log", {"path": clean, "lines": lines}), [fqdn], f"log {clean} of {fqdn}"),
            lambda text: {"lines": text}))

    def _call(self, function: str, args: dict, hosts: int = 1):
        """Each of `hosts` candidates gets an equal share of AGENT_CALLS_S (but at least
        MIN_AGENT_CALL_S), so trying them all still ends before the web's own deadline."""
        timeout_s = max(MIN_AGENT_CALL_S, min(self._call_timeout_s, AGENT_CALLS_S / max(1, hosts)))
        return lambda agent: self._clusters.call(agent, function, args, timeout_s)

    def _ask_mons(self, fsid: str, function: str, args: dict, what: str,
                  clean_failure=NotFound) -> Future:
        def ask_in_turn(hosts: list[str]) -> Future:
            hosts = hosts[:int(AGENT_CALLS_S / MIN_AGENT_CALL_S)]
            return first_answer(self._call(function, args, len(hosts)), hosts, what, clean_failure)
        return with_cluster(self._clusters, fsid, lambda _: then(
            ask(self._directory, lambda r: ListMonHosts(fsid, r)), ask_in_turn))


def first_answer(call: Callable[[str], Future], candidates: list[str], what: str,
                 clean_failure: Callable[[str], DomainError] = NotFound) -> Future:
    """Future of the first successful result of call(candidate), in order."""
    out: Future = Future()
    remaining = list(candidates)

    def try_next() -> None:
        if not remaining:
            out.set_exception(Unavailable(f"No mon servers are responding ({what})"))
            return
        agent = remaining.pop(0)
        call(agent).add_done_callback(lambda f: settle(agent, f))

    def settle(agent: str, future: Future) -> None:
        try:
            result: JobResult = future.result()
        except Exception as exc:  # noqa: BLE001 - an agent we could not reach: try the next
            log.info("%s: %s could not be asked: %s", what, agent, exc)
            try_next()
            return
        if result.success:
            out.set_result(result.result)
        elif (result.error or {}).get("type") in UNREACHABLE:
            log.info("%s: no answer from %s", what, agent)
            try_next()
        else:
            out.set_exception(clean_failure((result.error or {}).get("message") or f"{what} failed on {agent}"))

    try_next()
    return out
