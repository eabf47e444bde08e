"""`auth/login` and `auth/logout` (calamari-internals §9.2; failures answer 401, not 403).

A failed login answers only after `login_failure_delay_s`: an asyncio sleep of this request
alone, so guessing is slow for the guesser while the server serves everyone else meanwhile.
A locked account answers exactly like a wrong password (same 401, same delay): a distinct
answer would confirm to a guesser that the name exists and that the lock is what stops them,
while the owner and the administrators learn of the lock from its event.

Before any password work, each client address has its own budget of logins in progress and of
failures per minute (web/login_throttle.py; over it: 429 with Retry-After), so one address
flooding logins cannot starve another's. Login needs the XSRF header like every other write.
"""
from __future__ import annotations

import asyncio
import time

from actors.fields import Body, string
from actors.accounts.roles import unknown_user
from web import auth
from web.apidoc import answers
from web.base import BaseHandler
from web.contract import OK, Write
from web.errors import ApiError
from web.login_throttle import Throttled

REQUIRED = "This field is required."
TOO_MANY = "Too many logins from your address; try again later"
LOGIN = Body({"username": string(), "password": string()}, required=("username", "password"))


class LoginHandler(BaseHandler):
    requires_session = False
    writes = {"post": Write(LOGIN, answer=OK, returns=answers.NOTHING)}
    answer_schema = answers.NOTHING      # GET: {} and the XSRF-TOKEN cookie

    async def get(self) -> None:
        self.send_json({})          # prepare() has set the XSRF-TOKEN cookie

    async def post(self) -> None:
        # Login CSRF: another site must not log a browser in under the attacker's account, so
        # the XSRF double-submit is required here too, session cookie or not.
        if not auth.xsrf_ok(self):
            raise ApiError(403, auth.XSRF_FAILED)
        username, password = self._credentials()
        # The typed name may be a password typed in the wrong field: events name it only once
        # it proves to be an account's (roles.unknown_user).
        self.audit_who = unknown_user(username)
        user = await self._throttled_login(username, password, self.request.remote_ip)
        self.audit_who = user["username"]
        token = await self.ask(self.api.create_session(user["id"]))
        auth.set_session_cookie(self, token)
        auth.rotate_xsrf_cookie(self)
        self.send_json({})

    async def _throttled_login(self, username: str, password: str, client: str) -> dict:
        """The user, or ApiError: 429 over this address's budget (before any password work),
        401 after the failure delay."""
        throttle = self.application.settings["login_throttle"]
        try:
            throttle.admit(client, time.monotonic())
        except Throttled as exc:
            raise ApiError(429, TOO_MANY, headers={"Retry-After": str(exc.retry_after_s)}) from None
        try:
            user = await self.ask(self.api.authenticate(username, password, client))
            if user is None:
                throttle.failed(client, time.monotonic())
                subject, _ = await asyncio.gather(self.ask(self.api.login_subject(username)),
                                                  asyncio.sleep(self.web.login_failure_delay_s))
                self.audit_who = subject
                raise ApiError(401, auth.LOGIN_FAILED)
            return user
        finally:
            throttle.release(client)

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
    writes = {"post": Write(answer=OK, returns=answers.LOGGED_OUT)}
    answer_schema = answers.LOGGED_OUT

    async def get(self) -> None:
        await self._logout()

    async def post(self) -> None:
        await self._logout()

    async def _logout(self) -> None:
        if self.session_token is not None:
            await self.ask(self.api.end_session(self.session_token))
        auth.clear_session_cookie(self)
        self.send_json({"message": "Logged out"})
