"""Users: `user` (GET, POST), `user/<id|me>` (GET, PUT, PATCH, DELETE) and
`user/<id|me>/unlock` (POST).

Every change needs a login session, never an API token (BaseHandler.session_only).
Creating and deleting accounts is for administrators (declared below, checked by the base
handler). Changing one is open to every role, since everyone may change their own email and
password: which account and which fields (a role only by an administrator) the Api decides
(Forbidden -> 403), given the session user as the actor; the web tier resolves `me` to its id.
"""
from __future__ import annotations

from actors.facade.accounts import USER_CREATE, USER_UPDATE
from actors.accounts.roles import ADMIN, READ_ONLY
from web.apidoc import answers
from web.base import BaseHandler
from web.contract import CREATED, NO_CONTENT, NO_PARAMETERS, OK, Write


def user_id_of(handler: BaseHandler, user_id: str) -> int:
    """`me` -> the id of whoever is asking; digits (the route allows no more) -> that id."""
    return handler.current_user["id"] if user_id == "me" else int(user_id)


class UserListHandler(BaseHandler):
    required_roles = {"POST": ADMIN}
    session_only = frozenset({"POST"})
    writes = {"post": Write(USER_CREATE, answer=CREATED, returns=answers.ref("User"))}
    answer_schema = answers.listed("User")

    async def get(self) -> None:
        self.send_json(await self.ask(self.api.list_users()))

    async def post(self) -> None:
        user = await self.ask(self.api.create_user(self.json_object(), self.current_user))
        self.send_json(user, 201)


class UserDetailHandler(BaseHandler):
    required_roles = {"PUT": READ_ONLY, "PATCH": READ_ONLY, "DELETE": ADMIN}
    session_only = frozenset({"PUT", "PATCH", "DELETE"})   # a token cannot change its owner's password
    writes = {"put": Write(USER_UPDATE, answer=OK, returns=answers.ref("User")),
              "patch": Write(USER_UPDATE, answer=OK, returns=answers.ref("User")),
              "delete": Write(answer=NO_CONTENT)}
    answer_schema = answers.ref("User")

    async def get(self, user_id: str) -> None:
        if user_id == "me":
            self.send_json(self.current_user)   # from this request's session_user answer
            return
        self.send_json(await self.ask(self.api.get_user(int(user_id))))

    async def put(self, user_id: str) -> None:
        await self.patch(user_id)

    async def patch(self, user_id: str) -> None:
        self.send_json(await self.ask(self.api.update_user(
            user_id_of(self, user_id), self.json_object(), self.current_user, client=self.request.remote_ip)))

    async def delete(self, user_id: str) -> None:
        await self.ask(self.api.delete_user(user_id_of(self, user_id), self.current_user))
        self.no_content()


class UserUnlockHandler(BaseHandler):
    """Clear an account's failed-login counts and locks, from every address (administrators,
    with a login session)."""
    required_roles = {"POST": ADMIN}
    session_only = frozenset({"POST"})
    writes = {"post": Write(NO_PARAMETERS, answer=NO_CONTENT, optional=True)}

    async def post(self, user_id: str) -> None:
        NO_PARAMETERS.check(self.json_object(optional=True), "POST")   # an empty body or {}
        await self.ask(self.api.unlock_user(user_id_of(self, user_id), self.current_user))
        self.no_content()
