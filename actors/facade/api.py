"""The read/write facade the web tier calls: every method returns a concurrent.futures.Future.

This is the seam between Tornado and the actors. Methods never block: each one posts a query
message to the actor that owns the data, with the Future to complete (`reply`); the web bridge
awaits it with a deadline. A Future fails with an actors.errors.DomainError subclass for
expected failures (NotFound -> 404, Unavailable -> 503, Invalid -> 400 ...).

Returned values are plain JSON-ready structures (or, for cluster queries, JsonBytes: the same
already encoded) in the API's wire format
(docs: ../shared/reference/api-v2-examples.json); datetimes are already ISO-8601 strings.
"""
from __future__ import annotations

from concurrent.futures import Future
from typing import Protocol

from actors.change_options import NO_OPTIONS, ChangeOptions
from actors.cluster.queries import Query
from actors.messages import ChangeKind
from actors.notices import Notices


class Api(Protocol):
    # What the actors tell has happened (actors/notices.py): the live stream subscribes.
    notices: Notices

    # clusters ---------------------------------------------------------------------------
    def list_clusters(self) -> Future: ...                       # [{update_time, id, name}]
    # `query`'s keyword parameters and answer: its member in actors/cluster/queries.py Query.
    def cluster_query(self, fsid: str, query: Query, /, **params) -> Future: ...
    # Not a Future: an opaque tag of cluster_query's answer now (the ETag), or None (unversioned).
    def cluster_etag(self, fsid: str, query: Query, /, **params) -> str | None: ...

    # servers (fleet-wide) -----------------------------------------------------------------
    def list_servers(self) -> Future: ...                        # [server]
    def get_server(self, fqdn: str) -> Future: ...               # server
    def get_server_grains(self, fqdn: str) -> Future: ...        # {grain: value}

    # events and requests: pages -----------------------------------------------------------
    def list_events(self, *, fsid: str | None, fqdn: str | None, max_severity: int,
                    offset: int, limit: int) -> Future: ...      # (count, [{when, severity, message}])
    # where: the other filters (actors/requests/messages.py RequestFilter)
    def list_requests(self, *, fsid: str | None, state: str | None,
                      offset: int, limit: int, where=None) -> Future: ...    # (count, [request])
    def list_changes(self, fsid: str, offset: int, limit: int) -> Future: ...   # (count, [change])
    def get_request(self, request_id: str) -> Future: ...        # request and its history
    def cluster_history(self, fsid: str, series: list[str], from_t: float | None,
                        to_t: float | None) -> Future: ...   # {"step_s", "series": {name: [[time, value]]}}
    def fleet_page(self, *, ordering: str, health: str | None, offset: int,
                   limit: int) -> Future: ...                    # (count, JsonBytes of fleet rows)

    # changes: the 202 workflow. Future of {"request_id": id}, or None for a no-op (HTTP 304).
    # `attrs` is the parsed JSON body as sent (validation of types, allowed/required fields and
    # semantics happens behind the facade: Invalid -> 400 with errors naming fields, NotFound ->
    # 404, Conflict -> 409, Unavailable -> 503 when the cluster has no reachable mon).
    # `user` is the session user dict ({id, username, ...}), recorded as who asked.
    # Which kinds each verb takes: actors/cluster/changes.py PLANNERS (NotFound for others).
    # `options` (actors/change_options.py): with dry_run, the preview (actors/requests/previews.py)
    # instead of {"request_id"}, nothing submitted; force is read by the guardrails.
    def create(self, fsid: str, kind: ChangeKind, attrs: dict, user: dict, /,
               options: ChangeOptions = NO_OPTIONS) -> Future: ...
    def update(self, fsid: str, kind: ChangeKind, ident, attrs: dict, user: dict, /,
               options: ChangeOptions = NO_OPTIONS) -> Future: ...
    def delete(self, fsid: str, kind: ChangeKind, ident, user: dict, /,
               options: ChangeOptions = NO_OPTIONS) -> Future: ...
    def osd_command(self, fsid: str, osd_id: int, command: str, user: dict,
                    options: ChangeOptions = NO_OPTIONS) -> Future: ...
    def replace_crush_map(self, fsid: str, text: str, user: dict,
                          options: ChangeOptions = NO_OPTIONS) -> Future: ...
    def osd_checks(self, fsid: str, plan) -> Future: ...   # [ok-to-stop, safe-to-destroy checks] of a Plan
    def debug_job(self, fqdn: str, cmd: str, args, user: dict,
                  options: ChangeOptions = NO_OPTIONS) -> Future: ...   # {"request_id"}; a dry run: its preview
    def cancel_request(self, request_id: str) -> Future: ...    # the request after cancelling
    # the inverse of a completed change (actors/requests/revert.py): as `update` answers
    def revert(self, request_id: str, user: dict, options: ChangeOptions = NO_OPTIONS) -> Future: ...

    # a cluster's guardrails (actors/cluster/guardrails.py): {refuse_unsafe_osd_changes,
    # refuse_deleting_pools_with_data, change_window}; set: Invalid naming fields, Forbidden
    # for non-admins; answers the guardrails as now set
    def get_guardrails(self, fsid: str) -> Future: ...
    def set_guardrails(self, fsid: str, body, user: dict) -> Future: ...

    # forgetting -------------------------------------------------------------------------------
    def delete_cluster(self, fsid: str) -> Future: ...           # None; NotFound
    def delete_server(self, fqdn: str) -> Future: ...            # None; NotFound

    # synchronous calls to agents (first responsive mon; 503 if none answers) -----------------------
    def cli_signatures(self, fsid: str) -> Future: ...           # actors.facade.cli.signatures.Signatures
    def run_cli(self, fsid: str, command: dict) -> Future: ...   # {out, err, status}
    def cluster_log(self, fsid: str, lines: int) -> Future: ...  # {"lines": text}
    def server_logs(self, fqdn: str) -> Future: ...              # [path, ...]
    def server_log(self, fqdn: str, path: str, lines: int) -> Future: ...   # {"lines": text}

    # Not a Future: why the daemon is not ready for traffic ([] when it is), fixed phrases that
    # name no cluster; cheap and non-blocking (GET /readyz; actors/facade/readiness.py).
    def readiness(self) -> list[str]: ...

    # users and sessions (a user dict: {id, username, email, is_admin, role}) -------------------
    def authenticate(self, username: str, password: str) -> Future: ...  # user dict or None (also locked)
    def create_session(self, user_id: int) -> Future: ...        # token str
    def session_user(self, token: str) -> Future: ...            # user dict or None (ended, expired, idle)
    def end_session(self, token: str) -> Future: ...             # None
    def token_user(self, token: str) -> Future: ...              # user dict or None (bad, expired, revoked)
    def list_users(self) -> Future: ...                          # [user]
    def get_user(self, user_id: int) -> Future: ...              # user

    # API tokens (own, or anyone's for an admin except creating; Forbidden otherwise) -----------
    def list_tokens(self, user_id: int, actor: dict) -> Future: ...  # [{id, name, created_at, expires_at, last_used_at, expired}]
    def create_token(self, user_id: int, attrs: dict, actor: dict) -> Future: ...  # same + "token" (once)
    def revoke_token(self, user_id: int, token_id: str, actor: dict) -> Future: ...  # None; NotFound

    # audit: one event per write request; `who` is a username (or what was typed at the login)
    def record_audit(self, who: str | None, method: str, path: str, status: int, *,
                     request_id: str | None = None, fsid: str | None = None,
                     fqdn: str | None = None, detail: str | None = None,
                     client: str | None = None) -> Future: ...     # None

    # agent keys ------------------------------------------------------------------------------
    def list_keys(self) -> Future: ...                           # [{id, status, fingerprint, refused_fingerprint}]
    def get_key(self, minion_id: str) -> Future: ...             # {id, status, fingerprint, refused_fingerprint}
    def update_key(self, minion_id: str, status) -> Future: ...  # None; Invalid for bad transitions
    def delete_key(self, minion_id: str) -> Future: ...          # None; NotFound
    def bus_stats(self) -> Future: ...                           # {counter: int} (bus/server.py)

    # user management (`actor` is the session user; Forbidden when not allowed) ---------------------
    def create_user(self, attrs: dict, actor: dict) -> Future: ...              # user
    def update_user(self, user_id: int, attrs: dict, actor: dict) -> Future: ...  # user
    def delete_user(self, user_id: int, actor: dict) -> Future: ...             # None
