"""The Tornado application: the /api/v2 route table over an actors.facade.api.Api.

    app = make_app(api, settings=WebSettings(cookie_secret=..., hostname=..., ...))

Path parameter patterns follow the original (calamari-internals §5.20). A trailing slash is
accepted everywhere. Order matters only where two patterns could both match; they are anchored,
so `osd/command` is listed before `osd/<id>` merely for the reader.
"""
from __future__ import annotations

import logging
from typing import Callable

import tornado.log
import tornado.web

from web.base import NotFoundHandler
from web.login_throttle import LoginThrottle
from web import ops
from web.ops import openapi_paths, ops_routes
from web.apidoc import openapi
from web.resources import agents, capacity, clusters, crush, docs, events, keys, osds, pools
from web.resources import requests, root
from web.resources import servers, sessions, tokens, users
from web.settings import WebSettings
from web.stream.credentials import api_check
from web.stream.hub import StreamHub
from web.stream.settings import StreamSettings
from web.stream.stream import StreamHandler
from web.ui import UI_ROUTE_LABELS, ui_routes

__all__ = ["WebSettings", "make_app", "route_templates", "routes"]

FSID = r"(?P<fsid>[a-zA-Z0-9-]+)"
REQUEST_ID = r"(?P<request_id>[a-zA-Z0-9-]+)"
FQDN = r"(?P<fqdn>[a-zA-Z0-9.-]+)"
MON_ID = r"(?P<mon_id>[a-zA-Z0-9.-]+)"
MINION_ID = r"(?P<minion_id>[a-zA-Z0-9.-]+)"
POOL_ID = r"(?P<pool_id>\d+)"
OSD_ID = r"(?P<osd_id>\d+)"
TYPE_ID = r"(?P<type_id>\d+)"
NODE_ID = r"(?P<node_id>-?\d+)"
RULE_ID = r"(?P<rule_id>-?\d+)"
SYNC_TYPE = r"(?P<sync_type>[a-zA-Z0-9_-]+)"
CONFIG_KEY = r"(?P<key>[a-zA-Z0-9_]+)"
OSD_COMMAND = r"(?P<command>[a-zA-Z_]+)"
USER_ID = r"(?P<user_id>\d+|me)"
TOKEN_ID = r"(?P<token_id>[0-9a-f]{1,64})"
LOG_PATH = r"(?P<log_path>.+)"

C = f"cluster/{FSID}"

ROUTES: list[tuple[str, type]] = [
    ("", root.RootHandler),
    ("info", root.InfoHandler),
    ("bus", root.BusHandler),
    ("openapi.json", docs.OpenApiHandler),
    ("docs", docs.DocsHandler),
    ("grains", root.GrainsHandler),
    ("auth/login", sessions.LoginHandler),
    ("auth/logout", sessions.LogoutHandler),
    ("user", users.UserListHandler),
    (f"user/{USER_ID}", users.UserDetailHandler),
    (f"user/{USER_ID}/unlock", users.UserUnlockHandler),
    (f"user/{USER_ID}/token", tokens.TokenListHandler),
    (f"user/{USER_ID}/token/{TOKEN_ID}", tokens.TokenDetailHandler),
    ("key", keys.KeyListHandler),
    (f"key/{MINION_ID}", keys.KeyDetailHandler),
    ("fleet", capacity.FleetHandler),
    ("cluster", clusters.ClusterListHandler),
    (C, clusters.ClusterDetailHandler),
    (f"{C}/pool", pools.PoolListHandler),
    (f"{C}/pool/{POOL_ID}", pools.PoolDetailHandler),
    (f"{C}/osd", osds.OsdListHandler),
    (f"{C}/osd/command", osds.OsdImplementedCommandsHandler),
    (f"{C}/osd/{OSD_ID}", osds.OsdDetailHandler),
    (f"{C}/osd/{OSD_ID}/command", osds.OsdCommandListHandler),
    (f"{C}/osd/{OSD_ID}/command/{OSD_COMMAND}", osds.OsdCommandHandler),
    (f"{C}/osd_config", osds.OsdConfigHandler),
    (f"{C}/mon", clusters.MonListHandler),
    (f"{C}/mon/{MON_ID}", clusters.MonDetailHandler),
    (f"{C}/mon/{MON_ID}/status", clusters.MonStatusHandler),
    (f"{C}/health", clusters.HealthHandler),
    (f"{C}/guardrails", clusters.GuardrailsHandler),
    (f"{C}/usage", capacity.UsageHandler),
    (f"{C}/osd_usage", capacity.OsdUsageHandler),
    (f"{C}/io", capacity.IoHandler),
    (f"{C}/history", capacity.HistoryHandler),
    (f"{C}/config", clusters.ConfigListHandler),
    (f"{C}/config/{CONFIG_KEY}", clusters.ConfigDetailHandler),
    (f"{C}/sync_object", clusters.SyncObjectListHandler),
    (f"{C}/sync_object/{SYNC_TYPE}", clusters.SyncObjectHandler),
    (f"{C}/crush_map", crush.CrushMapHandler),
    (f"{C}/crush_node", crush.CrushNodeListHandler),
    (f"{C}/crush_node/{NODE_ID}", crush.CrushNodeDetailHandler),
    (f"{C}/crush_rule", crush.CrushRuleListHandler),
    (f"{C}/crush_rule/{RULE_ID}", crush.CrushRuleDetailHandler),
    (f"{C}/crush_rule_set", crush.CrushRuleSetListHandler),
    (f"{C}/crush_type", crush.CrushTypeListHandler),
    (f"{C}/crush_type/{TYPE_ID}", crush.CrushTypeDetailHandler),
    (f"{C}/server", servers.ClusterServerListHandler),
    (f"{C}/server/{FQDN}", servers.ClusterServerDetailHandler),
    (f"{C}/event", events.EventListHandler),
    (f"{C}/cli", agents.CliHandler),
    (f"{C}/log", agents.ClusterLogHandler),
    (f"{C}/request", requests.RequestListHandler),
    (f"{C}/request/{REQUEST_ID}", requests.RequestDetailHandler),
    (f"{C}/changes", requests.ClusterChangesHandler),
    ("server", servers.ServerListHandler),
    (f"server/{FQDN}", servers.ServerDetailHandler),
    (f"server/{FQDN}/grains", servers.ServerGrainsHandler),
    (f"server/{FQDN}/event", events.EventListHandler),
    (f"server/{FQDN}/log", agents.ServerLogListHandler),
    (f"server/{FQDN}/log/{LOG_PATH}", agents.ServerLogHandler),
    (f"server/{FQDN}/debug_job", servers.DebugJobHandler),
    ("event", events.EventListHandler),
    ("request", requests.RequestListHandler),
    (f"request/{REQUEST_ID}", requests.RequestDetailHandler),
    (f"request/{REQUEST_ID}/cancel", requests.RequestCancelHandler),
    (f"request/{REQUEST_ID}/revert", requests.RequestRevertHandler),
    ("stream", StreamHandler),
]


def routes(prefix: str = "/api/v2/") -> list[tornado.web.URLSpec]:
    return [tornado.web.url(f"{prefix}{path}/?$" if path else f"{prefix}?$", handler)
            for path, handler in ROUTES]


def route_templates() -> dict[tuple[type, frozenset], str]:
    """(handler class, its path parameters) -> the route as the OpenAPI document writes it
    ("cluster/{fsid}/osd/{osd_id}"; "/healthz" outside /api/v2): the metrics' label, a handful of
    values whatever the URLs."""
    templates = {}
    for path, handler in [*ROUTES, *ops.ROUTES]:
        template, parameters = openapi.path_template(path.lstrip("/"))
        outside_api = path.startswith("/")
        templates[(handler, frozenset(p["name"] for p in parameters))] = template if outside_api else template.lstrip("/")
    templates.update({(handler, frozenset()): label for handler, label in UI_ROUTE_LABELS.items()})
    return templates


class Application(tornado.web.Application):
    """Tornado's, telling `observe_http(route, method, code, seconds)` of every answer it logs
    (seconds None for a handler whose answer lasts as long as the client wants: the stream)."""

    def __init__(self, *args, observe_http: Callable[[str, str, int, float | None], None] | None = None,
                 **kwargs):
        super().__init__(*args, **kwargs)
        self._observe_http = observe_http
        self._templates = route_templates()

    def log_request(self, handler: tornado.web.RequestHandler) -> None:
        log_access(handler)
        if self._observe_http is not None:
            route = self._templates.get((type(handler), frozenset(handler.path_kwargs)), "unmatched")
            seconds = None if getattr(handler, "long_lived", False) else handler.request.request_time()
            self._observe_http(route, handler.request.method or "", handler.get_status(), seconds)


def log_access(handler: tornado.web.RequestHandler) -> None:
    """Tornado's access line (tornado.access, its levels by status) naming the path without the
    query string, with the fields the JSON log format writes (config/log_format.py)."""
    status, request = handler.get_status(), handler.request
    level = logging.INFO if status < 400 else logging.WARNING if status < 500 else logging.ERROR
    if status < 400 and getattr(handler, "quiet_access_log", False):
        level = logging.DEBUG     # a load balancer's probe every second: 86,400 lines a day at INFO
    if not tornado.log.access_log.isEnabledFor(level):
        return
    duration_ms = round(1000.0 * request.request_time(), 2)
    tornado.log.access_log.log(level, "%d %s %s (%s) %.2fms", status, request.method, request.path,
                               request.remote_ip, duration_ms,
                               extra={"method": request.method, "path": request.path, "status": status,
                                      "duration_ms": duration_ms,
                                      "request_id": getattr(handler, "http_request_id", None)})


def make_app(api, *, settings: WebSettings,
             observe_http: Callable[[str, str, int, float | None], None] | None = None,
             stream: StreamSettings | None = None, bootstrap=None,
             ha_role: Callable[[], str] | None = None) -> tornado.web.Application:
    """observe_http: told of every answer (metrics/daemon.py DaemonMetrics.observe_http); stream:
    how the live stream behaves. The stream's hub is `app.settings["stream_hub"]` (its
    client_count() is the open streams). bootstrap: what /bootstrap serves (web/ops/bootstrap.py
    Bootstrap; None: /bootstrap answers 404); ha_role: this manager's role in an HA group
    ("active"), which /readyz then names (None: not a member of a group)."""
    return Application(
        ops_routes() + ui_routes() + routes(),
        observe_http=observe_http,
        default_handler_class=NotFoundHandler,
        cookie_secret=settings.cookie_secret,
        api=api,
        web=settings,
        stream_hub=StreamHub(api.notices, stream or StreamSettings(), api_check(api)),
        bootstrap=bootstrap,
        ha_role=ha_role,
        openapi=openapi.document(ROUTES, settings, openapi_paths()),
        login_throttle=LoginThrottle(settings.login_in_flight_per_client, settings.login_failures_per_minute,
                                     settings.login_failure_burst),
    )
