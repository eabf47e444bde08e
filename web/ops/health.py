"""The health probes on the API port, for a supervisor, a container engine or a load balancer:

* GET /healthz: 200 {"status": "ok"} — the process and its event loop answer (a blocked loop
  answers nothing, which is the failure a liveness probe is for);
* GET /readyz: 200 {"ready": true} when the daemon can serve (its store writes, its bus is bound,
  every cluster caught up since start: actors/facade/readiness.py), else 503 {"ready": false,
  "reasons": [...]}.

No login, no cookie, nothing about the clusters: the reasons are fixed phrases. Both read flags in
place, so a probe every second costs nothing worth measuring. HEAD answers as GET without a body.
"""
from __future__ import annotations

from web.base import BaseHandler
from web.errors import ApiError

SERVICE_UNAVAILABLE = 503


class ProbeHandler(BaseHandler):
    """A probe: anyone may ask; no XSRF cookie is set and no credentials are looked at. Its
    answers log at DEBUG unless they fail (web/app.py log_access)."""
    requires_session = False
    quiet_access_log = True

    async def prepare(self) -> None:
        if self.request.method not in self.allowed_methods():
            raise ApiError(405, f'Method "{self.request.method}" not allowed.')

    def head(self) -> None:
        self.get()


class HealthzHandler(ProbeHandler):
    def get(self) -> None:
        self.send_json({"status": "ok"})


class ReadyzHandler(ProbeHandler):
    """In an HA group the answer names the role ("active"; a standby answers from
    web/standby.py), and `?role=active` is ready only on the active member."""

    def get(self) -> None:
        reasons = self.api.readiness()
        ha_role = self.settings.get("ha_role")
        role = {} if ha_role is None else {"role": ha_role()}
        if self.get_query_argument("role", None) == "active" and role.get("role", "active") != "active":
            reasons = [*reasons, "this manager is not the active one"]
        if reasons:
            self.send_json({"ready": False, **role, "reasons": reasons}, SERVICE_UNAVAILABLE)
        else:
            self.send_json({"ready": True, **role})


ROUTES = [("/healthz", HealthzHandler), ("/readyz", ReadyzHandler)]

# Their part of the OpenAPI document (web/ops/__init__.py openapi_paths): outside /api/v2, so each
# names its own server ("/"), overriding the document's.
_PROBE = {"tags": ["probes"], "security": []}
# Only in an HA group (--ha): which member answered.
_ROLE = {"type": "string", "enum": ["active", "standby"]}
OPENAPI_PATHS = {
    "/healthz": {"servers": [{"url": "/"}], "get": {
        **_PROBE, "summary": "liveness: the process and its event loop answer",
        "responses": {"200": {"description": "alive", "content": {"application/json": {"schema": {
            "type": "object", "required": ["status"], "additionalProperties": False,
            "properties": {"status": {"type": "string", "enum": ["ok"]}}}}}}}}},
    "/readyz": {"servers": [{"url": "/"}], "get": {
        **_PROBE,
        "summary": "readiness: store writable, agent bus bound, every cluster synced since start",
        "parameters": [{"name": "role", "in": "query", "required": False,
                        "description": "active: ready only on the active member of an HA group",
                        "schema": {"type": "string", "enum": ["active"]}}],
        "responses": {
            "200": {"description": "ready", "content": {"application/json": {"schema": {
                "type": "object", "required": ["ready"], "additionalProperties": False,
                "properties": {"ready": {"type": "boolean", "enum": [True]}, "role": _ROLE}}}}},
            "503": {"description": "not ready, and why", "content": {"application/json": {"schema": {
                "type": "object", "required": ["ready", "reasons"], "additionalProperties": False,
                "properties": {"ready": {"type": "boolean", "enum": [False]}, "role": _ROLE,
                               "reasons": {"type": "array", "minItems": 1,
                                           "items": {"type": "string"}}}}}}}}}},
}
