"""`auth/login` and `auth/logout` (calamari-internals §9.2; failures answer 401, not 403).

A failed login answers only after `login_failure_delay_s`: an asyncio sleep of this request
alone, so guessing is slow for the guesser while the server serves everyone else meanwhile.
A locked account answers exactly like a wrong password (same 401, same delay): a distinct
answer would confirm to a guesser that the name exists and that the lock is what stops them,
while the owner and the administrators learn of the lock from its event.
"""
from __future__ import annotations

import asyncio

from actors.commands.fields import Body, string
from web import auth
from web.base import BaseHandler
from web.contract import OK, Write
from web.errors import ApiError

REQUIRED = "This field is required."
LOGIN = Body({"username": string(), "password": string()}, required=("username", "password"))


class LoginHandler(BaseHandler):
    requires_session = False
    writes = {"post": Write(LOGIN, answer=OK)}

    async def get(self) -> None:
        self.send_json({})          # prepare() has set the XSRF-TOKEN cookie

    async def post(self) -> None:
        username, password = self._credentials()
        self.audit_who = username
        user = await self.ask(self.api.authenticate(username, password))
        if user is None:
            await asyncio.sleep(self.web.login_failure_delay_s)
            raise ApiError(401, auth.LOGIN_FAILED)
        token = await self.ask(self.api.create_session(user["id"]))
        auth.set_session_cookie(self, token)
        auth.rotate_xsrf_cookie(self)
        self.send_json({})

    def _credentials(self) -> tuple[str, str]:
        body = self.json_object()
        errors = {}
        for field in LOGIN.required:
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
    writes = {"post": Write(answer=OK)}

    async def get(self) -> None:
        await self._logout()

    async def post(self) -> None:
        await self._logout()

    async def _logout(self) -> None:
        if self.session_token is not None:
            await self.ask(self.api.end_session(self.session_token))
        auth.clear_session_cookie(self)
        self.send_json({"message": "Logged out"})
