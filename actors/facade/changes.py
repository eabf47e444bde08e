"""The facade's changes and agent calls (mixed into DaemonApi): cluster changes go to the owning
ClusterActor, which plans them against its current maps and hands them to the request tracker."""
from __future__ import annotations

import posixpath
from concurrent.futures import Future

from actors.facade.agent_calls import first_answer
from actors.runtime.base import ask
from actors.facade.cli.signatures import Signatures
from actors.errors import Forbidden, Invalid, NotFound, Unavailable
from actors.facade.base import FacadeBase
from actors.runtime.futures import done, failed, then
from actors.messages import ListMonHosts, PlanChange
from actors.requests.messages import CancelRequest, SubmitJob

from bus.protocol import SELFTESTS as DEBUG_FUNCTIONS
CALL_BUDGET_S = 8.0   # all mons tried for one CLI/log call, within the web's 10 s deadline
MIN_CALL_S = 1.0
SIGNATURES_TTL_S = 600.0
CEPH_LOG_DIR = "ceph"   # log paths are relative to /var/log, as in Calamari; only Ceph's are served


class ChangesMixin(FacadeBase):
    # --- the 202 workflow ---------------------------------------------------------------------
    def _plan(self, fsid: str, op: str, kind: str, ident, attrs, user: dict) -> Future:
        who = (user or {}).get("username")
        return self._with_cluster(fsid, lambda ref: self._durable(
            ask(ref, lambda r: PlanChange(op, kind, ident, attrs, who, r))))

    def create(self, fsid: str, kind: str, attrs: dict, user: dict, /) -> Future:
        return self._plan(fsid, "create", kind, None, attrs, user)

    def update(self, fsid: str, kind: str, ident, attrs: dict, user: dict, /) -> Future:
        return self._plan(fsid, "update", kind, ident, attrs, user)

    def delete(self, fsid: str, kind: str, ident, user: dict, /) -> Future:
        return self._plan(fsid, "delete", kind, ident, {}, user)

    def osd_command(self, fsid: str, osd_id: int, command: str, user: dict) -> Future:
        return self._plan(fsid, "command", "osd", osd_id, {"command": command}, user)

    def replace_crush_map(self, fsid: str, text: str, user: dict) -> Future:
        return self._plan(fsid, "update", "crush_map", None, {"text": text}, user)

    def debug_job(self, fqdn: str, cmd: str, args, user: dict) -> Future:
        if not (user or {}).get("is_admin"):
            return failed(Forbidden("Only administrators run debug jobs"))
        function = cmd.removeprefix("ceph.")
        if function not in DEBUG_FUNCTIONS:
            return failed(Invalid(f"{cmd!r} is not a self-test command", {"cmd": [f"must be one of {', '.join(DEBUG_FUNCTIONS)}"]}))
        kwargs = {"seconds": args[0]} if function == "selftest_wait" and isinstance(args, list) and args else \
            (dict(args) if isinstance(args, dict) else {})
        headline = f"Debug job {function} on {fqdn}"
        return self._with_agent(fqdn, lambda: self._durable(ask(self.tracker, lambda r: SubmitJob(
            function, kwargs, fqdn, headline, (user or {}).get("username"), r))))

    def cancel_request(self, request_id: str) -> Future:
        return self._durable(ask(self.tracker, lambda r: CancelRequest(request_id, r)))

    # --- forgetting -----------------------------------------------------------------------------
    def delete_cluster(self, fsid: str) -> Future:
        if not self.dispatcher.forget_cluster(fsid):
            return failed(NotFound.of("cluster", fsid))
        return done(None)

    def delete_server(self, fqdn: str) -> Future:
        from actors.messages import ForgetServer
        self.dispatcher.forget_server_actor(fqdn)
        return ask(self.directory, lambda r: ForgetServer(fqdn, r))

    # --- answered by agents -----------------------------------------------------------------------
    def _mon_hosts(self, fsid: str, then_call) -> Future:
        return self._with_cluster(fsid, lambda _: then(ask(self.directory, lambda r: ListMonHosts(fsid, r)), then_call))

    def _call(self, function: str, args: dict, hosts: int = 1):
        """Each of `hosts` candidates gets an equal share of CALL_BUDGET_S (but at least
        MIN_CALL_S), so trying them all still ends before the web's own deadline."""
        timeout_s = max(MIN_CALL_S, min(self.call_timeout_s, CALL_BUDGET_S / max(1, hosts)))
        return lambda agent: self.dispatcher.call(agent, function, args, timeout_s)

    def _ask_mons(self, fsid: str, function: str, args: dict, what: str,
                  clean_failure=NotFound) -> Future:
        def ask_in_turn(hosts: list[str]) -> Future:
            hosts = hosts[:int(CALL_BUDGET_S / MIN_CALL_S)]
            return first_answer(self._call(function, args, len(hosts)), hosts, what, clean_failure)
        return self._mon_hosts(fsid, ask_in_turn)

    def cli_signatures(self, fsid: str) -> Future:
        """The cluster's command signatures (actors/facade/cli/signatures.py), asked of a mon host once
        per SIGNATURES_TTL_S: they change only when Ceph is upgraded or a mgr module comes."""
        kept = self._cli_signatures.get(fsid)
        if kept is not None and self.clock() - kept[1] < SIGNATURES_TTL_S:
            return done(kept[0])

        def keep(descriptions) -> Signatures:
            signatures = Signatures.from_descriptions(descriptions if isinstance(descriptions, dict) else {})
            if not len(signatures):
                raise Unavailable("The cluster described no commands")
            self._cli_signatures[fsid] = (signatures, self.clock())
            return signatures
        return then(self._ask_mons(fsid, "command_descriptions", {"fsid": fsid}, "command descriptions",
                                   clean_failure=Unavailable), keep)

    def run_cli(self, fsid: str, command: dict) -> Future:
        # A command that ran answers 200 whatever its status; a job that failed means the mon
        # host could not reach the cluster at all: 503, not 404.
        return self._ask_mons(fsid, "mon_command", {"fsid": fsid, "command": dict(command)},
                              "ceph " + str(command.get("prefix")), clean_failure=Unavailable)

    def cluster_log(self, fsid: str, lines: int) -> Future:
        answer = self._ask_mons(fsid, "tail_log", {"path": "ceph/ceph.log", "lines": lines}, "cluster log")
        return then(answer, lambda text: {"lines": text})

    def server_logs(self, fqdn: str) -> Future:
        return self._with_agent(fqdn, lambda: first_answer(self._call("list_logs", {}), [fqdn], f"logs of {fqdn}"))

    def server_log(self, fqdn: str, path: str, lines: int) -> Future:
        clean = posixpath.normpath(path)
        if path.startswith("/") or "\0" in path or not clean.startswith(CEPH_LOG_DIR + "/"):
            return failed(Invalid(f"only logs under /var/log/{CEPH_LOG_DIR} can be read",
                                  {"path": [f"must be a path under {CEPH_LOG_DIR}/, relative to /var/log"]}))
        return self._with_agent(fqdn, lambda: then(
            first_answer(self._call("tail_log", {"path": clean, "lines": lines}), [fqdn], f"log {clean} of {fqdn}"),
            lambda text: {"lines": text}))

