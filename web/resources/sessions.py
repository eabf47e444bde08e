"""`auth/login` and `auth/logout` (calamari-internals §9.2; failures answer 401, not 403)."""
from __future__ import annotations

from web import auth
from web.base import BaseHandler
from web.errors import ApiError

REQUIRED = "This field is required."


class LoginHandler(BaseHandler):
    requires_session = False

    async def get(self) -> None:
        self.send_json({})          # prepare() has set the XSRF-TOKEN cookie

    async def post(self) -> None:
        username, password = self._credentials()
        user = await self.ask(self.api.authenticate(username, password))
        if user is None:
            raise ApiError(401, auth.LOGIN_FAILED)
        token = await self.ask(self.api.create_session(user["id"]))
        auth.set_session_cookie(self, token)
        auth.rotate_xsrf_cookie(self)
        self.send_json({})

    def _credentials(self) -> tuple[str, str]:
        body = self.json_object()
        errors = {}
        for field in ("username", "password"):
            value = body.get(field)
            if value is None or value == "":
                errors[field] = [REQUIRED]
            elif not isinstance(value, str):
                errors[field] = ["Must be a string."]
        if errors:
            raise ApiError(400, "Invalid login: " + ", ".join(sorted(errors)), errors)
        return body["username"], body["password"]


class LogoutHandler(BaseHandler):
    requires_session = False

    async def get(self) -> None:
        await self._logout()

    async def post(self) -> None:
        await self._logout()

    async def _logout(self) -> None:
        if self.session_token is not None:
            await self.ask(self.api.end_session(self.session_token))
        auth.clear_session_cookie(self)
        self.send_json({"message": "Logged out"})
