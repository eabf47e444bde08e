"""The base handler every /api/v2 resource derives from.

Per request: 405 check -> XSRF cookie/header -> who is asking (Bearer token or session cookie,
one Api call) -> may their role use this verb here (`required_roles`, declared per handler) ->
the resource's verb method (parse -> one or two Api calls -> json.dumps). Every write, whatever
its outcome, is then recorded once as an audit event (`on_finish`). Write verbs answer through `accepted` (the
202 workflow: 202 {"request_id"}, or 304 for a no-op) or `no_content` (204). Every failure,
whoever raises it (the web tier, the Api's DomainErrors, Tornado itself, an unexpected bug),
leaves as the one JSON error shape {"detail", "errors"}, never as HTML or a traceback.

A verb is offered exactly when the handler class defines its method: adding PATCH to a resource
later is defining `async def patch(...)` on its handler, nothing else (405 and Allow follow).
"""
from __future__ import annotations

import json
import logging
from concurrent.futures import Future
from typing import Any

from tornado import httputil
from tornado.web import Finish, HTTPError, RequestHandler

from actors.accounts import roles
from actors.change_options import ChangeOptions, parse_change_options
from actors.cluster.queries import Query
from actors.json_bytes import JsonBytes
from actors.errors import DomainError
from bus import log_context
from web import auth, conditional, limits, security
from web.bridge import resolve
from web.errors import ApiError, error_body

log = logging.getLogger(__name__)

VERBS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")
NOT_AN_OBJECT = "Request body must be a JSON object"


class BaseHandler(RequestHandler):
    requires_session = True          # False only for info and the login/logout pair
    # The least role each verb needs, where it differs from roles.default_required (reads: any
    # role; changes: operator). E.g. {"POST": roles.ADMIN}. Checked once, in auth.authorize.
    required_roles: dict[str, str] = {}
    # Verbs that need a login session, never an API token (account and token administration):
    # a leaked script token must not be able to mint accounts or take over passwords. Checked
    # in auth.authorize.
    session_only: frozenset[str] = frozenset()
    audit_who: str | None = None     # who to name in the audit event when nobody is logged in
    audit_request_id: str | None = None
    audit_detail: str | None = None  # what the audit event adds to method and path (secrets redacted)
    dry_run = False                  # ?dry_run=1 on a write: `accepted` answers the preview (200)
    token_id: str | None = None      # the API token's public id when a Bearer token authenticated
    body_limit_setting = "max_body_bytes"   # the WebSettings field bounding the request body
    # Declarations for the OpenAPI document (web/contract.py): GET query parameters, and the
    # body and answer of each unsafe verb.
    query: dict = {}
    writes: dict = {}
    version_etag: str | None = None  # this GET's ETag from the version of its cluster read, if any
    _http_request_id: str | None = None

    def needs_session(self, method: str) -> bool:
        """Whether `method` here needs a login session rather than an API token."""
        return method in self.session_only

    def set_default_headers(self) -> None:
        self.set_header("Content-Type", "application/json; charset=UTF-8")
        self.set_header("Cache-Control", "no-cache")
        self.set_header("X-Request-Id", self.http_request_id)   # here: an error answer keeps it
        security.apply_headers(self)

    @property
    def http_request_id(self) -> str:
        """This HTTP request's id (the caller's X-Request-Id when it is a plain id): in the answer's
        X-Request-Id header and the request_id of its log lines (not the 202's Ceph request_id)."""
        if self._http_request_id is None:
            self._http_request_id = log_context.new_request_id(self.request.headers.get("X-Request-Id"))
        return self._http_request_id

    # the seam -------------------------------------------------------------------------------
    @property
    def api(self):
        return self.settings["api"]

    @property
    def web(self):
        return self.settings["web"]

    async def ask(self, future: Future) -> Any:
        return await resolve(future, self.web.ask_timeout_s)

    async def cluster_query(self, fsid: str, query: Query, /, **params) -> Any:
        """The answer of a cluster read, unless If-None-Match names its ETag: then 304 at once
        (Finish), before the answer is computed or joined. The ETag is worked out from the read's
        version tag, taken before the answer so it is never newer than it; Tornado sets it on
        the 200 (compute_etag). `*` waits for the answer: 304 only where one exists. A GET makes
        one such read (the 304 is decided by it alone)."""
        # fsid and query go positionally: the mon queries take a parameter called `name`,
        # so Api.cluster_query must declare (fsid, query, /, **params) positional-only.
        version = self.api.cluster_etag(fsid, query, **params)
        if version is not None:
            self.version_etag = conditional.entity_tag(version, self.request.uri)
            if_none_match = self.request.headers.get("If-None-Match")
            if conditional.requested(if_none_match) != conditional.ANY \
                    and conditional.matches(if_none_match, self.version_etag):
                self.not_modified()
        return await self.ask(self.api.cluster_query(fsid, query, **params))

    def not_modified(self) -> None:
        """End this GET with 304, its ETag and no body."""
        self.set_header("Etag", self.version_etag)
        self.set_status(304)
        raise Finish()

    def compute_etag(self) -> str | None:
        """Tornado's ETag of a 200 GET: the cluster read's, else a hash of the body."""
        return self.version_etag or super().compute_etag()

    def check_etag_header(self) -> bool:
        """Tornado's If-None-Match check at finish(), with ours: `*` only alone, a garbled
        header matches nothing (Tornado reads a `*` anywhere in it as `*`)."""
        return conditional.matches(self.request.headers.get("If-None-Match"), self._headers.get("Etag"))

    # request pipeline -------------------------------------------------------------------------
    @classmethod
    def allowed_methods(cls) -> list[str]:
        """The verbs this handler class defines (read-only: worked out once per class, since every
        request asks)."""
        allowed = cls.__dict__.get("_allowed_methods")
        if allowed is None:
            allowed = [verb for verb in VERBS
                       if getattr(cls, verb.lower()) is not getattr(RequestHandler, verb.lower())]
            cls._allowed_methods = allowed
        return allowed

    @classmethod
    def required_role(cls, method: str) -> str:
        return cls.required_roles.get(method, roles.default_required(method))

    async def prepare(self) -> None:
        # The handler runs in a task of its own: what it logs, and the tasks it starts, carry the id.
        log_context.bind(request_id=self.http_request_id)
        method = self.request.method
        if method not in self.allowed_methods():
            raise ApiError(405, f'Method "{method}" not allowed.')
        limits.check_body_size(len(self.request.body), getattr(self.web, self.body_limit_setting))
        if method == "GET":
            auth.ensure_xsrf_cookie(self)
        await auth.identify(self)
        if self.requires_session:
            auth.authorize(self)

    # helpers for resources ---------------------------------------------------------------------
    def send_json(self, data: Any, status: int = 200) -> None:
        self.set_status(status)
        self.finish(data if isinstance(data, JsonBytes) else json.dumps(data))

    def query_args(self) -> dict[str, list[str]]:
        return {name: [v.decode("utf-8", "replace") for v in values]
                for name, values in self.request.query_arguments.items()}

    def base_url(self) -> str:
        """The public URL of this request's path (no query)."""
        return self.site_url(self.request.path)

    def site_url(self, path: str) -> str:
        # Never from the Host header: a client could make our links point anywhere.
        return f"{self.web.public_url}{path}"

    def json_body(self) -> Any:
        """The body as JSON: only under `Content-Type: application/json` (else 415), so that no
        form or text/plain body a browser may send cross-site is ever read as JSON. (An empty
        body is no JSON whatever its type: 400.)"""
        media_type = self.request.headers.get("Content-Type", "").split(";")[0].strip().lower()
        if self.request.body and media_type != "application/json":
            raise ApiError(415, f"Unsupported media type {media_type or '(none)'!r}: JSON bodies "
                                "need Content-Type: application/json")
        return limits.parse_json(self.request.body)

    def json_object(self, *, optional: bool = False) -> dict:
        """The body as a JSON object, else 400; with `optional`, an empty body reads as {}."""
        if optional and not self.request.body.strip():
            return {}
        body = self.json_body()
        if not isinstance(body, dict):
            raise ApiError(400, NOT_AN_OBJECT)
        return body

    # answers of the write verbs ------------------------------------------------------------------
    def change_options(self) -> ChangeOptions:
        """The write's `?dry_run` and `?force` (actors/change_options.py); 400 naming a bad one.
        A dry run is audited as one."""
        options = parse_change_options(self.query_args())
        self.dry_run = options.dry_run
        if options.dry_run:
            self.audit_detail = "dry run"
        return options

    async def accepted(self, future: Future) -> None:
        """The 202 workflow: {"request_id"} -> 202; None (the change is a no-op) -> 304, no body.
        After change_options() said dry run: the preview -> 200 (actors/requests/previews.py)."""
        answer = await self.ask(future)
        if isinstance(answer, dict) and not self.dry_run:
            self.audit_request_id = answer.get("request_id")
            # force overrode the cluster's guardrails (actors/cluster/guardrail_keeper.py Overridden)
            self.audit_detail = getattr(answer, "audit_detail", None) or self.audit_detail
        if answer is None:
            self.set_status(304)
            self.finish()
        else:
            self.send_json(answer, 200 if self.dry_run else 202)

    def no_content(self) -> None:
        self.set_status(204)
        self.finish()

    # errors: one shape for all -----------------------------------------------------------------
    def send_error(self, status_code: int = 500, **kwargs: Any) -> None:
        exc = kwargs.get("exc_info", (None, None, None))[1]
        if isinstance(exc, DomainError):
            status_code = exc.status
        super().send_error(status_code, **kwargs)

    def write_error(self, status_code: int, **kwargs: Any) -> None:
        exc = kwargs.get("exc_info", (None, None, None))[1]
        errors: dict = {}
        if isinstance(exc, (ApiError, DomainError)):
            detail, errors = exc.detail, exc.errors
            for name, value in getattr(exc, "headers", {}).items():
                self.set_header(name, value)
        elif isinstance(exc, HTTPError) or exc is None:
            detail = httputil.responses.get(status_code, "Error")
        else:
            detail = "Internal server error"
        if status_code == 405:
            self.set_header("Allow", ", ".join(self.allowed_methods()))
        self.finish(json.dumps(error_body(detail, errors)))

    # audit: every write once, whatever its outcome ------------------------------------------------
    def on_finish(self) -> None:
        if self.request.method not in auth.UNSAFE_METHODS:
            return
        user = self.current_user
        who = self.audit_who if user is None else user["username"]
        if user is not None and self.token_id:
            who += f" (token {self.token_id})"
        kwargs = getattr(self, "path_kwargs", None) or {}
        try:
            self.api.record_audit(who, self.request.method, self.request.path, self.get_status(),
                                  request_id=self.audit_request_id, fsid=kwargs.get("fsid"),
                                  fqdn=kwargs.get("fqdn"), detail=self.audit_detail,
                                  client=self.request.remote_ip)
        except Exception:  # noqa: BLE001 - the answer is sent; a lost audit line must not raise here
            log.exception("audit of %s failed", self._request_summary())

    def log_exception(self, typ, value, tb) -> None:
        if isinstance(value, DomainError):
            log.info("%d %s: %s", value.status, self._request_summary(), value.detail)
        else:
            super().log_exception(typ, value, tb)


class NotFoundHandler(BaseHandler):
    """Every URL outside the route table, whatever the verb."""
    requires_session = False

    async def prepare(self) -> None:
        raise ApiError(404, "Not found")
