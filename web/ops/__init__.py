"""What the API port serves outside /api/v2 for machines rather than people: the health probes
a supervisor or load balancer asks (`/healthz`, `/readyz`) and the onboarding of a new server
(`/bootstrap` and the agent's wheel). None of it needs a session, and none of it reveals a
cluster."""
from __future__ import annotations

import tornado.web

from web.ops import bootstrap, health


# (path pattern, handler) of the routes outside /api/v2.
ROUTES = health.ROUTES + bootstrap.ROUTES


def ops_routes() -> list[tornado.web.URLSpec]:
    """The routes outside /api/v2; web/app.py puts them before the API's."""
    return [tornado.web.url(f"{path}$", handler) for path, handler in ROUTES]


def openapi_paths() -> dict:
    """Their path items for the OpenAPI document (each with its own `servers`: they are not
    under /api/v2)."""
    return {**health.OPENAPI_PATHS, **bootstrap.OPENAPI_PATHS}
